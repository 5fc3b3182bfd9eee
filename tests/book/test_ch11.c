/* Chapter 11 (sequence models and attention): Listing 11.2's weights against NumPy,
 * Q11.7 and Q11.8 by hand, the chapter's examples as `primer example` runs them, the
 * vanishing gradient in time, and bad input to the attention and recurrent ops. */
#include <math.h>
#include <string.h>

#include "test_util.h"

Test(ch11, listing_11_2_weights_match_numpy) {
    /* the listing's draws: np.random.seed(42); X = randn(6, 16); W* = randn(16, 16) * 0.1 */
    pr_numpy_rng rng;
    pr_numpy_rng_seed(&rng, 42);
    pr_tensor *X, *W[3], *qkv[3], *w;
    assert_ok(pr_tensor_zeros(&X, PR_F64, PR_SHAPE(6, 16)));
    assert_ok(pr_numpy_rng_fill_normal(&rng, X, 0, 1));
    for (int i = 0; i < 3; i++) {
        assert_ok(pr_tensor_zeros(&W[i], PR_F64, PR_SHAPE(16, 16)));
        assert_ok(pr_numpy_rng_fill_normal(&rng, W[i], 0, 0.1));
        assert_ok(pr_matmul(X, W[i], &qkv[i]));
    }
    assert_ok(pr_attention(qkv[0], qkv[1], qkv[2], 0, NULL, &w));
    pr_tensor *want = load_fixture("seq/listing_11_2_weights.npy");
    assert_tensor_close(w, want, 1e-12, 1e-14, "Listing 11.2's attention weights");
    pr_tensor_free(want);
    pr_tensor_free(w);
    pr_tensor_free(X);
    for (int i = 0; i < 3; i++) pr_tensor_free(W[i]), pr_tensor_free(qkv[i]);
}

Test(ch11, q11_7_one_query_by_hand) {
    pr_tensor *q = T64(PR_SHAPE(1, 2), 1, 0), *K = T64(PR_SHAPE(3, 2), 1, 0, 0, 1, 1, 1), *V = T64(PR_SHAPE(3, 1), 1, 0, 1);
    pr_tensor *out, *w;
    assert_ok(pr_attention(q, K, V, 0, &out, &w));
    double e = exp(1 / sqrt(2.0)), z = 2 * e + 1; /* softmax(0.707, 0, 0.707) */
    assert_near(pr_tensor_get(w, 0), e / z, 1e-15);
    assert_near(pr_tensor_get(w, 1), 1 / z, 1e-15);
    assert_near(pr_tensor_get(w, 2), e / z, 1e-15);
    assert_near(pr_tensor_get(out, 0), 2 * e / z, 1e-15);
    assert_near(pr_tensor_get(w, 0), 0.401, 5e-4); /* the book's rounding */
    assert_near(pr_tensor_get(out, 0), 0.802, 5e-4);
    /* causal: the one query (the last position) sees every key; a first query sees one */
    pr_tensor *wc;
    assert_ok(pr_attention(q, K, V, 1, NULL, &wc));
    assert_tensor_close(wc, w, 0, 1e-15, "causal weights of the last query");
    pr_tensor_free(wc);
    pr_tensor *q3 = T64(PR_SHAPE(3, 2), 1, 0, 1, 0, 1, 0);
    assert_ok(pr_attention(q3, K, V, 1, NULL, &wc));
    assert_near(pr_tensor_get(wc, 0), 1, 1e-15);
    assert_near(pr_tensor_get(wc, 1), 0, 0);
    pr_tensor_free(wc), pr_tensor_free(q3);
    pr_tensor_free(q), pr_tensor_free(K), pr_tensor_free(V), pr_tensor_free(out), pr_tensor_free(w);
}

Test(ch11, q11_8_lstm_parameters) {
    int64_t n;
    /* 4 gates x 128 x (128 + 64) weights, and PyTorch's two bias vectors of 4 x 128 */
    assert_ok(pr_spec_param_count("lstm:128", PR_SHAPE(10, 64), 0, &n));
    cr_assert_eq(n, 98304 + 2 * 512);
    assert_ok(pr_spec_param_count("gru:128", PR_SHAPE(10, 64), 0, &n));
    cr_assert_eq(n, 3 * 128 * (128 + 64) + 2 * 384);
    assert_ok(pr_spec_param_count("rnn:128:2", PR_SHAPE(10, 64), 0, &n));
    cr_assert_eq(n, 128 * (128 + 64) + 256 + 128 * (128 + 128) + 256);
    /* Q11.8's layer as multi-head attention over 64 features: in_proj 3 x 64 x 64 (+ 192), out_proj 64 x 64 (+ 64) */
    assert_ok(pr_spec_param_count("attention:4", PR_SHAPE(10, 64), 0, &n));
    cr_assert_eq(n, 4 * 64 * 64 + 4 * 64);
    /* the W7 model of the issue: 421,697 parameters */
    assert_ok(pr_spec_param_count("gpt:2:128:4", PR_SHAPE(64), 65, &n));
    cr_assert_eq(n, 421697);
}

Test(ch11, examples_print_the_numbers_and_draw) {
    static const struct {
        const char *name, *expect[3], *file;
    } cases[] = {
        {"listing-11.1", {"Output shape: (5, 32)"}, NULL},
        {"listing-11.2", {"     the  0.108  0.311  0.206", "each row sums to 1"}, "attention_heatmap.svg"},
        {"q11.7", {"weights: (0.401, 0.198, 0.401)", "output: 0.802", "= 98,304 weights"}, NULL},
        {"q11.8", {"+ 4 x 128 = 98,816"}, NULL},
        {"rnn-gradient", {"steps back   RNN (tanh)      LSTM"}, "rnn_gradient.svg"},
        {"attention-maps", {"the upper triangle is 0"}, "attention_maps.svg"},
    };
    char args[512], path[512];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *out;
        snprintf(args, sizeof args, "example %s --out %s/ch11", cases[i].name, test_build_dir());
        cr_assert_eq(test_run_primer(args, &out), 0, "%s: %s", cases[i].name, out);
        for (int k = 0; k < 3 && cases[i].expect[k]; k++) assert_contains(out, cases[i].expect[k]);
        if (!cases[i].file) continue;
        snprintf(path, sizeof path, "%s/ch11/%s", test_build_dir(), cases[i].file);
        cr_assert_gt(test_file_size(path), 1000, "%s: %s missing", cases[i].name, path);
    }
}

/* 11.2 and Q11.1: through 40 steps a tanh RNN's gradient falls below a millionth of
 * its value at the last step, an LSTM's (forget gates open) stays within 1/100. */
Test(ch11, vanishing_gradient_in_time) {
    const char *out;
    cr_assert_eq(test_run_primer("example rnn-gradient --out /tmp", &out), 0, "%s", out);
    const char *row = strstr(out, "\n          40 ");
    cr_assert_not_null(row, "%s", out);
    double rnn, lstm, rnn0, lstm0;
    const char *first = strstr(out, "\n           0 ");
    cr_assert_not_null(first);
    cr_assert_eq(sscanf(first, " %*d %lf %lf", &rnn0, &lstm0), 2);
    cr_assert_eq(sscanf(row, " %*d %lf %lf", &rnn, &lstm), 2);
    cr_assert_lt(rnn / rnn0, 1e-6, "RNN: %g of %g", rnn, rnn0);
    cr_assert_gt(lstm / lstm0, 1e-2, "LSTM: %g of %g", lstm, lstm0);
}

Test(ch11, bad_shapes_are_errors_naming_the_problem) {
    pr_graph *g;
    assert_ok(pr_graph_new(&g, PR_F32));
    pr_node x = pr_g_input(g, "x", PR_SHAPE(2, 5, 6));
    pr_attention_params p = {.heads = 4};
    pr_g_attention(g, x, x, x, pr_g_no_node(), &p);
    cr_assert_neq(pr_graph_status(g), PR_OK);
    assert_contains(pr_graph_error(g), "4 heads do not divide the width 6");
    pr_graph_free(g);
    assert_ok(pr_graph_new(&g, PR_F32));
    x = pr_g_input(g, "x", PR_SHAPE(2, 5, 6));
    pr_node mask = pr_g_input(g, "mask", PR_SHAPE(2, 4));
    p.heads = 2;
    pr_g_attention(g, x, x, x, mask, &p);
    assert_contains(pr_graph_error(g), "the key padding mask must be (batch, Tk)");
    pr_graph_free(g);
    assert_ok(pr_graph_new(&g, PR_F32));
    x = pr_g_input(g, "x", PR_SHAPE(2, 5, 6));
    pr_node w = pr_g_param(g, "w", PR_SHAPE(12, 6)), u = pr_g_param(g, "u", PR_SHAPE(12, 4));
    pr_node b = pr_g_param(g, "b", PR_SHAPE(12));
    pr_g_rnn(g, PR_RNN_LSTM, x, w, u, b, b, pr_g_no_node(), pr_g_no_node(), 0);
    assert_contains(pr_graph_error(g), "w_hh must be (gates x hidden, hidden)");
    pr_graph_free(g);
    pr_model *m;
    assert_fails(pr_model_new(&m, "transformer:3:8", PR_SHAPE(5, 8), NULL), PR_ERR_SHAPE,
                 "3 heads do not divide the model width 8");
    assert_fails(pr_model_new(&m, "posembed:4", PR_SHAPE(5, 8), NULL), PR_ERR_SHAPE,
                 "a sequence of 5 steps is longer than the learned position table (4)");
    assert_fails(pr_model_new(&m, "lstm:4:2", PR_SHAPE(12), NULL), PR_ERR_SHAPE, "put sequence:T:D first");
    /* alone, "lstm:H" is the classifier architecture, which reads 12 values as 12 steps */
    assert_ok(pr_model_new(&m, "lstm:4", PR_SHAPE(12), NULL));
    cr_assert_str_eq(pr_model_spec(m), "sequence:12:1,lstm:4:1:0:last");
    pr_model_free(m);
    assert_fails(pr_model_new(&m, "gpt", PR_SHAPE(12), NULL), PR_ERR_INVALID, "needs its vocabulary");
}
