/* primer train --task autoencoder, primer encode, primer sample and primer reduce
 * autoencoder, on a real table (scikit-learn's wine data) and on the digits; bad input. */
#include <stdio.h>
#include <string.h>

#include "test_util.h"

static char cmd[4096];

Test(autoencoder_cli, wine_autoencoder_encodes_and_reconstructs_in_the_data_units, .timeout = 120) {
    char *dir = test_make_dir();
    const char *out, *wine = test_path("tests/fixtures/reduce/wine.csv");
    snprintf(cmd, sizeof cmd, "train --task autoencoder --data %s --target class --model autoencoder:32:3 --epochs 200 "
                              "--lr 0.003 --test 0 --out %s/ae.safetensors",
             wine, dir);
    cr_assert_eq(test_run_primer(cmd, &out), 0, "%s", out);
    assert_contains(out, "autoencoder: the outputs rebuild the inputs (bce loss)");
    assert_contains(out, "columns scaled to [0, 1]");
    assert_contains(out, "bottleneck: 3 values per row");
    snprintf(cmd, sizeof cmd, "encode --model %s/ae.safetensors --data %s --target class --out %s/codes.csv --plot %s/codes.svg",
             dir, wine, dir, dir);
    cr_assert_eq(test_run_primer(cmd, &out), 0, "%s", out);
    char path[512];
    snprintf(path, sizeof path, "%s/codes.csv", dir);
    pr_table *t;
    assert_ok(pr_csv_read(path, NULL, &t));
    cr_assert_eq(pr_table_rows(t), 178);
    cr_assert_eq(pr_table_cols(t), 4);
    cr_assert_str_eq(pr_table_column_name(t, 0), "z1");
    cr_assert_str_eq(pr_table_column_name(t, 3), "class");
    pr_table_free(t);
    /* predict writes reconstructions in the data's units: proline (hundreds to 1680) comes back */
    snprintf(cmd, sizeof cmd, "predict --model %s/ae.safetensors --data %s --out %s/rec.csv", dir, wine, dir);
    cr_assert_eq(test_run_primer(cmd, &out), 0, "%s", out);
    snprintf(path, sizeof path, "%s/rec.csv", dir);
    pr_table *rec, *orig;
    assert_ok(pr_csv_read(path, NULL, &rec));
    assert_ok(pr_csv_read(wine, NULL, &orig));
    cr_assert_eq(pr_table_cols(rec), 13);
    double ss = 0, tot = 0, mean = 0;
    for (int64_t i = 0; i < 178; i++) mean += pr_tensor_get(pr_table_values(orig), i * 14 + 12) / 178;
    for (int64_t i = 0; i < 178; i++) {
        double x = pr_tensor_get(pr_table_values(orig), i * 14 + 12), r = pr_tensor_get(pr_table_values(rec), i * 13 + 12);
        ss += (x - r) * (x - r);
        tot += (x - mean) * (x - mean);
    }
    cr_assert(1 - ss / tot > 0.8, "proline reconstructed with R^2 %.3f", 1 - ss / tot);
    pr_table_free(rec);
    pr_table_free(orig);
    /* sample needs a VAE */
    snprintf(cmd, sizeof cmd, "sample --model %s/ae.safetensors", dir);
    cr_assert_eq(test_run_primer(cmd, &out), 1, "%s", out);
    assert_contains(out, "no latent prior to sample");
    test_remove_dir(dir);
}

Test(autoencoder_cli, vae_of_the_digits_samples_and_draws, .timeout = 120) {
    char *dir = test_make_dir();
    const char *out;
    snprintf(cmd, sizeof cmd, "train --task autoencoder --model vae-mlp:128:2 --epochs 15 --out %s/vae.safetensors --json", dir);
    cr_assert_eq(test_run_primer(cmd, &out), 0, "%s", out);
    assert_contains(out, "\"task\": \"autoencoder\"");
    assert_contains(out, "\"2.kl\": ");
    snprintf(cmd, sizeof cmd, "sample --model %s/vae.safetensors -n 12 --seed 3 --out %s/s.csv --plot %s/s.svg", dir, dir, dir);
    cr_assert_eq(test_run_primer(cmd, &out), 0, "%s", out);
    char path[512];
    snprintf(path, sizeof path, "%s/s.csv", dir);
    pr_table *t;
    assert_ok(pr_csv_read(path, NULL, &t));
    cr_assert_eq(pr_table_rows(t), 12);
    cr_assert_eq(pr_table_cols(t), 64);
    for (int64_t i = 0; i < 12 * 64; i++) { /* pixels of the digits: 0 to 16 */
        double v = pr_tensor_get(pr_table_values(t), i);
        cr_assert(v >= 0 && v <= 16, "sample value %g outside the digits' range", v);
    }
    pr_table_free(t);
    snprintf(path, sizeof path, "%s/s.svg", dir);
    cr_assert(test_file_size(path) > 1000);
    snprintf(cmd, sizeof cmd, "encode --model %s/vae.safetensors --plot %s/latent.svg --out %s/z.csv", dir, dir, dir);
    cr_assert_eq(test_run_primer(cmd, &out), 0, "%s", out);
    assert_contains(out, "1797 x 2 embedding");
    test_remove_dir(dir);
}

Test(autoencoder_cli, reduce_autoencoder_and_bad_input, .timeout = 120) {
    const char *out;
    cr_assert_eq(test_run_primer("reduce autoencoder --epochs 10 --json --out /dev/null", &out), 0, "%s", out);
    assert_contains(out, "\"code_size\": 2");
    cr_assert(json_number(out, "reconstruction_r2") > 0.3, "%s", out);
    cr_assert_eq(test_run_primer("reduce autoencoder --model dense:4,dense:64,sigmoid --epochs 1", &out), 1, "%s", out);
    assert_contains(out, "has no bottleneck");
    cr_assert_eq(test_run_primer("train --task autoencoder --model dense:8,code,dense:10 --epochs 1", &out), 1, "%s", out);
    assert_contains(out, "needs outputs shaped as the inputs (64 values per row)");
    cr_assert_eq(test_run_primer("train --task autoencoder --model vae:0 --epochs 1", &out), 2, "%s", out); /* a bad spec is a usage error */
    assert_contains(out, "LATENT must be a whole number from 1");
    cr_assert_eq(test_run_primer("encode", &out), 2, "%s", out);
    assert_contains(out, "--model FILE is required");
    char *dir = test_make_dir();
    snprintf(cmd, sizeof cmd, "train --epochs 1 --quiet --out %s/mlp.safetensors", dir);
    cr_assert_eq(test_run_primer(cmd, &out), 0, "%s", out);
    snprintf(cmd, sizeof cmd, "encode --model %s/mlp.safetensors", dir);
    cr_assert_eq(test_run_primer(cmd, &out), 1, "%s", out);
    assert_contains(out, "has no bottleneck to encode to");
    snprintf(cmd, sizeof cmd, "reduce pca --save %s/p.safetensors --quiet --out /dev/null", dir);
    cr_assert_eq(test_run_primer(cmd, &out), 0, "%s", out);
    snprintf(cmd, sizeof cmd, "encode --model %s/p.safetensors", dir);
    cr_assert_eq(test_run_primer(cmd, &out), 1, "%s", out);
    assert_contains(out, "is not a network");
    test_remove_dir(dir);
}
