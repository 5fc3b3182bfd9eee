/* Learning-rate schedules (section 5.6 and Q5.10). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "primer/optim.h"

struct pr_schedule {
    pr_schedule_config c;  /* defaults filled in */
    double lr;
    double best;           /* plateau: best loss so far */
    double bad;            /* plateau: epochs without improvement */
    double reductions;     /* plateau: times the rate was cut */
};

static const char *const names[] = {
#define PR_X_(name, value, str) [name] = str,
    PR_SCHEDULE_LIST(PR_X_)
#undef PR_X_
};
_Static_assert(sizeof names / sizeof names[0] == PR_SCHED_COUNT, "one name per schedule");

const char *pr_schedule_name(pr_schedule_kind kind) { return (unsigned)kind < PR_SCHED_COUNT ? names[kind] : "unknown"; }

pr_schedule_config pr_schedule_defaults(pr_schedule_kind kind) {
    pr_schedule_config c = PR_SCHEDULE_DEFAULTS;
    c.kind = kind;
    if (kind == PR_SCHED_EXPONENTIAL) c.gamma = 0.95;
    if (kind == PR_SCHED_CYCLIC) c.lr_min = PR_UNSET;
    return c;
}

/* The kind a spec's word names: the schedule names, and "warmup" (linear unless its
 * second argument says cosine). */
static int kind_of(const char *text, size_t len) {
    if (len == 6 && !strncmp(text, "warmup", 6)) return PR_SCHED_WARMUP_LINEAR;
    for (int k = 0; k < PR_SCHED_COUNT; k++)
        if (strlen(names[k]) == len && !strncmp(text, names[k], len)) return k;
    return -1;
}

pr_status pr_schedule_parse(const char *text, pr_schedule_config *config) {
    if (!text || !config) return pr__fail(PR_ERR_INVALID, "schedule_parse: NULL argument");
    size_t len = strcspn(text, ":");
    int kind = kind_of(text, len);
    if (kind < 0)
        return pr__fail(PR_ERR_INVALID, "unknown schedule '%s' (constant, step:K[:G], exp:G, cosine[:MIN], "
                                        "warmup:W[:linear|cosine], plateau[:P[:G]], cyclic[:LO[:HALF]])",
                        text);
    pr_schedule_config c = pr_schedule_defaults((pr_schedule_kind)kind);
    const char *s = text + len;
    double args[2];
    int n = 0;
    locale_t old = uselocale(pr__c_locale());
    while (*s == ':' && n < 2) {
        if ((kind == PR_SCHED_WARMUP_LINEAR || kind == PR_SCHED_WARMUP_COSINE) && n == 1) {
            if (!strcmp(s + 1, "cosine")) c.kind = PR_SCHED_WARMUP_COSINE;
            else if (!strcmp(s + 1, "linear")) c.kind = PR_SCHED_WARMUP_LINEAR;
            else break;
            s += strlen(s);
            n++;
            continue;
        }
        char *end;
        args[n] = strtod(s + 1, &end);
        if (end == s + 1 || !isfinite(args[n]) || args[n] < 0) break;
        n++;
        s = end;
    }
    uselocale(old);
    static const int max_args[PR_SCHED_COUNT] = {0, 2, 1, 1, 2, 2, 2, 2};
    if (*s || n > max_args[kind] || ((kind == PR_SCHED_STEP || kind == PR_SCHED_EXPONENTIAL) && n == 0))
        return pr__fail(PR_ERR_INVALID, "schedule '%s': bad arguments (step:K[:G], exp:G, cosine[:MIN], "
                                        "warmup:W[:linear|cosine], plateau[:P[:G]], cyclic[:LO[:HALF]])",
                        text);
    switch (kind) {
    case PR_SCHED_STEP:
        c.every = args[0];
        if (n > 1) c.gamma = args[1];
        break;
    case PR_SCHED_EXPONENTIAL: c.gamma = args[0]; break;
    case PR_SCHED_COSINE:
        if (n) c.lr_min = args[0];
        break;
    case PR_SCHED_WARMUP_LINEAR:
    case PR_SCHED_WARMUP_COSINE:
        if (n) c.warmup = args[0];
        break;
    case PR_SCHED_PLATEAU:
        if (n) c.patience = (int64_t)args[0];
        if (n > 1) c.gamma = args[1];
        break;
    case PR_SCHED_CYCLIC:
        if (n) c.lr_min = args[0];
        if (n > 1) c.cycle = args[1];
        break;
    default: break;
    }
    *config = c;
    return PR_OK;
}

pr_status pr_schedule_new(pr_schedule **out, const pr_schedule_config *config, double lr, double epochs) {
    if (!out) return pr__fail(PR_ERR_INVALID, "schedule_new: output pointer is NULL");
    pr_schedule_config c = config ? *config : PR_SCHEDULE_DEFAULTS;
    if ((unsigned)c.kind >= PR_SCHED_COUNT) return pr__fail(PR_ERR_INVALID, "schedule: unknown kind %d", (int)c.kind);
    if (!(lr > 0) || !isfinite(lr)) return pr__fail(PR_ERR_INVALID, "schedule: the base learning rate must be > 0");
    if (isnan(c.epochs)) c.epochs = epochs;              /* PR_UNSET: the run's length */
    if (isnan(c.lr_min)) c.lr_min = c.kind == PR_SCHED_CYCLIC ? lr / 10 : 0; /* PR_UNSET */
    const char *bad = !(c.every > 0)                             ? "the step period must be > 0 epochs"
                      : !(c.gamma > 0 && c.gamma <= 1)           ? "the factor gamma must be in (0, 1]"
                      : !(c.warmup > 0)                          ? "the warmup must be > 0 epochs"
                      : !(c.lr_min >= 0 && c.lr_min <= lr)       ? "the minimum rate must be in [0, lr]"
                      : c.patience < 0                           ? "patience must be >= 0"
                      : !(c.threshold >= 0 && c.threshold < 1)   ? "the threshold must be in [0, 1)"
                      : !(c.cycle > 0)                           ? "the half-cycle must be > 0 epochs"
                      : (c.kind == PR_SCHED_COSINE || c.kind == PR_SCHED_WARMUP_LINEAR ||
                         c.kind == PR_SCHED_WARMUP_COSINE) && !(c.epochs > 0) ? "the run length T must be > 0 epochs"
                      : (c.kind == PR_SCHED_WARMUP_LINEAR || c.kind == PR_SCHED_WARMUP_COSINE) &&
                                !(c.warmup < c.epochs)           ? "the warmup must be shorter than the run"
                                                                 : NULL;
    if (bad) return pr__fail(PR_ERR_INVALID, "schedule %s: %s (start from pr_schedule_defaults)", pr_schedule_name(c.kind), bad);
    pr_schedule *s = pr__calloc(1, sizeof *s);
    if (!s) return PR_ERR_NOMEM;
    s->c = c;
    s->lr = lr;
    s->best = INFINITY;
    *out = s;
    return PR_OK;
}

void pr_schedule_free(pr_schedule *s) { free(s); }

double pr_schedule_lr(const pr_schedule *s, int64_t step, int64_t steps_per_epoch) {
    if (!s) return 0;
    if (steps_per_epoch < 1) steps_per_epoch = 1;
    const pr_schedule_config *c = &s->c;
    double t = (double)step / (double)steps_per_epoch, e = floor(t), lr = s->lr, lo = c->lr_min;
    switch (c->kind) {
    case PR_SCHED_CONSTANT: return lr;
    case PR_SCHED_STEP: return lr * pow(c->gamma, floor(e / c->every));
    case PR_SCHED_EXPONENTIAL: return lr * pow(c->gamma, e);
    case PR_SCHED_COSINE: {
        double u = t < c->epochs ? t / c->epochs : 1;
        return lo + 0.5 * (lr - lo) * (1 + cos(M_PI * u));
    }
    case PR_SCHED_WARMUP_LINEAR:
    case PR_SCHED_WARMUP_COSINE: {
        double warm_steps = c->warmup * (double)steps_per_epoch;
        if ((double)step < warm_steps) return lr * ((double)step + 1) / warm_steps;
        double u = (t - c->warmup) / (c->epochs - c->warmup);
        if (u > 1) u = 1;
        return c->kind == PR_SCHED_WARMUP_LINEAR ? lo + (lr - lo) * (1 - u) : lo + 0.5 * (lr - lo) * (1 + cos(M_PI * u));
    }
    case PR_SCHED_PLATEAU: return lr * pow(c->gamma, s->reductions);
    case PR_SCHED_CYCLIC: {
        double phase = fmod(t / c->cycle, 2.0); /* 0..1 rising from lo to lr, 1..2 falling back */
        return lo + (lr - lo) * (1 - fabs(phase - 1));
    }
    case PR_SCHED_COUNT: break;
    }
    return lr;
}

pr_status pr_schedule_observe(pr_schedule *s, double loss, int *reduced) {
    if (!s) return pr__fail(PR_ERR_INVALID, "schedule_observe: schedule is NULL");
    if (reduced) *reduced = 0;
    if (s->c.kind != PR_SCHED_PLATEAU) return PR_OK;
    if (isnan(loss)) return pr__fail(PR_ERR_NONFINITE, "schedule_observe: the monitored loss is NaN");
    if (loss < s->best * (1 - s->c.threshold)) {
        s->best = loss;
        s->bad = 0;
        return PR_OK;
    }
    if (++s->bad > (double)s->c.patience) {
        /* as PyTorch: a cut smaller than 1e-8 is not made */
        double now = s->lr * pow(s->c.gamma, s->reductions);
        if (now - now * s->c.gamma > 1e-8) {
            s->reductions++;
            if (reduced) *reduced = 1;
        }
        s->bad = 0;
    }
    return PR_OK;
}

void pr_schedule_get_state(const pr_schedule *s, double state[3]) {
    state[0] = s ? s->best : INFINITY;
    state[1] = s ? s->bad : 0;
    state[2] = s ? s->reductions : 0;
}

void pr_schedule_set_state(pr_schedule *s, const double state[3]) {
    if (!s) return;
    s->best = state[0];
    s->bad = state[1];
    s->reductions = state[2];
}
