/* Centring and scaling of columns for the reducers (reduce_internal.h). */
#include <math.h>

#include "reduce/reduce_internal.h"

pr_status pr__apply_standardization(const pr_tensor *X, const pr_tensor *mean, const pr_tensor *scale, pr_tensor **C) {
    pr_status st = pr_tensor_cast(X, PR_F64, C);
    if (st) return st;
    int64_t m = X->shape[0], n = X->shape[1];
    double *c = pr_tensor_f64(*C);
    const double *mu = pr_tensor_f64(mean), *s = scale ? pr_tensor_f64(scale) : NULL;
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++) c[i * n + j] = s ? (c[i * n + j] - mu[j]) / s[j] : c[i * n + j] - mu[j];
    return PR_OK;
}

pr_status pr__standardize_columns(const pr_tensor *X, int standardize, const char *what, const char *const *names,
                                  pr_tensor **C, pr_tensor **mean, pr_tensor **scale) {
    int64_t m = X->shape[0], n = X->shape[1];
    *C = *mean = *scale = NULL;
    pr_status st = pr_tensor_zeros(mean, PR_F64, PR_SHAPE(n));
    if (!st && standardize) st = pr_tensor_zeros(scale, PR_F64, PR_SHAPE(n));
    if (!st) st = pr_tensor_cast(X, PR_F64, C);
    if (st) goto fail;
    double *c = pr_tensor_f64(*C), *mu = pr_tensor_f64(*mean);
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++) mu[j] += c[i * n + j];
    for (int64_t j = 0; j < n; j++) mu[j] /= (double)m;
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++) c[i * n + j] -= mu[j];
    if (!standardize) return PR_OK;
    double *s = pr_tensor_f64(*scale);
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++) s[j] += c[i * n + j] * c[i * n + j];
    for (int64_t j = 0; j < n; j++) {
        s[j] = sqrt(s[j] / (double)m);
        if (!(s[j] > 1e-12 * (fabs(mu[j]) > 1 ? fabs(mu[j]) : 1))) {
            if (names && names[j])
                st = pr__fail(PR_ERR_INVALID, "%s: column '%s' is constant (%g) and cannot be standardised; leave it out",
                              what, names[j], mu[j]);
            else
                st = pr__fail(PR_ERR_INVALID, "%s: column %lld is constant (%g) and cannot be standardised; leave it out",
                              what, (long long)j, mu[j]);
            goto fail;
        }
    }
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++) c[i * n + j] /= s[j];
    return PR_OK;
fail:
    pr_tensor_free(*C);
    pr_tensor_free(*mean);
    pr_tensor_free(*scale);
    *C = *mean = *scale = NULL;
    return st;
}
