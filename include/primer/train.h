/* primer/train.h — the trainer: epochs of shuffled mini-batches, validation,
 * early stopping, schedules, clipping, checkpoints that resume exactly, logs and
 * loss curves (book chapters 5 and 7).
 *
 *     pr_train_options o = PR_TRAIN_DEFAULTS;      // 20 epochs of Adam, batch 32
 *     o.val_fraction = 0.1;
 *     o.optimizer = pr_optimizer_defaults(PR_OPT_SGD);
 *     pr_train_history *h;
 *     if (pr_train(model, X, y, &o, &h)) fprintf(stderr, "%s\n", pr_last_error());
 *
 * Targets, as the model declares them (pr_model_set_targets; by default from its
 * task and output shape):
 *   labels          y (N): a class label per row; softmax cross-entropy
 *   positions       y (N, T...): a class label per position of (N, T..., K) logits
 *                   (a language model's next token); labels equal to the ignore index
 *                   (-100 by default) are padding: no loss, no gradient, not counted
 *   values          y shaped as the outputs, (N) for one output; MSE (or MAE, Huber)
 *   reconstruction  y is not used (may be NULL): the outputs are compared with the
 *                   input itself (an autoencoder); MSE unless a loss is given (BCE for
 *                   sigmoid outputs in [0, 1])
 * A model with no task trains with the loss given, on targets shaped like its outputs.
 * The model's auxiliary loss terms (a VAE's KL divergence) are added to the loss,
 * weighted, and reported on their own in the history, the log and the callbacks.
 *
 * Reproducibility. The same model, data, options and seed give the same weights bit
 * for bit (with the same BLAS thread count). A run stopped after any epoch and
 * continued from its checkpoint (`resume`) ends bit-identical to one that never
 * stopped: the checkpoint holds the weights, batch-norm statistics, optimiser and
 * schedule state, both random generators, the early-stopping state and the history.
 *
 * Failures. Bad data (NaN, labels the model does not know, a feature count that does
 * not fit, fewer than two rows) fails before training with a message naming the row
 * or the shapes. A loss that becomes NaN or infinite stops training with
 * PR_ERR_NONFINITE naming the epoch and batch; the model is put back to its weights
 * at the end of the last complete epoch, and the last checkpoint on disk is kept.
 */
#ifndef PRIMER_TRAIN_H
#define PRIMER_TRAIN_H

#include <signal.h>

#include "primer/nn.h"
#include "primer/optim.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Passed to on_epoch after every epoch. Metrics are accuracy for classifiers (per
 * counted position for per-position labels) and R² for values and reconstructions;
 * val_* are NaN without validation data. Losses include the model's weighted
 * auxiliary terms, each of which is also reported on its own (unweighted). */
typedef struct pr_epoch_report {
    int64_t epoch, epochs;          /* 1-based epoch of the configured total */
    double train_loss, train_metric;
    double val_loss, val_metric;
    double lr;                      /* the rate of the epoch's last step */
    double seconds;                 /* wall time of the epoch */
    int improved;                   /* the monitored loss reached a new best */
    int n_aux;                      /* the auxiliary terms, in pr_model_loss_name order */
    double aux_train[PR_MODEL_MAX_LOSSES], aux_val[PR_MODEL_MAX_LOSSES];
} pr_epoch_report;

/* Passed to on_batch after every optimiser step. */
typedef struct pr_batch_report {
    int64_t epoch, epochs, batch, batches; /* 1-based */
    double loss;
} pr_batch_report;

typedef enum pr_log_format { PR_LOG_AUTO, PR_LOG_CSV, PR_LOG_JSONL } pr_log_format;

/* Data-parallel training over processes (docs/scaling.md). Every process calls
 * pr_train with the same model, data, options and seed; each runs its share of every
 * batch (rows [r B / K, (r + 1) B / K) of the batch for rank r of K), the gradients
 * (each weighted by its share of the rows) are summed over the processes with one
 * call of `allreduce` per step, and every process applies the same update, so the
 * parameters stay identical everywhere without being sent. The epoch's losses and
 * metrics are summed the same way, once per epoch. Only rank 0 writes the checkpoint
 * and the log; each rank may read the same checkpoint to resume, with any K.
 * Batch-norm statistics are per rank (each normalises its own share).
 *
 * Before the first step the processes compare fingerprints of their data, their
 * model's parameters and their settings, and every rank fails naming the ranks that
 * differ from rank 0. primer's library knows nothing of MPI: the caller supplies the
 * sum (the primer tool binds MPI_Allreduce). */
typedef struct pr_train_distributed {
    int rank, size;              /* this process, of size >= 1 */
    /* Sum n values of `dtype` (PR_F32 or PR_F64) over every process, in place; every
       process calls it with the same n. Nonzero on failure (with pr_last_error set). */
    pr_status (*allreduce)(void *data, int64_t n, pr_dtype dtype, void *ctx);
    void *ctx;
} pr_train_distributed;

/* Start from PR_TRAIN_DEFAULTS (a NULL pointer means the same); the defaults follow
 * each field, and every field is taken as given. */
typedef struct pr_train_options {
    int64_t epochs;              /* 20, >= 1 */
    int64_t batch_size;          /* 32, >= 1; larger than the data: full-batch gradient descent */
    int no_shuffle;              /* 1: visit the rows in order every epoch */
    uint64_t seed;               /* shuffling and the validation split */
    double val_fraction;         /* hold out this fraction of the rows for validation (0: none) */
    const pr_tensor *X_val, *y_val; /* or an explicit validation set */
    pr_loss_config loss;         /* PR_LOSS_DEFAULTS: cross-entropy (classifiers), MSE (regressors) */
    pr_optimizer_config optimizer; /* PR_OPTIMIZER_DEFAULTS: Adam, lr 1e-3 */
    pr_schedule_config schedule; /* PR_SCHEDULE_DEFAULTS: a constant rate */
    double clip_norm;            /* > 0: clip the global gradient norm (0: no clipping) */
    double clip_value;           /* > 0: clip each gradient element (0: no clipping) */
    double penalty_lambda;       /* add this penalty on the weight matrices to the loss (0: none) */
    pr_penalty_kind penalty;     /* (L2) */
    double penalty_alpha;        /* elastic-net mix (0.5) */
    int64_t patience;            /* > 0: stop after this many epochs without a new best
                                    (validation loss, else training loss) (0: never stop early) */
    int keep_last;               /* 1: keep the final weights instead of the best ones */
    const char *checkpoint;      /* written (atomically) after every epoch */
    const char *resume;          /* continue from this checkpoint */
    int force_resume;            /* 1: resume even when the checkpoint's data fingerprint
                                    differs from this run's data (the settings must still match) */
    const char *log;             /* per-epoch log, rewritten atomically after every epoch */
    pr_log_format log_format;    /* AUTO: JSON lines for *.jsonl / *.json, else CSV */
    /* Return nonzero to stop after this epoch (the history marks it cancelled). */
    int (*on_epoch)(const pr_epoch_report *report, void *user);
    void (*on_batch)(const pr_batch_report *report, void *user);
    void *user;
    pr_threads *threads;         /* split the work over this pool (NULL: the model's, if any) */
    const pr_train_distributed *distributed; /* NULL: one process */
    /* When *interrupt becomes nonzero (a SIGINT handler sets it), training stops after the
       current batch and returns PR_OK: the model keeps that step's weights, the history
       marks it interrupted (epochs counts the complete ones), and the checkpoint and log
       stay as the last complete epoch wrote them. One process only (ignored when
       distributed, where every process would have to stop at the same step). */
    const volatile sig_atomic_t *interrupt;
} pr_train_options;

#define PR_TRAIN_DEFAULTS                                                                                  \
    ((pr_train_options){.epochs = 20, .batch_size = 32, .no_shuffle = 0, .seed = 0, .val_fraction = 0,     \
                        .loss = PR_LOSS_DEFAULTS, .optimizer = PR_OPTIMIZER_DEFAULTS,                      \
                        .schedule = PR_SCHEDULE_DEFAULTS, .penalty = PR_PENALTY_L2, .penalty_alpha = 0.5})

/* The per-epoch series of a history: X(field). One list for the struct, the trainer,
 * checkpoints and logs. */
#define PR_HISTORY_LIST(X) X(train_loss) X(train_metric) X(val_loss) X(val_metric) X(lr) X(seconds)

typedef struct pr_train_history {
    int64_t epochs;                 /* completed */
    /* per epoch: the mean loss (the data loss plus the model's weighted auxiliary terms),
       the metric, the same on validation data, the last rate, the wall time */
#define PR_X_(field) double *field;
    PR_HISTORY_LIST(PR_X_)
#undef PR_X_
    int n_aux;                      /* the model's auxiliary loss terms (pr_model_add_loss) */
    char aux_names[PR_MODEL_MAX_LOSSES][32];
    double *aux_train[PR_MODEL_MAX_LOSSES], *aux_val[PR_MODEL_MAX_LOSSES]; /* per epoch, each term's mean
                                                                             (unweighted) */
    int has_val;
    int regression;                 /* metrics are R² rather than accuracy */
    pr_target_kind targets;         /* what the outputs were compared with */
    int64_t best_epoch;             /* 1-based epoch of the best monitored loss */
    double best_loss;
    int restored_best;              /* the model holds the weights of best_epoch */
    int stopped_early;              /* patience ran out */
    int cancelled;                  /* on_epoch asked to stop */
    int interrupted;                /* *options->interrupt stopped it inside an epoch */
    int64_t interrupted_batches;    /* the batches of that epoch it had taken */
    int64_t steps;                  /* optimiser steps in total */
    int64_t train_rows, val_rows;
    double total_seconds;           /* wall time of this call */
    double allreduce_seconds;       /* of which in the per-step gradient all-reduce (distributed runs;
                                       waiting for the slowest process included), */
    int64_t allreduces;             /* over this many steps of this call */
} pr_train_history;

pr_status pr_train(pr_model *m, const pr_tensor *X, const pr_tensor *y, const pr_train_options *options,
                   pr_train_history **history);
void pr_train_history_free(pr_train_history *h);

/* Loss (and validation loss) per epoch as an SVG figure; the best epoch is marked. */
pr_status pr_train_plot_history(const pr_train_history *h, const char *path, const char *title);

/* Mean loss and metric of the model on (X, y) in evaluation mode, with the loss the
 * trainer would use (options may be NULL). */
pr_status pr_evaluate(pr_model *m, const pr_tensor *X, const pr_tensor *y, const pr_loss_config *loss, double *loss_value,
                      double *metric);

#ifdef __cplusplus
}
#endif

#endif /* PRIMER_TRAIN_H */
