/* Element-wise arithmetic with broadcasting, reductions, cumsum, argsort. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"

/* One loop over n elements; in[k] advances by stride[k] (0 or 1) per element. */
typedef void (*pr_kernel_fn)(const void *const *in, const int64_t *stride, void *out, int64_t n);

#define T float
#define SFX f32
#define IS_FLOAT 1
#define MATH(fn) fn##f
#define SIGMOID(x) pr__sigmoidf(x)
#include "core/kernels.inc"
#undef T
#undef SFX
#undef IS_FLOAT
#undef MATH
#undef SIGMOID

#define T double
#define SFX f64
#define IS_FLOAT 1
#define MATH(fn) fn
#define SIGMOID(x) pr__sigmoid(x)
#include "core/kernels.inc"
#undef T
#undef SFX
#undef IS_FLOAT
#undef MATH
#undef SIGMOID

#define T int32_t
#define U uint32_t
#define SFX i32
#define IS_FLOAT 0
#include "core/kernels.inc"
#undef T
#undef U
#undef SFX
#undef IS_FLOAT

#define T int64_t
#define U uint64_t
#define SFX i64
#define IS_FLOAT 0
#include "core/kernels.inc"
#undef T
#undef U
#undef SFX
#undef IS_FLOAT

/* Per-dtype dispatch tables, indexed by pr_dtype. */
static const pr_kernel_fn *const binary_tables[] = {
    [PR_F32] = binary_table_f32, [PR_F64] = binary_table_f64,
    [PR_I32] = binary_table_i32, [PR_I64] = binary_table_i64,
};
static const pr_kernel_fn *const unary_tables[] = {
    [PR_F32] = unary_table_f32, [PR_F64] = unary_table_f64,
    [PR_I32] = unary_table_i32, [PR_I64] = unary_table_i64,
};
static const pr_kernel_fn where_kernels[] = {
    [PR_F32] = where_f32, [PR_F64] = where_f64, [PR_I32] = where_i32, [PR_I64] = where_i64,
};

static const char *const binary_names[] = {
#define PR_X_(name, str) [name] = str,
    PR_BINARY_OP_LIST(PR_X_)
#undef PR_X_
};
static const char *const unary_names[] = {
#define PR_X_(name, str, ints) [name] = str,
    PR_UNARY_OP_LIST(PR_X_)
#undef PR_X_
};
static const char *const reduce_names[] = {
#define PR_X_(name, str) [name] = str,
    PR_REDUCE_OP_LIST(PR_X_)
#undef PR_X_
};

/* ---- broadcasting ------------------------------------------------------------- */

pr_status pr__broadcast_plan(const pr_tensor *const *in, int k, const char *op, pr__broadcast *b) {
    memset(b, 0, sizeof *b);
    for (int j = 0; j < k; j++)
        if (in[j]->ndim > b->ndim) b->ndim = in[j]->ndim;
    for (int d = 0; d < b->ndim; d++) b->shape[d] = 1;
    for (int j = 0; j < k; j++) {
        int off = b->ndim - in[j]->ndim;
        for (int d = 0; d < in[j]->ndim; d++) {
            int64_t e = in[j]->shape[d];
            int64_t *o = &b->shape[off + d];
            if (e == *o || e == 1) continue;
            if (*o == 1) {
                *o = e;
                continue;
            }
            char s0[96], s1[96];
            return pr__fail(PR_ERR_SHAPE, "%s: shapes %s and %s cannot be broadcast together", op,
                            pr_shape_format(in[0], s0, sizeof s0),
                            pr_shape_format(in[j == 0 ? 1 : j], s1, sizeof s1));
        }
    }
    for (int j = 0; j < k; j++) {
        int off = b->ndim - in[j]->ndim;
        int64_t s = 1;
        for (int d = b->ndim - 1; d >= 0; d--) {
            int dd = d - off;
            int64_t e = dd >= 0 ? in[j]->shape[dd] : 1;
            b->stride[j][d] = (e == 1 && b->shape[d] != 1) ? 0 : s;
            s *= e;
        }
    }
    return PR_OK;
}

/* Run `fn` over every innermost row of the broadcast iteration space. */
static void broadcast_run(const pr__broadcast *b, const pr_tensor *const *in, int k, pr_tensor *out,
                          pr_kernel_fn fn) {
    size_t es = pr_dtype_size(out->dtype);
    int nd = b->ndim;
    int64_t inner = nd ? b->shape[nd - 1] : 1;
    if (out->size == 0 || inner == 0) return;
    int64_t inner_stride[PR__MAX_OPERANDS];
    int contiguous = 1;
    for (int j = 0; j < k; j++) {
        inner_stride[j] = nd ? b->stride[j][nd - 1] : 1;
        if (in[j]->size != out->size) contiguous = 0;
    }
    const void *ptr[PR__MAX_OPERANDS];
    if (contiguous) { /* no broadcasting at all: one flat loop */
        int64_t ones[PR__MAX_OPERANDS] = {1, 1, 1};
        for (int j = 0; j < k; j++) ptr[j] = in[j]->data;
        fn(ptr, ones, out->data, out->size);
        return;
    }
    int64_t rows = out->size / inner;
    int64_t idx[PR_MAX_DIMS] = {0};
    int64_t off[PR__MAX_OPERANDS] = {0};
    for (int64_t r = 0; r < rows; r++) {
        for (int j = 0; j < k; j++) ptr[j] = (const char *)in[j]->data + (size_t)off[j] * es;
        fn(ptr, inner_stride, (char *)out->data + (size_t)(r * inner) * es, inner);
        for (int d = nd - 2; d >= 0; d--) {
            for (int j = 0; j < k; j++) off[j] += b->stride[j][d];
            if (++idx[d] < b->shape[d]) break;
            for (int j = 0; j < k; j++) off[j] -= b->stride[j][d] * b->shape[d];
            idx[d] = 0;
        }
    }
}

static pr_status check_into(const pr__broadcast *b, const pr_tensor *out, pr_dtype dtype,
                            const char *op) {
    if (!out) return pr__fail(PR_ERR_INVALID, "%s: output is NULL", op);
    if (out->dtype != dtype)
        return pr__fail(PR_ERR_DTYPE, "%s: output is %s, inputs are %s", op,
                        pr_dtype_name(out->dtype), pr_dtype_name(dtype));
    int same = out->ndim == b->ndim;
    for (int d = 0; same && d < b->ndim; d++) same = out->shape[d] == b->shape[d];
    if (!same) {
        char s[96];
        return pr__fail(PR_ERR_SHAPE, "%s: output has shape %s but the result has rank %d", op,
                        pr_shape_format(out, s, sizeof s), b->ndim);
    }
    return PR_OK;
}

/* Whether writing `out` element by element could change an input before it is read:
 * their bytes overlap and the input is not `out` itself element for element (the same
 * start and size; a broadcast input of the same start is read again after its first
 * elements are written). */
static int overlaps_unsafely(const pr_tensor *const *in, int k, const pr_tensor *out) {
    const char *o = out->data, *o_end = o + (size_t)out->size * pr_dtype_size(out->dtype);
    for (int j = 0; j < k; j++) {
        const char *a = in[j]->data, *a_end = a + (size_t)in[j]->size * pr_dtype_size(in[j]->dtype);
        if (a < o_end && o < a_end && !(a == o && in[j]->size == out->size)) return 1;
    }
    return 0;
}

/* Shared body of the element-wise entry points: validate, broadcast, allocate
 * (when *out is NULL) or check the given output, run. */
static pr_status elementwise(const pr_tensor *const *in, int k, pr_kernel_fn fn, const char *op,
                             pr_tensor **alloc_out, pr_tensor *into) {
    for (int j = 0; j < k; j++) {
        pr_status st = pr__require_tensor(in[j], op, "operand");
        if (st) return st;
        if (j && (st = pr__require_same_dtype(in[0], in[j], op))) return st;
    }
    if (!fn)
        return pr__fail(PR_ERR_DTYPE, "%s: not defined for %s; cast to a float dtype first", op,
                        pr_dtype_name(in[0]->dtype));
    pr__broadcast b;
    pr_status st = pr__broadcast_plan(in, k, op, &b);
    if (st) return st;
    pr_tensor *out = into;
    if (into) {
        if ((st = check_into(&b, into, in[0]->dtype, op))) return st;
        if (overlaps_unsafely(in, k, into)) { /* a view of part of an input: through a temporary */
            pr_tensor *tmp;
            if ((st = pr__tensor_alloc(&tmp, in[0]->dtype, b.ndim, b.shape, false))) return st;
            broadcast_run(&b, in, k, tmp, fn);
            memcpy(into->data, tmp->data, (size_t)tmp->size * pr_dtype_size(tmp->dtype));
            pr_tensor_free(tmp);
            return PR_OK;
        }
    } else {
        if (!alloc_out) return pr__fail(PR_ERR_INVALID, "%s: output pointer is NULL", op);
        if ((st = pr__tensor_alloc(&out, in[0]->dtype, b.ndim, b.shape, false))) return st;
    }
    broadcast_run(&b, in, k, out, fn);
    if (!into) *alloc_out = out;
    return PR_OK;
}

static pr_kernel_fn binary_kernel(pr_binary_op op, const pr_tensor *a) {
    if ((unsigned)op >= PR_BINARY_OP_COUNT || !a || !pr_dtype_size(a->dtype)) return NULL;
    return binary_tables[a->dtype][op];
}

static const char *binary_name(pr_binary_op op) {
    return (unsigned)op < PR_BINARY_OP_COUNT ? binary_names[op] : "binary";
}

pr_status pr_binary(pr_binary_op op, const pr_tensor *a, const pr_tensor *b, pr_tensor **out) {
    const pr_tensor *in[2] = {a, b};
    return elementwise(in, 2, binary_kernel(op, a), binary_name(op), out, NULL);
}

pr_status pr_binary_into(pr_binary_op op, const pr_tensor *a, const pr_tensor *b, pr_tensor *out) {
    const pr_tensor *in[2] = {a, b};
    return elementwise(in, 2, binary_kernel(op, a), binary_name(op), NULL, out);
}

pr_status pr_binary_scalar(pr_binary_op op, const pr_tensor *a, double scalar, pr_tensor **out) {
    pr_status st = pr__require_tensor(a, binary_name(op), "operand");
    if (st) return st;
    /* A rank-0 tensor of a's dtype broadcasts against anything. */
    union {
        float f;
        double d;
        int32_t i;
        int64_t l;
    } value;
    pr_tensor s = {.data = &value, .size = 1, .dtype = a->dtype, .ndim = 0};
    for (int i = 0; i < PR_MAX_DIMS; i++) s.shape[i] = 1;
    pr_tensor_set(&s, 0, scalar);
    const pr_tensor *in[2] = {a, &s};
    return elementwise(in, 2, binary_kernel(op, a), binary_name(op), out, NULL);
}

pr_status pr_add(const pr_tensor *a, const pr_tensor *b, pr_tensor **out) {
    return pr_binary(PR_ADD, a, b, out);
}
pr_status pr_sub(const pr_tensor *a, const pr_tensor *b, pr_tensor **out) {
    return pr_binary(PR_SUB, a, b, out);
}
pr_status pr_mul(const pr_tensor *a, const pr_tensor *b, pr_tensor **out) {
    return pr_binary(PR_MUL, a, b, out);
}
pr_status pr_div(const pr_tensor *a, const pr_tensor *b, pr_tensor **out) {
    return pr_binary(PR_DIV, a, b, out);
}

static pr_kernel_fn unary_kernel(pr_unary_op op, const pr_tensor *a) {
    if ((unsigned)op >= PR_UNARY_OP_COUNT || !a || !pr_dtype_size(a->dtype)) return NULL;
    return unary_tables[a->dtype][op];
}

static const char *unary_name(pr_unary_op op) {
    return (unsigned)op < PR_UNARY_OP_COUNT ? unary_names[op] : "unary";
}

pr_status pr_unary(pr_unary_op op, const pr_tensor *a, pr_tensor **out) {
    const pr_tensor *in[1] = {a};
    return elementwise(in, 1, unary_kernel(op, a), unary_name(op), out, NULL);
}

static pr_status softmax_along(const pr_tensor *a, int axis, int log_form, pr_tensor **out) {
    const char *op = log_form ? "log_softmax" : "softmax";
    pr_status st = pr__require_tensor(a, op, "a");
    if (st || (st = pr__require_float(a, op))) return st;
    if (!out) return pr__fail(PR_ERR_INVALID, "%s: output pointer is NULL", op);
    int ax;
    if ((st = pr__normalize_axis(axis, a->ndim ? a->ndim : 1, op, &ax))) return st;
    int64_t extent = a->ndim ? a->shape[ax] : 1, inner = 1, outer = 1;
    for (int d = ax + 1; d < a->ndim; d++) inner *= a->shape[d];
    for (int d = 0; d < ax; d++) outer *= a->shape[d];
    if (extent == 0) return pr__fail(PR_ERR_INVALID, "%s: axis %d is empty", op, axis);
    pr_tensor *r;
    if ((st = pr__tensor_alloc(&r, a->dtype, a->ndim, a->shape, false))) return st;
    for (int64_t o = 0; o < outer; o++)
        for (int64_t i = 0; i < inner; i++) {
            int64_t at = o * extent * inner + i;
            if (a->dtype == PR_F32) pr__softmax_f32(pr_tensor_f32(a) + at, extent, inner, pr_tensor_f32(r) + at, log_form);
            else pr__softmax_f64(pr_tensor_f64(a) + at, extent, inner, pr_tensor_f64(r) + at, log_form);
        }
    *out = r;
    return PR_OK;
}

pr_status pr_softmax(const pr_tensor *a, int axis, pr_tensor **out) { return softmax_along(a, axis, 0, out); }
pr_status pr_log_softmax(const pr_tensor *a, int axis, pr_tensor **out) { return softmax_along(a, axis, 1, out); }

pr_status pr_unary_into(pr_unary_op op, const pr_tensor *a, pr_tensor *out) {
    const pr_tensor *in[1] = {a};
    return elementwise(in, 1, unary_kernel(op, a), unary_name(op), NULL, out);
}

pr_status pr_where(const pr_tensor *cond, const pr_tensor *a, const pr_tensor *b,
                   pr_tensor **out) {
    const pr_tensor *in[3] = {cond, a, b};
    pr_kernel_fn fn = cond && pr_dtype_size(cond->dtype) ? where_kernels[cond->dtype] : NULL;
    return elementwise(in, 3, fn, "where", out, NULL);
}

pr_status pr_clip(const pr_tensor *a, double lo, double hi, pr_tensor **out) {
    pr_status st = pr__require_float(a, "clip");
    if (st) return st;
    if (!(lo <= hi)) return pr__fail(PR_ERR_INVALID, "clip: lower bound %g exceeds upper %g", lo, hi);
    pr_tensor *r;
    if ((st = pr_tensor_copy(a, &r))) return st;
    for (int64_t i = 0; i < r->size; i++) {
        double v = pr_tensor_get(r, i);
        if (v < lo) pr_tensor_set(r, i, lo);
        else if (v > hi) pr_tensor_set(r, i, hi);
    }
    *out = r;
    return PR_OK;
}

/* ---- reductions ------------------------------------------------------------------ */

/* (outer, n, inner) view of t around `axis`. */
static void axis_split(const pr_tensor *t, int axis, int64_t *outer, int64_t *n, int64_t *inner) {
    *outer = 1;
    *inner = 1;
    for (int d = 0; d < axis; d++) *outer *= t->shape[d];
    for (int d = axis + 1; d < t->ndim; d++) *inner *= t->shape[d];
    *n = t->shape[axis];
}

pr_status pr_reduce(pr_reduce_op op, const pr_tensor *t, int axis, int keepdims, int ddof,
                    pr_tensor **out) {
    const char *name = (unsigned)op < PR_REDUCE_OP_COUNT ? reduce_names[op] : "reduce";
    pr_status st = pr__require_tensor(t, name, "tensor");
    if (st) return st;
    if ((unsigned)op >= PR_REDUCE_OP_COUNT) return pr__fail(PR_ERR_INVALID, "reduce: unknown op %d", (int)op);
    if (!out) return pr__fail(PR_ERR_INVALID, "%s: output pointer is NULL", name);
    int all = axis == PR_AXIS_ALL || t->ndim == 0;
    int ax = 0;
    if (!all && (st = pr__normalize_axis(axis, t->ndim, name, &ax))) return st;
    int64_t outer, n, inner;
    if (all) {
        outer = 1;
        n = t->size;
        inner = 1;
    } else {
        axis_split(t, ax, &outer, &n, &inner);
    }
    int stats = op == PR_MEAN || op == PR_VAR || op == PR_STD;
    if (stats && (st = pr__require_float(t, name))) return st;
    if (n == 0 && op != PR_SUM)
        return pr__fail(PR_ERR_INVALID, "%s: cannot reduce an empty axis", name);
    if ((op == PR_VAR || op == PR_STD) && (ddof < 0 || n - ddof <= 0))
        return pr__fail(PR_ERR_INVALID, "%s: ddof %d leaves no degrees of freedom for %lld values",
                        name, ddof, (long long)n);
    /* Output shape: the input's without the reduced axis (or with extent 1). */
    int64_t shape[PR_MAX_DIMS];
    int ndim = 0;
    if (all) {
        if (keepdims)
            for (int d = 0; d < t->ndim; d++) shape[ndim++] = 1;
    } else {
        for (int d = 0; d < t->ndim; d++) {
            if (d != ax) shape[ndim++] = t->shape[d];
            else if (keepdims) shape[ndim++] = 1;
        }
    }
    pr_dtype odt = (op == PR_ARGMIN || op == PR_ARGMAX) ? PR_I64 : t->dtype;
    pr_tensor *r;
    if ((st = pr__tensor_alloc(&r, odt, ndim, shape, true))) return st;
    if (n > 0) {
        switch (t->dtype) {
        case PR_F32: st = reduce_f32(op, t->data, outer, n, inner, ddof, r->data); break;
        case PR_F64: st = reduce_f64(op, t->data, outer, n, inner, ddof, r->data); break;
        case PR_I32: st = reduce_i32(op, t->data, outer, n, inner, ddof, r->data); break;
        case PR_I64: st = reduce_i64(op, t->data, outer, n, inner, ddof, r->data); break;
        }
    }
    if (st) {
        pr_tensor_free(r);
        return st;
    }
    *out = r;
    return PR_OK;
}

pr_status pr_reduce_all(pr_reduce_op op, const pr_tensor *t, int ddof, double *value) {
    pr_tensor *r;
    pr_status st = pr_reduce(op, t, PR_AXIS_ALL, 0, ddof, &r);
    if (st) return st;
    *value = pr_tensor_get(r, 0);
    pr_tensor_free(r);
    return PR_OK;
}

pr_status pr_sum(const pr_tensor *t, int axis, int keepdims, pr_tensor **out) {
    return pr_reduce(PR_SUM, t, axis, keepdims, 0, out);
}
pr_status pr_mean(const pr_tensor *t, int axis, int keepdims, pr_tensor **out) {
    return pr_reduce(PR_MEAN, t, axis, keepdims, 0, out);
}
pr_status pr_argmax(const pr_tensor *t, int axis, pr_tensor **out) {
    return pr_reduce(PR_ARGMAX, t, axis, 0, 0, out);
}

pr_status pr_cumsum(const pr_tensor *t, int axis, pr_tensor **out) {
    pr_status st = pr__require_tensor(t, "cumsum", "tensor");
    if (st) return st;
    int ax;
    if ((st = pr__normalize_axis(axis, t->ndim, "cumsum", &ax))) return st;
    int64_t outer, n, inner;
    axis_split(t, ax, &outer, &n, &inner);
    pr_tensor *r;
    if ((st = pr__tensor_alloc(&r, t->dtype, t->ndim, t->shape, false))) return st;
    switch (t->dtype) {
    case PR_F32: st = cumsum_f32(t->data, outer, n, inner, r->data); break;
    case PR_F64: st = cumsum_f64(t->data, outer, n, inner, r->data); break;
    case PR_I32: st = cumsum_i32(t->data, outer, n, inner, r->data); break;
    case PR_I64: st = cumsum_i64(t->data, outer, n, inner, r->data); break;
    }
    if (st) {
        pr_tensor_free(r);
        return st;
    }
    *out = r;
    return PR_OK;
}

/* Stable merge sort of indices by value; NaN sorts last either way. */
static int before(double a, double b, int descending) {
    if (isnan(a)) return 0;
    if (isnan(b)) return 1;
    return descending ? a > b : a < b;
}

static void merge_sort(int64_t *idx, int64_t *tmp, int64_t n, const pr_tensor *t, int desc) {
    if (n < 2) return;
    int64_t h = n / 2;
    merge_sort(idx, tmp, h, t, desc);
    merge_sort(idx + h, tmp, n - h, t, desc);
    int64_t i = 0, j = h, k = 0;
    while (i < h && j < n) {
        /* Take from the right only when strictly before: keeps equal keys in order. */
        if (before(pr_tensor_get(t, idx[j]), pr_tensor_get(t, idx[i]), desc)) tmp[k++] = idx[j++];
        else tmp[k++] = idx[i++];
    }
    while (i < h) tmp[k++] = idx[i++];
    while (j < n) tmp[k++] = idx[j++];
    memcpy(idx, tmp, (size_t)n * sizeof *idx);
}

pr_status pr_argsort(const pr_tensor *t, int descending, pr_tensor **out) {
    pr_status st = pr__require_tensor(t, "argsort", "tensor");
    if (st) return st;
    if (t->ndim != 1) {
        char s[96];
        return pr__fail(PR_ERR_SHAPE, "argsort: needs a 1-D tensor, got %s",
                        pr_shape_format(t, s, sizeof s));
    }
    pr_tensor *r;
    if ((st = pr__tensor_alloc(&r, PR_I64, PR_SHAPE(t->size), false))) return st;
    int64_t *idx = r->data;
    int64_t *tmp = pr__malloc((size_t)t->size * sizeof *tmp);
    if (!tmp) {
        pr_tensor_free(r);
        return PR_ERR_NOMEM;
    }
    for (int64_t i = 0; i < t->size; i++) idx[i] = i;
    merge_sort(idx, tmp, t->size, t, descending);
    free(tmp);
    *out = r;
    return PR_OK;
}
