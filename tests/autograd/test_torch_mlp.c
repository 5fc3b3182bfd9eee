/* A small MLP's loss and gradients against values computed once by PyTorch
 * (tests/fixtures/make_autograd_fixtures.py), in float64 and float32. */
#include <stdio.h>

#include "test_util.h"

static pr_tensor *fixture(const char *name, const char *suffix) {
    char path[128];
    snprintf(path, sizeof path, "autograd/mlp_%s_%s.npy", name, suffix);
    return load_fixture(path);
}

static void check_mlp(pr_dtype dtype, const char *suffix, double rtol, double atol) {
    pr_graph *g;
    assert_ok(pr_graph_new(&g, dtype));
    pr_node x = pr_g_input(g, "x", PR_SHAPE(-1, 4)), onehot = pr_g_input(g, "onehot", PR_SHAPE(-1, 3));
    const char *names[6] = {"W1", "b1", "W2", "b2", "W3", "b3"};
    pr_node p[6];
    pr_tensor *values[6];
    for (int i = 0; i < 6; i++) {
        values[i] = fixture(names[i], suffix);
        p[i] = pr_g_param(g, names[i], values[i]->ndim, values[i]->shape);
        assert_ok(pr_graph_set_value(g, p[i], values[i]));
    }
    pr_node h1 = pr_g_tanh(g, pr_g_add(g, pr_g_matmul(g, x, p[0]), p[1]));
    pr_node h2 = pr_g_gelu(g, pr_g_add(g, pr_g_matmul(g, h1, p[2]), p[3]), PR_GELU_ERF);
    pr_node logits = pr_g_add(g, pr_g_matmul(g, h2, p[4]), p[5]);
    /* cross-entropy: the mean over the batch of -Σ onehot ⊙ log softmax(logits) */
    pr_node nll = pr_g_neg(g, pr_g_sum(g, pr_g_mul(g, onehot, pr_g_log_softmax(g, logits, -1)), 1, 0));
    pr_node loss = pr_g_mean(g, nll, PR_AXIS_ALL, 0);
    cr_assert_eq(pr_graph_status(g), PR_OK, "%s", pr_graph_error(g));
    pr_tensor *X = fixture("x", suffix), *Y = fixture("onehot", suffix), *L = fixture("loss", suffix);
    pr_tensor *Z = fixture("logits", suffix);
    assert_ok(pr_graph_set_input(g, x, X));
    assert_ok(pr_graph_set_input(g, onehot, Y));
    assert_ok(pr_graph_forward(g, loss));
    assert_ok(pr_graph_backward(g, loss));
    pr_tensor v;
    assert_ok(pr_graph_value(g, logits, &v));
    assert_tensor_close(&v, Z, rtol, atol, "logits vs PyTorch");
    double lv;
    assert_ok(pr_graph_scalar(g, loss, &lv));
    assert_near(lv, pr_tensor_get(L, 0), rtol * fabs(pr_tensor_get(L, 0)) + atol);
    for (int i = 0; i < 6; i++) {
        char gname[16], what[64];
        snprintf(gname, sizeof gname, "grad_%s", names[i]);
        pr_tensor *expect = fixture(gname, suffix);
        assert_ok(pr_graph_grad(g, p[i], &v));
        snprintf(what, sizeof what, "d loss / d %s vs PyTorch (%s)", names[i], suffix);
        assert_tensor_close(&v, expect, rtol, atol, what);
        pr_tensor_free(expect);
        pr_tensor_free(values[i]);
    }
    pr_tensor_free(X);
    pr_tensor_free(Y);
    pr_tensor_free(L);
    pr_tensor_free(Z);
    pr_graph_free(g);
}

Test(torch_reference, mlp_float64) { check_mlp(PR_F64, "f64", 1e-12, 1e-14); }
Test(torch_reference, mlp_float32) { check_mlp(PR_F32, "f32", 1e-5, 1e-6); }
