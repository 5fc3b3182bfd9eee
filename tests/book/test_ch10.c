/* Chapter 10 (convolutional networks): Listing 10.2's five kernels against SciPy, the
 * model summary of Q10.8 (896, 18,496, 19,392), LeNet-5's layout and parameters, a
 * residual block's projection shortcut, the chapter's examples as `primer example`
 * runs them, and a CNN trained on the embedded digits. (The convolution arithmetic
 * of Q10.1, Q10.4, Q10.5, Q10.7 and 10.2 is in tests/autograd/test_conv.c.) */
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

/* Listing 10.2's image: np.zeros((64, 64)); img[::8, :] = 1; img[:, ::8] = 1; plus a ramp */
static pr_tensor *grid_image(void) {
    pr_tensor *img;
    assert_ok(pr_tensor_zeros(&img, PR_F64, PR_SHAPE(64, 64)));
    for (int i = 0; i < 64; i++)
        for (int j = 0; j < 64; j++) pr_tensor_f64(img)[i * 64 + j] = (i % 8 == 0 || j % 8 == 0) + 0.5 * j / 63.0;
    return img;
}

Test(ch10, listing_10_2_five_kernels_match_scipy) {
    pr_tensor *img = grid_image(), *want = load_fixture("conv/listing_10_2_image.npy");
    assert_tensor_close(img, want, 0, 1e-15, "the grid image");
    pr_tensor_free(want);
    static const struct {
        const char *name;
        double k[9];
    } kernels[] = {
        {"identity", {0, 0, 0, 0, 1, 0, 0, 0, 0}},
        {"edge_horizontal", {-1, -1, -1, 0, 0, 0, 1, 1, 1}},
        {"edge_vertical", {-1, 0, 1, -1, 0, 1, -1, 0, 1}},
        {"sharpen", {0, -1, 0, -1, 5, -1, 0, -1, 0}},
        {"gaussian_blur", {1 / 16.0, 2 / 16.0, 1 / 16.0, 2 / 16.0, 4 / 16.0, 2 / 16.0, 1 / 16.0, 2 / 16.0, 1 / 16.0}},
    };
    for (size_t i = 0; i < 5; i++) {
        char path[128];
        snprintf(path, sizeof path, "conv/listing_10_2_%s.npy", kernels[i].name);
        pr_tensor *k, *got, *corr;
        assert_ok(pr_tensor_from_array(&k, PR_F64, PR_SHAPE(3, 3), kernels[i].k));
        assert_ok(pr_convolve2d(img, k, PR_CONV_SAME, PR_BOUNDARY_WRAP, &got));
        want = load_fixture(path);
        assert_tensor_close(got, want, 1e-14, 1e-14, path);
        /* CHECKLIST: the edge maps of true convolution are cross-correlation's with the sign flipped */
        assert_ok(pr_correlate2d(img, k, PR_CONV_SAME, PR_BOUNDARY_WRAP, &corr));
        if (i == 1 || i == 2)
            for (int64_t j = 0; j < got->size; j++) assert_near(pr_tensor_get(got, j), -pr_tensor_get(corr, j), 1e-14);
        pr_tensor_free(k), pr_tensor_free(got), pr_tensor_free(corr), pr_tensor_free(want);
    }
    pr_tensor_free(img);
}

/* Q10.8: conv 32@3x3 p1, pool 2, conv 64@3x3 p1, pool 2 on 64x64x3 */
Test(ch10, q10_8_shapes_and_parameters) {
    pr_model *m;
    assert_ok(pr_model_new(&m, "conv:32:3:1:1,maxpool:2,conv:64:3:1:1,maxpool:2", PR_SHAPE(3, 64, 64), NULL));
    int64_t want[4][4] = {{32, 64, 64, 896}, {32, 32, 32, 0}, {64, 32, 32, 18496}, {64, 16, 16, 0}};
    pr_graph *g = pr_model_graph(m);
    for (int i = 0; i < 4; i++) {
        int nd;
        int64_t s[PR_MAX_DIMS];
        assert_ok(pr_node_shape(g, pr_model_layer_output(m, i), &nd, s));
        cr_assert(nd == 4 && s[1] == want[i][0] && s[2] == want[i][1] && s[3] == want[i][2],
                  "layer %d: (N, %lld, %lld, %lld)", i, (long long)s[1], (long long)s[2], (long long)s[3]);
    }
    cr_assert_eq(pr_model_param_count(m), 19392);
    int64_t counted;
    assert_ok(pr_spec_param_count("conv:32:3:1:1", PR_SHAPE(3, 64, 64), 0, &counted));
    cr_assert_eq(counted, 896);
    /* the summary prints each layer's output shape and parameters */
    char path[256];
    snprintf(path, sizeof path, "%s/q10_8_summary.txt", test_build_dir());
    FILE *f = fopen(path, "w+");
    cr_assert_not_null(f);
    assert_ok(pr_model_summary(m, f));
    rewind(f);
    char text[4096];
    text[fread(text, 1, sizeof text - 1, f)] = '\0';
    fclose(f);
    assert_contains(text, "(N, 32, 64, 64)             896");
    assert_contains(text, "(N, 64, 32, 32)           18496");
    assert_contains(text, "(N, 64, 16, 16)               0");
    assert_contains(text, "total: 19392 trainable parameters");
    pr_model_free(m);
}

/* LeNet-5: 61,706 parameters with a 10-way head, the 28x28 input padded by 2 so the
 * maps are 6@28x28, 6@14x14, 16@10x10, 16@5x5 as in the 1998 layout. */
Test(ch10, lenet5_layout) {
    pr_model *m;
    pr_model_options o = PR_MODEL_DEFAULTS;
    o.outputs = 10;
    assert_ok(pr_model_new(&m, "lenet5", PR_SHAPE(1, 28, 28), &o));
    cr_assert_eq(pr_model_param_count(m), 61706);
    assert_contains(pr_model_spec(m), "conv:6:5:1:2:1,relu,maxpool:2:2:0,conv:16:5:1:0:1,relu,maxpool:2:2:0,flatten,"
                                      "dense:120,relu,dense:84,relu,dense:10");
    pr_model_free(m);
    /* 32x32 as LeCun had it: no padding, the same maps; flat rows of 1024 pixels first reshape */
    assert_ok(pr_model_new(&m, "lenet5", PR_SHAPE(1024), &o));
    cr_assert_eq(pr_model_param_count(m), 61706);
    assert_contains(pr_model_spec(m), "reshape:1:32:32,conv:6:5:1:0:1,");
    pr_model_free(m);
}

/* 10.6: ResNet's basic block; a block that halves the size and doubles the maps gets
 * torchvision's downsample shortcut (1x1 conv with stride 2, batch norm). */
Test(ch10, resnet_blocks_and_projection_shortcut) {
    pr_model *m;
    assert_ok(pr_model_new(&m, "conv:16:3:1:1,resblock:16,resblock:32:2", PR_SHAPE(3, 8, 8), NULL));
    const char *names[] = {"1.body.0.weight", "1.body.1.running_var", "3.body.0.weight", "3.downsample.0.weight",
                           "3.downsample.1.weight", "3.downsample.1.num_batches_tracked"};
    for (int i = 0; i < 6; i++) {
        pr_tensor t;
        assert_ok(pr_model_tensor(m, names[i], &t));
        if (i == 3) cr_assert(t.ndim == 4 && t.shape[0] == 32 && t.shape[1] == 16 && t.shape[2] == 1);
    }
    pr_tensor none;
    cr_assert_neq(pr_model_tensor(m, "1.downsample.0.weight", &none), PR_OK, "an identity shortcut has no weights");
    int64_t shape[PR_MAX_DIMS];
    cr_assert_eq(pr_model_output_shape(m, shape), 3);
    cr_assert(shape[0] == 32 && shape[1] == 4 && shape[2] == 4);
    pr_model_free(m);
}

Test(ch10, examples_print_the_numbers_and_draw) {
    static const struct {
        const char *name, *expect[3], *file;
    } cases[] = {
        {"listing-10.1", {"output size: (10 - 3 + 1) x (10 - 3 + 1) = 8 x 8", "     0   3   3   0   0  -3  -3   0", NULL},
         "edge_detection.svg"},
        {"listing-10.2", {"Edge (horizontal)    -3.0000    3.0000", "Gaussian blur         0.0159    1.1944", NULL},
         "convolution_kernels.svg"},
        {"figure-10.1", {"(5 - 3)/1 + 1 = 3", "top-left: sum of input[0:3, 0:3] * kernel = -1", NULL}, "sliding_kernel.svg"},
        {"q10.1", {"= 1792 parameters", "= 9633856 (about 9.6 million), 5376x more", "Q10.4: 32x32x3, 16 filters of 5x5, stride 1, no padding: 28 x 28 x 16"},
         NULL},
        {"figure-10.2", {"conv layers: 896 + 18496 = 19392", "(N, 64, 16, 16)", NULL}, "cnn_pipeline.svg"},
        {"cnn-filters", {"first-layer filters: 32 of 3x3", "feature maps of the first handwritten digit: 32 of 8x8", NULL},
         "cnn_filters.svg"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char args[512], path[512];
        const char *out;
        snprintf(args, sizeof args, "example %s --out %s/ch10", cases[i].name, test_build_dir());
        cr_assert_eq(test_run_primer(args, &out), 0, "%s: %s", cases[i].name, out);
        for (int k = 0; k < 3 && cases[i].expect[k]; k++) assert_contains(out, cases[i].expect[k]);
        if (!cases[i].file) continue;
        snprintf(path, sizeof path, "%s/ch10/%s", test_build_dir(), cases[i].file);
        cr_assert_gt(test_file_size(path), 1000, "%s: %s missing", cases[i].name, path);
    }
    const char *out;
    assert_contains((test_run_primer("example q10.7", &out), out), "    2  0\n    0  2");
    assert_contains((test_run_primer("example q10.5", &out), out), "3 3 64 + 1 = 577 parameters");
    cr_assert_neq(test_run_primer("example cnn-filters --model /nonexistent.safetensors", &out), 0);
    assert_contains(out, "/nonexistent.safetensors");
}
