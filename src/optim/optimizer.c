/* Optimisers (sections 5.2-5.5) on flat parameter and gradient vectors, and
 * gradient clipping. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "core/parallel.h"
#include "primer/optim.h"

struct pr_optimizer {
    pr_optimizer_config config;  /* defaults filled in */
    pr_dtype dtype;
    int64_t n, steps;
    void *state0, *state1;       /* velocity / first moment / square average / sum; second moment */
    pr_threads *threads;         /* the caller's pool, or NULL */
};

#define R float
#define SFX f32
#define MATH(fn) fn##f
#include "optim/step.inc"
#undef R
#undef SFX
#undef MATH
#define R double
#define SFX f64
#define MATH(fn) fn
#include "optim/step.inc"
#undef R
#undef SFX
#undef MATH

static const char *const kind_names[] = {
#define PR_X_(name, value, str) [name] = str,
    PR_OPTIMIZER_LIST(PR_X_)
#undef PR_X_
};
_Static_assert(sizeof kind_names / sizeof kind_names[0] == PR_OPT_COUNT, "one name per optimiser");

const char *pr_optimizer_name(pr_optimizer_kind kind) {
    return (unsigned)kind < PR_OPT_COUNT ? kind_names[kind] : "unknown";
}

pr_optimizer_config pr_optimizer_defaults(pr_optimizer_kind kind) {
    pr_optimizer_config c = PR_OPTIMIZER_DEFAULTS;
    c.kind = kind;
    int adam = kind == PR_OPT_ADAM || kind == PR_OPT_ADAMW || kind == PR_OPT_DEFAULT;
    c.lr = adam ? 1e-3 : 0.01;
    if (kind == PR_OPT_ADAGRAD) c.eps = 1e-10;
    if (kind == PR_OPT_ADAMW) c.weight_decay = 0.01;
    return c;
}

pr_status pr_optimizer_parse(const char *text, pr_optimizer_config *config) {
    if (!text || !config) return pr__fail(PR_ERR_INVALID, "optimizer_parse: NULL argument");
    size_t len = strcspn(text, ":");
    for (int k = 1; k < PR_OPT_COUNT; k++) {
        if (strlen(kind_names[k]) != len || strncmp(text, kind_names[k], len)) continue;
        pr_optimizer_config c = pr_optimizer_defaults((pr_optimizer_kind)k);
        if (text[len]) {
            char *end;
            locale_t old = uselocale(pr__c_locale());
            double beta = strtod(text + len + 1, &end);
            uselocale(old);
            if ((k != PR_OPT_MOMENTUM && k != PR_OPT_NESTEROV) || end == text + len + 1 || *end || !(beta >= 0 && beta < 1))
                return pr__fail(PR_ERR_INVALID, "optimizer '%s': only momentum:B and nesterov:B take an argument, "
                                                "with 0 <= B < 1",
                                text);
            c.momentum = beta;
        }
        *config = c;
        return PR_OK;
    }
    return pr__fail(PR_ERR_INVALID, "unknown optimizer '%s' (sgd, momentum[:B], nesterov[:B], adam, adamw, rmsprop, "
                                    "adagrad)",
                    text);
}

static pr_status resolve(const pr_optimizer_config *in, pr_optimizer_config *c) {
    *c = in ? *in : PR_OPTIMIZER_DEFAULTS;
    if ((unsigned)c->kind >= PR_OPT_COUNT) return pr__fail(PR_ERR_INVALID, "optimizer: unknown kind %d", (int)c->kind);
    if (c->kind == PR_OPT_DEFAULT) c->kind = PR_OPT_ADAM;
    const char *bad = !(c->lr > 0) || !isfinite(c->lr)             ? "the learning rate must be > 0"
                      : !(c->momentum >= 0 && c->momentum < 1)     ? "momentum must be in [0, 1)"
                      : !(c->beta1 >= 0 && c->beta1 < 1)           ? "beta1 must be in [0, 1)"
                      : !(c->beta2 >= 0 && c->beta2 < 1)           ? "beta2 must be in [0, 1)"
                      : !(c->eps >= 0) || !isfinite(c->eps)        ? "eps must be >= 0"
                      : !(c->alpha >= 0 && c->alpha < 1)           ? "alpha must be in [0, 1)"
                      : !(c->weight_decay >= 0) || !isfinite(c->weight_decay) ? "weight decay must be >= 0"
                                                                   : NULL;
    if (bad)
        return pr__fail(PR_ERR_INVALID, "optimizer %s: %s (start from pr_optimizer_defaults)", kind_names[c->kind], bad);
    return PR_OK;
}

static int state_buffers(pr_optimizer_kind k) {
    return k == PR_OPT_SGD ? 0 : (k == PR_OPT_ADAM || k == PR_OPT_ADAMW) ? 2 : 1;
}

pr_status pr_optimizer_new(pr_optimizer **out, const pr_optimizer_config *config, int64_t n_params, pr_dtype dtype) {
    if (!out) return pr__fail(PR_ERR_INVALID, "optimizer_new: output pointer is NULL");
    if (dtype != PR_F32 && dtype != PR_F64) return pr__fail(PR_ERR_DTYPE, "optimizer_new: float32 or float64 parameters");
    if (n_params < 0) return pr__fail(PR_ERR_INVALID, "optimizer_new: %lld parameters", (long long)n_params);
    pr_optimizer_config c;
    pr_status st = resolve(config, &c);
    if (st) return st;
    size_t bytes;
    if (!pr__mul_size((size_t)n_params, pr_dtype_size(dtype), &bytes)) return pr__fail(PR_ERR_OVERFLOW, "optimizer_new: too many parameters");
    pr_optimizer *o = pr__calloc(1, sizeof *o);
    if (!o) return PR_ERR_NOMEM;
    o->config = c;
    o->dtype = dtype;
    o->n = n_params;
    int k = state_buffers(c.kind);
    if ((k > 0 && !(o->state0 = pr__alloc(bytes ? bytes : 1, true))) || (k > 1 && !(o->state1 = pr__alloc(bytes ? bytes : 1, true)))) {
        pr_optimizer_free(o);
        return PR_ERR_NOMEM;
    }
    *out = o;
    return PR_OK;
}

void pr_optimizer_free(pr_optimizer *o) {
    if (!o) return;
    pr__free(o->state0);
    pr__free(o->state1);
    free(o);
}

void pr_optimizer_reset(pr_optimizer *o) {
    if (!o) return;
    size_t bytes = (size_t)o->n * pr_dtype_size(o->dtype);
    if (o->state0) memset(o->state0, 0, bytes);
    if (o->state1) memset(o->state1, 0, bytes);
    o->steps = 0;
}

pr_optimizer_config pr_optimizer_settings(const pr_optimizer *o) { return o ? o->config : (pr_optimizer_config){0}; }
int64_t pr_optimizer_steps(const pr_optimizer *o) { return o ? o->steps : 0; }

static pr_status check_vector(const pr_tensor *t, pr_dtype dtype, int64_t n, const char *op, const char *what) {
    pr_status st = pr__require_tensor(t, op, what);
    if (st) return st;
    if (t->dtype != dtype || t->size != n)
        return pr__fail(PR_ERR_SHAPE, "%s: %s must hold %lld %s values, got %lld %s", op, what, (long long)n,
                        pr_dtype_name(dtype), (long long)t->size, pr_dtype_name(t->dtype));
    return PR_OK;
}

/* Updates go in blocks, so that zeroing a block of gradients finds it still in
 * cache, and the blocks are split over the pool (each element's update is the same
 * arithmetic wherever it runs). */
#define STEP_BLOCK 4096

typedef struct step_job {
    pr_optimizer *o;
    void *params;
    void *grads;
    double lr;
} step_job;

static void step_blocks(void *ctx, int64_t b0, int64_t b1, int worker) {
    const step_job *j = ctx;
    pr_optimizer *o = j->o;
    (void)worker;
    size_t es = pr_dtype_size(o->dtype);
    for (int64_t b = b0; b < b1; b++) {
        int64_t start = b * STEP_BLOCK, len = o->n - start < STEP_BLOCK ? o->n - start : STEP_BLOCK;
        char *p = (char *)j->params + (size_t)start * es, *g = (char *)j->grads + (size_t)start * es;
        if (o->dtype == PR_F32) optimizer_update_f32(o, (float *)(void *)p, (float *)(void *)g, start, len, j->lr);
        else optimizer_update_f64(o, (double *)(void *)p, (double *)(void *)g, start, len, j->lr);
        if (o->config.zero_grads) memset(g, 0, (size_t)len * es);
    }
}

pr_status pr_optimizer_step(pr_optimizer *o, pr_tensor *params, const pr_tensor *grads, double lr) {
    if (!o) return pr__fail(PR_ERR_INVALID, "optimizer_step: optimizer is NULL");
    pr_status st = check_vector(params, o->dtype, o->n, "optimizer_step", "params");
    if (st || (st = check_vector(grads, o->dtype, o->n, "optimizer_step", "grads"))) return st;
    if (isnan(lr)) lr = o->config.lr; /* PR_UNSET */
    if (!(lr >= 0) || !isfinite(lr)) return pr__fail(PR_ERR_INVALID, "optimizer_step: the learning rate %g must be >= 0", lr);
    o->steps++;
    step_job job = {o, params->data, grads->data, lr};
    pr__region_enter(o->threads);
    pr__parallel_for(o->threads, (o->n + STEP_BLOCK - 1) / STEP_BLOCK, 8, step_blocks, &job);
    pr__region_leave(o->threads);
    return PR_OK;
}

void pr_optimizer_set_threads(pr_optimizer *o, pr_threads *pool) {
    if (o) o->threads = pool;
}

pr_status pr_optimizer_adam_moments(const pr_optimizer *o, double *m, double *v, double *m_hat, double *v_hat) {
    if (!o) return pr__fail(PR_ERR_INVALID, "optimizer_adam_moments: optimizer is NULL");
    if (o->config.kind != PR_OPT_ADAM && o->config.kind != PR_OPT_ADAMW)
        return pr__fail(PR_ERR_INVALID, "optimizer_adam_moments: %s keeps no Adam moments", kind_names[o->config.kind]);
    if (o->steps < 1) return pr__fail(PR_ERR_INVALID, "optimizer_adam_moments: no step taken yet");
    double c1 = 1 - pow(o->config.beta1, (double)o->steps), c2 = 1 - pow(o->config.beta2, (double)o->steps);
    for (int64_t i = 0; i < o->n; i++) {
        double mi = o->dtype == PR_F32 ? ((const float *)o->state0)[i] : ((const double *)o->state0)[i];
        double vi = o->dtype == PR_F32 ? ((const float *)o->state1)[i] : ((const double *)o->state1)[i];
        if (m) m[i] = mi;
        if (v) v[i] = vi;
        if (m_hat) m_hat[i] = mi / c1;
        if (v_hat) v_hat[i] = vi / c2;
    }
    return PR_OK;
}

/* ---- state in files --------------------------------------------------------------------------- */

static const char *state_name(pr_optimizer_kind k, int which) {
    if (k == PR_OPT_ADAM || k == PR_OPT_ADAMW) return which ? "exp_avg_sq" : "exp_avg";
    return k == PR_OPT_RMSPROP ? "square_avg" : k == PR_OPT_ADAGRAD ? "sum" : "momentum_buffer";
}

pr_status pr_optimizer_save_state(const pr_optimizer *o, pr_tensor_file *f, const char *prefix) {
    if (!o || !f) return pr__fail(PR_ERR_INVALID, "optimizer_save_state: NULL argument");
    if (!prefix) prefix = "";
    char key[256];
    snprintf(key, sizeof key, "%skind", prefix);
    pr_status st = pr_tensor_file_set_meta(f, key, kind_names[o->config.kind]);
    pr_tensor *step = NULL;
    if (!st) st = pr_tensor_full(&step, PR_I64, 0, NULL, 0);
    if (!st) {
        pr_tensor_i64(step)[0] = o->steps;
        snprintf(key, sizeof key, "%sstep", prefix);
        st = pr_tensor_file_add(f, key, step);
    }
    pr_tensor_free(step);
    void *bufs[2] = {o->state0, o->state1};
    for (int k = 0; !st && k < state_buffers(o->config.kind); k++) {
        pr_tensor view = {.data = bufs[k], .ndim = 1, .size = o->n, .dtype = o->dtype};
        for (int d = 0; d < PR_MAX_DIMS; d++) view.shape[d] = 1;
        view.shape[0] = o->n;
        snprintf(key, sizeof key, "%s%s", prefix, state_name(o->config.kind, k));
        st = pr_tensor_file_add(f, key, &view);
    }
    return st;
}

pr_status pr_optimizer_load_state(pr_optimizer *o, const pr_tensor_file *f, const char *prefix, const char *name) {
    if (!o || !f) return pr__fail(PR_ERR_INVALID, "optimizer_load_state: NULL argument");
    if (!prefix) prefix = "";
    if (!name) name = "checkpoint";
    char key[256];
    snprintf(key, sizeof key, "%skind", prefix);
    const char *kind = pr_tensor_file_meta(f, key);
    if (!kind || strcmp(kind, kind_names[o->config.kind]))
        return pr__fail(PR_ERR_FORMAT, "%s: the optimizer state is for '%s', not '%s'", name, kind ? kind : "nothing",
                        kind_names[o->config.kind]);
    const pr_tensor *t;
    snprintf(key, sizeof key, "%sstep", prefix);
    if (pr_tensor_file_find(f, key, &t) || t->dtype != PR_I64 || t->size != 1 || pr_tensor_i64(t)[0] < 0)
        return pr__fail(PR_ERR_FORMAT, "%s: '%s' must be a non-negative int64 scalar", name, key);
    int64_t steps = pr_tensor_i64(t)[0];
    void *bufs[2] = {o->state0, o->state1};
    for (int k = 0; k < state_buffers(o->config.kind); k++) {
        snprintf(key, sizeof key, "%s%s", prefix, state_name(o->config.kind, k));
        if (pr_tensor_file_find(f, key, &t) || t->dtype != o->dtype || t->size != o->n)
            return pr__fail(PR_ERR_FORMAT, "%s: optimizer state '%s' is missing or does not hold %lld %s values", name, key,
                            (long long)o->n, pr_dtype_name(o->dtype));
    }
    for (int k = 0; k < state_buffers(o->config.kind); k++) {
        snprintf(key, sizeof key, "%s%s", prefix, state_name(o->config.kind, k));
        pr_tensor_file_find(f, key, &t);
        memcpy(bufs[k], t->data, (size_t)o->n * pr_dtype_size(o->dtype));
    }
    o->steps = steps;
    return PR_OK;
}

/* ---- clipping ---------------------------------------------------------------------------------- */

static pr_status check_grads(const pr_tensor *g, const char *op) {
    pr_status st = pr__require_tensor(g, op, "grads");
    return st ? st : pr__require_float(g, op);
}

pr_status pr_clip_grad_norm(pr_tensor *grads, double max_norm, double *norm) {
    pr_status st = check_grads(grads, "clip_grad_norm");
    if (st) return st;
    if (!(max_norm > 0)) return pr__fail(PR_ERR_INVALID, "clip_grad_norm: max_norm must be > 0");
    double total = sqrt(grads->dtype == PR_F32 ? sum_squares_f32(grads->data, grads->size)
                                               : sum_squares_f64(grads->data, grads->size));
    if (norm) *norm = total;
    if (total > max_norm) { /* PyTorch's factor: max_norm / (norm + 1e-6) */
        double k = max_norm / (total + 1e-6);
        if (grads->dtype == PR_F32) scale_values_f32(grads->data, grads->size, k);
        else scale_values_f64(grads->data, grads->size, k);
    }
    return PR_OK;
}

pr_status pr_clip_grad_value(pr_tensor *grads, double limit) {
    pr_status st = check_grads(grads, "clip_grad_value");
    if (st) return st;
    if (!(limit > 0)) return pr__fail(PR_ERR_INVALID, "clip_grad_value: the limit must be > 0");
    if (grads->dtype == PR_F32) clamp_values_f32(grads->data, grads->size, limit);
    else clamp_values_f64(grads->data, grads->size, limit);
    return PR_OK;
}
