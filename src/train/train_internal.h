/* Internals of src/train shared by the trainer, checkpoints and logs. */
#ifndef PRIMER_TRAIN_INTERNAL_H
#define PRIMER_TRAIN_INTERNAL_H

#include "core/internal.h"
#include "primer/train.h"

/* What a checkpoint holds besides the model. */
typedef struct pr_train_state {
    pr_optimizer *opt;
    pr_schedule *sched;
    pr_rng *shuffle;
    pr_train_history *history;
    unsigned char *best;         /* snapshot of the best weights (pr_model_state_save layout) */
    const char *fingerprint;     /* the settings that must match on resume */
    uint64_t data_fingerprint;   /* pr__hash_bytes of the training and validation data */
    int force;                   /* resume on other data (force_resume) */
    int64_t capacity;            /* epochs the history arrays hold */
} pr_train_state;

/* The per-epoch columns of a history: PR_HISTORY_LIST's, then each auxiliary term's
 * training and validation means. cols[k] (epochs values), keys[k] (in checkpoints:
 * "train_loss", "aux_train.<name>") and headings[k] (in logs: "train_accuracy",
 * "<name>", "val_<name>"). Returns the count (at most PR__HISTORY_MAX). */
#define PR__HISTORY_MAX (6 + 2 * PR_MODEL_MAX_LOSSES)
int pr__history_columns(const pr_train_history *h, double **cols, char (*keys)[80], char (*headings)[80]);

pr_status pr__checkpoint_write(pr_model *m, const char *path, const pr_train_state *s, int64_t epoch, int64_t step,
                               int64_t wait, int64_t best_epoch, double best_loss);
pr_status pr__checkpoint_read(pr_model *m, const char *path, pr_train_state *s, int64_t *epoch, int64_t *step,
                              int64_t *wait, int64_t *best_epoch, double *best_loss);
/* Rank d->rank's rows of a batch of `rows`: [begin, begin + count) (all of them for
 * one process or d NULL). */
void pr__dist_share(const pr_train_distributed *d, int64_t rows, int64_t *begin, int64_t *count);
/* A 64-bit fingerprint of n bytes, continuing from h. */
uint64_t pr__hash_bytes(const void *data, size_t n, uint64_t h);
/* Check a distributed run before its first step: the ranks and the batch, then the
 * n fingerprints of every rank against rank 0's (what[k] names fingerprint k: "the
 * data differs"). Every rank gets the same answer. */
pr_status pr__dist_start(const pr_train_distributed *d, int64_t batch, const uint64_t *fingerprints, int n,
                         const char *const *what);

/* Rewrite the per-epoch log (atomically). */
pr_status pr__train_log_write(const pr_train_history *h, const char *path, pr_log_format format);

#endif
