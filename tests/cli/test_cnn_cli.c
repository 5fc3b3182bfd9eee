/* CNNs from the command line: the embedded digits as 8x8 images, IDX files with
 * --images/--labels for train, eval and predict, Fashion-MNIST when installed, and
 * bad image input. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test_util.h"

static double number_after(const char *text, const char *label) {
    const char *at = strstr(text, label);
    cr_assert_not_null(at, "no '%s' in:\n%s", label, text);
    return strtod(at + strlen(label), NULL);
}

Test(cnn_cli, small_cnn_on_the_digits_past_98_percent) {
    char *dir = test_make_dir(), args[512];
    const char *out;
    snprintf(args, sizeof args, "train --model cnn --out %s/cnn.safetensors", dir);
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    assert_contains(out, "model: reshape:1:8:8,conv:32:3:1:1:1,relu,conv:64:3:1:1:1,relu,maxpool:2:2:0,");
    cr_assert_geq(number_after(out, "test accuracy: "), 0.98, "%s", out);
    snprintf(args, sizeof args, "eval --model %s/cnn.safetensors --json", dir);
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    cr_assert_geq(json_number(out, "accuracy"), 0.98);
    snprintf(args, sizeof args, "predict --model %s/cnn.safetensors | head -2", dir);
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    assert_contains(out, "prediction,p_0,p_1,p_2,p_3,p_4,p_5,p_6,p_7,p_8,p_9\n0,");
    test_remove_dir(dir);
}

Test(cnn_cli, idx_images_train_evaluate_and_predict) {
    char *dir = test_make_dir(), args[1024];
    const char *out, *images = test_path("tests/fixtures/idx/images.idx.gz"), *labels = test_path("tests/fixtures/idx/labels.idx");
    snprintf(args, sizeof args,
             "train --images %s --labels %s --model conv:2:3:1:1,relu,maxpool:2,flatten --epochs 3 --test 0 --val 0 "
             "--out %s/idx.safetensors",
             images, labels, dir);
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    assert_contains(out, "3 images of 1x4x5, 3 classes (target 'label')");
    assert_contains(out, "pixels scaled to [0, 1]");
    snprintf(args, sizeof args, "eval --model %s/idx.safetensors --images %s --labels %s --json", dir, images, labels);
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    cr_assert_eq(json_number(out, "rows"), 3);
    /* the model summary: each layer's output shape and parameters (2 (9 + 1) = 20) */
    snprintf(args, sizeof args, "info --model %s/idx.safetensors", dir);
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    assert_contains(out, "input: (N, 1, 4, 5)");
    assert_contains(out, "(N, 2, 4, 5)                 20");
    assert_contains(out, "(N, 2, 2, 2)                  0");
    /* one row of output per image, without labels */
    snprintf(args, sizeof args, "predict --model %s/idx.safetensors --images %s", dir, images);
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    int lines = 0;
    for (const char *c = out; *c; c++) lines += *c == '\n';
    cr_assert_eq(lines, 4, "a header and 3 rows:\n%s", out);
    assert_contains(out, "prediction,p_0,p_2,p_9\n");
    /* the same model takes CSV rows of 20 pixels */
    char csv[4096] = "";
    for (int j = 0; j < 20; j++) snprintf(csv + strlen(csv), sizeof csv - strlen(csv), "%sp%d", j ? "," : "", j);
    strcat(csv, "\n");
    for (int j = 0; j < 20; j++) snprintf(csv + strlen(csv), sizeof csv - strlen(csv), "%s%.4f", j ? "," : "", j / 20.0);
    strcat(csv, "\n");
    snprintf(args, sizeof args, "predict --model %s/idx.safetensors --data %s", dir, test_temp_file(".csv", csv));
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    test_remove_dir(dir);
}

Test(cnn_cli, bad_image_input_is_an_error) {
    static const struct {
        const char *args, *fragment;
    } cases[] = {
        {"train --images @/images.idx", "--images needs --labels FILE"},
        {"train --images @/images.idx --labels @/labels4.idx", "holds 3 images but"},
        {"train --images @/truncated_body.idx --labels @/labels.idx", "truncated_body.idx: the IDX header promises"},
        {"train --images @/bad_magic.idx --labels @/labels.idx", "bad_magic.idx: not an IDX file"},
        {"train --labels @/labels.idx", "--labels goes with --images FILE"},
        {"train --data fashion-mnist --target x", "images have labels, not a --target column"},
        {"train --images @/images.idx --labels @/labels.idx --model conv:2:3", "end the layers with flatten or global_avgpool"},
        {"train --images @/images.idx --labels @/labels.idx --model conv:2:9", "a 9x9 kernel (dilation 1) is larger than"},
        {"train --images @/images.idx --labels @/labels.idx --model reshape:1:3:3,flatten", "9 values per image, but each row has 20"},
    };
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", test_path("tests/fixtures/idx"));
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char args[1024] = "", full[1200];
        for (const char *c = cases[i].args; *c; c++) /* @ stands for the fixture directory */
            if (*c == '@') strncat(args, dir, sizeof args - strlen(args) - 1);
            else strncat(args, c, 1);
        snprintf(full, sizeof full, "%s --out /tmp/primer-never-written.safetensors", args);
        const char *out;
        cr_assert_neq(test_run_primer(full, &out), 0, "%s succeeded:\n%s", args, out);
        assert_contains(out, cases[i].fragment);
        cr_assert_neq(access("/tmp/primer-never-written.safetensors", F_OK), 0, "%s wrote a model", args);
    }
}

Test(cnn_cli, fashion_mnist_one_epoch_when_installed) {
    const char *out;
    if (access("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz", R_OK) != 0) {
        cr_assert_neq(test_run_primer("train --data fashion-mnist --epochs 1", &out), 0);
        assert_contains(out, "install Debian's package dataset-fashion-mnist");
        return;
    }
    char *dir = test_make_dir(), args[512];
    snprintf(args, sizeof args, "train --data fashion-mnist --model lenet5 --epochs 1 --out %s/fm.safetensors", dir);
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    assert_contains(out, "60000 images of 1x28x28, 10 classes");
    assert_contains(out, "61706 parameters");
    assert_contains(out, "10000 rows)");
    cr_assert_geq(number_after(out, "test accuracy: "), 0.80, "%s", out);
    snprintf(args, sizeof args, "predict --model %s/fm.safetensors --data fashion-mnist | wc -l", dir);
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    cr_assert_eq(atoi(out), 10001);
    test_remove_dir(dir);
}
