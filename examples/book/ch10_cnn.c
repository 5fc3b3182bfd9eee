/* Chapter 10's examples: 2-D convolution and edge detection (Listing 10.1), five
 * kernels on a grid image (Listing 10.2), a kernel sliding over an input (Figure 10.1),
 * the shapes and parameters of a CNN (Figure 10.2, Q10.8) and of conv layers (Q10.1,
 * Q10.4, Q10.5, Q10.7, 10.2), and what a trained CNN learned (10.5). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "examples/book/examples.h"

/* Draw a 2-D tensor as a grey image panel with a title. */
static pr_status image_panel(pr_axes *ax, const pr_tensor *img, const char *title) {
    double *v = malloc((size_t)img->size * sizeof *v);
    if (!v) return PR_ERR_NOMEM;
    for (int64_t i = 0; i < img->size; i++) v[i] = pr_tensor_get(img, i);
    pr_status st = pr_axes_image(ax, v, img->shape[img->ndim - 2], img->shape[img->ndim - 1], PR_CMAP_GRAY, 0, 0);
    free(v);
    pr_axes_set_title(ax, title);
    pr_axes_set_axis_off(ax, 1);
    return st;
}

/* Whole-number matrices, each value right-aligned in `width` columns. */
static void print_matrix(FILE *out, const pr_tensor *t, const char *indent, int width) {
    int64_t rows = t->shape[0], cols = t->shape[1];
    for (int64_t i = 0; i < rows; i++) {
        fprintf(out, "%s", indent);
        for (int64_t j = 0; j < cols; j++) fprintf(out, "%*.0f", width, pr_tensor_get(t, i * cols + j));
        fprintf(out, "\n");
    }
}

/* ---- Listing 10.1 ---------------------------------------------------------------------------------------------- */

pr_status example_edge_detection(const example_context *ctx) {
    /* a 10x10 image holding a bright 4x4 square, as the listing's conv2d sees it */
    pr_tensor *img = NULL, *vk = NULL, *hk = NULL, *v = NULL, *h = NULL;
    pr_status st = pr_tensor_zeros(&img, PR_F64, PR_SHAPE(10, 10));
    for (int64_t i = 3; !st && i < 7; i++)
        for (int64_t j = 3; j < 7; j++) pr_tensor_f64(img)[i * 10 + j] = 1;
    if (!st) st = pr_tensor_from_array(&vk, PR_F64, PR_SHAPE(3, 3), (double[]){-1, 0, 1, -1, 0, 1, -1, 0, 1});
    if (!st) st = pr_tensor_from_array(&hk, PR_F64, PR_SHAPE(3, 3), (double[]){-1, -1, -1, 0, 0, 0, 1, 1, 1});
    if (!st) st = pr_correlate2d(img, vk, PR_CONV_VALID, PR_BOUNDARY_ZERO, &v);
    if (!st) st = pr_correlate2d(img, hk, PR_CONV_VALID, PR_BOUNDARY_ZERO, &h);
    if (!st) {
        fprintf(ctx->out, "Listing 10.1: conv2d (cross-correlation, valid) of a 10x10 image with a 4x4 bright square\n");
        fprintf(ctx->out, "output size: (10 - 3 + 1) x (10 - 3 + 1) = %lld x %lld\n", (long long)v->shape[0],
                (long long)v->shape[1]);
        fprintf(ctx->out, "vertical edge detector [[-1, 0, 1]] x 3: + on the square's left edge, - on its right\n");
        print_matrix(ctx->out, v, "  ", 4);
        fprintf(ctx->out, "horizontal edge detector: + on the top edge, - on the bottom\n");
        print_matrix(ctx->out, h, "  ", 4);
    }
    pr_figure *fig = NULL;
    if (!st) st = pr_figure_new(&fig, 1, 3, 900, 320);
    if (!st) st = image_panel(pr_figure_axes(fig, 0, 0), img, "Image");
    if (!st) st = image_panel(pr_figure_axes(fig, 0, 1), v, "Vertical edges");
    if (!st) st = image_panel(pr_figure_axes(fig, 0, 2), h, "Horizontal edges");
    if (!st) st = example_save_figure(ctx, fig, "edge_detection.svg");
    pr_figure_free(fig);
    pr_tensor *all[] = {img, vk, hk, v, h};
    for (int k = 0; k < 5; k++) pr_tensor_free(all[k]);
    return st;
}

/* ---- Listing 10.2 ---------------------------------------------------------------------------------------------- */

/* The listing's 64x64 image: a grid of ones every 8 pixels plus a left-to-right ramp 0..0.5. */
static pr_status grid_image(pr_tensor **out) {
    pr_status st = pr_tensor_zeros(out, PR_F64, PR_SHAPE(64, 64));
    if (st) return st;
    double *v = pr_tensor_f64(*out);
    for (int i = 0; i < 64; i++)
        for (int j = 0; j < 64; j++) v[i * 64 + j] = (i % 8 == 0 || j % 8 == 0 ? 1 : 0) + 0.5 * j / 63.0;
    return PR_OK;
}

static const char *const kernel_names[5] = {"Identity", "Edge (horizontal)", "Edge (vertical)", "Sharpen",
                                             "Gaussian blur"};
static const double kernels[5][9] = {
    {0, 0, 0, 0, 1, 0, 0, 0, 0},
    {-1, -1, -1, 0, 0, 0, 1, 1, 1},
    {-1, 0, 1, -1, 0, 1, -1, 0, 1},
    {0, -1, 0, -1, 5, -1, 0, -1, 0},
    {1 / 16.0, 2 / 16.0, 1 / 16.0, 2 / 16.0, 4 / 16.0, 2 / 16.0, 1 / 16.0, 2 / 16.0, 1 / 16.0},
};

pr_status example_convolution_kernels(const example_context *ctx) {
    pr_tensor *img = NULL;
    pr_figure *fig = NULL;
    pr_status st = grid_image(&img);
    if (!st) st = pr_figure_new(&fig, 1, 6, 1600, 300);
    if (!st) st = image_panel(pr_figure_axes(fig, 0, 0), img, "Original");
    if (!st) {
        fprintf(ctx->out, "Listing 10.2: a 64x64 grid + gradient image convolved (true convolution, mode 'same', "
                          "wrap-around boundary) with five kernels\n");
        fprintf(ctx->out, "  %-18s %9s %9s %9s\n", "kernel", "min", "max", "mean");
    }
    for (int k = 0; !st && k < 5; k++) {
        pr_tensor *ker = NULL, *out = NULL;
        double lo, hi, mean;
        st = pr_tensor_from_array(&ker, PR_F64, PR_SHAPE(3, 3), kernels[k]);
        if (!st) st = pr_convolve2d(img, ker, PR_CONV_SAME, PR_BOUNDARY_WRAP, &out);
        if (!st) st = pr_reduce_all(PR_MIN, out, 0, &lo);
        if (!st) st = pr_reduce_all(PR_MAX, out, 0, &hi);
        if (!st) st = pr_reduce_all(PR_MEAN, out, 0, &mean);
        if (!st) fprintf(ctx->out, "  %-18s %9.4f %9.4f %9.4f\n", kernel_names[k], lo, hi, mean);
        if (!st) st = image_panel(pr_figure_axes(fig, 0, k + 1), out, kernel_names[k]);
        pr_tensor_free(ker);
        pr_tensor_free(out);
    }
    if (!st)
        fprintf(ctx->out, "the edge maps have the opposite sign to cross-correlation's: convolution flips the kernel\n");
    if (!st) st = example_save_figure(ctx, fig, "convolution_kernels.svg");
    pr_figure_free(fig);
    pr_tensor_free(img);
    return st;
}

/* ---- Figure 10.1 ----------------------------------------------------------------------------------------------- */

/* A closed rectangle outline in data coordinates (cells are unit squares). */
static pr_status box(pr_axes *ax, double x0, double y0, double x1, double y1, const char *color, double width) {
    double x[5] = {x0, x1, x1, x0, x0}, y[5] = {y0, y0, y1, y1, y0};
    return pr_axes_line(ax, x, y, 5, &(pr_style){.color = color, .line_width = width});
}

pr_status example_sliding_kernel(const example_context *ctx) {
    const double input[25] = {1, 2, 0, 1, 3, 0, 1, 3, 2, 1, 2, 0, 1, 1, 0, 1, 3, 2, 0, 2, 0, 1, 1, 3, 1};
    const double kernel[9] = {1, 0, -1, 1, 0, -1, 1, 0, -1};
    pr_tensor *x = NULL, *k = NULL, *y = NULL;
    pr_status st = pr_tensor_from_array(&x, PR_F64, PR_SHAPE(5, 5), input);
    if (!st) st = pr_tensor_from_array(&k, PR_F64, PR_SHAPE(3, 3), kernel);
    if (!st) st = pr_correlate2d(x, k, PR_CONV_VALID, PR_BOUNDARY_ZERO, &y);
    if (!st) {
        fprintf(ctx->out, "Figure 10.1: a 3x3 kernel slides over a 5x5 input: (5 - 3)/1 + 1 = 3, a 3x3 output\n");
        fprintf(ctx->out, "input:\n");
        print_matrix(ctx->out, x, "  ", 3);
        fprintf(ctx->out, "kernel:\n");
        print_matrix(ctx->out, k, "  ", 3);
        fprintf(ctx->out, "output (each value the dot product of the kernel with one 3x3 patch):\n");
        print_matrix(ctx->out, y, "  ", 4);
        double s = 0;
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++) s += input[i * 5 + j] * kernel[i * 3 + j];
        fprintf(ctx->out, "top-left: sum of input[0:3, 0:3] * kernel = %g\n", s);
    }
    pr_figure *fig = NULL;
    const char *titles[3] = {"Input 5x5 (patch at (0, 0))", "Kernel 3x3", "Output 3x3"};
    const pr_tensor *parts[3] = {x, k, y};
    if (!st) st = pr_figure_new(&fig, 1, 3, 1000, 360);
    for (int p = 0; !st && p < 3; p++) {
        pr_axes *ax = pr_figure_axes(fig, 0, p);
        double v[25];
        for (int64_t i = 0; i < parts[p]->size; i++) v[i] = pr_tensor_get(parts[p], i);
        st = pr_axes_heatmap(ax, v, parts[p]->shape[0], parts[p]->shape[1], p == 1 ? PR_CMAP_RDBU_R : PR_CMAP_BLUES, 0,
                             0, "%.0f");
        pr_axes_set_title(ax, titles[p]);
        pr_axes_set_axis_off(ax, 1);
    }
    /* the patch under the kernel and the output value it gives */
    if (!st) st = box(pr_figure_axes(fig, 0, 0), -0.5, -0.5, 2.5, 2.5, "red", 3);
    if (!st) st = box(pr_figure_axes(fig, 0, 2), -0.5, -0.5, 0.5, 0.5, "red", 3);
    if (!st) st = example_save_figure(ctx, fig, "sliding_kernel.svg");
    pr_figure_free(fig);
    pr_tensor_free(x);
    pr_tensor_free(k);
    pr_tensor_free(y);
    return st;
}

/* ---- Q10.1, Q10.4, Q10.5, Q10.7, Q10.10, 10.2 ------------------------------------------------------------------ */

pr_status example_conv_arithmetic(const example_context *ctx) {
    FILE *o = ctx->out;
    int64_t n, conv = pr_conv2d_param_count(3, 64, 3, 3, 1), dense = 64 * (224 * 224 * 3 + 1);
    fprintf(o, "Q10.1: 64 filters of 3x3 on a 224x224x3 image: 64 (3 3 3 + 1) = %lld parameters\n", (long long)conv);
    fprintf(o, "       a dense layer of 64 units on it: 64 (224 224 3 + 1) = %lld (about %.1f million), %lldx more\n",
            (long long)dense, dense / 1e6, (long long)(dense / conv));
    pr_status st = pr_conv_output_size(32, 5, 0, 1, 1, &n);
    if (!st) fprintf(o, "Q10.4: 32x32x3, 16 filters of 5x5, stride 1, no padding: %lld x %lld x 16\n", (long long)n, (long long)n);
    if (!st) fprintf(o, "Q10.5: one 3x3 filter on 64 channels: 3 3 64 + 1 = %lld parameters\n",
                     (long long)pr_conv2d_param_count(64, 1, 3, 3, 1));
    pr_tensor *img = NULL, *k = NULL, *out = NULL;
    if (!st) st = pr_tensor_from_array(&img, PR_F64, PR_SHAPE(3, 3), (double[]){1, 0, 1, 0, 1, 0, 1, 0, 1});
    if (!st) st = pr_tensor_from_array(&k, PR_F64, PR_SHAPE(2, 2), (double[]){1, 0, 0, 1});
    if (!st) st = pr_correlate2d(img, k, PR_CONV_VALID, PR_BOUNDARY_ZERO, &out);
    if (!st) {
        fprintf(o, "Q10.7: [[1,0,1],[0,1,0],[1,0,1]] with the kernel [[1,0],[0,1]] (valid):\n");
        print_matrix(o, out, "  ", 3);
    }
    if (!st) st = pr_conv_output_size(32, 3, 0, 1, 1, &n);
    int64_t same;
    if (!st) st = pr_conv_output_size(32, 3, 1, 1, 1, &same);
    if (!st) fprintf(o, "Q10.10: a 3x3 filter on 32x32: %lld x %lld without padding, %lld x %lld with p = 1 ('same')\n",
                     (long long)n, (long long)n, (long long)same, (long long)same);
    if (!st) st = pr_conv_output_size(224, 3, 0, 1, 1, &n);
    if (!st)
        fprintf(o, "10.2: a 3x3 kernel on 224x224 has %lld parameters (plus a bias) and gives %lld x %lld; a dense map "
                   "224^2 -> 222^2 needs %lld (\"about 2.5 billion\")\n",
                (long long)pr_conv2d_param_count(1, 1, 3, 3, 0), (long long)n, (long long)n,
                (long long)(INT64_C(224) * 224 * 222 * 222));
    pr_tensor_free(img);
    pr_tensor_free(k);
    pr_tensor_free(out);
    return st;
}

/* ---- Figure 10.2 and Q10.8 ------------------------------------------------------------------------------------- */

/* One stage of the pipeline as a box: height from the spatial size, width from the channels. */
static pr_status stage_box(pr_axes *ax, double x, double side, double channels, const char *label, const char *color) {
    double h = 1 + 5 * side / 64.0, w = 0.3 + 0.35 * log2(channels + 1);
    double bx[5] = {x, x + w, x + w, x, x}, by[5] = {-h / 2, -h / 2, h / 2, h / 2, -h / 2};
    double top[2] = {h / 2, h / 2}, bottom[2] = {-h / 2, -h / 2}, xs[2] = {x, x + w};
    pr_status st = pr_axes_fill_between(ax, xs, bottom, top, NULL, 2, &(pr_style){.color = color, .alpha = 0.35});
    if (!st) st = pr_axes_line(ax, bx, by, 5, &(pr_style){.color = "black", .line_width = 1});
    if (!st) st = pr_axes_text(ax, x, -h / 2 - 0.7, label, &(pr_style){.font_size = 10});
    return st;
}

pr_status example_cnn_pipeline(const example_context *ctx) {
    /* Q10.8's network on 64x64x3, then a classifier head as Figure 10.2 draws it */
    const char *spec = "conv:32:3:1:1,relu,maxpool:2,conv:64:3:1:1,relu,maxpool:2,flatten,dense:10";
    pr_model *m = NULL;
    pr_status st = pr_model_new(&m, spec, PR_SHAPE(3, 64, 64), NULL);
    if (!st) {
        fprintf(ctx->out, "Q10.8: input 64x64x3; conv 32@3x3 (p 1), pool 2, conv 64@3x3 (p 1), pool 2 (then Figure "
                          "10.2's flatten and dense head)\n");
        st = pr_model_summary(m, ctx->out);
    }
    pr_figure *fig = NULL;
    if (!st) {
        int64_t conv1 = 0, conv2 = 0;
        pr_tensor w;
        if (!pr_model_tensor(m, "0.weight", &w)) conv1 = w.size + 32;
        if (!pr_model_tensor(m, "3.weight", &w)) conv2 = w.size + 64;
        fprintf(ctx->out, "conv layers: %lld + %lld = %lld parameters (the book's 896 + 18,496 = 19,392)\n",
                (long long)conv1, (long long)conv2, (long long)(conv1 + conv2));
        st = pr_figure_new(&fig, 1, 1, 1100, 420);
    }
    if (!st) {
        pr_axes *ax = pr_figure_axes(fig, 0, 0);
        pr_axes_set_title(ax, "A CNN: Conv+ReLU extracts features, max pooling halves the size, the dense layer predicts");
        pr_axes_set_axis_off(ax, 1);
        pr_axes_set_xlim(ax, -0.5, 17);
        pr_axes_set_ylim(ax, -5.5, 4.5);
        struct {
            const char *label, *color;
            double side, channels;
        } stages[] = {{"input 64x64x3", "#999999", 64, 3},        {"conv+ReLU 64x64x32", "#1f77b4", 64, 32},
                      {"pool 32x32x32", "#ff7f0e", 32, 32},        {"conv+ReLU 32x32x64", "#1f77b4", 32, 64},
                      {"pool 16x16x64", "#ff7f0e", 16, 64},        {"flatten 16384", "#999999", 1, 1},
                      {"dense 10", "#2ca02c", 1, 10}};
        double x = 0;
        for (size_t s = 0; !st && s < sizeof stages / sizeof stages[0]; s++) {
            double w = 0.3 + 0.35 * log2(stages[s].channels + 1);
            st = stage_box(ax, x, stages[s].side, stages[s].channels, stages[s].label, stages[s].color);
            if (!st && s + 1 < sizeof stages / sizeof stages[0])
                st = pr_axes_arrow(ax, x + w + 0.1, 0, x + w + 0.8, 0, &(pr_style){.color = "black"});
            x += w + 1.0;
        }
    }
    if (!st) st = example_save_figure(ctx, fig, "cnn_pipeline.svg");
    pr_figure_free(fig);
    pr_model_free(m);
    return st;
}

/* ---- 10.5: what a trained CNN learned -------------------------------------------------------------------------- */

/* The first convolution of the model: its layer index and weight (O, C, K, K). */
static int first_conv(const pr_model *m, pr_tensor *weight) {
    for (int64_t i = 0; i < pr_model_tensor_count(m); i++) {
        const char *name = pr_model_tensor_name(m, i), *dot = strchr(name, '.');
        pr_tensor t;
        if (!dot || strcmp(dot, ".weight") || pr_model_tensor(m, name, &t) || t.ndim != 4) continue;
        *weight = t;
        return atoi(name);
    }
    return -1;
}

/* One image the model can take: the first Fashion-MNIST test image for 28x28
 * models (when installed), the first digit for 8x8 ones. */
static pr_status sample_image(const pr_model *m, pr_tensor **x, const char **what) {
    int64_t size = pr_model_input_size(m);
    pr_tensor *X = NULL, *y = NULL;
    pr_status st;
    if (size == 64) {
        *what = "the first handwritten digit";
        st = pr_data_digits(&X, &y);
    } else if (size == 784) {
        *what = "the first Fashion-MNIST test image";
        st = pr_data_fashion_mnist(NULL, PR_DATA_TEST, &X, &y);
    } else {
        return example_fail(PR_ERR_SHAPE, "the model takes %lld values per image; this example has 8x8 digits and "
                                          "28x28 Fashion-MNIST images",
                            (long long)size);
    }
    if (!st) {
        int64_t shape[PR_MAX_DIMS + 1] = {1};
        int nd = pr_model_input_shape(m, shape + 1);
        pr_tensor row;
        st = pr_tensor_view_rows(X, 0, 1, &row);
        if (!st) st = pr_tensor_cast(&row, PR_F32, x);
        if (!st) st = pr_tensor_reshape(*x, nd + 1, shape);
    }
    pr_tensor_free(X);
    pr_tensor_free(y);
    return st;
}

/* A grid of panels, one per map of `maps` (count x rows x cols). */
static pr_status map_grid(const example_context *ctx, const double *maps, int64_t count, int64_t rows, int64_t cols,
                          const char *title, const char *file) {
    int per_row = count < 8 ? (int)count : 8, grid_rows = (int)((count + per_row - 1) / per_row);
    pr_figure *fig;
    pr_status st = pr_figure_new(&fig, grid_rows, per_row, 110.0 * per_row + 40, 120.0 * grid_rows + 60);
    if (!st) st = pr_figure_suptitle(fig, title);
    for (int64_t k = 0; !st && k < (int64_t)grid_rows * per_row; k++) {
        pr_axes *ax = pr_figure_axes(fig, (int)(k / per_row), (int)(k % per_row));
        pr_axes_set_axis_off(ax, 1);
        if (k >= count) continue;
        char name[32];
        snprintf(name, sizeof name, "%lld", (long long)k);
        st = pr_axes_image(ax, maps + k * rows * cols, rows, cols, PR_CMAP_GRAY, 0, 0);
        pr_axes_set_title(ax, name);
    }
    if (!st) st = example_save_figure(ctx, fig, file);
    pr_figure_free(fig);
    return st;
}

pr_status example_cnn_filters(const example_context *ctx) {
    pr_model *m = NULL;
    pr_status st = PR_OK;
    if (ctx->model) {
        st = pr_model_load(ctx->model, &m);
        if (!st) fprintf(ctx->out, "10.5: what %s learned\n", ctx->model);
    } else { /* no model given: train the small CNN on the digits for a few epochs */
        pr_tensor *X = NULL, *y = NULL;
        pr_model_options mo = PR_MODEL_DEFAULTS;
        mo.outputs = 10;
        mo.seed = ctx->seed;
        pr_train_options to = PR_TRAIN_DEFAULTS;
        to.epochs = 5;
        to.seed = ctx->seed;
        pr_train_history *h = NULL;
        st = pr_data_digits(&X, &y);
        if (!st) st = pr_model_new(&m, "cnn", PR_SHAPE(64), &mo);
        if (!st) st = pr_model_set_task(m, PR_TASK_CLASSIFICATION, NULL, 10);
        if (!st) st = pr_train(m, X, y, &to, &h);
        if (!st)
            fprintf(ctx->out, "10.5: a CNN (%s) trained 5 epochs on the raw 8x8 digits (training accuracy %.3f)\n",
                    pr_model_spec(m), h->train_metric[h->epochs - 1]);
        pr_train_history_free(h);
        pr_tensor_free(X);
        pr_tensor_free(y);
    }
    pr_tensor w;
    int layer = st ? -1 : first_conv(m, &w);
    if (!st && layer < 0) st = example_fail(PR_ERR_NOT_FOUND, "the model has no convolution layer");
    double *maps = NULL;
    if (!st) { /* the first layer's filters, channel 0 of each */
        int64_t O = w.shape[0], K = w.shape[2] * w.shape[3];
        maps = malloc((size_t)(O * K) * sizeof *maps);
        if (!maps) st = PR_ERR_NOMEM;
        for (int64_t o = 0; !st && o < O; o++)
            for (int64_t j = 0; j < K; j++) maps[o * K + j] = pr_tensor_get(&w, o * w.shape[1] * K + j);
        if (!st) fprintf(ctx->out, "first-layer filters: %lld of %lldx%lld (layer %d)\n", (long long)O,
                         (long long)w.shape[2], (long long)w.shape[3], layer);
        if (!st) st = map_grid(ctx, maps, O, w.shape[2], w.shape[3], "First-layer filters", "cnn_filters.svg");
        free(maps);
        maps = NULL;
    }
    /* the feature maps of one image after that layer (and its ReLU, when one follows) */
    pr_tensor *x = NULL, *prepared = NULL;
    const char *what = "";
    if (!st) st = sample_image(m, &x, &what);
    if (!st) st = pr_model_prepare_input(m, x, &prepared);
    pr_graph *g = pr_model_graph(m);
    pr_node out = pr_model_layer_output(m, layer);
    if (layer + 1 < pr_model_layer_count(m) && strstr(pr_model_spec(m), ",relu")) {
        pr_node next = pr_model_layer_output(m, layer + 1);
        int nd1, nd2;
        int64_t s1[PR_MAX_DIMS], s2[PR_MAX_DIMS];
        if (!pr_node_shape(g, out, &nd1, s1) && !pr_node_shape(g, next, &nd2, s2) && nd1 == nd2 && s1[1] == s2[1] &&
            s1[2] == s2[2])
            out = next; /* the activation keeps the maps' shape */
    }
    int was_training = pr_graph_training(g);
    pr_graph_set_training(g, 0);
    if (!st) st = pr_graph_set_input(g, pr_model_input(m), prepared);
    if (!st) st = pr_graph_forward(g, out);
    pr_tensor v;
    if (!st) st = pr_graph_value(g, out, &v);
    pr_graph_set_training(g, was_training);
    if (!st && v.ndim != 4) st = example_fail(PR_ERR_SHAPE, "layer %d's output is not a stack of maps", layer);
    if (!st) {
        int64_t C = v.shape[1], P = v.shape[2] * v.shape[3];
        maps = malloc((size_t)(C * P) * sizeof *maps);
        if (!maps) st = PR_ERR_NOMEM;
        for (int64_t i = 0; !st && i < C * P; i++) maps[i] = pr_tensor_get(&v, i);
        if (!st) fprintf(ctx->out, "feature maps of %s: %lld of %lldx%lld\n", what, (long long)C, (long long)v.shape[2],
                         (long long)v.shape[3]);
        if (!st) st = map_grid(ctx, maps, C, v.shape[2], v.shape[3], "Feature maps of one image", "cnn_feature_maps.svg");
        free(maps);
    }
    pr_tensor_free(x);
    pr_tensor_free(prepared);
    pr_model_free(m);
    return st;
}
