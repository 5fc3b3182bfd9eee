/* The primer tool as a user runs it: output, exit statuses, files written. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_util.h"


Test(cli, version_and_help) {
    const char *out;
    cr_assert_eq(test_run_primer("--version", &out), 0);
    char want[64];
    snprintf(want, sizeof want, "primer %s\n", PR_VERSION_STRING);
    cr_assert_str_eq(out, want);
    cr_assert_eq(test_run_primer("--help", &out), 0);
    assert_contains(out, "commands:");
    assert_contains(out, "info ");
    assert_contains(out, "example ");
}

Test(cli, usage_errors_exit_2) {
    const char *out;
    cr_assert_eq(test_run_primer("", &out), 2);
    assert_contains(out, "usage: primer");
    cr_assert_eq(test_run_primer("frobnicate", &out), 2);
    assert_contains(out, "unknown command 'frobnicate'");
    cr_assert_eq(test_run_primer("--nope", &out), 2);
    cr_assert_eq(test_run_primer("--threads 0 info", &out), 2);
    cr_assert_eq(test_run_primer("info --xml", &out), 2);
    assert_contains(out, "unknown option '--xml'");
}

Test(cli, info_table_and_json) {
    const char *out;
    cr_assert_eq(test_run_primer("info", &out), 0);
    assert_contains(out, "BLAS:");
    assert_contains(out, "LAPACK 3.");
    assert_contains(out, "threads:");
    cr_assert_eq(test_run_primer("--threads 1 info --json", &out), 0);
    char want[64];
    snprintf(want, sizeof want, "{\"version\": \"%s\"", PR_VERSION_STRING);
    cr_assert(strncmp(out, want, strlen(want)) == 0, "%s", out);
    assert_contains(out, "\"blas_threads\": 1");
}

Test(cli, example_list_and_aliases) {
    const char *out;
    cr_assert_eq(test_run_primer("example --list", &out), 0);
    assert_contains(out, "eigen-check");
    assert_contains(out, "listing-1.1");
    cr_assert_eq(test_run_primer("example --list --json", &out), 0);
    cr_assert_eq(out[0], '[');
    cr_assert_eq(test_run_primer("example listing-1.1", &out), 0);
    /* what Listing 1.1 prints in NumPy */
    assert_contains(out, "Eigenvalues: [3. 2.]\n");
    assert_contains(out, "[[ 1.         -0.70710678]\n [ 0.          0.70710678]]\n");
    assert_contains(out, "A*v = [3. 0.], lambda*v = [3. 0.]\n");
    cr_assert_eq(test_run_primer("example problem-1.3", &out), 0);
    assert_contains(out, "Singular values: [9.52551809 0.51430058]\n");
    assert_contains(out, "sqrt(eigenvalues): [9.52551809 0.51430058]\n");
    cr_assert_eq(test_run_primer("example q1.9 --seed 5", &out), 0);
    assert_contains(out, "Inequality holds: True");
    cr_assert_eq(test_run_primer("example example-1.4", &out), 0);
    assert_contains(out, "x = solve(A, b) = [1.6 1.8]");
}

Test(cli, example_errors) {
    const char *out;
    cr_assert_eq(test_run_primer("example no-such-thing", &out), 2);
    assert_contains(out, "no example called 'no-such-thing'");
    cr_assert_eq(test_run_primer("example", &out), 2);
    cr_assert_eq(test_run_primer("example listing-1.1 listing-1.2", &out), 2);
    cr_assert_eq(test_run_primer("example --seed -3 listing-1.3", &out), 2);
    cr_assert_eq(test_run_primer("example unit-balls --out /proc/primer-cannot-write-here", &out), 1);
    assert_contains(out, "cannot create the output directory");
}

Test(cli, drawing_examples_write_svg_where_asked) {
    char dir[] = "/tmp/primer-cli-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char args[256], path[512];
    snprintf(args, sizeof args, "example figure-1.2 --out %s/nested/out", dir);
    const char *out;
    cr_assert_eq(test_run_primer(args, &out), 0);
    snprintf(path, sizeof path, "%s/nested/out/unit_balls.svg", dir);
    assert_contains(out, path);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "%s was not written", path);
    char head[6] = {0};
    cr_assert_eq(fread(head, 1, 5, f), 5);
    fclose(f);
    cr_assert_str_eq(head, "<?xml");
    unlink(path);
    snprintf(path, sizeof path, "%s/nested/out", dir);
    rmdir(path);
    snprintf(path, sizeof path, "%s/nested", dir);
    rmdir(path);
    rmdir(dir);
}

Test(cli, all_chapter_one_examples_run) {
    char dir[] = "/tmp/primer-all-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char args[256];
    snprintf(args, sizeof args, "example --all --chapter 1 --out %s", dir);
    const char *out;
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    assert_contains(out, "ran 11 examples, 0 failed");
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
}

Test(cli, quickstart_program_builds_and_runs) {
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "%s/examples/quickstart", test_build_dir());
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    char buf[256] = {0};
    size_t n = fread(buf, 1, sizeof buf - 1, p);
    buf[n] = '\0';
    cr_assert_eq(pclose(p), 0);
    cr_assert_str_eq(buf, "x = [1.6 1.8]\n");
}

Test(cli, data_describes_a_csv) {
    const char *f = test_temp_file(".csv", "a,b,label\n1,2,0\n3,4.5,1\n5,-1,1\n");
    char args[256];
    const char *out;
    snprintf(args, sizeof args, "data %s --target label", f);
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    assert_contains(out, "3 rows x 3 columns");
    /* column a = (1, 3, 5): mean 3, sample std 2 */
    assert_contains(out, "a                               3            2            1            5");
    snprintf(args, sizeof args, "data %s --json", f);
    cr_assert_eq(test_run_primer(args, &out), 0);
    assert_contains(out, "{\"name\": \"a\", \"missing\": 0, \"kind\": \"number\", \"mean\": 3, \"std\": 2, \"min\": 1, \"max\": 5}");
    unlink(f);
    /* text columns are categories, missing values are counted and left out of the statistics */
    f = test_temp_file(".csv", "a,b\n1,x\nNA,y\n5,x\n");
    snprintf(args, sizeof args, "data %s --json", f);
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    assert_contains(out, "{\"name\": \"a\", \"missing\": 1, \"kind\": \"number\", \"mean\": 3,");
    assert_contains(out, "{\"name\": \"b\", \"missing\": 0, \"kind\": \"text\", \"categories\": [\"x\", \"y\"]}");
    unlink(f);
}

Test(cli, data_reports_bad_files) {
    struct {
        const char *suffix, *text, *message;
    } cases[] = {
        {".csv", "a,b\n1,2\n3,\"oops\n", ":3: unterminated quoted field"},
        {".csv", "a,b\n1,2\n3\n", ":3: row has 1 field, the header has 2 (ragged row)"},
        {".csv", "", ": file is empty"},
        {".npy", "\x93NUMPY\x01\x01  {'descr': '<f8'", "truncated .npy header"}, /* promises 8224 bytes */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *f = test_temp_file(cases[i].suffix, cases[i].text);
        char args[256];
        const char *out;
        snprintf(args, sizeof args, "data %s", f);
        cr_assert_eq(test_run_primer(args, &out), 1, "case %zu: %s", i, out);
        assert_contains(out, f);
        assert_contains(out, cases[i].message);
        unlink(f);
    }
    const char *out;
    cr_assert_eq(test_run_primer("data /nonexistent/x.csv", &out), 1);
    assert_contains(out, "cannot open");
    const char *f = test_temp_file(".csv", "a,b\n1,2\n");
    char args[256];
    snprintf(args, sizeof args, "data %s --target price", f);
    cr_assert_eq(test_run_primer(args, &out), 1);
    assert_contains(out, "no column named 'price'; the columns are 'a', 'b'");
    cr_assert_eq(test_run_primer("data", &out), 2);
    unlink(f);
}

Test(cli, autodiff_examples) {
    char dir[] = "/tmp/primer-ad-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char args[256];
    const char *out;
    snprintf(args, sizeof args, "example example-9.1 --out %s", dir);
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    assert_contains(out, "dL/dw1 = 6.40\ndL/dw2 = -2.88\n"); /* what Listing 9.1 prints */
    assert_contains(out, "After one step with eta = 0.01: w1 = 0.436, w2 = -0.9712");
    assert_contains(out, "backprop_graph.dot");
    snprintf(args, sizeof args, "example listing-2.1 --out %s", dir);
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    assert_contains(out, "gd_trajectory.svg");
    snprintf(args, sizeof args, "example listing-9.2 --out %s", dir);
    cr_assert_eq(test_run_primer(args, &out), 0, "%s", out);
    assert_contains(out, "    50     7.8886e-31     7.8886e-31     1.0000e+00");
    char cmd[300];
    snprintf(cmd, sizeof cmd, "test -s %s/gd_trajectory.svg && test -s %s/gradient_flow_comparison.svg && "
                              "grep -q 'digraph primer' %s/backprop_graph.dot && rm -rf %s", dir, dir, dir, dir);
    cr_assert_eq(system(cmd), 0, "figures and DOT file written");
}
