/* safetensors files written from the format's specification by
 * tests/fixtures/make_safetensors_fixtures.py: read them, reproduce them byte for
 * byte, and refuse damaged ones with a message saying what is wrong. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test_util.h"

static const char *st_path(const char *name) {
    static _Thread_local char rel[256];
    snprintf(rel, sizeof rel, "tests/fixtures/safetensors/%s", name);
    return test_path(rel);
}

static unsigned char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s", path);
    unsigned char *buf = malloc(1 << 16);
    *len = fread(buf, 1, 1 << 16, f);
    fclose(f);
    return buf;
}

Test(safetensors, reads_names_dtypes_shapes_values_and_metadata) {
    pr_tensor_file *f;
    assert_ok(pr_safetensors_read(st_path("basic.safetensors"), NULL, &f));
    cr_assert_eq(pr_tensor_file_count(f), 6);
    cr_assert_str_eq(pr_tensor_file_name(f, 0), "0.weight");
    cr_assert_str_eq(pr_tensor_file_name(f, 5), "empty");
    const pr_tensor *w, *b, *s, *steps, *labels, *empty;
    assert_ok(pr_tensor_file_find(f, "0.weight", &w));
    assert_ok(pr_tensor_file_find(f, "0.bias", &b));
    assert_ok(pr_tensor_file_find(f, "scale", &s));
    assert_ok(pr_tensor_file_find(f, "steps", &steps));
    assert_ok(pr_tensor_file_find(f, "labels", &labels));
    assert_ok(pr_tensor_file_find(f, "empty", &empty));
    cr_assert_eq(w->dtype, PR_F32);
    cr_assert_eq(w->ndim, 2);
    cr_assert_eq(w->shape[1], 3);
    assert_values_close(w, (double[]){-0.625, -0.375, -0.125, 0.125, 0.375, 0.625}, 6, 0, 0, "0.weight");
    assert_values_close(b, (double[]){0.5, -1.25}, 2, 0, 0, "0.bias");
    cr_assert_eq(s->dtype, PR_F64);
    cr_assert_eq(s->ndim, 0);
    cr_assert_eq(pr_tensor_get(s, 0), 3.25);
    cr_assert_eq(pr_tensor_i64(steps)[2], INT64_C(1) << 40);
    cr_assert_eq(pr_tensor_i32(labels)[1], -3);
    cr_assert_eq(empty->size, 0);
    cr_assert_eq(empty->shape[1], 4);
    cr_assert_str_eq(pr_tensor_file_meta(f, "spec"), "dense:2,relu");
    cr_assert_str_eq(pr_tensor_file_meta(f, "note"), "quote \" and \xc3\xa9");
    cr_assert_null(pr_tensor_file_meta(f, "absent"));
    assert_fails(pr_tensor_file_find(f, "1.weight", &w), PR_ERR_NOT_FOUND, "no tensor named '1.weight'");
    pr_tensor_file_free(f);
}

Test(safetensors, encoder_reproduces_the_reference_bytes) {
    pr_tensor_file *f;
    assert_ok(pr_safetensors_read(st_path("basic.safetensors"), NULL, &f));
    unsigned char *enc;
    size_t len, ref_len;
    assert_ok(pr_safetensors_encode(f, &enc, &len));
    unsigned char *ref = slurp(st_path("basic.safetensors"), &ref_len);
    cr_assert_eq(len, ref_len);
    cr_assert(memcmp(enc, ref, len) == 0, "encoded bytes differ from the reference file");
    free(enc);
    free(ref);
    pr_tensor_file_free(f);
}

Test(safetensors, builds_writes_and_reads_back) {
    pr_tensor_file *f;
    assert_ok(pr_tensor_file_new(&f));
    pr_tensor *a = T64(PR_SHAPE(2, 2), 1, -2, 3.5, 1e-300);
    assert_ok(pr_tensor_file_add(f, "a", a));
    assert_fails(pr_tensor_file_add(f, "a", a), PR_ERR_INVALID, "duplicate name 'a'");
    assert_fails(pr_tensor_file_add(f, "__metadata__", a), PR_ERR_INVALID, "reserved");
    assert_ok(pr_tensor_file_set_meta(f, "k", "v1"));
    assert_ok(pr_tensor_file_set_meta(f, "k", "line\nbreak"));
    char path[512];
    snprintf(path, sizeof path, "%s/test-roundtrip.safetensors", test_build_dir());
    assert_ok(pr_safetensors_write(path, f));
    pr_tensor_file *back;
    assert_ok(pr_safetensors_read(path, NULL, &back));
    const pr_tensor *b;
    assert_ok(pr_tensor_file_find(back, "a", &b));
    assert_tensor_close(b, a, 0, 0, "round trip");
    cr_assert_str_eq(pr_tensor_file_meta(back, "k"), "line\nbreak");
    unlink(path);
    pr_tensor_free(a);
    pr_tensor_file_free(f);
    pr_tensor_file_free(back);
}

Test(safetensors, refuses_damaged_files) {
    struct {
        const char *file;
        pr_status st;
        const char *fragment;
    } cases[] = {
        {"float16.safetensors", PR_ERR_UNSUPPORTED, "tensor 'h' has dtype F16; primer reads F32, F64, I32 and I64"},
        {"truncated.safetensors", PR_ERR_FORMAT, "tensor '0.bias' ends at byte 32 of a 29-byte payload"},
        {"trailing.safetensors", PR_ERR_FORMAT, "4 bytes after the last tensor are not described"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pr_tensor_file *f = NULL;
        assert_fails(pr_safetensors_read(st_path(cases[i].file), NULL, &f), cases[i].st, cases[i].fragment);
        cr_assert_null(f);
    }
}

/* A file from a header text and `payload` zero bytes. */
static pr_status read_header(const char *header, size_t payload, pr_tensor_file **f) {
    size_t hl = strlen(header), len = 8 + hl + payload;
    unsigned char *buf = calloc(1, len);
    for (int i = 0; i < 8; i++) buf[i] = (unsigned char)((uint64_t)hl >> (8 * i));
    memcpy(buf + 8, header, hl);
    pr_status st = pr_safetensors_read_buffer(buf, len, "t.safetensors", NULL, f);
    free(buf);
    return st;
}

Test(safetensors, refuses_inconsistent_headers) {
    struct {
        const char *header;
        size_t payload;
        pr_status st;
        const char *fragment;
    } cases[] = {
        {"[1]", 0, PR_ERR_FORMAT, "the header is not a JSON object"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2]}}", 8, PR_ERR_FORMAT, "needs \"dtype\", \"shape\" and two"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8, PR_ERR_FORMAT,
         "spans bytes [0, 8) but its shape and dtype need 12"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,8]}}", 8, PR_ERR_FORMAT, "not a non-negative"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, PR_ERR_FORMAT,
         "tensor 'a' starts at byte 4; the data before it leaves a gap"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
         "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
         8, PR_ERR_FORMAT, "overlaps it"},
        {"{\"__metadata__\":{\"k\":1}}", 0, PR_ERR_FORMAT, "metadata value 'k' is not a string"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"a\":{}}", 4, PR_ERR_FORMAT, "duplicate"},
        {"{\"a\":", 0, PR_ERR_FORMAT, "t.safetensors: header"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pr_tensor_file *f = NULL;
        assert_fails(read_header(cases[i].header, cases[i].payload, &f), cases[i].st, cases[i].fragment);
        cr_assert_null(f);
    }
    unsigned char huge[16] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f};
    pr_tensor_file *f = NULL;
    assert_fails(pr_safetensors_read_buffer(huge, sizeof huge, "h", NULL, &f), PR_ERR_LIMIT, "beyond the limit");
    assert_fails(pr_safetensors_read_buffer(huge, 5, "h", NULL, &f), PR_ERR_FORMAT, "too short");
    assert_fails(pr_safetensors_read(st_path("absent.safetensors"), NULL, &f), PR_ERR_IO, "absent.safetensors");
}

/* The header must be UTF-8 (the format says so): a stray byte, an overlong form or a
 * surrogate is an error naming its offset; a duplicate key names the key. */
Test(safetensors, header_must_be_utf8_and_keys_unique) {
    pr_tensor_file *f;
    assert_ok(read_header("{\"__metadata__\":{\"k\":\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"}}", 0, &f));
    cr_assert_str_eq(pr_tensor_file_meta(f, "k"), "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
    pr_tensor_file_free(f);
    assert_fails(read_header("{\"__metadata__\":{\"k\":\"\xff\"}}", 0, &f), PR_ERR_FORMAT,
                 "t.safetensors: the header is not UTF-8 (byte 22, 0xff)");
    assert_fails(read_header("{\"__metadata__\":{\"k\":\"\xc0\xaf\"}}", 0, &f), PR_ERR_FORMAT, "not UTF-8 (byte 22, 0xc0)");
    assert_fails(read_header("{\"__metadata__\":{\"k\":\"\xed\xa0\x80\"}}", 0, &f), PR_ERR_FORMAT, "not UTF-8 (byte 22, 0xed)");
    assert_fails(read_header("{\"__metadata__\":{\"k\":\"\xe2\x82\"}}", 0, &f), PR_ERR_FORMAT, "not UTF-8 (byte 22, 0xe2)");
    assert_fails(read_header("{\"__metadata__\":{\"a\":\"1\",\"a\":\"2\"}}", 0, &f), PR_ERR_FORMAT, "duplicate key \"a\"");
}

/* What primer writes it can read: a name that is not UTF-8 is refused at save time,
 * before anything is replaced. */
Test(safetensors, refuses_to_write_what_it_could_not_read) {
    pr_tensor_file *f;
    assert_ok(pr_tensor_file_new(&f));
    assert_ok(pr_tensor_file_set_meta(f, "column", "caf\xe9"));
    unsigned char *data = NULL;
    size_t len = 0;
    assert_fails(pr_safetensors_encode(f, &data, &len), PR_ERR_INVALID, "not UTF-8");
    cr_assert_null(data);
    pr_tensor_file_free(f);
}
