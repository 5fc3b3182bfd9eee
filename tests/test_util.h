/* Helpers shared by primer's tests (Criterion). Every comparison reports both
 * values; tensor comparisons report the max absolute and relative error. */
#ifndef PRIMER_TEST_UTIL_H
#define PRIMER_TEST_UTIL_H

#include <criterion/criterion.h>
#include <math.h>

#include "primer.h"

/* A path under the source tree (tests/fixtures/..., build/...). */
const char *test_path(const char *relative);
/* The built primer tool and build directory (set by the Makefile, so the
 * sanitizer build tests its own binaries). */
const char *test_primer_bin(void);
const char *test_build_dir(void);
/* Run `primer ARGS` (stderr merged into the output); returns the exit status and
 * points *output at the text (a buffer reused by the next call). */
int test_run_primer(const char *args, const char **output);
/* Run a shell command line the same way (stderr folded into the output). */
int test_run_command(const char *command, const char **output);
/* Write text to a new temporary file with the given suffix; returns its path (one of
 * four buffers, reused in turn). */
const char *test_temp_file(const char *suffix, const char *text);
/* A new empty directory under /tmp (one per thread, reused by the next call) and its
 * removal with everything in it. */
char *test_make_dir(void);
void test_remove_dir(const char *dir);
/* The size of a file in bytes, -1 when it does not exist. */
long test_file_size(const char *path);
/* The whole file (free() it) and its length, or NULL (len 0) when it cannot be opened. */
char *test_read_file(const char *path, size_t *len);
/* The number after "key": in JSON output (the test fails when there is none). */
double json_number(const char *text, const char *key);
/* The first element of a node's gradient. */
double grad_of(pr_graph *g, pr_node n);
#define assert_contains(text, fragment) \
    cr_assert(strstr((text), (fragment)) != NULL, "output lacks \"%s\":\n%s", (fragment), (text))

/* Load tests/fixtures/<name> with primer's .npy reader (the test fails if it cannot). */
pr_tensor *load_fixture(const char *name);
/* A float64 tensor from literal values: T64(PR_SHAPE(2, 2), 1, 2, 3, 4). */
#define T64(ndim_shape, ...) tensor_f64(ndim_shape, (const double[]){__VA_ARGS__})
pr_tensor *tensor_f64(int ndim, const int64_t *shape, const double *values);

/* The call must succeed; otherwise the test fails with primer's message. */
#define assert_ok(expr)                                                                    \
    do {                                                                                   \
        pr_status st_ = (expr);                                                            \
        cr_assert(st_ == PR_OK, "%s failed: %s: %s", #expr, pr_status_name(st_), pr_last_error()); \
    } while (0)

/* The call must fail with `status`, and its message must contain `fragment`. */
#define assert_fails(expr, status, fragment)                                               \
    do {                                                                                   \
        pr_status st_ = (expr);                                                            \
        cr_assert(st_ == (status), "%s gave %s, expected %s (message: %s)", #expr,         \
                  pr_status_name(st_), pr_status_name(status), pr_last_error());           \
        cr_assert(strstr(pr_last_error(), (fragment)) != NULL,                             \
                  "message of %s lacks \"%s\": %s", #expr, (fragment), pr_last_error());   \
    } while (0)

/* |actual - expected| <= tol */
#define assert_near(actual, expected, tol)                                                 \
    do {                                                                                   \
        double a_ = (actual), e_ = (expected);                                             \
        cr_assert(fabs(a_ - e_) <= (tol), "%s = %.17g, expected %.17g (tol %g)", #actual,  \
                  a_, e_, (double)(tol));                                                  \
    } while (0)

/* Every element within atol + rtol * |expected|. */
void assert_tensor_close(const pr_tensor *actual, const pr_tensor *expected, double rtol, double atol,
                         const char *what);
void assert_values_close(const pr_tensor *actual, const double *expected, int64_t n, double rtol,
                         double atol, const char *what);

#endif
