/* Convolution and pooling (chapter 10): the graph's im2col kernels against the
 * direct loops of pr_conv2d_reference, forward and backward against what PyTorch
 * computed (tests/fixtures/make_conv_fixtures.py), the plain-tensor correlate2d and
 * convolve2d against SciPy, the output-size formula, and bad shapes. */
#include <string.h>

#include "autograd/graph_internal.h"
#include "test_util.h"

static pr_tensor *fixture(const char *name, const char *part) {
    char path[128];
    snprintf(path, sizeof path, "conv/%s_%s.npy", name, part);
    return load_fixture(path);
}

/* A graph computing conv2d(x, w, b) with x, w and b as parameters set to the given values. */
typedef struct conv_graph {
    pr_graph *g;
    pr_node x, w, b, y;
} conv_graph;

/* The pool the graphs split their kernels over (NULL: none). */
static pr_threads *conv_pool;

static conv_graph conv_build(pr_dtype dtype, const pr_tensor *x, const pr_tensor *w, const pr_tensor *b,
                             const pr_conv2d_params *p) {
    conv_graph c;
    assert_ok(pr_graph_new(&c.g, dtype));
    pr_graph_set_threads(c.g, conv_pool);
    c.x = pr_g_param(c.g, "x", x->ndim, x->shape);
    c.w = pr_g_param(c.g, "w", w->ndim, w->shape);
    c.b = b ? pr_g_param(c.g, "b", b->ndim, b->shape) : pr_g_no_node();
    c.y = pr_g_conv2d(c.g, c.x, c.w, c.b, p);
    cr_assert_eq(pr_graph_status(c.g), PR_OK, "%s", pr_graph_error(c.g));
    assert_ok(pr_graph_set_value(c.g, c.x, x));
    assert_ok(pr_graph_set_value(c.g, c.w, w));
    if (b) assert_ok(pr_graph_set_value(c.g, c.b, b));
    return c;
}

static pr_tensor *value_of(pr_graph *g, pr_node n, int grad) {
    pr_tensor v, *copy;
    assert_ok(grad ? pr_graph_grad(g, n, &v) : pr_graph_value(g, n, &v));
    assert_ok(pr_tensor_cast(&v, PR_F64, &copy));
    return copy;
}

static const struct {
    const char *name;
    int bias;
    pr_conv2d_params p;
} torch_convs[] = {
    {"c1", 1, {{1, 1}, {1, 1}, {1, 1}}}, {"c2", 1, {{2, 1}, {1, 0}, {1, 2}}}, {"c3", 1, {{1, 1}, {0, 0}, {1, 1}}},
    {"c4", 0, {{3, 3}, {2, 2}, {1, 1}}}, {"c5", 1, {{2, 2}, {1, 1}, {2, 2}}},
};

/* forward and backward in float64 and float32 against F.conv2d and its autograd */
/* Every check runs twice: with the columns of a training pass kept for backward, and
 * rebuilt there (what large images get). */
/* Each layout also runs with its work split over pools of 2 and 3 workers (samples,
 * then output channels for the weight gradient). */
static void run_both_layouts(void (*check)(void)) {
    size_t saved = pr__conv2d_keep_limit;
    for (int workers = 1; workers <= 3; workers++) {
        if (workers > 1) assert_ok(pr_threads_new(&conv_pool, workers));
        check();
        pr__conv2d_keep_limit = 0;
        check();
        pr__conv2d_keep_limit = saved;
        pr_threads_free(conv_pool);
        conv_pool = NULL;
    }
}

static void check_pytorch(void) {
    for (size_t i = 0; i < sizeof torch_convs / sizeof torch_convs[0]; i++) {
        const char *name = torch_convs[i].name;
        pr_tensor *x = fixture(name, "x"), *w = fixture(name, "w"), *b = torch_convs[i].bias ? fixture(name, "b") : NULL;
        pr_tensor *y = fixture(name, "y"), *gy = fixture(name, "gy"), *gx = fixture(name, "gx"), *gw = fixture(name, "gw");
        pr_tensor *gb = b ? fixture(name, "gb") : NULL;
        for (int f32 = 0; f32 < 2; f32++) {
            double tol = f32 ? 2e-5 : 1e-12;
            conv_graph c = conv_build(f32 ? PR_F32 : PR_F64, x, w, b, &torch_convs[i].p);
            assert_ok(pr_graph_forward(c.g, c.y));
            pr_tensor *got = value_of(c.g, c.y, 0);
            assert_tensor_close(got, y, tol, tol, name);
            pr_tensor_free(got);
            assert_ok(pr_graph_zero_grad(c.g));
            assert_ok(pr_graph_backward_seed(c.g, c.y, gy));
            pr_tensor *dx = value_of(c.g, c.x, 1), *dw = value_of(c.g, c.w, 1);
            assert_tensor_close(dx, gx, tol, tol, "d input");
            assert_tensor_close(dw, gw, tol, tol, "d weight");
            pr_tensor_free(dx);
            pr_tensor_free(dw);
            if (b) {
                pr_tensor *db = value_of(c.g, c.b, 1);
                assert_tensor_close(db, gb, tol, tol, "d bias");
                pr_tensor_free(db);
            }
            pr_graph_free(c.g);
        }
        pr_tensor_free(x), pr_tensor_free(w), pr_tensor_free(b), pr_tensor_free(y);
        pr_tensor_free(gy), pr_tensor_free(gx), pr_tensor_free(gw), pr_tensor_free(gb);
    }
}

Test(conv, matches_pytorch_forward_and_backward) { run_both_layouts(check_pytorch); }

/* The fast path (im2col + gemm, the pointwise product) against the direct loops over
 * many shapes: odd sizes, strides, paddings, dilations, batches, non-square kernels. */
static void check_reference(void) {
    pr_rng rng;
    pr_rng_seed(&rng, 7);
    int checked = 0;
    for (int trial = 0; trial < 60; trial++) {
        int64_t N = 1 + pr_rng_below(&rng, 3), C = 1 + pr_rng_below(&rng, 4), O = 1 + pr_rng_below(&rng, 4);
        int64_t KH = 1 + pr_rng_below(&rng, 4), KW = 1 + pr_rng_below(&rng, 4);
        pr_conv2d_params p = {.stride = {1 + pr_rng_below(&rng, 3), 1 + pr_rng_below(&rng, 3)},
                              .padding = {pr_rng_below(&rng, 3), pr_rng_below(&rng, 3)},
                              .dilation = {1 + pr_rng_below(&rng, 2), 1 + pr_rng_below(&rng, 2)}};
        if (trial % 5 == 0) { /* the pointwise product */
            KH = KW = 1;
            p = PR_CONV2D_DEFAULTS;
        }
        int64_t H = KH * p.dilation[0] + pr_rng_below(&rng, 6), W = KW * p.dilation[1] + pr_rng_below(&rng, 6);
        pr_tensor *x, *w, *b = NULL, *want;
        assert_ok(pr_tensor_normal(&x, PR_F64, PR_SHAPE(N, C, H, W), 0, 1, &rng));
        assert_ok(pr_tensor_normal(&w, PR_F64, PR_SHAPE(O, C, KH, KW), 0, 1, &rng));
        if (trial % 2) assert_ok(pr_tensor_normal(&b, PR_F64, PR_SHAPE(O), 0, 1, &rng));
        assert_ok(pr_conv2d_reference(x, w, b, &p, &want));
        conv_graph c = conv_build(PR_F64, x, w, b, &p);
        assert_ok(pr_graph_forward(c.g, c.y));
        pr_tensor *got = value_of(c.g, c.y, 0);
        assert_tensor_close(got, want, 1e-12, 1e-12, "conv2d against the direct loops");
        checked++;
        pr_tensor_free(got);
        pr_graph_free(c.g);
        pr_tensor_free(x), pr_tensor_free(w), pr_tensor_free(b), pr_tensor_free(want);
    }
    cr_assert_eq(checked, 60);
}

Test(conv, im2col_path_matches_reference_loops) { run_both_layouts(check_reference); }

/* The backward pass on random shapes against finite differences (a float64 graph). */
static void check_gradients(void) {
    pr_rng rng;
    pr_rng_seed(&rng, 11);
    for (int trial = 0; trial < 12; trial++) {
        int64_t N = 1 + pr_rng_below(&rng, 2), C = 1 + pr_rng_below(&rng, 3), O = 1 + pr_rng_below(&rng, 3);
        int64_t KH = 1 + pr_rng_below(&rng, 3), KW = 1 + pr_rng_below(&rng, 3);
        pr_conv2d_params p = {.stride = {1 + pr_rng_below(&rng, 2), 1 + pr_rng_below(&rng, 2)},
                              .padding = {pr_rng_below(&rng, 2), pr_rng_below(&rng, 2)},
                              .dilation = {1 + pr_rng_below(&rng, 2), 1}};
        int64_t H = KH * p.dilation[0] + pr_rng_below(&rng, 4), W = KW + pr_rng_below(&rng, 4);
        pr_tensor *x, *w, *b, *r;
        assert_ok(pr_tensor_normal(&x, PR_F64, PR_SHAPE(N, C, H, W), 0, 1, &rng));
        assert_ok(pr_tensor_normal(&w, PR_F64, PR_SHAPE(O, C, KH, KW), 0, 1, &rng));
        assert_ok(pr_tensor_normal(&b, PR_F64, PR_SHAPE(O), 0, 1, &rng));
        conv_graph c = conv_build(PR_F64, x, w, b, &p);
        int nd;
        int64_t shape[PR_MAX_DIMS];
        assert_ok(pr_node_shape(c.g, c.y, &nd, shape));
        assert_ok(pr_tensor_normal(&r, PR_F64, nd, shape, 0, 1, &rng));
        pr_node loss = pr_g_sum(c.g, pr_g_mul(c.g, c.y, pr_g_const(c.g, "r", r)), PR_AXIS_ALL, 0);
        pr_gradcheck_report *rep;
        assert_ok(pr_gradcheck(c.g, loss, 1e-6, 0, &rep));
        cr_expect_leq(rep->max_rel_error, 1e-6, "trial %d: relative error %g", trial, rep->max_rel_error);
        pr_gradcheck_report_free(rep);
        pr_graph_free(c.g);
        pr_tensor_free(x), pr_tensor_free(w), pr_tensor_free(b), pr_tensor_free(r);
    }
}

Test(conv, backward_passes_gradcheck_on_random_shapes) { run_both_layouts(check_gradients); }

static const struct {
    const char *name;
    int max;
    pr_pool2d_params p;
} torch_pools[] = {
    {"max_2", 1, {{2, 2}, {2, 2}, {0, 0}, 1}},
    {"max_3s2p1", 1, {{3, 3}, {2, 2}, {1, 1}, 1}},
    {"max_3x2s1", 1, {{3, 2}, {1, 2}, {1, 0}, 1}},
    {"avg_2", 0, {{2, 2}, {PR_UNSET_INT, PR_UNSET_INT}, {0, 0}, 1}},
    {"avg_3s2p1", 0, {{3, 3}, {2, 2}, {1, 1}, 1}},
    {"avg_3s2p1_nopad", 0, {{3, 3}, {2, 2}, {1, 1}, 0}},
};

Test(conv, pooling_matches_pytorch) {
    for (size_t i = 0; i < sizeof torch_pools / sizeof torch_pools[0]; i++) {
        char name[64];
        snprintf(name, sizeof name, "pool_%s", torch_pools[i].name);
        pr_tensor *x = fixture(name, "x"), *y = fixture(name, "y"), *gy = fixture(name, "gy"), *gx = fixture(name, "gx");
        for (int f32 = 0; f32 < 2; f32++) {
            double tol = f32 ? 1e-6 : 1e-13;
            pr_graph *g;
            assert_ok(pr_graph_new(&g, f32 ? PR_F32 : PR_F64));
            pr_node xn = pr_g_param(g, "x", x->ndim, x->shape);
            pr_node yn = torch_pools[i].max ? pr_g_max_pool2d(g, xn, &torch_pools[i].p)
                                            : pr_g_avg_pool2d(g, xn, &torch_pools[i].p);
            cr_assert_eq(pr_graph_status(g), PR_OK, "%s", pr_graph_error(g));
            assert_ok(pr_graph_set_value(g, xn, x));
            assert_ok(pr_graph_forward(g, yn));
            pr_tensor *got = value_of(g, yn, 0);
            assert_tensor_close(got, y, tol, tol, name);
            assert_ok(pr_graph_zero_grad(g));
            assert_ok(pr_graph_backward_seed(g, yn, gy));
            pr_tensor *dx = value_of(g, xn, 1);
            assert_tensor_close(dx, gx, tol, tol, "pooling: d input");
            pr_tensor_free(got);
            pr_tensor_free(dx);
            pr_graph_free(g);
        }
        pr_tensor_free(x), pr_tensor_free(y), pr_tensor_free(gy), pr_tensor_free(gx);
    }
}

/* 10.3: a 2x2 max pool with stride 2 halves each side and keeps each block's maximum;
 * the gradient reaches only those maxima; global average pooling is each map's mean. */
Test(conv, pooling_by_hand) {
    pr_graph *g;
    assert_ok(pr_graph_new(&g, PR_F64));
    pr_node x = pr_g_param(g, "x", PR_SHAPE(1, 1, 4, 4));
    pr_node mp = pr_g_max_pool2d(g, x, NULL), gap = pr_g_global_avg_pool2d(g, x);
    pr_tensor *v = T64(PR_SHAPE(1, 1, 4, 4), 1, 3, 2, 1, 4, 2, 0, 1, 5, 6, 1, 2, 7, 8, 3, 9);
    pr_tensor *ones = T64(PR_SHAPE(1, 1, 2, 2), 1, 1, 1, 1);
    assert_ok(pr_graph_set_value(g, x, v));
    assert_ok(pr_graph_forward(g, mp));
    pr_tensor out;
    assert_ok(pr_graph_value(g, mp, &out));
    cr_assert_eq(out.ndim, 4);
    cr_assert_eq(out.shape[2], 2);
    assert_values_close(&out, (const double[]){4, 2, 8, 9}, 4, 0, 0, "max pool");
    assert_ok(pr_graph_zero_grad(g));
    assert_ok(pr_graph_backward_seed(g, mp, ones));
    assert_ok(pr_graph_grad(g, x, &out));
    assert_values_close(&out, (const double[]){0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1}, 16, 0, 0,
                        "gradient at the maxima");
    assert_ok(pr_graph_forward(g, gap));
    assert_ok(pr_graph_value(g, gap, &out));
    cr_assert_eq(out.ndim, 2);
    assert_near(pr_tensor_get(&out, 0), 55.0 / 16, 1e-15);
    pr_tensor_free(v);
    /* a tie: the first maximal element (in reading order) takes the gradient, as in PyTorch */
    v = T64(PR_SHAPE(1, 1, 4, 4), 0, 5, 1, 1, 5, 5, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2);
    assert_ok(pr_graph_set_value(g, x, v));
    assert_ok(pr_graph_forward(g, mp));
    assert_ok(pr_graph_zero_grad(g));
    assert_ok(pr_graph_backward_seed(g, mp, ones));
    assert_ok(pr_graph_grad(g, x, &out));
    assert_values_close(&out, (const double[]){0, 1, 1, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0}, 16, 0, 0,
                        "gradient at the first of tied maxima");
    pr_tensor_free(v);
    pr_tensor_free(ones);
    pr_graph_free(g);
}

/* Q10.7: the 2x2 kernel [[1,0],[0,1]] over [[1,0,1],[0,1,0],[1,0,1]] (valid) gives [[2,0],[0,2]]. */
Test(conv, q10_7_worked_example) {
    pr_tensor *img = T64(PR_SHAPE(3, 3), 1, 0, 1, 0, 1, 0, 1, 0, 1), *k = T64(PR_SHAPE(2, 2), 1, 0, 0, 1), *out;
    assert_ok(pr_correlate2d(img, k, PR_CONV_VALID, PR_BOUNDARY_ZERO, &out));
    cr_assert_eq(out->shape[0], 2);
    cr_assert_eq(out->shape[1], 2);
    assert_values_close(out, (const double[]){2, 0, 0, 2}, 4, 0, 0, "Q10.7");
    pr_tensor_free(out);
    /* the same through a conv layer's op: one sample, one channel, no bias */
    pr_graph *g;
    assert_ok(pr_graph_new(&g, PR_F64));
    pr_node x = pr_g_input(g, "x", PR_SHAPE(1, 1, 3, 3)), w = pr_g_param(g, "w", PR_SHAPE(1, 1, 2, 2));
    pr_node y = pr_g_conv2d(g, x, w, pr_g_no_node(), NULL);
    pr_tensor_reshape(img, PR_SHAPE(1, 1, 3, 3));
    pr_tensor_reshape(k, PR_SHAPE(1, 1, 2, 2));
    assert_ok(pr_graph_set_input(g, x, img));
    assert_ok(pr_graph_set_value(g, w, k));
    assert_ok(pr_graph_forward(g, y));
    pr_tensor v;
    assert_ok(pr_graph_value(g, y, &v));
    assert_values_close(&v, (const double[]){2, 0, 0, 2}, 4, 0, 0, "Q10.7 as conv2d");
    pr_graph_free(g);
    pr_tensor_free(img);
    pr_tensor_free(k);
}

/* correlate2d and convolve2d in every mode and boundary against scipy.signal */
Test(conv, correlate_and_convolve_match_scipy) {
    pr_tensor *img = load_fixture("conv/signal_image.npy");
    const char *modes[] = {"valid", "same", "full"}, *bounds[] = {"fill", "wrap"};
    const char *kernels[] = {"k3", "k2x4"};
    for (int k = 0; k < 2; k++) {
        char path[128];
        snprintf(path, sizeof path, "conv/signal_%s.npy", kernels[k]);
        pr_tensor *ker = load_fixture(path);
        for (int m = 0; m < 3; m++)
            for (int b = 0; b < 2; b++)
                for (int flip = 0; flip < 2; flip++) {
                    snprintf(path, sizeof path, "conv/signal_%s_%s_%s_%s.npy", kernels[k], flip ? "conv" : "corr",
                             modes[m], bounds[b]);
                    pr_tensor *want = load_fixture(path), *got;
                    assert_ok((flip ? pr_convolve2d : pr_correlate2d)(img, ker, (pr_conv_mode)m, (pr_conv_boundary)b,
                                                                      &got));
                    assert_tensor_close(got, want, 1e-13, 1e-13, path);
                    pr_tensor_free(got);
                    pr_tensor_free(want);
                }
        pr_tensor_free(ker);
    }
    pr_tensor_free(img);
}

/* 10.2's output-size formula and Q10.4, Q10.8, Q10.10's numbers */
Test(conv, output_size_formula) {
    int64_t n;
    assert_ok(pr_conv_output_size(32, 5, 0, 1, 1, &n)); /* Q10.4: 32x32, 5x5, stride 1, no padding */
    cr_assert_eq(n, 28);
    assert_ok(pr_conv_output_size(64, 3, 1, 1, 1, &n)); /* Q10.8: padding 1 keeps the size */
    cr_assert_eq(n, 64);
    assert_ok(pr_conv_output_size(64, 2, 0, 2, 1, &n)); /* Q10.8's 2x2 pool, stride 2 */
    cr_assert_eq(n, 32);
    assert_ok(pr_conv_output_size(32, 3, 0, 1, 1, &n)); /* Q10.10: a 3x3 filter on 32x32 gives 30x30 */
    cr_assert_eq(n, 30);
    assert_ok(pr_conv_output_size(224, 3, 0, 1, 1, &n)); /* 10.2: 222x222 */
    cr_assert_eq(n, 222);
    assert_ok(pr_conv_output_size(7, 3, 1, 2, 2, &n)); /* floor((7 + 2 - 4 - 1) / 2) + 1 */
    cr_assert_eq(n, 3);
    assert_fails(pr_conv_output_size(4, 7, 1, 1, 1, &n), PR_ERR_INVALID, "larger than the padded input");
    assert_fails(pr_conv_output_size(4, 3, 0, 0, 1, &n), PR_ERR_INVALID, "stride 0");
    assert_fails(pr_conv_output_size(4, 3, 0, 1, 0, &n), PR_ERR_INVALID, "dilation 0");
}

/* Q10.1, Q10.5 and 10.2's parameter arithmetic */
Test(conv, parameter_counts) {
    cr_assert_eq(pr_conv2d_param_count(3, 64, 3, 3, 1), 1792);  /* Q10.1 */
    cr_assert_eq(pr_conv2d_param_count(64, 1, 3, 3, 1), 577);   /* Q10.5 */
    cr_assert_eq(pr_conv2d_param_count(1, 1, 3, 3, 0), 9);      /* 10.2: 9 weights, plus a bias */
    cr_assert_eq(pr_conv2d_param_count(3, 32, 3, 3, 1), 896);   /* Q10.8 */
    cr_assert_eq(pr_conv2d_param_count(32, 64, 3, 3, 1), 18496);
    /* Q10.1's dense layer: 64 (224 224 3 + 1) = 9,633,856, "about 9.6 million", 5,376x the conv
     * layer (ERRATA: the book rounds it to 5,400x) */
    int64_t dense = 64 * (224 * 224 * 3 + 1);
    cr_assert_eq(dense, 9633856);
    cr_assert_eq(dense / pr_conv2d_param_count(3, 64, 3, 3, 1), 5376);
    /* 10.2: a dense map from 224x224 to 222x222 needs 224^2 222^2 = 2,472,873,984 weights
     * ("about 2.5 billion", ERRATA) */
    cr_assert_eq((int64_t)224 * 224 * 222 * 222, INT64_C(2472873984));
}

Test(conv, bad_shapes_are_errors) {
    pr_graph *g;
    assert_ok(pr_graph_new(&g, PR_F32));
    pr_node x = pr_g_input(g, "x", PR_SHAPE(-1, 3, 4, 4));
    pr_node w = pr_g_param(g, "w", PR_SHAPE(8, 2, 3, 3));
    pr_node y = pr_g_conv2d(g, x, w, pr_g_no_node(), NULL);
    cr_assert(!pr_node_is_valid(y));
    cr_assert_eq(pr_graph_status(g), PR_ERR_SHAPE);
    cr_assert(strstr(pr_graph_error(g), "channels differ"), "%s", pr_graph_error(g));
    pr_graph_free(g);

    assert_ok(pr_graph_new(&g, PR_F32));
    x = pr_g_input(g, "x", PR_SHAPE(-1, 1, 4, 4));
    w = pr_g_param(g, "w", PR_SHAPE(2, 1, 7, 7));
    y = pr_g_conv2d(g, x, w, pr_g_no_node(), &(pr_conv2d_params){{1, 1}, {1, 1}, {1, 1}});
    cr_assert(!pr_node_is_valid(y));
    cr_assert(strstr(pr_graph_error(g), "larger than the padded input"), "%s", pr_graph_error(g));
    pr_graph_free(g);

    assert_ok(pr_graph_new(&g, PR_F32));
    x = pr_g_input(g, "x", PR_SHAPE(-1, 1, 4, 4));
    w = pr_g_param(g, "w", PR_SHAPE(2, 1, 3, 3));
    y = pr_g_conv2d(g, x, w, pr_g_no_node(), &(pr_conv2d_params){{0, 1}, {0, 0}, {1, 1}});
    cr_assert(!pr_node_is_valid(y));
    cr_assert(strstr(pr_graph_error(g), "stride 0"), "%s", pr_graph_error(g));
    pr_graph_free(g);

    assert_ok(pr_graph_new(&g, PR_F32));
    x = pr_g_input(g, "x", PR_SHAPE(-1, 1, 4, 4));
    y = pr_g_max_pool2d(g, x, &(pr_pool2d_params){.kernel = {2, 2}, .stride = {2, 2}, .padding = {2, 0}});
    cr_assert(!pr_node_is_valid(y));
    cr_assert(strstr(pr_graph_error(g), "padding <= kernel / 2"), "%s", pr_graph_error(g));
    pr_graph_free(g);

    assert_ok(pr_graph_new(&g, PR_F32));
    x = pr_g_input(g, "x", PR_SHAPE(-1, 8));
    y = pr_g_avg_pool2d(g, x, NULL);
    cr_assert(!pr_node_is_valid(y));
    cr_assert(strstr(pr_graph_error(g), "(batch, channels, height, width)"), "%s", pr_graph_error(g));
    pr_graph_free(g);

    /* an input whose size is known only when set: the check happens at run time */
    assert_ok(pr_graph_new(&g, PR_F32));
    x = pr_g_input(g, "x", PR_SHAPE(-1, 1, -1, -1));
    w = pr_g_param(g, "w", PR_SHAPE(2, 1, 3, 3));
    y = pr_g_conv2d(g, x, w, pr_g_no_node(), NULL);
    cr_assert(pr_node_is_valid(y));
    pr_tensor *small;
    assert_ok(pr_tensor_zeros(&small, PR_F32, PR_SHAPE(1, 1, 2, 5)));
    assert_ok(pr_graph_set_input(g, x, small));
    assert_fails(pr_graph_forward(g, y), PR_ERR_SHAPE, "larger than the padded input");
    pr_tensor_free(small);
    pr_graph_free(g);

    pr_tensor *img = T64(PR_SHAPE(2, 2), 1, 2, 3, 4), *k = T64(PR_SHAPE(3, 3), 1, 1, 1, 1, 1, 1, 1, 1, 1), *out;
    assert_fails(pr_correlate2d(img, k, PR_CONV_VALID, PR_BOUNDARY_ZERO, &out), PR_ERR_SHAPE, "does not fit");
    pr_tensor_free(img);
    pr_tensor_free(k);
}
