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
    unsigned char *best;         /* snapshot of the best weights (pr__model_state_copy layout) */
    const char *fingerprint;     /* the settings that must match on resume */
    int64_t capacity;            /* epochs the history arrays hold */
} pr_train_state;

/* Bytes of a snapshot of every model tensor, and copying it out (save) or back in. */
size_t pr__model_state_bytes(pr_model *m);
void pr__model_state_copy(pr_model *m, unsigned char *state, int save);

pr_status pr__checkpoint_write(pr_model *m, const char *path, const pr_train_state *s, int64_t epoch, int64_t step,
                               int64_t wait, int64_t best_epoch, double best_loss);
pr_status pr__checkpoint_read(pr_model *m, const char *path, pr_train_state *s, int64_t *epoch, int64_t *step,
                              int64_t *wait, int64_t *best_epoch, double *best_loss);
/* Rewrite the per-epoch log (atomically). */
pr_status pr__train_log_write(const pr_train_history *h, const char *path, pr_log_format format);

#endif
