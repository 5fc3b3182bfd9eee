/* Text for language models (chapter 11): character or byte vocabularies, encoding
 * and decoding, and next-token windows. */
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "primer/data.h"

struct pr_vocab {
    pr_vocab_level level;
    int64_t n;
    int64_t *codes;      /* sorted */
    int32_t ascii[128];  /* id of each ASCII code, -1 if absent: the fast path */
};

/* The code point at text[*i] (advancing *i), or -1 for malformed UTF-8. */
static int64_t utf8_next(const unsigned char *s, size_t len, size_t *i) {
    unsigned c = s[*i];
    int extra = c < 0x80 ? 0 : (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2 : (c & 0xF8) == 0xF0 ? 3 : -1;
    if (extra < 0 || *i + (size_t)extra >= len + (extra == 0)) return -1;
    int64_t cp = extra == 0 ? c : extra == 1 ? c & 0x1F : extra == 2 ? c & 0x0F : c & 0x07;
    for (int k = 1; k <= extra; k++) {
        unsigned b = s[*i + (size_t)k];
        if ((b & 0xC0) != 0x80) return -1;
        cp = cp << 6 | (b & 0x3F);
    }
    static const int64_t least[4] = {0, 0x80, 0x800, 0x10000};
    if (cp < least[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return -1; /* overlong, surrogate */
    *i += (size_t)extra + 1;
    return cp;
}

static pr_status next_token(pr_vocab_level level, const char *text, size_t len, size_t *i, int64_t *code) {
    if (level == PR_VOCAB_BYTES) {
        *code = (unsigned char)text[(*i)++];
        return PR_OK;
    }
    size_t at = *i;
    *code = utf8_next((const unsigned char *)text, len, i);
    if (*code < 0)
        return pr__fail(PR_ERR_FORMAT, "text: byte %zu (0x%02x) is not valid UTF-8; read the text as bytes (--vocab bytes)", at,
                        (unsigned char)text[at]);
    return PR_OK;
}

static int cmp_code(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static pr_status vocab_new(pr_vocab_level level, int64_t *codes, int64_t n, pr_vocab **out) {
    pr_vocab *v = pr__calloc(1, sizeof *v);
    if (!v) return PR_ERR_NOMEM;
    v->level = level;
    v->n = n;
    v->codes = codes;
    for (int c = 0; c < 128; c++) v->ascii[c] = -1;
    for (int64_t i = 0; i < n; i++)
        if (codes[i] < 128) v->ascii[codes[i]] = (int32_t)i;
    *out = v;
    return PR_OK;
}

pr_status pr_vocab_build(const char *text, size_t len, pr_vocab_level level, pr_vocab **out) {
    if (!out || (!text && len)) return pr__fail(PR_ERR_INVALID, "vocab_build: NULL argument");
    if ((unsigned)level > PR_VOCAB_BYTES) return pr__fail(PR_ERR_INVALID, "vocab_build: unknown level %d", (int)level);
    if (!len) return pr__fail(PR_ERR_INVALID, "text: the text is empty");
    /* codes seen: a bitmap over the 0x110000 code points */
    size_t words = (0x110000 + 63) / 64;
    uint64_t *seen = pr__calloc(words, sizeof *seen);
    if (!seen) return PR_ERR_NOMEM;
    int64_t n = 0, code;
    pr_status st = PR_OK;
    for (size_t i = 0; i < len && !st;) {
        if (!(st = next_token(level, text, len, &i, &code)) && !(seen[code / 64] >> (code % 64) & 1)) {
            seen[code / 64] |= UINT64_C(1) << (code % 64);
            n++;
        }
    }
    int64_t *codes = st ? NULL : pr__malloc((size_t)n * sizeof *codes);
    if (!st && !codes) st = PR_ERR_NOMEM;
    if (!st) {
        int64_t k = 0;
        for (size_t w = 0; w < words; w++)
            for (uint64_t bits = seen[w]; bits; bits &= bits - 1) codes[k++] = (int64_t)(w * 64) + __builtin_ctzll(bits);
        st = vocab_new(level, codes, n, out);
        if (st) free(codes);
    }
    free(seen);
    return st;
}

pr_status pr_vocab_from_codes(pr_vocab_level level, const int64_t *codes, int64_t n, pr_vocab **out) {
    if (!out || (!codes && n)) return pr__fail(PR_ERR_INVALID, "vocab_from_codes: NULL argument");
    if ((unsigned)level > PR_VOCAB_BYTES) return pr__fail(PR_ERR_INVALID, "vocab: unknown level %d", (int)level);
    if (n < 1) return pr__fail(PR_ERR_INVALID, "vocab: a vocabulary needs at least one token");
    int64_t top = level == PR_VOCAB_BYTES ? 255 : 0x10FFFF;
    for (int64_t i = 0; i < n; i++)
        if (codes[i] < 0 || codes[i] > top || (i && codes[i] <= codes[i - 1]))
            return pr__fail(PR_ERR_FORMAT, "vocab: code %lld at %lld is out of range or out of order",
                            (long long)codes[i], (long long)i);
    int64_t *copy = pr__malloc((size_t)n * sizeof *copy);
    if (!copy) return PR_ERR_NOMEM;
    memcpy(copy, codes, (size_t)n * sizeof *copy);
    pr_status st = vocab_new(level, copy, n, out);
    if (st) free(copy);
    return st;
}

void pr_vocab_free(pr_vocab *v) {
    if (!v) return;
    free(v->codes);
    free(v);
}

int64_t pr_vocab_size(const pr_vocab *v) { return v ? v->n : 0; }
pr_vocab_level pr_vocab_level_of(const pr_vocab *v) { return v ? v->level : PR_VOCAB_CHARS; }
int64_t pr_vocab_code(const pr_vocab *v, int64_t id) { return v && id >= 0 && id < v->n ? v->codes[id] : -1; }

static int64_t id_of(const pr_vocab *v, int64_t code) {
    if (code < 128) return v->ascii[code];
    const int64_t *hit = bsearch(&code, v->codes, (size_t)v->n, sizeof code, cmp_code);
    return hit ? hit - v->codes : -1;
}

int pr_vocab_token_text(const pr_vocab *v, int64_t id, char out[5]) {
    int64_t c = pr_vocab_code(v, id);
    int n = 0;
    if (c < 0) n = 0;
    else if (v->level == PR_VOCAB_BYTES || c < 0x80) out[n++] = (char)c;
    else if (c < 0x800) out[n++] = (char)(0xC0 | c >> 6), out[n++] = (char)(0x80 | (c & 0x3F));
    else if (c < 0x10000)
        out[n++] = (char)(0xE0 | c >> 12), out[n++] = (char)(0x80 | (c >> 6 & 0x3F)), out[n++] = (char)(0x80 | (c & 0x3F));
    else
        out[n++] = (char)(0xF0 | c >> 18), out[n++] = (char)(0x80 | (c >> 12 & 0x3F)),
        out[n++] = (char)(0x80 | (c >> 6 & 0x3F)), out[n++] = (char)(0x80 | (c & 0x3F));
    out[n] = '\0';
    return n;
}

pr_status pr_vocab_encode(const pr_vocab *v, const char *text, size_t len, pr_tensor **ids) {
    if (!v || !ids || (!text && len)) return pr__fail(PR_ERR_INVALID, "vocab_encode: NULL argument");
    /* count the tokens first */
    int64_t n = 0, code;
    pr_status st = PR_OK;
    for (size_t i = 0; i < len && !st; n++) st = next_token(v->level, text, len, &i, &code);
    if (st) return st;
    pr_tensor *t;
    if ((st = pr_tensor_zeros(&t, PR_F64, 1, (int64_t[]){n}))) return st;
    double *out = pr_tensor_f64(t);
    int64_t k = 0;
    for (size_t i = 0; i < len; k++) {
        size_t at = i;
        next_token(v->level, text, len, &i, &code);
        int64_t id = id_of(v, code);
        if (id < 0) {
            pr_tensor_free(t);
            char shown[5] = {0};
            if (code >= 32 && code < 127) shown[0] = (char)code;
            return pr__fail(PR_ERR_INVALID, "text: '%s' (code %lld) at byte %zu is not in the model's vocabulary of %lld "
                                            "tokens",
                            shown[0] ? shown : "?", (long long)code, at, (long long)v->n);
        }
        out[k] = (double)id;
    }
    *ids = t;
    return PR_OK;
}

pr_status pr_text_read(const char *path, const pr_limits *limits, char **text, size_t *len) {
    if (!path || !text || !len) return pr__fail(PR_ERR_INVALID, "text_read: NULL argument");
    return pr__read_file(path, limits, text, len);
}

pr_status pr_text_windows(const pr_tensor *ids, int64_t context, int64_t stride, pr_tensor **X, pr_tensor **y) {
    if (!ids || !X || !y) return pr__fail(PR_ERR_INVALID, "text_windows: NULL argument");
    if (context < 1 || stride < 1)
        return pr__fail(PR_ERR_INVALID, "text_windows: context %lld and stride %lld must be >= 1", (long long)context,
                        (long long)stride);
    int64_t n = ids->size;
    if (n < context + 1)
        return pr__fail(PR_ERR_INVALID, "text: %lld tokens are too few for windows of %lld and their next tokens "
                                        "(need at least %lld)",
                        (long long)n, (long long)context, (long long)(context + 1));
    int64_t N = (n - 1 - context) / stride + 1;
    pr_tensor *a, *b;
    pr_status st = pr_tensor_zeros(&a, PR_F64, PR_SHAPE(N, context));
    if (st) return st;
    if ((st = pr_tensor_zeros(&b, PR_F64, PR_SHAPE(N, context)))) {
        pr_tensor_free(a);
        return st;
    }
    double *xa = pr_tensor_f64(a), *ya = pr_tensor_f64(b);
    for (int64_t w = 0; w < N; w++)
        for (int64_t t = 0; t < context; t++) {
            xa[w * context + t] = pr_tensor_get(ids, w * stride + t);
            ya[w * context + t] = pr_tensor_get(ids, w * stride + t + 1);
        }
    *X = a;
    *y = b;
    return PR_OK;
}
