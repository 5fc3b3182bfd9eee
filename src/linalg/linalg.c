/* Public linear-algebra entry points: validation, dispatch to the float32 or
 * float64 instance of linalg.inc, and the type-independent helpers. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "linalg/backend.h"
#include "primer/linalg.h"

/* Map a backend failure onto a status and message. */
static pr_status lapack_error(int info, const char *op, const char *routine) {
    if (info == PR_BK_NOMEM)
        return pr__fail(PR_ERR_NOMEM, "%s: out of memory for the LAPACK workspace", op);
    if (info == PR_BK_TOO_BIG)
        return pr__fail(PR_ERR_LIMIT, "%s: a dimension exceeds LAPACK's 32-bit range", op);
    return pr__fail(PR_ERR_INTERNAL, "%s: LAPACK %s rejected argument %d", op, routine, -info);
}

#define R float
#define SFX f32
#define DT PR_F32
#define EPS FLT_EPSILON
#include "linalg/linalg.inc"
#undef R
#undef SFX
#undef DT
#undef EPS

#define R double
#define SFX f64
#define DT PR_F64
#define EPS DBL_EPSILON
#include "linalg/linalg.inc"
#undef R
#undef SFX
#undef DT
#undef EPS

/* Call the instance of `fn` for t's dtype (validated float beforehand). */
#define DISPATCH(t, fn, ...) ((t)->dtype == PR_F32 ? fn##_f32(__VA_ARGS__) : fn##_f64(__VA_ARGS__))

static double dtype_eps(pr_dtype dt) { return dt == PR_F32 ? FLT_EPSILON : DBL_EPSILON; }

/* ---- validation ------------------------------------------------------------------------- */

enum { ANY_SHAPE = 0, SQUARE = 1 };

static pr_status check_matrix(const pr_tensor *A, const char *op, const char *name, int square) {
    pr_status st = pr__require_tensor(A, op, name);
    if (st || (st = pr__require_float(A, op))) return st;
    char s[96];
    if (A->ndim != 2)
        return pr__fail(PR_ERR_SHAPE, "%s: %s must be a matrix (2-D), got shape %s", op, name,
                        pr_shape_format(A, s, sizeof s));
    if (A->shape[0] == 0 || A->shape[1] == 0)
        return pr__fail(PR_ERR_SHAPE, "%s: %s is empty, shape %s", op, name,
                        pr_shape_format(A, s, sizeof s));
    if (square && A->shape[0] != A->shape[1])
        return pr__fail(PR_ERR_SHAPE, "%s: %s must be square, got shape %s", op, name,
                        pr_shape_format(A, s, sizeof s));
    char what[128];
    snprintf(what, sizeof what, "%s: %s", op, name);
    return pr_tensor_check_finite(A, what);
}

static pr_status check_pair(const pr_tensor *a, const pr_tensor *b, const char *op) {
    pr_status st = pr__require_tensor(a, op, "first operand");
    if (st || (st = pr__require_tensor(b, op, "second operand"))) return st;
    if ((st = pr__require_float(a, op)) || (st = pr__require_same_dtype(a, b, op))) return st;
    return PR_OK;
}

/* A vector or matrix right-hand side with `rows` rows and at least one column. */
static pr_status check_rhs(const pr_tensor *B, int64_t rows, const char *op, const char *shape_of_a) {
    char s[96];
    if (B->ndim != 1 && B->ndim != 2)
        return pr__fail(PR_ERR_SHAPE, "%s: right-hand side must be 1-D or 2-D, got %s", op,
                        pr_shape_format(B, s, sizeof s));
    if (B->shape[0] != rows || (B->ndim == 2 && B->shape[1] == 0))
        return pr__fail(PR_ERR_SHAPE, "%s: A has shape %s but the right-hand side has shape %s", op,
                        shape_of_a, pr_shape_format(B, s, sizeof s));
    char what[96];
    snprintf(what, sizeof what, "%s: right-hand side", op);
    return pr_tensor_check_finite(B, what);
}

static pr_status require_symmetric(const pr_tensor *A, const char *op) {
    int sym;
    pr_status st = pr_is_symmetric(A, -1, &sym);
    if (st) return st;
    if (!sym) {
        int64_t n = A->shape[0];
        double worst = 0;
        int64_t wi = 0, wj = 0;
        for (int64_t i = 0; i < n; i++)
            for (int64_t j = i + 1; j < n; j++) {
                double d = fabs(pr_tensor_get(A, i * n + j) - pr_tensor_get(A, j * n + i));
                if (d > worst) {
                    worst = d;
                    wi = i;
                    wj = j;
                }
            }
        return pr__fail(PR_ERR_INVALID, "%s: matrix is not symmetric (A[%lld,%lld] - A[%lld,%lld] = %.3g); "
                                        "use pr_symmetric_part or a general routine",
                        op, (long long)wi, (long long)wj, (long long)wj, (long long)wi, worst);
    }
    return PR_OK;
}

/* ---- vectors ------------------------------------------------------------------------- */

pr_status pr_dot(const pr_tensor *x, const pr_tensor *y, double *out) {
    pr_status st = check_pair(x, y, "dot");
    if (st) return st;
    if (x->size != y->size) {
        char a[96], b[96];
        return pr__fail(PR_ERR_SHAPE, "dot: sizes differ, %s and %s", pr_shape_format(x, a, sizeof a),
                        pr_shape_format(y, b, sizeof b));
    }
    *out = DISPATCH(x, pr__bk_dot, x->size, x->data, y->data);
    return PR_OK;
}

/* Float element i of a float32 or float64 tensor, without the per-element switch. */
typedef struct float_view {
    const float *f;
    const double *d;
} float_view;

static float_view view_of(const pr_tensor *t) {
    float_view v = {pr_tensor_f32(t), pr_tensor_f64(t)};
    return v;
}

static inline double at(float_view v, int64_t i) { return v.f ? (double)v.f[i] : v.d[i]; }

pr_status pr_norm(const pr_tensor *x, double p, double *out) {
    pr_status st = pr__require_float(x, "norm");
    if (st) return st;
    if (!(p >= 1)) return pr__fail(PR_ERR_INVALID, "norm: p must be >= 1 (or infinity), got %g", p);
    float_view v = view_of(x);
    int64_t n = x->size;
    double maxabs = 0;
    for (int64_t i = 0; i < n; i++) {
        double a = fabs(at(v, i));
        if (a > maxabs || isnan(a)) maxabs = a;
        if (isnan(a)) break;
    }
    if (isnan(maxabs) || isinf(p) || maxabs == 0 || isinf(maxabs)) {
        *out = maxabs;
        return PR_OK;
    }
    if (p == 1) {
        double s = 0;
        for (int64_t i = 0; i < n; i++) s += fabs(at(v, i));
        *out = s;
        return PR_OK;
    }
    if (p == 2) {
        double s = 0;
        for (int64_t i = 0; i < n; i++) s += at(v, i) * at(v, i);
        if (isfinite(s) && s > DBL_MIN / DBL_EPSILON) {
            *out = sqrt(s);
            return PR_OK;
        }
    }
    /* Scaled by the largest magnitude: no overflow or underflow for any p. */
    double s = 0;
    for (int64_t i = 0; i < n; i++) s += pow(fabs(at(v, i)) / maxabs, p);
    *out = maxabs * pow(s, 1.0 / p);
    return PR_OK;
}

pr_status pr_cosine_similarity(const pr_tensor *x, const pr_tensor *y, double *out) {
    double d, nx, ny;
    pr_status st = pr_dot(x, y, &d);
    if (st || (st = pr_norm(x, 2, &nx)) || (st = pr_norm(y, 2, &ny))) return st;
    if (nx == 0 || ny == 0)
        return pr__fail(PR_ERR_INVALID, "cosine_similarity: %s vector is zero", nx == 0 ? "first" : "second");
    double c = d / (nx * ny);
    *out = c > 1 ? 1 : c < -1 ? -1 : c;
    return PR_OK;
}

pr_status pr_vector_angle(const pr_tensor *x, const pr_tensor *y, double *radians) {
    double c;
    pr_status st = pr_cosine_similarity(x, y, &c);
    if (st) return st;
    *radians = acos(c);
    return PR_OK;
}

pr_status pr_project_onto_vector(const pr_tensor *y, const pr_tensor *x, pr_tensor **out) {
    double yx, xx;
    pr_status st = pr_dot(y, x, &yx);
    if (st || (st = pr_dot(x, x, &xx))) return st;
    if (xx == 0) return pr__fail(PR_ERR_INVALID, "project_onto_vector: cannot project onto the zero vector");
    return pr_binary_scalar(PR_MUL, x, yx / xx, out);
}

pr_status pr_project_onto_columns(const pr_tensor *A, const pr_tensor *y, pr_tensor **out) {
    pr_tensor *w;
    pr_status st = pr_lstsq(A, y, -1, &w, NULL);
    if (st) return pr__fail_context("project_onto_columns: ");
    st = pr_matmul(A, w, out);
    pr_tensor_free(w);
    return st;
}

/* ---- products ------------------------------------------------------------------------- */

/* Shapes of a matmul under NumPy's 1-D promotion rules. */
static pr_status matmul_shape(const pr_tensor *A, const pr_tensor *B, const char *op, int64_t *m,
                              int64_t *k, int64_t *n, int *ndim, int64_t shape[2]) {
    pr_status st = check_pair(A, B, op);
    if (st) return st;
    char a[96], b[96];
    if (A->ndim < 1 || A->ndim > 2 || B->ndim < 1 || B->ndim > 2)
        return pr__fail(PR_ERR_SHAPE, "%s: operands must be 1-D or 2-D, got %s and %s", op,
                        pr_shape_format(A, a, sizeof a), pr_shape_format(B, b, sizeof b));
    *m = A->ndim == 2 ? A->shape[0] : 1;
    *k = A->ndim == 2 ? A->shape[1] : A->shape[0];
    int64_t kb = B->shape[0];
    *n = B->ndim == 2 ? B->shape[1] : 1;
    if (*k != kb)
        return pr__fail(PR_ERR_SHAPE, "%s: inner dimensions differ: %s @ %s", op,
                        pr_shape_format(A, a, sizeof a), pr_shape_format(B, b, sizeof b));
    *ndim = 0;
    if (A->ndim == 2) shape[(*ndim)++] = *m;
    if (B->ndim == 2) shape[(*ndim)++] = *n;
    return PR_OK;
}

/* The BLAS product, or the plain triple loop when `reference`. */
static pr_status matmul_with(const pr_tensor *A, const pr_tensor *B, int reference, const char *op,
                             pr_tensor **out) {
    int64_t m = 0, k = 0, n = 0, shape[2];
    int ndim = 0;
    pr_status st = matmul_shape(A, B, op, &m, &k, &n, &ndim, shape);
    if (st) return st;
    pr_tensor *C;
    /* gemm with beta = 0 writes every element; only an empty inner dimension needs zeros */
    if ((st = pr__tensor_alloc(&C, A->dtype, ndim, shape, k == 0))) return st;
    if (reference) DISPATCH(A, matmul_reference, A->data, B->data, m, k, n, C->data);
    else st = DISPATCH(A, matmul, A->data, B->data, m, k, n, C->data);
    if (st) {
        pr_tensor_free(C);
        return st;
    }
    *out = C;
    return PR_OK;
}

pr_status pr_matmul(const pr_tensor *A, const pr_tensor *B, pr_tensor **out) {
    return matmul_with(A, B, 0, "matmul", out);
}

pr_status pr_matmul_reference(const pr_tensor *A, const pr_tensor *B, pr_tensor **out) {
    return matmul_with(A, B, 1, "matmul_reference", out);
}

pr_status pr_gemm(int transpose_a, int transpose_b, double alpha, const pr_tensor *A,
                  const pr_tensor *B, double beta, pr_tensor *C) {
    pr_status st = check_pair(A, B, "gemm");
    if (st || (st = pr__require_tensor(C, "gemm", "C")) || (st = pr__require_same_dtype(A, C, "gemm")))
        return st;
    char a[96], b[96], c[96];
    if (A->ndim != 2 || B->ndim != 2 || C->ndim != 2)
        return pr__fail(PR_ERR_SHAPE, "gemm: operands must be matrices, got %s, %s, %s",
                        pr_shape_format(A, a, sizeof a), pr_shape_format(B, b, sizeof b),
                        pr_shape_format(C, c, sizeof c));
    int64_t m = transpose_a ? A->shape[1] : A->shape[0], k = transpose_a ? A->shape[0] : A->shape[1];
    int64_t kb = transpose_b ? B->shape[1] : B->shape[0], n = transpose_b ? B->shape[0] : B->shape[1];
    if (k != kb || C->shape[0] != m || C->shape[1] != n)
        return pr__fail(PR_ERR_SHAPE, "gemm: op(A) %lldx%lld, op(B) %lldx%lld and C %s do not fit",
                        (long long)m, (long long)k, (long long)kb, (long long)n,
                        pr_shape_format(C, c, sizeof c));
    if (m == 0 || n == 0) return PR_OK;
    int info = A->dtype == PR_F32
                   ? pr__bk_gemm_f32(transpose_a, transpose_b, m, n, k, (float)alpha, A->data,
                                     A->shape[1], B->data, B->shape[1], (float)beta, C->data, n)
                   : pr__bk_gemm_f64(transpose_a, transpose_b, m, n, k, alpha, A->data, A->shape[1],
                                     B->data, B->shape[1], beta, C->data, n);
    return info ? lapack_error(info, "gemm", "gemm") : PR_OK;
}

static pr_status gram_common(const pr_tensor *X, int center, int ddof, const char *op,
                             pr_tensor **out) {
    pr_status st = pr__require_tensor(X, op, "X");
    if (st || (st = pr__require_float(X, op))) return st;
    char s[96];
    if (X->ndim != 2)
        return pr__fail(PR_ERR_SHAPE, "%s: X must be 2-D, got %s", op, pr_shape_format(X, s, sizeof s));
    int64_t m = X->shape[0], n = X->shape[1];
    if (center && m - ddof <= 0)
        return pr__fail(PR_ERR_INVALID, "%s: %lld samples leave no degrees of freedom with ddof %d",
                        op, (long long)m, ddof);
    if (center && ddof < 0) return pr__fail(PR_ERR_INVALID, "%s: ddof %d is negative", op, ddof);
    pr_tensor *G;
    if ((st = pr__tensor_alloc(&G, X->dtype, PR_SHAPE(n, n), true))) return st;
    double divisor = center ? (double)(m - ddof) : 1.0;
    if ((st = DISPATCH(X, gram, X, center, divisor, G->data))) {
        pr_tensor_free(G);
        return st;
    }
    *out = G;
    return PR_OK;
}

pr_status pr_gram(const pr_tensor *X, pr_tensor **out) { return gram_common(X, 0, 0, "gram", out); }

pr_status pr_covariance(const pr_tensor *X, int ddof, pr_tensor **out) {
    return gram_common(X, 1, ddof, "covariance", out);
}

pr_status pr_outer(const pr_tensor *x, const pr_tensor *y, pr_tensor **out) {
    pr_status st = check_pair(x, y, "outer");
    if (st) return st;
    int64_t m = x->size, n = y->size;
    pr_tensor *M;
    if ((st = pr__tensor_alloc(&M, x->dtype, PR_SHAPE(m, n), false))) return st;
    float_view a = view_of(x), b = view_of(y);
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++) pr_tensor_set(M, i * n + j, at(a, i) * at(b, j));
    *out = M;
    return PR_OK;
}

/* ---- matrix properties ------------------------------------------------------------------ */

pr_status pr_trace(const pr_tensor *A, double *out) {
    pr_status st = check_matrix(A, "trace", "A", SQUARE);
    if (st) return st;
    double s = 0;
    for (int64_t i = 0; i < A->shape[0]; i++) s += pr_tensor_get(A, i * A->shape[0] + i);
    *out = s;
    return PR_OK;
}

pr_status pr_slogdet(const pr_tensor *A, double *sign, double *logabsdet) {
    pr_status st = check_matrix(A, "det", "A", SQUARE);
    if (st) return st;
    double direct;
    return DISPATCH(A, slogdet, A, sign, logabsdet, &direct);
}

pr_status pr_det(const pr_tensor *A, double *out) {
    pr_status st = check_matrix(A, "det", "A", SQUARE);
    if (st) return st;
    double sign, logabs, direct;
    if ((st = DISPATCH(A, slogdet, A, &sign, &logabs, &direct))) return st;
    /* The plain product is exact for small integer matrices; fall back to the
     * logarithm only when it overflowed or underflowed to zero. */
    if (sign == 0) *out = 0;
    else if (isfinite(direct) && direct != 0) *out = direct;
    else *out = sign * exp(logabs);
    return PR_OK;
}

static pr_status singular_values(const pr_tensor *A, const char *op, pr_tensor **S) {
    pr_status st = check_matrix(A, op, "A", ANY_SHAPE);
    if (st) return st;
    return DISPATCH(A, svd, A, PR_SVD_THIN, NULL, S, NULL);
}

pr_status pr_matrix_norm(const pr_tensor *A, pr_matrix_norm_kind kind, double *out) {
    pr_status st = check_matrix(A, "matrix_norm", "A", ANY_SHAPE);
    if (st) return st;
    int64_t m = A->shape[0], n = A->shape[1];
    switch (kind) {
    case PR_NORM_FROBENIUS: return pr_norm(A, 2, out);
    case PR_NORM_ONE:
    case PR_NORM_INF: {
        int rows = kind == PR_NORM_INF;
        double best = 0;
        for (int64_t i = 0; i < (rows ? m : n); i++) {
            double s = 0;
            for (int64_t j = 0; j < (rows ? n : m); j++)
                s += fabs(pr_tensor_get(A, rows ? i * n + j : j * n + i));
            if (s > best) best = s;
        }
        *out = best;
        return PR_OK;
    }
    case PR_NORM_SPECTRAL:
    case PR_NORM_NUCLEAR: {
        pr_tensor *S;
        if ((st = singular_values(A, "matrix_norm", &S))) return st;
        double r = 0;
        if (kind == PR_NORM_SPECTRAL) r = pr_tensor_get(S, 0);
        else
            for (int64_t i = 0; i < S->size; i++) r += pr_tensor_get(S, i);
        pr_tensor_free(S);
        *out = r;
        return PR_OK;
    }
    }
    return pr__fail(PR_ERR_INVALID, "matrix_norm: unknown norm kind %d", (int)kind);
}

pr_status pr_rank(const pr_tensor *A, double tol, int64_t *rank) {
    pr_tensor *S;
    pr_status st = singular_values(A, "rank", &S);
    if (st) return st;
    double smax = pr_tensor_get(S, 0);
    int64_t mx = A->shape[0] > A->shape[1] ? A->shape[0] : A->shape[1];
    if (tol < 0) tol = smax * (double)mx * dtype_eps(A->dtype);
    int64_t r = 0;
    for (int64_t i = 0; i < S->size; i++) r += pr_tensor_get(S, i) > tol;
    pr_tensor_free(S);
    *rank = r;
    return PR_OK;
}

pr_status pr_cond(const pr_tensor *A, double *out) {
    pr_tensor *S;
    pr_status st = singular_values(A, "cond", &S);
    if (st) return st;
    double smax = pr_tensor_get(S, 0), smin = pr_tensor_get(S, S->size - 1);
    pr_tensor_free(S);
    *out = smin > 0 ? smax / smin : INFINITY;
    return PR_OK;
}

pr_status pr_is_symmetric(const pr_tensor *A, double tol, int *out) {
    pr_status st = check_matrix(A, "is_symmetric", "A", ANY_SHAPE);
    if (st) return st;
    int64_t n = A->shape[0];
    if (A->shape[1] != n) {
        *out = 0;
        return PR_OK;
    }
    if (tol < 0) tol = sqrt(dtype_eps(A->dtype));
    float_view v = view_of(A);
    double scale = 0, worst = 0;
    for (int64_t i = 0; i < A->size; i++) scale = fmax(scale, fabs(at(v, i)));
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = i + 1; j < n; j++) worst = fmax(worst, fabs(at(v, i * n + j) - at(v, j * n + i)));
    *out = worst <= tol * scale;
    return PR_OK;
}

pr_status pr_is_orthogonal(const pr_tensor *Q, double tol, int *out) {
    pr_status st = check_matrix(Q, "is_orthogonal", "Q", ANY_SHAPE);
    if (st) return st;
    if (tol < 0) tol = sqrt(dtype_eps(Q->dtype));
    pr_tensor *G;
    if ((st = pr_gram(Q, &G))) return st;
    int64_t n = G->shape[0];
    *out = 1;
    for (int64_t i = 0; i < n * n && *out; i++)
        if (fabs(pr_tensor_get(G, i) - (i % (n + 1) == 0 ? 1.0 : 0.0)) > tol) *out = 0;
    pr_tensor_free(G);
    return PR_OK;
}

pr_status pr_symmetric_part(const pr_tensor *A, pr_tensor **out) {
    pr_status st = check_matrix(A, "symmetric_part", "A", SQUARE);
    if (st) return st;
    int64_t n = A->shape[0];
    pr_tensor *S;
    if ((st = pr__tensor_alloc(&S, A->dtype, PR_SHAPE(n, n), false))) return st;
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < n; j++)
            pr_tensor_set(S, i * n + j, 0.5 * (pr_tensor_get(A, i * n + j) + pr_tensor_get(A, j * n + i)));
    *out = S;
    return PR_OK;
}

pr_status pr_diag(const pr_tensor *x, pr_tensor **out) {
    pr_status st = pr__require_tensor(x, "diag", "input");
    if (st) return st;
    pr_tensor *r;
    if (x->ndim == 1) {
        int64_t n = x->shape[0];
        if ((st = pr__tensor_alloc(&r, x->dtype, PR_SHAPE(n, n), true))) return st;
        for (int64_t i = 0; i < n; i++) pr_tensor_set(r, i * n + i, pr_tensor_get(x, i));
    } else if (x->ndim == 2) {
        int64_t m = x->shape[0], n = x->shape[1], k = m < n ? m : n;
        if ((st = pr__tensor_alloc(&r, x->dtype, PR_SHAPE(k), false))) return st;
        for (int64_t i = 0; i < k; i++) pr_tensor_set(r, i, pr_tensor_get(x, i * n + i));
    } else {
        char s[96];
        return pr__fail(PR_ERR_SHAPE, "diag: needs a 1-D or 2-D tensor, got %s", pr_shape_format(x, s, sizeof s));
    }
    *out = r;
    return PR_OK;
}

/* ---- linear systems ------------------------------------------------------------------- */

pr_status pr_solve(const pr_tensor *A, const pr_tensor *B, pr_tensor **out) {
    pr_status st = check_matrix(A, "solve", "A", SQUARE);
    if (st || (st = check_pair(A, B, "solve"))) return st;
    char s[96];
    if ((st = check_rhs(B, A->shape[0], "solve", pr_shape_format(A, s, sizeof s)))) return st;
    return DISPATCH(A, solve, A, B, out);
}

pr_status pr_lstsq(const pr_tensor *A, const pr_tensor *B, double rcond, pr_tensor **out,
                   int64_t *rank) {
    pr_status st = check_matrix(A, "lstsq", "A", ANY_SHAPE);
    if (st || (st = check_pair(A, B, "lstsq"))) return st;
    char s[96];
    if ((st = check_rhs(B, A->shape[0], "lstsq", pr_shape_format(A, s, sizeof s)))) return st;
    int64_t mx = A->shape[0] > A->shape[1] ? A->shape[0] : A->shape[1];
    if (rcond < 0) rcond = dtype_eps(A->dtype) * (double)mx;
    return DISPATCH(A, lstsq, A, B, rcond, out, rank);
}

pr_status pr_inverse(const pr_tensor *A, pr_tensor **out) {
    pr_status st = check_matrix(A, "inverse", "A", SQUARE);
    if (st) return st;
    return DISPATCH(A, inverse, A, out);
}

pr_status pr_pinv(const pr_tensor *A, double rcond, pr_tensor **out) {
    pr_status st = check_matrix(A, "pinv", "A", ANY_SHAPE);
    if (st) return st;
    int64_t mx = A->shape[0] > A->shape[1] ? A->shape[0] : A->shape[1];
    if (rcond < 0) rcond = dtype_eps(A->dtype) * (double)mx;
    return DISPATCH(A, pinv, A, rcond, out);
}

const char *pr_system_kind_name(pr_system_kind kind) {
    switch (kind) {
    case PR_SYSTEM_UNIQUE: return "unique solution";
    case PR_SYSTEM_NONE: return "no solution";
    case PR_SYSTEM_INFINITE: return "infinitely many solutions";
    }
    return "unknown";
}

pr_status pr_system_kind_of(const pr_tensor *A, const pr_tensor *b, pr_system_kind *out) {
    pr_status st = check_matrix(A, "system_kind", "A", ANY_SHAPE);
    if (st || (st = check_pair(A, b, "system_kind"))) return st;
    char s[96];
    if ((st = check_rhs(b, A->shape[0], "system_kind", pr_shape_format(A, s, sizeof s)))) return st;
    pr_tensor bcol = *b; /* a column view of b for the augmented matrix */
    bcol.flags = 0;
    if (b->ndim == 1) {
        bcol.ndim = 2;
        bcol.shape[1] = 1;
    }
    const pr_tensor *parts[2] = {A, &bcol};
    pr_tensor *Ab;
    if ((st = pr_tensor_concat(parts, 2, 1, &Ab))) return st;
    int64_t ra, rab;
    if (!(st = pr_rank(A, -1, &ra))) st = pr_rank(Ab, -1, &rab);
    pr_tensor_free(Ab);
    if (st) return st;
    *out = ra < rab ? PR_SYSTEM_NONE : ra == A->shape[1] ? PR_SYSTEM_UNIQUE : PR_SYSTEM_INFINITE;
    return PR_OK;
}

/* ---- decompositions --------------------------------------------------------------------- */

pr_status pr_cholesky(const pr_tensor *A, pr_tensor **L) {
    pr_status st = check_matrix(A, "cholesky", "A", SQUARE);
    if (st || (st = require_symmetric(A, "cholesky"))) return st;
    return DISPATCH(A, cholesky, A, L);
}

pr_status pr_qr(const pr_tensor *A, pr_qr_mode mode, pr_tensor **Q, pr_tensor **R) {
    pr_status st = check_matrix(A, "qr", "A", ANY_SHAPE);
    if (st) return st;
    if (mode != PR_QR_REDUCED && mode != PR_QR_COMPLETE)
        return pr__fail(PR_ERR_INVALID, "qr: unknown mode %d", (int)mode);
    return DISPATCH(A, qr, A, mode, Q, R);
}

pr_status pr_eigh(const pr_tensor *A, pr_order order, pr_tensor **w, pr_tensor **V) {
    pr_status st = check_matrix(A, "eigh", "A", SQUARE);
    if (st || (st = require_symmetric(A, "eigh"))) return st;
    return DISPATCH(A, eigh, A, order, w, V);
}

pr_status pr_eig(const pr_tensor *A, pr_tensor **w_re, pr_tensor **w_im, pr_tensor **V_re,
                 pr_tensor **V_im) {
    pr_status st = check_matrix(A, "eig", "A", SQUARE);
    if (st) return st;
    return DISPATCH(A, eig, A, w_re, w_im, V_re, V_im);
}

pr_status pr_charpoly(const pr_tensor *A, pr_tensor **coeffs) {
    pr_tensor *wr, *wi;
    pr_status st = pr_eig(A, &wr, &wi, NULL, NULL);
    if (st) return pr__fail_context("charpoly: ");
    int64_t n = A->shape[0];
    /* Multiply out (λ - λ_1)...(λ - λ_n) in complex arithmetic; conjugate pairs
     * make the imaginary parts cancel. */
    double *re = pr__calloc((size_t)n + 1, sizeof(double));
    double *im = pr__calloc((size_t)n + 1, sizeof(double));
    pr_tensor *c = NULL;
    if (re && im) {
        re[0] = 1;
        for (int64_t k = 0; k < n; k++) {
            double lr = pr_tensor_get(wr, k), li = pr_tensor_get(wi, k);
            for (int64_t j = k + 1; j >= 1; j--) {
                double pr_ = re[j - 1] * lr - im[j - 1] * li;
                double pi_ = re[j - 1] * li + im[j - 1] * lr;
                re[j] -= pr_;
                im[j] -= pi_;
            }
        }
        st = pr__tensor_alloc(&c, A->dtype, PR_SHAPE(n + 1), false);
        for (int64_t j = 0; !st && j <= n; j++) pr_tensor_set(c, j, re[j]);
    } else {
        st = PR_ERR_NOMEM;
    }
    free(re);
    free(im);
    pr_tensor_free(wr);
    pr_tensor_free(wi);
    if (st) return st;
    *coeffs = c;
    return PR_OK;
}

pr_status pr_svd(const pr_tensor *A, pr_svd_mode mode, pr_tensor **U, pr_tensor **S,
                 pr_tensor **Vt) {
    pr_status st = check_matrix(A, "svd", "A", ANY_SHAPE);
    if (st) return st;
    if (mode != PR_SVD_THIN && mode != PR_SVD_FULL)
        return pr__fail(PR_ERR_INVALID, "svd: unknown mode %d", (int)mode);
    return DISPATCH(A, svd, A, mode, U, S, Vt);
}

pr_status pr_svd_truncated(const pr_tensor *A, int64_t k, pr_tensor **U, pr_tensor **S,
                           pr_tensor **Vt) {
    pr_status st = check_matrix(A, "svd_truncated", "A", ANY_SHAPE);
    if (st) return st;
    int64_t m = A->shape[0], n = A->shape[1], kmax = m < n ? m : n;
    if (k < 1 || k > kmax)
        return pr__fail(PR_ERR_INVALID, "svd_truncated: k = %lld is outside 1..%lld", (long long)k,
                        (long long)kmax);
    pr_tensor *u, *s, *vt;
    if ((st = DISPATCH(A, svd, A, PR_SVD_THIN, &u, &s, &vt))) return st;
    /* Keep the first k columns of U, values of S and rows of Vt. */
    pr_tensor *uk = NULL, *sk = NULL, *vtk = NULL;
    st = pr__tensor_alloc(&uk, A->dtype, PR_SHAPE(m, k), false);
    if (!st) st = pr_tensor_rows(s, 0, k, &sk);
    if (!st) st = pr_tensor_rows(vt, 0, k, &vtk);
    if (!st) {
        size_t es = pr_dtype_size(A->dtype);
        for (int64_t i = 0; i < m; i++)
            memcpy((char *)uk->data + (size_t)(i * k) * es, (char *)u->data + (size_t)(i * kmax) * es,
                   (size_t)k * es);
    }
    pr_tensor_free(u);
    pr_tensor_free(s);
    pr_tensor_free(vt);
    if (st) {
        pr_tensor_free(uk);
        pr_tensor_free(sk);
        pr_tensor_free(vtk);
        return st;
    }
    if (U) *U = uk;
    else pr_tensor_free(uk);
    if (S) *S = sk;
    else pr_tensor_free(sk);
    if (Vt) *Vt = vtk;
    else pr_tensor_free(vtk);
    return PR_OK;
}

pr_status pr_low_rank_approx(const pr_tensor *A, int64_t k, pr_tensor **out) {
    pr_tensor *U, *S, *Vt;
    pr_status st = pr_svd_truncated(A, k, &U, &S, &Vt);
    if (st) return st;
    /* U diag(S) Vt: scale the columns of U, then one product. */
    int64_t m = U->shape[0];
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < k; j++)
            pr_tensor_set(U, i * k + j, pr_tensor_get(U, i * k + j) * pr_tensor_get(S, j));
    st = pr_matmul(U, Vt, out);
    pr_tensor_free(U);
    pr_tensor_free(S);
    pr_tensor_free(Vt);
    return st;
}

const char *pr_definiteness_name(pr_definiteness d) {
    switch (d) {
    case PR_POSITIVE_DEFINITE: return "positive definite";
    case PR_POSITIVE_SEMIDEFINITE: return "positive semi-definite";
    case PR_NEGATIVE_DEFINITE: return "negative definite";
    case PR_NEGATIVE_SEMIDEFINITE: return "negative semi-definite";
    case PR_INDEFINITE: return "indefinite";
    }
    return "unknown";
}

pr_status pr_definiteness_of(const pr_tensor *A, double tol, pr_definiteness *out) {
    pr_tensor *S, *w;
    pr_status st = pr_symmetric_part(A, &S);
    if (st) return pr__fail_context("definiteness: ");
    st = DISPATCH(S, eigh, S, PR_ASCENDING, &w, NULL);
    pr_tensor_free(S);
    if (st) return st;
    int64_t n = w->size;
    double lo = pr_tensor_get(w, 0), hi = pr_tensor_get(w, n - 1);
    pr_tensor_free(w);
    if (tol < 0) tol = 10.0 * (double)n * dtype_eps(A->dtype) * fmax(fabs(lo), fabs(hi));
    /* The eigenvalues are sorted, so the two ends decide. */
    int has_pos = hi > tol, has_neg = lo < -tol;
    if (has_pos && has_neg) *out = PR_INDEFINITE;
    else if (has_pos) *out = lo > tol ? PR_POSITIVE_DEFINITE : PR_POSITIVE_SEMIDEFINITE;
    else if (has_neg) *out = hi < -tol ? PR_NEGATIVE_DEFINITE : PR_NEGATIVE_SEMIDEFINITE;
    else *out = PR_POSITIVE_SEMIDEFINITE; /* all eigenvalues zero */
    return PR_OK;
}
