/* The estimator: settings, validation, the design matrix (polynomial terms and
 * standardisation), dispatch to the solvers, prediction and inspection. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "linalg/backend.h"
#include "models/models_internal.h"
#include "primer/data.h"
#include "primer/stats.h"


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
    const char *name = pr_estimator_kind_name(c->kind);
    if (!(c->alpha >= 0) || !isfinite(c->alpha)) return pr__fail(PR_ERR_INVALID, "%s: alpha %g must be >= 0", name, c->alpha);
    if (!(c->l1_ratio >= 0 && c->l1_ratio <= 1))
        return pr__fail(PR_ERR_INVALID, "%s: l1_ratio %g must be in [0, 1]", name, c->l1_ratio);
    if (c->penalty == PR_REG_DEFAULT) c->penalty = PR_REG_L2;
    if ((unsigned)c->penalty > PR_REG_NONE) return pr__fail(PR_ERR_INVALID, "%s: unknown penalty %d", name, (int)c->penalty);
    if (c->degree < 1 || c->degree > PR__MAX_DEGREE)
        return pr__fail(PR_ERR_INVALID, "%s: polynomial degree %d is outside 1..%d (1: the features as they are)", name,
                        c->degree, PR__MAX_DEGREE);
    if ((c->max_iter < 1 && c->max_iter != PR_UNSET_INT) || !(c->tol >= 0 || isnan(c->tol)) || !(c->lr > 0) ||
        c->batch < 1 || !(c->var_smoothing >= 0) || !(c->smoothing >= 0) || !isfinite(c->binarize))
        return pr__fail(PR_ERR_INVALID, "%s: needs max_iter >= 1 (or PR_UNSET_INT), tol >= 0 (or PR_UNSET), lr > 0, "
                                        "batch >= 1, smoothing and var_smoothing >= 0 (start from pr_estimator_defaults)",
                        name);
    if ((unsigned)c->solver >= PR_SOLVER_COUNT) return pr__fail(PR_ERR_INVALID, "%s: unknown solver %d", name, (int)c->solver);
    if (c->solver == PR_SOLVER_AUTO && !kind_is_nb(c->kind)) {
        c->solver = c->kind <= PR_EST_RIDGE       ? PR_SOLVER_CHOLESKY
                    : c->kind <= PR_EST_ELASTIC_NET ? PR_SOLVER_CD
                    : c->penalty == PR_REG_L1      ? PR_SOLVER_GD
                                                   : PR_SOLVER_LBFGS;
    }
    if (kind_is_nb(c->kind) ? c->solver != PR_SOLVER_AUTO : !(solvers_of(c->kind, c->penalty) & (1u << c->solver)))
        return pr__fail(PR_ERR_INVALID, "%s: the %s solver does not apply%s", name, pr_solver_name(c->solver),
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
    free(e->not_converged);
    pr_tensor_file_free(e->notes);
    free(e);
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
                            pr_estimator_kind_name(e->c.kind), pr__term_name(e, j, name, sizeof name), (long long)j + 1, z[j]);
        }
    }
    return PR_OK;
}

/* Classifiers: map the labels to 0..K-1, keeping the labels. */
static pr_status encode_classes(pr_estimator *e, const pr_tensor *y, pr_tensor **indices) {
    const char *op = pr_estimator_kind_name(e->c.kind);
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
    const char *op = pr_estimator_kind_name(c.kind);
    if ((st = pr__require_tensor(X, op, "X")) || (st = pr__require_tensor(y, op, "y"))) return st;
    if (X->ndim != 2 || X->shape[0] < 2 || X->shape[1] < 1 || y->size != X->shape[0]) {
        char a[64], b[64];
        return pr__fail(PR_ERR_SHAPE, "%s: X must be (rows, features) with at least 2 rows and y one value per row; "
                        "got X %s and y %s", op, pr_shape_format(X, a, sizeof a), pr_shape_format(y, b, sizeof b));
    }
    char what[96];
    snprintf(what, sizeof what, "%s: X", op);
    if ((st = pr_data_check_columns(X, config->feature_names, 0, what)) || (st = pr_data_check_columns(y, NULL, 0, config->target_name ? config->target_name : "y (the target)")))
        return st;
    pr_estimator *e = pr__calloc(1, sizeof *e);
    if (!e) return pr__fail(PR_ERR_NOMEM, "%s: out of memory", op);
    e->c = c;
    e->n_features = X->shape[1];
    e->rank = -1;
    st = copy_names(e, config);
    if (!st) st = pr__terms_count(e->n_features, c.degree, &e->n_terms);
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
    if (!st && c.strict && e->not_converged) st = pr__fail(PR_ERR_NO_CONVERGENCE, "%s", e->not_converged);
    if (st) {
        pr_estimator_free(e);
        return st;
    }
    *out = e;
    return PR_OK;
}

pr_status pr__estimator_not_converged(pr_estimator *e, pr_status st) {
    if (st != PR_ERR_NO_CONVERGENCE) return st;
    free(e->not_converged);
    if (!(e->not_converged = pr__strdup(pr_last_error()))) return PR_ERR_NOMEM;
    pr_clear_error();
    return PR_OK;
}

int pr_estimator_converged(const pr_estimator *e, const char **why) {
    if (why) *why = e ? e->not_converged : NULL;
    return e && !e->not_converged;
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
    if (!e->K) return pr__fail(PR_ERR_INVALID, "predict_proba: %s is a regressor", pr_estimator_kind_name(e->c.kind));
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
        pr__softmax_f64(v + i * K, K, 1, o + i * K, 0);
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
