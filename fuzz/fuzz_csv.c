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
    pr_table_free(t);
    return 0;
}
