/* The estimator: settings, validation, the design matrix (polynomial terms and
 * standardisation), dispatch to the solvers, prediction and inspection. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "linalg/backend.h"
#include "models/models_internal.h"
#include "primer/data.h"
#include "primer/stats.h"

#define MAX_TERMS 100000
#define MAX_DEGREE 20

static const char *const kind_names[] = {
#define PR_X_(name, str) [name] = str,
    PR_ESTIMATOR_LIST(PR_X_)
#undef PR_X_
};
_Static_assert(sizeof kind_names / sizeof kind_names[0] == PR_EST_KIND_COUNT, "one name per model kind");
static const char *const solver_names[] = {
#define PR_X_(name, str, what) [name] = str,
    PR_SOLVER_LIST(PR_X_)
#undef PR_X_
};
_Static_assert(sizeof solver_names / sizeof solver_names[0] == PR_SOLVER_COUNT, "one name per solver");
enum { N_SOLVERS = PR_SOLVER_COUNT };

const char *pr_estimator_kind_name(pr_estimator_kind kind) {
    return (unsigned)kind < PR_EST_KIND_COUNT ? kind_names[kind] : "unknown";
}

pr_status pr_estimator_kind_parse(const char *name, pr_estimator_kind *out) {
    if (!name || !out) return pr__fail(PR_ERR_INVALID, "estimator kind: NULL argument");
    for (int k = 0; k < PR_EST_KIND_COUNT; k++)
        if (!strcmp(name, kind_names[k])) {
            *out = (pr_estimator_kind)k;
            return PR_OK;
        }
    if (!strcmp(name, "naive-bayes")) {
        *out = PR_EST_GAUSSIAN_NB;
        return PR_OK;
    }
    if (!strcmp(name, "elastic-net")) {
        *out = PR_EST_ELASTIC_NET;
        return PR_OK;
    }
    return pr__fail(PR_ERR_INVALID,
                    "unknown model '%s' (linear, ridge, lasso, elasticnet, logistic, softmax, naive-bayes, "
                    "gaussian-nb, multinomial-nb, bernoulli-nb)",
                    name);
}

const char *pr_solver_name(pr_solver solver) { return (unsigned)solver < N_SOLVERS ? solver_names[solver] : "unknown"; }

pr_status pr_solver_parse(const char *name, pr_solver *out) {
    if (!name || !out) return pr__fail(PR_ERR_INVALID, "solver: NULL argument");
    for (int k = 0; k < N_SOLVERS; k++)
        if (!strcmp(name, solver_names[k])) {
            *out = (pr_solver)k;
            return PR_OK;
        }
    return pr__fail(PR_ERR_INVALID, "unknown solver '%s' (auto, cholesky, qr, svd, gd, sgd, cd, lbfgs, newton)", name);
}

static int kind_is_classifier(pr_estimator_kind k) { return k >= PR_EST_LOGISTIC; }
static int kind_is_nb(pr_estimator_kind k) { return k >= PR_EST_GAUSSIAN_NB; }

/* The solvers each kind accepts (bit per solver). */
static unsigned solvers_of(pr_estimator_kind k, pr_regularizer penalty) {
#define S(x) (1u << (x))
    switch (k) {
    case PR_EST_LINEAR: return S(PR_SOLVER_CHOLESKY) | S(PR_SOLVER_QR) | S(PR_SOLVER_SVD) | S(PR_SOLVER_GD) | S(PR_SOLVER_SGD);
    case PR_EST_RIDGE: return S(PR_SOLVER_CHOLESKY) | S(PR_SOLVER_GD) | S(PR_SOLVER_SGD);
    case PR_EST_LASSO:
    case PR_EST_ELASTIC_NET: return S(PR_SOLVER_CD);
    case PR_EST_LOGISTIC:
        return penalty == PR_REG_L1 ? S(PR_SOLVER_GD) : S(PR_SOLVER_LBFGS) | S(PR_SOLVER_NEWTON) | S(PR_SOLVER_GD);
    case PR_EST_SOFTMAX: return penalty == PR_REG_L1 ? S(PR_SOLVER_GD) : S(PR_SOLVER_LBFGS) | S(PR_SOLVER_GD);
    default: return 0;
    }
#undef S
}

pr_estimator_config pr_estimator_defaults(pr_estimator_kind kind) {
    pr_estimator_config c = PR_ESTIMATOR_DEFAULTS;
    c.kind = kind;
    return c;
}

static pr_status resolve_config(const pr_estimator_config *in, pr_estimator_config *c) {
    *c = *in;
    if ((unsigned)c->kind >= PR_EST_KIND_COUNT) return pr__fail(PR_ERR_INVALID, "estimator: unknown kind %d", (int)c->kind);
    const char *name = kind_names[c->kind];
    if (!(c->alpha >= 0) || !isfinite(c->alpha)) return pr__fail(PR_ERR_INVALID, "%s: alpha %g must be >= 0", name, c->alpha);
    if (!(c->l1_ratio >= 0 && c->l1_ratio <= 1))
        return pr__fail(PR_ERR_INVALID, "%s: l1_ratio %g must be in [0, 1]", name, c->l1_ratio);
    if (c->penalty == PR_REG_DEFAULT) c->penalty = PR_REG_L2;
    if ((unsigned)c->penalty > PR_REG_NONE) return pr__fail(PR_ERR_INVALID, "%s: unknown penalty %d", name, (int)c->penalty);
    if (c->degree < 1 || c->degree > MAX_DEGREE)
        return pr__fail(PR_ERR_INVALID, "%s: polynomial degree %d is outside 1..%d (1: the features as they are)", name,
                        c->degree, MAX_DEGREE);
    if ((c->max_iter < 1 && c->max_iter != PR_UNSET_INT) || !(c->tol >= 0 || isnan(c->tol)) || !(c->lr > 0) ||
        c->batch < 1 || !(c->var_smoothing >= 0) || !(c->smoothing >= 0) || !isfinite(c->binarize))
        return pr__fail(PR_ERR_INVALID, "%s: needs max_iter >= 1 (or PR_UNSET_INT), tol >= 0 (or PR_UNSET), lr > 0, "
                                        "batch >= 1, smoothing and var_smoothing >= 0 (start from pr_estimator_defaults)",
                        name);
    if ((unsigned)c->solver >= N_SOLVERS) return pr__fail(PR_ERR_INVALID, "%s: unknown solver %d", name, (int)c->solver);
    if (c->solver == PR_SOLVER_AUTO && !kind_is_nb(c->kind)) {
        c->solver = c->kind <= PR_EST_RIDGE       ? PR_SOLVER_CHOLESKY
                    : c->kind <= PR_EST_ELASTIC_NET ? PR_SOLVER_CD
                    : c->penalty == PR_REG_L1      ? PR_SOLVER_GD
                                                   : PR_SOLVER_LBFGS;
    }
    if (kind_is_nb(c->kind) ? c->solver != PR_SOLVER_AUTO : !(solvers_of(c->kind, c->penalty) & (1u << c->solver)))
        return pr__fail(PR_ERR_INVALID, "%s: the %s solver does not apply%s", name, solver_names[c->solver],
                        c->penalty == PR_REG_L1 ? " with an L1 penalty (use gd: proximal gradient)" : "");
    if (c->max_iter == PR_UNSET_INT)
        c->max_iter = c->solver == PR_SOLVER_NEWTON ? 100
                      : c->solver == PR_SOLVER_SGD  ? 100
                      : (c->solver == PR_SOLVER_GD) ? 10000
                                                    : 1000;
    if (isnan(c->tol))
        c->tol = c->solver == PR_SOLVER_CD ? 1e-4 : c->solver == PR_SOLVER_GD && c->kind <= PR_EST_RIDGE ? 1e-6 : 1e-8;
    if (c->smoothing < 1e-10) c->smoothing = 1e-10; /* scikit-learn's floor: no probability of exactly 0 */
    c->feature_names = NULL;
    c->target_name = NULL;
    return PR_OK;
}

void pr_estimator_free(pr_estimator *e) {
    if (!e) return;
    free(e->classes);
    pr_tensor_free(e->mean);
    pr_tensor_free(e->scale);
    pr_tensor_free(e->coef);
    pr_tensor_free(e->intercept);
    pr_tensor_free(e->variance);
    for (int64_t j = 0; e->features && j < e->n_features; j++) free(e->features[j]);
    free(e->features);
    free(e->target);
    free(e);
}

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

static pr_status terms_count(int64_t n, int degree, int64_t *count) {
    /* C(n + D, D) - 1, built up as a product of ratios, stopping past the limit */
    double c = 1;
    for (int k = 1; k <= degree; k++) {
        c = c * (double)(n + k) / k;
        if (c > MAX_TERMS + 1.0)
            return pr__fail(PR_ERR_LIMIT, "polynomial features: degree %d of %lld columns gives more than %d terms",
                            degree, (long long)n, MAX_TERMS);
    }
    *count = (int64_t)llround(c) - 1;
    return PR_OK;
}

static pr_status terms_build(int64_t n, int degree, terms *t) {
    memset(t, 0, sizeof *t);
    int64_t count = 0;
    pr_status st = terms_count(n, degree, &count);
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
    if (!out || degree < 1 || degree > MAX_DEGREE)
        return pr__fail(PR_ERR_INVALID, "polynomial features: degree %d is outside 1..%d", degree, MAX_DEGREE);
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
    int64_t power_count = 0, vars[MAX_DEGREE];
    for (int64_t q = j; q >= 0 && power_count < MAX_DEGREE; q = t.parent[q]) vars[power_count++] = t.var[q];
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
    const char *op = kind_names[e->c.kind];
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

/* ---- fitting ------------------------------------------------------------------------------- */

/* Standardise the design Z in place, keeping the column means and scales. */
static pr_status fit_standardization(pr_estimator *e, pr_tensor *Z) {
    int64_t m = Z->shape[0], p = Z->shape[1];
    pr_status st = pr_tensor_zeros(&e->mean, PR_F64, PR_SHAPE(p));
    if (st || (st = pr_tensor_zeros(&e->scale, PR_F64, PR_SHAPE(p)))) return st;
    double *mu = pr_tensor_f64(e->mean), *sd = pr_tensor_f64(e->scale), *z = pr_tensor_f64(Z);
    pr__column_moments(z, m, p, mu, sd);
    for (int64_t j = 0; j < p; j++) sd[j] = sd[j] > 0 ? sqrt(sd[j]) : 1; /* a constant column keeps scale 1 */
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < p; j++) z[i * p + j] = (z[i * p + j] - mu[j]) / sd[j];
    return PR_OK;
}

static char *copy_string(const char *s) { return s ? pr__strdup(s) : NULL; }

static pr_status copy_names(pr_estimator *e, const pr_estimator_config *config) {
    if (config->target_name && !(e->target = copy_string(config->target_name)))
        return pr__fail(PR_ERR_NOMEM, "estimator: out of memory");
    if (!config->feature_names) return PR_OK;
    e->features = pr__calloc((size_t)(e->n_features ? e->n_features : 1), sizeof *e->features);
    if (!e->features) return pr__fail(PR_ERR_NOMEM, "estimator: out of memory");
    for (int64_t j = 0; j < e->n_features; j++)
        if (config->feature_names[j] && !(e->features[j] = copy_string(config->feature_names[j])))
            return pr__fail(PR_ERR_NOMEM, "estimator: out of memory");
    return PR_OK;
}

/* Without a penalty, a constant term duplicates the intercept and leaves the
 * problem without a unique solution: refuse it by name. (A penalty settles it: the
 * term then gets weight 0, as for the digits' always-blank corner pixels.) */
static pr_status check_constant_terms(const pr_estimator *e, const pr_tensor *Z) {
    int unpenalized = e->c.kind == PR_EST_LINEAR || (kind_is_classifier(e->c.kind) && !kind_is_nb(e->c.kind) &&
                                                     e->c.penalty == PR_REG_NONE);
    if (!unpenalized || e->c.no_intercept) return PR_OK;
    int64_t m = Z->shape[0], p = Z->shape[1];
    const double *z = pr_tensor_f64(Z);
    for (int64_t j = 0; j < p; j++) {
        int64_t i = 1;
        while (i < m && z[i * p + j] == z[j]) i++;
        if (i == m) {
            char name[256];
            return pr__fail(PR_ERR_INVALID,
                            "%s: feature '%s' (column %lld) is constant (%g in every row); without a penalty it "
                            "duplicates the intercept: drop the column or add a penalty",
                            kind_names[e->c.kind], pr__term_name(e, j, name, sizeof name), (long long)j + 1, z[j]);
        }
    }
    return PR_OK;
}

/* Classifiers: map the labels to 0..K-1, keeping the labels. */
static pr_status encode_classes(pr_estimator *e, const pr_tensor *y, pr_tensor **indices) {
    const char *op = kind_names[e->c.kind];
    pr_tensor *classes;
    pr_status st = pr_data_encode_labels(y, 1000, indices, &classes);
    if (st) return pr__fail_context("%s: the target: ", op);
    e->K = classes->size;
    if (e->K < 2) {
        double only = pr_tensor_get(classes, 0);
        pr_tensor_free(classes);
        pr_tensor_free(*indices);
        *indices = NULL;
        return pr__fail(PR_ERR_INVALID, "%s: the target has a single class (%g in all %lld rows); a classifier needs "
                        "at least two", op, only, (long long)y->size);
    }
    e->classes = pr__malloc((size_t)e->K * sizeof *e->classes);
    if (!e->classes) st = pr__fail(PR_ERR_NOMEM, "%s: out of memory", op);
    for (int64_t k = 0; !st && k < e->K; k++) e->classes[k] = pr_tensor_get(classes, k);
    pr_tensor_free(classes);
    if (st) {
        pr_tensor_free(*indices);
        *indices = NULL;
    }
    return st;
}

pr_status pr_estimator_fit(pr_estimator **out, const pr_estimator_config *config, const pr_tensor *X,
                           const pr_tensor *y) {
    if (!out || !config) return pr__fail(PR_ERR_INVALID, "estimator_fit: NULL argument");
    pr_estimator_config c;
    pr_status st = resolve_config(config, &c);
    if (st) return st;
    const char *op = kind_names[c.kind];
    if ((st = pr__require_tensor(X, op, "X")) || (st = pr__require_tensor(y, op, "y"))) return st;
    if (X->ndim != 2 || X->shape[0] < 2 || X->shape[1] < 1 || y->size != X->shape[0]) {
        char a[64], b[64];
        return pr__fail(PR_ERR_SHAPE, "%s: X must be (rows, features) with at least 2 rows and y one value per row; "
                        "got X %s and y %s", op, pr_shape_format(X, a, sizeof a), pr_shape_format(y, b, sizeof b));
    }
    if ((st = pr_tensor_check_finite(y, "y (the target)"))) return st;
    pr_estimator *e = pr__calloc(1, sizeof *e);
    if (!e) return pr__fail(PR_ERR_NOMEM, "%s: out of memory", op);
    e->c = c;
    e->n_features = X->shape[1];
    e->rank = -1;
    st = copy_names(e, config);
    if (!st) st = terms_count(e->n_features, c.degree, &e->n_terms);
    const pr_tensor *Z = NULL;
    pr_tensor *owned = NULL, *target = NULL;
    if (!st) st = pr__estimator_design(e, X, c.standardize, &Z, &owned);
    if (!st && c.standardize) st = fit_standardization(e, owned);
    if (!st) st = check_constant_terms(e, Z);
    if (!st) st = kind_is_classifier(c.kind) ? encode_classes(e, y, &target) : pr_tensor_cast(y, PR_F64, &target);
    if (!st) {
        if (target->ndim != 1) pr_tensor_reshape(target, PR_SHAPE(target->size));
        st = kind_is_nb(c.kind)          ? pr__fit_naive_bayes(e, Z, target)
             : kind_is_classifier(c.kind) ? pr__fit_logistic(e, Z, target)
                                          : pr__fit_linear(e, Z, target);
    }
    pr_tensor_free(owned);
    pr_tensor_free(target);
    if (st) {
        pr_estimator_free(e);
        return st;
    }
    *out = e;
    return PR_OK;
}

/* ---- prediction ---------------------------------------------------------------------------- */

pr_status pr_estimator_decision_function(const pr_estimator *e, const pr_tensor *X, pr_tensor **out) {
    if (!e || !out) return pr__fail(PR_ERR_INVALID, "decision_function: NULL argument");
    const pr_tensor *Z;
    pr_tensor *owned;
    pr_status st = pr__estimator_design(e, X, 0, &Z, &owned);
    if (st) return st;
    if (kind_is_nb(e->c.kind)) {
        st = pr__naive_bayes_scores(e, Z, out);
        pr_tensor_free(owned);
        return st;
    }
    int64_t m = Z->shape[0], p = e->n_terms, rows = e->coef->ndim == 2 ? e->coef->shape[0] : 1;
    pr_tensor *s;
    st = rows == 1 ? pr_tensor_zeros(&s, PR_F64, PR_SHAPE(m)) : pr_tensor_zeros(&s, PR_F64, PR_SHAPE(m, rows));
    if (!st) {
        const double *z = pr_tensor_f64(Z), *w = pr_tensor_f64(e->coef), *b = pr_tensor_f64(e->intercept);
        double *o = pr_tensor_f64(s);
        for (int64_t i = 0; i < m; i++)
            for (int64_t k = 0; k < rows; k++) o[i * rows + k] = b[k];
        if (rows == 1) pr__bk_gemv_f64(0, m, p, 1, z, p, w, 1, o);
        else pr__bk_gemm_f64(0, 1, m, rows, p, 1, z, p, w, p, 1, o, rows);
        *out = s;
    }
    pr_tensor_free(owned);
    return st;
}

pr_status pr_estimator_predict_proba(const pr_estimator *e, const pr_tensor *X, pr_tensor **out) {
    if (!e || !out) return pr__fail(PR_ERR_INVALID, "predict_proba: NULL argument");
    if (!e->K) return pr__fail(PR_ERR_INVALID, "predict_proba: %s is a regressor", kind_names[e->c.kind]);
    pr_tensor *s, *p;
    pr_status st = pr_estimator_decision_function(e, X, &s);
    if (st) return st;
    int64_t m = s->shape[0], K = e->K;
    if ((st = pr_tensor_zeros(&p, PR_F64, PR_SHAPE(m, K)))) {
        pr_tensor_free(s);
        return st;
    }
    const double *v = pr_tensor_f64(s);
    double *o = pr_tensor_f64(p);
    for (int64_t i = 0; i < m; i++) {
        if (s->ndim == 1) { /* binary logistic */
            o[i * 2 + 1] = pr__sigmoid(v[i]);
            o[i * 2] = pr__sigmoid(-v[i]);
            continue;
        }
        double mx = v[i * K], sum = 0;
        for (int64_t k = 1; k < K; k++) mx = v[i * K + k] > mx ? v[i * K + k] : mx;
        for (int64_t k = 0; k < K; k++) sum += o[i * K + k] = exp(v[i * K + k] - mx);
        for (int64_t k = 0; k < K; k++) o[i * K + k] /= sum;
    }
    pr_tensor_free(s);
    *out = p;
    return PR_OK;
}

pr_status pr_estimator_predict(const pr_estimator *e, const pr_tensor *X, pr_tensor **out) {
    if (!e || !out) return pr__fail(PR_ERR_INVALID, "predict: NULL argument");
    pr_tensor *s;
    pr_status st = pr_estimator_decision_function(e, X, &s);
    if (st || !e->K) {
        if (!st) *out = s;
        return st;
    }
    int64_t m = s->shape[0], K = e->K;
    pr_tensor *labels;
    if ((st = pr_tensor_zeros(&labels, PR_F64, PR_SHAPE(m)))) {
        pr_tensor_free(s);
        return st;
    }
    const double *v = pr_tensor_f64(s);
    for (int64_t i = 0; i < m; i++) {
        int64_t best = 0;
        if (s->ndim == 1) best = v[i] >= 0; /* P >= 0.5 is class 1 (ties to 1, section 6.3) */
        else
            for (int64_t k = 1; k < K; k++)
                if (v[i * K + k] > v[i * K + best]) best = k;
        pr_tensor_f64(labels)[i] = e->classes[best];
    }
    pr_tensor_free(s);
    *out = labels;
    return PR_OK;
}

pr_status pr_estimator_score(const pr_estimator *e, const pr_tensor *X, const pr_tensor *y, double *out) {
    if (!e || !out) return pr__fail(PR_ERR_INVALID, "score: NULL argument");
    pr_tensor *pred;
    pr_status st = pr_estimator_predict(e, X, &pred);
    if (st) return st;
    if (y == NULL || y->size != pred->size) {
        pr_tensor_free(pred);
        return pr__fail(PR_ERR_SHAPE, "score: need one target per row of X");
    }
    if (e->K) { /* accuracy: a label the model never saw is a miss, not an error */
        int64_t hits = 0;
        for (int64_t i = 0; i < y->size; i++) hits += pr_tensor_get(y, i) == pr_tensor_f64(pred)[i];
        *out = (double)hits / (double)y->size;
    } else {
        pr_regression_metrics r;
        if (!(st = pr_regression_metrics_of(y, pred, &r))) *out = r.r2;
    }
    pr_tensor_free(pred);
    return st;
}

/* ---- inspection ---------------------------------------------------------------------------- */

pr_estimator_config pr_estimator_settings(const pr_estimator *e) {
    pr_estimator_config c = e ? e->c : PR_ESTIMATOR_DEFAULTS;
    if (e) {
        c.feature_names = (const char *const *)e->features;
        c.target_name = e->target;
    }
    return c;
}
int pr_estimator_is_classifier(const pr_estimator *e) { return e && e->K > 0; }
int64_t pr_estimator_n_features(const pr_estimator *e) { return e ? e->n_features : 0; }
int64_t pr_estimator_n_terms(const pr_estimator *e) { return e ? e->n_terms : 0; }
const pr_tensor *pr_estimator_coef(const pr_estimator *e) { return e ? e->coef : NULL; }
const pr_tensor *pr_estimator_intercept(const pr_estimator *e) { return e ? e->intercept : NULL; }
const pr_tensor *pr_estimator_variance(const pr_estimator *e) { return e ? e->variance : NULL; }
const double *pr_estimator_classes(const pr_estimator *e, int64_t *K) {
    if (K) *K = e ? e->K : 0;
    return e && e->K ? e->classes : NULL;
}
int64_t pr_estimator_iterations(const pr_estimator *e) { return e ? e->iterations : 0; }
int64_t pr_estimator_rank(const pr_estimator *e) { return e ? e->rank : -1; }
const char *pr_estimator_feature_name(const pr_estimator *e, int64_t j) {
    return e && e->features && j >= 0 && j < e->n_features ? e->features[j] : NULL;
}
const char *pr_estimator_target_name(const pr_estimator *e) { return e ? e->target : NULL; }

pr_status pr_decision_boundary_2d(double b, double w1, double w2, double *slope, double *intercept) {
    if (!slope || !intercept) return pr__fail(PR_ERR_INVALID, "decision_boundary: NULL argument");
    if (!isfinite(b) || !isfinite(w1) || !isfinite(w2)) return pr__fail(PR_ERR_NONFINITE, "decision_boundary: non-finite weights");
    if (w2 == 0)
        return pr__fail(PR_ERR_INVALID, "decision_boundary: w2 = 0: the boundary is the vertical line x1 = %g", w1 ? -b / w1 : NAN);
    *slope = -w1 / w2;
    *intercept = -b / w2;
    return PR_OK;
}

pr_status pr_decision_boundary_2d_of(const pr_estimator *e, double *slope, double *intercept) {
    if (!e || e->c.kind != PR_EST_LOGISTIC || e->K != 2 || e->n_terms != 2)
        return pr__fail(PR_ERR_INVALID, "decision_boundary: needs a binary logistic model of two features");
    const double *w = pr_tensor_f64(e->coef);
    return pr_decision_boundary_2d(pr_tensor_f64(e->intercept)[0], w[0], w[1], slope, intercept);
}
