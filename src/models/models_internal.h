/* Internal to the models layer: the estimator's fields and the solvers' entry points. */
#ifndef PRIMER_MODELS_INTERNAL_H
#define PRIMER_MODELS_INTERNAL_H

#include <math.h>

#include "core/internal.h"
#include "primer/io.h"
#include "primer/models.h"

struct pr_estimator {
    pr_estimator_config c;  /* defaults resolved; name pointers cleared (copied below) */
    int64_t n_features;     /* input columns */
    int64_t n_terms;        /* columns after polynomial expansion */
    int64_t K;              /* classes (0 for regressors) */
    double *classes;        /* K labels, increasing */
    pr_tensor *mean, *scale; /* standardisation of the terms, or NULL */
    pr_tensor *coef, *intercept, *variance;
    int64_t iterations, rank;
    char **features;        /* n_features names, or NULL */
    char *target;
    pr_tensor_file *notes;  /* pr_estimator_set_metadata's entries, or NULL */
    int converged;          /* the solver met its tolerance (closed forms: 1) */
    char *not_converged;    /* otherwise the solver's message */
};

/* A solver's status: PR_ERR_NO_CONVERGENCE (its message just set) becomes PR_OK with
 * the message kept in the estimator (config.strict decides later); others pass. */
pr_status pr__estimator_not_converged(pr_estimator *e, pr_status st);

#define PR__MAX_TERMS 100000
#define PR__MAX_DEGREE 20

/* C(n + degree, degree) - 1 terms of degree <= `degree` over n variables;
 * PR_ERR_LIMIT beyond PR__MAX_TERMS. */
pr_status pr__terms_count(int64_t n, int degree, int64_t *count);

/* The design matrix: X checked against the model, expanded and standardised (when
 * the model has a standardisation) into a float64 (m, n_terms) tensor *Z. That is X
 * itself when X is float64 and nothing changes it, unless `writable` asks for a
 * copy; a new tensor is also returned in *owned (else NULL) for the caller to free. */
pr_status pr__estimator_design(const pr_estimator *e, const pr_tensor *X, int writable, const pr_tensor **Z,
                               pr_tensor **owned);
/* Name of term j into buf (see pr_estimator_term_name). */
const char *pr__term_name(const pr_estimator *e, int64_t j, char *buf, size_t len);

/* Solvers: Z (m, p) float64 design, y (m) float64 targets (regression) or class
 * indices 0..K-1. Each sets e->coef and e->intercept (and e->iterations, e->rank). */
pr_status pr__fit_linear(pr_estimator *e, const pr_tensor *Z, const pr_tensor *y);
pr_status pr__fit_logistic(pr_estimator *e, const pr_tensor *Z, const pr_tensor *y);
pr_status pr__fit_naive_bayes(pr_estimator *e, const pr_tensor *Z, const pr_tensor *y);
/* Joint log-likelihoods (m, K) of naive Bayes. */
pr_status pr__naive_bayes_scores(const pr_estimator *e, const pr_tensor *Z, pr_tensor **out);

/* Mean and (divisor m) variance of each column of the (m, p) row-major matrix. */
void pr__column_moments(const double *Z, int64_t m, int64_t p, double *mean, double *var);

#endif
