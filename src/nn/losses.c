/* Losses (sections 7.2 and 7.3) and penalties (7.4), built from graph ops so
 * every one has an exact gradient; the tensor versions run a small float64 graph. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn/nn_internal.h"

static const char *const loss_names[] = {
#define PR_X_(name, value, str, what) [name] = str,
    PR_LOSS_LIST(PR_X_)
#undef PR_X_
};
_Static_assert(sizeof loss_names / sizeof loss_names[0] == PR_LOSS_COUNT, "one name per loss");

const char *pr_loss_name(pr_loss_kind kind) { return (unsigned)kind < PR_LOSS_COUNT ? loss_names[kind] : "unknown"; }

pr_loss_config pr_loss_defaults(pr_loss_kind kind) {
    pr_loss_config c = PR_LOSS_DEFAULTS;
    c.kind = kind;
    return c;
}

pr_status pr_loss_parse(const char *text, pr_loss_config *out) {
    if (!text || !out) return pr__fail(PR_ERR_INVALID, "loss_parse: NULL argument");
    pr_loss_config c = PR_LOSS_DEFAULTS;
    size_t len = strcspn(text, ":");
    for (int k = 1; k < PR_LOSS_COUNT; k++)
        if (strlen(loss_names[k]) == len && !strncmp(text, loss_names[k], len)) c.kind = (pr_loss_kind)k;
    if (len == 2 && !strncmp(text, "ce", 2)) c.kind = PR_LOSS_CROSS_ENTROPY;
    if (!c.kind)
        return pr__fail(PR_ERR_INVALID, "unknown loss '%s' (mse, mae, huber[:delta], cross_entropy, bce_logits, bce, "
                                        "hinge, focal[:alpha[:gamma]])",
                        text);
    double args[2];
    int n = 0;
    const char *s = text + len;
    locale_t old = uselocale(pr__c_locale());
    while (*s == ':' && n < 2) {
        char *end;
        args[n] = strtod(s + 1, &end);
        if (end == s + 1 || !isfinite(args[n])) break;
        n++;
        s = end;
    }
    uselocale(old);
    int max_args = c.kind == PR_LOSS_HUBER ? 1 : c.kind == PR_LOSS_FOCAL ? 2 : 0;
    if (*s || n > max_args)
        return pr__fail(PR_ERR_INVALID, "loss '%s': %s", text,
                        max_args ? "bad arguments (huber:DELTA with DELTA > 0, focal:ALPHA:GAMMA)" : "takes no arguments");
    if (c.kind == PR_LOSS_HUBER && n) c.delta = args[0];
    if (c.kind == PR_LOSS_FOCAL && n > 0) c.alpha = args[0];
    if (c.kind == PR_LOSS_FOCAL && n > 1) c.gamma = args[1];
    if ((c.kind == PR_LOSS_HUBER && !(c.delta > 0)) ||
        (c.kind == PR_LOSS_FOCAL && (!(c.alpha >= 0 && c.alpha <= 1) || !(c.gamma >= 0))))
        return pr__fail(PR_ERR_INVALID, "loss '%s': delta must be > 0, alpha in [0, 1], gamma >= 0", text);
    *out = c;
    return PR_OK;
}

/* Element-wise losses need equal shapes: broadcasting (N, 1) against (N) would
 * silently compare every prediction with every target. */
static pr_status same_shape(pr_graph *g, pr_node a, pr_node b, const char *what) {
    int na, nb;
    int64_t sa[PR_MAX_DIMS], sb[PR_MAX_DIMS];
    pr_status st = pr_node_shape(g, a, &na, sa);
    if (st || (st = pr_node_shape(g, b, &nb, sb))) return st;
    int ok = na == nb;
    for (int d = 0; ok && d < na; d++) ok = sa[d] < 0 || sb[d] < 0 || sa[d] == sb[d];
    if (ok) return PR_OK;
    pr_tensor ta = {.ndim = na}, tb = {.ndim = nb};
    memcpy(ta.shape, sa, sizeof sa);
    memcpy(tb.shape, sb, sizeof sb);
    char x[96], y[96];
    return pr__fail(PR_ERR_SHAPE, "%s loss: prediction %s and target %s must have the same shape", what,
                    pr_shape_format(&ta, x, sizeof x), pr_shape_format(&tb, y, sizeof y));
}

/* The elements reduced as asked. */
static pr_node reduced(pr_graph *g, pr_node per, pr_reduction reduction) {
    switch (reduction) {
    case PR_REDUCTION_MEAN: return pr_g_mean(g, per, PR_AXIS_ALL, 0);
    case PR_REDUCTION_SUM: return pr_g_sum(g, per, PR_AXIS_ALL, 0);
    case PR_REDUCTION_NONE: return per;
    }
    return pr_graph_fail_build(g, PR_ERR_INVALID, "loss: unknown reduction %d", (int)reduction);
}

/* The element-wise loss of each kind (cross-entropy is one fused op). */
static pr_node elements(pr_graph *g, const pr_loss_config *c, pr_node pred, pr_node target) {
    switch (c->kind) {
    case PR_LOSS_MSE: {
        pr_node e = pr_g_sub(g, pred, target);
        return pr_g_mul(g, e, e);
    }
    case PR_LOSS_MAE: return pr_g_abs(g, pr_g_sub(g, pred, target));
    case PR_LOSS_HUBER: {
        /* with q = min(|e|, δ): ½q² + δ(|e| - q) is ½e² inside and δ(|e| - δ/2) outside */
        pr_node a = pr_g_abs(g, pr_g_sub(g, pred, target));
        pr_node q = pr_g_clamp(g, a, 0, c->delta);
        return pr_g_add(g, pr_g_scale(g, pr_g_mul(g, q, q), 0.5), pr_g_scale(g, pr_g_sub(g, a, q), c->delta));
    }
    case PR_LOSS_BCE_LOGITS: return pr_g_bce_with_logits(g, pred, target);
    case PR_LOSS_BCE: {
        /* -(t log p + (1 - t) log(1 - p)), each log clamped at -100 as PyTorch does */
        double floor_p = exp(-100.0);
        pr_node lp = pr_g_log(g, pr_g_clamp(g, pred, floor_p, 1));
        pr_node lq = pr_g_log(g, pr_g_clamp(g, pr_g_add_scalar(g, pr_g_neg(g, pred), 1), floor_p, 1));
        pr_node not_t = pr_g_add_scalar(g, pr_g_neg(g, target), 1);
        return pr_g_neg(g, pr_g_add(g, pr_g_mul(g, target, lp), pr_g_mul(g, not_t, lq)));
    }
    case PR_LOSS_HINGE: return pr_g_relu(g, pr_g_add_scalar(g, pr_g_neg(g, pr_g_mul(g, target, pred)), 1));
    case PR_LOSS_FOCAL: {
        /* RetinaNet's form: α_t (1 - p_t)^γ BCE, p_t = p for positives, 1 - p for negatives */
        pr_node ce = pr_g_bce_with_logits(g, pred, target);
        pr_node alpha_t = pr_g_add_scalar(g, pr_g_scale(g, target, 2 * c->alpha - 1), 1 - c->alpha);
        if (c->gamma == 0) return pr_g_mul(g, alpha_t, ce); /* (1 - p_t)^0 = 1, with no 0 * inf gradient */
        pr_node p = pr_g_sigmoid(g, pred);
        pr_node not_t = pr_g_add_scalar(g, pr_g_neg(g, target), 1);
        pr_node p_t = pr_g_add(g, pr_g_mul(g, p, target), pr_g_mul(g, pr_g_add_scalar(g, pr_g_neg(g, p), 1), not_t));
        pr_node focus = pr_g_pow(g, pr_g_add_scalar(g, pr_g_neg(g, p_t), 1), c->gamma);
        return pr_g_mul(g, pr_g_mul(g, alpha_t, focus), ce);
    }
    default: break;
    }
    return pr_graph_fail_build(g, PR_ERR_INVALID, "loss: unknown kind %d", (int)c->kind);
}

pr_node pr_loss(pr_graph *g, const pr_loss_config *config, pr_node pred, pr_node target) {
    pr_loss_config c = config ? *config : PR_LOSS_DEFAULTS;
    if (c.kind == PR_LOSS_DEFAULT) c.kind = PR_LOSS_MSE;
    if (pr_graph_status(g)) return (pr_node){0, -1};
    if ((unsigned)c.kind >= PR_LOSS_COUNT) return pr_graph_fail_build(g, PR_ERR_INVALID, "loss: unknown kind %d", (int)c.kind);
    if ((unsigned)c.reduction > PR_REDUCTION_NONE)
        return pr_graph_fail_build(g, PR_ERR_INVALID, "loss: unknown reduction %d", (int)c.reduction);
    if (c.kind == PR_LOSS_HUBER && !(c.delta > 0 && isfinite(c.delta)))
        return pr_graph_fail_build(g, PR_ERR_INVALID, "huber loss: delta must be > 0, got %g", c.delta);
    if (c.kind == PR_LOSS_FOCAL && (!(c.alpha >= 0 && c.alpha <= 1) || !(c.gamma >= 0 && isfinite(c.gamma))))
        return pr_graph_fail_build(g, PR_ERR_INVALID, "focal loss: alpha must be in [0, 1] and gamma >= 0 (got %g, %g)",
                                   c.alpha, c.gamma);
    if (c.kind == PR_LOSS_CROSS_ENTROPY) return pr_g_cross_entropy(g, pred, target, c.reduction, c.ignore_index);
    if (same_shape(g, pred, target, pr_loss_name(c.kind))) return pr_graph_fail_build(g, pr_last_status(), "%s", pr_last_error());
    return reduced(g, elements(g, &c, pred, target), c.reduction);
}

/* The loss of a prediction (a parameter, so it gets a gradient) against a constant
 * target in a small float64 graph; *loss is its node. */
static pr_status loss_graph(const pr_loss_config *config, const pr_tensor *prediction, const pr_tensor *target,
                            const char *op, pr_graph **out, pr_node *pred, pr_node *loss) {
    pr_status st = pr__require_tensor(prediction, op, "prediction");
    if (st || (st = pr__require_tensor(target, op, "target"))) return st;
    pr_graph *g;
    if ((st = pr_graph_new(&g, PR_F64))) return st;
    *pred = pr_g_param(g, "prediction", prediction->ndim, prediction->shape);
    pr_node t = pr_g_const(g, "target", target);
    *loss = pr_loss(g, config, *pred, t);
    if (pr_graph_status(g)) st = pr__fail(pr_graph_status(g), "%s: %s", op, pr_graph_error(g));
    if (!st) st = pr_graph_set_value(g, *pred, prediction);
    if (!st) st = pr_graph_forward(g, *loss);
    if (st) {
        pr_graph_free(g);
        return st;
    }
    *out = g;
    return PR_OK;
}

pr_status pr_loss_eval(const pr_loss_config *config, const pr_tensor *prediction, const pr_tensor *target,
                       double *value, pr_tensor **grad) {
    if (!value) return pr__fail(PR_ERR_INVALID, "loss_eval: value is NULL");
    if (config && config->reduction == PR_REDUCTION_NONE)
        return pr__fail(PR_ERR_INVALID, "loss_eval: reduction none has no single value; use pr_loss_elements");
    pr_graph *g;
    pr_node p, loss;
    pr_status st = loss_graph(config, prediction, target, "loss_eval", &g, &p, &loss);
    if (st) return st;
    st = pr_graph_scalar(g, loss, value);
    if (!st && grad) {
        pr_tensor view;
        if (!(st = pr_graph_zero_grad(g)) && !(st = pr_graph_backward(g, loss)) && !(st = pr_graph_grad(g, p, &view)))
            st = pr_tensor_copy(&view, grad);
    }
    pr_graph_free(g);
    return st;
}

pr_status pr_loss_elements(const pr_loss_config *config, const pr_tensor *prediction, const pr_tensor *target,
                           pr_tensor **losses) {
    if (!losses) return pr__fail(PR_ERR_INVALID, "loss_elements: losses is NULL");
    pr_loss_config c = config ? *config : PR_LOSS_DEFAULTS;
    c.reduction = PR_REDUCTION_NONE;
    pr_graph *g;
    pr_node p, loss;
    pr_status st = loss_graph(&c, prediction, target, "loss_elements", &g, &p, &loss);
    if (st) return st;
    pr_tensor view;
    if (!(st = pr_graph_value(g, loss, &view))) st = pr_tensor_copy(&view, losses);
    pr_graph_free(g);
    return st;
}

/* ---- penalties ----------------------------------------------------------------------------- */

pr_node pr_penalty(pr_graph *g, pr_penalty_kind kind, const pr_node *params, int n, double lambda, double alpha) {
    if (pr_graph_status(g)) return (pr_node){0, -1};
    if (!(lambda >= 0) || !isfinite(lambda) || (kind == PR_PENALTY_ELASTIC_NET && !(alpha >= 0 && alpha <= 1)) ||
        (kind != PR_PENALTY_L1 && kind != PR_PENALTY_L2 && kind != PR_PENALTY_L2_HALF && kind != PR_PENALTY_ELASTIC_NET) ||
        (n > 0 && !params))
        return pr_graph_fail_build(g, PR_ERR_INVALID, "penalty: lambda must be >= 0, alpha in [0, 1], a known kind");
    pr_node l1 = pr_g_scalar(g, 0), l2 = l1;
    for (int i = 0; i < n; i++) {
        if (kind == PR_PENALTY_L1 || kind == PR_PENALTY_ELASTIC_NET)
            l1 = pr_g_add(g, l1, pr_g_sum(g, pr_g_abs(g, params[i]), PR_AXIS_ALL, 0));
        if (kind != PR_PENALTY_L1) l2 = pr_g_add(g, l2, pr_g_sum(g, pr_g_mul(g, params[i], params[i]), PR_AXIS_ALL, 0));
    }
    switch (kind) {
    case PR_PENALTY_L1: return pr_g_scale(g, l1, lambda);
    case PR_PENALTY_L2: return pr_g_scale(g, l2, lambda);
    case PR_PENALTY_L2_HALF: return pr_g_scale(g, l2, lambda / 2);
    default: return pr_g_add(g, pr_g_scale(g, l1, lambda * alpha), pr_g_scale(g, l2, lambda * (1 - alpha) / 2));
    }
}

pr_status pr_penalty_eval(pr_penalty_kind kind, const pr_tensor *w, double lambda, double alpha, double *value) {
    pr_status st = pr__require_tensor(w, "penalty_eval", "w");
    if (st) return st;
    if (!value) return pr__fail(PR_ERR_INVALID, "penalty_eval: value is NULL");
    pr_graph *g;
    if ((st = pr_graph_new(&g, PR_F64))) return st;
    pr_node c = pr_g_const(g, "w", w);
    pr_node p = pr_penalty(g, kind, &c, 1, lambda, alpha);
    if (pr_graph_status(g)) st = pr__fail(pr_graph_status(g), "penalty_eval: %s", pr_graph_error(g));
    if (!st) st = pr_graph_forward(g, p);
    if (!st) st = pr_graph_scalar(g, p, value);
    pr_graph_free(g);
    return st;
}
