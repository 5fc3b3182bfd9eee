/* primer/autograd.h — reverse-mode automatic differentiation (book chapters 2 and 9).
 *
 * A pr_graph is a computational graph built once and run many times. Leaves are
 * inputs (data set before each run), parameters (trainable values that persist)
 * and constants; every other node is an op applied to earlier nodes, so the
 * order of creation is a topological order.
 *
 *     pr_graph *g;
 *     pr_graph_new(&g, PR_F64);
 *     pr_node x = pr_g_input(g, "x", PR_SHAPE(-1, 3));    // -1: any batch size
 *     pr_node W = pr_g_param(g, "W", PR_SHAPE(3, 2));
 *     pr_node y = pr_g_relu(g, pr_g_matmul(g, x, W));
 *     pr_node loss = pr_g_mean(g, pr_g_mul(g, y, y), PR_AXIS_ALL, 0);
 *     if (pr_graph_status(g)) ... pr_graph_error(g) says which op and shapes
 *     pr_graph_set_input(g, x, batch);
 *     pr_graph_forward(g, loss);
 *     pr_graph_zero_grad(g);
 *     pr_graph_backward(g, loss);
 *     pr_graph_grad(g, W, &dW);
 *
 * Building. The pr_g_* builders return a node handle. A builder that fails (a
 * shape mismatch, a node of another graph) returns an invalid handle and records
 * the first error in the graph; later builders given an invalid handle return one
 * too. Check pr_graph_status() once after building: forward and backward refuse a
 * graph with a build error and report it. Shapes may hold -1 for extents known
 * only when inputs are set; they are checked again then.
 *
 * Running. Buffers for every node are planned when the graph first runs and again
 * only when an input's shape changes; forward and backward then allocate nothing.
 * pr_graph_backward() accumulates into the gradients of parameters (and of inputs
 * that asked for one), as PyTorch does: call pr_graph_zero_grad() between steps.
 *
 * Every parameter lives in one flat buffer and every parameter gradient in
 * another (pr_graph_param_buffers), so optimizers and clipping are single loops.
 *
 * Values are views into the graph's storage: valid until the next run that
 * replans, a node is added, or the graph is freed. A graph is not thread-safe.
 */
#ifndef PRIMER_AUTOGRAD_H
#define PRIMER_AUTOGRAD_H

#include <stdio.h>

#include "primer/core.h"
#include "primer/threads.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pr_graph pr_graph;

/* A node of one graph. `graph` is that graph's serial number, so a handle used
 * with another graph (or one freed and replaced) is detected; `id` < 0 is invalid. */
typedef struct pr_node {
    uint32_t graph;
    int32_t id;
} pr_node;

/* ---- graphs --------------------------------------------------------------------- */

/* A new empty graph computing in `dtype` (PR_F32 or PR_F64). */
pr_status pr_graph_new(pr_graph **out, pr_dtype dtype);
/* A graph that only infers shapes: parameters get no storage (so a model of any size
 * can be described and its parameters counted) and it refuses to run. */
pr_status pr_graph_new_shapes_only(pr_graph **out, pr_dtype dtype);
void pr_graph_free(pr_graph *g);
pr_dtype pr_graph_dtype(const pr_graph *g);
/* The first build error (PR_OK if none) and its message ("" if none). */
pr_status pr_graph_status(const pr_graph *g);
const char *pr_graph_error(const pr_graph *g);
/* Nodes in the graph. */
int32_t pr_graph_node_count(const pr_graph *g);
/* A copy of g computing in `dtype`: the same nodes, parameter values and constant
 * and input values converted (a float64 copy of a float32 model, say). */
pr_status pr_graph_clone(const pr_graph *g, pr_dtype dtype, pr_graph **out);

/* ---- leaves ---------------------------------------------------------------------- */

/* Data set before each run with pr_graph_set_input; -1 extents take any size. */
pr_node pr_g_input(pr_graph *g, const char *name, int ndim, const int64_t *shape);
/* A trainable parameter, initialised to zeros. */
pr_node pr_g_param(pr_graph *g, const char *name, int ndim, const int64_t *shape);
/* A constant holding a copy of `value` (converted to the graph's dtype). */
pr_node pr_g_const(pr_graph *g, const char *name, const pr_tensor *value);
/* A rank-0 constant. */
pr_node pr_g_scalar(pr_graph *g, double value);
/* Persistent state saved with a model but not trained (batch norm's running
 * statistics), every element set to `fill`; ops may update it in training. */
pr_node pr_g_buffer(pr_graph *g, const char *name, int ndim, const int64_t *shape, double fill);

/* ---- ops ----------------------------------------------------------------------------
 * Element-wise binary ops broadcast as NumPy does. Axis arguments may be negative;
 * PR_AXIS_ALL reduces over every element. */

pr_node pr_g_add(pr_graph *g, pr_node a, pr_node b);
pr_node pr_g_sub(pr_graph *g, pr_node a, pr_node b);
pr_node pr_g_mul(pr_graph *g, pr_node a, pr_node b);
pr_node pr_g_div(pr_graph *g, pr_node a, pr_node b);
pr_node pr_g_neg(pr_graph *g, pr_node a);
/* a^p for a scalar exponent p (a > 0 unless p is an integer). */
pr_node pr_g_pow(pr_graph *g, pr_node a, double p);
pr_node pr_g_exp(pr_graph *g, pr_node a);
pr_node pr_g_log(pr_graph *g, pr_node a);
pr_node pr_g_sqrt(pr_graph *g, pr_node a);
/* |a|; the derivative at 0 is taken as 0. */
pr_node pr_g_abs(pr_graph *g, pr_node a);
/* log(1 + a), accurate for small a. */
pr_node pr_g_log1p(pr_graph *g, pr_node a);
/* a * s and a + s for a constant s. */
pr_node pr_g_scale(pr_graph *g, pr_node a, double s);
pr_node pr_g_add_scalar(pr_graph *g, pr_node a, double s);

/* Matrix product over the last two axes, (..., m, k) @ (..., k, n) -> (..., m, n);
 * the leading (batch) axes broadcast as NumPy's matmul does, so (B, T, d) @ (d, e)
 * applies one matrix to every batch and (B, H, T, d) @ (B, H, d, T) multiplies per
 * (batch, head). Each product is one BLAS gemm on the operands in place (a shared
 * right operand with an untransposed left one is a single gemm over all rows). */
pr_node pr_g_matmul(pr_graph *g, pr_node a, pr_node b);
/* op(a) @ op(b), op transposing the last two axes of an operand when asked (no copy:
 * BLAS reads it transposed): attention's Q Kᵀ is pr_g_matmul_t(g, q, 0, k, 1). */
pr_node pr_g_matmul_t(pr_graph *g, pr_node a, int transpose_a, pr_node b, int transpose_b);
/* a @ bᵀ: a dense layer with PyTorch's (out, in) weights. */
pr_node pr_g_matmul_nt(pr_graph *g, pr_node a, pr_node b);
/* x Wᵀ + bias over the last axis of x, nn.Linear's y with W (out, in) and bias (out)
 * (pr_g_no_node() for none): one node, the bias written into the product's output
 * before the gemm accumulates onto it, and its gradient the column sums of dy. */
pr_node pr_g_linear(pr_graph *g, pr_node x, pr_node W, pr_node bias);
/* Permute axes (perm NULL reverses them). */
pr_node pr_g_transpose(pr_graph *g, pr_node a, const int *perm);
/* The same elements in a new shape; one extent may be -1. */
pr_node pr_g_reshape(pr_graph *g, pr_node a, int ndim, const int64_t *shape);
/* Join n nodes (any number: T time steps, say) along `axis`. */
pr_node pr_g_concat(pr_graph *g, const pr_node *parts, int n, int axis);
/* Elements [start, stop) along `axis`. */
pr_node pr_g_slice(pr_graph *g, pr_node a, int axis, int64_t start, int64_t stop);

/* Reductions along an axis (or PR_AXIS_ALL); keepdims keeps it with extent 1. The
 * gradient of max flows to the first maximal element. */
pr_node pr_g_sum(pr_graph *g, pr_node a, int axis, int keepdims);
pr_node pr_g_mean(pr_graph *g, pr_node a, int axis, int keepdims);
pr_node pr_g_max(pr_graph *g, pr_node a, int axis, int keepdims);

/* Activations. ReLU'(0) = 0. */
pr_node pr_g_relu(pr_graph *g, pr_node a);
pr_node pr_g_leaky_relu(pr_graph *g, pr_node a, double slope);
/* max(0, a) + alpha * min(0, a) with a learnable alpha broadcast against a. */
pr_node pr_g_prelu(pr_graph *g, pr_node a, pr_node alpha);
pr_node pr_g_sigmoid(pr_graph *g, pr_node a);
pr_node pr_g_tanh(pr_graph *g, pr_node a);

typedef enum pr_gelu_mode {
    PR_GELU_ERF,  /* a Φ(a) = a (1 + erf(a / sqrt 2)) / 2 */
    PR_GELU_TANH  /* a (1 + tanh(sqrt(2/π) (a + 0.044715 a³))) / 2 */
} pr_gelu_mode;
pr_node pr_g_gelu(pr_graph *g, pr_node a, pr_gelu_mode mode);

/* Numerically stable softmax, log-softmax and logsumexp along an axis. */
pr_node pr_g_softmax(pr_graph *g, pr_node a, int axis);
pr_node pr_g_log_softmax(pr_graph *g, pr_node a, int axis);
pr_node pr_g_logsumexp(pr_graph *g, pr_node a, int axis, int keepdims);
/* min(max(a, lo), hi); the gradient is 0 where a is clamped. */
pr_node pr_g_clamp(pr_graph *g, pr_node a, double lo, double hi);
/* cond != 0 ? a : b with broadcasting; cond (an input or constant mask) gets no gradient. */
pr_node pr_g_where(pr_graph *g, pr_node cond, pr_node a, pr_node b);

/* ---- ops that behave differently in training and evaluation (pr_graph_set_training) ---- */

/* Dropout with rate p in [0, 1), masks drawn from the graph's generator. Inverted
 * (standard = 0, the default): keep with probability 1 - p and scale by 1/(1 - p) in
 * training, identity in evaluation. Standard (1): keep unscaled in training, scale by
 * 1 - p in evaluation (the book's 7.5). */
pr_node pr_g_dropout(pr_graph *g, pr_node a, double p, int standard);
/* The reparameterisation of a VAE (Kingma and Welling): z = mu + exp(logvar / 2) eps
 * with eps ~ N(0, 1) drawn from the graph's generator in training (gradients reach mu
 * and logvar through it; a gradient check replays the draw), z = mu in evaluation.
 * mu and logvar have the same shape. Under prior sampling z = eps, draws from
 * N(0, I) whatever the inputs: decoding them samples the model. */
pr_node pr_g_gaussian_sample(pr_graph *g, pr_node mu, pr_node logvar);
/* Prior sampling on or off (off when a graph is made). */
void pr_graph_set_prior_sampling(pr_graph *g, int on);
/* Batch normalisation over every axis but 1 (the features of a 2-D input, the channels
 * of an image batch): batch mean and biased variance in training, running statistics
 * in evaluation, then gamma x̂ + beta. Training updates the running statistics with
 * `momentum` (PyTorch's convention: running = (1-m) running + m batch, the variance
 * unbiased) and adds 1 to `batches`. gamma, beta: parameters; running_mean,
 * running_var, batches: buffers. */
pr_node pr_g_batchnorm(pr_graph *g, pr_node x, pr_node gamma, pr_node beta, pr_node running_mean,
                       pr_node running_var, pr_node batches, double eps, double momentum);
/* Layer normalisation over the last axis, as nn.LayerNorm: (x - mean) / sqrt(var +
 * eps) gamma + beta with the biased variance; gamma and beta have the last axis's
 * extent. One fused op (each row's mean and 1/std kept for the backward pass). */
pr_node pr_g_layernorm(pr_graph *g, pr_node x, pr_node gamma, pr_node beta, double eps);
/* Rows of `table` (V, d) picked by integer `indices` (any shape): shape indices + (d). */
pr_node pr_g_embedding(pr_graph *g, pr_node table, pr_node indices);
/* ---- convolution and pooling over images (N, C, H, W) (chapter 10) ------------------
 * Output extents follow PyTorch: floor((n + 2 pad - dilation (k - 1) - 1) / stride) + 1
 * per spatial axis (pr_conv_output_size); a window larger than the padded input is a
 * shape error. Index 0 of each pair is the height, 1 the width; pr_conv2d_params is
 * in core.h. */

/* Cross-correlation as nn.Conv2d computes it: x (N, C, H, W), weight (O, C, KH, KW),
 * bias (O) or an invalid handle (pr_g_no_node()) for none -> (N, O, OH, OW). Each
 * sample is one gemm of the weight with its im2col patches, written straight into
 * the output; a 1x1 convolution with stride 1 and no padding multiplies x directly.
 * params NULL means PR_CONV2D_DEFAULTS. */
pr_node pr_g_conv2d(pr_graph *g, pr_node x, pr_node weight, pr_node bias, const pr_conv2d_params *params);
/* The handle of no node, for optional inputs such as a convolution's bias. */
pr_node pr_g_no_node(void);

typedef struct pr_pool2d_params {
    int64_t kernel[2];    /* the window, >= 1 (default 2 x 2) */
    int64_t stride[2];    /* >= 1; PR_UNSET_INT (default): the kernel's extent */
    int64_t padding[2];   /* at most half the kernel (PyTorch's rule), default 0 */
    int count_include_pad; /* average pooling: 1 (default, PyTorch's) divides by the whole
                              window, padding included; 0 by the input elements in it */
} pr_pool2d_params;
#define PR_POOL2D_DEFAULTS                                                                            \
    ((pr_pool2d_params){.kernel = {2, 2}, .stride = {PR_UNSET_INT, PR_UNSET_INT}, .padding = {0, 0}, \
                        .count_include_pad = 1})

/* The maximum of each window (padding never wins); the gradient goes to the first
 * maximal element in reading order (PyTorch's choice), whose position the forward
 * pass keeps. (Finding it again in backward measured four times slower.) */
pr_node pr_g_max_pool2d(pr_graph *g, pr_node x, const pr_pool2d_params *params);
/* The mean of each window. */
pr_node pr_g_avg_pool2d(pr_graph *g, pr_node x, const pr_pool2d_params *params);
/* Global average pooling: (N, C, H, W) -> (N, C), the mean of each feature map. */
pr_node pr_g_global_avg_pool2d(pr_graph *g, pr_node x);

/* ---- recurrences and attention over sequences (N, T, features) (chapter 11) ---------- */

/* The cell of a recurrent layer, with PyTorch's gate order (rows of the weights):
 *   TANH, RELU  h' = act(W_ih x + b_ih + W_hh h + b_hh)                         (G = 1)
 *   LSTM        i, f, g, o = σ, σ, tanh, σ of (W_ih x + b_ih + W_hh h + b_hh) split
 *               in four; c' = f c + i g, h' = o tanh(c')                       (G = 4)
 *   GRU         r, z = σ(W_i{r,z} x + b_i{r,z} + W_h{r,z} h + b_h{r,z}),
 *               n = tanh(W_in x + b_in + r (W_hn h + b_hn)), h' = (1 - z) n + z h (G = 3) */
typedef enum pr_rnn_mode { PR_RNN_TANH, PR_RNN_RELU, PR_RNN_LSTM, PR_RNN_GRU } pr_rnn_mode;
/* Gates per cell (G above). */
int pr_rnn_gates(pr_rnn_mode mode);

/* One recurrent layer over x (N, T, D) -> every hidden state (N, T, H), weights as
 * nn.RNN/nn.LSTM/nn.GRU store them: w_ih (G H, D), w_hh (G H, H), b_ih and b_hh
 * (G H). h0 (N, H) and, for an LSTM, c0 (N, H) are the initial state, or
 * pr_g_no_node() for zeros. One fused op: the input projection of all T steps is one
 * gemm, each step one gemm with w_hh and one pass over the gates; backpropagation
 * through time ends with the weight gradients as single gemms. bptt > 0 truncates
 * it: no gradient flows from step t into step t-1 where t is a multiple of bptt (as
 * detaching the state between chunks of bptt steps would); 0 backpropagates through
 * the whole sequence. */
pr_node pr_g_rnn(pr_graph *g, pr_rnn_mode mode, pr_node x, pr_node w_ih, pr_node w_hh, pr_node b_ih, pr_node b_hh,
                 pr_node h0, pr_node c0, int64_t bptt);

typedef struct pr_attention_params {
    int64_t heads;   /* >= 1, dividing the widths of q, k and v (default 1) */
    int causal;      /* query i attends to keys j <= i + (Tk - Tq) only (default 0) */
    int packed;      /* q is one (B, T, 3E) tensor holding q, k and v side by side, as
                        x in_proj_weightᵀ gives them; pass it as q, k and v (default 0) */
} pr_attention_params;
#define PR_ATTENTION_DEFAULTS ((pr_attention_params){.heads = 1, .causal = 0, .packed = 0})

/* Multi-head scaled dot-product attention: q (B, Tq, E), k (B, Tk, E), v (B, Tk, Ev)
 * -> (B, Tq, Ev). Head h takes columns h E/heads .. (h+1) E/heads of q and k (and
 * likewise of v and the output), softmax(q kᵀ / sqrt(E/heads)) v, straight from the
 * strided rows with no permute copies. key_padding_mask (B, Tk), or pr_g_no_node():
 * keys where it is non-zero are ignored (PyTorch's bool mask, True = padding). A
 * query with no key left gets zero weights and a zero output, not NaN. The weights
 * (B, heads, Tq, Tk) are kept for the backward pass. params NULL: the defaults. */
pr_node pr_g_attention(pr_graph *g, pr_node q, pr_node k, pr_node v, pr_node key_padding_mask,
                       const pr_attention_params *params);
/* A copy of the weights (B, heads, Tq, Tk) of the graph's which-th attention op (0:
 * the first built) from the last forward pass: the attention maps. */
pr_status pr_graph_attention_weights(const pr_graph *g, int which, pr_tensor **weights);
/* Rows of `table` as pr_g_embedding, except that indices equal to padding_idx give
 * rows that receive no gradient (nn.Embedding's padding_idx); -1 for none. */
pr_node pr_g_embedding_padded(pr_graph *g, pr_node table, pr_node indices, int64_t padding_idx);

/* How a loss over many positions is reduced: the mean over the positions that count,
 * their sum, or none (one value per position). */
typedef enum pr_reduction { PR_REDUCTION_MEAN, PR_REDUCTION_SUM, PR_REDUCTION_NONE } pr_reduction;

/* The mean over rows of the cross-entropy of softmax(logits) (N, K) against targets:
 * integer class labels (N) or probabilities (N, K). Fused and numerically stable;
 * the gradient is (softmax - target) / N. Labels outside 0..K-1 stop the run. */
pr_node pr_g_softmax_cross_entropy(pr_graph *g, pr_node logits, pr_node targets);
/* The same over any leading axes: logits (..., K) against labels (...) or
 * probabilities (..., K), one loss per position (a per-token language model's
 * (N, T, K) against (N, T)), reduced as asked. Positions whose label equals
 * ignore_index (PyTorch uses -100 for padding) add nothing and are not counted in
 * the mean (a batch with every label ignored has loss 0); PR_NO_IGNORE counts all. */
pr_node pr_g_cross_entropy(pr_graph *g, pr_node logits, pr_node targets, pr_reduction reduction, int64_t ignore_index);
/* Element-wise binary cross-entropy of sigmoid(logits) against targets in [0, 1]
 * (broadcasting): max(z, 0) - z t + log(1 + e^-|z|), stable for any z; the
 * gradient is sigmoid(z) - t. */
pr_node pr_g_bce_with_logits(pr_graph *g, pr_node logits, pr_node targets);

/* Training (default) or evaluation behaviour of dropout and batch norm. */
void pr_graph_set_training(pr_graph *g, int on);
int pr_graph_training(const pr_graph *g);
/* Split the kernels' work over `pool` (NULL, the default: the calling thread only).
 * The graph does not own the pool, which must outlive its use here; results are
 * the same bits with any pool (docs/performance.md lists the kernels it splits). */
void pr_graph_set_threads(pr_graph *g, pr_threads *pool);
pr_threads *pr_graph_threads(const pr_graph *g);
/* Seed the graph's generator (dropout masks); a new graph is seeded with 0. */
void pr_graph_seed(pr_graph *g, uint64_t seed);
/* The graph's generator, for saving and restoring its state. A forward pass that runs
 * random ops (dropout, gaussian_sample) in training takes one key from it; each
 * element's draw is then a function of that key, the node and the element's index, so
 * the result does not depend on the thread count. */
pr_rng *pr_graph_rng(pr_graph *g);
/* For data-parallel loops, before each step on every process (whether or not it has
 * rows this step): take the next pass's key now, and number the random ops' rows from
 * `row_offset`, this process's first row of the whole batch, so that K processes draw
 * the masks one process would. Applies to the next forward pass only. */
void pr_graph_random_pass(pr_graph *g, int64_t row_offset);

/* For builders of composite layers (losses, normalisations): record a build error
 * with a formatted message (the first error sticks) and return an invalid handle. */
pr_node pr_graph_fail_build(pr_graph *g, pr_status status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* ---- nodes ------------------------------------------------------------------------- */

typedef enum pr_node_kind { PR_NODE_INPUT, PR_NODE_PARAM, PR_NODE_CONST, PR_NODE_BUFFER, PR_NODE_OP } pr_node_kind;

int pr_node_is_valid(pr_node n);
/* The i-th node (0 .. pr_graph_node_count - 1) and its kind. */
pr_node pr_graph_node_at(const pr_graph *g, int32_t i);
pr_node_kind pr_node_kind_of(const pr_graph *g, pr_node n);
/* Give a node a name (used in messages, printing and DOT; at most 47 bytes kept). */
pr_status pr_node_set_name(pr_graph *g, pr_node n, const char *name);
const char *pr_node_name(const pr_graph *g, pr_node n);
/* The node's shape as known now (-1 for extents fixed only when inputs are set). */
pr_status pr_node_shape(const pr_graph *g, pr_node n, int *ndim, int64_t shape[PR_MAX_DIMS]);

/* ---- running ----------------------------------------------------------------------- */

/* Copy `value` into input `x`: same dtype as the graph, same rank, fixed extents
 * equal. A new shape replans the graph's buffers at the next run. */
pr_status pr_graph_set_input(pr_graph *g, pr_node x, const pr_tensor *value);
/* Use `value`'s storage as input `x` without copying it (same checks as set_input).
 * The caller keeps `value` alive and unchanged until x is set or bound again; the
 * graph only reads it (pr_gradcheck perturbs an input that asked for a gradient and
 * restores it). */
pr_status pr_graph_bind_input(pr_graph *g, pr_node x, const pr_tensor *value);
/* Compute `output` and the nodes it depends on. */
pr_status pr_graph_forward(pr_graph *g, pr_node output);
/* Back-propagate from the scalar `loss` (computed by the last forward), adding
 * d loss / d node into every parameter's gradient and every input's that asked. */
pr_status pr_graph_backward(pr_graph *g, pr_node loss);
/* The same from any node with a seed gradient of its shape (a vector-Jacobian
 * product: seedᵀ · d out / d leaves). */
pr_status pr_graph_backward_seed(pr_graph *g, pr_node out, const pr_tensor *seed);
/* Views of a node's current value and gradient (read-only use; see the header note). */
pr_status pr_graph_value(const pr_graph *g, pr_node n, pr_tensor *view);
pr_status pr_graph_grad(const pr_graph *g, pr_node n, pr_tensor *view);
/* The value of a one-element node. */
pr_status pr_graph_scalar(const pr_graph *g, pr_node n, double *value);
/* Set every parameter and input gradient to zero. */
pr_status pr_graph_zero_grad(pr_graph *g);

/* ---- parameters and gradients -------------------------------------------------------- */

/* Copy `value` into a parameter, constant or buffer (same shape; converted to the graph dtype). */
pr_status pr_graph_set_value(pr_graph *g, pr_node n, const pr_tensor *value);
/* A writable view of a parameter's values (for initialisation). */
pr_status pr_graph_param_view(pr_graph *g, pr_node param, pr_tensor *view);
/* A frozen parameter keeps its value: backward leaves its gradient alone and skips
 * the parts of the graph that only it needs. */
pr_status pr_graph_set_frozen(pr_graph *g, pr_node param, int frozen);
/* Ask backward for d loss / d input too (for Jacobians, Hessians, saliency). */
pr_status pr_graph_set_input_grad(pr_graph *g, pr_node input, int on);
/* Parameters, in creation order. */
int64_t pr_graph_param_count(const pr_graph *g);
pr_status pr_graph_param_at(const pr_graph *g, int64_t i, pr_node *param);
/* 1-D views of the flat buffers holding all parameter values and all their gradients. */
pr_status pr_graph_param_buffers(pr_graph *g, pr_tensor *values, pr_tensor *grads);

/* ---- debugging --------------------------------------------------------------------- */

/* Anomaly mode: after each op, check its output (forward) or the gradients it wrote
 * (backward); the first NaN or infinity stops the run with PR_ERR_NONFINITE naming
 * the node, its op and the position. */
void pr_graph_set_anomaly_detection(pr_graph *g, int on);
/* One line per node: id, name, op, inputs, shape, value and gradient (small tensors
 * in full, large ones summarised). */
pr_status pr_graph_print(const pr_graph *g, FILE *f);
/* Graphviz DOT of the graph with each node's value and gradient (`dot -Tsvg`). */
pr_status pr_graph_write_dot(const pr_graph *g, FILE *f);
/* Time every op's forward and backward; pr_graph_profile reports totals per op type. */
void pr_graph_set_profiling(pr_graph *g, int on);

typedef struct pr_profile_entry {
    const char *op;        /* op name ("matmul", "relu", ...) */
    int64_t calls;         /* forward + backward executions */
    double seconds;        /* time inside the op's kernels */
} pr_profile_entry;

/* Up to `max` entries sorted by time; *n receives how many; *total the time inside
 * all kernels; *elapsed the time inside forward/backward calls. */
pr_status pr_graph_profile(const pr_graph *g, pr_profile_entry *entries, int max, int *n, double *kernels,
                           double *elapsed);
void pr_graph_reset_profile(pr_graph *g);

/* ---- gradient checking ------------------------------------------------------------------ */

typedef struct pr_gradcheck_entry {
    pr_node node;            /* a parameter (or an input with a gradient) */
    char name[48];
    int64_t checked;         /* elements compared */
    double max_rel_error;    /* max |a - n| / (|a| + |n|) (abs error where both are tiny) */
    double max_abs_error;
    int64_t worst_index;     /* flat index of the worst element */
    double analytic, numeric; /* the two gradients there */
} pr_gradcheck_entry;

typedef struct pr_gradcheck_report {
    int64_t n;
    pr_gradcheck_entry *entries;
    double max_rel_error;    /* over all entries */
} pr_gradcheck_report;

/* Compare backward's gradients of the scalar `loss` with centered finite
 * differences (f(θ+ε) - f(θ-ε)) / 2ε computed in float64 (on a float64 clone of a
 * float32 graph), the recipe of the book's Q9.10. eps <= 0 selects 1e-5; at most
 * max_per_param elements of each parameter are checked (<= 0: all). Inputs must
 * be set. Free the report with pr_gradcheck_report_free. */
pr_status pr_gradcheck(pr_graph *g, pr_node loss, double eps, int64_t max_per_param,
                       pr_gradcheck_report **out);
void pr_gradcheck_report_free(pr_gradcheck_report *r);
/* The whole numeric gradient d loss / d wrt (a parameter, or an input that has a
 * value) by the same centered differences, as a new float64 tensor of wrt's shape:
 * every element, to compare with pr_graph_grad or to print (Q9.10). */
pr_status pr_gradcheck_numeric(pr_graph *g, pr_node loss, pr_node wrt, double eps, pr_tensor **numeric);

/* ---- calculus on a user-defined function (chapter 2) ----------------------------------
 * f is a graph with one 1-D input x (n values) and an output y; `at` is the point. */

/* ∇f(at) for scalar y. */
pr_status pr_calc_gradient(pr_graph *g, pr_node y, pr_node x, const pr_tensor *at, pr_tensor **grad);
/* The m x n Jacobian of a vector y (m values), one backward pass per row. */
pr_status pr_calc_jacobian(pr_graph *g, pr_node y, pr_node x, const pr_tensor *at, pr_tensor **jacobian);
/* The n x n Hessian of scalar y: centered differences of the exact gradient
 * (step 1e-5 relative), symmetrised; agrees with analytic Hessians to about 1e-8. */
pr_status pr_calc_hessian(pr_graph *g, pr_node y, pr_node x, const pr_tensor *at, pr_tensor **hessian);
/* ∇f(at) · u / ‖u‖: the slope of f along direction u. */
pr_status pr_calc_directional_derivative(pr_graph *g, pr_node y, pr_node x, const pr_tensor *at,
                                         const pr_tensor *u, double *out);
/* The second-order Taylor approximation f(a) + ∇f(a)ᵀΔ + ½ ΔᵀH(a)Δ, Δ = point - a. */
pr_status pr_calc_taylor2(pr_graph *g, pr_node y, pr_node x, const pr_tensor *at, const pr_tensor *point,
                          double *out);

typedef enum pr_critical_kind {
    PR_CRITICAL_MINIMUM,    /* all Hessian eigenvalues > tol */
    PR_CRITICAL_MAXIMUM,    /* all < -tol */
    PR_CRITICAL_SADDLE,     /* some > tol and some < -tol */
    PR_CRITICAL_DEGENERATE  /* otherwise: a zero eigenvalue and no sign change */
} pr_critical_kind;

/* Classify a critical point from its (symmetric) Hessian's eigenvalues; tol < 0
 * selects 1e-8 · max(1, max|λ|). */
pr_status pr_calc_classify_hessian(const pr_tensor *hessian, double tol, pr_critical_kind *out);
const char *pr_critical_kind_name(pr_critical_kind kind);

/* Gradient descent on the quadratic ½ θᵀHθ with a positive definite H. */
typedef struct pr_quadratic_analysis {
    double lambda_min, lambda_max;
    double condition;       /* κ = λmax / λmin */
    double max_step;        /* GD is stable for 0 < η < 2 / λmax */
    double optimal_step;    /* η* = 2 / (λmax + λmin) */
    double rate;            /* contraction per step at η*: (κ - 1) / (κ + 1) */
} pr_quadratic_analysis;

/* PR_ERR_NOT_PD when H is not positive definite. */
pr_status pr_calc_quadratic_analysis(const pr_tensor *hessian, pr_quadratic_analysis *out);

#ifdef __cplusplus
}
#endif

#endif /* PRIMER_AUTOGRAD_H */
