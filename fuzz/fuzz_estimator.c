/* libFuzzer target for the classical-model reader (pr_estimator_load_buffer): any
 * input must give PR_OK or a clean error, and a model that loads must predict on a
 * row of zeros without failing, since loading checked every shape and value. */
#include <stdint.h>
#include <stdlib.h>

#include "primer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    pr_estimator *e = NULL;
    if (pr_estimator_load_buffer(data, size, "fuzz.safetensors", &e) != PR_OK) return 0;
    int64_t p = pr_estimator_n_features(e);
    if (p <= 4096) { /* the reader accepts up to a million features; keep each run quick */
        pr_tensor *X = NULL, *y = NULL;
        if (pr_tensor_zeros(&X, PR_F64, PR_SHAPE(2, p)) != PR_OK) __builtin_trap();
        if (pr_estimator_predict(e, X, &y) != PR_OK) __builtin_trap();
        pr_tensor_free(X);
        pr_tensor_free(y);
    }
    pr_estimator_free(e);
    return 0;
}
