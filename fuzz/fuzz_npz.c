/* libFuzzer target for the .npz (zip of .npy) reader: any input must give PR_OK or a
 * clean error; whatever is read holds tensors whose sizes match their shapes. */
#include <stdint.h>
#include <string.h>

#include "primer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    pr_limits limits = PR_LIMITS_DEFAULTS;
    limits.max_elements = 1 << 20;
    limits.max_file_bytes = 1 << 24;
    pr_tensor_file *f = NULL;
    if (pr_npz_read_buffer(data, size, "fuzz.npz", &limits, &f) != PR_OK) return 0;
    if (pr_tensor_file_count(f) < 1) __builtin_trap();
    for (int64_t i = 0; i < pr_tensor_file_count(f); i++) {
        const pr_tensor *t = pr_tensor_file_at(f, i);
        int64_t n = 1;
        for (int d = 0; d < t->ndim; d++) n *= t->shape[d];
        if (n != t->size || !pr_tensor_file_name(f, i)) __builtin_trap();
    }
    pr_tensor_file_free(f);
    return 0;
}
