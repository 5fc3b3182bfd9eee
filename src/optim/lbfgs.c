/* L-BFGS (Nocedal and Wright, algorithm 7.5): a limited-memory quasi-Newton
 * minimiser for smooth objectives, with an Armijo backtracking line search. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "optim/optim_internal.h"

#define LBFGS_MEMORY 10

static double dot(const double *a, const double *b, int64_t n) {
    double s = 0;
    for (int64_t i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}

static double max_abs(const double *a, int64_t n) {
    double m = 0;
    for (int64_t i = 0; i < n; i++) m = fmax(m, fabs(a[i]));
    return m;
}

pr_status pr__lbfgs(pr__objective f, void *ctx, double *theta, int64_t n, int max_iter, double gtol, const char *what,
                    int64_t *iterations) {
    size_t bytes = (size_t)n * sizeof(double);
    double *buf = pr__malloc(bytes * (2 * LBFGS_MEMORY + 5));
    if (!buf) return pr__fail(PR_ERR_NOMEM, "%s: out of memory", what);
    double *S = buf, *Y = S + LBFGS_MEMORY * n, *g = Y + LBFGS_MEMORY * n, *d = g + n, *tn = d + n, *gn = tn + n,
           *q = gn + n;
    double rho[LBFGS_MEMORY], a[LBFGS_MEMORY];
    int stored = 0, newest = -1;
    double fx = f(theta, g, ctx), gmax = max_abs(g, n);
    int64_t it = 0;
    pr_status st = PR_OK;
    while (gmax >= gtol) {
        if (it >= max_iter || !isfinite(fx)) {
            st = !isfinite(fx) ? pr__fail(PR_ERR_NONFINITE, "%s: the objective became non-finite at iteration %lld",
                                          what, (long long)it)
                               : pr__fail(PR_ERR_NO_CONVERGENCE, "%s: L-BFGS did not converge in %lld iterations: the "
                                          "largest gradient entry is still %.3g (tolerance %g); raise max_iter, "
                                          "standardise the features or add a penalty", what, (long long)it, gmax, gtol);
            break;
        }
        it++;
        /* two-loop recursion: d = -H g */
        memcpy(q, g, bytes);
        for (int k = 0; k < stored; k++) {
            int i = (newest - k + LBFGS_MEMORY) % LBFGS_MEMORY;
            a[i] = rho[i] * dot(S + i * n, q, n);
            for (int64_t j = 0; j < n; j++) q[j] -= a[i] * Y[i * n + j];
        }
        double gamma = stored ? dot(S + newest * n, Y + newest * n, n) / dot(Y + newest * n, Y + newest * n, n)
                              : 1 / fmax(1, sqrt(dot(g, g, n)));
        for (int64_t j = 0; j < n; j++) q[j] *= gamma;
        for (int k = stored - 1; k >= 0; k--) {
            int i = (newest - k + LBFGS_MEMORY) % LBFGS_MEMORY;
            double beta = rho[i] * dot(Y + i * n, q, n);
            for (int64_t j = 0; j < n; j++) q[j] += S[i * n + j] * (a[i] - beta);
        }
        for (int64_t j = 0; j < n; j++) d[j] = -q[j];
        double gd = dot(g, d, n);
        if (!(gd < 0)) { /* not a descent direction: restart from steepest descent */
            stored = 0;
            for (int64_t j = 0; j < n; j++) d[j] = -g[j] / fmax(1, sqrt(dot(g, g, n)));
            gd = dot(g, d, n);
        }
        double t = 1, fn = 0;
        int accepted = 0;
        for (int tries = 0; tries < 60; tries++, t *= 0.5) {
            for (int64_t j = 0; j < n; j++) tn[j] = theta[j] + t * d[j];
            fn = f(tn, gn, ctx);
            if (isfinite(fn) && fn <= fx + 1e-4 * t * gd) {
                accepted = 1;
                break;
            }
        }
        if (!accepted) {
            /* no decrease is possible at this precision: accept the point if it is nearly stationary */
            if (gmax > sqrt(gtol))
                st = pr__fail(PR_ERR_NO_CONVERGENCE, "%s: the line search failed at iteration %lld with the largest "
                              "gradient entry %.3g (tolerance %g); standardise the features", what, (long long)it, gmax,
                              gtol);
            break;
        }
        int slot = (newest + 1) % LBFGS_MEMORY;
        for (int64_t j = 0; j < n; j++) {
            S[slot * n + j] = tn[j] - theta[j];
            Y[slot * n + j] = gn[j] - g[j];
        }
        double sy = dot(S + slot * n, Y + slot * n, n);
        if (sy > 1e-300) {
            rho[slot] = 1 / sy;
            newest = slot;
            if (stored < LBFGS_MEMORY) stored++;
        }
        memcpy(theta, tn, bytes);
        memcpy(g, gn, bytes);
        /* the objective no longer falls by more than its rounding: at the optimum as
           closely as float64 can tell (scipy's ftol test, at scikit-learn's 64 eps),
           provided the point is nearly stationary, as for a failed line search */
        int flat = fx - fn <= 64 * DBL_EPSILON * fmax(1, fmax(fabs(fx), fabs(fn)));
        fx = fn;
        gmax = max_abs(g, n);
        if (flat && gmax <= sqrt(gtol)) break;
    }
    free(buf);
    if (iterations) *iterations = it;
    return st;
}

