/* Every worked number of chapter 9 (backpropagation), computed by the autodiff engine. */
#include <string.h>

#include "test_util.h"

static void set_params(pr_graph *g, const double *values, int n) {
    pr_tensor pv;
    assert_ok(pr_graph_param_buffers(g, &pv, NULL));
    cr_assert_eq(pv.size, n);
    for (int i = 0; i < n; i++) pr_tensor_set(&pv, i, values[i]);
}

static double value_of(pr_graph *g, pr_node n) {
    double v;
    assert_ok(pr_graph_scalar(g, n, &v));
    return v;
}

Test(ch09, example_9_1_full_backprop_pass) {
    pr_graph *g;
    assert_ok(pr_graph_new(&g, PR_F64));
    pr_node w1 = pr_g_param(g, "w1", 0, NULL), b1 = pr_g_param(g, "b1", 0, NULL);
    pr_node w2 = pr_g_param(g, "w2", 0, NULL), b2 = pr_g_param(g, "b2", 0, NULL);
    pr_node x = pr_g_scalar(g, 2);
    pr_node z1 = pr_g_add(g, pr_g_mul(g, w1, x), b1);
    pr_node a1 = pr_g_relu(g, z1);
    pr_node z2 = pr_g_add(g, pr_g_mul(g, w2, a1), b2);
    pr_node loss = pr_g_pow(g, pr_g_add_scalar(g, z2, -1), 2);
    set_params(g, (double[]){0.5, -0.1, -1, 0.3}, 4);
    assert_ok(pr_graph_forward(g, loss));
    assert_near(value_of(g, z1), 0.9, 1e-15);
    assert_near(value_of(g, a1), 0.9, 1e-15);
    assert_near(value_of(g, z2), -0.6, 1e-15);
    assert_near(value_of(g, loss), 2.56, 1e-14);
    assert_ok(pr_graph_backward(g, loss));
    assert_near(grad_of(g, z2), -3.2, 1e-14);  /* ∂L/∂ŷ = 2(ŷ - y) */
    assert_near(grad_of(g, w2), -2.88, 1e-14);
    assert_near(grad_of(g, b2), -3.2, 1e-14);
    assert_near(grad_of(g, a1), 3.2, 1e-14);
    assert_near(grad_of(g, z1), 3.2, 1e-14);
    assert_near(grad_of(g, w1), 6.4, 1e-14);
    assert_near(grad_of(g, b1), 3.2, 1e-14);
    /* one step with η = 0.01 */
    pr_tensor pv, gv;
    assert_ok(pr_graph_param_buffers(g, &pv, &gv));
    for (int i = 0; i < 4; i++) pr_tensor_set(&pv, i, pr_tensor_get(&pv, i) - 0.01 * pr_tensor_get(&gv, i));
    assert_near(pr_tensor_get(&pv, 0), 0.436, 1e-15);
    assert_near(pr_tensor_get(&pv, 2), -0.9712, 1e-15);
    pr_graph_free(g);
}

Test(ch09, q9_4_relu_blocks_negative_inputs) {
    pr_graph *g;
    assert_ok(pr_graph_new(&g, PR_F64));
    pr_node z = pr_g_param(g, "z", 0, NULL);
    pr_node out = pr_g_relu(g, z);
    set_params(g, (double[]){-3}, 1);
    assert_ok(pr_graph_forward(g, out));
    assert_ok(pr_graph_backward(g, out));
    assert_near(grad_of(g, z), 0, 0); /* (c) 0 */
    pr_graph_free(g);
}

Test(ch09, q9_5_multiply_node_swaps_its_inputs) {
    pr_graph *g;
    assert_ok(pr_graph_new(&g, PR_F64));
    pr_node x = pr_g_param(g, "x", 0, NULL), y = pr_g_param(g, "y", 0, NULL);
    pr_node f = pr_g_mul(g, x, y);
    set_params(g, (double[]){3, 4}, 2);
    assert_ok(pr_graph_forward(g, f));
    double two = 2;
    pr_tensor seed = {.data = &two, .size = 1, .dtype = PR_F64, .ndim = 0};
    assert_ok(pr_graph_backward_seed(g, f, &seed)); /* upstream gradient 2 */
    assert_near(grad_of(g, x), 8, 0);              /* (b) 2 · y */
    assert_near(grad_of(g, y), 6, 0);              /*     2 · x */
    pr_graph_free(g);
}

Test(ch09, q9_6_fifty_sigmoid_layers_vanish) {
    /* a_ℓ = σ(a_{ℓ-1} - ½) keeps every pre-activation at 0, where σ' = ¼ */
    pr_graph *g;
    assert_ok(pr_graph_new(&g, PR_F64));
    pr_node x = pr_g_param(g, "x", 0, NULL);
    pr_node a = pr_g_sigmoid(g, x);
    for (int l = 1; l < 50; l++) a = pr_g_sigmoid(g, pr_g_add_scalar(g, a, -0.5));
    assert_ok(pr_graph_forward(g, a));
    assert_ok(pr_graph_backward(g, a));
    assert_near(grad_of(g, x) / pow(0.25, 50), 1, 1e-12);
    cr_assert_lt(grad_of(g, x), 1e-30, "(c) vanishes: %g", grad_of(g, x));
    pr_graph_free(g);
}

Test(ch09, q9_7_gradients_sum_over_paths) {
    pr_graph *g;
    assert_ok(pr_graph_new(&g, PR_F64));
    pr_node x = pr_g_param(g, "x", 0, NULL), y = pr_g_param(g, "y", 0, NULL);
    pr_node a = pr_g_add(g, x, y);
    pr_node b = pr_g_add_scalar(g, y, 1);
    pr_node f = pr_g_mul(g, a, b);
    set_params(g, (double[]){2, 3}, 2);
    assert_ok(pr_graph_forward(g, f));
    assert_near(value_of(g, a), 5, 0);
    assert_near(value_of(g, b), 4, 0);
    assert_near(value_of(g, f), 20, 0);
    assert_ok(pr_graph_backward(g, f));
    assert_near(grad_of(g, a), 4, 0);
    assert_near(grad_of(g, b), 5, 0);
    assert_near(grad_of(g, x), 4, 0);
    assert_near(grad_of(g, y), 9, 0); /* 4·1 + 5·1: y reaches f by two paths */
    pr_graph_free(g);
}

Test(ch09, q9_8_one_hidden_layer) {
    pr_graph *g;
    assert_ok(pr_graph_new(&g, PR_F64));
    pr_node w1 = pr_g_param(g, "w1", 0, NULL), w2 = pr_g_param(g, "w2", 0, NULL);
    pr_node z1 = pr_g_scale(g, w1, 2);
    pr_node h = pr_g_relu(g, z1);
    pr_node yhat = pr_g_mul(g, w2, h);
    pr_node loss = pr_g_pow(g, pr_g_add_scalar(g, yhat, -1), 2);
    set_params(g, (double[]){0.5, 1.5}, 2);
    assert_ok(pr_graph_forward(g, loss));
    assert_near(value_of(g, z1), 1, 0);
    assert_near(value_of(g, yhat), 1.5, 0);
    assert_near(value_of(g, loss), 0.25, 0);
    assert_ok(pr_graph_backward(g, loss));
    assert_near(grad_of(g, yhat), 1.0, 1e-15);
    assert_near(grad_of(g, w2), 1.0, 1e-15);
    assert_near(grad_of(g, h), 1.5, 1e-15);
    assert_near(grad_of(g, z1), 1.5, 1e-15);
    assert_near(grad_of(g, w1), 3.0, 1e-15);
    pr_graph_free(g);
}

Test(ch09, q9_10_gradient_check_recipe) {
    /* the book's recipe on a layer without dropout or batch norm, biases included:
     * centered differences with ε = 1e-5, relative error below 1e-5 */
    pr_graph *g;
    assert_ok(pr_graph_new(&g, PR_F64));
    pr_node x = pr_g_input(g, "x", PR_SHAPE(4, 3));
    pr_node W = pr_g_param(g, "W", PR_SHAPE(3, 2)), b = pr_g_param(g, "b", PR_SHAPE(2));
    pr_node loss = pr_g_mean(g, pr_g_tanh(g, pr_g_add(g, pr_g_matmul(g, x, W), b)), PR_AXIS_ALL, 0);
    pr_rng rng;
    pr_rng_seed(&rng, 910);
    pr_tensor *X, pv;
    assert_ok(pr_tensor_normal(&X, PR_F64, PR_SHAPE(4, 3), 0, 1, &rng));
    assert_ok(pr_graph_set_input(g, x, X));
    assert_ok(pr_graph_param_buffers(g, &pv, NULL));
    assert_ok(pr_rng_fill_normal(&rng, &pv, 0, 0.5));
    pr_gradcheck_report *r;
    assert_ok(pr_gradcheck(g, loss, 1e-5, 0, &r));
    cr_assert_eq(r->n, 2);
    cr_assert_str_eq(r->entries[1].name, "b");
    cr_assert_lt(r->max_rel_error, 1e-5, "relative error %.3g (the book's threshold 1e-5)", r->max_rel_error);
    pr_gradcheck_report_free(r);
    pr_tensor_free(X);
    pr_graph_free(g);
}
