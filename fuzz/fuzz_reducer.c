/* libFuzzer target for the PCA model reader (pr_pca_load_buffer): any input must give
 * PR_OK or a clean error, and a model that loads must transform a row of zeros and
 * invert the codes without failing, since loading checked every shape and value. */
#include <stdint.h>
#include <stdlib.h>

#include "primer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    pr_pca *p = NULL;
    if (pr_pca_load_buffer(data, size, "fuzz.safetensors", &p) != PR_OK) return 0;
    int64_t n = pr_pca_n_features(p);
    if (n <= 4096) { /* keep each run quick */
        pr_tensor *X = NULL, *Z = NULL, *R = NULL;
        if (pr_tensor_zeros(&X, PR_F64, PR_SHAPE(2, n)) != PR_OK) __builtin_trap();
        if (pr_pca_transform(p, X, &Z) != PR_OK) __builtin_trap();
        if (pr_pca_inverse_transform(p, Z, &R) != PR_OK) __builtin_trap();
        pr_tensor_free(X);
        pr_tensor_free(Z);
        pr_tensor_free(R);
    }
    pr_pca_free(p);
    return 0;
}
