/* Optimisers, clipping and schedules against torch.optim (tests/fixtures/
 * make_nn_fixtures.py): five steps of each optimiser from the same gradients, the
 * clipping utilities, and the learning rates of torch's schedulers. */
#include <string.h>

#include "test_util.h"

static pr_tensor *fixture(const char *dir, const char *name) {
    char rel[128];
    snprintf(rel, sizeof rel, "nn/%s/%s.npy", dir, name);
    return load_fixture(rel);
}

/* The fixture's optimisers: each kind's defaults with this rate and decay (the
 * torch.optim settings of tests/fixtures/make_nn_fixtures.py). */
static const struct {
    const char *name;
    pr_optimizer_kind kind;
    double lr, weight_decay;
} optimizers[] = {
    {"sgd", PR_OPT_SGD, 0.1, 0},         {"sgd_wd", PR_OPT_SGD, 0.1, 0.05},  {"momentum", PR_OPT_MOMENTUM, 0.05, 0},
    {"nesterov", PR_OPT_NESTEROV, 0.05, 0}, {"adam", PR_OPT_ADAM, 0.01, 0}, {"adam_wd", PR_OPT_ADAM, 0.01, 0.1},
    {"adamw", PR_OPT_ADAMW, 0.01, 0.1},   {"rmsprop", PR_OPT_RMSPROP, 0.01, 0}, {"adagrad", PR_OPT_ADAGRAD, 0.1, 0},
};

static pr_optimizer_config optimizer_config(size_t k) {
    pr_optimizer_config c = pr_optimizer_defaults(optimizers[k].kind);
    c.lr = optimizers[k].lr;
    c.weight_decay = optimizers[k].weight_decay;
    return c;
}

/* Run an optimiser over the fixture's gradients in `dtype`; compare every step. */
static void check_optimizer(size_t k, pr_dtype dtype, double rtol) {
    pr_tensor *p0 = fixture("optim", "p0"), *grads = fixture("optim", "grads");
    pr_tensor *want = fixture("optim", optimizers[k].name), *p, *g;
    assert_ok(pr_tensor_cast(p0, dtype, &p));
    assert_ok(pr_tensor_zeros(&g, dtype, PR_SHAPE(6)));
    pr_optimizer *opt;
    pr_optimizer_config config = optimizer_config(k);
    assert_ok(pr_optimizer_new(&opt, &config, 6, dtype));
    for (int t = 0; t < 5; t++) {
        for (int i = 0; i < 6; i++) pr_tensor_set(g, i, pr_tensor_get(grads, t * 6 + i));
        assert_ok(pr_optimizer_step(opt, p, g, PR_UNSET));
        pr_tensor row;
        assert_ok(pr_tensor_view_rows(want, t, t + 1, &row));
        char what[64];
        snprintf(what, sizeof what, "%s (%s) step %d", optimizers[k].name, pr_dtype_name(dtype), t + 1);
        pr_tensor flat = row;
        assert_ok(pr_tensor_reshape(&flat, PR_SHAPE(6)));
        assert_tensor_close(p, &flat, rtol, rtol, what);
    }
    cr_assert_eq(pr_optimizer_steps(opt), 5);
    pr_optimizer_free(opt);
    pr_tensor *ts[] = {p0, grads, want, p, g};
    for (int i = 0; i < 5; i++) pr_tensor_free(ts[i]);
}

Test(optim, first_steps_match_pytorch) {
    for (size_t k = 0; k < sizeof optimizers / sizeof optimizers[0]; k++) {
        check_optimizer(k, PR_F64, 1e-13);
        check_optimizer(k, PR_F32, 2e-6);
    }
}

Test(optim, state_saves_and_restores_exactly) {
    /* 3 steps, save, restore into a new optimiser, 2 more: the same as 5 in a row */
    pr_tensor *p0 = fixture("optim", "p0"), *grads = fixture("optim", "grads"), *want = fixture("optim", "adam");
    pr_tensor *p, *g;
    assert_ok(pr_tensor_copy(p0, &p));
    assert_ok(pr_tensor_zeros(&g, PR_F64, PR_SHAPE(6)));
    pr_optimizer *a, *b;
    pr_optimizer_config adam = optimizer_config(4);
    assert_ok(pr_optimizer_new(&a, &adam, 6, PR_F64));
    assert_ok(pr_optimizer_new(&b, &adam, 6, PR_F64));
    for (int t = 0; t < 5; t++) {
        if (t == 3) {
            pr_tensor_file *f;
            assert_ok(pr_tensor_file_new(&f));
            assert_ok(pr_optimizer_save_state(a, f, "optim."));
            assert_ok(pr_optimizer_load_state(b, f, "optim.", "state"));
            cr_assert_eq(pr_optimizer_steps(b), 3);
            pr_tensor_file_free(f);
        }
        for (int i = 0; i < 6; i++) pr_tensor_set(g, i, pr_tensor_get(grads, t * 6 + i));
        assert_ok(pr_optimizer_step(t < 3 ? a : b, p, g, PR_UNSET));
    }
    assert_values_close(p, pr_tensor_f64(want) + 24, 6, 1e-13, 1e-13, "restored Adam");
    /* state of another optimiser kind is refused */
    pr_optimizer *sgd;
    pr_tensor_file *f;
    pr_optimizer_config oc1 = pr_optimizer_defaults(PR_OPT_MOMENTUM);
    assert_ok(pr_optimizer_new(&sgd, &oc1, 6, PR_F64));
    assert_ok(pr_tensor_file_new(&f));
    assert_ok(pr_optimizer_save_state(sgd, f, ""));
    assert_fails(pr_optimizer_load_state(a, f, "", "ck"), PR_ERR_FORMAT, "ck: the optimizer state is for 'momentum', not 'adam'");
    pr_tensor_file_free(f);
    pr_optimizer_free(sgd);
    pr_optimizer_free(a);
    pr_optimizer_free(b);
    pr_tensor *ts[] = {p0, grads, want, p, g};
    for (int i = 0; i < 5; i++) pr_tensor_free(ts[i]);
}

Test(optim, clipping_matches_pytorch) {
    pr_tensor *grads = fixture("optim", "grads"), *norm_want = fixture("optim", "clip_norm");
    pr_tensor *value_want = fixture("optim", "clip_value"), *g;
    assert_ok(pr_tensor_zeros(&g, PR_F64, PR_SHAPE(6)));
    for (int i = 0; i < 6; i++) pr_tensor_set(g, i, 3 * pr_tensor_get(grads, i));
    double norm;
    assert_ok(pr_clip_grad_norm(g, 1.5, &norm));
    assert_near(norm, pr_tensor_get(norm_want, 0), 1e-13);
    assert_values_close(g, pr_tensor_f64(norm_want) + 1, 6, 1e-13, 1e-15, "clip_grad_norm");
    for (int i = 0; i < 6; i++) pr_tensor_set(g, i, 3 * pr_tensor_get(grads, i));
    assert_ok(pr_clip_grad_value(g, 0.7));
    assert_values_close(g, pr_tensor_f64(value_want), 6, 0, 0, "clip_grad_value");
    /* below the limit, nothing changes */
    pr_tensor *small = T64(PR_SHAPE(2), 0.3, 0.4);
    assert_ok(pr_clip_grad_norm(small, 1, &norm));
    assert_near(norm, 0.5, 1e-16);
    assert_values_close(small, (double[]){0.3, 0.4}, 2, 0, 0, "unclipped");
    assert_fails(pr_clip_grad_norm(small, 0, NULL), PR_ERR_INVALID, "max_norm must be > 0");
    pr_tensor *ts[] = {grads, norm_want, value_want, g, small};
    for (int i = 0; i < 5; i++) pr_tensor_free(ts[i]);
}

Test(optim, names_defaults_and_errors) {
    pr_optimizer_config c = PR_OPTIMIZER_DEFAULTS;
    assert_ok(pr_optimizer_parse("nesterov:0.8", &c));
    cr_assert_eq(c.kind, PR_OPT_NESTEROV);
    assert_near(c.momentum, 0.8, 0);
    assert_fails(pr_optimizer_parse("adamm", &c), PR_ERR_INVALID, "unknown optimizer 'adamm'");
    assert_fails(pr_optimizer_parse("adam:0.5", &c), PR_ERR_INVALID, "only momentum:B and nesterov:B");
    pr_optimizer *o;
    assert_ok(pr_optimizer_new(&o, NULL, 3, PR_F32));
    pr_optimizer_config s = pr_optimizer_settings(o);
    cr_assert_eq(s.kind, PR_OPT_ADAM); /* the default, with the book's defaults (Q5.3) */
    assert_near(s.lr, 1e-3, 0);
    assert_near(s.beta1, 0.9, 0);
    assert_near(s.beta2, 0.999, 0);
    assert_near(s.eps, 1e-8, 0);
    pr_tensor *p = T64(PR_SHAPE(3), 1, 2, 3), *g = T64(PR_SHAPE(4), 1, 2, 3, 4);
    assert_fails(pr_optimizer_step(o, p, g, PR_UNSET), PR_ERR_SHAPE, "must hold 3 float32 values");
    pr_optimizer_free(o);
    pr_optimizer_config oc2 = pr_optimizer_defaults(PR_OPT_MOMENTUM);
    oc2.momentum = 1.2;
    assert_fails(pr_optimizer_new(&o, &oc2, 3, PR_F64),
                 PR_ERR_INVALID, "momentum must be in [0, 1)");
    pr_optimizer_config oc3 = PR_OPTIMIZER_DEFAULTS;
    oc3.lr = -1;
    assert_fails(pr_optimizer_new(&o, &oc3, 3, PR_F64), PR_ERR_INVALID,
                 "learning rate must be > 0");
    pr_tensor_free(p);
    pr_tensor_free(g);
}

/* ---- schedules ------------------------------------------------------------------------------ */

static void check_rates(const char *fixture_name, const pr_schedule_config *c, double base, double epochs, int64_t spe) {
    pr_tensor *want = fixture("sched", fixture_name);
    pr_schedule *s;
    assert_ok(pr_schedule_new(&s, c, base, epochs));
    for (int64_t e = 0; e < want->size; e++)
        cr_expect(fabs(pr_schedule_lr(s, e * spe, spe) - pr_tensor_get(want, e)) <= 1e-15,
                  "%s: step %lld: %.17g, PyTorch %.17g", fixture_name, (long long)e, pr_schedule_lr(s, e * spe, spe),
                  pr_tensor_get(want, e));
    pr_schedule_free(s);
    pr_tensor_free(want);
}

Test(schedule, match_pytorch_schedulers) {
    pr_schedule_config sc4 = pr_schedule_defaults(PR_SCHED_STEP);
    sc4.every = 3;
    sc4.gamma = 0.5;
    check_rates("step", &sc4, 0.1, 12, 7);
    pr_schedule_config sc5 = pr_schedule_defaults(PR_SCHED_EXPONENTIAL);
    sc5.gamma = 0.9;
    check_rates("exp", &sc5, 0.1, 12, 7);
    pr_schedule_config sc6 = pr_schedule_defaults(PR_SCHED_COSINE);
    sc6.lr_min = 0.01;
    check_rates("cosine", &sc6, 0.1, 10, 7);
    /* torch's CyclicLR counts iterations: one step per "epoch" here, step_size_up = 4 */
    pr_schedule_config sc7 = pr_schedule_defaults(PR_SCHED_CYCLIC);
    sc7.lr_min = 0.01;
    sc7.cycle = 4;
    check_rates("cyclic", &sc7, 0.1, 20, 1);
}

Test(schedule, plateau_matches_reduce_lr_on_plateau) {
    pr_tensor *losses = fixture("sched", "plateau_losses"), *want = fixture("sched", "plateau");
    pr_schedule *s;
    pr_schedule_config sc8 = pr_schedule_defaults(PR_SCHED_PLATEAU);
    sc8.patience = 2;
    sc8.gamma = 0.5;
    assert_ok(pr_schedule_new(&s, &sc8, 0.1, 14));
    for (int64_t e = 0; e < losses->size; e++) {
        assert_near(pr_schedule_lr(s, e, 1), pr_tensor_get(want, e), 1e-17);
        assert_ok(pr_schedule_observe(s, pr_tensor_get(losses, e), NULL));
    }
    /* the state round-trips */
    double state[3];
    pr_schedule_get_state(s, state);
    pr_schedule *t;
    pr_schedule_config sc9 = pr_schedule_defaults(PR_SCHED_PLATEAU);
    sc9.patience = 2;
    sc9.gamma = 0.5;
    assert_ok(pr_schedule_new(&t, &sc9, 0.1, 14));
    pr_schedule_set_state(t, state);
    assert_near(pr_schedule_lr(t, 0, 1), pr_schedule_lr(s, 0, 1), 0);
    pr_schedule_free(s);
    pr_schedule_free(t);
    pr_tensor_free(losses);
    pr_tensor_free(want);
}

Test(schedule, warmup_then_decay_closed_forms) {
    /* documented: η (step + 1) / (W · spe) during W warmup epochs, then linear or cosine decay to η_min at T */
    pr_schedule *lin, *cos_;
    pr_schedule_config sc10 = pr_schedule_defaults(PR_SCHED_WARMUP_LINEAR);
    sc10.warmup = 2;
    assert_ok(pr_schedule_new(&lin, &sc10, 1.0, 10));
    pr_schedule_config sc11 = pr_schedule_defaults(PR_SCHED_WARMUP_COSINE);
    sc11.warmup = 2;
    assert_ok(pr_schedule_new(&cos_, &sc11, 1.0, 10));
    const int64_t spe = 4;
    assert_near(pr_schedule_lr(lin, 0, spe), 1.0 / 8, 1e-16);
    assert_near(pr_schedule_lr(lin, 7, spe), 1.0, 1e-16);
    assert_near(pr_schedule_lr(lin, 8, spe), 1.0, 1e-16);                 /* t = 2: decay starts at η */
    assert_near(pr_schedule_lr(lin, 24, spe), 1 - 4.0 / 8, 1e-15);       /* t = 6: halfway */
    assert_near(pr_schedule_lr(lin, 40, spe), 0, 1e-16);                 /* t = T */
    assert_near(pr_schedule_lr(cos_, 24, spe), 0.5 * (1 + cos(M_PI * 0.5)), 1e-15);
    assert_near(pr_schedule_lr(cos_, 40, spe), 0, 1e-16);
    pr_schedule_free(lin);
    pr_schedule_free(cos_);
}

Test(schedule, names_and_errors) {
    pr_schedule_config c;
    assert_ok(pr_schedule_parse("step:5:0.5", &c));
    cr_assert_eq(c.kind, PR_SCHED_STEP);
    assert_near(c.every, 5, 0);
    assert_near(c.gamma, 0.5, 0);
    assert_ok(pr_schedule_parse("warmup:2:cosine", &c));
    cr_assert_eq(c.kind, PR_SCHED_WARMUP_COSINE);
    assert_ok(pr_schedule_parse("plateau:3", &c));
    cr_assert_eq(c.patience, 3);
    assert_fails(pr_schedule_parse("cosinus", &c), PR_ERR_INVALID, "unknown schedule 'cosinus'");
    assert_fails(pr_schedule_parse("step", &c), PR_ERR_INVALID, "bad arguments");
    assert_fails(pr_schedule_parse("warmup:2:sine", &c), PR_ERR_INVALID, "bad arguments");
    pr_schedule *s;
    pr_schedule_config sc12 = pr_schedule_defaults(PR_SCHED_WARMUP_LINEAR);
    sc12.warmup = 20;
    assert_fails(pr_schedule_new(&s, &sc12, 0.1, 10),
                 PR_ERR_INVALID, "the warmup must be shorter than the run");
    pr_schedule_config sc13 = pr_schedule_defaults(PR_SCHED_STEP);
    sc13.gamma = 2;
    assert_fails(pr_schedule_new(&s, &sc13, 0.1, 10), PR_ERR_INVALID,
                 "gamma must be in (0, 1]");
}
