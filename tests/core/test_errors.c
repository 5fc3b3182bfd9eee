/* Status codes, messages and allocation failures. */
#include <string.h>

#include "test_util.h"

Test(errors, status_names_and_descriptions) {
    cr_assert_str_eq(pr_status_name(PR_OK), "PR_OK");
    cr_assert_str_eq(pr_status_name(PR_ERR_SINGULAR), "PR_ERR_SINGULAR");
    cr_assert_str_eq(pr_status_describe(PR_ERR_SHAPE), "shape mismatch");
    cr_assert_str_eq(pr_status_name((pr_status)1234), "PR_UNKNOWN_STATUS");
}

Test(errors, last_error_is_kept_and_cleared) {
    pr_tensor *t = NULL;
    cr_assert_eq(pr_tensor_zeros(&t, PR_F64, PR_SHAPE(-1)), PR_ERR_INVALID);
    cr_assert_eq(pr_last_status(), PR_ERR_INVALID);
    cr_assert(strlen(pr_last_error()) > 0);
    pr_clear_error();
    cr_assert_str_eq(pr_last_error(), "");
    cr_assert_eq(pr_last_status(), PR_OK);
}

Test(errors, version_matches_the_headers) { cr_assert_str_eq(pr_version(), PR_VERSION_STRING); }

/* Every allocation inside each call fails in turn: the call must report
 * PR_ERR_NOMEM (never crash) and free what it took (the sanitizer run checks leaks). */
Test(errors, allocation_failures_are_reported_and_clean) {
    pr_tensor *A = T64(PR_SHAPE(3, 3), 4, 1, 0, 1, 3, 1, 0, 1, 2), *b = T64(PR_SHAPE(3), 1, 2, 3);
    for (long k = 1; k < 40; k++) {
        pr_tensor *x = NULL, *U = NULL, *S = NULL, *Vt = NULL, *sum = NULL;
        char *text = NULL;
        pr_table *tab = NULL;
        pr_status st;
        pr_debug_fail_allocation_after(k);
        st = pr_solve(A, b, &x);
        cr_assert(st == PR_OK || st == PR_ERR_NOMEM, "solve at %ld: %s", k, pr_status_name(st));
        pr_debug_fail_allocation_after(k);
        st = pr_svd(A, PR_SVD_FULL, &U, &S, &Vt);
        cr_assert(st == PR_OK || st == PR_ERR_NOMEM, "svd at %ld: %s", k, pr_status_name(st));
        pr_debug_fail_allocation_after(k);
        st = pr_add(A, b, &sum);
        cr_assert(st == PR_OK || st == PR_ERR_NOMEM, "add at %ld", k);
        pr_debug_fail_allocation_after(k);
        st = pr_tensor_format(A, &text);
        cr_assert(st == PR_OK || st == PR_ERR_NOMEM, "format at %ld", k);
        pr_debug_fail_allocation_after(k);
        st = pr_csv_read_buffer("a,b\n1,2\n3,4\n", 12, "t.csv", NULL, &tab);
        cr_assert(st == PR_OK || st == PR_ERR_NOMEM, "csv at %ld: %s", k, pr_last_error());
        pr_debug_fail_allocation_after(0);
        pr_tensor_free(x);
        pr_tensor_free(U);
        pr_tensor_free(S);
        pr_tensor_free(Vt);
        pr_tensor_free(sum);
        free(text);
        pr_table_free(tab);
    }
    pr_tensor_free(A);
    pr_tensor_free(b);
}
