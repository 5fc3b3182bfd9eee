/* Threads: tests/standalone/concurrency_check.c (two trainings, one on a pool of its
 * own, and two logistic fits at once give bit for bit what they give one after the
 * other, each thread with its own errors), built by make as
 * $(BUILD)/concurrency-check and run here; `make tsan` runs it under ThreadSanitizer. */
#include <stdio.h>

#include "test_util.h"

Test(concurrency, two_trainings_and_two_fits_at_once_match_one_after_the_other) {
    char cmd[1024];
    const char *out;
    snprintf(cmd, sizeof cmd, "%s/concurrency-check", test_build_dir());
    cr_assert_eq(test_run_command(cmd, &out), 0, "%s", out);
    assert_contains(out, "the same weights and errors as one after the other");
}
