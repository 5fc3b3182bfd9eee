/* Chapter 12's examples: PCA from scratch on random data (Listing 12.1), the variance
 * retained by k components (Example 12.1, Q12.4, Q12.8), the worked PCA of Q12.7, the
 * PCA picture of Listing 12.3, a scree plot (Q12.11), the curse of dimensionality
 * (section 12.1, Q12.1) and t-SNE of the digits at several perplexities (12.3). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "examples/book/examples.h"

/* ---- Listing 12.1 ------------------------------------------------------------------------------ */

pr_status example_pca_from_scratch(const example_context *ctx) {
    pr_numpy_rng rng;
    pr_numpy_rng_seed(&rng, (uint32_t)ctx->seed);
    pr_tensor *X = NULL;
    pr_pca *p = NULL;
    pr_status st = pr_tensor_zeros(&X, PR_F64, PR_SHAPE(1000, 50));
    if (!st) st = pr_numpy_rng_fill_normal(&rng, X, 0, 1); /* np.random.seed(seed); np.random.randn(1000, 50) */
    pr_pca_config c = PR_PCA_DEFAULTS;
    c.n_components = 2;
    c.solver = PR_PCA_COVARIANCE; /* the listing's eigh of the 1/(m - 1) covariance */
    if (!st) st = pr_pca_fit(&p, &c, X);
    if (!st) {
        const pr_tensor *v = pr_pca_explained_variance(p);
        double kept = (pr_tensor_get(v, 0) + pr_tensor_get(v, 1)) / pr_pca_total_variance(p);
        fprintf(ctx->out, "Listing 12.1: PCA of X = np.random.randn(1000, 50) (np.random.seed(%llu)) to k = 2\n",
                (unsigned long long)ctx->seed);
        fprintf(ctx->out, "top eigenvalues of the covariance: %.4f %.4f (of 50, total %.4f)\n", pr_tensor_get(v, 0),
                pr_tensor_get(v, 1), pr_pca_total_variance(p));
        fprintf(ctx->out, "Retained %.1f%% of variance in 2D\n", 100 * kept);
        fprintf(ctx->out, "(isotropic noise has no low-dimensional structure: about 2/50 = 4%% plus the largest\n"
                          " sampling fluctuations)\n");
    }
    pr_pca_free(p);
    pr_tensor_free(X);
    return st;
}

/* ---- Example 12.1, Q12.4, Q12.8 ------------------------------------------------------------------ */

static void print_cumulative(FILE *f, const double *v, int n, int show) {
    double total = 0, sum = 0;
    for (int i = 0; i < n; i++) total += v[i];
    for (int i = 0; i < show; i++) {
        sum += v[i];
        fprintf(f, "  k = %-2d %6.1f%%\n", i + 1, 100 * sum / total);
    }
}

pr_status example_variance_retained(const example_context *ctx) {
    FILE *f = ctx->out;
    double ex[] = {10, 5, 2, 0.5, 0.1}, q4[] = {10, 5, 3, 1, 0.5, 0.3, 0.1, 0.1}, q8[50];
    fprintf(f, "Example 12.1: eigenvalues (10, 5, 2, 0.5, 0.1), total variance 17.6\n");
    print_cumulative(f, ex, 5, 3);
    fprintf(f, "components for 95%%: k = %lld\n\n", (long long)pr_components_for_variance(ex, 5, 0.95));
    fprintf(f, "Q12.4: eigenvalues (10, 5, 3, 1, 0.5, 0.3, 0.1, 0.1), total 20\n");
    print_cumulative(f, q4, 8, 3);
    fprintf(f, "components for 90%%: k = %lld (answer b)\n\n", (long long)pr_components_for_variance(q4, 8, 0.90));
    double total = 0;
    for (int k = 0; k < 50; k++) total += q8[k] = 1.0 / ((k + 1.0) * (k + 1.0));
    fprintf(f, "Q12.8: lambda_k = 1/k^2 for k = 1..50, total %.4f\n", total);
    double sum = 0;
    for (int k = 0; k < 10; k++) {
        sum += q8[k];
        if (k == 4 || k >= 6) fprintf(f, "  k = %-2d sum %.4f  %5.1f%%\n", k + 1, sum, 100 * sum / total);
    }
    fprintf(f, "components for 95%%: k = %lld\n", (long long)pr_components_for_variance(q8, 50, 0.95));
    return PR_OK;
}

/* ---- Q12.7 ----------------------------------------------------------------------------------------- */

static void print_eigen(FILE *f, const pr_tensor *w, const pr_tensor *V) {
    double l1 = pr_tensor_get(w, 0), l2 = pr_tensor_get(w, 1);
    double v1 = pr_tensor_get(V, 0), v2 = pr_tensor_get(V, 2), s = v1 + v2 < 0 ? -1 : 1;
    fprintf(f, "  eigenvalues %.3f and %.3f; PC1 explains %.1f%%; PC1 = (%.3f, %.3f)\n", l1, l2, 100 * l1 / (l1 + l2), s * v1,
            s * v2);
}

pr_status example_pca_worked(const example_context *ctx) {
    FILE *f = ctx->out;
    pr_tensor *X = NULL, *C = NULL, *w = NULL, *V = NULL, *B = NULL;
    double data[] = {2, 1, 3, 3, 5, 4, 6, 6, 8, 7};
    pr_status st = pr_tensor_from_array(&X, PR_F64, PR_SHAPE(5, 2), data);
    if (!st) st = pr_covariance(X, 0, &C); /* 1/m, as Q12.7 */
    if (!st) st = pr_eigh(C, PR_DESCENDING, &w, &V);
    if (!st) {
        fprintf(f, "Q12.7: X = (2,1) (3,3) (5,4) (6,6) (8,7); mean (4.8, 4.2)\n");
        fprintf(f, "covariance 1/m Xc^T Xc of the data:\n  [[%.3f, %.3f], [%.3f, %.3f]]\n", pr_tensor_get(C, 0),
                pr_tensor_get(C, 1), pr_tensor_get(C, 2), pr_tensor_get(C, 3));
        print_eigen(f, w, V);
        fprintf(f, "the book prints Xc^T Xc = [[22.96, 21.68], [21.68, 21.36]]; the centred data give\n"
                   "[[22.80, 22.20], [22.20, 22.80]] (e.g. 7.84 + 3.24 + 0.04 + 1.44 + 10.24 = 22.80).\n"
                   "With the book's printed covariance [[4.592, 4.336], [4.336, 4.272]]:\n");
        pr_tensor_free(w);
        pr_tensor_free(V);
        w = V = NULL;
        st = pr_tensor_from_array(&B, PR_F64, PR_SHAPE(2, 2), (const double[]){4.592, 4.336, 4.336, 4.272});
    }
    if (!st) st = pr_eigh(B, PR_DESCENDING, &w, &V);
    if (!st) {
        print_eigen(f, w, V);
        fprintf(f, "  (the book: 8.776 and 0.088, 99.0%%, about (0.716, 0.698)); either way the data lie\n"
                   "  almost on the 45-degree line\n");
    }
    pr_tensor_free(X);
    pr_tensor_free(C);
    pr_tensor_free(w);
    pr_tensor_free(V);
    pr_tensor_free(B);
    return st;
}

/* ---- Listing 12.3 ---------------------------------------------------------------------------------- */

/* np.random.multivariate_normal(mean, cov, n) of NumPy's legacy generator: standard
 * normals times sqrt(s) V from the SVD of the covariance, plus the mean. */
static pr_status multivariate_normal(pr_numpy_rng *rng, const double mean[2], const double cov[4], int64_t n, pr_tensor **out) {
    pr_tensor *Z = NULL, *C = NULL, *S = NULL, *Vt = NULL;
    pr_status st = pr_tensor_zeros(&Z, PR_F64, PR_SHAPE(n, 2));
    if (!st) st = pr_numpy_rng_fill_normal(rng, Z, 0, 1);
    if (!st) st = pr_tensor_from_array(&C, PR_F64, PR_SHAPE(2, 2), cov);
    if (!st) st = pr_svd(C, PR_SVD_FULL, NULL, &S, &Vt);
    if (!st) {
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 2; j++) pr_tensor_set(Vt, i * 2 + j, pr_tensor_get(Vt, i * 2 + j) * sqrt(pr_tensor_get(S, i)));
        st = pr_matmul(Z, Vt, out);
    }
    for (int64_t i = 0; !st && i < n; i++)
        for (int j = 0; j < 2; j++) pr_tensor_set(*out, i * 2 + j, pr_tensor_get(*out, i * 2 + j) + mean[j]);
    pr_tensor_free(Z);
    pr_tensor_free(C);
    pr_tensor_free(S);
    pr_tensor_free(Vt);
    return st;
}

pr_status example_listing_12_3_data(uint64_t seed, pr_tensor **X) {
    pr_numpy_rng rng;
    pr_numpy_rng_seed(&rng, (uint32_t)seed);
    return multivariate_normal(&rng, (const double[]){3, 5}, (const double[]){2, 1.5, 1.5, 3}, 200, X);
}

pr_status example_pca_visualization(const example_context *ctx) {
    pr_tensor *X = NULL, *Z = NULL;
    pr_pca *p = NULL;
    pr_figure *fig = NULL;
    pr_status st = example_listing_12_3_data(ctx->seed ? ctx->seed : 42, &X);
    pr_pca_config c = PR_PCA_DEFAULTS;
    c.n_components = 2; /* np.cov: 1/(m - 1) */
    if (!st) st = pr_pca_fit(&p, &c, X);
    if (!st) st = pr_pca_transform(p, X, &Z);
    if (!st) st = pr_figure_new(&fig, 1, 2, 1200, 500);
    if (!st) {
        const pr_tensor *v = pr_pca_explained_variance(p), *V = pr_pca_components(p), *mu = pr_pca_mean(p);
        double total = pr_pca_total_variance(p), x[200], y[200], zx[200], zy[200];
        fprintf(ctx->out, "Listing 12.3: 200 points of N((3, 5), [[2, 1.5], [1.5, 3]]) (np.random.seed(42))\n");
        fprintf(ctx->out, "mean (%.3f, %.3f)\n", pr_tensor_get(mu, 0), pr_tensor_get(mu, 1));
        for (int i = 0; i < 200; i++) {
            x[i] = pr_tensor_get(X, 2 * i);
            y[i] = pr_tensor_get(X, 2 * i + 1);
            zx[i] = pr_tensor_get(Z, 2 * i);
            zy[i] = pr_tensor_get(Z, 2 * i + 1);
        }
        pr_axes *ax = pr_figure_axes(fig, 0, 0);
        st = pr_axes_scatter(ax, x, y, 200, &(pr_style){.alpha = 0.4, .marker_size = 6});
        const char *colors[2] = {"red", "blue"};
        for (int k = 0; !st && k < 2; k++) {
            double ev = pr_tensor_get(v, k), len = 2 * sqrt(ev), ox = pr_tensor_get(mu, 0), oy = pr_tensor_get(mu, 1);
            double ux = pr_tensor_get(V, 2 * k), uy = pr_tensor_get(V, 2 * k + 1);
            char label[64];
            snprintf(label, sizeof label, "PC%d (%.1f%%)", k + 1, 100 * ev / total);
            fprintf(ctx->out, "%s: direction (%.3f, %.3f), variance %.3f\n", label, ux, uy, ev);
            st = pr_axes_arrow(ax, ox, oy, ox + ux * len, oy + uy * len, &(pr_style){.color = colors[k], .line_width = 2.5});
            if (!st)
                st = pr_axes_text(ax, ox + ux * len * 1.15, oy + uy * len * 1.15, label,
                                  &(pr_style){.color = colors[k], .font_size = 13});
        }
        if (!st) {
            pr_axes_set_xlabel(ax, "$x_1$");
            pr_axes_set_ylabel(ax, "$x_2$");
            pr_axes_set_title(ax, "Data with Principal Components");
            pr_axes_set_equal_aspect(ax, 1);
            pr_axes_set_grid(ax, 0.3);
            ax = pr_figure_axes(fig, 0, 1);
            st = pr_axes_scatter(ax, zx, zy, 200, &(pr_style){.color = "green", .alpha = 0.4, .marker_size = 6});
        }
        if (!st) {
            pr_axes_set_xlabel(ax, "PC1");
            pr_axes_set_ylabel(ax, "PC2");
            pr_axes_set_title(ax, "Data in PC Space (decorrelated)");
            pr_axes_set_equal_aspect(ax, 1);
            pr_axes_set_grid(ax, 0.3);
            /* the projected coordinates are uncorrelated */
            double sxy = 0;
            for (int i = 0; i < 200; i++) sxy += zx[i] * zy[i];
            fprintf(ctx->out, "covariance of PC1 and PC2 in the projection: %.2e (decorrelated)\n", sxy / 199);
            st = example_save_figure(ctx, fig, "pca_visualization.svg");
        }
    }
    pr_figure_free(fig);
    pr_pca_free(p);
    pr_tensor_free(X);
    pr_tensor_free(Z);
    return st;
}

/* ---- Q12.11: a scree plot of the digits ----------------------------------------------------------- */

pr_status example_scree_plot(const example_context *ctx) {
    pr_tensor *X = NULL;
    pr_pca *p = NULL;
    pr_figure *fig = NULL;
    pr_status st = pr_data_digits(&X, NULL);
    pr_pca_config c = PR_PCA_DEFAULTS;
    c.n_components = 64;
    if (!st) st = pr_pca_fit(&p, &c, X);
    if (!st) st = pr_figure_new(&fig, 1, 1, 800, 500);
    if (!st) {
        const pr_tensor *v = pr_pca_explained_variance(p);
        double total = pr_pca_total_variance(p), k[64], ratio[64], cum[64], sum = 0;
        for (int i = 0; i < 64; i++) {
            k[i] = i + 1;
            ratio[i] = 100 * pr_tensor_get(v, i) / total;
            cum[i] = (sum += ratio[i]);
        }
        int64_t k95 = pr_components_for_variance(pr_tensor_f64(v), 64, 0.95);
        fprintf(ctx->out, "Q12.11: the scree plot of the digits (1797 x 64)\n");
        fprintf(ctx->out, "PC1 and PC2 explain %.1f%% of the variance; %lld components retain 95%% (%.1f%%)\n",
                cum[1], (long long)k95, cum[k95 - 1]);
        pr_axes *ax = pr_figure_axes(fig, 0, 0);
        st = pr_axes_bar(ax, k, ratio, 64, 0.8, &(pr_style){.color = "C0", .label = "explained variance"});
        if (!st) st = pr_axes_line(ax, k, cum, 64, &(pr_style){.color = "C1", .marker = PR_MARKER_POINT, .label = "cumulative"});
        if (!st) st = pr_axes_hline(ax, 95, &(pr_style){.color = "gray", .dash = PR_DASH_DASHED, .label = "95%"});
        if (!st) st = pr_axes_vline(ax, (double)k95, &(pr_style){.color = "gray", .dash = PR_DASH_DOTTED});
        if (!st) {
            pr_axes_set_xlabel(ax, "component");
            pr_axes_set_ylabel(ax, "% of the variance");
            pr_axes_set_title(ax, "Scree plot: the digits");
            pr_axes_set_grid(ax, 0.3);
            pr_axes_set_legend(ax, PR_LEGEND_BEST);
            st = example_save_figure(ctx, fig, "scree_plot.svg");
        }
    }
    pr_figure_free(fig);
    pr_pca_free(p);
    pr_tensor_free(X);
    return st;
}

/* ---- section 12.1, Q12.1: distances concentrate as d grows ------------------------------------------ */

/* For m standard-normal points in d dimensions: the mean pairwise distance, and the
 * spread (max - min) / min of all pairwise distances. With unit_vectors, the points are
 * scaled to unit length first. */
static pr_status distance_spread(pr_rng *rng, int64_t m, int64_t d, int unit_vectors, double *mean, double *spread) {
    pr_tensor *X = NULL;
    pr_status st = pr_tensor_normal(&X, PR_F64, PR_SHAPE(m, d), 0, 1, rng);
    if (st) return st;
    double *x = pr_tensor_f64(X), lo = INFINITY, hi = 0, sum = 0;
    for (int64_t i = 0; unit_vectors && i < m; i++) {
        double s = 0;
        for (int64_t c = 0; c < d; c++) s += x[i * d + c] * x[i * d + c];
        for (int64_t c = 0; c < d; c++) x[i * d + c] /= sqrt(s);
    }
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = i + 1; j < m; j++) {
            double s = 0;
            for (int64_t c = 0; c < d; c++) s += (x[i * d + c] - x[j * d + c]) * (x[i * d + c] - x[j * d + c]);
            s = sqrt(s);
            lo = fmin(lo, s);
            hi = fmax(hi, s);
            sum += s;
        }
    *mean = sum / ((double)m * (double)(m - 1) / 2);
    *spread = (hi - lo) / lo;
    pr_tensor_free(X);
    return PR_OK;
}

pr_status example_curse_of_dimensionality(const example_context *ctx) {
    static const int64_t dims[] = {1, 2, 5, 10, 20, 50, 100, 200, 500, 1000};
    enum { N_DIMS = sizeof dims / sizeof dims[0], M = 200 };
    pr_rng rng;
    pr_rng_seed(&rng, ctx->seed);
    double spread[N_DIMS], dd[N_DIMS];
    pr_status st = PR_OK;
    fprintf(ctx->out, "Section 12.1, Q12.1: %d random points in d dimensions\n", M);
    fprintf(ctx->out, "%6s %14s %10s %16s %22s\n", "d", "mean distance", "sqrt(2d)", "unit vectors", "(max - min) / min");
    for (int i = 0; !st && i < N_DIMS; i++) {
        double mean, unit_mean, unit_spread;
        st = distance_spread(&rng, M, dims[i], 0, &mean, &spread[i]);
        if (!st) st = distance_spread(&rng, M, dims[i], 1, &unit_mean, &unit_spread);
        dd[i] = (double)dims[i];
        if (!st)
            fprintf(ctx->out, "%6lld %14.3f %10.3f %16.3f %22.3f\n", (long long)dims[i], mean, sqrt(2.0 * dims[i]),
                    unit_mean, spread[i]);
    }
    if (!st)
        fprintf(ctx->out, "Gaussian points are about sqrt(2d) apart and unit vectors about sqrt(2); the nearest and\n"
                          "the farthest pair differ less and less: nearest neighbours lose their meaning.\n"
                          "Covering [0, 1]^d with 10 points per axis takes 10^d points: 10^10 in 10 dimensions.\n");
    pr_figure *fig = NULL;
    if (!st) st = pr_figure_new(&fig, 1, 1, 800, 500);
    if (!st) {
        pr_axes *ax = pr_figure_axes(fig, 0, 0);
        st = pr_axes_line(ax, dd, spread, N_DIMS, &(pr_style){.marker = PR_MARKER_CIRCLE, .color = "C0"});
        if (!st) {
            pr_axes_set_log(ax, 1, 1);
            pr_axes_set_xlabel(ax, "dimension d");
            pr_axes_set_ylabel(ax, "(max - min) / min distance");
            pr_axes_set_title(ax, "Distances concentrate as d grows");
            pr_axes_set_grid(ax, 0.3);
            st = example_save_figure(ctx, fig, "curse_of_dimensionality.svg");
        }
    }
    pr_figure_free(fig);
    return st;
}

/* ---- section 12.3: t-SNE of the digits at three perplexities ---------------------------------------- */

pr_status example_tsne_perplexity(const example_context *ctx) {
    static const double perplexities[] = {5, 30, 50};
    pr_tensor *X = NULL, *y = NULL, *Y = NULL;
    pr_figure *fig = NULL;
    pr_status st = pr_data_digits(&X, &y);
    if (!st) st = pr_figure_new(&fig, 1, 3, 1500, 520);
    int64_t n = X ? X->shape[0] : 0;
    double *px = malloc((size_t)n * sizeof *px), *py = malloc((size_t)n * sizeof *py);
    int *cls = malloc((size_t)n * sizeof *cls);
    if (!st && (!px || !py || !cls)) st = PR_ERR_NOMEM;
    const char *names[10] = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
    if (!st) fprintf(ctx->out, "Section 12.3: t-SNE of the digits (1797 x 64), seed %llu\n", (unsigned long long)ctx->seed);
    for (int k = 0; !st && k < 3; k++) {
        pr_tsne_config c = PR_TSNE_DEFAULTS;
        c.perplexity = perplexities[k];
        c.seed = ctx->seed;
        pr_tsne_info info;
        double trust;
        st = pr_tsne(&c, X, &Y, &info);
        if (!st) st = pr_trustworthiness(X, Y, 10, &trust);
        if (!st)
            fprintf(ctx->out, "perplexity %2.0f: KL %.3f, trustworthiness %.4f (%s, %d iterations)\n", c.perplexity, info.kl,
                    trust, pr_tsne_method_name(info.method), info.iterations);
        for (int64_t i = 0; !st && i < n; i++) {
            px[i] = pr_tensor_get(Y, 2 * i);
            py[i] = pr_tensor_get(Y, 2 * i + 1);
            cls[i] = (int)pr_tensor_get(y, i);
        }
        pr_axes *ax = pr_figure_axes(fig, 0, k);
        if (!st) st = pr_axes_scatter_classes(ax, px, py, cls, n, k == 2 ? names : NULL, 10, &(pr_style){.marker_size = 3});
        if (!st) {
            char title[64];
            snprintf(title, sizeof title, "perplexity %.0f", c.perplexity);
            pr_axes_set_title(ax, title);
            if (k == 2) pr_axes_set_legend(ax, PR_LEGEND_BEST);
        }
        pr_tensor_free(Y);
        Y = NULL;
    }
    if (!st) {
        fprintf(ctx->out, "small perplexities see only close neighbours (many small clumps); larger ones give rounder\n"
                          "clusters. The distances between clusters mean nothing, and another seed moves them.\n");
        st = example_save_figure(ctx, fig, "tsne_perplexity.svg");
    }
    free(px);
    free(py);
    free(cls);
    pr_figure_free(fig);
    pr_tensor_free(X);
    pr_tensor_free(y);
    return st;
}

/* ---- section 12.4: autoencoders and a VAE on the digits ----------------------------------------- */

/* Train an autoencoder `spec` on the digits scaled to [0, 1] (BCE through its sigmoid). */
static pr_status train_on_digits(const char *spec, int64_t epochs, uint64_t seed, const pr_tensor *X, pr_model **m,
                                 pr_train_history **h) {
    pr_model_options o = PR_MODEL_DEFAULTS;
    o.seed = seed;
    pr_status st = pr_model_new(m, spec, 1, (int64_t[]){64}, &o);
    if (!st) st = pr_model_set_task(*m, PR_TASK_NONE, NULL, 0);
    if (!st) st = pr_model_set_targets(*m, PR_TARGET_RECONSTRUCTION, PR_NO_IGNORE);
    pr_train_options t = PR_TRAIN_DEFAULTS;
    t.epochs = epochs;
    t.seed = seed;
    t.val_fraction = 0;
    t.loss = pr_loss_defaults(PR_LOSS_BCE);
    if (!st) st = pr_train(*m, X, NULL, &t, h);
    return st;
}

/* Rows `rows` of X (n, 64) as 8x8 images in one row of the figure. */
static pr_status image_row(pr_figure *fig, int row, const pr_tensor *X, const int64_t *rows, int n, const char *title) {
    double px[64];
    pr_status st = PR_OK;
    for (int k = 0; !st && k < n; k++) {
        pr_axes *ax = pr_figure_axes(fig, row, k);
        for (int j = 0; j < 64; j++) px[j] = pr_tensor_get(X, rows[k] * 64 + j);
        st = pr_axes_image(ax, px, 8, 8, PR_CMAP_GRAY, 0, 1);
        pr_axes_set_axis_off(ax, 1);
        if (!st && k == 0) st = pr_axes_set_title(ax, title);
    }
    return st;
}

static pr_status digits_unit(pr_tensor **X, pr_tensor **y) {
    pr_status st = pr_data_digits(X, y);
    for (int64_t i = 0; !st && i < (*X)->size; i++) pr_tensor_f64(*X)[i] /= 16;
    return st;
}

pr_status example_autoencoder_reconstructions(const example_context *ctx) {
    pr_tensor *X = NULL, *y = NULL, *R = NULL, *Zp = NULL, *Rp = NULL;
    pr_model *m = NULL;
    pr_train_history *h = NULL;
    pr_pca *p = NULL;
    pr_figure *fig = NULL;
    pr_status st = digits_unit(&X, &y);
    /* Listing 12.2's layout (256, 128, a 32-value code, mirrored, sigmoid) for 64 pixels */
    if (!st) st = train_on_digits("autoencoder:256:128:32", 30, ctx->seed, X, &m, &h);
    if (!st) st = pr_model_reconstruct(m, X, &R);
    pr_pca_config pc = PR_PCA_DEFAULTS;
    pc.n_components = 32;
    if (!st) st = pr_pca_fit(&p, &pc, X);
    if (!st) st = pr_pca_transform(p, X, &Zp);
    if (!st) st = pr_pca_inverse_transform(p, Zp, &Rp);
    if (!st) {
        double ae = 0, pca = 0;
        for (int64_t i = 0; i < X->size; i++) {
            double d = pr_tensor_get(X, i) - pr_tensor_get(R, i), e = pr_tensor_get(X, i) - pr_tensor_get(Rp, i);
            ae += d * d;
            pca += e * e;
        }
        fprintf(ctx->out, "Listing 12.2 on the digits (pixels / 16): %s, %lld parameters\n", pr_model_spec(m),
                (long long)pr_model_param_count(m));
        fprintf(ctx->out, "trained 30 epochs with BCE: loss %.4f -> %.4f\n", h->train_loss[0], h->train_loss[h->epochs - 1]);
        fprintf(ctx->out, "mean squared reconstruction error per pixel: autoencoder (32-value code) %.4f, PCA (32 "
                          "components) %.4f\n", ae / (double)X->size, pca / (double)X->size);
        st = pr_figure_new(&fig, 3, 8, 800, 330);
    }
    int64_t rows[8] = {0, 1, 2, 3, 4, 5, 6, 7};
    if (!st) st = image_row(fig, 0, X, rows, 8, "original");
    if (!st) st = image_row(fig, 1, R, rows, 8, "autoencoder");
    if (!st) st = image_row(fig, 2, Rp, rows, 8, "PCA, 32");
    if (!st) st = example_save_figure(ctx, fig, "autoencoder_reconstructions.svg");
    pr_figure_free(fig);
    pr_pca_free(p);
    pr_train_history_free(h);
    pr_model_free(m);
    pr_tensor_free(X);
    pr_tensor_free(y);
    pr_tensor_free(R);
    pr_tensor_free(Zp);
    pr_tensor_free(Rp);
    return st;
}

pr_status example_vae_latent_space(const example_context *ctx) {
    pr_tensor *X = NULL, *y = NULL, *Z = NULL, *S = NULL;
    pr_model *m = NULL;
    pr_train_history *h = NULL;
    pr_figure *fig = NULL, *grid = NULL;
    pr_status st = digits_unit(&X, &y);
    if (!st) st = train_on_digits("vae-mlp:256:2", 60, ctx->seed, X, &m, &h);
    if (!st) st = pr_model_encode(m, X, &Z);
    if (!st) st = pr_model_sample(m, 16, ctx->seed, &S);
    if (!st) {
        int64_t e = h->epochs - 1;
        fprintf(ctx->out, "a VAE of the digits: %s\n", pr_model_spec(m));
        fprintf(ctx->out, "after 60 epochs: loss %.4f = reconstruction (BCE per pixel) %.4f + KL per pixel %.4f\n",
                h->train_loss[e], h->train_loss[e] - h->aux_train[0][e], h->aux_train[0][e]);
        fprintf(ctx->out, "negative ELBO per image: %.2f nats (times the 64 pixels)\n", 64 * h->train_loss[e]);
        st = pr_figure_new(&fig, 1, 1, 700, 600);
    }
    if (!st) {
        int64_t n = X->shape[0];
        double *zx = malloc((size_t)n * sizeof *zx), *zy = malloc((size_t)n * sizeof *zy);
        int *cls = malloc((size_t)n * sizeof *cls);
        const char *names[10] = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
        if (!zx || !zy || !cls) st = PR_ERR_NOMEM;
        for (int64_t i = 0; !st && i < n; i++) {
            zx[i] = pr_tensor_get(Z, 2 * i);
            zy[i] = pr_tensor_get(Z, 2 * i + 1);
            cls[i] = (int)pr_tensor_get(y, i);
        }
        pr_axes *ax = pr_figure_axes(fig, 0, 0);
        if (!st) st = pr_axes_scatter_classes(ax, zx, zy, cls, n, names, 10, &(pr_style){.marker_size = 4});
        if (!st) {
            pr_axes_set_title(ax, "A VAE's 2-D latent space (the means mu)");
            pr_axes_set_xlabel(ax, "$z_1$");
            pr_axes_set_ylabel(ax, "$z_2$");
            pr_axes_set_legend(ax, PR_LEGEND_BEST);
            st = example_save_figure(ctx, fig, "vae_latent_space.svg");
        }
        free(zx);
        free(zy);
        free(cls);
    }
    if (!st) st = pr_figure_new(&grid, 2, 8, 800, 220);
    int64_t first[8] = {0, 1, 2, 3, 4, 5, 6, 7}, second[8] = {8, 9, 10, 11, 12, 13, 14, 15};
    if (!st) st = image_row(grid, 0, S, first, 8, "z ~ N(0, I)");
    if (!st) st = image_row(grid, 1, S, second, 8, "decoded");
    if (!st) st = example_save_figure(ctx, grid, "vae_samples.svg");
    pr_figure_free(fig);
    pr_figure_free(grid);
    pr_train_history_free(h);
    pr_model_free(m);
    pr_tensor_free(X);
    pr_tensor_free(y);
    pr_tensor_free(Z);
    pr_tensor_free(S);
    return st;
}
