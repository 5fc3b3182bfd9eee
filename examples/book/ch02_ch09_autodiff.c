/* Chapters 2 and 9: gradient descent on a quadratic, the worked backprop example,
 * and gradient magnitude through depth, all through the autodiff engine. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "examples/book/examples.h"

/* ---- Listing 2.1 ----------------------------------------------------------------------- */

/* f(x, y) = x² + 4y² row by row: input v (-1, 2), per-row values, and their sum. */
typedef struct bowl {
    pr_graph *g;
    pr_node v, per_row, total;
} bowl;

static pr_status bowl_new(bowl *b) {
    pr_status st = pr_graph_new(&b->g, PR_F64);
    if (st) return st;
    pr_tensor *w;
    if ((st = pr_tensor_from_array(&w, PR_F64, PR_SHAPE(2), (double[]){1, 4}))) return st;
    b->v = pr_g_input(b->g, "v", PR_SHAPE(-1, 2));
    b->per_row = pr_g_sum(b->g, pr_g_mul(b->g, pr_g_mul(b->g, b->v, b->v), pr_g_const(b->g, "weights", w)), 1, 0);
    b->total = pr_g_sum(b->g, b->per_row, PR_AXIS_ALL, 0);
    pr_tensor_free(w);
    if ((st = pr_graph_status(b->g))) return example_fail(st, "%s", pr_graph_error(b->g));
    return pr_graph_set_input_grad(b->g, b->v, 1);
}

pr_status example_gradient_descent_path(const example_context *ctx) {
    enum { STEPS = 30, GRID = 100 };
    const double lr = 0.08;
    bowl b = {0};
    double px[STEPS + 1], py[STEPS + 1];
    double *z = malloc(GRID * GRID * sizeof *z);
    pr_tensor *point = NULL, *grid = NULL;
    pr_figure *fig = NULL;
    pr_status st = z ? bowl_new(&b) : PR_ERR_NOMEM;
    if (!st) st = pr_tensor_from_array(&point, PR_F64, PR_SHAPE(1, 2), (double[]){3.0, 2.0});
    /* 30 steps of θ ← θ - η ∇f(θ), the gradient from one backward pass each */
    for (int t = 0; !st && t <= STEPS; t++) {
        px[t] = pr_tensor_get(point, 0);
        py[t] = pr_tensor_get(point, 1);
        if (t == STEPS) break;
        pr_tensor grad;
        st = pr_graph_set_input(b.g, b.v, point);
        if (!st) st = pr_graph_forward(b.g, b.total);
        if (!st) st = pr_graph_backward(b.g, b.total);
        if (!st) st = pr_graph_grad(b.g, b.v, &grad);
        for (int k = 0; !st && k < 2; k++) pr_tensor_set(point, k, pr_tensor_get(point, k) - lr * pr_tensor_get(&grad, k));
    }
    /* the surface on a 100 x 100 grid over [-4, 4] x [-3, 3], one forward pass */
    if (!st) st = pr_tensor_zeros(&grid, PR_F64, PR_SHAPE(GRID * GRID, 2));
    for (int j = 0; !st && j < GRID; j++)
        for (int i = 0; i < GRID; i++) {
            pr_tensor_set(grid, 2 * (j * GRID + i), -4 + 8.0 * i / (GRID - 1));
            pr_tensor_set(grid, 2 * (j * GRID + i) + 1, -3 + 6.0 * j / (GRID - 1));
        }
    pr_tensor fv;
    if (!st) st = pr_graph_set_input(b.g, b.v, grid);
    if (!st) st = pr_graph_forward(b.g, b.per_row);
    if (!st) st = pr_graph_value(b.g, b.per_row, &fv);
    for (int k = 0; !st && k < GRID * GRID; k++) z[k] = pr_tensor_get(&fv, k);
    if (!st) {
        fprintf(ctx->out, "gradient descent on f(x, y) = x^2 + 4y^2 from (3, 2), lr %.2f, %d steps\n", lr, STEPS);
        for (int t = 0; t <= STEPS; t += 5)
            fprintf(ctx->out, "  step %2d: (%.5f, %.5f)  f = %.6f\n", t, px[t], py[t], px[t] * px[t] + 4 * py[t] * py[t]);
        fprintf(ctx->out, "each step multiplies x by 1 - 2 lr = %.2f and y by 1 - 8 lr = %.2f: the steep\n"
                          "direction converges first, the shallow one sets the pace\n",
                1 - 2 * lr, 1 - 8 * lr);
        st = pr_figure_new(&fig, 1, 1, 800, 600);
    }
    if (!st) {
        pr_axes *ax = pr_figure_axes(fig, 0, 0);
        pr_grid gr = {z, GRID, GRID, -4, 4, -3, 3};
        st = pr_axes_contour(ax, &gr, NULL, 20, PR_CMAP_VIRIDIS, &(pr_style){.alpha = 0.6});
        if (!st) st = pr_axes_line(ax, px, py, STEPS + 1, &(pr_style){.color = "red", .marker = PR_MARKER_POINT,
                                                                      .marker_size = 8, .label = "GD path"});
        pr_axes_set_xlabel(ax, "x");
        pr_axes_set_ylabel(ax, "y");
        pr_axes_set_title(ax, "Gradient Descent on f(x,y) = x$^2$ + 4y$^2$");
        pr_axes_set_legend(ax, PR_LEGEND_UPPER_RIGHT);
    }
    if (!st) st = example_save_figure(ctx, fig, "gd_trajectory.svg");
    pr_figure_free(fig);
    pr_tensor_free(point);
    pr_tensor_free(grid);
    pr_graph_free(b.g);
    free(z);
    return st;
}

/* ---- Example 9.1 / Listing 9.1 ----------------------------------------------------------- */

pr_status example_backprop_worked_example(const example_context *ctx) {
    pr_graph *g;
    pr_status st = pr_graph_new(&g, PR_F64);
    if (st) return st;
    pr_node x = pr_g_input(g, "x", 0, NULL);
    pr_node w1 = pr_g_param(g, "w1", 0, NULL), b1 = pr_g_param(g, "b1", 0, NULL);
    pr_node w2 = pr_g_param(g, "w2", 0, NULL), b2 = pr_g_param(g, "b2", 0, NULL);
    pr_node wx = pr_g_mul(g, w1, x);
    pr_node z1 = pr_g_add(g, wx, b1);
    pr_node a1 = pr_g_relu(g, z1);
    pr_node wa = pr_g_mul(g, w2, a1);
    pr_node yhat = pr_g_add(g, wa, b2);
    pr_node err = pr_g_add_scalar(g, yhat, -1.0); /* target y = 1 */
    pr_node loss = pr_g_pow(g, err, 2);
    const char *names[] = {"w1*x", "z1", "a1", "w2*a1", "y_hat", "y_hat - y", "L"};
    pr_node named[] = {wx, z1, a1, wa, yhat, err, loss};
    for (int i = 0; i < 7; i++) pr_node_set_name(g, named[i], names[i]);
    if ((st = pr_graph_status(g))) {
        example_fail(st, "%s", pr_graph_error(g));
        pr_graph_free(g);
        return st;
    }
    pr_tensor pv, gv, *xv = NULL;
    double two = 2;
    st = pr_tensor_from_array(&xv, PR_F64, 0, NULL, &two);
    if (!st) st = pr_graph_set_input(g, x, xv);
    if (!st) st = pr_graph_param_buffers(g, &pv, &gv);
    const double init[4] = {0.5, -0.1, -1.0, 0.3};
    for (int i = 0; !st && i < 4; i++) pr_tensor_set(&pv, i, init[i]);
    if (!st) st = pr_graph_forward(g, loss);
    if (!st) st = pr_graph_backward(g, loss);
    double v[7];
    for (int i = 0; !st && i < 7; i++) st = pr_graph_scalar(g, named[i], &v[i]);
    if (!st) {
        fprintf(ctx->out, "Forward pass (x = 2, w1 = 0.5, b1 = -0.1, w2 = -1, b2 = 0.3, y = 1):\n");
        fprintf(ctx->out, "  z1 = w1 x + b1 = %.4g\n  a1 = ReLU(z1) = %.4g\n  y_hat = w2 a1 + b2 = %.4g\n  L = (y_hat - y)^2 = %.4g\n",
                v[1], v[2], v[4], v[6]);
        pr_tensor gr;
        double dyhat = 0, da1 = 0, dz1 = 0;
        if (!pr_graph_grad(g, yhat, &gr)) dyhat = pr_tensor_get(&gr, 0);
        if (!pr_graph_grad(g, a1, &gr)) da1 = pr_tensor_get(&gr, 0);
        if (!pr_graph_grad(g, z1, &gr)) dz1 = pr_tensor_get(&gr, 0);
        fprintf(ctx->out, "Backward pass:\n  dL/dy_hat = %.4g\n  dL/dw2 = %.4g\n  dL/db2 = %.4g\n  dL/da1 = %.4g\n"
                          "  dL/dz1 = %.4g\n  dL/dw1 = %.4g\n  dL/db1 = %.4g\n",
                dyhat, pr_tensor_get(&gv, 2), pr_tensor_get(&gv, 3), da1, dz1, pr_tensor_get(&gv, 0),
                pr_tensor_get(&gv, 1));
        fprintf(ctx->out, "As Listing 9.1 prints them:\ndL/dw1 = %.2f\ndL/dw2 = %.2f\n", pr_tensor_get(&gv, 0),
                pr_tensor_get(&gv, 2));
        fprintf(ctx->out, "\nThe graph after the backward pass:\n");
        st = pr_graph_print(g, ctx->out);
    }
    if (!st) {
        char path[4096];
        FILE *f = fopen(example_path(ctx, "backprop_graph.dot", path, sizeof path), "w");
        if (!f) st = example_fail(PR_ERR_IO, "cannot write %s: %s", path, strerror(errno));
        else {
            st = pr_graph_write_dot(g, f);
            if (fclose(f) && !st) st = example_fail(PR_ERR_IO, "cannot write %s", path);
            if (!st) fprintf(ctx->out, "wrote %s (render with: dot -Tsvg %s)\n", path, path);
        }
    }
    /* one gradient step with η = 0.01 */
    for (int i = 0; !st && i < 4; i++) pr_tensor_set(&pv, i, pr_tensor_get(&pv, i) - 0.01 * pr_tensor_get(&gv, i));
    if (!st)
        fprintf(ctx->out, "\nAfter one step with eta = 0.01: w1 = %.4g, w2 = %.4g\n", pr_tensor_get(&pv, 0),
                pr_tensor_get(&pv, 2));
    pr_tensor_free(xv);
    pr_graph_free(g);
    return st;
}

/* ---- Listing 9.2 ------------------------------------------------------------------------------ */

/* d a_L / d x through L layers, measured by back-propagation from each a_L. */
static pr_status gradient_through_depth(int sigmoid, double *out, int depth) {
    pr_graph *g;
    pr_status st = pr_graph_new(&g, PR_F64);
    if (st) return st;
    pr_node x = pr_g_param(g, "x", 0, NULL);
    pr_node *a = malloc((size_t)depth * sizeof *a);
    if (!a) {
        pr_graph_free(g);
        return PR_ERR_NOMEM;
    }
    /* sigmoid: a_l = σ(a_{l-1} - ½) keeps every pre-activation at 0, where σ' peaks at ¼;
     * ReLU: a_l = ReLU(a_{l-1}) on a positive input, where ReLU' = 1 */
    a[0] = sigmoid ? pr_g_sigmoid(g, x) : pr_g_relu(g, x);
    for (int l = 1; l < depth; l++) a[l] = sigmoid ? pr_g_sigmoid(g, pr_g_add_scalar(g, a[l - 1], -0.5)) : pr_g_relu(g, a[l - 1]);
    pr_tensor pv;
    st = pr_graph_status(g);
    if (!st) st = pr_graph_param_buffers(g, &pv, NULL);
    if (!st) pr_tensor_set(&pv, 0, sigmoid ? 0.0 : 1.0);
    if (!st) st = pr_graph_forward(g, a[depth - 1]);
    for (int l = 0; !st && l < depth; l++) {
        pr_tensor gx;
        st = pr_graph_zero_grad(g);
        if (!st) st = pr_graph_backward(g, a[l]);
        if (!st) st = pr_graph_grad(g, x, &gx);
        if (!st) out[l] = pr_tensor_get(&gx, 0);
    }
    free(a);
    pr_graph_free(g);
    return st;
}

pr_status example_gradient_vanishing_depth(const example_context *ctx) {
    enum { DEPTH = 50 };
    double depth[DEPTH], sig[DEPTH], relu_half[DEPTH], relu[DEPTH];
    pr_status st = gradient_through_depth(1, sig, DEPTH);
    if (!st) st = gradient_through_depth(0, relu, DEPTH);
    if (st) return st;
    for (int l = 0; l < DEPTH; l++) {
        depth[l] = l + 1;
        relu_half[l] = pow(0.5, l + 1); /* the book's model: half the units die per layer */
    }
    fprintf(ctx->out, "gradient reaching the input through L layers (measured by back-propagation):\n");
    fprintf(ctx->out, "%6s %14s %14s %14s\n", "L", "sigmoid", "0.25^L", "ReLU (ideal)");
    for (int l = 0; l < DEPTH; l += l < 9 ? 9 : 10)
        fprintf(ctx->out, "%6d %14.4e %14.4e %14.4e\n", l + 1, sig[l], pow(0.25, l + 1), relu[l]);
    pr_figure *fig;
    if ((st = pr_figure_new(&fig, 1, 1, 800, 500))) return st;
    pr_axes *ax = pr_figure_axes(fig, 0, 0);
    st = pr_axes_line(ax, depth, sig, DEPTH, &(pr_style){.color = "r", .line_width = 2, .label = "Sigmoid (max)"});
    if (!st) st = pr_axes_line(ax, depth, relu_half, DEPTH, &(pr_style){.color = "b", .line_width = 2, .dash = PR_DASH_DASHED, .label = "ReLU (50% active)"});
    if (!st) st = pr_axes_line(ax, depth, relu, DEPTH, &(pr_style){.color = "g", .line_width = 2, .dash = PR_DASH_DOTTED, .label = "ReLU (ideal)"});
    if (!st) st = pr_axes_hline(ax, 1e-10, &(pr_style){.color = "k", .dash = PR_DASH_DASHED, .alpha = 0.5});
    if (!st) st = pr_axes_text(ax, 35, 3e-10, "Effectively zero", &(pr_style){.font_size = 9});
    if (!st) {
        pr_axes_set_log(ax, 0, 1);
        pr_axes_set_xlabel(ax, "Network Depth (layers)");
        pr_axes_set_ylabel(ax, "Gradient Magnitude");
        pr_axes_set_title(ax, "Gradient Vanishing: Sigmoid vs ReLU");
        pr_axes_set_grid(ax, 0.3);
        pr_axes_set_legend(ax, PR_LEGEND_LOWER_LEFT);
        st = example_save_figure(ctx, fig, "gradient_flow_comparison.svg");
    }
    pr_figure_free(fig);
    return st;
}
