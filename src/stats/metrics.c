/* Metrics for classifiers and regressors (book section 6.6): confusion matrices,
 * the binary rates, per-class reports, ROC and precision-recall curves, log loss. */
#include <math.h>
#include <stdlib.h>

#include "core/internal.h"
#include "primer/stats.h"

/* Every label a whole number in [0, K). */
static pr_status check_labels(const pr_tensor *y, int64_t K, const char *op, const char *name) {
    pr_status st = pr__require_tensor(y, op, name);
    if (st) return st;
    for (int64_t i = 0; i < y->size; i++) {
        double v = pr_tensor_get(y, i);
        if (!(v >= 0 && v < (double)K && v == floor(v)))
            return pr__fail(PR_ERR_INVALID, "%s: %s[%lld] = %g is not a class label in 0..%lld", op, name,
                            (long long)i, v, (long long)K - 1);
    }
    return PR_OK;
}

static pr_status check_pair(const pr_tensor *a, const pr_tensor *b, const char *op, const char *na, const char *nb) {
    pr_status st = pr__require_tensor(a, op, na);
    if (st || (st = pr__require_tensor(b, op, nb))) return st;
    if (a->size != b->size || a->size == 0)
        return pr__fail(PR_ERR_SHAPE, "%s: %s has %lld values and %s %lld (need the same number, at least one)", op,
                        na, (long long)a->size, nb, (long long)b->size);
    return PR_OK;
}

pr_status pr_confusion_matrix(const pr_tensor *y_true, const pr_tensor *y_pred, int64_t K, pr_tensor **counts) {
    const char *op = "confusion_matrix";
    pr_status st = check_pair(y_true, y_pred, op, "y_true", "y_pred");
    if (st) return st;
    if (K < 1 || K > 100000 || !counts) return pr__fail(PR_ERR_INVALID, "%s: K = %lld classes", op, (long long)K);
    if ((st = check_labels(y_true, K, op, "y_true")) || (st = check_labels(y_pred, K, op, "y_pred"))) return st;
    pr_tensor *c;
    if ((st = pr_tensor_zeros(&c, PR_I64, PR_SHAPE(K, K)))) return st;
    int64_t *v = pr_tensor_i64(c);
    for (int64_t i = 0; i < y_true->size; i++)
        v[(int64_t)pr_tensor_get(y_true, i) * K + (int64_t)pr_tensor_get(y_pred, i)]++;
    *counts = c;
    return PR_OK;
}

static double ratio(double num, double den) { return den > 0 ? num / den : 0; }

pr_binary_metrics pr_binary_metrics_from_counts(int64_t tp, int64_t fn, int64_t fp, int64_t tn) {
    pr_binary_metrics m = {.tp = tp, .fn = fn, .fp = fp, .tn = tn};
    double TP = (double)tp, FN = (double)fn, FP = (double)fp, TN = (double)tn;
    m.accuracy = ratio(TP + TN, TP + TN + FP + FN);
    m.precision = ratio(TP, TP + FP);
    m.recall = ratio(TP, TP + FN);
    m.specificity = ratio(TN, TN + FP);
    m.fpr = ratio(FP, FP + TN);
    m.f1 = ratio(2 * TP, 2 * TP + FP + FN);
    m.balanced_accuracy = (m.recall + m.specificity) / 2;
    return m;
}

pr_status pr_binary_metrics_of(const pr_tensor *y_true, const pr_tensor *y_pred, pr_binary_metrics *out) {
    const char *op = "binary_metrics";
    pr_status st = check_pair(y_true, y_pred, op, "y_true", "y_pred");
    if (st || (st = check_labels(y_true, 2, op, "y_true")) || (st = check_labels(y_pred, 2, op, "y_pred"))) return st;
    if (!out) return pr__fail(PR_ERR_INVALID, "%s: out is NULL", op);
    int64_t c[4] = {0};
    for (int64_t i = 0; i < y_true->size; i++)
        c[2 * (int)pr_tensor_get(y_true, i) + (int)pr_tensor_get(y_pred, i)]++;
    *out = pr_binary_metrics_from_counts(c[3], c[2], c[1], c[0]);
    return PR_OK;
}

void pr_class_report_free(pr_class_report *r) {
    if (!r) return;
    free(r->precision);
    free(r->recall);
    free(r->f1);
    free(r->support);
    free(r);
}

pr_status pr_class_report_new(const pr_tensor *y_true, const pr_tensor *y_pred, int64_t K, pr_class_report **out) {
    if (!out) return pr__fail(PR_ERR_INVALID, "class_report: out is NULL");
    pr_tensor *cm;
    pr_status st = pr_confusion_matrix(y_true, y_pred, K, &cm);
    if (st) return st;
    pr_class_report *r = pr__calloc(1, sizeof *r);
    if (r) {
        r->precision = pr__calloc((size_t)K, sizeof(double));
        r->recall = pr__calloc((size_t)K, sizeof(double));
        r->f1 = pr__calloc((size_t)K, sizeof(double));
        r->support = pr__calloc((size_t)K, sizeof(int64_t));
    }
    if (!r || !r->precision || !r->recall || !r->f1 || !r->support) {
        pr_class_report_free(r);
        pr_tensor_free(cm);
        return pr__fail(PR_ERR_NOMEM, "class_report: out of memory");
    }
    const int64_t *c = pr_tensor_i64(cm);
    int64_t n = y_true->size, correct = 0;
    r->K = K;
    r->n = n;
    for (int64_t k = 0; k < K; k++) {
        int64_t tp = c[k * K + k], row = 0, col = 0;
        for (int64_t j = 0; j < K; j++) {
            row += c[k * K + j];
            col += c[j * K + k];
        }
        correct += tp;
        r->support[k] = row;
        r->precision[k] = ratio((double)tp, (double)col);
        r->recall[k] = ratio((double)tp, (double)row);
        r->f1[k] = ratio(2.0 * (double)tp, (double)(row + col));
        r->macro_precision += r->precision[k] / (double)K;
        r->macro_recall += r->recall[k] / (double)K;
        r->macro_f1 += r->f1[k] / (double)K;
        double w = (double)row / (double)n;
        r->weighted_precision += w * r->precision[k];
        r->weighted_recall += w * r->recall[k];
        r->weighted_f1 += w * r->f1[k];
    }
    r->accuracy = (double)correct / (double)n;
    r->micro_precision = r->micro_recall = r->micro_f1 = r->accuracy;
    /* balanced accuracy averages recall over the classes that occur (scikit-learn) */
    int64_t present = 0;
    for (int64_t k = 0; k < K; k++)
        if (r->support[k]) {
            present++;
            r->balanced_accuracy += r->recall[k];
        }
    r->balanced_accuracy /= (double)(present ? present : 1);
    pr_tensor_free(cm);
    *out = r;
    return PR_OK;
}

/* ---- curves ------------------------------------------------------------------------------- */

void pr_curve_free(pr_curve *c) {
    if (!c) return;
    free(c->x);
    free(c->y);
    free(c->threshold);
    free(c);
}

static pr_curve *curve_alloc(int64_t n) {
    pr_curve *c = pr__calloc(1, sizeof *c);
    if (!c) return NULL;
    c->n = n;
    c->x = pr__malloc((size_t)n * sizeof(double));
    c->y = pr__malloc((size_t)n * sizeof(double));
    c->threshold = pr__malloc((size_t)n * sizeof(double));
    if (!c->x || !c->y || !c->threshold) {
        pr_curve_free(c);
        return NULL;
    }
    return c;
}

/* Cumulative true and false positives at each distinct score, scores descending:
 * tps[j], fps[j], thr[j] for j < *m. */
typedef struct ranked {
    int64_t m, P, N;
    double *tps, *fps, *thr;
} ranked;

typedef struct scored {
    double score;
    int positive;
} scored;

static int by_score_desc(const void *a, const void *b) {
    double x = ((const scored *)a)->score, y = ((const scored *)b)->score;
    return x > y ? -1 : x < y ? 1 : 0;
}

static void ranked_free(ranked *r) {
    free(r->tps);
    free(r->fps);
    free(r->thr);
}

static pr_status rank_scores(const pr_tensor *y_true, const pr_tensor *scores, const char *op, ranked *r) {
    pr_status st = check_pair(y_true, scores, op, "y_true", "scores");
    if (st || (st = check_labels(y_true, 2, op, "y_true")) || (st = pr_tensor_check_finite(scores, op))) return st;
    int64_t n = y_true->size;
    scored *v = pr__malloc((size_t)n * sizeof *v);
    *r = (ranked){0};
    r->tps = pr__malloc((size_t)n * sizeof(double));
    r->fps = pr__malloc((size_t)n * sizeof(double));
    r->thr = pr__malloc((size_t)n * sizeof(double));
    if (!v || !r->tps || !r->fps || !r->thr) {
        free(v);
        ranked_free(r);
        return pr__fail(PR_ERR_NOMEM, "%s: out of memory", op);
    }
    for (int64_t i = 0; i < n; i++) {
        v[i].score = pr_tensor_get(scores, i);
        v[i].positive = pr_tensor_get(y_true, i) == 1;
        r->P += v[i].positive;
    }
    r->N = n - r->P;
    qsort(v, (size_t)n, sizeof *v, by_score_desc);
    double tp = 0, fp = 0;
    for (int64_t i = 0; i < n; i++) {
        if (v[i].positive) tp++;
        else fp++;
        if (i + 1 == n || v[i + 1].score != v[i].score) {
            r->tps[r->m] = tp;
            r->fps[r->m] = fp;
            r->thr[r->m] = v[i].score;
            r->m++;
        }
    }
    free(v);
    if (r->P == 0 || r->N == 0) {
        ranked_free(r);
        return pr__fail(PR_ERR_INVALID, "%s: y_true holds only %s; the curve needs both classes", op,
                        r->P ? "positives" : "negatives");
    }
    return PR_OK;
}

pr_status pr_roc_curve(const pr_tensor *y_true, const pr_tensor *scores, pr_curve **out) {
    if (!out) return pr__fail(PR_ERR_INVALID, "roc_curve: out is NULL");
    ranked r;
    pr_status st = rank_scores(y_true, scores, "roc_curve", &r);
    if (st) return st;
    pr_curve *c = curve_alloc(r.m + 1);
    if (!c) {
        ranked_free(&r);
        return pr__fail(PR_ERR_NOMEM, "roc_curve: out of memory");
    }
    c->x[0] = c->y[0] = 0;
    c->threshold[0] = INFINITY;
    for (int64_t j = 0; j < r.m; j++) {
        c->x[j + 1] = r.fps[j] / (double)r.N;
        c->y[j + 1] = r.tps[j] / (double)r.P;
        c->threshold[j + 1] = r.thr[j];
    }
    ranked_free(&r);
    *out = c;
    return PR_OK;
}

pr_status pr_roc_auc(const pr_tensor *y_true, const pr_tensor *scores, double *out) {
    if (!out) return pr__fail(PR_ERR_INVALID, "roc_auc: out is NULL");
    pr_curve *c;
    pr_status st = pr_roc_curve(y_true, scores, &c);
    if (st) return st;
    double area = 0;
    for (int64_t j = 1; j < c->n; j++) area += (c->x[j] - c->x[j - 1]) * (c->y[j] + c->y[j - 1]) / 2;
    pr_curve_free(c);
    *out = area;
    return PR_OK;
}

pr_status pr_pr_curve(const pr_tensor *y_true, const pr_tensor *scores, pr_curve **out) {
    if (!out) return pr__fail(PR_ERR_INVALID, "pr_curve: out is NULL");
    ranked r;
    pr_status st = rank_scores(y_true, scores, "pr_curve", &r);
    if (st) return st;
    pr_curve *c = curve_alloc(r.m + 1);
    if (!c) {
        ranked_free(&r);
        return pr__fail(PR_ERR_NOMEM, "pr_curve: out of memory");
    }
    for (int64_t j = 0; j < r.m; j++) { /* increasing threshold: reverse the ranking */
        int64_t k = r.m - 1 - j;
        c->x[j] = r.tps[k] / (double)r.P;
        c->y[j] = r.tps[k] / (r.tps[k] + r.fps[k]);
        c->threshold[j] = r.thr[k];
    }
    c->x[r.m] = 0;
    c->y[r.m] = 1;
    c->threshold[r.m] = INFINITY;
    ranked_free(&r);
    *out = c;
    return PR_OK;
}

pr_status pr_average_precision(const pr_tensor *y_true, const pr_tensor *scores, double *out) {
    if (!out) return pr__fail(PR_ERR_INVALID, "average_precision: out is NULL");
    ranked r;
    pr_status st = rank_scores(y_true, scores, "average_precision", &r);
    if (st) return st;
    double ap = 0, prev_recall = 0;
    for (int64_t j = 0; j < r.m; j++) {
        double recall = r.tps[j] / (double)r.P, precision = r.tps[j] / (r.tps[j] + r.fps[j]);
        ap += (recall - prev_recall) * precision;
        prev_recall = recall;
    }
    ranked_free(&r);
    *out = ap;
    return PR_OK;
}

pr_status pr_threshold_sweep(const pr_tensor *y_true, const pr_tensor *scores, const double *thresholds, int64_t n,
                             pr_binary_metrics *out) {
    const char *op = "threshold_sweep";
    pr_status st = check_pair(y_true, scores, op, "y_true", "scores");
    if (st || (st = check_labels(y_true, 2, op, "y_true"))) return st;
    if (!thresholds || !out || n < 0) return pr__fail(PR_ERR_INVALID, "%s: NULL thresholds or out", op);
    for (int64_t t = 0; t < n; t++) {
        int64_t c[4] = {0};
        for (int64_t i = 0; i < y_true->size; i++)
            c[2 * (int)pr_tensor_get(y_true, i) + (pr_tensor_get(scores, i) >= thresholds[t])]++;
        out[t] = pr_binary_metrics_from_counts(c[3], c[2], c[1], c[0]);
    }
    return PR_OK;
}

pr_status pr_log_loss(const pr_tensor *y_true, const pr_tensor *proba, double *out) {
    const char *op = "log_loss";
    pr_status st = pr__require_tensor(y_true, op, "y_true");
    if (st || (st = pr__require_tensor(proba, op, "proba"))) return st;
    if (!out) return pr__fail(PR_ERR_INVALID, "%s: out is NULL", op);
    int64_t n = y_true->size, K = proba->ndim == 2 ? proba->shape[1] : 2;
    int binary = proba->ndim == 1;
    if (n == 0 || (binary ? proba->size != n : proba->shape[0] != n)) {
        char a[64], b[64];
        return pr__fail(PR_ERR_SHAPE, "%s: proba %s does not match %s labels (need (n) or (n, K))", op,
                        pr_shape_format(proba, a, sizeof a), pr_shape_format(y_true, b, sizeof b));
    }
    if ((st = check_labels(y_true, K, op, "y_true")) || (st = pr_tensor_check_finite(proba, "log_loss: proba"))) return st;
    const double eps = 1e-15;
    double sum = 0;
    for (int64_t i = 0; i < n; i++) {
        int64_t y = (int64_t)pr_tensor_get(y_true, i);
        double p = binary ? pr_tensor_get(proba, i) : pr_tensor_get(proba, i * K + y);
        if (binary && y == 0) p = 1 - p;
        if (p < 0 || p > 1) return pr__fail(PR_ERR_INVALID, "%s: probability %g in row %lld is outside [0, 1]", op, p,
                                            (long long)i);
        p = p < eps ? eps : p > 1 - eps ? 1 - eps : p;
        sum -= log(p);
    }
    *out = sum / (double)n;
    return PR_OK;
}

pr_status pr_tally_values(pr_metric_tally *t, const pr_tensor *y_true, const pr_tensor *y_pred) {
    const char *op = "regression_metrics";
    pr_status st = check_pair(y_true, y_pred, op, "y_true", "y_pred");
    if (st) return st;
    if (!t) return pr__fail(PR_ERR_INVALID, "%s: the tally is NULL", op);
    if ((st = pr_tensor_check_finite(y_true, "regression_metrics: y_true")) ||
        (st = pr_tensor_check_finite(y_pred, "regression_metrics: y_pred")))
        return st;
    int64_t n = y_true->size;
    double mean = 0, m2 = 0, sse = 0, sae = 0;
    for (int64_t i = 0; i < n; i++) mean += pr_tensor_get(y_true, i);
    mean /= (double)n;
    for (int64_t i = 0; i < n; i++) {
        double y = pr_tensor_get(y_true, i), e = y - pr_tensor_get(y_pred, i);
        sse += e * e;
        sae += fabs(e);
        m2 += (y - mean) * (y - mean);
    }
    /* merge with what came before (Chan, Golub and LeVeque): exact for the first batch */
    int64_t total = t->n + n;
    double delta = mean - t->mean;
    t->m2 += m2 + delta * delta * (double)t->n * (double)n / (double)total;
    t->mean += delta * (double)n / (double)total;
    t->n = total;
    t->sse += sse;
    t->sae += sae;
    return PR_OK;
}

pr_regression_metrics pr_tally_regression(const pr_metric_tally *t) {
    pr_regression_metrics r = {NAN, NAN, NAN, NAN};
    if (!t || !t->n) return r;
    r.mse = t->sse / (double)t->n;
    r.rmse = sqrt(r.mse);
    r.mae = t->sae / (double)t->n;
    r.r2 = t->m2 > 0 ? 1 - t->sse / t->m2 : (t->sse == 0 ? 1.0 : 0.0);
    return r;
}

pr_status pr_regression_metrics_of(const pr_tensor *y_true, const pr_tensor *y_pred, pr_regression_metrics *out) {
    if (!out) return pr__fail(PR_ERR_INVALID, "regression_metrics: out is NULL");
    pr_metric_tally t = PR_TALLY_EMPTY;
    pr_status st = pr_tally_values(&t, y_true, y_pred);
    if (!st) *out = pr_tally_regression(&t);
    return st;
}

pr_status pr_tally_labels(pr_metric_tally *t, const pr_tensor *scores, const pr_tensor *labels, int64_t ignore_index) {
    const char *op = "accuracy";
    pr_status st = pr__require_tensor(scores, op, "scores");
    if (st || (st = pr__require_tensor(labels, op, "labels"))) return st;
    if (!t) return pr__fail(PR_ERR_INVALID, "%s: the tally is NULL", op);
    int64_t K = scores->ndim ? scores->shape[scores->ndim - 1] : 0, P = K ? scores->size / K : 0;
    if (K < 1 || labels->size != P) {
        char a[96], b[96];
        return pr__fail(PR_ERR_SHAPE, "%s: scores (..., K) need one label per position; got scores %s and labels %s", op,
                        pr_shape_format(scores, a, sizeof a), pr_shape_format(labels, b, sizeof b));
    }
    int64_t count = 0, hits = 0;
    for (int64_t i = 0; i < P; i++) {
        double label = pr_tensor_get(labels, i);
        if (ignore_index != PR_NO_IGNORE && label == (double)ignore_index) continue;
        if (!(label >= 0 && label < (double)K) || label != floor(label))
            return pr__fail(PR_ERR_INVALID, "%s: label %g at position %lld is not a class in 0..%lld", op, label,
                            (long long)i, (long long)K - 1);
        int64_t best = 0;
        for (int64_t k = 1; k < K; k++)
            if (pr_tensor_get(scores, i * K + k) > pr_tensor_get(scores, i * K + best)) best = k;
        hits += (double)best == label;
        count++;
    }
    t->count += count;
    t->hits += hits;
    return PR_OK;
}

double pr_tally_accuracy(const pr_metric_tally *t) {
    return t && t->count ? (double)t->hits / (double)t->count : NAN;
}

pr_status pr_auc(const double *x, const double *y, int64_t n, double *out) {
    if (!x || !y || !out) return pr__fail(PR_ERR_INVALID, "auc: NULL argument");
    if (n < 2) return pr__fail(PR_ERR_INVALID, "auc: needs at least 2 points, got %lld", (long long)n);
    int rising = 0, falling = 0;
    double area = 0;
    for (int64_t i = 0; i + 1 < n; i++) {
        if (!isfinite(x[i]) || !isfinite(y[i]) || !isfinite(x[i + 1]) || !isfinite(y[i + 1]))
            return pr__fail(PR_ERR_NONFINITE, "auc: point %lld or %lld is not finite", (long long)i, (long long)i + 1);
        double dx = x[i + 1] - x[i];
        rising |= dx > 0;
        falling |= dx < 0;
        area += dx * (y[i] + y[i + 1]) / 2;
    }
    if (rising && falling)
        return pr__fail(PR_ERR_INVALID, "auc: x is neither increasing nor decreasing (the trapezoid rule needs a monotonic x)");
    *out = falling ? -area : area;
    return PR_OK;
}

pr_status pr_curve_draw(const pr_curve *c, pr_axes *ax, int roc, const char *label) {
    if (!c || !ax) return pr__fail(PR_ERR_INVALID, "curve_draw: NULL argument");
    pr_status st = PR_OK;
    if (roc) {
        const double diag[] = {0, 1};
        st = pr_axes_line(ax, diag, diag, 2, &(pr_style){.color = "gray", .dash = PR_DASH_DASHED, .label = "chance"});
        if (!st) st = pr_axes_line(ax, c->x, c->y, c->n, &(pr_style){.color = "C0", .line_width = 2, .label = label});
    } else { /* precision is constant between recall levels: draw steps */
        int64_t n = 2 * c->n - 1;
        double *x = pr__malloc((size_t)n * sizeof *x), *y = pr__malloc((size_t)n * sizeof *y);
        if (!x || !y) st = pr__fail(PR_ERR_NOMEM, "curve_draw: out of memory");
        for (int64_t i = 0; !st && i < c->n; i++) {
            x[2 * i] = c->x[i];
            y[2 * i] = c->y[i];
            if (i + 1 < c->n) {
                x[2 * i + 1] = c->x[i + 1];
                y[2 * i + 1] = c->y[i];
            }
        }
        if (!st) st = pr_axes_line(ax, x, y, n, &(pr_style){.color = "C1", .line_width = 2, .label = label});
        free(x);
        free(y);
    }
    if (!st) st = pr_axes_set_xlabel(ax, roc ? "False positive rate" : "Recall");
    if (!st) st = pr_axes_set_ylabel(ax, roc ? "True positive rate" : "Precision");
    pr_axes_set_xlim(ax, 0, 1);
    pr_axes_set_ylim(ax, 0, 1.02);
    pr_axes_set_grid(ax, 0.3);
    pr_axes_set_legend(ax, roc ? PR_LEGEND_LOWER_RIGHT : PR_LEGEND_LOWER_LEFT);
    return st;
}
