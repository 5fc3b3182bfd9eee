/* Linear algebra against NumPy (tests/fixtures/make_linalg_fixtures.py), closed
 * forms and identities, and the BLAS path against the reference matmul. */
#include <float.h>
#include <string.h>

#include "test_util.h"

#define F(name) load_fixture("linalg/" name ".npy")

static void free_all(pr_tensor **ts, int n) {
    for (int i = 0; i < n; i++) pr_tensor_free(ts[i]);
}

/* max |A - B| over all elements */
static double max_diff(const pr_tensor *a, const pr_tensor *b) {
    cr_assert_eq(a->size, b->size);
    double m = 0;
    for (int64_t i = 0; i < a->size; i++) m = fmax(m, fabs(pr_tensor_get(a, i) - pr_tensor_get(b, i)));
    return m;
}

/* ---- products ------------------------------------------------------------------- */

Test(linalg, matmul_matches_numpy_and_reference) {
    pr_tensor *a = F("mat_a"), *b = F("mat_b"), *ab = F("mat_ab"), *c, *r;
    assert_ok(pr_matmul(a, b, &c));
    assert_ok(pr_matmul_reference(a, b, &r));
    assert_tensor_close(c, ab, 1e-13, 1e-14, "BLAS matmul vs NumPy");
    assert_tensor_close(r, ab, 1e-13, 1e-14, "reference matmul vs NumPy");
    pr_tensor *all[] = {a, b, ab, c, r};
    free_all(all, 5);
}

Test(linalg, blas_path_agrees_with_reference_on_many_shapes) {
    pr_rng rng;
    pr_rng_seed(&rng, 11);
    const int64_t dims[][3] = {{1, 1, 1}, {1, 7, 5}, {9, 1, 4}, {5, 8, 1}, {33, 17, 29}, {64, 64, 64}, {3, 0, 2}};
    for (size_t c = 0; c < sizeof dims / sizeof dims[0]; c++) {
        for (int dt = 0; dt < 2; dt++) {
            pr_dtype dtype = dt ? PR_F32 : PR_F64;
            pr_tensor *A, *B, *C, *R;
            assert_ok(pr_tensor_normal(&A, dtype, PR_SHAPE(dims[c][0], dims[c][1]), 0, 1, &rng));
            assert_ok(pr_tensor_normal(&B, dtype, PR_SHAPE(dims[c][1], dims[c][2]), 0, 1, &rng));
            assert_ok(pr_matmul(A, B, &C));
            assert_ok(pr_matmul_reference(A, B, &R));
            double tol = dtype == PR_F32 ? 1e-4 : 1e-12;
            cr_assert(max_diff(C, R) <= tol * (1 + (double)dims[c][1]), "%s %lldx%lldx%lld: max diff %g",
                      pr_dtype_name(dtype), (long long)dims[c][0], (long long)dims[c][1], (long long)dims[c][2],
                      max_diff(C, R));
            pr_tensor *all[] = {A, B, C, R};
            free_all(all, 4);
        }
    }
}

Test(linalg, matmul_vector_rules_and_shape_errors) {
    pr_tensor *A = T64(PR_SHAPE(2, 3), 1, 2, 3, 4, 5, 6), *x = T64(PR_SHAPE(3), 1, 0, -1), *y = T64(PR_SHAPE(2), 1, 1);
    pr_tensor *Ax, *yA, *xx, *bad = NULL;
    assert_ok(pr_matmul(A, x, &Ax));
    cr_assert_eq(Ax->ndim, 1);
    assert_values_close(Ax, (double[]){-2, -2}, 2, 0, 0, "A x");
    assert_ok(pr_matmul(y, A, &yA));
    assert_values_close(yA, (double[]){5, 7, 9}, 3, 0, 0, "y A");
    assert_ok(pr_matmul(x, x, &xx));
    cr_assert_eq(xx->ndim, 0);
    cr_assert_eq(pr_tensor_get(xx, 0), 2.0);
    assert_fails(pr_matmul(A, y, &bad), PR_ERR_SHAPE, "inner dimensions differ: (2, 3) @ (2,)");
    pr_tensor *all[] = {A, x, y, Ax, yA, xx};
    free_all(all, 6);
}

Test(linalg, gemm_with_transposes_and_accumulation) {
    pr_tensor *A = T64(PR_SHAPE(3, 2), 1, 2, 3, 4, 5, 6), *C, *expect;
    assert_ok(pr_tensor_ones(&C, PR_F64, PR_SHAPE(2, 2)));
    /* C = 2 AᵀA + 1 C with AᵀA = [[35, 44], [44, 56]] */
    assert_ok(pr_gemm(1, 0, 2.0, A, A, 1.0, C));
    expect = T64(PR_SHAPE(2, 2), 71, 89, 89, 113);
    assert_tensor_close(C, expect, 0, 0, "gemm");
    assert_fails(pr_gemm(0, 0, 1, A, A, 0, C), PR_ERR_SHAPE, "do not fit");
    pr_tensor *all[] = {A, C, expect};
    free_all(all, 3);
}

Test(linalg, gram_covariance_outer) {
    pr_tensor *X = F("samples"), *c1 = F("cov_ddof1"), *c0 = F("cov_ddof0"), *C1, *C0, *G;
    assert_ok(pr_covariance(X, 1, &C1));
    assert_ok(pr_covariance(X, 0, &C0));
    assert_tensor_close(C1, c1, 1e-12, 1e-14, "np.cov");
    assert_tensor_close(C0, c0, 1e-12, 1e-14, "np.cov(bias=True)");
    assert_ok(pr_gram(X, &G));
    int sym;
    assert_ok(pr_is_symmetric(G, 0, &sym));
    cr_assert(sym, "the Gram matrix is exactly symmetric");
    pr_tensor *x = T64(PR_SHAPE(2), 1, 2), *y = T64(PR_SHAPE(3), 3, 4, 5), *o;
    assert_ok(pr_outer(x, y, &o));
    assert_values_close(o, (double[]){3, 4, 5, 6, 8, 10}, 6, 0, 0, "outer");
    pr_tensor *all[] = {X, c1, c0, C1, C0, G, x, y, o};
    free_all(all, 9);
}

/* ---- vectors and norms -------------------------------------------------------------- */

Test(linalg, vector_norms_and_extremes) {
    pr_tensor *x = T64(PR_SHAPE(4), 1, -2, 2, -4);
    double n1, n2, ninf, n3;
    assert_ok(pr_norm(x, 1, &n1));
    assert_ok(pr_norm(x, 2, &n2));
    assert_ok(pr_norm(x, INFINITY, &ninf));
    assert_ok(pr_norm(x, 3, &n3));
    cr_assert_eq(n1, 9.0);
    cr_assert_eq(n2, 5.0);
    cr_assert_eq(ninf, 4.0);
    assert_near(n3, cbrt(1 + 8 + 8 + 64), 1e-14);
    /* no overflow or underflow in the 2-norm */
    pr_tensor *big = T64(PR_SHAPE(2), 3e200, 4e200), *tiny = T64(PR_SHAPE(2), 3e-200, 4e-200);
    double nb, nt;
    assert_ok(pr_norm(big, 2, &nb));
    assert_ok(pr_norm(tiny, 2, &nt));
    assert_near(nb / 5e200, 1, 1e-15);
    assert_near(nt / 5e-200, 1, 1e-15);
    assert_fails(pr_norm(x, 0.5, &n1), PR_ERR_INVALID, "p must be >= 1");
    pr_tensor *all[] = {x, big, tiny};
    free_all(all, 3);
}

Test(linalg, matrix_norms_match_numpy) {
    pr_tensor *A = F("tall"), *expect = F("tall_norms");
    pr_matrix_norm_kind kinds[] = {PR_NORM_FROBENIUS, PR_NORM_SPECTRAL, PR_NORM_NUCLEAR, PR_NORM_ONE, PR_NORM_INF};
    for (int k = 0; k < 5; k++) {
        double v;
        assert_ok(pr_matrix_norm(A, kinds[k], &v));
        assert_near(v, pr_tensor_get(expect, k), 1e-13 * pr_tensor_get(expect, k));
    }
    pr_tensor_free(A);
    pr_tensor_free(expect);
}

Test(linalg, cosine_of_a_zero_vector_is_an_error) {
    pr_tensor *z, *x = T64(PR_SHAPE(2), 1, 1);
    double c;
    assert_ok(pr_tensor_zeros(&z, PR_F64, PR_SHAPE(2)));
    assert_fails(pr_cosine_similarity(x, z, &c), PR_ERR_INVALID, "second vector is zero");
    pr_tensor *p = NULL;
    assert_fails(pr_project_onto_vector(x, z, &p), PR_ERR_INVALID, "zero vector");
    pr_tensor_free(z);
    pr_tensor_free(x);
}

Test(linalg, projection_onto_dependent_columns) {
    pr_tensor *D = F("deficient"), *B = F("rhs6"), *expect = F("deficient_projection"), *b0, *p, *r, *Dt, *Dtr;
    assert_ok(pr_tensor_transpose(B, NULL, &b0)); /* first column of B as a vector */
    pr_tensor col;
    assert_ok(pr_tensor_view_rows(b0, 0, 1, &col));
    assert_ok(pr_tensor_reshape(&col, PR_SHAPE(6)));
    assert_ok(pr_project_onto_columns(D, &col, &p));
    assert_tensor_close(p, expect, 1e-10, 1e-12, "projection onto col(D)");
    /* the residual is orthogonal to every column */
    assert_ok(pr_sub(&col, p, &r));
    assert_ok(pr_tensor_transpose(D, NULL, &Dt));
    assert_ok(pr_matmul(Dt, r, &Dtr));
    for (int j = 0; j < 4; j++) assert_near(pr_tensor_get(Dtr, j), 0, 1e-12);
    pr_tensor *all[] = {D, B, expect, b0, p, r, Dt, Dtr};
    free_all(all, 8);
}

/* ---- square systems -------------------------------------------------------------- */

Test(linalg, det_inverse_solve_match_numpy) {
    pr_tensor *S = F("square"), *b = F("rhs5"), *inv_e = F("square_inv"), *x_e = F("square_solve");
    pr_tensor *det_e = F("square_det"), *sl_e = F("square_slogdet"), *inv, *x;
    double det, sign, logabs;
    assert_ok(pr_det(S, &det));
    assert_near(det, pr_tensor_get(det_e, 0), 1e-12 * fabs(pr_tensor_get(det_e, 0)));
    assert_ok(pr_slogdet(S, &sign, &logabs));
    cr_assert_eq(sign, pr_tensor_get(sl_e, 0));
    assert_near(logabs, pr_tensor_get(sl_e, 1), 1e-12);
    assert_ok(pr_inverse(S, &inv));
    assert_tensor_close(inv, inv_e, 1e-11, 1e-12, "inverse");
    assert_ok(pr_solve(S, b, &x));
    assert_tensor_close(x, x_e, 1e-11, 1e-12, "solve");
    pr_tensor *all[] = {S, b, inv_e, x_e, det_e, sl_e, inv, x};
    free_all(all, 8);
}

Test(linalg, solve_with_several_right_hand_sides) {
    pr_tensor *A = T64(PR_SHAPE(2, 2), 2, 1, 1, 3), *B = T64(PR_SHAPE(2, 2), 5, 1, 7, 0), *X;
    assert_ok(pr_solve(A, B, &X));
    /* columns: A⁻¹(5, 7) = (1.6, 1.8), A⁻¹(1, 0) = (0.6, -0.2) */
    assert_values_close(X, (double[]){1.6, 0.6, 1.8, -0.2}, 4, 1e-15, 1e-15, "solve with a matrix rhs");
    pr_tensor *all[] = {A, B, X};
    free_all(all, 3);
}

Test(linalg, singular_and_ill_conditioned_systems_are_refused) {
    pr_tensor *S = T64(PR_SHAPE(2, 2), 1, 2, 2, 4), *b = T64(PR_SHAPE(2), 1, 1), *x = NULL, *inv = NULL;
    assert_fails(pr_solve(S, b, &x), PR_ERR_SINGULAR, "exactly zero");
    assert_fails(pr_inverse(S, &inv), PR_ERR_SINGULAR, "singular");
    cr_assert_null(x);
    double det;
    assert_ok(pr_det(S, &det));
    cr_assert_eq(det, 0.0, "a singular matrix has determinant 0, not an error");
    /* Hilbert matrix of order 14: condition number ~1e19, beyond double precision */
    pr_tensor *H, *rhs;
    assert_ok(pr_tensor_zeros(&H, PR_F64, PR_SHAPE(14, 14)));
    for (int i = 0; i < 14; i++)
        for (int j = 0; j < 14; j++) pr_tensor_set(H, i * 14 + j, 1.0 / (i + j + 1));
    assert_ok(pr_tensor_ones(&rhs, PR_F64, PR_SHAPE(14)));
    assert_fails(pr_solve(H, rhs, &x), PR_ERR_SINGULAR, "reciprocal condition number");
    /* a singular diagonal matrix takes the O(n) path and is refused too */
    pr_tensor *D = T64(PR_SHAPE(2, 2), 3, 0, 0, 0);
    assert_fails(pr_inverse(D, &inv), PR_ERR_SINGULAR, "diagonal matrix is singular");
    pr_tensor *all[] = {S, b, H, rhs, D};
    free_all(all, 5);
}

Test(linalg, diagonal_inverse) {
    pr_tensor *D = T64(PR_SHAPE(3, 3), 2, 0, 0, 0, -4, 0, 0, 0, 0.5), *inv;
    assert_ok(pr_inverse(D, &inv));
    assert_values_close(inv, (double[]){0.5, 0, 0, 0, -0.25, 0, 0, 0, 2}, 9, 0, 0, "D^-1 = diag(1/d)");
    pr_tensor_free(D);
    pr_tensor_free(inv);
}

Test(linalg, bad_input_gives_clear_errors) {
    pr_tensor *nan = T64(PR_SHAPE(2, 2), 1, NAN, 0, 1), *b = T64(PR_SHAPE(2), 1, 1), *x = NULL;
    pr_tensor *rect = T64(PR_SHAPE(2, 3), 1, 2, 3, 4, 5, 6), *b3 = T64(PR_SHAPE(3), 1, 2, 3), *empty;
    assert_fails(pr_solve(nan, b, &x), PR_ERR_NONFINITE, "solve: A holds NaN at row 0, column 1");
    assert_fails(pr_solve(rect, b, &x), PR_ERR_SHAPE, "must be square, got shape (2, 3)");
    pr_tensor *sq = T64(PR_SHAPE(2, 2), 1, 0, 0, 1);
    assert_fails(pr_solve(sq, b3, &x), PR_ERR_SHAPE, "A has shape (2, 2) but the right-hand side has shape (3,)");
    assert_ok(pr_tensor_zeros(&empty, PR_F64, PR_SHAPE(0, 2)));
    assert_fails(pr_svd(empty, PR_SVD_THIN, NULL, &x, NULL), PR_ERR_SHAPE, "empty");
    pr_tensor *ints;
    assert_ok(pr_tensor_ones(&ints, PR_I32, PR_SHAPE(2, 2)));
    assert_fails(pr_inverse(ints, &x), PR_ERR_DTYPE, "needs float32 or float64");
    pr_tensor *all[] = {nan, b, rect, b3, sq, empty, ints};
    free_all(all, 7);
}

/* ---- least squares, pseudo-inverse, rank ------------------------------------------- */

Test(linalg, lstsq_full_rank_and_rank_deficient) {
    pr_tensor *A = F("tall"), *D = F("deficient"), *B = F("rhs6"), *xa_e = F("tall_lstsq"), *xd_e = F("deficient_lstsq");
    pr_tensor *rank_e = F("deficient_rank"), *xa, *xd;
    int64_t ra, rd;
    assert_ok(pr_lstsq(A, B, -1, &xa, &ra));
    assert_ok(pr_lstsq(D, B, -1, &xd, &rd));
    cr_assert_eq(ra, 4);
    cr_assert_eq(rd, (int64_t)pr_tensor_get(rank_e, 0));
    assert_tensor_close(xa, xa_e, 1e-10, 1e-12, "lstsq, full rank");
    assert_tensor_close(xd, xd_e, 1e-9, 1e-11, "lstsq, rank 2: the minimum-norm solution");
    pr_tensor *all[] = {A, D, B, xa_e, xd_e, rank_e, xa, xd};
    free_all(all, 8);
}

Test(linalg, pinv_matches_numpy) {
    const char *names[][2] = {{"tall", "tall_pinv"}, {"deficient", "deficient_pinv"}, {"wide", "wide_pinv"}};
    for (int i = 0; i < 3; i++) {
        char a[64], e[64];
        snprintf(a, sizeof a, "linalg/%s.npy", names[i][0]);
        snprintf(e, sizeof e, "linalg/%s.npy", names[i][1]);
        pr_tensor *A = load_fixture(a), *E = load_fixture(e), *P;
        assert_ok(pr_pinv(A, -1, &P));
        cr_assert_eq(P->shape[0], A->shape[1]);
        cr_assert_eq(P->shape[1], A->shape[0]);
        assert_tensor_close(P, E, 1e-9, 1e-11, names[i][1]);
        pr_tensor *all[] = {A, E, P};
        free_all(all, 3);
    }
}

Test(linalg, rank_and_condition_number) {
    pr_tensor *A = F("tall"), *D = F("deficient"), *S = F("square"), *cond_e = F("square_cond");
    int64_t r;
    assert_ok(pr_rank(A, -1, &r));
    cr_assert_eq(r, 4);
    assert_ok(pr_rank(D, -1, &r));
    cr_assert_eq(r, 2);
    double c;
    assert_ok(pr_cond(S, &c));
    assert_near(c, pr_tensor_get(cond_e, 0), 1e-10 * pr_tensor_get(cond_e, 0));
    pr_tensor *sing = T64(PR_SHAPE(2, 2), 1, 1, 1, 1);
    assert_ok(pr_cond(sing, &c));
    cr_assert(c > 1e15, "a singular matrix has a huge (or infinite) condition number: %g", c);
    pr_tensor *all[] = {A, D, S, cond_e, sing};
    free_all(all, 5);
}

Test(linalg, system_kind_by_rank) {
    pr_tensor *A = T64(PR_SHAPE(2, 2), 1, 2, 2, 4), *in = T64(PR_SHAPE(2), 1, 2), *out = T64(PR_SHAPE(2), 1, 3);
    pr_tensor *I = T64(PR_SHAPE(2, 2), 1, 0, 0, 1);
    pr_system_kind k;
    assert_ok(pr_system_kind_of(I, out, &k));
    cr_assert_eq(k, PR_SYSTEM_UNIQUE);
    assert_ok(pr_system_kind_of(A, in, &k));
    cr_assert_eq(k, PR_SYSTEM_INFINITE);
    assert_ok(pr_system_kind_of(A, out, &k));
    cr_assert_eq(k, PR_SYSTEM_NONE);
    cr_assert_str_eq(pr_system_kind_name(PR_SYSTEM_NONE), "no solution");
    pr_tensor *all[] = {A, in, out, I};
    free_all(all, 4);
}

/* ---- decompositions --------------------------------------------------------------- */

Test(linalg, svd_values_match_numpy_and_reconstruct) {
    const char *names[][2] = {{"tall", "tall_svd_s"}, {"wide", "wide_svd_s"}, {"deficient", "deficient_svd_s"}};
    for (int i = 0; i < 3; i++) {
        char a[64], e[64];
        snprintf(a, sizeof a, "linalg/%s.npy", names[i][0]);
        snprintf(e, sizeof e, "linalg/%s.npy", names[i][1]);
        pr_tensor *A = load_fixture(a), *E = load_fixture(e);
        for (int mode = 0; mode < 2; mode++) {
            pr_tensor *U, *S, *Vt, *US, *R;
            assert_ok(pr_svd(A, mode ? PR_SVD_FULL : PR_SVD_THIN, &U, &S, &Vt));
            assert_tensor_close(S, E, 1e-12, 1e-13, names[i][1]);
            int orth;
            assert_ok(pr_is_orthogonal(U, 1e-12, &orth));
            cr_assert(orth, "U has orthonormal columns");
            int64_t m = A->shape[0], n = A->shape[1], k = S->size;
            cr_assert_eq(U->shape[1], mode ? m : k);
            cr_assert_eq(Vt->shape[0], mode ? n : k);
            if (!mode) { /* thin: U diag(S) Vt = A */
                assert_ok(pr_mul(U, S, &US));
                assert_ok(pr_matmul(US, Vt, &R));
                cr_assert(max_diff(R, A) < 1e-13, "reconstruction error %g", max_diff(R, A));
                pr_tensor_free(US);
                pr_tensor_free(R);
            }
            pr_tensor *all[] = {U, S, Vt};
            free_all(all, 3);
        }
        pr_tensor_free(A);
        pr_tensor_free(E);
    }
}

Test(linalg, truncated_svd_is_the_best_low_rank_approximation) {
    pr_tensor *A = F("tall"), *s = F("tall_svd_s"), *A2, *diff, *U, *S, *Vt;
    assert_ok(pr_svd_truncated(A, 2, &U, &S, &Vt));
    cr_assert_eq(U->shape[1], 2);
    cr_assert_eq(S->size, 2);
    cr_assert_eq(Vt->shape[0], 2);
    assert_ok(pr_low_rank_approx(A, 2, &A2));
    assert_ok(pr_sub(A, A2, &diff));
    double err, spec;
    assert_ok(pr_matrix_norm(diff, PR_NORM_FROBENIUS, &err));
    assert_ok(pr_matrix_norm(diff, PR_NORM_SPECTRAL, &spec));
    /* Eckart-Young: ‖A - A_2‖_F = sqrt(σ3² + σ4²), ‖A - A_2‖_2 = σ3 */
    double s3 = pr_tensor_get(s, 2), s4 = pr_tensor_get(s, 3);
    assert_near(err, sqrt(s3 * s3 + s4 * s4), 1e-12);
    assert_near(spec, s3, 1e-12);
    pr_tensor *bad = NULL;
    assert_fails(pr_low_rank_approx(A, 5, &bad), PR_ERR_INVALID, "outside 1..4");
    pr_tensor *all[] = {A, s, A2, diff, U, S, Vt};
    free_all(all, 7);
}

Test(linalg, float32_decompositions) {
    pr_tensor *A = F("tall32"), *s_e = F("tall32_svd_s"), *P = F("spd32"), *w_e = F("spd32_eigh"), *S, *w;
    cr_assert_eq(A->dtype, PR_F32);
    assert_ok(pr_svd(A, PR_SVD_THIN, NULL, &S, NULL));
    cr_assert_eq(S->dtype, PR_F32);
    assert_tensor_close(S, s_e, 1e-5, 1e-6, "float32 singular values");
    assert_ok(pr_eigh(P, PR_ASCENDING, &w, NULL));
    assert_tensor_close(w, w_e, 1e-5, 1e-5, "float32 eigenvalues");
    pr_tensor *all[] = {A, s_e, P, w_e, S, w};
    free_all(all, 6);
}

Test(linalg, cholesky_matches_numpy_and_refuses_non_pd) {
    pr_tensor *P = F("spd"), *L_e = F("spd_cholesky"), *L, *bad = NULL;
    assert_ok(pr_cholesky(P, &L));
    assert_tensor_close(L, L_e, 1e-12, 1e-13, "cholesky");
    pr_tensor *indef = T64(PR_SHAPE(2, 2), 1, 2, 2, 1), *asym = T64(PR_SHAPE(2, 2), 2, 1, 0, 2);
    assert_fails(pr_cholesky(indef, &bad), PR_ERR_NOT_PD, "leading minor of order 2");
    assert_fails(pr_cholesky(asym, &bad), PR_ERR_INVALID, "not symmetric");
    pr_tensor *all[] = {P, L_e, L, indef, asym};
    free_all(all, 5);
}

Test(linalg, qr_reduced_and_complete) {
    pr_tensor *A = F("tall"), *W = F("wide");
    pr_tensor *mats[] = {A, W};
    for (int i = 0; i < 2; i++)
        for (int mode = 0; mode < 2; mode++) {
            pr_tensor *Q, *R, *QR;
            assert_ok(pr_qr(mats[i], mode ? PR_QR_COMPLETE : PR_QR_REDUCED, &Q, &R));
            int64_t m = mats[i]->shape[0], n = mats[i]->shape[1], k = m < n ? m : n;
            cr_assert_eq(Q->shape[1], mode ? m : k);
            cr_assert_eq(R->shape[0], mode ? m : k);
            int orth;
            assert_ok(pr_is_orthogonal(Q, 1e-12, &orth));
            cr_assert(orth, "Q has orthonormal columns");
            for (int64_t r = 0; r < R->shape[0]; r++)
                for (int64_t c = 0; c < r && c < n; c++) cr_assert_eq(pr_tensor_get(R, r * n + c), 0.0, "R is upper triangular");
            assert_ok(pr_matmul(Q, R, &QR));
            cr_assert(max_diff(QR, mats[i]) < 1e-13, "QR = A (error %g)", max_diff(QR, mats[i]));
            pr_tensor *all[] = {Q, R, QR};
            free_all(all, 3);
        }
    pr_tensor_free(A);
    pr_tensor_free(W);
}

Test(linalg, eigh_orders_and_diagonalises) {
    pr_tensor *P = F("spd"), *w_e = F("spd_eigh"), *w, *V, *wd, *Vd;
    assert_ok(pr_eigh(P, PR_ASCENDING, &w, &V));
    assert_tensor_close(w, w_e, 1e-12, 1e-12, "eigh ascending");
    assert_ok(pr_eigh(P, PR_DESCENDING, &wd, &Vd));
    for (int i = 0; i < 5; i++) cr_assert_eq(pr_tensor_get(wd, i), pr_tensor_get(w, 4 - i));
    /* P v_i = λ_i v_i for every column of the reordered V */
    for (int i = 0; i < 5; i++)
        for (int r = 0; r < 5; r++) {
            double pv = 0;
            for (int c = 0; c < 5; c++) pv += pr_tensor_get(P, r * 5 + c) * pr_tensor_get(Vd, c * 5 + i);
            assert_near(pv, pr_tensor_get(wd, i) * pr_tensor_get(Vd, r * 5 + i), 1e-11);
        }
    pr_tensor *asym = T64(PR_SHAPE(2, 2), 1, 2, 0, 1), *bad = NULL;
    assert_fails(pr_eigh(asym, PR_ASCENDING, &bad, NULL), PR_ERR_INVALID, "A[0,1] - A[1,0] = 2");
    pr_tensor *all[] = {P, w_e, w, V, wd, Vd, asym};
    free_all(all, 7);
}

/* Sort (re, im) pairs as the fixture script did (by real part, then imaginary). */
static void sort_pairs(double *re, double *im, int n) {
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && (re[j] < re[j - 1] || (re[j] == re[j - 1] && im[j] < im[j - 1])); j--) {
            double t = re[j];
            re[j] = re[j - 1];
            re[j - 1] = t;
            t = im[j];
            im[j] = im[j - 1];
            im[j - 1] = t;
        }
}

Test(linalg, general_eig_keeps_complex_eigenvalues) {
    pr_tensor *S = F("square"), *re_e = F("square_eig_re"), *im_e = F("square_eig_im"), *poly_e = F("square_charpoly");
    pr_tensor *wr, *wi, *Vr, *Vi, *poly;
    assert_ok(pr_eig(S, &wr, &wi, &Vr, &Vi));
    double re[5], im[5];
    int complex_count = 0;
    for (int i = 0; i < 5; i++) {
        re[i] = pr_tensor_get(wr, i);
        im[i] = pr_tensor_get(wi, i);
        complex_count += im[i] != 0;
    }
    sort_pairs(re, im, 5);
    for (int i = 0; i < 5; i++) {
        assert_near(re[i], pr_tensor_get(re_e, i), 1e-12);
        assert_near(im[i], pr_tensor_get(im_e, i), 1e-12);
    }
    cr_assert_geq(complex_count, 2, "this fixture has a complex pair");
    /* A v = λ v in complex arithmetic for every eigenpair */
    for (int k = 0; k < 5; k++) {
        double lr = pr_tensor_get(wr, k), li = pr_tensor_get(wi, k);
        for (int r = 0; r < 5; r++) {
            double avr = 0, avi = 0;
            for (int c = 0; c < 5; c++) {
                avr += pr_tensor_get(S, r * 5 + c) * pr_tensor_get(Vr, c * 5 + k);
                avi += pr_tensor_get(S, r * 5 + c) * pr_tensor_get(Vi, c * 5 + k);
            }
            double vr = pr_tensor_get(Vr, r * 5 + k), vi = pr_tensor_get(Vi, r * 5 + k);
            assert_near(avr, lr * vr - li * vi, 1e-12);
            assert_near(avi, lr * vi + li * vr, 1e-12);
        }
    }
    assert_ok(pr_charpoly(S, &poly));
    assert_tensor_close(poly, poly_e, 1e-11, 1e-11, "np.poly");
    pr_tensor *all[] = {S, re_e, im_e, poly_e, wr, wi, Vr, Vi, poly};
    free_all(all, 9);
}

Test(linalg, rotation_has_imaginary_eigenvalues) {
    /* [[0, -2], [1, 0]]: λ² + 2 = 0, λ = ±i√2 */
    pr_tensor *R = T64(PR_SHAPE(2, 2), 0, -2, 1, 0), *wr, *wi;
    assert_ok(pr_eig(R, &wr, &wi, NULL, NULL));
    assert_values_close(wr, (double[]){0, 0}, 2, 0, 1e-15, "real parts");
    assert_values_close(wi, (double[]){M_SQRT2, -M_SQRT2}, 2, 1e-15, 0, "imaginary parts, positive first");
    pr_tensor *all[] = {R, wr, wi};
    free_all(all, 3);
}

Test(linalg, definiteness_classes) {
    struct {
        double m[4];
        pr_definiteness kind;
    } cases[] = {
        {{2, 0, 0, 3}, PR_POSITIVE_DEFINITE},      {{1, 1, 1, 1}, PR_POSITIVE_SEMIDEFINITE},
        {{-2, 0, 0, -1}, PR_NEGATIVE_DEFINITE},    {{-1, -1, -1, -1}, PR_NEGATIVE_SEMIDEFINITE},
        {{1, 0, 0, -1}, PR_INDEFINITE},            {{0, 0, 0, 0}, PR_POSITIVE_SEMIDEFINITE},
        {{1, 3, -3, 1}, PR_POSITIVE_DEFINITE}, /* skew part does not count */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pr_tensor *A = tensor_f64(PR_SHAPE(2, 2), cases[i].m);
        pr_definiteness k;
        assert_ok(pr_definiteness_of(A, -1, &k));
        cr_assert_eq(k, cases[i].kind, "case %zu: got %s, expected %s", i, pr_definiteness_name(k),
                     pr_definiteness_name(cases[i].kind));
        pr_tensor_free(A);
    }
    /* a tolerance turns a tiny negative eigenvalue into zero */
    pr_tensor *almost = T64(PR_SHAPE(2, 2), 1, 0, 0, -1e-12);
    pr_definiteness k;
    assert_ok(pr_definiteness_of(almost, 1e-9, &k));
    cr_assert_eq(k, PR_POSITIVE_SEMIDEFINITE);
    assert_ok(pr_definiteness_of(almost, 0, &k));
    cr_assert_eq(k, PR_INDEFINITE);
    pr_tensor_free(almost);
}

Test(linalg, symmetric_and_orthogonal_tests) {
    pr_tensor *S = T64(PR_SHAPE(2, 2), 1, 2, 2, 1), *N = T64(PR_SHAPE(2, 2), 1, 2, 3, 1);
    double c = cos(0.3), s = sin(0.3);
    pr_tensor *Q = T64(PR_SHAPE(2, 2), c, -s, s, c), *rect = T64(PR_SHAPE(2, 3), 1, 2, 3, 4, 5, 6);
    int y;
    assert_ok(pr_is_symmetric(S, -1, &y));
    cr_assert(y);
    assert_ok(pr_is_symmetric(N, -1, &y));
    cr_assert(!y);
    assert_ok(pr_is_symmetric(rect, -1, &y));
    cr_assert(!y, "a rectangular matrix is not symmetric");
    assert_ok(pr_is_orthogonal(Q, -1, &y));
    cr_assert(y, "a rotation is orthogonal");
    assert_ok(pr_is_orthogonal(S, -1, &y));
    cr_assert(!y);
    pr_tensor *all[] = {S, N, Q, rect};
    free_all(all, 4);
}

Test(linalg, backend_reports_itself) {
    pr_backend_info info;
    pr_backend_info_get(&info);
    cr_assert(strstr(info.lapack, "LAPACK 3.") != NULL, "%s", info.lapack);
    cr_assert(strlen(info.blas) > 0);
    cr_assert_geq(info.cpu_count, 1);
    assert_ok(pr_set_num_threads(1));
    pr_backend_info_get(&info);
    cr_assert_eq(info.blas_threads, 1);
    assert_fails(pr_set_num_threads(0), PR_ERR_INVALID, "not a thread count");
}
