/* libFuzzer target for the .npy reader: any input must give PR_OK or a clean error;
 * whatever is read must survive an encode/decode round trip unchanged. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "primer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    pr_limits limits = PR_LIMITS_DEFAULTS;
    limits.max_elements = 1 << 20;
    limits.max_header_bytes = 4096;
    pr_tensor *t = NULL;
    if (pr_npy_read_buffer(data, size, "fuzz.npy", &limits, &t) != PR_OK) return 0;
    unsigned char *enc = NULL;
    size_t len = 0;
    pr_tensor *back = NULL;
    if (pr_npy_encode(t, &enc, &len) != PR_OK) __builtin_trap();
    if (pr_npy_read_buffer(enc, len, "roundtrip.npy", &limits, &back) != PR_OK) __builtin_trap();
    if (!pr_tensor_same_shape(t, back) || t->dtype != back->dtype ||
        memcmp(t->data, back->data, (size_t)t->size * pr_dtype_size(t->dtype)) != 0)
        __builtin_trap();
    free(enc);
    pr_tensor_free(back);
    pr_tensor_free(t);
    return 0;
}
