/* primer/stats.h — probability and statistics (book chapters 3 and 6.6):
 * distributions, estimation, information theory, and the metrics that judge
 * classifiers and regressors.
 *
 * Distributions are small values: fill a pr_dist with a constructor and ask it
 * for densities, distribution functions, moments and samples.
 *
 *     pr_dist prior = pr_dist_beta(2, 5);
 *     double p = pr_dist_pdf(&prior, 0.3);          // 2.1609
 *     pr_dist post = pr_beta_update(prior, 7, 3);   // Beta(9, 8)
 *
 * The scalar functions return NaN for invalid parameters (pr_dist_check() says
 * which) and follow the usual conventions outside the support (density 0, log
 * density -inf). Logarithms are natural; information measures take a `base`
 * (0 or e: nats, 2: bits).
 */
#ifndef PRIMER_STATS_H
#define PRIMER_STATS_H

#include "primer/core.h"
#include "primer/plot.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- univariate distributions ----------------------------------------------------------- */

/* X(enum name, "name"). The one list of distributions; the parameters:
 *   bernoulli   a = p;                 P(k) = p^k (1-p)^(1-k), k in {0, 1}
 *   binomial    a = n trials, b = p;   P(k) = C(n,k) p^k (1-p)^(n-k)
 *   gaussian    a = μ, b = σ > 0;      N(μ, σ²)
 *   laplace     a = μ, b = scale > 0;  exp(-|x-μ|/b) / 2b
 *   beta        a = α > 0, b = β > 0;  x^(α-1) (1-x)^(β-1) / B(α, β) on [0, 1]
 *   student_t   a = ν > 0, b = μ, c = scale > 0 */
#define PR_DIST_LIST(X)                   \
    X(PR_DIST_BERNOULLI, "bernoulli")     \
    X(PR_DIST_BINOMIAL, "binomial")       \
    X(PR_DIST_GAUSSIAN, "gaussian")       \
    X(PR_DIST_LAPLACE, "laplace")         \
    X(PR_DIST_BETA, "beta")               \
    X(PR_DIST_STUDENT_T, "student_t")

typedef enum pr_dist_kind {
#define PR_X_(name, str) name,
    PR_DIST_LIST(PR_X_)
#undef PR_X_
    PR_DIST_COUNT
} pr_dist_kind;

typedef struct pr_dist {
    pr_dist_kind kind;
    double a, b, c;
} pr_dist;

pr_dist pr_dist_bernoulli(double p);
pr_dist pr_dist_binomial(int64_t n, double p);
pr_dist pr_dist_gaussian(double mean, double std);
pr_dist pr_dist_laplace(double mean, double scale);
pr_dist pr_dist_beta(double alpha, double beta);
pr_dist pr_dist_student_t(double dof, double mean, double scale);

/* PR_ERR_INVALID naming the parameter when the distribution's parameters are out of range. */
pr_status pr_dist_check(const pr_dist *d);
/* "bernoulli", "binomial", "gaussian", "laplace", "beta", "student_t". */
const char *pr_dist_name(pr_dist_kind kind);

/* Density (pmf for the discrete ones), its logarithm, and the cumulative distribution
 * function P(X <= x) (the Beta cdf is the regularised incomplete beta function,
 * evaluated by its continued fraction; Student-t's by the same). */
double pr_dist_pdf(const pr_dist *d, double x);
double pr_dist_logpdf(const pr_dist *d, double x);
double pr_dist_cdf(const pr_dist *d, double x);
double pr_dist_mean(const pr_dist *d);
/* The variance (infinite for Student-t with ν <= 2, NaN for ν <= 1). */
double pr_dist_var(const pr_dist *d);
/* One draw. Gaussian: μ + σ z; Laplace: inverse cdf; Beta: Marsaglia-Tsang gamma
 * variates; Student-t: z / sqrt(χ²_ν / ν); binomial: n Bernoulli trials. */
double pr_dist_sample(const pr_dist *d, pr_rng *rng);
/* Fill a float tensor with draws. */
pr_status pr_dist_fill(const pr_dist *d, pr_rng *rng, pr_tensor *out);
/* The log-likelihood Σ log p(x_i) of the values of a float tensor. */
pr_status pr_dist_log_likelihood(const pr_dist *d, const pr_tensor *x, double *out);

/* ---- categorical and multivariate Gaussian ---------------------------------------------- */

/* A draw from the categorical distribution p[0..K-1] (non-negative, summing to 1
 * within 1e-9); PR_ERR_INVALID otherwise. */
pr_status pr_categorical_sample(const double *p, int64_t K, pr_rng *rng, int64_t *out);

/* N(μ, Σ) in d dimensions, held through the Cholesky factor Σ = L Lᵀ. */
typedef struct pr_mvn pr_mvn;
/* mean (d), cov (d, d) symmetric positive definite (PR_ERR_NOT_PD otherwise). */
pr_status pr_mvn_new(pr_mvn **out, const pr_tensor *mean, const pr_tensor *cov);
void pr_mvn_free(pr_mvn *m);
/* log p(x) for each row of X (n, d) (or one point (d)) into a new (n) tensor:
 * -½ (d log 2π + log|Σ| + ‖L⁻¹(x - μ)‖²). */
pr_status pr_mvn_logpdf(const pr_mvn *m, const pr_tensor *X, pr_tensor **out);
/* n draws μ + L z, z ~ N(0, I), as rows of a new (n, d) float64 tensor. */
pr_status pr_mvn_sample(const pr_mvn *m, int64_t n, pr_rng *rng, pr_tensor **out);

/* ---- estimation ---------------------------------------------------------------------------- */

/* Maximum likelihood for a Gaussian: the sample mean and the variance with divisor
 * m - ddof (ddof 0: the MLE 1/m; ddof 1: the unbiased 1/(m-1)). */
pr_status pr_gaussian_mle(const pr_tensor *x, int ddof, double *mean, double *var);
/* The Bernoulli MLE k/m of 0/1 outcomes (every value must be 0 or 1). */
pr_status pr_bernoulli_mle(const pr_tensor *x, double *p);
/* The Beta-Bernoulli conjugate update: Beta(α + heads, β + tails). */
pr_dist pr_beta_update(pr_dist prior, int64_t heads, int64_t tails);
/* The mode (α-1)/(α+β-2) of a Beta (the MAP estimate of a Bernoulli p under that
 * posterior); NaN when α <= 1 or β <= 1 leaves no interior mode. */
double pr_beta_mode(const pr_dist *beta);

/* Bayes' theorem over n exclusive hypotheses: posterior[i] = prior[i] likelihood[i] /
 * evidence, with the evidence Σ prior[i] likelihood[i] (the law of total probability;
 * optional output). The prior must be a distribution; likelihoods are
 * non-negative (probabilities or densities). PR_ERR_INVALID when the evidence is 0. */
pr_status pr_bayes_posterior(const double *prior, const double *likelihood, int64_t n, double *posterior,
                             double *evidence);

/* softmax(z / T)_k = exp(z_k/T) / Σ exp(z_j/T), computed with the maximum subtracted
 * (T > 0; T = 1 is the plain softmax; T -> 0 approaches argmax, T -> inf uniform). */
pr_status pr_softmax_temperature(const double *z, int64_t K, double T, double *out);

/* ---- information theory (section 3.6) ---------------------------------------------------- */

/* H(p) = -Σ p log p. p must be a distribution: non-negative, summing to 1 within
 * 1e-6 (PR_ERR_INVALID naming the offending entry otherwise). 0 log 0 = 0. */
pr_status pr_entropy(const double *p, int64_t n, double base, double *out);
/* H(p, q) = -Σ p log q; +inf when q is 0 where p is not. */
pr_status pr_cross_entropy(const double *p, const double *q, int64_t n, double base, double *out);
/* D_KL(p‖q) = Σ p log(p/q) >= 0; +inf when q is 0 where p is not. */
pr_status pr_kl_divergence(const double *p, const double *q, int64_t n, double base, double *out);

/* ---- classification metrics (section 6.6) --------------------------------------------------- */

/* Labels are whole numbers 0..K-1 held in any tensor of n elements. */

/* counts[t * K + p]: rows of true class t predicted as p (rows: truth, columns:
 * prediction, as scikit-learn). counts is a new (K, K) int64 tensor. */
pr_status pr_confusion_matrix(const pr_tensor *y_true, const pr_tensor *y_pred, int64_t K, pr_tensor **counts);

/* The metrics of one binary confusion matrix. A ratio whose denominator is 0 is 0
 * (scikit-learn's zero_division=0). */
typedef struct pr_binary_metrics {
    int64_t tp, fn, fp, tn;
    double accuracy;           /* (TP+TN)/all */
    double precision;          /* TP/(TP+FP) */
    double recall;             /* TPR, TP/(TP+FN) */
    double specificity;        /* TNR, TN/(TN+FP) */
    double fpr;                /* FP/(FP+TN) */
    double f1;                 /* 2TP/(2TP+FP+FN) */
    double balanced_accuracy;  /* (TPR + TNR)/2 */
} pr_binary_metrics;

pr_binary_metrics pr_binary_metrics_from_counts(int64_t tp, int64_t fn, int64_t fp, int64_t tn);
/* From 0/1 labels and 0/1 predictions. */
pr_status pr_binary_metrics_of(const pr_tensor *y_true, const pr_tensor *y_pred, pr_binary_metrics *out);

/* Per-class precision, recall and F1 (class k against the rest), their macro
 * averages (unweighted mean over classes), micro averages (from pooled counts: for
 * single-label data all three equal the accuracy) and support-weighted averages. */
typedef struct pr_class_report {
    int64_t K, n;
    double accuracy, balanced_accuracy; /* balanced: the macro-averaged recall */
    double macro_precision, macro_recall, macro_f1;
    double micro_precision, micro_recall, micro_f1;
    double weighted_precision, weighted_recall, weighted_f1;
    double *precision, *recall, *f1; /* K each */
    int64_t *support;                /* rows of each true class */
} pr_class_report;

pr_status pr_class_report_new(const pr_tensor *y_true, const pr_tensor *y_pred, int64_t K, pr_class_report **out);
void pr_class_report_free(pr_class_report *r);

/* A curve of n points (x[i], y[i]) with the threshold that gives each. */
typedef struct pr_curve {
    int64_t n;
    double *x, *y, *threshold;
} pr_curve;
void pr_curve_free(pr_curve *c);

/* Draw a curve on an axes: a ROC curve (roc set: the chance diagonal dashed, axes
 * "False positive rate"/"True positive rate") or a precision-recall curve as steps
 * ("Recall"/"Precision"), both on [0, 1], with `label` in the legend. */
pr_status pr_curve_draw(const pr_curve *c, pr_axes *ax, int roc, const char *label);

/* ROC: x = FPR, y = TPR at every distinct score (descending), starting at (0, 0)
 * with threshold +inf, as scikit-learn's roc_curve(drop_intermediate=False).
 * y_true holds 0/1; both classes must be present. */
pr_status pr_roc_curve(const pr_tensor *y_true, const pr_tensor *scores, pr_curve **out);
/* The area under the ROC curve by the trapezoid rule (ties count half). */
pr_status pr_roc_auc(const pr_tensor *y_true, const pr_tensor *scores, double *out);
/* Precision-recall: x = recall, y = precision at every distinct score, in
 * increasing-threshold order (recall falling), then the end point recall 0,
 * precision 1 with threshold +inf, as scikit-learn's precision_recall_curve. */
pr_status pr_pr_curve(const pr_tensor *y_true, const pr_tensor *scores, pr_curve **out);
/* The area under any curve through the n points (x[i], y[i]) by the trapezoid rule,
 * Σ (x[i+1] - x[i]) (y[i] + y[i+1]) / 2, with x monotonic (increasing, or decreasing:
 * then the area is still positive), as scikit-learn's auc. PR_ERR_INVALID when x is
 * not monotonic or n < 2. */
pr_status pr_auc(const double *x, const double *y, int64_t n, double *out);
/* Average precision Σ (R_k - R_{k-1}) P_k: the step-wise area under the PR curve
 * (scikit-learn's average_precision_score; not the trapezoid rule, which is
 * optimistic). */
pr_status pr_average_precision(const pr_tensor *y_true, const pr_tensor *scores, double *out);
/* Binary metrics at each of n thresholds (predict 1 when score >= threshold). */
pr_status pr_threshold_sweep(const pr_tensor *y_true, const pr_tensor *scores, const double *thresholds, int64_t n,
                             pr_binary_metrics *out);

/* Mean negative log-likelihood. proba (n) holds P(y = 1) for 0/1 labels, or (n, K)
 * one probability per class for labels 0..K-1. Probabilities are clipped to
 * [eps, 1 - eps] with eps 1e-15 (scikit-learn's log_loss). */
pr_status pr_log_loss(const pr_tensor *y_true, const pr_tensor *proba, double *out);

/* ---- regression metrics ------------------------------------------------------------------- */

typedef struct pr_regression_metrics {
    double mse, rmse, mae, r2; /* r2 = 1 - SS_res/SS_tot (1 when both are 0, 0 when only SS_tot is) */
} pr_regression_metrics;

pr_status pr_regression_metrics_of(const pr_tensor *y_true, const pr_tensor *y_pred, pr_regression_metrics *out);

/* ---- metrics over data that comes in batches ---------------------------------------------------
 * A tally takes batches one at a time and gives the metrics of everything added so far:
 * the same numbers the whole-set functions above give (they are computed by it), so a
 * trainer needs no copy of its own. Zero-initialise a tally (PR_TALLY_EMPTY) to start. */
typedef struct pr_metric_tally {
    int64_t count, hits;          /* classification: positions counted, and predicted right */
    int64_t n;                    /* regression: values */
    double mean, m2, sse, sae;    /* their mean and Σ (y - mean)² (merged batch by batch,
                                     Chan et al.), Σ e², Σ |e| */
} pr_metric_tally;
#define PR_TALLY_EMPTY ((pr_metric_tally){0, 0, 0, 0, 0, 0, 0})

/* Add the top-1 predictions of scores (..., K) (the argmax over the last axis) against
 * labels holding a class index 0..K-1 for each position; positions whose label is
 * ignore_index (PR_NO_IGNORE for none: any integer outside 0..K-1 works) are skipped.
 * PR_ERR_INVALID for another label out of range. */
pr_status pr_tally_labels(pr_metric_tally *t, const pr_tensor *scores, const pr_tensor *labels, int64_t ignore_index);
/* Add pairs of true and predicted values (same number of elements). */
pr_status pr_tally_values(pr_metric_tally *t, const pr_tensor *y_true, const pr_tensor *y_pred);
/* Accuracy of the labels added (NaN before any), and the regression metrics of the
 * values added. */
double pr_tally_accuracy(const pr_metric_tally *t);
pr_regression_metrics pr_tally_regression(const pr_metric_tally *t);

#ifdef __cplusplus
}
#endif

#endif /* PRIMER_STATS_H */
