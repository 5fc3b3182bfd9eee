/* The names of the classical models and their solvers, from the one list of each in
 * primer/models.h; the estimator, its solvers and the model files all read them here. */
#include <string.h>

#include "models/models_internal.h"

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

const char *pr_estimator_kind_name(pr_estimator_kind kind) {
    return (unsigned)kind < PR_EST_KIND_COUNT ? kind_names[kind] : "unknown";
}

pr_status pr_estimator_kind_parse(const char *name, pr_estimator_kind *out) {
    if (!name || !out) return pr__fail(PR_ERR_INVALID, "estimator kind: NULL argument");
    int k = pr__name_index(kind_names, PR_EST_KIND_COUNT, name);
    if (k >= 0) {
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

const char *pr_solver_name(pr_solver solver) { return (unsigned)solver < PR_SOLVER_COUNT ? solver_names[solver] : "unknown"; }

pr_status pr_solver_parse(const char *name, pr_solver *out) {
    if (!name || !out) return pr__fail(PR_ERR_INVALID, "solver: NULL argument");
    int k = pr__name_index(solver_names, PR_SOLVER_COUNT, name);
    if (k >= 0) {
        *out = (pr_solver)k;
        return PR_OK;
    }
    return pr__fail(PR_ERR_INVALID, "unknown solver '%s' (auto, cholesky, qr, svd, gd, sgd, cd, lbfgs, newton)", name);
}

