/* The trainer: epochs over shuffled mini-batches of a model's graph, with
 * validation, early stopping, schedules, clipping, penalties, auxiliary loss terms,
 * logs and checkpoints that resume bit for bit. Targets are what the model declares
 * (labels per row or per position, values, or the input itself); metrics come from
 * the stats layer's tallies. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/internal.h"
#include "primer/data.h"
#include "primer/stats.h"
#include "primer/train.h"
#include "train/train_internal.h"

#define EVAL_CHUNK 2048

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---- history -------------------------------------------------------------------------------- */

void pr_train_history_free(pr_train_history *h) {
    if (!h) return;
#define PR_X_(field) free(h->field);
    PR_HISTORY_LIST(PR_X_)
#undef PR_X_
    for (int k = 0; k < PR_MODEL_MAX_LOSSES; k++) {
        free(h->aux_train[k]);
        free(h->aux_val[k]);
    }
    free(h);
}

static pr_status history_new(int64_t epochs, const pr_model *m, pr_train_history **out) {
    pr_train_history *h = pr__calloc(1, sizeof *h);
    if (!h) return PR_ERR_NOMEM;
    size_t n = (size_t)(epochs > 0 ? epochs : 1);
    int failed = 0;
#define PR_X_(field) failed |= !(h->field = pr__calloc(n, sizeof(double)));
    PR_HISTORY_LIST(PR_X_)
#undef PR_X_
    h->n_aux = pr_model_loss_count(m);
    for (int k = 0; k < h->n_aux; k++) {
        snprintf(h->aux_names[k], sizeof h->aux_names[k], "%s", pr_model_loss_name(m, k));
        failed |= !(h->aux_train[k] = pr__calloc(n, sizeof(double)));
        failed |= !(h->aux_val[k] = pr__calloc(n, sizeof(double)));
    }
    if (failed) {
        pr_train_history_free(h);
        return PR_ERR_NOMEM;
    }
    h->best_loss = INFINITY;
    *out = h;
    return PR_OK;
}

int pr__history_columns(const pr_train_history *h, double **cols, char (*keys)[80], char (*headings)[80]) {
    static const char *const names[] = {
#define PR_X_(field) #field,
        PR_HISTORY_LIST(PR_X_)
#undef PR_X_
    };
    double *fixed[] = {
#define PR_X_(field) h->field,
        PR_HISTORY_LIST(PR_X_)
#undef PR_X_
    };
    _Static_assert(sizeof names / sizeof names[0] == sizeof fixed / sizeof fixed[0], "one name per history series");
    const char *metric = h->regression ? "r2" : "accuracy";
    int n = 0;
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++, n++) {
        cols[n] = fixed[k];
        snprintf(keys[n], sizeof keys[n], "%s", names[k]);
        const char *suffix = strstr(names[k], "_metric");
        if (suffix) snprintf(headings[n], sizeof headings[n], "%.*s_%s", (int)(suffix - names[k]), names[k], metric);
        else snprintf(headings[n], sizeof headings[n], "%s", names[k]);
    }
    for (int k = 0; k < h->n_aux; k++) {
        cols[n] = h->aux_train[k];
        snprintf(keys[n], sizeof keys[n], "aux_train.%s", h->aux_names[k]);
        snprintf(headings[n++], sizeof headings[0], "%s", h->aux_names[k]);
        cols[n] = h->aux_val[k];
        snprintf(keys[n], sizeof keys[n], "aux_val.%s", h->aux_names[k]);
        snprintf(headings[n++], sizeof headings[0], "val_%s", h->aux_names[k]);
    }
    return n;
}

/* ---- targets ------------------------------------------------------------------------------ */

/* Labels for classes 0..K-1 with no other values: they map to themselves. */
static int identity_classes(const pr_model *m) {
    for (int64_t k = 0; k < pr_model_class_count(m); k++)
        if (pr_model_class_label(m, k) != (double)k) return 0;
    return 1;
}

/* The targets as the graph takes them, in the model's dtype: class indices (N) or
 * (N, T...) for labels (the ignore index kept as it is), values shaped as the outputs
 * otherwise; NULL for a reconstruction, whose target is the input. */
static pr_status prepare_targets(pr_model *m, const pr_tensor *y, int64_t rows, const char *op, const char *what,
                                 pr_tensor **out) {
    int64_t ignore;
    pr_target_kind kind = pr_model_targets(m, &ignore);
    if (kind == PR_TARGET_RECONSTRUCTION) {
        *out = NULL;
        return PR_OK;
    }
    pr_status st = pr__require_tensor(y, op, what);
    if (st || (st = pr__require_float(y, op))) return st;
    if (y->ndim < 1 || y->shape[0] != rows)
        return pr__fail(PR_ERR_SHAPE, "%s: %s has %lld rows but the features have %lld", op, what,
                        (long long)(y->ndim ? y->shape[0] : 0), (long long)rows);
    char label[64];
    snprintf(label, sizeof label, "%s: %s", op, what);
    if ((st = pr_tensor_check_finite(y, label))) return st;
    pr_dtype dtype = pr_graph_dtype(pr_model_graph(m));
    int64_t out_shape[PR_MAX_DIMS], shape[PR_MAX_DIMS], per_row = 1;
    int nd = pr_model_output_shape(m, out_shape);
    shape[0] = rows;
    memcpy(shape + 1, out_shape, (size_t)nd * sizeof *out_shape);
    char got[96];
    pr_tensor *t;
    if (kind == PR_TARGET_LABELS || kind == PR_TARGET_POSITIONS) {
        /* one label per position: the output's shape without the class axis */
        for (int d = 0; d < nd - 1; d++) per_row *= out_shape[d];
        int fits = y->ndim == nd;
        for (int d = 1; fits && d < nd; d++) fits = y->shape[d] == shape[d];
        if (!fits) {
            pr_tensor want = {.ndim = nd};
            memcpy(want.shape, shape, sizeof want.shape);
            char w[96];
            /* one label per row for a model that answers at every position: the usual slip
               in sequence classification */
            int per_row_labels = y->ndim == 1 && nd >= 2 && kind == PR_TARGET_POSITIONS;
            return pr__fail(PR_ERR_SHAPE, "%s: %s has shape %s; the model's %s need %s%s", op, what,
                            pr_shape_format(y, got, sizeof got), pr_target_name(kind), pr_shape_format(&want, w, sizeof w),
                            per_row_labels ? " (the model answers at every position; for one label per sequence, take the "
                                             "last step: lstm:H:1:0:last, or a `last` layer after the sequence layers)"
                                           : "");
        }
        if ((st = pr_tensor_zeros(&t, dtype, nd, shape))) return st;
        int identity = identity_classes(m);
        int64_t K = pr_model_class_count(m);
        for (int64_t i = 0; i < t->size; i++) {
            double v = pr_tensor_get(y, i);
            int64_t c = (int64_t)v;
            if (ignore != PR_NO_IGNORE && v == (double)ignore) {
                pr_tensor_set(t, i, v); /* padding: the loss and the metric skip it */
                continue;
            }
            if (identity ? !(v >= 0 && v < (double)K && v == floor(v)) : pr_model_class_index(m, v, &c) != PR_OK) {
                pr_tensor_free(t);
                if (identity) pr_model_class_index(m, v, &c); /* for its message */
                return pr__fail_context("%s: %s, row %lld%s: ", op, what, (long long)(i / per_row) + 1,
                                        kind == PR_TARGET_POSITIONS ? " (per-position labels)" : "");
            }
            pr_tensor_set(t, i, (double)c);
        }
    } else {
        for (int d = 0; d < nd; d++) per_row *= out_shape[d];
        if (y->size != rows * per_row || (y->ndim == 1 && per_row != 1)) {
            pr_tensor want = {.ndim = nd + 1};
            memcpy(want.shape, shape, sizeof want.shape);
            char w[96];
            return pr__fail(PR_ERR_SHAPE, "%s: %s has shape %s; the model has %lld output%s per row, so it needs %s%s", op,
                            what, pr_shape_format(y, got, sizeof got), (long long)per_row, per_row == 1 ? "" : "s",
                            pr_shape_format(&want, w, sizeof w), per_row == 1 ? " or (N)" : "");
        }
        if ((st = pr_tensor_cast(y, dtype, &t))) return st;
        pr_tensor_reshape(t, nd + 1, shape);
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
    pr_target_kind targets;
    int64_t ignore;
    int labels;                  /* labels per row or per position */
    int has_val;
    pr_node x, y, target, loss, objective, total; /* target invalid for reconstructions */
    int n_aux;
    pr_node aux[PR_MODEL_MAX_LOSSES];
    pr_tensor *X_train, *T_train, *X_val, *T_val;
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
    uint64_t data_fingerprint;   /* data_fingerprint() when checkpointing, resuming or distributed */
    const pr_train_distributed *dist; /* NULL for one process */
    pr_tensor *share_seed;       /* distributed: this rank's share of the batch, seeding backward */
    pr_threads *threads_before;  /* the graph's pool before the run (restored after) */
} session;

static void session_free(session *s) {
    pr_tensor_free(s->X_train);
    pr_tensor_free(s->T_train);
    pr_tensor_free(s->X_val);
    pr_tensor_free(s->T_val);
    pr_optimizer_free(s->opt);
    pr_schedule_free(s->sched);
    pr_batches_free(s->batches);
    pr_tensor_free(s->share_seed);
    free(s->state_best);
    free(s->state_epoch);
    pr_train_history_free(s->h);
}

/* Running totals of an epoch or an evaluation: losses weighted by what each batch's
 * mean is over (counted positions or rows), and the metric's tally. */
typedef struct tally {
    double loss_sum, weight, aux_sum[PR_MODEL_MAX_LOSSES];
    pr_metric_tally metric;
} tally;

/* Add one batch: its losses, and its outputs against the targets (the input batch
 * for a reconstruction). */
static pr_status tally_batch(session *s, tally *t, double objective, const pr_tensor *targets, const pr_tensor *inputs) {
    pr_tensor out;
    pr_status st = pr_graph_value(s->g, s->y, &out);
    if (st) return st;
    int64_t before = t->metric.count, rows = out.shape[0];
    if (s->labels) st = pr_tally_labels(&t->metric, &out, targets, s->ignore);
    else st = pr_tally_values(&t->metric, s->targets == PR_TARGET_RECONSTRUCTION ? inputs : targets, &out);
    if (st) return st;
    double w = s->labels ? (double)(t->metric.count - before) : (double)rows;
    t->loss_sum += objective * w;
    t->weight += w;
    for (int k = 0; k < s->n_aux; k++) {
        double v;
        if ((st = pr_graph_scalar(s->g, s->aux[k], &v))) return st;
        t->aux_sum[k] += v * w;
    }
    return PR_OK;
}

static double tally_loss(const tally *t) { return t->weight > 0 ? t->loss_sum / t->weight : NAN; }
static double tally_aux(const tally *t, int k) { return t->weight > 0 ? t->aux_sum[k] / t->weight : NAN; }
static double tally_metric(const session *s, const tally *t) {
    return s->labels ? pr_tally_accuracy(&t->metric) : pr_tally_regression(&t->metric).r2;
}

/* Sum an epoch's tally over the processes: sums add, and the regression tally's mean
 * and M2 travel as Σ y and Σ y² (one all-reduce per epoch). */
static pr_status tally_allreduce(session *s, tally *t) {
    const pr_train_distributed *d = s->dist;
    if (!d || d->size <= 1) return PR_OK;
    pr_metric_tally *m = &t->metric;
    double n = (double)m->n, v[8 + PR_MODEL_MAX_LOSSES] = {t->loss_sum, t->weight, (double)m->count, (double)m->hits, n,
                                                           n * m->mean, m->m2 + n * m->mean * m->mean, m->sse};
    v[8] = m->sae;
    for (int k = 0; k < s->n_aux; k++) v[9 + k] = t->aux_sum[k];
    pr_status st = d->allreduce(v, 9 + s->n_aux, PR_F64, d->ctx);
    if (st) return pr__fail_context("train: epoch %lld: summing the processes' losses: ", (long long)s->epoch);
    t->loss_sum = v[0];
    t->weight = v[1];
    m->count = (int64_t)v[2];
    m->hits = (int64_t)v[3];
    m->n = (int64_t)v[4];
    m->mean = v[4] > 0 ? v[5] / v[4] : 0;
    m->m2 = v[4] > 0 ? fmax(v[6] - v[4] * m->mean * m->mean, 0) : 0;
    m->sse = v[7];
    m->sae = v[8];
    for (int k = 0; k < s->n_aux; k++) t->aux_sum[k] = v[9 + k];
    return PR_OK;
}

static int is_rank0(const session *s) { return !s->dist || s->dist->rank == 0; }

static pr_status bind_batch(session *s, const pr_tensor *xb, const pr_tensor *tb) {
    pr_status st = pr_graph_bind_input(s->g, s->x, xb);
    if (!st && tb) st = pr_graph_bind_input(s->g, s->target, tb);
    return st;
}

/* Mean losses and the metric over a prepared set, in evaluation mode. */
static pr_status evaluate_set(session *s, const pr_tensor *X, const pr_tensor *T, tally *t) {
    *t = (tally){.metric = PR_TALLY_EMPTY};
    pr_graph_set_training(s->g, 0);
    pr_status st = PR_OK;
    for (int64_t start = 0; start < X->shape[0] && !st; start += EVAL_CHUNK) {
        int64_t stop = start + EVAL_CHUNK < X->shape[0] ? start + EVAL_CHUNK : X->shape[0];
        pr_tensor xv, tv;
        double v;
        if ((st = pr_tensor_view_rows(X, start, stop, &xv)) || (T && (st = pr_tensor_view_rows(T, start, stop, &tv))) ||
            (st = bind_batch(s, &xv, T ? &tv : NULL)) || (st = pr_graph_forward(s->g, s->objective)) ||
            (st = pr_graph_scalar(s->g, s->objective, &v)))
            break;
        st = tally_batch(s, t, v, T ? &tv : NULL, &xv);
    }
    pr_graph_set_training(s->g, 1);
    return st;
}

/* The loss against the declared targets, the model's auxiliary terms and the weight
 * penalty: objective = loss + Σ weight · term (what is reported and monitored), total
 * = objective + penalty (what is minimised). */
static pr_status build_loss(session *s) {
    pr_graph *g = s->g;
    pr_loss_config lc = s->o->loss;
    const char *kind = pr_target_name(s->targets);
    if (s->labels) {
        if (lc.kind && lc.kind != PR_LOSS_CROSS_ENTROPY)
            return pr__fail(PR_ERR_INVALID, "train: a classifier trains with cross-entropy, not %s (for other losses give "
                                            "the model no task and targets shaped like its outputs)",
                            pr_loss_name(lc.kind));
        lc.kind = PR_LOSS_CROSS_ENTROPY;
        if (lc.ignore_index == PR_NO_IGNORE) lc.ignore_index = s->ignore;
        s->ignore = lc.ignore_index;
        /* one label per position: (N, out...) without the class axis */
        int64_t per[PR_MAX_DIMS], shape[PR_MAX_DIMS] = {-1};
        int nd = pr_model_output_shape(s->m, per);
        memcpy(shape + 1, per, (size_t)(nd - 1) * sizeof *per);
        s->target = pr_g_input(g, "target", nd, shape);
    } else {
        if (!lc.kind) {
            if (pr_model_task(s->m) == PR_TASK_NONE)
                return pr__fail(PR_ERR_INVALID, "train: the model has no task; set one (pr_model_set_task) or name a loss");
            lc.kind = PR_LOSS_MSE;
        }
        if (lc.kind == PR_LOSS_CROSS_ENTROPY)
            return pr__fail(PR_ERR_INVALID, "train: cross-entropy needs a classifier (pr_model_set_task), not %s targets", kind);
        if (s->targets == PR_TARGET_RECONSTRUCTION) {
            s->target = s->x; /* the input is the target */
        } else {
            int64_t per[PR_MAX_DIMS], shape[PR_MAX_DIMS] = {-1};
            int nd = pr_model_output_shape(s->m, per);
            memcpy(shape + 1, per, (size_t)nd * sizeof *per);
            s->target = pr_g_input(g, "target", nd + 1, shape);
        }
    }
    lc.reduction = PR_REDUCTION_MEAN;
    s->loss = pr_loss(g, &lc, s->y, s->target);
    s->objective = s->loss;
    s->n_aux = pr_model_loss_count(s->m);
    for (int k = 0; k < s->n_aux; k++) {
        s->aux[k] = pr_model_loss_node(s->m, k);
        s->objective = pr_g_add(g, s->objective, pr_g_scale(g, s->aux[k], pr_model_loss_weight(s->m, k)));
    }
    s->total = s->objective;
    if (s->o->penalty_lambda > 0) {
        pr_node w[256];
        int n = pr_model_weight_params(s->m, w, 256);
        if (n > 256) return pr__fail(PR_ERR_LIMIT, "train: more than 256 weight matrices to penalise");
        s->total = pr_g_add(g, s->objective, pr_penalty(g, s->o->penalty, w, n, s->o->penalty_lambda, s->o->penalty_alpha));
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
        if (!o->X_val || (!o->y_val && s->targets != PR_TARGET_RECONSTRUCTION))
            return pr__fail(PR_ERR_INVALID, "train: give both X_val and y_val");
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
    return PR_OK;
}

static void make_fingerprint(session *s) {
    const pr_train_options *o = s->o;
    pr_optimizer_config c = pr_optimizer_settings(s->opt);
    char num[4][PR__NUMBER_TEXT];
    locale_t old = uselocale(pr__c_locale());
    snprintf(s->fingerprint, sizeof s->fingerprint,
             "rows=%lld val=%lld batch=%lld shuffle=%d seed=%llu optimizer=%s lr=%s wd=%s schedule=%s loss=%s "
             "clip=%s/%s penalty=%d targets=%s",
             (long long)s->X_train->shape[0], (long long)(s->X_val ? s->X_val->shape[0] : 0), (long long)s->batch,
             !o->no_shuffle, (unsigned long long)o->seed, pr_optimizer_name(c.kind), pr__format_shortest(c.lr, 0, num[0]),
             pr__format_shortest(c.weight_decay, 0, num[1]), pr_schedule_name(o->schedule.kind),
             pr_loss_name(o->loss.kind), pr__format_shortest(o->clip_norm, 0, num[2]),
             pr__format_shortest(o->clip_value, 0, num[3]), o->penalty_lambda > 0 ? (int)o->penalty : -1,
             pr_target_name(s->targets));
    uselocale(old);
}

/* The bytes of the training and validation inputs and targets, as the run uses them
 * (after the split): a checkpoint keeps it, and every rank compares it. */
static uint64_t data_fingerprint(const session *s) {
    uint64_t h = 0;
    const pr_tensor *sets[] = {s->X_train, s->T_train, s->X_val, s->T_val};
    for (size_t k = 0; k < sizeof sets / sizeof sets[0]; k++)
        if (sets[k]) h = pr__hash_bytes(sets[k]->data, (size_t)sets[k]->size * pr_dtype_size(sets[k]->dtype), h);
    return h;
}

/* A distributed run's start: every rank must train on the same data, parameters and
 * settings. */
static pr_status compare_processes(session *s) {
    uint64_t fp[3] = {s->data_fingerprint, pr__hash_bytes(s->params.data, (size_t)s->params.size * pr_dtype_size(s->params.dtype), 0),
                      pr__hash_bytes(s->fingerprint, strlen(s->fingerprint), 0)};
    static const char *const what[3] = {"different data", "a different model or initial weights",
                                        "different training settings"};
    return pr__dist_start(s->dist, s->batch, fp, 3, what);
}

static pr_status record_epoch(session *s, tally *t, double lr, double seconds, int *stop) {
    const pr_train_options *o = s->o;
    pr_train_history *h = s->h;
    int64_t e = s->epoch; /* 1-based, this epoch */
    tally val = {.loss_sum = NAN};
    pr_status st = tally_allreduce(s, t);
    if (st) return st;
    if (s->has_val && (st = evaluate_set(s, s->X_val, s->T_val, &val))) return st;
    double train_loss = tally_loss(t), val_loss = s->has_val ? tally_loss(&val) : NAN;
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
        if (o->patience > 0) pr_model_state_save(s->m, s->state_best);
    } else {
        s->wait++;
    }
    pr_epoch_report r = {e, s->epochs, train_loss, tally_metric(s, t), val_loss, s->has_val ? tally_metric(s, &val) : NAN,
                         lr, seconds, improved, s->n_aux, {0}, {0}};
    h->train_loss[e - 1] = r.train_loss;
    h->train_metric[e - 1] = r.train_metric;
    h->val_loss[e - 1] = r.val_loss;
    h->val_metric[e - 1] = r.val_metric;
    h->lr[e - 1] = lr;
    h->seconds[e - 1] = seconds;
    for (int k = 0; k < s->n_aux; k++) {
        h->aux_train[k][e - 1] = r.aux_train[k] = tally_aux(t, k);
        h->aux_val[k][e - 1] = r.aux_val[k] = s->has_val ? tally_aux(&val, k) : NAN;
    }
    h->epochs = e;
    h->best_epoch = s->best_epoch;
    h->best_loss = s->best_loss;
    if (o->on_epoch && o->on_epoch(&r, o->user)) {
        h->cancelled = 1;
        *stop = 1;
    }
    if (o->patience > 0 && s->wait >= o->patience) {
        h->stopped_early = 1;
        *stop = 1;
    }
    return PR_OK;
}

static pr_status diverged(session *s, double loss, int64_t b, int64_t spe, double lr) {
    pr_model_state_restore(s->m, s->state_epoch);
    const char *what = s->dist && s->dist->size > 1 && isfinite(loss) ? "non-finite on another process"
                       : isnan(loss)                                   ? "NaN"
                       : loss > 0                                      ? "infinite"
                                                                       : "-infinite";
    return pr__fail(PR_ERR_NONFINITE, "the loss diverged: it became %s at epoch %lld, batch %lld of %lld "
                                      "(learning rate %g); the model keeps its weights from %s. Try a smaller "
                                      "learning rate or gradient clipping",
                    what, (long long)s->epoch, (long long)b + 1, (long long)spe, lr,
                    s->epoch > 1 ? "the end of the previous epoch" : "before training");
}

/* Forward and backward on this process's share of a batch; its gradients are summed
 * with the other processes' (one all-reduce), each weighted by its share of the rows,
 * so the sum is the gradient of the whole batch's mean loss. A process whose loss is
 * not finite marks the first gradient NaN before the sum, so that every process sees
 * it after and all stop together. */
static pr_status distributed_step(session *s, tally *t, const pr_tensor *xb, const pr_tensor *tb, double *loss) {
    const pr_train_distributed *d = s->dist;
    int64_t rows = xb->shape[0], begin, count;
    pr__dist_share(d, rows, &begin, &count);
    pr_status st = PR_OK;
    *loss = 0;
    pr_graph_random_pass(s->g, begin); /* every process takes the step's key, rows or not */
    if (count > 0) {
        pr_tensor xs, ts;
        if ((st = pr_tensor_view_rows(xb, begin, begin + count, &xs)) ||
            (tb && (st = pr_tensor_view_rows(tb, begin, begin + count, &ts))) || (st = bind_batch(s, &xs, tb ? &ts : NULL)) ||
            (st = pr_graph_forward(s->g, s->total)) || (st = pr_graph_scalar(s->g, s->objective, loss)))
            return st;
        if ((st = tally_batch(s, t, *loss, tb ? &ts : NULL, &xs))) return st;
        pr_tensor_fill(s->share_seed, (double)count / (double)rows);
        if ((st = pr_graph_backward_seed(s->g, s->total, s->share_seed))) return st;
    }
    if (!isfinite(*loss)) pr_tensor_set(&s->grads, 0, NAN);
    double t0 = now();
    st = d->allreduce(s->grads.data, s->grads.size, s->grads.dtype, d->ctx);
    s->h->allreduce_seconds += now() - t0;
    s->h->allreduces++;
    if (st) return pr__fail_context("summing the processes' gradients: ");
    if (!isfinite(pr_tensor_get(&s->grads, 0))) *loss = isfinite(*loss) ? (double)NAN : *loss;
    return PR_OK;
}

/* One epoch of mini-batch steps. */
static pr_status run_epoch(session *s, tally *t, double *last_lr) {
    const pr_train_options *o = s->o;
    pr_tensor xb, tb;
    int64_t spe = pr_batches_count(s->batches);
    int distributed = s->dist && s->dist->size > 1;
    pr_status st;
    pr_graph_set_training(s->g, 1);
    while (pr_batches_next(s->batches, &xb, &tb)) {
        int64_t b = pr_batches_index(s->batches);
        double lr = pr_schedule_lr(s->sched, s->step, spe), loss;
        const pr_tensor *targets = s->T_train ? &tb : NULL;
        if (distributed) {
            if ((st = distributed_step(s, t, &xb, targets, &loss)))
                return pr__fail_context("train: epoch %lld, batch %lld: ", (long long)s->epoch, (long long)b + 1);
            if (!isfinite(loss) || !isfinite(pr_tensor_get(&s->grads, 0))) return diverged(s, loss, b, spe, lr);
        } else {
            if ((st = bind_batch(s, &xb, targets)) || (st = pr_graph_forward(s->g, s->total)) ||
                (st = pr_graph_scalar(s->g, s->objective, &loss)))
                return pr__fail_context("train: epoch %lld, batch %lld: ", (long long)s->epoch, (long long)b + 1);
            if (!isfinite(loss)) return diverged(s, loss, b, spe, lr);
            if ((st = tally_batch(s, t, loss, targets, &xb)))
                return pr__fail_context("train: epoch %lld: ", (long long)s->epoch);
            /* the optimizer zeroes the parameter gradients as it consumes them, and
             * backward zeroes the rest */
            if ((st = pr_graph_backward(s->g, s->total))) return st;
        }
        if (o->clip_value > 0 && (st = pr_clip_grad_value(&s->grads, o->clip_value))) return st;
        if (o->clip_norm > 0 && (st = pr_clip_grad_norm(&s->grads, o->clip_norm, NULL))) return st;
        if ((st = pr_optimizer_step(s->opt, &s->params, &s->grads, lr))) return st;
        s->step++;
        *last_lr = lr;
        if (o->on_batch) {
            pr_batch_report r = {s->epoch, s->epochs, b + 1, spe, loss};
            o->on_batch(&r, o->user);
        }
        if (o->interrupt && *o->interrupt && !distributed) {
            s->h->interrupted = 1;
            s->h->interrupted_batches = b + 1;
            return PR_OK;
        }
    }
    /* a step can leave non-finite weights that the next loss would only show later */
    if ((st = pr_tensor_check_finite(&s->params, "weights"))) {
        pr_model_state_restore(s->m, s->state_epoch);
        return pr__fail(PR_ERR_NONFINITE, "the loss diverged in epoch %lld: the weights are no longer finite; the model "
                                          "keeps its weights from %s. Try a smaller learning rate or gradient clipping",
                        (long long)s->epoch, s->epoch > 1 ? "the end of the previous epoch" : "before training");
    }
    return PR_OK;
}

/* What every run needs: the model's targets, the data and the loss. */
static pr_status session_start(session *s, pr_model *m, const pr_train_options *o, const pr_tensor *X, const pr_tensor *y,
                               int training) {
    s->m = m;
    s->g = pr_model_graph(m);
    s->o = o;
    s->x = pr_model_input(m);
    s->y = pr_model_output(m);
    s->targets = pr_model_targets(m, &s->ignore);
    s->labels = s->targets == PR_TARGET_LABELS || s->targets == PR_TARGET_POSITIONS;
    s->best_loss = INFINITY;
    pr_status st = prepare_data(s, X, y, training);
    if (!st) st = build_loss(s);
    return st;
}

pr_status pr_train(pr_model *m, const pr_tensor *X, const pr_tensor *y, const pr_train_options *options,
                   pr_train_history **history) {
    if (!m || !history) return pr__fail(PR_ERR_INVALID, "train: NULL model or history");
    pr_train_options defaults = PR_TRAIN_DEFAULTS;
    const pr_train_options *o = options ? options : &defaults;
    session s = {0};
    s.epochs = o->epochs;
    s.batch = o->batch_size;
    if (s.epochs < 1 || s.batch < 1 || o->patience < 0 || !(o->clip_norm >= 0) || !(o->clip_value >= 0) ||
        !(o->penalty_lambda >= 0))
        return pr__fail(PR_ERR_INVALID, "train: epochs and batch size must be >= 1; patience, clipping and the penalty "
                                        "must not be negative (start from PR_TRAIN_DEFAULTS)");
    if (pr_model_task(m) == PR_TASK_NONE && !o->loss.kind)
        return pr__fail(PR_ERR_INVALID, "train: the model has no task; set one (pr_model_set_task) or name a loss");
    double t0 = now();
    s.dist = o->distributed && o->distributed->size > 1 ? o->distributed : NULL;
    s.threads_before = pr_graph_threads(pr_model_graph(m));
    if (o->threads) pr_graph_set_threads(pr_model_graph(m), o->threads);
    pr_status st = session_start(&s, m, o, X, y, 1);
    if (!st) st = pr_graph_param_buffers(s.g, &s.params, &s.grads);
    pr_optimizer_config oc = o->optimizer;
    oc.zero_grads = 1;
    if (!st) st = pr_optimizer_new(&s.opt, &oc, s.params.size, pr_graph_dtype(s.g));
    if (!st) pr_optimizer_set_threads(s.opt, pr_graph_threads(s.g));
    if (!st && s.dist) st = pr_tensor_zeros(&s.share_seed, pr_graph_dtype(s.g), 0, NULL);
    if (!st) st = pr_graph_zero_grad(s.g);
    if (!st) st = pr_schedule_new(&s.sched, &o->schedule, pr_optimizer_settings(s.opt).lr, (double)s.epochs);
    if (!st) {
        pr_rng_seed(&s.rng, o->seed);
        st = pr_batches_new(&s.batches, s.X_train, s.T_train, s.batch, !o->no_shuffle, &s.rng, 0);
    }
    if (!st) st = history_new(s.epochs, m, &s.h);
    if (!st) {
        s.state_bytes = pr_model_state_size(m);
        s.state_best = pr__malloc(s.state_bytes ? s.state_bytes : 1);
        s.state_epoch = pr__malloc(s.state_bytes ? s.state_bytes : 1);
        if (!s.state_best || !s.state_epoch) st = PR_ERR_NOMEM;
    }
    if (!st) make_fingerprint(&s);
    if (!st && (o->checkpoint || o->resume || s.dist)) s.data_fingerprint = data_fingerprint(&s);
    if (!st && s.dist) st = compare_processes(&s);
    if (!st) {
        s.h->has_val = s.has_val;
        s.h->regression = !s.labels;
        s.h->targets = s.targets;
        s.h->train_rows = s.X_train->shape[0];
        s.h->val_rows = s.has_val ? s.X_val->shape[0] : 0;
        pr_model_state_save(m, s.state_best);
    }
    if (!st && o->resume) {
        pr_train_state rs = {s.opt, s.sched, &s.rng, s.h, s.state_best, s.fingerprint, s.data_fingerprint, o->force_resume, s.epochs};
        st = pr__checkpoint_read(m, o->resume, &rs, &s.epoch, &s.step, &s.wait, &s.best_epoch, &s.best_loss);
    }
    int stop = 0;
    while (!st && !stop && s.epoch < s.epochs) {
        s.epoch++;
        pr_model_state_save(m, s.state_epoch);
        double t_epoch = now(), lr = 0;
        tally t = {.metric = PR_TALLY_EMPTY};
        if ((st = run_epoch(&s, &t, &lr))) break;
        if (s.h->interrupted) { /* a partial epoch: not recorded, nor checkpointed */
            s.epoch--;
            break;
        }
        if ((st = record_epoch(&s, &t, lr, now() - t_epoch, &stop))) break;
        if (o->checkpoint && is_rank0(&s)) {
            pr_train_state ws = {s.opt, s.sched, &s.rng, s.h, s.state_best, s.fingerprint, s.data_fingerprint, 0, s.epochs};
            if ((st = pr__checkpoint_write(m, o->checkpoint, &ws, s.epoch, s.step, s.wait, s.best_epoch, s.best_loss)))
                break;
        }
        if (o->log && is_rank0(&s) && (st = pr__train_log_write(s.h, o->log, o->log_format))) break;
    }
    if (!st && !s.h->interrupted && o->patience > 0 && !o->keep_last && s.best_epoch > 0 && s.best_epoch != s.h->epochs) {
        pr_model_state_restore(m, s.state_best);
        s.h->restored_best = 1;
    }
    if (!st) {
        s.h->steps = s.step;
        s.h->total_seconds = now() - t0;
        *history = s.h;
        s.h = NULL;
    }
    pr_graph_set_threads(pr_model_graph(m), s.threads_before);
    session_free(&s);
    return st;
}

pr_status pr_evaluate(pr_model *m, const pr_tensor *X, const pr_tensor *y, const pr_loss_config *loss, double *loss_value,
                      double *metric) {
    if (!m || !loss_value || !metric) return pr__fail(PR_ERR_INVALID, "evaluate: NULL argument");
    pr_train_options o = PR_TRAIN_DEFAULTS;
    if (loss) o.loss = *loss;
    session s = {0};
    pr_status st = session_start(&s, m, &o, X, y, 0);
    tally t;
    if (!st) st = evaluate_set(&s, s.X_train, s.T_train, &t);
    if (!st) {
        *loss_value = tally_loss(&t);
        *metric = tally_metric(&s, &t);
    }
    session_free(&s);
    return st;
}
