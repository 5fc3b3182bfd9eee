/* primer import: PyTorch state dicts become primer models that predict what PyTorch
 * computed. The state dicts and PyTorch's outputs come from
 * tests/fixtures/make_torch_import_fixtures.py. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

#define IRIS test_path("tests/fixtures/datasets/iris.csv")
#define DIABETES test_path("tests/fixtures/datasets/diabetes.csv")
#define IRIS_ST test_path("tests/fixtures/import/iris_mlp.safetensors")
#define IRIS_NPZ test_path("tests/fixtures/import/iris_mlp_module.npz")
#define IRIS_SPEC "dense:16,relu,batchnorm,dense:3"

/* Column `name` of a CSV file (text columns allowed) as float64 values. */
static pr_tensor *csv_column(const char *path, const char *name) {
    pr_csv_options o = PR_CSV_DEFAULTS;
    o.text = 1;
    pr_table *t;
    assert_ok(pr_csv_read(path, &o, &t));
    int64_t j, n = pr_table_rows(t), cols = pr_table_cols(t);
    assert_ok(pr_table_column_index(t, name, &j));
    pr_tensor *out;
    assert_ok(pr_tensor_zeros(&out, PR_F64, 1, (int64_t[]){n}));
    for (int64_t i = 0; i < n; i++) pr_tensor_set(out, i, pr_tensor_f64(pr_table_values(t))[i * cols + j]);
    pr_table_free(t);
    return out;
}

/* `primer predict` of model on data agrees with the column `want` of PyTorch's outputs. */
static void assert_predicts(const char *dir, const char *model, const char *data, const char *column,
                            const char *want_file, const char *want_column, double rtol) {
    char args[2048], pred[512];
    const char *out;
    snprintf(pred, sizeof pred, "%s/pred.csv", dir);
    snprintf(args, sizeof args, "predict --model %s --data %s --out %s", model, data, pred);
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    pr_tensor *got = csv_column(pred, column), *want = csv_column(test_path(want_file), want_column);
    assert_tensor_close(got, want, rtol, 1e-7, column);
    pr_tensor_free(got);
    pr_tensor_free(want);
}

/* The scaler line `line` (1: mean, 2: scale) of iris_scaler.txt. */
static const char *scaler(int line, char *buf, size_t len) {
    FILE *f = fopen(test_path("tests/fixtures/import/iris_scaler.txt"), "r");
    cr_assert(f);
    for (int k = 0; k < line; k++) cr_assert(fgets(buf, (int)len, f));
    fclose(f);
    buf[strcspn(buf, "\n")] = '\0';
    return buf;
}

/* A classifier with batch norm, its columns, class names and standardisation from the
 * data file: PyTorch's probabilities for every iris row, and the data's accuracy. */
Test(import_cli, safetensors_classifier_with_data_predicts_pytorchs_probabilities) {
    char *dir = test_make_dir(), args[2048], model[512];
    const char *out;
    snprintf(model, sizeof model, "%s/iris.safetensors", dir);
    snprintf(args, sizeof args, "import --model " IRIS_SPEC " --weights %s --data %s --target species --standardize "
             "--json --out %s", IRIS_ST, IRIS, model);
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    assert_contains(out, "\"tensors\": 9, \"parameters\": 163, \"task\": \"classification\", \"classes\": 3");
    assert_near(json_number(out, "accuracy"), 148.0 / 150, 1e-6); /* PyTorch's: 0.98667 */
    assert_predicts(dir, model, IRIS, "p_setosa", "tests/fixtures/import/iris_proba.csv", "setosa", 2e-5);
    assert_predicts(dir, model, IRIS, "p_virginica", "tests/fixtures/import/iris_proba.csv", "virginica", 2e-5);
    snprintf(args, sizeof args, "inspect %s", model);
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    assert_contains(out, "class names (3): setosa versicolor virginica");
    assert_contains(out, "standardized");
    test_remove_dir(dir);
}

/* The same weights as numpy.savez wrote them under "module.", with the columns, class
 * names and StandardScaler's mean_ and scale_ given as options. */
Test(import_cli, npz_with_prefix_names_and_scaler_options) {
    char *dir = test_make_dir(), args[4096], model[512], mean[512], scale[512];
    const char *out;
    snprintf(model, sizeof model, "%s/iris.safetensors", dir);
    snprintf(args, sizeof args, "import --model " IRIS_SPEC " --weights %s --features 4 --out %s", IRIS_NPZ, model);
    cr_assert_eq(test_run_primer(args, &out), 1, "%s", out);
    assert_contains(out, "unexpected tensor 'module.0.weight'");
    assert_contains(out, "--prefix module. takes it off");
    cr_assert_eq(test_file_size(model), -1);
    snprintf(args, sizeof args, "import --model " IRIS_SPEC " --weights %s --prefix module. "
             "--features=sepal_length,sepal_width,petal_length,petal_width --classes setosa,versicolor,virginica "
             "--mean %s --scale %s --out %s", IRIS_NPZ, scaler(1, mean, sizeof mean), scaler(2, scale, sizeof scale), model);
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    assert_contains(out, "task: classification (the model has 3 outputs");
    assert_predicts(dir, model, IRIS, "p_versicolor", "tests/fixtures/import/iris_proba.csv", "versicolor", 2e-5);
    snprintf(args, sizeof args, "predict --model %s --data %s", model, IRIS);
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    assert_contains(out, "prediction,p_setosa,p_versicolor,p_virginica\nsetosa,");
    test_remove_dir(dir);
}

/* A float64 regressor: the dtype follows the weights, the prediction is PyTorch's to
 * double precision, R^2 is printed as the check. */
Test(import_cli, float64_regressor_matches_pytorch) {
    char *dir = test_make_dir(), args[2048], model[512];
    const char *out;
    snprintf(model, sizeof model, "%s/d.safetensors", dir);
    snprintf(args, sizeof args, "import --model dense:8,tanh,dense:1 --weights %s --data %s --out %s",
             test_path("tests/fixtures/import/diabetes_mlp.safetensors"), DIABETES, model);
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    assert_contains(out, "task: regression (the model has 1 output");
    assert_contains(out, "check: r2 0.53");
    pr_model *m;
    assert_ok(pr_model_load(model, &m));
    pr_tensor w;
    assert_ok(pr_model_tensor(m, "0.weight", &w));
    cr_assert_eq(w.dtype, PR_F64);
    cr_assert_str_eq(pr_model_target_name(m), "progression");
    pr_model_free(m);
    assert_predicts(dir, model, DIABETES, "prediction", "tests/fixtures/import/diabetes_pred.csv", "prediction", 1e-12);
    test_remove_dir(dir);
}

/* Every mismatch between the file and the spec is an error naming the tensor; nothing
 * is written. */
Test(import_cli, mismatches_are_errors_naming_the_tensor) {
    char *dir = test_make_dir(), args[2048], model[512];
    const char *out;
    snprintf(model, sizeof model, "%s/m.safetensors", dir);
    struct {
        const char *spec, *input, *message;
        int status;
    } cases[] = {
        {"dense:16,relu,dense:3", "--features 4", "unexpected tensor '2.running_mean': model dense:16,relu,dense:3 has "
                                                  "no tensor of that name (its 4 are 0.weight, 0.bias, 2.weight, 2.bias)", 1},
        {"dense:8,relu,batchnorm,dense:3", "--features 4", "tensor '0.weight' has shape (16, 4); model "
                                                           "dense:8,relu,batchnorm,dense:3 needs (8, 4)", 1},
        {IRIS_SPEC ",relu,dense:3", "--features 4", "the tensor '5.weight' of model " IRIS_SPEC ",relu,dense:3 is missing", 1},
        {IRIS_SPEC, "--features 5", "tensor '0.weight' has shape (16, 4); model " IRIS_SPEC " needs (16, 5)", 1},
        {IRIS_SPEC, "--features 4 --task regression", "regression predicts one value; " IRIS_SPEC " has 3 outputs", 1},
        {IRIS_SPEC, "--features 4 --classes a,b", "--classes names 2 classes; the model has 3 outputs", 2},
        {IRIS_SPEC, "--features 4 --classes a,b,c", "class names are kept with the column names", 2},
        {IRIS_SPEC, "--features 4 --mean 1,2", "--mean needs 4 numbers (one per input) or one for all", 2},
        {IRIS_SPEC, "", "give the model's input", 2},
        {IRIS_SPEC, "--features 4 --task lm", "--task is classification or regression", 2},
        {"dense:16,bogus", "--features 4", "bogus", 2},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        snprintf(args, sizeof args, "import --model %s --weights %s %s --out %s", cases[k].spec, IRIS_ST, cases[k].input,
                 model);
        cr_assert_eq(test_run_primer(args, &out), cases[k].status, "%s: %s", args, out);
        assert_contains(out, cases[k].message);
        cr_assert_eq(test_file_size(model), -1, "%s", args);
    }
    /* a spec that does not fit the data, an output that would replace an input, a file that is not one */
    snprintf(args, sizeof args, "import --model dense:8,tanh,dense:3 --weights %s --data %s --out %s",
             test_path("tests/fixtures/import/diabetes_mlp.safetensors"), DIABETES, model);
    cr_assert_eq(test_run_primer(args, &out), 1, "%s", out);
    assert_contains(out, "tensor '2.weight' has shape (1, 8)");
    snprintf(args, sizeof args, "import --model " IRIS_SPEC " --weights %s --features 4 --out %s", IRIS_ST, IRIS_ST);
    cr_assert_eq(test_run_primer(args, &out), 2, "%s", out);
    assert_contains(out, "--out would replace");
    snprintf(args, sizeof args, "import --model " IRIS_SPEC " --weights %s --features 4 --out %s", IRIS, model);
    cr_assert_eq(test_run_primer(args, &out), 1, "%s", out);
    assert_contains(out, "not a safetensors file");
    test_remove_dir(dir);
}
