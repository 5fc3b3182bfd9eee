/* Every op's backward against centered finite differences in float64, for float64
 * graphs and for float32 graphs (whose finite differences run on a float64 clone). */
#include <string.h>

#include "autograd/graph_internal.h"
#include "test_util.h"

#define MAX_P 7

/* An op under test: the shapes of its parameter inputs and how to build it. */
typedef struct op_case {
    const char *name;
    int n_params;
    int ndim[MAX_P];
    int64_t shape[MAX_P][4];
    int positive; /* inputs drawn from [0.2, 1.5] (log, sqrt, pow, div) */
    pr_node (*build)(pr_graph *g, const pr_node *p);
} op_case;

/* The float64 tolerance: 1e-7, but 1e-6 for recurrences, whose gradients through
 * several steps reach 1e-5, where centred differences keep six digits. */
/* The recurrences' chains of products leave about 1e-10 of rounding in a central
 * difference (eps 1e-5), which is up to 2e-6 relative on their smallest gradient
 * elements (4e-5) with BLIS's summation order (make BLAS=blis); a wrong gradient is
 * off by far more. */
static double tolerance64(const op_case *c) {
    return strncmp(c->name, "rnn", 3) && strncmp(c->name, "lstm", 4) && strncmp(c->name, "gru", 3) ? 1e-7 : 3e-6;
}

static pr_node b_add(pr_graph *g, const pr_node *p) { return pr_g_add(g, p[0], p[1]); }
static pr_node b_sub(pr_graph *g, const pr_node *p) { return pr_g_sub(g, p[0], p[1]); }
static pr_node b_mul(pr_graph *g, const pr_node *p) { return pr_g_mul(g, p[0], p[1]); }
static pr_node b_div(pr_graph *g, const pr_node *p) { return pr_g_div(g, p[0], p[1]); }
static pr_node b_neg(pr_graph *g, const pr_node *p) { return pr_g_neg(g, p[0]); }
static pr_node b_pow3(pr_graph *g, const pr_node *p) { return pr_g_pow(g, p[0], 3); }
static pr_node b_pow_half(pr_graph *g, const pr_node *p) { return pr_g_pow(g, p[0], 0.5); }
static pr_node b_exp(pr_graph *g, const pr_node *p) { return pr_g_exp(g, p[0]); }
static pr_node b_log(pr_graph *g, const pr_node *p) { return pr_g_log(g, p[0]); }
static pr_node b_sqrt(pr_graph *g, const pr_node *p) { return pr_g_sqrt(g, p[0]); }
static pr_node b_abs(pr_graph *g, const pr_node *p) { return pr_g_abs(g, p[0]); }
static pr_node b_scale(pr_graph *g, const pr_node *p) { return pr_g_scale(g, p[0], -2.5); }
static pr_node b_add_scalar(pr_graph *g, const pr_node *p) { return pr_g_add_scalar(g, p[0], 0.75); }
static pr_node b_matmul(pr_graph *g, const pr_node *p) { return pr_g_matmul(g, p[0], p[1]); }
static pr_node b_transpose(pr_graph *g, const pr_node *p) { return pr_g_transpose(g, p[0], NULL); }
static pr_node b_permute(pr_graph *g, const pr_node *p) { return pr_g_transpose(g, p[0], (int[]){2, 0, 1}); }
static pr_node b_reshape(pr_graph *g, const pr_node *p) {
    return pr_g_mul(g, pr_g_reshape(g, p[0], PR_SHAPE(-1, 2)), pr_g_reshape(g, p[0], PR_SHAPE(6, 2)));
}
static pr_node b_concat0(pr_graph *g, const pr_node *p) { return pr_g_concat(g, p, 3, 0); }
static pr_node b_concat1(pr_graph *g, const pr_node *p) { return pr_g_concat(g, p, 2, -1); }
static pr_node b_slice(pr_graph *g, const pr_node *p) { return pr_g_slice(g, p[0], 1, 1, 3); }
static pr_node b_sum0(pr_graph *g, const pr_node *p) { return pr_g_sum(g, p[0], 0, 0); }
static pr_node b_sum_all(pr_graph *g, const pr_node *p) { return pr_g_sum(g, p[0], PR_AXIS_ALL, 0); }
static pr_node b_mean1(pr_graph *g, const pr_node *p) { return pr_g_mean(g, p[0], 1, 1); }
static pr_node b_max1(pr_graph *g, const pr_node *p) { return pr_g_max(g, p[0], 1, 0); }
static pr_node b_max_all(pr_graph *g, const pr_node *p) { return pr_g_max(g, p[0], PR_AXIS_ALL, 0); }
static pr_node b_relu(pr_graph *g, const pr_node *p) { return pr_g_relu(g, p[0]); }
static pr_node b_leaky(pr_graph *g, const pr_node *p) { return pr_g_leaky_relu(g, p[0], 0.1); }
static pr_node b_prelu(pr_graph *g, const pr_node *p) { return pr_g_prelu(g, p[0], p[1]); }
static pr_node b_sigmoid(pr_graph *g, const pr_node *p) { return pr_g_sigmoid(g, p[0]); }
static pr_node b_tanh(pr_graph *g, const pr_node *p) { return pr_g_tanh(g, p[0]); }
static pr_node b_gelu_erf(pr_graph *g, const pr_node *p) { return pr_g_gelu(g, p[0], PR_GELU_ERF); }
static pr_node b_gelu_tanh(pr_graph *g, const pr_node *p) { return pr_g_gelu(g, p[0], PR_GELU_TANH); }
static pr_node b_softmax(pr_graph *g, const pr_node *p) { return pr_g_softmax(g, p[0], -1); }
static pr_node b_softmax0(pr_graph *g, const pr_node *p) { return pr_g_softmax(g, p[0], 0); }
static pr_node b_log_softmax(pr_graph *g, const pr_node *p) { return pr_g_log_softmax(g, p[0], 1); }
static pr_node b_logsumexp(pr_graph *g, const pr_node *p) { return pr_g_logsumexp(g, p[0], 1, 0); }
static pr_node b_clamp(pr_graph *g, const pr_node *p) { return pr_g_clamp(g, p[0], -0.5, 0.6); }
static pr_node b_where(pr_graph *g, const pr_node *p) {
    pr_tensor *mask;
    pr_tensor_from_array(&mask, PR_F64, PR_SHAPE(3, 4), (double[]){1, 0, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1});
    pr_node c = pr_g_const(g, "mask", mask);
    pr_tensor_free(mask);
    return pr_g_where(g, c, p[0], p[1]);
}

static pr_node b_log1p(pr_graph *g, const pr_node *p) { return pr_g_log1p(g, p[0]); }
static pr_node b_matmul_nt(pr_graph *g, const pr_node *p) { return pr_g_matmul_nt(g, p[0], p[1]); }
static pr_node b_linear(pr_graph *g, const pr_node *p) { return pr_g_linear(g, p[0], p[1], p[2]); }
static pr_node b_dropout(pr_graph *g, const pr_node *p) { return pr_g_dropout(g, p[0], 0.3, 0); }
static pr_node b_dropout_standard(pr_graph *g, const pr_node *p) { return pr_g_dropout(g, p[0], 0.5, 1); }
/* batch norm over the channels of p[0] with scale p[1] and shift p[2] */
static pr_node batchnorm_of(pr_graph *g, const pr_node *p, int64_t channels) {
    pr_node rm = pr_g_buffer(g, "running_mean", PR_SHAPE(channels), 0);
    pr_node rv = pr_g_buffer(g, "running_var", PR_SHAPE(channels), 1);
    pr_node nb = pr_g_buffer(g, "batches", 0, NULL, 0);
    return pr_g_batchnorm(g, p[0], p[1], p[2], rm, rv, nb, 1e-5, 0.1);
}
static pr_node b_batchnorm(pr_graph *g, const pr_node *p) { return batchnorm_of(g, p, 4); }
static pr_node b_batchnorm_4d(pr_graph *g, const pr_node *p) { return batchnorm_of(g, p, 3); }
/* the VAE's reparameterisation: its draw is replayed by the check, so the gradient
 * through mu and logvar is checkable; in evaluation z = mu */
static pr_node b_gaussian_sample(pr_graph *g, const pr_node *p) { return pr_g_gaussian_sample(g, p[0], p[1]); }
static pr_node b_gaussian_sample_eval(pr_graph *g, const pr_node *p) {
    pr_graph_set_training(g, 0);
    return pr_g_gaussian_sample(g, p[0], p[1]);
}
static pr_node b_batchnorm_eval(pr_graph *g, const pr_node *p) {
    pr_graph_set_training(g, 0);
    return batchnorm_of(g, p, 4);
}
static pr_node b_embedding(pr_graph *g, const pr_node *p) {
    pr_tensor *idx;
    pr_tensor_from_array(&idx, PR_F64, PR_SHAPE(2, 3), (double[]){4, 0, 2, 2, 1, 4});
    pr_node i = pr_g_const(g, "indices", idx);
    pr_tensor_free(idx);
    return pr_g_embedding(g, p[0], i);
}
static pr_node b_ce_labels(pr_graph *g, const pr_node *p) {
    pr_tensor *y;
    pr_tensor_from_array(&y, PR_F64, PR_SHAPE(3), (double[]){2, 0, 3});
    pr_node t = pr_g_const(g, "labels", y);
    pr_tensor_free(y);
    return pr_g_softmax_cross_entropy(g, p[0], t);
}
/* per-position labels (2, 3) with padding (-100) that must not count */
static pr_node ce_positions(pr_graph *g, const pr_node *p, pr_reduction reduction) {
    pr_tensor *y;
    pr_tensor_from_array(&y, PR_F64, PR_SHAPE(2, 3), (double[]){2, -100, 0, 3, 1, -100});
    pr_node t = pr_g_const(g, "labels", y);
    pr_tensor_free(y);
    return pr_g_cross_entropy(g, p[0], t, reduction, -100);
}
static pr_node b_ce_positions(pr_graph *g, const pr_node *p) { return ce_positions(g, p, PR_REDUCTION_MEAN); }
static pr_node b_ce_positions_sum(pr_graph *g, const pr_node *p) { return ce_positions(g, p, PR_REDUCTION_SUM); }
static pr_node b_ce_positions_none(pr_graph *g, const pr_node *p) { return ce_positions(g, p, PR_REDUCTION_NONE); }
static pr_node b_ce_soft_positions(pr_graph *g, const pr_node *p) {
    return pr_g_cross_entropy(g, p[0], pr_g_softmax(g, p[1], -1), PR_REDUCTION_MEAN, PR_NO_IGNORE);
}
static pr_node b_matmul_ta(pr_graph *g, const pr_node *p) { return pr_g_matmul_t(g, p[0], 1, p[1], 0); }
static pr_node b_matmul_tb(pr_graph *g, const pr_node *p) { return pr_g_matmul_t(g, p[0], 0, p[1], 1); }
static pr_node b_matmul_tt(pr_graph *g, const pr_node *p) { return pr_g_matmul_t(g, p[0], 1, p[1], 1); }
/* twelve one-row slices joined in reverse: concat with many inputs */
static pr_node b_concat_many(pr_graph *g, const pr_node *p) {
    pr_node parts[12];
    for (int i = 0; i < 12; i++) parts[i] = pr_g_slice(g, p[0], 0, 11 - i, 12 - i);
    return pr_g_concat(g, parts, 12, 1);
}

static pr_node conv_of(pr_graph *g, const pr_node *p, int has_bias, pr_conv2d_params c) {
    return pr_g_conv2d(g, p[0], p[1], has_bias ? p[2] : pr_g_no_node(), &c);
}
static pr_node b_conv_padded(pr_graph *g, const pr_node *p) {
    return conv_of(g, p, 1, (pr_conv2d_params){.stride = {1, 1}, .padding = {1, 1}, .dilation = {1, 1}});
}
static pr_node b_conv_strided_dilated(pr_graph *g, const pr_node *p) {
    return conv_of(g, p, 1, (pr_conv2d_params){.stride = {2, 1}, .padding = {1, 0}, .dilation = {1, 2}});
}
static pr_node b_conv_pointwise(pr_graph *g, const pr_node *p) { return conv_of(g, p, 1, PR_CONV2D_DEFAULTS); }
static pr_node b_conv_no_bias(pr_graph *g, const pr_node *p) {
    return conv_of(g, p, 0, (pr_conv2d_params){.stride = {3, 3}, .padding = {2, 2}, .dilation = {1, 1}});
}
static pr_node b_max_pool(pr_graph *g, const pr_node *p) { return pr_g_max_pool2d(g, p[0], NULL); }
static pr_node b_max_pool_3s2p1(pr_graph *g, const pr_node *p) {
    return pr_g_max_pool2d(g, p[0], &(pr_pool2d_params){.kernel = {3, 3}, .stride = {2, 2}, .padding = {1, 1}});
}
static pr_node b_avg_pool(pr_graph *g, const pr_node *p) { return pr_g_avg_pool2d(g, p[0], NULL); }
static pr_node avg_pool_3s2p1(pr_graph *g, const pr_node *p, int include) {
    return pr_g_avg_pool2d(g, p[0], &(pr_pool2d_params){.kernel = {3, 3}, .stride = {2, 2}, .padding = {1, 1},
                                                        .count_include_pad = include});
}
static pr_node b_avg_pool_pad(pr_graph *g, const pr_node *p) { return avg_pool_3s2p1(g, p, 1); }
static pr_node b_avg_pool_nopad(pr_graph *g, const pr_node *p) { return avg_pool_3s2p1(g, p, 0); }
static pr_node b_global_avg_pool(pr_graph *g, const pr_node *p) { return pr_g_global_avg_pool2d(g, p[0]); }

static pr_node b_ce_soft(pr_graph *g, const pr_node *p) {
    return pr_g_softmax_cross_entropy(g, p[0], pr_g_softmax(g, p[1], -1)); /* soft targets get gradients too */
}

/* soft targets in (0, 1) that also receive a gradient */
static pr_node b_bce_logits(pr_graph *g, const pr_node *p) {
    return pr_g_bce_with_logits(g, p[0], pr_g_sigmoid(g, p[1]));
}

/* recurrences: p = x (N, T, D), w_ih, w_hh, b_ih, b_hh[, h0[, c0]]; weights scaled by
 * 0.3 so that the gates stay away from saturation */
static pr_node rnn_of(pr_graph *g, const pr_node *p, pr_rnn_mode mode, int n_state) {
    return pr_g_rnn(g, mode, p[0], pr_g_scale(g, p[1], 0.3), pr_g_scale(g, p[2], 0.3), p[3], p[4],
                    n_state > 0 ? p[5] : pr_g_no_node(), n_state > 1 ? p[6] : pr_g_no_node(), 0);
}
static pr_node b_rnn_tanh(pr_graph *g, const pr_node *p) { return rnn_of(g, p, PR_RNN_TANH, 0); }
static pr_node b_rnn_relu_h0(pr_graph *g, const pr_node *p) { return rnn_of(g, p, PR_RNN_RELU, 1); }
static pr_node b_lstm(pr_graph *g, const pr_node *p) { return rnn_of(g, p, PR_RNN_LSTM, 0); }
static pr_node b_lstm_state(pr_graph *g, const pr_node *p) { return rnn_of(g, p, PR_RNN_LSTM, 2); }
static pr_node b_gru(pr_graph *g, const pr_node *p) { return rnn_of(g, p, PR_RNN_GRU, 0); }
static pr_node b_gru_h0(pr_graph *g, const pr_node *p) { return rnn_of(g, p, PR_RNN_GRU, 1); }
static pr_node attention_of(pr_graph *g, const pr_node *p, int heads, int causal, const double *mask) {
    pr_node m = pr_g_no_node();
    if (mask) {
        pr_tensor *t;
        pr_tensor_from_array(&t, PR_F64, PR_SHAPE(2, 5), mask);
        m = pr_g_const(g, "mask", t);
        pr_tensor_free(t);
    }
    pr_attention_params a = {.heads = heads, .causal = causal};
    return pr_g_attention(g, p[0], p[1], p[2], m, &a);
}
static pr_node b_attention(pr_graph *g, const pr_node *p) { return attention_of(g, p, 2, 0, NULL); }
static pr_node b_attention_causal(pr_graph *g, const pr_node *p) { return attention_of(g, p, 1, 1, NULL); }
/* batch 0 loses two keys; batch 1 loses all of them (its output and gradients are 0) */
static pr_node b_attention_masked(pr_graph *g, const pr_node *p) {
    return attention_of(g, p, 2, 0, (const double[]){0, 1, 0, 0, 1, 1, 1, 1, 1, 1});
}
static pr_node b_attention_packed(pr_graph *g, const pr_node *p) {
    pr_attention_params a = {.heads = 2, .causal = 1, .packed = 1};
    return pr_g_attention(g, p[0], p[0], p[0], pr_g_no_node(), &a);
}
static pr_node b_layernorm(pr_graph *g, const pr_node *p) { return pr_g_layernorm(g, p[0], p[1], p[2], 1e-5); }
static pr_node b_embedding_padded(pr_graph *g, const pr_node *p) {
    pr_tensor *idx;
    pr_tensor_from_array(&idx, PR_F64, PR_SHAPE(2, 3), (double[]){4, 0, 2, 2, 1, 4});
    pr_node i = pr_g_const(g, "indices", idx);
    pr_tensor_free(idx);
    /* row 2 is padding: its gradient stays 0, which the finite differences do not see,
     * so the loss multiplies the padded rows' outputs by zero */
    pr_node y = pr_g_embedding_padded(g, p[0], i, 2);
    pr_tensor *keep;
    pr_tensor_from_array(&keep, PR_F64, PR_SHAPE(2, 3, 1), (double[]){1, 1, 0, 0, 1, 1});
    pr_node k = pr_g_const(g, "keep", keep);
    pr_tensor_free(keep);
    return pr_g_mul(g, y, k);
}

static const op_case cases[] = {
    {"rnn_tanh", 5, {3, 2, 2, 1, 1}, {{2, 4, 3}, {5, 3}, {5, 5}, {5}, {5}}, 0, b_rnn_tanh},
    {"rnn_relu_initial_state", 6, {3, 2, 2, 1, 1, 2}, {{2, 3, 3}, {4, 3}, {4, 4}, {4}, {4}, {2, 4}}, 0, b_rnn_relu_h0},
    {"lstm", 5, {3, 2, 2, 1, 1}, {{2, 4, 3}, {12, 3}, {12, 3}, {12}, {12}}, 0, b_lstm},
    {"lstm_initial_state", 7, {3, 2, 2, 1, 1, 2, 2}, {{2, 3, 2}, {12, 2}, {12, 3}, {12}, {12}, {2, 3}, {2, 3}}, 0,
     b_lstm_state},
    {"gru", 5, {3, 2, 2, 1, 1}, {{2, 4, 3}, {9, 3}, {9, 3}, {9}, {9}}, 0, b_gru},
    {"gru_initial_state", 6, {3, 2, 2, 1, 1, 2}, {{3, 3, 2}, {12, 2}, {12, 4}, {12}, {12}, {3, 4}}, 0, b_gru_h0},
    {"attention_two_heads", 3, {3, 3, 3}, {{2, 3, 4}, {2, 5, 4}, {2, 5, 6}}, 0, b_attention},
    {"attention_causal", 3, {3, 3, 3}, {{2, 4, 4}, {2, 5, 4}, {2, 5, 2}}, 0, b_attention_causal},
    {"attention_key_padding_mask", 3, {3, 3, 3}, {{2, 3, 4}, {2, 5, 4}, {2, 5, 6}}, 0, b_attention_masked},
    {"attention_packed_causal", 1, {3}, {{2, 4, 12}}, 0, b_attention_packed},
    {"layernorm", 3, {3, 1, 1}, {{2, 3, 5}, {5}, {5}}, 0, b_layernorm},
    {"embedding_padding_index", 1, {2}, {{5, 3}}, 0, b_embedding_padded},
    {"conv2d_padded", 3, {4, 4, 1}, {{2, 3, 5, 4}, {4, 3, 3, 3}, {4}}, 0, b_conv_padded},
    {"conv2d_strided_dilated", 3, {4, 4, 1}, {{2, 2, 7, 6}, {3, 2, 3, 2}, {3}}, 0, b_conv_strided_dilated},
    {"conv2d_pointwise", 3, {4, 4, 1}, {{2, 3, 3, 4}, {2, 3, 1, 1}, {2}}, 0, b_conv_pointwise},
    {"conv2d_no_bias_stride3", 2, {4, 4}, {{1, 2, 6, 7}, {2, 2, 5, 3}}, 0, b_conv_no_bias},
    {"max_pool2d", 1, {4}, {{2, 2, 4, 6}}, 0, b_max_pool},
    {"max_pool2d_3s2p1", 1, {4}, {{1, 2, 5, 6}}, 0, b_max_pool_3s2p1},
    {"avg_pool2d", 1, {4}, {{2, 2, 4, 6}}, 0, b_avg_pool},
    {"avg_pool2d_3s2p1_count_pad", 1, {4}, {{1, 2, 5, 6}}, 0, b_avg_pool_pad},
    {"avg_pool2d_3s2p1_exclude_pad", 1, {4}, {{1, 2, 5, 6}}, 0, b_avg_pool_nopad},
    {"global_avg_pool", 1, {4}, {{2, 3, 3, 2}}, 0, b_global_avg_pool},
    {"bce_with_logits", 2, {2, 2}, {{3, 4}, {3, 4}}, 0, b_bce_logits},
    {"bce_with_logits_broadcast", 2, {2, 1}, {{3, 4}, {4}}, 0, b_bce_logits},
    {"log1p", 1, {2}, {{3, 4}}, 1, b_log1p},
    {"matmul_transposed_b", 2, {2, 2}, {{3, 5}, {4, 5}}, 0, b_matmul_nt},
    {"linear_with_bias", 3, {2, 2, 1}, {{3, 5}, {4, 5}, {4}}, 0, b_linear},
    {"linear_with_bias_over_sequences", 3, {3, 2, 1}, {{2, 3, 5}, {4, 5}, {4}}, 0, b_linear},
    {"dropout", 1, {2}, {{3, 4}}, 0, b_dropout},
    {"dropout_standard", 1, {2}, {{3, 4}}, 0, b_dropout_standard},
    {"gaussian_sample", 2, {2, 2}, {{3, 4}, {3, 4}}, 0, b_gaussian_sample},
    {"gaussian_sample_eval", 2, {2, 2}, {{3, 4}, {3, 4}}, 0, b_gaussian_sample_eval},
    {"batchnorm", 3, {2, 1, 1}, {{5, 4}, {4}, {4}}, 0, b_batchnorm},
    {"batchnorm_images", 3, {4, 1, 1}, {{2, 3, 2, 2}, {3}, {3}}, 0, b_batchnorm_4d},
    {"batchnorm_eval", 3, {2, 1, 1}, {{5, 4}, {4}, {4}}, 0, b_batchnorm_eval},
    {"embedding", 1, {2}, {{5, 3}}, 0, b_embedding},
    {"softmax_cross_entropy_labels", 1, {2}, {{3, 4}}, 0, b_ce_labels},
    {"softmax_cross_entropy_soft", 2, {2, 2}, {{3, 4}, {3, 4}}, 0, b_ce_soft},
    {"softmax_cross_entropy_positions_ignored", 1, {3}, {{2, 3, 4}}, 0, b_ce_positions},
    {"softmax_cross_entropy_positions_sum", 1, {3}, {{2, 3, 4}}, 0, b_ce_positions_sum},
    {"softmax_cross_entropy_positions_none", 1, {3}, {{2, 3, 4}}, 0, b_ce_positions_none},
    {"softmax_cross_entropy_soft_positions", 2, {3, 3}, {{2, 3, 4}, {2, 3, 4}}, 0, b_ce_soft_positions},
    {"matmul_broadcast_batch_axes", 2, {4, 3}, {{2, 1, 3, 5}, {3, 5, 4}}, 0, b_matmul},
    {"matmul_transposed_a", 2, {2, 2}, {{5, 3}, {5, 4}}, 0, b_matmul_ta},
    {"matmul_transposed_b_batched", 2, {3, 3}, {{2, 3, 5}, {2, 4, 5}}, 0, b_matmul_tb},
    {"matmul_transposed_b_shared", 2, {3, 2}, {{2, 3, 5}, {4, 5}}, 0, b_matmul_tb},
    {"matmul_both_transposed_broadcast", 2, {3, 4}, {{2, 5, 3}, {3, 1, 4, 5}}, 0, b_matmul_tt},
    {"concat_twelve_inputs", 1, {2}, {{12, 2}}, 0, b_concat_many},
    {"add", 2, {2, 1}, {{3, 4}, {4}}, 0, b_add},
    {"add_scalar_broadcast", 2, {2, 0}, {{3, 4}, {0}}, 0, b_add},
    {"sub_column", 2, {2, 2}, {{3, 4}, {3, 1}}, 0, b_sub},
    {"mul_outer", 2, {2, 2}, {{3, 1}, {1, 4}}, 0, b_mul},
    {"div", 2, {2, 1}, {{3, 4}, {4}}, 1, b_div},
    {"neg", 1, {2}, {{3, 4}}, 0, b_neg},
    {"pow_3", 1, {2}, {{3, 4}}, 0, b_pow3},
    {"pow_half", 1, {2}, {{3, 4}}, 1, b_pow_half},
    {"exp", 1, {2}, {{3, 4}}, 0, b_exp},
    {"log", 1, {2}, {{3, 4}}, 1, b_log},
    {"sqrt", 1, {2}, {{3, 4}}, 1, b_sqrt},
    {"abs", 1, {2}, {{3, 4}}, 0, b_abs},
    {"scale", 1, {2}, {{3, 4}}, 0, b_scale},
    {"add_scalar", 1, {2}, {{3, 4}}, 0, b_add_scalar},
    {"matmul", 2, {2, 2}, {{3, 5}, {5, 4}}, 0, b_matmul},
    {"matmul_batched", 2, {3, 3}, {{2, 3, 5}, {2, 5, 4}}, 0, b_matmul},
    {"matmul_shared_right", 2, {3, 2}, {{2, 3, 5}, {5, 4}}, 0, b_matmul},
    {"matmul_shared_left", 2, {2, 3}, {{3, 5}, {2, 5, 4}}, 0, b_matmul},
    {"transpose", 1, {2}, {{3, 4}}, 0, b_transpose},
    {"transpose_3d", 1, {3}, {{2, 3, 4}}, 0, b_permute},
    {"reshape", 1, {2}, {{3, 4}}, 0, b_reshape},
    {"concat_axis0", 3, {2, 2, 2}, {{1, 4}, {2, 4}, {3, 4}}, 0, b_concat0},
    {"concat_axis1", 2, {2, 2}, {{3, 2}, {3, 4}}, 0, b_concat1},
    {"slice", 1, {2}, {{3, 4}}, 0, b_slice},
    {"sum_axis0", 1, {2}, {{3, 4}}, 0, b_sum0},
    {"sum_all", 1, {3}, {{2, 3, 4}}, 0, b_sum_all},
    {"mean_keepdims", 1, {2}, {{3, 4}}, 0, b_mean1},
    {"max_axis1", 1, {2}, {{3, 4}}, 0, b_max1},
    {"max_all", 1, {2}, {{3, 4}}, 0, b_max_all},
    {"relu", 1, {2}, {{3, 4}}, 0, b_relu},
    {"leaky_relu", 1, {2}, {{3, 4}}, 0, b_leaky},
    {"prelu", 2, {2, 1}, {{3, 4}, {4}}, 0, b_prelu},
    {"sigmoid", 1, {2}, {{3, 4}}, 0, b_sigmoid},
    {"tanh", 1, {2}, {{3, 4}}, 0, b_tanh},
    {"gelu_erf", 1, {2}, {{3, 4}}, 0, b_gelu_erf},
    {"gelu_tanh", 1, {2}, {{3, 4}}, 0, b_gelu_tanh},
    {"softmax_last", 1, {2}, {{3, 4}}, 0, b_softmax},
    {"softmax_axis0", 1, {2}, {{3, 4}}, 0, b_softmax0},
    {"log_softmax", 1, {2}, {{3, 4}}, 0, b_log_softmax},
    {"logsumexp", 1, {2}, {{3, 4}}, 0, b_logsumexp},
    {"clamp", 1, {2}, {{3, 4}}, 0, b_clamp},
    {"where", 2, {2, 2}, {{3, 4}, {3, 4}}, 0, b_where},
};

/* Values away from every kink (|v| >= 0.1; distinct, so max has no ties). */
static void fill(pr_tensor *t, pr_rng *rng, int positive) {
    for (int64_t i = 0; i < t->size; i++) {
        double u = 0.1 + 1.4 * pr_rng_uniform(rng) + 1e-3 * (double)i;
        pr_tensor_set(t, i, positive || pr_rng_uniform(rng) < 0.5 ? u : -u);
    }
}

/* loss = Σ op(params) ⊙ W with a fixed random W, so every output element matters. */
static void check_case(const op_case *c, pr_dtype dtype, double tol) {
    pr_graph *g;
    assert_ok(pr_graph_new(&g, dtype));
    pr_rng rng;
    pr_rng_seed(&rng, 1234);
    pr_node p[MAX_P];
    for (int k = 0; k < c->n_params; k++) {
        char name[16];
        snprintf(name, sizeof name, "p%d", k);
        p[k] = pr_g_param(g, name, c->ndim[k], c->shape[k]);
        pr_tensor v;
        assert_ok(pr_graph_param_view(g, p[k], &v));
        fill(&v, &rng, c->positive);
    }
    pr_node y = c->build(g, p);
    cr_assert_eq(pr_graph_status(g), PR_OK, "%s: build failed: %s", c->name, pr_graph_error(g));
    int ndim;
    int64_t shape[PR_MAX_DIMS];
    assert_ok(pr_node_shape(g, y, &ndim, shape));
    pr_tensor *w;
    assert_ok(pr_tensor_uniform(&w, PR_F64, ndim, shape, -1, 1, &rng));
    pr_node loss = pr_g_sum(g, pr_g_mul(g, y, pr_g_const(g, "W", w)), PR_AXIS_ALL, 0);
    pr_tensor_free(w);
    cr_assert_eq(pr_graph_status(g), PR_OK, "%s: %s", c->name, pr_graph_error(g));
    pr_gradcheck_report *r;
    assert_ok(pr_gradcheck(g, loss, 1e-5, 0, &r));
    cr_assert_eq(r->n, c->n_params);
    for (int64_t k = 0; k < r->n; k++)
        cr_expect_leq(r->entries[k].max_rel_error, tol,
                      "%s (%s): d loss / d %s: relative error %.3g at element %lld (analytic %.10g, numeric %.10g)",
                      c->name, pr_dtype_name(dtype), r->entries[k].name, r->entries[k].max_rel_error,
                      (long long)r->entries[k].worst_index, r->entries[k].analytic, r->entries[k].numeric);
    pr_gradcheck_report_free(r);
    pr_graph_free(g);
}

Test(gradcheck, every_op_float64) {
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_case(&cases[i], PR_F64, tolerance64(&cases[i]));
}

Test(gradcheck, every_op_float32) {
    /* float32 kernels against float64 finite differences: single-precision agreement */
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) check_case(&cases[i], PR_F32, 2e-3);
}

/* Every op in the registry has a case above, so a new op cannot go unchecked. */
Test(gradcheck, cases_cover_every_registered_op) {
    cr_assert_gt(PR__OP_COUNT, 30);
    for (int op = 0; op < PR__OP_COUNT; op++) {
        const char *name = pr__ops[op].name;
        size_t len = strlen(name);
        int found = 0;
        for (size_t i = 0; i < sizeof cases / sizeof cases[0] && !found; i++) {
            const char *c = cases[i].name;
            /* "pow_3" checks "pow"; "log_softmax" must not count as "log" */
            found = !strncmp(c, name, len) && (c[len] == '\0' || c[len] == '_') &&
                    !(strcmp(name, "log") == 0 && strncmp(c, "log_softmax", 11) == 0);
        }
        cr_expect(found, "op '%s' has no gradient check", name);
    }
}
