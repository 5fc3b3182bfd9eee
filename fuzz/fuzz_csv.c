/* libFuzzer target for the CSV reader: any input must give PR_OK or a clean error,
 * never a crash, a leak or an out-of-bounds access (ASan/UBSan are on). */
#include <stdint.h>
#include <string.h>

#include "primer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    /* The first byte picks options so the fuzzer explores them too. */
    unsigned char mode = size ? data[0] : 0;
    pr_limits limits = PR_LIMITS_DEFAULTS;
    limits.max_elements = 1 << 16;
    limits.max_columns = 256;
    limits.max_line_bytes = 4096;
    pr_csv_options opt = {
        .delimiter = (mode & 1) ? ';' : ',',
        .no_header = (mode & 2) != 0,
        .allow_nonfinite = (mode & 4) != 0,
        .limits = &limits,
        .text = (mode & 8) != 0,
        .missing = (mode & 16) != 0,
    };
    pr_table *t = NULL;
    if (pr_csv_read_buffer((const char *)data + (size ? 1 : 0), size ? size - 1 : 0, "fuzz.csv", &opt, &t) != PR_OK)
        return 0;
    pr_tensor *X = NULL, *y = NULL;
    if (pr_table_split(t, NULL, &X, &y) == PR_OK) {
        pr_tensor_free(X);
        pr_tensor_free(y);
    }
    int64_t j;
    const char *name = pr_table_column_name(t, 0);
    if (name && (pr_table_column_index(t, name, &j) != PR_OK || j != 0)) __builtin_trap();
    /* text columns: every value indexes a string, strings strictly increasing; missing
     * values are the NaNs (unless "nan" may also be a value) */
    int nan_is_missing = opt.missing && !opt.allow_nonfinite;
    const double *v = pr_tensor_f64(pr_table_values(t));
    for (int64_t c = 0; c < pr_table_cols(t); c++) {
        const char *const *levels;
        int64_t k = pr_table_levels(t, c, &levels), missing = 0, first;
        for (int64_t l = 1; l < k; l++)
            if (strcmp(levels[l - 1], levels[l]) >= 0) __builtin_trap();
        for (int64_t i = 0; i < pr_table_rows(t); i++) {
            double x = v[i * pr_table_cols(t) + c];
            if (x != x) {
                if (nan_is_missing && !missing++ && (!pr_table_missing(t, c, &first) || first != i)) __builtin_trap();
            } else if (k && (x < 0 || x >= (double)k || x != (double)(int64_t)x)) __builtin_trap();
        }
        if (nan_is_missing && missing != pr_table_missing(t, c, NULL)) __builtin_trap();
    }
    pr_table_free(t);
    return 0;
}
