/* Data for train, eval and predict: a CSV file or the embedded digits, split into
 * features and target, with the feature columns a model was trained on. */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

#define DIGITS_PIXELS 64

static int columns_alloc(int64_t n, cli_columns *c) {
    *c = (cli_columns){.n_features = n};
    c->features = calloc((size_t)(n ? n : 1), sizeof *c->features);
    return c->features ? CLI_OK : cli_usage_error("out of memory");
}

int cli_columns_of_model(const pr_model *m, cli_columns *c) {
    if (columns_alloc(pr_model_input_size(m), c)) return CLI_FAILURE;
    for (int64_t j = 0; j < c->n_features; j++) c->features[j] = pr_model_feature_name(m, j);
    if (!c->features[0]) { /* trained without names */
        free(c->features);
        c->features = NULL;
    }
    c->target = pr_model_target_name(m);
    c->encoding = pr_model_metadata(m, CLI_META_COLUMNS);
    return CLI_OK;
}

int cli_columns_of_estimator(const pr_estimator *e, cli_columns *c) {
    if (columns_alloc(pr_estimator_n_features(e), c)) return CLI_FAILURE;
    for (int64_t j = 0; j < c->n_features; j++) c->features[j] = pr_estimator_feature_name(e, j);
    if (!c->features[0]) {
        free(c->features);
        c->features = NULL;
    }
    c->target = pr_estimator_target_name(e);
    c->encoding = pr_estimator_metadata(e, CLI_META_COLUMNS);
    return CLI_OK;
}

void cli_columns_free(cli_columns *c) {
    free(c->features);
    memset(c, 0, sizeof *c);
}

int cli_is_digits(const char *path) { return !path || !strcmp(path, "digits"); }

void cli_dataset_free(cli_dataset *d) {
    pr_tensor_free(d->X);
    pr_tensor_free(d->y);
    pr_tensor_free(d->X_test);
    pr_tensor_free(d->y_test);
    for (int64_t j = 0; d->features && j < d->n_features; j++) free(d->features[j]);
    free(d->features);
    free(d->target);
    pr_encoding_free(d->enc);
    pr_tensor_free(d->kept);
    for (int64_t j = 0; j < d->n_kept; j++) {
        free(d->kept_names ? d->kept_names[j] : NULL);
        for (int64_t l = 0; d->kept_levels && d->kept_levels[j] && l < d->kept_n_levels[j]; l++)
            free(d->kept_levels[j][l]);
        if (d->kept_levels) free(d->kept_levels[j]);
    }
    free(d->kept_names);
    free(d->kept_levels);
    free(d->kept_n_levels);
    memset(d, 0, sizeof *d);
}

static char *copy_string(const char *s) {
    size_t n = strlen(s) + 1;
    char *c = malloc(n);
    if (c) memcpy(c, s, n);
    return c;
}

static int digits(int need_target, cli_dataset *d) {
    if (pr_data_digits(&d->X, need_target ? &d->y : NULL)) return cli_library_error("digits");
    d->n_features = DIGITS_PIXELS;
    d->features = calloc(DIGITS_PIXELS, sizeof *d->features);
    d->target = copy_string("digit");
    for (int64_t j = 0; d->features && j < DIGITS_PIXELS; j++) {
        char name[32];
        snprintf(name, sizeof name, "pixel%lld", (long long)j);
        d->features[j] = copy_string(name);
    }
    d->source = "digits (embedded, UCI handwritten digits)";
    return CLI_OK;
}

/* An IDX pair (--images, --labels) or Fashion-MNIST's part(s). */
static int images(const cli_source *src, int need_target, cli_dataset *d) {
    d->images = 1;
    d->target = copy_string("label");
    if (!src->images) { /* Fashion-MNIST */
        pr_data_part part = src->part == CLI_PART_TRAIN ? PR_DATA_TRAIN : PR_DATA_TEST;
        if (pr_data_fashion_mnist(NULL, part, &d->X, &d->y)) return cli_library_error("--data fashion-mnist");
        if (src->part == CLI_PART_TRAIN && pr_data_fashion_mnist(NULL, PR_DATA_TEST, &d->X_test, &d->y_test))
            return cli_library_error("--data fashion-mnist");
        d->source = src->part == CLI_PART_TRAIN ? "Fashion-MNIST (" PR_FASHION_MNIST_DIR ", training part)"
                                                : "Fashion-MNIST (" PR_FASHION_MNIST_DIR ", test part)";
        return CLI_OK;
    }
    if (!src->labels && need_target) return cli_usage_error("--images needs --labels FILE (the labels of the images)");
    if (pr_data_idx_images(src->images, src->labels, NULL, &d->X, src->labels ? &d->y : NULL))
        return cli_library_error("--images");
    d->source = src->images;
    return CLI_OK;
}

/* A chapter 11 sequence task, --data NAME[:LENGTH]: 4,000 sequences from seed 0 (the
 * training part) or seed 1 (any other), with the model that suits it. Returns -1 when
 * the name is not a task. */
static int sequence_task(const cli_source *src, cli_dataset *d) {
    char name[32];
    const char *colon = strchr(src->data, ':');
    size_t len = colon ? (size_t)(colon - src->data) : strlen(src->data);
    if (len >= sizeof name) return -1;
    memcpy(name, src->data, len);
    name[len] = '\0';
    pr_seq_task task;
    if (pr_seq_task_parse(name, &task)) return -1;
    long long length = task <= PR_SEQ_ADDITION ? (task == PR_SEQ_ADDITION ? 3 : 8) : 50;
    if (colon && !cli_parse_int(colon + 1, 1, 100000, &length))
        return cli_usage_error("--data %s:LENGTH needs a whole number, got '%s'", name, colon + 1);
    pr_rng rng;
    pr_rng_seed(&rng, src->part == CLI_PART_TRAIN ? 0 : 1);
    if (pr_data_sequence_task(task, 4000, length, &rng, &d->X, &d->y)) return cli_library_error("--data");
    d->sequences = 1;
    d->target = copy_string(task <= PR_SEQ_ADDITION ? "next" : "label");
    static char source[96];
    snprintf(source, sizeof source, "%s:%lld (synthetic sequences, 4000)", name, length);
    d->source = source;
    /* token tasks: embeddings and a two-layer LSTM over every step; the others read
     * values and answer once, from the last step */
    d->default_spec = task <= PR_SEQ_ADDITION ? "embedding:13:32,lstm:128:2" : "lstm:64";
    return CLI_OK;
}

/* Arrays as data: X (rows, features) as float64, or images (N, H, W) / (N, C, H, W)
 * as float32, scaled to [0, 1] when they hold whole numbers up to 255 (uint8 pixels);
 * y the labels or values (one per row). */
static int take_arrays(pr_tensor *X, pr_tensor *y, const char *what, int need_target, cli_dataset *d) {
    if (X->ndim < 2 || X->ndim > 4 || X->shape[0] < 1) {
        char s[96];
        fprintf(stderr, "primer: error: %s: X is %s; it needs rows: (rows, features) or images (N, H, W) or (N, C, H, W)\n",
                what, pr_shape_format(X, s, sizeof s));
        return CLI_FAILURE;
    }
    if (y && (y->size != X->shape[0])) {
        fprintf(stderr, "primer: error: %s: X has %lld rows but y has %lld values\n", what, (long long)X->shape[0],
                (long long)y->size);
        return CLI_FAILURE;
    }
    if (need_target && !y) {
        fprintf(stderr, "primer: error: %s: no labels: give y (an .npz member, or --labels y.npy)\n", what);
        return CLI_FAILURE;
    }
    pr_status st = pr_tensor_check_finite(X, "X");
    if (st) return cli_library_error(what);
    if (X->ndim == 2) {
        if (pr_tensor_cast(X, PR_F64, &d->X)) return cli_library_error(what);
        d->n_features = X->shape[1]; /* unnamed (features NULL) */
    } else {
        int64_t shape[4] = {X->shape[0], 1, X->shape[1], X->shape[2]};
        if (X->ndim == 4) memcpy(shape, X->shape, sizeof shape);
        if (pr_tensor_cast(X, PR_F32, &d->X)) return cli_library_error(what);
        pr_tensor_reshape(d->X, 4, shape);
        int bytes = 1;
        for (int64_t i = 0; bytes && i < d->X->size; i++) {
            float v = pr_tensor_f32(d->X)[i];
            bytes = v >= 0 && v <= 255 && v == (float)(int)v;
        }
        for (int64_t i = 0; bytes && i < d->X->size; i++) pr_tensor_f32(d->X)[i] /= 255.0f;
        d->images = 1;
    }
    if (y) {
        if (pr_tensor_cast(y, PR_F64, &d->y) || pr_tensor_check_finite(d->y, "y")) return cli_library_error(what);
        pr_tensor_reshape(d->y, PR_SHAPE(y->size));
        d->target = strdup("y");
    }
    d->source = what;
    return CLI_OK;
}

/* --data X.npy [--labels y.npy], or --data data.npz holding X and y (or --arrays X,Y). */
static int arrays(const cli_source *src, int need_target, cli_dataset *d) {
    pr_tensor *X = NULL, *y = NULL;
    int rc = CLI_OK;
    if (cli_ends_with(src->data, ".npz")) {
        char xk[128] = "X", yk[128] = "y";
        const char *keys = src->read ? src->read->arrays : NULL, *comma = keys ? strchr(keys, ',') : NULL;
        if (keys) {
            snprintf(xk, sizeof xk, "%.*s", comma ? (int)(comma - keys) : (int)strlen(keys), keys);
            snprintf(yk, sizeof yk, "%s", comma ? comma + 1 : "");
        }
        pr_tensor_file *f;
        if (pr_npz_read(src->data, NULL, &f)) return cli_library_error("reading data");
        const pr_tensor *fx, *fy = NULL;
        if (pr_tensor_file_find(f, xk, &fx)) {
            fprintf(stderr, "primer: error: %s has no array '%s'; it holds", src->data, xk);
            for (int64_t i = 0; i < pr_tensor_file_count(f); i++) fprintf(stderr, " '%s'", pr_tensor_file_name(f, i));
            fprintf(stderr, " (--arrays X,Y names them)\n");
            rc = CLI_FAILURE;
        }
        if (!rc && *yk && pr_tensor_file_find(f, yk, &fy)) fy = NULL;
        pr_clear_error();
        if (!rc && (pr_tensor_copy(fx, &X) || (fy && pr_tensor_copy(fy, &y)))) rc = cli_library_error("reading data");
        pr_tensor_file_free(f);
    } else {
        if (pr_npy_read(src->data, NULL, &X)) return cli_library_error("reading data");
        if (src->labels && pr_npy_read(src->labels, NULL, &y)) rc = cli_library_error("--labels");
    }
    if (!rc) rc = take_arrays(X, y, src->data, need_target, d);
    pr_tensor_free(X);
    pr_tensor_free(y);
    return rc;
}

/* A table's values can be fitted (finite, and small enough to square and sum): checked
 * on the whole file, so that the message names the column and the file's data row. */
static int check_values(const cli_dataset *d, const char *path) {
    if (pr_data_check_columns(d->X, (const char *const *)d->features, 1, path)) return cli_library_error(path);
    const char *target[1] = {d->target};
    if (d->y && pr_data_check_columns(d->y, d->target ? target : NULL, 1, path)) return cli_library_error(path);
    return CLI_OK;
}

int cli_dataset_load(const cli_source *src, const cli_columns *m, int need_target, cli_dataset *d) {
    memset(d, 0, sizeof *d);
    const char *path = src->data, *target = src->target;
    if (src->images && src->data) return cli_usage_error("give --data or --images, not both");
    int npy = cli_ends_with(path, ".npy") || cli_ends_with(path, ".npz");
    if (src->labels && !src->images && !cli_ends_with(path, ".npy"))
        return cli_usage_error("--labels goes with --images FILE or --data X.npy");
    if (npy) {
        if (target) return cli_usage_error("arrays have y, not a --target column (an .npz names its arrays with --arrays X,Y)");
        int rc = arrays(src, need_target, d);
        if (!rc && m && d->X->ndim == 2 && d->X->shape[1] != m->n_features) {
            fprintf(stderr, "primer: error: %s: the model takes %lld features; X has %lld\n", path,
                    (long long)m->n_features, (long long)d->X->shape[1]);
            rc = CLI_FAILURE;
        }
        if (!rc && d->X->ndim == 2) rc = check_values(d, path);
        if (rc) cli_dataset_free(d);
        return rc;
    }
    if (src->images || (path && !strcmp(path, CLI_FASHION_MNIST))) {
        if (target) return cli_usage_error("images have labels, not a --target column");
        int rc = images(src, need_target, d);
        if (rc) cli_dataset_free(d);
        return rc;
    }
    if (path && !m) {
        int rc = sequence_task(src, d);
        if (rc >= 0) {
            if (rc) cli_dataset_free(d);
            return rc;
        }
    }
    if (cli_is_digits(path)) {
        if (target && strcmp(target, "digit")) return cli_usage_error("the digits' target column is 'digit'");
        if (m && m->n_features != DIGITS_PIXELS) {
            fprintf(stderr, "primer: error: the model takes %lld features; the digits have 64\n",
                    (long long)m->n_features);
            return CLI_FAILURE;
        }
        return digits(need_target, d);
    }
    int rc = cli_csv_load(src, m, need_target, d);
    if (!rc) rc = check_values(d, path ? path : "standard input");
    if (rc) cli_dataset_free(d);
    return rc;
}

void cli_dataset_fit_model(pr_tensor *X, const pr_model *m) {
    if (!X || !m || X->ndim < 1) return;
    int64_t shape[PR_MAX_DIMS + 1], per_row = X->shape[0] ? X->size / X->shape[0] : 0;
    int nd = pr_model_input_shape(m, shape + 1);
    shape[0] = X->shape[0];
    int same = X->ndim == nd + 1;
    for (int d = 0; same && d < nd; d++) same = X->shape[d + 1] == shape[d + 1];
    if (!same && per_row == pr_model_input_size(m)) pr_tensor_reshape(X, nd + 1, shape);
}

const char *cli_dataset_describe(const pr_tensor *X, int images, char *buf, size_t len) {
    if (images && X->ndim == 4)
        snprintf(buf, len, "%lld images of %lldx%lldx%lld", (long long)X->shape[0], (long long)X->shape[1],
                 (long long)X->shape[2], (long long)X->shape[3]);
    else
        snprintf(buf, len, "%lld rows x %lld features", (long long)X->shape[0],
                 (long long)(X->shape[0] ? X->size / X->shape[0] : 0));
    return buf;
}
