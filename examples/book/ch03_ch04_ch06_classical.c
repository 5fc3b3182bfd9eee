/* Chapters 3, 4 and 6: Listing 3.1 (prior to posterior), Listing 4.1 and Example
 * 4.2 (the fitted line), Listing 4.2 (polynomial degrees 1, 4, 15), Listing 6.1
 * (decision boundary and sigmoid) and the ROC and precision-recall curves of a
 * logistic model (Figure 6.3). */
#include <math.h>
#include <stdlib.h>

#include "examples/book/examples.h"

/* ---- Listing 3.1 ------------------------------------------------------------------------- */

pr_status example_bayesian_update(const example_context *ctx) {
    enum { N = 500 };
    double x[N], prior_y[N], post_y[N];
    const pr_dist prior = pr_dist_beta(2, 5);
    const struct {
        int heads, tails;
        const char *title;
    } panels[] = {{7, 3, "After 10 flips (7H)"}, {70, 30, "After 100 flips (70H)"}};
    pr_figure *fig;
    pr_status st = pr_figure_new(&fig, 1, 3, 1400, 400);
    if (st) return st;
    for (int i = 0; i < N; i++) {
        x[i] = (double)i / (N - 1);
        prior_y[i] = pr_dist_pdf(&prior, x[i]);
    }
    pr_axes *ax = pr_figure_axes(fig, 0, 0);
    st = pr_axes_line(ax, x, prior_y, N, &(pr_style){.color = "blue", .line_width = 2});
    pr_axes_set_title(ax, "Prior: Beta(2,5)");
    pr_axes_set_xlabel(ax, "p");
    fprintf(ctx->out, "prior Beta(2, 5): mean %.4f\n", pr_dist_mean(&prior));
    for (int k = 0; !st && k < 2; k++) {
        pr_dist post = pr_beta_update(prior, panels[k].heads, panels[k].tails);
        for (int i = 0; i < N; i++) post_y[i] = pr_dist_pdf(&post, x[i]);
        ax = pr_figure_axes(fig, 0, k + 1);
        st = pr_axes_line(ax, x, prior_y, N, &(pr_style){.color = "blue", .dash = PR_DASH_DASHED, .alpha = 0.5,
                                                          .label = "Prior"});
        if (!st) st = pr_axes_line(ax, x, post_y, N, &(pr_style){.color = "red", .line_width = 2, .label = "Posterior"});
        if (!st && k == 1) st = pr_axes_vline(ax, 0.7, &(pr_style){.color = "black", .dash = PR_DASH_DOTTED, .label = "True p=0.7"});
        pr_axes_set_title(ax, panels[k].title);
        pr_axes_set_legend(ax, PR_LEGEND_UPPER_LEFT);
        fprintf(ctx->out, "%s: posterior Beta(%g, %g), mean %.4f, MAP %.4f\n", panels[k].title, post.a, post.b,
                pr_dist_mean(&post), pr_beta_mode(&post));
    }
    pr_dist q35 = pr_beta_update(pr_dist_beta(100, 100), 60, 40);
    fprintf(ctx->out, "Q3.5: Beta(100,100) + 60 heads of 100 -> Beta(%g, %g): posterior mean %.4f, MAP %.4f\n", q35.a,
            q35.b, pr_dist_mean(&q35), pr_beta_mode(&q35));
    if (!st) st = example_save_figure(ctx, fig, "bayesian_update.svg");
    pr_figure_free(fig);
    return st;
}

/* ---- Listing 4.1, Example 4.2, Q4.7, Q4.8 ------------------------------------------------------ */

pr_status example_line_fit(const example_context *ctx) {
    double xs[] = {1, 2, 3, 4, 5}, ys[] = {2, 4, 5, 4, 5};
    pr_tensor *X = NULL, *y = NULL, *X1 = NULL, *y3 = NULL;
    pr_estimator *e = NULL, *q47 = NULL, *q48 = NULL;
    pr_figure *fig = NULL;
    pr_status st = pr_tensor_from_array(&X, PR_F64, PR_SHAPE(5, 1), xs);
    if (!st) st = pr_tensor_from_array(&y, PR_F64, PR_SHAPE(5), ys);
    pr_estimator_config cfg1 = pr_estimator_defaults(PR_EST_LINEAR);
    if (!st) st = pr_estimator_fit(&e, &cfg1, X, y);
    if (!st) {
        double w = pr_tensor_get(pr_estimator_coef(e), 0), b = pr_tensor_get(pr_estimator_intercept(e), 0);
        fprintf(ctx->out, "y = %.1fx + %.1f\n", w, b);
        /* Figure 4.1: the line and its residuals */
        st = pr_figure_new(&fig, 1, 1, 700, 500);
        pr_axes *ax = st ? NULL : pr_figure_axes(fig, 0, 0);
        double lx[] = {0.5, 5.5}, ly[] = {w * 0.5 + b, w * 5.5 + b};
        for (int i = 0; !st && i < 5; i++)
            st = pr_axes_line(ax, (double[]){xs[i], xs[i]}, (double[]){ys[i], w * xs[i] + b}, 2,
                              &(pr_style){.color = "gray", .dash = PR_DASH_DASHED, .label = i ? NULL : "residuals"});
        if (!st) st = pr_axes_line(ax, lx, ly, 2, &(pr_style){.color = "red", .line_width = 2, .label = "y = 0.6x + 2.2"});
        if (!st) st = pr_axes_scatter(ax, xs, ys, 5, &(pr_style){.color = "C0", .label = "data"});
        if (!st) {
            pr_axes_set_title(ax, "Least-squares line (Example 4.2)");
            pr_axes_set_legend(ax, PR_LEGEND_LOWER_RIGHT);
            st = example_save_figure(ctx, fig, "ch4_line_fit.svg");
        }
    }
    /* Q4.7 and Q4.8: the book's design matrix with its column of ones */
    if (!st) st = pr_tensor_from_array(&X1, PR_F64, PR_SHAPE(3, 2), (double[]){1, 1, 1, 2, 1, 3});
    if (!st) st = pr_tensor_from_array(&y3, PR_F64, PR_SHAPE(3), (double[]){2, 4, 5});
    pr_estimator_config cfg2 = pr_estimator_defaults(PR_EST_LINEAR);
    cfg2.no_intercept = 1;
    if (!st) st = pr_estimator_fit(&q47, &cfg2, X1, y3);
    pr_estimator_config cfg3 = pr_estimator_defaults(PR_EST_RIDGE);
    cfg3.alpha = 2;
    cfg3.no_intercept = 1;
    if (!st) st = pr_estimator_fit(&q48, &cfg3, X1, y3);
    if (!st) {
        const pr_tensor *a = pr_estimator_coef(q47), *r = pr_estimator_coef(q48);
        fprintf(ctx->out, "Q4.7: w = (%.4f, %.4f)   (2/3, 3/2)\n", pr_tensor_get(a, 0), pr_tensor_get(a, 1));
        fprintf(ctx->out, "Q4.8: ridge, lambda = 2 (X'X + lambda I): w = (%.3f, %.3f)   (26/44, 59/44)\n",
                pr_tensor_get(r, 0), pr_tensor_get(r, 1));
    }
    pr_figure_free(fig);
    pr_estimator_free(e);
    pr_estimator_free(q47);
    pr_estimator_free(q48);
    pr_tensor_free(X);
    pr_tensor_free(y);
    pr_tensor_free(X1);
    pr_tensor_free(y3);
    return st;
}

/* ---- Listing 4.2 ----------------------------------------------------------------------------- */

pr_status example_polynomial_degrees(const example_context *ctx) {
    enum { M = 30, P = 200 };
    double x[M], y[M], xp[P], truth[P];
    /* the listing's np.random.seed(42) and randn, with NumPy's own generator */
    pr_numpy_rng rng;
    pr_numpy_rng_seed(&rng, ctx->seed ? (uint32_t)ctx->seed : 42);
    for (int i = 0; i < M; i++) {
        x[i] = (double)i / (M - 1);
        y[i] = sin(2 * M_PI * x[i]) + 0.3 * pr_numpy_rng_normal(&rng);
    }
    for (int i = 0; i < P; i++) {
        xp[i] = (double)i / (P - 1);
        truth[i] = sin(2 * M_PI * xp[i]);
    }
    fprintf(ctx->out, "Listing 4.2: np.random.seed(%llu); x = linspace(0, 1, 30); y = sin(2 pi x) + 0.3 randn(30)\n",
            (unsigned long long)(ctx->seed ? ctx->seed : 42));
    pr_tensor *xt = NULL, *yt = NULL, *xpt = NULL;
    pr_figure *fig = NULL;
    pr_status st = pr_tensor_from_array(&xt, PR_F64, PR_SHAPE(M), x);
    if (!st) st = pr_tensor_from_array(&yt, PR_F64, PR_SHAPE(M), y);
    if (!st) st = pr_tensor_from_array(&xpt, PR_F64, PR_SHAPE(P), xp);
    if (!st) st = pr_figure_new(&fig, 1, 3, 1400, 400);
    const int degrees[] = {1, 4, 15};
    for (int k = 0; !st && k < 3; k++) {
        pr_tensor *c = NULL, *fit = NULL, *train = NULL;
        pr_axes *ax = pr_figure_axes(fig, 0, k);
        char label[32], title[32];
        snprintf(label, sizeof label, "Degree %d fit", degrees[k]);
        snprintf(title, sizeof title, "Degree %d", degrees[k]);
        st = pr_polyfit(xt, yt, degrees[k], &c);
        if (!st) st = pr_polyval(c, xpt, &fit);
        if (!st) st = pr_polyval(c, xt, &train);
        if (!st) st = pr_axes_scatter(ax, x, y, M, &(pr_style){.color = "C0", .alpha = 0.7, .marker_size = 5, .label = "Data"});
        if (!st) st = pr_axes_line(ax, xp, truth, P, &(pr_style){.color = "green", .dash = PR_DASH_DASHED, .label = "True function"});
        if (!st) st = pr_axes_line(ax, xp, pr_tensor_f64(fit), P, &(pr_style){.color = "red", .line_width = 2, .label = label});
        if (!st) {
            pr_regression_metrics m;
            st = pr_regression_metrics_of(yt, train, &m);
            if (!st) {
                fprintf(ctx->out, "degree %2d: training MSE %.4f, polyfit coefficients (highest power first):", degrees[k],
                        m.mse);
                for (int64_t j = 0; j < c->size && j < 5; j++) fprintf(ctx->out, " %.4g", pr_tensor_get(c, j));
                fprintf(ctx->out, "%s\n", c->size > 5 ? " ..." : "");
            }
        }
        pr_axes_set_title(ax, title);
        pr_axes_set_ylim(ax, -2, 2);
        pr_axes_set_legend(ax, PR_LEGEND_LOWER_LEFT);
        pr_tensor_free(c);
        pr_tensor_free(fit);
        pr_tensor_free(train);
    }
    if (!st) st = pr_figure_suptitle(fig, "Bias-Variance Trade-off: Polynomial Regression");
    if (!st) st = example_save_figure(ctx, fig, "ch4_bias_variance.svg");
    pr_figure_free(fig);
    pr_tensor_free(xt);
    pr_tensor_free(yt);
    pr_tensor_free(xpt);
    return st;
}

/* ---- Listing 6.1 ----------------------------------------------------------------------------- */

static pr_status two_feature_problem(uint64_t seed, double separation, double flip, pr_tensor **X, pr_tensor **y) {
    pr_rng rng;
    pr_rng_seed(&rng, seed);
    pr_classification_options o = PR_CLASSIFICATION_DEFAULTS;
    o.features = 2;
    o.redundant = 0;
    o.clusters = 1;
    o.separation = separation;
    o.flip = flip;
    return pr_data_classification(200, &o, &rng, X, y);
}

/* Listing 6.1's make_classification(random_state=42) points, as scikit-learn drew them. */
static const struct {
    double x1, x2;
    int label;
} listing_6_1_points[] = {
#include "examples/book/listing_6_1_data.inc"
};
_Static_assert(sizeof listing_6_1_points / sizeof listing_6_1_points[0] == 200, "make_classification's 200 rows");

pr_status example_logistic_boundary(const example_context *ctx) {
    enum { G = 300, Z = 200 };
    pr_tensor *X = NULL, *y = NULL, *grid = NULL, *proba = NULL;
    pr_estimator *e = NULL;
    pr_figure *fig = NULL;
    double *z = malloc(sizeof(double) * G * G);
    int *cls = malloc(sizeof(int) * 200);
    pr_status st = z && cls ? PR_OK : example_fail(PR_ERR_NOMEM, "out of memory");
    /* the listing's own data (--seed draws a similar problem from primer's generator instead) */
    if (!st && ctx->seed) st = two_feature_problem(ctx->seed, 1.5, 0, &X, &y);
    if (!st && !ctx->seed) st = pr_tensor_zeros(&X, PR_F64, PR_SHAPE(200, 2));
    if (!st && !ctx->seed) st = pr_tensor_zeros(&y, PR_F64, PR_SHAPE(200));
    for (int i = 0; !st && !ctx->seed && i < 200; i++) {
        pr_tensor_f64(X)[2 * i] = listing_6_1_points[i].x1;
        pr_tensor_f64(X)[2 * i + 1] = listing_6_1_points[i].x2;
        pr_tensor_f64(y)[i] = listing_6_1_points[i].label;
    }
    /* scikit-learn's LogisticRegression() defaults: L2, C = 1 (alpha 1), unpenalised intercept */
    pr_estimator_config cfg4 = pr_estimator_defaults(PR_EST_LOGISTIC);
    if (!st) st = pr_estimator_fit(&e, &cfg4, X, y);
    double lo[2] = {INFINITY, INFINITY}, hi[2] = {-INFINITY, -INFINITY};
    for (int i = 0; !st && i < 200; i++)
        for (int j = 0; j < 2; j++) {
            double v = pr_tensor_get(X, 2 * i + j);
            lo[j] = fmin(lo[j], v - 1);
            hi[j] = fmax(hi[j], v + 1);
        }
    if (!st) st = pr_tensor_zeros(&grid, PR_F64, PR_SHAPE(G * G, 2));
    for (int r = 0; !st && r < G; r++)
        for (int c = 0; c < G; c++) {
            pr_tensor_f64(grid)[2 * (r * G + c)] = lo[0] + (hi[0] - lo[0]) * c / (G - 1);
            pr_tensor_f64(grid)[2 * (r * G + c) + 1] = lo[1] + (hi[1] - lo[1]) * r / (G - 1);
        }
    if (!st) st = pr_estimator_predict_proba(e, grid, &proba);
    for (int k = 0; !st && k < G * G; k++) z[k] = pr_tensor_f64(proba)[2 * k + 1];
    double slope, intercept, acc;
    if (!st) st = pr_decision_boundary_2d_of(e, &slope, &intercept);
    if (!st) st = pr_estimator_score(e, X, y, &acc);
    if (!st) {
        const double *w = pr_tensor_f64(pr_estimator_coef(e)), b = pr_tensor_get(pr_estimator_intercept(e), 0);
        fprintf(ctx->out, "P(y=1|x) = sigmoid(%.4f x1 + %.4f x2 + %.4f)\n", w[0], w[1], b);
        fprintf(ctx->out, "decision boundary: x2 = %.4f x1 + %.4f (normal (%.4f, %.4f) toward class 1)\n", slope,
                intercept, w[0], w[1]);
        fprintf(ctx->out, "training accuracy: %.3f\n", acc);
        double s6, i6;
        if (!pr_decision_boundary_2d(-3, 1, 1, &s6, &i6))
            fprintf(ctx->out, "Q6.9: w = (-3, 1, 1): x2 = %g x1 + %g\n", s6, i6);
    }
    if (!st) st = pr_figure_new(&fig, 1, 2, 1300, 500);
    if (!st) {
        pr_axes *ax = pr_figure_axes(fig, 0, 0);
        pr_grid gr = {z, G, G, lo[0], hi[0], lo[1], hi[1]};
        for (int i = 0; i < 200; i++) cls[i] = (int)pr_tensor_get(y, i);
        st = pr_axes_contourf(ax, &gr, NULL, 50, PR_CMAP_RDBU_R, 0.7);
        if (!st) st = pr_axes_contour(ax, &gr, (double[]){0.5}, 1, PR_CMAP_GRAY, &(pr_style){.color = "black", .line_width = 2});
        double *px = malloc(sizeof(double) * 200), *py = malloc(sizeof(double) * 200);
        if (!px || !py) st = example_fail(PR_ERR_NOMEM, "out of memory");
        for (int i = 0; !st && i < 200; i++) {
            px[i] = pr_tensor_get(X, 2 * i);
            py[i] = pr_tensor_get(X, 2 * i + 1);
        }
        if (!st) st = pr_axes_scatter_classes(ax, px, py, cls, 200, NULL, 2, &(pr_style){.edge_color = "black"});
        free(px);
        free(py);
        pr_axes_set_title(ax, "Decision Boundary (P(y=1|x))");
        pr_axes_set_xlabel(ax, "$x_1$");
        pr_axes_set_ylabel(ax, "$x_2$");
        ax = pr_figure_axes(fig, 0, 1);
        double zz[Z], s[Z], half[Z];
        unsigned char above[Z], below[Z];
        for (int i = 0; i < Z; i++) {
            zz[i] = -6 + 12.0 * i / (Z - 1);
            s[i] = 1 / (1 + exp(-zz[i]));
            half[i] = 0.5;
            above[i] = s[i] > 0.5;
            below[i] = s[i] < 0.5;
        }
        if (!st) st = pr_axes_line(ax, zz, s, Z, &(pr_style){.color = "blue", .line_width = 2});
        if (!st) st = pr_axes_hline(ax, 0.5, &(pr_style){.color = "gray", .dash = PR_DASH_DASHED, .line_width = 1});
        if (!st) st = pr_axes_vline(ax, 0, &(pr_style){.color = "gray", .dash = PR_DASH_DASHED, .line_width = 1});
        if (!st) st = pr_axes_fill_between(ax, zz, s, half, above, Z, &(pr_style){.color = "blue", .alpha = 0.2});
        if (!st) st = pr_axes_fill_between(ax, zz, s, half, below, Z, &(pr_style){.color = "red", .alpha = 0.2});
        pr_axes_set_xlabel(ax, "$z = w^T x$");
        pr_axes_set_ylabel(ax, "$\\sigma(z)$");
        pr_axes_set_title(ax, "Sigmoid Function");
    }
    if (!st) st = example_save_figure(ctx, fig, "ch6_logistic_boundary.svg");
    pr_figure_free(fig);
    pr_estimator_free(e);
    pr_tensor_free(X);
    pr_tensor_free(y);
    pr_tensor_free(grid);
    pr_tensor_free(proba);
    free(z);
    free(cls);
    return st;
}

/* ---- Figure 6.3: ROC and PR curves ------------------------------------------------------------ */

pr_status example_roc_pr_curves(const example_context *ctx) {
    pr_tensor *X = NULL, *y = NULL, *Xtr = NULL, *ytr = NULL, *Xte = NULL, *yte = NULL, *proba = NULL, *p1 = NULL;
    pr_estimator *e = NULL;
    pr_curve *roc = NULL, *pr = NULL;
    pr_figure *fig = NULL;
    pr_rng rng;
    pr_rng_seed(&rng, ctx->seed ? ctx->seed : 7);
    /* overlapping classes, so that the curves have something to show */
    pr_status st = two_feature_problem(ctx->seed ? ctx->seed : 7, 0.7, 0.05, &X, &y);
    if (!st) st = pr_data_split(X, y, 0.5, 1, &rng, &Xtr, &ytr, &Xte, &yte);
    pr_estimator_config cfg5 = pr_estimator_defaults(PR_EST_LOGISTIC);
    if (!st) st = pr_estimator_fit(&e, &cfg5, Xtr, ytr);
    if (!st) st = pr_estimator_predict_proba(e, Xte, &proba);
    if (!st) st = pr_tensor_zeros(&p1, PR_F64, PR_SHAPE(yte->size));
    for (int64_t i = 0; !st && i < yte->size; i++) pr_tensor_f64(p1)[i] = pr_tensor_f64(proba)[2 * i + 1];
    double auc = 0, ap = 0;
    if (!st) st = pr_roc_curve(yte, p1, &roc);
    if (!st) st = pr_pr_curve(yte, p1, &pr);
    if (!st) st = pr_roc_auc(yte, p1, &auc);
    if (!st) st = pr_average_precision(yte, p1, &ap);
    if (!st) {
        fprintf(ctx->out, "held-out rows: %lld\nROC AUC: %.4f\naverage precision (step-wise PR area): %.4f\n",
                (long long)yte->size, auc, ap);
        double thr[] = {0.3, 0.5, 0.7};
        pr_binary_metrics m[3];
        st = pr_threshold_sweep(yte, p1, thr, 3, m);
        for (int k = 0; !st && k < 3; k++)
            fprintf(ctx->out, "threshold %.1f: precision %.3f  recall %.3f  FPR %.3f  F1 %.3f\n", thr[k], m[k].precision,
                    m[k].recall, m[k].fpr, m[k].f1);
    }
    char label[64];
    if (!st) st = pr_figure_new(&fig, 1, 2, 1200, 550);
    snprintf(label, sizeof label, "logistic (AUC = %.3f)", auc);
    if (!st) st = pr_curve_draw(roc, pr_figure_axes(fig, 0, 0), 1, label);
    snprintf(label, sizeof label, "logistic (AP = %.3f)", ap);
    if (!st) st = pr_curve_draw(pr, pr_figure_axes(fig, 0, 1), 0, label);
    if (!st) {
        pr_axes_set_title(pr_figure_axes(fig, 0, 0), "ROC curve");
        pr_axes_set_title(pr_figure_axes(fig, 0, 1), "Precision-recall curve");
        st = example_save_figure(ctx, fig, "ch6_roc_pr.svg");
    }
    pr_figure_free(fig);
    pr_curve_free(roc);
    pr_curve_free(pr);
    pr_estimator_free(e);
    pr_tensor *all[] = {X, y, Xtr, ytr, Xte, yte, proba, p1};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) pr_tensor_free(all[i]);
    return st;
}
