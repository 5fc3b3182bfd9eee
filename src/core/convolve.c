/* 2-D correlation and convolution on plain tensors (chapter 10): scipy.signal's
 * correlate2d and convolve2d with their modes and boundaries, the output-size
 * formula, a conv layer's parameter count, and the direct-loop reference of a CNN
 * layer's convolution. */
#include <string.h>

#include "core/internal.h"

/* A 2-D float input as a float64 copy. */
static pr_status plane_f64(const pr_tensor *t, const char *op, const char *name, pr_tensor **out) {
    pr_status st = pr__require_tensor(t, op, name);
    if (!st) st = pr__require_float(t, op);
    if (st) return st;
    if (t->ndim != 2) return pr__fail(PR_ERR_SHAPE, "%s: the %s must be 2-D, got rank %d", op, name, t->ndim);
    if (t->shape[0] < 1 || t->shape[1] < 1) return pr__fail(PR_ERR_SHAPE, "%s: the %s is empty", op, name);
    if ((st = pr_tensor_check_finite(t, name))) return st;
    return pr_tensor_cast(t, PR_F64, out);
}

/* Image index i along an axis of extent n: itself, wrapped, or -1 (outside, a zero). */
static int64_t boundary_index(int64_t i, int64_t n, pr_conv_boundary boundary) {
    if (i >= 0 && i < n) return i;
    if (boundary == PR_BOUNDARY_ZERO) return -1;
    i %= n;
    return i < 0 ? i + n : i;
}

static pr_status filter2d(const pr_tensor *image, const pr_tensor *kernel, pr_conv_mode mode,
                          pr_conv_boundary boundary, int flip, pr_tensor **out, const char *op) {
    if (!out) return pr__fail(PR_ERR_INVALID, "%s: out is NULL", op);
    if ((unsigned)mode > PR_CONV_FULL) return pr__fail(PR_ERR_INVALID, "%s: unknown mode %d", op, (int)mode);
    if ((unsigned)boundary > PR_BOUNDARY_WRAP) return pr__fail(PR_ERR_INVALID, "%s: unknown boundary %d", op, (int)boundary);
    pr_tensor *img = NULL, *ker = NULL, *res = NULL;
    pr_status st = plane_f64(image, op, "image", &img);
    if (!st) st = plane_f64(kernel, op, "kernel", &ker);
    if (st) goto done;
    int64_t H = img->shape[0], W = img->shape[1], kh = ker->shape[0], kw = ker->shape[1];
    if (mode == PR_CONV_VALID && (kh > H || kw > W)) {
        st = pr__fail(PR_ERR_SHAPE, "%s: a %lldx%lld kernel does not fit inside a %lldx%lld image (mode valid)", op,
                      (long long)kh, (long long)kw, (long long)H, (long long)W);
        goto done;
    }
    /* the kept rows and columns, as offsets into the full result */
    int64_t oh = H + kh - 1, ow = W + kw - 1, r0 = 0, c0 = 0;
    if (mode == PR_CONV_VALID) {
        oh = H - kh + 1;
        ow = W - kw + 1;
        r0 = kh - 1;
        c0 = kw - 1;
    } else if (mode == PR_CONV_SAME) { /* scipy centres convolve on (k-1)/2, correlate on k/2 */
        oh = H;
        ow = W;
        r0 = flip ? (kh - 1) / 2 : kh / 2;
        c0 = flip ? (kw - 1) / 2 : kw / 2;
    }
    if ((st = pr__tensor_alloc(&res, PR_F64, PR_SHAPE(oh, ow), false))) goto done;
    const double *x = pr_tensor_f64(img), *k = pr_tensor_f64(ker);
    double *y = pr_tensor_f64(res);
    for (int64_t i = 0; i < oh; i++)
        for (int64_t j = 0; j < ow; j++) {
            int64_t fi = i + r0, fj = j + c0; /* the position in the full result */
            double s = 0;
            for (int64_t p = 0; p < kh; p++) {
                int64_t ii = boundary_index(flip ? fi - p : fi - (kh - 1) + p, H, boundary);
                if (ii < 0) continue;
                for (int64_t q = 0; q < kw; q++) {
                    int64_t jj = boundary_index(flip ? fj - q : fj - (kw - 1) + q, W, boundary);
                    if (jj >= 0) s += x[ii * W + jj] * k[p * kw + q];
                }
            }
            y[i * ow + j] = s;
        }
    *out = res;
    res = NULL;
done:
    pr_tensor_free(img);
    pr_tensor_free(ker);
    pr_tensor_free(res);
    return st;
}

pr_status pr_correlate2d(const pr_tensor *image, const pr_tensor *kernel, pr_conv_mode mode,
                         pr_conv_boundary boundary, pr_tensor **out) {
    return filter2d(image, kernel, mode, boundary, 0, out, "correlate2d");
}

pr_status pr_convolve2d(const pr_tensor *image, const pr_tensor *kernel, pr_conv_mode mode,
                        pr_conv_boundary boundary, pr_tensor **out) {
    return filter2d(image, kernel, mode, boundary, 1, out, "convolve2d");
}

pr_status pr_conv_output_size(int64_t n, int64_t kernel, int64_t padding, int64_t stride, int64_t dilation,
                              int64_t *out) {
    if (!out) return pr__fail(PR_ERR_INVALID, "conv_output_size: out is NULL");
    if (n < 0 || kernel < 1 || padding < 0 || stride < 1 || dilation < 1 || n > INT64_MAX / 4 ||
        kernel > INT64_MAX / 4 / dilation || padding > INT64_MAX / 4)
        return pr__fail(PR_ERR_INVALID, "conv_output_size: input %lld, kernel %lld, padding %lld, stride %lld, "
                                        "dilation %lld (need input >= 0, kernel, stride and dilation >= 1, padding >= 0)",
                        (long long)n, (long long)kernel, (long long)padding, (long long)stride, (long long)dilation);
    int64_t span = dilation * (kernel - 1) + 1;
    if (n + 2 * padding < span)
        return pr__fail(PR_ERR_INVALID, "conv_output_size: the window (%lld with dilation) is larger than the padded "
                                        "input (%lld + 2 x %lld)",
                        (long long)span, (long long)n, (long long)padding);
    *out = (n + 2 * padding - span) / stride + 1;
    return PR_OK;
}

int64_t pr_conv2d_param_count(int64_t in_channels, int64_t out_channels, int64_t kernel_h, int64_t kernel_w, int bias) {
    return out_channels * (in_channels * kernel_h * kernel_w + (bias ? 1 : 0));
}

pr_status pr_conv2d_reference(const pr_tensor *x, const pr_tensor *weight, const pr_tensor *bias,
                              const pr_conv2d_params *params, pr_tensor **out) {
    const char *op = "conv2d_reference";
    if (!out) return pr__fail(PR_ERR_INVALID, "%s: out is NULL", op);
    pr_status st = pr__require_tensor(x, op, "x");
    if (!st) st = pr__require_tensor(weight, op, "weight");
    if (!st) st = pr__require_float(x, op);
    if (!st) st = pr__require_float(weight, op);
    if (!st && bias) st = pr__require_float(bias, op);
    if (st) return st;
    pr_conv2d_params p = params ? *params : PR_CONV2D_DEFAULTS;
    if (x->ndim != 4 || weight->ndim != 4 || weight->shape[1] != x->shape[1] ||
        (bias && (bias->ndim != 1 || bias->shape[0] != weight->shape[0])))
        return pr__fail(PR_ERR_SHAPE, "%s: needs x (N, C, H, W), weight (O, C, KH, KW) and bias (O)", op);
    int64_t N = x->shape[0], C = x->shape[1], H = x->shape[2], W = x->shape[3];
    int64_t O = weight->shape[0], KH = weight->shape[2], KW = weight->shape[3], OH, OW;
    if ((st = pr_conv_output_size(H, KH, p.padding[0], p.stride[0], p.dilation[0], &OH)) ||
        (st = pr_conv_output_size(W, KW, p.padding[1], p.stride[1], p.dilation[1], &OW)))
        return pr__fail_context("%s: ", op);
    pr_tensor *xd = NULL, *wd = NULL, *bd = NULL, *y = NULL;
    st = pr_tensor_cast(x, PR_F64, &xd);
    if (!st) st = pr_tensor_cast(weight, PR_F64, &wd);
    if (!st && bias) st = pr_tensor_cast(bias, PR_F64, &bd);
    if (!st) st = pr__tensor_alloc(&y, PR_F64, PR_SHAPE(N, O, OH, OW), false);
    if (!st) {
        const double *xv = pr_tensor_f64(xd), *wv = pr_tensor_f64(wd), *bv = bd ? pr_tensor_f64(bd) : NULL;
        double *yv = pr_tensor_f64(y);
        for (int64_t n = 0; n < N; n++)
            for (int64_t o = 0; o < O; o++)
                for (int64_t i = 0; i < OH; i++)
                    for (int64_t j = 0; j < OW; j++) {
                        double s = bv ? bv[o] : 0;
                        for (int64_t c = 0; c < C; c++)
                            for (int64_t a = 0; a < KH; a++) {
                                int64_t ih = i * p.stride[0] - p.padding[0] + a * p.dilation[0];
                                if (ih < 0 || ih >= H) continue;
                                for (int64_t b = 0; b < KW; b++) {
                                    int64_t iw = j * p.stride[1] - p.padding[1] + b * p.dilation[1];
                                    if (iw < 0 || iw >= W) continue;
                                    s += xv[((n * C + c) * H + ih) * W + iw] * wv[((o * C + c) * KH + a) * KW + b];
                                }
                            }
                        yv[((n * O + o) * OH + i) * OW + j] = s;
                    }
        *out = y;
        y = NULL;
    }
    pr_tensor_free(xd);
    pr_tensor_free(wd);
    pr_tensor_free(bd);
    pr_tensor_free(y);
    return st;
}

/* ---- attention on plain matrices (chapter 11) ----------------------------------------------- */

pr_status pr_attention(const pr_tensor *Q, const pr_tensor *K, const pr_tensor *V, int causal, pr_tensor **out,
                       pr_tensor **weights) {
    if (!Q || !K || !V) return pr__fail(PR_ERR_INVALID, "attention: NULL argument");
    if (Q->ndim != 2 || K->ndim != 2 || V->ndim != 2 || K->shape[1] != Q->shape[1] || V->shape[0] != K->shape[0]) {
        char a[64], b[64], c[64];
        return pr__fail(PR_ERR_SHAPE, "attention: needs Q (Tq, d), K (Tk, d) and V (Tk, dv); got %s, %s and %s",
                        pr_shape_format(Q, a, sizeof a), pr_shape_format(K, b, sizeof b), pr_shape_format(V, c, sizeof c));
    }
    if (!pr_dtype_is_float(Q->dtype) || !pr_dtype_is_float(K->dtype) || !pr_dtype_is_float(V->dtype))
        return pr__fail(PR_ERR_DTYPE, "attention: needs float tensors");
    int64_t Tq = Q->shape[0], Tk = K->shape[0], d = Q->shape[1], dv = V->shape[1];
    if (d == 0) return pr__fail(PR_ERR_SHAPE, "attention: queries and keys have no features");
    pr_tensor *w, *o = NULL;
    pr_status st = pr_tensor_zeros(&w, PR_F64, PR_SHAPE(Tq, Tk));
    if (st) return st;
    if ((st = pr_tensor_zeros(&o, PR_F64, PR_SHAPE(Tq, dv)))) {
        pr_tensor_free(w);
        return st;
    }
    double *wv = pr_tensor_f64(w), *ov = pr_tensor_f64(o), scale = 1 / sqrt((double)d);
    for (int64_t i = 0; i < Tq; i++) {
        int64_t end = causal ? i + 1 + (Tk - Tq) : Tk;
        if (end > Tk) end = Tk;
        if (end < 0) end = 0;
        double *row = wv + i * Tk;
        for (int64_t j = 0; j < end; j++) {
            double s = 0;
            for (int64_t c = 0; c < d; c++) s += pr_tensor_get(Q, i * d + c) * pr_tensor_get(K, j * d + c);
            row[j] = s * scale;
        }
        if (end) pr__softmax_f64(row, end, 1, row, 0);
        for (int64_t j = 0; j < end; j++)
            for (int64_t c = 0; c < dv; c++) ov[i * dv + c] += row[j] * pr_tensor_get(V, j * dv + c);
    }
    if (out) *out = o;
    else pr_tensor_free(o);
    if (weights) *weights = w;
    else pr_tensor_free(w);
    return PR_OK;
}
