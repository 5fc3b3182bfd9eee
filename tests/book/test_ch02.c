/* Every worked number of chapter 2 (multivariable calculus), computed by the autodiff
 * engine and the calculus utilities, against the book's values. */
#include <string.h>

#include "test_util.h"

/* A scalar function of a 1-D input x with n values: build(g, x) returns f(x). */
typedef pr_node (*builder)(pr_graph *g, pr_node x);

typedef struct fn {
    pr_graph *g;
    pr_node x, y;
} fn;

static fn make(int64_t n, builder build) {
    fn f;
    assert_ok(pr_graph_new(&f.g, PR_F64));
    f.x = pr_g_input(f.g, "x", PR_SHAPE(n));
    f.y = build(f.g, f.x);
    cr_assert_eq(pr_graph_status(f.g), PR_OK, "%s", pr_graph_error(f.g));
    return f;
}

static pr_node component(pr_graph *g, pr_node x, int64_t i) {
    return pr_g_reshape(g, pr_g_slice(g, x, 0, i, i + 1), 0, NULL);
}

/* ---- Example 2.1: f = 3x²y + 2y³ - 5x ---- */
static pr_node f_2_1(pr_graph *g, pr_node v) {
    pr_node x = component(g, v, 0), y = component(g, v, 1);
    pr_node t1 = pr_g_scale(g, pr_g_mul(g, pr_g_mul(g, x, x), y), 3);
    pr_node t2 = pr_g_scale(g, pr_g_pow(g, y, 3), 2);
    return pr_g_sub(g, pr_g_add(g, t1, t2), pr_g_scale(g, x, 5));
}

Test(ch02, example_2_1_partial_derivatives) {
    fn f = make(2, f_2_1);
    const double pts[][2] = {{1, 2}, {-1.5, 0.5}, {3, -2}};
    for (int k = 0; k < 3; k++) {
        double x = pts[k][0], y = pts[k][1];
        pr_tensor *at = T64(PR_SHAPE(2), x, y), *grad;
        assert_ok(pr_calc_gradient(f.g, f.y, f.x, at, &grad));
        assert_near(pr_tensor_get(grad, 0), 6 * x * y - 5, 1e-12);       /* ∂f/∂x = 6xy - 5 */
        assert_near(pr_tensor_get(grad, 1), 3 * x * x + 6 * y * y, 1e-12); /* ∂f/∂y = 3x² + 6y² */
        pr_tensor_free(at);
        pr_tensor_free(grad);
    }
    pr_graph_free(f.g);
}

/* ---- Examples 2.2 and 2.3: L = ½(wx + b - y)², one GD step ---- */
Test(ch02, examples_2_2_and_2_3_one_gradient_step) {
    pr_graph *g;
    assert_ok(pr_graph_new(&g, PR_F64));
    pr_node w = pr_g_param(g, "w", 0, NULL), b = pr_g_param(g, "b", 0, NULL);
    pr_node x = pr_g_scalar(g, 2), y = pr_g_scalar(g, 3);
    pr_node pred = pr_g_add(g, pr_g_mul(g, w, x), b);
    pr_node loss = pr_g_scale(g, pr_g_pow(g, pr_g_sub(g, pred, y), 2), 0.5);
    pr_tensor pv;
    assert_ok(pr_graph_param_buffers(g, &pv, NULL));
    pr_tensor_set(&pv, 0, 0.5); /* w */
    pr_tensor_set(&pv, 1, 0.1); /* b */
    assert_ok(pr_graph_forward(g, pred));
    double yhat;
    assert_ok(pr_graph_scalar(g, pred, &yhat));
    assert_near(yhat, 1.1, 1e-15);
    assert_ok(pr_graph_forward(g, loss));
    assert_ok(pr_graph_backward(g, loss));
    pr_tensor gv;
    assert_ok(pr_graph_param_buffers(g, &pv, &gv));
    assert_values_close(&gv, (double[]){-3.8, -1.9}, 2, 1e-15, 0, "∇L = e (x, 1) = (-3.8, -1.9)");
    for (int i = 0; i < 2; i++) pr_tensor_set(&pv, i, pr_tensor_get(&pv, i) - 0.1 * pr_tensor_get(&gv, i));
    assert_values_close(&pv, (double[]){0.88, 0.29}, 2, 1e-15, 0, "w, b after one step with η = 0.1");
    assert_ok(pr_graph_forward(g, pred));
    assert_ok(pr_graph_scalar(g, pred, &yhat));
    assert_near(yhat, 2.05, 1e-14); /* closer to 3 */
    pr_graph_free(g);
}

/* ---- Example 2.4: z = wx + b, a = ReLU(z), L = (a - y)² ---- */
Test(ch02, example_2_4_chain_rule_through_relu) {
    const double cases[][4] = {{0.7, 0.2, 1.5, 2.0}, {-0.7, 0.2, 1.5, 2.0}}; /* w, b, x, y */
    for (int k = 0; k < 2; k++) {
        pr_graph *g;
        assert_ok(pr_graph_new(&g, PR_F64));
        pr_node w = pr_g_param(g, "w", 0, NULL), b = pr_g_param(g, "b", 0, NULL);
        pr_node z = pr_g_add(g, pr_g_scale(g, w, cases[k][2]), b);
        pr_node loss = pr_g_pow(g, pr_g_add_scalar(g, pr_g_relu(g, z), -cases[k][3]), 2);
        pr_tensor pv, gv;
        assert_ok(pr_graph_param_buffers(g, &pv, &gv));
        pr_tensor_set(&pv, 0, cases[k][0]);
        pr_tensor_set(&pv, 1, cases[k][1]);
        assert_ok(pr_graph_forward(g, loss));
        assert_ok(pr_graph_backward(g, loss));
        double zv = cases[k][0] * cases[k][2] + cases[k][1], a = zv > 0 ? zv : 0;
        /* dL/dw = 2(a - y) 1[z > 0] x: zero when the ReLU is off ("dying ReLU") */
        assert_near(pr_tensor_get(&gv, 0), 2 * (a - cases[k][3]) * (zv > 0) * cases[k][2], 1e-14);
        pr_graph_free(g);
    }
}

/* ---- 2.6: matrix-calculus identities ---- */
Test(ch02, section_2_6_matrix_calculus_identities) {
    pr_rng rng;
    pr_rng_seed(&rng, 26);
    pr_tensor *a, *A, *x0, *bv;
    assert_ok(pr_tensor_normal(&a, PR_F64, PR_SHAPE(4), 0, 1, &rng));
    assert_ok(pr_tensor_normal(&A, PR_F64, PR_SHAPE(4, 4), 0, 1, &rng));
    assert_ok(pr_tensor_normal(&x0, PR_F64, PR_SHAPE(4), 0, 1, &rng));
    assert_ok(pr_tensor_normal(&bv, PR_F64, PR_SHAPE(4), 0, 1, &rng));
    pr_graph *g;
    assert_ok(pr_graph_new(&g, PR_F64));
    pr_node x = pr_g_input(g, "x", PR_SHAPE(4));
    pr_node xc = pr_g_reshape(g, x, PR_SHAPE(4, 1));
    pr_node ca = pr_g_const(g, "a", a), cA = pr_g_const(g, "A", A), cb = pr_g_const(g, "b", bv);
    pr_node f1 = pr_g_sum(g, pr_g_mul(g, ca, x), PR_AXIS_ALL, 0);                           /* aᵀx */
    pr_node f2 = pr_g_sum(g, pr_g_mul(g, xc, pr_g_matmul(g, cA, xc)), PR_AXIS_ALL, 0);       /* xᵀAx */
    pr_node f3 = pr_g_sum(g, pr_g_mul(g, x, x), PR_AXIS_ALL, 0);                            /* ‖x‖² */
    pr_node r = pr_g_sub(g, pr_g_reshape(g, pr_g_matmul(g, cA, xc), PR_SHAPE(4)), cb);
    pr_node f4 = pr_g_sum(g, pr_g_mul(g, r, r), PR_AXIS_ALL, 0);                            /* ‖Ax - b‖² */
    cr_assert_eq(pr_graph_status(g), PR_OK, "%s", pr_graph_error(g));
    pr_tensor *g1, *g2, *g3, *g4, *At, *AAt, *expect2, *Ax, *res, *expect4;
    assert_ok(pr_calc_gradient(g, f1, x, x0, &g1));
    assert_ok(pr_calc_gradient(g, f2, x, x0, &g2));
    assert_ok(pr_calc_gradient(g, f3, x, x0, &g3));
    assert_ok(pr_calc_gradient(g, f4, x, x0, &g4));
    assert_tensor_close(g1, a, 1e-14, 1e-14, "∇ aᵀx = a");
    assert_ok(pr_tensor_transpose(A, NULL, &At));
    assert_ok(pr_add(A, At, &AAt));
    assert_ok(pr_matmul(AAt, x0, &expect2));
    assert_tensor_close(g2, expect2, 1e-12, 1e-13, "∇ xᵀAx = (A + Aᵀ)x");
    for (int i = 0; i < 4; i++) assert_near(pr_tensor_get(g3, i), 2 * pr_tensor_get(x0, i), 1e-15); /* 2x */
    assert_ok(pr_matmul(A, x0, &Ax));
    assert_ok(pr_sub(Ax, bv, &res));
    assert_ok(pr_matmul(At, res, &expect4));
    for (int i = 0; i < 4; i++) assert_near(pr_tensor_get(g4, i), 2 * pr_tensor_get(expect4, i), 1e-12);
    pr_tensor *all[] = {a, A, x0, bv, g1, g2, g3, g4, At, AAt, expect2, Ax, res, expect4};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) pr_tensor_free(all[i]);
    pr_graph_free(g);
}

/* ---- Example 2.5: the gradient of ½‖Xw - y‖² vanishes at the normal-equation solution ---- */
Test(ch02, example_2_5_normal_equation) {
    pr_tensor *X = T64(PR_SHAPE(4, 2), 1, 1, 1, 2, 1, 3, 1, 4), *y = T64(PR_SHAPE(4), 2.9, 5.1, 7.2, 8.8);
    pr_tensor *wstar;
    assert_ok(pr_lstsq(X, y, -1, &wstar, NULL));
    pr_graph *g;
    assert_ok(pr_graph_new(&g, PR_F64));
    pr_node w = pr_g_input(g, "w", PR_SHAPE(2));
    pr_node r = pr_g_sub(g, pr_g_reshape(g, pr_g_matmul(g, pr_g_const(g, "X", X), pr_g_reshape(g, w, PR_SHAPE(2, 1))),
                                         PR_SHAPE(4)),
                         pr_g_const(g, "y", y));
    pr_node loss = pr_g_scale(g, pr_g_sum(g, pr_g_mul(g, r, r), PR_AXIS_ALL, 0), 0.5);
    pr_tensor *grad, *grad0, *zero = T64(PR_SHAPE(2), 0, 0);
    assert_ok(pr_calc_gradient(g, loss, w, wstar, &grad));
    for (int i = 0; i < 2; i++) assert_near(pr_tensor_get(grad, i), 0, 1e-12);
    /* at w = 0 the gradient is XᵀXw - Xᵀy = -Xᵀy */
    assert_ok(pr_calc_gradient(g, loss, w, zero, &grad0));
    assert_values_close(grad0, (double[]){-24.0, -(2.9 + 10.2 + 21.6 + 35.2)}, 2, 1e-14, 0, "-Xᵀy");
    pr_tensor *all[] = {X, y, wstar, grad, grad0, zero};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) pr_tensor_free(all[i]);
    pr_graph_free(g);
}

/* ---- Problem 2.1: f = x² + 4y² + xy ---- */
static pr_node f_p2_1(pr_graph *g, pr_node v) {
    pr_node x = component(g, v, 0), y = component(g, v, 1);
    return pr_g_add(g, pr_g_add(g, pr_g_mul(g, x, x), pr_g_scale(g, pr_g_mul(g, y, y), 4)), pr_g_mul(g, x, y));
}

Test(ch02, problem_2_1_gradient_hessian_minimum) {
    fn f = make(2, f_p2_1);
    pr_tensor *at = T64(PR_SHAPE(2), 1.5, -0.5), *grad, *H, *origin = T64(PR_SHAPE(2), 0, 0), *g0;
    assert_ok(pr_calc_gradient(f.g, f.y, f.x, at, &grad));
    assert_values_close(grad, (double[]){2 * 1.5 - 0.5, 8 * -0.5 + 1.5}, 2, 1e-14, 0, "(2x + y, 8y + x)");
    assert_ok(pr_calc_gradient(f.g, f.y, f.x, origin, &g0));
    assert_values_close(g0, (double[]){0, 0}, 2, 0, 0, "critical point at the origin");
    assert_ok(pr_calc_hessian(f.g, f.y, f.x, origin, &H));
    assert_values_close(H, (double[]){2, 1, 1, 8}, 4, 1e-8, 1e-8, "H = [[2, 1], [1, 8]]");
    pr_tensor *w;
    assert_ok(pr_eigh(H, PR_DESCENDING, &w, NULL));
    assert_values_close(w, (double[]){5 + sqrt(10), 5 - sqrt(10)}, 2, 1e-8, 0, "λ = 5 ± √10");
    pr_critical_kind kind;
    assert_ok(pr_calc_classify_hessian(H, -1, &kind));
    cr_assert_eq(kind, PR_CRITICAL_MINIMUM);
    pr_quadratic_analysis q;
    assert_ok(pr_calc_quadratic_analysis(H, &q));
    assert_near(q.condition, (5 + sqrt(10)) / (5 - sqrt(10)), 1e-7);
    assert_near(q.condition, 4.4, 0.05); /* the book's κ ≈ 4.4 */
    pr_tensor *all[] = {at, grad, H, origin, g0, w};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) pr_tensor_free(all[i]);
    pr_graph_free(f.g);
}

/* ---- Problem 2.2: η* = 2/(λmax + λmin), rate (κ-1)/(κ+1) ---- */
Test(ch02, problem_2_2_optimal_step_and_rate) {
    pr_tensor *H = T64(PR_SHAPE(2, 2), 10, 0, 0, 1);
    pr_quadratic_analysis q;
    assert_ok(pr_calc_quadratic_analysis(H, &q));
    assert_near(q.optimal_step, 2.0 / 11, 1e-15);
    assert_near(q.rate, 9.0 / 11, 1e-15);
    assert_near(q.max_step, 0.2, 1e-15);
    /* GD on ½θᵀHθ at η*: both modes shrink by exactly the rate each step */
    double th[2] = {1, 1};
    for (int t = 0; t < 5; t++) {
        double n0 = hypot(th[0], th[1]);
        th[0] -= q.optimal_step * 10 * th[0];
        th[1] -= q.optimal_step * 1 * th[1];
        assert_near(hypot(th[0], th[1]) / n0, q.rate, 1e-12);
    }
    pr_tensor *indef = T64(PR_SHAPE(2, 2), 1, 0, 0, -1);
    assert_fails(pr_calc_quadratic_analysis(indef, &q), PR_ERR_NOT_PD, "not positive definite");
    pr_tensor_free(H);
    pr_tensor_free(indef);
}

/* ---- Q2.4: ∂/∂y (x²y + e^y) = x² + e^y ---- */
static pr_node f_q2_4(pr_graph *g, pr_node v) {
    pr_node x = component(g, v, 0), y = component(g, v, 1);
    return pr_g_add(g, pr_g_mul(g, pr_g_mul(g, x, x), y), pr_g_exp(g, y));
}

Test(ch02, q2_4_partial_derivative) {
    fn f = make(2, f_q2_4);
    pr_tensor *at = T64(PR_SHAPE(2), 1.3, 0.4), *grad;
    assert_ok(pr_calc_gradient(f.g, f.y, f.x, at, &grad));
    assert_near(pr_tensor_get(grad, 1), 1.3 * 1.3 + exp(0.4), 1e-14); /* (b) x² + e^y */
    pr_tensor_free(at);
    pr_tensor_free(grad);
    pr_graph_free(f.g);
}

Test(ch02, q2_5_and_q2_6_hessian_eigenvalues) {
    pr_tensor *H = T64(PR_SHAPE(3, 3), 3, 0, 0, 0, 0, 0, 0, 0, -2);
    pr_critical_kind kind;
    assert_ok(pr_calc_classify_hessian(H, -1, &kind));
    cr_assert_eq(kind, PR_CRITICAL_SADDLE, "(c) a saddle point: %s", pr_critical_kind_name(kind));
    pr_tensor *flat = T64(PR_SHAPE(2, 2), 1, 0, 0, 0);
    assert_ok(pr_calc_classify_hessian(flat, -1, &kind));
    cr_assert_eq(kind, PR_CRITICAL_DEGENERATE);
    /* Q2.6: κ = 1000 makes GD crawl: the best rate is 999/1001 per step */
    pr_tensor *elong = T64(PR_SHAPE(2, 2), 1000, 0, 0, 1);
    pr_quadratic_analysis q;
    assert_ok(pr_calc_quadratic_analysis(elong, &q));
    assert_near(q.condition, 1000, 1e-12);
    assert_near(q.rate, 999.0 / 1001, 1e-15);
    pr_tensor_free(H);
    pr_tensor_free(flat);
    pr_tensor_free(elong);
}

/* ---- Q2.7: f = 3x² + xy - y² + 5x ---- */
static pr_node f_q2_7(pr_graph *g, pr_node v) {
    pr_node x = component(g, v, 0), y = component(g, v, 1);
    pr_node t = pr_g_add(g, pr_g_scale(g, pr_g_mul(g, x, x), 3), pr_g_mul(g, x, y));
    return pr_g_add(g, pr_g_sub(g, t, pr_g_mul(g, y, y)), pr_g_scale(g, x, 5));
}

Test(ch02, q2_7_saddle_point) {
    fn f = make(2, f_q2_7);
    pr_tensor *at = T64(PR_SHAPE(2), -10.0 / 13, -5.0 / 13), *grad, *H, *w;
    assert_ok(pr_calc_gradient(f.g, f.y, f.x, at, &grad));
    assert_values_close(grad, (double[]){0, 0}, 2, 0, 1e-14, "∇f = 0 at (-10/13, -5/13)");
    assert_ok(pr_calc_hessian(f.g, f.y, f.x, at, &H));
    assert_values_close(H, (double[]){6, 1, 1, -2}, 4, 1e-8, 1e-8, "H = [[6, 1], [1, -2]]");
    assert_ok(pr_eigh(H, PR_DESCENDING, &w, NULL));
    assert_values_close(w, (double[]){2 + sqrt(17), 2 - sqrt(17)}, 2, 1e-8, 0, "λ = 2 ± √17");
    pr_critical_kind kind;
    assert_ok(pr_calc_classify_hessian(H, -1, &kind));
    cr_assert_eq(kind, PR_CRITICAL_SADDLE);
    pr_tensor *all[] = {at, grad, H, w};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) pr_tensor_free(all[i]);
    pr_graph_free(f.g);
}

/* ---- Q2.8: one GD step on ½(2w + b - 5)² from (0, 0), η = 0.1 ---- */
Test(ch02, q2_8_one_step) {
    pr_graph *g;
    assert_ok(pr_graph_new(&g, PR_F64));
    pr_node w = pr_g_param(g, "w", 0, NULL), b = pr_g_param(g, "b", 0, NULL);
    pr_node loss = pr_g_scale(g, pr_g_pow(g, pr_g_add_scalar(g, pr_g_add(g, pr_g_scale(g, w, 2), b), -5), 2), 0.5);
    double l;
    assert_ok(pr_graph_forward(g, loss));
    assert_ok(pr_graph_scalar(g, loss, &l));
    assert_near(l, 12.5, 0);
    assert_ok(pr_graph_backward(g, loss));
    pr_tensor pv, gv;
    assert_ok(pr_graph_param_buffers(g, &pv, &gv));
    assert_values_close(&gv, (double[]){-10, -5}, 2, 0, 0, "(∂L/∂w, ∂L/∂b)");
    for (int i = 0; i < 2; i++) pr_tensor_set(&pv, i, -0.1 * pr_tensor_get(&gv, i));
    assert_values_close(&pv, (double[]){1.0, 0.5}, 2, 0, 1e-15, "(w1, b1)");
    assert_ok(pr_graph_forward(g, loss));
    assert_ok(pr_graph_scalar(g, loss, &l));
    assert_near(l, 3.125, 1e-14);
    pr_graph_free(g);
}

/* ---- 2.5, 2.7, Q2.1: Jacobian, directional derivative, Taylor ---- */
static pr_node f_vec(pr_graph *g, pr_node v) {
    /* f(x, y) = (x²y, 5x + y³, xy) */
    pr_node x = component(g, v, 0), y = component(g, v, 1);
    pr_node parts[3] = {pr_g_mul(g, pr_g_mul(g, x, x), y), pr_g_add(g, pr_g_scale(g, x, 5), pr_g_pow(g, y, 3)),
                        pr_g_mul(g, x, y)};
    for (int i = 0; i < 3; i++) parts[i] = pr_g_reshape(g, parts[i], PR_SHAPE(1));
    return pr_g_concat(g, parts, 3, 0);
}

Test(ch02, jacobian_directional_derivative_and_taylor) {
    fn f = make(2, f_vec);
    double x = 1.5, y = -2;
    pr_tensor *at = T64(PR_SHAPE(2), x, y), *J;
    assert_ok(pr_calc_jacobian(f.g, f.y, f.x, at, &J));
    cr_assert_eq(J->shape[0], 3);
    cr_assert_eq(J->shape[1], 2);
    assert_values_close(J, (double[]){2 * x * y, x * x, 5, 3 * y * y, y, x}, 6, 1e-14, 0, "J_ij = ∂f_i/∂x_j");
    /* directional derivative and Taylor on the scalar x² + 4y² + xy */
    fn q = make(2, f_p2_1);
    pr_tensor *u = T64(PR_SHAPE(2), 3, 4), *p = T64(PR_SHAPE(2), 2, 0);
    double dd, t2;
    assert_ok(pr_calc_directional_derivative(q.g, q.y, q.x, at, u, &dd));
    double gx = 2 * x + y, gy = 8 * y + x;
    assert_near(dd, (gx * 3 + gy * 4) / 5, 1e-12); /* ∇f · u/‖u‖ */
    /* a quadratic equals its second-order Taylor expansion exactly */
    assert_ok(pr_calc_taylor2(q.g, q.y, q.x, at, p, &t2));
    assert_near(t2, 4.0, 1e-7);
    pr_tensor *zero = T64(PR_SHAPE(2), 0, 0);
    assert_fails(pr_calc_directional_derivative(q.g, q.y, q.x, at, zero, &dd), PR_ERR_INVALID, "zero vector");
    pr_tensor *all[] = {at, J, u, p, zero};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) pr_tensor_free(all[i]);
    pr_graph_free(f.g);
    pr_graph_free(q.g);
}

/* the Hessian agrees with an analytic one to 1e-6 on a non-polynomial function */
static pr_node f_smooth(pr_graph *g, pr_node v) {
    pr_node x = component(g, v, 0), y = component(g, v, 1);
    return pr_g_add(g, pr_g_mul(g, pr_g_exp(g, x), pr_g_tanh(g, y)), pr_g_log(g, pr_g_add_scalar(g, pr_g_mul(g, x, x), 1)));
}

Test(ch02, hessian_matches_analytic_values) {
    fn f = make(2, f_smooth);
    double x = 0.3, y = -0.7;
    pr_tensor *at = T64(PR_SHAPE(2), x, y), *H;
    assert_ok(pr_calc_hessian(f.g, f.y, f.x, at, &H));
    double t = tanh(y), s2 = 1 - t * t;
    double hxx = exp(x) * t + (2 * (1 + x * x) - 4 * x * x) / ((1 + x * x) * (1 + x * x));
    double hxy = exp(x) * s2, hyy = exp(x) * (-2 * t * s2);
    assert_values_close(H, (double[]){hxx, hxy, hxy, hyy}, 4, 1e-6, 1e-6, "analytic Hessian");
    pr_tensor_free(at);
    pr_tensor_free(H);
    pr_graph_free(f.g);
}
