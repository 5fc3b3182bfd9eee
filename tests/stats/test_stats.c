/* Distributions against SciPy, metrics against scikit-learn
 * (tests/fixtures/make_models_fixtures.py), and sampling moments. */
#include <string.h>

#include "test_util.h"

static pr_tensor *fx(const char *name) {
    char path[128];
    snprintf(path, sizeof path, "models/%s.npy", name);
    return load_fixture(path);
}

Test(stats, cdfs_and_densities_match_scipy) {
    pr_tensor *beta = fx("beta_cdf"), *tcdf = fx("t_cdf"), *tpdf = fx("t_pdf"), *binom = fx("binom_cdf");
    const double bx[] = {0.05, 0.3, 0.5, 0.77, 0.99}, tx[] = {-3.0, -0.4, 0.0, 1.2, 5.0}, kx[] = {0, 2, 3, 7, 12};
    pr_dist b = pr_dist_beta(2.5, 4), t = pr_dist_student_t(3.5, 0.5, 2), n = pr_dist_binomial(12, 0.3);
    for (int i = 0; i < 5; i++) {
        assert_near(pr_dist_cdf(&b, bx[i]), pr_tensor_get(beta, i), 1e-12);
        assert_near(pr_dist_cdf(&t, tx[i]), pr_tensor_get(tcdf, i), 1e-12);
        assert_near(pr_dist_pdf(&t, tx[i]), pr_tensor_get(tpdf, i), 1e-13);
        assert_near(pr_dist_cdf(&n, kx[i]), pr_tensor_get(binom, i), 1e-12);
    }
    pr_tensor_free(beta);
    pr_tensor_free(tcdf);
    pr_tensor_free(tpdf);
    pr_tensor_free(binom);
    pr_dist bad = pr_dist_gaussian(0, -1);
    assert_fails(pr_dist_check(&bad), PR_ERR_INVALID, "standard deviation");
    cr_assert(isnan(pr_dist_pdf(&bad, 0)));
}

/* The trapezoid rule: scikit-learn's auc([1, 2, 3, 4], [0.1, 0.4, 0.35, 0.8]) = 1.2 by hand
 * (0.25 + 0.375 + 0.575), x² on [0, 1] tends to 1/3 (error h²/6 for n intervals), and an
 * ROC curve's area is the ROC AUC. */
Test(stats, auc_is_the_trapezoid_area) {
    double v, x[4] = {1, 2, 3, 4}, y[4] = {0.1, 0.4, 0.35, 0.8};
    assert_ok(pr_auc(x, y, 4, &v));
    assert_near(v, 1.2, 1e-15);
    double rx[4] = {4, 3, 2, 1}, ry[4] = {0.8, 0.35, 0.4, 0.1};
    assert_ok(pr_auc(rx, ry, 4, &v)); /* decreasing x: the same positive area */
    assert_near(v, 1.2, 1e-15);
    enum { N = 101 };
    double gx[N], gy[N];
    for (int i = 0; i < N; i++) {
        gx[i] = i / 100.0;
        gy[i] = gx[i] * gx[i];
    }
    assert_ok(pr_auc(gx, gy, N, &v));
    assert_near(v, 1.0 / 3 + 1e-4 / 6, 1e-14);
    pr_tensor *t = T64(PR_SHAPE(8), 0, 0, 1, 1, 0, 1, 0, 1), *sc = T64(PR_SHAPE(8), 0.1, 0.4, 0.35, 0.8, 0.2, 0.7, 0.6, 0.9);
    pr_curve *c;
    double roc;
    assert_ok(pr_roc_curve(t, sc, &c));
    assert_ok(pr_roc_auc(t, sc, &roc));
    assert_ok(pr_auc(c->x, c->y, c->n, &v));
    assert_near(v, roc, 1e-15);
    pr_curve_free(c);
    double bad[3] = {0, 2, 1};
    assert_fails(pr_auc(bad, y, 3, &v), PR_ERR_INVALID, "neither increasing nor decreasing");
    assert_fails(pr_auc(x, y, 1, &v), PR_ERR_INVALID, "at least 2 points");
    pr_tensor_free(t);
    pr_tensor_free(sc);
}

Test(stats, sampling_moments) {
    pr_rng rng;
    pr_rng_seed(&rng, 11);
    const pr_dist ds[] = {pr_dist_gaussian(1, 2), pr_dist_laplace(-1, 0.5), pr_dist_beta(2, 5), pr_dist_beta(0.5, 0.7),
                          pr_dist_student_t(6, 1, 2), pr_dist_binomial(10, 0.3), pr_dist_bernoulli(0.2)};
    for (size_t k = 0; k < sizeof ds / sizeof ds[0]; k++) {
        pr_tensor *x;
        assert_ok(pr_tensor_zeros(&x, PR_F64, PR_SHAPE(200000)));
        assert_ok(pr_dist_fill(&ds[k], &rng, x));
        double mu, var;
        assert_ok(pr_gaussian_mle(x, 1, &mu, &var));
        double sd = sqrt(pr_dist_var(&ds[k]));
        assert_near(mu, pr_dist_mean(&ds[k]), 5 * sd / sqrt(200000.0));
        assert_near(var, pr_dist_var(&ds[k]), 0.03 * pr_dist_var(&ds[k]));
        pr_tensor_free(x);
    }
}

Test(stats, multivariate_gaussian) {
    pr_tensor *mu = T64(PR_SHAPE(2), 1, -1), *cov = T64(PR_SHAPE(2, 2), 2, 0.6, 0.6, 1), *pt = T64(PR_SHAPE(1, 2), 2, 0);
    pr_mvn *m;
    assert_ok(pr_mvn_new(&m, mu, cov));
    pr_tensor *lp;
    assert_ok(pr_mvn_logpdf(m, pt, &lp));
    /* closed form: det 1.64, inverse [[1, -0.6], [-0.6, 2]] / 1.64, d = (1, 1) */
    double q = (1 - 1.2 + 2) / 1.64;
    assert_near(pr_tensor_get(lp, 0), -log(2 * M_PI) - 0.5 * log(1.64) - 0.5 * q, 1e-13);
    pr_rng rng;
    pr_rng_seed(&rng, 2);
    pr_tensor *S, *C;
    assert_ok(pr_mvn_sample(m, 100000, &rng, &S));
    assert_ok(pr_covariance(S, 1, &C));
    assert_tensor_close(C, cov, 0.03, 0.02, "sample covariance");
    pr_tensor *notpd = T64(PR_SHAPE(2, 2), 1, 2, 2, 1);
    pr_mvn *bad;
    assert_fails(pr_mvn_new(&bad, mu, notpd), PR_ERR_NOT_PD, "covariance");
    pr_mvn_free(m);
    pr_tensor_free(mu);
    pr_tensor_free(cov);
    pr_tensor_free(pt);
    pr_tensor_free(lp);
    pr_tensor_free(S);
    pr_tensor_free(C);
    pr_tensor_free(notpd);
}

Test(stats, curves_and_scores_match_sklearn) {
    pr_tensor *y = fx("bin_y"), *s = fx("metric_scores"), *fpr = fx("roc_fpr"), *tpr = fx("roc_tpr");
    pr_tensor *auc = fx("roc_auc"), *ap = fx("average_precision");
    double v;
    assert_ok(pr_roc_auc(y, s, &v));
    assert_near(v, pr_tensor_get(auc, 0), 1e-12);
    assert_ok(pr_average_precision(y, s, &v));
    assert_near(v, pr_tensor_get(ap, 0), 1e-12);
    pr_curve *c;
    assert_ok(pr_roc_curve(y, s, &c));
    cr_assert_eq(c->n, fpr->size);
    for (int64_t i = 0; i < c->n; i++) {
        assert_near(c->x[i], pr_tensor_get(fpr, i), 1e-15);
        assert_near(c->y[i], pr_tensor_get(tpr, i), 1e-15);
    }
    pr_curve_free(c);
    assert_ok(pr_pr_curve(y, s, &c));
    cr_assert(c->x[c->n - 1] == 0 && c->y[c->n - 1] == 1);
    pr_curve_free(c);
    pr_tensor *only = T64(PR_SHAPE(3), 1, 1, 1), *sc = T64(PR_SHAPE(3), 0.1, 0.2, 0.3);
    assert_fails(pr_roc_auc(only, sc, &v), PR_ERR_INVALID, "both classes");
    pr_tensor_free(only);
    pr_tensor_free(sc);
    pr_tensor_free(y);
    pr_tensor_free(s);
    pr_tensor_free(fpr);
    pr_tensor_free(tpr);
    pr_tensor_free(auc);
    pr_tensor_free(ap);
}

Test(stats, log_loss_and_multiclass_report_match_sklearn) {
    pr_tensor *X = fx("bin_X"), *y = fx("bin_y"), *ll = fx("log_loss");
    pr_estimator *e;
    pr_estimator_config cfg1 = pr_estimator_defaults(PR_EST_LOGISTIC);
    cfg1.tol = 1e-10;
    assert_ok(pr_estimator_fit(&e, &cfg1, X, y));
    pr_tensor *p;
    assert_ok(pr_estimator_predict_proba(e, X, &p));
    double v;
    assert_ok(pr_log_loss(y, p, &v));
    assert_near(v, pr_tensor_get(ll, 0), 1e-7);
    pr_tensor *p1;
    assert_ok(pr_tensor_zeros(&p1, PR_F64, PR_SHAPE(200)));
    for (int i = 0; i < 200; i++) pr_tensor_set(p1, i, pr_tensor_get(p, 2 * i + 1));
    double v1;
    assert_ok(pr_log_loss(y, p1, &v1));
    assert_near(v1, v, 1e-15);
    pr_tensor *ym = fx("multi_y"), *pred = fx("multi_pred"), *cm = fx("multi_confusion"), *cmp;
    assert_ok(pr_confusion_matrix(ym, pred, 3, &cmp));
    for (int i = 0; i < 9; i++) assert_near((double)pr_tensor_i64(cmp)[i], pr_tensor_get(cm, i), 0);
    pr_class_report *r;
    assert_ok(pr_class_report_new(ym, pred, 3, &r));
    pr_tensor *prec = fx("multi_precision"), *rec = fx("multi_recall"), *f1 = fx("multi_f1"), *mf1 = fx("multi_macro_f1"),
              *wf1 = fx("multi_weighted_f1"), *bal = fx("multi_balanced");
    assert_values_close(prec, r->precision, 3, 1e-15, 0, "precision");
    assert_values_close(rec, r->recall, 3, 1e-15, 0, "recall");
    assert_values_close(f1, r->f1, 3, 1e-15, 0, "f1");
    assert_near(r->macro_f1, pr_tensor_get(mf1, 0), 1e-15);
    assert_near(r->weighted_f1, pr_tensor_get(wf1, 0), 1e-15);
    assert_near(r->balanced_accuracy, pr_tensor_get(bal, 0), 1e-15);
    assert_near(r->micro_f1, r->accuracy, 0);
    pr_class_report_free(r);
    pr_tensor *bad = T64(PR_SHAPE(2), 0, 3);
    assert_fails(pr_confusion_matrix(bad, bad, 3, &cmp), PR_ERR_INVALID, "y_true[1] = 3");
    pr_tensor_free(bad);
    pr_estimator_free(e);
    pr_tensor *all[] = {X, y, ll, p, p1, ym, pred, cm, cmp, prec, rec, f1, mf1, wf1, bal};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) pr_tensor_free(all[i]);
}

Test(stats, regression_metrics) {
    pr_tensor *y = T64(PR_SHAPE(4), 3, -0.5, 2, 7), *p = T64(PR_SHAPE(4), 2.5, 0.0, 2, 8);
    pr_regression_metrics m;
    assert_ok(pr_regression_metrics_of(y, p, &m));
    assert_near(m.mse, 0.375, 1e-15);
    assert_near(m.rmse, sqrt(0.375), 1e-15);
    assert_near(m.mae, 0.5, 1e-15);
    assert_near(m.r2, 0.9486081370449679, 1e-15); /* sklearn's r2_score docstring example */
    pr_tensor_free(y);
    pr_tensor_free(p);
}
