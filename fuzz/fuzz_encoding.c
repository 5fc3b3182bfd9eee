/* libFuzzer target for the column encoding kept in model files (pr_encoding_from_json):
 * any text gives PR_OK or a clean error; what is read writes back to JSON that reads
 * as the same encoding. */
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
    pr_encoding *e = NULL, *back = NULL;
    if (pr_encoding_from_json(text, "fuzz", &e) != PR_OK) {
        free(text);
        return 0;
    }
    char *json = NULL;
    if (pr_encoding_to_json(e, &json) != PR_OK) __builtin_trap();
    if (pr_encoding_from_json(json, "roundtrip", &back) != PR_OK) __builtin_trap();
    if (pr_encoding_inputs(e) != pr_encoding_inputs(back) || pr_encoding_outputs(e) != pr_encoding_outputs(back) ||
        pr_encoding_classes(e, NULL) != pr_encoding_classes(back, NULL))
        __builtin_trap();
    for (int64_t k = 0; k < pr_encoding_outputs(e); k++)
        if (strcmp(pr_encoding_output_name(e, k), pr_encoding_output_name(back, k))) __builtin_trap();
    free(json);
    free(text);
    pr_encoding_free(e);
    pr_encoding_free(back);
    return 0;
}
