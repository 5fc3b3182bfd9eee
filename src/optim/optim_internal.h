/* Internals of src/optim shared with the layers above it: the L-BFGS minimiser that
 * the classical models' solvers use. */
#ifndef PRIMER_OPTIM_INTERNAL_H
#define PRIMER_OPTIM_INTERNAL_H

#include "core/internal.h"

/* f returns the objective at theta and writes its gradient. */
typedef double (*pr__objective)(const double *theta, double *grad, void *ctx);

/* Minimise f over theta (n) by L-BFGS (memory 10, Armijo backtracking) until the
 * largest gradient entry is below gtol, or until a step lowers f by no more than
 * 64 eps relative (scikit-learn's ftol: f is then flat to float64's precision)
 * with that entry below sqrt(gtol). `what` names the caller in messages. */
pr_status pr__lbfgs(pr__objective f, void *ctx, double *theta, int64_t n, int max_iter, double gtol,
                    const char *what, int64_t *iterations);

#endif
