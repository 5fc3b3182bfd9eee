/* Tensor creation, copies, shape changes and element access. */
#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"

/* ---- dtypes ---------------------------------------------------------------- */

const char *pr_dtype_name(pr_dtype dtype) {
    switch (dtype) {
#define PR_X_(name, value, ctype, str, size) \
    case name:                               \
        return str;
        PR_DTYPE_LIST(PR_X_)
#undef PR_X_
    }
    return "invalid";
}

size_t pr_dtype_size(pr_dtype dtype) {
    switch (dtype) {
#define PR_X_(name, value, ctype, str, size) \
    case name:                               \
        return size;
        PR_DTYPE_LIST(PR_X_)
#undef PR_X_
    }
    return 0;
}

int pr_dtype_is_float(pr_dtype dtype) { return dtype == PR_F32 || dtype == PR_F64; }

float *pr_tensor_f32(const pr_tensor *t) { return t && t->dtype == PR_F32 ? t->data : NULL; }
double *pr_tensor_f64(const pr_tensor *t) { return t && t->dtype == PR_F64 ? t->data : NULL; }
int32_t *pr_tensor_i32(const pr_tensor *t) { return t && t->dtype == PR_I32 ? t->data : NULL; }
int64_t *pr_tensor_i64(const pr_tensor *t) { return t && t->dtype == PR_I64 ? t->data : NULL; }

/* ---- validation helpers -------------------------------------------------------- */

pr_status pr__shape_count(int ndim, const int64_t *shape, const pr_limits *limits,
                          int64_t *count) {
    if (ndim < 0 || ndim > PR_MAX_DIMS)
        return pr__fail(PR_ERR_INVALID, "rank %d is outside 0..%d", ndim, PR_MAX_DIMS);
    if (ndim > 0 && !shape) return pr__fail(PR_ERR_INVALID, "shape is NULL for rank %d", ndim);
    pr_limits lim = pr_limits_resolve(limits);
    uint64_t n = 1;
    for (int i = 0; i < ndim; i++) {
        if (shape[i] < 0)
            return pr__fail(PR_ERR_INVALID, "negative extent %lld on axis %d",
                            (long long)shape[i], i);
        if (__builtin_mul_overflow(n, (uint64_t)shape[i], &n) || n > (uint64_t)INT64_MAX)
            return pr__fail(PR_ERR_OVERFLOW, "element count overflows at axis %d", i);
    }
    if (n > lim.max_elements)
        return pr__fail(PR_ERR_LIMIT, "%llu elements exceed the limit of %llu",
                        (unsigned long long)n, (unsigned long long)lim.max_elements);
    *count = (int64_t)n;
    return PR_OK;
}

pr_status pr__tensor_alloc(pr_tensor **out, pr_dtype dtype, int ndim, const int64_t *shape,
                           bool zero) {
    if (!out) return pr__fail(PR_ERR_INVALID, "output pointer is NULL");
    size_t esize = pr_dtype_size(dtype);
    if (!esize) return pr__fail(PR_ERR_DTYPE, "invalid dtype %d", (int)dtype);
    int64_t count;
    pr_status st = pr__shape_count(ndim, shape, NULL, &count);
    if (st) return st;
    size_t bytes;
    if (!pr__mul_size((size_t)count, esize, &bytes))
        return pr__fail(PR_ERR_OVERFLOW, "tensor of %lld %s elements overflows", (long long)count,
                        pr_dtype_name(dtype));
    pr_tensor *t = pr__malloc(sizeof *t);
    if (!t) return PR_ERR_NOMEM;
    t->data = pr__alloc(bytes, zero);
    if (!t->data) {
        free(t);
        return PR_ERR_NOMEM;
    }
    for (int i = 0; i < PR_MAX_DIMS; i++) t->shape[i] = i < ndim ? shape[i] : 1;
    t->size = count;
    t->dtype = dtype;
    t->ndim = ndim;
    t->flags = PR_TENSOR_OWNS_DATA | PR_TENSOR_HEAP;
    *out = t;
    return PR_OK;
}

pr_status pr__require_tensor(const pr_tensor *t, const char *op, const char *name) {
    if (!t) return pr__fail(PR_ERR_INVALID, "%s: %s is NULL", op, name);
    if (!pr_dtype_size(t->dtype)) return pr__fail(PR_ERR_DTYPE, "%s: %s has an invalid dtype", op, name);
    return PR_OK;
}

pr_status pr__require_float(const pr_tensor *t, const char *op) {
    if (!t) return pr__fail(PR_ERR_INVALID, "%s: tensor is NULL", op);
    if (!pr_dtype_is_float(t->dtype))
        return pr__fail(PR_ERR_DTYPE, "%s: needs float32 or float64, got %s", op,
                        pr_dtype_name(t->dtype));
    return PR_OK;
}

pr_status pr__require_same_dtype(const pr_tensor *a, const pr_tensor *b, const char *op) {
    if (a->dtype != b->dtype)
        return pr__fail(PR_ERR_DTYPE, "%s: dtypes differ (%s and %s); cast one first", op,
                        pr_dtype_name(a->dtype), pr_dtype_name(b->dtype));
    return PR_OK;
}

pr_status pr__normalize_axis(int axis, int ndim, const char *op, int *out) {
    int a = axis < 0 ? axis + ndim : axis;
    if (a < 0 || a >= ndim)
        return pr__fail(PR_ERR_INVALID, "%s: axis %d is out of range for rank %d", op, axis, ndim);
    *out = a;
    return PR_OK;
}

/* ---- element access ------------------------------------------------------------ */

double pr_tensor_get(const pr_tensor *t, int64_t i) {
    assert(i >= 0 && i < t->size);
    switch (t->dtype) {
    case PR_F32: return ((const float *)t->data)[i];
    case PR_F64: return ((const double *)t->data)[i];
    case PR_I32: return ((const int32_t *)t->data)[i];
    case PR_I64: return (double)((const int64_t *)t->data)[i];
    }
    return NAN;
}

/* Float-to-integer conversion that never invokes undefined behaviour. */
static int64_t clamp_to_i64(double v, int64_t lo, int64_t hi) {
    if (isnan(v)) return 0;
    if (v <= (double)lo) return lo;
    if (v >= (double)hi) return hi;
    return (int64_t)v;
}

void pr_tensor_set(pr_tensor *t, int64_t i, double v) {
    assert(i >= 0 && i < t->size);
    switch (t->dtype) {
    case PR_F32: ((float *)t->data)[i] = (float)v; break;
    case PR_F64: ((double *)t->data)[i] = v; break;
    case PR_I32: ((int32_t *)t->data)[i] = (int32_t)clamp_to_i64(v, INT32_MIN, INT32_MAX); break;
    case PR_I64: ((int64_t *)t->data)[i] = clamp_to_i64(v, INT64_MIN, INT64_MAX); break;
    }
}

void pr_tensor_fill(pr_tensor *t, double v) {
    if (!t) return;
    switch (t->dtype) {
    case PR_F64: {
        double *d = t->data;
        for (int64_t i = 0; i < t->size; i++) d[i] = v;
        return;
    }
    case PR_F32: {
        float *d = t->data;
        float fv = (float)v;
        for (int64_t i = 0; i < t->size; i++) d[i] = fv;
        return;
    }
    default:
        for (int64_t i = 0; i < t->size; i++) pr_tensor_set(t, i, v);
    }
}

int pr_tensor_same_shape(const pr_tensor *a, const pr_tensor *b) {
    if (a->ndim != b->ndim) return 0;
    for (int i = 0; i < a->ndim; i++)
        if (a->shape[i] != b->shape[i]) return 0;
    return 1;
}

const char *pr_shape_format(const pr_tensor *t, char *buf, size_t len) {
    if (!len) return buf;
    size_t pos = 0;
    int n = snprintf(buf, len, "(");
    pos = n > 0 ? (size_t)n : 0;
    for (int i = 0; t && i < t->ndim && pos < len; i++) {
        n = snprintf(buf + pos, len - pos, i ? ", %lld" : "%lld", (long long)t->shape[i]);
        if (n > 0) pos += (size_t)n;
    }
    if (t && t->ndim == 1 && pos < len) {
        n = snprintf(buf + pos, len - pos, ",");
        if (n > 0) pos += (size_t)n;
    }
    if (pos < len) snprintf(buf + pos, len - pos, ")");
    return buf;
}

/* Index of the first non-finite element, or -1. x * 0 is ±0 for finite x and NaN
 * for NaN or ±inf, so a block whose products sum to zero is all finite. The sums
 * run in LANES independent accumulators, which the compiler turns into vector
 * adds (a single running sum would be one long chain of dependent additions); only
 * a failing block is searched element by element. */
#define LANES 8
static int64_t first_nonfinite(const pr_tensor *t) {
    const int64_t block = 256;
    for (int64_t start = 0; start < t->size; start += block) {
        int64_t end = start + block < t->size ? start + block : t->size, i = start;
        double acc[LANES] = {0};
        if (t->dtype == PR_F64) {
            const double *d = t->data;
            for (; i + LANES <= end; i += LANES)
                for (int k = 0; k < LANES; k++) acc[k] += d[i + k] * 0.0;
            for (; i < end; i++) acc[0] += d[i] * 0.0;
        } else {
            const float *f = t->data;
            for (; i + LANES <= end; i += LANES)
                for (int k = 0; k < LANES; k++) acc[k] += (double)f[i + k] * 0.0;
            for (; i < end; i++) acc[0] += (double)f[i] * 0.0;
        }
        double sum = 0;
        for (int k = 0; k < LANES; k++) sum += acc[k];
        if (sum == 0) continue;
        for (i = start; i < end; i++)
            if (!isfinite(pr_tensor_get(t, i))) return i;
    }
    return -1;
}
#undef LANES

pr_status pr_tensor_check_finite(const pr_tensor *t, const char *what) {
    if (!t) return pr__fail(PR_ERR_INVALID, "%s is NULL", what);
    if (!pr_dtype_is_float(t->dtype)) return PR_OK;
    int64_t i = first_nonfinite(t);
    if (i < 0) return PR_OK;
    double v = pr_tensor_get(t, i);
    if (t->ndim == 2)
        return pr__fail(PR_ERR_NONFINITE, "%s holds %s at row %lld, column %lld", what,
                        isnan(v) ? "NaN" : "infinity", (long long)(i / t->shape[1]),
                        (long long)(i % t->shape[1]));
    return pr__fail(PR_ERR_NONFINITE, "%s holds %s at flat index %lld", what, isnan(v) ? "NaN" : "infinity",
                    (long long)i);
}

/* ---- creation -------------------------------------------------------------- */

pr_status pr_tensor_zeros(pr_tensor **out, pr_dtype dtype, int ndim, const int64_t *shape) {
    return pr__tensor_alloc(out, dtype, ndim, shape, true);
}

pr_status pr_tensor_full(pr_tensor **out, pr_dtype dtype, int ndim, const int64_t *shape,
                         double value) {
    pr_tensor *t;
    pr_status st = pr__tensor_alloc(&t, dtype, ndim, shape, false);
    if (st) return st;
    pr_tensor_fill(t, value);
    *out = t;
    return PR_OK;
}

pr_status pr_tensor_ones(pr_tensor **out, pr_dtype dtype, int ndim, const int64_t *shape) {
    return pr_tensor_full(out, dtype, ndim, shape, 1.0);
}

pr_status pr_tensor_from_array(pr_tensor **out, pr_dtype dtype, int ndim, const int64_t *shape,
                               const void *src) {
    pr_tensor *t;
    pr_status st = pr__tensor_alloc(&t, dtype, ndim, shape, false);
    if (st) return st;
    if (!src && t->size) {
        pr_tensor_free(t);
        return pr__fail(PR_ERR_INVALID, "tensor_from_array: source is NULL");
    }
    if (t->size) memcpy(t->data, src, (size_t)t->size * pr_dtype_size(dtype));
    *out = t;
    return PR_OK;
}

pr_status pr_tensor_eye(pr_tensor **out, pr_dtype dtype, int64_t n) {
    pr_tensor *t;
    pr_status st = pr__tensor_alloc(&t, dtype, PR_SHAPE(n, n), true);
    if (st) return st;
    for (int64_t i = 0; i < n; i++) pr_tensor_set(t, i * n + i, 1.0);
    *out = t;
    return PR_OK;
}

pr_status pr_tensor_arange(pr_tensor **out, pr_dtype dtype, double start, double stop,
                           double step) {
    if (!isfinite(start) || !isfinite(stop) || !isfinite(step) || step == 0.0)
        return pr__fail(PR_ERR_INVALID, "arange: start, stop and step must be finite, step non-zero");
    double span = ceil((stop - start) / step);
    if (span > 9.0e18) return pr__fail(PR_ERR_LIMIT, "arange: too many elements");
    int64_t n = span > 0 ? (int64_t)span : 0;
    pr_tensor *t;
    pr_status st = pr__tensor_alloc(&t, dtype, PR_SHAPE(n), false);
    if (st) return st;
    for (int64_t i = 0; i < n; i++) pr_tensor_set(t, i, start + (double)i * step);
    *out = t;
    return PR_OK;
}

pr_status pr_tensor_linspace(pr_tensor **out, pr_dtype dtype, double start, double stop,
                             int64_t num) {
    if (!pr_dtype_is_float(dtype)) return pr__fail(PR_ERR_DTYPE, "linspace: needs a float dtype");
    if (num < 0) return pr__fail(PR_ERR_INVALID, "linspace: negative count %lld", (long long)num);
    if (!isfinite(start) || !isfinite(stop))
        return pr__fail(PR_ERR_INVALID, "linspace: endpoints must be finite");
    pr_tensor *t;
    pr_status st = pr__tensor_alloc(&t, dtype, PR_SHAPE(num), false);
    if (st) return st;
    double step = num > 1 ? (stop - start) / (double)(num - 1) : 0.0;
    for (int64_t i = 0; i < num; i++) pr_tensor_set(t, i, start + (double)i * step);
    if (num > 1) pr_tensor_set(t, num - 1, stop); /* exact endpoint, as NumPy */
    *out = t;
    return PR_OK;
}

pr_status pr_tensor_logspace(pr_tensor **out, pr_dtype dtype, double start, double stop,
                             int64_t num) {
    pr_tensor *t;
    pr_status st = pr_tensor_linspace(&t, dtype, start, stop, num);
    if (st) return st;
    for (int64_t i = 0; i < num; i++) pr_tensor_set(t, i, pow(10.0, pr_tensor_get(t, i)));
    *out = t;
    return PR_OK;
}

pr_status pr_tensor_copy(const pr_tensor *t, pr_tensor **out) {
    pr_status st = pr__require_tensor(t, "copy", "tensor");
    if (st) return st;
    return pr_tensor_from_array(out, t->dtype, t->ndim, t->shape, t->data);
}

pr_status pr_tensor_cast(const pr_tensor *t, pr_dtype dtype, pr_tensor **out) {
    pr_status st = pr__require_tensor(t, "cast", "tensor");
    if (st) return st;
    if (t->dtype == dtype) return pr_tensor_copy(t, out);
    if (!pr_dtype_is_float(dtype)) {
        double lo = dtype == PR_I32 ? (double)INT32_MIN : -9223372036854775808.0;
        double hi = dtype == PR_I32 ? (double)INT32_MAX + 1.0 : 9223372036854775808.0;
        for (int64_t i = 0; i < t->size; i++) {
            double v = pr_tensor_get(t, i);
            if (!(v >= lo && v < hi))
                return pr__fail(PR_ERR_INVALID, "cast to %s: value %g at index %lld is out of range",
                                pr_dtype_name(dtype), v, (long long)i);
        }
    }
    pr_tensor *r;
    st = pr__tensor_alloc(&r, dtype, t->ndim, t->shape, false);
    if (st) return st;
    if (t->dtype == PR_I64 && dtype == PR_I32) {
        /* Exact integer narrowing (values were range-checked above). */
        const int64_t *s = t->data;
        int32_t *d = r->data;
        for (int64_t i = 0; i < t->size; i++) d[i] = (int32_t)s[i];
    } else if (t->dtype == PR_I32 && dtype == PR_I64) {
        const int32_t *s = t->data;
        int64_t *d = r->data;
        for (int64_t i = 0; i < t->size; i++) d[i] = s[i];
    } else {
        for (int64_t i = 0; i < t->size; i++) pr_tensor_set(r, i, pr_tensor_get(t, i));
    }
    *out = r;
    return PR_OK;
}

void pr_tensor_free(pr_tensor *t) {
    if (!t) return;
    if (t->flags & PR_TENSOR_OWNS_DATA) pr__free(t->data);
    if (t->flags & PR_TENSOR_HEAP) free(t);
}

/* ---- shape changes ------------------------------------------------------------ */

pr_status pr_tensor_reshape(pr_tensor *t, int ndim, const int64_t *shape) {
    pr_status st = pr__require_tensor(t, "reshape", "tensor");
    if (st) return st;
    if (ndim < 0 || ndim > PR_MAX_DIMS)
        return pr__fail(PR_ERR_INVALID, "reshape: rank %d is outside 0..%d", ndim, PR_MAX_DIMS);
    int64_t resolved[PR_MAX_DIMS];
    int infer = -1;
    int64_t known = 1;
    for (int i = 0; i < ndim; i++) {
        if (shape[i] == -1) {
            if (infer >= 0) return pr__fail(PR_ERR_INVALID, "reshape: more than one -1 extent");
            infer = i;
            resolved[i] = 1;
            continue;
        }
        if (shape[i] < 0)
            return pr__fail(PR_ERR_INVALID, "reshape: negative extent %lld", (long long)shape[i]);
        resolved[i] = shape[i];
        if (__builtin_mul_overflow(known, shape[i], &known))
            return pr__fail(PR_ERR_OVERFLOW, "reshape: element count overflows");
    }
    char from[96];
    if (infer >= 0) {
        if (known == 0 || t->size % known != 0)
            return pr__fail(PR_ERR_SHAPE, "reshape: cannot infer -1 to fit %lld elements of %s",
                            (long long)t->size, pr_shape_format(t, from, sizeof from));
        resolved[infer] = t->size / known;
        known = t->size;
    }
    if (known != t->size)
        return pr__fail(PR_ERR_SHAPE, "reshape: %s has %lld elements, the new shape %lld",
                        pr_shape_format(t, from, sizeof from), (long long)t->size,
                        (long long)known);
    for (int i = 0; i < PR_MAX_DIMS; i++) t->shape[i] = i < ndim ? resolved[i] : 1;
    t->ndim = ndim;
    return PR_OK;
}

static pr_status check_row_range(const pr_tensor *t, int64_t start, int64_t stop, const char *op) {
    pr_status st = pr__require_tensor(t, op, "tensor");
    if (st) return st;
    if (t->ndim < 1) return pr__fail(PR_ERR_SHAPE, "%s: needs rank >= 1", op);
    if (start < 0 || stop < start || stop > t->shape[0])
        return pr__fail(PR_ERR_INVALID, "%s: rows [%lld, %lld) are outside [0, %lld)", op,
                        (long long)start, (long long)stop, (long long)t->shape[0]);
    return PR_OK;
}

/* Elements per index of axis 0 (the product of the other extents). */
static int64_t row_elements(const pr_tensor *t) {
    int64_t n = 1;
    for (int i = 1; i < t->ndim; i++) n *= t->shape[i];
    return n;
}

static size_t row_bytes(const pr_tensor *t) {
    return (size_t)row_elements(t) * pr_dtype_size(t->dtype);
}

pr_status pr_tensor_view_rows(const pr_tensor *t, int64_t start, int64_t stop, pr_tensor *view) {
    pr_status st = check_row_range(t, start, stop, "view_rows");
    if (st) return st;
    *view = *t;
    view->data = (char *)t->data + (size_t)start * row_bytes(t);
    view->shape[0] = stop - start;
    view->size = row_elements(t) * (stop - start);
    view->flags = 0;
    return PR_OK;
}

pr_status pr_tensor_rows(const pr_tensor *t, int64_t start, int64_t stop, pr_tensor **out) {
    pr_tensor view;
    pr_status st = pr_tensor_view_rows(t, start, stop, &view);
    if (st) return st;
    return pr_tensor_copy(&view, out);
}

pr_status pr_tensor_take_rows(const pr_tensor *t, const int64_t *idx, int64_t n,
                              pr_tensor **out) {
    pr_status st = check_row_range(t, 0, 0, "take_rows");
    if (st) return st;
    if (n < 0 || (n > 0 && !idx)) return pr__fail(PR_ERR_INVALID, "take_rows: bad index list");
    for (int64_t i = 0; i < n; i++)
        if (idx[i] < 0 || idx[i] >= t->shape[0])
            return pr__fail(PR_ERR_INVALID, "take_rows: index %lld (position %lld) is outside [0, %lld)",
                            (long long)idx[i], (long long)i, (long long)t->shape[0]);
    int64_t shape[PR_MAX_DIMS];
    memcpy(shape, t->shape, sizeof shape);
    shape[0] = n;
    pr_tensor *r;
    st = pr__tensor_alloc(&r, t->dtype, t->ndim, shape, false);
    if (st) return st;
    size_t rb = row_bytes(t);
    for (int64_t i = 0; i < n; i++)
        memcpy((char *)r->data + (size_t)i * rb, (const char *)t->data + (size_t)idx[i] * rb, rb);
    *out = r;
    return PR_OK;
}

pr_status pr_tensor_transpose(const pr_tensor *t, const int *perm, pr_tensor **out) {
    pr_status st = pr__require_tensor(t, "transpose", "tensor");
    if (st) return st;
    int p[PR_MAX_DIMS];
    int seen[PR_MAX_DIMS] = {0};
    for (int i = 0; i < t->ndim; i++) {
        p[i] = perm ? perm[i] : t->ndim - 1 - i;
        if (p[i] < 0 || p[i] >= t->ndim || seen[p[i]]++)
            return pr__fail(PR_ERR_INVALID, "transpose: axis order is not a permutation of 0..%d",
                            t->ndim - 1);
    }
    int64_t shape[PR_MAX_DIMS];
    for (int i = 0; i < t->ndim; i++) shape[i] = t->shape[p[i]];
    pr_tensor *r;
    st = pr__tensor_alloc(&r, t->dtype, t->ndim, shape, false);
    if (st) return st;
    size_t es = pr_dtype_size(t->dtype);
    if (t->ndim == 2 && p[0] == 1) {
        /* The common matrix case, blocked for cache locality. */
        int64_t m = t->shape[0], n = t->shape[1];
        const int64_t B = 32;
        for (int64_t i0 = 0; i0 < m; i0 += B)
            for (int64_t j0 = 0; j0 < n; j0 += B)
                for (int64_t i = i0; i < i0 + B && i < m; i++)
                    for (int64_t j = j0; j < j0 + B && j < n; j++)
                        memcpy((char *)r->data + ((size_t)j * (size_t)m + (size_t)i) * es,
                               (const char *)t->data + ((size_t)i * (size_t)n + (size_t)j) * es, es);
    } else {
        /* Source strides, permuted into output order, walked with a counter. */
        int64_t src_stride[PR_MAX_DIMS], stride = 1;
        for (int i = t->ndim - 1; i >= 0; i--) {
            src_stride[i] = stride;
            stride *= t->shape[i];
        }
        int64_t ps[PR_MAX_DIMS], idx[PR_MAX_DIMS] = {0};
        for (int i = 0; i < t->ndim; i++) ps[i] = src_stride[p[i]];
        int64_t off = 0;
        for (int64_t k = 0; k < r->size; k++) {
            memcpy((char *)r->data + (size_t)k * es, (const char *)t->data + (size_t)off * es, es);
            for (int d = t->ndim - 1; d >= 0; d--) {
                off += ps[d];
                if (++idx[d] < shape[d]) break;
                off -= ps[d] * shape[d];
                idx[d] = 0;
            }
        }
    }
    *out = r;
    return PR_OK;
}

pr_status pr_tensor_concat(const pr_tensor *const *ts, int n, int axis, pr_tensor **out) {
    if (!ts || n < 1) return pr__fail(PR_ERR_INVALID, "concat: needs at least one tensor");
    for (int k = 0; k < n; k++) {
        pr_status st = pr__require_tensor(ts[k], "concat", "input");
        if (st) return st;
    }
    const pr_tensor *first = ts[0];
    int ax = 0;
    pr_status st = pr__normalize_axis(axis, first->ndim, "concat", &ax);
    if (st) return st;
    int64_t shape[PR_MAX_DIMS];
    memcpy(shape, first->shape, sizeof shape);
    shape[ax] = 0;
    for (int k = 0; k < n; k++) {
        const pr_tensor *t = ts[k];
        st = pr__require_same_dtype(first, t, "concat");
        if (st) return st;
        char a[96], b[96];
        if (t->ndim != first->ndim)
            return pr__fail(PR_ERR_SHAPE, "concat: input %d has shape %s, input 0 has %s", k,
                            pr_shape_format(t, a, sizeof a), pr_shape_format(first, b, sizeof b));
        for (int d = 0; d < t->ndim; d++)
            if (d != ax && t->shape[d] != first->shape[d])
                return pr__fail(PR_ERR_SHAPE, "concat along axis %d: input %d has shape %s, input 0 has %s",
                                ax, k, pr_shape_format(t, a, sizeof a),
                                pr_shape_format(first, b, sizeof b));
        shape[ax] += t->shape[ax];
    }
    pr_tensor *r;
    st = pr__tensor_alloc(&r, first->dtype, first->ndim, shape, false);
    if (st) return st;
    /* Each input is `outer` blocks of shape[ax..] elements; interleave the blocks. */
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < ax; d++) outer *= shape[d];
    for (int d = ax + 1; d < first->ndim; d++) inner *= shape[d];
    size_t es = pr_dtype_size(first->dtype);
    char *dst = r->data;
    for (int64_t o = 0; o < outer; o++)
        for (int k = 0; k < n; k++) {
            size_t bytes = (size_t)(ts[k]->shape[ax] * inner) * es;
            memcpy(dst, (const char *)ts[k]->data + (size_t)o * bytes, bytes);
            dst += bytes;
        }
    *out = r;
    return PR_OK;
}
