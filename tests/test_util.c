#define _DEFAULT_SOURCE /* mkstemps */
#include "test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef PR_SOURCE_ROOT
#define PR_SOURCE_ROOT "."
#endif

static const char *root(void) {
    const char *r = getenv("PRIMER_TEST_ROOT");
    return r && *r ? r : PR_SOURCE_ROOT;
}

const char *test_path(const char *relative) {
    static _Thread_local char buf[8][4096];
    static _Thread_local int next;
    char *b = buf[next++ % 8];
    snprintf(b, sizeof buf[0], "%s/%s", root(), relative);
    return b;
}

const char *test_build_dir(void) {
    const char *b = getenv("PRIMER_BUILD_DIR");
    return b && *b ? b : test_path("build");
}

const char *test_primer_bin(void) {
    static _Thread_local char buf[4096];
    snprintf(buf, sizeof buf, "%s/primer", test_build_dir());
    return buf;
}

int test_run_command(const char *command, const char **output) {
    static _Thread_local char buf[1 << 18];
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "%s 2>&1", command);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    size_t n = fread(buf, 1, sizeof buf - 1, p);
    buf[n] = '\0';
    int status = pclose(p);
    *output = buf;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int test_run_primer(const char *args, const char **output) {
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "%s %s", test_primer_bin(), args);
    return test_run_command(cmd, output);
}

const char *test_temp_file(const char *suffix, const char *text) {
    static _Thread_local char path[4][64];
    static _Thread_local int next;
    char *p = path[next++ % 4];
    snprintf(p, 64, "/tmp/primer-data-XXXXXX%s", suffix);
    int fd = mkstemps(p, (int)strlen(suffix));
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return p;
}

pr_tensor *load_fixture(const char *name) {
    char rel[512];
    snprintf(rel, sizeof rel, "tests/fixtures/%s", name);
    pr_tensor *t = NULL;
    pr_status st = pr_npy_read(test_path(rel), NULL, &t);
    cr_assert(st == PR_OK, "cannot load fixture %s: %s", name, pr_last_error());
    return t;
}

pr_tensor *tensor_f64(int ndim, const int64_t *shape, const double *values) {
    pr_tensor *t = NULL;
    pr_status st = pr_tensor_from_array(&t, PR_F64, ndim, shape, values);
    cr_assert(st == PR_OK, "tensor_f64: %s", pr_last_error());
    return t;
}

void assert_values_close(const pr_tensor *actual, const double *expected, int64_t n, double rtol,
                         double atol, const char *what) {
    cr_assert(actual != NULL, "%s: tensor is NULL", what);
    cr_assert(actual->size == n, "%s: %lld elements, expected %lld", what, (long long)actual->size,
              (long long)n);
    double max_abs = 0, max_rel = 0;
    int64_t worst = -1;
    for (int64_t i = 0; i < n; i++) {
        double a = pr_tensor_get(actual, i), e = expected[i];
        double err = fabs(a - e);
        if (isnan(a) != isnan(e) || (!isnan(e) && err > atol + rtol * fabs(e))) {
            if (worst < 0) worst = i;
        }
        if (err > max_abs) max_abs = err;
        if (e != 0 && err / fabs(e) > max_rel) max_rel = err / fabs(e);
    }
    cr_assert(worst < 0, "%s: element %lld is %.17g, expected %.17g (max abs err %.3g, max rel err %.3g)",
              what, (long long)worst, pr_tensor_get(actual, worst), expected[worst], max_abs, max_rel);
}

void assert_tensor_close(const pr_tensor *actual, const pr_tensor *expected, double rtol, double atol,
                         const char *what) {
    cr_assert(actual && expected, "%s: NULL tensor", what);
    cr_assert(pr_tensor_same_shape(actual, expected) || actual->size == expected->size,
              "%s: shapes differ", what);
    double *e = malloc((size_t)(expected->size ? expected->size : 1) * sizeof *e);
    for (int64_t i = 0; i < expected->size; i++) e[i] = pr_tensor_get(expected, i);
    assert_values_close(actual, e, expected->size, rtol, atol, what);
    free(e);
}

double json_number(const char *text, const char *key) {
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\": ", key);
    const char *at = strstr(text, pattern);
    cr_assert_not_null(at, "no %s in %s", key, text);
    return strtod(at + strlen(pattern), NULL);
}

double grad_of(pr_graph *g, pr_node n) {
    pr_tensor t;
    assert_ok(pr_graph_grad(g, n, &t));
    return pr_tensor_get(&t, 0);
}

char *test_make_dir(void) {
    static _Thread_local char dir[64];
    snprintf(dir, sizeof dir, "/tmp/primer-test-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    return dir;
}

void test_remove_dir(const char *dir) {
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
}

long test_file_size(const char *path) {
    struct stat s;
    return stat(path, &s) == 0 ? (long)s.st_size : -1;
}

char *test_read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    *len = 0;
    if (!f) return NULL;
    char *buf = NULL;
    size_t cap = 0;
    for (;;) {
        if (*len + 4096 > cap) buf = realloc(buf, cap = 2 * cap + 4096);
        size_t got = fread(buf + *len, 1, 4096, f);
        *len += got;
        if (!got) break;
    }
    fclose(f);
    return buf;
}
