/* primer reduce on a real table (scikit-learn's wine data as CSV) and on the digits:
 * the reported variances against scikit-learn's, the embedding file with its target
 * column, the map, a PCA model applied by primer predict, and bad input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

static char cmd[4096];

Test(reduce_cli, pca_of_a_standardized_csv_matches_scikit_learn) {
    char *dir = test_make_dir();
    const char *out, *wine = test_path("tests/fixtures/reduce/wine.csv");
    snprintf(cmd, sizeof cmd, "reduce pca --data %s --target class --standardize --ddof 0 --json --out %s/wine.csv --plot %s/wine.svg --save %s/pca.safetensors --quiet",
             wine, dir, dir, dir);
    cr_assert_eq(test_run_primer(cmd, &out), 0, "%s", out);
    pr_tensor *ratio = load_fixture("reduce/wine_standardized_ratio.npy");
    const char *r = strstr(out, "\"explained_variance_ratio\": [");
    cr_assert(r, "%s", out);
    double r1, r2;
    cr_assert_eq(sscanf(r, "\"explained_variance_ratio\": [%lf, %lf]", &r1, &r2), 2);
    assert_near(r1, pr_tensor_get(ratio, 0), 1e-12);
    assert_near(r2, pr_tensor_get(ratio, 1), 1e-12);
    pr_tensor_free(ratio);
    /* the embedding keeps the target column; the map was drawn */
    char path[512];
    snprintf(path, sizeof path, "%s/wine.csv", dir);
    pr_table *t;
    assert_ok(pr_csv_read(path, NULL, &t));
    cr_assert_eq(pr_table_rows(t), 178);
    cr_assert_eq(pr_table_cols(t), 3);
    cr_assert_str_eq(pr_table_column_name(t, 0), "pc1");
    cr_assert_str_eq(pr_table_column_name(t, 2), "class");
    /* primer predict applies the saved model to the same file: the same components */
    snprintf(cmd, sizeof cmd, "predict --model %s/pca.safetensors --data %s --out %s/projected.csv", dir, wine, dir);
    cr_assert_eq(test_run_primer(cmd, &out), 0, "%s", out);
    snprintf(path, sizeof path, "%s/projected.csv", dir);
    pr_table *u;
    assert_ok(pr_csv_read(path, NULL, &u));
    cr_assert_eq(pr_table_cols(u), 2);
    for (int64_t i = 0; i < 178; i++)
        for (int64_t j = 0; j < 2; j++)
            assert_near(pr_tensor_get(pr_table_values(u), i * 2 + j), pr_tensor_get(pr_table_values(t), i * 3 + j), 1e-12);
    pr_table_free(t);
    pr_table_free(u);
    snprintf(path, sizeof path, "%s/wine.svg", dir);
    cr_assert(test_file_size(path) > 1000);
    /* eval has nothing to score with it */
    snprintf(cmd, sizeof cmd, "eval --model %s/pca.safetensors --data %s", dir, wine);
    cr_assert_eq(test_run_primer(cmd, &out), 1, "%s", out);
    assert_contains(out, "is a pca model (primer reduce)");
    test_remove_dir(dir);
}

Test(reduce_cli, variance_rule_and_the_table) {
    const char *out;
    cr_assert_eq(test_run_primer("reduce pca --variance 0.95 --quiet --json", &out), 0, "%s", out);
    cr_assert_eq((int)json_number(out, "components"), 29, "%s", out);
    cr_assert_eq(test_run_primer("reduce pca --components 3 --out /dev/null", &out), 0, "%s", out);
    assert_contains(out, "3 of 64 components");
    assert_contains(out, "<- kept");
    assert_contains(out, "reconstruction error");
}

Test(reduce_cli, tsne_of_the_digits, .timeout = 120) {
    char *dir = test_make_dir();
    const char *out;
    snprintf(cmd, sizeof cmd, "reduce tsne --json --out %s/map.csv --plot %s/map.svg", dir, dir);
    cr_assert_eq(test_run_primer(cmd, &out), 0, "%s", out);
    assert_contains(out, "\"gradient\": \"barnes-hut\"");
    cr_assert(json_number(out, "trustworthiness") > 0.985, "%s", out);
    cr_assert(json_number(out, "kl_divergence") < 0.85, "%s", out);
    char path[512];
    snprintf(path, sizeof path, "%s/map.csv", dir);
    pr_table *t;
    assert_ok(pr_csv_read(path, NULL, &t));
    cr_assert_eq(pr_table_rows(t), 1797);
    cr_assert_str_eq(pr_table_column_name(t, 2), "digit");
    pr_table_free(t);
    test_remove_dir(dir);
}

Test(reduce_cli, bad_input) {
    const char *out, *wine = test_path("tests/fixtures/reduce/wine.csv");
    cr_assert_eq(test_run_primer("reduce", &out), 2);
    assert_contains(out, "name a method: pca, tsne or autoencoder");
    cr_assert_eq(test_run_primer("reduce umap", &out), 2);
    assert_contains(out, "pca, tsne or autoencoder, not 'umap'");
    snprintf(cmd, sizeof cmd, "reduce tsne --data %s --perplexity 500 --quiet", wine);
    cr_assert_eq(test_run_primer(cmd, &out), 1, "%s", out);
    assert_contains(out, "perplexity (500) must be at least 1 and below the number of points (178)");
    cr_assert_eq(test_run_primer("reduce pca --components 65", &out), 1, "%s", out);
    assert_contains(out, "65 components asked for");
    cr_assert_eq(test_run_primer("reduce pca --standardize", &out), 1, "%s", out);
    assert_contains(out, "column 'pixel0' is constant");
    cr_assert_eq(test_run_primer("reduce tsne --save x.safetensors", &out), 2, "%s", out);
    assert_contains(out, "t-SNE cannot project new points");
    const char *nan = test_temp_file(".csv", "a,b\n1,2\n3,nan\n4,5\n6,7\n8,9\n");
    snprintf(cmd, sizeof cmd, "reduce pca --data %s", nan);
    cr_assert_eq(test_run_primer(cmd, &out), 1, "%s", out);
    assert_contains(out, "missing values in column 'b' (1, the first in data row 2)");
    const char *inf = test_temp_file(".csv", "a,b\n1,2\n3,inf\n4,5\n6,7\n8,9\n");
    snprintf(cmd, sizeof cmd, "reduce pca --data %s", inf);
    cr_assert_eq(test_run_primer(cmd, &out), 1, "%s", out);
    assert_contains(out, ".csv:3: column 2 ('b'): non-finite value");
    const char *few = test_temp_file(".csv", "a,b\n1,2\n3,4\n5,7\n");
    snprintf(cmd, sizeof cmd, "reduce tsne --data %s --perplexity 1", few);
    cr_assert_eq(test_run_primer(cmd, &out), 1, "%s", out);
    assert_contains(out, "at least 4 points");
    cr_assert_eq(test_run_primer("reduce pca --iterations 500", &out), 2, "%s", out);
    assert_contains(out, "are t-SNE's");
}
