/* Chapter 8 (neural networks): Example 8.1's XOR network, the parameter count of
 * Q8.4, the neuron of Q8.7, initialisation variances (8.6), the collapse of stacked
 * linear layers, and XOR learned from random weights (Q8.1). */
#include "test_util.h"

static void set(pr_model *m, const char *name, pr_tensor *value) {
    assert_ok(pr_model_set_tensor(m, name, value));
    pr_tensor_free(value);
}

Test(ch08, example_8_1_and_q8_8_xor_by_hand) {
    pr_model *m;
    pr_model_options mopt1 = PR_MODEL_DEFAULTS;
    mopt1.dtype = PR_F64;
    assert_ok(pr_model_new(&m, "dense:2,relu,dense:1,relu", PR_SHAPE(2), &mopt1));
    set(m, "0.weight", T64(PR_SHAPE(2, 2), 1, 1, 1, 1));
    set(m, "0.bias", T64(PR_SHAPE(2), 0, -1));
    set(m, "2.weight", T64(PR_SHAPE(1, 2), 1, -2));
    set(m, "2.bias", T64(PR_SHAPE(1), 0));
    pr_tensor *X = T64(PR_SHAPE(4, 2), 0, 0, 0, 1, 1, 0, 1, 1), *out;
    assert_ok(pr_model_forward(m, X, &out));
    assert_values_close(out, (double[]){0, 1, 1, 0}, 4, 0, 0, "XOR outputs");
    pr_tensor hidden;
    assert_ok(pr_graph_value(pr_model_graph(m), pr_model_layer_output(m, 1), &hidden));
    /* OR-like and AND-like units */
    assert_values_close(&hidden, (double[]){0, 0, 1, 0, 1, 0, 2, 1}, 8, 0, 0, "hidden layer");
    assert_near(pr_tensor_get(out, 2), 1, 0); /* Q8.8: x = (1, 0) gives 1 */
    pr_tensor_free(X);
    pr_tensor_free(out);
    pr_model_free(m);
}

Test(ch08, q8_4_a_5_10_3_network_has_93_parameters) {
    pr_model *m;
    pr_model_options mopt2 = PR_MODEL_DEFAULTS;
    mopt2.outputs = 3;
    assert_ok(pr_model_new(&m, "dense:10,relu", PR_SHAPE(5), &mopt2));
    cr_assert_eq(pr_model_param_count(m), 93);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_ok(pr_model_summary(m, f));
    fclose(f);
    cr_assert(strstr(text, "dense:10") && strstr(text, "(N, 10)") && strstr(text, "60"), "%s", text);
    cr_assert(strstr(text, "(N, 3)") && strstr(text, "33") && strstr(text, "total: 93 trainable parameters"), "%s", text);
    free(text);
    pr_model_free(m);
}

Test(ch08, q8_7_one_neuron_sigmoid_and_relu) {
    const char *specs[2] = {"dense:1,sigmoid", "dense:1,relu"};
    const double want[2] = {1 / (1 + exp(1.0)), 0};
    for (int k = 0; k < 2; k++) {
        pr_model *m;
        pr_model_options mopt3 = PR_MODEL_DEFAULTS;
        mopt3.dtype = PR_F64;
        assert_ok(pr_model_new(&m, specs[k], PR_SHAPE(3), &mopt3));
        set(m, "0.weight", T64(PR_SHAPE(1, 3), 0.5, -0.3, 0.8));
        set(m, "0.bias", T64(PR_SHAPE(1), -0.1));
        pr_tensor *x = T64(PR_SHAPE(1, 3), 1, 2, -1), *out;
        assert_ok(pr_model_forward(m, x, &out));
        assert_near(pr_tensor_get(out, 0), want[k], 1e-15);
        if (k == 0) assert_near(pr_tensor_get(out, 0), 0.269, 5e-4);
        pr_tensor_free(x);
        pr_tensor_free(out);
        pr_model_free(m);
    }
}

/* Sample variance of a dense layer's weights under a rule. */
static double weight_variance(const char *spec, pr_init init, int64_t fan_in, const char *name, double *mean) {
    pr_model *m;
    pr_model_options mopt4 = PR_MODEL_DEFAULTS;
    mopt4.seed = 3;
    mopt4.init = init;
    assert_ok(pr_model_new(&m, spec, PR_SHAPE(fan_in), &mopt4));
    pr_tensor w;
    assert_ok(pr_model_tensor(m, name, &w));
    double s = 0, s2 = 0;
    for (int64_t i = 0; i < w.size; i++) s += pr_tensor_get(&w, i);
    *mean = s / (double)w.size;
    for (int64_t i = 0; i < w.size; i++) s2 += (pr_tensor_get(&w, i) - *mean) * (pr_tensor_get(&w, i) - *mean);
    pr_model_free(m);
    return s2 / (double)(w.size - 1);
}

Test(ch08, section_8_6_xavier_and_he_variances) {
    /* 400 x 300 = 120000 draws: the sample variance is within ~0.5% (4 sigma) */
    double mean, v;
    v = weight_variance("dense:400", PR_INIT_XAVIER_NORMAL, 300, "0.weight", &mean);
    assert_near(v, 2.0 / 700, 4 * sqrt(2.0 / 120000) * 2.0 / 700);
    assert_near(mean, 0, 4 * sqrt(2.0 / 700 / 120000));
    v = weight_variance("dense:400", PR_INIT_HE_NORMAL, 300, "0.weight", &mean);
    assert_near(v, 2.0 / 300, 4 * sqrt(2.0 / 120000) * 2.0 / 300);
    v = weight_variance("dense:400", PR_INIT_HE_UNIFORM, 300, "0.weight", &mean); /* U(-a, a): a²/3 = 2/n_in */
    assert_near(v, 2.0 / 300, 4 * sqrt(0.8 / 120000) * 2.0 / 300);
    v = weight_variance("dense:400", PR_INIT_XAVIER_UNIFORM, 300, "0.weight", &mean);
    assert_near(v, 2.0 / 700, 4 * sqrt(0.8 / 120000) * 2.0 / 700);
    /* the automatic rule: He before a ReLU, Xavier otherwise */
    v = weight_variance("dense:400,relu", PR_INIT_AUTO, 300, "0.weight", &mean);
    assert_near(v, 2.0 / 300, 0.02 * 2.0 / 300);
    v = weight_variance("dense:400,tanh", PR_INIT_AUTO, 300, "0.weight", &mean);
    assert_near(v, 2.0 / 700, 0.02 * 2.0 / 700);
    /* biases start at zero */
    pr_model *m;
    assert_ok(pr_model_new(&m, "dense:4", PR_SHAPE(3), NULL));
    pr_tensor b;
    assert_ok(pr_model_tensor(m, "0.bias", &b));
    for (int64_t i = 0; i < b.size; i++) cr_assert_eq(pr_tensor_get(&b, i), 0);
    pr_model_free(m);
}

/* The spread each rule uses for given fans (section 8.6's formulas). */
Test(ch08, section_8_6_init_scales) {
    double s;
    assert_ok(pr_init_scale(PR_INIT_XAVIER_NORMAL, 300, 400, 0, &s));
    assert_near(s, sqrt(2.0 / 700), 1e-16);
    assert_ok(pr_init_scale(PR_INIT_XAVIER_UNIFORM, 300, 400, 0, &s));
    assert_near(s, sqrt(6.0 / 700), 1e-16);
    assert_ok(pr_init_scale(PR_INIT_HE_NORMAL, 300, 400, 0, &s));
    assert_near(s, sqrt(2.0 / 300), 1e-16);
    assert_ok(pr_init_scale(PR_INIT_HE_UNIFORM, 300, 400, 0, &s));
    assert_near(s, sqrt(6.0 / 300), 1e-16); /* U(-a, a) has variance a²/3 = 2/300 */
    assert_ok(pr_init_scale(PR_INIT_NORMAL, 0, 0, 0.02, &s));
    assert_near(s, 0.02, 0);
    assert_fails(pr_init_scale(PR_INIT_AUTO, 3, 4, 0, &s), PR_ERR_INVALID, "depends on the layer's activation");
    assert_fails(pr_init_scale(PR_INIT_HE_NORMAL, 0, 4, 0, &s), PR_ERR_INVALID, "fans >= 1");
}

Test(ch08, section_8_4_linear_layers_collapse_without_activation) {
    /* W2 (W1 x + b1) + b2 = (W2 W1) x + (W2 b1 + b2): the network equals one linear map */
    pr_model *m;
    pr_model_options mopt5 = PR_MODEL_DEFAULTS;
    mopt5.dtype = PR_F64;
    mopt5.seed = 9;
    assert_ok(pr_model_new(&m, "dense:5,dense:2", PR_SHAPE(3), &mopt5));
    pr_tensor W1, b1, W2, b2;
    assert_ok(pr_model_tensor(m, "0.weight", &W1));
    assert_ok(pr_model_tensor(m, "0.bias", &b1));
    assert_ok(pr_model_tensor(m, "1.weight", &W2));
    assert_ok(pr_model_tensor(m, "1.bias", &b2));
    pr_tensor_fill(&b1, 0.25);
    pr_tensor_fill(&b2, -0.5);
    pr_tensor *W, *b, *X, *out, *expect, *Wt;
    assert_ok(pr_matmul(&W2, &W1, &W));
    assert_ok(pr_matmul(&W2, &b1, &b));
    for (int i = 0; i < 2; i++) pr_tensor_set(b, i, pr_tensor_get(b, i) - 0.5);
    pr_rng rng;
    pr_rng_seed(&rng, 1);
    assert_ok(pr_tensor_normal(&X, PR_F64, PR_SHAPE(6, 3), 0, 1, &rng));
    assert_ok(pr_tensor_transpose(W, NULL, &Wt));
    assert_ok(pr_matmul(X, Wt, &expect));
    for (int i = 0; i < 12; i++) pr_tensor_set(expect, i, pr_tensor_get(expect, i) + pr_tensor_get(b, i % 2));
    assert_ok(pr_model_forward(m, X, &out));
    assert_tensor_close(out, expect, 1e-13, 1e-14, "collapsed network");
    pr_tensor *ts[] = {W, b, X, out, expect, Wt};
    for (int k = 0; k < 6; k++) pr_tensor_free(ts[k]);
    pr_model_free(m);
}

Test(ch08, q8_1_xor_learned_from_random_weights) {
    /* two hidden units are enough; several seeds, every one to 100% */
    pr_tensor *X, *y;
    pr_rng rng;
    pr_rng_seed(&rng, 0);
    assert_ok(pr_data_xor(4, 0, &rng, &X, &y));
    assert_values_close(y, (double[]){0, 1, 1, 0}, 4, 0, 0, "XOR labels");
    for (uint64_t seed = 0; seed < 5; seed++) {
        pr_model *m;
        pr_model_options mopt6 = PR_MODEL_DEFAULTS;
        mopt6.seed = seed;
        mopt6.outputs = 2;
        assert_ok(pr_model_new(&m, "dense:4,tanh", PR_SHAPE(2), &mopt6));
        assert_ok(pr_model_set_task(m, PR_TASK_CLASSIFICATION, NULL, 2));
        pr_train_history *h;
        pr_train_options o = PR_TRAIN_DEFAULTS;
        o.epochs = 300;
        o.batch_size = 4;
        o.seed = seed;
        o.optimizer = pr_optimizer_defaults(PR_OPT_ADAM);
        o.optimizer.lr = 0.05;
        assert_ok(pr_train(m, X, y, &o, &h));
        pr_tensor *pred;
        assert_ok(pr_model_predict_classes(m, X, &pred));
        assert_values_close(pred, (double[]){0, 1, 1, 0}, 4, 0, 0, "learned XOR");
        cr_assert_eq(h->train_metric[h->epochs - 1], 1.0);
        pr_tensor_free(pred);
        pr_train_history_free(h);
        pr_model_free(m);
    }
    pr_tensor_free(X);
    pr_tensor_free(y);
}
