/* Chapters 5, 7 and 8: optimisers on the book's worked problems and the Rosenbrock
 * surface, losses and penalties, activations, and the XOR network, hand-set and
 * learned. Every number comes from primer's optimisers, losses, graphs and models. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "examples/book/examples.h"

/* A graph computing f row by row for inputs v (-1, 2), with d(Σf)/dv available. */
typedef struct surface {
    pr_graph *g;
    pr_node v, per_row, total;
} surface;

static pr_status surface_finish(surface *s) {
    s->total = pr_g_sum(s->g, s->per_row, PR_AXIS_ALL, 0);
    pr_status st = pr_graph_status(s->g);
    if (st) return example_fail(st, "%s", pr_graph_error(s->g));
    return pr_graph_set_input_grad(s->g, s->v, 1);
}

/* f and ∇f at one point (a (1, n) tensor). */
static pr_status surface_eval(surface *s, const pr_tensor *point, double *f, pr_tensor *grad) {
    pr_status st = pr_graph_set_input(s->g, s->v, point);
    if (!st) st = pr_graph_forward(s->g, s->total);
    if (!st && f) st = pr_graph_scalar(s->g, s->total, f);
    if (!st && grad) {
        if (!(st = pr_graph_zero_grad(s->g)) && !(st = pr_graph_backward(s->g, s->total)))
            st = pr_graph_grad(s->g, s->v, grad);
    }
    return st;
}

/* ---- Example 5.1, Q5.7-Q5.9 ------------------------------------------------------------------ */

/* f(w) = (w - c)² + k for a scalar w, as a graph. */
static pr_status parabola(surface *s, double c, double k) {
    pr_status st = pr_graph_new(&s->g, PR_F64);
    if (st) return st;
    s->v = pr_g_input(s->g, "w", PR_SHAPE(1, 1));
    pr_node e = pr_g_add_scalar(s->g, s->v, -c);
    s->per_row = pr_g_add_scalar(s->g, pr_g_sum(s->g, pr_g_mul(s->g, e, e), 1, 0), k);
    return surface_finish(s);
}

/* `steps` optimiser steps on the parabola from w0; w[0..steps] and f at each. */
static pr_status descend(surface *s, const pr_optimizer_config *c, double w0, int steps, double *w, double *f) {
    pr_optimizer *opt;
    pr_tensor *point;
    pr_status st = pr_optimizer_new(&opt, c, 1, PR_F64);
    if (st) return st;
    if ((st = pr_tensor_full(&point, PR_F64, PR_SHAPE(1, 1), w0))) {
        pr_optimizer_free(opt);
        return st;
    }
    for (int t = 0; !st && t <= steps; t++) {
        pr_tensor grad;
        w[t] = pr_tensor_get(point, 0);
        st = surface_eval(s, point, &f[t], &grad);
        if (!st && t < steps) st = pr_optimizer_step(opt, point, &grad, PR_UNSET);
    }
    pr_tensor_free(point);
    pr_optimizer_free(opt);
    return st;
}

pr_status example_gd_worked_steps(const example_context *ctx) {
    surface s = {0};
    double w[32], f[32];
    FILE *o = ctx->out;
    pr_optimizer_config gd = pr_optimizer_defaults(PR_OPT_SGD);
    gd.lr = 0.1;
    pr_status st = parabola(&s, 3, 0);
    if (!st) st = descend(&s, &gd, 0, 3, w, f);
    if (!st) {
        fprintf(o, "Example 5.1: gradient descent on f(theta) = (theta - 3)^2 from 0 with eta = 0.1\n");
        for (int t = 1; t <= 3; t++) fprintf(o, "  theta_%d = %.4g\n", t, w[t]);
    }
    pr_graph_free(s.g);
    s.g = NULL;
    gd.lr = 0.3;
    if (!st) st = parabola(&s, 0, 4);
    if (!st) st = descend(&s, &gd, 10, 3, w, f);
    if (!st) {
        fprintf(o, "Q5.7: J(w) = w^2 + 4 from w0 = 10 with eta = 0.3 (each step multiplies w by 0.4)\n");
        for (int t = 0; t <= 3; t++) fprintf(o, "  w_%d = %-5.4g J(w_%d) = %.4g\n", t, w[t], t, f[t]);
    }
    pr_graph_free(s.g);
    s.g = NULL;
    /* Q5.8: J = w², so w ← (1 - 2η) w; the Hessian is 2 and GD needs η < 2/2 = 1 */
    if (!st) st = parabola(&s, 0, 0);
    if (!st) fprintf(o, "Q5.8: J(w) = w^2 from w0 = 1, 20 steps: converges for 0 < eta < 2 / lambda_max = 1\n");
    const double rates[] = {0.1, 0.5, 0.9, 1.0, 1.1};
    for (int r = 0; !st && r < 5; r++) {
        gd.lr = rates[r];
        if ((st = descend(&s, &gd, 1, 20, w, f))) break;
        /* |w| shrinking, constant or growing, and whether the sign alternates */
        const char *verdict = fabs(w[20]) < fabs(w[0]) ? "converges" : fabs(w[20]) == fabs(w[0]) ? "oscillates forever"
                                                                                               : "diverges";
        int flips = w[19] * w[20] < 0;
        fprintf(o, "  eta = %.1f: w_1 = %-5.3g w_20 = %-12.6g %s%s\n", rates[r], w[1], w[20], verdict,
                w[1] == 0 ? " (in one step)" : flips ? ", alternating in sign" : "");
    }
    pr_graph_free(s.g);
    /* Q5.9: one Adam step from g = 3 */
    pr_optimizer *adam = NULL;
    pr_tensor *p = NULL, *g = NULL;
    pr_optimizer_config ac = pr_optimizer_defaults(PR_OPT_ADAM);
    ac.lr = 0.01;
    if (!st) st = pr_optimizer_new(&adam, &ac, 1, PR_F64);
    if (!st) st = pr_tensor_full(&p, PR_F64, PR_SHAPE(1), 0);
    if (!st) st = pr_tensor_full(&g, PR_F64, PR_SHAPE(1), 3);
    if (!st) st = pr_optimizer_step(adam, p, g, PR_UNSET);
    double m, v, m_hat, v_hat;
    if (!st) st = pr_optimizer_adam_moments(adam, &m, &v, &m_hat, &v_hat);
    if (!st) {
        fprintf(o, "Q5.9: one Adam step with g1 = 3, eta = 0.01, beta1 = 0.9, beta2 = 0.999, eps = 1e-8\n");
        fprintf(o, "  m1 = %.4g, v1 = %.4g, m_hat = m1 / (1 - 0.9) = %.4g, v_hat = v1 / (1 - 0.999) = %.4g\n", m, v,
                m_hat, v_hat);
        fprintf(o, "  delta w = %.6g (w1 = w0 - 0.01)\n", -pr_tensor_get(p, 0));
    }
    /* the same step without bias correction: the raw moments give 0.01 * 0.3 / 0.0949 */
    pr_optimizer *raw = NULL;
    ac.no_bias_correction = 1;
    if (!st) st = pr_optimizer_new(&raw, &ac, 1, PR_F64);
    if (!st) pr_tensor_fill(p, 0);
    if (!st) st = pr_optimizer_step(raw, p, g, PR_UNSET);
    if (!st)
        fprintf(o, "  without bias correction: sqrt(v1) = %.3f, delta w = %.4f, about 3.2 times too large\n", sqrt(v),
                -pr_tensor_get(p, 0));
    pr_optimizer_free(raw);
    pr_tensor_free(p);
    pr_tensor_free(g);
    pr_optimizer_free(adam);
    return st;
}

/* ---- Listing 5.1 -------------------------------------------------------------------------------- */

/* The listing's sgd(): each epoch a new np.random.permutation of the rows, then per
 * batch grad = Xbᵀ (Xb w - yb) / |b| and w -= lr grad (primer/optim.h's SGD step). */
static pr_status listing_sgd(pr_numpy_rng *rng, const pr_tensor *X, const pr_tensor *y, double lr, int epochs,
                             int64_t batch, pr_tensor **w_out) {
    int64_t m = X->shape[0], n = X->shape[1];
    int64_t *order = malloc((size_t)m * sizeof *order);
    pr_tensor *w = NULL, *grad = NULL;
    pr_optimizer *opt = NULL;
    pr_optimizer_config sgd = pr_optimizer_defaults(PR_OPT_SGD);
    sgd.lr = lr;
    pr_status st = order ? PR_OK : example_fail(PR_ERR_NOMEM, "out of memory");
    if (!st) st = pr_tensor_zeros(&w, PR_F64, PR_SHAPE(n));
    if (!st) st = pr_tensor_zeros(&grad, PR_F64, PR_SHAPE(n));
    if (!st) st = pr_optimizer_new(&opt, &sgd, n, PR_F64);
    const double *x = pr_tensor_f64(X), *t = pr_tensor_f64(y);
    double *wv = w ? pr_tensor_f64(w) : NULL, *g = grad ? pr_tensor_f64(grad) : NULL;
    for (int e = 0; !st && e < epochs; e++) {
        pr_numpy_rng_permutation(rng, m, order);
        for (int64_t start = 0; !st && start < m; start += batch) {
            int64_t stop = start + batch < m ? start + batch : m;
            for (int64_t j = 0; j < n; j++) g[j] = 0;
            for (int64_t b = start; b < stop; b++) {
                const double *row = x + order[b] * n;
                double r = -t[order[b]];
                for (int64_t j = 0; j < n; j++) r += row[j] * wv[j];
                for (int64_t j = 0; j < n; j++) g[j] += row[j] * r;
            }
            for (int64_t j = 0; j < n; j++) g[j] /= (double)(stop - start);
            st = pr_optimizer_step(opt, w, grad, PR_UNSET);
        }
    }
    free(order);
    pr_tensor_free(grad);
    pr_optimizer_free(opt);
    if (st) {
        pr_tensor_free(w);
        return st;
    }
    *w_out = w;
    return PR_OK;
}

pr_status example_minibatch_sgd(const example_context *ctx) {
    /* Example 4.2's points with a column of ones, as Listing 4.1 builds X */
    pr_tensor *X = NULL, *y = NULL, *w = NULL;
    pr_status st = pr_tensor_from_array(&X, PR_F64, PR_SHAPE(5, 2), (double[]){1, 1, 1, 2, 1, 3, 1, 4, 1, 5});
    if (!st) st = pr_tensor_from_array(&y, PR_F64, PR_SHAPE(5), (double[]){2, 4, 5, 4, 5});
    const struct {
        double lr;
        int epochs;
        int64_t batch;
        const char *what;
    } runs[] = {{0.01, 100, 32, "the listing's defaults"}, {0.05, 5000, 32, "run to convergence"},
                {0.05, 200, 2, "mini-batches of 2"}};
    pr_numpy_rng rng;
    if (!st)
        fprintf(ctx->out, "Listing 5.1: sgd(X, y) on Example 4.2's points (1,2) (2,4) (3,5) (4,4) (5,5), X = [1, x],\n"
                          "each run after np.random.seed(%llu):\n",
                (unsigned long long)(ctx->seed ? ctx->seed : 42));
    for (size_t r = 0; !st && r < sizeof runs / sizeof runs[0]; r++) {
        pr_numpy_rng_seed(&rng, ctx->seed ? (uint32_t)ctx->seed : 42);
        if ((st = listing_sgd(&rng, X, y, runs[r].lr, runs[r].epochs, runs[r].batch, &w))) break;
        fprintf(ctx->out, "  lr %.2f, %4d epochs, batch %2lld (%s): w = [%.10f %.10f]: y = %.1fx + %.1f\n", runs[r].lr,
                runs[r].epochs, (long long)runs[r].batch, runs[r].what, pr_tensor_f64(w)[0], pr_tensor_f64(w)[1],
                pr_tensor_f64(w)[1], pr_tensor_f64(w)[0]);
        pr_tensor_free(w);
        w = NULL;
    }
    pr_tensor *exact = NULL;
    if (!st) st = pr_lstsq(X, y, -1, &exact, NULL);
    if (!st)
        fprintf(ctx->out, "  the normal equation (Listing 4.1): y = %.1fx + %.1f\n", pr_tensor_f64(exact)[1],
                pr_tensor_f64(exact)[0]);
    pr_tensor_free(exact);
    pr_tensor_free(X);
    pr_tensor_free(y);
    return st;
}

/* ---- Listing 5.2 ------------------------------------------------------------------------------------ */

/* Rosenbrock with a = 1, b = 5: (1 - x)² + 5 (y - x²)², row by row. */
static pr_status rosenbrock(surface *s) {
    pr_status st = pr_graph_new(&s->g, PR_F64);
    if (st) return st;
    pr_graph *g = s->g;
    s->v = pr_g_input(g, "v", PR_SHAPE(-1, 2));
    pr_node x = pr_g_slice(g, s->v, 1, 0, 1), y = pr_g_slice(g, s->v, 1, 1, 2);
    pr_node a = pr_g_add_scalar(g, pr_g_neg(g, x), 1);
    pr_node b = pr_g_sub(g, y, pr_g_mul(g, x, x));
    pr_node f = pr_g_add(g, pr_g_mul(g, a, a), pr_g_scale(g, pr_g_mul(g, b, b), 5));
    s->per_row = pr_g_reshape(g, f, PR_SHAPE(-1));
    return surface_finish(s);
}

pr_status example_optimizers_rosenbrock(const example_context *ctx) {
    enum { STEPS = 300, GRID = 200 };
    /* GD (lr 0.002), momentum (beta 0.9, no (1 - beta)) and Adam (lr 0.05), as the listing */
    struct {
        const char *label, *color;
        pr_optimizer_config config;
    } runs[3] = {{"SGD", "red", pr_optimizer_defaults(PR_OPT_SGD)},
                 {"Momentum", "blue", pr_optimizer_defaults(PR_OPT_MOMENTUM)},
                 {"Adam", "orange", pr_optimizer_defaults(PR_OPT_ADAM)}};
    runs[0].config.lr = runs[1].config.lr = 0.002;
    runs[1].config.momentum = 0.9;
    runs[2].config.lr = 0.05;
    surface s = {0};
    double *px = malloc(3 * (STEPS + 1) * sizeof *px), *py = malloc(3 * (STEPS + 1) * sizeof *py);
    double *z = malloc(GRID * GRID * sizeof *z);
    pr_tensor *grid = NULL, *levels = NULL;
    pr_figure *fig = NULL;
    pr_status st = px && py && z ? rosenbrock(&s) : PR_ERR_NOMEM;
    if (!st) fprintf(ctx->out, "Listing 5.2: f(w) = (1 - w1)^2 + 5 (w2 - w1^2)^2 from (-1, 1.5), %d steps each\n", STEPS);
    for (int r = 0; !st && r < 3; r++) {
        pr_optimizer *opt;
        pr_tensor *point;
        if ((st = pr_optimizer_new(&opt, &runs[r].config, 2, PR_F64))) break;
        if ((st = pr_tensor_from_array(&point, PR_F64, PR_SHAPE(1, 2), (double[]){-1.0, 1.5}))) {
            pr_optimizer_free(opt);
            break;
        }
        double f = 0;
        for (int t = 0; !st && t <= STEPS; t++) {
            pr_tensor grad;
            px[r * (STEPS + 1) + t] = pr_tensor_get(point, 0);
            py[r * (STEPS + 1) + t] = pr_tensor_get(point, 1);
            st = surface_eval(&s, point, &f, &grad);
            if (!st && t < STEPS) st = pr_optimizer_step(opt, point, &grad, PR_UNSET);
        }
        if (!st) {
            double x = pr_tensor_get(point, 0), y = pr_tensor_get(point, 1);
            fprintf(ctx->out, "  %-9s lr %-6g ends at (%.4f, %.4f), f = %.3e, distance to (1, 1) = %.4f\n",
                    runs[r].label, runs[r].config.lr, x, y, f, hypot(x - 1, y - 1));
        }
        pr_tensor_free(point);
        pr_optimizer_free(opt);
    }
    /* the surface on the listing's 200 x 200 grid over [-2, 2] x [-1, 3], one forward pass */
    if (!st) st = pr_tensor_zeros(&grid, PR_F64, PR_SHAPE(GRID * GRID, 2));
    for (int j = 0; !st && j < GRID; j++)
        for (int i = 0; i < GRID; i++) {
            pr_tensor_f64(grid)[2 * (j * GRID + i)] = -2 + 4.0 * i / (GRID - 1);
            pr_tensor_f64(grid)[2 * (j * GRID + i) + 1] = -1 + 4.0 * j / (GRID - 1);
        }
    pr_tensor fv;
    if (!st) st = pr_graph_set_input(s.g, s.v, grid);
    if (!st) st = pr_graph_forward(s.g, s.per_row);
    if (!st) st = pr_graph_value(s.g, s.per_row, &fv);
    for (int k = 0; !st && k < GRID * GRID; k++) z[k] = pr_tensor_get(&fv, k);
    if (!st) st = pr_tensor_logspace(&levels, PR_F64, -1, 3, 30);
    if (!st) st = pr_figure_new(&fig, 1, 1, 800, 600);
    if (!st) {
        pr_axes *ax = pr_figure_axes(fig, 0, 0);
        pr_grid gr = {z, GRID, GRID, -2, 2, -1, 3};
        st = pr_axes_contour(ax, &gr, pr_tensor_f64(levels), 30, PR_CMAP_VIRIDIS, &(pr_style){.alpha = 0.6});
        for (int r = 0; !st && r < 3; r++) {
            st = pr_axes_line(ax, px + r * (STEPS + 1), py + r * (STEPS + 1), STEPS + 1,
                              &(pr_style){.color = runs[r].color, .dash = PR_DASH_DASHED, .line_width = 1.5,
                                          .label = runs[r].label, .alpha = 0.8});
            if (!st)
                st = pr_axes_scatter(ax, px + r * (STEPS + 1), py + r * (STEPS + 1), 1,
                                     &(pr_style){.color = runs[r].color, .marker = PR_MARKER_CIRCLE, .marker_size = 6});
        }
        if (!st)
            st = pr_axes_scatter(ax, (double[]){1}, (double[]){1}, 1,
                                 &(pr_style){.color = "black", .marker = PR_MARKER_STAR, .marker_size = 15,
                                             .label = "Minimum (1,1)"});
        pr_axes_set_xlabel(ax, "$w_1$");
        pr_axes_set_ylabel(ax, "$w_2$");
        pr_axes_set_title(ax, "Optimiser Trajectories on Rosenbrock Surface");
        pr_axes_set_legend(ax, PR_LEGEND_UPPER_RIGHT);
    }
    if (!st) st = example_save_figure(ctx, fig, "ch5_optimisers.svg");
    pr_figure_free(fig);
    pr_tensor_free(grid);
    pr_tensor_free(levels);
    pr_graph_free(s.g);
    free(px);
    free(py);
    free(z);
    return st;
}

/* ---- Listing 7.1, Q7.7 --------------------------------------------------------------------------------- */

/* The loss of a single residual r and its derivative (prediction r, target 0). */
static pr_status loss_at(const pr_loss_config *c, double r, double *value, double *slope) {
    pr_tensor *p = NULL, *t = NULL, *g = NULL;
    pr_status st = pr_tensor_full(&p, PR_F64, PR_SHAPE(1), r);
    if (!st) st = pr_tensor_zeros(&t, PR_F64, PR_SHAPE(1));
    if (!st) st = pr_loss_eval(c, p, t, value, &g);
    if (!st) *slope = pr_tensor_get(g, 0);
    pr_tensor_free(p);
    pr_tensor_free(t);
    pr_tensor_free(g);
    return st;
}

pr_status example_loss_functions(const example_context *ctx) {
    enum { N = 500 };
    const pr_loss_config kinds[3] = {{.kind = PR_LOSS_MSE}, {.kind = PR_LOSS_MAE}, {.kind = PR_LOSS_HUBER, .delta = 1.0}};
    const char *names[3] = {"MSE", "MAE", "Huber ($\\delta$=1.0)"}, *colors[3] = {"blue", "red", "green"};
    const pr_dash dashes[3] = {PR_DASH_SOLID, PR_DASH_DASHED, PR_DASH_DASHDOT};
    double *r = malloc(N * sizeof *r), *loss = malloc(3 * N * sizeof *loss), *grad = malloc(3 * N * sizeof *grad);
    pr_status st = r && loss && grad ? PR_OK : PR_ERR_NOMEM;
    for (int i = 0; !st && i < N; i++) {
        r[i] = -4 + 8.0 * i / (N - 1);
        for (int k = 0; !st && k < 3; k++) st = loss_at(&kinds[k], r[i], &loss[k * N + i], &grad[k * N + i]);
    }
    /* Q7.7 */
    pr_tensor *y = NULL, *yhat = NULL;
    double q[3];
    if (!st) st = pr_tensor_from_array(&y, PR_F64, PR_SHAPE(4), (double[]){3, -0.5, 2, 7});
    if (!st) st = pr_tensor_from_array(&yhat, PR_F64, PR_SHAPE(4), (double[]){2.5, 0.0, 2, 8});
    for (int k = 0; !st && k < 3; k++) st = pr_loss_eval(&kinds[k], yhat, y, &q[k], NULL);
    if (!st) {
        fprintf(ctx->out, "Q7.7: y = (3, -0.5, 2, 7), y_hat = (2.5, 0, 2, 8), residuals (0.5, -0.5, 0, -1)\n");
        fprintf(ctx->out, "  MSE = %.4g\n  MAE = %.4g\n  Huber (delta = 1) = %.4g\n", q[0], q[1], q[2]);
        fprintf(ctx->out, "Listing 7.1: at residual -4, 0 and 3 (loss / gradient):\n");
        const double at[3] = {-4, 0, 3};
        for (int a = 0; a < 3; a++) {
            double v[3], s[3];
            for (int k = 0; !st && k < 3; k++) st = loss_at(&kinds[k], at[a], &v[k], &s[k]);
            if (!st)
                fprintf(ctx->out, "  r = %2g:  MSE %5.2f / %5.2f   MAE %4.2f / %5.2f   Huber %4.2f / %5.2f\n", at[a], v[0],
                        s[0], v[1], s[1], v[2], s[2]);
        }
    }
    pr_figure *fig = NULL;
    if (!st) st = pr_figure_new(&fig, 1, 2, 1300, 500);
    for (int panel = 0; !st && panel < 2; panel++) {
        pr_axes *ax = pr_figure_axes(fig, 0, panel);
        for (int k = 0; !st && k < 3; k++)
            st = pr_axes_line(ax, r, (panel ? grad : loss) + k * N, N,
                              &(pr_style){.color = colors[k], .dash = dashes[k], .line_width = 2, .label = names[k]});
        pr_axes_set_xlabel(ax, "Residual ($y - \\hat{y}$)");
        pr_axes_set_ylabel(ax, panel ? "Gradient" : "Loss");
        pr_axes_set_title(ax, panel ? "Gradients of Loss Functions" : "Loss Functions");
        pr_axes_set_legend(ax, PR_LEGEND_BEST);
        pr_axes_set_grid(ax, 0.3);
        if (!panel) pr_axes_set_ylim(ax, -0.5, 10);
    }
    if (!st) st = example_save_figure(ctx, fig, "ch7_loss_functions.svg");
    pr_figure_free(fig);
    pr_tensor_free(y);
    pr_tensor_free(yhat);
    free(r);
    free(loss);
    free(grad);
    return st;
}

/* ---- Q7.8, Q7.9 --------------------------------------------------------------------------------------- */

pr_status example_regularization(const example_context *ctx) {
    pr_tensor *w = NULL;
    double l1, l2, half;
    pr_status st = pr_tensor_from_array(&w, PR_F64, PR_SHAPE(5), (double[]){3, -1, 0.5, 0, 2});
    if (!st) st = pr_penalty_eval(PR_PENALTY_L1, w, 1, 0, &l1);
    if (!st) st = pr_penalty_eval(PR_PENALTY_L2, w, 1, 0, &l2);
    if (!st) st = pr_penalty_eval(PR_PENALTY_L2_HALF, w, 0.1, 0, &half);
    if (!st) {
        fprintf(ctx->out, "Q7.8: w = (3, -1, 0.5, 0, 2), MSE 2.5, lambda 0.1\n");
        fprintf(ctx->out, "  ||w||_1 = %.4g\n  ||w||_2^2 = %.4g\n", l1, l2);
        fprintf(ctx->out, "  Lasso loss = MSE + lambda ||w||_1 = %.4g\n", 2.5 + 0.1 * l1);
        fprintf(ctx->out, "  Ridge loss = MSE + lambda ||w||_2^2 = %.4g (section 7.4's lambda/2 ||w||^2 form: %.4g)\n",
                2.5 + 0.1 * l2, 2.5 + half);
    }
    /* Q7.9: dropout p = 0.3 on h = (1, 2, -0.5, 3), averaged over many masks */
    enum { DRAWS = 100000 };
    pr_graph *g = NULL;
    pr_tensor *h = NULL, *batch = NULL;
    if (!st) st = pr_tensor_from_array(&h, PR_F64, PR_SHAPE(1, 4), (double[]){1, 2, -0.5, 3});
    if (!st) st = pr_tensor_zeros(&batch, PR_F64, PR_SHAPE(DRAWS, 4));
    for (int64_t i = 0; !st && i < DRAWS * 4; i++) pr_tensor_f64(batch)[i] = pr_tensor_f64(h)[i % 4];
    if (!st) st = pr_graph_new(&g, PR_F64);
    if (!st) {
        pr_graph_seed(g, ctx->seed);
        pr_node x = pr_g_input(g, "h", PR_SHAPE(-1, 4));
        pr_node standard = pr_g_mean(g, pr_g_dropout(g, x, 0.3, 1), 0, 0);
        pr_node inverted = pr_g_mean(g, pr_g_dropout(g, x, 0.3, 0), 0, 0);
        pr_tensor v;
        st = pr_graph_status(g) ? example_fail(pr_graph_status(g), "%s", pr_graph_error(g)) : PR_OK;
        if (!st) st = pr_graph_set_input(g, x, batch);
        const char *what[2] = {"standard (keep, scale by 0.7 at test)", "inverted (divide by 0.7 in training)"};
        pr_node outs[2] = {standard, inverted};
        if (!st) fprintf(ctx->out, "Q7.9: dropout p = 0.3 on h = (1, 2, -0.5, 3), mean over %d training masks:\n", DRAWS);
        for (int k = 0; !st && k < 2; k++) {
            pr_graph_set_training(g, 1);
            if ((st = pr_graph_forward(g, outs[k])) || (st = pr_graph_value(g, outs[k], &v))) break;
            fprintf(ctx->out, "  %-40s E[h] = (%.3f, %.3f, %.3f, %.3f)", what[k], pr_tensor_get(&v, 0),
                    pr_tensor_get(&v, 1), pr_tensor_get(&v, 2), pr_tensor_get(&v, 3));
            pr_graph_set_training(g, 0);
            if ((st = pr_graph_forward(g, outs[k])) || (st = pr_graph_value(g, outs[k], &v))) break;
            fprintf(ctx->out, "; at test (%.2f, %.2f, %.2f, %.2f)\n", pr_tensor_get(&v, 0), pr_tensor_get(&v, 1),
                    pr_tensor_get(&v, 2), pr_tensor_get(&v, 3));
        }
        if (!st) fprintf(ctx->out, "  the exact expectations are 0.7 h = (0.7, 1.4, -0.35, 2.1) and h itself\n");
    }
    pr_graph_free(g);
    pr_tensor_free(w);
    pr_tensor_free(h);
    pr_tensor_free(batch);
    return st;
}

/* ---- Listing 8.1 ----------------------------------------------------------------------------------------- */

pr_status example_activation_functions(const example_context *ctx) {
    enum { N = 300 };
    const char *titles[4] = {"Sigmoid", "Tanh", "ReLU", "Leaky ReLU"};
    pr_graph *g;
    pr_status st = pr_graph_new(&g, PR_F64);
    if (st) return st;
    pr_node z = pr_g_input(g, "z", PR_SHAPE(N));
    pr_node act[4] = {pr_g_sigmoid(g, z), pr_g_tanh(g, z), pr_g_relu(g, z), pr_g_leaky_relu(g, z, 0.01)};
    pr_tensor *zs = NULL;
    double *x = malloc(N * sizeof *x), *y = malloc(4 * N * sizeof *y);
    if ((st = pr_graph_status(g))) example_fail(st, "%s", pr_graph_error(g));
    if (!st && (!x || !y)) st = PR_ERR_NOMEM;
    if (!st) st = pr_tensor_linspace(&zs, PR_F64, -5, 5, N);
    if (!st) st = pr_graph_set_input(g, z, zs);
    for (int k = 0; !st && k < 4; k++) {
        pr_tensor v;
        if ((st = pr_graph_forward(g, act[k])) || (st = pr_graph_value(g, act[k], &v))) break;
        for (int i = 0; i < N; i++) y[k * N + i] = pr_tensor_get(&v, i);
    }
    for (int i = 0; !st && i < N; i++) x[i] = pr_tensor_get(zs, i);
    if (!st) {
        fprintf(ctx->out, "Listing 8.1: activations on [-5, 5] (%d points)\n", N);
        fprintf(ctx->out, "  %-11s %10s %10s %10s %10s\n", "", "z = -5", "z = -0.017", "z = 0.017", "z = 5");
        for (int k = 0; k < 4; k++)
            fprintf(ctx->out, "  %-11s %10.4f %10.4f %10.4f %10.4f\n", titles[k], y[k * N], y[k * N + N / 2 - 1],
                    y[k * N + N / 2], y[k * N + N - 1]);
    }
    pr_figure *fig = NULL;
    if (!st) st = pr_figure_new(&fig, 1, 4, 1400, 300);
    for (int k = 0; !st && k < 4; k++) {
        pr_axes *ax = pr_figure_axes(fig, 0, k);
        st = pr_axes_line(ax, x, y + k * N, N, &(pr_style){.color = "blue", .line_width = 2});
        if (!st) st = pr_axes_hline(ax, 0, &(pr_style){.color = "black", .line_width = 0.5});
        if (!st) st = pr_axes_vline(ax, 0, &(pr_style){.color = "black", .line_width = 0.5});
        pr_axes_set_title(ax, titles[k]);
        pr_axes_set_xlabel(ax, "z");
        pr_axes_set_grid(ax, 0.3);
    }
    if (!st) st = example_save_figure(ctx, fig, "activation_functions.svg");
    pr_figure_free(fig);
    pr_tensor_free(zs);
    pr_graph_free(g);
    free(x);
    free(y);
    return st;
}

/* ---- Example 8.1, Q8.8, Q8.1 -------------------------------------------------------------------------------- */

/* The four XOR inputs as a (4, 2) tensor and their labels. */
static pr_status xor_data(pr_tensor **X, pr_tensor **y) {
    pr_rng unused;
    pr_rng_seed(&unused, 0);
    return pr_data_xor(4, 0, &unused, X, y);
}

pr_status example_xor_network(const example_context *ctx) {
    pr_model *m = NULL;
    pr_tensor *X = NULL, *y = NULL, *out = NULL, *w1 = NULL, *b1 = NULL, *w2 = NULL, *b2 = NULL;
    pr_status st = pr_model_new(&m, "dense:2,relu,dense:1,relu", PR_SHAPE(2), NULL);
    if (!st) st = pr_tensor_from_array(&w1, PR_F64, PR_SHAPE(2, 2), (double[]){1, 1, 1, 1});
    if (!st) st = pr_tensor_from_array(&b1, PR_F64, PR_SHAPE(2), (double[]){0, -1});
    if (!st) st = pr_tensor_from_array(&w2, PR_F64, PR_SHAPE(1, 2), (double[]){1, -2});
    if (!st) st = pr_tensor_zeros(&b2, PR_F64, PR_SHAPE(1));
    if (!st) st = pr_model_set_tensor(m, "0.weight", w1);
    if (!st) st = pr_model_set_tensor(m, "0.bias", b1);
    if (!st) st = pr_model_set_tensor(m, "2.weight", w2);
    if (!st) st = pr_model_set_tensor(m, "2.bias", b2);
    if (!st) st = xor_data(&X, &y);
    pr_tensor hidden;
    if (!st) st = pr_model_forward(m, X, &out);
    if (!st) st = pr_graph_value(pr_model_graph(m), pr_model_layer_output(m, 1), &hidden); /* after the first ReLU */
    if (!st) {
        fprintf(ctx->out, "Example 8.1: W1 = [[1, 1], [1, 1]], b1 = (0, -1), W2 = (1, -2), b2 = 0, ReLU everywhere\n");
        fprintf(ctx->out, "  x1 x2 | OR-like ReLU(x1+x2) | AND-like ReLU(x1+x2-1) | output | XOR\n");
        for (int i = 0; i < 4; i++)
            fprintf(ctx->out, "   %g  %g |        %g            |           %g           |   %g    |  %g\n",
                    pr_tensor_get(X, 2 * i), pr_tensor_get(X, 2 * i + 1), pr_tensor_get(&hidden, 2 * i),
                    pr_tensor_get(&hidden, 2 * i + 1), pr_tensor_get(out, i), pr_tensor_get(y, i));
        fprintf(ctx->out, "Q8.8: the output for x = (1, 0) is %g\n", pr_tensor_get(out, 2));
    }
    pr_model_free(m);
    pr_tensor *ts[] = {X, y, out, w1, b1, w2, b2};
    for (size_t k = 0; k < sizeof ts / sizeof ts[0]; k++) pr_tensor_free(ts[k]);
    return st;
}

pr_status example_xor_learned(const example_context *ctx) {
    pr_model *m = NULL;
    pr_tensor *X = NULL, *y = NULL, *proba = NULL;
    pr_train_history *h = NULL;
    pr_model_options mo = PR_MODEL_DEFAULTS;
    mo.seed = ctx->seed;
    mo.outputs = 2;
    mo.dtype = PR_F64;
    pr_status st = pr_model_new(&m, "dense:4,tanh", PR_SHAPE(2), &mo);
    if (!st) st = pr_model_set_task(m, PR_TASK_CLASSIFICATION, NULL, 2);
    if (!st) st = xor_data(&X, &y);
    pr_train_options o = PR_TRAIN_DEFAULTS;
    o.epochs = 300;
    o.batch_size = 4;
    o.seed = ctx->seed;
    o.optimizer = pr_optimizer_defaults(PR_OPT_ADAM);
    o.optimizer.lr = 0.05;
    if (!st) st = pr_train(m, X, y, &o, &h);
    if (!st) st = pr_model_predict_proba(m, X, &proba);
    if (!st) {
        fprintf(ctx->out, "Q8.1: XOR learned by %s from random initialisation (seed %llu)\n", pr_model_spec(m),
                (unsigned long long)ctx->seed);
        fprintf(ctx->out, "  full-batch Adam, lr 0.05, %lld epochs: loss %.3g -> %.3g, accuracy %.0f%%\n",
                (long long)h->epochs, h->train_loss[0], h->train_loss[h->epochs - 1],
                100 * h->train_metric[h->epochs - 1]);
        for (int i = 0; i < 4; i++)
            fprintf(ctx->out, "  (%g, %g) -> P(1) = %.4f, XOR = %g\n", pr_tensor_get(X, 2 * i), pr_tensor_get(X, 2 * i + 1),
                    pr_tensor_get(proba, 2 * i + 1), pr_tensor_get(y, i));
    }
    pr_train_history_free(h);
    pr_model_free(m);
    pr_tensor_free(X);
    pr_tensor_free(y);
    pr_tensor_free(proba);
    return st;
}

/* ---- Q8.4, Q8.7 ------------------------------------------------------------------------------------------------ */

pr_status example_network_parameters(const example_context *ctx) {
    pr_model *m = NULL;
    pr_tensor *w = NULL, *b = NULL, *x = NULL;
    pr_status st = pr_model_new(&m, "dense:10,relu,dense:3", PR_SHAPE(5), NULL);
    if (!st) {
        fprintf(ctx->out, "Q8.4: 5 inputs, 10 hidden units, 3 outputs\n");
        st = pr_model_summary(m, ctx->out);
    }
    if (!st) fprintf(ctx->out, "  = 5 x 10 + 10 + 10 x 3 + 3 = %lld parameters\n", (long long)pr_model_param_count(m));
    pr_model_free(m);
    /* Q8.7: one neuron, z = w.x + b, through sigmoid and through ReLU */
    if (!st) st = pr_tensor_from_array(&w, PR_F64, PR_SHAPE(1, 3), (double[]){0.5, -0.3, 0.8});
    if (!st) st = pr_tensor_full(&b, PR_F64, PR_SHAPE(1), -0.1);
    if (!st) st = pr_tensor_from_array(&x, PR_F64, PR_SHAPE(1, 3), (double[]){1, 2, -1});
    if (!st) fprintf(ctx->out, "Q8.7: w = (0.5, -0.3, 0.8), b = -0.1, x = (1, 2, -1)\n");
    const char *specs[3] = {"dense:1", "dense:1,sigmoid", "dense:1,relu"}, *what[3] = {"z = w.x + b", "sigmoid(z)", "ReLU(z)"};
    for (int k = 0; !st && k < 3; k++) {
        pr_tensor *out = NULL;
        if (!(st = pr_model_new(&m, specs[k], PR_SHAPE(3), NULL)) && !(st = pr_model_set_tensor(m, "0.weight", w)) &&
            !(st = pr_model_set_tensor(m, "0.bias", b)) && !(st = pr_model_forward(m, x, &out)))
            fprintf(ctx->out, "  %-12s = %.3g\n", what[k], pr_tensor_get(out, 0));
        pr_tensor_free(out);
        pr_model_free(m);
    }
    pr_tensor_free(w);
    pr_tensor_free(b);
    pr_tensor_free(x);
    return st;
}
