/* Tensors: creation, shapes, views, copies, casts and their errors. */
#include <float.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "test_util.h"

Test(tensor, zeros_ones_full_have_shape_and_values) {
    pr_tensor *z, *o, *f;
    assert_ok(pr_tensor_zeros(&z, PR_F64, PR_SHAPE(2, 3)));
    assert_ok(pr_tensor_ones(&o, PR_F32, PR_SHAPE(4)));
    assert_ok(pr_tensor_full(&f, PR_I32, PR_SHAPE(2, 2, 2), -7));
    cr_assert_eq(z->ndim, 2);
    cr_assert_eq(z->shape[0], 2);
    cr_assert_eq(z->shape[1], 3);
    cr_assert_eq(z->size, 6);
    for (int i = 0; i < 6; i++) cr_assert_eq(pr_tensor_f64(z)[i], 0.0);
    for (int i = 0; i < 4; i++) cr_assert_eq(pr_tensor_f32(o)[i], 1.0f);
    for (int i = 0; i < 8; i++) cr_assert_eq(pr_tensor_i32(f)[i], -7);
    cr_assert_eq((uintptr_t)z->data % 64, 0, "storage is 64-byte aligned");
    pr_tensor_free(z);
    pr_tensor_free(o);
    pr_tensor_free(f);
}

Test(tensor, typed_access_checks_the_dtype) {
    pr_tensor *t;
    assert_ok(pr_tensor_zeros(&t, PR_I64, PR_SHAPE(3)));
    cr_assert_not_null(pr_tensor_i64(t));
    cr_assert_null(pr_tensor_f64(t));
    cr_assert_null(pr_tensor_f32(t));
    cr_assert_null(pr_tensor_i32(t));
    pr_tensor_free(t);
}

Test(tensor, scalar_and_empty_tensors) {
    pr_tensor *s, *e;
    assert_ok(pr_tensor_full(&s, PR_F64, 0, NULL, 2.5));
    cr_assert_eq(s->ndim, 0);
    cr_assert_eq(s->size, 1);
    cr_assert_eq(pr_tensor_get(s, 0), 2.5);
    assert_ok(pr_tensor_zeros(&e, PR_F64, PR_SHAPE(0, 4)));
    cr_assert_eq(e->size, 0);
    pr_tensor_free(s);
    pr_tensor_free(e);
}

Test(tensor, eye_arange_linspace_logspace) {
    pr_tensor *I, *a, *l, *g, *down;
    assert_ok(pr_tensor_eye(&I, PR_F64, 3));
    assert_values_close(I, (double[]){1, 0, 0, 0, 1, 0, 0, 0, 1}, 9, 0, 0, "eye");
    assert_ok(pr_tensor_arange(&a, PR_I64, 2, 11, 3));
    assert_values_close(a, (double[]){2, 5, 8}, 3, 0, 0, "arange");
    assert_ok(pr_tensor_arange(&down, PR_F64, 1, 0, -0.25));
    assert_values_close(down, (double[]){1, 0.75, 0.5, 0.25}, 4, 0, 0, "arange with a negative step");
    assert_ok(pr_tensor_linspace(&l, PR_F64, -1, 1, 5));
    assert_values_close(l, (double[]){-1, -0.5, 0, 0.5, 1}, 5, 0, 1e-15, "linspace");
    assert_ok(pr_tensor_logspace(&g, PR_F64, -1, 3, 5));
    assert_values_close(g, (double[]){0.1, 1, 10, 100, 1000}, 5, 1e-14, 0, "logspace");
    pr_tensor_free(I);
    pr_tensor_free(a);
    pr_tensor_free(down);
    pr_tensor_free(l);
    pr_tensor_free(g);
}

Test(tensor, bad_shapes_are_refused) {
    pr_tensor *t = NULL;
    assert_fails(pr_tensor_zeros(&t, PR_F64, PR_SHAPE(2, -1)), PR_ERR_INVALID, "negative extent");
    assert_fails(pr_tensor_zeros(&t, PR_F64, 9, (int64_t[9]){1, 1, 1, 1, 1, 1, 1, 1, 1}), PR_ERR_INVALID,
                 "rank 9");
    assert_fails(pr_tensor_zeros(&t, PR_F64, PR_SHAPE(INT64_C(1) << 40, INT64_C(1) << 40)), PR_ERR_OVERFLOW,
                 "overflows");
    assert_fails(pr_tensor_zeros(&t, PR_F64, PR_SHAPE(INT64_C(1) << 20, INT64_C(1) << 13)), PR_ERR_LIMIT,
                 "exceed the limit");
    assert_fails(pr_tensor_zeros(&t, (pr_dtype)99, PR_SHAPE(2)), PR_ERR_DTYPE, "invalid dtype");
    cr_assert_null(t, "nothing is written on failure");
}

Test(tensor, reshape_infers_one_extent_and_checks_counts) {
    pr_tensor *t;
    assert_ok(pr_tensor_arange(&t, PR_F64, 0, 12, 1));
    assert_ok(pr_tensor_reshape(t, PR_SHAPE(3, -1)));
    cr_assert_eq(t->shape[0], 3);
    cr_assert_eq(t->shape[1], 4);
    cr_assert_eq(pr_tensor_get(t, 5), 5.0, "data order is unchanged");
    assert_fails(pr_tensor_reshape(t, PR_SHAPE(5, -1)), PR_ERR_SHAPE, "cannot infer");
    assert_fails(pr_tensor_reshape(t, PR_SHAPE(2, 5)), PR_ERR_SHAPE, "(3, 4) has 12 elements");
    assert_fails(pr_tensor_reshape(t, PR_SHAPE(-1, -1)), PR_ERR_INVALID, "more than one");
    pr_tensor_free(t);
}

Test(tensor, row_views_share_storage_and_copies_do_not) {
    pr_tensor *t, *copy, view;
    assert_ok(pr_tensor_arange(&t, PR_F64, 0, 12, 1));
    assert_ok(pr_tensor_reshape(t, PR_SHAPE(4, 3)));
    assert_ok(pr_tensor_view_rows(t, 1, 3, &view));
    cr_assert_eq(view.shape[0], 2);
    cr_assert_eq(view.size, 6);
    assert_values_close(&view, (double[]){3, 4, 5, 6, 7, 8}, 6, 0, 0, "view rows 1..3");
    assert_ok(pr_tensor_rows(t, 1, 3, &copy));
    pr_tensor_set(&view, 0, 100); /* writes through to t */
    cr_assert_eq(pr_tensor_get(t, 3), 100.0);
    cr_assert_eq(pr_tensor_get(copy, 0), 3.0, "a copy is independent");
    pr_tensor_free(&view); /* a view owns nothing: freeing is a no-op */
    assert_fails(pr_tensor_view_rows(t, 2, 5, &view), PR_ERR_INVALID, "outside [0, 4)");
    pr_tensor_free(t);
    pr_tensor_free(copy);
}

Test(tensor, take_rows_gathers_in_order) {
    pr_tensor *t, *r, *bad = NULL;
    assert_ok(pr_tensor_arange(&t, PR_I32, 0, 8, 1));
    assert_ok(pr_tensor_reshape(t, PR_SHAPE(4, 2)));
    assert_ok(pr_tensor_take_rows(t, (int64_t[]){3, 0, 3}, 3, &r));
    assert_values_close(r, (double[]){6, 7, 0, 1, 6, 7}, 6, 0, 0, "take_rows");
    assert_fails(pr_tensor_take_rows(t, (int64_t[]){4}, 1, &bad), PR_ERR_INVALID, "index 4");
    pr_tensor_free(t);
    pr_tensor_free(r);
}

Test(tensor, transpose_matrix_and_permute_axes) {
    pr_tensor *m = T64(PR_SHAPE(2, 3), 1, 2, 3, 4, 5, 6), *mt, *c, *p;
    assert_ok(pr_tensor_transpose(m, NULL, &mt));
    cr_assert_eq(mt->shape[0], 3);
    assert_values_close(mt, (double[]){1, 4, 2, 5, 3, 6}, 6, 0, 0, "transpose");
    /* (2, 3, 4) → (4, 2, 3): out[k][i][j] = in[i][j][k] */
    assert_ok(pr_tensor_arange(&c, PR_F64, 0, 24, 1));
    assert_ok(pr_tensor_reshape(c, PR_SHAPE(2, 3, 4)));
    assert_ok(pr_tensor_transpose(c, (int[]){2, 0, 1}, &p));
    cr_assert_eq(p->shape[0], 4);
    cr_assert_eq(p->shape[1], 2);
    cr_assert_eq(p->shape[2], 3);
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 3; j++)
            for (int k = 0; k < 4; k++)
                cr_assert_eq(pr_tensor_get(p, (k * 2 + i) * 3 + j), pr_tensor_get(c, (i * 3 + j) * 4 + k));
    pr_tensor *bad = NULL;
    assert_fails(pr_tensor_transpose(c, (int[]){0, 0, 1}, &bad), PR_ERR_INVALID, "not a permutation");
    pr_tensor_free(m);
    pr_tensor_free(mt);
    pr_tensor_free(c);
    pr_tensor_free(p);
}

Test(tensor, large_transpose_matches_definition) {
    pr_tensor *m, *mt;
    assert_ok(pr_tensor_arange(&m, PR_F32, 0, 70 * 45, 1));
    assert_ok(pr_tensor_reshape(m, PR_SHAPE(70, 45)));
    assert_ok(pr_tensor_transpose(m, NULL, &mt));
    for (int i = 0; i < 70; i++)
        for (int j = 0; j < 45; j++) cr_assert_eq(pr_tensor_get(mt, j * 70 + i), (double)(i * 45 + j));
    pr_tensor_free(m);
    pr_tensor_free(mt);
}

Test(tensor, concat_along_each_axis) {
    pr_tensor *a = T64(PR_SHAPE(2, 2), 1, 2, 3, 4), *b = T64(PR_SHAPE(2, 1), 5, 6), *c = T64(PR_SHAPE(1, 2), 7, 8);
    pr_tensor *ab, *ac, *bad = NULL;
    assert_ok(pr_tensor_concat((const pr_tensor *[]){a, b}, 2, 1, &ab));
    assert_values_close(ab, (double[]){1, 2, 5, 3, 4, 6}, 6, 0, 0, "column stack");
    assert_ok(pr_tensor_concat((const pr_tensor *[]){a, c}, 2, 0, &ac));
    assert_values_close(ac, (double[]){1, 2, 3, 4, 7, 8}, 6, 0, 0, "row stack");
    assert_fails(pr_tensor_concat((const pr_tensor *[]){a, b}, 2, 0, &bad), PR_ERR_SHAPE, "input 1 has shape (2, 1)");
    pr_tensor_free(a);
    pr_tensor_free(b);
    pr_tensor_free(c);
    pr_tensor_free(ab);
    pr_tensor_free(ac);
}

Test(tensor, cast_converts_and_range_checks) {
    pr_tensor *f = T64(PR_SHAPE(3), -1.9, 0.5, 7.0), *i, *back, *big, *bad = NULL;
    assert_ok(pr_tensor_cast(f, PR_I32, &i));
    assert_values_close(i, (double[]){-1, 0, 7}, 3, 0, 0, "truncation toward zero");
    assert_ok(pr_tensor_cast(i, PR_F32, &back));
    cr_assert_eq(back->dtype, PR_F32);
    big = T64(PR_SHAPE(1), 3e9);
    assert_fails(pr_tensor_cast(big, PR_I32, &bad), PR_ERR_INVALID, "out of range");
    pr_tensor_free(f);
    pr_tensor_free(i);
    pr_tensor_free(back);
    pr_tensor_free(big);
}

Test(tensor, check_finite_names_the_position) {
    pr_tensor *m = T64(PR_SHAPE(2, 2), 1, 2, NAN, 4), *ok = T64(PR_SHAPE(2), 1, 2);
    assert_fails(pr_tensor_check_finite(m, "X"), PR_ERR_NONFINITE, "X holds NaN at row 1, column 0");
    assert_ok(pr_tensor_check_finite(ok, "y"));
    pr_tensor_free(m);
    pr_tensor_free(ok);
}

/* The scan works by blocks of 256 and lanes of 8: a bad value anywhere, in either
 * float type, is found at its own index, and extreme finite values pass. */
Test(tensor, check_finite_finds_every_position) {
    const double bad[] = {NAN, INFINITY, -INFINITY};
    const int64_t n = 2 * 256 + 13;
    for (int d = 0; d < 2; d++) {
        pr_tensor *t;
        assert_ok(pr_tensor_zeros(&t, d ? PR_F32 : PR_F64, PR_SHAPE(n)));
        for (int64_t i = 0; i < n; i++) pr_tensor_set(t, i, i % 2 ? (d ? FLT_MAX : DBL_MAX) : -1e-300);
        assert_ok(pr_tensor_check_finite(t, "t"));
        for (int64_t pos = 0; pos < n; pos++) {
            double keep = pr_tensor_get(t, pos);
            pr_tensor_set(t, pos, bad[pos % 3]);
            char want[64];
            snprintf(want, sizeof want, "t holds %s at flat index %lld", pos % 3 ? "infinity" : "NaN", (long long)pos);
            assert_fails(pr_tensor_check_finite(t, "t"), PR_ERR_NONFINITE, want);
            pr_tensor_set(t, pos, keep);
        }
        pr_tensor_free(t);
    }
}

Test(tensor, shape_format) {
    pr_tensor *v = T64(PR_SHAPE(3), 1, 2, 3);
    char buf[32];
    cr_assert_str_eq(pr_shape_format(v, buf, sizeof buf), "(3,)");
    pr_tensor_reshape(v, PR_SHAPE(1, 3));
    cr_assert_str_eq(pr_shape_format(v, buf, sizeof buf), "(1, 3)");
    pr_tensor_free(v);
}

Test(tensor, dtype_table) {
    cr_assert_str_eq(pr_dtype_name(PR_F32), "float32");
    cr_assert_str_eq(pr_dtype_name(PR_I64), "int64");
    cr_assert_eq(pr_dtype_size(PR_F64), 8);
    cr_assert_eq(pr_dtype_size(PR_I32), 4);
    cr_assert_str_eq(pr_dtype_name((pr_dtype)0), "invalid");
}
