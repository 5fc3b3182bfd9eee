/* The BLAS/LAPACK backend: the only interface through which primer reaches CBLAS
 * and LAPACKE (backend.c is the only file that includes their headers).
 *
 * BLAS routines take row-major matrices (CBLAS handles them natively). LAPACK
 * routines take COLUMN-major matrices and are reached through LAPACKE's _work
 * entry points, which neither transpose nor scan for NaN: primer's row-major
 * matrix A is the column-major matrix Aᵀ, and linalg.inc uses that identity
 * (LU of Aᵀ solves with trans = 'T', the LQ factorisation of Aᵀ is the QR of A,
 * and so on) instead of paying for transposes. Workspace queries and
 * allocation happen here.
 *
 * Each LAPACK routine returns 0 on success, LAPACK's `info` (> 0: a numerical
 * condition the caller interprets; < 0: an invalid argument), PR_BK_NOMEM when
 * workspace could not be allocated, or PR_BK_TOO_BIG when a dimension does not
 * fit LAPACK's 32-bit integers. Leading dimensions are in elements. */
#ifndef PRIMER_LINALG_BACKEND_H
#define PRIMER_LINALG_BACKEND_H

#include <stdint.h>

#define PR_BK_NOMEM (-1010) /* LAPACK_WORK_MEMORY_ERROR */
#define PR_BK_TOO_BIG (-2000)

/* C (m x n) += A (m x k) Bᵀ (B is n x k), row-major: the skinny kernel of skinny.c
 * for small outputs with a long k (float32) where the BLAS is slow on them
 * (pr__bk_small_gemm_is_slow), BLAS otherwise. */
int pr__bk_gemm_nt_acc_f32(int64_t m, int64_t n, int64_t k, const float *A, int64_t lda, const float *B, int64_t ldb,
                           float *C, int64_t ldc);
int pr__bk_gemm_nt_acc_f64(int64_t m, int64_t n, int64_t k, const double *A, int64_t lda, const double *B,
                           int64_t ldb, double *C, int64_t ldc);

/* C = A B (beta 0) or C += A B (beta 1), row-major, for A of at most
 * PR__SMALL_GEMM_ROWS rows (a recurrent step) against a B reused across calls:
 * skinny.c's register-blocked kernel (float32), the BLAS otherwise. */
#define PR__SMALL_GEMM_ROWS 64
int pr__bk_gemm_small_f32(int64_t m, int64_t n, int64_t k, const float *A, int64_t lda, const float *B, int64_t ldb,
                          float *C, int64_t ldc, int beta);
int pr__bk_gemm_small_f64(int64_t m, int64_t n, int64_t k, const double *A, int64_t lda, const double *B,
                          int64_t ldb, double *C, int64_t ldc, int beta);

/* 1 when the BLAS's kernels are slow on small products: OpenBLAS's AVX2 kernel sets
 * (Haswell, Zen) and BLASes that are not OpenBLAS; its AVX-512 sets have
 * small-matrix paths that beat skinny.c's kernel. */
int pr__bk_small_gemm_is_slow(void);

/* The BLAS's thread count (1 when it cannot tell). */
int pr__bk_threads(void);
/* Set it (no-op when the BLAS has no thread control). */
void pr__bk_set_threads(int n);

/* pr__bk_gemm split over a pool (par_gemm.c): inline for a NULL or one-worker pool,
 * a small product, or inside a parallel region. */
struct pr_threads;
int pr__par_gemm_f32(struct pr_threads *pool, int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                     const float *A, int64_t lda, const float *B, int64_t ldb, float beta, float *C, int64_t ldc);
int pr__par_gemm_f64(struct pr_threads *pool, int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, double alpha,
                     const double *A, int64_t lda, const double *B, int64_t ldb, double beta, double *C, int64_t ldc);

#define PR_BK_DECLARE(R, SFX)                                                                     \
    /* ---- BLAS, row-major ---- */                                                               \
    int pr__bk_gemm_##SFX(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, R alpha,     \
                          const R *A, int64_t lda, const R *B, int64_t ldb, R beta, R *C,         \
                          int64_t ldc);                                                           \
    int pr__bk_gemv_##SFX(int trans, int64_t m, int64_t n, R alpha, const R *A, int64_t lda,      \
                          const R *x, R beta, R *y);                                              \
    /* C (n x n, upper triangle) = Aᵀ A for A (k x n). */                                         \
    int pr__bk_syrk_t_##SFX(int64_t n, int64_t k, const R *A, int64_t lda, R *C, int64_t ldc);    \
    /* x · y accumulated in double. */                                                            \
    double pr__bk_dot_##SFX(int64_t n, const R *x, const R *y);                                   \
    /* ---- LAPACK, column-major ---- */                                                         \
    int pr__bk_getrf_##SFX(int64_t n, R *A, int64_t lda, int *ipiv);                             \
    /* trans: 'N' solves A X = B, 'T' solves Aᵀ X = B, with A factored by getrf. */               \
    int pr__bk_getrs_##SFX(char trans, int64_t n, int64_t nrhs, const R *LU, int64_t lda,         \
                           const int *ipiv, R *B, int64_t ldb);                                   \
    int pr__bk_getri_##SFX(int64_t n, R *LU, int64_t lda, const int *ipiv);                      \
    /* Reciprocal condition estimate in norm '1' or 'I' of the factored matrix. */               \
    int pr__bk_gecon_##SFX(char norm, int64_t n, const R *LU, int64_t lda, R anorm, R *rcond);    \
    /* uplo 'U': A = UᵀU with U in the upper triangle; 'L': A = L Lᵀ. */                          \
    int pr__bk_potrf_##SFX(char uplo, int64_t n, R *A, int64_t lda);                              \
    /* Solve A X = B for symmetric positive definite A (either triangle: it is symmetric),        \
     * B (n x nrhs) overwritten by X and A by its Cholesky factor; > 0 when A is not PD. */       \
    int pr__bk_posv_##SFX(int64_t n, int64_t nrhs, R *A, int64_t lda, R *B, int64_t ldb);         \
    /* A (m x n) = L Q: L in the lower trapezoid, Q as reflectors and tau (min(m, n)). */          \
    int pr__bk_gelqf_##SFX(int64_t m, int64_t n, R *A, int64_t lda, R *tau);                      \
    /* The first m rows of Q (m x n, m <= n) from k reflectors. */                                \
    int pr__bk_orglq_##SFX(int64_t m, int64_t n, int64_t k, R *A, int64_t lda, const R *tau);     \
    /* Symmetric eigenproblem: eigenvalues ascending in w; eigenvectors as the columns of A       \
     * when `vectors`. */                                                                         \
    int pr__bk_syevd_##SFX(int vectors, int64_t n, R *A, int64_t lda, R *w);                      \
    /* SVD, job 'A' (all), 'S' (thin) or 'N' (values only); u and vt may be NULL for 'N'.        \
     * Divide and conquer (gesdd) or the QR iteration (gesvd). */                                 \
    int pr__bk_gesdd_##SFX(char job, int64_t m, int64_t n, R *A, int64_t lda, R *s, R *u,         \
                           int64_t ldu, R *vt, int64_t ldvt);                                     \
    int pr__bk_gesvd_##SFX(char job, int64_t m, int64_t n, R *A, int64_t lda, R *s, R *u,         \
                           int64_t ldu, R *vt, int64_t ldvt);                                     \
    /* Minimum-norm least squares; B has ldb >= max(m, n) rows and receives X. */                 \
    int pr__bk_gelsd_##SFX(int64_t m, int64_t n, int64_t nrhs, R *A, int64_t lda, R *B,           \
                           int64_t ldb, R *s, R rcond, int64_t *rank);                            \
    /* ---- LAPACK, row-major (through LAPACKE's transposing interface) ---- */                 \
    /* General eigenproblem of the row-major A: right eigenvectors in vr (row-major). */           \
    int pr__bk_geev_rowmajor_##SFX(int vectors, int64_t n, R *A, R *wr, R *wi, R *vr);

PR_BK_DECLARE(float, f32)
PR_BK_DECLARE(double, f64)

#endif
