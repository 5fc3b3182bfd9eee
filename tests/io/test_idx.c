/* The IDX reader and image data sets: good files (plain and gzip, every element type)
 * against the values tests/fixtures/make_idx_fixtures.py wrote, and damaged or hostile
 * files refused with a message saying what is wrong. Fashion-MNIST itself when
 * Debian's dataset-fashion-mnist is installed. */
#include <string.h>
#include <unistd.h>

#include "test_util.h"

static const char *idx_path(const char *name) {
    static char path[4][4096];
    static int next;
    char *p = path[next++ % 4];
    snprintf(p, 4096, "%s", test_path("tests/fixtures/idx/"));
    strncat(p, name, 4096 - strlen(p) - 1);
    return p;
}

Test(idx, reads_bytes_plain_and_gzip) {
    for (int gz = 0; gz < 2; gz++) {
        pr_tensor *t;
        assert_ok(pr_idx_read(idx_path(gz ? "images.idx.gz" : "images.idx"), NULL, &t));
        cr_assert_eq(t->ndim, 3);
        cr_assert_eq(t->shape[0], 3);
        cr_assert_eq(t->shape[1], 4);
        cr_assert_eq(t->shape[2], 5);
        cr_assert_eq(t->dtype, PR_F32);
        for (int64_t i = 0; i < 60; i++) cr_assert_eq(pr_tensor_get(t, i), (double)((7 * i + 3) % 256), "element %lld", (long long)i);
        pr_tensor_free(t);
    }
}

Test(idx, reads_every_element_type) {
    pr_tensor *t;
    assert_ok(pr_idx_read(idx_path("int16.idx"), NULL, &t));
    assert_values_close(t, (const double[]){-300, 2, 7, 32767, -32768, 0}, 6, 0, 0, "int16");
    cr_assert_eq(t->shape[1], 3);
    pr_tensor_free(t);
    assert_ok(pr_idx_read(idx_path("float32.idx"), NULL, &t));
    cr_assert_eq(t->dtype, PR_F32);
    assert_values_close(t, (const double[]){1.5, -2.25, (double)3e-3f}, 3, 0, 0, "float32");
    pr_tensor_free(t);
    assert_ok(pr_idx_read(idx_path("float64.idx"), NULL, &t));
    cr_assert_eq(t->dtype, PR_F64);
    assert_values_close(t, (const double[]){3.141592653589793, -1e300}, 2, 0, 0, "float64");
    pr_tensor_free(t);
}

Test(idx, refuses_damaged_and_hostile_files) {
    static const struct {
        const char *file;
        pr_status st;
        const char *fragment;
    } cases[] = {
        {"bad_magic.idx", PR_ERR_FORMAT, "not an IDX file"},
        {"bad_type.idx", PR_ERR_FORMAT, "type byte 0x07"},
        {"rank0.idx", PR_ERR_FORMAT, "rank 0 is outside"},
        {"truncated_header.idx", PR_ERR_FORMAT, "truncated IDX header"},
        {"truncated_body.idx", PR_ERR_FORMAT, "promises (3, 4, 5) unsigned byte values (60 bytes) but 53 bytes follow"},
        {"trailing.idx", PR_ERR_FORMAT, "but 62 bytes follow"},
        {"overflow.idx", PR_ERR_OVERFLOW, "IDX extents: element count overflows"},
        {"damaged.idx.gz", PR_ERR_FORMAT, "damaged gzip data"},
        {"truncated.idx.gz", PR_ERR_FORMAT, "damaged gzip data"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pr_tensor *t = NULL;
        assert_fails(pr_idx_read(idx_path(cases[i].file), NULL, &t), cases[i].st, cases[i].fragment);
        cr_assert_null(t);
        cr_assert(strstr(pr_last_error(), cases[i].file), "the message names the file: %s", pr_last_error());
    }
    pr_tensor *t = NULL;
    assert_fails(pr_idx_read(idx_path("no-such-file.idx"), NULL, &t), PR_ERR_IO, "no-such-file.idx");
    /* the shared limits: a file above max_elements, a gzip stream inflating past max_file_bytes */
    pr_limits lim = PR_LIMITS_DEFAULTS;
    lim.max_elements = 59;
    assert_fails(pr_idx_read(idx_path("images.idx"), &lim, &t), PR_ERR_LIMIT, "IDX extents");
    lim = PR_LIMITS_DEFAULTS;
    lim.max_file_bytes = 70; /* the 76 bytes of images.idx, compressed */
    FILE *f = fopen(idx_path("images.idx.gz"), "rb");
    cr_assert_not_null(f);
    unsigned char gz[512];
    size_t len = fread(gz, 1, sizeof gz, f);
    fclose(f);
    assert_fails(pr_idx_read_buffer(gz, len, "images.idx.gz", &lim, &t), PR_ERR_LIMIT,
                 "decompresses to more than 70 bytes");
}

Test(idx, image_pairs_scale_pixels_and_add_the_channel_axis) {
    pr_tensor *X, *y;
    assert_ok(pr_data_idx_images(idx_path("images.idx.gz"), idx_path("labels.idx"), NULL, &X, &y));
    cr_assert_eq(X->ndim, 4);
    cr_assert_eq(X->shape[1], 1);
    cr_assert_eq(X->shape[2], 4);
    cr_assert_eq(X->shape[3], 5);
    cr_assert_eq(X->dtype, PR_F32);
    assert_near(pr_tensor_get(X, 1), (double)(float)(10.0 / 255), 0);
    assert_near(pr_tensor_get(X, 59), (double)(float)(((7 * 59 + 3) % 256) / 255.0), 0);
    assert_values_close(y, (const double[]){2, 0, 9}, 3, 0, 0, "labels");
    pr_tensor_free(X);
    pr_tensor_free(y);
    assert_fails(pr_data_idx_images(idx_path("channels.idx"), idx_path("labels.idx"), NULL, &X, &y), PR_ERR_SHAPE,
                 "holds 2 images but");
    assert_fails(pr_data_idx_images(idx_path("images.idx"), idx_path("labels4.idx"), NULL, &X, &y), PR_ERR_SHAPE,
                 "holds 3 images but");
    assert_fails(pr_data_idx_images(idx_path("labels.idx"), idx_path("labels.idx"), NULL, &X, &y), PR_ERR_SHAPE,
                 "images must be (N, H, W) or (N, C, H, W)");
    assert_fails(pr_data_idx_images(idx_path("images.idx"), idx_path("float32.idx"), NULL, &X, &y), PR_ERR_FORMAT,
                 "label 0 is 1.5, not a whole number");
}

Test(idx, fashion_mnist_when_installed) {
    pr_tensor *X, *y;
    if (access(PR_FASHION_MNIST_DIR "/t10k-images-idx3-ubyte.gz", R_OK) != 0) {
        assert_fails(pr_data_fashion_mnist(NULL, PR_DATA_TEST, &X, &y), PR_ERR_IO, "dataset-fashion-mnist");
        return;
    }
    assert_ok(pr_data_fashion_mnist(NULL, PR_DATA_TEST, &X, &y));
    cr_assert_eq(X->shape[0], 10000);
    cr_assert_eq(X->shape[1], 1);
    cr_assert_eq(X->shape[2], 28);
    cr_assert_eq(X->shape[3], 28);
    /* the test set starts with an ankle boot, a pullover and two trousers */
    const double first[] = {9, 2, 1, 1};
    for (int i = 0; i < 4; i++) cr_assert_eq(pr_tensor_get(y, i), first[i], "label %d", i);
    cr_assert_str_eq(pr_data_fashion_mnist_class(9), "Ankle boot");
    double lo, hi;
    assert_ok(pr_reduce_all(PR_MIN, X, 0, &lo));
    assert_ok(pr_reduce_all(PR_MAX, X, 0, &hi));
    cr_assert(lo == 0 && hi == 1, "pixels in [%g, %g]", lo, hi);
    pr_tensor_free(X);
    pr_tensor_free(y);
    assert_fails(pr_data_fashion_mnist("/nonexistent", PR_DATA_TRAIN, &X, &y), PR_ERR_IO,
                 "install Debian's package dataset-fashion-mnist");
}
