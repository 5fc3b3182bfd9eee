/* primer/core.h — status and errors, dtypes, tensors, the random generator.
 *
 * Conventions used by every primer header:
 *  - Every fallible function returns a pr_status. PR_OK (0) is success; any
 *    other value is a failure and pr_last_error() holds a readable message for
 *    the calling thread (what went wrong, the shapes or values involved, and for
 *    data files the file, line and column).
 *  - Functions that produce a new object write it to an `out` pointer argument.
 *    On failure *out is left untouched and nothing is leaked. The caller owns
 *    what it receives and releases it with the matching _free function.
 *  - The library never exits, aborts or prints on its own.
 */
#ifndef PRIMER_CORE_H
#define PRIMER_CORE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "primer/version.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The version of the linked library, "X.Y.Z" (PR_VERSION_STRING is the headers'). */
const char *pr_version(void);

/* ------------------------------------------------------------------------ */
/* Status codes                                                              */
/* ------------------------------------------------------------------------ */

/* X(name, value, description): the one list of status codes. */
#define PR_STATUS_LIST(X)                                               \
    X(PR_OK, 0, "success")                                              \
    X(PR_ERR_INVALID, 1, "invalid argument")                            \
    X(PR_ERR_SHAPE, 2, "shape mismatch")                                \
    X(PR_ERR_DTYPE, 3, "unsupported or mismatched dtype")               \
    X(PR_ERR_NOMEM, 4, "out of memory")                                 \
    X(PR_ERR_OVERFLOW, 5, "size overflow")                              \
    X(PR_ERR_LIMIT, 6, "limit exceeded")                                \
    X(PR_ERR_IO, 7, "input/output error")                               \
    X(PR_ERR_FORMAT, 8, "malformed input")                              \
    X(PR_ERR_UNSUPPORTED, 9, "unsupported feature")                     \
    X(PR_ERR_SINGULAR, 10, "singular or ill-conditioned matrix")        \
    X(PR_ERR_NOT_PD, 11, "matrix not positive definite")                \
    X(PR_ERR_NO_CONVERGENCE, 12, "algorithm did not converge")          \
    X(PR_ERR_NONFINITE, 13, "non-finite value (NaN or infinity)")       \
    X(PR_ERR_NOT_FOUND, 14, "not found")                                \
    X(PR_ERR_INTERNAL, 15, "internal error")

typedef enum pr_status {
#define PR_X_(name, value, desc) name = value,
    PR_STATUS_LIST(PR_X_)
#undef PR_X_
} pr_status;

/* "PR_ERR_SHAPE" for PR_ERR_SHAPE; "PR_UNKNOWN_STATUS" for values outside the list. */
const char *pr_status_name(pr_status status);
/* A short description ("shape mismatch"). */
const char *pr_status_describe(pr_status status);

/* The message of the most recent failure on the calling thread, "" if none.
 * The pointer stays valid until the next primer call on this thread. */
const char *pr_last_error(void);
/* The status of the most recent failure on the calling thread (PR_OK if none). */
pr_status pr_last_status(void);
/* Forget the calling thread's last error. */
void pr_clear_error(void);

/* ------------------------------------------------------------------------ */
/* Data types                                                                */
/* ------------------------------------------------------------------------ */

/* X(name, value, C type, printable name, byte size). Value 0 is never a dtype,
 * so a zero-initialised options struct can mean "default". */
#define PR_DTYPE_LIST(X)                     \
    X(PR_F32, 1, float, "float32", 4)        \
    X(PR_F64, 2, double, "float64", 8)       \
    X(PR_I32, 3, int32_t, "int32", 4)        \
    X(PR_I64, 4, int64_t, "int64", 8)

typedef enum pr_dtype {
#define PR_X_(name, value, ctype, str, size) name = value,
    PR_DTYPE_LIST(PR_X_)
#undef PR_X_
} pr_dtype;

/* "float64" etc.; "invalid" for values outside the list. */
const char *pr_dtype_name(pr_dtype dtype);
/* Bytes per element; 0 for values outside the list. */
size_t pr_dtype_size(pr_dtype dtype);
/* 1 for PR_F32 and PR_F64. */
int pr_dtype_is_float(pr_dtype dtype);

/* ------------------------------------------------------------------------ */
/* Limits shared by every reader and every allocation of element storage     */
/* ------------------------------------------------------------------------ */

#define PR_MAX_DIMS 8

/* Configuration structs. Every config of primer starts from its defaults, a
 * PR_..._DEFAULTS initializer or a pr_..._defaults() function documented beside it,
 * and every field means what it says: 0 is 0 (a momentum of 0, a focal gamma of 0, an
 * alpha of 0), never "the default". Where a default depends on other settings (a
 * solver's tolerance, the run's length) the defaults hold PR_UNSET (reals) or
 * PR_UNSET_INT (counts), which no valid value equals. A NULL config pointer means
 * the defaults. */
#define PR_UNSET (__builtin_nan(""))
#define PR_UNSET_INT (-1)
/* For label losses and metrics: no label value is skipped as padding. */
#define PR_NO_IGNORE INT64_MIN

/* Bounds that every parser checks with overflow-safe arithmetic before it
 * allocates or reads, so a hostile file cannot make primer allocate or read
 * out of bounds. Start from PR_LIMITS_DEFAULTS and lower what you need:
 *     pr_limits l = PR_LIMITS_DEFAULTS;  l.max_elements = 1000; */
typedef struct pr_limits {
    uint64_t max_file_bytes;   /* default 4 GiB */
    uint64_t max_elements;     /* default 2^32 elements in one tensor */
    uint64_t max_header_bytes; /* an NPY header; default 64 KiB (a CSV header is a line) */
    uint64_t max_line_bytes;   /* one CSV line; default 16 MiB */
    uint64_t max_columns;      /* CSV columns; default 1,000,000 */
    int max_rank;              /* tensor rank in a file, at most PR_MAX_DIMS; default PR_MAX_DIMS */
    uint64_t max_metadata_bytes; /* a safetensors header (tensor list and metadata, where model files
                                    keep feature names, standardisation and encodings); default
                                    100,000,000, the format's own limit; 0 reads as the default */
} pr_limits;

#define PR_LIMITS_DEFAULTS                                                                                 \
    ((pr_limits){.max_file_bytes = UINT64_C(4) << 30, .max_elements = UINT64_C(1) << 32,                  \
                 .max_header_bytes = UINT64_C(64) << 10, .max_line_bytes = UINT64_C(16) << 20,             \
                 .max_columns = 1000000, .max_rank = PR_MAX_DIMS,                     \
                 .max_metadata_bytes = PR_SAFETENSORS_MAX_HEADER})
/* The safetensors format's own cap on its header (the reference implementation's). */
#define PR_SAFETENSORS_MAX_HEADER UINT64_C(100000000)

/* The defaults (PR_LIMITS_DEFAULTS). */
pr_limits pr_limits_default(void);
/* The limits a reader applies: *limits as given (a rank above PR_MAX_DIMS is capped
 * there), or the defaults for NULL. */
pr_limits pr_limits_resolve(const pr_limits *limits);

/* ------------------------------------------------------------------------ */
/* Tensors                                                                   */
/* ------------------------------------------------------------------------ */

/* An n-dimensional, row-major, contiguous array. The struct is exposed so that
 * C code can index `data` directly; treat the fields as read-only and use the
 * functions below to change shape or dtype.
 *
 * A tensor made by a pr_tensor_* constructor owns its 64-byte-aligned storage
 * and is released with pr_tensor_free(). A view (pr_tensor_view_rows) shares the
 * storage of its base, is a plain value that needs no free, and is valid only
 * while its base lives. */
typedef struct pr_tensor {
    void *data;                   /* `size` elements of `dtype`, row-major */
    int64_t shape[PR_MAX_DIMS];   /* shape[0..ndim-1]; the rest are 1 */
    int64_t size;                 /* product of the shape (1 for ndim 0) */
    pr_dtype dtype;
    int ndim;                     /* 0 (scalar) .. PR_MAX_DIMS */
    unsigned flags;               /* PR_TENSOR_OWNS_DATA, PR_TENSOR_HEAP */
} pr_tensor;

#define PR_TENSOR_OWNS_DATA 1u
#define PR_TENSOR_HEAP 2u

/* PR_SHAPE(3, 4) expands to the `ndim, shape` argument pair `2, (int64_t[]){3, 4}`. */
#define PR_SHAPE(...)                                                          \
    (int)(sizeof((const int64_t[]){__VA_ARGS__}) / sizeof(int64_t)),          \
        (const int64_t[]) { __VA_ARGS__ }

/* Typed access to the storage; NULL when the dtype differs. */
float *pr_tensor_f32(const pr_tensor *t);
double *pr_tensor_f64(const pr_tensor *t);
int32_t *pr_tensor_i32(const pr_tensor *t);
int64_t *pr_tensor_i64(const pr_tensor *t);

/* Creation. Each writes a new tensor to *out; free it with pr_tensor_free().
 * Errors: PR_ERR_INVALID (ndim outside 0..PR_MAX_DIMS, negative extent, bad
 * dtype), PR_ERR_OVERFLOW / PR_ERR_LIMIT (element count), PR_ERR_NOMEM. */
pr_status pr_tensor_zeros(pr_tensor **out, pr_dtype dtype, int ndim, const int64_t *shape);
pr_status pr_tensor_ones(pr_tensor **out, pr_dtype dtype, int ndim, const int64_t *shape);
pr_status pr_tensor_full(pr_tensor **out, pr_dtype dtype, int ndim, const int64_t *shape,
                         double value);
/* Copies size(shape) elements of `dtype` from `src`. */
pr_status pr_tensor_from_array(pr_tensor **out, pr_dtype dtype, int ndim, const int64_t *shape,
                               const void *src);
/* n x n identity. */
pr_status pr_tensor_eye(pr_tensor **out, pr_dtype dtype, int64_t n);
/* 1-D: start, start+step, ... while < stop (> stop for a negative step). */
pr_status pr_tensor_arange(pr_tensor **out, pr_dtype dtype, double start, double stop,
                           double step);
/* 1-D: `num` evenly spaced values from start to stop inclusive (float dtypes). */
pr_status pr_tensor_linspace(pr_tensor **out, pr_dtype dtype, double start, double stop,
                             int64_t num);
/* 1-D: 10^linspace(start, stop, num) (float dtypes). */
pr_status pr_tensor_logspace(pr_tensor **out, pr_dtype dtype, double start, double stop,
                             int64_t num);
/* Deep copy. */
pr_status pr_tensor_copy(const pr_tensor *t, pr_tensor **out);
/* Copy converted to `dtype` (float to int truncates toward zero; values out of
 * the integer range or non-finite give PR_ERR_INVALID). */
pr_status pr_tensor_cast(const pr_tensor *t, pr_dtype dtype, pr_tensor **out);
/* Release a tensor made by a constructor (NULL is allowed). */
void pr_tensor_free(pr_tensor *t);

/* Change the shape in place, keeping the data; one extent may be -1 (inferred).
 * PR_ERR_SHAPE when the element counts differ. */
pr_status pr_tensor_reshape(pr_tensor *t, int ndim, const int64_t *shape);
/* A non-owning view of rows [start, stop) along axis 0 (ndim >= 1). */
pr_status pr_tensor_view_rows(const pr_tensor *t, int64_t start, int64_t stop, pr_tensor *view);
/* A copy of rows [start, stop) along axis 0. */
pr_status pr_tensor_rows(const pr_tensor *t, int64_t start, int64_t stop, pr_tensor **out);
/* A copy of the rows listed in idx[0..n-1] (each in [0, t->shape[0])). */
pr_status pr_tensor_take_rows(const pr_tensor *t, const int64_t *idx, int64_t n,
                              pr_tensor **out);
/* Permute axes: out.shape[i] = t.shape[perm[i]]; perm NULL reverses the axes
 * (the matrix transpose for ndim 2). */
pr_status pr_tensor_transpose(const pr_tensor *t, const int *perm, pr_tensor **out);
/* Join n tensors of one dtype along `axis`; other extents must agree. */
pr_status pr_tensor_concat(const pr_tensor *const *ts, int n, int axis, pr_tensor **out);

/* Element access by flat (row-major) index, converted to/from double. No
 * bounds check beyond an assert: use for small tensors and tests. */
double pr_tensor_get(const pr_tensor *t, int64_t flat_index);
void pr_tensor_set(pr_tensor *t, int64_t flat_index, double value);
/* Set every element to `value`. */
void pr_tensor_fill(pr_tensor *t, double value);
/* 1 when both have the same ndim and extents. */
int pr_tensor_same_shape(const pr_tensor *a, const pr_tensor *b);
/* Writes "(3, 4)" into buf (at most len bytes, always terminated). */
const char *pr_shape_format(const pr_tensor *t, char *buf, size_t len);
/* PR_ERR_NONFINITE naming `what` and the first offending index when a float
 * tensor holds NaN or infinity; PR_OK for integer tensors. */
pr_status pr_tensor_check_finite(const pr_tensor *t, const char *what);

/* Print NumPy-style ("[3. 2.]", "[[ 1. -0.70710678]\n [ 0.  0.70710678]]"):
 * each value with the fewest fractional digits (at most 8) that read back
 * exactly, aligned on the decimal point; scientific notation when the
 * magnitudes call for it, as NumPy does. Returns what fprintf returned. */
int pr_tensor_fprint(FILE *f, const pr_tensor *t);
/* The same text into a new heap string (free with free()). */
pr_status pr_tensor_format(const pr_tensor *t, char **out);

/* ------------------------------------------------------------------------ */
/* Element-wise arithmetic with NumPy broadcasting                           */
/* ------------------------------------------------------------------------ */

/* X(enum name, short name). Comparisons give 1 or 0 in the operands' dtype. */
#define PR_BINARY_OP_LIST(X) \
    X(PR_ADD, "add")         \
    X(PR_SUB, "sub")         \
    X(PR_MUL, "mul")         \
    X(PR_DIV, "div")         \
    X(PR_POW, "pow")         \
    X(PR_MAXIMUM, "maximum") \
    X(PR_MINIMUM, "minimum") \
    X(PR_EQ, "eq")           \
    X(PR_NE, "ne")           \
    X(PR_LT, "lt")           \
    X(PR_LE, "le")           \
    X(PR_GT, "gt")           \
    X(PR_GE, "ge")

typedef enum pr_binary_op {
#define PR_X_(name, str) name,
    PR_BINARY_OP_LIST(PR_X_)
#undef PR_X_
    PR_BINARY_OP_COUNT
} pr_binary_op;

/* out = a (op) b with broadcasting (trailing axes aligned; an extent of 1
 * stretches). Both operands must have the same dtype. Integer tensors support
 * add, sub, mul (wrapping), maximum, minimum and the comparisons; div and pow
 * need a float dtype. Errors: PR_ERR_SHAPE naming both shapes, PR_ERR_DTYPE. */
pr_status pr_binary(pr_binary_op op, const pr_tensor *a, const pr_tensor *b, pr_tensor **out);
/* The same into an existing tensor whose shape is the broadcast shape. `out`
 * may be `a` or `b`, or a view whose memory partly overlaps them (pr_tensor_view_rows):
 * the result is then computed into a temporary first, as if the inputs were copies. */
pr_status pr_binary_into(pr_binary_op op, const pr_tensor *a, const pr_tensor *b, pr_tensor *out);
/* out = a (op) scalar. */
pr_status pr_binary_scalar(pr_binary_op op, const pr_tensor *a, double scalar, pr_tensor **out);
pr_status pr_add(const pr_tensor *a, const pr_tensor *b, pr_tensor **out);
pr_status pr_sub(const pr_tensor *a, const pr_tensor *b, pr_tensor **out);
pr_status pr_mul(const pr_tensor *a, const pr_tensor *b, pr_tensor **out);
pr_status pr_div(const pr_tensor *a, const pr_tensor *b, pr_tensor **out);

/* X(enum name, short name, also defined for integer dtypes). */
#define PR_UNARY_OP_LIST(X)  \
    X(PR_NEG, "neg", 1)      \
    X(PR_ABS, "abs", 1)      \
    X(PR_SIGN, "sign", 1)    \
    X(PR_SQUARE, "square", 1) \
    X(PR_RELU, "relu", 1)    \
    X(PR_SQRT, "sqrt", 0)    \
    X(PR_EXP, "exp", 0)      \
    X(PR_LOG, "log", 0)      \
    X(PR_LOG1P, "log1p", 0)  \
    X(PR_EXPM1, "expm1", 0)  \
    X(PR_TANH, "tanh", 0)    \
    X(PR_SIGMOID, "sigmoid", 0) \
    X(PR_ERF, "erf", 0)

typedef enum pr_unary_op {
#define PR_X_(name, str, ints) name,
    PR_UNARY_OP_LIST(PR_X_)
#undef PR_X_
    PR_UNARY_OP_COUNT
} pr_unary_op;

/* out = op(a) element-wise. The sigmoid never overflows (it branches on the
 * sign). Float-only ops on an integer tensor give PR_ERR_DTYPE. */
pr_status pr_unary(pr_unary_op op, const pr_tensor *a, pr_tensor **out);
pr_status pr_unary_into(pr_unary_op op, const pr_tensor *a, pr_tensor *out); /* overlap as above */
/* The softmax exp(a - max) / Σ exp(a - max) along `axis` of a float tensor, or the
 * log-softmax a - logsumexp(a); stable for any magnitude (the maximum is subtracted,
 * sums are kept in double). A slice that is -inf throughout gives zeros (log-softmax
 * -inf). PR_ERR_INVALID for an empty axis. */
pr_status pr_softmax(const pr_tensor *a, int axis, pr_tensor **out);
pr_status pr_log_softmax(const pr_tensor *a, int axis, pr_tensor **out);
/* out = min(max(a, lo), hi) (float dtypes; lo <= hi). */
pr_status pr_clip(const pr_tensor *a, double lo, double hi, pr_tensor **out);
/* out = cond != 0 ? a : b, with broadcasting over all three (one dtype). */
pr_status pr_where(const pr_tensor *cond, const pr_tensor *a, const pr_tensor *b,
                   pr_tensor **out);

/* ------------------------------------------------------------------------ */
/* Convolution on plain tensors (chapter 10)                                 */
/* ------------------------------------------------------------------------ */

/* Scaled dot-product attention on plain matrices (Listings 11.1 and 11.2, Q11.7):
 * Q (Tq, d), K (Tk, d), V (Tk, dv) -> out = softmax(Q Kᵀ / sqrt(d)) V (Tq, dv) and
 * the weights (Tq, Tk) (either output may be NULL), float64. causal: query i sees
 * keys j <= i + (Tk - Tq) only; a query left with no key gets zero weights. */
pr_status pr_attention(const pr_tensor *Q, const pr_tensor *K, const pr_tensor *V, int causal, pr_tensor **out,
                       pr_tensor **weights);

/* What part of the full result a 2-D correlation or convolution keeps, as
 * scipy.signal names them: VALID only where the kernel lies wholly inside the image
 * ((H - kh + 1) x (W - kw + 1), Listing 10.1), SAME the image's size centred on the
 * full result, FULL every overlap ((H + kh - 1) x (W + kw - 1)). */
typedef enum pr_conv_mode { PR_CONV_VALID, PR_CONV_SAME, PR_CONV_FULL } pr_conv_mode;
/* What lies beyond the image: zeros, or the image repeated (circular, scipy's 'wrap'). */
typedef enum pr_conv_boundary { PR_BOUNDARY_ZERO, PR_BOUNDARY_WRAP } pr_conv_boundary;

/* 2-D cross-correlation out[i, j] = sum_pq image[i + p, j + q] kernel[p, q] (the
 * book's "convolution" of 10.2 and what CNN layers compute), as
 * scipy.signal.correlate2d: a 2-D float image and kernel, a new float64 result.
 * VALID needs a kernel no larger than the image. */
pr_status pr_correlate2d(const pr_tensor *image, const pr_tensor *kernel, pr_conv_mode mode,
                         pr_conv_boundary boundary, pr_tensor **out);
/* True convolution, the kernel flipped: out[i, j] = sum_pq image[i - p, j - q]
 * kernel[p, q], as scipy.signal.convolve2d (Listing 10.2 uses SAME with WRAP). */
pr_status pr_convolve2d(const pr_tensor *image, const pr_tensor *kernel, pr_conv_mode mode,
                        pr_conv_boundary boundary, pr_tensor **out);

/* Strides, padding and dilation of a convolution over images, per spatial axis
 * (index 0 the height, 1 the width). */
typedef struct pr_conv2d_params {
    int64_t stride[2];    /* >= 1 (default 1) */
    int64_t padding[2];   /* zeros added on each side, >= 0 (default 0) */
    int64_t dilation[2];  /* spacing of the kernel taps, >= 1 (default 1) */
} pr_conv2d_params;
#define PR_CONV2D_DEFAULTS ((pr_conv2d_params){.stride = {1, 1}, .padding = {0, 0}, .dilation = {1, 1}})

/* The output extent floor((n + 2 padding - dilation (kernel - 1) - 1) / stride) + 1
 * (10.2's formula with dilation, as PyTorch computes it); PR_ERR_INVALID for
 * stride or dilation < 1, negative sizes, or a window larger than the padded input. */
pr_status pr_conv_output_size(int64_t n, int64_t kernel, int64_t padding, int64_t stride, int64_t dilation,
                              int64_t *out);
/* The learnable parameters of a conv layer: out (in kh kw + bias) (Q10.1, Q10.5). */
int64_t pr_conv2d_param_count(int64_t in_channels, int64_t out_channels, int64_t kernel_h, int64_t kernel_w,
                              int bias);
/* The convolution of a CNN layer by direct loops, the reference the graph's im2col
 * kernels are tested against: x (N, C, H, W), weight (O, C, KH, KW), bias (O) or NULL
 * -> a new float64 (N, O, OH, OW), sums in double. params NULL: PR_CONV2D_DEFAULTS. */
pr_status pr_conv2d_reference(const pr_tensor *x, const pr_tensor *weight, const pr_tensor *bias,
                              const pr_conv2d_params *params, pr_tensor **out);

/* ------------------------------------------------------------------------ */
/* Reductions                                                                */
/* ------------------------------------------------------------------------ */

/* Pass as `axis` to reduce over every element. Negative axes count from the end. */
#define PR_AXIS_ALL (-128)

#define PR_REDUCE_OP_LIST(X) \
    X(PR_SUM, "sum")         \
    X(PR_MEAN, "mean")       \
    X(PR_MIN, "min")         \
    X(PR_MAX, "max")         \
    X(PR_ARGMIN, "argmin")   \
    X(PR_ARGMAX, "argmax")   \
    X(PR_VAR, "var")         \
    X(PR_STD, "std")

typedef enum pr_reduce_op {
#define PR_X_(name, str) name,
    PR_REDUCE_OP_LIST(PR_X_)
#undef PR_X_
    PR_REDUCE_OP_COUNT
} pr_reduce_op;

/* Reduce along `axis` (or PR_AXIS_ALL). keepdims keeps the reduced axis with
 * extent 1. Sums are pairwise (float32 accumulates in double); var/std are
 * two-pass with divisor n - ddof (ddof 0 or 1 are typical). min/max propagate
 * NaN. argmin/argmax give int64 indices (the first on ties; over PR_AXIS_ALL
 * the flat index). mean/var/std need a float dtype; integer sums are
 * overflow-checked. Reducing an empty axis is PR_ERR_INVALID except for sum. */
pr_status pr_reduce(pr_reduce_op op, const pr_tensor *t, int axis, int keepdims, int ddof,
                    pr_tensor **out);
/* Over every element, as a double. */
pr_status pr_reduce_all(pr_reduce_op op, const pr_tensor *t, int ddof, double *value);
pr_status pr_sum(const pr_tensor *t, int axis, int keepdims, pr_tensor **out);
pr_status pr_mean(const pr_tensor *t, int axis, int keepdims, pr_tensor **out);
pr_status pr_argmax(const pr_tensor *t, int axis, pr_tensor **out);
/* Cumulative sum along `axis` (same shape). */
pr_status pr_cumsum(const pr_tensor *t, int axis, pr_tensor **out);
/* int64 indices that sort the 1-D tensor t (stable; NaN last). */
pr_status pr_argsort(const pr_tensor *t, int descending, pr_tensor **out);

/* ------------------------------------------------------------------------ */
/* Random numbers                                                            */
/* ------------------------------------------------------------------------ */

/* A seeded generator: xoshiro256** (Blackman and Vigna) whose 256-bit state is
 * filled from the 64-bit seed by SplitMix64. Nothing in primer draws random
 * numbers except through a pr_rng the caller passes, so the same seed and the
 * same sequence of calls give the same bits on every run and every thread
 * count. Draws:
 *  - uniform double in [0, 1): the top 53 bits of a 64-bit output times 2^-53;
 *  - standard normal: Box-Muller on two uniforms, the second value cached;
 *  - integers below n: Lemire's multiply-and-reject method (unbiased);
 *  - permutation: Fisher-Yates from the last element down.
 * The struct may live on the stack; copy it to fork a stream, or call
 * pr_rng_jump() for a non-overlapping one (2^128 draws ahead). */
typedef struct pr_rng {
    uint64_t s[4];
    double spare_normal;
    int has_spare;
} pr_rng;

void pr_rng_seed(pr_rng *rng, uint64_t seed);
uint64_t pr_rng_next_u64(pr_rng *rng);
void pr_rng_jump(pr_rng *rng);
/* [0, 1). */
double pr_rng_uniform(pr_rng *rng);
/* Standard normal N(0, 1). */
double pr_rng_normal(pr_rng *rng);
/* Uniform integer in [0, n); n >= 1. */
uint64_t pr_rng_below(pr_rng *rng, uint64_t n);
/* 1 with probability p (uniform < p). */
int pr_rng_bernoulli(pr_rng *rng, double p);
/* Shuffle a[0..n-1] in place (Fisher-Yates). */
void pr_rng_shuffle(pr_rng *rng, int64_t *a, int64_t n);
/* out[0..n-1] = a random permutation of 0..n-1. */
void pr_rng_permutation(pr_rng *rng, int64_t n, int64_t *out);
/* out[0..k-1] = k distinct values of 0..n-1 in random order (partial
 * Fisher-Yates; needs O(n) scratch). PR_ERR_INVALID when k > n. */
pr_status pr_rng_sample_without_replacement(pr_rng *rng, int64_t n, int64_t k, int64_t *out);

/* Fill a float tensor in row-major order. */
pr_status pr_rng_fill_uniform(pr_rng *rng, pr_tensor *t, double lo, double hi);
pr_status pr_rng_fill_normal(pr_rng *rng, pr_tensor *t, double mean, double std);
/* Fill with 1 (probability p) or 0; any dtype. */
pr_status pr_rng_fill_bernoulli(pr_rng *rng, pr_tensor *t, double p);
/* New float tensors filled as above. */
pr_status pr_tensor_uniform(pr_tensor **out, pr_dtype dtype, int ndim, const int64_t *shape,
                            double lo, double hi, pr_rng *rng);
pr_status pr_tensor_normal(pr_tensor **out, pr_dtype dtype, int ndim, const int64_t *shape,
                           double mean, double std, pr_rng *rng);

/* NumPy's legacy generator, np.random.seed(s) / RandomState(s): the Mersenne Twister
 * MT19937 seeded as RandomState seeds it, with its uniform doubles (53 bits from two
 * outputs), its Gaussian draws (the polar method, the second value kept) and its
 * permutation (Fisher-Yates from the end with masked rejection). A listing that calls
 * np.random.seed(42) regenerates its very data with it, bit for bit (checked against
 * values NumPy produced). primer's own pr_rng stays the default everywhere else. */
typedef struct pr_numpy_rng {
    uint32_t key[624];
    int pos;
    int has_gauss;
    double gauss;
} pr_numpy_rng;

void pr_numpy_rng_seed(pr_numpy_rng *r, uint32_t seed);
/* The next 32-bit output of MT19937. */
uint32_t pr_numpy_rng_next_u32(pr_numpy_rng *r);
/* np.random.random_sample(): [0, 1). */
double pr_numpy_rng_uniform(pr_numpy_rng *r);
/* np.random.standard_normal() (and randn). */
double pr_numpy_rng_normal(pr_numpy_rng *r);
/* np.random.permutation(n): out[0..n-1]. */
void pr_numpy_rng_permutation(pr_numpy_rng *r, int64_t n, int64_t *out);
/* Fill a float tensor in row-major order as np.random.randn(*shape) * std + mean and
 * np.random.uniform(lo, hi, shape) would. */
pr_status pr_numpy_rng_fill_normal(pr_numpy_rng *r, pr_tensor *t, double mean, double std);
pr_status pr_numpy_rng_fill_uniform(pr_numpy_rng *r, pr_tensor *t, double lo, double hi);

/* ------------------------------------------------------------------------ */
/* Testing hook                                                              */
/* ------------------------------------------------------------------------ */

/* Make the n-th next allocation made by primer on the calling thread fail (1 =
 * the very next one); 0 turns injection off. Used by the tests to prove that
 * every error path releases what it took. */
void pr_debug_fail_allocation_after(long n);
/* Make the n-th next step of saving a file on the calling thread fail (1 = the very
 * next one; 0 turns injection off): the steps of every save are opening the new file,
 * writing it (as a full disk would, ENOSPC), syncing it (EIO) and renaming it into
 * place (EIO). Used by the tests to prove that a failed save leaves the previous file
 * as it was and no temporary behind. */
void pr_debug_fail_io_after(long n);
/* Allocations primer has made on the calling thread (tests check that a planned
 * training step makes none). */
uint64_t pr_debug_allocation_count(void);

#ifdef __cplusplus
}
#endif

#endif /* PRIMER_CORE_H */
