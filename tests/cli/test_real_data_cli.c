/* The files users have: scikit-learn's data sets as pandas writes them (string
 * labels, whole-numbered targets, text categories, missing values, the index
 * column), NumPy arrays, and the command-line conventions. Expected numbers come
 * from scikit-learn and SciPy (tests/fixtures/make_dataset_fixtures.py). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test_util.h"

#define IRIS test_path("tests/fixtures/datasets/iris.csv")
#define HOUSES test_path("tests/fixtures/datasets/houses.csv")
#define DIABETES test_path("tests/fixtures/datasets/diabetes.csv")
#define CANCER test_path("tests/fixtures/datasets/breast_cancer.csv")
#define WINE test_path("tests/fixtures/datasets/wine.csv")

/* A value of tests/fixtures/datasets/expected.csv (columns what, name, value). */
static double expected(const char *what, const char *name) {
    pr_csv_options o = PR_CSV_DEFAULTS;
    o.text = o.missing = 1;
    pr_table *t;
    assert_ok(pr_csv_read(test_path("tests/fixtures/datasets/expected.csv"), &o, &t));
    const char *const *whats, *const *names;
    pr_table_levels(t, 0, &whats);
    int64_t n_names = pr_table_levels(t, 1, &names);
    const double *v = pr_tensor_f64(pr_table_values(t));
    double found = NAN;
    for (int64_t i = 0; i < pr_table_rows(t); i++) {
        double nm = v[i * 3 + 1];
        const char *row_name = isnan(nm) || !n_names ? "" : names[(int64_t)nm];
        if (!strcmp(whats[(int64_t)v[i * 3]], what) && !strcmp(row_name, name)) found = v[i * 3 + 2];
    }
    pr_table_free(t);
    cr_assert(!isnan(found), "expected.csv has no %s %s", what, name);
    return found;
}

/* The README's regression example: a whole-numbered price is regression, said on
 * stderr; missing values are refused with the way out, then imputed; the ridge
 * coefficients are scikit-learn's (SimpleImputer + OneHotEncoder + Ridge). */
Test(real_data_cli, whole_numbered_price_is_regression_and_categories_are_one_hot) {
    char *dir = test_make_dir(), args[2048];
    const char *out;
    snprintf(args, sizeof args, "train --data %s --target price --epochs 2 --out %s/h.safetensors", HOUSES, dir);
    cr_assert_eq(test_run_primer(args, &out), 1, "%s", out);
    assert_contains(out, "skipping the unnamed first column (an index, as pandas writes it)");
    assert_contains(out, "missing values in columns 'area' (3, the first in data row 4), 'town' (1, the first in data "
                         "row 9)");
    assert_contains(out, "--impute mean|median|most-frequent");
    cr_assert_eq(test_file_size(args), -1);
    snprintf(args, sizeof args, "fit ridge --data %s --target price --impute mean --test-size 0 --json --out %s/r.st",
             HOUSES, dir);
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    char path[512];
    snprintf(path, sizeof path, "%s/r.st", dir);
    pr_estimator *e;
    assert_ok(pr_estimator_load(path, &e));
    const char *names[] = {"rooms", "area", "town=east", "town=north", "town=south"};
    cr_assert_eq(pr_estimator_n_features(e), 5);
    for (int j = 0; j < 5; j++) {
        cr_assert_str_eq(pr_estimator_feature_name(e, j), names[j]);
        assert_near(pr_tensor_get(pr_estimator_coef(e), j), expected("houses_ridge_coef", names[j]), 1e-7);
    }
    assert_near(pr_tensor_get(pr_estimator_intercept(e), 0), expected("houses_ridge_intercept", ""), 1e-7);
    pr_estimator_free(e);
    /* the network learns the price in its own units (the target scaled for training) */
    snprintf(args, sizeof args, "train --data %s --target price --impute mean --json --out %s/h.safetensors", HOUSES,
             dir);
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    assert_contains(out, "task: regression (the target 'price' holds 109 distinct whole numbers, more than 20");
    cr_assert_gt(json_number(strstr(out, "\"test\""), "r2"), 0.8, "%s", out);
    /* an unseen category is an error naming it, unless --unknown ignore; missing values
       take the model's fills */
    const char *fresh = test_temp_file(".csv", ",rooms,area,town,price\n0,3,80,west,50000\n1,2,,north,40000\n");
    snprintf(args, sizeof args, "predict --model %s/h.safetensors --data %s", dir, fresh);
    cr_assert_eq(test_run_primer(args, &out), 1, "%s", out);
    assert_contains(out, "column 'town': \"west\" in data row 1 is not one of the 3 categories");
    snprintf(args, sizeof args, "predict --model %s/h.safetensors --data %s --unknown ignore --keep price", dir, fresh);
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    assert_contains(out, "price,prediction\n50000,");
    /* --drop-missing drops the four rows */
    /* (one-hot columns sum to one: with an intercept, linear regression needs the minimum-norm solution) */
    snprintf(args, sizeof args, "fit linear --data %s --target price --drop-missing --min-norm --out %s/l.st", HOUSES,
             dir);
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    assert_contains(out, "dropped 4 rows with missing values");
    assert_contains(out, "116 rows, 5 features");
    /* primer metrics decides by the same rule */
    snprintf(args, sizeof args, "predict --model %s/h.safetensors --data %s --keep price --out %s/p.csv", dir, HOUSES,
             dir);
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    snprintf(args, sizeof args, "metrics --data %s/p.csv --true price --pred prediction", dir);
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    assert_contains(out, "regression metrics of 'prediction' against 'price' (120 rows)");
    test_remove_dir(dir);
}

/* String class labels on every command: sorted names, kept in the model, printed in
 * predictions, probabilities, reports and metrics; scikit-learn's accuracy. */
Test(real_data_cli, string_labels_everywhere) {
    char *dir = test_make_dir(), args[2048];
    const char *out;
    snprintf(args, sizeof args, "fit naive-bayes --data %s --target species --test-size 0 --json --out %s/nb.st", IRIS,
             dir);
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    assert_near(json_number(strstr(out, "\"train\""), "accuracy"), expected("iris_nb_accuracy", ""), 1e-12);
    snprintf(args, sizeof args, "predict --model %s/nb.st --data %s --keep species --out %s/p.csv", dir, IRIS, dir);
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    snprintf(args, sizeof args, "%s/p.csv", dir);
    FILE *f = fopen(args, "r");
    char line[512];
    cr_assert(f && fgets(line, sizeof line, f));
    cr_assert_str_eq(line, "species,prediction,p_setosa,p_versicolor,p_virginica\n");
    cr_assert(fgets(line, sizeof line, f));
    cr_assert(!strncmp(line, "setosa,setosa,", 14), "%s", line);
    fclose(f);
    snprintf(args, sizeof args, "metrics --data %s/p.csv --true species --pred prediction --json", dir);
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    assert_near(json_number(out, "accuracy"), expected("iris_nb_accuracy", ""), 1e-12);
    assert_contains(out, "\"classes\": [\"setosa\", \"versicolor\", \"virginica\"]");
    snprintf(args, sizeof args, "eval --model %s/nb.st --data %s", dir, IRIS);
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    assert_contains(out, "  versicolor ");
    /* a network too: classification because the target holds text */
    snprintf(args, sizeof args, "train --data %s --epochs 3 --out %s/i.safetensors", IRIS, dir);
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    assert_contains(out, "task: classification (the target 'species' holds text: 3 classes)");
    snprintf(args, sizeof args, "predict --model %s/i.safetensors --data %s --json", dir, IRIS);
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    assert_contains(out, "\"prediction\": \"");
    assert_contains(out, "\"p_virginica\": ");
    /* a label the model does not know, and text where numbers belong */
    const char *odd = test_temp_file(".csv", "sepal_length,sepal_width,petal_length,petal_width,species\n"
                                             "5,3,1,0.2,daisy\n");
    snprintf(args, sizeof args, "eval --model %s/nb.st --data %s", dir, odd);
    cr_assert_eq(test_run_primer(args, &out), 1, "%s", out);
    assert_contains(out, "the label \"daisy\", not one of the model's 3 classes");
    snprintf(args, sizeof args, "fit linear --data %s --target species", IRIS);
    cr_assert_eq(test_run_primer(args, &out), 1, "%s", out);
    assert_contains(out, "linear is a regression model; the target 'species' holds text");
    const char *typo = test_temp_file(".csv", "a,b,y\n1,2,0\n2,3,1\n3,4,0\n4,5,1\n5,6,0\n6,7,1\n7,8,0\n8,9,1\n"
                                              "9,1O,0\n10,11,1\n11,12,0\n");
    snprintf(args, sizeof args, "fit logistic --data %s", typo);
    cr_assert_eq(test_run_primer(args, &out), 1, "%s", out);
    assert_contains(out, "column 'b' holds numbers but data row 9 has \"1O\", which is not a number");
    test_remove_dir(dir);
}

/* Fits that stop at their iteration limit keep the model and warn (converged: false),
 * unless --strict; the L1 logistic default converges to SciPy's optimum on the raw
 * breast cancer features. */
Test(real_data_cli, convergence_warns_and_l1_logistic_converges) {
    char *dir = test_make_dir(), args[2048], path[512];
    const char *out;
    snprintf(args, sizeof args, "fit logistic --data %s --target malignant --penalty l1 --alpha 5 --test-size 0 --json "
                                "--out %s/l1.st", CANCER, dir);
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    assert_contains(out, "\"converged\": true");
    snprintf(path, sizeof path, "%s/l1.st", dir);
    pr_estimator *e;
    assert_ok(pr_estimator_load(path, &e));
    pr_table *t;
    pr_csv_options o = PR_CSV_DEFAULTS;
    assert_ok(pr_csv_read(CANCER, &o, &t));
    int64_t m = pr_table_rows(t), p = pr_table_cols(t) - 1;
    const double *v = pr_tensor_f64(pr_table_values(t)), *w = pr_tensor_f64(pr_estimator_coef(e));
    double b = pr_tensor_get(pr_estimator_intercept(e), 0), loss = 0, l1 = 0;
    for (int64_t i = 0; i < m; i++) {
        double z = b, y = v[i * (p + 1) + p];
        for (int64_t j = 0; j < p; j++) z += w[j] * v[i * (p + 1) + j];
        loss += (z > 0 ? z + log1p(exp(-z)) : log1p(exp(z))) - y * z;
    }
    for (int64_t j = 0; j < p; j++) l1 += fabs(w[j]);
    double objective = loss / (double)m + 5.0 / (double)m * l1, want = expected("breast_cancer_l1_objective", "");
    cr_assert(fabs(objective - want) <= 1e-9 * want, "objective %.17g, SciPy's %.17g", objective, want);
    pr_table_free(t);
    pr_estimator_free(e);
    /* softmax on the raw digits stops at 20 iterations: kept, with the warning */
    snprintf(args, sizeof args, "fit softmax --max-iter 20 --json --out %s/s.st", dir);
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    assert_contains(out, "primer: warning: softmax: L-BFGS did not converge in 20 iterations");
    assert_contains(out, "\"converged\": false");
    snprintf(path, sizeof path, "%s/s.st", dir);
    cr_assert_gt(test_file_size(path), 0);
    snprintf(args, sizeof args, "fit softmax --max-iter 20 --strict --out %s/strict.st", dir);
    cr_assert_eq(test_run_primer(args, &out), 1, "%s", out);
    snprintf(path, sizeof path, "%s/strict.st", dir);
    cr_assert_eq(test_file_size(path), -1, "--strict saves nothing");
    test_remove_dir(dir);
}

/* Column selection and the reader options on every command. */
Test(real_data_cli, column_selection_and_reader_options) {
    char *dir = test_make_dir(), args[2048];
    const char *out;
    snprintf(args, sizeof args, "fit ridge --data %s --features=rooms,area --target=price --drop-missing --out %s/a.st",
             HOUSES, dir);
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    assert_contains(out, "2 features, target 'price'");
    snprintf(args, sizeof args, "fit ridge --data %s --ignore town --target price --impute median --out %s/b.st", HOUSES,
             dir);
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    assert_contains(out, "2 features, target 'price'");
    snprintf(args, sizeof args, "fit ridge --data %s --ignore nope", HOUSES);
    cr_assert_eq(test_run_primer(args, &out), 1, "%s", out);
    assert_contains(out, "no column named 'nope'");
    /* semicolons, no header, standard input */
    const char *semi = test_temp_file(".csv", "1;2;0\n2;1;1\n3;4;0\n4;3;1\n5;6;0\n6;5;1\n");
    snprintf(args, sizeof args, "fit logistic --data %s --delimiter ';' --no-header --test-size 0 --out %s/c.st", semi,
             dir);
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    assert_contains(out, "target 'col3'");
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "%s predict --model %s/c.st --data - --delimiter ';' --no-header < %s", test_primer_bin(),
             dir, semi);
    cr_assert_eq(test_run_command(cmd, &out), 0, "%s", out);
    assert_contains(out, "prediction,p_0,p_1\n");
    test_remove_dir(dir);
}

/* NumPy arrays as data: .npz (X, y) and .npy on train, fit, eval, predict, metrics. */
Test(real_data_cli, numpy_arrays_as_data) {
    char *dir = test_make_dir(), args[2048];
    const char *out, *npz = test_path("tests/fixtures/npy/xy_deflated.npz");
    snprintf(args, sizeof args, "fit logistic --data %s --test-size 0 --json --out %s/n.st", npz, dir);
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    assert_contains(out, "\"rows\": 40");
    snprintf(args, sizeof args, "train --data %s --epochs 2 --quiet --out %s/n.safetensors", npz, dir);
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    snprintf(args, sizeof args, "eval --model %s/n.st --data %s", dir, test_path("tests/fixtures/npy/xy_stored.npz"));
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    assert_contains(out, "accuracy");
    snprintf(args, sizeof args, "predict --model %s/n.safetensors --data %s --arrays X,", dir, npz);
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    assert_contains(out, "prediction,p_0,p_1\n");
    snprintf(args, sizeof args, "train --data %s --arrays features,y", npz);
    cr_assert_eq(test_run_primer(args, &out), 1, "%s", out);
    assert_contains(out, "has no array 'features'; it holds 'X' 'y' 'note'");
    /* uint8 images (N, 8, 8) in one .npy, int64 labels in another: a CNN on pixels scaled to [0, 1] */
    char images[512], labels[512];
    snprintf(images, sizeof images, "%s/images.npy", dir);
    snprintf(labels, sizeof labels, "%s/labels.npy", dir);
    FILE *f = fopen(images, "wb");
    char header[128];
    int hl = snprintf(header, sizeof header, "{'descr': '|u1', 'fortran_order': False, 'shape': (40, 8, 8), }");
    while ((10 + hl + 1) % 64) header[hl++] = ' ';
    header[hl++] = '\n';
    fwrite("\x93NUMPY\x01\x00", 1, 8, f);
    fputc(hl & 0xff, f);
    fputc(hl >> 8, f);
    fwrite(header, 1, (size_t)hl, f);
    pr_tensor *y = NULL;
    assert_ok(pr_tensor_zeros(&y, PR_I64, PR_SHAPE(40)));
    for (int i = 0; i < 40; i++) {
        ((int64_t *)y->data)[i] = i % 2;
        for (int px = 0; px < 64; px++) fputc((px % 8 < 4) == (i % 2) ? 230 : 10 + (i * px) % 20, f);
    }
    fclose(f);
    assert_ok(pr_npy_write(labels, y));
    pr_tensor_free(y);
    snprintf(args, sizeof args, "train --data %s --labels %s --epochs 3 --out %s/img.safetensors", images, labels, dir);
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    assert_contains(out, "40 images of 1x8x8");
    assert_contains(out, "pixels scaled to [0, 1]");
    const char *csv = test_temp_file(".csv", "x,y\n1,2\n");
    snprintf(args, sizeof args, "predict --model %s/n.st --data %s --out %s", dir, csv, csv);
    cr_assert_eq(test_run_primer(args, &out), 2, "%s", out);
    assert_contains(out, "--out would replace");
    test_remove_dir(dir);
}

/* The conventions: --opt=value, help CMD, -V, usage errors exit 2, --json errors on
 * stdout, two outputs that are one file. */
Test(real_data_cli, command_line_conventions) {
    const char *out;
    cr_assert_eq(test_run_primer("-V", &out), 0, "%s", out);
    assert_contains(out, "primer ");
    cr_assert_eq(test_run_primer("help fit", &out), 0, "%s", out);
    assert_contains(out, "usage: primer fit MODEL");
    assert_contains(out, "--impute S");
    cr_assert_eq(test_run_primer("help nope", &out), 2, "%s", out);
    cr_assert_eq(test_run_primer("fit bogus", &out), 2, "%s", out);
    cr_assert_eq(test_run_primer("fit bogus --json 2>/dev/null", &out), 2, "%s", out);
    assert_contains(out, "{\"error\": \"fit: unknown model 'bogus'");
    assert_contains(out, "\"status\": 2}");
    cr_assert_eq(test_run_primer("train --curve=/tmp/same.x --out /tmp/same.x --quiet", &out), 2, "%s", out);
    assert_contains(out, "--out and --curve name the same file");
    cr_assert_eq(test_run_primer("fit ridge --test=0 --alpha=2 --out=/tmp/primer-ridge-eq.st", &out), 0, "%s", out);
    assert_contains(out, "alpha 2");
    unlink("/tmp/primer-ridge-eq.st");
}

/* A model with many features saves and loads again (the header once stopped at about
 * 1,450 features); 100,000 here through the library, 3,000 through the tool. */
Test(real_data_cli, wide_models_load_again) {
    pr_model *m = NULL, *back = NULL;
    int64_t d = 100000;
    assert_ok(pr_model_new(&m, "dense:1", 1, (int64_t[]){d}, NULL));
    char **names = malloc((size_t)d * sizeof *names);
    pr_tensor *mean = NULL, *scale = NULL;
    assert_ok(pr_tensor_zeros(&mean, PR_F64, PR_SHAPE(d)));
    assert_ok(pr_tensor_zeros(&scale, PR_F64, PR_SHAPE(d)));
    for (int64_t j = 0; j < d; j++) {
        names[j] = malloc(32);
        snprintf(names[j], 32, "feature%lld", (long long)j);
        pr_tensor_f64(mean)[j] = 0.1 * (double)j;
        pr_tensor_f64(scale)[j] = 1 + 1e-3 * (double)j;
    }
    assert_ok(pr_model_set_columns(m, (const char *const *)names, d, "y"));
    assert_ok(pr_model_set_standardization(m, mean, scale));
    char *dir = test_make_dir(), path[512];
    snprintf(path, sizeof path, "%s/wide.safetensors", dir);
    assert_ok(pr_model_save(m, path));
    assert_ok(pr_model_load(path, &back));
    cr_assert_str_eq(pr_model_feature_name(back, d - 1), "feature99999");
    pr_tensor bm, bs;
    assert_ok(pr_model_standardization(back, &bm, &bs));
    cr_assert_eq(pr_tensor_get(&bm, d - 1), 0.1 * (double)(d - 1));
    for (int64_t j = 0; j < d; j++) free(names[j]);
    free(names);
    pr_tensor_free(mean);
    pr_tensor_free(scale);
    pr_model_free(m);
    pr_model_free(back);
    /* the tool: a CSV of 3,000 columns, trained, saved, and used again */
    size_t cap = 200000, at = 0;
    char *csv = malloc(cap);
    for (int j = 0; j < 3000; j++) at += (size_t)snprintf(csv + at, cap - at, "c%d,", j);
    at += (size_t)snprintf(csv + at, cap - at, "y\n");
    for (int i = 0; i < 8; i++) {
        for (int j = 0; j < 3000; j++) at += (size_t)snprintf(csv + at, cap - at, "%d,", (i * 7 + j) % 5);
        at += (size_t)snprintf(csv + at, cap - at, "%d.5\n", i);
    }
    const char *file = test_temp_file(".csv", csv);
    free(csv);
    char args[2048];
    const char *out;
    snprintf(args, sizeof args, "train --data %s --model linear --epochs 1 --quiet --out %s/w.safetensors", file, dir);
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    snprintf(args, sizeof args, "predict --model %s/w.safetensors --data %s", dir, file);
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    unlink(file);
    test_remove_dir(dir);
}

/* Ctrl-C: the batch finishes, the model is saved and the last checkpoint is kept and
 * named, exit 130; the checkpoint resumes. */
Test(real_data_cli, ctrl_c_saves_and_exits_130) {
    char *dir = test_make_dir(), cmd[4096];
    const char *out;
    snprintf(cmd, sizeof cmd,
             "cd %s && (%s train --epochs 40 --checkpoint c.ckpt --out m.safetensors > log.txt 2>&1 & pid=$!; "
             "for i in $(seq 600); do [ -f c.ckpt ] && break; sleep 0.05; done; kill -INT $pid; wait $pid; "
             "echo status=$?; cat log.txt)",
             dir, test_primer_bin());
    cr_assert_eq(test_run_command(cmd, &out), 0, "%s", out);
    assert_contains(out, "status=130");
    assert_contains(out, "primer: interrupted in epoch ");
    assert_contains(out, "saved the model (as of that step) to m.safetensors; the checkpoint of epoch ");
    char path[512];
    snprintf(path, sizeof path, "%s/m.safetensors", dir);
    pr_model *m;
    assert_ok(pr_model_load(path, &m));
    pr_model_free(m);
    snprintf(cmd, sizeof cmd, "cd %s && %s train --epochs 40 --resume c.ckpt --json --out r.safetensors", dir,
             test_primer_bin());
    cr_assert_eq(test_run_command(cmd, &out), 0, "%s", out);
    cr_assert_eq(json_number(out, "epochs"), 40, "%s", out);
    test_remove_dir(dir);
}

/* '-' writes standard output; a failed write to it (a full disk: /dev/full) is an
 * error that says standard output and why. */
Test(real_data_cli, standard_output_and_its_write_errors) {
    const char *out;
    cr_assert_eq(test_run_primer("data digits --write - 2>&1 | head -c 20", &out), 0, "%s", out);
    cr_assert_str_eq(out, "pixel0,pixel1,pixel2");
    char *dir = test_make_dir(), args[1024];
    snprintf(args, sizeof args, "(%s data digits --write - > /dev/full)", test_primer_bin()); /* stderr stays ours */
    cr_assert_eq(test_run_command(args, &out), 1, "%s", out);
    assert_contains(out, "data digits: standard output: csv_write: writing failed: No space left on device");
    snprintf(args, sizeof args, "fit ridge --data %s --target progression --out %s/r.st", DIABETES, dir);
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    snprintf(args, sizeof args, "(%s predict --model %s/r.st --data %s > /dev/full)", test_primer_bin(), dir, DIABETES);
    cr_assert_eq(test_run_command(args, &out), 1, "%s", out);
    assert_contains(out, "predict: standard output: csv_write: writing failed: No space left on device");
    test_remove_dir(dir);
}

/* --quiet on fit and predict as on train: errors and warnings only. */
Test(real_data_cli, quiet_fit_and_predict) {
    char *dir = test_make_dir(), args[1024];
    const char *out;
    snprintf(args, sizeof args, "fit ridge --data %s --target price --impute mean --quiet --out %s/r.st", HOUSES, dir);
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    cr_assert_str_eq(out, "");
    snprintf(args, sizeof args, "predict --model %s/r.st --data %s --quiet --out %s/p.csv", dir, HOUSES, dir);
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    cr_assert_str_eq(out, "");
    snprintf(args, sizeof args, "%s/p.csv", dir);
    cr_assert_gt(test_file_size(args), 0);
    test_remove_dir(dir);
}
