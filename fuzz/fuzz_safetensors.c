/* libFuzzer target for the safetensors reader (and its JSON header parser): any
 * input must give PR_OK or a clean error; whatever is read must survive an
 * encode/decode round trip with the same names, metadata and bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "primer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    pr_limits limits = PR_LIMITS_DEFAULTS;
    limits.max_elements = 1 << 20;
    limits.max_metadata_bytes = 4096;
    pr_tensor_file *f = NULL, *back = NULL;
    if (pr_safetensors_read_buffer(data, size, "fuzz.safetensors", &limits, &f) != PR_OK) return 0;
    unsigned char *enc = NULL;
    size_t len = 0;
    if (pr_safetensors_encode(f, &enc, &len) != PR_OK) __builtin_trap();
    limits.max_metadata_bytes = 1 << 16; /* re-encoding may grow the header (escapes) */
    if (pr_safetensors_read_buffer(enc, len, "roundtrip", &limits, &back) != PR_OK) __builtin_trap();
    if (pr_tensor_file_count(f) != pr_tensor_file_count(back)) __builtin_trap();
    for (int64_t i = 0; i < pr_tensor_file_count(f); i++) {
        const pr_tensor *a = pr_tensor_file_at(f, i), *b = pr_tensor_file_at(back, i);
        if (strcmp(pr_tensor_file_name(f, i), pr_tensor_file_name(back, i)) || a->dtype != b->dtype ||
            !pr_tensor_same_shape(a, b) || memcmp(a->data, b->data, (size_t)a->size * pr_dtype_size(a->dtype)))
            __builtin_trap();
    }
    free(enc);
    pr_tensor_file_free(back);
    pr_tensor_file_free(f);
    return 0;
}
