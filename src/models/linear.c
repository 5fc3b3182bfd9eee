/* Linear, ridge, lasso and elastic-net regression (book chapter 4): the normal
 * equation by Cholesky, QR or SVD; gradient descent and mini-batch SGD through the
 * optimisers of primer/optim.h; coordinate descent with soft thresholding. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "linalg/backend.h"
#include "models/models_internal.h"
#include "primer/data.h"
#include "primer/linalg.h"
#include "primer/optim.h"

/* Centred copies of Z and y (the intercept is then ȳ - x̄'w and never penalised).
 * X is row-major (m, p), or with `by_columns` column-major: column j at X + j m. */
typedef struct centred {
    int64_t m, p;
    double *X, *y, *xbar, ybar;
} centred;

static void centred_free(centred *c) {
    free(c->X);
    free(c->y);
    free(c->xbar);
}

static pr_status centre(const pr_tensor *Z, const pr_tensor *y, int intercept, int by_columns, centred *c) {
    int64_t m = Z->shape[0], p = Z->shape[1];
    *c = (centred){.m = m, .p = p};
    c->X = pr__malloc((size_t)(m * p) * sizeof *c->X);
    c->y = pr__malloc((size_t)m * sizeof *c->y);
    c->xbar = pr__calloc((size_t)p, sizeof *c->xbar);
    if (!c->X || !c->y || !c->xbar) {
        centred_free(c);
        return pr__fail(PR_ERR_NOMEM, "regression: out of memory");
    }
    const double *z = pr_tensor_f64(Z), *t = pr_tensor_f64(y);
    if (intercept) {
        for (int64_t i = 0; i < m; i++) {
            for (int64_t j = 0; j < p; j++) c->xbar[j] += z[i * p + j];
            c->ybar += t[i];
        }
        for (int64_t j = 0; j < p; j++) c->xbar[j] /= (double)m;
        c->ybar /= (double)m;
    }
    for (int64_t i = 0; i < m; i++) c->y[i] = t[i] - c->ybar;
    if (!by_columns) {
        for (int64_t i = 0; i < m; i++)
            for (int64_t j = 0; j < p; j++) c->X[i * p + j] = z[i * p + j] - c->xbar[j];
        return PR_OK;
    }
    enum { TILE = 32 }; /* transpose by tiles that stay in the cache */
    for (int64_t i0 = 0; i0 < m; i0 += TILE)
        for (int64_t j0 = 0; j0 < p; j0 += TILE)
            for (int64_t j = j0; j < j0 + TILE && j < p; j++)
                for (int64_t i = i0; i < i0 + TILE && i < m; i++) c->X[j * m + i] = z[i * p + j] - c->xbar[j];
    return PR_OK;
}

/* G = X'X (full, row-major p x p) and b = X'y. */
static pr_status gram(const centred *c, double **G, double **b) {
    int64_t p = c->p;
    *G = pr__malloc((size_t)(p * p) * sizeof **G);
    *b = pr__malloc((size_t)p * sizeof **b);
    if (!*G || !*b) {
        free(*G);
        free(*b);
        return pr__fail(PR_ERR_NOMEM, "regression: out of memory");
    }
    if (pr__bk_syrk_t_f64(p, c->m, c->X, p, *G, p) || pr__bk_gemv_f64(1, c->m, p, 1, c->X, p, c->y, 0, *b)) {
        free(*G);
        free(*b);
        return pr__fail(PR_ERR_LIMIT, "regression: the matrix is too large for BLAS");
    }
    for (int64_t i = 0; i < p; i++)
        for (int64_t j = 0; j < i; j++) (*G)[i * p + j] = (*G)[j * p + i];
    return PR_OK;
}

/* The columns of the Gram matrix G that are (numerically) combinations of earlier
 * ones: an incremental Cholesky that skips a column when the squared sine of its
 * angle to the span of the kept columns is below 1e-12. *rank counts the kept
 * ones; *first is the first dependent column (-1 when none). */
static pr_status find_dependent(const double *G, int64_t p, int64_t *rank, int64_t *first) {
    int64_t *kept = pr__malloc((size_t)p * sizeof *kept);
    double *L = pr__calloc((size_t)(p * p), sizeof *L), *z = pr__malloc((size_t)p * sizeof *z);
    if (!kept || !L || !z) {
        free(kept);
        free(L);
        free(z);
        return pr__fail(PR_ERR_NOMEM, "regression: out of memory");
    }
    int64_t r = 0;
    *first = -1;
    for (int64_t j = 0; j < p; j++) {
        double d = G[j * p + j];
        for (int64_t a = 0; a < r; a++) {
            double s = G[j * p + kept[a]];
            for (int64_t q = 0; q < a; q++) s -= L[a * p + q] * z[q];
            z[a] = s / L[a * p + a];
            d -= z[a] * z[a];
        }
        if (!(G[j * p + j] > 0) || d <= 1e-12 * G[j * p + j]) {
            if (*first < 0) *first = j;
            continue;
        }
        for (int64_t a = 0; a < r; a++) L[r * p + a] = z[a];
        L[r * p + r] = sqrt(d);
        kept[r++] = j;
    }
    *rank = r;
    free(kept);
    free(L);
    free(z);
    return PR_OK;
}

static pr_status singular_error(const pr_estimator *e, int64_t column, int64_t rank) {
    char name[256];
    return pr__fail(PR_ERR_SINGULAR,
                    "linear: X'X is singular: feature '%s' (column %lld) is a linear combination of the columns "
                    "before it (rank %lld of %lld columns); use ridge (an alpha > 0), drop the column, or ask for "
                    "the minimum-norm solution (min_norm, primer fit --min-norm)",
                    pr__term_name(e, column, name, sizeof name), (long long)column + 1, (long long)rank,
                    (long long)e->n_terms);
}

static pr_status store_solution(pr_estimator *e, const centred *c, const double *w) {
    pr_status st = pr_tensor_zeros(&e->coef, PR_F64, PR_SHAPE(c->p));
    if (st || (st = pr_tensor_zeros(&e->intercept, PR_F64, PR_SHAPE(1)))) return st;
    double b = c->ybar;
    for (int64_t j = 0; j < c->p; j++) {
        pr_tensor_f64(e->coef)[j] = w[j];
        b -= c->xbar[j] * w[j];
    }
    pr_tensor_f64(e->intercept)[0] = b;
    return pr_tensor_check_finite(e->coef, "the fitted weights");
}

static pr_status tensor_view(double *data, int ndim, const int64_t *shape, pr_tensor *t) {
    memset(t, 0, sizeof *t);
    t->data = data;
    t->dtype = PR_F64;
    t->ndim = ndim;
    t->size = 1;
    for (int i = 0; i < PR_MAX_DIMS; i++) t->shape[i] = i < ndim ? shape[i] : 1;
    for (int i = 0; i < ndim; i++) t->size *= shape[i];
    return PR_OK;
}

/* The minimum-norm least-squares solution (LAPACK gelsd), its rank in *rank. */
static pr_status min_norm_solution(pr_estimator *e, const centred *c, int64_t *rank) {
    pr_tensor Xv, yv, *w = NULL;
    tensor_view(c->X, PR_SHAPE(c->m, c->p), &Xv);
    tensor_view(c->y, PR_SHAPE(c->m), &yv);
    pr_status st = pr_lstsq(&Xv, &yv, -1, &w, rank);
    if (!st) st = store_solution(e, c, pr_tensor_f64(w));
    pr_tensor_free(w);
    return st;
}

/* Solve by the QR factorisation of the centred X; *dependent is the first column
 * whose diagonal entry of R vanishes (relative 1e-12), -1 when none. */
static pr_status qr_solution(pr_estimator *e, const centred *c, int64_t *dependent) {
    int64_t p = c->p;
    pr_tensor Xv, *Q = NULL, *R = NULL;
    tensor_view(c->X, PR_SHAPE(c->m, p), &Xv);
    *dependent = -1;
    if (c->m < p) {
        *dependent = c->m;
        return PR_OK;
    }
    pr_status st = pr_qr(&Xv, PR_QR_REDUCED, &Q, &R);
    double *w = st ? NULL : pr__malloc((size_t)p * sizeof *w);
    if (!st && !w) st = pr__fail(PR_ERR_NOMEM, "linear: out of memory");
    if (!st) {
        const double *q = pr_tensor_f64(Q), *r = pr_tensor_f64(R);
        double biggest = 0;
        for (int64_t j = 0; j < p; j++) biggest = fmax(biggest, fabs(r[j * p + j]));
        for (int64_t j = 0; j < p && *dependent < 0; j++)
            if (!(fabs(r[j * p + j]) > 1e-12 * biggest)) *dependent = j;
        for (int64_t j = 0; j < p; j++) {
            double acc = 0;
            for (int64_t i = 0; i < c->m; i++) acc += q[i * p + j] * c->y[i];
            w[j] = acc;
        }
        for (int64_t j = p - 1; j >= 0 && *dependent < 0; j--) {
            double acc = w[j];
            for (int64_t k = j + 1; k < p; k++) acc -= r[j * p + k] * w[k];
            w[j] = acc / r[j * p + j];
        }
        if (*dependent < 0) st = store_solution(e, c, w);
    }
    free(w);
    pr_tensor_free(Q);
    pr_tensor_free(R);
    return st;
}

/* The L2 term added to X'X: ridge's αI (or mαI), and for lasso and elastic net
 * without an L1 part (alpha 0, or l1_ratio 0) the mα(1 - r)I of their objective. */
static double l2_shift(const pr_estimator *e, int64_t m) {
    if (e->c.kind == PR_EST_RIDGE) return e->c.alpha * (e->c.ridge_scale == PR_RIDGE_M_LAMBDA ? (double)m : 1.0);
    if (e->c.kind == PR_EST_ELASTIC_NET) return e->c.alpha * (1 - e->c.l1_ratio) * (double)m;
    return 0;
}

/* Lasso and elastic net with no L1 part are least squares or ridge: solved exactly
 * by the normal equation rather than by coordinate descent, whose duality gap has no
 * meaning without the L1 term. */
static int without_l1(const pr_estimator *e) {
    double ratio = e->c.kind == PR_EST_LASSO ? 1.0 : e->c.l1_ratio;
    return (e->c.kind == PR_EST_LASSO || e->c.kind == PR_EST_ELASTIC_NET) && e->c.alpha * ratio == 0;
}

static pr_status fit_closed_form(pr_estimator *e, const centred *c) {
    int64_t p = c->p, dependent = -1;
    pr_status st = PR_OK;
    if (e->c.kind == PR_EST_LINEAR && e->c.solver == PR_SOLVER_SVD) {
        if ((st = min_norm_solution(e, c, &e->rank)) || e->rank == p || e->c.min_norm) return st;
        double *G, *b; /* name the dependent column for the message */
        if ((st = gram(c, &G, &b))) return st;
        int64_t r;
        st = find_dependent(G, p, &r, &dependent);
        free(G);
        free(b);
        return st ? st : singular_error(e, dependent >= 0 ? dependent : p - 1, e->rank);
    }
    if (e->c.kind == PR_EST_LINEAR && e->c.solver == PR_SOLVER_QR) {
        if ((st = qr_solution(e, c, &dependent)) || dependent < 0) return st;
        e->rank = dependent; /* at least this many are independent */
        return e->c.min_norm ? min_norm_solution(e, c, &e->rank) : singular_error(e, dependent, dependent);
    }
    double *G, *b;
    if ((st = gram(c, &G, &b))) return st;
    double shift = l2_shift(e, c->m);
    if (shift > 0) {
        for (int64_t j = 0; j < p; j++) G[j * p + j] += shift;
    } else {
        st = find_dependent(G, p, &e->rank, &dependent);
    }
    if (!st && dependent >= 0) st = e->c.min_norm ? min_norm_solution(e, c, &e->rank) : singular_error(e, dependent, e->rank);
    else if (!st && pr__bk_posv_f64(p, 1, G, p, b, p))
        st = pr__fail(PR_ERR_SINGULAR, "%s: X'X%s is not positive definite", pr_estimator_kind_name(e->c.kind),
                      e->c.kind == PR_EST_RIDGE ? " + alpha I" : "");
    else if (!st) st = store_solution(e, c, b);
    free(G);
    free(b);
    return st;
}

/* ---- gradient descent and SGD through primer/optim.h --------------------------------------- */

/* Gradient of (1/2m)‖Zw + b - y‖² + (λ/2m)‖w‖² over the rows [rows) of Z,
 * scaled as a mean over those rows; returns the largest entry's magnitude. */
static double ls_gradient(const double *Z, const double *y, int64_t rows, int64_t p, const double *theta, double lambda_per_row,
                          int intercept, double *grad) {
    memset(grad, 0, (size_t)(p + 1) * sizeof *grad);
    for (int64_t i = 0; i < rows; i++) {
        double r = theta[p] - y[i];
        for (int64_t j = 0; j < p; j++) r += Z[i * p + j] * theta[j];
        for (int64_t j = 0; j < p; j++) grad[j] += r * Z[i * p + j];
        grad[p] += r;
    }
    double worst = 0;
    for (int64_t j = 0; j <= p; j++) {
        grad[j] /= (double)rows;
        if (j < p) grad[j] += lambda_per_row * theta[j];
        if (j == p && !intercept) grad[j] = 0;
        worst = fmax(worst, fabs(grad[j]));
    }
    return worst;
}

static pr_status fit_gradient_descent(pr_estimator *e, const pr_tensor *Z, const pr_tensor *y) {
    const char *name = pr_estimator_kind_name(e->c.kind);
    int64_t m = Z->shape[0], p = Z->shape[1];
    double lambda = e->c.kind == PR_EST_RIDGE ? e->c.alpha * (e->c.ridge_scale == PR_RIDGE_M_LAMBDA ? (double)m : 1.0) : 0;
    double lambda_per_row = lambda / (double)m;
    int intercept = !e->c.no_intercept, sgd = e->c.solver == PR_SOLVER_SGD;
    pr_optimizer *opt = NULL;
    pr_optimizer_config oc = pr_optimizer_defaults(PR_OPT_SGD);
    oc.lr = e->c.lr;
    pr_tensor *theta = NULL, *grad = NULL;
    pr_batches *batches = NULL;
    pr_rng rng;
    pr_rng_seed(&rng, e->c.seed);
    pr_status st = pr_optimizer_new(&opt, &oc, p + 1, PR_F64);
    if (!st) st = pr_tensor_zeros(&theta, PR_F64, PR_SHAPE(p + 1));
    if (!st) st = pr_tensor_zeros(&grad, PR_F64, PR_SHAPE(p + 1));
    if (!st && sgd) st = pr_batches_new(&batches, Z, y, e->c.batch, 1, &rng, PR_F64);
    double *th = theta ? pr_tensor_f64(theta) : NULL, *g = grad ? pr_tensor_f64(grad) : NULL, worst = INFINITY;
    int converged = 0;
    int64_t it = 0;
    for (; !st && it < e->c.max_iter && !converged; it++) {
        if (sgd) {
            pr_tensor xb, yb;
            while (!st && pr_batches_next(batches, &xb, &yb)) {
                ls_gradient(pr_tensor_f64(&xb), pr_tensor_f64(&yb), xb.shape[0], p, th, lambda_per_row, intercept, g);
                st = pr_optimizer_step(opt, theta, grad, PR_UNSET);
            }
        } else {
            worst = ls_gradient(pr_tensor_f64(Z), pr_tensor_f64(y), m, p, th, lambda_per_row, intercept, g);
            if (worst < e->c.tol) {
                converged = 1;
                break;
            }
            st = pr_optimizer_step(opt, theta, grad, PR_UNSET);
        }
        if (!st && !isfinite(th[p])) st = PR_ERR_NONFINITE;
        for (int64_t j = 0; !st && j < p; j++)
            if (!isfinite(th[j])) st = PR_ERR_NONFINITE;
        if (st == PR_ERR_NONFINITE)
            st = pr__fail(PR_ERR_NONFINITE, "%s: gradient descent diverged at epoch %lld (learning rate %g): lower the "
                          "learning rate or standardise the features", name, (long long)it + 1, e->c.lr);
    }
    e->iterations = it;
    if (!st && !sgd && !converged)
        st = pr__estimator_not_converged(
            e, pr__fail(PR_ERR_NO_CONVERGENCE, "%s: gradient descent did not converge in %lld iterations: the largest "
                        "gradient entry is still %.3g (tolerance %g); raise max_iter or the learning rate", name,
                        (long long)it, worst, e->c.tol));
    if (!st) {
        centred c = {.m = m, .p = p, .xbar = NULL, .ybar = th[p]};
        double *zeros = pr__calloc((size_t)p, sizeof *zeros);
        c.xbar = zeros;
        st = zeros ? store_solution(e, &c, th) : pr__fail(PR_ERR_NOMEM, "%s: out of memory", name);
        free(zeros);
    }
    pr_batches_free(batches);
    pr_optimizer_free(opt);
    pr_tensor_free(theta);
    pr_tensor_free(grad);
    return st;
}

/* ---- coordinate descent (lasso, elastic net) ----------------------------------------------- */

static double soft_threshold(double x, double t) { return x > t ? x - t : x < -t ? x + t : 0; }

/* Coordinate descent on the residual r = y - Xw with X held by columns: each
 * coordinate costs two passes over one column, and columns whose weight stays 0
 * cost one; the duality gap is computed only when the weights have settled (as
 * scikit-learn's enet_coordinate_descent). */
static pr_status fit_coordinate_descent(pr_estimator *e, const centred *c) {
    const char *name = pr_estimator_kind_name(e->c.kind);
    int64_t m = c->m, p = c->p;
    double ratio = e->c.kind == PR_EST_LASSO ? 1.0 : e->c.l1_ratio;
    double l1 = e->c.alpha * ratio * (double)m, l2 = e->c.alpha * (1 - ratio) * (double)m;
    const double *Xc = c->X; /* by columns */
    double *r = pr__malloc((size_t)m * sizeof *r);
    double *w = pr__calloc((size_t)p, sizeof *w), *norm2 = pr__calloc((size_t)p, sizeof *norm2);
    double *Xtr = pr__malloc((size_t)p * sizeof *Xtr);
    pr_status st = PR_OK;
    if (!r || !w || !norm2 || !Xtr) st = pr__fail(PR_ERR_NOMEM, "%s: out of memory", name);
    double yy = 0, tol = 0, gap = INFINITY;
    int converged = 0;
    int64_t it = 0;
    if (!st) {
        for (int64_t j = 0; j < p; j++) norm2[j] = pr__bk_dot_f64(m, Xc + j * m, Xc + j * m);
        for (int64_t i = 0; i < m; i++) {
            r[i] = c->y[i];
            yy += c->y[i] * c->y[i];
        }
        tol = e->c.tol * yy;
    }
    while (!st && it < e->c.max_iter && !converged) {
        it++;
        double w_max = 0, dw_max = 0;
        for (int64_t j = 0; j < p; j++) {
            if (norm2[j] == 0) continue;
            const double *xj = Xc + j * m;
            double old = w[j], rho = pr__bk_dot_f64(m, xj, r) + norm2[j] * old;
            w[j] = soft_threshold(rho, l1) / (norm2[j] + l2);
            double delta = w[j] - old;
            if (delta != 0)
                for (int64_t i = 0; i < m; i++) r[i] -= delta * xj[i];
            dw_max = fmax(dw_max, fabs(delta));
            w_max = fmax(w_max, fabs(w[j]));
        }
        if (w_max == 0 || dw_max / w_max < e->c.tol || it == e->c.max_iter) {
            /* the gap from X'r: q = G w and b = X'y are not needed, since X'r = b - q */
            double w1 = 0, w2 = 0, dual = 0, RR = 0, Ry = 0;
            pr__bk_gemv_f64(0, p, m, 1, Xc, m, r, 0, Xtr);
            for (int64_t j = 0; j < p; j++) {
                w1 += fabs(w[j]);
                w2 += w[j] * w[j];
                dual = fmax(dual, fabs(Xtr[j] - l2 * w[j]));
            }
            for (int64_t i = 0; i < m; i++) {
                RR += r[i] * r[i];
                Ry += r[i] * c->y[i];
            }
            double cst = dual > l1 ? l1 / dual : 1;
            gap = (dual > l1 ? 0.5 * (RR + RR * cst * cst) : RR) + l1 * w1 - cst * Ry + 0.5 * l2 * (1 + cst * cst) * w2;
            converged = gap < tol || yy == 0;
        }
    }
    e->iterations = it;
    if (!st && !converged)
        st = pr__estimator_not_converged(
            e, pr__fail(PR_ERR_NO_CONVERGENCE, "%s: coordinate descent did not converge in %lld iterations: the "
                        "duality gap is %.3g, above the tolerance %.3g (tol %g times y'y); raise max_iter or tol, or "
                        "standardise the features", name, (long long)it, gap, tol, e->c.tol));
    if (!st) st = store_solution(e, c, w);
    free(r);
    free(w);
    free(norm2);
    free(Xtr);
    return st;
}

pr_status pr__fit_linear(pr_estimator *e, const pr_tensor *Z, const pr_tensor *y) {
    if (e->c.solver == PR_SOLVER_GD || e->c.solver == PR_SOLVER_SGD) return fit_gradient_descent(e, Z, y);
    centred c;
    int by_columns = e->c.solver == PR_SOLVER_CD && !without_l1(e);
    pr_status st = centre(Z, y, !e->c.no_intercept, by_columns, &c);
    if (st) return st;
    st = by_columns ? fit_coordinate_descent(e, &c) : fit_closed_form(e, &c);
    centred_free(&c);
    return st;
}

/* ---- polyfit ------------------------------------------------------------------------------- */

pr_status pr_polyfit(const pr_tensor *x, const pr_tensor *y, int degree, pr_tensor **coeffs) {
    pr_status st = pr__require_tensor(x, "polyfit", "x");
    if (st || (st = pr__require_tensor(y, "polyfit", "y"))) return st;
    if (!coeffs || degree < 0 || degree > 50)
        return pr__fail(PR_ERR_INVALID, "polyfit: degree %d is outside 0..50", degree);
    int64_t m = x->size, p = degree + 1;
    if (y->size != m || m < 1)
        return pr__fail(PR_ERR_SHAPE, "polyfit: x has %lld values and y %lld", (long long)m, (long long)y->size);
    if ((st = pr_tensor_check_finite(x, "polyfit: x")) || (st = pr_tensor_check_finite(y, "polyfit: y"))) return st;
    pr_tensor *V, *t, *w = NULL;
    if ((st = pr_tensor_zeros(&V, PR_F64, PR_SHAPE(m, p)))) return st;
    if ((st = pr_tensor_cast(y, PR_F64, &t))) {
        pr_tensor_free(V);
        return st;
    }
    pr_tensor_reshape(t, PR_SHAPE(m));
    double *v = pr_tensor_f64(V);
    for (int64_t i = 0; i < m; i++) {
        double xi = pr_tensor_get(x, i), power = 1;
        for (int64_t k = p - 1; k >= 0; k--) {
            v[i * p + k] = power;
            power *= xi;
        }
    }
    /* scale the columns to unit norm, as NumPy does, so high degrees stay well conditioned */
    double *norm = pr__malloc((size_t)p * sizeof *norm);
    if (!norm) st = pr__fail(PR_ERR_NOMEM, "polyfit: out of memory");
    for (int64_t k = 0; !st && k < p; k++) {
        double s = 0;
        for (int64_t i = 0; i < m; i++) s += v[i * p + k] * v[i * p + k];
        norm[k] = s > 0 ? sqrt(s) : 1;
        for (int64_t i = 0; i < m; i++) v[i * p + k] /= norm[k];
    }
    if (!st) st = pr_lstsq(V, t, (double)m * 2.220446049250313e-16, &w, NULL);
    if (!st) {
        for (int64_t k = 0; k < p; k++) pr_tensor_f64(w)[k] /= norm[k];
        *coeffs = w;
    }
    free(norm);
    pr_tensor_free(V);
    pr_tensor_free(t);
    return st;
}

pr_status pr_polyval(const pr_tensor *coeffs, const pr_tensor *x, pr_tensor **out) {
    pr_status st = pr__require_tensor(coeffs, "polyval", "coeffs");
    if (st || (st = pr__require_tensor(x, "polyval", "x"))) return st;
    if (!out || coeffs->size < 1) return pr__fail(PR_ERR_INVALID, "polyval: no coefficients");
    pr_tensor *r;
    if ((st = pr_tensor_zeros(&r, PR_F64, PR_SHAPE(x->size)))) return st;
    for (int64_t i = 0; i < x->size; i++) {
        double xi = pr_tensor_get(x, i), acc = 0;
        for (int64_t k = 0; k < coeffs->size; k++) acc = acc * xi + pr_tensor_get(coeffs, k);
        pr_tensor_f64(r)[i] = acc;
    }
    *out = r;
    return PR_OK;
}
