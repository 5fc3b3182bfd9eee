/* Naive Bayes (book section 3.2.1): features independent given the class.
 * Gaussian for real values, multinomial for counts, Bernoulli for presence. */
#include <math.h>
#include <stdlib.h>

#include "models/models_internal.h"

#define LOG_2PI 1.8378770664093454836

pr_status pr__fit_naive_bayes(pr_estimator *e, const pr_tensor *Z, const pr_tensor *y) {
    const char *name = pr_estimator_kind_name(e->c.kind);
    int64_t m = Z->shape[0], p = Z->shape[1], K = e->K;
    const double *z = pr_tensor_f64(Z), *t = pr_tensor_f64(y);
    if (e->c.kind == PR_EST_MULTINOMIAL_NB)
        for (int64_t i = 0; i < m * p; i++)
            if (z[i] < 0)
                return pr__fail(PR_ERR_INVALID, "%s: counts must not be negative; row %lld, column %lld holds %g", name,
                                (long long)(i / p) + 1, (long long)(i % p) + 1, z[i]);
    pr_status st = pr_tensor_zeros(&e->coef, PR_F64, PR_SHAPE(K, p));
    if (!st) st = pr_tensor_zeros(&e->intercept, PR_F64, PR_SHAPE(K));
    if (!st && e->c.kind == PR_EST_GAUSSIAN_NB) st = pr_tensor_zeros(&e->variance, PR_F64, PR_SHAPE(K, p));
    double *count = pr__calloc((size_t)K, sizeof *count);
    if (!st && !count) st = pr__fail(PR_ERR_NOMEM, "%s: out of memory", name);
    if (st) {
        free(count);
        return st;
    }
    double *coef = pr_tensor_f64(e->coef), *prior = pr_tensor_f64(e->intercept);
    /* per-class sums of the features (binarised for Bernoulli) */
    for (int64_t i = 0; i < m; i++) {
        int64_t k = (int64_t)t[i];
        count[k]++;
        for (int64_t j = 0; j < p; j++) {
            double v = z[i * p + j];
            coef[k * p + j] += e->c.kind == PR_EST_BERNOULLI_NB ? (v > e->c.binarize) : v;
        }
    }
    for (int64_t k = 0; k < K; k++) prior[k] = log(count[k] / (double)m);
    if (e->c.kind == PR_EST_GAUSSIAN_NB) {
        double *var = pr_tensor_f64(e->variance), largest = 0;
        double *mu = pr__malloc((size_t)p * sizeof *mu), *v = pr__malloc((size_t)p * sizeof *v);
        if (!mu || !v) st = pr__fail(PR_ERR_NOMEM, "%s: out of memory", name);
        if (!st) { /* epsilon = var_smoothing x the largest variance of a feature */
            pr__column_moments(z, m, p, mu, v);
            for (int64_t j = 0; j < p; j++) largest = fmax(largest, v[j]);
        }
        free(mu);
        free(v);
        for (int64_t k = 0; !st && k < K; k++)
            for (int64_t j = 0; j < p; j++) coef[k * p + j] /= count[k];
        for (int64_t i = 0; !st && i < m; i++) {
            int64_t k = (int64_t)t[i];
            for (int64_t j = 0; j < p; j++) {
                double d = z[i * p + j] - coef[k * p + j];
                var[k * p + j] += d * d;
            }
        }
        for (int64_t k = 0; !st && k < K; k++)
            for (int64_t j = 0; j < p; j++) var[k * p + j] = var[k * p + j] / count[k] + e->c.var_smoothing * largest;
        for (int64_t j = 0; !st && j < K * p; j++)
            if (!(var[j] > 0))
                st = largest > 0 && e->c.var_smoothing == 0
                         ? pr__fail(PR_ERR_INVALID, "%s: feature %lld has zero variance in class %g and var_smoothing "
                                                    "is 0; give var_smoothing > 0 (the default is 1e-9)",
                                    name, (long long)(j % p) + 1, e->classes[j / p])
                         : pr__fail(PR_ERR_INVALID, "%s: feature %lld has zero variance in class %g and everywhere; "
                                                    "drop it",
                                    name, (long long)(j % p) + 1, e->classes[j / p]);
    } else if (e->c.kind == PR_EST_MULTINOMIAL_NB) {
        for (int64_t k = 0; k < K; k++) {
            double total = 0;
            for (int64_t j = 0; j < p; j++) total += coef[k * p + j] + e->c.smoothing;
            for (int64_t j = 0; j < p; j++) coef[k * p + j] = log((coef[k * p + j] + e->c.smoothing) / total);
        }
    } else {
        for (int64_t k = 0; k < K; k++)
            for (int64_t j = 0; j < p; j++)
                coef[k * p + j] = log((coef[k * p + j] + e->c.smoothing) / (count[k] + 2 * e->c.smoothing));
    }
    free(count);
    return st;
}

pr_status pr__naive_bayes_scores(const pr_estimator *e, const pr_tensor *Z, pr_tensor **out) {
    int64_t m = Z->shape[0], p = Z->shape[1], K = e->K;
    pr_tensor *r;
    pr_status st = pr_tensor_zeros(&r, PR_F64, PR_SHAPE(m, K));
    if (st) return st;
    const double *z = pr_tensor_f64(Z), *coef = pr_tensor_f64(e->coef), *prior = pr_tensor_f64(e->intercept);
    double *o = pr_tensor_f64(r);
    if (e->c.kind == PR_EST_MULTINOMIAL_NB)
        for (int64_t i = 0; i < m * p; i++)
            if (z[i] < 0) {
                pr_tensor_free(r);
                return pr__fail(PR_ERR_INVALID, "multinomial-nb: counts must not be negative; row %lld, column %lld "
                                "holds %g", (long long)(i / p) + 1, (long long)(i % p) + 1, z[i]);
            }
    for (int64_t i = 0; i < m; i++)
        for (int64_t k = 0; k < K; k++) {
            double s = prior[k];
            const double *c = coef + k * p, *x = z + i * p;
            if (e->c.kind == PR_EST_GAUSSIAN_NB) {
                const double *v = pr_tensor_f64(e->variance) + k * p;
                for (int64_t j = 0; j < p; j++) {
                    double d = x[j] - c[j];
                    s -= 0.5 * (LOG_2PI + log(v[j]) + d * d / v[j]);
                }
            } else if (e->c.kind == PR_EST_MULTINOMIAL_NB) {
                for (int64_t j = 0; j < p; j++) s += x[j] * c[j];
            } else {
                for (int64_t j = 0; j < p; j++) s += x[j] > e->c.binarize ? c[j] : log1p(-exp(c[j]));
            }
            o[i * K + k] = s;
        }
    *out = r;
    return PR_OK;
}
