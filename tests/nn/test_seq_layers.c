/* Chapter 11's layers against PyTorch (tests/fixtures/make_seq_fixtures.py): nn.RNN,
 * nn.LSTM, nn.GRU, nn.MultiheadAttention and nn.TransformerEncoderLayer with primer's
 * parameter names and layouts: forward, the gradients of sum(y * gy) for the input and
 * every parameter, and one Adam step; then the fused recurrence against the same
 * cells composed from primitive ops, truncated BPTT and bad input. */
#include <math.h>
#include <string.h>

#include "nn/nn_internal.h"
#include "test_util.h"

static pr_tensor *seq_fixture(const char *c, const char *part) {
    char path[512];
    snprintf(path, sizeof path, "seq/%s/%s.npy", c, part);
    return load_fixture(path);
}

static const char *const torch_cases[] = {"rnn_tanh", "rnn_relu_last", "lstm", "lstm_last", "gru", "attention",
                                          "attention_causal", "transformer_post", "transformer_pre_gelu_causal"};

static void check_against_torch(const char *c) {
    char path[256], spec[128];
    snprintf(path, sizeof path, "%s/seq/%s/spec.txt", test_path("tests/fixtures"), c);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "%s", path);
    cr_assert_not_null(fgets(spec, sizeof spec, f));
    fclose(f);
    spec[strcspn(spec, "\n")] = '\0';
    pr_tensor *x = seq_fixture(c, "x"), *y = seq_fixture(c, "y"), *gy = seq_fixture(c, "gy"), *gx = seq_fixture(c, "gx");
    pr_model_options o = PR_MODEL_DEFAULTS;
    o.dtype = PR_F64;
    pr_model *m;
    assert_ok(pr_model_new(&m, spec, 2, x->shape + 1, &o));
    for (int64_t i = 0; i < m->n_tensors; i++) {
        snprintf(path, sizeof path, "p.%s", m->tensors[i].name);
        pr_tensor *p = seq_fixture(c, path);
        assert_ok(pr_model_set_tensor(m, m->tensors[i].name, p));
        pr_tensor_free(p);
    }
    pr_graph *g = pr_model_graph(m);
    pr_graph_set_training(g, 1);
    assert_ok(pr_graph_set_input(g, pr_model_input(m), x));
    assert_ok(pr_graph_set_input_grad(g, pr_model_input(m), 1));
    assert_ok(pr_graph_forward(g, pr_model_output(m)));
    pr_tensor out;
    assert_ok(pr_graph_value(g, pr_model_output(m), &out));
    snprintf(path, sizeof path, "%s: output", c);
    assert_tensor_close(&out, y, 1e-9, 1e-11, path);
    assert_ok(pr_graph_zero_grad(g));
    assert_ok(pr_graph_backward_seed(g, pr_model_output(m), gy));
    pr_tensor grad;
    assert_ok(pr_graph_grad(g, pr_model_input(m), &grad));
    snprintf(path, sizeof path, "%s: input gradient", c);
    assert_tensor_close(&grad, gx, 1e-9, 1e-11, path);
    for (int64_t i = 0; i < m->n_tensors; i++) {
        char part[160];
        snprintf(part, sizeof part, "g.%s", m->tensors[i].name);
        pr_tensor *want = seq_fixture(c, part);
        assert_ok(pr_graph_grad(g, m->tensors[i].node, &grad));
        snprintf(path, sizeof path, "%s: gradient of %s", c, m->tensors[i].name);
        assert_tensor_close(&grad, want, 1e-9, 1e-11, path);
        pr_tensor_free(want);
    }
    /* one Adam step, lr 0.01, over the flat parameter buffers */
    pr_optimizer_config oc = pr_optimizer_defaults(PR_OPT_ADAM);
    oc.lr = 0.01;
    pr_tensor values, grads;
    assert_ok(pr_graph_param_buffers(g, &values, &grads));
    pr_optimizer *opt;
    assert_ok(pr_optimizer_new(&opt, &oc, values.size, PR_F64));
    assert_ok(pr_optimizer_step(opt, &values, &grads, PR_UNSET));
    pr_optimizer_free(opt);
    for (int64_t i = 0; i < m->n_tensors; i++) {
        char part[160];
        snprintf(part, sizeof part, "a.%s", m->tensors[i].name);
        pr_tensor *want = seq_fixture(c, part), now;
        assert_ok(pr_model_tensor(m, m->tensors[i].name, &now));
        snprintf(path, sizeof path, "%s: %s after one Adam step", c, m->tensors[i].name);
        /* atol 1e-9: the key bias's gradient is 0 in exact arithmetic (softmax ignores a
         * shift shared by every key), so Adam's step on it is lr g/(|g| + eps) of rounding
         * noise g ~ 1e-17, a few 1e-11 either way */
        assert_tensor_close(&now, want, 1e-9, 1e-9, path);
        pr_tensor_free(want);
    }
    pr_model_free(m);
    pr_tensor_free(x);
    pr_tensor_free(y);
    pr_tensor_free(gy);
    pr_tensor_free(gx);
}

Test(seq_layers, match_pytorch_forward_backward_and_adam) {
    for (size_t i = 0; i < sizeof torch_cases / sizeof torch_cases[0]; i++) check_against_torch(torch_cases[i]);
}

/* ---- the fused recurrence against the cells composed from primitive ops --------------- */

typedef struct cell_state {
    pr_node h, c; /* invalid: zeros */
} cell_state;

/* Steps t0 .. t1-1 of one layer as section 11.3 writes it, op by op, from state s
 * (updated); returns their hidden states (N, t1 - t0, H). */
static pr_node composed(pr_graph *g, pr_rnn_mode mode, pr_node x, const pr_node *w, int64_t N, int64_t H, int64_t t0,
                        int64_t t1, cell_state *s) {
    int64_t D;
    int nd;
    int64_t shape[PR_MAX_DIMS];
    assert_ok(pr_node_shape(g, x, &nd, shape));
    D = shape[2];
    pr_tensor *zeros;
    assert_ok(pr_tensor_zeros(&zeros, PR_F64, PR_SHAPE(N, H)));
    pr_node zero = pr_g_const(g, "zeros", zeros);
    pr_tensor_free(zeros);
    pr_node h = pr_node_is_valid(s->h) ? s->h : zero, c = pr_node_is_valid(s->c) ? s->c : zero;
    pr_node outs[16];
    for (int64_t t = t0; t < t1; t++) {
        pr_node xt = pr_g_reshape(g, pr_g_slice(g, x, 1, t, t + 1), PR_SHAPE(N, D));
        pr_node gi = pr_g_add(g, pr_g_matmul_nt(g, xt, w[0]), w[2]);
        pr_node gh = pr_g_add(g, pr_g_matmul_nt(g, h, w[1]), w[3]);
#define GATE(v, k) pr_g_slice(g, v, 1, (k) * H, ((k) + 1) * H)
        if (mode == PR_RNN_LSTM) {
            pr_node a = pr_g_add(g, gi, gh);
            pr_node i = pr_g_sigmoid(g, GATE(a, 0)), f = pr_g_sigmoid(g, GATE(a, 1));
            pr_node gg = pr_g_tanh(g, GATE(a, 2)), o = pr_g_sigmoid(g, GATE(a, 3));
            c = pr_g_add(g, pr_g_mul(g, f, c), pr_g_mul(g, i, gg));
            h = pr_g_mul(g, o, pr_g_tanh(g, c));
        } else if (mode == PR_RNN_GRU) {
            pr_node r = pr_g_sigmoid(g, pr_g_add(g, GATE(gi, 0), GATE(gh, 0)));
            pr_node z = pr_g_sigmoid(g, pr_g_add(g, GATE(gi, 1), GATE(gh, 1)));
            pr_node n = pr_g_tanh(g, pr_g_add(g, GATE(gi, 2), pr_g_mul(g, r, GATE(gh, 2))));
            h = pr_g_add(g, n, pr_g_mul(g, z, pr_g_sub(g, h, n))); /* (1 - z) n + z h */
        } else {
            h = pr_g_tanh(g, pr_g_add(g, gi, gh));
        }
#undef GATE
        outs[t - t0] = pr_g_reshape(g, h, PR_SHAPE(N, 1, H));
    }
    s->h = h;
    s->c = c;
    return pr_g_concat(g, outs, (int)(t1 - t0), 1);
}

/* A detached copy of a node's current value (the state carried across a BPTT cut). */
static pr_node detached(pr_graph *g, pr_node n) {
    pr_tensor v;
    assert_ok(pr_graph_value(g, n, &v));
    return pr_g_const(g, "detached", &v);
}

/* sum(y * gy) over the fused op with bptt, and over the composed cells cut into chunks
 * of bptt steps (bptt = T: no cut): the same output and the same gradients. */
static void fused_matches_composed(pr_rnn_mode mode, int64_t bptt) {
    const int64_t N = 3, T = 6, D = 4, H = 5, G = pr_rnn_gates(mode);
    pr_graph *g;
    assert_ok(pr_graph_new(&g, PR_F64));
    pr_rng rng;
    pr_rng_seed(&rng, 7 + (uint64_t)mode);
    pr_node x = pr_g_param(g, "x", PR_SHAPE(N, T, D)), w[4];
    w[0] = pr_g_param(g, "w_ih", PR_SHAPE(G * H, D));
    w[1] = pr_g_param(g, "w_hh", PR_SHAPE(G * H, H));
    w[2] = pr_g_param(g, "b_ih", PR_SHAPE(G * H));
    w[3] = pr_g_param(g, "b_hh", PR_SHAPE(G * H));
    const pr_node all[5] = {x, w[0], w[1], w[2], w[3]};
    for (int k = 0; k < 5; k++) {
        pr_tensor v;
        assert_ok(pr_graph_param_view(g, all[k], &v));
        for (int64_t i = 0; i < v.size; i++) pr_tensor_set(&v, i, pr_rng_normal(&rng) * (k ? 0.5 : 1));
    }
    pr_tensor *gy;
    assert_ok(pr_tensor_uniform(&gy, PR_F64, PR_SHAPE(N, T, H), -1, 1, &rng));
    pr_node fused = pr_g_rnn(g, mode, x, w[0], w[1], w[2], w[3], pr_g_no_node(), pr_g_no_node(), bptt == T ? 0 : bptt);
    pr_node weight = pr_g_const(g, "gy", gy);
    pr_node loss_fused = pr_g_sum(g, pr_g_mul(g, fused, weight), PR_AXIS_ALL, 0);
    /* the composed chunks, each starting from the previous chunk's state, detached */
    cell_state s = {pr_g_no_node(), pr_g_no_node()};
    pr_node chunks[8];
    int n_chunks = 0;
    for (int64_t t0 = 0; t0 < T; t0 += bptt) {
        if (t0) {
            assert_ok(pr_graph_forward(g, s.h));
            pr_node h = detached(g, s.h), c = pr_g_no_node();
            if (mode == PR_RNN_LSTM) {
                assert_ok(pr_graph_forward(g, s.c));
                c = detached(g, s.c);
            }
            s.h = h;
            s.c = c;
        }
        chunks[n_chunks++] = composed(g, mode, x, w, N, H, t0, t0 + bptt < T ? t0 + bptt : T, &s);
    }
    pr_node ref = pr_g_concat(g, chunks, n_chunks, 1);
    pr_node loss_ref = pr_g_sum(g, pr_g_mul(g, ref, weight), PR_AXIS_ALL, 0);
    cr_assert_eq(pr_graph_status(g), PR_OK, "%s", pr_graph_error(g));
    pr_tensor a, b;
    pr_tensor *ga[5], *gb[5];
    assert_ok(pr_graph_forward(g, fused));
    assert_ok(pr_graph_forward(g, ref));
    pr_tensor *va, *vb;
    assert_ok(pr_graph_value(g, fused, &a));
    assert_ok(pr_tensor_copy(&a, &va));
    assert_ok(pr_graph_value(g, ref, &b));
    assert_ok(pr_tensor_copy(&b, &vb));
    assert_tensor_close(va, vb, 1e-12, 1e-12, "fused vs composed output");
    const pr_node losses[2] = {loss_fused, loss_ref};
    for (int which = 0; which < 2; which++) {
        assert_ok(pr_graph_zero_grad(g));
        assert_ok(pr_graph_forward(g, losses[which]));
        assert_ok(pr_graph_backward(g, losses[which]));
        for (int k = 0; k < 5; k++) {
            pr_tensor v;
            assert_ok(pr_graph_grad(g, all[k], &v));
            assert_ok(pr_tensor_copy(&v, which ? &gb[k] : &ga[k]));
        }
    }
    static const char *const names[5] = {"x", "w_ih", "w_hh", "b_ih", "b_hh"};
    for (int k = 0; k < 5; k++) {
        char what[96];
        snprintf(what, sizeof what, "cell %d, bptt %lld: gradient of %s", (int)mode, (long long)bptt, names[k]);
        assert_tensor_close(ga[k], gb[k], 1e-10, 1e-12, what);
        pr_tensor_free(ga[k]);
        pr_tensor_free(gb[k]);
    }
    pr_tensor_free(va);
    pr_tensor_free(vb);
    pr_tensor_free(gy);
    pr_graph_free(g);
}

Test(seq_layers, fused_cells_match_the_composed_reference) {
    const pr_rnn_mode modes[3] = {PR_RNN_TANH, PR_RNN_LSTM, PR_RNN_GRU};
    for (int i = 0; i < 3; i++) fused_matches_composed(modes[i], 6);
}

Test(seq_layers, truncated_bptt_equals_detaching_the_state_between_chunks) {
    const pr_rnn_mode modes[3] = {PR_RNN_TANH, PR_RNN_LSTM, PR_RNN_GRU};
    for (int i = 0; i < 3; i++) {
        fused_matches_composed(modes[i], 2);
        fused_matches_composed(modes[i], 4); /* chunks of 4 and 2 */
    }
}

/* ---- padding ------------------------------------------------------------------------------------ */

/* Outputs of a model for one batch of token rows. */
static pr_tensor *run_model(pr_model *m, int64_t n, int64_t T, const double *ids) {
    pr_tensor *x, *out;
    assert_ok(pr_tensor_from_array(&x, PR_F64, PR_SHAPE(n, T), ids));
    assert_ok(pr_model_forward(m, x, &out));
    pr_tensor_free(x);
    return out;
}

/* Copy every tensor of `from` into `to` (same names and shapes). */
static void copy_weights(pr_model *to, const pr_model *from) {
    for (int64_t i = 0; i < from->n_tensors; i++) {
        pr_tensor v;
        assert_ok(pr_model_tensor(from, from->tensors[i].name, &v));
        assert_ok(pr_model_set_tensor(to, from->tensors[i].name, &v));
    }
}

/* Right-padded rows (padding index 0) give what the unpadded rows give: `last` takes
 * each row's last real token, and attention ignores padding keys. */
Test(seq_layers, padding_tokens_are_skipped) {
    pr_model_options o = PR_MODEL_DEFAULTS;
    o.dtype = PR_F64;
    o.seed = 3;
    pr_model *padded, *plain;
    /* an LSTM: the last real step of [3 4 5 0 0] is the state after 5 */
    assert_ok(pr_model_new(&padded, "embedding:10:6:0,lstm:5:last", PR_SHAPE(5), &o));
    assert_ok(pr_model_new(&plain, "embedding:10:6:0,lstm:5", PR_SHAPE(5), &o));
    copy_weights(plain, padded);
    pr_tensor *a = run_model(padded, 2, 5, (const double[]){3, 4, 5, 0, 0, 7, 1, 2, 8, 9});
    pr_tensor *b = run_model(plain, 2, 5, (const double[]){3, 4, 5, 0, 0, 7, 1, 2, 8, 9});
    for (int j = 0; j < 5; j++) {
        assert_near(pr_tensor_get(a, j), pr_tensor_get(b, (0 * 5 + 2) * 5 + j), 1e-14); /* row 0: step 2 */
        assert_near(pr_tensor_get(a, 5 + j), pr_tensor_get(b, (1 * 5 + 4) * 5 + j), 1e-14); /* row 1: step 4 */
    }
    pr_tensor_free(a), pr_tensor_free(b);
    pr_model_free(padded), pr_model_free(plain);
    /* self-attention over [3 4 5 0 0] equals self-attention over [3 4 5] at the real positions */
    assert_ok(pr_model_new(&padded, "embedding:10:8:0,attention:2", PR_SHAPE(5), &o));
    assert_ok(pr_model_new(&plain, "embedding:10:8:0,attention:2", PR_SHAPE(3), &o));
    copy_weights(plain, padded);
    a = run_model(padded, 1, 5, (const double[]){3, 4, 5, 0, 0});
    b = run_model(plain, 1, 3, (const double[]){3, 4, 5});
    for (int64_t i = 0; i < 3 * 8; i++) assert_near(pr_tensor_get(a, i), pr_tensor_get(b, i), 1e-14);
    pr_tensor_free(a), pr_tensor_free(b);
    /* without a padding index the padding is attended to, and the outputs differ */
    pr_model *unmasked;
    assert_ok(pr_model_new(&unmasked, "embedding:10:8,attention:2", PR_SHAPE(5), &o));
    copy_weights(unmasked, padded);
    a = run_model(unmasked, 1, 5, (const double[]){3, 4, 5, 0, 0});
    b = run_model(plain, 1, 3, (const double[]){3, 4, 5});
    double diff = 0;
    for (int64_t i = 0; i < 3 * 8; i++) diff += fabs(pr_tensor_get(a, i) - pr_tensor_get(b, i));
    cr_assert_gt(diff, 1e-6);
    pr_tensor_free(a), pr_tensor_free(b);
    pr_model_free(padded), pr_model_free(plain), pr_model_free(unmasked);
}
