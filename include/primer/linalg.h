/* primer/linalg.h — dense linear algebra (book chapter 1).
 *
 * Matrices are 2-D tensors and vectors 1-D tensors, float32 or float64 (all
 * operands of one call share a dtype). BLAS (through CBLAS) and LAPACK (through
 * LAPACKE) do the work; pr_matmul_reference() is a plain triple loop kept beside
 * the BLAS path so the tests can hold one against the other.
 *
 * Decompositions check their input first: NaN or infinity gives
 * PR_ERR_NONFINITE; a non-square matrix where a square one is needed gives
 * PR_ERR_SHAPE. Singular systems (an exactly zero pivot, or a reciprocal
 * condition estimate below machine epsilon) give PR_ERR_SINGULAR with the
 * estimate in the message, never garbage.
 *
 * As everywhere in primer, outputs are new tensors written through `out`
 * pointers and owned by the caller (pr_tensor_free); optional outputs may be
 * NULL.
 */
#ifndef PRIMER_LINALG_H
#define PRIMER_LINALG_H

#include "primer/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- vectors ----------------------------------------------------------------- */

/* x · y for two tensors with the same number of elements (any shape). */
pr_status pr_dot(const pr_tensor *x, const pr_tensor *y, double *out);
/* x·y / (‖x‖‖y‖); PR_ERR_INVALID when either vector is zero. */
pr_status pr_cosine_similarity(const pr_tensor *x, const pr_tensor *y, double *out);
/* The angle between x and y in radians, arccos of the cosine similarity. */
pr_status pr_vector_angle(const pr_tensor *x, const pr_tensor *y, double *radians);
/* ‖x‖_p over all elements: p = 1, 2, INFINITY, or any p >= 1. The 2-norm is
 * computed without overflow or underflow for extreme magnitudes. */
pr_status pr_norm(const pr_tensor *x, double p, double *out);
/* proj_x(y) = (y·x / x·x) x. PR_ERR_INVALID when x is zero. */
pr_status pr_project_onto_vector(const pr_tensor *y, const pr_tensor *x, pr_tensor **out);
/* The orthogonal projection of y (length m) onto the column space of A (m x n),
 * A (AᵀA)⁺ Aᵀ y computed through least squares, so it is exact even when A's
 * columns are dependent. */
pr_status pr_project_onto_columns(const pr_tensor *A, const pr_tensor *y, pr_tensor **out);

/* ---- products ------------------------------------------------------------------ */

/* C = A B with NumPy's matmul rules for 1-D and 2-D operands:
 * (m,k)(k,n) → (m,n); (m,k)(k) → (m); (k)(k,n) → (n); (k)(k) → rank 0. */
pr_status pr_matmul(const pr_tensor *A, const pr_tensor *B, pr_tensor **out);
/* C = alpha op(A) op(B) + beta C into an existing (m, n) C, op(X) = X or Xᵀ. */
pr_status pr_gemm(int transpose_a, int transpose_b, double alpha, const pr_tensor *A,
                  const pr_tensor *B, double beta, pr_tensor *C);
/* The same product as pr_matmul by a plain triple loop (double accumulation);
 * the reference the BLAS path is tested against. */
pr_status pr_matmul_reference(const pr_tensor *A, const pr_tensor *B, pr_tensor **out);
/* The Gram matrix XᵀX (n x n, exactly symmetric). */
pr_status pr_gram(const pr_tensor *X, pr_tensor **out);
/* Covariance of the columns of X (m samples x n features): centred XᵀX / (m - ddof).
 * ddof 1 is the unbiased estimate (NumPy's np.cov); ddof 0 divides by m. */
pr_status pr_covariance(const pr_tensor *X, int ddof, pr_tensor **out);
/* Outer product x yᵀ. */
pr_status pr_outer(const pr_tensor *x, const pr_tensor *y, pr_tensor **out);

/* ---- matrix properties ------------------------------------------------------- */

typedef enum pr_matrix_norm_kind {
    PR_NORM_FROBENIUS, /* sqrt of the sum of squares (NumPy's default for matrices) */
    PR_NORM_SPECTRAL,  /* largest singular value, ‖A‖₂ */
    PR_NORM_NUCLEAR,   /* sum of singular values */
    PR_NORM_ONE,       /* largest absolute column sum */
    PR_NORM_INF        /* largest absolute row sum */
} pr_matrix_norm_kind;

pr_status pr_matrix_norm(const pr_tensor *A, pr_matrix_norm_kind kind, double *out);
/* Sum of the diagonal of a square matrix. */
pr_status pr_trace(const pr_tensor *A, double *out);
/* det(A) by LU; 0 for a singular matrix. Falls back to exp(log|det|) when the
 * plain product of pivots would overflow or underflow. */
pr_status pr_det(const pr_tensor *A, double *out);
/* sign (-1, 0, 1) and log|det A|, safe for any magnitude. */
pr_status pr_slogdet(const pr_tensor *A, double *sign, double *logabsdet);
/* Numerical rank: singular values above tol. tol < 0 selects NumPy's default
 * σ_max · max(m, n) · eps. */
pr_status pr_rank(const pr_tensor *A, double tol, int64_t *rank);
/* 2-norm condition number σ_max / σ_min; +infinity for a singular matrix. */
pr_status pr_cond(const pr_tensor *A, double *out);
/* 1 when |A - Aᵀ| <= tol · max|A| element-wise (tol < 0: sqrt(eps) of the dtype). */
pr_status pr_is_symmetric(const pr_tensor *A, double tol, int *out);
/* 1 when QᵀQ = I within tol (tol < 0: sqrt(eps) of the dtype); Q may be tall. */
pr_status pr_is_orthogonal(const pr_tensor *Q, double tol, int *out);
/* ½(A + Aᵀ). */
pr_status pr_symmetric_part(const pr_tensor *A, pr_tensor **out);
/* For a 1-D d: the diagonal matrix diag(d). For a 2-D A: its diagonal as 1-D. */
pr_status pr_diag(const pr_tensor *x, pr_tensor **out);

/* ---- linear systems ---------------------------------------------------------- */

/* X = A⁻¹ B for square A; B is (n) or (n, k). PR_ERR_SINGULAR when A is singular
 * to working precision (the message gives the reciprocal condition estimate). */
pr_status pr_solve(const pr_tensor *A, const pr_tensor *B, pr_tensor **out);
/* Minimum-norm least squares argmin ‖AX - B‖ by SVD (LAPACK gelsd): safe when A
 * is rank-deficient or wide. rcond < 0 selects eps · max(m, n); singular values
 * below rcond · σ_max count as zero. `rank` (optional) receives the effective rank. */
pr_status pr_lstsq(const pr_tensor *A, const pr_tensor *B, double rcond, pr_tensor **out,
                   int64_t *rank);
/* A⁻¹; diagonal matrices are inverted in O(n). PR_ERR_SINGULAR as for pr_solve. */
pr_status pr_inverse(const pr_tensor *A, pr_tensor **out);
/* Moore-Penrose pseudo-inverse V Σ⁺ Uᵀ (n x m); rcond as for pr_lstsq. */
pr_status pr_pinv(const pr_tensor *A, double rcond, pr_tensor **out);

typedef enum pr_system_kind {
    PR_SYSTEM_UNIQUE,    /* rank A = rank [A|b] = n */
    PR_SYSTEM_NONE,      /* rank A < rank [A|b]: b is outside the column space */
    PR_SYSTEM_INFINITE   /* rank A = rank [A|b] < n */
} pr_system_kind;

/* Classify Ax = b by the ranks of A and [A | b] (default tolerance). */
pr_status pr_system_kind_of(const pr_tensor *A, const pr_tensor *b, pr_system_kind *out);
const char *pr_system_kind_name(pr_system_kind kind);

/* ---- decompositions ---------------------------------------------------------- */

/* Lower-triangular L with A = L Lᵀ. PR_ERR_INVALID when A is not symmetric,
 * PR_ERR_NOT_PD (naming the failing leading minor) when it is not positive definite. */
pr_status pr_cholesky(const pr_tensor *A, pr_tensor **L);

typedef enum pr_qr_mode {
    PR_QR_REDUCED,  /* Q m x k, R k x n, k = min(m, n) */
    PR_QR_COMPLETE  /* Q m x m, R m x n */
} pr_qr_mode;

/* A = Q R with orthonormal columns in Q and upper-triangular R. */
pr_status pr_qr(const pr_tensor *A, pr_qr_mode mode, pr_tensor **Q, pr_tensor **R);

typedef enum pr_order { PR_ASCENDING, PR_DESCENDING } pr_order;

/* Symmetric eigendecomposition A = V diag(w) Vᵀ: eigenvalues w in the given order,
 * eigenvectors as the columns of V (optional; the sign of each is arbitrary).
 * PR_ERR_INVALID when A is not symmetric (within sqrt(eps) of its largest entry). */
pr_status pr_eigh(const pr_tensor *A, pr_order order, pr_tensor **w, pr_tensor **V);

/* General (non-symmetric) eigenproblem A v = λ v. Eigenvalues come as real and
 * imaginary parts (w_re, w_im; complex ones in conjugate pairs, positive imaginary
 * part first), in LAPACK's order, as NumPy's eig. Right eigenvectors (optional)
 * are the columns of V_re + i V_im, each of unit Euclidean norm. */
pr_status pr_eig(const pr_tensor *A, pr_tensor **w_re, pr_tensor **w_im, pr_tensor **V_re,
                 pr_tensor **V_im);
/* Coefficients c[0..n] of det(λI - A) = c0 λⁿ + c1 λⁿ⁻¹ + ... + cn (c0 = 1), from
 * the eigenvalues as NumPy's poly. For [[4,2],[1,3]]: 1, -7, 10. */
pr_status pr_charpoly(const pr_tensor *A, pr_tensor **coeffs);

typedef enum pr_svd_mode {
    PR_SVD_THIN,  /* U m x k, Vt k x n, k = min(m, n) */
    PR_SVD_FULL   /* U m x m, Vt n x n */
} pr_svd_mode;

/* A = U diag(S) Vt with singular values S descending (divide and conquer, falling
 * back to the QR iteration if it fails to converge). U and Vt are optional; with
 * both NULL only the singular values are computed. */
pr_status pr_svd(const pr_tensor *A, pr_svd_mode mode, pr_tensor **U, pr_tensor **S,
                 pr_tensor **Vt);
/* The k largest singular triplets (1 <= k <= min(m, n)): U m x k, S k, Vt k x n. */
pr_status pr_svd_truncated(const pr_tensor *A, int64_t k, pr_tensor **U, pr_tensor **S,
                           pr_tensor **Vt);
/* The best rank-k approximation U_k Σ_k V_kᵀ (Eckart-Young). */
pr_status pr_low_rank_approx(const pr_tensor *A, int64_t k, pr_tensor **out);

typedef enum pr_definiteness {
    PR_POSITIVE_DEFINITE,
    PR_POSITIVE_SEMIDEFINITE,
    PR_NEGATIVE_DEFINITE,
    PR_NEGATIVE_SEMIDEFINITE,
    PR_INDEFINITE
} pr_definiteness;

/* Definiteness of the quadratic form xᵀAx, from the eigenvalues of the symmetric
 * part ½(A + Aᵀ) (the same as A's own when A is symmetric). An eigenvalue with
 * |λ| <= tol counts as zero; tol < 0 selects 10 · n · eps · max|λ|. A zero
 * matrix is reported positive semi-definite. */
pr_status pr_definiteness_of(const pr_tensor *A, double tol, pr_definiteness *out);
/* "positive definite", ... */
const char *pr_definiteness_name(pr_definiteness d);

/* ---- backend ------------------------------------------------------------------- */

typedef struct pr_backend_info {
    char blas[256];    /* e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64" */
    char lapack[64];   /* e.g. "LAPACK 3.11.0 (LAPACKE)" */
    int blas_threads;  /* threads BLAS uses now; 0 if unknown */
    int cpu_count;     /* online processors */
} pr_backend_info;

/* Describe the BLAS and LAPACK primer is linked with. */
void pr_backend_info_get(pr_backend_info *info);
/* The OpenBLAS core type ("SKYLAKEX") that runs primer's products faster on this CPU
 * than the one OpenBLAS chose, or NULL when its choice is right (or the BLAS is not
 * OpenBLAS). OpenBLAS 0.3.21 runs AMD Zen 4, which has AVX-512, on its AVX2 Haswell
 * kernels; its SkylakeX kernels, with their small-matrix paths, are 1.5 to 6 times
 * faster there on the products of small layers (docs/performance.md). OpenBLAS reads
 * the environment variable OPENBLAS_CORETYPE once, when it is loaded, so a program
 * that wants the faster kernels sets it and starts again: pr_blas_restart_preferred. */
const char *pr_blas_preferred_coretype(void);
/* For a program's main (the primer tool and the benchmarks call it first): when
 * OPENBLAS_CORETYPE is unset and pr_blas_preferred_coretype names a core, set the
 * variable and run the program again from the start (execv of /proc/self/exe with
 * argv), so that OpenBLAS loads its faster kernels. Returns when there is nothing to
 * do, or when the restart failed (the program then carries on as it was). Linux only.
 * In a BLIS build (make BLAS=blis) it also sets BLIS_ARCH_TYPE to BLIS's AVX-512
 * kernels on a CPU that has them, when unset (BLIS 0.9.0 runs AMD Zen 4 on its generic
 * ones), and OMP_WAIT_POLICY to PASSIVE when unset (restarting), so that the
 * OpenMP threads of Debian's BLIS sleep rather than spin between products. Under an
 * address-space limit (pr_blas_check_memory_limit) it sets OPENBLAS_NUM_THREADS to 1
 * when unset, restarting for it too. */
void pr_blas_restart_preferred(char **argv);
/* Whether an address-space limit (setrlimit RLIMIT_AS, the shell's ulimit -v) leaves
 * room for `threads` threads that call BLAS. OpenBLAS gives each thread that runs a
 * product a buffer of 128 MB (its BUFFER_SIZE on x86-64), and when that allocation
 * fails it retries forever: OpenBLAS 0.3.21 spins in blas_memory_alloc. PR_OK when
 * there is no limit, or room for the buffers and `reserve` bytes of data besides;
 * else PR_ERR_LIMIT with a message that names the limit, what is in use and what
 * would fit. *fit (may be NULL) gets the threads that fit (0: not even one). Linux
 * (reads /proc/self/statm); elsewhere PR_OK. pr_blas_restart_preferred also makes
 * OpenBLAS single-threaded under such a limit (OPENBLAS_NUM_THREADS=1, when unset),
 * since its own threads would each want a buffer too. */
#define PR_BLAS_BUFFER_BYTES ((size_t)128 << 20)
pr_status pr_blas_check_memory_limit(int threads, size_t reserve, int *fit);
/* Set the number of threads BLAS may use (n >= 1). PR_ERR_UNSUPPORTED when the
 * BLAS offers no such control. */
pr_status pr_set_num_threads(int n);

#ifdef __cplusplus
}
#endif

#endif /* PRIMER_LINALG_H */
