/* The trainer: reproducibility bit for bit, stop/resume from a checkpoint,
 * early stopping, divergence, logs, regression, and bad data. */
#include <string.h>
#include <unistd.h>

#include "test_util.h"

/* A small classification problem: 3 blobs in 4-D, 150 rows. */
static void blobs(pr_tensor **X, pr_tensor **y) {
    pr_rng rng;
    pr_rng_seed(&rng, 3);
    assert_ok(pr_data_blobs(150, 4, 3, 2.5, &rng, X, y));
}

static pr_model *classifier(const char *spec, uint64_t seed) {
    pr_model *m;
    pr_model_options mopt1 = PR_MODEL_DEFAULTS;
    mopt1.seed = seed;
    mopt1.outputs = 3;
    assert_ok(pr_model_new(&m, spec, PR_SHAPE(4), &mopt1));
    assert_ok(pr_model_set_task(m, PR_TASK_CLASSIFICATION, NULL, 3));
    return m;
}

/* Every model tensor, concatenated as bytes. */
static unsigned char *weights(pr_model *m, size_t *len) {
    size_t total = 0;
    for (int64_t i = 0; i < pr_model_tensor_count(m); i++) {
        pr_tensor v;
        assert_ok(pr_model_tensor(m, pr_model_tensor_name(m, i), &v));
        total += (size_t)v.size * pr_dtype_size(v.dtype);
    }
    unsigned char *buf = malloc(total), *at = buf;
    for (int64_t i = 0; i < pr_model_tensor_count(m); i++) {
        pr_tensor v;
        assert_ok(pr_model_tensor(m, pr_model_tensor_name(m, i), &v));
        memcpy(at, v.data, (size_t)v.size * pr_dtype_size(v.dtype));
        at += (size_t)v.size * pr_dtype_size(v.dtype);
    }
    *len = total;
    return buf;
}

static const char *tmp(const char *name) {
    static _Thread_local char path[4][512];
    static _Thread_local int next;
    char *p = path[next++ % 4];
    snprintf(p, 512, "%s/test-train-%d-%s", test_build_dir(), (int)getpid(), name);
    return p;
}

static const char *SPEC = "dense:16,batchnorm,relu,dropout:0.2,dense:8,tanh";

static pr_train_options rich_options(void) {
    pr_train_options to2 = PR_TRAIN_DEFAULTS;
    to2.epochs = 6;
    to2.batch_size = 16;
    to2.seed = 5;
    to2.val_fraction = 0.2;
    to2.optimizer = pr_optimizer_defaults(PR_OPT_ADAM);
    to2.optimizer.lr = 0.01;
    to2.schedule = pr_schedule_defaults(PR_SCHED_COSINE);
    to2.clip_norm = 5;
    to2.penalty = PR_PENALTY_L2;
    to2.penalty_lambda = 1e-3;
    return to2;
}

Test(train, same_seed_same_weights_bit_for_bit) {
    pr_tensor *X, *y;
    blobs(&X, &y);
    size_t la, lb;
    unsigned char *wa = NULL, *wb = NULL;
    pr_train_options o = rich_options();
    for (int run = 0; run < 2; run++) {
        pr_model *m = classifier(SPEC, 1);
        pr_train_history *h;
        assert_ok(pr_train(m, X, y, &o, &h));
        cr_assert_eq(h->epochs, 6);
        cr_assert_eq(h->train_rows, 120);
        cr_assert_eq(h->val_rows, 30);
        if (run == 0) wa = weights(m, &la);
        else wb = weights(m, &lb);
        pr_train_history_free(h);
        pr_model_free(m);
    }
    cr_assert_eq(la, lb);
    cr_assert(!memcmp(wa, wb, la), "two runs with the same seed differ");
    /* another seed gives other weights */
    o.seed = 6;
    pr_model *m = classifier(SPEC, 1);
    pr_train_history *h;
    assert_ok(pr_train(m, X, y, &o, &h));
    size_t lc;
    unsigned char *wc = weights(m, &lc);
    cr_assert(memcmp(wa, wc, la) != 0);
    free(wa);
    free(wb);
    free(wc);
    pr_train_history_free(h);
    pr_model_free(m);
    pr_tensor_free(X);
    pr_tensor_free(y);
}

static int stop_after_three(const pr_epoch_report *r, void *user) {
    (void)user;
    return r->epoch == 3;
}

Test(train, resumed_run_ends_bit_identical) {
    pr_tensor *X, *y;
    blobs(&X, &y);
    pr_train_options o = rich_options();
    o.schedule = pr_schedule_defaults(PR_SCHED_PLATEAU);
    o.schedule.patience = 1;
    o.patience = 10;
    /* uninterrupted */
    pr_model *a = classifier(SPEC, 2);
    pr_train_history *ha;
    assert_ok(pr_train(a, X, y, &o, &ha));
    size_t la;
    unsigned char *wa = weights(a, &la);
    /* stopped after epoch 3, then resumed from its checkpoint in a fresh model */
    const char *ck = tmp("ck.safetensors");
    pr_model *b = classifier(SPEC, 2);
    pr_train_options ob = o;
    ob.checkpoint = ck;
    ob.on_epoch = stop_after_three;
    pr_train_history *hb;
    assert_ok(pr_train(b, X, y, &ob, &hb));
    cr_assert(hb->cancelled);
    cr_assert_eq(hb->epochs, 3);
    pr_train_history_free(hb);
    pr_model_free(b);
    pr_model *c = classifier(SPEC, 99); /* other initial weights: the checkpoint replaces them */
    pr_train_options oc = o;
    oc.resume = ck;
    pr_train_history *hc;
    assert_ok(pr_train(c, X, y, &oc, &hc));
    cr_assert_eq(hc->epochs, 6);
    for (int e = 0; e < 6; e++) {
        cr_assert_eq(hc->train_loss[e], ha->train_loss[e], "epoch %d training loss differs", e + 1);
        cr_assert_eq(hc->val_loss[e], ha->val_loss[e], "epoch %d validation loss differs", e + 1);
    }
    size_t lc;
    unsigned char *wc = weights(c, &lc);
    cr_assert_eq(la, lc);
    cr_assert(!memcmp(wa, wc, la), "the resumed run ends with other weights");
    /* resuming with other settings is refused, and names what differs */
    pr_model *d = classifier(SPEC, 2);
    pr_train_options od = oc;
    od.batch_size = 32;
    pr_train_history *hd = NULL;
    assert_fails(pr_train(d, X, y, &od, &hd), PR_ERR_INVALID, "batch=16");
    cr_assert_null(hd);
    pr_model_free(d);
    d = classifier("dense:16,relu", 2);
    assert_fails(pr_train(d, X, y, &oc, &hd), PR_ERR_INVALID, "holds model 'dense:16,batchnorm");
    pr_model_free(d);
    free(wa);
    free(wc);
    unlink(ck);
    pr_train_history_free(ha);
    pr_train_history_free(hc);
    pr_model_free(a);
    pr_model_free(c);
    pr_tensor_free(X);
    pr_tensor_free(y);
}

typedef struct snapshots {
    pr_model *m;
    unsigned char *w[40];
    size_t len;
} snapshots;

static int keep_weights(const pr_epoch_report *r, void *user) {
    snapshots *s = user;
    s->w[r->epoch - 1] = weights(s->m, &s->len);
    return 0;
}

Test(train, early_stopping_restores_the_best_epoch) {
    pr_tensor *X, *y;
    blobs(&X, &y);
    /* a rate large enough that the validation loss soon stops improving */
    pr_model *m = classifier("dense:64,relu", 4);
    snapshots s = {.m = m};
    pr_train_options o = PR_TRAIN_DEFAULTS;
    o.epochs = 40;
    o.batch_size = 8;
    o.seed = 1;
    o.val_fraction = 0.3;
    o.patience = 3;
    o.optimizer = pr_optimizer_defaults(PR_OPT_ADAM);
    o.optimizer.lr = 0.05;
    o.on_epoch = keep_weights;
    o.user = &s;
    pr_train_history *h;
    assert_ok(pr_train(m, X, y, &o, &h));
    cr_assert(h->stopped_early, "training ran all %lld epochs", (long long)h->epochs);
    cr_assert_eq(h->epochs, h->best_epoch + 3);
    cr_assert(h->restored_best);
    for (int64_t e = 0; e < h->epochs; e++) cr_assert_geq(h->val_loss[e], h->best_loss);
    size_t len;
    unsigned char *now = weights(m, &len);
    cr_assert(!memcmp(now, s.w[h->best_epoch - 1], len), "the model does not hold epoch %lld's weights",
              (long long)h->best_epoch);
    free(now);
    for (int e = 0; e < 40; e++) free(s.w[e]);
    pr_train_history_free(h);
    pr_model_free(m);
    pr_tensor_free(X);
    pr_tensor_free(y);
}

Test(train, divergence_names_epoch_and_batch_and_keeps_the_checkpoint) {
    /* full-batch GD on least squares with a rate past 2/λmax: the loss grows every step */
    pr_rng rng;
    pr_rng_seed(&rng, 2);
    pr_tensor *X, *y;
    assert_ok(pr_data_blobs(64, 3, 1, 1, &rng, &X, &y));
    for (int64_t i = 0; i < 64; i++) pr_tensor_set(y, i, pr_tensor_get(X, 3 * i) - pr_tensor_get(X, 3 * i + 2));
    pr_model *m;
    pr_model_options mopt3 = PR_MODEL_DEFAULTS;
    mopt3.outputs = 1;
    assert_ok(pr_model_new(&m, "linear", PR_SHAPE(3), &mopt3));
    assert_ok(pr_model_set_task(m, PR_TASK_REGRESSION, NULL, 0));
    const char *ck = tmp("div.safetensors");
    pr_train_options o = PR_TRAIN_DEFAULTS;
    o.epochs = 500;
    o.batch_size = 64;
    o.checkpoint = ck;
    o.optimizer = pr_optimizer_defaults(PR_OPT_SGD);
    o.optimizer.lr = 0.05;
    pr_train_history *h = NULL;
    pr_status st = pr_train(m, X, y, &o, &h);
    cr_assert_eq(st, PR_ERR_NONFINITE, "%s", pr_last_error());
    cr_assert_null(h);
    const char *msg = pr_last_error();
    cr_assert(strstr(msg, "the loss diverged") && strstr(msg, "batch 1 of 1") && strstr(msg, "from the end of the previous epoch"),
              "%s", msg);
    int epoch = 0;
    cr_assert_eq(sscanf(strstr(msg, "at epoch "), "at epoch %d", &epoch), 1);
    cr_assert_gt(epoch, 2);
    /* the checkpoint on disk holds the last complete epoch, which the model also holds */
    pr_model *saved;
    assert_ok(pr_model_load(ck, &saved));
    pr_tensor a, b;
    assert_ok(pr_model_tensor(m, "0.weight", &a));
    assert_ok(pr_model_tensor(saved, "0.weight", &b));
    assert_tensor_close(&a, &b, 0, 0, "weights after divergence");
    pr_tensor_file *f;
    assert_ok(pr_safetensors_read(ck, NULL, &f));
    const pr_tensor *counters;
    assert_ok(pr_tensor_file_find(f, "train.counters", &counters));
    cr_assert_eq(pr_tensor_i64(counters)[0], epoch - 1);
    pr_tensor_file_free(f);
    unlink(ck);
    pr_model_free(saved);
    pr_model_free(m);
    pr_tensor_free(X);
    pr_tensor_free(y);
}

Test(train, logs_in_csv_and_json_lines) {
    pr_tensor *X, *y;
    blobs(&X, &y);
    const char *paths[2] = {tmp("log.csv"), tmp("log.jsonl")};
    for (int k = 0; k < 2; k++) {
        pr_model *m = classifier("dense:8,relu", 1);
        pr_train_history *h;
        pr_train_options o = PR_TRAIN_DEFAULTS;
        o.epochs = 3;
        o.val_fraction = 0.2;
        o.log = paths[k];
        assert_ok(pr_train(m, X, y, &o, &h));
        FILE *f = fopen(paths[k], "r");
        cr_assert_not_null(f);
        char line[512];
        int lines = 0;
        while (fgets(line, sizeof line, f)) {
            if (k == 0 && lines == 0)
                cr_assert_str_eq(line, "epoch,train_loss,train_accuracy,val_loss,val_accuracy,lr,seconds\n");
            if (k == 0 && lines == 1) {
                double loss;
                cr_assert_eq(sscanf(line, "1,%lf,", &loss), 1);
                cr_assert_eq(loss, h->train_loss[0]); /* printed exactly */
            }
            if (k == 1) cr_assert(strstr(line, "{\"epoch\":") == line && strstr(line, "\"val_accuracy\":"), "%s", line);
            lines++;
        }
        fclose(f);
        cr_assert_eq(lines, k == 0 ? 4 : 3);
        unlink(paths[k]);
        pr_train_history_free(h);
        pr_model_free(m);
    }
    pr_tensor_free(X);
    pr_tensor_free(y);
}

Test(train, regression_on_noisy_sine) {
    pr_rng rng;
    pr_rng_seed(&rng, 12);
    pr_tensor *X, *y, *Xt, *yt;
    assert_ok(pr_data_sine(400, 0.1, &rng, &X, &y));
    assert_ok(pr_data_sine(200, 0, &rng, &Xt, &yt));
    pr_model *m;
    pr_model_options mopt4 = PR_MODEL_DEFAULTS;
    mopt4.outputs = 1;
    mopt4.seed = 3;
    assert_ok(pr_model_new(&m, "dense:32,tanh,dense:32,tanh", PR_SHAPE(1), &mopt4));
    assert_ok(pr_model_set_task(m, PR_TASK_REGRESSION, NULL, 0));
    pr_train_history *h;
    pr_train_options o = PR_TRAIN_DEFAULTS;
    o.epochs = 150;
    o.batch_size = 32;
    o.optimizer = pr_optimizer_defaults(PR_OPT_ADAM);
    o.optimizer.lr = 0.01;
    assert_ok(pr_train(m, X, y, &o, &h));
    cr_assert(h->regression);
    double loss, r2;
    assert_ok(pr_evaluate(m, Xt, yt, NULL, &loss, &r2));
    cr_assert_gt(r2, 0.97, "R^2 on clean sine: %g (MSE %g)", r2, loss);
    /* R² from the predictions, computed separately */
    pr_tensor *pred;
    assert_ok(pr_model_forward(m, Xt, &pred));
    double r2b;
    assert_ok(pr_metric_r2(pred, yt, &r2b));
    assert_near(r2b, r2, 1e-6);
    pr_tensor_free(pred);
    pr_train_history_free(h);
    pr_model_free(m);
    pr_tensor *ts[] = {X, y, Xt, yt};
    for (int k = 0; k < 4; k++) pr_tensor_free(ts[k]);
}

static int batches_seen;
static void count_batch(const pr_batch_report *r, void *user) {
    (void)user;
    cr_assert_leq(r->batch, r->batches);
    batches_seen++;
}

Test(train, callbacks_evaluate_and_accuracy) {
    pr_tensor *X, *y;
    blobs(&X, &y);
    pr_model *m = classifier("dense:8,relu", 1);
    pr_train_history *h;
    batches_seen = 0;
    pr_train_options o = PR_TRAIN_DEFAULTS;
    o.epochs = 4;
    o.batch_size = 32;
    o.on_batch = count_batch;
    o.optimizer = PR_OPTIMIZER_DEFAULTS;
    o.optimizer.lr = 0.05;
    assert_ok(pr_train(m, X, y, &o, &h));
    cr_assert_eq(batches_seen, 4 * 5); /* 150 rows: 4 batches of 32 and one of 22 */
    cr_assert_eq(h->steps, 20);
    double loss, acc, acc2;
    assert_ok(pr_evaluate(m, X, y, NULL, &loss, &acc));
    pr_tensor *logits;
    assert_ok(pr_model_forward(m, X, &logits));
    assert_ok(pr_metric_accuracy(logits, y, &acc2));
    assert_near(acc, acc2, 0);
    cr_assert_gt(acc, 0.9, "accuracy %g after 4 epochs", acc);
    pr_tensor_free(logits);
    pr_train_history_free(h);
    pr_model_free(m);
    pr_tensor_free(X);
    pr_tensor_free(y);
}

Test(train, bad_data_is_refused_before_training) {
    pr_tensor *X, *y;
    blobs(&X, &y);
    pr_model *m = classifier("dense:8,relu", 1);
    pr_train_history *h = NULL;
    pr_train_options o = PR_TRAIN_DEFAULTS;
    o.epochs = 1;
    pr_tensor_set(y, 7, 3); /* the model knows classes 0, 1, 2 */
    assert_fails(pr_train(m, X, y, &o, &h), PR_ERR_NOT_FOUND, "row 8: label 3 is not one of the model's 3 classes");
    pr_tensor_set(y, 7, 0);
    pr_tensor_set(X, 10, NAN);
    assert_fails(pr_train(m, X, y, &o, &h), PR_ERR_NONFINITE, "NaN at row 2, column 2");
    pr_tensor_set(X, 10, 0);
    pr_tensor *wide;
    assert_ok(pr_tensor_zeros(&wide, PR_F64, PR_SHAPE(150, 5)));
    assert_fails(pr_train(m, wide, y, &o, &h), PR_ERR_SHAPE, "the model takes rows of shape (4,) (4 values each)");
    pr_tensor one = *X;
    one.shape[0] = 1;
    one.size = 4;
    pr_tensor y1 = *y;
    y1.shape[0] = 1;
    y1.size = 1;
    assert_fails(pr_train(m, &one, &y1, &o, &h), PR_ERR_SHAPE, "1 training row; training needs at least 2");
    pr_tensor short_y = *y;
    short_y.shape[0] = 100;
    short_y.size = 100;
    assert_fails(pr_train(m, X, &short_y, &o, &h), PR_ERR_SHAPE, "y has 100 rows but the features have 150");
    o.loss.kind = PR_LOSS_MSE;
    assert_fails(pr_train(m, X, y, &o, &h), PR_ERR_INVALID, "a classifier trains with cross-entropy");
    o.loss.kind = 0;
    o.resume = "/nonexistent.safetensors";
    assert_fails(pr_train(m, X, y, &o, &h), PR_ERR_IO, "resume: ");
    cr_assert_null(h);
    pr_tensor_free(wide);
    pr_model_free(m);
    /* a model with no task needs a loss */
    assert_ok(pr_model_new(&m, "dense:2", PR_SHAPE(4), NULL));
    o.resume = NULL;
    assert_fails(pr_train(m, X, y, &o, &h), PR_ERR_INVALID, "the model has no task");
    pr_model_free(m);
    pr_tensor_free(X);
    pr_tensor_free(y);
}

/* Every allocation inside model building, training (with a checkpoint and a log),
 * saving, loading, prediction, evaluation and resuming fails in turn: each call reports PR_ERR_NOMEM and frees what it
 * took (the sanitizer run checks for leaks), and a later success is complete. */
Test(train, allocation_failures_are_reported_and_clean) {
    pr_tensor *X, *y;
    blobs(&X, &y);
    const char *ck = tmp("nomem-ck.safetensors"), *log = tmp("nomem-log.csv"), *file = tmp("nomem-m.safetensors");
    int succeeded = 0;
    long k = 1;
    for (; k < 4000 && !succeeded; k++) {
        pr_model *m = NULL, *back = NULL;
        pr_train_history *h = NULL;
        pr_train_options o = PR_TRAIN_DEFAULTS;
        o.epochs = 2;
        o.batch_size = 32;
        o.val_fraction = 0.2;
        o.checkpoint = ck;
        o.log = log;
        o.schedule = pr_schedule_defaults(PR_SCHED_PLATEAU);
        o.patience = 5;
        pr_debug_fail_allocation_after(k);
        pr_model_options mopt5 = PR_MODEL_DEFAULTS;
        mopt5.outputs = 3;
        pr_status st = pr_model_new(&m, "dense:8,batchnorm,relu,res[dense:8,tanh]", PR_SHAPE(4),
                                    &mopt5);
        if (!st) st = pr_model_set_task(m, PR_TASK_CLASSIFICATION, NULL, 3);
        if (!st) st = pr_train(m, X, y, &o, &h);
        if (!st) st = pr_model_save(m, file);
        if (!st) st = pr_model_load(file, &back);
        pr_tensor *out = NULL;
        double loss, acc;
        if (!st) st = pr_model_predict_proba(back, X, &out);
        if (!st) st = pr_evaluate(back, X, y, NULL, &loss, &acc);
        pr_train_history *h2 = NULL;
        pr_train_options resume = o;
        resume.epochs = 3;
        resume.resume = ck;
        resume.checkpoint = NULL;
        if (!st) st = pr_train(m, X, y, &resume, &h2);
        pr_debug_fail_allocation_after(0);
        pr_tensor_free(out);
        pr_train_history_free(h2);
        cr_assert(st == PR_OK || st == PR_ERR_NOMEM, "allocation %ld: %s: %s", k, pr_status_name(st), pr_last_error());
        succeeded = st == PR_OK;
        if (succeeded) cr_assert_eq(h->epochs, 2);
        pr_train_history_free(h);
        pr_model_free(m);
        pr_model_free(back);
    }
    cr_assert(succeeded);
    cr_assert_gt(k, 100, "only %ld allocations: injection did not reach the trainer", k);
    unlink(ck);
    unlink(log);
    unlink(file);
    pr_tensor_free(X);
    pr_tensor_free(y);
}
