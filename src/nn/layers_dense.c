/* Layers of the registry: dense and embedding, the activations (section 8.4) and
 * dropout (7.5). One row per layer, beside its builder. */
#include "nn/nn_internal.h"

#define MAX_WIDTH 2147483648.0 /* 2^31 units or rows */
#define PRELU_INIT 0.25        /* PyTorch's nn.PReLU */

pr_status pr__layer_linear(pr__build *b, const char *prefix, pr_node x, int64_t in, int64_t out, pr_init rule, int bias,
                           pr_node *y) {
    char name[64];
    snprintf(name, sizeof name, "%sweight", prefix);
    pr_node W = pr__layer_param(b, name, PR_SHAPE(out, in));
    snprintf(name, sizeof name, "%sbias", prefix);
    pr_node bv = bias ? pr__layer_param(b, name, PR_SHAPE(out)) : pr_g_no_node();
    pr_status st = pr__layer_graph_status(b);
    if (!st) st = pr__layer_init(b, W, rule, in, out, 0);
    if (st) return st;
    *y = pr_g_linear(b->g, x, W, bv);
    return PR_OK;
}

/* y = x Wᵀ + b over the last axis, W (units, in) as nn.Linear stores it. */
static pr_status build_dense(pr__build *b, const pr__layer *l, pr_node x, pr_node *y) {
    int64_t in = b->shape[b->ndim - 1], units = (int64_t)l->v[0];
    if (b->ndim < 2 || in < 1)
        return pr__layer_error(b, l, "needs (batch, ..., features) input with known features (got rank %d)", b->ndim);
    return pr__layer_linear(b, "", x, in, units, pr__layer_weight_rule(b), 1, y);
}

/* Integer tokens (any shape) -> rows of a (V, D) table, N(0, 1) as nn.Embedding; the
 * padding row (if any) starts at zero and gets no gradient. The first embedding of
 * sequences (N, T) with a padding index also gives the model its padding mask, which
 * attention layers and `last` use. */
static pr_status build_embedding(pr__build *b, const pr__layer *l, pr_node x, pr_node *y) {
    int64_t V = (int64_t)l->v[0], D = (int64_t)l->v[1];
    pr_node table = pr__layer_param(b, "weight", PR_SHAPE(V, D));
    pr_status st = pr__layer_graph_status(b);
    if (!st) st = pr__layer_init(b, table, PR_INIT_NORMAL, V, D, 1);
    int64_t pad = (int64_t)l->v[2];
    if (!st && pad >= V)
        return pr__layer_error(b, l, "padding index %lld is not a row of the %lld-row table", (long long)pad, (long long)V);
    if (!st && pad >= 0) { /* nn.Embedding zeroes the padding row */
        pr_tensor row;
        if (!b->m->counting && pr_graph_param_view(b->g, table, &row) == PR_OK) /* shapes only: no values */
            for (int64_t j = 0; j < D; j++) pr_tensor_set(&row, pad * D + j, 0);
    }
    if (!st) *y = pr_g_embedding_padded(b->g, table, x, pad);
    if (!st && pad >= 0 && b->ndim == 2 && !b->m->has_pad_mask) {
        /* sequences of ids (N, T): 1 - min(|x - pad|, 1) is 1 exactly at the padding */
        pr_graph *g = b->g;
        pr_node off = pr_g_clamp(g, pr_g_abs(g, pr_g_add_scalar(g, x, -(double)pad)), 0, 1);
        b->m->pad_mask = pr_g_add_scalar(g, pr_g_neg(g, off), 1);
        b->m->has_pad_mask = 1;
        st = pr__layer_graph_status(b);
    }
    return st;
}

static pr_status build_relu(pr__build *b, const pr__layer *l, pr_node x, pr_node *y) {
    (void)l;
    *y = pr_g_relu(b->g, x);
    return PR_OK;
}

static pr_status build_leaky_relu(pr__build *b, const pr__layer *l, pr_node x, pr_node *y) {
    *y = pr_g_leaky_relu(b->g, x, l->v[0]);
    return PR_OK;
}

/* one learned slope, as nn.PReLU() */
static pr_status build_prelu(pr__build *b, const pr__layer *l, pr_node x, pr_node *y) {
    (void)l;
    pr_node a = pr__layer_param(b, "weight", PR_SHAPE(1));
    pr_status st = pr__layer_graph_status(b);
    if (!st) st = pr__layer_init(b, a, PR_INIT_CONSTANT, 1, 1, PRELU_INIT);
    if (!st) *y = pr_g_prelu(b->g, x, a);
    return st;
}

static pr_status build_sigmoid(pr__build *b, const pr__layer *l, pr_node x, pr_node *y) {
    (void)l;
    *y = pr_g_sigmoid(b->g, x);
    return PR_OK;
}

static pr_status build_tanh(pr__build *b, const pr__layer *l, pr_node x, pr_node *y) {
    (void)l;
    *y = pr_g_tanh(b->g, x);
    return PR_OK;
}

static pr_status build_gelu(pr__build *b, const pr__layer *l, pr_node x, pr_node *y) {
    *y = pr_g_gelu(b->g, x, l->v[0] == 1 ? PR_GELU_TANH : PR_GELU_ERF);
    return PR_OK;
}

/* x σ(x) (Elfwing et al.'s SiLU, also called swish), composed from two ops. */
static pr_status build_silu(pr__build *b, const pr__layer *l, pr_node x, pr_node *y) {
    (void)l;
    *y = pr_g_mul(b->g, x, pr_g_sigmoid(b->g, x));
    return PR_OK;
}

static pr_status build_softmax(pr__build *b, const pr__layer *l, pr_node x, pr_node *y) {
    (void)l;
    *y = pr_g_softmax(b->g, x, -1);
    return PR_OK;
}

static pr_status build_dropout(pr__build *b, const pr__layer *l, pr_node x, pr_node *y) {
    *y = pr_g_dropout(b->g, x, l->v[0], 0);
    return PR_OK;
}

const pr__layer_def pr__layers_dense[] = {
    {{.token = "dense",
      .help = "fully connected: y = x W^T + b over the last axis (W is (units, in))",
      .torch = "nn.Linear({in}, {units})",
      .example = "dense:4",
      .example_input = "6",
      .n_args = 1,
      .args = {{.name = "units", .kind = PR_ARG_INT, .required = 1, .min = 1, .max = MAX_WIDTH, .help = "outputs"}}},
     build_dense, 0},
    {{.token = "embedding",
      .help = "integer tokens in 0..V-1 -> D-dimensional vectors (N(0, 1) initially)",
      .torch = "Embedding({num_embeddings}, {embedding_dim}, padding_idx={padding_idx})",
      .example = "embedding:10:4:0,flatten",
      .example_input = "5",
      .n_args = 3,
      .args = {{.name = "num_embeddings", .kind = PR_ARG_INT, .required = 1, .min = 1, .max = MAX_WIDTH,
                .help = "rows V: the vocabulary"},
               {.name = "embedding_dim", .kind = PR_ARG_INT, .required = 1, .min = 1, .max = MAX_WIDTH,
                .help = "width D of each vector"},
               {.name = "padding_idx", .kind = PR_ARG_INT, .default_value = -1, .min = -1, .max = MAX_WIDTH,
                .help = "a row that stays zero and learns nothing, and that attention and last skip (-1: none)"}}},
     build_embedding, 0},
    {{.token = "relu", .help = "max(0, x)", .torch = "nn.ReLU()", .example = "dense:4,relu", .example_input = "6"},
     build_relu, PR__LAYER_RELU_FAMILY},
    {{.token = "leaky_relu",
      .help = "x for x > 0, slope * x otherwise",
      .torch = "nn.LeakyReLU({negative_slope})",
      .example = "dense:4,leaky_relu:0.2",
      .example_input = "6",
      .n_args = 1,
      .args = {{.name = "negative_slope", .kind = PR_ARG_REAL, .default_value = 0.01, .min = -1e6, .max = 1e6,
                .help = "slope below 0"}}},
     build_leaky_relu, PR__LAYER_RELU_FAMILY},
    {{.token = "prelu", .help = "leaky ReLU with one learned slope (initially 0.25)", .torch = "nn.PReLU()",
      .example = "dense:4,prelu", .example_input = "6"},
     build_prelu, PR__LAYER_RELU_FAMILY},
    {{.token = "sigmoid", .help = "1 / (1 + e^-x)", .torch = "nn.Sigmoid()", .example = "dense:4,sigmoid",
      .example_input = "6"},
     build_sigmoid, 0},
    {{.token = "tanh", .help = "tanh x", .torch = "nn.Tanh()", .example = "dense:4,tanh", .example_input = "6"},
     build_tanh, 0},
    {{.token = "gelu",
      .help = "x Phi(x), or its tanh approximation",
      .torch = "nn.GELU(approximate={approximate})",
      .example = "dense:4,gelu:tanh",
      .example_input = "6",
      .n_args = 1,
      .args = {{.name = "approximate", .kind = PR_ARG_CHOICE, .default_value = 0, .choices = {"none", "tanh"},
                .help = "none: the exact erf form"}}},
     build_gelu, PR__LAYER_RELU_FAMILY},
    {{.token = "silu", .help = "x sigmoid(x) (swish)", .torch = "nn.SiLU()", .example = "dense:4,silu",
      .example_input = "6"},
     build_silu, PR__LAYER_RELU_FAMILY},
    {{.token = "softmax", .help = "softmax over the last axis", .torch = "nn.Softmax(dim=-1)",
      .example = "dense:4,softmax", .example_input = "6"},
     build_softmax, 0},
    {{.token = "dropout",
      .help = "inverted dropout: zero with probability p in training, scale by 1/(1-p); identity in evaluation",
      .torch = "nn.Dropout({p})",
      .example = "dense:4,dropout:0.25",
      .example_input = "6",
      .n_args = 1,
      .args = {{.name = "p", .kind = PR_ARG_REAL, .required = 1, .min = 0, .max = 1, .max_open = 1,
                .help = "the rate"}}},
     build_dropout, PR__LAYER_TRANSPARENT},
    {{.token = NULL}, NULL, 0},
};
