/* primer train --task lm and primer generate, as a user runs them: a small Transformer
 * and an LSTM language model learn a repeated sentence (validation loss below a
 * threshold), generation continues it greedily and is reproducible with a seed, and
 * bad input gets a clear message. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test_util.h"

/* "the cat sat on the mat. " 300 times. Windows start every 5 tokens, a stride prime
 * to the sentence's 24, so that learned positions see the sentence at every offset
 * (with stride 24 they would learn "position p holds character p"). */
static const char *corpus(void) {
    static char text[24 * 300 + 1];
    for (int i = 0; i < 300; i++) memcpy(text + 24 * i, "the cat sat on the mat. ", 24);
    text[24 * 300] = '\0';
    return test_temp_file(".txt", text);
}

static double last_val_loss(const char *json) {
    const char *at = NULL;
    for (const char *p = json; (p = strstr(p, "\"val_loss\": ")); p++) at = p;
    cr_assert_not_null(at, "no val_loss in %s", json);
    return strtod(at + strlen("\"val_loss\": "), NULL);
}

Test(lm_cli, transformer_learns_and_generates) {
    char *dir = test_make_dir(), args[1024];
    const char *out, *text = corpus();
    snprintf(args, sizeof args,
             "train --task lm --text %s --context 16 --stride 5 --model gpt:1:32:2 --epochs 4 --lr 0.01 "
             "--out %s/lm.safetensors --json",
             text, dir);
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    assert_contains(out, "\"task\": \"lm\"");
    assert_contains(out, "\"val_perplexity\"");
    double loss = last_val_loss(out);
    cr_assert_lt(loss, 0.3, "validation loss %g on a repeated sentence", loss);
    snprintf(args, sizeof args, "generate --model %s/lm.safetensors --prompt 'the cat' --tokens 41 --temperature 0", dir);
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    assert_contains(out, "the cat sat on the mat. the cat sat on the mat.");
    char first[4096];
    snprintf(args, sizeof args, "generate --model %s/lm.safetensors --prompt 'the' --tokens 60 --seed 3", dir);
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    snprintf(first, sizeof first, "%s", out);
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    cr_assert_str_eq(out, first, "the same seed gave different text");
    /* a character the model never saw */
    snprintf(args, sizeof args, "generate --model %s/lm.safetensors --prompt 'the Zebra'", dir);
    cr_assert_neq(test_run_primer(args, &out), 0);
    assert_contains(out, "'Z' (code 90) at byte 4 is not in the model's vocabulary of 11 tokens");
    test_remove_dir(dir);
}

Test(lm_cli, lstm_language_model) {
    char *dir = test_make_dir(), args[1024];
    const char *out, *text = corpus();
    snprintf(args, sizeof args,
             "train --task lm --text %s --context 16 --stride 5 --model lstm-lm:64:1:16 --epochs 4 --lr 0.01 "
             "--out %s/lstm.safetensors --json",
             text, dir);
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    double loss = last_val_loss(out);
    cr_assert_lt(loss, 0.5, "validation loss %g", loss);
    snprintf(args, sizeof args, "generate --model %s/lstm.safetensors --prompt 'sat on the mat' --tokens 17 --temperature 0",
             dir);
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    assert_contains(out, "sat on the mat. the cat sat on");
    test_remove_dir(dir);
}

Test(lm_cli, bad_input_is_an_error_naming_the_problem) {
    static const struct {
        const char *text, *extra, *message;
    } cases[] = {
        {"", "", "the text is empty"},
        {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "", "holds a single distinct token"},
        {"abcabc", "--context 64", "6 tokens are too few for windows of 64"},
        {"abcabcabcabcabcabc", "--context 0", "--context needs a whole number from 1"},
        {"abcabcabcabcabcabcabcabcabcabcabc", "--context 8 --model gpt:1:30:4 --epochs 1",
         "4 heads do not divide the width 30"},
        {"abcabcabcabcabcabcabcabcabcabcabc", "--context 8 --model dense:4 --epochs 1", "needs a model that gives "
                                                                                          "next-token logits"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char args[1024];
        const char *out;
        snprintf(args, sizeof args, "train --task lm --text %s %s --out /tmp/primer-never.safetensors",
                 test_temp_file(".txt", cases[i].text), cases[i].extra);
        cr_assert_neq(test_run_primer(args, &out), 0, "case %zu: %s", i, out);
        assert_contains(out, cases[i].message);
    }
    const char *out;
    cr_assert_neq(test_run_primer("train --task lm --data digits", &out), 0);
    assert_contains(out, "--task lm reads --text FILE");
    /* a model that is not a language model */
    char *dir = test_make_dir(), args[512];
    snprintf(args, sizeof args, "train --epochs 1 --out %s/mlp.safetensors --quiet", dir);
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    snprintf(args, sizeof args, "generate --model %s/mlp.safetensors", dir);
    cr_assert_neq(test_run_primer(args, &out), 0);
    assert_contains(out, "has no vocabulary: it is not a language model");
    test_remove_dir(dir);
}

/* The synthetic sequence tasks: their targets follow from their inputs, and small
 * recurrent models learn them from the command line. */
Test(lm_cli, sequence_tasks_hold_what_they_say) {
    pr_rng rng;
    pr_rng_seed(&rng, 5);
    pr_tensor *X, *y;
    assert_ok(pr_data_sequence_task(PR_SEQ_ADDITION, 50, 3, &rng, &X, &y));
    cr_assert_eq(X->shape[1], 12);
    for (int64_t r = 0; r < 50; r++) {
        long a = 0, b = 0, sum = 0;
        for (int i = 0; i < 3; i++) a = 10 * a + (long)pr_tensor_get(X, r * 12 + i);
        for (int i = 4; i < 7; i++) b = 10 * b + (long)pr_tensor_get(X, r * 12 + i);
        for (int i = 8; i < 12; i++) sum = 10 * sum + (long)pr_tensor_get(y, r * 12 + i);
        cr_assert_eq(pr_tensor_get(X, r * 12 + 3), 10);
        cr_assert_eq(pr_tensor_get(X, r * 12 + 7), 11);
        cr_assert_eq(sum, a + b, "row %lld: %ld + %ld gave %ld", (long long)r, a, b, sum);
    }
    pr_tensor_free(X), pr_tensor_free(y);
    assert_ok(pr_data_sequence_task(PR_SEQ_REVERSE, 20, 4, &rng, &X, &y));
    for (int64_t r = 0; r < 20; r++)
        for (int i = 0; i < 4; i++) cr_assert_eq(pr_tensor_get(y, r * 9 + 5 + i), pr_tensor_get(X, r * 9 + 3 - i));
    pr_tensor_free(X), pr_tensor_free(y);
    assert_fails(pr_data_sequence_task(PR_SEQ_COPY, 10, 0, &rng, &X, &y), PR_ERR_INVALID, "copy takes a length from 1");
    /* the adding problem: one marker in each half, the target their values' sum */
    assert_ok(pr_data_sequence_task(PR_SEQ_LONG_RANGE, 30, 20, &rng, &X, &y));
    for (int64_t r = 0; r < 30; r++) {
        double sum = 0;
        int first = 0, second = 0;
        for (int i = 0; i < 20; i++)
            if (pr_tensor_get(X, (r * 20 + i) * 2 + 1) == 1) {
                sum += pr_tensor_get(X, (r * 20 + i) * 2);
                first += i < 10, second += i >= 10;
            }
        cr_assert(first == 1 && second == 1, "row %lld: markers %d and %d", (long long)r, first, second);
        assert_near(pr_tensor_get(y, r), sum, 1e-15);
    }
    pr_tensor_free(X), pr_tensor_free(y);
}

Test(lm_cli, recurrent_models_learn_the_tasks) {
    static const struct {
        const char *args, *metric;
        double at_least;
    } cases[] = {
        {"--data copy:4 --epochs 8 --lr 0.01", "test accuracy: ", 0.99},
        {"--data sine:20 --epochs 8 --lr 0.01", "test R^2: ", 0.95},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char args[512];
        const char *out;
        snprintf(args, sizeof args, "train %s --out /tmp/primer-seq-task.safetensors", cases[i].args);
        cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
        const char *at = strstr(out, cases[i].metric);
        cr_assert_not_null(at, "%s", out);
        double v = strtod(at + strlen(cases[i].metric), NULL);
        cr_assert_geq(v, cases[i].at_least, "%s: %g\n%s", cases[i].args, v, out);
    }
}

/* The default corpus: Debian's fortunes, when installed (else the message names the
 * package). One epoch of a small LSTM brings the held-out perplexity under 12 (a
 * unigram model of English characters stays near 30). */
Test(lm_cli, fortunes_corpus_when_installed) {
    const char *out;
    const char *args = "train --task lm --epochs 1 --context 32 --stride 128 --model lstm-lm:128:1:32 --lr 0.005 "
                       "--out /tmp/primer-fortunes.safetensors";
    if (access(PR_FORTUNES_DIR "/fortunes", R_OK) != 0) {
        cr_assert_neq(test_run_primer(args, &out), 0);
        assert_contains(out, "install Debian's package fortunes");
        return;
    }
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    const char *at = strstr(out, "validation perplexity: ");
    cr_assert_not_null(at, "%s", out);
    double ppl = strtod(at + strlen("validation perplexity: "), NULL);
    cr_assert_lt(ppl, 12, "%s", out);
    assert_contains(out, "sample (temperature 0.8): ");
}

/* Section 11.2 and 11.3 as an experiment: on the adding problem over 50 steps (the
 * sum of two marked values, one in each half) an LSTM learns (R^2 above 0.9) and a
 * vanilla RNN of the same width does not get past predicting the mean (R^2 below
 * 0.2): its gradient from the output fades before it reaches the first marker. */
Test(lm_cli, an_lstm_learns_the_long_range_task_and_a_vanilla_rnn_does_not) {
    static const struct {
        const char *model;
        double lo, hi;
    } cases[] = {{"lstm:64", 0.9, 1.0}, {"rnn:64:last", -1.0, 0.2}};
    for (size_t i = 0; i < 2; i++) {
        char args[512];
        const char *out;
        snprintf(args, sizeof args,
                 "train --data long-range:50 --model %s --epochs 20 --lr 0.003 --out /tmp/primer-long-range.safetensors",
                 cases[i].model);
        cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
        const char *at = strstr(out, "test R^2: ");
        cr_assert_not_null(at, "%s", out);
        double r2 = strtod(at + strlen("test R^2: "), NULL);
        cr_assert(r2 >= cases[i].lo && r2 <= cases[i].hi, "%s: R^2 %g outside [%g, %g]", cases[i].model, r2,
                  cases[i].lo, cases[i].hi);
    }
}

/* Sequence classification from a CSV of token ids, right-padded with 0: whether a 7
 * occurs among 3 to 8 tokens. The ids go in as they are (no standardisation), the
 * LSTM's last step is each row's last real token. */
Test(lm_cli, padded_token_rows_classify) {
    static char csv[64 * 1024];
    size_t at = (size_t)snprintf(csv, sizeof csv, "t0,t1,t2,t3,t4,t5,t6,t7,label\n");
    pr_rng rng;
    pr_rng_seed(&rng, 8);
    for (int r = 0; r < 800; r++) {
        int len = 3 + (int)pr_rng_below(&rng, 6), seven = 0;
        for (int t = 0; t < 8; t++) {
            int tok = t < len ? 1 + (int)pr_rng_below(&rng, 9) : 0;
            seven |= tok == 7;
            at += (size_t)snprintf(csv + at, sizeof csv - at, "%d,", tok);
        }
        at += (size_t)snprintf(csv + at, sizeof csv - at, "%d\n", seven);
    }
    char args[512];
    const char *out;
    snprintf(args, sizeof args,
             "train --data %s --target label --model embedding:10:16:0,lstm:32:last --epochs 15 --lr 0.01 "
             "--out /tmp/primer-padded.safetensors",
             test_temp_file(".csv", csv));
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    assert_contains(out, "sequences as they are");
    const char *acc = strstr(out, "test accuracy: ");
    cr_assert_not_null(acc, "%s", out);
    cr_assert_geq(strtod(acc + strlen("test accuracy: "), NULL), 0.95, "%s", out);
}

/* The same kind of rows as .npy token ids (int64, as NumPy writes them) and labels; a
 * model that answers at every position, given one label per row, is told how to take
 * the last step. */
Test(lm_cli, token_ids_from_npy_classify_and_a_per_position_model_gets_a_hint) {
    int64_t tokens[40 * 6];
    double labels[40];
    for (int r = 0; r < 40; r++) {
        for (int t = 0; t < 6; t++) tokens[r * 6 + t] = t < 3 + r % 3 ? 1 + (r * 7 + t * 3) % 9 : 0;
        labels[r] = r % 2;
    }
    pr_tensor *X, *y;
    assert_ok(pr_tensor_from_array(&X, PR_I64, PR_SHAPE(40, 6), tokens));
    assert_ok(pr_tensor_from_array(&y, PR_F64, PR_SHAPE(40), labels));
    char *dir = test_make_dir(), xp[512], yp[512], args[1536];
    snprintf(xp, sizeof xp, "%s/tokens.npy", dir);
    snprintf(yp, sizeof yp, "%s/labels.npy", dir);
    assert_ok(pr_npy_write(xp, X));
    assert_ok(pr_npy_write(yp, y));
    const char *out;
    snprintf(args, sizeof args, "train --data %s --labels %s --model embedding:10:8:0,gru:8:1:0:last --epochs 2 --quiet "
                                "--out %s/m.safetensors", xp, yp, dir);
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    snprintf(args, sizeof args, "train --data %s --labels %s --model embedding:10:8:0,gru:8 --epochs 2 --quiet "
                                "--out %s/m.safetensors", xp, yp, dir);
    cr_assert_eq(test_run_primer(args, &out), 1, "%s", out);
    assert_contains(out, "the model answers at every position; for one label per sequence, take the last step");
    pr_tensor_free(X);
    pr_tensor_free(y);
    test_remove_dir(dir);
}
