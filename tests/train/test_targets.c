/* The four kinds of target and auxiliary loss terms: a per-token classifier with
 * padding learns its mapping and its loss is the mean over the counted positions, an
 * autoencoder learns to reconstruct data on a plane, and an auxiliary term trains
 * exactly as the same penalty given as a training option. */
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "test_util.h"

static pr_model *new_model(const char *spec, int ndim, const int64_t *shape, int64_t outputs, pr_dtype dtype) {
    pr_model_options o = PR_MODEL_DEFAULTS;
    o.outputs = outputs;
    o.dtype = dtype;
    o.seed = 3;
    pr_model *m;
    assert_ok(pr_model_new(&m, spec, ndim, shape, &o));
    return m;
}

/* Tokens 0..4 in sequences of 6; each position's label is (token + 1) mod 5, and the
 * last two positions of every third sequence are padding (-100). */
static void token_data(pr_tensor **X, pr_tensor **y) {
    enum { N = 60, T = 6 };
    pr_rng rng;
    pr_rng_seed(&rng, 9);
    assert_ok(pr_tensor_zeros(X, PR_F64, PR_SHAPE(N, T)));
    assert_ok(pr_tensor_zeros(y, PR_F64, PR_SHAPE(N, T)));
    for (int64_t i = 0; i < N * T; i++) {
        int64_t tok = (int64_t)pr_rng_below(&rng, 5);
        pr_tensor_set(*X, i, (double)tok);
        int padded = (i / T) % 3 == 0 && i % T >= T - 2;
        pr_tensor_set(*y, i, padded ? -100 : (double)((tok + 1) % 5));
    }
}

Test(targets, a_per_token_classifier_learns_and_padding_does_not_count) {
    pr_tensor *X, *y;
    token_data(&X, &y);
    pr_model *m = new_model("embedding:5:8", PR_SHAPE(6), 5, PR_F64);
    assert_ok(pr_model_set_task(m, PR_TASK_CLASSIFICATION, NULL, 5));
    int64_t ignore;
    cr_assert_eq(pr_model_targets(m, &ignore), PR_TARGET_POSITIONS); /* from the (N, 6, 5) output */
    cr_assert_eq(ignore, PR_PADDING_LABEL);
    pr_train_options o = PR_TRAIN_DEFAULTS;
    o.epochs = 40;
    o.batch_size = 10;
    o.optimizer.lr = 0.05;
    pr_train_history *h;
    assert_ok(pr_train(m, X, y, &o, &h));
    cr_assert_eq(h->targets, PR_TARGET_POSITIONS);
    cr_assert_lt(h->train_loss[h->epochs - 1], 0.2 * h->train_loss[0]);
    double loss, acc;
    assert_ok(pr_evaluate(m, X, y, NULL, &loss, &acc));
    assert_near(acc, 1, 0);
    /* the loss is the mean of -log p[label] over the counted positions only */
    pr_tensor *p;
    assert_ok(pr_model_predict_proba(m, X, &p));
    double sum = 0;
    int64_t counted = 0;
    for (int64_t i = 0; i < y->size; i++) {
        double label = pr_tensor_get(y, i);
        if (label < 0) continue;
        sum -= log(pr_tensor_get(p, i * 5 + (int64_t)label));
        counted++;
    }
    cr_assert_eq(counted, 60 * 6 - 20 * 2);
    assert_near(loss, sum / (double)counted, 1e-12);
    /* a label that is neither a class nor padding is named by its row */
    pr_tensor_set(y, 13, 7);
    assert_fails(pr_evaluate(m, X, y, NULL, &loss, &acc), PR_ERR_NOT_FOUND, "row 3 (per-position labels)");
    pr_tensor *wrong;
    assert_ok(pr_tensor_zeros(&wrong, PR_F64, PR_SHAPE(60)));
    assert_fails(pr_evaluate(m, X, wrong, NULL, &loss, &acc), PR_ERR_SHAPE, "positions need (60, 6)");
    pr_tensor_free(wrong);
    pr_tensor_free(p);
    pr_train_history_free(h);
    pr_tensor_free(X);
    pr_tensor_free(y);
    pr_model_free(m);
}

Test(targets, an_autoencoder_reconstructs_points_on_a_plane) {
    enum { N = 200 };
    pr_rng rng;
    pr_rng_seed(&rng, 4);
    pr_tensor *Z, *X;
    assert_ok(pr_tensor_normal(&Z, PR_F64, PR_SHAPE(N, 2), 0, 1, &rng));
    assert_ok(pr_tensor_zeros(&X, PR_F64, PR_SHAPE(N, 4)));
    const double A[2][4] = {{1, 0.5, -1, 2}, {0, 1, 1, -0.5}};
    for (int i = 0; i < N; i++)
        for (int j = 0; j < 4; j++)
            pr_tensor_set(X, i * 4 + j, pr_tensor_get(Z, 2 * i) * A[0][j] + pr_tensor_get(Z, 2 * i + 1) * A[1][j]);
    pr_model *m = new_model("dense:2", PR_SHAPE(4), 4, PR_F64); /* a linear bottleneck of 2 */
    assert_ok(pr_model_set_task(m, PR_TASK_REGRESSION, NULL, 0));
    assert_ok(pr_model_set_targets(m, PR_TARGET_RECONSTRUCTION, PR_NO_IGNORE));
    pr_train_options o = PR_TRAIN_DEFAULTS;
    o.epochs = 150;
    o.batch_size = 20;
    o.optimizer.lr = 0.01;
    o.val_fraction = 0.2;
    pr_train_history *h;
    assert_ok(pr_train(m, X, NULL, &o, &h)); /* no y: the input is the target */
    cr_assert(h->regression && h->targets == PR_TARGET_RECONSTRUCTION);
    double loss, r2;
    assert_ok(pr_evaluate(m, X, NULL, NULL, &loss, &r2));
    cr_assert_gt(r2, 0.999, "R² of the reconstruction %g", r2);
    /* the metric is the R² of the outputs against the inputs */
    pr_tensor *out;
    assert_ok(pr_model_forward(m, X, &out));
    pr_regression_metrics rm;
    assert_ok(pr_regression_metrics_of(X, out, &rm));
    assert_near(r2, rm.r2, 1e-12);
    assert_near(loss, rm.mse, 1e-12);
    /* the declaration is kept in the model file */
    char path[512];
    snprintf(path, sizeof path, "%s/test-autoencoder.safetensors", test_build_dir());
    assert_ok(pr_model_save(m, path));
    pr_model *back;
    assert_ok(pr_model_load(path, &back));
    cr_assert_eq(pr_model_targets(back, NULL), PR_TARGET_RECONSTRUCTION);
    unlink(path);
    /* a model whose outputs are not the input's shape cannot reconstruct it */
    pr_model *narrow = new_model("dense:2", PR_SHAPE(4), 3, PR_F64);
    assert_fails(pr_model_set_targets(narrow, PR_TARGET_RECONSTRUCTION, PR_NO_IGNORE), PR_ERR_SHAPE,
                 "takes 4 values per row and gives 3");
    assert_fails(pr_model_set_targets(narrow, PR_TARGET_POSITIONS, 0), PR_ERR_INVALID, "need a classifier");
    pr_model_free(narrow);
    pr_model_free(back);
    pr_tensor_free(out);
    pr_train_history_free(h);
    pr_tensor_free(Z);
    pr_tensor_free(X);
    pr_model_free(m);
}

/* λ Σ w² over the weight matrices as an auxiliary term of the model, against the
 * same penalty given to the trainer: the same weights, and the term on its own in the
 * history, the log and the callbacks. */
static double last_aux;
static int on_epoch(const pr_epoch_report *r, void *user) {
    (void)user;
    last_aux = r->n_aux == 1 ? r->aux_train[0] : NAN;
    return 0;
}

Test(targets, an_auxiliary_term_trains_as_the_same_penalty_and_is_reported) {
    pr_rng rng;
    pr_rng_seed(&rng, 2);
    pr_tensor *X, *y;
    assert_ok(pr_data_blobs(90, 4, 3, 1.5, &rng, &X, &y));
    pr_model *a = new_model("dense:6,tanh", PR_SHAPE(4), 3, PR_F64), *b = new_model("dense:6,tanh", PR_SHAPE(4), 3, PR_F64);
    assert_ok(pr_model_set_task(a, PR_TASK_CLASSIFICATION, NULL, 3));
    assert_ok(pr_model_set_task(b, PR_TASK_CLASSIFICATION, NULL, 3));
    pr_graph *g = pr_model_graph(b);
    pr_node w[2];
    cr_assert_eq(pr_model_weight_params(b, w, 2), 2);
    pr_node sq = pr_g_add(g, pr_g_sum(g, pr_g_mul(g, w[0], w[0]), PR_AXIS_ALL, 0), pr_g_sum(g, pr_g_mul(g, w[1], w[1]), PR_AXIS_ALL, 0));
    assert_ok(pr_model_add_loss(b, "l2", sq, 0.01));
    assert_fails(pr_model_add_loss(b, "l2", sq, 1), PR_ERR_INVALID, "added already");
    assert_fails(pr_model_add_loss(b, "rows", pr_model_output(b), 1), PR_ERR_SHAPE, "must be a scalar");
    char log[512];
    snprintf(log, sizeof log, "%s/test-aux-log.csv", test_build_dir());
    pr_train_options o = PR_TRAIN_DEFAULTS;
    o.epochs = 5;
    o.batch_size = 15;
    o.optimizer = pr_optimizer_defaults(PR_OPT_SGD);
    o.optimizer.lr = 0.2;
    pr_train_options with_penalty = o;
    with_penalty.penalty = PR_PENALTY_L2;
    with_penalty.penalty_lambda = 0.01;
    o.log = log;
    o.on_epoch = on_epoch;
    pr_train_history *ha, *hb;
    assert_ok(pr_train(a, X, y, &with_penalty, &ha));
    assert_ok(pr_train(b, X, y, &o, &hb));
    for (int64_t i = 0; i < pr_model_tensor_count(a); i++) {
        pr_tensor va, vb;
        assert_ok(pr_model_tensor(a, pr_model_tensor_name(a, i), &va));
        assert_ok(pr_model_tensor(b, pr_model_tensor_name(b, i), &vb));
        assert_tensor_close(&vb, &va, 1e-11, 1e-13, pr_model_tensor_name(a, i));
    }
    cr_assert_eq(hb->n_aux, 1);
    cr_assert_str_eq(hb->aux_names[0], "l2");
    assert_near(last_aux, hb->aux_train[0][4], 0);
    cr_assert_gt(hb->aux_train[0][0], 0);
    /* the reported loss includes the weighted term: it exceeds the penalty-free run's
       (same weights, the penalty there is not part of the reported loss) by 0.01 x term */
    for (int e = 0; e < 5; e++) assert_near(hb->train_loss[e] - ha->train_loss[e], 0.01 * hb->aux_train[0][e], 1e-10);
    FILE *f = fopen(log, "r");
    cr_assert_not_null(f);
    char header[256];
    cr_assert_not_null(fgets(header, sizeof header, f));
    fclose(f);
    assert_contains(header, ",l2,val_l2");
    unlink(log);
    pr_train_history_free(ha);
    pr_train_history_free(hb);
    pr_tensor_free(X);
    pr_tensor_free(y);
    pr_model_free(a);
    pr_model_free(b);
}
