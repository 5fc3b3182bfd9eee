/* Replays the fuzz seed corpora and the saved regressions (fuzz/) through the
 * readers as the fuzz targets do: each input gives PR_OK or a clean error. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

typedef void (*replay_fn)(const unsigned char *data, size_t len, const char *name);

static int replay_dir(const char *rel, replay_fn fn) {
    DIR *d = opendir(test_path(rel));
    if (!d) return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.' || strstr(e->d_name, ".md")) continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", test_path(rel), e->d_name);
        FILE *f = fopen(path, "rb");
        cr_assert_not_null(f, "%s", path);
        unsigned char *buf = malloc(1 << 20);
        size_t len = fread(buf, 1, 1 << 20, f);
        fclose(f);
        fn(buf, len, e->d_name);
        free(buf);
        n++;
    }
    closedir(d);
    return n;
}

static void check_status(pr_status st, const char *name) {
    cr_assert(st == PR_OK || (st != PR_ERR_INTERNAL && strlen(pr_last_error()) > 0),
              "%s: %s with message \"%s\"", name, pr_status_name(st), pr_last_error());
}

static void replay_csv(const unsigned char *data, size_t len, const char *name) {
    /* the fuzz target's first byte selects options */
    unsigned char mode = len ? data[0] : 0;
    pr_csv_options opt = {.delimiter = (mode & 1) ? ';' : ',', .no_header = (mode & 2) != 0,
                          .allow_nonfinite = (mode & 4) != 0};
    pr_table *t = NULL;
    for (int skip = 0; skip < 2; skip++) { /* as the target sees it, and as a plain file */
        size_t off = skip ? 0 : (len ? 1 : 0);
        pr_status st = pr_csv_read_buffer((const char *)data + off, len - off, name, skip ? NULL : &opt, &t);
        check_status(st, name);
        pr_table_free(t);
        t = NULL;
    }
}

static void replay_npy(const unsigned char *data, size_t len, const char *name) {
    pr_tensor *t = NULL;
    check_status(pr_npy_read_buffer(data, len, name, NULL, &t), name);
    pr_tensor_free(t);
}

Test(fuzz_replay, csv_corpus_and_regressions) {
    int n = replay_dir("fuzz/corpus/csv", replay_csv) + replay_dir("fuzz/regressions/csv", replay_csv);
    cr_assert_geq(n, 6, "replayed %d CSV inputs", n);
}

Test(fuzz_replay, npy_corpus_and_regressions) {
    int n = replay_dir("fuzz/corpus/npy", replay_npy) + replay_dir("fuzz/regressions/npy", replay_npy);
    cr_assert_geq(n, 11, "replayed %d NPY inputs", n);
}

static void replay_idx(const unsigned char *data, size_t len, const char *name) {
    pr_tensor *t = NULL;
    check_status(pr_idx_read_buffer(data, len, name, NULL, &t), name);
    pr_tensor_free(t);
}

Test(fuzz_replay, idx_corpus_and_regressions) {
    int n = replay_dir("fuzz/corpus/idx", replay_idx) + replay_dir("fuzz/regressions/idx", replay_idx) +
            replay_dir("tests/fixtures/idx", replay_idx);
    cr_assert_geq(n, 20, "replayed %d IDX inputs", n);
}

static void replay_safetensors(const unsigned char *data, size_t len, const char *name) {
    pr_tensor_file *f = NULL;
    check_status(pr_safetensors_read_buffer(data, len, name, NULL, &f), name);
    pr_tensor_file_free(f);
}

Test(fuzz_replay, safetensors_corpus_and_regressions) {
    int n = replay_dir("fuzz/corpus/safetensors", replay_safetensors) +
            replay_dir("fuzz/regressions/safetensors", replay_safetensors);
    cr_assert_geq(n, 5, "replayed %d safetensors inputs", n);
}

static void replay_spec(const unsigned char *data, size_t len, const char *name) {
    char *text = malloc(len + 1);
    memcpy(text, data, len);
    text[len] = '\0';
    pr_model *m = NULL;
    pr_model_options mopt1 = PR_MODEL_DEFAULTS;
    mopt1.outputs = 2;
    mopt1.max_params = 1 << 20;
    pr_status st = pr_model_new(&m, text, PR_SHAPE(16), &mopt1);
    check_status(st, name);
    if (!st) { /* as the fuzz target: a model that builds runs a small batch to its true shape */
        pr_tensor *X, *Y = NULL;
        assert_ok(pr_tensor_zeros(&X, PR_F32, PR_SHAPE(3, 16)));
        for (int64_t i = 0; i < X->size; i++) pr_tensor_set(X, i, (double)(i % 3));
        st = pr_model_forward(m, X, &Y);
        check_status(st, name);
        int64_t shape[PR_MAX_DIMS];
        int nd = pr_model_output_shape(m, shape);
        if (!st) cr_assert(Y->ndim == nd + 1 && Y->shape[0] == 3 && Y->shape[nd] == shape[nd - 1], "%s", name);
        pr_tensor_free(X);
        pr_tensor_free(Y);
    }
    pr_model_free(m);
    free(text);
}

Test(fuzz_replay, spec_corpus_and_regressions) {
    int n = replay_dir("fuzz/corpus/spec", replay_spec) + replay_dir("fuzz/regressions/spec", replay_spec);
    cr_assert_geq(n, 9, "replayed %d model specs", n);
}

static void replay_estimator(const unsigned char *data, size_t len, const char *name) {
    pr_estimator *e = NULL;
    pr_status st = pr_estimator_load_buffer(data, len, name, &e);
    check_status(st, name);
    if (st) return;
    pr_tensor *X, *y = NULL; /* as the fuzz target: a model that loads predicts */
    assert_ok(pr_tensor_zeros(&X, PR_F64, PR_SHAPE(2, pr_estimator_n_features(e))));
    assert_ok(pr_estimator_predict(e, X, &y));
    pr_tensor_free(X);
    pr_tensor_free(y);
    pr_estimator_free(e);
}

Test(fuzz_replay, estimator_corpus_and_regressions) {
    int n = replay_dir("fuzz/corpus/estimator", replay_estimator) +
            replay_dir("fuzz/regressions/estimator", replay_estimator);
    cr_assert_geq(n, 9, "replayed %d classical-model inputs", n);
}

static void replay_reducer(const unsigned char *data, size_t len, const char *name) {
    pr_pca *p = NULL;
    pr_status st = pr_pca_load_buffer(data, len, name, &p);
    check_status(st, name);
    if (st) return;
    pr_tensor *X, *Z = NULL, *R = NULL; /* as the fuzz target: a model that loads transforms and inverts */
    assert_ok(pr_tensor_zeros(&X, PR_F64, PR_SHAPE(2, pr_pca_n_features(p))));
    assert_ok(pr_pca_transform(p, X, &Z));
    assert_ok(pr_pca_inverse_transform(p, Z, &R));
    pr_tensor_free(X);
    pr_tensor_free(Z);
    pr_tensor_free(R);
    pr_pca_free(p);
}

Test(fuzz_replay, reducer_corpus_and_regressions) {
    int n = replay_dir("fuzz/corpus/reducer", replay_reducer) + replay_dir("fuzz/regressions/reducer", replay_reducer);
    cr_assert_geq(n, 2, "replayed %d PCA model inputs", n);
}

/* as fuzz/fuzz_text.c reads its input: a byte of options, then the text */
static void replay_text(const unsigned char *data, size_t len, const char *name) {
    if (!len) return;
    pr_vocab *v = NULL;
    pr_tensor *ids = NULL;
    pr_status st = pr_vocab_build((const char *)data + 1, len - 1, data[0] & 1 ? PR_VOCAB_BYTES : PR_VOCAB_CHARS, &v);
    check_status(st, name);
    if (!st) assert_ok(pr_vocab_encode(v, (const char *)data + 1, len - 1, &ids));
    pr_tensor_free(ids);
    pr_vocab_free(v);
}

Test(fuzz_replay, text_corpus_and_regressions) {
    int n = replay_dir("fuzz/corpus/text", replay_text) + replay_dir("fuzz/regressions/text", replay_text);
    cr_assert_geq(n, 5, "replayed %d text inputs", n);
}

/* fuzz_model's seeds: model files and checkpoints that load, and resume. */
static void replay_model(const unsigned char *data, size_t len, const char *name) {
    pr_tensor_file *f = NULL;
    pr_status st = pr_safetensors_read_buffer(data, len, name, NULL, &f);
    check_status(st, name);
    if (st) return;
    pr_model *m = NULL;
    st = pr_model_from_tensor_file(f, name, &m);
    pr_tensor_file_free(f);
    check_status(st, name);
    pr_model_free(m);
}

Test(fuzz_replay, model_corpus_and_regressions) {
    int n = replay_dir("fuzz/corpus/model", replay_model) + replay_dir("fuzz/regressions/model", replay_model);
    cr_assert_geq(n, 4, "replayed %d model inputs", n);
}
