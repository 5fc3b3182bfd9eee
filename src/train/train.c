/* The trainer: epochs over shuffled mini-batches of a model's graph, with
 * validation, early stopping, schedules, clipping, penalties, logs and
 * checkpoints that resume bit for bit. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/internal.h"
#include "primer/data.h"
#include "primer/train.h"
#include "train/train_internal.h"

#define EVAL_CHUNK 2048

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void pr_train_history_free(pr_train_history *h) {
    if (!h) return;
    free(h->train_loss);
    free(h->train_metric);
    free(h->val_loss);
    free(h->val_metric);
    free(h->lr);
    free(h->seconds);
    free(h);
}

static pr_status history_new(int64_t epochs, pr_train_history **out) {
    pr_train_history *h = pr__calloc(1, sizeof *h);
    if (!h) return PR_ERR_NOMEM;
    size_t n = (size_t)(epochs > 0 ? epochs : 1);
    double **arrays[] = {&h->train_loss, &h->train_metric, &h->val_loss, &h->val_metric, &h->lr, &h->seconds};
    for (size_t k = 0; k < sizeof arrays / sizeof arrays[0]; k++)
        if (!(*arrays[k] = pr__calloc(n, sizeof(double)))) {
            pr_train_history_free(h);
            return PR_ERR_NOMEM;
        }
    h->best_loss = INFINITY;
    *out = h;
    return PR_OK;
}

/* ---- targets ------------------------------------------------------------------------------ */

/* The targets as the graph takes them, in the model's dtype: class indices (N) for a
 * classifier, values (N, outputs) otherwise. */
static pr_status prepare_targets(pr_model *m, const pr_tensor *y, int64_t rows, const char *op, const char *what,
                                 pr_tensor **out) {
    pr_status st = pr__require_tensor(y, op, what);
    if (st || (st = pr__require_float(y, op))) return st;
    if (y->ndim < 1 || y->shape[0] != rows)
        return pr__fail(PR_ERR_SHAPE, "%s: %s has %lld rows but the features have %lld", op, what,
                        (long long)(y->ndim ? y->shape[0] : 0), (long long)rows);
    char label[64];
    snprintf(label, sizeof label, "%s: %s", op, what);
    if ((st = pr_tensor_check_finite(y, label))) return st;
    pr_graph *g = pr_model_graph(m);
    pr_dtype dtype = pr_graph_dtype(g);
    int64_t k = pr_model_output_size(m);
    pr_tensor *t;
    if (pr_model_task(m) == PR_TASK_CLASSIFICATION) {
        if (y->ndim != 1) return pr__fail(PR_ERR_SHAPE, "%s: a classifier's %s must be one label per row (N)", op, what);
        if ((st = pr_tensor_zeros(&t, dtype, PR_SHAPE(rows)))) return st;
        for (int64_t i = 0; i < rows; i++) {
            int64_t c;
            if (pr_model_class_index(m, pr_tensor_get(y, i), &c)) {
                pr_tensor_free(t);
                return pr__fail_context("%s: %s, row %lld: ", op, what, (long long)i + 1);
            }
            pr_tensor_set(t, i, (double)c);
        }
    } else {
        if (!(y->size == rows * k && (y->ndim == 1 ? k == 1 : y->ndim == 2 && y->shape[1] == k))) {
            char s[96];
            return pr__fail(PR_ERR_SHAPE, "%s: %s has shape %s; the model has %lld output%s, so it needs (%lld%s)", op, what,
                            pr_shape_format(y, s, sizeof s), (long long)k, k == 1 ? "" : "s", (long long)rows,
                            k == 1 ? "" : ", outputs");
        }
        if ((st = pr_tensor_cast(y, dtype, &t))) return st;
        pr_tensor_reshape(t, PR_SHAPE(rows, k));
    }
    *out = t;
    return PR_OK;
}

/* ---- a training session ------------------------------------------------------------------- */

typedef struct session {
    pr_model *m;
    pr_graph *g;
    const pr_train_options *o;
    int64_t epochs, batch;
    int classify, has_val;
    pr_node x, y, target, loss, total;
    pr_tensor *X_train, *T_train, *X_val, *T_val;
    double sst_train, sst_val;   /* regression: Σ (t - mean)² for R² */
    pr_optimizer *opt;
    pr_schedule *sched;
    pr_batches *batches;
    pr_rng rng;                  /* shuffling */
    pr_tensor params, grads;     /* flat views */
    unsigned char *state_best, *state_epoch; /* snapshots of every model tensor */
    size_t state_bytes;
    int64_t epoch, step, wait, best_epoch;
    double best_loss;
    pr_train_history *h;
    char fingerprint[512];
} session;

static void session_free(session *s) {
    pr_tensor_free(s->X_train);
    pr_tensor_free(s->T_train);
    pr_tensor_free(s->X_val);
    pr_tensor_free(s->T_val);
    pr_optimizer_free(s->opt);
    pr_schedule_free(s->sched);
    pr_batches_free(s->batches);
    free(s->state_best);
    free(s->state_epoch);
    pr_train_history_free(s->h);
}

size_t pr__model_state_bytes(pr_model *m) {
    size_t total = 0;
    for (int64_t i = 0; i < pr_model_tensor_count(m); i++) {
        pr_tensor v;
        if (!pr_model_tensor(m, pr_model_tensor_name(m, i), &v)) total += (size_t)v.size * pr_dtype_size(v.dtype);
    }
    return total;
}

void pr__model_state_copy(pr_model *m, unsigned char *state, int save) {
    size_t at = 0;
    for (int64_t i = 0; i < pr_model_tensor_count(m); i++) {
        pr_tensor v;
        if (pr_model_tensor(m, pr_model_tensor_name(m, i), &v)) continue;
        size_t bytes = (size_t)v.size * pr_dtype_size(v.dtype);
        if (save) memcpy(state + at, v.data, bytes);
        else memcpy(v.data, state + at, bytes);
        at += bytes;
    }
}

static double sum_sq_dev(const pr_tensor *t) {
    if (!t || !t->size) return 0;
    double mean = 0, s = 0;
    for (int64_t i = 0; i < t->size; i++) mean += pr_tensor_get(t, i);
    mean /= (double)t->size;
    for (int64_t i = 0; i < t->size; i++) s += (pr_tensor_get(t, i) - mean) * (pr_tensor_get(t, i) - mean);
    return s;
}

/* Running totals of an epoch or an evaluation. */
typedef struct tally {
    double loss_sum, sse;
    int64_t rows, correct;
} tally;

/* Add one batch: its mean loss and, from the outputs, hits or squared errors. */
static void tally_batch(session *s, tally *t, double loss, const pr_tensor *targets) {
    pr_tensor out;
    int64_t rows = targets->shape[0];
    t->loss_sum += loss * (double)rows;
    t->rows += rows;
    if (pr_graph_value(s->g, s->y, &out)) return;
    int64_t k = out.shape[out.ndim - 1];
    if (s->classify) {
        for (int64_t i = 0; i < rows; i++) {
            int64_t best = 0;
            for (int64_t j = 1; j < k; j++)
                if (pr_tensor_get(&out, i * k + j) > pr_tensor_get(&out, i * k + best)) best = j;
            t->correct += (double)best == pr_tensor_get(targets, i);
        }
    } else {
        for (int64_t i = 0; i < rows * k; i++) {
            double e = pr_tensor_get(&out, i) - pr_tensor_get(targets, i);
            t->sse += e * e;
        }
    }
}

static double tally_metric(const session *s, const tally *t, double sst) {
    if (!t->rows) return NAN;
    if (s->classify) return (double)t->correct / (double)t->rows;
    return sst > 0 ? 1 - t->sse / sst : (t->sse == 0 ? 1 : 0);
}

/* Mean loss and metric over a prepared set, in evaluation mode. */
static pr_status evaluate_set(session *s, const pr_tensor *X, const pr_tensor *T, double sst, double *loss, double *metric) {
    tally t = {0};
    pr_graph_set_training(s->g, 0);
    pr_status st = PR_OK;
    for (int64_t start = 0; start < X->shape[0] && !st; start += EVAL_CHUNK) {
        int64_t stop = start + EVAL_CHUNK < X->shape[0] ? start + EVAL_CHUNK : X->shape[0];
        pr_tensor xv, tv;
        double v;
        if ((st = pr_tensor_view_rows(X, start, stop, &xv)) || (st = pr_tensor_view_rows(T, start, stop, &tv)) ||
            (st = pr_graph_bind_input(s->g, s->x, &xv)) || (st = pr_graph_bind_input(s->g, s->target, &tv)) ||
            (st = pr_graph_forward(s->g, s->loss)) || (st = pr_graph_scalar(s->g, s->loss, &v)))
            break;
        tally_batch(s, &t, v, &tv);
    }
    pr_graph_set_training(s->g, 1);
    if (st) return st;
    *loss = t.loss_sum / (double)t.rows;
    *metric = tally_metric(s, &t, sst);
    return PR_OK;
}

static pr_status build_loss(session *s) {
    pr_graph *g = s->g;
    pr_loss_config lc = s->o->loss;
    int64_t k = pr_model_output_size(s->m);
    if (s->classify) {
        if (lc.kind && lc.kind != PR_LOSS_CROSS_ENTROPY)
            return pr__fail(PR_ERR_INVALID, "train: a classifier trains with cross-entropy, not %s (for other losses give "
                                            "the model no task and targets shaped like its outputs)",
                            pr_loss_name(lc.kind));
        lc.kind = PR_LOSS_CROSS_ENTROPY;
        s->target = pr_g_input(g, "target", PR_SHAPE(-1));
    } else {
        if (!lc.kind) {
            if (pr_model_task(s->m) != PR_TASK_REGRESSION)
                return pr__fail(PR_ERR_INVALID, "train: the model has no task; set one (pr_model_set_task) or name a loss");
            lc.kind = PR_LOSS_MSE;
        }
        if (lc.kind == PR_LOSS_CROSS_ENTROPY)
            return pr__fail(PR_ERR_INVALID, "train: cross-entropy needs a classifier (pr_model_set_task)");
        s->target = pr_g_input(g, "target", PR_SHAPE(-1, k));
    }
    s->loss = pr_loss(g, &lc, s->y, s->target);
    s->total = s->loss;
    if (s->o->penalty_lambda > 0) {
        pr_node w[256];
        int n = pr_model_weight_params(s->m, w, 256);
        if (n > 256) return pr__fail(PR_ERR_LIMIT, "train: more than 256 weight matrices to penalise");
        s->total = pr_g_add(g, s->loss, pr_penalty(g, s->o->penalty, w, n, s->o->penalty_lambda, s->o->penalty_alpha));
    }
    if (pr_graph_status(g)) return pr__fail(pr_graph_status(g), "train: %s", pr_graph_error(g));
    return PR_OK;
}

/* The features as the graph takes them: X itself when it is already in the model's
 * dtype and needs no standardisation (a borrowed header, nothing copied), else a
 * converted copy. Either way pr_tensor_free releases what this made. */
static pr_status graph_input(session *s, const pr_tensor *X, pr_tensor **out) {
    if (!X || X->dtype != pr_graph_dtype(s->g) || pr_model_has_standardization(s->m))
        return pr_model_prepare_input(s->m, X, out);
    pr_status st = pr_model_check_input(s->m, X);
    if (st) return st;
    pr_tensor *view = pr__malloc(sizeof *view);
    if (!view) return PR_ERR_NOMEM;
    *view = *X;
    view->flags = PR_TENSOR_HEAP;
    *out = view;
    return PR_OK;
}

/* The data the run trains and validates on, in the model's dtype. */
static pr_status prepare_data(session *s, const pr_tensor *X, const pr_tensor *y, int training) {
    const pr_train_options *o = s->o;
    const char *op = training ? "train" : "evaluate";
    pr_status st = pr__require_tensor(X, op, "X");
    if (st) return st;
    if (X->ndim < 1 || X->shape[0] < 1) return pr__fail(PR_ERR_SHAPE, "%s: the data set is empty", op);
    pr_tensor *Xp = NULL, *Tp = NULL;
    if ((st = graph_input(s, X, &Xp))) return pr__fail_context("%s: ", op);
    if ((st = prepare_targets(s->m, y, X->shape[0], op, "y", &Tp))) {
        pr_tensor_free(Xp);
        return st;
    }
    if (o->X_val || o->y_val) {
        s->X_train = Xp;
        s->T_train = Tp;
        if (!o->X_val || !o->y_val) return pr__fail(PR_ERR_INVALID, "train: give both X_val and y_val");
        if ((st = graph_input(s, o->X_val, &s->X_val))) return pr__fail_context("train: validation: ");
        if ((st = prepare_targets(s->m, o->y_val, o->X_val->shape[0], op, "y_val", &s->T_val))) return st;
    } else if (training && o->val_fraction > 0) {
        if (!(o->val_fraction < 1)) {
            pr_tensor_free(Xp);
            pr_tensor_free(Tp);
            return pr__fail(PR_ERR_INVALID, "train: val_fraction must be in [0, 1), got %g", o->val_fraction);
        }
        pr_rng split;
        pr_rng_seed(&split, o->seed ^ UINT64_C(0x5eed5eed5eed5eed));
        if (X->shape[0] < 3) {
            pr_tensor_free(Xp);
            pr_tensor_free(Tp);
            return pr__fail(PR_ERR_SHAPE, "train: %lld rows cannot be split into training and validation data",
                            (long long)X->shape[0]);
        }
        st = pr_data_split(Xp, Tp, o->val_fraction, 0, &split, &s->X_train, &s->T_train, &s->X_val, &s->T_val);
        pr_tensor_free(Xp);
        pr_tensor_free(Tp);
        if (st) return pr__fail_context("train: validation split: ");
    } else {
        s->X_train = Xp;
        s->T_train = Tp;
    }
    if (training && s->X_train->shape[0] < 2)
        return pr__fail(PR_ERR_SHAPE, "train: %lld training row; training needs at least 2", (long long)s->X_train->shape[0]);
    s->has_val = s->X_val != NULL;
    if (!s->classify) {
        s->sst_train = sum_sq_dev(s->T_train);
        s->sst_val = sum_sq_dev(s->T_val);
    }
    return PR_OK;
}

static void make_fingerprint(session *s) {
    const pr_train_options *o = s->o;
    pr_optimizer_config c = pr_optimizer_settings(s->opt);
    char num[4][PR__NUMBER_TEXT];
    locale_t old = uselocale(pr__c_locale());
    snprintf(s->fingerprint, sizeof s->fingerprint,
             "rows=%lld val=%lld batch=%lld shuffle=%d seed=%llu optimizer=%s lr=%s wd=%s schedule=%s loss=%s "
             "clip=%s/%s penalty=%d",
             (long long)s->X_train->shape[0], (long long)(s->X_val ? s->X_val->shape[0] : 0), (long long)s->batch,
             !o->no_shuffle, (unsigned long long)o->seed, pr_optimizer_name(c.kind), pr__format_shortest(c.lr, 0, num[0]),
             pr__format_shortest(c.weight_decay, 0, num[1]), pr_schedule_name(o->schedule.kind),
             pr_loss_name(o->loss.kind), pr__format_shortest(o->clip_norm, 0, num[2]),
             pr__format_shortest(o->clip_value, 0, num[3]), o->penalty_lambda > 0 ? (int)o->penalty : -1);
    uselocale(old);
}

static pr_status record_epoch(session *s, const tally *t, double lr, double seconds, int *stop) {
    const pr_train_options *o = s->o;
    pr_train_history *h = s->h;
    int64_t e = s->epoch; /* 1-based, this epoch */
    double train_loss = t->loss_sum / (double)t->rows, val_loss = NAN, val_metric = NAN;
    pr_status st = PR_OK;
    if (s->has_val && (st = evaluate_set(s, s->X_val, s->T_val, s->sst_val, &val_loss, &val_metric))) return st;
    double monitored = s->has_val ? val_loss : train_loss;
    if (!isfinite(monitored))
        return pr__fail(PR_ERR_NONFINITE, "train: the %s loss is %g after epoch %lld", s->has_val ? "validation" : "training",
                        monitored, (long long)e);
    if ((st = pr_schedule_observe(s->sched, monitored, NULL))) return st;
    int improved = monitored < s->best_loss;
    if (improved) {
        s->best_loss = monitored;
        s->best_epoch = e;
        s->wait = 0;
        if (o->patience > 0) pr__model_state_copy(s->m, s->state_best, 1);
    } else {
        s->wait++;
    }
    h->train_loss[e - 1] = train_loss;
    h->train_metric[e - 1] = tally_metric(s, t, s->sst_train);
    h->val_loss[e - 1] = val_loss;
    h->val_metric[e - 1] = val_metric;
    h->lr[e - 1] = lr;
    h->seconds[e - 1] = seconds;
    h->epochs = e;
    h->best_epoch = s->best_epoch;
    h->best_loss = s->best_loss;
    if (o->on_epoch) {
        pr_epoch_report r = {e, s->epochs, train_loss, h->train_metric[e - 1], val_loss, val_metric, lr, seconds, improved};
        if (o->on_epoch(&r, o->user)) {
            h->cancelled = 1;
            *stop = 1;
        }
    }
    if (o->patience > 0 && s->wait >= o->patience) {
        h->stopped_early = 1;
        *stop = 1;
    }
    return PR_OK;
}

/* One epoch of mini-batch steps. */
static pr_status run_epoch(session *s, tally *t, double *last_lr) {
    const pr_train_options *o = s->o;
    pr_tensor xb, tb;
    int64_t spe = pr_batches_count(s->batches);
    pr_status st;
    pr_graph_set_training(s->g, 1);
    while (pr_batches_next(s->batches, &xb, &tb)) {
        int64_t b = pr_batches_index(s->batches);
        double lr = pr_schedule_lr(s->sched, s->step, spe), loss;
        if ((st = pr_graph_bind_input(s->g, s->x, &xb)) || (st = pr_graph_bind_input(s->g, s->target, &tb)) ||
            (st = pr_graph_forward(s->g, s->total)) || (st = pr_graph_scalar(s->g, s->loss, &loss)))
            return pr__fail_context("train: epoch %lld, batch %lld: ", (long long)s->epoch, (long long)b + 1);
        if (!isfinite(loss)) {
            pr__model_state_copy(s->m, s->state_epoch, 0);
            return pr__fail(PR_ERR_NONFINITE, "the loss diverged: it became %s at epoch %lld, batch %lld of %lld "
                                              "(learning rate %g); the model keeps its weights from %s. Try a smaller "
                                              "learning rate or gradient clipping",
                            isnan(loss) ? "NaN" : loss > 0 ? "infinite" : "-infinite", (long long)s->epoch, (long long)b + 1, (long long)spe, lr,
                            s->epoch > 1 ? "the end of the previous epoch" : "before training");
        }
        tally_batch(s, t, loss, &tb);
        /* the optimizer zeroes the parameter gradients as it consumes them, and
         * backward zeroes the rest */
        if ((st = pr_graph_backward(s->g, s->total))) return st;
        if (o->clip_value > 0 && (st = pr_clip_grad_value(&s->grads, o->clip_value))) return st;
        if (o->clip_norm > 0 && (st = pr_clip_grad_norm(&s->grads, o->clip_norm, NULL))) return st;
        if ((st = pr_optimizer_step(s->opt, &s->params, &s->grads, lr))) return st;
        s->step++;
        *last_lr = lr;
        if (o->on_batch) {
            pr_batch_report r = {s->epoch, s->epochs, b + 1, spe, loss};
            o->on_batch(&r, o->user);
        }
    }
    /* a step can leave non-finite weights that the next loss would only show later */
    if ((st = pr_tensor_check_finite(&s->params, "weights"))) {
        pr__model_state_copy(s->m, s->state_epoch, 0);
        return pr__fail(PR_ERR_NONFINITE, "the loss diverged in epoch %lld: the weights are no longer finite; the model "
                                          "keeps its weights from %s. Try a smaller learning rate or gradient clipping",
                        (long long)s->epoch, s->epoch > 1 ? "the end of the previous epoch" : "before training");
    }
    return PR_OK;
}

pr_status pr_train(pr_model *m, const pr_tensor *X, const pr_tensor *y, const pr_train_options *options,
                   pr_train_history **history) {
    if (!m || !history) return pr__fail(PR_ERR_INVALID, "train: NULL model or history");
    pr_train_options defaults = PR_TRAIN_DEFAULTS;
    const pr_train_options *o = options ? options : &defaults;
    session s = {0};
    s.m = m;
    s.g = pr_model_graph(m);
    s.o = o;
    s.x = pr_model_input(m);
    s.y = pr_model_output(m);
    s.epochs = o->epochs;
    s.batch = o->batch_size;
    s.classify = pr_model_task(m) == PR_TASK_CLASSIFICATION;
    s.best_loss = INFINITY;
    if (s.epochs < 1 || s.batch < 1 || o->patience < 0 || !(o->clip_norm >= 0) || !(o->clip_value >= 0) ||
        !(o->penalty_lambda >= 0))
        return pr__fail(PR_ERR_INVALID, "train: epochs and batch size must be >= 1; patience, clipping and the penalty "
                                        "must not be negative");
    if (!s.classify && !o->loss.kind && pr_model_task(m) != PR_TASK_REGRESSION)
        return pr__fail(PR_ERR_INVALID, "train: the model has no task; set one (pr_model_set_task) or name a loss");
    double t0 = now();
    pr_status st = prepare_data(&s, X, y, 1);
    if (!st) st = build_loss(&s);
    if (!st) st = pr_graph_param_buffers(s.g, &s.params, &s.grads);
    pr_optimizer_config oc = o->optimizer;
    oc.zero_grads = 1;
    if (!st) st = pr_optimizer_new(&s.opt, &oc, s.params.size, pr_graph_dtype(s.g));
    if (!st) st = pr_graph_zero_grad(s.g);
    if (!st) st = pr_schedule_new(&s.sched, &o->schedule, pr_optimizer_settings(s.opt).lr, (double)s.epochs);
    if (!st) {
        pr_rng_seed(&s.rng, o->seed);
        st = pr_batches_new(&s.batches, s.X_train, s.T_train, s.batch, !o->no_shuffle, &s.rng, 0);
    }
    if (!st) st = history_new(s.epochs, &s.h);
    if (!st) {
        s.state_bytes = pr__model_state_bytes(m);
        s.state_best = pr__malloc(s.state_bytes ? s.state_bytes : 1);
        s.state_epoch = pr__malloc(s.state_bytes ? s.state_bytes : 1);
        if (!s.state_best || !s.state_epoch) st = PR_ERR_NOMEM;
    }
    if (!st) {
        make_fingerprint(&s);
        s.h->has_val = s.has_val;
        s.h->regression = !s.classify;
        s.h->train_rows = s.X_train->shape[0];
        s.h->val_rows = s.has_val ? s.X_val->shape[0] : 0;
        pr__model_state_copy(m, s.state_best, 1);
    }
    if (!st && o->resume) {
        pr_train_state rs = {s.opt, s.sched, &s.rng, s.h, s.state_best, s.fingerprint, s.epochs};
        st = pr__checkpoint_read(m, o->resume, &rs, &s.epoch, &s.step, &s.wait, &s.best_epoch, &s.best_loss);
    }
    int stop = 0;
    while (!st && !stop && s.epoch < s.epochs) {
        s.epoch++;
        pr__model_state_copy(m, s.state_epoch, 1);
        double t_epoch = now(), lr = 0;
        tally t = {0};
        if ((st = run_epoch(&s, &t, &lr))) break;
        if ((st = record_epoch(&s, &t, lr, now() - t_epoch, &stop))) break;
        if (o->checkpoint) {
            pr_train_state ws = {s.opt, s.sched, &s.rng, s.h, s.state_best, s.fingerprint, s.epochs};
            if ((st = pr__checkpoint_write(m, o->checkpoint, &ws, s.epoch, s.step, s.wait, s.best_epoch, s.best_loss)))
                break;
        }
        if (o->log && (st = pr__train_log_write(s.h, o->log, o->log_format))) break;
    }
    if (!st && o->patience > 0 && !o->keep_last && s.best_epoch > 0 && s.best_epoch != s.h->epochs) {
        pr__model_state_copy(m, s.state_best, 0);
        s.h->restored_best = 1;
    }
    if (!st) {
        s.h->steps = s.step;
        s.h->total_seconds = now() - t0;
        *history = s.h;
        s.h = NULL;
    }
    session_free(&s);
    return st;
}

pr_status pr_evaluate(pr_model *m, const pr_tensor *X, const pr_tensor *y, const pr_loss_config *loss, double *loss_value,
                      double *metric) {
    if (!m || !loss_value || !metric) return pr__fail(PR_ERR_INVALID, "evaluate: NULL argument");
    pr_train_options o = PR_TRAIN_DEFAULTS;
    if (loss) o.loss = *loss;
    session s = {0};
    s.m = m;
    s.g = pr_model_graph(m);
    s.o = &o;
    s.x = pr_model_input(m);
    s.y = pr_model_output(m);
    s.classify = pr_model_task(m) == PR_TASK_CLASSIFICATION;
    pr_status st = prepare_data(&s, X, y, 0);
    if (!st) st = build_loss(&s);
    if (!st) st = evaluate_set(&s, s.X_train, s.T_train, s.sst_train, loss_value, metric);
    session_free(&s);
    return st;
}
