/* libFuzzer target for the model specification language: any text must build a
 * model or give a clean error, a model's canonical spec must rebuild the same model,
 * and every model that builds must run a forward pass on a small batch (so outputs of
 * any rank and shape are exercised: an embedding's (N, T, D), say). max_params keeps
 * a spec from asking for gigabytes of weights. Rows have 16 values: 4x4 images to the
 * image layers (reshape:1:4:4, or the image architectures by themselves). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "primer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Forward 3 rows of small whole numbers (valid token ids for most embeddings); a
 * failure must explain itself, a success must give (3, out_shape...). */
static void forward_small_batch(pr_model *m) {
    pr_tensor *X;
    if (pr_tensor_zeros(&X, PR_F32, PR_SHAPE(3, 16)) != PR_OK) return;
    for (int64_t i = 0; i < X->size; i++) pr_tensor_set(X, i, (double)(i % 3));
    pr_tensor *Y = NULL;
    if (pr_model_forward(m, X, &Y) == PR_OK) {
        int64_t shape[PR_MAX_DIMS], per_row = 1;
        int nd = pr_model_output_shape(m, shape);
        for (int d = 0; d < nd; d++) per_row *= shape[d];
        if (Y->ndim != nd + 1 || Y->shape[0] != 3 || Y->size != 3 * per_row) __builtin_trap();
        for (int d = 0; d < nd; d++)
            if (Y->shape[d + 1] != shape[d]) __builtin_trap();
    } else if (!*pr_last_error()) {
        __builtin_trap();
    }
    pr_tensor_free(Y);
    pr_tensor_free(X);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    pr_model *m = NULL, *again = NULL;
    pr_model_options o = PR_MODEL_DEFAULTS;
    o.outputs = 2;
    o.max_params = 1 << 20;
    if (pr_model_new(&m, text, PR_SHAPE(16), &o) == PR_OK) {
        pr_model_options o2 = PR_MODEL_DEFAULTS;
        o2.max_params = 1 << 20;
        if (pr_model_new(&again, pr_model_spec(m), PR_SHAPE(16), &o2) != PR_OK) __builtin_trap();
        if (strcmp(pr_model_spec(m), pr_model_spec(again)) || pr_model_param_count(m) != pr_model_param_count(again))
            __builtin_trap();
        int64_t counted = -1;
        if (pr_spec_param_count(text, PR_SHAPE(16), 2, &counted) != PR_OK || counted != pr_model_param_count(m))
            __builtin_trap();
        forward_small_batch(m);
    } else if (!*pr_last_error()) {
        __builtin_trap(); /* an error must say what went wrong */
    }
    pr_model_free(m);
    pr_model_free(again);
    free(text);
    return 0;
}
