/* Chapter 11's examples: self-attention's shapes (Listing 11.1), the attention-weight
 * heatmap of "The cat sat on the mat" (Listing 11.2, Q11.9), one query's attention
 * (Q11.7), an LSTM's parameter count (Q11.8), the gradient that reaches step 1 from
 * step T in an RNN and an LSTM (11.2's vanishing gradient in time, Q11.1), and the
 * attention maps of a small trained Transformer. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "examples/book/examples.h"

/* A (rows, cols) tensor of np.random.randn draws after np.random.seed(seed) (the
 * generator continues across calls, as NumPy's does), times scale. */
static pr_status randn(pr_numpy_rng *rng, int64_t rows, int64_t cols, double scale, pr_tensor **out) {
    pr_status st = pr_tensor_zeros(out, PR_F64, PR_SHAPE(rows, cols));
    if (!st) st = pr_numpy_rng_fill_normal(rng, *out, 0, scale);
    return st;
}

/* Q, K, V = X Wq, X Wk, X Wv for Wq, Wk, Wv (d, dk) drawn after X (n, d). */
static pr_status project(pr_numpy_rng *rng, int64_t n, int64_t d, int64_t dk, pr_tensor *qkv[3]) {
    pr_tensor *X = NULL, *W[3] = {NULL, NULL, NULL};
    pr_status st = randn(rng, n, d, 1, &X);
    for (int i = 0; i < 3 && !st; i++) st = randn(rng, d, dk, 0.1, &W[i]);
    for (int i = 0; i < 3 && !st; i++) st = pr_matmul(X, W[i], &qkv[i]);
    pr_tensor_free(X);
    for (int i = 0; i < 3; i++) pr_tensor_free(W[i]);
    return st;
}

/* ---- Listing 11.1 ------------------------------------------------------------------------------ */

pr_status example_self_attention(const example_context *ctx) {
    pr_numpy_rng rng;
    pr_numpy_rng_seed(&rng, ctx->seed ? (uint32_t)ctx->seed : 0);
    pr_tensor *qkv[3] = {NULL, NULL, NULL}, *out = NULL;
    pr_status st = project(&rng, 5, 64, 32, qkv);
    if (!st) st = pr_attention(qkv[0], qkv[1], qkv[2], 0, &out, NULL);
    if (!st) {
        fprintf(ctx->out, "Listing 11.1: self-attention softmax(Q K^T / sqrt(d_k)) V with Q = X Wq, K = X Wk, V = X Wv\n");
        fprintf(ctx->out, "X (5, 64): 5 tokens of 64 dimensions; Wq, Wk, Wv (64, 32)\n");
        fprintf(ctx->out, "scores Q K^T: (5, 5), one row of weights per token\n");
        fprintf(ctx->out, "Output shape: (%lld, %lld)\n", (long long)out->shape[0], (long long)out->shape[1]);
    }
    for (int i = 0; i < 3; i++) pr_tensor_free(qkv[i]);
    pr_tensor_free(out);
    return st;
}

/* ---- Listing 11.2 / Q11.9 ---------------------------------------------------------------------- */

pr_status example_attention_heatmap(const example_context *ctx) {
    static const char *const tokens[6] = {"The", "cat", "sat", "on", "the", "mat"};
    pr_numpy_rng rng;
    pr_numpy_rng_seed(&rng, ctx->seed ? (uint32_t)ctx->seed : 42);
    pr_tensor *qkv[3] = {NULL, NULL, NULL}, *w = NULL;
    pr_status st = project(&rng, 6, 16, 16, qkv);
    if (!st) st = pr_attention(qkv[0], qkv[1], qkv[2], 0, NULL, &w);
    if (!st) {
        fprintf(ctx->out, "Listing 11.2: self-attention weights over \"The cat sat on the mat\" (np.random.seed(42), "
                          "d = 16)\n%8s", "");
        for (int j = 0; j < 6; j++) fprintf(ctx->out, "%7s", tokens[j]);
        fprintf(ctx->out, "\n");
        for (int i = 0; i < 6; i++) {
            fprintf(ctx->out, "%8s", tokens[i]);
            for (int j = 0; j < 6; j++) fprintf(ctx->out, "%7.3f", pr_tensor_get(w, i * 6 + j));
            fprintf(ctx->out, "\n");
        }
        fprintf(ctx->out, "each row sums to 1: a distribution over the keys each query attends to\n");
    }
    pr_figure *fig = NULL;
    if (!st) st = pr_figure_new(&fig, 1, 1, 560, 480);
    if (!st) {
        pr_axes *ax = pr_figure_axes(fig, 0, 0);
        st = pr_axes_heatmap(ax, pr_tensor_f64(w), 6, 6, PR_CMAP_BLUES, 0, 0.5, "%.2f");
        if (!st) st = pr_axes_colorbar(ax, "weight", 0);
        if (!st) st = pr_axes_set_xticks(ax, 6, NULL, tokens);
        if (!st) st = pr_axes_set_yticks(ax, 6, NULL, tokens);
        if (!st) st = pr_axes_set_xlabel(ax, "Key (attended to)");
        if (!st) st = pr_axes_set_ylabel(ax, "Query (attending)");
        if (!st) st = pr_axes_set_title(ax, "Self-Attention Weights");
    }
    if (!st) st = example_save_figure(ctx, fig, "attention_heatmap.svg");
    pr_figure_free(fig);
    for (int i = 0; i < 3; i++) pr_tensor_free(qkv[i]);
    pr_tensor_free(w);
    return st;
}

/* ---- Q11.7 and Q11.8 --------------------------------------------------------------------------- */

pr_status example_attention_arithmetic(const example_context *ctx) {
    pr_tensor *q = NULL, *K = NULL, *V = NULL, *out = NULL, *w = NULL;
    pr_status st = pr_tensor_from_array(&q, PR_F64, PR_SHAPE(1, 2), (double[]){1, 0});
    if (!st) st = pr_tensor_from_array(&K, PR_F64, PR_SHAPE(3, 2), (double[]){1, 0, 0, 1, 1, 1});
    if (!st) st = pr_tensor_from_array(&V, PR_F64, PR_SHAPE(3, 1), (double[]){1, 0, 1});
    if (!st) st = pr_attention(q, K, V, 0, &out, &w);
    if (!st) {
        fprintf(ctx->out, "Q11.7: q = (1, 0), keys (1, 0), (0, 1), (1, 1), values 1, 0, 1, d_k = 2\n");
        fprintf(ctx->out, "scores q K^T = (1, 0, 1); scaled by 1/sqrt(2): (%.3f, 0, %.3f)\n", 1 / sqrt(2.0),
                1 / sqrt(2.0));
        fprintf(ctx->out, "weights: (%.3f, %.3f, %.3f)\n", pr_tensor_get(w, 0), pr_tensor_get(w, 1),
                pr_tensor_get(w, 2));
        fprintf(ctx->out, "output: %.3f\n\n", pr_tensor_get(out, 0));
    }
    int64_t count = 0, with_bias = 0;
    if (!st) st = pr_spec_param_count("lstm:128", PR_SHAPE(10, 64), 0, &with_bias);
    if (!st) {
        count = 4 * 128 * (128 + 64);
        /* PyTorch (and primer) keep two bias vectors, b_ih and b_hh: 4H more than the book's one */
        fprintf(ctx->out, "Q11.8: an LSTM with hidden 128 and input 64: 4 gates x 128 x (128 + 64) = %lld,%03lld "
                          "weights\n",
                (long long)count / 1000, (long long)count % 1000);
        fprintf(ctx->out, "with one bias per gate unit (the book): + 4 x 128 = %lld,%03lld\n", (long long)(count + 512) / 1000,
                (long long)(count + 512) % 1000);
        fprintf(ctx->out, "primer's lstm:128 on 64 features (PyTorch's layout, b_ih and b_hh): %lld,%03lld parameters\n",
                (long long)with_bias / 1000, (long long)with_bias % 1000);
    }
    pr_tensor_free(q), pr_tensor_free(K), pr_tensor_free(V), pr_tensor_free(out), pr_tensor_free(w);
    return st;
}

/* ---- 11.2: the gradient through time ---------------------------------------------------------- */

/* |d h_T / d x_t| (summed over h_T with fixed random weights) for t = 1..T of one
 * randomly initialised layer. */
static pr_status gradient_through_time(pr_rnn_mode mode, int64_t T, uint64_t seed, double *norms) {
    const int64_t D = 8, H = 32, G = pr_rnn_gates(mode);
    pr_graph *g;
    pr_status st = pr_graph_new(&g, PR_F64);
    if (st) return st;
    pr_node x = pr_g_param(g, "x", PR_SHAPE(1, T, D));
    pr_node w[4] = {pr_g_param(g, "w_ih", PR_SHAPE(G * H, D)), pr_g_param(g, "w_hh", PR_SHAPE(G * H, H)),
                    pr_g_param(g, "b_ih", PR_SHAPE(G * H)), pr_g_param(g, "b_hh", PR_SHAPE(G * H))};
    pr_rng rng;
    pr_rng_seed(&rng, seed);
    const pr_node all[5] = {x, w[0], w[1], w[2], w[3]};
    for (int k = 0; k < 5 && !st; k++) {
        pr_tensor v;
        if ((st = pr_graph_param_view(g, all[k], &v))) break;
        /* PyTorch's U(-1/sqrt(H), 1/sqrt(H)) for the weights, N(0, 1) inputs */
        for (int64_t i = 0; i < v.size; i++)
            pr_tensor_set(&v, i, k ? (2 * pr_rng_uniform(&rng) - 1) / sqrt((double)H) : pr_rng_normal(&rng));
        /* the LSTM's forget gates start open (bias 1 on both forget biases, as
         * Jozefowicz et al. recommend), the regime where 11.3 says gradients flow */
        if (mode == PR_RNN_LSTM && k >= 3)
            for (int64_t i = H; i < 2 * H; i++) pr_tensor_set(&v, i, 1);
    }
    pr_node y = pr_g_rnn(g, mode, x, w[0], w[1], w[2], w[3], pr_g_no_node(), pr_g_no_node(), 0);
    pr_node last = pr_g_slice(g, y, 1, T - 1, T);
    pr_node loss = pr_g_sum(g, last, PR_AXIS_ALL, 0);
    if (!st) st = pr_graph_status(g);
    if (!st) st = pr_graph_forward(g, loss);
    if (!st) st = pr_graph_backward(g, loss);
    pr_tensor gx;
    if (!st) st = pr_graph_grad(g, x, &gx);
    for (int64_t t = 0; !st && t < T; t++) {
        double s = 0;
        for (int64_t j = 0; j < D; j++) s += pr_tensor_get(&gx, t * D + j) * pr_tensor_get(&gx, t * D + j);
        norms[t] = sqrt(s);
    }
    pr_graph_free(g);
    return st;
}

pr_status example_rnn_gradient(const example_context *ctx) {
    enum { T = 50 };
    double rnn[T], lstm[T], steps[T];
    uint64_t seed = ctx->seed ? ctx->seed : 11;
    pr_status st = gradient_through_time(PR_RNN_TANH, T, seed, rnn);
    if (!st) st = gradient_through_time(PR_RNN_LSTM, T, seed, lstm);
    if (st) return st;
    fprintf(ctx->out, "11.2: the gradient of h_T (T = %d) with respect to each input x_t, randomly initialised "
                      "layers of 32 units\n  steps back   RNN (tanh)      LSTM\n", T);
    for (int t = T - 1; t >= 0; t--) {
        steps[t] = (double)(T - 1 - t);
        if ((T - 1 - t) % 10 == 0 || t == 0)
            fprintf(ctx->out, "  %10d   %10.3e   %10.3e\n", T - 1 - t, rnn[t], lstm[t]);
    }
    fprintf(ctx->out, "per step back the RNN's gradient shrinks about %.2fx, the LSTM's (through its cell) %.2fx\n",
            pow(rnn[T - 1] / rnn[T - 21], 1.0 / 20), pow(lstm[T - 1] / lstm[T - 21], 1.0 / 20));
    pr_figure *fig = NULL;
    st = pr_figure_new(&fig, 1, 1, 640, 420);
    if (!st) {
        pr_axes *ax = pr_figure_axes(fig, 0, 0);
        pr_axes_set_log(ax, 0, 1);
        st = pr_axes_line(ax, steps, rnn, T, &(pr_style){.color = "tab:red", .label = "RNN (tanh)"});
        if (!st) st = pr_axes_line(ax, steps, lstm, T, &(pr_style){.color = "tab:blue", .label = "LSTM"});
        if (!st) st = pr_axes_set_xlabel(ax, "steps back from T");
        if (!st) st = pr_axes_set_ylabel(ax, "|d h_T / d x_t|");
        if (!st) st = pr_axes_set_title(ax, "Vanishing gradient in time");
        pr_axes_set_legend(ax, PR_LEGEND_UPPER_RIGHT);
    }
    if (!st) st = example_save_figure(ctx, fig, "rnn_gradient.svg");
    pr_figure_free(fig);
    return st;
}

/* ---- attention maps of a trained Transformer ------------------------------------------------- */

/* A one-block causal Transformer (2 heads) trained for a few seconds on a repeated
 * sentence, then the weights each head gives as it reads it. */
pr_status example_attention_maps(const example_context *ctx) {
    static const char sentence[] = "the cat sat on the mat. ";
    enum { T = 24, REPEAT = 200 };
    char text[sizeof sentence * REPEAT];
    for (int r = 0; r < REPEAT; r++) memcpy(text + r * (sizeof sentence - 1), sentence, sizeof sentence - 1);
    size_t len = (sizeof sentence - 1) * REPEAT;
    pr_vocab *v = NULL;
    pr_tensor *ids = NULL, *X = NULL, *y = NULL, *w = NULL, *row = NULL, *logits = NULL;
    pr_model *m = NULL;
    pr_train_history *h = NULL;
    pr_status st = pr_vocab_build(text, len, PR_VOCAB_CHARS, &v);
    if (!st) st = pr_vocab_encode(v, text, len, &ids);
    if (!st) st = pr_text_windows(ids, T, 5, &X, &y);
    pr_model_options mo = PR_MODEL_DEFAULTS;
    mo.seed = ctx->seed;
    mo.outputs = v ? pr_vocab_size(v) : 0;
    if (!st) st = pr_model_new(&m, "embedding:12:32,posembed:24,transformer:2:64:pre:gelu:causal,layernorm", PR_SHAPE(T),
                               &mo);
    if (!st) st = pr_model_set_task(m, PR_TASK_CLASSIFICATION, NULL, pr_vocab_size(v));
    if (!st) st = pr_model_set_targets(m, PR_TARGET_POSITIONS, PR_NO_IGNORE);
    pr_train_options o = PR_TRAIN_DEFAULTS;
    o.epochs = 8;
    o.optimizer.lr = 0.01;
    o.seed = ctx->seed;
    if (!st) st = pr_train(m, X, y, &o, &h);
    if (!st) st = pr_tensor_zeros(&row, PR_F64, PR_SHAPE(1, T));
    for (int64_t t = 0; !st && t < T; t++) pr_tensor_set(row, t, pr_tensor_get(ids, t));
    if (!st) st = pr_model_forward(m, row, &logits);
    if (!st) st = pr_graph_attention_weights(pr_model_graph(m), 0, &w);
    if (!st) {
        fprintf(ctx->out, "attention maps: a one-block causal Transformer (2 heads, width 32) trained for %lld epochs "
                          "on \"%s\" repeated\n", (long long)h->epochs, sentence);
        fprintf(ctx->out, "final training loss %.3f nats per character (%.2f perplexity)\n", h->train_loss[h->epochs - 1],
                exp(h->train_loss[h->epochs - 1]));
        fprintf(ctx->out, "each query attends only to itself and earlier characters (the upper triangle is 0)\n");
    }
    const char *labels[T];
    char chars[T][5];
    for (int64_t t = 0; !st && t < T; t++) {
        pr_vocab_token_text(v, (int64_t)pr_tensor_get(ids, t), chars[t]);
        if (chars[t][0] == ' ') strcpy(chars[t], "_");
        labels[t] = chars[t];
    }
    pr_figure *fig = NULL;
    if (!st) st = pr_figure_new(&fig, 1, 2, 1000, 480);
    for (int head = 0; head < 2 && !st; head++) {
        pr_axes *ax = pr_figure_axes(fig, 0, head);
        double z[T * T];
        for (int64_t i = 0; i < T * T; i++) z[i] = pr_tensor_get(w, head * T * T + i);
        char title[32];
        snprintf(title, sizeof title, "head %d", head + 1);
        st = pr_axes_heatmap(ax, z, T, T, PR_CMAP_BLUES, 0, 1, NULL);
        if (!st) st = pr_axes_set_xticks(ax, T, NULL, labels);
        if (!st) st = pr_axes_set_yticks(ax, T, NULL, labels);
        if (!st) st = pr_axes_set_title(ax, title);
        if (!st) st = pr_axes_set_xlabel(ax, "key");
        if (!st && head == 0) st = pr_axes_set_ylabel(ax, "query");
    }
    if (!st) st = pr_figure_suptitle(fig, "Attention maps of a trained causal Transformer");
    if (!st) st = example_save_figure(ctx, fig, "attention_maps.svg");
    pr_figure_free(fig);
    pr_train_history_free(h);
    pr_model_free(m);
    pr_vocab_free(v);
    pr_tensor_free(ids), pr_tensor_free(X), pr_tensor_free(y), pr_tensor_free(w), pr_tensor_free(row);
    pr_tensor_free(logits);
    return st;
}
