/* Models: the specification language, PyTorch-compatible names, every layer
 * trained against PyTorch, gradient checks per layer, batch norm and dropout in
 * training and evaluation, and model files. */
#include <string.h>
#include <unistd.h>

#include "test_util.h"

static pr_model *model(const char *spec, int64_t inputs, const pr_model_options *o) {
    pr_model *m = NULL;
    pr_status st = pr_model_new(&m, spec, PR_SHAPE(inputs), o);
    cr_assert(st == PR_OK, "%s: %s", spec, pr_last_error());
    return m;
}

Test(model, specs_are_canonicalised) {
    const char *cases[][2] = {
        {"mlp", "dense:128,relu,dense:64,relu"},
        {"mlp:32:16:8", "dense:32,relu,dense:16,relu,dense:8,relu"},
        {" Dense:8 , LeakY_relu , dropout:0.25,gelu:tanh", "dense:8,leaky_relu:0.01,dropout:0.25,gelu:tanh"},
        {"dense:6,res[dense:6,relu,dense:6],layernorm", "dense:6,res[dense:6,relu,dense:6],layernorm"},
        {"dense:4,leaky_relu:0.2,prelu,batchnorm,sigmoid,tanh,softmax", "dense:4,leaky_relu:0.2,prelu,batchnorm,sigmoid,tanh,softmax"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pr_model *m = model(cases[i][0], 6, NULL);
        cr_assert_str_eq(pr_model_spec(m), cases[i][1]);
        pr_model_free(m);
    }
    pr_model_options mopt1 = PR_MODEL_DEFAULTS;
    mopt1.outputs = 3;
    pr_model *m = model("linear", 5, &mopt1);
    cr_assert_str_eq(pr_model_spec(m), "dense:3");
    cr_assert_eq(pr_model_param_count(m), 18);
    pr_model_free(m);
}

Test(model, spec_errors_say_where) {
    struct {
        const char *spec;
        pr_status st;
        const char *fragment;
    } cases[] = {
        {"dense:64,relux", PR_ERR_INVALID, "unknown layer 'relux'"},
        {"dense", PR_ERR_INVALID, "'dense' needs an argument: UNITS (dense:UNITS)"},
        {"dense:0", PR_ERR_INVALID, "dense: UNITS must be a whole number from 1 to 2147483648 (got 0)"},
        {"dense:2.5", PR_ERR_INVALID, "dense: UNITS must be a whole number from 1 to 2147483648 (got 2.5)"},
        {"dropout:1.5", PR_ERR_INVALID, "dropout: P must be in [0, 1) (got 1.5)"},
        {"gelu:sigmoid", PR_ERR_INVALID, "'sigmoid' is not an argument of gelu (gelu[:none|tanh])"},
        {"dense:tanh", PR_ERR_INVALID, "'tanh' is not an argument of dense (dense:UNITS)"},
        {"embedding:10", PR_ERR_INVALID, "needs an argument: EMBEDDING_DIM"},
        {"dense:4,:3", PR_ERR_INVALID, "expected a layer"},
        {"dense:4,", PR_ERR_INVALID, "a layer is missing after ','"},
        {"res[dense:4", PR_ERR_INVALID, "missing ']'"},
        {"relu:3", PR_ERR_INVALID, "too many arguments for 'relu' (it takes none)"},
        {"dense:3:4", PR_ERR_INVALID, "too many arguments for 'dense' (dense:UNITS)"},
        {"dense:4;relu", PR_ERR_INVALID, "unexpected ';' (layers are separated by commas) at position 8"},
        {"mlp:64:x", PR_ERR_INVALID, "mlp takes hidden widths"},
        {"embedding:10:4,res[dense:5]", PR_ERR_SHAPE, "the block changes the shape of rank-3 input"},
        {"conv:4:3", PR_ERR_SHAPE, "needs images (batch, channels, height, width), got rank 2 (rows of pixels"},
        {"reshape:1:3:3", PR_ERR_SHAPE, "1 x 3 x 3 = 9 values per image, but each row has 4"},
        {"reshape:1:2:2,conv:2:3", PR_ERR_SHAPE, "a 3x3 kernel (dilation 1) is larger than the height of the padded input"},
        {"reshape:1:2:2,maxpool:3", PR_ERR_SHAPE, "the 3x3 window is larger than the height"},
        {"reshape:1:2:2,maxpool:3:1:2", PR_ERR_SHAPE, "padding 2 is more than half the 3 window"},
        {"reshape:1:2:2,conv:3:1:0", PR_ERR_INVALID, "STRIDE must be a whole number from 1"},
        {"lenet5:3", PR_ERR_INVALID, "lenet5 takes no arguments"},
        {"vgg:2", PR_ERR_INVALID, "vgg takes the number of convolutions and their maps"},
        {"res[lenet5]", PR_ERR_SHAPE, "needs images"},
        {"lenet5[dense:3]", PR_ERR_INVALID, "lenet5 is a named model and takes no [layers]"},
        {"dense:4,unknownthing", PR_ERR_INVALID, "named models: mlp, linear, lenet5"},
        {"", PR_ERR_INVALID, "the model has no layers"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pr_model *m = NULL;
        assert_fails(pr_model_new(&m, cases[i].spec, PR_SHAPE(4), NULL), cases[i].st, cases[i].fragment);
        cr_assert_null(m);
    }
}

/* found by the long fuzz run of the spec parser: gpt:6563315 built 6.5 million blocks
 * (13 s and 230 MB of text) before the parameter limit saw them */
Test(model, a_named_model_with_millions_of_layers_is_refused_at_once) {
    pr_model_options o = PR_MODEL_DEFAULTS;
    o.outputs = 65;
    pr_model *m = NULL;
    assert_fails(pr_model_new(&m, "gpt:6563315", PR_SHAPE(64), &o), PR_ERR_INVALID,
                 "\"gpt:6563315\" expands to more than 65536 characters of layers");
    cr_assert_null(m);
}

Test(model, names_match_pytorch_state_dict) {
    /* the fixture's initial.safetensors is torch's state_dict() of the same spec */
    const char *spec = "dense:8,batchnorm,leaky_relu:0.1,dense:6,layernorm,gelu:tanh,res[dense:6,tanh],prelu,dense:3";
    pr_model_options mopt2 = PR_MODEL_DEFAULTS;
    mopt2.dtype = PR_F64;
    pr_model *m = model(spec, 4, &mopt2);
    pr_tensor_file *f;
    assert_ok(pr_safetensors_read(test_path("tests/fixtures/nn/train/initial.safetensors"), NULL, &f));
    cr_assert_eq(pr_model_tensor_count(m), pr_tensor_file_count(f));
    for (int64_t i = 0; i < pr_tensor_file_count(f); i++)
        cr_assert_str_eq(pr_model_tensor_name(m, i), pr_tensor_file_name(f, i));
    cr_assert_str_eq(pr_model_tensor_name(m, 5), "1.running_var");
    cr_assert_str_eq(pr_model_tensor_name(m, 11), "6.body.0.weight");
    pr_tensor_file_free(f);
    pr_model_free(m);
}

Test(model, every_layer_trains_like_pytorch) {
    /* three epochs of Adam on fixed batches: losses, weights, batch-norm statistics and
     * evaluation outputs against torch (float64) */
    const char *spec = "dense:8,batchnorm,leaky_relu:0.1,dense:6,layernorm,gelu:tanh,res[dense:6,tanh],prelu";
    pr_model_options mopt3 = PR_MODEL_DEFAULTS;
    mopt3.dtype = PR_F64;
    mopt3.outputs = 3;
    pr_model *m = model(spec, 4, &mopt3);
    assert_ok(pr_model_set_task(m, PR_TASK_CLASSIFICATION, NULL, 3));
    pr_tensor_file *init, *final;
    assert_ok(pr_safetensors_read(test_path("tests/fixtures/nn/train/initial.safetensors"), NULL, &init));
    assert_ok(pr_safetensors_read(test_path("tests/fixtures/nn/train/final.safetensors"), NULL, &final));
    assert_ok(pr_model_load_tensors(m, init, "initial"));
    pr_tensor *X = load_fixture("nn/train/X.npy"), *y = load_fixture("nn/train/y.npy");
    pr_tensor *losses = load_fixture("nn/train/epoch_losses.npy"), *outputs = load_fixture("nn/train/eval_outputs.npy");
    pr_train_history *h;
    pr_train_options o = PR_TRAIN_DEFAULTS;
    o.epochs = 3;
    o.batch_size = 8;
    o.no_shuffle = 1;
    o.optimizer = pr_optimizer_defaults(PR_OPT_ADAM);
    o.optimizer.lr = 0.01;
    assert_ok(pr_train(m, X, y, &o, &h));
    assert_values_close(losses, h->train_loss, 3, 1e-12, 0, "epoch losses");
    for (int64_t i = 0; i < pr_model_tensor_count(m); i++) {
        const char *name = pr_model_tensor_name(m, i);
        pr_tensor got;
        const pr_tensor *want;
        assert_ok(pr_model_tensor(m, name, &got));
        assert_ok(pr_tensor_file_find(final, name, &want));
        pr_tensor *w;
        assert_ok(pr_tensor_cast(want, PR_F64, &w));
        /* 0.bias feeds batch norm, which cancels it: its gradient is rounding noise that
         * Adam normalises, so it agrees only to about 1e-10 */
        assert_tensor_close(&got, w, 1e-9, 1e-9, name);
        pr_tensor_free(w);
    }
    pr_tensor *out;
    assert_ok(pr_model_forward(m, X, &out));
    assert_tensor_close(out, outputs, 1e-9, 1e-9, "evaluation outputs (running statistics)");
    pr_tensor_free(out);
    pr_train_history_free(h);
    pr_tensor *ts[] = {X, y, losses, outputs};
    for (int k = 0; k < 4; k++) pr_tensor_free(ts[k]);
    pr_tensor_file_free(init);
    pr_tensor_file_free(final);
    pr_model_free(m);
}

Test(model, every_layer_passes_gradcheck) {
    const char *specs[] = {"dense:5", "dense:5,relu", "dense:5,leaky_relu:0.2", "dense:5,prelu", "dense:5,sigmoid",
                           "dense:5,tanh", "dense:5,gelu", "dense:5,gelu:tanh", "dense:5,silu", "dense:5,softmax", "dense:5,batchnorm",
                           "dense:5,layernorm", "dense:5,res[dense:5,tanh,dense:5]", "dense:5,dropout:0.3"};
    pr_rng rng;
    pr_rng_seed(&rng, 11);
    pr_tensor *X;
    assert_ok(pr_tensor_normal(&X, PR_F64, PR_SHAPE(6, 3), 0, 1, &rng));
    pr_tensor *y = T64(PR_SHAPE(6), 0, 1, 2, 1, 0, 2);
    for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
        pr_model_options mopt4 = PR_MODEL_DEFAULTS;
        mopt4.dtype = PR_F64;
        mopt4.outputs = 3;
        mopt4.seed = i;
        pr_model *m = model(specs[i], 3, &mopt4);
        pr_graph *g = pr_model_graph(m);
        pr_node t = pr_g_input(g, "target", PR_SHAPE(-1));
        pr_loss_config lc5 = pr_loss_defaults(PR_LOSS_CROSS_ENTROPY);
        pr_node loss = pr_loss(g, &lc5, pr_model_output(m), t);
        assert_ok(pr_graph_status(g));
        assert_ok(pr_graph_set_input(g, pr_model_input(m), X));
        assert_ok(pr_graph_set_input(g, t, y));
        pr_gradcheck_report *r;
        assert_ok(pr_gradcheck(g, loss, 1e-6, 0, &r));
        cr_expect_leq(r->max_rel_error, 1e-6, "%s: relative error %g", specs[i], r->max_rel_error);
        pr_gradcheck_report_free(r);
        pr_model_free(m);
    }
    pr_tensor_free(X);
    pr_tensor_free(y);
}

/* silu(x) = x σ(x): -2 σ(-2), 0, 3 σ(3). */
Test(model, silu_is_x_times_its_sigmoid) {
    pr_model *m = model("silu", 3, NULL);
    pr_tensor *x = T64(PR_SHAPE(1, 3), -2, 0, 3), *y;
    assert_ok(pr_model_forward(m, x, &y));
    const double want[3] = {-2 / (1 + exp(2.0)), 0, 3 / (1 + exp(-3.0))};
    assert_values_close(y, want, 3, 1e-7, 0, "silu");
    pr_tensor_free(x);
    pr_tensor_free(y);
    pr_model_free(m);
}

Test(model, embedding_and_flatten) {
    pr_model *m;
    pr_model_options mopt6 = PR_MODEL_DEFAULTS;
    mopt6.dtype = PR_F64;
    mopt6.outputs = 2;
    assert_ok(pr_model_new(&m, "embedding:10:4,flatten", PR_SHAPE(3), &mopt6));
    cr_assert_eq(pr_model_param_count(m), 10 * 4 + 12 * 2 + 2);
    pr_tensor table;
    assert_ok(pr_model_tensor(m, "0.weight", &table));
    pr_tensor *tokens = T64(PR_SHAPE(2, 3), 1, 9, 0, 4, 4, 2), *out;
    assert_ok(pr_model_forward(m, tokens, &out));
    cr_assert_eq(out->shape[1], 2);
    pr_tensor emb;
    assert_ok(pr_graph_value(pr_model_graph(m), pr_model_layer_output(m, 1), &emb));
    cr_assert_eq(emb.ndim, 2);
    cr_assert_eq(emb.shape[1], 12);
    for (int k = 0; k < 4; k++) assert_near(pr_tensor_get(&emb, 4 + k), pr_tensor_get(&table, 9 * 4 + k), 0);
    pr_tensor_free(out);
    pr_tensor *bad = T64(PR_SHAPE(1, 3), 1, 10, 0);
    assert_fails(pr_model_forward(m, bad, &out), PR_ERR_INVALID, "index 10 at position 1 is not an integer in [0, 10)");
    pr_tensor_free(bad);
    pr_tensor_free(tokens);
    pr_model_free(m);
}

Test(model, batchnorm_train_and_eval_behaviour) {
    pr_model_options mopt7 = PR_MODEL_DEFAULTS;
    mopt7.dtype = PR_F64;
    pr_model *m = model("batchnorm", 2, &mopt7);
    pr_graph *g = pr_model_graph(m);
    pr_tensor *X = T64(PR_SHAPE(4, 2), 1, 10, 2, 20, 3, 30, 6, 40);
    assert_ok(pr_graph_set_input(g, pr_model_input(m), X));
    assert_ok(pr_graph_forward(g, pr_model_output(m))); /* training: batch statistics */
    pr_tensor out, rm, rv, count;
    assert_ok(pr_graph_value(g, pr_model_output(m), &out));
    double s = 0;
    for (int i = 0; i < 4; i++) s += pr_tensor_get(&out, 2 * i);
    assert_near(s, 0, 1e-14); /* zero mean per feature */
    assert_near(pr_tensor_get(&out, 0), (1 - 3) / sqrt(3.5 + 1e-5), 1e-12);
    assert_ok(pr_model_tensor(m, "0.running_mean", &rm));
    assert_ok(pr_model_tensor(m, "0.running_var", &rv));
    assert_ok(pr_model_tensor(m, "0.num_batches_tracked", &count));
    assert_near(pr_tensor_get(&rm, 0), 0.1 * 3, 1e-15);                    /* momentum 0.1 */
    assert_near(pr_tensor_get(&rv, 0), 0.9 + 0.1 * 14.0 / 3, 1e-14);      /* unbiased batch variance */
    assert_near(pr_tensor_get(&count, 0), 1, 0);
    pr_tensor *eval;
    assert_ok(pr_model_forward(m, X, &eval)); /* evaluation: running statistics, nothing updated */
    assert_near(pr_tensor_get(eval, 0), (1 - 0.3) / sqrt(pr_tensor_get(&rv, 0) + 1e-5), 1e-12);
    assert_near(pr_tensor_get(&count, 0), 1, 0);
    pr_tensor_free(eval);
    pr_tensor_free(X);
    pr_model_free(m);
}

Test(model, save_load_gives_identical_outputs) {
    pr_model_options mopt8 = PR_MODEL_DEFAULTS;
    mopt8.outputs = 3;
    mopt8.seed = 4;
    pr_model *m = model("dense:16,batchnorm,relu,dropout:0.2,dense:8,tanh", 5, &mopt8);
    assert_ok(pr_model_set_task(m, PR_TASK_CLASSIFICATION, (double[]){-1, 4, 7}, 3));
    pr_tensor *mean = T64(PR_SHAPE(5), 1, 2, 3, 4, 5), *scale = T64(PR_SHAPE(5), 2, 0, 1, 1, 0.5);
    assert_ok(pr_model_set_standardization(m, mean, scale));
    const char *names[5] = {"a", "b", "c", "d", "e \"quoted\""};
    assert_ok(pr_model_set_columns(m, names, 5, "label"));
    pr_rng rng;
    pr_rng_seed(&rng, 8);
    pr_tensor *X, *y;
    assert_ok(pr_tensor_normal(&X, PR_F64, PR_SHAPE(40, 5), 0, 1, &rng));
    assert_ok(pr_tensor_zeros(&y, PR_F64, PR_SHAPE(40)));
    for (int i = 0; i < 40; i++) pr_tensor_set(y, i, (double[]){-1, 4, 7}[i % 3]);
    pr_train_history *h;
    pr_train_options to9 = PR_TRAIN_DEFAULTS;
    to9.epochs = 2;
    to9.batch_size = 8;
    assert_ok(pr_train(m, X, y, &to9, &h)); /* running stats move */
    pr_train_history_free(h);
    char path[512];
    snprintf(path, sizeof path, "%s/test-model.safetensors", test_build_dir());
    assert_ok(pr_model_save(m, path));
    pr_model *back;
    assert_ok(pr_model_load(path, &back));
    cr_assert_str_eq(pr_model_spec(back), pr_model_spec(m));
    cr_assert_eq(pr_model_task(back), PR_TASK_CLASSIFICATION);
    assert_near(pr_model_class_label(back, 2), 7, 0);
    cr_assert_str_eq(pr_model_feature_name(back, 4), "e \"quoted\"");
    cr_assert_str_eq(pr_model_target_name(back), "label");
    pr_tensor *a, *b, *pa, *pb;
    assert_ok(pr_model_forward(m, X, &a));
    assert_ok(pr_model_forward(back, X, &b));
    cr_assert_eq(a->size, b->size);
    cr_assert(!memcmp(a->data, b->data, (size_t)a->size * 4), "reloaded outputs differ");
    assert_ok(pr_model_predict_classes(m, X, &pa));
    assert_ok(pr_model_predict_classes(back, X, &pb));
    assert_tensor_close(pb, pa, 0, 0, "classes");
    for (int64_t i = 0; i < pa->size; i++) {
        double v = pr_tensor_get(pa, i);
        cr_assert(v == -1 || v == 4 || v == 7);
    }
    pr_tensor *ts[] = {mean, scale, X, y, a, b, pa, pb};
    for (int k = 0; k < 8; k++) pr_tensor_free(ts[k]);
    pr_model_free(back);
    pr_model_free(m);
    unlink(path);
}

Test(model, damaged_model_files_are_refused) {
    char path[512];
    snprintf(path, sizeof path, "%s/test-damaged.safetensors", test_build_dir());
    pr_model *m = model("dense:4", 3, NULL), *back = NULL;
    assert_ok(pr_model_save(m, path));
    /* truncate it: the previous bytes end early */
    FILE *f = fopen(path, "rb+");
    cr_assert_not_null(f);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fclose(f);
    cr_assert_eq(truncate(path, size - 10), 0);
    assert_fails(pr_model_load(path, &back), PR_ERR_FORMAT, "ends at byte");
    cr_assert_null(back);
    /* a safetensors file without primer's metadata */
    pr_tensor_file *tf;
    assert_ok(pr_tensor_file_new(&tf));
    pr_tensor *w = T64(PR_SHAPE(2), 1, 2);
    assert_ok(pr_tensor_file_add(tf, "weight", w));
    assert_ok(pr_safetensors_write(path, tf));
    assert_fails(pr_model_load(path, &back), PR_ERR_FORMAT, "not a primer model file");
    /* metadata naming a different shape than the tensors */
    assert_ok(pr_tensor_file_set_meta(tf, "primer.spec", "dense:2"));
    assert_ok(pr_tensor_file_set_meta(tf, "primer.input_shape", "[3]"));
    assert_ok(pr_safetensors_write(path, tf));
    assert_fails(pr_model_load(path, &back), PR_ERR_FORMAT, "the tensor '0.weight' of model dense:2 is missing");
    assert_ok(pr_tensor_file_set_meta(tf, "primer.input_shape", "[0]"));
    assert_ok(pr_safetensors_write(path, tf));
    assert_fails(pr_model_load(path, &back), PR_ERR_FORMAT, "not a positive integer");
    pr_tensor_file_free(tf);
    pr_tensor_free(w);
    assert_fails(pr_model_load("/nonexistent/model.safetensors", &back), PR_ERR_IO, "cannot open");
    pr_model_free(m);
    unlink(path);
}

Test(model, inputs_that_do_not_fit) {
    pr_model_options mopt10 = PR_MODEL_DEFAULTS;
    mopt10.outputs = 2;
    pr_model *m = model("dense:4", 3, &mopt10);
    pr_tensor *X = T64(PR_SHAPE(2, 4), 1, 2, 3, 4, 5, 6, 7, 8), *out = NULL;
    assert_fails(pr_model_forward(m, X, &out), PR_ERR_SHAPE, "takes rows of shape (3,) (3 values each)");
    pr_tensor_free(X);
    X = T64(PR_SHAPE(1, 3), 1, NAN, 3);
    assert_fails(pr_model_forward(m, X, &out), PR_ERR_NONFINITE, "NaN at row 0, column 1");
    pr_tensor *w = T64(PR_SHAPE(3), 1, 2, 3);
    assert_fails(pr_model_set_tensor(m, "0.weight", w), PR_ERR_SHAPE, "has shape (4, 3)");
    assert_fails(pr_model_set_tensor(m, "9.weight", w), PR_ERR_NOT_FOUND, "no tensor named '9.weight'");
    assert_fails(pr_model_set_task(m, PR_TASK_CLASSIFICATION, NULL, 3), PR_ERR_SHAPE, "3 classes for a model with 2 outputs");
    assert_fails(pr_model_predict_classes(m, X, &out), PR_ERR_INVALID, "not a classifier");
    pr_tensor_free(X);
    pr_tensor_free(w);
    pr_model_free(m);
}
