/* Private helpers shared by every layer of libprimer (never installed). */
#ifndef PRIMER_INTERNAL_H
#define PRIMER_INTERNAL_H

#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "primer/core.h"

#define PR_ALIGNMENT 64

#if defined(__GNUC__)
#define PR_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define PR_PRINTF(fmt, args)
#endif

/* Hot loops that are bound by arithmetic rather than memory (division, square roots)
 * get AVX-512 and AVX2 versions chosen at load time, so one build runs everywhere
 * and uses the wide units where the CPU has them. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__gnu_linux__)
#define PR_VECTOR_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define PR_VECTOR_CLONES
#endif

/* ---- errors -------------------------------------------------------------- */

/* Record `status` and a formatted message for this thread; returns `status`. */
pr_status pr__fail(pr_status status, const char *fmt, ...) PR_PRINTF(2, 3);
/* Prefix the current message with formatted context ("reading x.npy: ...");
 * returns the current status. */
pr_status pr__fail_context(const char *fmt, ...) PR_PRINTF(1, 2);

/* ---- memory ---------------------------------------------------------------- */

/* 64-byte aligned allocation (zeroed when `zero`). Sets PR_ERR_NOMEM on failure. */
void *pr__alloc(size_t bytes, bool zero);
void pr__free(void *p);
/* Plain allocation for small bookkeeping (strings, arrays of pointers). */
void *pr__malloc(size_t bytes);
void *pr__calloc(size_t count, size_t size);
void *pr__realloc(void *p, size_t bytes);
char *pr__strdup(const char *s);

/* a * b and a + b without overflow; false on overflow. */
/* The index of `name` among names[0..count), -1 when absent (or NULL): the parsing
 * half of every X-macro list of names. */
static inline int pr__name_index(const char *const *names, int count, const char *name) {
    for (int i = 0; name && i < count; i++)
        if (!strcmp(name, names[i])) return i;
    return -1;
}

static inline bool pr__mul_size(size_t a, size_t b, size_t *out) {
    return !__builtin_mul_overflow(a, b, out);
}
static inline bool pr__add_size(size_t a, size_t b, size_t *out) {
    return !__builtin_add_overflow(a, b, out);
}

/* ---- tensors --------------------------------------------------------------- */

/* Validate a shape and compute its element count against `limits`. */
pr_status pr__shape_count(int ndim, const int64_t *shape, const pr_limits *limits,
                          int64_t *count);
/* New uninitialised (zero when `zero`) tensor. */
pr_status pr__tensor_alloc(pr_tensor **out, pr_dtype dtype, int ndim, const int64_t *shape,
                           bool zero);
/* Fail with PR_ERR_DTYPE unless t is float32 or float64; `op` names the caller. */
pr_status pr__require_float(const pr_tensor *t, const char *op);
/* Fail with PR_ERR_DTYPE unless a and b share a dtype. */
pr_status pr__require_same_dtype(const pr_tensor *a, const pr_tensor *b, const char *op);
/* Fail with PR_ERR_INVALID when t is NULL. */
pr_status pr__require_tensor(const pr_tensor *t, const char *op, const char *name);
/* Normalise a possibly negative axis; PR_ERR_INVALID when out of range. */
pr_status pr__normalize_axis(int axis, int ndim, const char *op, int *out);

/* NumPy broadcasting of up to PR__MAX_OPERANDS tensors: the result shape and, per
 * operand, element strides over that shape (0 along a stretched axis). */
#define PR__MAX_OPERANDS 3
typedef struct pr__broadcast {
    int ndim;
    int64_t shape[PR_MAX_DIMS];
    int64_t stride[PR__MAX_OPERANDS][PR_MAX_DIMS];
} pr__broadcast;

/* PR_ERR_SHAPE naming `op` and the shapes when they do not broadcast. */
pr_status pr__broadcast_plan(const pr_tensor *const *in, int k, const char *op, pr__broadcast *b);

/* ---- text ------------------------------------------------------------------ */

/* A growing, always NUL-terminated string. `failed` latches the first
 * allocation failure so callers can append freely and check once. */
typedef struct pr_strbuf {
    char *data;
    size_t len;
    size_t cap;
    bool failed;
} pr_strbuf;

void pr__strbuf_init(pr_strbuf *sb);
void pr__strbuf_free(pr_strbuf *sb);
void pr__strbuf_append(pr_strbuf *sb, const char *s, size_t n);
void pr__strbuf_puts(pr_strbuf *sb, const char *s);
void pr__strbuf_printf(pr_strbuf *sb, const char *fmt, ...) PR_PRINTF(2, 3);
/* Hands over the string (caller frees); NULL and PR_ERR_NOMEM if anything failed. */
char *pr__strbuf_take(pr_strbuf *sb);

/* The shortest %g text that reads back as exactly v (as a float when is_float32);
 * "nan", "inf", "-inf" for non-finite values. Uses the current locale: call it
 * inside uselocale(pr__c_locale()) for files. Returns buf. */
#define PR__NUMBER_TEXT 40
const char *pr__format_shortest(double v, int is_float32, char buf[PR__NUMBER_TEXT]);

/* The offset of the first byte of text[0..len) that is not well-formed UTF-8 (no
 * overlong forms, surrogates or code points above U+10FFFF); len when all is. */
size_t pr__utf8_invalid_at(const void *text, size_t len);

/* The "C" locale, created once; numbers are always read and written in it so a
 * program's setlocale() never changes primer's files. */
locale_t pr__c_locale(void);

/* ---- files ----------------------------------------------------------------- */

/* Read a whole file (at most limits->max_file_bytes) into a new buffer with a
 * terminating NUL (not counted in *len). */
pr_status pr__read_file(const char *path, const pr_limits *limits, char **data, size_t *len);

/* Atomic file replacement: write to a temporary file beside `path`, then
 * rename it over `path` on commit. An abandoned or failed write removes the
 * temporary file and leaves any existing `path` untouched. */
typedef struct pr_atomic_file {
    FILE *f;
    char *final_path; /* what is replaced: `path`, or the file a symlink at `path` names */
    char *tmp_path;   /* NULL when writing straight to a device or pipe */
    int fd;           /* f's descriptor (-1: none) */
    int unnamed;      /* 1: an O_TMPFILE file, named only when committed */
} pr_atomic_file;

pr_status pr__atomic_open(pr_atomic_file *af, const char *path);
pr_status pr__atomic_commit(pr_atomic_file *af);
void pr__atomic_abort(pr_atomic_file *af);
/* Write len bytes to `path` atomically (as above). */
pr_status pr__write_file_atomic(const char *path, const void *data, size_t len);

/* ---- numerics shared by every layer ------------------------------------------- */

/* σ(x) without overflow: exp only ever sees a non-positive argument. The one
 * sigmoid of primer (tensors, graph ops, the classical models). */
static inline double pr__sigmoid_of(double x, double e) { return x >= 0 ? 1 / (1 + e) : e / (1 + e); } /* e = exp(-|x|) */
static inline double pr__sigmoid(double x) { return pr__sigmoid_of(x, exp(-fabs(x))); }
/* σ(x) and softplus(x) = log(1 + e^x) from the one exp, without overflow (log(1 + e)
 * for e in (0, 1] is as accurate as log1p there): a logistic loss and its gradient. */
static inline double pr__sigmoid_softplus(double x, double *softplus) {
    double e = exp(-fabs(x));
    *softplus = (x > 0 ? x : 0) + log(1 + e);
    return pr__sigmoid_of(x, e);
}
static inline float pr__sigmoidf(float x) {
    if (x >= 0) return 1 / (1 + expf(-x));
    float e = expf(x);
    return e / (1 + e);
}

/* exp, tanh and σ for float32 in straight-line code the compiler vectorises (libm's
 * are calls it cannot): Cephes' expf range reduction (x = n ln 2 + r, the rounding
 * by adding and subtracting 1.5 2^23) and degree-7 polynomial, 2^n from the exponent
 * bits; relative error below 3e-7 on [-87, 88], arguments clamped there. tanh is
 * Cephes' odd polynomial below |x| = 0.625 and 1 - 2/(e^2|x| + 1) above. For the
 * recurrent cells and attention's softmax in float32 (float64 uses libm). */
static inline float pr__expf_fast(float x) {
    x = x < -87.0f ? -87.0f : x > 88.0f ? 88.0f : x;
    float fn = x * 1.44269504088896341f + 12582912.0f;
    fn -= 12582912.0f;
    float r = x - fn * 0.693359375f;
    r = r - fn * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    int32_t bits = ((int32_t)fn + 127) * (1 << 23);
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}
static inline float pr__tanhf_fast(float x) {
    float ax = fabsf(x), z = x * x;
    float small =
        ((((-5.70498872745e-3f * z + 2.06390887954e-2f) * z - 5.37397155531e-2f) * z + 1.33314422036e-1f) * z -
         3.33332819422e-1f) * z * x + x;
    float big = 1.0f - 2.0f / (pr__expf_fast(2.0f * ax) + 1.0f);
    big = x < 0 ? -big : big;
    return ax < 0.625f ? small : big;
}
static inline float pr__sigmoidf_fast(float x) { return 1.0f / (1.0f + pr__expf_fast(-x)); }
/* erf by Abramowitz and Stegun's 7.1.26 (absolute error below 1.5e-7, the size of
 * float32 rounding near 1), for GELU in float32. */
static inline float pr__erff_exp_fast(float x, float *gauss) {
    float ax = fabsf(x), t = 1.0f / (1.0f + 0.3275911f * ax);
    float poly = ((((1.061405429f * t - 1.453152027f) * t + 1.421413741f) * t - 0.284496736f) * t + 0.254829592f) * t;
    float e = pr__expf_fast(-ax * ax);
    float r = 1.0f - poly * e;
    *gauss = e; /* exp(-x²), which the formula needs anyway: GELU's slope uses it too */
    return x < 0 ? -r : r;
}
static inline float pr__erff_fast(float x) {
    float gauss;
    return pr__erff_exp_fast(x, &gauss);
}
/* erf(x) and exp(-x²) in float64 (libm) */
static inline double pr__erf_exp(double x, double *gauss) {
    *gauss = exp(-x * x);
    return erf(x);
}
/* The stable softmax of the n values x[0], x[stride], ..., x[(n-1) stride]: the
 * maximum is subtracted before exp and the sum is kept in double. Writes the softmax
 * (or, with log_form, the log-softmax) to out at the same stride (out may be x; NULL
 * computes nothing but the return value) and returns the log-sum-exp. A row of -inf
 * (every entry masked) gives zeros (log-softmax -inf) and returns -inf, not NaN. The
 * one softmax of primer. */
double pr__softmax_f32(const float *x, int64_t n, int64_t stride, float *out, int log_form);
double pr__softmax_f64(const double *x, int64_t n, int64_t stride, double *out, int log_form);

/* ---- float templates ------------------------------------------------------- */

#define PR_CAT_(a, b) a##b
#define PR_CAT(a, b) PR_CAT_(a, b)

/* Counter-based draws: element `index` of the SplitMix64 sequence that starts at
 * `stream`, so a value depends only on (stream, index), never on which thread or
 * process asks or in what order (dropout masks, a VAE's noise). */
uint64_t pr__counter_u64(uint64_t stream, uint64_t index);
double pr__counter_uniform(uint64_t stream, uint64_t index); /* [0, 1), 53 bits */
/* N(0, 1): Box-Muller of the draws 2 index and 2 index + 1. */
double pr__counter_normal(uint64_t stream, uint64_t index);

#endif /* PRIMER_INTERNAL_H */
