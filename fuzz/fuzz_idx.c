/* libFuzzer target for the IDX reader (MNIST's format, plain or gzip): any input must
 * give PR_OK or a clean error; what is read must hold as many values as its extents
 * say, in the dtype the element type maps to. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "primer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    pr_limits limits = PR_LIMITS_DEFAULTS;
    limits.max_elements = 1 << 20;
    limits.max_file_bytes = 1 << 24; /* also bounds what a gzip stream may inflate to */
    pr_tensor *t = NULL;
    pr_status st = pr_idx_read_buffer(data, size, "fuzz.idx", &limits, &t);
    if (st != PR_OK) {
        if (!*pr_last_error()) __builtin_trap();
        return 0;
    }
    int64_t count = 1;
    for (int d = 0; d < t->ndim; d++) count *= t->shape[d];
    if (t->ndim < 1 || count != t->size || !pr_dtype_is_float(t->dtype)) __builtin_trap();
    pr_tensor_free(t);
    return 0;
}
