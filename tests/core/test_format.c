/* NumPy-style printing, against the text NumPy itself printed for the same arrays
 * (tests/fixtures/make_format_fixtures.py). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

static char *read_text(const char *path) {
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s", path);
    static char buf[4096];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

Test(format, matches_numpy_str) {
    int cases = 0;
    for (int i = 0;; i++) {
        char rel[128];
        snprintf(rel, sizeof rel, "tests/fixtures/format/case_%d.npy", i);
        FILE *probe = fopen(test_path(rel), "rb");
        if (!probe) break;
        fclose(probe);
        pr_tensor *t;
        assert_ok(pr_npy_read(test_path(rel), NULL, &t));
        snprintf(rel, sizeof rel, "tests/fixtures/format/case_%d.txt", i);
        const char *expected = read_text(test_path(rel));
        char *got;
        assert_ok(pr_tensor_format(t, &got));
        cr_expect_str_eq(got, expected, "case %d: got\n%s\nNumPy printed\n%s", i, got, expected);
        free(got);
        pr_tensor_free(t);
        cases++;
    }
    cr_assert_geq(cases, 16, "found only %d cases", cases);
}
