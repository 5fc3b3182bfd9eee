/* Model selection: k-fold and stratified k-fold splits, cross-validation, learning
 * curves, and the bias-variance decomposition by simulation (sections 3.7, 4.7). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/models_internal.h"
#include "primer/data.h"

pr_status pr_kfold(int64_t n, int k, const pr_tensor *labels, pr_rng *rng, int64_t *fold) {
    if (!fold || k < 2 || n < k)
        return pr__fail(PR_ERR_INVALID, "kfold: %d folds of %lld rows (need 2 <= k <= rows)", k, (long long)n);
    int64_t *order = pr__malloc((size_t)n * sizeof *order);
    if (!order) return pr__fail(PR_ERR_NOMEM, "kfold: out of memory");
    for (int64_t i = 0; i < n; i++) order[i] = i;
    if (rng) pr_rng_shuffle(rng, order, n);
    pr_status st = PR_OK;
    if (!labels) {
        for (int64_t r = 0; r < n; r++) fold[order[r]] = r * k / n; /* contiguous blocks of the shuffled order */
    } else {
        pr_tensor *idx = NULL, *classes = NULL;
        if (labels->size != n) st = pr__fail(PR_ERR_SHAPE, "kfold: %lld labels for %lld rows", (long long)labels->size, (long long)n);
        if (!st) st = pr_data_encode_labels(labels, 1000, &idx, &classes);
        if (!st) { /* deal each class's rows round-robin, continuing where the previous class stopped */
            int64_t next = 0;
            for (int64_t c = 0; c < classes->size; c++)
                for (int64_t r = 0; r < n; r++)
                    if (pr_tensor_get(idx, order[r]) == (double)c) fold[order[r]] = next++ % k;
        }
        pr_tensor_free(idx);
        pr_tensor_free(classes);
    }
    free(order);
    return st;
}

/* The rows of X and y where (fold[i] == f) == in_fold, optionally only the first `limit`. */
static pr_status select_rows(const pr_tensor *X, const pr_tensor *y, const int64_t *fold, int64_t f, int in_fold,
                             double fraction, pr_tensor **Xs, pr_tensor **ys) {
    int64_t n = X->shape[0], count = 0;
    int64_t *rows = pr__malloc((size_t)n * sizeof *rows);
    if (!rows) return pr__fail(PR_ERR_NOMEM, "cross-validation: out of memory");
    for (int64_t i = 0; i < n; i++)
        if ((fold[i] == f) == in_fold) rows[count++] = i;
    int64_t keep = (int64_t)ceil(fraction * (double)count);
    if (keep < 2) keep = count < 2 ? count : 2;
    pr_status st = pr_tensor_take_rows(X, rows, keep, Xs);
    if (!st && (st = pr_tensor_take_rows(y, rows, keep, ys))) pr_tensor_free(*Xs);
    free(rows);
    return st;
}

/* Fit on the training rows of fold f and score both parts. */
static pr_status run_fold(const pr_estimator_config *config, const pr_tensor *X, const pr_tensor *y, const int64_t *fold,
                          int64_t f, double fraction, double *train, double *test) {
    pr_tensor *Xa, *ya, *Xb, *yb;
    pr_status st = select_rows(X, y, fold, f, 0, fraction, &Xa, &ya);
    if (st) return st;
    if ((st = select_rows(X, y, fold, f, 1, 1.0, &Xb, &yb))) {
        pr_tensor_free(Xa);
        pr_tensor_free(ya);
        return st;
    }
    pr_estimator *e = NULL;
    st = pr_estimator_fit(&e, config, Xa, ya);
    if (st) pr__fail_context("fold %lld: ", (long long)f + 1);
    if (!st) st = pr_estimator_score(e, Xa, ya, train);
    /* (for a classifier, a test label the training part never saw counts as a miss) */
    if (!st) st = pr_estimator_score(e, Xb, yb, test);
    pr_estimator_free(e);
    pr_tensor_free(Xa);
    pr_tensor_free(ya);
    pr_tensor_free(Xb);
    pr_tensor_free(yb);
    return st;
}

static int is_classifier_kind(const pr_estimator_config *c) { return c->kind >= PR_EST_LOGISTIC; }

pr_status pr_cross_validate(const pr_estimator_config *config, const pr_tensor *X, const pr_tensor *y, int k,
                            int stratified, pr_rng *rng, pr_cv_result *out) {
    if (!config || !X || !y || !out) return pr__fail(PR_ERR_INVALID, "cross_validate: NULL argument");
    if (X->ndim != 2 || y->size != X->shape[0])
        return pr__fail(PR_ERR_SHAPE, "cross_validate: X must be (rows, features) with one target per row");
    if (k < 2 || k > 64 || k > X->shape[0])
        return pr__fail(PR_ERR_INVALID, "cross_validate: %d folds for %lld rows (need 2..min(64, rows))", k,
                        (long long)X->shape[0]);
    int64_t n = X->shape[0];
    int64_t *fold = pr__malloc((size_t)n * sizeof *fold);
    if (!fold) return pr__fail(PR_ERR_NOMEM, "cross_validate: out of memory");
    pr_status st = pr_kfold(n, k, stratified && is_classifier_kind(config) ? y : NULL, rng, fold);
    memset(out, 0, sizeof *out);
    out->k = k;
    for (int f = 0; !st && f < k; f++) st = run_fold(config, X, y, fold, f, 1.0, &out->train[f], &out->test[f]);
    free(fold);
    if (st) return st;
    for (int f = 0; f < k; f++) {
        out->train_mean += out->train[f] / k;
        out->test_mean += out->test[f] / k;
    }
    for (int f = 0; f < k; f++) {
        out->train_std += (out->train[f] - out->train_mean) * (out->train[f] - out->train_mean) / k;
        out->test_std += (out->test[f] - out->test_mean) * (out->test[f] - out->test_mean) / k;
    }
    out->train_std = sqrt(out->train_std);
    out->test_std = sqrt(out->test_std);
    return PR_OK;
}

pr_status pr_learning_curve(const pr_estimator_config *config, const pr_tensor *X, const pr_tensor *y,
                            const double *fractions, int n_fractions, int k, pr_rng *rng, double *train_score,
                            double *test_score) {
    if (!config || !X || !y || !fractions || !train_score || !test_score || n_fractions < 1)
        return pr__fail(PR_ERR_INVALID, "learning_curve: NULL argument");
    if (X->ndim != 2 || y->size != X->shape[0] || k < 2 || k > X->shape[0])
        return pr__fail(PR_ERR_INVALID, "learning_curve: X must be (rows, features), one target per row, 2 <= k <= rows");
    for (int i = 0; i < n_fractions; i++)
        if (!(fractions[i] > 0 && fractions[i] <= 1))
            return pr__fail(PR_ERR_INVALID, "learning_curve: fraction %g is outside (0, 1]", fractions[i]);
    int64_t n = X->shape[0];
    int64_t *fold = pr__malloc((size_t)n * sizeof *fold);
    if (!fold) return pr__fail(PR_ERR_NOMEM, "learning_curve: out of memory");
    pr_status st = pr_kfold(n, k, is_classifier_kind(config) ? y : NULL, rng, fold);
    for (int i = 0; !st && i < n_fractions; i++) {
        train_score[i] = test_score[i] = 0;
        for (int f = 0; !st && f < k; f++) {
            double a, b;
            if (!(st = run_fold(config, X, y, fold, f, fractions[i], &a, &b))) {
                train_score[i] += a / k;
                test_score[i] += b / k;
            }
        }
    }
    free(fold);
    return st;
}

pr_status pr_bias_variance_simulate(const pr_estimator_config *config, double (*f)(double x, void *ctx), void *ctx,
                                    double x_lo, double x_hi, int64_t n_train, double noise, int repeats,
                                    int64_t n_test, pr_rng *rng, pr_bias_variance *out) {
    if (!config || !f || !rng || !out || !(x_hi > x_lo) || n_train < 2 || repeats < 2 || n_test < 1 || !(noise >= 0))
        return pr__fail(PR_ERR_INVALID, "bias_variance: need f, rng, x_lo < x_hi, n_train >= 2, repeats >= 2, "
                        "n_test >= 1 and noise >= 0");
    pr_tensor *Xt = NULL, *Xs = NULL, *ys = NULL;
    double *sum = pr__calloc((size_t)n_test, sizeof *sum), *sum2 = pr__calloc((size_t)n_test, sizeof *sum2);
    pr_status st = sum && sum2 ? PR_OK : pr__fail(PR_ERR_NOMEM, "bias_variance: out of memory");
    if (!st) st = pr_tensor_zeros(&Xt, PR_F64, PR_SHAPE(n_test, 1));
    if (!st) st = pr_tensor_zeros(&Xs, PR_F64, PR_SHAPE(n_train, 1));
    if (!st) st = pr_tensor_zeros(&ys, PR_F64, PR_SHAPE(n_train));
    for (int64_t i = 0; !st && i < n_test; i++)
        pr_tensor_f64(Xt)[i] = n_test == 1 ? (x_lo + x_hi) / 2 : x_lo + (x_hi - x_lo) * (double)i / (double)(n_test - 1);
    for (int r = 0; !st && r < repeats; r++) {
        for (int64_t i = 0; i < n_train; i++) {
            double x = x_lo + (x_hi - x_lo) * pr_rng_uniform(rng);
            pr_tensor_f64(Xs)[i] = x;
            pr_tensor_f64(ys)[i] = f(x, ctx) + noise * pr_rng_normal(rng);
        }
        pr_estimator *e = NULL;
        pr_tensor *pred = NULL;
        if (!(st = pr_estimator_fit(&e, config, Xs, ys)) && !(st = pr_estimator_predict(e, Xt, &pred)))
            for (int64_t i = 0; i < n_test; i++) {
                double v = pr_tensor_f64(pred)[i];
                sum[i] += v;
                sum2[i] += v * v;
            }
        if (st) pr__fail_context("bias_variance: repeat %d: ", r + 1);
        pr_tensor_free(pred);
        pr_estimator_free(e);
    }
    if (!st) {
        double bias2 = 0, var = 0;
        for (int64_t i = 0; i < n_test; i++) {
            double mean = sum[i] / repeats, truth = f(pr_tensor_f64(Xt)[i], ctx);
            bias2 += (mean - truth) * (mean - truth);
            var += fmax(0, sum2[i] / repeats - mean * mean);
        }
        out->bias2 = bias2 / (double)n_test;
        out->variance = var / (double)n_test;
        out->noise = noise * noise;
        out->expected_error = out->bias2 + out->variance + out->noise;
    }
    free(sum);
    free(sum2);
    pr_tensor_free(Xt);
    pr_tensor_free(Xs);
    pr_tensor_free(ys);
    return st;
}
