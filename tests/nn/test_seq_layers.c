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
