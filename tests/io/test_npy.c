/* NumPy .npy files written by NumPy (tests/fixtures/make_npy_fixtures.py): read
 * them, refuse what primer cannot represent, and write byte-identical files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test_util.h"

static const char *npy(const char *name) {
    static _Thread_local char rel[256];
    snprintf(rel, sizeof rel, "tests/fixtures/npy/%s", name);
    return test_path(rel);
}

Test(npy, reads_the_four_dtypes) {
    pr_tensor *f4, *f8, *i4, *i8;
    assert_ok(pr_npy_read(npy("f4_2x3.npy"), NULL, &f4));
    assert_ok(pr_npy_read(npy("f8_2x3.npy"), NULL, &f8));
    assert_ok(pr_npy_read(npy("i4_5.npy"), NULL, &i4));
    assert_ok(pr_npy_read(npy("i8_2x2x2.npy"), NULL, &i8));
    cr_assert_eq(f4->dtype, PR_F32);
    cr_assert_eq(f4->shape[1], 3);
    assert_values_close(f4, (double[]){0, 0.25, 0.5, 0.75, 1, 1.25}, 6, 0, 0, "float32");
    assert_values_close(f8, (double[]){-2, -0.5, 1, 2.5, 4, 5.5}, 6, 0, 0, "float64");
    cr_assert_eq(i4->dtype, PR_I32);
    cr_assert_eq(pr_tensor_i32(i4)[4], 2147483647);
    cr_assert_eq(i8->ndim, 3);
    cr_assert_eq(pr_tensor_i64(i8)[0], INT64_C(-4000000000000));
    pr_tensor_free(f4);
    pr_tensor_free(f8);
    pr_tensor_free(i4);
    pr_tensor_free(i8);
}

Test(npy, scalar_empty_and_version_2) {
    pr_tensor *s, *e, *v2;
    assert_ok(pr_npy_read(npy("f8_scalar.npy"), NULL, &s));
    cr_assert_eq(s->ndim, 0);
    cr_assert_eq(pr_tensor_get(s, 0), 3.25);
    assert_ok(pr_npy_read(npy("f8_empty.npy"), NULL, &e));
    cr_assert_eq(e->size, 0);
    cr_assert_eq(e->shape[1], 3);
    assert_ok(pr_npy_read(npy("f8_v2.npy"), NULL, &v2));
    assert_values_close(v2, (double[]){1, 2, 3, 4}, 4, 0, 0, "version 2.0");
    pr_tensor_free(s);
    pr_tensor_free(e);
    pr_tensor_free(v2);
}

Test(npy, refuses_what_it_cannot_represent) {
    struct {
        const char *file;
        pr_status st;
        const char *fragment;
    } cases[] = {
        {"big_endian.npy", PR_ERR_UNSUPPORTED, "big-endian data ('>f8') is not supported"},
        {"fortran.npy", PR_ERR_UNSUPPORTED, "Fortran-order arrays are not supported"},
        {"uint64.npy", PR_ERR_UNSUPPORTED, "dtype '<u8'"},
        {"structured.npy", PR_ERR_UNSUPPORTED, "structured arrays"},
        {"object.npy", PR_ERR_UNSUPPORTED, "dtype '|O'"},
        {"rank9.npy", PR_ERR_LIMIT, "rank exceeds the limit of 8"},
        {"truncated.npy", PR_ERR_FORMAT, "(truncated file)"},
        {"trailing.npy", PR_ERR_FORMAT, "(trailing data)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pr_tensor *t = NULL;
        pr_status st = pr_npy_read(npy(cases[i].file), NULL, &t);
        cr_expect_eq(st, cases[i].st, "%s: %s (%s)", cases[i].file, pr_status_name(st), pr_last_error());
        cr_expect(strstr(pr_last_error(), cases[i].fragment), "%s: message \"%s\"", cases[i].file, pr_last_error());
        cr_expect(strstr(pr_last_error(), cases[i].file), "%s: the message names the file", cases[i].file);
        cr_assert_null(t);
    }
}

static unsigned char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s", path);
    unsigned char *buf = malloc(1 << 16);
    *len = fread(buf, 1, 1 << 16, f);
    fclose(f);
    return buf;
}

Test(npy, writer_output_is_byte_identical_to_numpy) {
    const char *files[] = {"f4_2x3.npy", "f8_2x3.npy", "i4_5.npy", "i8_2x2x2.npy", "f8_scalar.npy", "f8_empty.npy"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        size_t want_len;
        unsigned char *want = slurp(npy(files[i]), &want_len);
        pr_tensor *t;
        assert_ok(pr_npy_read_buffer(want, want_len, files[i], NULL, &t));
        unsigned char *got;
        size_t got_len;
        assert_ok(pr_npy_encode(t, &got, &got_len));
        cr_assert_eq(got_len, want_len, "%s: %zu bytes, NumPy wrote %zu", files[i], got_len, want_len);
        cr_assert(memcmp(got, want, want_len) == 0, "%s: bytes differ from NumPy's", files[i]);
        free(got);
        free(want);
        pr_tensor_free(t);
    }
}

Test(npy, write_read_round_trip_on_disk) {
    char path[] = "/tmp/primer-npy-XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    pr_tensor *t = T64(PR_SHAPE(2, 2), 1.5, -2, 1e-300, 4), *back;
    assert_ok(pr_npy_write(path, t));
    assert_ok(pr_npy_read(path, NULL, &back));
    assert_tensor_close(back, t, 0, 0, "round trip");
    unlink(path);
    pr_tensor_free(t);
    pr_tensor_free(back);
}

Test(npy, hostile_headers_are_bounded) {
    pr_tensor *t = NULL;
    /* a header length far beyond the data */
    unsigned char h1[] = "\x93NUMPY\x01\x00\xff\xff{'descr'";
    assert_fails(pr_npy_read_buffer(h1, sizeof h1 - 1, "h1", NULL, &t), PR_ERR_FORMAT, "truncated .npy header");
    /* version 2 with a 4 GiB header length */
    unsigned char h2[] = "\x93NUMPY\x02\x00\xff\xff\xff\xff{";
    assert_fails(pr_npy_read_buffer(h2, sizeof h2 - 1, "h2", NULL, &t), PR_ERR_LIMIT, "exceeds the limit");
    /* a shape whose element count overflows */
    const char *dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4294967296), }";
    unsigned char h3[256];
    size_t n = strlen(dict);
    memcpy(h3, "\x93NUMPY\x01\x00", 8);
    h3[8] = (unsigned char)n;
    h3[9] = 0;
    memcpy(h3 + 10, dict, n);
    assert_fails(pr_npy_read_buffer(h3, 10 + n, "h3", NULL, &t), PR_ERR_OVERFLOW, "overflows");
    /* an extent with too many digits */
    dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999999,), }";
    n = strlen(dict);
    h3[8] = (unsigned char)n;
    memcpy(h3 + 10, dict, n);
    assert_fails(pr_npy_read_buffer(h3, 10 + n, "h4", NULL, &t), PR_ERR_OVERFLOW, "overflows");
    /* a missing key and a stray key */
    dict = "{'descr': '<f8', 'shape': (1,), }";
    n = strlen(dict);
    h3[8] = (unsigned char)n;
    memcpy(h3 + 10, dict, n);
    assert_fails(pr_npy_read_buffer(h3, 10 + n, "h5", NULL, &t), PR_ERR_FORMAT, "missing 'fortran_order'");
    assert_fails(pr_npy_read_buffer("not numpy", 9, "h6", NULL, &t), PR_ERR_FORMAT, "not an .npy file");
    cr_assert_null(t);
}

Test(npy, element_limit_is_checked_before_allocating) {
    pr_limits lim = PR_LIMITS_DEFAULTS;
    lim.max_elements = 4;
    pr_tensor *t = NULL;
    assert_fails(pr_npy_read(npy("f8_2x3.npy"), &lim, &t), PR_ERR_LIMIT, "6 elements exceed the limit of 4");
}

/* uint8, bool, int16 and float16 arrays are read as float32 (values as NumPy's astype). */
Test(npy, small_types_read_as_float32) {
    struct {
        const char *file;
        int ndim;
        int64_t shape[2];
        double want[6];
        int n;
    } cases[] = {
        {"uint8_2x3.npy", 2, {2, 3}, {0, 1, 127, 128, 200, 255}, 6},
        {"bool.npy", 1, {2}, {1, 0}, 2},
        {"int16_3.npy", 1, {3}, {-32768, -1, 32767}, 3},
        {"float16.npy", 1, {3}, {0, 1, 2}, 3},
        {"float16_mixed.npy", 1, {6}, {-2.5, 6.103515625e-05, 5.960464477539063e-08, INFINITY, 65504.0, 0.0999755859375}, 6},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pr_tensor *t = NULL;
        assert_ok(pr_npy_read(npy(cases[i].file), NULL, &t));
        cr_assert_eq(t->dtype, PR_F32, "%s", cases[i].file);
        cr_assert_eq(t->ndim, cases[i].ndim, "%s", cases[i].file);
        for (int d = 0; d < t->ndim; d++) cr_assert_eq(t->shape[d], cases[i].shape[d], "%s", cases[i].file);
        for (int k = 0; k < cases[i].n; k++)
            cr_assert_eq(pr_tensor_get(t, k), cases[i].want[k], "%s[%d]: %.17g", cases[i].file, k, pr_tensor_get(t, k));
        pr_tensor_free(t);
        /* the same from memory */
        size_t len;
        unsigned char *bytes = slurp(npy(cases[i].file), &len);
        assert_ok(pr_npy_read_buffer(bytes, len, cases[i].file, NULL, &t));
        cr_assert_eq(pr_tensor_get(t, cases[i].n - 1), cases[i].want[cases[i].n - 1], "%s from memory", cases[i].file);
        pr_tensor_free(t);
        free(bytes);
    }
}

/* .npz: np.savez (stored) and np.savez_compressed (deflated) archives, their members
 * by name; a damaged archive is refused with a clear message. */
Test(npy, npz_stored_and_deflated) {
    pr_tensor_file *a = NULL, *b = NULL;
    assert_ok(pr_npz_read(npy("xy_stored.npz"), NULL, &a));
    assert_ok(pr_npz_read(npy("xy_deflated.npz"), NULL, &b));
    cr_assert_eq(pr_tensor_file_count(a), 2);
    cr_assert_eq(pr_tensor_file_count(b), 3);
    const pr_tensor *Xa, *Xb, *ya, *yb, *note;
    assert_ok(pr_tensor_file_find(a, "X", &Xa));
    assert_ok(pr_tensor_file_find(b, "X", &Xb));
    assert_ok(pr_tensor_file_find(a, "y", &ya));
    assert_ok(pr_tensor_file_find(b, "y", &yb));
    assert_ok(pr_tensor_file_find(b, "note", &note));
    cr_assert_eq(Xa->dtype, PR_F32);
    cr_assert_eq(ya->dtype, PR_I64);
    cr_assert_eq(Xa->shape[0], 40);
    cr_assert_eq(Xa->shape[1], 3);
    cr_assert(!memcmp(Xa->data, Xb->data, 40 * 3 * sizeof(float)), "the same X either way");
    cr_assert(!memcmp(ya->data, yb->data, 40 * sizeof(int64_t)), "the same y either way");
    cr_assert_eq(pr_tensor_get(note, 1), 2.5);
    /* y = (x0 + x1 > 0), as the fixture script wrote it */
    for (int i = 0; i < 40; i++)
        cr_assert_eq(pr_tensor_get(ya, i), pr_tensor_get(Xa, 3 * i) + pr_tensor_get(Xa, 3 * i + 1) > 0, "row %d", i);
    pr_tensor_file_free(a);
    pr_tensor_file_free(b);
    /* damage: a truncated archive, a flipped byte in the deflated data, not a zip at all */
    size_t len;
    unsigned char *bytes = slurp(npy("xy_deflated.npz"), &len);
    pr_tensor_file *f = NULL;
    assert_fails(pr_npz_read_buffer(bytes, len / 2, "cut.npz", NULL, &f), PR_ERR_FORMAT, "cut.npz");
    cr_assert_null(f);
    bytes[60] ^= 0x55;
    pr_status st = pr_npz_read_buffer(bytes, len, "flip.npz", NULL, &f);
    cr_assert_neq(st, PR_OK, "a damaged member is refused");
    cr_assert(strstr(pr_last_error(), "flip.npz"), "%s", pr_last_error());
    cr_assert_null(f);
    free(bytes);
    assert_fails(pr_npz_read_buffer("x,y\n1,2\n", 8, "t.csv", NULL, &f), PR_ERR_FORMAT, "too short to be an .npz");
    assert_fails(pr_npz_read_buffer("x,y\n1,2\n1,2\n1,2\n1,2\n1,2\n", 24, "t.csv", NULL, &f), PR_ERR_FORMAT,
                 "not an .npz file (no zip end-of-directory record)");
}
