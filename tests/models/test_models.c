/* Classical models against scikit-learn and NumPy (tests/fixtures/make_models_fixtures.py):
 * closed forms to 1e-8 relative, iterative solvers to 1e-4; save and load; bad input. */
#include <string.h>

#include "test_util.h"

static pr_tensor *fx(const char *name) {
    char path[128];
    snprintf(path, sizeof path, "models/%s.npy", name);
    return load_fixture(path);
}

static pr_estimator *fit(pr_estimator_config c, const pr_tensor *X, const pr_tensor *y) {
    pr_estimator *e = NULL;
    assert_ok(pr_estimator_fit(&e, &c, X, y));
    return e;
}

static void check_fit(pr_estimator_config c, const char *data, const char *coef, const char *intercept, double rtol,
                      double atol) {
    char xn[64], yn[64];
    snprintf(xn, sizeof xn, "%s_X", data);
    snprintf(yn, sizeof yn, "%s_y", data);
    pr_tensor *X = fx(xn), *y = fx(yn), *w = fx(coef), *b = fx(intercept);
    pr_estimator *e = fit(c, X, y);
    assert_tensor_close(pr_estimator_coef(e), w, rtol, atol, coef);
    assert_tensor_close(pr_estimator_intercept(e), b, rtol, atol, intercept);
    pr_estimator_free(e);
    pr_tensor_free(X);
    pr_tensor_free(y);
    pr_tensor_free(w);
    pr_tensor_free(b);
}

Test(models, ols_every_solver_matches_sklearn) {
    const pr_solver s[] = {PR_SOLVER_CHOLESKY, PR_SOLVER_QR, PR_SOLVER_SVD};
    for (int i = 0; i < 3; i++) {
        pr_estimator_config cfg1 = pr_estimator_defaults(PR_EST_LINEAR);
        cfg1.solver = s[i];
        check_fit(cfg1, "reg", "ols_coef", "ols_intercept",
                  1e-8, 1e-12);
    }
}

Test(models, ridge_matches_sklearn) {
    pr_estimator_config cfg2 = pr_estimator_defaults(PR_EST_RIDGE);
    cfg2.alpha = 2;
    check_fit(cfg2, "reg", "ridge_coef", "ridge_intercept", 1e-8,
              1e-12);
    pr_estimator_config cfg3 = pr_estimator_defaults(PR_EST_RIDGE);
    cfg3.alpha = 2;
    cfg3.solver = PR_SOLVER_GD;
    cfg3.lr = 0.1;
    cfg3.tol = 1e-12;
    cfg3.max_iter = 200000;
    check_fit(cfg3,
              "reg", "ridge_coef", "ridge_intercept", 1e-4, 1e-8);
}

Test(models, lasso_and_elastic_net_match_sklearn) {
    pr_estimator_config cfg4 = pr_estimator_defaults(PR_EST_LASSO);
    cfg4.alpha = 0.1;
    cfg4.tol = 1e-12;
    cfg4.max_iter = 100000;
    check_fit(cfg4, "reg",
              "lasso_coef", "lasso_intercept", 1e-4, 1e-8);
    pr_estimator_config cfg5 = pr_estimator_defaults(PR_EST_ELASTIC_NET);
    cfg5.alpha = 0.1;
    cfg5.l1_ratio = 0.7;
    cfg5.tol = 1e-12;
    cfg5.max_iter = 100000;
    check_fit(cfg5,
              "reg", "enet_coef", "enet_intercept", 1e-4, 1e-8);
}

Test(models, logistic_l2_lbfgs_newton_gd_match_sklearn) {
    const pr_solver s[] = {PR_SOLVER_LBFGS, PR_SOLVER_NEWTON, PR_SOLVER_GD};
    for (int i = 0; i < 3; i++) {
        pr_estimator_config cfg6 = pr_estimator_defaults(PR_EST_LOGISTIC);
        cfg6.solver = s[i];
        cfg6.lr = 1;
        cfg6.max_iter = 100000;
        cfg6.tol = 1e-10;
        check_fit(cfg6,
                  "bin", "logit_coef", "logit_intercept", 1e-4, 1e-7);
    }
    pr_tensor *X = fx("bin_X"), *y = fx("bin_y"), *proba = fx("logit_proba"), *p;
    pr_estimator_config cfg7 = pr_estimator_defaults(PR_EST_LOGISTIC);
    pr_estimator *e = fit(cfg7, X, y);
    assert_ok(pr_estimator_predict_proba(e, X, &p));
    assert_tensor_close(p, proba, 1e-5, 1e-8, "predict_proba");
    pr_tensor_free(p);
    pr_estimator_free(e);
    pr_tensor_free(X);
    pr_tensor_free(y);
    pr_tensor_free(proba);
}

Test(models, logistic_l1_proximal_gradient_matches_saga) {
    pr_estimator_config cfg8 = pr_estimator_defaults(PR_EST_LOGISTIC);
    cfg8.penalty = PR_REG_L1;
    cfg8.alpha = 20;
    cfg8.lr = 1;
    cfg8.tol = 1e-10;
    cfg8.max_iter = 200000;
    check_fit(cfg8,
              "bin", "logit_l1_coef", "logit_l1_intercept", 1e-4, 1e-6);
}

Test(models, softmax_matches_sklearn_multinomial) {
    pr_estimator_config cfg9 = pr_estimator_defaults(PR_EST_SOFTMAX);
    cfg9.alpha = 2;
    cfg9.tol = 1e-10;
    check_fit(cfg9, "multi", "softmax_coef",
              "softmax_intercept", 1e-4, 1e-7);
    /* logistic on three classes is the same multinomial model */
    pr_estimator_config cfg10 = pr_estimator_defaults(PR_EST_LOGISTIC);
    cfg10.alpha = 2;
    cfg10.tol = 1e-10;
    check_fit(cfg10, "multi", "softmax_coef",
              "softmax_intercept", 1e-4, 1e-7);
}

/* Rows repeated k times, with α scaled by k, leave the mean objective unchanged, so
 * the fixture's solution must come back: this takes the loss through several of the
 * row blocks it is evaluated in (8192 rows each for four features at one BLAS
 * thread), the last one partial. */
static void check_repeated_rows(pr_estimator_kind kind, double alpha, int k, const char *data, const char *coef,
                                const char *intercept) {
    char xn[64], yn[64];
    snprintf(xn, sizeof xn, "%s_X", data);
    snprintf(yn, sizeof yn, "%s_y", data);
    pr_tensor *X = fx(xn), *y = fx(yn), *w = fx(coef), *b = fx(intercept), *Xk, *yk;
    int64_t m = X->shape[0], p = X->shape[1];
    assert_ok(pr_tensor_zeros(&Xk, PR_F64, PR_SHAPE(m * k, p)));
    assert_ok(pr_tensor_zeros(&yk, PR_F64, PR_SHAPE(m * k)));
    for (int r = 0; r < k; r++)
        for (int64_t i = 0; i < m; i++) {
            for (int64_t j = 0; j < p; j++) pr_tensor_set(Xk, (r * m + i) * p + j, pr_tensor_get(X, i * p + j));
            pr_tensor_set(yk, r * m + i, pr_tensor_get(y, i));
        }
    pr_estimator_config cfg11 = pr_estimator_defaults(kind);
    cfg11.alpha = alpha * k;
    cfg11.tol = 1e-10;
    pr_estimator *e = fit(cfg11, Xk, yk);
    assert_tensor_close(pr_estimator_coef(e), w, 1e-4, 1e-7, coef);
    assert_tensor_close(pr_estimator_intercept(e), b, 1e-4, 1e-7, intercept);
    pr_estimator_free(e);
    pr_tensor *ts[] = {X, y, w, b, Xk, yk};
    for (int i = 0; i < 6; i++) pr_tensor_free(ts[i]);
}

Test(models, logistic_and_softmax_losses_are_exact_across_row_blocks) {
    if (pr_set_num_threads(1)) pr_clear_error(); /* the block size grows with the thread count */
    check_repeated_rows(PR_EST_LOGISTIC, 1, 50, "bin", "logit_coef", "logit_intercept");  /* 10000 rows */
    check_repeated_rows(PR_EST_SOFTMAX, 2, 120, "multi", "softmax_coef", "softmax_intercept"); /* 18000 rows */
}

static void check_proba(pr_estimator_config c, const char *X_name, const char *y_name, const char *proba_name) {
    pr_tensor *X = fx(X_name), *y = fx(y_name), *expect = fx(proba_name), *p;
    pr_estimator *e = fit(c, X, y);
    assert_ok(pr_estimator_predict_proba(e, X, &p));
    assert_tensor_close(p, expect, 1e-8, 1e-12, proba_name);
    pr_tensor_free(p);
    pr_estimator_free(e);
    pr_tensor_free(X);
    pr_tensor_free(y);
    pr_tensor_free(expect);
}

Test(models, naive_bayes_matches_sklearn) {
    pr_estimator_config cfg12 = pr_estimator_defaults(PR_EST_GAUSSIAN_NB);
    check_proba(cfg12, "multi_X", "multi_y", "gnb_proba");
    pr_estimator_config cfg13 = pr_estimator_defaults(PR_EST_MULTINOMIAL_NB);
    check_proba(cfg13, "nb_counts", "nb_count_y", "mnb_proba");
    pr_estimator_config cfg14 = pr_estimator_defaults(PR_EST_BERNOULLI_NB);
    cfg14.binarize = 1;
    check_proba(cfg14, "nb_counts", "nb_count_y",
                "bnb_proba");
}

Test(models, polynomial_features_and_polyfit_match) {
    pr_tensor *X = fx("poly_input"), *expect = fx("poly3"), *P;
    assert_ok(pr_polynomial_features(X, 3, &P));
    assert_tensor_close(P, expect, 1e-15, 0, "polynomial features");
    pr_tensor *x = fx("polyfit_x"), *y = fx("polyfit_y");
    const int degrees[] = {1, 4, 9};
    for (int i = 0; i < 3; i++) {
        char name[32];
        snprintf(name, sizeof name, "polyfit_%d", degrees[i]);
        pr_tensor *c, *ref = fx(name);
        assert_ok(pr_polyfit(x, y, degrees[i], &c));
        assert_tensor_close(c, ref, 1e-7, 1e-9, name);
        pr_tensor_free(c);
        pr_tensor_free(ref);
    }
    /* degree-2 features through an estimator: y = x² exactly */
    pr_tensor *xs = T64(PR_SHAPE(4, 1), -1, 0, 1, 2), *ys = T64(PR_SHAPE(4), 1, 0, 1, 4);
    pr_estimator_config cfg15 = pr_estimator_defaults(PR_EST_LINEAR);
    cfg15.degree = 2;
    pr_estimator *e = fit(cfg15, xs, ys);
    assert_near(pr_tensor_get(pr_estimator_coef(e), 1), 1, 1e-12);
    char name[32];
    cr_assert_str_eq(pr_estimator_term_name(e, 1, name, sizeof name), "x0^2");
    pr_estimator_free(e);
    pr_tensor_free(xs);
    pr_tensor_free(ys);
    pr_tensor_free(X);
    pr_tensor_free(expect);
    pr_tensor_free(P);
    pr_tensor_free(x);
    pr_tensor_free(y);
}

Test(models, save_load_predicts_the_same) {
    pr_tensor *X = fx("multi_X"), *y = fx("multi_y");
    const pr_estimator_kind kinds[] = {PR_EST_RIDGE, PR_EST_LASSO, PR_EST_LOGISTIC, PR_EST_SOFTMAX, PR_EST_GAUSSIAN_NB};
    const char *names[] = {"a", "b", "c", "d"};
    for (int k = 0; k < 5; k++) {
        pr_estimator_config cfg16 = pr_estimator_defaults(kinds[k]);
        cfg16.degree = 2;
        cfg16.standardize = 1;
        cfg16.feature_names = names;
        cfg16.target_name = "label";
        pr_estimator *e = fit(cfg16,
                              X, y),
                     *back = NULL;
        char path[256];
        snprintf(path, sizeof path, "%s/test-estimator-%d.safetensors", test_build_dir(), k);
        assert_ok(pr_estimator_save(e, path));
        cr_assert(pr_estimator_file_is(path));
        assert_ok(pr_estimator_load(path, &back));
        pr_tensor *a, *b;
        assert_ok(pr_estimator_decision_function(e, X, &a));
        assert_ok(pr_estimator_decision_function(back, X, &b));
        assert_tensor_close(b, a, 0, 0, pr_estimator_kind_name(kinds[k]));
        cr_assert_str_eq(pr_estimator_feature_name(back, 2), "c");
        cr_assert_str_eq(pr_estimator_target_name(back), "label");
        pr_tensor_free(a);
        pr_tensor_free(b);
        pr_estimator_free(e);
        pr_estimator_free(back);
    }
    pr_tensor_free(X);
    pr_tensor_free(y);
}

/* Damaged model files (fuzz/regressions/estimator, made from the seeds in
 * fuzz/corpus/estimator) are refused with the damage named. */
Test(models, damaged_model_files_are_refused_by_name) {
    const struct {
        const char *file, *message;
    } cases[] = {
        {"classes-not-increasing", "class labels must be finite and increasing"},
        {"gaussian-nb-zero-variance", "a variance is not positive"},
        {"feature-names-fewer-than-features", "2 names in 'features' for 5 columns"},
        {"degree-too-many-terms", "tensor 'coef' has shape (20,) and dtype float64; expected shape (53129,), floats"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char rel[256];
        snprintf(rel, sizeof rel, "fuzz/regressions/estimator/%s.safetensors", cases[i].file);
        pr_estimator *e = NULL;
        assert_fails(pr_estimator_load(test_path(rel), &e), PR_ERR_FORMAT, cases[i].message);
        cr_assert_null(e);
    }
}

Test(models, cross_validation_and_learning_curve) {
    pr_tensor *X = fx("multi_X"), *y = fx("multi_y");
    pr_rng rng;
    pr_rng_seed(&rng, 1);
    int64_t fold[150], per_fold[5][3] = {{0}};
    assert_ok(pr_kfold(150, 5, y, &rng, fold));
    for (int i = 0; i < 150; i++) per_fold[fold[i]][(int)pr_tensor_get(y, i)]++;
    for (int f = 0; f < 5; f++) /* stratified: each class split evenly (50 per class / 5 folds) */
        for (int c = 0; c < 3; c++) cr_assert_eq(per_fold[f][c], 10, "fold %d class %d has %lld", f, c, (long long)per_fold[f][c]);
    pr_cv_result cv;
    pr_estimator_config cfg17 = pr_estimator_defaults(PR_EST_SOFTMAX);
    assert_ok(pr_cross_validate(&cfg17, X, y, 5, 1, &rng, &cv));
    cr_assert(cv.test_mean > 0.7 && cv.test_mean <= 1 && cv.train_mean >= cv.test_mean - 0.1, "cv %g %g",
              cv.train_mean, cv.test_mean);
    double frac[] = {0.2, 1.0}, tr[2], te[2];
    pr_estimator_config cfg18 = pr_estimator_defaults(PR_EST_SOFTMAX);
    assert_ok(pr_learning_curve(&cfg18, X, y, frac, 2, 3, &rng, tr, te));
    cr_assert(te[1] >= te[0] - 0.05, "validation %g then %g", te[0], te[1]);
    pr_tensor_free(X);
    pr_tensor_free(y);
}

static double sine(double x, void *ctx) {
    (void)ctx;
    return sin(2 * M_PI * x);
}

Test(models, bias_variance_tradeoff_by_simulation) {
    pr_rng rng;
    pr_rng_seed(&rng, 3);
    pr_bias_variance lo, hi;
    pr_estimator_config cfg19 = pr_estimator_defaults(PR_EST_LINEAR);
    cfg19.degree = 1;
    assert_ok(pr_bias_variance_simulate(&cfg19, sine, NULL, 0, 1,
                                        30, 0.3, 200, 50, &rng, &lo));
    pr_estimator_config cfg20 = pr_estimator_defaults(PR_EST_LINEAR);
    cfg20.degree = 5;
    cfg20.solver = PR_SOLVER_QR;
    assert_ok(pr_bias_variance_simulate(&cfg20, sine, NULL, 0, 1,
                                        30, 0.3, 200, 50, &rng, &hi));
    cr_assert(lo.bias2 > 10 * hi.bias2, "bias² %g vs %g", lo.bias2, hi.bias2); /* simple: high bias */
    cr_assert(hi.variance > lo.variance, "variance %g vs %g", hi.variance, lo.variance);
    assert_near(lo.noise, 0.09, 1e-15);
    /* a straight line through sin(2πx) on [0, 1]: bias² near the closed form of the best line's error */
    cr_assert(lo.bias2 > 0.15 && lo.bias2 < 0.25, "bias² %g", lo.bias2);
}

Test(models, bad_input_is_reported) {
    pr_estimator *e = NULL;
    pr_tensor *X = T64(PR_SHAPE(4, 2), 1, 5, 2, 5, 3, 5, 4, 5), *y = T64(PR_SHAPE(4), 1, 2, 3, 4);
    const char *names[] = {"size", "floor"};
    pr_estimator_config cfg21 = pr_estimator_defaults(PR_EST_LINEAR);
    cfg21.feature_names = names;
    assert_fails(pr_estimator_fit(&e, &cfg21, X, y),
                 PR_ERR_INVALID, "'floor' (column 2) is constant");
    pr_tensor *X2 = T64(PR_SHAPE(4, 1), 1, 2, 3, 4), *same = T64(PR_SHAPE(4), 1, 1, 1, 1);
    pr_estimator_config cfg22 = pr_estimator_defaults(PR_EST_LOGISTIC);
    assert_fails(pr_estimator_fit(&e, &cfg22, X2, same), PR_ERR_INVALID,
                 "single class");
    pr_tensor *nan = T64(PR_SHAPE(4, 1), 1, NAN, 3, 4);
    pr_estimator_config cfg23 = pr_estimator_defaults(PR_EST_LINEAR);
    assert_fails(pr_estimator_fit(&e, &cfg23, nan, y), PR_ERR_NONFINITE, "X");
    pr_tensor *yinf = T64(PR_SHAPE(4), 1, INFINITY, 3, 4);
    pr_estimator_config cfg24 = pr_estimator_defaults(PR_EST_LINEAR);
    assert_fails(pr_estimator_fit(&e, &cfg24, X2, yinf), PR_ERR_NONFINITE,
                 "target");
    pr_tensor *frac = T64(PR_SHAPE(4), 0, 1, 0.5, 1);
    pr_estimator_config cfg25 = pr_estimator_defaults(PR_EST_LOGISTIC);
    assert_fails(pr_estimator_fit(&e, &cfg25, X2, frac), PR_ERR_INVALID,
                 "whole number");
    /* separable classes without a penalty never converge: the message names the iterations */
    pr_tensor *sep = T64(PR_SHAPE(4), 0, 0, 1, 1);
    pr_estimator_config cfg26 = pr_estimator_defaults(PR_EST_LOGISTIC);
    cfg26.penalty = PR_REG_NONE;
    cfg26.max_iter = 50;
    cfg26.strict = 1;
    assert_fails(pr_estimator_fit(&e, &cfg26,
                                  X2, sep),
                 PR_ERR_NO_CONVERGENCE, "perfectly separable");
    /* not strict (the default): the last iterate is kept, with the same explanation */
    cfg26.strict = 0;
    pr_estimator *kept = NULL;
    const char *why = NULL;
    assert_ok(pr_estimator_fit(&kept, &cfg26, X2, sep));
    cr_assert_eq(pr_estimator_converged(kept, &why), 0);
    cr_assert(why && strstr(why, "perfectly separable"), "why: %s", why ? why : "(null)");
    pr_estimator_free(kept);
    pr_tensor *X3 = fx("reg_X"), *y3 = fx("reg_y");
    pr_estimator_config cfg27 = pr_estimator_defaults(PR_EST_LASSO);
    cfg27.alpha = 1e-3;
    cfg27.max_iter = 2;
    cfg27.tol = 1e-16;
    cfg27.strict = 1;
    assert_fails(pr_estimator_fit(&e, &cfg27,
                                  X3, y3),
                 PR_ERR_NO_CONVERGENCE, "duality gap");
    cfg27.strict = 0;
    assert_ok(pr_estimator_fit(&kept, &cfg27, X3, y3));
    cr_assert_eq(pr_estimator_converged(kept, &why), 0);
    cr_assert(why && strstr(why, "coordinate descent did not converge in 2 iterations"), "why: %s", why);
    cr_assert_eq(pr_estimator_iterations(kept), 2);
    pr_estimator_free(kept);
    /* a model asked about the wrong number of features */
    pr_estimator_config cfg28 = pr_estimator_defaults(PR_EST_LINEAR);
    e = fit(cfg28, X2, y);
    pr_tensor *out;
    assert_fails(pr_estimator_predict(e, X, &out), PR_ERR_SHAPE, "takes 1 features");
    pr_estimator_free(e);
    assert_fails(pr_estimator_load(test_path("tests/fixtures/models/reg_X.npy"), &e), PR_ERR_LIMIT, "not a safetensors file");
    pr_tensor_free(X);
    pr_tensor_free(y);
    pr_tensor_free(X2);
    pr_tensor_free(same);
    pr_tensor_free(nan);
    pr_tensor_free(yinf);
    pr_tensor_free(frac);
    pr_tensor_free(sep);
    pr_tensor_free(X3);
    pr_tensor_free(y3);
}
