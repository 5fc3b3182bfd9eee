/* primer/models.h — the classical models (book chapters 3, 4, 6 and 7): linear,
 * ridge, lasso and elastic-net regression, logistic and softmax regression, naive
 * Bayes, and the tools to choose among them (k-fold cross-validation, learning
 * curves, bias-variance simulation).
 *
 *     pr_estimator *e;
 *     pr_estimator_config c = pr_estimator_defaults(PR_EST_RIDGE);
 *     c.alpha = 2;
 *     pr_estimator_fit(&e, &c, X, y);          // X (m, n) float, y (m)
 *     pr_estimator_predict(e, X_new, &y_hat);
 *     pr_estimator_save(e, "ridge.safetensors");
 *     pr_estimator_free(e);
 *
 * Objectives (m rows, w the weights, b the intercept, never penalised; α is
 * config.alpha):
 *
 *   linear        ‖y - Xw - b‖²                           normal equation (section 4.4)
 *   ridge         ‖y - Xw - b‖² + α‖w‖²                   (Xc'Xc + αI) w = Xc'yc, scikit-learn's Ridge;
 *                 ridge_scale PR_RIDGE_M_LAMBDA gives (Xc'Xc + mαI), the 1/m-MSE form of 2.6 and 4.6.
 *                 The book's Q4.8 also penalises its column of ones: pass that column in X and
 *                 set no_intercept.
 *   lasso         (1/2m)‖y - Xw - b‖² + α‖w‖₁              coordinate descent with soft thresholding
 *   elastic net   (1/2m)‖y - Xw - b‖² + αr‖w‖₁ + α(1-r)/2 ‖w‖²   r = l1_ratio (scikit-learn's ElasticNet)
 *   logistic      (1/m)[Σ CE(σ(x'w + b), y) + (α/2)‖w‖²]    (or α‖w‖₁ with PR_REG_L1); α = 1/C of
 *                 scikit-learn's LogisticRegression, so the default α = 1 is its C = 1. With more than
 *                 two classes it is softmax regression.
 *   softmax       (1/m)[Σ -log softmax(W x + b)_y + (α/2)‖W‖²]  (multinomial; K weight vectors)
 *   naive Bayes   Gaussian (per-class mean and variance, variances + var_smoothing · the largest
 *                 feature variance), multinomial (counts, additive smoothing α) and Bernoulli
 *                 (features binarised at `binarize`, smoothing α), as scikit-learn's.
 *
 * Features may first be expanded to polynomial terms (degree D: every product of
 * at most D features, in scikit-learn's PolynomialFeatures order, without the
 * constant) and then standardised; both are stored in the model and applied again
 * by predict. Coefficients are reported in the space the model was fitted in.
 */
#ifndef PRIMER_MODELS_H
#define PRIMER_MODELS_H

#include "primer/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* X(enum name, "name"). The one list of classical models. */
#define PR_ESTIMATOR_LIST(X)                         \
    X(PR_EST_LINEAR, "linear")                       \
    X(PR_EST_RIDGE, "ridge")                         \
    X(PR_EST_LASSO, "lasso")                         \
    X(PR_EST_ELASTIC_NET, "elasticnet")              \
    X(PR_EST_LOGISTIC, "logistic")                   \
    X(PR_EST_SOFTMAX, "softmax")                     \
    X(PR_EST_GAUSSIAN_NB, "gaussian-nb")             \
    X(PR_EST_MULTINOMIAL_NB, "multinomial-nb")       \
    X(PR_EST_BERNOULLI_NB, "bernoulli-nb")

typedef enum pr_estimator_kind {
#define PR_X_(name, str) name,
    PR_ESTIMATOR_LIST(PR_X_)
#undef PR_X_
    PR_EST_KIND_COUNT
} pr_estimator_kind;

/* X(enum name, "name", what it does). The one list of solvers. */
#define PR_SOLVER_LIST(X)                                                                                     \
    X(PR_SOLVER_AUTO, "auto", "linear/ridge: Cholesky; lasso/elastic net: CD; logistic/softmax: L-BFGS "     \
                              "(L1: proximal gradient)")                                                      \
    X(PR_SOLVER_CHOLESKY, "cholesky", "normal equation through a Cholesky factor")                            \
    X(PR_SOLVER_QR, "qr", "linear: QR of the centred X, no X'X formed")                                       \
    X(PR_SOLVER_SVD, "svd", "linear: minimum-norm least squares (LAPACK gelsd)")                              \
    X(PR_SOLVER_GD, "gd", "full-batch gradient descent (primer/optim.h SGD; with an L1 penalty: FISTA)")      \
    X(PR_SOLVER_SGD, "sgd", "shuffled mini-batch SGD")                                                        \
    X(PR_SOLVER_CD, "cd", "coordinate descent")                                                               \
    X(PR_SOLVER_LBFGS, "lbfgs", "limited-memory BFGS")                                                        \
    X(PR_SOLVER_NEWTON, "newton", "Newton's method / IRLS (binary logistic with L2 or no penalty)")

typedef enum pr_solver {
#define PR_X_(name, str, what) name,
    PR_SOLVER_LIST(PR_X_)
#undef PR_X_
    PR_SOLVER_COUNT
} pr_solver;

typedef enum pr_ridge_scale {
    PR_RIDGE_LAMBDA,   /* X'X + αI (section 4.6's Q4.3/Q4.8 form, scikit-learn) */
    PR_RIDGE_M_LAMBDA  /* X'X + mαI (the 1/m-MSE form of sections 2.6 and 4.6) */
} pr_ridge_scale;

typedef enum pr_regularizer {
    PR_REG_DEFAULT,  /* L2 */
    PR_REG_L2,
    PR_REG_L1,
    PR_REG_NONE
} pr_regularizer;

/* Start from pr_estimator_defaults(kind) (PR_ESTIMATOR_DEFAULTS is linear's); the
 * defaults follow each field, and every field is taken as given: an alpha of 0 is no
 * penalty, an l1_ratio of 0 a pure L2 elastic net, a tol of 0 runs to max_iter. */
typedef struct pr_estimator_config {
    pr_estimator_kind kind;
    pr_solver solver;        /* PR_SOLVER_AUTO: the kind's usual solver (above) */
    double alpha;            /* penalty strength (1), >= 0 */
    double l1_ratio;         /* elastic net's mix r (0.5), in [0, 1] */
    pr_regularizer penalty;  /* logistic and softmax (L2) */
    pr_ridge_scale ridge_scale; /* (PR_RIDGE_LAMBDA) */
    int no_intercept;        /* fit no intercept (b = 0) (0) */
    int degree;              /* polynomial features of this degree first (1: none), 1..20 */
    int standardize;         /* standardise the (expanded) features first (0) */
    int max_iter;            /* PR_UNSET_INT: the solver's own, 1000 (CD, L-BFGS), 10000 (proximal,
                                GD), 100 (Newton), 100 epochs (SGD, which runs them all and reports
                                no convergence test); else >= 1 */
    double tol;              /* PR_UNSET: the solver's own, 1e-4 for CD (duality gap relative to
                                ‖y‖², as scikit-learn), 1e-8 for L-BFGS/Newton/proximal (largest
                                gradient entry; L-BFGS also stops, as scikit-learn's, once a step
                                lowers the loss by no more than 64 eps relative, if that entry is
                                below sqrt(tol); the L1 penalty's proximal gradient measures the
                                optimality residual with every column centred and scaled to unit
                                spread, so that the units of X do not matter), 1e-6 for GD;
                                else >= 0 */
    double lr;               /* GD and SGD learning rate (0.01; the L1 penalty's accelerated
                                proximal gradient starts from it and adapts its step), > 0 */
    int64_t batch;           /* SGD mini-batch (32), >= 1 */
    uint64_t seed;           /* SGD shuffling (0) */
    double smoothing;        /* multinomial/Bernoulli NB additive smoothing (1), >= 0 (below 1e-10
                                it is 1e-10, as scikit-learn, so no probability is exactly 0) */
    double var_smoothing;    /* Gaussian NB: added to the variances, times the largest (1e-9), >= 0 */
    double binarize;         /* Bernoulli NB threshold: x > binarize counts as 1 (0) */
    int min_norm;            /* linear: give the minimum-norm solution when X is rank-deficient
                                instead of failing with PR_ERR_SINGULAR (0) */
    const char *const *feature_names; /* optional: the n column names, used in messages and kept in
                                         the model (and its file) (NULL) */
    const char *target_name;          /* optional: the target column's name, kept likewise (NULL) */
    int strict;              /* a solver that stops at max_iter (or whose line search stalls) fails
                                with PR_ERR_NO_CONVERGENCE (1), or keeps its last iterate and
                                reports it through pr_estimator_converged, as scikit-learn warns (0) */
} pr_estimator_config;

#define PR_ESTIMATOR_DEFAULTS                                                                             \
    ((pr_estimator_config){.kind = PR_EST_LINEAR, .solver = PR_SOLVER_AUTO, .alpha = 1, .l1_ratio = 0.5,  \
                           .penalty = PR_REG_L2, .ridge_scale = PR_RIDGE_LAMBDA, .degree = 1,              \
                           .max_iter = PR_UNSET_INT, .tol = PR_UNSET, .lr = 0.01, .batch = 32,             \
                           .smoothing = 1, .var_smoothing = 1e-9})
/* The defaults for one kind of model. */
pr_estimator_config pr_estimator_defaults(pr_estimator_kind kind);

typedef struct pr_estimator pr_estimator;

/* "linear", "ridge", "lasso", "elasticnet", "logistic", "softmax", "gaussian-nb",
 * "multinomial-nb", "bernoulli-nb"; parse also takes "naive-bayes" (Gaussian). */
const char *pr_estimator_kind_name(pr_estimator_kind kind);
pr_status pr_estimator_kind_parse(const char *name, pr_estimator_kind *out);
/* "auto", "cholesky", "qr", "svd", "gd", "sgd", "cd", "lbfgs", "newton". */
const char *pr_solver_name(pr_solver solver);
pr_status pr_solver_parse(const char *name, pr_solver *out);

/* Fit a new model to X (m, n) and y (m). Classifiers take whole-number labels (any
 * values; they are kept and predicted back). Errors: PR_ERR_NONFINITE (NaN or
 * infinity in X or y), PR_ERR_SHAPE, PR_ERR_INVALID (a constant feature column
 * alongside an intercept, a single class, negative counts for multinomial NB, bad
 * settings), PR_ERR_SINGULAR (linear regression on a rank-deficient X: the message
 * names a dependent column and suggests ridge), PR_ERR_NO_CONVERGENCE (naming the
 * iterations and the remaining gap or gradient). */
pr_status pr_estimator_fit(pr_estimator **out, const pr_estimator_config *config, const pr_tensor *X,
                           const pr_tensor *y);
void pr_estimator_free(pr_estimator *e);

/* Regressors: the predicted values (m). Classifiers: the predicted labels (m). */
pr_status pr_estimator_predict(const pr_estimator *e, const pr_tensor *X, pr_tensor **out);
/* Classifiers: (m, K) class probabilities, columns in the order of the classes. */
pr_status pr_estimator_predict_proba(const pr_estimator *e, const pr_tensor *X, pr_tensor **out);
/* Linear scores: (m) for regressors and binary logistic regression (the logit, whose
 * sign decides), (m, K) for softmax and naive Bayes (joint log-likelihoods). */
pr_status pr_estimator_decision_function(const pr_estimator *e, const pr_tensor *X, pr_tensor **out);
/* Accuracy for classifiers, R² for regressors. */
pr_status pr_estimator_score(const pr_estimator *e, const pr_tensor *X, const pr_tensor *y, double *out);

/* The decision boundary w1 x1 + w2 x2 + b = 0 of a linear classifier on two features
 * as the line x2 = slope x1 + intercept (section 6.3); the class-1 side is where the
 * score is positive, toward the normal (w1, w2). PR_ERR_INVALID when w2 = 0 (a
 * vertical line). The _of form reads a fitted binary logistic model with two terms. */
pr_status pr_decision_boundary_2d(double b, double w1, double w2, double *slope, double *intercept);
pr_status pr_decision_boundary_2d_of(const pr_estimator *e, double *slope, double *intercept);

/* Inspecting a fitted model (pointers owned by the model). */
pr_estimator_config pr_estimator_settings(const pr_estimator *e); /* defaults filled in */
int pr_estimator_is_classifier(const pr_estimator *e);
int64_t pr_estimator_n_features(const pr_estimator *e);  /* input columns */
int64_t pr_estimator_n_terms(const pr_estimator *e);     /* columns after polynomial expansion */
/* Linear models: weights (n_terms) or (K, n_terms) and intercepts (1) or (K). Naive
 * Bayes: per-class means (Gaussian) or log feature probabilities, (K, n_terms), and
 * the class log priors (K). */
const pr_tensor *pr_estimator_coef(const pr_estimator *e);
const pr_tensor *pr_estimator_intercept(const pr_estimator *e);
/* Gaussian NB's per-class variances (K, n_terms); NULL for the others. */
const pr_tensor *pr_estimator_variance(const pr_estimator *e);
/* The class labels (K values, increasing); NULL for regressors. */
const double *pr_estimator_classes(const pr_estimator *e, int64_t *K);
/* Iterations the solver took (0 for closed forms) and the rank of the centred X
 * (closed-form linear regression; -1 otherwise). */
int64_t pr_estimator_iterations(const pr_estimator *e);
/* 1 when the solver met its tolerance (closed forms always do); 0 when it stopped
 * without (config.strict 0), with *why (may be NULL) the solver's explanation: the
 * iterations, the remaining gap and what to change. */
int pr_estimator_converged(const pr_estimator *e, const char **why);
int64_t pr_estimator_rank(const pr_estimator *e);
/* The name of term j: "x1", "x1^2", "x1 x2" from the feature names (NULL: the
 * model's names, else x0, x1, ...). Writes at most len bytes. */
const char *pr_estimator_term_name(const pr_estimator *e, int64_t j, char *buf, size_t len);

/* The column names the model was fitted with (config.feature_names, target_name). */
const char *pr_estimator_feature_name(const pr_estimator *e, int64_t j); /* NULL when unnamed */
const char *pr_estimator_target_name(const pr_estimator *e);
/* A program's own settings kept in the file, as pr_model_set_metadata. */
pr_status pr_estimator_set_metadata(pr_estimator *e, const char *key, const char *value);
const char *pr_estimator_metadata(const pr_estimator *e, const char *key);

/* Save as safetensors (atomically): the tensors "coef", "intercept", "classes",
 * "variance", "mean", "scale" that apply, and metadata "primer.estimator" (the kind),
 * "degree", "features" (JSON array), "target". */
pr_status pr_estimator_save(const pr_estimator *e, const char *path);
/* Load a file saved by pr_estimator_save, checking every shape. */
pr_status pr_estimator_load(const char *path, pr_estimator **out);
/* The same from the file's bytes in memory (a model embedded in a program); `name`
 * (may be NULL) is used in error messages. */
pr_status pr_estimator_load_buffer(const void *data, size_t len, const char *name, pr_estimator **out);
/* 1 when the safetensors file at `path` holds a classical model (it can be read and
 * has the "primer.estimator" metadata). */
int pr_estimator_file_is(const char *path);

/* ---- features --------------------------------------------------------------------------- */

/* Polynomial terms of X (m, n) up to `degree` (>= 1), without the constant:
 * (m, C(n + degree, degree) - 1) in scikit-learn's order (x1, x2, x1², x1x2, x2², ...).
 * PR_ERR_LIMIT beyond 100,000 terms. */
pr_status pr_polynomial_features(const pr_tensor *X, int degree, pr_tensor **out);
/* Polynomial least squares on one variable, as NumPy's polyfit: coefficients
 * (degree + 1), highest power first, by the QR/SVD least-squares solver on a
 * scaled Vandermonde matrix; and its evaluation by Horner's rule. */
pr_status pr_polyfit(const pr_tensor *x, const pr_tensor *y, int degree, pr_tensor **coeffs);
pr_status pr_polyval(const pr_tensor *coeffs, const pr_tensor *x, pr_tensor **out);

/* ---- model selection ---------------------------------------------------------------------- */

/* Assign each of n rows to one of k folds (fold[i] in 0..k-1), shuffled with rng
 * (NULL: in order). With labels (n whole numbers), stratified: each class is dealt
 * round-robin over the folds so that every fold keeps the class proportions. */
pr_status pr_kfold(int64_t n, int k, const pr_tensor *labels, pr_rng *rng, int64_t *fold);

typedef struct pr_cv_result {
    int k;
    double train_mean, train_std, test_mean, test_std;
    double train[64], test[64]; /* per fold (k <= 64): accuracy or R² */
} pr_cv_result;

/* k-fold cross-validation of a configuration (stratified for classifiers when
 * `stratified` is set); 2 <= k <= min(64, m). */
pr_status pr_cross_validate(const pr_estimator_config *config, const pr_tensor *X, const pr_tensor *y, int k,
                            int stratified, pr_rng *rng, pr_cv_result *out);

/* Learning curve: for each training fraction f[i] in (0, 1], the mean training and
 * validation score over k folds when the model sees the first f[i] of each fold's
 * training rows. */
pr_status pr_learning_curve(const pr_estimator_config *config, const pr_tensor *X, const pr_tensor *y,
                            const double *fractions, int n, int k, pr_rng *rng, double *train_score,
                            double *test_score);

/* Bias-variance by simulation (section 4.7): `repeats` training sets of n_train
 * points x ~ U[x_lo, x_hi], y = f(x) + N(0, noise²), a model of `config` fitted to
 * each, and at the n_test evenly spaced test points the squared bias of the mean
 * prediction, the variance of the predictions and the noise σ², averaged over the
 * test points. expected_error is their sum: the mean squared error against fresh
 * noisy targets. */
typedef struct pr_bias_variance {
    double bias2, variance, noise, expected_error;
} pr_bias_variance;

pr_status pr_bias_variance_simulate(const pr_estimator_config *config, double (*f)(double x, void *ctx), void *ctx,
                                    double x_lo, double x_hi, int64_t n_train, double noise, int repeats,
                                    int64_t n_test, pr_rng *rng, pr_bias_variance *out);

#ifdef __cplusplus
}
#endif

#endif /* PRIMER_MODELS_H */
