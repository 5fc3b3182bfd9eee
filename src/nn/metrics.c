/* Metrics the trainer reports: classification accuracy and R². */
#include <math.h>

#include "nn/nn_internal.h"
#include "primer/stats.h"

pr_status pr_metric_accuracy(const pr_tensor *scores, const pr_tensor *labels, double *out) {
    pr_status st = pr__require_tensor(scores, "accuracy", "scores");
    if (st || (st = pr__require_tensor(labels, "accuracy", "labels"))) return st;
    if (!out) return pr__fail(PR_ERR_INVALID, "accuracy: out is NULL");
    if (scores->ndim != 2 || labels->ndim != 1 || labels->shape[0] != scores->shape[0] || scores->shape[0] == 0) {
        char a[96], b[96];
        return pr__fail(PR_ERR_SHAPE, "accuracy: scores must be (N, K) and labels (N) with N >= 1; got %s and %s",
                        pr_shape_format(scores, a, sizeof a), pr_shape_format(labels, b, sizeof b));
    }
    pr_metric_tally t = PR_TALLY_EMPTY;
    if ((st = pr_tally_labels(&t, scores, labels, PR_NO_IGNORE))) return st;
    *out = pr_tally_accuracy(&t);
    return PR_OK;
}

pr_status pr_metric_r2(const pr_tensor *prediction, const pr_tensor *target, double *out) {
    if (!out) return pr__fail(PR_ERR_INVALID, "r2: out is NULL");
    pr_regression_metrics m;
    pr_status st = pr_regression_metrics_of(target, prediction, &m);
    if (!st) *out = m.r2;
    return st;
}
