/* The engine under chapters 10-12: batched matmul against a loop of 2-D products,
 * op flags instead of special cases by name, ops of any arity, per-position
 * cross-entropy against a closed form, and the one stable softmax. */
#include <math.h>
#include <string.h>

#include "autograd/graph_internal.h"
#include "test_util.h"

/* Matrix t of a batched operand (the last two axes) for output batch index b, with
 * broadcasting over the batch axes of `out`: a new 2-D tensor, transposed if asked. */
static pr_tensor *matrix_at(const pr_tensor *t, const int64_t *out_shape, int out_bd, int64_t b, int transpose) {
    int tbd = t->ndim - 2;
    int64_t r = t->shape[t->ndim - 2], c = t->shape[t->ndim - 1], off = 0, step = r * c;
    int64_t idx[PR_MAX_DIMS];
    for (int d = out_bd - 1; d >= 0; d--) {
        idx[d] = b % out_shape[d];
        b /= out_shape[d];
    }
    for (int d = out_bd - 1; d >= 0; d--) {
        int j = d - (out_bd - tbd);
        if (j < 0) continue;
        off += (t->shape[j] == 1 ? 0 : idx[d]) * step;
        step *= t->shape[j];
    }
    pr_tensor *m, *mt;
    assert_ok(pr_tensor_from_array(&m, PR_F64, PR_SHAPE(r, c), pr_tensor_f64(t) + off));
    if (!transpose) return m;
    assert_ok(pr_tensor_transpose(m, NULL, &mt));
    pr_tensor_free(m);
    return mt;
}

typedef struct mm_case {
    int na, nb;
    int64_t a[4], b[4];
    int ta, tb;
} mm_case;

Test(engine, batched_matmul_equals_a_loop_of_reference_products) {
    const mm_case cases[] = {
        {2, 2, {3, 5}, {5, 4}, 0, 0},          {2, 2, {5, 3}, {5, 4}, 1, 0},
        {2, 2, {3, 5}, {4, 5}, 0, 1},          {2, 2, {5, 3}, {4, 5}, 1, 1},
        {3, 3, {2, 3, 5}, {2, 5, 4}, 0, 0},    {3, 2, {2, 3, 5}, {5, 4}, 0, 0},
        {3, 2, {2, 3, 5}, {4, 5}, 0, 1},       {2, 3, {3, 5}, {2, 5, 4}, 0, 0},
        {4, 4, {2, 3, 4, 6}, {2, 3, 4, 6}, 0, 1}, /* attention's Q Kᵀ over (B, H) */
        {4, 3, {2, 1, 3, 5}, {3, 5, 4}, 0, 0}, {3, 4, {2, 5, 3}, {3, 1, 4, 5}, 1, 1},
        {4, 2, {1, 2, 3, 5}, {3, 2}, 1, 0},
    };
    pr_rng rng;
    pr_rng_seed(&rng, 7);
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const mm_case *mc = &cases[c];
        pr_graph *g;
        assert_ok(pr_graph_new(&g, PR_F64));
        pr_node A = pr_g_param(g, "A", mc->na, mc->a), B = pr_g_param(g, "B", mc->nb, mc->b);
        pr_node C = pr_g_matmul_t(g, A, mc->ta, B, mc->tb);
        cr_assert_eq(pr_graph_status(g), PR_OK, "case %zu: %s", c, pr_graph_error(g));
        pr_tensor av, bv, cv;
        assert_ok(pr_graph_param_view(g, A, &av));
        assert_ok(pr_graph_param_view(g, B, &bv));
        assert_ok(pr_rng_fill_normal(&rng, &av, 0, 1));
        assert_ok(pr_rng_fill_normal(&rng, &bv, 0, 1));
        assert_ok(pr_graph_forward(g, C));
        assert_ok(pr_graph_value(g, C, &cv));
        int bd = cv.ndim - 2;
        int64_t batches = 1, m = cv.shape[bd], n = cv.shape[bd + 1];
        for (int d = 0; d < bd; d++) batches *= cv.shape[d];
        for (int64_t t = 0; t < batches; t++) {
            pr_tensor *a = matrix_at(&av, cv.shape, bd, t, mc->ta), *b = matrix_at(&bv, cv.shape, bd, t, mc->tb), *ref;
            assert_ok(pr_matmul_reference(a, b, &ref));
            cr_assert_eq(ref->shape[0], m);
            cr_assert_eq(ref->shape[1], n);
            for (int64_t i = 0; i < m * n; i++)
                cr_assert(fabs(pr_tensor_f64(&cv)[t * m * n + i] - pr_tensor_f64(ref)[i]) < 1e-12,
                          "case %zu, batch %lld, element %lld: %.17g vs %.17g", c, (long long)t, (long long)i,
                          pr_tensor_f64(&cv)[t * m * n + i], pr_tensor_f64(ref)[i]);
            pr_tensor_free(a);
            pr_tensor_free(b);
            pr_tensor_free(ref);
        }
        pr_graph_free(g);
    }
}

Test(engine, batched_matmul_refuses_shapes_that_do_not_fit) {
    pr_graph *g;
    assert_ok(pr_graph_new(&g, PR_F64));
    pr_node a = pr_g_param(g, "a", PR_SHAPE(2, 3, 5)), b = pr_g_param(g, "b", PR_SHAPE(3, 5, 4));
    pr_g_matmul(g, a, b);
    cr_assert_eq(pr_graph_status(g), PR_ERR_SHAPE);
    cr_assert(strstr(pr_graph_error(g), "batch axes"), "%s", pr_graph_error(g));
    pr_graph_free(g);
    assert_ok(pr_graph_new(&g, PR_F64));
    a = pr_g_param(g, "a", PR_SHAPE(3, 5));
    pr_g_matmul_t(g, a, 1, a, 0); /* (5, 3) @ (3, 5): fine */
    cr_assert_eq(pr_graph_status(g), PR_OK, "%s", pr_graph_error(g));
    pr_g_matmul_t(g, a, 0, a, 0); /* (3, 5) @ (3, 5): no */
    cr_assert_eq(pr_graph_status(g), PR_ERR_SHAPE);
    cr_assert(strstr(pr_graph_error(g), "inner dimensions"), "%s", pr_graph_error(g));
    pr_graph_free(g);
}

/* The planner reads what ops declare, not their names. */
Test(engine, op_flags_declare_aliasing_randomness_and_inputs_without_gradient) {
    for (int op = 0; op < PR__OP_COUNT; op++) {
        const pr__op_def *d = &pr__ops[op];
        cr_assert(d->name && *d->name && d->infer && d->scratch && d->forward[0] && d->backward[1]);
        cr_assert(d->min_in >= 1 && d->max_in >= d->min_in, "%s", d->name);
    }
    cr_assert(pr__ops[PR__OP_RESHAPE].flags & PR__OPF_ALIAS);
    cr_assert(pr__ops[PR__OP_DROPOUT].flags & PR__OPF_RANDOM);
    cr_assert(pr__ops[PR__OP_WHERE].nograd & PR__NOGRAD(0));
    cr_assert(pr__ops[PR__OP_EMBEDDING].nograd & PR__NOGRAD(1));
    cr_assert_eq(pr__ops[PR__OP_CONCAT].max_in, PR__ANY);
    /* where's condition computed from a parameter still gets no gradient through where */
    pr_graph *g;
    assert_ok(pr_graph_new(&g, PR_F64));
    pr_node p = pr_g_param(g, "p", PR_SHAPE(3)), a = pr_g_param(g, "a", PR_SHAPE(3));
    pr_tensor *v = T64(PR_SHAPE(3), 1, -2, 3);
    assert_ok(pr_graph_set_value(g, p, v));
    assert_ok(pr_graph_set_value(g, a, v));
    pr_node cond = pr_g_relu(g, p); /* nonzero where p > 0 */
    pr_node y = pr_g_sum(g, pr_g_where(g, cond, a, pr_g_scalar(g, 0)), PR_AXIS_ALL, 0);
    assert_ok(pr_graph_forward(g, y));
    assert_ok(pr_graph_zero_grad(g));
    assert_ok(pr_graph_backward(g, y));
    pr_tensor gp, ga, rv, pv;
    assert_ok(pr_graph_grad(g, p, &gp));
    assert_ok(pr_graph_grad(g, a, &ga));
    for (int i = 0; i < 3; i++) {
        assert_near(pr_tensor_get(&gp, i), 0, 0);
        assert_near(pr_tensor_get(&ga, i), i == 1 ? 0 : 1, 0);
    }
    /* an aliasing op shares its input's storage */
    pr_node r = pr_g_reshape(g, cond, PR_SHAPE(3, 1));
    assert_ok(pr_graph_forward(g, r));
    assert_ok(pr_graph_value(g, r, &rv));
    assert_ok(pr_graph_value(g, cond, &pv));
    cr_assert_eq(rv.data, pv.data);
    pr_tensor_free(v);
    pr_graph_free(g);
}

/* One concat of T time steps: arity is not bounded. */
Test(engine, concat_takes_any_number_of_inputs) {
    enum { T = 100 };
    pr_graph *g;
    assert_ok(pr_graph_new(&g, PR_F64));
    pr_node x = pr_g_param(g, "x", PR_SHAPE(2, 1)), parts[T];
    pr_tensor *v = T64(PR_SHAPE(2, 1), 1, 2);
    assert_ok(pr_graph_set_value(g, x, v));
    for (int t = 0; t < T; t++) parts[t] = pr_g_scale(g, x, t);
    pr_node y = pr_g_concat(g, parts, T, 1), s = pr_g_sum(g, y, PR_AXIS_ALL, 0);
    cr_assert_eq(pr_graph_status(g), PR_OK, "%s", pr_graph_error(g));
    pr_tensor yv, gx;
    assert_ok(pr_graph_forward(g, s));
    assert_ok(pr_graph_value(g, y, &yv));
    cr_assert_eq(yv.shape[1], T);
    assert_near(pr_tensor_get(&yv, T + 37), 2 * 37, 0);
    assert_ok(pr_graph_zero_grad(g));
    assert_ok(pr_graph_backward(g, s));
    assert_ok(pr_graph_grad(g, x, &gx));
    assert_near(pr_tensor_get(&gx, 0), T * (T - 1) / 2, 0); /* Σ t */
    pr_tensor_free(v);
    pr_g_concat(g, parts, 0, 1);
    cr_assert_eq(pr_graph_status(g), PR_ERR_INVALID);
    pr_graph_free(g);
}

/* -Σ log softmax(z)[label] over the positions that count, computed by hand. */
Test(engine, per_position_cross_entropy_matches_the_closed_form_and_ignores_padding) {
    const double z[2][3][3] = {{{1, 2, 0.5}, {0, 0, 0}, {3, -1, 2}}, {{-2, 1, 1}, {0.5, 0.25, 4}, {1, 1, 9}}};
    const double labels[6] = {1, -100, 0, 2, 2, -100};
    double total = 0;
    int counted = 0;
    for (int i = 0; i < 6; i++) {
        if (labels[i] < 0) continue;
        const double *row = z[i / 3][i % 3];
        double lse = log(exp(row[0]) + exp(row[1]) + exp(row[2]));
        total += lse - row[(int)labels[i]];
        counted++;
    }
    pr_graph *g;
    assert_ok(pr_graph_new(&g, PR_F64));
    pr_node x = pr_g_input(g, "z", PR_SHAPE(-1, 3, 3)), t = pr_g_input(g, "t", PR_SHAPE(-1, 3));
    pr_node mean = pr_g_cross_entropy(g, x, t, PR_REDUCTION_MEAN, -100);
    pr_node sum = pr_g_cross_entropy(g, x, t, PR_REDUCTION_SUM, -100);
    pr_node none = pr_g_cross_entropy(g, x, t, PR_REDUCTION_NONE, -100);
    cr_assert_eq(pr_graph_status(g), PR_OK, "%s", pr_graph_error(g));
    pr_tensor *zt = tensor_f64(PR_SHAPE(2, 3, 3), &z[0][0][0]), *tt = tensor_f64(PR_SHAPE(2, 3), labels);
    assert_ok(pr_graph_set_input(g, x, zt));
    assert_ok(pr_graph_set_input(g, t, tt));
    double vm, vs;
    pr_tensor vn;
    assert_ok(pr_graph_forward(g, mean));
    assert_ok(pr_graph_scalar(g, mean, &vm));
    assert_ok(pr_graph_forward(g, sum));
    assert_ok(pr_graph_scalar(g, sum, &vs));
    assert_ok(pr_graph_forward(g, none));
    assert_ok(pr_graph_value(g, none, &vn));
    assert_near(vm, total / counted, 1e-14);
    assert_near(vs, total, 1e-13);
    cr_assert_eq(vn.ndim, 2);
    assert_near(pr_tensor_get(&vn, 1), 0, 0);
    assert_near(pr_tensor_get(&vn, 0), log(exp(1) + exp(2) + exp(0.5)) - 2, 1e-14);
    /* a label that is neither a class nor the ignore index stops the run, by position */
    pr_tensor_set(tt, 4, 3);
    assert_ok(pr_graph_set_input(g, t, tt));
    assert_fails(pr_graph_forward(g, mean), PR_ERR_INVALID, "label 3 at position 4");
    pr_tensor_free(zt);
    pr_tensor_free(tt);
    pr_graph_free(g);
}

Test(engine, softmax_on_tensors_is_stable_and_a_masked_row_gives_zeros) {
    pr_tensor *a = T64(PR_SHAPE(3, 3), 1000, 1001, 1002, -INFINITY, -INFINITY, -INFINITY, 0, log(2.0), log(3.0)), *s, *l;
    assert_ok(pr_softmax(a, -1, &s));
    assert_ok(pr_log_softmax(a, 1, &l));
    double e = exp(1.0), z = 1 + e + e * e;
    assert_near(pr_tensor_get(s, 0), 1 / z, 1e-15);
    assert_near(pr_tensor_get(s, 2), e * e / z, 1e-15);
    for (int j = 3; j < 6; j++) {
        assert_near(pr_tensor_get(s, j), 0, 0);
        cr_assert(isinf(pr_tensor_get(l, j)) && pr_tensor_get(l, j) < 0);
    }
    assert_near(pr_tensor_get(s, 7), 2.0 / 6, 1e-15);
    assert_near(pr_tensor_get(l, 8), log(0.5), 1e-15);
    pr_tensor *col;
    assert_ok(pr_softmax(a, 0, &col)); /* down the columns: a column with 1000 and -inf */
    assert_near(pr_tensor_get(col, 0), 1, 1e-15);
    pr_tensor *r, *ints, *signed_values = T64(PR_SHAPE(2), -3, 4);
    assert_ok(pr_unary(PR_RELU, a, &r));
    assert_near(pr_tensor_get(r, 3), 0, 0);
    assert_near(pr_tensor_get(r, 1), 1001, 0);
    assert_ok(pr_tensor_cast(signed_values, PR_I64, &ints));
    pr_tensor_free(signed_values);
    pr_tensor_free(r);
    assert_ok(pr_unary(PR_RELU, ints, &r));
    cr_assert_eq(pr_tensor_i64(r)[0], 0);
    cr_assert_eq(pr_tensor_i64(r)[1], 4);
    pr_tensor_free(a);
    pr_tensor_free(s);
    pr_tensor_free(l);
    pr_tensor_free(col);
    pr_tensor_free(r);
    pr_tensor_free(ints);
}

/* Q9.10's check with the whole numeric gradient: L = Σ (W x)² has dL/dW = 2 (W x) xᵀ. */
Test(engine, gradcheck_returns_the_whole_numeric_gradient) {
    pr_graph *g;
    assert_ok(pr_graph_new(&g, PR_F32)); /* float32 graph: the differences run on a float64 copy */
    pr_node W = pr_g_param(g, "W", PR_SHAPE(2, 3)), x = pr_g_input(g, "x", PR_SHAPE(3, 1));
    pr_node Wx = pr_g_matmul(g, W, x), L = pr_g_sum(g, pr_g_mul(g, Wx, Wx), PR_AXIS_ALL, 0);
    pr_tensor *w = T64(PR_SHAPE(2, 3), 0.5, -1, 2, 1.5, 0.25, -0.75), *xv = T64(PR_SHAPE(3, 1), 1, -2, 0.5), *x32, *num;
    assert_ok(pr_graph_set_value(g, W, w));
    assert_ok(pr_tensor_cast(xv, PR_F32, &x32));
    assert_ok(pr_graph_set_input(g, x, x32));
    assert_ok(pr_gradcheck_numeric(g, L, W, 1e-6, &num));
    cr_assert(num->ndim == 2 && num->shape[0] == 2 && num->shape[1] == 3 && num->dtype == PR_F64);
    for (int i = 0; i < 2; i++) {
        double wx = 0;
        for (int j = 0; j < 3; j++) wx += pr_tensor_get(w, 3 * i + j) * pr_tensor_get(xv, j);
        for (int j = 0; j < 3; j++) assert_near(pr_tensor_get(num, 3 * i + j), 2 * wx * pr_tensor_get(xv, j), 1e-6);
    }
    pr_tensor_free(num);
    assert_ok(pr_gradcheck_numeric(g, L, x, 1e-6, &num)); /* an input with a value works too: 2 Wᵀ (W x) */
    cr_assert_eq(num->size, 3);
    pr_tensor_free(num);
    assert_fails(pr_gradcheck_numeric(g, L, Wx, 1e-6, &num), PR_ERR_INVALID, "not a parameter or an input");
    pr_tensor_free(w);
    pr_tensor_free(xv);
    pr_tensor_free(x32);
    pr_graph_free(g);
}
