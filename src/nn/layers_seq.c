/* Layers of the registry for sequences (chapter 11): recurrent layers (RNN, LSTM,
 * GRU), self-attention, positional encodings, Transformer encoder blocks, and the
 * pieces that shape sequences (rows into (T, D), the last step). All work on
 * (N, T, D) with batch_first=True and PyTorch's parameter names. One row per layer,
 * beside its builder. */
#include <math.h>
#include <string.h>

#include "nn/nn_internal.h"

#define MAX_WIDTH 2147483648.0 /* 2^31 */
#define MAX_STACK 64.0         /* recurrent layers in one stack */

static pr_status need_sequence(const pr__build *b, const pr__layer *l) {
    if (b->ndim != 3 || b->shape[2] < 1)
        return pr__layer_error(b, l, "needs sequences (batch, time, features), got rank %d%s", b->ndim,
                               b->ndim == 2 ? " (rows of T D values: put sequence:T:D first; token ids: embedding)" : "");
    return PR_OK;
}

/* (N, T D) rows -> (N, T, D) sequences. */
static pr_status build_sequence(pr__build *b, const pr__layer *l, pr_node x, pr_node *y) {
    int64_t T = (int64_t)l->v[0], D = (int64_t)l->v[1], per_row = 1;
    for (int d = 1; d < b->ndim; d++) per_row *= b->shape[d];
    if (b->ndim < 2 || per_row != T * D)
        return pr__layer_error(b, l, "%lld steps x %lld features = %lld values per row, but each row has %lld",
                               (long long)T, (long long)D, (long long)(T * D), (long long)per_row);
    *y = pr_g_reshape(b->g, x, PR_SHAPE(-1, T, D));
    return PR_OK;
}

pr_node pr__layer_last_step(pr__build *b, pr_node h, int64_t T, int64_t D) {
    pr_graph *g = b->g;
    if (!b->m->has_pad_mask) return pr_g_reshape(g, pr_g_slice(g, h, 1, T - 1, T), PR_SHAPE(-1, D));
    /* valid = 1 - mask is 1..1 0..0 along each row; valid_t - valid_{t+1} (valid_T = 0)
     * is 1 at the last valid step only */
    pr_node valid = pr_g_add_scalar(g, pr_g_neg(g, b->m->pad_mask), 1), w = valid;
    if (T > 1) {
        pr_node parts[2] = {pr_g_sub(g, pr_g_slice(g, valid, 1, 0, T - 1), pr_g_slice(g, valid, 1, 1, T)),
                            pr_g_slice(g, valid, 1, T - 1, T)};
        w = pr_g_concat(g, parts, 2, 1);
    }
    return pr_g_sum(g, pr_g_mul(g, h, pr_g_reshape(g, w, PR_SHAPE(-1, T, 1))), 1, 0);
}

/* (N, T, D) -> (N, D): the last step (the last that is not padding, given the
 * model's padding mask). */
static pr_status build_last(pr__build *b, const pr__layer *l, pr_node x, pr_node *y) {
    pr_status st = need_sequence(b, l);
    if (st) return st;
    int64_t T = b->shape[1], D = b->shape[2];
    if (T < 1) return pr__layer_error(b, l, "the sequence is empty");
    *y = pr__layer_last_step(b, x, T, D);
    return pr__layer_graph_status(b);
}

/* A stack of recurrent layers, nn.RNN/nn.LSTM/nn.GRU(batch_first=True): per layer k
 * weight_ih_lk (G H, in), weight_hh_lk (G H, H), bias_ih_lk, bias_hh_lk, all drawn
 * from U(-1/sqrt(H), 1/sqrt(H)) as PyTorch does. Arguments: hidden, num_layers, bptt,
 * output (sequence or last) and, for rnn, the nonlinearity. */
static pr_status build_recurrent(pr__build *b, const pr__layer *l, pr_node x, pr_node *y, pr_rnn_mode mode) {
    pr_status st = need_sequence(b, l);
    if (st) return st;
    int64_t H = (int64_t)l->v[0], layers = (int64_t)l->v[1], bptt = (int64_t)l->v[2], G = pr_rnn_gates(mode);
    int last = l->v[3] == 1;
    int64_t in = b->shape[2];
    pr_node h = x;
    for (int64_t k = 0; k < layers; k++) {
        char n_wih[32], n_whh[32], n_bih[32], n_bhh[32];
        snprintf(n_wih, sizeof n_wih, "weight_ih_l%lld", (long long)k);
        snprintf(n_whh, sizeof n_whh, "weight_hh_l%lld", (long long)k);
        snprintf(n_bih, sizeof n_bih, "bias_ih_l%lld", (long long)k);
        snprintf(n_bhh, sizeof n_bhh, "bias_hh_l%lld", (long long)k);
        pr_node wih = pr__layer_param(b, n_wih, PR_SHAPE(G * H, in));
        pr_node whh = pr__layer_param(b, n_whh, PR_SHAPE(G * H, H));
        pr_node bih = pr__layer_param(b, n_bih, PR_SHAPE(G * H));
        pr_node bhh = pr__layer_param(b, n_bhh, PR_SHAPE(G * H));
        if ((st = pr__layer_graph_status(b))) return st;
        /* U(-a, a) with a = 1/sqrt(H): He-uniform's sqrt(6/fan_in) at fan_in = 6 H */
        const pr_node all[4] = {wih, whh, bih, bhh};
        for (int j = 0; j < 4 && !st; j++) st = pr__layer_init(b, all[j], PR_INIT_HE_UNIFORM, 6 * H, H, 0);
        if (st) return st;
        h = pr_g_rnn(b->g, mode, h, wih, whh, bih, bhh, pr_g_no_node(), pr_g_no_node(), bptt);
        in = H;
    }
    if (last && b->shape[1] < 1) return pr__layer_error(b, l, "the sequence is empty");
    if (last) h = pr__layer_last_step(b, h, b->shape[1], H);
    *y = h;
    return pr__layer_graph_status(b);
}

static pr_status build_rnn(pr__build *b, const pr__layer *l, pr_node x, pr_node *y) {
    return build_recurrent(b, l, x, y, l->v[4] == 1 ? PR_RNN_RELU : PR_RNN_TANH);
}
static pr_status build_lstm(pr__build *b, const pr__layer *l, pr_node x, pr_node *y) {
    return build_recurrent(b, l, x, y, PR_RNN_LSTM);
}
static pr_status build_gru(pr__build *b, const pr__layer *l, pr_node x, pr_node *y) {
    return build_recurrent(b, l, x, y, PR_RNN_GRU);
}

/* Self-attention as nn.MultiheadAttention(E, heads, batch_first=True) computes it:
 * "<prefix>in_proj_weight" (3E, E) Xavier-uniform and "<prefix>in_proj_bias" zero give
 * q, k and v in one product; the heads read them in place; "<prefix>out_proj" (E, E)
 * maps the joined heads back (U(-1/sqrt(E), 1/sqrt(E)), bias zero, as PyTorch). */
static pr_status self_attention(pr__build *b, const char *prefix, pr_node x, int64_t E, int64_t heads, int causal,
                                pr_node *y) {
    char name[64];
    snprintf(name, sizeof name, "%sin_proj_weight", prefix);
    pr_node w = pr__layer_param(b, name, PR_SHAPE(3 * E, E));
    snprintf(name, sizeof name, "%sin_proj_bias", prefix);
    pr_node bias = pr__layer_param(b, name, PR_SHAPE(3 * E));
    pr_status st = pr__layer_graph_status(b);
    if (!st) st = pr__layer_init(b, w, PR_INIT_XAVIER_UNIFORM, E, 3 * E, 0);
    if (st) return st;
    pr_node qkv = pr_g_add(b->g, pr_g_matmul_nt(b->g, x, w), bias);
    pr_attention_params p = {.heads = heads, .causal = causal, .packed = 1};
    pr_node mask = b->m->has_pad_mask ? b->m->pad_mask : pr_g_no_node(); /* padding tokens are no keys */
    pr_node a = pr_g_attention(b->g, qkv, qkv, qkv, mask, &p);
    /* out_proj as nn.Linear starts: U(-1/sqrt(E), 1/sqrt(E)), He-uniform's sqrt(6/fan_in)
     * at fan_in = 6E; its bias zero */
    snprintf(name, sizeof name, "%sout_proj.weight", prefix);
    pr_node wo = pr__layer_param(b, name, PR_SHAPE(E, E));
    snprintf(name, sizeof name, "%sout_proj.bias", prefix);
    pr_node bo = pr__layer_param(b, name, PR_SHAPE(E));
    if (!(st = pr__layer_graph_status(b))) st = pr__layer_init(b, wo, PR_INIT_HE_UNIFORM, 6 * E, E, 0);
    if (!st) *y = pr_g_add(b->g, pr_g_matmul_nt(b->g, a, wo), bo);
    return st;
}

static pr_status need_heads(const pr__build *b, const pr__layer *l, int64_t E, int64_t heads) {
    if (E % heads)
        return pr__layer_error(b, l, "%lld heads do not divide the model width %lld", (long long)heads, (long long)E);
    return PR_OK;
}

static pr_status build_attention(pr__build *b, const pr__layer *l, pr_node x, pr_node *y) {
    pr_status st = need_sequence(b, l);
    int64_t E = b->shape[2], heads = (int64_t)l->v[0];
    if (!st) st = need_heads(b, l, E, heads);
    return st ? st : self_attention(b, "", x, E, heads, l->v[1] == 1, y);
}

/* x + PE, PE[t, 2i] = sin(t / 10000^(2i/D)), PE[t, 2i+1] = cos(t / 10000^(2i/D))
 * (Vaswani et al. 2017); no parameters. */
static pr_status build_posenc(pr__build *b, const pr__layer *l, pr_node x, pr_node *y) {
    pr_status st = need_sequence(b, l);
    if (st) return st;
    int64_t T = b->shape[1], D = b->shape[2];
    pr_tensor *pe;
    if ((st = pr_tensor_zeros(&pe, PR_F64, PR_SHAPE(T, D)))) return st;
    for (int64_t t = 0; t < T; t++)
        for (int64_t j = 0; j < D; j++) {
            double angle = (double)t / pow(10000.0, (double)(j - j % 2) / (double)D);
            pr_tensor_set(pe, t * D + j, j % 2 ? cos(angle) : sin(angle));
        }
    pr_node c = pr_g_const(b->g, "positional_encoding", pe);
    pr_tensor_free(pe);
    *y = pr_g_add(b->g, x, c);
    return pr__layer_graph_status(b);
}

/* x + weight[0..T): learned positions, "weight" (max_len, D) N(0, 1) as nn.Embedding. */
static pr_status build_posembed(pr__build *b, const pr__layer *l, pr_node x, pr_node *y) {
    pr_status st = need_sequence(b, l);
    if (st) return st;
    int64_t T = b->shape[1], D = b->shape[2], max_len = (int64_t)l->v[0];
    if (T > max_len)
        return pr__layer_error(b, l, "a sequence of %lld steps is longer than the learned position table (%lld)",
                               (long long)T, (long long)max_len);
    pr_node table = pr__layer_param(b, "weight", PR_SHAPE(max_len, D));
    if (!(st = pr__layer_graph_status(b))) st = pr__layer_init(b, table, PR_INIT_NORMAL, max_len, D, 1);
    if (st) return st;
    *y = pr_g_add(b->g, x, T == max_len ? table : pr_g_slice(b->g, table, 0, 0, T));
    return PR_OK;
}

/* nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout, activation,
 * batch_first=True, norm_first): self-attention and a position-wise feed-forward
 * network (linear1, activation, dropout, linear2), each with a residual connection
 * and layer norm, after it (post, the 2017 paper) or before it (pre). */
static pr_status build_transformer(pr__build *b, const pr__layer *l, pr_node x, pr_node *y) {
    pr_status st = need_sequence(b, l);
    int64_t E = b->shape[2], heads = (int64_t)l->v[0], ffn = (int64_t)l->v[1];
    int pre = l->v[2] == 1, gelu = l->v[3] == 1, causal = l->v[4] == 1;
    double p = l->v[5];
    if (!st) st = need_heads(b, l, E, heads);
    if (st) return st;
    pr_graph *g = b->g;
    pr_node h = x, a, f;
    if (pre && (st = pr__layer_norm_last(b, "norm1.", h, E, &h))) return st;
    if ((st = self_attention(b, "self_attn.", h, E, heads, causal, &a))) return st;
    if (p > 0) a = pr_g_dropout(g, a, p, 0);
    h = pr_g_add(g, x, a);
    if (!pre && (st = pr__layer_norm_last(b, "norm1.", h, E, &h))) return st;
    pr_node res = h;
    if (pre && (st = pr__layer_norm_last(b, "norm2.", h, E, &h))) return st;
    if ((st = pr__layer_linear(b, "linear1.", h, E, ffn, PR_INIT_HE_NORMAL, 1, &f))) return st;
    f = gelu ? pr_g_gelu(g, f, PR_GELU_ERF) : pr_g_relu(g, f);
    if (p > 0) f = pr_g_dropout(g, f, p, 0);
    if ((st = pr__layer_linear(b, "linear2.", f, ffn, E, PR_INIT_XAVIER_NORMAL, 1, &f))) return st;
    if (p > 0) f = pr_g_dropout(g, f, p, 0);
    h = pr_g_add(g, res, f);
    if (!pre && (st = pr__layer_norm_last(b, "norm2.", h, E, &h))) return st;
    *y = h;
    return pr__layer_graph_status(b);
}

#define RNN_ARGS(...)                                                                                           \
    {.name = "hidden_size", .kind = PR_ARG_INT, .required = 1, .min = 1, .max = MAX_WIDTH, .help = "H"},          \
        {.name = "num_layers", .kind = PR_ARG_INT, .default_value = 1, .min = 1, .max = MAX_STACK,                \
         .help = "stacked layers"},                                                                               \
        {.name = "bptt", .kind = PR_ARG_INT, .default_value = 0, .min = 0, .max = MAX_WIDTH,                      \
         .help = "truncate backpropagation through time to chunks of this many steps (0: the whole sequence)"},   \
        {.name = "output", .kind = PR_ARG_CHOICE, .default_value = 0, .choices = {"sequence", "last"},            \
         .help = "every step's hidden state (N, T, H) or the last one (N, H)"} __VA_ARGS__

const pr__layer_def pr__layers_seq[] = {
    {{.token = "sequence",
      .help = "(N, T D) rows -> (N, T, D) sequences",
      .torch = "nn.Unflatten(1, ({steps}, {features}))",
      .example = "sequence:3:2,lstm:4:last",
      .example_input = "6",
      .n_args = 2,
      .args = {{.name = "steps", .kind = PR_ARG_INT, .required = 1, .min = 1, .max = MAX_WIDTH, .help = "T"},
               {.name = "features", .kind = PR_ARG_INT, .required = 1, .min = 1, .max = MAX_WIDTH, .help = "D"}}},
     build_sequence, 0},
    {{.token = "rnn",
      .help = "Elman RNN: h' = tanh(W_ih x + b_ih + W_hh h + b_hh) over (N, T, D)",
      .torch = "RNN(nn.RNN({in}, {hidden_size}, {num_layers}, nonlinearity={nonlinearity}, batch_first=True), "
               "{output})",
      .example = "sequence:3:2,rnn:4:2:last",
      .example_input = "6",
      .n_args = 5,
      .args = {RNN_ARGS(, {.name = "nonlinearity", .kind = PR_ARG_CHOICE, .default_value = 0,
                           .choices = {"tanh", "relu"}, .help = "the cell's activation"})}},
     build_rnn, 0},
    {{.token = "lstm",
      .help = "LSTM (gates i, f, g, o as PyTorch orders them) over (N, T, D)",
      .torch = "RNN(nn.LSTM({in}, {hidden_size}, {num_layers}, batch_first=True), {output})",
      .example = "sequence:3:2,lstm:4:2,last",
      .example_input = "6",
      .n_args = 4,
      .args = {RNN_ARGS()}},
     build_lstm, 0},
    {{.token = "gru",
      .help = "GRU (gates r, z, n as PyTorch orders them) over (N, T, D)",
      .torch = "RNN(nn.GRU({in}, {hidden_size}, {num_layers}, batch_first=True), {output})",
      .example = "sequence:3:2,gru:4:last",
      .example_input = "6",
      .n_args = 4,
      .args = {RNN_ARGS()}},
     build_gru, 0},
    {{.token = "last",
      .help = "(N, T, D) -> (N, D): the last step",
      .torch = "Last()",
      .example = "sequence:3:2,last",
      .example_input = "6"},
     build_last, 0},
    {{.token = "attention",
      .help = "multi-head self-attention softmax(Q K^T / sqrt(d_k)) V with in_proj and out_proj",
      .torch = "SelfAttention({in}, {num_heads}, {mask})",
      .example = "sequence:3:4,attention:2:causal,last",
      .example_input = "12",
      .n_args = 2,
      .args = {{.name = "num_heads", .kind = PR_ARG_INT, .required = 1, .min = 1, .max = MAX_WIDTH,
                .help = "heads; they divide the width"},
               {.name = "mask", .kind = PR_ARG_CHOICE, .default_value = 0, .choices = {"full", "causal"},
                .help = "causal: step t attends to steps <= t"}}},
     build_attention, 0},
    {{.token = "posenc",
      .help = "adds the sinusoidal positional encoding of Vaswani et al. (no parameters)",
      .torch = "PositionalEncoding()",
      .example = "sequence:3:4,posenc,last",
      .example_input = "12"},
     build_posenc, 0},
    {{.token = "posembed",
      .help = "adds learned position embeddings (max_len, D)",
      .torch = "PositionEmbedding({max_len}, {in})",
      .example = "sequence:3:4,posembed:8,last",
      .example_input = "12",
      .n_args = 1,
      .args = {{.name = "max_len", .kind = PR_ARG_INT, .required = 1, .min = 1, .max = MAX_WIDTH,
                .help = "the longest sequence"}}},
     build_posembed, 0},
    {{.token = "transformer",
      .help = "Transformer encoder block: self-attention and feed-forward, each with a residual and layer norm",
      .torch = "EncoderLayer({in}, {num_heads}, {dim_feedforward}, {dropout}, {activation}, {norm}, {mask})",
      .example = "sequence:3:4,transformer:2:8:pre:gelu:causal,last",
      .example_input = "12",
      .n_args = 6,
      .args = {{.name = "num_heads", .kind = PR_ARG_INT, .required = 1, .min = 1, .max = MAX_WIDTH,
                .help = "heads; they divide the width"},
               {.name = "dim_feedforward", .kind = PR_ARG_INT, .required = 1, .min = 1, .max = MAX_WIDTH,
                .help = "hidden units of the feed-forward network"},
               {.name = "norm", .kind = PR_ARG_CHOICE, .default_value = 0, .choices = {"post", "pre"},
                .help = "post: norm after each residual (2017); pre: before each sub-layer"},
               {.name = "activation", .kind = PR_ARG_CHOICE, .default_value = 0, .choices = {"relu", "gelu"},
                .help = "of the feed-forward network"},
               {.name = "mask", .kind = PR_ARG_CHOICE, .default_value = 0, .choices = {"full", "causal"},
                .help = "causal: step t attends to steps <= t"},
               {.name = "dropout", .kind = PR_ARG_REAL, .default_value = 0, .min = 0, .max = 1, .max_open = 1,
                .help = "after attention, inside and after the feed-forward network"}}},
     build_transformer, 0},
    {{.token = NULL}, NULL, 0},
};
