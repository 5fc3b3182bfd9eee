/* Checkpoints: a model file plus everything needed to continue training exactly
 * where it stopped, and the per-epoch log. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "io/json.h"
#include "io/meta.h"
#include "train/train_internal.h"

#define KEY_FINGERPRINT "primer.checkpoint"
#define KEY_DATA "primer.checkpoint.data" /* 16 hex digits: pr__hash_bytes of the data */
#define KEY_COUNTERS "train.counters"    /* epoch, step, wait, best epoch */
#define KEY_BEST_LOSS "train.best_loss"
#define KEY_SCHEDULE "train.schedule"
#define KEY_RNG_SHUFFLE "train.rng.shuffle"
#define KEY_RNG_DROPOUT "train.rng.dropout"
#define BEST_PREFIX "train.best."
#define HISTORY_PREFIX "train.history."
#define OPTIM_PREFIX "optim."

static pr_status add_vector(pr_tensor_file *f, const char *name, pr_dtype dtype, int64_t n, const void *data) {
    pr_tensor *t;
    pr_status st = pr_tensor_from_array(&t, dtype, PR_SHAPE(n), data);
    if (st) return st;
    st = pr_tensor_file_add(f, name, t);
    pr_tensor_free(t);
    return st;
}

/* A generator as six int64 values: its state, the cached normal's bits, the flag. */
static void rng_pack(const pr_rng *r, int64_t v[6]) {
    for (int k = 0; k < 4; k++) memcpy(&v[k], &r->s[k], sizeof v[k]);
    memcpy(&v[4], &r->spare_normal, sizeof v[4]);
    v[5] = r->has_spare;
}

static void rng_unpack(pr_rng *r, const int64_t v[6]) {
    for (int k = 0; k < 4; k++) memcpy(&r->s[k], &v[k], sizeof v[k]);
    memcpy(&r->spare_normal, &v[4], sizeof v[4]);
    r->has_spare = (int)v[5];
}

pr_status pr__checkpoint_write(pr_model *m, const char *path, const pr_train_state *s, int64_t epoch, int64_t step,
                               int64_t wait, int64_t best_epoch, double best_loss) {
    pr_tensor_file *f;
    pr_status st = pr_model_to_tensor_file(m, &f);
    if (st) return st;
    int64_t counters[4] = {epoch, step, wait, best_epoch}, rng[6];
    double sched[3];
    pr_schedule_get_state(s->sched, sched);
    st = pr_tensor_file_set_meta(f, KEY_FINGERPRINT, s->fingerprint);
    char data[17];
    snprintf(data, sizeof data, "%016llx", (unsigned long long)s->data_fingerprint);
    if (!st) st = pr_tensor_file_set_meta(f, KEY_DATA, data);
    if (!st) st = add_vector(f, KEY_COUNTERS, PR_I64, 4, counters);
    if (!st) st = add_vector(f, KEY_BEST_LOSS, PR_F64, 1, &best_loss);
    if (!st) st = add_vector(f, KEY_SCHEDULE, PR_F64, 3, sched);
    rng_pack(s->shuffle, rng);
    if (!st) st = add_vector(f, KEY_RNG_SHUFFLE, PR_I64, 6, rng);
    rng_pack(pr_graph_rng(pr_model_graph(m)), rng);
    if (!st) st = add_vector(f, KEY_RNG_DROPOUT, PR_I64, 6, rng);
    if (!st) st = pr_optimizer_save_state(s->opt, f, OPTIM_PREFIX);
    double *cols[PR__HISTORY_MAX];
    char keys[PR__HISTORY_MAX][80], headings[PR__HISTORY_MAX][80];
    int n = pr__history_columns(s->history, cols, keys, headings);
    for (int k = 0; !st && k < n; k++) {
        char key[128];
        snprintf(key, sizeof key, HISTORY_PREFIX "%.79s", keys[k]);
        st = add_vector(f, key, PR_F64, epoch, cols[k]);
    }
    size_t at = 0;
    for (int64_t i = 0; !st && i < pr_model_tensor_count(m); i++) {
        const char *name = pr_model_tensor_name(m, i);
        pr_tensor v;
        if ((st = pr_model_tensor(m, name, &v))) break;
        v.data = s->best + at;
        at += (size_t)v.size * pr_dtype_size(v.dtype);
        char key[160];
        snprintf(key, sizeof key, BEST_PREFIX "%s", name);
        st = pr_tensor_file_add(f, key, &v);
    }
    if (!st) st = pr_safetensors_write(path, f);
    pr_tensor_file_free(f);
    return st;
}

/* The tensor `key` with `n` elements of `dtype`, or a format error. */
static pr_status need(const pr_tensor_file *f, const char *path, const char *key, pr_dtype dtype, int64_t n,
                      const pr_tensor **t) {
    if (pr_tensor_file_find(f, key, t) || (*t)->dtype != dtype || (*t)->size != n)
        return pr__fail(PR_ERR_FORMAT, "%s: checkpoint entry '%s' is missing or not %lld %s values", path, key, (long long)n,
                        pr_dtype_name(dtype));
    return PR_OK;
}

/* Apply the checkpoint to the model and the run's state; the caller undoes it on failure. */
static pr_status apply(pr_model *m, const pr_tensor_file *f, const char *path, pr_train_state *s, const int64_t c[4],
                       double *best_loss) {
    const pr_tensor *t;
    pr_status st = pr_model_load_tensors(m, f, path);
    if (!st && !(st = need(f, path, KEY_BEST_LOSS, PR_F64, 1, &t))) *best_loss = pr_tensor_f64(t)[0];
    if (!st && !(st = need(f, path, KEY_SCHEDULE, PR_F64, 3, &t))) pr_schedule_set_state(s->sched, pr_tensor_f64(t));
    if (!st && !(st = need(f, path, KEY_RNG_SHUFFLE, PR_I64, 6, &t))) rng_unpack(s->shuffle, pr_tensor_i64(t));
    if (!st && !(st = need(f, path, KEY_RNG_DROPOUT, PR_I64, 6, &t)))
        rng_unpack(pr_graph_rng(pr_model_graph(m)), pr_tensor_i64(t));
    if (!st) st = pr_optimizer_load_state(s->opt, f, OPTIM_PREFIX, path);
    double *cols[PR__HISTORY_MAX];
    char keys[PR__HISTORY_MAX][80], headings[PR__HISTORY_MAX][80];
    int n = pr__history_columns(s->history, cols, keys, headings);
    for (int k = 0; !st && k < n; k++) {
        char key[128];
        snprintf(key, sizeof key, HISTORY_PREFIX "%.79s", keys[k]);
        if (!(st = need(f, path, key, PR_F64, c[0], &t))) memcpy(cols[k], t->data, (size_t)c[0] * sizeof(double));
    }
    size_t at = 0;
    for (int64_t i = 0; !st && i < pr_model_tensor_count(m); i++) {
        const char *name = pr_model_tensor_name(m, i);
        pr_tensor v;
        if ((st = pr_model_tensor(m, name, &v))) break;
        char key[160];
        snprintf(key, sizeof key, BEST_PREFIX "%s", name);
        size_t bytes = (size_t)v.size * pr_dtype_size(v.dtype);
        if (!(st = need(f, path, key, v.dtype, v.size, &t))) memcpy(s->best + at, t->data, bytes);
        at += bytes;
    }
    return st;
}

pr_status pr__checkpoint_read(pr_model *m, const char *path, pr_train_state *s, int64_t *epoch, int64_t *step,
                              int64_t *wait, int64_t *best_epoch, double *best_loss) {
    pr_tensor_file *f;
    pr_status st = pr_safetensors_read(path, NULL, &f);
    if (st) return pr__fail_context("resume: ");
    const char *fp = pr_tensor_file_meta(f, KEY_FINGERPRINT), *spec = pr_tensor_file_meta(f, "primer.spec");
    const pr_tensor *t;
    int64_t c[4] = {0};
    if (pr__meta_check_version(f, path)) st = pr__fail_context("resume: ");
    else if (!fp) st = pr__fail(PR_ERR_FORMAT, "resume: %s is not a training checkpoint (a model file has no training state)", path);
    else if (!spec || strcmp(spec, pr_model_spec(m)))
        st = pr__fail(PR_ERR_INVALID, "resume: %s holds model '%s', not '%s'", path, spec ? spec : "?", pr_model_spec(m));
    else if (strcmp(fp, s->fingerprint))
        st = pr__fail(PR_ERR_INVALID, "resume: %s was made with different settings or data:\n  checkpoint: %s\n  now:        %s",
                      path, fp, s->fingerprint);
    char data[17];
    snprintf(data, sizeof data, "%016llx", (unsigned long long)s->data_fingerprint);
    const char *was = pr_tensor_file_meta(f, KEY_DATA); /* absent in older checkpoints: not compared */
    if (!st && was && strcmp(was, data) && !s->force)
        st = pr__fail(PR_ERR_INVALID,
                      "resume: %s was trained on other data of the same shape:\n  checkpoint's data: %s\n  this data:         %s\n"
                      "(force_resume, primer train --force, continues on this data anyway)",
                      path, was, data);
    if (!st && !(st = need(f, path, KEY_COUNTERS, PR_I64, 4, &t))) {
        memcpy(c, t->data, sizeof c);
        if (c[0] < 1 || c[1] < 0 || c[2] < 0 || c[3] < 0 || c[3] > c[0])
            st = pr__fail(PR_ERR_FORMAT, "%s: checkpoint counters are inconsistent", path);
        else if (c[0] > s->capacity)
            st = pr__fail(PR_ERR_INVALID, "resume: %s is at epoch %lld, beyond this run's %lld epochs", path,
                          (long long)c[0], (long long)s->capacity);
    }
    if (st) {
        pr_tensor_file_free(f);
        return st;
    }
    /* keep what a failed resume would change, to put it back */
    size_t bytes = pr_model_state_size(m);
    unsigned char *saved = pr__malloc(bytes ? bytes : 1);
    if (!saved) {
        pr_tensor_file_free(f);
        return PR_ERR_NOMEM;
    }
    pr_model_state_save(m, saved);
    pr_rng shuffle = *s->shuffle, dropout = *pr_graph_rng(pr_model_graph(m));
    double sched[3];
    pr_schedule_get_state(s->sched, sched);
    st = apply(m, f, path, s, c, best_loss);
    if (st) {
        pr_model_state_restore(m, saved);
        *s->shuffle = shuffle;
        *pr_graph_rng(pr_model_graph(m)) = dropout;
        pr_schedule_set_state(s->sched, sched);
        pr_optimizer_reset(s->opt);
    }
    free(saved);
    pr_tensor_file_free(f);
    if (st) return st;
    *epoch = c[0];
    *step = c[1];
    *wait = c[2];
    *best_epoch = c[3];
    s->history->epochs = c[0];
    s->history->best_epoch = c[3];
    s->history->best_loss = *best_loss;
    return PR_OK;
}
