/* Chapter 6 (logistic regression and classification): the sigmoid's properties,
 * Example 6.1, Q6.3, Q6.7-Q6.9, temperature scaling, and the metric formulas of 6.6. */
#include <string.h>

#include "test_util.h"

static double sigmoid_of(double z) {
    pr_tensor *t = T64(PR_SHAPE(1), z), *s;
    assert_ok(pr_unary(PR_SIGMOID, t, &s));
    double v = pr_tensor_get(s, 0);
    pr_tensor_free(t);
    pr_tensor_free(s);
    return v;
}

Test(ch06, s6_2_sigmoid_properties) {
    assert_near(sigmoid_of(0), 0.5, 0);
    double h = 1e-5, d0 = (sigmoid_of(h) - sigmoid_of(-h)) / (2 * h);
    assert_near(d0, 0.25, 1e-10); /* Q6.4 (b) */
    for (double z = -30; z <= 30; z += 7.5) assert_near(sigmoid_of(-z), 1 - sigmoid_of(z), 1e-15);
    assert_near(sigmoid_of(-800), 0, 1e-300); /* no overflow */
}

Test(ch06, ex6_1_gradient_of_the_cross_entropy) {
    pr_tensor *z = T64(PR_SHAPE(1), 0.5 * 1 - 0.3 * 2), *y = T64(PR_SHAPE(1), 1), *g;
    double loss;
    pr_loss_config lc1 = pr_loss_defaults(PR_LOSS_BCE_LOGITS);
    assert_ok(pr_loss_eval(&lc1, z, y, &loss, &g));
    assert_near(pr_tensor_get(z, 0), -0.1, 1e-15);
    assert_near(sigmoid_of(-0.1), 0.475, 5e-4);
    double dz = pr_tensor_get(g, 0); /* p - y */
    assert_near(dz * 1, -0.525, 5e-4);
    assert_near(dz * 2, -1.05, 1e-3);
    pr_tensor_free(z);
    pr_tensor_free(y);
    pr_tensor_free(g);
}

Test(ch06, q6_7_prediction_and_loss) {
    double z = 0.5 * 1 + -1.2 * 2 + 0.3 * -1;
    assert_near(z, -2.2, 1e-15);
    double p = sigmoid_of(z);
    assert_near(p, 0.0998, 5e-5);
    cr_assert(p < 0.5); /* class 0 */
    pr_tensor *zt = T64(PR_SHAPE(1), z), *y = T64(PR_SHAPE(1), 1);
    double loss;
    pr_loss_config lc2 = pr_loss_defaults(PR_LOSS_BCE_LOGITS);
    assert_ok(pr_loss_eval(&lc2, zt, y, &loss, NULL));
    assert_near(loss, 2.31, 5e-3);
    pr_tensor_free(zt);
    pr_tensor_free(y);
}

Test(ch06, q6_8_softmax_and_its_gradient) {
    double z[] = {2.0, 1.0, 0.1}, p[3];
    assert_ok(pr_softmax_temperature(z, 3, 1, p));
    assert_near(p[0], 0.659, 5e-4);
    assert_near(p[1], 0.242, 5e-4);
    assert_near(p[2], 0.099, 5e-4);
    assert_near(-log(p[0]), 0.417, 5e-4);
    pr_tensor *logits = T64(PR_SHAPE(1, 3), 2.0, 1.0, 0.1), *label = T64(PR_SHAPE(1), 0), *g;
    double loss;
    pr_loss_config lc3 = pr_loss_defaults(PR_LOSS_CROSS_ENTROPY);
    assert_ok(pr_loss_eval(&lc3, logits, label, &loss, &g));
    assert_near(pr_tensor_get(g, 0), -0.341, 5e-4);
    assert_near(pr_tensor_get(g, 1), 0.242, 5e-4);
    assert_near(pr_tensor_get(g, 2), 0.099, 5e-4);
    pr_tensor_free(logits);
    pr_tensor_free(label);
    pr_tensor_free(g);
}

Test(ch06, q6_3_two_class_softmax_is_the_sigmoid_of_the_difference) {
    double z[] = {0.3, 1.7}, p[2];
    assert_ok(pr_softmax_temperature(z, 2, 1, p));
    assert_near(p[1], sigmoid_of(1.7 - 0.3), 1e-15);
    /* Q6.6: adding a constant to every score changes nothing */
    double shifted[] = {100.3, 101.7}, q[2];
    assert_ok(pr_softmax_temperature(shifted, 2, 1, q));
    assert_near(q[1], p[1], 1e-13);
}

Test(ch06, s6_5_temperature_scaling) {
    double z[] = {2.0, 1.0, 0.1}, cold[3], hot[3];
    assert_ok(pr_softmax_temperature(z, 3, 0.01, cold));
    assert_ok(pr_softmax_temperature(z, 3, 1000, hot));
    assert_near(cold[0], 1, 1e-12); /* T -> 0: argmax */
    for (int k = 0; k < 3; k++) assert_near(hot[k], 1.0 / 3, 1e-3); /* T -> inf: uniform */
    double bad[3];
    assert_fails(pr_softmax_temperature(z, 3, 0, bad), PR_ERR_INVALID, "temperature");
}

Test(ch06, q6_9_decision_boundary) {
    double slope, intercept;
    assert_ok(pr_decision_boundary_2d(-3, 1, 1, &slope, &intercept));
    assert_near(slope, -1, 0);
    assert_near(intercept, 3, 0); /* x2 = 3 - x1 */
    assert_fails(pr_decision_boundary_2d(-3, 1, 0, &slope, &intercept), PR_ERR_INVALID, "x1 = 3");
}

Test(ch06, s6_6_metric_formulas) {
    pr_binary_metrics m = pr_binary_metrics_from_counts(40, 10, 5, 45); /* TP, FN, FP, TN */
    assert_near(m.accuracy, 85.0 / 100, 1e-15);
    assert_near(m.precision, 40.0 / 45, 1e-15);
    assert_near(m.recall, 40.0 / 50, 1e-15);
    assert_near(m.specificity, 45.0 / 50, 1e-15);
    assert_near(m.fpr, 5.0 / 50, 1e-15);
    assert_near(m.f1, 80.0 / 95, 1e-15);
    assert_near(m.f1, 2 * m.precision * m.recall / (m.precision + m.recall), 1e-15);
    assert_near(m.balanced_accuracy, (0.8 + 0.9) / 2, 1e-15);
    /* the same counts from labels */
    pr_tensor *yt, *yp;
    assert_ok(pr_tensor_zeros(&yt, PR_F64, PR_SHAPE(100)));
    assert_ok(pr_tensor_zeros(&yp, PR_F64, PR_SHAPE(100)));
    for (int i = 0; i < 100; i++) {
        pr_tensor_set(yt, i, i < 50);
        pr_tensor_set(yp, i, i < 40 || (i >= 50 && i < 55));
    }
    pr_binary_metrics b;
    assert_ok(pr_binary_metrics_of(yt, yp, &b));
    cr_assert(b.tp == 40 && b.fn == 10 && b.fp == 5 && b.tn == 45);
    /* lowering the threshold raises recall and the false positive rate (the threshold table) */
    pr_tensor *score;
    assert_ok(pr_tensor_zeros(&score, PR_F64, PR_SHAPE(100)));
    for (int i = 0; i < 100; i++) pr_tensor_set(score, i, (i < 50 ? 0.6 : 0.4) + 0.004 * ((i * 37) % 100) - 0.2);
    double thr[] = {0.3, 0.5, 0.7};
    pr_binary_metrics sweep[3];
    assert_ok(pr_threshold_sweep(yt, score, thr, 3, sweep));
    cr_assert(sweep[0].recall >= sweep[1].recall && sweep[1].recall >= sweep[2].recall);
    cr_assert(sweep[0].fpr >= sweep[1].fpr && sweep[1].fpr >= sweep[2].fpr);
    pr_tensor_free(yt);
    pr_tensor_free(yp);
    pr_tensor_free(score);
}

/* Listing 6.1 on its own data (make_classification(random_state=42), embedded in the
 * example) with LogisticRegression()'s defaults gives scikit-learn's model. */
static const struct {
    double x1, x2;
    int label;
} listing_6_1[] = {
#include "examples/book/listing_6_1_data.inc"
};

Test(ch06, listing_6_1_logistic_regression_matches_scikit_learn) {
    pr_tensor *X, *y;
    assert_ok(pr_tensor_zeros(&X, PR_F64, PR_SHAPE(200, 2)));
    assert_ok(pr_tensor_zeros(&y, PR_F64, PR_SHAPE(200)));
    for (int i = 0; i < 200; i++) {
        pr_tensor_set(X, 2 * i, listing_6_1[i].x1);
        pr_tensor_set(X, 2 * i + 1, listing_6_1[i].x2);
        pr_tensor_set(y, i, listing_6_1[i].label);
    }
    pr_estimator *e;
    pr_estimator_config c = pr_estimator_defaults(PR_EST_LOGISTIC); /* L2, C = 1, as LogisticRegression() */
    assert_ok(pr_estimator_fit(&e, &c, X, y));
    pr_tensor *coef = load_fixture("book/listing_6_1_coef.npy"), *b = load_fixture("book/listing_6_1_intercept.npy");
    pr_tensor *grid = load_fixture("book/listing_6_1_grid.npy"), *p1 = load_fixture("book/listing_6_1_proba.npy");
    pr_tensor *acc = load_fixture("book/listing_6_1_accuracy.npy"), *proba;
    /* scikit-learn stops at its tol 1e-4; primer converges further: they agree to 1e-4 */
    assert_tensor_close(pr_estimator_coef(e), coef, 1e-4, 1e-6, "coefficients");
    assert_tensor_close(pr_estimator_intercept(e), b, 1e-4, 1e-6, "intercept");
    double score;
    assert_ok(pr_estimator_score(e, X, y, &score));
    assert_near(score, pr_tensor_get(acc, 0), 0);
    assert_ok(pr_estimator_predict_proba(e, grid, &proba));
    for (int i = 0; i < 4; i++) assert_near(pr_tensor_get(proba, 2 * i + 1), pr_tensor_get(p1, i), 1e-5);
    const char *out;
    char args[512];
    snprintf(args, sizeof args, "example listing-6.1 --out %s", test_build_dir());
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    assert_contains(out, "training accuracy: 0.940");
    pr_tensor *ts[] = {X, y, coef, b, grid, p1, acc, proba};
    for (int k = 0; k < 8; k++) pr_tensor_free(ts[k]);
    pr_estimator_free(e);
}
