/* The graph: accumulation, zeroing, freezing, inference, replanning, no allocation in
 * steady state, anomaly mode, printing, and errors for bad use. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

static pr_tensor *scalar(double v) {
    pr_tensor *t;
    assert_ok(pr_tensor_from_array(&t, PR_F64, 0, NULL, &v));
    return t;
}

static void set(pr_graph *g, pr_node n, double v) {
    pr_tensor *t = scalar(v);
    assert_ok(pr_graph_set_value(g, n, t));
    pr_tensor_free(t);
}

Test(graph, gradients_accumulate_over_backward_calls_until_zeroed) {
    pr_graph *g;
    assert_ok(pr_graph_new(&g, PR_F64));
    pr_node w = pr_g_param(g, "w", 0, NULL);
    pr_node loss = pr_g_mul(g, w, w); /* d/dw = 2w */
    set(g, w, 3);
    assert_ok(pr_graph_forward(g, loss));
    assert_ok(pr_graph_backward(g, loss));
    assert_ok(pr_graph_backward(g, loss));
    assert_near(grad_of(g, w), 12, 0); /* 6 + 6, as PyTorch accumulates */
    assert_ok(pr_graph_zero_grad(g));
    assert_ok(pr_graph_backward(g, loss));
    assert_near(grad_of(g, w), 6, 0);
    pr_graph_free(g);
}

Test(graph, frozen_parameters_keep_values_and_get_no_gradient) {
    pr_graph *g;
    assert_ok(pr_graph_new(&g, PR_F64));
    pr_node a = pr_g_param(g, "a", 0, NULL), b = pr_g_param(g, "b", 0, NULL);
    pr_node loss = pr_g_mul(g, a, b);
    set(g, a, 2);
    set(g, b, 5);
    assert_ok(pr_graph_set_frozen(g, b, 1));
    assert_ok(pr_graph_forward(g, loss));
    assert_ok(pr_graph_backward(g, loss));
    assert_near(grad_of(g, a), 5, 0);
    pr_tensor v;
    assert_fails(pr_graph_grad(g, b, &v), PR_ERR_INVALID, "frozen");
    /* a graph where nothing requires a gradient: backward is a no-op, not an error */
    assert_ok(pr_graph_set_frozen(g, a, 1));
    assert_ok(pr_graph_forward(g, loss));
    assert_ok(pr_graph_backward(g, loss));
    pr_graph_free(g);
}

Test(graph, inference_needs_only_the_inputs_it_uses) {
    /* predict without setting the target */
    pr_graph *g;
    assert_ok(pr_graph_new(&g, PR_F64));
    pr_node x = pr_g_input(g, "x", PR_SHAPE(-1, 2)), y = pr_g_input(g, "y", PR_SHAPE(-1, 1));
    pr_node W = pr_g_param(g, "W", PR_SHAPE(2, 1));
    pr_node pred = pr_g_matmul(g, x, W);
    pr_node loss = pr_g_mean(g, pr_g_pow(g, pr_g_sub(g, pred, y), 2), PR_AXIS_ALL, 0);
    pr_tensor *X = T64(PR_SHAPE(3, 2), 1, 2, 3, 4, 5, 6), *Wv = T64(PR_SHAPE(2, 1), 0.5, -1);
    assert_ok(pr_graph_set_value(g, W, Wv));
    assert_ok(pr_graph_set_input(g, x, X));
    assert_ok(pr_graph_forward(g, pred));
    pr_tensor p;
    assert_ok(pr_graph_value(g, pred, &p));
    assert_values_close(&p, (double[]){-1.5, -2.5, -3.5}, 3, 0, 1e-15, "x W");
    assert_fails(pr_graph_forward(g, loss), PR_ERR_INVALID, "input #1 'y' (input) has no value");
    pr_tensor_free(X);
    pr_tensor_free(Wv);
    pr_graph_free(g);
}

Test(graph, batch_size_changes_replan) {
    pr_graph *g;
    assert_ok(pr_graph_new(&g, PR_F32));
    pr_node x = pr_g_input(g, "x", PR_SHAPE(-1, 3));
    pr_node W = pr_g_param(g, "W", PR_SHAPE(3, 2));
    pr_node s = pr_g_sum(g, pr_g_relu(g, pr_g_matmul(g, x, W)), PR_AXIS_ALL, 0);
    pr_tensor wv;
    assert_ok(pr_graph_param_view(g, W, &wv));
    pr_tensor_fill(&wv, 1);
    for (int64_t batch = 1; batch <= 5; batch += 2) {
        pr_tensor *X;
        assert_ok(pr_tensor_ones(&X, PR_F32, PR_SHAPE(batch, 3)));
        assert_ok(pr_graph_set_input(g, x, X));
        assert_ok(pr_graph_forward(g, s));
        double v;
        assert_ok(pr_graph_scalar(g, s, &v));
        assert_near(v, 6.0 * (double)batch, 0); /* each row gives 3 + 3 */
        assert_ok(pr_graph_zero_grad(g));
        assert_ok(pr_graph_backward(g, s));
        pr_tensor gw;
        assert_ok(pr_graph_grad(g, W, &gw));
        assert_near(pr_tensor_get(&gw, 0), (double)batch, 0);
        pr_tensor_free(X);
    }
    pr_tensor *wrong;
    assert_ok(pr_tensor_ones(&wrong, PR_F32, PR_SHAPE(2, 4)));
    assert_fails(pr_graph_set_input(g, x, wrong), PR_ERR_SHAPE, "expects shape (-1, 3) (-1: any), got (2, 4)");
    pr_tensor_free(wrong);
    pr_graph_free(g);
}

Test(graph, training_steps_allocate_nothing) {
    pr_graph *g;
    assert_ok(pr_graph_new(&g, PR_F64));
    pr_node x = pr_g_input(g, "x", PR_SHAPE(-1, 4));
    pr_node W = pr_g_param(g, "W", PR_SHAPE(4, 3)), b = pr_g_param(g, "b", PR_SHAPE(3));
    pr_node h = pr_g_tanh(g, pr_g_add(g, pr_g_matmul(g, x, W), b));
    pr_node loss = pr_g_mean(g, pr_g_neg(g, pr_g_log_softmax(g, h, -1)), PR_AXIS_ALL, 0);
    pr_tensor *X;
    pr_rng rng;
    pr_rng_seed(&rng, 3);
    assert_ok(pr_tensor_normal(&X, PR_F64, PR_SHAPE(8, 4), 0, 1, &rng));
    assert_ok(pr_graph_set_input(g, x, X));
    assert_ok(pr_graph_forward(g, loss)); /* plans */
    uint64_t before = pr_debug_allocation_count();
    for (int step = 0; step < 10; step++) {
        assert_ok(pr_graph_set_input(g, x, X));
        assert_ok(pr_graph_forward(g, loss));
        assert_ok(pr_graph_zero_grad(g));
        assert_ok(pr_graph_backward(g, loss));
    }
    cr_assert_eq(pr_debug_allocation_count(), before, "%llu allocations in 10 steps",
                 (unsigned long long)(pr_debug_allocation_count() - before));
    pr_tensor_free(X);
    pr_graph_free(g);
}

Test(graph, flat_parameter_buffers_hold_every_parameter) {
    pr_graph *g;
    assert_ok(pr_graph_new(&g, PR_F64));
    pr_node a = pr_g_param(g, "a", PR_SHAPE(2, 3)), b = pr_g_param(g, "b", PR_SHAPE(4));
    pr_node loss = pr_g_add(g, pr_g_sum(g, a, PR_AXIS_ALL, 0), pr_g_scale(g, pr_g_sum(g, b, PR_AXIS_ALL, 0), 2));
    pr_tensor values, grads;
    assert_ok(pr_graph_param_buffers(g, &values, &grads));
    cr_assert_eq(values.size, 10);
    cr_assert_eq(pr_graph_param_count(g), 2);
    pr_node second;
    assert_ok(pr_graph_param_at(g, 1, &second));
    cr_assert_str_eq(pr_node_name(g, second), "b");
    assert_ok(pr_graph_forward(g, loss));
    assert_ok(pr_graph_backward(g, loss));
    assert_ok(pr_graph_param_buffers(g, &values, &grads));
    /* a's six gradients are 1, b's four are 2, in creation order */
    assert_values_close(&grads, (double[]){1, 1, 1, 1, 1, 1, 2, 2, 2, 2}, 10, 0, 0, "flat gradients");
    pr_graph_free(g);
}

Test(graph, backward_seed_is_a_vector_jacobian_product) {
    pr_graph *g;
    assert_ok(pr_graph_new(&g, PR_F64));
    pr_node x = pr_g_param(g, "x", PR_SHAPE(2));
    pr_node y = pr_g_mul(g, x, x); /* J = diag(2x) */
    pr_tensor *xv = T64(PR_SHAPE(2), 3, -1), *seed = T64(PR_SHAPE(2), 10, 100);
    assert_ok(pr_graph_set_value(g, x, xv));
    assert_ok(pr_graph_forward(g, y));
    pr_tensor v;
    assert_fails(pr_graph_backward(g, y), PR_ERR_SHAPE, "starts from a scalar loss");
    assert_ok(pr_graph_backward_seed(g, y, seed));
    assert_ok(pr_graph_grad(g, x, &v));
    assert_values_close(&v, (double[]){60, -200}, 2, 0, 0, "seedᵀ J");
    pr_tensor_free(xv);
    pr_tensor_free(seed);
    pr_graph_free(g);
}

Test(graph, a_linear_bias_of_the_wrong_length_is_refused) {
    pr_graph *g;
    assert_ok(pr_graph_new(&g, PR_F64));
    pr_node x = pr_g_param(g, "x", PR_SHAPE(2, 3)), W = pr_g_param(g, "W", PR_SHAPE(4, 3));
    pr_node bias = pr_g_param(g, "bias", PR_SHAPE(5));
    cr_assert(!pr_node_is_valid(pr_g_linear(g, x, W, bias)));
    cr_assert_eq(pr_graph_status(g), PR_ERR_SHAPE);
    cr_assert(strstr(pr_graph_error(g), "the bias must have one value per output column"), "%s", pr_graph_error(g));
    pr_graph_free(g);
}

Test(graph, build_errors_name_the_op_and_the_shapes) {
    pr_graph *g;
    assert_ok(pr_graph_new(&g, PR_F64));
    pr_node a = pr_g_param(g, "a", PR_SHAPE(2, 3)), b = pr_g_param(g, "b", PR_SHAPE(4, 5));
    pr_node bad = pr_g_matmul(g, a, b);
    cr_assert(!pr_node_is_valid(bad));
    cr_assert_eq(pr_graph_status(g), PR_ERR_SHAPE);
    cr_assert(strstr(pr_graph_error(g), "matmul: inner dimensions differ (input shapes (2, 3) and (4, 5))"),
              "%s", pr_graph_error(g));
    /* later builders propagate the failure; the first error sticks */
    pr_node worse = pr_g_relu(g, bad);
    cr_assert(!pr_node_is_valid(worse));
    cr_assert(strstr(pr_graph_error(g), "matmul") != NULL);
    assert_fails(pr_graph_forward(g, a), PR_ERR_SHAPE, "the graph has a build error: matmul");
    pr_graph_free(g);

    assert_ok(pr_graph_new(&g, PR_F64));
    pr_node c = pr_g_param(g, "c", PR_SHAPE(3, 2)), d = pr_g_param(g, "d", PR_SHAPE(2, 3));
    pr_g_add(g, c, d);
    cr_assert(strstr(pr_graph_error(g), "add: shapes cannot be broadcast together (input shapes (3, 2) and (2, 3))"),
              "%s", pr_graph_error(g));
    pr_graph_free(g);
}

Test(graph, nodes_of_another_graph_are_refused) {
    pr_graph *g1, *g2;
    assert_ok(pr_graph_new(&g1, PR_F64));
    assert_ok(pr_graph_new(&g2, PR_F64));
    pr_node a = pr_g_param(g1, "a", 0, NULL);
    pr_node b = pr_g_param(g2, "b", 0, NULL);
    pr_node bad = pr_g_add(g2, a, b);
    cr_assert(!pr_node_is_valid(bad));
    cr_assert(strstr(pr_graph_error(g2), "cannot be mixed") != NULL, "%s", pr_graph_error(g2));
    pr_graph_free(g1);
    /* a handle from a freed graph is recognised as foreign too */
    pr_graph *g3;
    assert_ok(pr_graph_new(&g3, PR_F64));
    pr_tensor v;
    assert_fails(pr_graph_value(g3, a, &v), PR_ERR_INVALID, "belongs to graph");
    pr_graph_free(g2);
    pr_graph_free(g3);
}

Test(graph, wrong_dtypes_are_reported) {
    pr_graph *g = NULL;
    assert_fails(pr_graph_new(&g, PR_I32), PR_ERR_DTYPE, "float32 or float64");
    assert_ok(pr_graph_new(&g, PR_F32));
    pr_node x = pr_g_input(g, "x", PR_SHAPE(2));
    pr_tensor *d = T64(PR_SHAPE(2), 1, 2);
    assert_fails(pr_graph_set_input(g, x, d), PR_ERR_DTYPE, "float32 graph; got a float64 tensor");
    pr_tensor_free(d);
    pr_graph_free(g);
}

Test(graph, anomaly_mode_names_the_first_bad_op) {
    pr_graph *g;
    assert_ok(pr_graph_new(&g, PR_F64));
    pr_node x = pr_g_input(g, "x", PR_SHAPE(3));
    pr_node l = pr_g_log(g, x);
    pr_node_set_name(g, l, "logx");
    pr_node s = pr_g_sum(g, pr_g_exp(g, l), PR_AXIS_ALL, 0);
    pr_tensor *v = T64(PR_SHAPE(3), 1, -2, 3);
    assert_ok(pr_graph_set_input(g, x, v));
    assert_ok(pr_graph_forward(g, s)); /* off: NaN flows through */
    pr_graph_set_anomaly_detection(g, 1);
    assert_fails(pr_graph_forward(g, s), PR_ERR_NONFINITE,
                 "anomaly: forward of #1 'logx' (log) output holds NaN at flat index 1");
    /* in backward: 1/x at x = 0 */
    pr_tensor *z = T64(PR_SHAPE(3), 1, 0, 3);
    assert_ok(pr_graph_set_input_grad(g, x, 1));
    assert_ok(pr_graph_set_input(g, x, z));
    pr_graph_set_anomaly_detection(g, 0);
    pr_node q = pr_g_sum(g, pr_g_sqrt(g, x), PR_AXIS_ALL, 0);
    assert_ok(pr_graph_forward(g, q));
    pr_graph_set_anomaly_detection(g, 1);
    assert_fails(pr_graph_backward(g, q), PR_ERR_NONFINITE, "anomaly: backward of #");
    cr_assert(strstr(pr_last_error(), "(sqrt)") != NULL, "%s", pr_last_error());
    pr_tensor_free(v);
    pr_tensor_free(z);
    pr_graph_free(g);
}

Test(graph, print_and_dot_show_values_and_gradients) {
    pr_graph *g;
    assert_ok(pr_graph_new(&g, PR_F64));
    pr_node x = pr_g_param(g, "x", 0, NULL), y = pr_g_param(g, "y", 0, NULL);
    pr_node a = pr_g_add(g, x, y); /* built one by one: C leaves argument order open */
    pr_node b = pr_g_add_scalar(g, y, 1);
    pr_node f = pr_g_mul(g, a, b);
    pr_node_set_name(g, f, "f");
    set(g, x, 2);
    set(g, y, 3);
    assert_ok(pr_graph_forward(g, f));
    assert_ok(pr_graph_backward(g, f));
    char *text = NULL, *dot = NULL;
    size_t tlen = 0, dlen = 0;
    FILE *ft = open_memstream(&text, &tlen), *fd = open_memstream(&dot, &dlen);
    assert_ok(pr_graph_print(g, ft));
    assert_ok(pr_graph_write_dot(g, fd));
    fclose(ft);
    fclose(fd);
    cr_assert(strstr(text, "#4   f            = mul(#2 add2, #3 add_scalar3)  shape ()  value 20.  grad 1.") != NULL,
              "%s", text);
    cr_assert(strstr(text, "#1   y            = param  shape ()  value 3.  grad 9.") != NULL, "%s", text);
    cr_assert(strstr(dot, "digraph primer {") != NULL);
    cr_assert(strstr(dot, "n1 -> n2;") != NULL);
    cr_assert(strstr(dot, "value 20.|grad 1.") != NULL, "%s", dot);
    free(text);
    free(dot);
    pr_graph_free(g);
}

Test(graph, reshape_shares_storage_and_gradients_add_up) {
    pr_graph *g;
    assert_ok(pr_graph_new(&g, PR_F64));
    pr_node x = pr_g_param(g, "x", PR_SHAPE(2, 3));
    pr_node r = pr_g_reshape(g, x, PR_SHAPE(3, -1));
    pr_node loss = pr_g_add(g, pr_g_sum(g, r, PR_AXIS_ALL, 0), pr_g_sum(g, pr_g_scale(g, x, 2), PR_AXIS_ALL, 0));
    assert_ok(pr_graph_forward(g, loss));
    assert_ok(pr_graph_backward(g, loss));
    pr_tensor xv, rv, gx;
    assert_ok(pr_graph_value(g, x, &xv));
    assert_ok(pr_graph_value(g, r, &rv));
    cr_assert_eq(xv.data, rv.data, "reshape is a view");
    cr_assert_eq(rv.shape[0], 3);
    cr_assert_eq(rv.shape[1], 2);
    assert_ok(pr_graph_grad(g, x, &gx));
    for (int i = 0; i < 6; i++) assert_near(pr_tensor_get(&gx, i), 3, 0); /* 1 via the reshape + 2 directly */
    pr_graph_free(g);
}

Test(graph, clone_to_another_dtype) {
    pr_graph *g, *c;
    assert_ok(pr_graph_new(&g, PR_F32));
    pr_node w = pr_g_param(g, "w", PR_SHAPE(2));
    pr_node x = pr_g_input(g, "x", PR_SHAPE(2));
    pr_node y = pr_g_sum(g, pr_g_mul(g, w, x), PR_AXIS_ALL, 0);
    pr_tensor wv;
    assert_ok(pr_graph_param_view(g, w, &wv));
    pr_tensor_set(&wv, 0, 0.1);
    pr_tensor_set(&wv, 1, 0.2);
    pr_tensor *xv;
    assert_ok(pr_tensor_from_array(&xv, PR_F32, PR_SHAPE(2), (float[]){3, 4}));
    assert_ok(pr_graph_set_input(g, x, xv));
    assert_ok(pr_graph_clone(g, PR_F64, &c));
    cr_assert_eq(pr_graph_dtype(c), PR_F64);
    pr_node y64 = {0, y.id};
    /* handles of the clone: same ids, the clone's serial */
    pr_node any;
    assert_ok(pr_graph_param_at(c, 0, &any));
    y64.graph = any.graph;
    assert_ok(pr_graph_forward(c, y64));
    double v;
    assert_ok(pr_graph_scalar(c, y64, &v));
    assert_near(v, (double)0.1f * 3 + (double)0.2f * 4, 1e-12);
    pr_tensor_free(xv);
    pr_graph_free(g);
    pr_graph_free(c);
}

Test(graph, profiling_accounts_kernel_time) {
    pr_graph *g;
    assert_ok(pr_graph_new(&g, PR_F64));
    pr_node x = pr_g_input(g, "x", PR_SHAPE(64, 64));
    pr_node W = pr_g_param(g, "W", PR_SHAPE(64, 64));
    pr_node loss = pr_g_sum(g, pr_g_relu(g, pr_g_matmul(g, x, W)), PR_AXIS_ALL, 0);
    pr_tensor *X;
    assert_ok(pr_tensor_ones(&X, PR_F64, PR_SHAPE(64, 64)));
    assert_ok(pr_graph_set_input(g, x, X));
    pr_graph_set_profiling(g, 1);
    for (int i = 0; i < 3; i++) {
        assert_ok(pr_graph_forward(g, loss));
        assert_ok(pr_graph_backward(g, loss));
    }
    pr_profile_entry e[8];
    int n;
    double kernels, elapsed;
    assert_ok(pr_graph_profile(g, e, 8, &n, &kernels, &elapsed));
    cr_assert_eq(n, 3, "matmul, relu, sum");
    cr_assert_eq(e[0].calls + e[1].calls + e[2].calls, 3 * 2 * 3);
    cr_assert(kernels > 0 && kernels <= elapsed, "kernels %g, elapsed %g", kernels, elapsed);
    for (int i = 1; i < n; i++) cr_assert_geq(e[i - 1].seconds, e[i].seconds, "sorted by time");
    pr_tensor_free(X);
    pr_graph_free(g);
}

Test(graph, bound_inputs_are_read_in_place) {
    pr_graph *g;
    assert_ok(pr_graph_new(&g, PR_F64));
    pr_node x = pr_g_input(g, "x", PR_SHAPE(-1));
    pr_node s = pr_g_sum(g, pr_g_mul(g, x, x), PR_AXIS_ALL, 0);
    pr_tensor *v = T64(PR_SHAPE(3), 1, 2, 3), *w = T64(PR_SHAPE(2), 4, 5);
    assert_ok(pr_graph_bind_input(g, x, v));
    assert_ok(pr_graph_forward(g, s));
    double out;
    assert_ok(pr_graph_scalar(g, s, &out));
    assert_near(out, 14, 0);
    pr_tensor_set(v, 0, 10); /* no copy: the next run sees the change */
    assert_ok(pr_graph_forward(g, s));
    assert_ok(pr_graph_scalar(g, s, &out));
    assert_near(out, 113, 0);
    assert_ok(pr_graph_set_input(g, x, w)); /* a copy again, of another shape */
    pr_tensor_set(w, 0, 0);
    assert_ok(pr_graph_forward(g, s));
    assert_ok(pr_graph_scalar(g, s, &out));
    assert_near(out, 41, 0);
    pr_tensor *bad;
    assert_ok(pr_tensor_ones(&bad, PR_F32, PR_SHAPE(2)));
    assert_fails(pr_graph_bind_input(g, x, bad), PR_ERR_DTYPE, "bind_input");
    pr_tensor_free(bad);
    pr_tensor_free(v);
    pr_tensor_free(w);
    pr_graph_free(g);
}

/* A node whose shapes no longer fit (a loss whose target has the last batch's size)
 * does not stop runs that do not need it; a run that needs it says why. */
Test(graph, stale_shapes_block_only_the_nodes_that_need_them) {
    pr_graph *g;
    assert_ok(pr_graph_new(&g, PR_F64));
    pr_node x = pr_g_input(g, "x", PR_SHAPE(-1)), t = pr_g_input(g, "t", PR_SHAPE(-1));
    pr_node out = pr_g_scale(g, x, 2), loss = pr_g_sum(g, pr_g_sub(g, out, t), PR_AXIS_ALL, 0);
    pr_tensor *a = T64(PR_SHAPE(3), 1, 2, 3), *b = T64(PR_SHAPE(2), 1, 2);
    assert_ok(pr_graph_set_input(g, x, a));
    assert_ok(pr_graph_set_input(g, t, b));
    assert_ok(pr_graph_forward(g, out));
    pr_tensor v;
    assert_ok(pr_graph_value(g, out, &v));
    assert_values_close(&v, (double[]){2, 4, 6}, 3, 0, 0, "out");
    assert_fails(pr_graph_forward(g, loss), PR_ERR_SHAPE, "(3,) and (2,)");
    pr_tensor_free(a);
    pr_tensor_free(b);
    pr_graph_free(g);
}
