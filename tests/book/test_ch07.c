/* Chapter 7 (losses and regularisation): the worked numbers, every loss and its
 * gradient against PyTorch (tests/fixtures/make_nn_fixtures.py), penalties in both
 * of the book's L2 conventions, and dropout's expectations. */
#include <string.h>

#include "test_util.h"

Test(ch07, q7_7_mse_mae_huber) {
    pr_tensor *y = T64(PR_SHAPE(4), 3, -0.5, 2, 7), *yhat = T64(PR_SHAPE(4), 2.5, 0.0, 2, 8);
    double v;
    pr_loss_config lc1 = pr_loss_defaults(PR_LOSS_MSE);
    assert_ok(pr_loss_eval(&lc1, yhat, y, &v, NULL));
    assert_near(v, 0.375, 1e-15);
    pr_loss_config lc2 = pr_loss_defaults(PR_LOSS_MAE);
    assert_ok(pr_loss_eval(&lc2, yhat, y, &v, NULL));
    assert_near(v, 0.5, 1e-15);
    pr_loss_config lc3 = pr_loss_defaults(PR_LOSS_HUBER);
    lc3.delta = 1;
    assert_ok(pr_loss_eval(&lc3, yhat, y, &v, NULL));
    assert_near(v, 0.1875, 1e-15);
    pr_tensor_free(y);
    pr_tensor_free(yhat);
}

Test(ch07, q7_8_penalties_in_both_l2_conventions) {
    pr_tensor *w = T64(PR_SHAPE(5), 3, -1, 0.5, 0, 2);
    double l1, l2, half, en;
    assert_ok(pr_penalty_eval(PR_PENALTY_L1, w, 1, 0, &l1));
    assert_ok(pr_penalty_eval(PR_PENALTY_L2, w, 1, 0, &l2));
    assert_near(l1, 6.5, 0);
    assert_near(l2, 14.25, 0);
    assert_near(2.5 + 0.1 * l1, 3.15, 1e-15);  /* Lasso loss */
    assert_near(2.5 + 0.1 * l2, 3.925, 1e-15); /* Ridge loss, Q7.8's λ‖w‖² */
    assert_ok(pr_penalty_eval(PR_PENALTY_L2_HALF, w, 0.1, 0, &half));
    assert_near(half, 0.1 * 14.25 / 2, 1e-15); /* section 7.4's λ ½‖w‖² */
    assert_ok(pr_penalty_eval(PR_PENALTY_ELASTIC_NET, w, 0.1, 0.3, &en));
    assert_near(en, 0.1 * (0.3 * 6.5 + 0.7 / 2 * 14.25), 1e-15);
    double bad;
    assert_fails(pr_penalty_eval(PR_PENALTY_ELASTIC_NET, w, 0.1, 1.5, &bad), PR_ERR_INVALID, "alpha in [0, 1]");
    pr_tensor_free(w);
}

/* Mean over n rows of dropout(h) in training, and the evaluation output. */
static void dropout_means(int standard, double *train_mean, double *eval_out) {
    enum { N = 200000 };
    pr_graph *g;
    assert_ok(pr_graph_new(&g, PR_F64));
    pr_graph_seed(g, 42);
    pr_tensor *h;
    assert_ok(pr_tensor_zeros(&h, PR_F64, PR_SHAPE(N, 4)));
    const double hv[4] = {1, 2, -0.5, 3};
    for (int64_t i = 0; i < N * 4; i++) pr_tensor_f64(h)[i] = hv[i % 4];
    pr_node x = pr_g_input(g, "h", PR_SHAPE(-1, 4));
    pr_node d = pr_g_dropout(g, x, 0.3, standard), m = pr_g_mean(g, d, 0, 0);
    assert_ok(pr_graph_set_input(g, x, h));
    assert_ok(pr_graph_forward(g, m));
    pr_tensor v;
    assert_ok(pr_graph_value(g, m, &v));
    for (int k = 0; k < 4; k++) train_mean[k] = pr_tensor_get(&v, k);
    /* a kept unit is 0 or h/(1-p) (inverted) / h (standard): check the values taken */
    assert_ok(pr_graph_value(g, d, &v));
    for (int64_t i = 0; i < 400; i++) {
        double e = pr_tensor_get(&v, i), s = standard ? 1 : 1 / 0.7;
        cr_assert(e == 0 || fabs(e - hv[i % 4] * s) < 1e-12, "dropout output %g for h = %g", e, hv[i % 4]);
    }
    pr_graph_set_training(g, 0);
    assert_ok(pr_graph_forward(g, d));
    assert_ok(pr_graph_value(g, d, &v));
    for (int k = 0; k < 4; k++) eval_out[k] = pr_tensor_get(&v, k);
    pr_tensor_free(h);
    pr_graph_free(g);
}

Test(ch07, q7_9_dropout_expectations) {
    double train[4], eval[4];
    const double h[4] = {1, 2, -0.5, 3};
    /* standard dropout: E = (1 - p) h = (0.7, 1.4, -0.35, 2.1) in training, scaled by 0.7 at test */
    dropout_means(1, train, eval);
    for (int k = 0; k < 4; k++) {
        double sd = fabs(h[k]) * sqrt(0.3 * 0.7 / 200000);
        assert_near(train[k], 0.7 * h[k], 5 * sd);
        assert_near(eval[k], 0.7 * h[k], 1e-15);
    }
    /* inverted dropout (the default): E = h in training, identity at test */
    dropout_means(0, train, eval);
    for (int k = 0; k < 4; k++) {
        double sd = fabs(h[k]) / 0.7 * sqrt(0.3 * 0.7 / 200000);
        assert_near(train[k], h[k], 5 * sd);
        assert_near(eval[k], h[k], 0);
    }
}

/* ---- every loss against PyTorch ----------------------------------------------------------- */

typedef struct loss_case {
    const char *name;
    pr_loss_kind kind;
    double delta;           /* Huber's, as the fixture script sets it */
    const char *target;     /* fixture holding the targets */
    int through_sigmoid;    /* BCE on probabilities: the input is sigmoid(pred) */
} loss_case;

/* Each loss with its defaults (focal: alpha 0.25, gamma 2) except Huber's delta 1.5. */
static const loss_case loss_cases[] = {
    {"mse", PR_LOSS_MSE, 1, "target", 0},          {"mae", PR_LOSS_MAE, 1, "target", 0},
    {"huber", PR_LOSS_HUBER, 1.5, "target", 0},    {"bce_logits", PR_LOSS_BCE_LOGITS, 1, "t01", 0},
    {"bce", PR_LOSS_BCE, 1, "t01", 1},             {"hinge", PR_LOSS_HINGE, 1, "pm1", 0},
    {"focal", PR_LOSS_FOCAL, 1, "bits", 0},        {"ce_labels", PR_LOSS_CROSS_ENTROPY, 1, "labels", 0},
    {"ce_probs", PR_LOSS_CROSS_ENTROPY, 1, "probs", 0},
};

static pr_tensor *loss_fixture(const char *name) {
    char rel[128];
    snprintf(rel, sizeof rel, "nn/losses/%s.npy", name);
    return load_fixture(rel);
}

Test(ch07, every_loss_and_gradient_matches_pytorch) {
    pr_tensor *pred = loss_fixture("pred"), *values = loss_fixture("values");
    for (size_t i = 0; i < sizeof loss_cases / sizeof loss_cases[0]; i++) {
        const loss_case *c = &loss_cases[i];
        pr_tensor *target = loss_fixture(c->target);
        char gname[64];
        snprintf(gname, sizeof gname, "grad_%s", c->name);
        pr_tensor *want = loss_fixture(gname);
        pr_graph *g;
        assert_ok(pr_graph_new(&g, PR_F64));
        pr_node p = pr_g_param(g, "pred", PR_SHAPE(4, 3));
        pr_node in = c->through_sigmoid ? pr_g_sigmoid(g, p) : p;
        pr_loss_config config = pr_loss_defaults(c->kind);
        config.delta = c->delta;
        pr_node loss = pr_loss(g, &config, in, pr_g_const(g, "target", target));
        cr_assert_eq(pr_graph_status(g), PR_OK, "%s: %s", c->name, pr_graph_error(g));
        assert_ok(pr_graph_set_value(g, p, pred));
        assert_ok(pr_graph_forward(g, loss));
        assert_ok(pr_graph_backward(g, loss));
        double v;
        pr_tensor grad;
        assert_ok(pr_graph_scalar(g, loss, &v));
        cr_expect(fabs(v - pr_tensor_get(values, (int64_t)i)) <= 1e-13, "%s: %.17g vs PyTorch %.17g", c->name, v,
                  pr_tensor_get(values, (int64_t)i));
        assert_ok(pr_graph_grad(g, p, &grad));
        assert_tensor_close(&grad, want, 1e-11, 1e-14, c->name);
        /* and against centered finite differences */
        pr_gradcheck_report *r;
        assert_ok(pr_gradcheck(g, loss, 1e-6, 0, &r));
        cr_expect_leq(r->max_rel_error, 1e-6, "%s: gradcheck relative error %g", c->name, r->max_rel_error);
        pr_gradcheck_report_free(r);
        pr_graph_free(g);
        pr_tensor_free(target);
        pr_tensor_free(want);
    }
    pr_tensor_free(pred);
    pr_tensor_free(values);
}

Test(ch07, losses_are_stable_at_extreme_logits) {
    /* ±1000 overflow exp; the fused forms stay finite and exact */
    pr_tensor *z = T64(PR_SHAPE(2), 1000, -1000), *t = T64(PR_SHAPE(2), 1, 1), *grad;
    double v;
    pr_loss_config lc4 = pr_loss_defaults(PR_LOSS_BCE_LOGITS);
    assert_ok(pr_loss_eval(&lc4, z, t, &v, &grad));
    assert_near(v, 500, 1e-12); /* (0 + 1000) / 2 */
    assert_near(pr_tensor_get(grad, 1), -0.5, 1e-15);
    pr_tensor_free(grad);
    pr_tensor *logits = T64(PR_SHAPE(1, 3), 1000, 0, -1000), *label = T64(PR_SHAPE(1), 2);
    pr_loss_config lc5 = pr_loss_defaults(PR_LOSS_CROSS_ENTROPY);
    assert_ok(pr_loss_eval(&lc5, logits, label, &v, &grad));
    assert_near(v, 2000, 1e-12);
    assert_near(pr_tensor_get(grad, 0), 1, 1e-15);
    pr_tensor_free(grad);
    /* BCE on probabilities clamps log at -100, as PyTorch */
    pr_tensor *p = T64(PR_SHAPE(1), 0), *one = T64(PR_SHAPE(1), 1);
    pr_loss_config lc6 = pr_loss_defaults(PR_LOSS_BCE);
    assert_ok(pr_loss_eval(&lc6, p, one, &v, NULL));
    assert_near(v, 100, 1e-12);
    pr_tensor *ts[] = {z, t, logits, label, p, one};
    for (size_t k = 0; k < 6; k++) pr_tensor_free(ts[k]);
}

Test(ch07, loss_names_and_bad_configurations) {
    pr_loss_config c;
    assert_ok(pr_loss_parse("huber:2.5", &c));
    cr_assert_eq(c.kind, PR_LOSS_HUBER);
    assert_near(c.delta, 2.5, 0);
    assert_ok(pr_loss_parse("focal:0.5:3", &c));
    assert_near(c.alpha, 0.5, 0);
    assert_near(c.gamma, 3, 0);
    assert_ok(pr_loss_parse("ce", &c));
    cr_assert_eq(c.kind, PR_LOSS_CROSS_ENTROPY);
    assert_fails(pr_loss_parse("hubber", &c), PR_ERR_INVALID, "unknown loss 'hubber'");
    assert_fails(pr_loss_parse("mse:3", &c), PR_ERR_INVALID, "takes no arguments");
    assert_fails(pr_loss_parse("huber:-1", &c), PR_ERR_INVALID, "delta must be > 0");
    /* (N, 1) predictions against (N) targets would broadcast to (N, N): refused */
    pr_tensor *a = T64(PR_SHAPE(3, 1), 1, 2, 3), *b = T64(PR_SHAPE(3), 1, 2, 3);
    double v;
    pr_loss_config lc7 = pr_loss_defaults(PR_LOSS_MSE);
    assert_fails(pr_loss_eval(&lc7, a, b, &v, NULL), PR_ERR_SHAPE,
                 "prediction (3, 1) and target (3,) must have the same shape");
    pr_tensor_free(a);
    pr_tensor_free(b);
}
