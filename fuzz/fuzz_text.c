/* libFuzzer target for text (language models): the first byte picks the level (bytes
 * or UTF-8 characters) and the window length, the rest is the text. Any input must
 * give PR_OK or a clean error; what is read must decode back to the same bytes, and
 * the windows must hold the ids shifted by one. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "primer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!size) return 0;
    pr_vocab_level level = data[0] & 1 ? PR_VOCAB_BYTES : PR_VOCAB_CHARS;
    int64_t context = 1 + (data[0] >> 1) % 16;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    pr_vocab *v = NULL;
    pr_tensor *ids = NULL, *X = NULL, *y = NULL;
    pr_status st = pr_vocab_build(text, len, level, &v);
    if (st != PR_OK) {
        if (!*pr_last_error()) __builtin_trap();
        return 0;
    }
    if (pr_vocab_encode(v, text, len, &ids) != PR_OK) __builtin_trap(); /* its own vocabulary covers it */
    char *back = malloc(4 * (size_t)ids->size + 1), piece[5];
    size_t at = 0;
    for (int64_t i = 0; i < ids->size; i++) {
        int n = pr_vocab_token_text(v, (int64_t)pr_tensor_get(ids, i), piece);
        if (n < 1) __builtin_trap();
        memcpy(back + at, piece, (size_t)n);
        at += (size_t)n;
    }
    if (at != len || memcmp(back, text, len)) __builtin_trap();
    free(back);
    st = pr_text_windows(ids, context, 1 + context / 2, &X, &y);
    if (st == PR_OK) {
        for (int64_t w = 0; w < X->shape[0]; w++)
            for (int64_t t = 0; t + 1 < context; t++)
                if (pr_tensor_get(X, w * context + t + 1) != pr_tensor_get(y, w * context + t)) __builtin_trap();
    } else if (!*pr_last_error()) {
        __builtin_trap();
    }
    /* the vocabulary as a model file stores it, read back */
    int64_t n = pr_vocab_size(v), *codes = malloc((size_t)n * sizeof *codes);
    for (int64_t i = 0; i < n; i++) codes[i] = pr_vocab_code(v, i);
    pr_vocab *again = NULL;
    if (pr_vocab_from_codes(level, codes, n, &again) != PR_OK || pr_vocab_size(again) != n) __builtin_trap();
    free(codes);
    pr_vocab_free(again);
    pr_vocab_free(v);
    pr_tensor_free(ids), pr_tensor_free(X), pr_tensor_free(y);
    return 0;
}
