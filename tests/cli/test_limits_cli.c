/* primer under an address-space limit (ulimit -v). OpenBLAS 0.3.21 gives every thread
 * that runs a product a 128 MB buffer and, when that allocation fails, retries it
 * forever; primer and fit used to spin there. Now primer makes OpenBLAS
 * single-threaded under a limit, runs as many of its own threads as have room, and
 * when not even one has, fails at once naming the limit. */
#include <stdio.h>
#include <string.h>

#include "test_util.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

Test(limits_cli, train_and_fit_finish_under_ulimit_v_or_fail_fast_naming_it) {
#ifdef UNDER_ASAN
    cr_skip_test("AddressSanitizer reserves terabytes of address space: no ulimit -v under it");
#else
    char *dir = test_make_dir(), cmd[2048];
    const char *out;
    const char *runs[] = {"train --epochs 2", "fit logistic", "fit ridge"};
    for (size_t k = 0; k < 3; k++) {
        /* 300 MB: room for one thread's buffer; `timeout` turns a hang into status 124 */
        snprintf(cmd, sizeof cmd, "ulimit -v 300000 && timeout 60 %s %s --quiet --out %s/m%zu.safetensors",
                 test_primer_bin(), runs[k], dir, k);
        cr_assert_eq(test_run_command(cmd, &out), 0, "%s: %s", runs[k], out);
        snprintf(cmd, sizeof cmd, "%s/m%zu.safetensors", dir, k);
        cr_assert_gt(test_file_size(cmd), 100, "%s saved nothing", runs[k]);
        /* 150 MB: not even one buffer fits; an error within seconds, not a hang */
        snprintf(cmd, sizeof cmd, "ulimit -v 150000 && timeout 60 %s %s --quiet --out %s/n.safetensors",
                 test_primer_bin(), runs[k], dir);
        cr_assert_eq(test_run_command(cmd, &out), 1, "%s: %s", runs[k], out);
        assert_contains(out, "the address-space limit (ulimit -v) of 146 MB");
        assert_contains(out, "OpenBLAS's 128 MB buffer");
    }
    /* --threads 2 asked for explicitly is not quietly cut to one */
    snprintf(cmd, sizeof cmd, "ulimit -v 300000 && timeout 60 %s --threads 2 train --epochs 1 --quiet --out %s/t.safetensors",
             test_primer_bin(), dir);
    int rc = test_run_command(cmd, &out);
    if (pr_cpu_count() >= 2) {
        cr_assert_eq(rc, 1, "%s", out);
        assert_contains(out, "room for 1 of the 2 threads");
    }
    test_remove_dir(dir);
#endif
}
