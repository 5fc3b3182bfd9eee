/* primer/optim.h — optimisers, learning-rate schedules and gradient clipping
 * (book chapter 5).
 *
 * An optimiser updates a flat vector of parameters from a flat vector of
 * gradients, the layout pr_graph_param_buffers() gives, so one call steps a whole
 * model:
 *
 *     pr_optimizer *opt;
 *     pr_optimizer_config c = pr_optimizer_defaults(PR_OPT_ADAM);   // lr 1e-3
 *     pr_optimizer_new(&opt, &c, n_params, PR_F32);
 *     pr_graph_param_buffers(g, &params, &grads);
 *     ... forward, zero_grad, backward ...
 *     pr_optimizer_step(opt, &params, &grads, PR_UNSET);   // the configured rate
 *
 * The update rules (g: gradient, θ: parameters, η: learning rate, wd: weight decay):
 *
 *   SGD        θ -= η (g + wd θ)
 *   momentum   v = βv + g; θ -= η v                  (section 5.4; PyTorch's SGD momentum)
 *              v = βv + (1-β) g with momentum_ema    (Q5.2's form, v starting at 0)
 *   Nesterov   v = βv + g; θ -= η (g + βv)           (PyTorch's nesterov=True)
 *   Adam       m = β1 m + (1-β1) g; v = β2 v + (1-β2) g²;
 *              θ -= η m̂ / (sqrt(v̂) + ε), m̂ = m/(1-β1^t), v̂ = v/(1-β2^t)   (5.5; ε outside the root)
 *   AdamW      Adam without wd in g, and θ -= η wd θ first (decoupled decay)
 *   RMSProp    v = α v + (1-α) g²; θ -= η g / (sqrt(v) + ε)
 *   Adagrad    s += g²; θ -= η g / (sqrt(s) + ε)
 *
 * where every rule but AdamW adds wd θ to g first. These match torch.optim's
 * SGD, Adam, AdamW, RMSprop and Adagrad with the same settings.
 */
#ifndef PRIMER_OPTIM_H
#define PRIMER_OPTIM_H

#include "primer/core.h"
#include "primer/threads.h"
#include "primer/io.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- optimisers -------------------------------------------------------------------------- */

/* X(enum name, value, "name"). The one list of optimisers; DEFAULT is Adam. */
#define PR_OPTIMIZER_LIST(X)            \
    X(PR_OPT_DEFAULT, 0, "adam")        \
    X(PR_OPT_SGD, 1, "sgd")             \
    X(PR_OPT_MOMENTUM, 2, "momentum")   \
    X(PR_OPT_NESTEROV, 3, "nesterov")   \
    X(PR_OPT_ADAM, 4, "adam")           \
    X(PR_OPT_ADAMW, 5, "adamw")         \
    X(PR_OPT_RMSPROP, 6, "rmsprop")     \
    X(PR_OPT_ADAGRAD, 7, "adagrad")

typedef enum pr_optimizer_kind {
#define PR_X_(name, value, str) name = value,
    PR_OPTIMIZER_LIST(PR_X_)
#undef PR_X_
    PR_OPT_COUNT
} pr_optimizer_kind;

/* Start from pr_optimizer_defaults(kind) (PyTorch's defaults for that kind, given
 * after each field) or PR_OPTIMIZER_DEFAULTS (Adam's); every field is taken as given,
 * so a momentum or a beta of 0 is 0. */
typedef struct pr_optimizer_config {
    pr_optimizer_kind kind;
    double lr;            /* 1e-3 for Adam and AdamW, 0.01 for the others; > 0 */
    double momentum;      /* β of momentum and Nesterov (0.9), in [0, 1) */
    int momentum_ema;     /* 1: v = βv + (1-β)g instead of v = βv + g (0) */
    double beta1, beta2;  /* Adam, AdamW (0.9 and 0.999), in [0, 1) */
    double eps;           /* 1e-8 (Adagrad: 1e-10), >= 0 */
    double alpha;         /* RMSProp's smoothing constant (0.99), in [0, 1) */
    double weight_decay;  /* 0 (AdamW: 0.01) */
    int no_bias_correction; /* Adam, AdamW: 1 uses the raw moments m and v instead of
                               m̂ = m/(1-β1^t), v̂ = v/(1-β2^t) (Q5.9 asks for both) (0) */
    int zero_grads;       /* 1: set the gradients to zero as the step consumes them (saves the
                             separate pass of pr_graph_zero_grad; the trainer does this) (0) */
} pr_optimizer_config;

#define PR_OPTIMIZER_DEFAULTS                                                                        \
    ((pr_optimizer_config){.kind = PR_OPT_ADAM, .lr = 1e-3, .momentum = 0.9, .beta1 = 0.9, .beta2 = 0.999, \
                           .eps = 1e-8, .alpha = 0.99, .weight_decay = 0})
/* The defaults of one kind of optimiser. */
pr_optimizer_config pr_optimizer_defaults(pr_optimizer_kind kind);

typedef struct pr_optimizer pr_optimizer;

/* An optimiser for n_params parameters of `dtype` (PR_F32 or PR_F64). Invalid
 * settings (a negative rate, β outside [0, 1)) are PR_ERR_INVALID naming them. */
pr_status pr_optimizer_new(pr_optimizer **out, const pr_optimizer_config *config, int64_t n_params, pr_dtype dtype);
void pr_optimizer_free(pr_optimizer *o);
/* Split each step's updates over `pool` (NULL: the calling thread); the same bits
 * with any pool. The optimiser does not own the pool. */
void pr_optimizer_set_threads(pr_optimizer *o, pr_threads *pool);
/* One update of `params` (1-D, n_params elements) from `grads` (same), with learning
 * rate lr (PR_UNSET: the configured rate; a schedule's rate otherwise, >= 0). */
pr_status pr_optimizer_step(pr_optimizer *o, pr_tensor *params, const pr_tensor *grads, double lr);
/* Adam and AdamW: the moments after the last step, m and v (raw) and m̂ and v̂ (bias
 * corrected by 1 - β^t), copied into caller arrays of n_params float64 values (any may
 * be NULL). PR_ERR_INVALID for other kinds or before the first step. */
pr_status pr_optimizer_adam_moments(const pr_optimizer *o, double *m, double *v, double *m_hat, double *v_hat);
/* The configuration with every default filled in. */
pr_optimizer_config pr_optimizer_settings(const pr_optimizer *o);
/* Updates taken so far. */
int64_t pr_optimizer_steps(const pr_optimizer *o);
/* Forget the state (moments, velocity, step count). */
void pr_optimizer_reset(pr_optimizer *o);

/* "sgd", "momentum", "nesterov", "adam", "adamw", "rmsprop", "adagrad". */
const char *pr_optimizer_name(pr_optimizer_kind kind);
/* Parse a name into *config: that kind's defaults (pr_optimizer_defaults); for
 * "momentum:0.8" and "nesterov:0.8" also the momentum. */
pr_status pr_optimizer_parse(const char *text, pr_optimizer_config *config);

/* Save the state as tensors "<prefix>step", "<prefix>exp_avg", ... and metadata
 * "<prefix>kind"; load it back into an optimiser of the same kind and size. */
pr_status pr_optimizer_save_state(const pr_optimizer *o, pr_tensor_file *f, const char *prefix);
pr_status pr_optimizer_load_state(pr_optimizer *o, const pr_tensor_file *f, const char *prefix, const char *name);

/* ---- gradient clipping ------------------------------------------------------------------- */

/* Scale grads so that their global L2 norm is at most max_norm; *norm (if not NULL)
 * receives the norm before clipping (NaN propagates: check it). */
pr_status pr_clip_grad_norm(pr_tensor *grads, double max_norm, double *norm);
/* Clamp every gradient element to [-limit, limit]. */
pr_status pr_clip_grad_value(pr_tensor *grads, double limit);

/* ---- learning-rate schedules ---------------------------------------------------------------
 * A schedule gives the rate for optimizer step `step` (0-based, counted over the
 * whole run) when an epoch has `steps_per_epoch` steps; t = step / steps_per_epoch
 * is the time in epochs and e = floor(t) the epoch. With base rate η:
 *
 *   constant      η
 *   step          η · γ^floor(e / k)                       (γ 0.1, every k = 10 epochs)
 *   exponential   η · γ^e                                   (γ 0.95)
 *   cosine        η_min + ½(η - η_min)(1 + cos(π t / T))    (T: the run's epochs)
 *   warmup        η · (step + 1) / (W · steps_per_epoch) for t < W (linear warmup over W
 *                 epochs, W 1), then linear decay to η_min at T or the cosine above over T - W
 *   plateau       η · γ^k after k reductions: pr_schedule_observe() once per epoch with the
 *                 validation loss; a reduction when it has not improved on the best by a
 *                 relative 1e-4 for more than `patience` epochs (10), γ 0.1 (PyTorch's
 *                 ReduceLROnPlateau)
 *   cyclic        triangular between η_min (η/10) and η, half a cycle every `cycle` epochs (2)
 */

/* X(enum name, value, "name"). The one list of schedules. */
#define PR_SCHEDULE_LIST(X)                         \
    X(PR_SCHED_CONSTANT, 0, "constant")             \
    X(PR_SCHED_STEP, 1, "step")                     \
    X(PR_SCHED_EXPONENTIAL, 2, "exp")               \
    X(PR_SCHED_COSINE, 3, "cosine")                 \
    X(PR_SCHED_WARMUP_LINEAR, 4, "warmup_linear")   \
    X(PR_SCHED_WARMUP_COSINE, 5, "warmup_cosine")   \
    X(PR_SCHED_PLATEAU, 6, "plateau")               \
    X(PR_SCHED_CYCLIC, 7, "cyclic")

typedef enum pr_schedule_kind {
#define PR_X_(name, value, str) name = value,
    PR_SCHEDULE_LIST(PR_X_)
#undef PR_X_
    PR_SCHED_COUNT
} pr_schedule_kind;

/* Start from pr_schedule_defaults(kind) or PR_SCHEDULE_DEFAULTS (constant); the
 * defaults follow each field. Every field is taken as given (a plateau patience of 0
 * cuts the rate after the first epoch without improvement). */
typedef struct pr_schedule_config {
    pr_schedule_kind kind;
    double every;       /* step decay period k in epochs (10), > 0 */
    double gamma;       /* step and plateau factor (0.1), exponential (0.95); in (0, 1] */
    double epochs;      /* T for cosine and warmup decays (PR_UNSET: the run's length) */
    double warmup;      /* W in epochs (1), > 0 */
    double lr_min;      /* floor of cosine and linear decay (0); cyclic lower bound
                           (PR_UNSET: a tenth of the base rate) */
    int64_t patience;   /* plateau (10), >= 0 */
    double threshold;   /* plateau: relative improvement that counts (1e-4), in [0, 1) */
    double cycle;       /* cyclic half-period in epochs (2), > 0 */
} pr_schedule_config;

#define PR_SCHEDULE_DEFAULTS                                                                             \
    ((pr_schedule_config){.kind = PR_SCHED_CONSTANT, .every = 10, .gamma = 0.1, .epochs = PR_UNSET, .warmup = 1, \
                          .lr_min = 0, .patience = 10, .threshold = 1e-4, .cycle = 2})
/* The defaults of one kind of schedule. */
pr_schedule_config pr_schedule_defaults(pr_schedule_kind kind);

typedef struct pr_schedule pr_schedule;

/* A schedule around base rate `lr` for a run of `epochs` epochs. */
pr_status pr_schedule_new(pr_schedule **out, const pr_schedule_config *config, double lr, double epochs);
void pr_schedule_free(pr_schedule *s);
double pr_schedule_lr(const pr_schedule *s, int64_t step, int64_t steps_per_epoch);
/* Report the epoch's monitored loss (plateau uses it; the others ignore it).
 * *reduced (if not NULL) is set when the rate was just reduced. */
pr_status pr_schedule_observe(pr_schedule *s, double loss, int *reduced);
/* The plateau state (best loss, epochs without improvement, reductions) for checkpoints. */
void pr_schedule_get_state(const pr_schedule *s, double state[3]);
void pr_schedule_set_state(pr_schedule *s, const double state[3]);
/* "constant", "step", ...; pr_schedule_parse reads "step:K[:G]", "exp:G", "cosine[:MIN]",
 * "warmup:W[:linear|cosine]", "plateau[:P[:G]]", "cyclic[:LO[:HALF]]" into that kind's
 * defaults with the arguments given. */
const char *pr_schedule_name(pr_schedule_kind kind);
pr_status pr_schedule_parse(const char *text, pr_schedule_config *config);

#ifdef __cplusplus
}
#endif

#endif /* PRIMER_OPTIM_H */
