/* Logistic and softmax regression (book chapter 6): the mean cross-entropy plus a
 * penalty, minimised by L-BFGS, Newton's method (IRLS) or gradient descent through
 * primer/optim.h (a proximal step adds the L1 penalty). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "linalg/backend.h"
#include "models/models_internal.h"
#include "optim/optim_internal.h"
#include "primer/optim.h"

static double max_abs(const double *a, int64_t n) {
    double m = 0;
    for (int64_t i = 0; i < n; i++) m = fmax(m, fabs(a[i]));
    return m;
}

/* ---- objectives ---------------------------------------------------------------------------- */

typedef struct problem {
    const double *Z, *y; /* y: class indices */
    int64_t m, p, K;     /* K = 1: binary logistic (one weight vector) */
    double l2;           /* α of the L2 penalty (0: none) */
    int intercept;
    double *scores;      /* m x K */
} problem;

/* Adds b to the scores S (rows x K) and turns them into the residuals D = P - Y of
 * the cross-entropy, returning the summed loss. */
static double residuals(double *S, const double *y, int64_t rows, int64_t K, const double *b) {
    double loss = 0;
    for (int64_t i = 0; i < rows; i++) {
        double *s = S + i * K;
        int64_t label = (int64_t)y[i];
        for (int64_t k = 0; k < K; k++) s[k] += b[k];
        if (K == 1) { /* binary: y in {0, 1}; the loss is softplus(z) - yz, and s becomes σ(z) - y */
            double z = s[0], softplus, sigma = pr__sigmoid_softplus(z, &softplus); /* one exp serves both */
            loss += softplus - (label ? z : 0);
            s[0] = sigma - (double)label;
            continue;
        }
        double picked = s[label];
        loss += pr__softmax_f64(s, K, 1, s, 0) - picked; /* log Σ e^s - s_label; s becomes softmax(s) */
        s[label] -= 1;
    }
    return loss;
}

/* Rows of Z per block: about 256 KiB for each BLAS thread, so that the product
 * back (Dᵀ Z) finds the block still in the caches and each evaluation reads Z from
 * memory once. */
static int64_t block_rows(int64_t p) {
    int64_t rows = (256 * 1024) * pr__bk_threads() / (p * (int64_t)sizeof(double));
    return rows < 16 ? 16 : rows;
}

/* (1/m)[Σ CE + (l2/2)‖W‖²] and its gradient; theta = [W (K x p), b (K)]. */
static double cross_entropy(const double *theta, double *grad, void *ctx) {
    const problem *P = ctx;
    int64_t m = P->m, p = P->p, K = P->K, step = block_rows(p);
    const double *W = theta, *b = theta + K * p;
    double *S = P->scores, loss = 0, *gW = grad, *gb = grad + K * p;
    double inv_m = 1 / (double)m, penalty = 0;
    for (int64_t i0 = 0; i0 < m; i0 += step) {
        int64_t rows = m - i0 < step ? m - i0 : step;
        const double *Zb = P->Z + i0 * p;
        double *Sb = S + i0 * K, beta = i0 ? 1 : 0;
        /* one weight vector: matrix-vector products, which (unlike a gemm with one
           column) read Z in place instead of packing it first */
        if (K == 1) pr__bk_gemv_f64(0, rows, p, 1, Zb, p, W, 0, Sb);
        else pr__bk_gemm_f64(0, 1, rows, K, p, 1, Zb, p, W, p, 0, Sb, K);
        loss += residuals(Sb, P->y + i0, rows, K, b);
        /* gW += Dᵀ Z / m */
        if (K == 1) pr__bk_gemv_f64(1, rows, p, inv_m, Zb, p, Sb, beta, gW);
        else pr__bk_gemm_f64(1, 0, K, p, rows, inv_m, Sb, K, Zb, p, beta, gW, p);
    }
    for (int64_t k = 0; k < K; k++) { /* gb = column sums of D / m */
        double s = 0;
        for (int64_t i = 0; i < m; i++) s += S[i * K + k];
        gb[k] = P->intercept ? s * inv_m : 0;
    }
    if (P->l2 > 0)
        for (int64_t j = 0; j < K * p; j++) {
            penalty += W[j] * W[j];
            gW[j] += P->l2 * inv_m * W[j];
        }
    return (loss + 0.5 * P->l2 * penalty) * inv_m;
}

/* ---- Newton / IRLS (binary) -------------------------------------------------------------------- */

static pr_status newton(pr_estimator *e, problem *P, double *theta) {
    int64_t m = P->m, p = P->p, n = p + 1;
    double *A = pr__malloc((size_t)(m * n) * sizeof *A), *H = pr__malloc((size_t)(n * n) * sizeof *H);
    double *g = pr__malloc((size_t)n * sizeof *g), *step = pr__malloc((size_t)n * sizeof *step);
    double *trial = pr__malloc((size_t)n * sizeof *trial), *gt = pr__malloc((size_t)n * sizeof *gt);
    pr_status st = PR_OK;
    if (!A || !H || !g || !step || !trial || !gt) st = pr__fail(PR_ERR_NOMEM, "logistic: out of memory");
    double fx = st ? 0 : cross_entropy(theta, g, P), gmax = st ? 0 : max_abs(g, n);
    int64_t it = 0;
    while (!st && gmax >= e->c.tol) {
        if (it >= e->c.max_iter) {
            st = pr__estimator_not_converged(
                e, pr__fail(PR_ERR_NO_CONVERGENCE, "logistic: Newton's method did not converge in %lld iterations: "
                            "the largest gradient entry is still %.3g (tolerance %g); the classes may be separable: "
                            "add a penalty", (long long)it, gmax, e->c.tol));
            break;
        }
        it++;
        /* H = (1/m) Aᵀ A + (l2/m) I_w with A's rows sqrt(s_i) [z_i, 1], s_i = p_i (1 - p_i) */
        for (int64_t i = 0; i < m; i++) {
            double z = theta[p];
            for (int64_t j = 0; j < p; j++) z += P->Z[i * p + j] * theta[j];
            double pi = pr__sigmoid(z), r = sqrt(pi * (1 - pi) / (double)m);
            for (int64_t j = 0; j < p; j++) A[i * n + j] = r * P->Z[i * p + j];
            A[i * n + p] = P->intercept ? r : 0;
        }
        pr__bk_syrk_t_f64(n, m, A, n, H, n);
        for (int64_t i = 0; i < n; i++) {
            for (int64_t j = 0; j < i; j++) H[i * n + j] = H[j * n + i];
            if (i < p) H[i * n + i] += P->l2 / (double)m;
        }
        if (!P->intercept) H[p * n + p] = 1;
        memcpy(step, g, (size_t)n * sizeof *g);
        if (pr__bk_posv_f64(n, 1, H, n, step, n)) {
            st = pr__fail(PR_ERR_SINGULAR, "logistic: the Hessian is singular at iteration %lld (perfectly separated "
                          "classes or collinear features); add an L2 penalty or use lbfgs", (long long)it);
            break;
        }
        double t = 1, gd = -pr__bk_dot_f64(n, g, step), ft = 0;
        int ok = 0;
        for (int tries = 0; tries < 40 && !ok; tries++, t *= 0.5) {
            for (int64_t j = 0; j < n; j++) trial[j] = theta[j] - t * step[j];
            ft = cross_entropy(trial, gt, P);
            ok = isfinite(ft) && ft <= fx + 1e-4 * t * gd;
            if (ok) break;
        }
        if (!ok) {
            if (gmax > sqrt(e->c.tol))
                st = pr__estimator_not_converged(
                    e, pr__fail(PR_ERR_NO_CONVERGENCE, "logistic: Newton's line search failed at iteration %lld "
                                "(largest gradient entry %.3g)", (long long)it, gmax));
            break;
        }
        memcpy(theta, trial, (size_t)n * sizeof *theta);
        memcpy(g, gt, (size_t)n * sizeof *g);
        fx = ft;
        gmax = max_abs(g, n);
    }
    e->iterations = it;
    free(A);
    free(H);
    free(g);
    free(step);
    free(trial);
    free(gt);
    return st;
}

/* ---- gradient descent (primer/optim.h), proximal for L1 ----------------------------------- */

/* The optimality residual: the gradient, or for L1 the distance of -gradient from
 * the subdifferential of (l1/m)‖w‖₁. */
static double optimality(const double *theta, const double *g, int64_t nw, int64_t n, double l1_per_row) {
    double worst = 0;
    for (int64_t j = 0; j < n; j++) {
        double r = g[j];
        if (j < nw && l1_per_row > 0)
            r = theta[j] != 0 ? g[j] + l1_per_row * (theta[j] > 0 ? 1 : -1) : fmax(0, fabs(g[j]) - l1_per_row);
        worst = fmax(worst, fabs(r));
    }
    return worst;
}

/* The coordinates the L1 solver works in: each column centred and scaled by its
 * spread, u = s w and b' = b + mu.w per class; the same minimiser, but unscaled or
 * offset features no longer stall it. */
typedef struct scaled {
    int64_t p, K, nw;
    const double *mu, *s;
} scaled;

/* theta (original) from x (scaled) */
static void from_scaled(const scaled *c, const double *x, double *theta) {
    for (int64_t k = 0; k < c->K; k++) {
        double shift = 0;
        for (int64_t j = 0; j < c->p; j++) {
            theta[k * c->p + j] = x[k * c->p + j] / c->s[j];
            shift += theta[k * c->p + j] * c->mu[j];
        }
        theta[c->nw + k] = x[c->nw + k] - shift;
    }
}

static void to_scaled(const scaled *c, const double *theta, double *x) {
    for (int64_t k = 0; k < c->K; k++) {
        double shift = 0;
        for (int64_t j = 0; j < c->p; j++) {
            x[k * c->p + j] = theta[k * c->p + j] * c->s[j];
            shift += theta[k * c->p + j] * c->mu[j];
        }
        x[c->nw + k] = theta[c->nw + k] + shift;
    }
}

/* the gradient g (original) in place as the gradient in the scaled coordinates */
static void gradient_to_scaled(const scaled *c, double *g) {
    for (int64_t k = 0; k < c->K; k++)
        for (int64_t j = 0; j < c->p; j++) g[k * c->p + j] = (g[k * c->p + j] - c->mu[j] * g[c->nw + k]) / c->s[j];
}

/* The L1 penalty: accelerated proximal gradient (FISTA, Beck and Teboulle 2009) with a
 * backtracking estimate of the step and a restart whenever the objective rises, in the
 * scaled coordinates (the threshold becomes alpha/(m s) per weight), where the
 * optimality residual is measured too. lr is the first step. */
static pr_status proximal(pr_estimator *e, problem *P, double *theta, int64_t n) {
    const char *name = pr_estimator_kind_name(e->c.kind);
    int64_t p = P->p, K = P->K, nw = K * p, m = P->m;
    double l1 = e->c.alpha / (double)m;
    double *buf = pr__malloc((size_t)(6 * n + 2 * p) * sizeof *buf);
    if (!buf) return pr__fail(PR_ERR_NOMEM, "%s: out of memory", name);
    double *u = buf, *y = u + n, *un = y + n, *g = un + n, *gn = g + n, *w = gn + n, *mu = w + n, *s = mu + p;
    int centre = P->intercept; /* without an intercept there is nothing to absorb the shift */
    for (int64_t j = 0; j < p; j++) { /* the columns' means and spreads */
        double mean = 0, var = 0;
        for (int64_t i = 0; i < m; i++) mean += P->Z[i * p + j];
        mean /= (double)m;
        for (int64_t i = 0; i < m; i++) var += (P->Z[i * p + j] - mean) * (P->Z[i * p + j] - mean);
        mu[j] = centre ? mean : 0;
        s[j] = var > 0 ? sqrt(var / (double)m) : 1;
    }
    scaled c = {.p = p, .K = K, .nw = nw, .mu = mu, .s = s};
    to_scaled(&c, theta, u);
    memcpy(y, u, (size_t)n * sizeof *y);
    double L = 1 / e->c.lr, t = 1, worst = INFINITY, fu, pen_u = 0;
    from_scaled(&c, u, w);
    fu = cross_entropy(w, g, P);
    for (int64_t j = 0; j < nw; j++) pen_u += l1 * fabs(w[j]);
    pr_status st = PR_OK;
    int64_t it = 0;
    for (;;) {
        /* the residual at u in the scaled coordinates, where it does not depend on the units */
        memcpy(gn, g, (size_t)n * sizeof *gn);
        gradient_to_scaled(&c, gn);
        worst = 0;
        for (int64_t j = 0; j < n; j++) {
            double thr = j < nw ? l1 / s[j % p] : 0;
            double r = j >= nw ? gn[j] : u[j] != 0 ? gn[j] + thr * (u[j] > 0 ? 1 : -1) : fmax(0, fabs(gn[j]) - thr);
            worst = fmax(worst, fabs(r));
        }
        if (!isfinite(fu)) {
            st = pr__fail(PR_ERR_NONFINITE, "%s: proximal gradient diverged at iteration %lld", name, (long long)it);
            break;
        }
        if (worst < e->c.tol || it >= e->c.max_iter) break;
        it++;
        from_scaled(&c, y, w);
        double fy = cross_entropy(w, gn, P), fn = 0, pen_n = 0;
        gradient_to_scaled(&c, gn);
        for (int tries = 0; tries < 60; tries++, L *= 2) {
            double lin = 0, quad = 0;
            for (int64_t j = 0; j < n; j++) {
                double v = y[j] - gn[j] / L, thr = j < nw ? l1 / (s[j % p] * L) : 0;
                un[j] = v > thr ? v - thr : v < -thr ? v + thr : 0;
                lin += gn[j] * (un[j] - y[j]);
                quad += (un[j] - y[j]) * (un[j] - y[j]);
            }
            from_scaled(&c, un, w);
            fn = cross_entropy(w, g, P);
            if (isfinite(fn) && fn <= fy + lin + 0.5 * L * quad + 1e-15 * fabs(fy)) break;
        }
        for (int64_t j = 0; j < nw; j++) pen_n += l1 * fabs(w[j]);
        if (fn + pen_n > fu + pen_u) { /* the objective rose: restart the momentum from u */
            t = 1;
            memcpy(y, u, (size_t)n * sizeof *y);
            from_scaled(&c, u, w);
            fu = cross_entropy(w, g, P);
            continue;
        }
        double tn = 0.5 * (1 + sqrt(1 + 4 * t * t));
        for (int64_t j = 0; j < n; j++) y[j] = un[j] + (t - 1) / tn * (un[j] - u[j]);
        memcpy(u, un, (size_t)n * sizeof *u);
        fu = fn;
        pen_u = pen_n;
        t = tn;
        L *= 0.9; /* let the step grow again */
    }
    e->iterations = it;
    if (!st && worst >= e->c.tol)
        st = pr__estimator_not_converged(
            e, pr__fail(PR_ERR_NO_CONVERGENCE, "%s: proximal gradient did not converge in %lld iterations: the "
                        "optimality residual is still %.3g (tolerance %g); raise max_iter or standardise the features",
                        name, (long long)it, worst, e->c.tol));
    if (!st) memcpy(theta, w, (size_t)n * sizeof *theta);
    free(buf);
    return st;
}

static pr_status gradient_descent(pr_estimator *e, problem *P, double *theta, int64_t n) {
    const char *name = pr_estimator_kind_name(e->c.kind);
    int64_t nw = P->K * P->p;
    double l1_per_row = e->c.penalty == PR_REG_L1 ? e->c.alpha / (double)P->m : 0;
    if (l1_per_row > 0) return proximal(e, P, theta, n);
    pr_optimizer *opt = NULL;
    pr_optimizer_config oc = pr_optimizer_defaults(PR_OPT_SGD);
    oc.lr = e->c.lr;
    pr_tensor *th = NULL, *gr = NULL;
    pr_status st = pr_optimizer_new(&opt, &oc, n, PR_F64);
    if (!st) st = pr_tensor_from_array(&th, PR_F64, PR_SHAPE(n), theta);
    if (!st) st = pr_tensor_zeros(&gr, PR_F64, PR_SHAPE(n));
    double worst = INFINITY;
    int64_t it = 0;
    for (; !st; it++) {
        double *t = pr_tensor_f64(th), *g = pr_tensor_f64(gr);
        double fx = cross_entropy(t, g, P);
        worst = optimality(t, g, nw, n, l1_per_row);
        if (!isfinite(fx)) {
            st = pr__fail(PR_ERR_NONFINITE, "%s: gradient descent diverged at iteration %lld (learning rate %g)", name,
                          (long long)it, e->c.lr);
            break;
        }
        if (worst < e->c.tol || it >= e->c.max_iter) break;
        if ((st = pr_optimizer_step(opt, th, gr, PR_UNSET))) break;
        for (int64_t j = 0; j < nw && l1_per_row > 0; j++) /* the proximal step of the L1 penalty */
            t[j] = t[j] > 0 ? fmax(0, t[j] - e->c.lr * l1_per_row) : fmin(0, t[j] + e->c.lr * l1_per_row);
    }
    e->iterations = it;
    if (!st && worst >= e->c.tol)
        st = pr__estimator_not_converged(
            e, pr__fail(PR_ERR_NO_CONVERGENCE, "%s: gradient descent did not converge in %lld iterations: the "
                        "optimality residual is still %.3g (tolerance %g); raise max_iter or the learning rate", name,
                        (long long)it, worst, e->c.tol));
    if (!st) memcpy(theta, pr_tensor_f64(th), (size_t)n * sizeof *theta);
    pr_optimizer_free(opt);
    pr_tensor_free(th);
    pr_tensor_free(gr);
    return st;
}

pr_status pr__fit_logistic(pr_estimator *e, const pr_tensor *Z, const pr_tensor *y) {
    const char *name = pr_estimator_kind_name(e->c.kind);
    int64_t m = Z->shape[0], p = Z->shape[1];
    int64_t K = e->c.kind == PR_EST_LOGISTIC && e->K == 2 ? 1 : e->K, n = K * (p + 1);
    if (e->c.solver == PR_SOLVER_NEWTON && K != 1)
        return pr__fail(PR_ERR_INVALID, "%s: Newton's method is for two classes; %lld classes need lbfgs or gd", name,
                        (long long)e->K);
    problem P = {.Z = pr_tensor_f64(Z), .y = pr_tensor_f64(y), .m = m, .p = p, .K = K,
                 .l2 = e->c.penalty == PR_REG_L2 ? e->c.alpha : 0, .intercept = !e->c.no_intercept};
    double *theta = pr__calloc((size_t)n, sizeof *theta);
    P.scores = pr__malloc((size_t)(m * K) * sizeof *P.scores);
    pr_status st = PR_OK;
    if (!theta || !P.scores) st = pr__fail(PR_ERR_NOMEM, "%s: out of memory", name);
    else if (e->c.solver == PR_SOLVER_NEWTON) st = newton(e, &P, theta);
    else if (e->c.solver == PR_SOLVER_GD) st = gradient_descent(e, &P, theta, n);
    else
        st = pr__estimator_not_converged(
            e, pr__lbfgs(cross_entropy, &P, theta, n, e->c.max_iter, e->c.tol, name, &e->iterations));
    if (!st && P.l2 == 0 && e->c.penalty == PR_REG_NONE) {
        /* without a penalty, perfectly separated classes have no finite optimum: the loss only
           approaches 0 as the weights grow */
        double *g = pr__malloc((size_t)n * sizeof *g), loss = g ? cross_entropy(theta, g, &P) : 1;
        free(g);
        if (loss < 1e-6)
            st = pr__estimator_not_converged(
                e, pr__fail(PR_ERR_NO_CONVERGENCE, "%s: did not converge after %lld iterations: the classes are "
                            "perfectly separable (training loss %.2g), so without a penalty the weights grow without "
                            "bound; add an L2 penalty", name, (long long)e->iterations, loss));
    }
    if (!st) st = K == 1 ? pr_tensor_zeros(&e->coef, PR_F64, PR_SHAPE(p)) : pr_tensor_zeros(&e->coef, PR_F64, PR_SHAPE(K, p));
    if (!st) st = pr_tensor_zeros(&e->intercept, PR_F64, PR_SHAPE(K));
    if (!st) {
        memcpy(pr_tensor_f64(e->coef), theta, (size_t)(K * p) * sizeof *theta);
        memcpy(pr_tensor_f64(e->intercept), theta + K * p, (size_t)K * sizeof *theta);
    }
    free(theta);
    free(P.scores);
    return st;
}
