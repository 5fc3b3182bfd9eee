/* Every worked number of chapter 1 (linear algebra), with the book's values.
 * Where the book is wrong (ERRATA.md), the test uses the correct value and says so. */
#include <string.h>

#include "test_util.h"

static void free_all(pr_tensor **ts, int n) {
    for (int i = 0; i < n; i++) pr_tensor_free(ts[i]);
}

Test(ch01, example_1_1_cosine_similarity_of_word_vectors) {
    pr_tensor *king = T64(PR_SHAPE(3), 2, 1, 3), *queen = T64(PR_SHAPE(3), 2, 1.5, 2.5);
    double dot, cos, nq;
    assert_ok(pr_dot(king, queen, &dot));
    cr_assert_eq(dot, 13.0, "2*2 + 1*1.5 + 3*2.5 = 13");
    assert_ok(pr_norm(queen, 2, &nq));
    /* ERRATA 1: the book's denominator prints sqrt(10.5); ||queen||^2 is 12.5. */
    assert_near(nq * nq, 12.5, 1e-14);
    assert_ok(pr_cosine_similarity(king, queen, &cos));
    assert_near(cos, 13 / (sqrt(14) * sqrt(12.5)), 1e-15);
    assert_near(cos, 0.98, 0.005); /* the book's rounded answer */
    free_all((pr_tensor *[]){king, queen}, 2);
}

Test(ch01, example_1_2_three_norms_and_their_order) {
    pr_tensor *x = T64(PR_SHAPE(3), 3, -4, 0);
    double l1, l2, linf;
    assert_ok(pr_norm(x, 1, &l1));
    assert_ok(pr_norm(x, 2, &l2));
    assert_ok(pr_norm(x, INFINITY, &linf));
    cr_assert_eq(l1, 7.0);
    cr_assert_eq(l2, 5.0);
    cr_assert_eq(linf, 4.0);
    cr_assert(linf <= l2 && l2 <= l1);
    pr_tensor_free(x);
}

Test(ch01, example_1_3_dense_layer) {
    pr_tensor *W = T64(PR_SHAPE(2, 3), 0.5, -0.3, 0.8, 0.1, 0.7, -0.2), *x = T64(PR_SHAPE(3), 1, 2, 3), *z;
    assert_ok(pr_matmul(W, x, &z));
    assert_values_close(z, (double[]){2.3, 0.9}, 2, 0, 1e-15, "z = Wx + 0");
    free_all((pr_tensor *[]){W, x, z}, 3);
}

Test(ch01, example_1_4_two_by_two_system) {
    pr_tensor *A = T64(PR_SHAPE(2, 2), 2, 1, 1, 3), *b = T64(PR_SHAPE(2), 5, 7), *inv, *x;
    double det;
    assert_ok(pr_det(A, &det));
    cr_assert_eq(det, 5.0);
    assert_ok(pr_inverse(A, &inv));
    assert_values_close(inv, (double[]){3.0 / 5, -1.0 / 5, -1.0 / 5, 2.0 / 5}, 4, 1e-15, 0, "A^-1 = [[3,-1],[-1,2]]/5");
    assert_ok(pr_solve(A, b, &x));
    assert_values_close(x, (double[]){1.6, 1.8}, 2, 1e-15, 0, "x = (1.6, 1.8)");
    free_all((pr_tensor *[]){A, b, inv, x}, 4);
}

Test(ch01, example_1_5_and_listing_1_1_eigenpairs) {
    pr_tensor *A = T64(PR_SHAPE(2, 2), 3, 1, 0, 2), *wr, *wi, *Vr, *Vi, *poly;
    assert_ok(pr_eig(A, &wr, &wi, &Vr, &Vi));
    assert_values_close(wr, (double[]){3, 2}, 2, 0, 0, "eigenvalues [3. 2.]");
    assert_values_close(wi, (double[]){0, 0}, 2, 0, 0, "real");
    /* v1 = (1, 0), v2 = (-1, 1)/sqrt 2, up to sign */
    double s1 = pr_tensor_get(Vr, 0) > 0 ? 1 : -1, s2 = pr_tensor_get(Vr, 3) > 0 ? 1 : -1;
    assert_near(s1 * pr_tensor_get(Vr, 0), 1, 1e-15);
    assert_near(s1 * pr_tensor_get(Vr, 2), 0, 1e-15);
    assert_near(s2 * pr_tensor_get(Vr, 1), -M_SQRT1_2, 1e-15);
    assert_near(s2 * pr_tensor_get(Vr, 3), M_SQRT1_2, 1e-15);
    /* characteristic polynomial (3 - λ)(2 - λ) = λ² - 5λ + 6 */
    assert_ok(pr_charpoly(A, &poly));
    assert_values_close(poly, (double[]){1, -5, 6}, 3, 1e-14, 1e-14, "charpoly");
    free_all((pr_tensor *[]){A, wr, wi, Vr, Vi, poly}, 6);
}

Test(ch01, example_1_6_svd_and_eigendecomposition) {
    /* σ_i² are the eigenvalues of AᵀA and the non-zero ones of AAᵀ */
    pr_tensor *X = T64(PR_SHAPE(3, 2), 1, 2, 3, 4, 5, 6), *S, *G, *ev, *Xt, *K, *ek;
    assert_ok(pr_svd(X, PR_SVD_THIN, NULL, &S, NULL));
    assert_ok(pr_gram(X, &G));
    assert_ok(pr_eigh(G, PR_DESCENDING, &ev, NULL));
    assert_ok(pr_tensor_transpose(X, NULL, &Xt));
    assert_ok(pr_matmul(X, Xt, &K));
    assert_ok(pr_eigh(K, PR_DESCENDING, &ek, NULL));
    for (int i = 0; i < 2; i++) {
        double s2 = pr_tensor_get(S, i) * pr_tensor_get(S, i);
        assert_near(pr_tensor_get(ev, i), s2, 1e-12 * s2 + 1e-14);
        assert_near(pr_tensor_get(ek, i), s2, 1e-12 * s2 + 1e-14);
    }
    assert_near(pr_tensor_get(ek, 2), 0, 1e-12);
    free_all((pr_tensor *[]){X, S, G, ev, Xt, K, ek}, 7);
}

Test(ch01, problem_1_1_normal_equation) {
    pr_tensor *X = T64(PR_SHAPE(3, 2), 1, 2, 3, 4, 5, 6), *y = T64(PR_SHAPE(3), 1, 2, 3), *G, *Xt, *Xty, *w, *fit;
    double det;
    assert_ok(pr_gram(X, &G));
    assert_values_close(G, (double[]){35, 44, 44, 56}, 4, 0, 0, "X^T X");
    assert_ok(pr_tensor_transpose(X, NULL, &Xt));
    assert_ok(pr_matmul(Xt, y, &Xty));
    assert_values_close(Xty, (double[]){22, 28}, 2, 0, 0, "X^T y");
    assert_ok(pr_det(G, &det));
    assert_near(det, 24, 1e-12);
    assert_ok(pr_solve(G, Xty, &w));
    assert_values_close(w, (double[]){0, 0.5}, 2, 0, 1e-13, "w* = (0, 0.5)");
    assert_ok(pr_matmul(X, w, &fit));
    assert_values_close(fit, (double[]){1, 2, 3}, 3, 0, 1e-13, "X w* = y exactly");
    free_all((pr_tensor *[]){X, y, G, Xt, Xty, w, fit}, 7);
}

Test(ch01, problem_1_2_gram_matrices_are_psd) {
    pr_rng rng;
    pr_rng_seed(&rng, 12);
    for (int trial = 0; trial < 20; trial++) {
        pr_tensor *A, *G;
        assert_ok(pr_tensor_normal(&A, PR_F64, PR_SHAPE(5, 3), 0, 1, &rng));
        assert_ok(pr_gram(A, &G));
        pr_definiteness k;
        assert_ok(pr_definiteness_of(G, -1, &k));
        cr_assert_eq(k, PR_POSITIVE_DEFINITE, "full column rank: positive definite");
        pr_tensor_free(G);
        /* duplicate a column: rank 2 of 3 → semi-definite only */
        for (int r = 0; r < 5; r++) pr_tensor_set(A, r * 3 + 2, pr_tensor_get(A, r * 3));
        assert_ok(pr_gram(A, &G));
        assert_ok(pr_definiteness_of(G, -1, &k));
        cr_assert_eq(k, PR_POSITIVE_SEMIDEFINITE, "rank-deficient: positive semi-definite");
        free_all((pr_tensor *[]){A, G}, 2);
    }
}

Test(ch01, problem_1_3_listing_1_2_singular_values) {
    pr_tensor *X = T64(PR_SHAPE(3, 2), 1, 2, 3, 4, 5, 6), *U, *S, *Vt, *G, *ev, *US, *R;
    assert_ok(pr_svd(X, PR_SVD_THIN, &U, &S, &Vt));
    /* NumPy prints [9.52551809 0.51430058] */
    assert_values_close(S, (double[]){9.52551809, 0.51430058}, 2, 0, 5e-9, "singular values");
    assert_ok(pr_gram(X, &G));
    assert_ok(pr_eigh(G, PR_DESCENDING, &ev, NULL));
    for (int i = 0; i < 2; i++) assert_near(sqrt(pr_tensor_get(ev, i)), pr_tensor_get(S, i), 1e-13);
    assert_ok(pr_mul(U, S, &US));
    assert_ok(pr_matmul(US, Vt, &R));
    double err = 0;
    for (int i = 0; i < 6; i++) err += pow(pr_tensor_get(R, i) - pr_tensor_get(X, i), 2);
    cr_assert_lt(sqrt(err), 1e-13, "reconstruction error %.2e", sqrt(err));
    free_all((pr_tensor *[]){X, U, S, Vt, G, ev, US, R}, 8);
}

Test(ch01, q1_4_rank_is_at_most_min_m_n) {
    pr_rng rng;
    pr_rng_seed(&rng, 14);
    pr_tensor *A;
    assert_ok(pr_tensor_normal(&A, PR_F64, PR_SHAPE(5, 3), 0, 1, &rng));
    int64_t r;
    assert_ok(pr_rank(A, -1, &r));
    cr_assert_eq(r, 3, "(b) 3 = min(5, 3)");
    pr_tensor_free(A);
}

Test(ch01, q1_5_xtx_is_symmetric) {
    pr_rng rng;
    pr_rng_seed(&rng, 15);
    pr_tensor *X, *G, *XX = NULL;
    assert_ok(pr_tensor_normal(&X, PR_F64, PR_SHAPE(4, 3), 0, 1, &rng));
    assert_ok(pr_gram(X, &G));
    int sym;
    assert_ok(pr_is_symmetric(G, 0, &sym));
    cr_assert(sym, "(b) X^T X");
    assert_fails(pr_matmul(X, X, &XX), PR_ERR_SHAPE, "inner dimensions"); /* X X is not even defined */
    free_all((pr_tensor *[]){X, G}, 2);
}

Test(ch01, q1_6_mixed_sign_eigenvalues_are_indefinite) {
    pr_tensor *D = T64(PR_SHAPE(3, 3), 5, 0, 0, 0, 3, 0, 0, 0, -1);
    pr_definiteness k;
    assert_ok(pr_definiteness_of(D, -1, &k));
    cr_assert_eq(k, PR_INDEFINITE, "(c) indefinite");
    double det;
    assert_ok(pr_det(D, &det));
    cr_assert_neq(det, 0.0, "not (d): it is not singular");
    pr_tensor_free(D);
}

Test(ch01, q1_7_dot_angle_projection) {
    pr_tensor *u = T64(PR_SHAPE(3), 1, 2, -1), *v = T64(PR_SHAPE(3), 3, 0, 4), *p;
    double dot, cos, angle;
    assert_ok(pr_dot(u, v, &dot));
    cr_assert_eq(dot, -1.0);
    assert_ok(pr_cosine_similarity(u, v, &cos));
    assert_near(cos, -1 / (sqrt(6) * 5), 1e-15);
    assert_near(cos, -0.0816, 5e-5);
    assert_ok(pr_vector_angle(u, v, &angle));
    assert_near(angle * 180 / M_PI, 94.7, 0.05);
    assert_ok(pr_project_onto_vector(v, u, &p));
    assert_values_close(p, (double[]){-1.0 / 6, -1.0 / 3, 1.0 / 6}, 3, 1e-15, 0, "proj_u(v)");
    free_all((pr_tensor *[]){u, v, p}, 3);
}

Test(ch01, q1_8_eigenvalues_and_symmetric_part) {
    pr_tensor *A = T64(PR_SHAPE(2, 2), 4, 2, 1, 3), *wr, *wi, *poly, *S, *sw;
    assert_ok(pr_eig(A, &wr, &wi, NULL, NULL));
    assert_values_close(wr, (double[]){5, 2}, 2, 1e-15, 0, "lambda = 5, 2");
    assert_ok(pr_charpoly(A, &poly));
    assert_values_close(poly, (double[]){1, -7, 10}, 3, 1e-14, 1e-14, "λ² - 7λ + 10");
    assert_ok(pr_symmetric_part(A, &S));
    assert_values_close(S, (double[]){4, 1.5, 1.5, 3}, 4, 0, 0, "(A + A^T)/2");
    assert_ok(pr_eigh(S, PR_DESCENDING, &sw, NULL));
    /* ERRATA 2: the book prints 5.25 and 1.75; the eigenvalues are 3.5 ± sqrt(2.5). */
    assert_values_close(sw, (double[]){3.5 + sqrt(2.5), 3.5 - sqrt(2.5)}, 2, 1e-15, 0, "5.081 and 1.919");
    pr_definiteness k;
    assert_ok(pr_definiteness_of(A, -1, &k));
    cr_assert_eq(k, PR_POSITIVE_DEFINITE, "the symmetrized form is PD");
    free_all((pr_tensor *[]){A, wr, wi, poly, S, sw}, 6);
}

Test(ch01, q1_9_listing_1_3_matrix_norm_inequality) {
    pr_rng rng;
    pr_rng_seed(&rng, 19);
    for (int trial = 0; trial < 200; trial++) {
        pr_tensor *A, *x, *Ax;
        assert_ok(pr_tensor_normal(&A, PR_F64, PR_SHAPE(4, 3), 0, 1, &rng));
        assert_ok(pr_tensor_normal(&x, PR_F64, PR_SHAPE(3), 0, 1, &rng));
        assert_ok(pr_matmul(A, x, &Ax));
        double lhs, na, nx;
        assert_ok(pr_norm(Ax, 2, &lhs));
        assert_ok(pr_matrix_norm(A, PR_NORM_SPECTRAL, &na));
        assert_ok(pr_norm(x, 2, &nx));
        cr_assert_leq(lhs, na * nx + 1e-10, "trial %d: %g > %g", trial, lhs, na * nx);
        free_all((pr_tensor *[]){A, x, Ax}, 3);
    }
}
