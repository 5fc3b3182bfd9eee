/* libFuzzer target for the model specification language: any text must build a
 * model or give a clean error, and a model's canonical spec must rebuild the same
 * model. max_params keeps a spec from asking for gigabytes of weights. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "primer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    pr_model *m = NULL, *again = NULL;
    pr_model_options o = {.outputs = 2, .max_params = 1 << 20};
    if (pr_model_new(&m, text, PR_SHAPE(4), &o) == PR_OK) {
        pr_model_options o2 = {.max_params = 1 << 20};
        if (pr_model_new(&again, pr_model_spec(m), PR_SHAPE(4), &o2) != PR_OK) __builtin_trap();
        if (strcmp(pr_model_spec(m), pr_model_spec(again)) || pr_model_param_count(m) != pr_model_param_count(again))
            __builtin_trap();
    } else if (!*pr_last_error()) {
        __builtin_trap(); /* an error must say what went wrong */
    }
    pr_model_free(m);
    pr_model_free(again);
    free(text);
    return 0;
}
