/* Chapter 2 on a user-defined function: gradient, Jacobian, Hessian, directional
 * derivative, Taylor approximation, critical points and the quadratic model. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "autograd/graph_internal.h"
#include "primer/linalg.h"

/* Check that x is a 1-D input of g, ask for its gradient and set it to `at`. */
static pr_status place(pr_graph *g, pr_node y, pr_node x, const pr_tensor *at, const char *op, int64_t *n) {
    int32_t xid, yid;
    pr_status st = pr__graph_node(g, x, op, &xid);
    if (st || (st = pr__graph_node(g, y, op, &yid))) return st;
    char label[96];
    if (g->nodes[xid].kind != NODE_INPUT || g->nodes[xid].ndim != 1)
        return pr__fail(PR_ERR_INVALID, "%s: %s must be a 1-D input", op, pr__node_label(g, xid, label, sizeof label));
    if ((st = pr__require_tensor(at, op, "point"))) return st;
    if ((st = pr_graph_set_input_grad(g, x, 1))) return st;
    if ((st = pr_graph_set_input(g, x, at))) return st;
    *n = at->size;
    return PR_OK;
}

/* ∇y at the current input value, copied into grad (n values of the graph dtype). */
static pr_status gradient_here(pr_graph *g, pr_node y, pr_node x, pr_tensor *grad) {
    pr_tensor view;
    pr_status st = pr_graph_forward(g, y);
    if (!st) st = pr_graph_backward(g, y);
    if (!st) st = pr_graph_grad(g, x, &view);
    if (!st) memcpy(grad->data, view.data, (size_t)view.size * pr_dtype_size(view.dtype));
    return st;
}

pr_status pr_calc_gradient(pr_graph *g, pr_node y, pr_node x, const pr_tensor *at, pr_tensor **grad) {
    int64_t n = 0;
    pr_status st = place(g, y, x, at, "gradient", &n);
    pr_tensor *r = NULL;
    if (!st) st = pr_tensor_zeros(&r, g->dtype, PR_SHAPE(n));
    if (!st) st = gradient_here(g, y, x, r);
    if (st) {
        pr_tensor_free(r);
        return st;
    }
    *grad = r;
    return PR_OK;
}

pr_status pr_calc_jacobian(pr_graph *g, pr_node y, pr_node x, const pr_tensor *at, pr_tensor **jacobian) {
    int64_t n = 0;
    pr_status st = place(g, y, x, at, "jacobian", &n);
    if (!st) st = pr_graph_forward(g, y);
    pr_tensor yv, gx, *J = NULL, *seed = NULL;
    if (!st) st = pr_graph_value(g, y, &yv);
    int64_t m = st ? 0 : yv.size;
    if (!st) st = pr_tensor_zeros(&J, g->dtype, PR_SHAPE(m, n));
    if (!st) st = pr_tensor_zeros(&seed, g->dtype, yv.ndim, yv.shape);
    /* one reverse pass per output: row i of J is e_iᵀ dy/dx */
    for (int64_t i = 0; !st && i < m; i++) {
        pr_tensor_set(seed, i, 1);
        st = pr_graph_backward_seed(g, y, seed);
        pr_tensor_set(seed, i, 0);
        if (!st) st = pr_graph_grad(g, x, &gx);
        for (int64_t j = 0; !st && j < n; j++) pr_tensor_set(J, i * n + j, pr_tensor_get(&gx, j));
    }
    pr_tensor_free(seed);
    if (st) {
        pr_tensor_free(J);
        return st;
    }
    *jacobian = J;
    return PR_OK;
}

pr_status pr_calc_hessian(pr_graph *g, pr_node y, pr_node x, const pr_tensor *at, pr_tensor **hessian) {
    int64_t n = 0;
    pr_status st = place(g, y, x, at, "hessian", &n);
    pr_tensor *H = NULL, *point = NULL, *gp = NULL, *gm = NULL;
    if (!st) st = pr_tensor_zeros(&H, g->dtype, PR_SHAPE(n, n));
    if (!st) st = pr_tensor_cast(at, g->dtype, &point);
    if (!st) st = pr_tensor_zeros(&gp, g->dtype, PR_SHAPE(n));
    if (!st) st = pr_tensor_zeros(&gm, g->dtype, PR_SHAPE(n));
    /* column j: (∇f(x + h e_j) - ∇f(x - h e_j)) / 2h, with h relative to |x_j| */
    for (int64_t j = 0; !st && j < n; j++) {
        double xj = pr_tensor_get(point, j);
        double h = (g->dtype == PR_F64 ? 1e-5 : 1e-2) * fmax(1.0, fabs(xj));
        pr_tensor_set(point, j, xj + h);
        st = pr_graph_set_input(g, x, point);
        if (!st) st = gradient_here(g, y, x, gp);
        pr_tensor_set(point, j, xj - h);
        if (!st) st = pr_graph_set_input(g, x, point);
        if (!st) st = gradient_here(g, y, x, gm);
        pr_tensor_set(point, j, xj);
        for (int64_t i = 0; !st && i < n; i++)
            pr_tensor_set(H, i * n + j, (pr_tensor_get(gp, i) - pr_tensor_get(gm, i)) / (2 * h));
    }
    if (!st) st = pr_graph_set_input(g, x, point);
    if (!st) { /* symmetrise: the Hessian of a smooth function is symmetric */
        for (int64_t i = 0; i < n; i++)
            for (int64_t j = i + 1; j < n; j++) {
                double s = 0.5 * (pr_tensor_get(H, i * n + j) + pr_tensor_get(H, j * n + i));
                pr_tensor_set(H, i * n + j, s);
                pr_tensor_set(H, j * n + i, s);
            }
    }
    pr_tensor_free(point);
    pr_tensor_free(gp);
    pr_tensor_free(gm);
    if (st) {
        pr_tensor_free(H);
        return st;
    }
    *hessian = H;
    return PR_OK;
}

pr_status pr_calc_directional_derivative(pr_graph *g, pr_node y, pr_node x, const pr_tensor *at,
                                         const pr_tensor *u, double *out) {
    pr_tensor *grad = NULL, *uu = NULL;
    double dot = 0, norm = 0;
    pr_status st = pr_calc_gradient(g, y, x, at, &grad);
    if (!st) st = pr_tensor_cast(u, grad->dtype, &uu);
    if (!st) st = pr_dot(grad, uu, &dot);
    if (!st) st = pr_norm(uu, 2, &norm);
    if (!st && norm == 0) st = pr__fail(PR_ERR_INVALID, "directional_derivative: the direction is the zero vector");
    if (!st) *out = dot / norm;
    pr_tensor_free(grad);
    pr_tensor_free(uu);
    return st;
}

pr_status pr_calc_taylor2(pr_graph *g, pr_node y, pr_node x, const pr_tensor *at, const pr_tensor *point,
                          double *out) {
    pr_tensor *grad = NULL, *H = NULL;
    double f0 = 0;
    pr_status st = pr__require_tensor(point, "taylor2", "point");
    if (!st && point->size != at->size)
        st = pr__fail(PR_ERR_SHAPE, "taylor2: the point has %lld values, the expansion point %lld",
                      (long long)point->size, (long long)at->size);
    if (!st) st = pr_calc_hessian(g, y, x, at, &H);
    if (!st) st = pr_calc_gradient(g, y, x, at, &grad); /* leaves x = at */
    if (!st) st = pr_graph_scalar(g, y, &f0);
    if (!st) {
        int64_t n = at->size;
        double lin = 0, quad = 0;
        for (int64_t i = 0; i < n; i++) {
            double di = pr_tensor_get(point, i) - pr_tensor_get(at, i);
            lin += pr_tensor_get(grad, i) * di;
            for (int64_t j = 0; j < n; j++)
                quad += di * pr_tensor_get(H, i * n + j) * (pr_tensor_get(point, j) - pr_tensor_get(at, j));
        }
        *out = f0 + lin + 0.5 * quad;
    }
    pr_tensor_free(grad);
    pr_tensor_free(H);
    return st;
}

const char *pr_critical_kind_name(pr_critical_kind kind) {
    switch (kind) {
    case PR_CRITICAL_MINIMUM: return "local minimum";
    case PR_CRITICAL_MAXIMUM: return "local maximum";
    case PR_CRITICAL_SADDLE: return "saddle point";
    case PR_CRITICAL_DEGENERATE: return "degenerate (the Hessian test is inconclusive)";
    }
    return "unknown";
}

/* Eigenvalues of the symmetric part of H, ascending. */
static pr_status hessian_eigenvalues(const pr_tensor *H, const char *op, pr_tensor **w) {
    pr_tensor *S = NULL;
    pr_status st = pr_symmetric_part(H, &S);
    if (!st) st = pr_eigh(S, PR_ASCENDING, w, NULL);
    pr_tensor_free(S);
    return st ? pr__fail_context("%s: ", op) : PR_OK;
}

pr_status pr_calc_classify_hessian(const pr_tensor *hessian, double tol, pr_critical_kind *out) {
    pr_tensor *w;
    pr_status st = hessian_eigenvalues(hessian, "classify_hessian", &w);
    if (st) return st;
    double lo = pr_tensor_get(w, 0), hi = pr_tensor_get(w, w->size - 1);
    pr_tensor_free(w);
    if (tol < 0) tol = 1e-8 * fmax(1.0, fmax(fabs(lo), fabs(hi)));
    if (lo > tol) *out = PR_CRITICAL_MINIMUM;
    else if (hi < -tol) *out = PR_CRITICAL_MAXIMUM;
    else if (lo < -tol && hi > tol) *out = PR_CRITICAL_SADDLE;
    else *out = PR_CRITICAL_DEGENERATE;
    return PR_OK;
}

pr_status pr_calc_quadratic_analysis(const pr_tensor *hessian, pr_quadratic_analysis *out) {
    pr_tensor *w;
    pr_status st = hessian_eigenvalues(hessian, "quadratic_analysis", &w);
    if (st) return st;
    double lo = pr_tensor_get(w, 0), hi = pr_tensor_get(w, w->size - 1);
    pr_tensor_free(w);
    if (!(lo > 0))
        return pr__fail(PR_ERR_NOT_PD, "quadratic_analysis: the Hessian is not positive definite (smallest "
                                       "eigenvalue %.6g), so the quadratic has no minimum", lo);
    out->lambda_min = lo;
    out->lambda_max = hi;
    out->condition = hi / lo;
    out->max_step = 2 / hi;
    out->optimal_step = 2 / (hi + lo);
    out->rate = (out->condition - 1) / (out->condition + 1);
    return PR_OK;
}
