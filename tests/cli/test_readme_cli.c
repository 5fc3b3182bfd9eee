/* Every `primer` command in the README's shell blocks runs, in order, in a fresh
 * directory holding scikit-learn's data sets under the names the README uses; a
 * few that need what a test cannot have (Debian's Fashion-MNIST and fortunes, a
 * user's text or IDX files, minutes of training) are named and left out. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

/* Commands left out, by a fragment they contain, and why. */
static const char *const skipped[] = {
    "fashion-mnist",   /* 60,000 images: minutes (its own tests cover it) */
    "--task lm",       /* language models train for minutes on fortunes */
    "generate",        /* needs the language model above */
    "train-images",    /* a user's IDX files */
    "--images new",    /* likewise */
    "model.safetensors", /* the placeholder for "your model" */
    "data.npz",        /* a user's arrays */
    "images.npy",      /* likewise */
    "primer example",  /* every example runs in tests/book and tests/cli/test_example_cli.c */
    "--model cnn",     /* a CNN for 20 epochs: its own test trains it shorter */
    "copy:8",          /* sequence tasks: tests/cli/test_seq_cli.c */
    "long-range",
    "sudo",
};

static int is_skipped(const char *cmd) {
    for (size_t i = 0; i < sizeof skipped / sizeof *skipped; i++)
        if (strstr(cmd, skipped[i])) return 1;
    return 0;
}

/* The README's commands: lines of ```sh blocks that start with "primer ", continued
 * over trailing backslashes, without their comments. */
static int readme_commands(char commands[][1024], int max) {
    FILE *f = fopen(test_path("README.md"), "r");
    cr_assert_not_null(f, "README.md");
    char line[2048], cmd[1024] = "";
    int n = 0, in_sh = 0, continued = 0;
    while (fgets(line, sizeof line, f)) {
        if (!strncmp(line, "```", 3)) {
            in_sh = !in_sh && !strncmp(line, "```sh", 5);
            continue;
        }
        if (!in_sh) continue;
        char *start = line;
        while (*start == ' ') start++;
        if (!continued && strncmp(start, "primer ", 7) && strcmp(start, "primer\n")) continue;
        char *hash = strstr(start, " #");
        if (hash) *hash = '\0';
        size_t len = strlen(start);
        while (len && (start[len - 1] == '\n' || start[len - 1] == ' ')) start[--len] = '\0';
        continued = len && start[len - 1] == '\\';
        if (continued) start[--len] = '\0';
        strncat(cmd, start, sizeof cmd - strlen(cmd) - 2);
        strcat(cmd, " ");
        if (!continued) {
            if (n < max) snprintf(commands[n++], 1024, "%s", cmd);
            cmd[0] = '\0';
        }
    }
    fclose(f);
    return n;
}

Test(readme_cli, every_command_runs_on_real_data, .timeout = 900) {
    static char commands[128][1024];
    int n = readme_commands(commands, 128);
    cr_assert_gt(n, 30, "found %d commands in the README", n);
    char *dir = test_make_dir(), cmd[4096];
    const char *out;
    snprintf(cmd, sizeof cmd,
             "cd %s && cp %s/tests/fixtures/datasets/*.csv . && cp houses.csv test.csv && cp houses.csv new.csv && "
             "cp houses.csv measurements.csv && cp %s/tests/fixtures/import/iris_mlp.safetensors state_dict.safetensors && "
             "%s data digits --write digits.csv",
             dir, test_path(""), test_path(""), test_primer_bin());
    cr_assert_eq(test_run_command(cmd, &out), 0, "%s", out);
    int ran = 0, failed = 0;
    for (int i = 0; i < n; i++) {
        if (is_skipped(commands[i])) continue;
        /* the tool as built, at two threads, with short training where the README trains long */
        const char *rest = commands[i] + strlen("primer ");
        /* (a global option such as --help takes no --threads before it); the output goes to a
           file, of which the end is shown on failure */
        snprintf(cmd, sizeof cmd, "cd %s && %s %s %s > out.txt 2>&1; s=$?; tail -c 3000 out.txt; exit $s", dir,
                 test_primer_bin(), rest[0] == '-' ? "" : "--threads 2", rest);
        int status = test_run_command(cmd, &out);
        ran++;
        if (status != 0) {
            failed++;
            cr_log_error("README command failed (%d): %s\n%s", status, commands[i], out);
        }
    }
    cr_assert_eq(failed, 0, "%d of %d README commands failed", failed, ran);
    cr_assert_gt(ran, 25, "ran %d", ran);
    test_remove_dir(dir);
}

/* Every ```c block of the README is a whole program: it compiles warning-free against
 * the library as a user builds one (the command the Makefile wrote in the build
 * directory's program-cc), runs, and prints what the README says it prints. */
Test(readme_cli, every_c_block_compiles_and_runs, .timeout = 300) {
    char line[2048], cc[2][1024], path[512], cmd[4096];
    FILE *f = fopen(test_path("README.md"), "r");
    snprintf(path, sizeof path, "%s/program-cc", test_build_dir());
    FILE *pc = fopen(path, "r");
    cr_assert(f && pc, "README.md or %s (make writes it)", path);
    for (int k = 0; k < 2; k++) {
        cr_assert(fgets(cc[k], sizeof cc[k], pc));
        cc[k][strcspn(cc[k], "\n")] = '\0';
    }
    fclose(pc);
    char *dir = test_make_dir();
    const char *out;
    int blocks = 0;
    FILE *block = NULL;
    while (fgets(line, sizeof line, f)) {
        if (!block && !strncmp(line, "```c", 4)) {
            snprintf(path, sizeof path, "%s/block%d.c", dir, ++blocks);
            cr_assert_not_null(block = fopen(path, "w"));
        } else if (block && !strncmp(line, "```", 3)) {
            fclose(block);
            block = NULL;
            snprintf(cmd, sizeof cmd, "cd %s && %s block%d.c -o block%d %s 2>&1 && ./block%d", dir, cc[0], blocks, blocks,
                     cc[1], blocks);
            cr_assert_eq(test_run_command(cmd, &out), 0, "README C block %d: %s", blocks, out);
            if (blocks == 1) cr_assert_str_eq(out, "x = [1.6 1.8]\n");
            if (blocks == 2) assert_contains(out, "cross-entropy after 100 steps: 0.");
        } else if (block) {
            fputs(line, block);
        }
    }
    fclose(f);
    cr_assert_eq(blocks, 3, "the README has %d C blocks", blocks);
    snprintf(path, sizeof path, "%s/digits.safetensors", dir);
    cr_assert_gt(test_file_size(path), 0, "the training block saves its model");
    test_remove_dir(dir);
}
