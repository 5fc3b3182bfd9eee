/* primer train, eval and predict as a user runs them, on the embedded digits and
 * on CSV files, with good and bad input; and the chapter 5, 7 and 8 examples. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test_util.h"

Test(train_cli, default_run_trains_digits_past_95_percent) {
    char *dir = test_make_dir(), args[512], path[512];
    const char *out;
    snprintf(args, sizeof args, "train --out %s/digits.safetensors", dir);
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    assert_contains(out, "data: digits (embedded");
    assert_contains(out, "model: dense:128,relu,dense:64,relu,dense:10, 17226 parameters");
    assert_contains(out, "epoch  20/20");
    const char *acc = strstr(out, "test accuracy: ");
    cr_assert_not_null(acc, "%s", out);
    cr_assert_geq(strtod(acc + 15, NULL), 0.95, "%s", out);
    snprintf(path, sizeof path, "saved model: %s/digits.safetensors", dir);
    assert_contains(out, path);
    snprintf(path, sizeof path, "saved loss curve: %s/digits-loss.svg", dir);
    assert_contains(out, path);
    const char *files[3] = {"digits.safetensors", "digits-loss.svg", "digits-log.csv"};
    for (int k = 0; k < 3; k++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[k]);
        cr_assert_gt(test_file_size(path), 100, "%s missing", path);
    }
    /* the saved model evaluates and predicts */
    snprintf(args, sizeof args, "eval --model %s/digits.safetensors --json", dir);
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    cr_assert_gt(json_number(out, "accuracy"), 0.95);
    assert_contains(out, "\"confusion\": [[");
    snprintf(args, sizeof args, "predict --model %s/digits.safetensors | head -2", dir);
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    assert_contains(out, "prediction,p_0,p_1,p_2,p_3,p_4,p_5,p_6,p_7,p_8,p_9\n0,");
    test_remove_dir(dir);
}

Test(train_cli, json_summary_and_options) {
    char *dir = test_make_dir(), args[512];
    const char *out;
    snprintf(args, sizeof args,
             "train --json --epochs 5 --batch 64 --optimizer momentum --lr 0.05 --schedule cosine --model "
             "dense:32,relu,dropout:0.1 --seed 3 --out %s/m.safetensors --log %s/log.jsonl",
             dir, dir);
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    assert_contains(out, "\"model\": \"dense:32,relu,dropout:0.1,dense:10\"");
    assert_contains(out, "\"epochs\": 5");
    cr_assert_gt(json_number(out, "accuracy"), 0.8);
    assert_contains(out, "\"history\": [{\"epoch\": 1, ");
    char path[512];
    snprintf(path, sizeof path, "%s/log.jsonl", dir);
    cr_assert_gt(test_file_size(path), 50);
    test_remove_dir(dir);
}

/* A CSV of 3 separated blobs with class labels 2, 5 and 9, the first value moved by
 * `shift`. */
static const char *blob_csv_shifted(double shift) {
    static char text[1 << 15];
    size_t at = (size_t)snprintf(text, sizeof text, "x1,x2,label\n");
    for (int i = 0; i < 120; i++) {
        int k = i % 3;
        double x1 = (k == 0 ? -4 : k == 1 ? 0 : 4) + 0.3 * ((i * 37 % 11) - 5) / 5.0;
        double x2 = (k == 1 ? 4 : -2) + 0.3 * ((i * 53 % 13) - 6) / 6.0;
        at += (size_t)snprintf(text + at, sizeof text - at, "%g,%g,%d\n", x1 + (i ? 0 : shift), x2, k == 0 ? 2 : k == 1 ? 5 : 9);
    }
    return test_temp_file(".csv", text);
}

static const char *blob_csv(void) { return blob_csv_shifted(0); }

Test(train_cli, csv_classification_eval_and_predict) {
    char *dir = test_make_dir(), args[1024], path[512];
    const char *out, *csv = blob_csv();
    snprintf(args, sizeof args, "train --data %s --target label --model dense:16,relu --epochs 30 --lr 0.01 --quiet "
                                "--out %s/blobs.safetensors", csv, dir);
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    cr_assert_eq(out[0], '\0', "--quiet printed: %s", out);
    snprintf(args, sizeof args, "eval --model %s/blobs.safetensors --data %s", dir, csv);
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    assert_contains(out, "accuracy: 1.000000");
    assert_contains(out, "                    2          5          9");
    snprintf(args, sizeof args, "predict --model %s/blobs.safetensors --data %s --out %s/pred.csv", dir, csv, dir);
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    snprintf(path, sizeof path, "%s/pred.csv", dir);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f);
    char line[256];
    cr_assert_not_null(fgets(line, sizeof line, f));
    cr_assert_str_eq(line, "prediction,p_2,p_5,p_9\n");
    cr_assert_not_null(fgets(line, sizeof line, f));
    cr_assert_eq(strtod(line, NULL), 2); /* the first row is class 2 */
    fclose(f);
    /* the model's columns are found by name: a file with the columns reordered works */
    const char *reordered = test_temp_file(".csv", "label,x2,x1\n5,4,0\n9,-2,4\n");
    snprintf(args, sizeof args, "predict --model %s/blobs.safetensors --data %s --json", dir, reordered);
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    assert_contains(out, "{\"prediction\": 5, ");
    assert_contains(out, "{\"prediction\": 9, ");
    unlink(reordered);
    unlink(csv);
    test_remove_dir(dir);
}

Test(train_cli, csv_regression) {
    char text[1 << 14], args[1024];
    size_t at = (size_t)snprintf(text, sizeof text, "a,b,y\n");
    for (int i = 0; i < 200; i++) {
        double a = (i % 20) / 10.0 - 1, b = (i / 20) / 5.0 - 1;
        at += (size_t)snprintf(text + at, sizeof text - at, "%g,%g,%.6f\n", a, b, 2 * a - b + 0.5);
    }
    const char *csv = test_temp_file(".csv", text), *out;
    char *dir = test_make_dir();
    snprintf(args, sizeof args, "train --data %s --model linear --epochs 200 --lr 0.05 --json --out %s/r.safetensors", csv, dir);
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    assert_contains(out, "\"task\": \"regression\"");
    cr_assert_gt(json_number(out, "r2"), 0.999, "%s", out);
    snprintf(args, sizeof args, "eval --model %s/r.safetensors --data %s --json", dir, csv);
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    cr_assert_gt(json_number(out, "r2"), 0.999, "%s", out);
    unlink(csv);
    test_remove_dir(dir);
}

Test(train_cli, bad_input_is_reported_and_nothing_saved_is_lost) {
    char *dir = test_make_dir(), args[1024], model[512];
    const char *out, *csv = blob_csv();
    snprintf(model, sizeof model, "%s/m.safetensors", dir);
    snprintf(args, sizeof args, "train --data %s --epochs 3 --quiet --out %s", csv, model);
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    long size = test_file_size(model);
    FILE *f = fopen(model, "rb");
    char *before = malloc((size_t)size);
    cr_assert_eq(fread(before, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    /* a diverging run to the same file fails and leaves the model alone */
    snprintf(args, sizeof args, "train --data %s --optimizer sgd --lr 1e5 --epochs 50 --quiet --out %s", csv, model);
    cr_assert_eq(test_run_primer(args, &out), 1, "%s", out);
    assert_contains(out, "the loss diverged");
    assert_contains(out, "batch");
    f = fopen(model, "rb");
    char *after = malloc((size_t)size + 1);
    cr_assert_eq(fread(after, 1, (size_t)size + 1, f), (size_t)size);
    fclose(f);
    cr_assert(!memcmp(before, after, (size_t)size), "the saved model changed");
    free(before);
    free(after);
    struct {
        const char *csv, *extra, *fragment;
        int status;
    } cases[] = {
        {"x1,x2,label\n1,2,7\n", "eval", "label 7 is not one of the model's 3 classes (2, 5, 9)", 1},
        {"x1,label\n1,2\n", "eval", "column 'x2' is missing", 1},
        {"x1,x2,label\n1,nan,2\n", "eval", "missing values in column 'x2' (1, the first in data row 1)", 1},
        {"x1,x2,label\n1,-inf,2\n", "eval", "column 2 ('x2'): non-finite value", 1},
        {"x1,x2,label\n1,2,2\n", "train", "has 1 row; training needs at least 2", 1},
        {"x1,x2,label\n", "train", "no data rows", 1},
        {"x1,x2,label\n1,2,3\n4,5,3\n", "train", "a single class (3)", 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *f2 = test_temp_file(".csv", cases[i].csv);
        if (!strcmp(cases[i].extra, "eval")) snprintf(args, sizeof args, "eval --model %s --data %s", model, f2);
        else snprintf(args, sizeof args, "train --data %s --quiet --out %s/other.safetensors", f2, dir);
        cr_expect_eq(test_run_primer(args, &out), cases[i].status, "case %zu: %s", i, out);
        cr_expect(strstr(out, cases[i].fragment) != NULL, "case %zu lacks \"%s\": %s", i, cases[i].fragment, out);
        unlink(f2);
    }
    /* a damaged model file */
    const char *junk = test_temp_file(".safetensors", "this is not a model");
    snprintf(args, sizeof args, "eval --model %s", junk);
    cr_assert_eq(test_run_primer(args, &out), 1, "%s", out);
    assert_contains(out, "not a safetensors file");
    unlink(junk);
    /* usage errors exit 2 */
    cr_assert_eq(test_run_primer("train --epochs many", &out), 2, "%s", out);
    assert_contains(out, "--epochs needs a whole number");
    cr_assert_eq(test_run_primer("train --model dense:8,relux --quiet", &out), 2, "%s", out);
    assert_contains(out, "unknown layer 'relux'");
    cr_assert_eq(test_run_primer("eval", &out), 2, "%s", out);
    assert_contains(out, "--model FILE is required");
    cr_assert_eq(test_run_primer("train --help", &out), 0, "%s", out);
    assert_contains(out, "--model SPEC");
    unlink(csv);
    test_remove_dir(dir);
}

Test(train_cli, checkpoint_and_resume_from_the_command_line) {
    char *dir = test_make_dir(), args[1024];
    const char *out;
    snprintf(args, sizeof args, "train --epochs 4 --json --checkpoint %s/ck.safetensors --out %s/a.safetensors", dir, dir);
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    double acc = json_number(out, "accuracy");
    /* a run continued from the checkpoint of epoch 4 with 4 epochs has nothing left to do */
    snprintf(args, sizeof args, "train --epochs 4 --json --resume %s/ck.safetensors --out %s/b.safetensors", dir, dir);
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    assert_near(json_number(out, "accuracy"), acc, 0);
    snprintf(args, sizeof args, "train --epochs 4 --batch 8 --resume %s/ck.safetensors --quiet --out %s/c.safetensors", dir, dir);
    cr_assert_eq(test_run_primer(args, &out), 1, "%s", out);
    assert_contains(out, "different settings");
    test_remove_dir(dir);
}

/* The 16 hex digits after `label` in out. */
static void fingerprint_after(const char *out, const char *label, char hex[17]) {
    const char *at = strstr(out, label);
    cr_assert_not_null(at, "no '%s' in: %s", label, out);
    at += strlen(label);
    while (*at == ' ') at++;
    cr_assert_eq(strspn(at, "0123456789abcdef"), 16, "%s", out);
    memcpy(hex, at, 16);
    hex[16] = 0;
}

Test(train_cli, resume_on_other_data_of_the_same_shape_is_refused_unless_forced) {
    char *dir = test_make_dir(), args[1024];
    const char *out, *a = blob_csv_shifted(0), *b = blob_csv_shifted(0.5);
    snprintf(args, sizeof args, "train --data %s --target label --model dense:8,relu --epochs 2 --quiet "
                                "--checkpoint %s/ck.safetensors --out %s/m.safetensors", a, dir, dir);
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    /* the same data resumes (and continues to epoch 3) */
    snprintf(args, sizeof args, "train --data %s --target label --model dense:8,relu --epochs 3 --quiet "
                                "--resume %s/ck.safetensors --out %s/m2.safetensors", a, dir, dir);
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    /* one value of 360 changed: refused, naming both fingerprints */
    snprintf(args, sizeof args, "train --data %s --target label --model dense:8,relu --epochs 3 --quiet "
                                "--resume %s/ck.safetensors --out %s/m3.safetensors", b, dir, dir);
    cr_assert_eq(test_run_primer(args, &out), 1, "%s", out);
    assert_contains(out, "was trained on other data of the same shape");
    char was[17], now[17];
    fingerprint_after(out, "checkpoint's data:", was);
    fingerprint_after(out, "this data:", now);
    cr_assert_str_neq(was, now);
    snprintf(args, sizeof args, "%s/m3.safetensors", dir);
    cr_assert_eq(access(args, F_OK), -1, "a refused resume wrote %s", args);
    /* --force continues on the new data */
    snprintf(args, sizeof args, "train --data %s --target label --model dense:8,relu --epochs 3 --json --force "
                                "--resume %s/ck.safetensors --out %s/m3.safetensors", b, dir, dir);
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    assert_contains(out, "\"epochs\": 3");
    unlink(a);
    unlink(b);
    test_remove_dir(dir);
}

/* After a failed run, what it says of --checkpoint is true of the file on disk. */
Test(train_cli, a_failed_run_tells_whose_checkpoint_is_on_disk) {
    char *dir = test_make_dir(), args[1024];
    const char *out;
    /* the log cannot be written (no files in /proc): the run fails after epoch 1's checkpoint */
    snprintf(args, sizeof args, "train --epochs 2 --quiet --checkpoint %s/ck.safetensors --log /proc/log.csv "
                                "--out %s/m.safetensors", dir, dir);
    cr_assert_eq(test_run_primer(args, &out), 1, "%s", out);
    assert_contains(out, "the last checkpoint of this run is kept in");
    /* the loss diverges in epoch 1: the checkpoint there is the earlier run's */
    snprintf(args, sizeof args, "train --epochs 2 --quiet --optimizer sgd --lr 1e6 --checkpoint %s/ck.safetensors "
                                "--out %s/m.safetensors", dir, dir);
    cr_assert_eq(test_run_primer(args, &out), 1, "%s", out);
    assert_contains(out, "the loss diverged");
    assert_contains(out, "this run wrote no checkpoint;");
    assert_contains(out, "is from an earlier run");
    cr_assert_null(strstr(out, "is kept in"), "%s", out);
    /* a resume refused for other settings leaves the checkpoint it read as it was */
    snprintf(args, sizeof args, "train --epochs 2 --quiet --lr 0.5 --checkpoint %s/ck.safetensors --resume "
                                "%s/ck.safetensors --out %s/m.safetensors", dir, dir, dir);
    cr_assert_eq(test_run_primer(args, &out), 1, "%s", out);
    assert_contains(out, "different settings");
    assert_contains(out, "this run resumed from is unchanged");
    test_remove_dir(dir);
}

Test(train_cli, chapter_5_7_8_examples_print_the_books_numbers) {
    char *dir = test_make_dir(), args[256];
    const char *out;
    struct {
        const char *name;
        const char *fragments[4];
    } cases[] = {
        {"example-5.1", {"theta_1 = 0.6\n", "theta_2 = 1.08\n", "theta_3 = 1.464\n", "J(w_2) = 6.56"}},
        {"q5.9", {"m1 = 0.3, v1 = 0.009", "m_hat = m1 / (1 - 0.9) = 3", "delta w = 0.01 ", NULL}},
        {"listing-5.1", {"(run to convergence): w = [2.2000000000 0.6000000000]: y = 0.6x + 2.2", NULL}},
        {"listing-5.2", {"Adam      lr 0.05   ends at (0.9999, 0.9997)", "ch5_optimisers.svg", NULL}},
        {"q7.7", {"MSE = 0.375\n", "MAE = 0.5\n", "Huber (delta = 1) = 0.1875\n", "ch7_loss_functions.svg"}},
        {"q7.8", {"||w||_1 = 6.5\n", "||w||_2^2 = 14.25\n", "= 3.15\n", "= 3.925 "}},
        {"listing-8.1", {"activation_functions.svg", NULL}},
        {"example-8.1", {"Q8.8: the output for x = (1, 0) is 1\n", "   1  1 |        2            |           1           |   0",
                         NULL}},
        {"q8.1", {"accuracy 100%", NULL}},
        {"q8.4", {"total: 93 trainable parameters", "sigmoid(z)   = 0.269", "ReLU(z)      = 0\n", NULL}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(args, sizeof args, "example %s --out %s", cases[i].name, dir);
        cr_assert_eq(test_run_primer(args, &out), 0, "%s: %s", cases[i].name, out);
        for (int k = 0; k < 4 && cases[i].fragments[k]; k++) assert_contains(out, cases[i].fragments[k]);
    }
    const char *svgs[3] = {"ch5_optimisers.svg", "ch7_loss_functions.svg", "activation_functions.svg"};
    for (int k = 0; k < 3; k++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, svgs[k]);
        cr_assert_gt(test_file_size(path), 1000, "%s", path);
    }
    test_remove_dir(dir);
}
