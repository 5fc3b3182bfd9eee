/* Chapter 5 (gradient descent and optimisation): the worked numbers, the two
 * momentum forms, Adam's bias correction, and Listing 5.2's trajectories against
 * the listing's own NumPy code. */
#include "test_util.h"

/* d/dw of (w - c)² is 2(w - c): `steps` optimiser steps from w0, w after each. */
static void parabola_steps(const pr_optimizer_config *c, double center, double w0, int steps, double *w) {
    pr_optimizer *opt;
    assert_ok(pr_optimizer_new(&opt, c, 1, PR_F64));
    pr_tensor *p = T64(PR_SHAPE(1), w0), *g = T64(PR_SHAPE(1), 0);
    for (int t = 0; t < steps; t++) {
        pr_tensor_set(g, 0, 2 * (pr_tensor_get(p, 0) - center));
        assert_ok(pr_optimizer_step(opt, p, g, PR_UNSET));
        w[t] = pr_tensor_get(p, 0);
    }
    pr_tensor_free(p);
    pr_tensor_free(g);
    pr_optimizer_free(opt);
}

Test(ch05, example_5_1_three_gd_steps) {
    double w[3];
    pr_optimizer_config oc1 = pr_optimizer_defaults(PR_OPT_SGD);
    oc1.lr = 0.1;
    parabola_steps(&oc1, 3, 0, 3, w);
    assert_near(w[0], 0.6, 1e-15);
    assert_near(w[1], 1.08, 1e-15);
    assert_near(w[2], 1.464, 1e-15);
}

Test(ch05, q5_7_gd_on_w2_plus_4) {
    double w[3];
    pr_optimizer_config oc2 = pr_optimizer_defaults(PR_OPT_SGD);
    oc2.lr = 0.3;
    parabola_steps(&oc2, 0, 10, 3, w);
    const double want[3] = {4, 1.6, 0.64}, loss[3] = {20, 6.56, 4.4096};
    for (int t = 0; t < 3; t++) {
        assert_near(w[t], want[t], 1e-14);
        assert_near(w[t] * w[t] + 4, loss[t], 1e-13);
    }
    assert_near(w[2] * w[2] + 4, 4.41, 5e-3); /* the book rounds J(w3) = 4.4096 to 4.41 */
}

Test(ch05, q5_8_stability_limit_is_eta_1) {
    double w[40];
    /* (1 - 2η)^t: below 1 it shrinks, at 1 it flips sign forever, above it grows */
    pr_optimizer_config oc3 = pr_optimizer_defaults(PR_OPT_SGD);
    oc3.lr = 0.99;
    parabola_steps(&oc3, 0, 1, 40, w);
    cr_assert_lt(fabs(w[39]), 1);
    pr_optimizer_config oc4 = pr_optimizer_defaults(PR_OPT_SGD);
    oc4.lr = 1.0;
    parabola_steps(&oc4, 0, 1, 40, w);
    assert_near(w[38], -1, 0); /* after 39 steps */
    assert_near(w[39], 1, 0);
    pr_optimizer_config oc5 = pr_optimizer_defaults(PR_OPT_SGD);
    oc5.lr = 1.01;
    parabola_steps(&oc5, 0, 1, 40, w);
    cr_assert_gt(fabs(w[39]), 1);
    pr_optimizer_config oc6 = pr_optimizer_defaults(PR_OPT_SGD);
    oc6.lr = 0.5;
    parabola_steps(&oc6, 0, 1, 1, w);
    assert_near(w[0], 0, 0); /* η* = 0.5 reaches the minimum in one step */
    /* the bound from the Hessian: GD is stable for η < 2 / λmax = 1 */
    pr_quadratic_analysis qa;
    pr_tensor *H = T64(PR_SHAPE(1, 1), 2);
    assert_ok(pr_calc_quadratic_analysis(H, &qa));
    assert_near(qa.max_step, 1, 1e-15);
    assert_near(qa.optimal_step, 0.5, 1e-15);
    pr_tensor_free(H);
}

/* Q5.9's moments with and without bias correction. */
Test(ch05, q5_9_adam_moments_with_and_without_bias_correction) {
    pr_optimizer_config c = pr_optimizer_defaults(PR_OPT_ADAM);
    c.lr = 0.01;
    pr_optimizer *adam, *raw;
    assert_ok(pr_optimizer_new(&adam, &c, 1, PR_F64));
    c.no_bias_correction = 1;
    assert_ok(pr_optimizer_new(&raw, &c, 1, PR_F64));
    pr_tensor *w = T64(PR_SHAPE(1), 0), *w_raw = T64(PR_SHAPE(1), 0), *g = T64(PR_SHAPE(1), 3);
    double m, v, m_hat, v_hat;
    assert_fails(pr_optimizer_adam_moments(adam, &m, &v, &m_hat, &v_hat), PR_ERR_INVALID, "no step taken yet");
    assert_ok(pr_optimizer_step(adam, w, g, PR_UNSET));
    assert_ok(pr_optimizer_step(raw, w_raw, g, PR_UNSET));
    assert_ok(pr_optimizer_adam_moments(adam, &m, &v, &m_hat, &v_hat));
    assert_near(m, 0.3, 1e-15);  /* m1 = 0.1 · 3 */
    assert_near(v, 0.009, 1e-16); /* v1 = 0.001 · 9 */
    assert_near(m_hat, 3, 1e-14);
    assert_near(v_hat, 9, 1e-12);
    assert_near(pr_tensor_get(w, 0), -0.01, 1e-10);
    /* without correction: 0.01 · 0.3 / (sqrt(0.009) + 1e-8) = 0.0316 */
    assert_near(pr_tensor_get(w_raw, 0), -0.01 * 0.3 / (sqrt(0.009) + 1e-8), 1e-15);
    pr_optimizer *sgd;
    pr_optimizer_config sc = pr_optimizer_defaults(PR_OPT_SGD);
    assert_ok(pr_optimizer_new(&sgd, &sc, 1, PR_F64));
    assert_fails(pr_optimizer_adam_moments(sgd, &m, NULL, NULL, NULL), PR_ERR_INVALID, "keeps no Adam moments");
    pr_optimizer_free(sgd);
    pr_optimizer_free(adam);
    pr_optimizer_free(raw);
    pr_tensor_free(w);
    pr_tensor_free(w_raw);
    pr_tensor_free(g);
}

Test(ch05, q5_9_first_adam_step_is_0_01) {
    double w[1];
    pr_optimizer_config oc7 = pr_optimizer_defaults(PR_OPT_ADAM);
    oc7.lr = 0.01;
    parabola_steps(&oc7, 1.5, 0, 1, w); /* g1 = 2(0 - 1.5) = -3 */
    /* ε outside the root (ERRATA): 0.01 · 3 / (3 + 1e-8) */
    assert_near(w[0], 0.01 * 3 / (3 + 1e-8), 1e-17);
    assert_near(w[0], 0.01, 1e-10);
}

Test(ch05, momentum_forms_of_5_4_and_q5_2) {
    /* constant gradient g = 1: v_t = Σ β^k (section 5.4) or 1 - β^t (Q5.2's EMA) */
    pr_optimizer *book, *ema;
    pr_optimizer_config oc8 = pr_optimizer_defaults(PR_OPT_MOMENTUM);
    oc8.lr = 1;
    oc8.momentum = 0.9;
    assert_ok(pr_optimizer_new(&book, &oc8, 1, PR_F64));
    pr_optimizer_config oc9 = pr_optimizer_defaults(PR_OPT_MOMENTUM);
    oc9.lr = 1;
    oc9.momentum = 0.9;
    oc9.momentum_ema = 1;
    assert_ok(pr_optimizer_new(&ema, &oc9, 1, PR_F64));
    pr_tensor *p1 = T64(PR_SHAPE(1), 0), *p2 = T64(PR_SHAPE(1), 0), *g = T64(PR_SHAPE(1), 1);
    double sum1 = 0, sum2 = 0;
    for (int t = 1; t <= 5; t++) {
        assert_ok(pr_optimizer_step(book, p1, g, PR_UNSET));
        assert_ok(pr_optimizer_step(ema, p2, g, PR_UNSET));
        sum1 += (1 - pow(0.9, t)) / (1 - 0.9);
        sum2 += 1 - pow(0.9, t);
        assert_near(pr_tensor_get(p1, 0), -sum1, 1e-13);
        assert_near(pr_tensor_get(p2, 0), -sum2, 1e-13);
    }
    pr_tensor_free(p1);
    pr_tensor_free(p2);
    pr_tensor_free(g);
    pr_optimizer_free(book);
    pr_optimizer_free(ema);
}

/* Listing 5.2 run in NumPy by the listing's own code (values below), against primer's
 * optimisers with the gradient from the autodiff engine. */
static void rosenbrock_run(const pr_optimizer_config *c, double *end) {
    pr_graph *g;
    assert_ok(pr_graph_new(&g, PR_F64));
    pr_node w = pr_g_param(g, "w", PR_SHAPE(2));
    pr_node x = pr_g_slice(g, w, 0, 0, 1), y = pr_g_slice(g, w, 0, 1, 2);
    pr_node a = pr_g_add_scalar(g, pr_g_neg(g, x), 1), b = pr_g_sub(g, y, pr_g_mul(g, x, x));
    pr_node f = pr_g_sum(g, pr_g_add(g, pr_g_mul(g, a, a), pr_g_scale(g, pr_g_mul(g, b, b), 5)), PR_AXIS_ALL, 0);
    pr_tensor P, G;
    assert_ok(pr_graph_param_buffers(g, &P, &G));
    pr_tensor_set(&P, 0, -1);
    pr_tensor_set(&P, 1, 1.5);
    pr_optimizer *opt;
    assert_ok(pr_optimizer_new(&opt, c, 2, PR_F64));
    for (int t = 0; t < 300; t++) {
        assert_ok(pr_graph_forward(g, f));
        assert_ok(pr_graph_zero_grad(g));
        assert_ok(pr_graph_backward(g, f));
        assert_ok(pr_optimizer_step(opt, &P, &G, PR_UNSET));
    }
    end[0] = pr_tensor_get(&P, 0);
    end[1] = pr_tensor_get(&P, 1);
    pr_optimizer_free(opt);
    pr_graph_free(g);
}

Test(ch05, listing_5_2_trajectories_match_numpy) {
    double end[2];
    /* run_sgd(), run_momentum(), run_adam() of the listing, NumPy 1.24 (float64) */
    pr_optimizer_config oc10 = pr_optimizer_defaults(PR_OPT_SGD);
    oc10.lr = 0.002;
    rosenbrock_run(&oc10, end);
    assert_near(end[0], -0.56382464452832, 1e-11);
    assert_near(end[1], 0.47554126578487, 1e-11);
    pr_optimizer_config oc11 = pr_optimizer_defaults(PR_OPT_MOMENTUM);
    oc11.lr = 0.002;
    oc11.momentum = 0.9;
    rosenbrock_run(&oc11, end);
    assert_near(end[0], 0.96362539648516, 1e-11);
    assert_near(end[1], 0.92557190421245, 1e-11);
    pr_optimizer_config oc12 = pr_optimizer_defaults(PR_OPT_ADAM);
    oc12.lr = 0.05;
    rosenbrock_run(&oc12, end);
    assert_near(end[0], 0.99986604897632, 1e-10);
    assert_near(end[1], 0.99972196487648, 1e-10);
}

/* Listing 5.1 run as `primer example listing-5.1` prints: its sgd() on Example 4.2's
 * points after np.random.seed(42), as NumPy ran it, and the book's line at convergence. */
Test(ch05, listing_5_1_on_the_books_points_matches_numpy) {
    const char *out;
    cr_assert_eq(test_run_primer("example listing-5.1", &out), 0, "%s", out);
    const char *runs[] = {"defaults", "converged", "batch2"};
    const char *at = out;
    for (int r = 0; r < 3; r++) {
        char name[64];
        snprintf(name, sizeof name, "book/listing_5_1_w_%s.npy", runs[r]);
        pr_tensor *want = load_fixture(name);
        at = strstr(at, "w = [");
        cr_assert_not_null(at, "%s", out);
        char *end;
        double w0 = strtod(at + 5, &end), w1 = strtod(end, NULL);
        assert_near(w0, pr_tensor_f64(want)[0], 1e-9);
        assert_near(w1, pr_tensor_f64(want)[1], 1e-9);
        at++;
        pr_tensor_free(want);
    }
    assert_contains(out, "(run to convergence): w = [2.2000000000 0.6000000000]: y = 0.6x + 2.2");
}
