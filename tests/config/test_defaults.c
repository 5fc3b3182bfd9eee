/* Configs start from their defaults and 0 means 0: a focal gamma of 0, an estimator
 * alpha of 0, an SGD momentum of 0, an elastic-net l1_ratio of 0 and a plateau
 * patience of 0 each give the closed form they stand for, and a zero-initialised
 * config is refused where 0 makes no sense instead of silently becoming the default. */
#include <math.h>

#include "test_util.h"

Test(defaults, focal_loss_with_gamma_zero_is_the_alpha_weighted_bce) {
    pr_tensor *z = T64(PR_SHAPE(4), -2, -0.5, 0.3, 1.7), *t = T64(PR_SHAPE(4), 0, 1, 0, 1), *grad;
    pr_loss_config c = pr_loss_defaults(PR_LOSS_FOCAL);
    c.gamma = 0;
    c.alpha = 0.3;
    double v, want = 0;
    assert_ok(pr_loss_eval(&c, z, t, &v, &grad));
    for (int i = 0; i < 4; i++) {
        double zi = pr_tensor_get(z, i), ti = pr_tensor_get(t, i);
        double bce = fmax(zi, 0) - zi * ti + log1p(exp(-fabs(zi)));
        double w = ti ? 0.3 : 0.7, sig = 1 / (1 + exp(-zi));
        want += w * bce / 4;
        assert_near(pr_tensor_get(grad, i), w * (sig - ti) / 4, 1e-15);
    }
    assert_near(v, want, 1e-15);
    pr_tensor_free(grad);
    /* the defaults really are 0.25 and 2 */
    pr_loss_config d = PR_LOSS_DEFAULTS;
    cr_assert(d.alpha == 0.25 && d.gamma == 2 && d.delta == 1 && d.reduction == PR_REDUCTION_MEAN);
    pr_tensor_free(z);
    pr_tensor_free(t);
}

Test(defaults, losses_evaluate_per_element_with_reduction_none) {
    pr_tensor *p = T64(PR_SHAPE(2, 2), 1, 2, 3, 4), *t = T64(PR_SHAPE(2, 2), 0, 2, 5, 1), *each;
    pr_loss_config c = pr_loss_defaults(PR_LOSS_HUBER);
    assert_ok(pr_loss_elements(&c, p, t, &each));
    const double want[4] = {0.5, 0, 1.5, 2.5}; /* |e| = 1, 0, 2, 3 with delta 1 */
    assert_values_close(each, want, 4, 0, 1e-15, "huber per element");
    c.reduction = PR_REDUCTION_SUM;
    double v;
    assert_ok(pr_loss_eval(&c, p, t, &v, NULL));
    assert_near(v, 4.5, 1e-15);
    c.reduction = PR_REDUCTION_NONE;
    assert_fails(pr_loss_eval(&c, p, t, &v, NULL), PR_ERR_INVALID, "pr_loss_elements");
    c.delta = 0;
    assert_fails(pr_loss_elements(&c, p, t, &each), PR_ERR_INVALID, "delta must be > 0");
    pr_tensor_free(each);
    pr_tensor_free(p);
    pr_tensor_free(t);
}

Test(defaults, sgd_with_momentum_zero_is_plain_sgd) {
    pr_optimizer_config plain = pr_optimizer_defaults(PR_OPT_SGD), zero = pr_optimizer_defaults(PR_OPT_MOMENTUM);
    cr_assert_eq(zero.momentum, 0.9); /* the default */
    zero.momentum = 0;
    plain.lr = zero.lr = 0.1;
    pr_optimizer *a, *b;
    assert_ok(pr_optimizer_new(&a, &plain, 3, PR_F64));
    assert_ok(pr_optimizer_new(&b, &zero, 3, PR_F64));
    pr_tensor *pa = T64(PR_SHAPE(3), 1, -2, 3), *pb = T64(PR_SHAPE(3), 1, -2, 3), *g = T64(PR_SHAPE(3), 0.5, 0.25, -1);
    for (int t = 0; t < 4; t++) {
        assert_ok(pr_optimizer_step(a, pa, g, PR_UNSET));
        assert_ok(pr_optimizer_step(b, pb, g, PR_UNSET));
    }
    assert_tensor_close(pb, pa, 0, 0, "momentum 0 against SGD");
    assert_near(pr_tensor_get(pa, 0), 1 - 4 * 0.1 * 0.5, 1e-15);
    /* a zero-initialised config is refused, not silently Adam with lr 1e-3 */
    pr_optimizer_config zeros = {0};
    pr_optimizer *c = NULL;
    assert_fails(pr_optimizer_new(&c, &zeros, 3, PR_F64), PR_ERR_INVALID, "learning rate must be > 0");
    pr_optimizer_free(a);
    pr_optimizer_free(b);
    pr_tensor_free(pa);
    pr_tensor_free(pb);
    pr_tensor_free(g);
}

static pr_tensor *design(void) {
    return T64(PR_SHAPE(6, 2), 1, 0.5, 2, -1, 3, 2.5, 4, 0, 5, 1, 6, -0.5);
}

Test(defaults, ridge_and_lasso_with_alpha_zero_are_least_squares) {
    pr_tensor *X = design(), *y = T64(PR_SHAPE(6), 1.1, 1.9, 3.2, 3.8, 5.1, 6.3);
    pr_estimator *ols, *ridge, *lasso;
    pr_estimator_config c = pr_estimator_defaults(PR_EST_LINEAR);
    assert_ok(pr_estimator_fit(&ols, &c, X, y));
    c = pr_estimator_defaults(PR_EST_RIDGE);
    cr_assert_eq(c.alpha, 1);
    c.alpha = 0;
    assert_ok(pr_estimator_fit(&ridge, &c, X, y));
    c = pr_estimator_defaults(PR_EST_LASSO);
    c.alpha = 0;
    c.tol = 1e-14;
    c.max_iter = 100000;
    assert_ok(pr_estimator_fit(&lasso, &c, X, y));
    assert_tensor_close(pr_estimator_coef(ridge), pr_estimator_coef(ols), 1e-12, 1e-12, "ridge alpha 0");
    assert_tensor_close(pr_estimator_coef(lasso), pr_estimator_coef(ols), 1e-6, 1e-8, "lasso alpha 0");
    pr_estimator_free(ols);
    pr_estimator_free(ridge);
    pr_estimator_free(lasso);
    pr_tensor_free(X);
    pr_tensor_free(y);
}

/* (1/2m)||y - Xw||² + α/2 ||w||² is ridge with the mα penalty: (Xc'Xc + mαI) w = Xc'yc. */
Test(defaults, elastic_net_with_l1_ratio_zero_is_ridge) {
    pr_tensor *X = design(), *y = T64(PR_SHAPE(6), 1.1, 1.9, 3.2, 3.8, 5.1, 6.3);
    pr_estimator *enet, *ridge;
    pr_estimator_config c = pr_estimator_defaults(PR_EST_ELASTIC_NET);
    c.l1_ratio = 0;
    c.alpha = 0.3;
    c.tol = 1e-14;
    c.max_iter = 100000;
    assert_ok(pr_estimator_fit(&enet, &c, X, y));
    c = pr_estimator_defaults(PR_EST_RIDGE);
    c.alpha = 0.3;
    c.ridge_scale = PR_RIDGE_M_LAMBDA;
    assert_ok(pr_estimator_fit(&ridge, &c, X, y));
    assert_tensor_close(pr_estimator_coef(enet), pr_estimator_coef(ridge), 1e-7, 1e-9, "l1_ratio 0");
    pr_estimator_config zeros = {0};
    pr_estimator *e = NULL;
    assert_fails(pr_estimator_fit(&e, &zeros, X, y), PR_ERR_INVALID, "degree 0 is outside 1..20");
    pr_estimator_free(enet);
    pr_estimator_free(ridge);
    pr_tensor_free(X);
    pr_tensor_free(y);
}

Test(defaults, plateau_patience_zero_cuts_after_the_first_bad_epoch) {
    pr_schedule_config c = pr_schedule_defaults(PR_SCHED_PLATEAU);
    cr_assert_eq(c.patience, 10);
    c.patience = 0;
    pr_schedule *s;
    assert_ok(pr_schedule_new(&s, &c, 1, 10));
    int reduced;
    assert_ok(pr_schedule_observe(s, 1.0, &reduced));
    cr_assert(!reduced);
    assert_ok(pr_schedule_observe(s, 1.5, &reduced)); /* no improvement: cut at once */
    cr_assert(reduced);
    assert_near(pr_schedule_lr(s, 0, 1), 0.1, 1e-15);
    pr_schedule_free(s);
    /* the cyclic floor left unset is a tenth of the rate; given as 0 it is 0 */
    c = pr_schedule_defaults(PR_SCHED_CYCLIC);
    assert_ok(pr_schedule_new(&s, &c, 1, 10));
    assert_near(pr_schedule_lr(s, 0, 1), 0.1, 1e-15);
    pr_schedule_free(s);
    c.lr_min = 0;
    assert_ok(pr_schedule_new(&s, &c, 1, 10));
    assert_near(pr_schedule_lr(s, 0, 1), 0, 0);
    pr_schedule_free(s);
}

Test(defaults, zero_initialised_train_and_model_options_are_refused) {
    pr_model *m = NULL;
    pr_model_options mo = {0};
    assert_fails(pr_model_new(&m, "dense:3", PR_SHAPE(2), &mo), PR_ERR_DTYPE, "PR_MODEL_DEFAULTS");
    assert_ok(pr_model_new(&m, "dense:3", PR_SHAPE(2), NULL)); /* NULL: the defaults */
    assert_ok(pr_model_set_task(m, PR_TASK_CLASSIFICATION, NULL, 3));
    pr_tensor *X = T64(PR_SHAPE(4, 2), 0, 1, 1, 0, 1, 1, 0, 0), *y = T64(PR_SHAPE(4), 0, 1, 2, 1);
    pr_train_options o = {0};
    pr_train_history *h = NULL;
    assert_fails(pr_train(m, X, y, &o, &h), PR_ERR_INVALID, "epochs and batch size must be >= 1");
    o = PR_TRAIN_DEFAULTS;
    cr_assert(o.epochs == 20 && o.batch_size == 32 && o.optimizer.kind == PR_OPT_ADAM && o.optimizer.lr == 1e-3);
    o.epochs = 1;
    assert_ok(pr_train(m, X, y, &o, &h));
    cr_assert_eq(h->epochs, 1);
    pr_train_history_free(h);
    pr_model_free(m);
    pr_tensor_free(X);
    pr_tensor_free(y);
    /* limits: 0 is a limit of 0 */
    pr_limits lim = PR_LIMITS_DEFAULTS;
    lim.max_elements = 0;
    pr_csv_options co = PR_CSV_DEFAULTS;
    co.limits = &lim;
    pr_table *t = NULL;
    cr_assert_neq(pr_csv_read_buffer("a,b\n1,2\n", 8, "x.csv", &co, &t), PR_OK);
    cr_assert_null(t);
}
