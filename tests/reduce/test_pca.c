/* PCA against scikit-learn's (fixtures from make_reduce_fixtures.py), the solvers
 * against each other, closed forms of the reconstruction error, files and bad input. */
#include <string.h>

#include "test_util.h"

/* Rows of A equal rows of B up to each row's sign. */
static void assert_rows_close_up_to_sign(const pr_tensor *A, const pr_tensor *B, double tol, const char *what) {
    cr_assert(A->ndim == 2 && B->ndim == 2 && A->shape[0] == B->shape[0] && A->shape[1] == B->shape[1], "%s: shapes", what);
    int64_t k = A->shape[0], n = A->shape[1];
    for (int64_t i = 0; i < k; i++) {
        double dot = 0;
        for (int64_t j = 0; j < n; j++) dot += pr_tensor_get(A, i * n + j) * pr_tensor_get(B, i * n + j);
        double s = dot < 0 ? -1 : 1;
        for (int64_t j = 0; j < n; j++)
            cr_assert(fabs(pr_tensor_get(A, i * n + j) - s * pr_tensor_get(B, i * n + j)) <= tol,
                      "%s: row %lld column %lld: %.12g vs %.12g", what, (long long)i, (long long)j,
                      pr_tensor_get(A, i * n + j), s * pr_tensor_get(B, i * n + j));
    }
}

/* The first n values of t against expected. */
static void assert_leading_close(const pr_tensor *t, const double *expected, int64_t n, double rtol, const char *what) {
    cr_assert(t->size >= n, "%s: %lld values, at least %lld expected", what, (long long)t->size, (long long)n);
    for (int64_t i = 0; i < n; i++)
        cr_assert(fabs(pr_tensor_get(t, i) - expected[i]) <= rtol * fabs(expected[i]), "%s[%lld] = %.15g, expected %.15g",
                  what, (long long)i, pr_tensor_get(t, i), expected[i]);
}

static pr_pca *fit(const pr_tensor *X, int64_t k, pr_pca_solver solver) {
    pr_pca_config c = PR_PCA_DEFAULTS;
    c.n_components = k;
    c.solver = solver;
    pr_pca *p;
    assert_ok(pr_pca_fit(&p, &c, X));
    return p;
}

Test(pca, matches_scikit_learn_full) {
    pr_tensor *X = load_fixture("reduce/pca_X.npy"), *V = load_fixture("reduce/pca_components.npy");
    pr_tensor *ev = load_fixture("reduce/pca_explained_variance.npy"), *mean = load_fixture("reduce/pca_mean.npy");
    pr_tensor *Zref = load_fixture("reduce/pca_transform.npy"), *Xref = load_fixture("reduce/pca_inverse.npy");
    pr_tensor *ratio = load_fixture("reduce/pca_explained_variance_ratio.npy");
    for (int s = PR_PCA_COVARIANCE; s <= PR_PCA_SVD; s++) {
        pr_pca *p = fit(X, 3, (pr_pca_solver)s);
        cr_assert_eq(pr_pca_n_components(p), 3);
        assert_rows_close_up_to_sign(pr_pca_components(p), V, 1e-10, "components");
        assert_leading_close(pr_pca_explained_variance(p), pr_tensor_f64(ev), 3, 1e-10, "explained variance");
        assert_tensor_close(pr_pca_mean(p), mean, 1e-12, 1e-12, "mean");
        for (int i = 0; i < 3; i++)
            assert_near(pr_tensor_get(pr_pca_explained_variance(p), i) / pr_pca_total_variance(p), pr_tensor_get(ratio, i), 1e-10);
        /* transform up to each column's sign, and the reconstruction exactly */
        pr_tensor *Z, *R, *Zt;
        assert_ok(pr_pca_transform(p, X, &Z));
        assert_ok(pr_tensor_transpose(Z, NULL, &Zt));
        pr_tensor *Zreft;
        assert_ok(pr_tensor_transpose(Zref, NULL, &Zreft));
        assert_rows_close_up_to_sign(Zt, Zreft, 1e-9, "transform");
        assert_ok(pr_pca_inverse_transform(p, Z, &R));
        assert_tensor_close(R, Xref, 1e-10, 1e-10, "inverse transform");
        pr_tensor_free(Z);
        pr_tensor_free(Zt);
        pr_tensor_free(Zreft);
        pr_tensor_free(R);
        pr_pca_free(p);
    }
    pr_tensor_free(X);
    pr_tensor_free(V);
    pr_tensor_free(ev);
    pr_tensor_free(mean);
    pr_tensor_free(Zref);
    pr_tensor_free(Xref);
    pr_tensor_free(ratio);
}

Test(pca, components_have_a_deterministic_sign) {
    pr_tensor *X = load_fixture("reduce/pca_X.npy");
    pr_pca *p = fit(X, 3, PR_PCA_COVARIANCE);
    const pr_tensor *V = pr_pca_components(p);
    for (int64_t i = 0; i < 3; i++) {
        double big = 0;
        for (int64_t j = 0; j < 6; j++)
            if (fabs(pr_tensor_get(V, i * 6 + j)) > fabs(big)) big = pr_tensor_get(V, i * 6 + j);
        cr_assert(big > 0, "component %lld: largest entry %g is negative", (long long)i, big);
    }
    pr_pca_free(p);
    pr_tensor_free(X);
}

Test(pca, wide_data_by_svd) {
    pr_tensor *W = load_fixture("reduce/pca_wide_X.npy"), *V = load_fixture("reduce/pca_wide_components.npy");
    pr_tensor *ev = load_fixture("reduce/pca_wide_explained_variance.npy");
    pr_pca *p = fit(W, 5, PR_PCA_AUTO);
    cr_assert_eq(pr_pca_settings(p).solver, PR_PCA_SVD, "12 x 20: the SVD is the cheaper full solver");
    assert_rows_close_up_to_sign(pr_pca_components(p), V, 1e-9, "wide components");
    assert_leading_close(pr_pca_explained_variance(p), pr_tensor_f64(ev), 5, 1e-10, "wide variances");
    cr_assert_eq(pr_pca_explained_variance(p)->size, 12, "min(m, n) variances");
    pr_pca_free(p);
    pr_tensor_free(W);
    pr_tensor_free(V);
    pr_tensor_free(ev);
}

Test(pca, whitening_matches_scikit_learn) {
    pr_tensor *X = load_fixture("reduce/pca_X.npy"), *Zref = load_fixture("reduce/pca_whiten_transform.npy");
    pr_pca_config c = PR_PCA_DEFAULTS;
    c.n_components = 3;
    c.whiten = 1;
    pr_pca *p;
    assert_ok(pr_pca_fit(&p, &c, X));
    pr_tensor *Z, *Zt, *Zreft, *R;
    assert_ok(pr_pca_transform(p, X, &Z));
    assert_ok(pr_tensor_transpose(Z, NULL, &Zt));
    assert_ok(pr_tensor_transpose(Zref, NULL, &Zreft));
    assert_rows_close_up_to_sign(Zt, Zreft, 1e-9, "whitened transform");
    /* the inverse of a whitened transform still reconstructs */
    double err, err_plain;
    assert_ok(pr_pca_reconstruction_error(p, X, &err));
    pr_pca *q = fit(X, 3, PR_PCA_COVARIANCE);
    assert_ok(pr_pca_reconstruction_error(q, X, &err_plain));
    assert_near(err, err_plain, 1e-10);
    assert_ok(pr_pca_inverse_transform(p, Z, &R));
    pr_tensor *Xref = load_fixture("reduce/pca_inverse.npy"); /* scikit-learn's, unwhitened */
    assert_tensor_close(R, Xref, 1e-10, 1e-10, "inverse of the whitened transform");
    pr_tensor_free(Xref);
    pr_pca_free(p);
    pr_pca_free(q);
    pr_tensor_free(X);
    pr_tensor_free(Zref);
    pr_tensor_free(Z);
    pr_tensor_free(Zt);
    pr_tensor_free(Zreft);
    pr_tensor_free(R);
}

Test(pca, variance_fraction_chooses_k) {
    pr_tensor *X = load_fixture("reduce/pca_X.npy"), *n95 = load_fixture("reduce/pca_n95.npy");
    pr_pca_config c = PR_PCA_DEFAULTS; /* 95% */
    pr_pca *p;
    assert_ok(pr_pca_fit(&p, &c, X));
    cr_assert_eq(pr_pca_n_components(p), (int64_t)pr_tensor_get(n95, 0), "k %lld, scikit-learn %g",
                 (long long)pr_pca_n_components(p), pr_tensor_get(n95, 0));
    pr_pca_free(p);
    pr_tensor_free(X);
    pr_tensor_free(n95);
    /* the book's spectra: Example 12.1 (k = 3 at 95%, 2 gives 85.2%), Q12.4 (exactly 90% at 3),
     * Q12.8 (1/k^2 over 50: 10 components for 95%) */
    double ex[] = {10, 5, 2, 0.5, 0.1}, q4[] = {10, 5, 3, 1, 0.5, 0.3, 0.1, 0.1}, q8[50];
    for (int k = 0; k < 50; k++) q8[k] = 1.0 / ((k + 1.0) * (k + 1.0));
    cr_assert_eq(pr_components_for_variance(ex, 5, 0.95), 3);
    cr_assert_eq(pr_components_for_variance(ex, 5, 0.85), 2);
    cr_assert_eq(pr_components_for_variance(q4, 8, 0.90), 3);
    cr_assert_eq(pr_components_for_variance(q8, 50, 0.95), 10);
}

/* ddof 0 and 1 differ by m / (m - 1) in the variances, not in the directions; the
 * reconstruction error on the training data is the discarded variance times (m - ddof) / m. */
Test(pca, ddof_and_reconstruction_error_closed_form) {
    pr_tensor *X = load_fixture("reduce/pca_X.npy");
    int64_t m = X->shape[0];
    pr_pca_config c = PR_PCA_DEFAULTS;
    c.n_components = 2;
    pr_pca *p1, *p0;
    assert_ok(pr_pca_fit(&p1, &c, X));
    c.ddof = 0;
    assert_ok(pr_pca_fit(&p0, &c, X));
    const pr_tensor *v1 = pr_pca_explained_variance(p1), *v0 = pr_pca_explained_variance(p0);
    double discarded = 0;
    for (int64_t i = 0; i < v1->size; i++) {
        assert_near(pr_tensor_get(v0, i) * (double)m / (double)(m - 1), pr_tensor_get(v1, i), 1e-10);
        if (i >= 2) discarded += pr_tensor_get(v1, i);
    }
    double err;
    assert_ok(pr_pca_reconstruction_error(p1, X, &err));
    assert_near(err, discarded * (double)(m - 1) / (double)m, 1e-9);
    pr_pca_free(p1);
    pr_pca_free(p0);
    pr_tensor_free(X);
}

/* 60 features: the randomized solver's subspace iteration runs on the Gram matrix. */
Test(pca, randomized_agrees_with_full_on_a_clear_spectrum) {
    /* 400 x 60 with singular values decaying as 0.7^i plus small noise */
    pr_rng rng;
    pr_rng_seed(&rng, 5);
    pr_tensor *A, *B, *X;
    assert_ok(pr_tensor_normal(&A, PR_F64, PR_SHAPE(400, 60), 0, 1, &rng));
    assert_ok(pr_tensor_zeros(&B, PR_F64, PR_SHAPE(60, 60)));
    for (int i = 0; i < 60; i++) pr_tensor_set(B, i * 60 + i, 10 * pow(0.7, i));
    assert_ok(pr_matmul(A, B, &X));
    pr_pca *full = fit(X, 5, PR_PCA_COVARIANCE);
    pr_pca_config c = PR_PCA_DEFAULTS;
    c.n_components = 5;
    c.solver = PR_PCA_RANDOMIZED;
    pr_pca *rnd;
    assert_ok(pr_pca_fit(&rnd, &c, X));
    assert_rows_close_up_to_sign(pr_pca_components(rnd), pr_pca_components(full), 1e-6, "randomized components");
    assert_leading_close(pr_pca_explained_variance(rnd), pr_tensor_f64(pr_pca_explained_variance(full)), 5, 1e-8,
                         "randomized variances");
    assert_near(pr_pca_total_variance(rnd), pr_pca_total_variance(full), 1e-9 * pr_pca_total_variance(full));
    pr_pca_free(full);
    pr_pca_free(rnd);
    pr_tensor_free(A);
    pr_tensor_free(B);
    pr_tensor_free(X);
}

/* The randomized solver works on the data itself when the Gram matrix would cost more
 * (n >= 4 (q + 1) l: here 200 features, 2 power iterations, 13 sketch columns). */
Test(pca, randomized_on_the_data_itself_agrees_with_full) {
    pr_rng rng;
    pr_rng_seed(&rng, 6);
    pr_tensor *A, *B, *X;
    assert_ok(pr_tensor_normal(&A, PR_F64, PR_SHAPE(300, 200), 0, 1, &rng));
    assert_ok(pr_tensor_zeros(&B, PR_F64, PR_SHAPE(200, 200)));
    for (int i = 0; i < 200; i++) pr_tensor_set(B, i * 200 + i, 10 * pow(0.5, i));
    assert_ok(pr_matmul(A, B, &X));
    pr_pca *full = fit(X, 3, PR_PCA_SVD);
    pr_pca_config c = PR_PCA_DEFAULTS;
    c.n_components = 3;
    c.solver = PR_PCA_RANDOMIZED;
    c.power_iterations = 2;
    pr_pca *rnd;
    assert_ok(pr_pca_fit(&rnd, &c, X));
    assert_rows_close_up_to_sign(pr_pca_components(rnd), pr_pca_components(full), 1e-6, "randomized components");
    assert_leading_close(pr_pca_explained_variance(rnd), pr_tensor_f64(pr_pca_explained_variance(full)), 3, 1e-9,
                         "randomized variances");
    pr_pca_free(full);
    pr_pca_free(rnd);
    pr_tensor_free(A);
    pr_tensor_free(B);
    pr_tensor_free(X);
}

Test(pca, standardize_gives_the_correlation_matrix_spectrum) {
    /* two columns of very different scales: standardised, the eigenvalues are 1 ± r
     * (ddof 0), r their correlation */
    double v[] = {1, 100, 2, 300, 3, 200, 4, 500, 5, 400};
    pr_tensor *X = T64(PR_SHAPE(5, 2), 1, 100, 2, 300, 3, 200, 4, 500, 5, 400);
    double mx = 3, my = 300, sxy = 0, sxx = 0, syy = 0;
    for (int i = 0; i < 5; i++) {
        sxy += (v[2 * i] - mx) * (v[2 * i + 1] - my);
        sxx += (v[2 * i] - mx) * (v[2 * i] - mx);
        syy += (v[2 * i + 1] - my) * (v[2 * i + 1] - my);
    }
    double r = sxy / sqrt(sxx * syy);
    pr_pca_config c = PR_PCA_DEFAULTS;
    c.n_components = 2;
    c.ddof = 0;
    c.standardize = 1;
    pr_pca *p;
    assert_ok(pr_pca_fit(&p, &c, X));
    assert_near(pr_tensor_get(pr_pca_explained_variance(p), 0), 1 + r, 1e-12);
    assert_near(pr_tensor_get(pr_pca_explained_variance(p), 1), 1 - r, 1e-12);
    assert_near(pr_tensor_get(pr_pca_components(p), 0), M_SQRT1_2, 1e-12);
    assert_near(pr_tensor_get(pr_pca_components(p), 1), M_SQRT1_2, 1e-12);
    pr_pca_free(p);
    pr_tensor_free(X);
}

Test(pca, saved_and_loaded) {
    pr_tensor *X = load_fixture("reduce/pca_X.npy");
    const char *names[] = {"a", "b", "c", "d", "e", "f"};
    pr_pca_config c = PR_PCA_DEFAULTS;
    c.n_components = 3;
    c.standardize = 1;
    c.whiten = 1;
    c.feature_names = names;
    pr_pca *p, *q;
    assert_ok(pr_pca_fit(&p, &c, X));
    char *dir = test_make_dir(), path[512];
    snprintf(path, sizeof path, "%s/pca.safetensors", dir);
    assert_ok(pr_pca_save(p, path));
    char kind[32];
    cr_assert_str_eq(pr_reducer_file_kind(path, kind, sizeof kind), "pca");
    cr_assert(!pr_estimator_file_is(path), "a PCA file is not a classical model");
    assert_ok(pr_pca_load(path, &q));
    pr_tensor *Zp, *Zq;
    assert_ok(pr_pca_transform(p, X, &Zp));
    assert_ok(pr_pca_transform(q, X, &Zq));
    assert_tensor_close(Zq, Zp, 0, 0, "transform after loading");
    cr_assert_str_eq(pr_pca_feature_name(q, 4), "e");
    cr_assert(pr_pca_settings(q).whiten && pr_pca_settings(q).standardize);
    pr_pca_free(p);
    pr_pca_free(q);
    pr_tensor_free(Zp);
    pr_tensor_free(Zq);
    pr_tensor_free(X);
    /* a classical model is not a PCA model */
    pr_tensor *Xr = load_fixture("models/reg_X.npy"), *yr = load_fixture("models/reg_y.npy");
    pr_estimator *e;
    pr_estimator_config ec = PR_ESTIMATOR_DEFAULTS;
    assert_ok(pr_estimator_fit(&e, &ec, Xr, yr));
    snprintf(path, sizeof path, "%s/linear.safetensors", dir);
    assert_ok(pr_estimator_save(e, path));
    cr_assert_null(pr_reducer_file_kind(path, kind, sizeof kind));
    assert_fails(pr_pca_load(path, &q), PR_ERR_FORMAT, "not a PCA model");
    pr_estimator_free(e);
    pr_tensor_free(Xr);
    pr_tensor_free(yr);
    test_remove_dir(dir);
}

Test(pca, bad_input) {
    pr_tensor *X = T64(PR_SHAPE(3, 2), 1, 2, 3, 4, 5, NAN), *one = T64(PR_SHAPE(1, 2), 1, 2);
    pr_tensor *C = T64(PR_SHAPE(3, 2), 1, 7, 2, 7, 3, 7), *G = T64(PR_SHAPE(3, 2), 1, 2, 3, 4, 5, 7);
    pr_pca_config c = PR_PCA_DEFAULTS;
    pr_pca *p;
    assert_fails(pr_pca_fit(&p, &c, X), PR_ERR_NONFINITE, "column 1 holds NaN in row 2");
    assert_fails(pr_pca_fit(&p, &c, one), PR_ERR_SHAPE, "at least 2 rows");
    c.n_components = 3;
    assert_fails(pr_pca_fit(&p, &c, G), PR_ERR_INVALID, "at most 2");
    c.n_components = 0;
    c.variance = 1.5;
    assert_fails(pr_pca_fit(&p, &c, G), PR_ERR_INVALID, "fraction in (0, 1]");
    c = PR_PCA_DEFAULTS;
    c.standardize = 1;
    const char *names[] = {"x", "flat"};
    c.feature_names = names;
    assert_fails(pr_pca_fit(&p, &c, C), PR_ERR_INVALID, "column 'flat' is constant");
    c = PR_PCA_DEFAULTS;
    c.solver = PR_PCA_RANDOMIZED;
    assert_fails(pr_pca_fit(&p, &c, G), PR_ERR_INVALID, "needs a number of components");
    c = PR_PCA_DEFAULTS;
    c.n_components = 2;
    c.whiten = 1;
    assert_fails(pr_pca_fit(&p, &c, C), PR_ERR_INVALID, "zero variance");
    c.whiten = 0;
    assert_ok(pr_pca_fit(&p, &c, G));
    pr_tensor *Z, *wide = T64(PR_SHAPE(1, 3), 1, 2, 3);
    assert_ok(pr_pca_transform(p, one, &Z));
    pr_tensor_free(Z);
    assert_fails(pr_pca_transform(p, wide, &Z), PR_ERR_SHAPE, "rows of 2 features");
    pr_tensor_free(wide);
    pr_pca_free(p);
    pr_tensor_free(X);
    pr_tensor_free(one);
    pr_tensor_free(C);
    pr_tensor_free(G);
}
