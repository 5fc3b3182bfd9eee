/* primer fit, metrics, predict and eval on classical models as a user runs them:
 * on CSV files and the digits, with good and bad input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test_util.h"

static const char *REG_CSV = "a,b,price\n1,2,8.1\n2,1,7.9\n3,5,18.2\n4,2,13.8\n5,4,20.1\n6,1,15.9\n7,3,22.1\n8,6,30.2\n"
                             "9,2,24.0\n10,5,32.1\n";

Test(fit_cli, linear_fit_names_coefficients_and_predicts) {
    const char *csv = test_temp_file(".csv", REG_CSV), *out;
    char model[256], args[1024];
    snprintf(model, sizeof model, "%s/fit-linear-%d.safetensors", test_build_dir(), (int)getpid());
    snprintf(args, sizeof args, "fit linear --data %s --target price --test-size 0 --out %s --json", csv, model);
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    /* y ≈ 2a + 3b + 0.1: least squares on these rows (NumPy: lstsq) */
    assert_contains(out, "\"terms\": [\"a\", \"b\"]");
    double r2 = json_number(out, "r2");
    cr_assert(r2 > 0.99, "%s", out);
    snprintf(args, sizeof args, "predict --model %s --data %s", model, csv);
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    assert_contains(out, "prediction\n");
    snprintf(args, sizeof args, "eval --model %s --data %s", model, csv);
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    assert_contains(out, "R^2");
    unlink(model);
}

Test(fit_cli, softmax_on_the_digits_with_cross_validation) {
    const char *out;
    char model[256], args[512];
    snprintf(model, sizeof model, "%s/fit-softmax-%d.safetensors", test_build_dir(), (int)getpid());
    snprintf(args, sizeof args, "fit softmax --standardize --cv 3 --out %s --json", model);
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    double cv = json_number(out, "test_mean");
    cr_assert(cv > 0.9, "cross-validated accuracy %g", cv);
    snprintf(args, sizeof args, "eval --model %s --json", model);
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    cr_assert(json_number(out, "accuracy") > 0.95, "%s", out);
    assert_contains(out, "\"confusion\"");
    unlink(model);
}

Test(fit_cli, metrics_from_scores_and_labels) {
    const char *csv = test_temp_file(".csv", "y,score,pred\n0,0.1,0\n0,0.4,0\n1,0.35,0\n1,0.8,1\n0,0.7,1\n1,0.9,1\n");
    const char *out;
    char args[1024], roc[256], pr[256];
    snprintf(roc, sizeof roc, "%s/fit-roc-%d.svg", test_build_dir(), (int)getpid());
    snprintf(pr, sizeof pr, "%s/fit-pr-%d.svg", test_build_dir(), (int)getpid());
    snprintf(args, sizeof args, "metrics --data %s --true y --score score --plot %s --plot %s --json", csv, roc, pr);
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    /* scikit-learn: roc_auc_score 7/9 (7 of 9 positive-negative pairs ranked right),
       average_precision_score 0.8666... = 1/3 (1 + 1 + 3/5) */
    assert_near(json_number(out, "roc_auc"), 7.0 / 9, 1e-12);
    assert_near(json_number(out, "average_precision"), (1 + 1 + 0.6) / 3, 1e-12);
    assert_near(json_number(out, "accuracy"), 4.0 / 6, 1e-12);
    cr_assert(access(roc, R_OK) == 0 && access(pr, R_OK) == 0);
    unlink(roc);
    unlink(pr);
    snprintf(args, sizeof args, "metrics --data %s --true y --pred pred", csv);
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    assert_contains(out, "confusion matrix");
    snprintf(args, sizeof args, "metrics --data %s --true y --pred score", csv);
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    assert_contains(out, "regression metrics");
}

Test(fit_cli, bad_input_gets_clear_errors) {
    const char *out;
    char args[1024];
    const char *singular = test_temp_file(".csv", "x1,x2,y\n1,2,1\n2,4,2\n3,6,2\n4,8,5\n");
    snprintf(args, sizeof args, "fit linear --data %s --test-size 0", singular);
    cr_assert_eq(test_run_primer(args, &out), 1, "%s", out);
    assert_contains(out, "singular");
    assert_contains(out, "use ridge");
    const char *one = test_temp_file(".csv", "x,y\n1,3\n2,3\n3,3\n");
    snprintf(args, sizeof args, "fit logistic --data %s --test-size 0", one);
    cr_assert_eq(test_run_primer(args, &out), 1, "%s", out);
    assert_contains(out, "single class");
    const char *nan = test_temp_file(".csv", "x,y\n1,1\nnan,2\n3,1\n");
    snprintf(args, sizeof args, "fit ridge --data %s", nan);
    cr_assert_eq(test_run_primer(args, &out), 1, "%s", out);
    assert_contains(out, "missing values in column 'x' (1, the first in data row 2)");
    assert_contains(out, "--impute mean|median|most-frequent");
    snprintf(args, sizeof args, "fit ridge --data %s --target nope", singular);
    cr_assert_eq(test_run_primer(args, &out), 1, "%s", out);
    assert_contains(out, "no column named 'nope'");
    cr_assert_eq(test_run_primer("fit forest", &out), 2, "%s", out); /* a usage error */
    assert_contains(out, "unknown model 'forest'");
    cr_assert_eq(test_run_primer("fit lasso --cv 1", &out), 2, "%s", out);
    snprintf(args, sizeof args, "metrics --data %s --true y --score x", one);
    cr_assert_eq(test_run_primer(args, &out), 1, "%s", out);
    assert_contains(out, "exactly two classes");
}

Test(fit_cli, data_too_large_to_square_names_the_column_and_the_data_row) {
    const char *csv = test_temp_file(".csv", "a,b,y\n1,2,1\n2,1e300,2\n3,-1,3\n4,5,4\n5,1,5\n");
    const char *out;
    char args[1024];
    const char *commands[] = {"fit linear", "fit ridge", "train --epochs 1", "reduce pca"};
    for (size_t k = 0; k < sizeof commands / sizeof *commands; k++) {
        snprintf(args, sizeof args, "%s --data %s --target y --quiet --out /dev/null", commands[k], csv);
        cr_assert_eq(test_run_primer(args, &out), 1, "%s: %s", commands[k], out);
        assert_contains(out, "column 'b' holds 1e+300 in data row 2, too large for sums of squares");
    }
    unlink(csv);
}

Test(fit_cli, chapter_3_4_6_examples_print_the_books_numbers_and_draw) {
    const char *out;
    char args[512], svg[512];
    const struct {
        const char *name, *expect, *figure;
    } cases[] = {
        {"listing-3.1", "Beta(160, 140): posterior mean 0.5333, MAP 0.5336", "bayesian_update.svg"},
        {"listing-4.1", "y = 0.6x + 2.2", "ch4_line_fit.svg"},
        {"listing-4.2", "degree 15: training MSE", "ch4_bias_variance.svg"},
        {"listing-6.1", "Q6.9: w = (-3, 1, 1): x2 = -1 x1 + 3", "ch6_logistic_boundary.svg"},
        {"figure-6.3", "ROC AUC: 0.9", "ch6_roc_pr.svg"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(args, sizeof args, "example %s --out %s", cases[i].name, test_build_dir());
        cr_assert_eq(test_run_primer(args, &out), 0, "%s: %s", cases[i].name, out);
        assert_contains(out, cases[i].expect);
        snprintf(svg, sizeof svg, "%s/%s", test_build_dir(), cases[i].figure);
        cr_assert(access(svg, R_OK) == 0, "%s was not written", svg);
    }
}
