/* Layers of the registry: batch normalisation and layer normalisation (section 7.6).
 * One row per layer, beside its builder. */
#include "nn/nn_internal.h"

#define BN_EPS 1e-5      /* PyTorch's defaults */
#define BN_MOMENTUM 0.1
#define LN_EPS 1e-5

/* Over every axis but 1: the features of (N, C), the channels of (N, C, H, W). */
static pr_status build_batchnorm(pr__build *b, const pr__layer *l, pr_node x, pr_node *y) {
    if (b->ndim < 2 || b->shape[1] < 1)
        return pr__layer_error(b, l, "needs (batch, features, ...) input (got rank %d)", b->ndim);
    int64_t C = b->shape[1];
    pr_node gamma = pr__layer_param(b, "weight", PR_SHAPE(C));
    pr_node beta = pr__layer_param(b, "bias", PR_SHAPE(C));
    pr_node rm = pr__layer_buffer(b, "running_mean", PR_SHAPE(C), 0, 0);
    pr_node rv = pr__layer_buffer(b, "running_var", PR_SHAPE(C), 1, 0);
    pr_node count = pr__layer_buffer(b, "num_batches_tracked", 0, NULL, 0, 1);
    pr_status st = pr__layer_graph_status(b);
    if (!st) st = pr__layer_init(b, gamma, PR_INIT_CONSTANT, C, C, 1);
    if (!st) *y = pr_g_batchnorm(b->g, x, gamma, beta, rm, rv, count, BN_EPS, BN_MOMENTUM);
    return st;
}

/* (x - mean) / sqrt(var + eps) * gamma + beta over the last axis, biased variance. */
pr_status pr__layer_norm_last(pr__build *b, const char *prefix, pr_node x, int64_t d, pr_node *y) {
    pr_graph *g = b->g;
    char name[64];
    snprintf(name, sizeof name, "%sweight", prefix);
    pr_node gamma = pr__layer_param(b, name, PR_SHAPE(d));
    snprintf(name, sizeof name, "%sbias", prefix);
    pr_node beta = pr__layer_param(b, name, PR_SHAPE(d));
    pr_status st = pr__layer_graph_status(b);
    if (!st) st = pr__layer_init(b, gamma, PR_INIT_CONSTANT, d, d, 1);
    if (st) return st;
    *y = pr_g_layernorm(g, x, gamma, beta, LN_EPS);
    return PR_OK;
}

static pr_status build_layernorm(pr__build *b, const pr__layer *l, pr_node x, pr_node *y) {
    int64_t last = b->shape[b->ndim - 1];
    if (b->ndim < 2 || last < 1) return pr__layer_error(b, l, "needs (batch, ..., features) input (got rank %d)", b->ndim);
    return pr__layer_norm_last(b, "", x, last, y);
}

const pr__layer_def pr__layers_norm[] = {
    {{.token = "batchnorm",
      .help = "batch normalisation over the features (or image channels); running statistics for evaluation",
      .torch = "nn.BatchNorm{spatial}d({channels})",
      .example = "dense:4,batchnorm",
      .example_input = "6"},
     build_batchnorm, PR__LAYER_TRANSPARENT},
    {{.token = "layernorm",
      .help = "layer normalisation over the last axis",
      .torch = "nn.LayerNorm({in})",
      .example = "dense:4,layernorm",
      .example_input = "6"},
     build_layernorm, PR__LAYER_TRANSPARENT},
    {{.token = NULL}, NULL, 0},
};
