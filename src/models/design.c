/* The design matrix of the classical models: polynomial terms in scikit-learn's
 * order and their names, column moments, and the matrix a model's solver sees (the
 * caller's X when nothing changes it). Shared by the estimator and its solvers, so
 * the solvers never call back up into estimator.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/models_internal.h"

/* ---- polynomial terms --------------------------------------------------------------------- */

/* The terms of degree <= D over n variables in scikit-learn's order, each the
 * product of an earlier term (parent, -1 for none) and one variable. */
typedef struct terms {
    int64_t count;
    int64_t *parent, *var;
} terms;

static void terms_free(terms *t) {
    free(t->parent);
    free(t->var);
}

pr_status pr__terms_count(int64_t n, int degree, int64_t *count) {
    /* C(n + D, D) - 1, built up as a product of ratios, stopping past the limit */
    double c = 1;
    for (int k = 1; k <= degree; k++) {
        c = c * (double)(n + k) / k;
        if (c > PR__MAX_TERMS + 1.0)
            return pr__fail(PR_ERR_LIMIT, "polynomial features: degree %d of %lld columns gives more than %d terms",
                            degree, (long long)n, PR__MAX_TERMS);
    }
    *count = (int64_t)llround(c) - 1;
    return PR_OK;
}

static pr_status terms_build(int64_t n, int degree, terms *t) {
    memset(t, 0, sizeof *t);
    int64_t count = 0;
    pr_status st = pr__terms_count(n, degree, &count);
    if (st) return st;
    t->parent = pr__malloc((size_t)(count ? count : 1) * sizeof *t->parent);
    t->var = pr__malloc((size_t)(count ? count : 1) * sizeof *t->var);
    if (!t->parent || !t->var) {
        terms_free(t);
        return pr__fail(PR_ERR_NOMEM, "polynomial features: out of memory");
    }
    for (int64_t j = 0; j < n; j++) {
        t->parent[j] = -1;
        t->var[j] = j;
    }
    int64_t start = 0, end = n, k = n; /* terms of the previous degree: [start, end) */
    for (int d = 2; d <= degree; d++) {
        for (int64_t q = start; q < end; q++)
            for (int64_t v = t->var[q]; v < n; v++) {
                t->parent[k] = q;
                t->var[k] = v;
                k++;
            }
        start = end;
        end = k;
    }
    t->count = k;
    return PR_OK;
}

/* Expand the rows of X (m, n) into out (m, t->count), both row-major float64. */
static void terms_apply(const terms *t, const double *X, int64_t m, int64_t n, double *out) {
    for (int64_t i = 0; i < m; i++) {
        const double *x = X + i * n;
        double *o = out + i * t->count;
        for (int64_t k = 0; k < t->count; k++) o[k] = (t->parent[k] < 0 ? 1 : o[t->parent[k]]) * x[t->var[k]];
    }
}

static pr_status require_float_matrix(const pr_tensor *X, const char *op) {
    pr_status st = pr__require_tensor(X, op, "X");
    if (st || (st = pr__require_float(X, op))) return st;
    if (X->ndim != 2) {
        char a[64];
        return pr__fail(PR_ERR_SHAPE, "%s: X must be a matrix (rows, features); got %s", op,
                        pr_shape_format(X, a, sizeof a));
    }
    return PR_OK;
}

static pr_status as_float64_matrix(const pr_tensor *X, const char *op, pr_tensor **out) {
    pr_status st = require_float_matrix(X, op);
    return st ? st : pr_tensor_cast(X, PR_F64, out);
}

pr_status pr_polynomial_features(const pr_tensor *X, int degree, pr_tensor **out) {
    if (!out || degree < 1 || degree > PR__MAX_DEGREE)
        return pr__fail(PR_ERR_INVALID, "polynomial features: degree %d is outside 1..%d", degree, PR__MAX_DEGREE);
    pr_tensor *X64;
    pr_status st = as_float64_matrix(X, "polynomial features", &X64);
    if (st) return st;
    terms t;
    pr_tensor *r = NULL;
    if (!(st = terms_build(X->shape[1], degree, &t))) {
        if (!(st = pr_tensor_zeros(&r, PR_F64, PR_SHAPE(X->shape[0], t.count))))
            terms_apply(&t, pr_tensor_f64(X64), X->shape[0], X->shape[1], pr_tensor_f64(r));
        terms_free(&t);
    }
    pr_tensor_free(X64);
    if (!st) *out = r;
    return st;
}

const char *pr__term_name(const pr_estimator *e, int64_t j, char *buf, size_t len) {
    if (!buf || len == 0) return "";
    buf[0] = '\0';
    terms t;
    if (j < 0 || j >= e->n_terms || terms_build(e->n_features, e->c.degree, &t)) {
        pr_clear_error();
        return buf;
    }
    int64_t power_count = 0, vars[PR__MAX_DEGREE];
    for (int64_t q = j; q >= 0 && power_count < PR__MAX_DEGREE; q = t.parent[q]) vars[power_count++] = t.var[q];
    terms_free(&t);
    size_t used = 0;
    for (int64_t a = power_count - 1; a >= 0;) { /* vars are non-increasing from the end */
        int64_t v = vars[a], p = 0;
        while (a >= 0 && vars[a] == v) {
            p++;
            a--;
        }
        char name[64];
        const char *nm = e->features && e->features[v] ? e->features[v] : NULL;
        if (!nm) {
            snprintf(name, sizeof name, "x%lld", (long long)v);
            nm = name;
        }
        int w = p > 1 ? snprintf(buf + used, len - used, "%s%s^%lld", used ? " " : "", nm, (long long)p)
                      : snprintf(buf + used, len - used, "%s%s", used ? " " : "", nm);
        if (w < 0 || (size_t)w >= len - used) break;
        used += (size_t)w;
    }
    return buf;
}

const char *pr_estimator_term_name(const pr_estimator *e, int64_t j, char *buf, size_t len) {
    return e ? pr__term_name(e, j, buf, len) : "";
}

/* ---- the design matrix -------------------------------------------------------------------- */

void pr__column_moments(const double *Z, int64_t m, int64_t p, double *mean, double *var) {
    for (int64_t j = 0; j < p; j++) mean[j] = var[j] = 0;
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < p; j++) mean[j] += Z[i * p + j];
    for (int64_t j = 0; j < p; j++) mean[j] /= (double)m;
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < p; j++) {
            double d = Z[i * p + j] - mean[j];
            var[j] += d * d;
        }
    for (int64_t j = 0; j < p; j++) var[j] /= (double)m;
}

pr_status pr__estimator_design(const pr_estimator *e, const pr_tensor *X, int writable, const pr_tensor **Z,
                               pr_tensor **owned) {
    const char *op = pr_estimator_kind_name(e->c.kind);
    *owned = NULL;
    pr_status st = require_float_matrix(X, op);
    if (st) return st;
    if (X->shape[1] != e->n_features)
        return pr__fail(PR_ERR_SHAPE, "%s: the model takes %lld features; X has %lld columns", op,
                        (long long)e->n_features, (long long)X->shape[1]);
    if ((st = pr_tensor_check_finite(X, "X"))) return st;
    if (X->dtype == PR_F64 && e->c.degree <= 1 && !e->mean && !writable) { /* X serves as it is */
        *Z = X;
        return PR_OK;
    }
    int64_t m = X->shape[0], p = e->n_terms;
    pr_tensor *out;
    if (e->c.degree > 1) {
        pr_tensor *X64;
        terms t;
        if ((st = as_float64_matrix(X, op, &X64))) return st;
        if (!(st = terms_build(e->n_features, e->c.degree, &t))) {
            if (!(st = pr_tensor_zeros(&out, PR_F64, PR_SHAPE(m, p))))
                terms_apply(&t, pr_tensor_f64(X64), m, e->n_features, pr_tensor_f64(out));
            terms_free(&t);
        }
        pr_tensor_free(X64);
    } else {
        st = pr_tensor_cast(X, PR_F64, &out);
    }
    if (st) return st;
    double *z = pr_tensor_f64(out);
    if (e->mean) {
        const double *mu = pr_tensor_f64(e->mean), *sd = pr_tensor_f64(e->scale);
        for (int64_t i = 0; i < m; i++)
            for (int64_t j = 0; j < p; j++) z[i * p + j] = (z[i * p + j] - mu[j]) / sd[j];
    }
    *Z = *owned = out;
    return PR_OK;
}

