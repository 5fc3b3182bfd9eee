/* Element-wise arithmetic with broadcasting, and reductions, against closed forms. */
#include <float.h>
#include <string.h>

#include "test_util.h"

Test(elementwise, broadcasting_row_and_column) {
    pr_tensor *col = T64(PR_SHAPE(3, 1), 1, 2, 3), *row = T64(PR_SHAPE(4), 10, 20, 30, 40), *s;
    assert_ok(pr_add(col, row, &s));
    cr_assert_eq(s->ndim, 2);
    cr_assert_eq(s->shape[0], 3);
    cr_assert_eq(s->shape[1], 4);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 4; j++) cr_assert_eq(pr_tensor_get(s, i * 4 + j), (i + 1) + 10.0 * (j + 1));
    pr_tensor_free(col);
    pr_tensor_free(row);
    pr_tensor_free(s);
}

Test(elementwise, broadcasting_middle_axis_of_rank3) {
    pr_tensor *a, *b = T64(PR_SHAPE(2, 1, 3), 1, 2, 3, 4, 5, 6), *p;
    assert_ok(pr_tensor_full(&a, PR_F64, PR_SHAPE(1, 4, 1), 2));
    assert_ok(pr_mul(a, b, &p));
    cr_assert_eq(p->size, 24);
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 4; j++)
            for (int k = 0; k < 3; k++) cr_assert_eq(pr_tensor_get(p, (i * 4 + j) * 3 + k), 2.0 * (i * 3 + k + 1));
    pr_tensor_free(a);
    pr_tensor_free(b);
    pr_tensor_free(p);
}

Test(elementwise, incompatible_shapes_name_both) {
    pr_tensor *a = T64(PR_SHAPE(2, 3), 1, 2, 3, 4, 5, 6), *b = T64(PR_SHAPE(2), 1, 2), *out = NULL;
    assert_fails(pr_sub(a, b, &out), PR_ERR_SHAPE, "sub: shapes (2, 3) and (2,) cannot be broadcast");
    cr_assert_null(out);
    pr_tensor_free(a);
    pr_tensor_free(b);
}

Test(elementwise, mixed_dtypes_are_refused) {
    pr_tensor *a = T64(PR_SHAPE(2), 1, 2), *b, *out = NULL;
    assert_ok(pr_tensor_ones(&b, PR_F32, PR_SHAPE(2)));
    assert_fails(pr_add(a, b, &out), PR_ERR_DTYPE, "float64 and float32");
    pr_tensor_free(a);
    pr_tensor_free(b);
}

Test(elementwise, scalar_ops_div_pow_and_into) {
    pr_tensor *a = T64(PR_SHAPE(3), 1, 2, 4), *h, *sq, *q;
    assert_ok(pr_binary_scalar(PR_DIV, a, 2, &h));
    assert_values_close(h, (double[]){0.5, 1, 2}, 3, 0, 0, "a / 2");
    assert_ok(pr_binary_scalar(PR_POW, a, 0.5, &sq));
    assert_values_close(sq, (double[]){1, M_SQRT2, 2}, 3, 1e-15, 0, "a ** 0.5");
    assert_ok(pr_binary_into(PR_MUL, a, a, a)); /* in place */
    assert_values_close(a, (double[]){1, 4, 16}, 3, 0, 0, "a *= a");
    assert_ok(pr_div(a, h, &q));
    assert_values_close(q, (double[]){2, 4, 8}, 3, 0, 0, "a / h");
    pr_tensor_free(a);
    pr_tensor_free(h);
    pr_tensor_free(sq);
    pr_tensor_free(q);
}

Test(elementwise, into_checks_the_output_shape) {
    pr_tensor *a = T64(PR_SHAPE(2, 2), 1, 2, 3, 4), *small;
    assert_ok(pr_tensor_zeros(&small, PR_F64, PR_SHAPE(2)));
    assert_fails(pr_binary_into(PR_ADD, a, a, small), PR_ERR_SHAPE, "output has shape (2,)");
    pr_tensor_free(a);
    pr_tensor_free(small);
}

/* An output view that partly overlaps an input gives what copies of the inputs
 * would: NumPy's np.multiply(t[:5], 10, out=t[1:]) gives [1, 10, 20, 30, 40, 50]. */
Test(elementwise, into_a_view_overlapping_an_input_reads_the_inputs_as_they_were) {
    pr_tensor *t = T64(PR_SHAPE(6), 1, 2, 3, 4, 5, 6), *ten = T64(PR_SHAPE(1), 10), head, tail;
    assert_ok(pr_tensor_view_rows(t, 0, 5, &head));
    assert_ok(pr_tensor_view_rows(t, 1, 6, &tail));
    assert_ok(pr_binary_into(PR_MUL, &head, ten, &tail));
    assert_values_close(t, (double[]){1, 10, 20, 30, 40, 50}, 6, 0, 0, "t[1:] = t[:5] * 10");
    /* the other way round: np.negative(t[1:], out=t[:5]) */
    assert_ok(pr_unary_into(PR_NEG, &tail, &head));
    assert_values_close(t, (double[]){-10, -20, -30, -40, -50, 50}, 6, 0, 0, "t[:5] = -t[1:]");
    /* a broadcast row that is the output's own first row: m += m[0] */
    pr_tensor *m = T64(PR_SHAPE(2, 3), 1, 2, 3, 4, 5, 6), row;
    assert_ok(pr_tensor_view_rows(m, 0, 1, &row));
    assert_ok(pr_binary_into(PR_ADD, m, &row, m));
    assert_values_close(m, (double[]){2, 4, 6, 5, 7, 9}, 6, 0, 0, "m += m[0]");
    pr_tensor_free(t);
    pr_tensor_free(ten);
    pr_tensor_free(m);
}

Test(elementwise, integer_arithmetic_wraps_and_refuses_division) {
    pr_tensor *a, *b, *s, *d = NULL;
    assert_ok(pr_tensor_from_array(&a, PR_I32, PR_SHAPE(2), (int32_t[]){INT32_MAX, -5}));
    assert_ok(pr_tensor_from_array(&b, PR_I32, PR_SHAPE(2), (int32_t[]){1, 3}));
    assert_ok(pr_add(a, b, &s));
    cr_assert_eq(pr_tensor_i32(s)[0], INT32_MIN, "two's complement wrap, not undefined behaviour");
    cr_assert_eq(pr_tensor_i32(s)[1], -2);
    assert_fails(pr_div(a, b, &d), PR_ERR_DTYPE, "not defined for int32");
    pr_tensor_free(a);
    pr_tensor_free(b);
    pr_tensor_free(s);
}

Test(elementwise, maximum_minimum_propagate_nan) {
    pr_tensor *a = T64(PR_SHAPE(3), 1, NAN, 5), *b = T64(PR_SHAPE(3), 2, 0, NAN), *mx, *mn;
    assert_ok(pr_binary(PR_MAXIMUM, a, b, &mx));
    assert_ok(pr_binary(PR_MINIMUM, a, b, &mn));
    assert_values_close(mx, (double[]){2, NAN, NAN}, 3, 0, 0, "maximum");
    assert_values_close(mn, (double[]){1, NAN, NAN}, 3, 0, 0, "minimum");
    pr_tensor_free(a);
    pr_tensor_free(b);
    pr_tensor_free(mx);
    pr_tensor_free(mn);
}

Test(elementwise, comparisons_give_ones_and_zeros) {
    pr_tensor *a = T64(PR_SHAPE(4), 1, 2, 3, 4), *gt, *eq;
    assert_ok(pr_binary_scalar(PR_GT, a, 2, &gt));
    assert_ok(pr_binary_scalar(PR_EQ, a, 3, &eq));
    assert_values_close(gt, (double[]){0, 0, 1, 1}, 4, 0, 0, "a > 2");
    assert_values_close(eq, (double[]){0, 0, 1, 0}, 4, 0, 0, "a == 3");
    pr_tensor_free(a);
    pr_tensor_free(gt);
    pr_tensor_free(eq);
}

Test(elementwise, unary_ops_match_libm) {
    double x[] = {-3, -0.5, 0, 0.5, 3};
    pr_tensor *t = tensor_f64(PR_SHAPE(5), x);
    struct {
        pr_unary_op op;
        double (*f)(double);
    } cases[] = {{PR_EXP, exp}, {PR_TANH, tanh}, {PR_ABS, fabs}, {PR_EXPM1, expm1}, {PR_ERF, erf}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        pr_tensor *r;
        assert_ok(pr_unary(cases[c].op, t, &r));
        for (int i = 0; i < 5; i++) assert_near(pr_tensor_get(r, i), cases[c].f(x[i]), 1e-15 * fmax(1, fabs(cases[c].f(x[i]))));
        pr_tensor_free(r);
    }
    pr_tensor *pos = T64(PR_SHAPE(3), 0.25, 1, 4), *lg, *sq;
    assert_ok(pr_unary(PR_LOG, pos, &lg));
    assert_ok(pr_unary(PR_SQRT, pos, &sq));
    assert_values_close(lg, (double[]){log(0.25), 0, log(4)}, 3, 1e-15, 0, "log");
    assert_values_close(sq, (double[]){0.5, 1, 2}, 3, 0, 0, "sqrt");
    pr_tensor_free(t);
    pr_tensor_free(pos);
    pr_tensor_free(lg);
    pr_tensor_free(sq);
}

Test(elementwise, sigmoid_is_stable_at_extremes) {
    pr_tensor *t = T64(PR_SHAPE(5), -1000, -30, 0, 30, 1000), *s;
    assert_ok(pr_unary(PR_SIGMOID, t, &s));
    /* closed form 1/(1+e^-x); at ±1000 the naive formula gives NaN or inf intermediates */
    assert_values_close(s, (double[]){0, 1 / (1 + exp(30.0)), 0.5, 1 / (1 + exp(-30.0)), 1}, 5, 1e-14, 0, "sigmoid");
    pr_tensor_free(t);
    pr_tensor_free(s);
}

Test(elementwise, float_only_ops_refuse_integers) {
    pr_tensor *i, *r = NULL;
    assert_ok(pr_tensor_ones(&i, PR_I64, PR_SHAPE(2)));
    assert_fails(pr_unary(PR_EXP, i, &r), PR_ERR_DTYPE, "exp: not defined for int64");
    assert_ok(pr_unary(PR_NEG, i, &r));
    cr_assert_eq(pr_tensor_i64(r)[0], -1);
    pr_tensor_free(i);
    pr_tensor_free(r);
}

Test(elementwise, where_and_clip) {
    pr_tensor *c = T64(PR_SHAPE(3), 1, 0, 1), *a = T64(PR_SHAPE(3), 1, 2, 3), *b = T64(PR_SHAPE(1), -1), *w, *cl;
    assert_ok(pr_where(c, a, b, &w));
    assert_values_close(w, (double[]){1, -1, 3}, 3, 0, 0, "where");
    assert_ok(pr_clip(a, 1.5, 2.5, &cl));
    assert_values_close(cl, (double[]){1.5, 2, 2.5}, 3, 0, 0, "clip");
    pr_tensor_free(c);
    pr_tensor_free(a);
    pr_tensor_free(b);
    pr_tensor_free(w);
    pr_tensor_free(cl);
}

Test(reduce, sums_and_means_along_axes) {
    pr_tensor *t, *s0, *s1, *m1, *k;
    assert_ok(pr_tensor_arange(&t, PR_F64, 0, 6, 1));
    assert_ok(pr_tensor_reshape(t, PR_SHAPE(2, 3)));
    assert_ok(pr_sum(t, 0, 0, &s0));
    assert_ok(pr_sum(t, -1, 0, &s1));
    assert_ok(pr_mean(t, 1, 0, &m1));
    assert_ok(pr_sum(t, 1, 1, &k));
    assert_values_close(s0, (double[]){3, 5, 7}, 3, 0, 0, "sum over rows");
    assert_values_close(s1, (double[]){3, 12}, 2, 0, 0, "sum over columns");
    assert_values_close(m1, (double[]){1, 4}, 2, 0, 0, "row means");
    cr_assert_eq(k->ndim, 2, "keepdims keeps the axis");
    cr_assert_eq(k->shape[1], 1);
    double all;
    assert_ok(pr_reduce_all(PR_SUM, t, 0, &all));
    cr_assert_eq(all, 15.0);
    pr_tensor_free(t);
    pr_tensor_free(s0);
    pr_tensor_free(s1);
    pr_tensor_free(m1);
    pr_tensor_free(k);
}

Test(reduce, pairwise_sum_is_accurate) {
    /* 10^7 copies of 0.1 in float32: a naive float loop drifts by percent; the
     * reduction (double accumulation, pairwise) stays at float32 rounding of 10^6. */
    pr_tensor *t;
    assert_ok(pr_tensor_full(&t, PR_F32, PR_SHAPE(10000000), 0.1));
    double s;
    assert_ok(pr_reduce_all(PR_SUM, t, 0, &s));
    assert_near(s, 1e6 * (double)0.1f * 10, 1.0);
    pr_tensor_free(t);
}

Test(reduce, variance_and_std_with_ddof) {
    pr_tensor *t = T64(PR_SHAPE(4), 2, 4, 4, 6);
    double v0, v1, s1;
    assert_ok(pr_reduce_all(PR_VAR, t, 0, &v0));
    assert_ok(pr_reduce_all(PR_VAR, t, 1, &v1));
    assert_ok(pr_reduce_all(PR_STD, t, 1, &s1));
    assert_near(v0, 2.0, 1e-15);        /* sum of squares 8 / 4 */
    assert_near(v1, 8.0 / 3.0, 1e-15);  /* / (4 - 1) */
    assert_near(s1, sqrt(8.0 / 3.0), 1e-15);
    pr_tensor *one = T64(PR_SHAPE(1), 5), *r = NULL;
    assert_fails(pr_reduce(PR_VAR, one, 0, 0, 1, &r), PR_ERR_INVALID, "no degrees of freedom");
    pr_tensor_free(t);
    pr_tensor_free(one);
}

Test(reduce, min_max_argmax_with_ties_and_nan) {
    pr_tensor *t = T64(PR_SHAPE(2, 3), 3, 7, 7, -1, -5, 2), *am, *mx, *mn;
    assert_ok(pr_argmax(t, 1, &am));
    cr_assert_eq(am->dtype, PR_I64);
    assert_values_close(am, (double[]){1, 2}, 2, 0, 0, "argmax takes the first of ties");
    assert_ok(pr_reduce(PR_MAX, t, 0, 0, 0, &mx));
    assert_ok(pr_reduce(PR_MIN, t, 0, 0, 0, &mn));
    assert_values_close(mx, (double[]){3, 7, 7}, 3, 0, 0, "max");
    assert_values_close(mn, (double[]){-1, -5, 2}, 3, 0, 0, "min");
    double flat;
    assert_ok(pr_reduce_all(PR_ARGMIN, t, 0, &flat));
    cr_assert_eq(flat, 4.0, "argmin over all is a flat index");
    pr_tensor *n = T64(PR_SHAPE(3), 1, NAN, 9);
    double m;
    assert_ok(pr_reduce_all(PR_MAX, n, 0, &m));
    cr_assert(isnan(m), "max propagates NaN");
    pr_tensor_free(t);
    pr_tensor_free(am);
    pr_tensor_free(mx);
    pr_tensor_free(mn);
    pr_tensor_free(n);
}

Test(reduce, integer_sums_detect_overflow) {
    pr_tensor *t, *r = NULL;
    assert_ok(pr_tensor_from_array(&t, PR_I64, PR_SHAPE(2), (int64_t[]){INT64_MAX, 1}));
    assert_fails(pr_reduce(PR_SUM, t, PR_AXIS_ALL, 0, 0, &r), PR_ERR_OVERFLOW, "overflow");
    pr_tensor *i, *mean = NULL;
    assert_ok(pr_tensor_ones(&i, PR_I32, PR_SHAPE(3)));
    assert_fails(pr_mean(i, 0, 0, &mean), PR_ERR_DTYPE, "float");
    pr_tensor_free(t);
    pr_tensor_free(i);
}

Test(reduce, empty_axis) {
    pr_tensor *e, *s, *m = NULL;
    assert_ok(pr_tensor_zeros(&e, PR_F64, PR_SHAPE(0, 3)));
    assert_ok(pr_sum(e, 0, 0, &s));
    assert_values_close(s, (double[]){0, 0, 0}, 3, 0, 0, "empty sum is zero");
    assert_fails(pr_reduce(PR_MAX, e, 0, 0, 0, &m), PR_ERR_INVALID, "empty axis");
    pr_tensor_free(e);
    pr_tensor_free(s);
}

Test(reduce, cumsum_and_argsort) {
    pr_tensor *t = T64(PR_SHAPE(5), 3, 1, 2, 1, NAN), *c, *asc, *desc;
    pr_tensor *v = T64(PR_SHAPE(4), 0.5, 0.25, 0.125, 0.125);
    assert_ok(pr_cumsum(v, 0, &c));
    assert_values_close(c, (double[]){0.5, 0.75, 0.875, 1.0}, 4, 0, 0, "cumsum");
    assert_ok(pr_argsort(t, 0, &asc));
    assert_ok(pr_argsort(t, 1, &desc));
    assert_values_close(asc, (double[]){1, 3, 2, 0, 4}, 5, 0, 0, "ascending, stable, NaN last");
    assert_values_close(desc, (double[]){0, 2, 1, 3, 4}, 5, 0, 0, "descending, stable, NaN last");
    pr_tensor_free(t);
    pr_tensor_free(v);
    pr_tensor_free(c);
    pr_tensor_free(asc);
    pr_tensor_free(desc);
}
