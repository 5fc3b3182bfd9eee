/* The BLAS/LAPACK backend: the only interface through which primer reaches CBLAS
 * and LAPACKE (backend.c is the only file that includes their headers). Matrices
 * are row-major; leading dimensions are row strides in elements.
 *
 * Each routine returns 0 on success, LAPACK's `info` (> 0: a numerical
 * condition the caller interprets; < 0: an invalid argument), PR_BK_NOMEM when
 * LAPACKE could not allocate its workspace, or PR_BK_TOO_BIG when a dimension
 * does not fit LAPACK's 32-bit integers. */
#ifndef PRIMER_LINALG_BACKEND_H
#define PRIMER_LINALG_BACKEND_H

#include <stdint.h>

#define PR_BK_NOMEM (-1010) /* LAPACK_WORK_MEMORY_ERROR */
#define PR_BK_TOO_BIG (-2000)

#define PR_BK_DECLARE(R, SFX)                                                                     \
    int pr__bk_gemm_##SFX(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, R alpha,     \
                          const R *A, int64_t lda, const R *B, int64_t ldb, R beta, R *C,         \
                          int64_t ldc);                                                           \
    int pr__bk_gemv_##SFX(int trans, int64_t m, int64_t n, R alpha, const R *A, int64_t lda,      \
                          const R *x, R beta, R *y);                                              \
    /* C (n x n, upper triangle) = Aᵀ A for A (k x n). */                                         \
    int pr__bk_syrk_t_##SFX(int64_t n, int64_t k, const R *A, int64_t lda, R *C, int64_t ldc);    \
    /* x · y accumulated in double. */                                                            \
    double pr__bk_dot_##SFX(int64_t n, const R *x, const R *y);                                   \
    int pr__bk_getrf_##SFX(int64_t m, int64_t n, R *A, int64_t lda, int *ipiv);                  \
    int pr__bk_getri_##SFX(int64_t n, R *A, int64_t lda, const int *ipiv);                       \
    int pr__bk_getrs_##SFX(int64_t n, int64_t nrhs, const R *A, int64_t lda, const int *ipiv,    \
                           R *B, int64_t ldb);                                                    \
    /* 1-norm of a general matrix. */                                                             \
    R pr__bk_norm1_##SFX(int64_t m, int64_t n, const R *A, int64_t lda);                          \
    /* Reciprocal 1-norm condition estimate from an LU factorisation. */                          \
    int pr__bk_gecon_##SFX(int64_t n, const R *LU, int64_t lda, R anorm, R *rcond);               \
    int pr__bk_potrf_lower_##SFX(int64_t n, R *A, int64_t lda);                                   \
    int pr__bk_geqrf_##SFX(int64_t m, int64_t n, R *A, int64_t lda, R *tau);                      \
    int pr__bk_orgqr_##SFX(int64_t m, int64_t n, int64_t k, R *A, int64_t lda, const R *tau);     \
    /* Eigenvalues ascending in w; eigenvectors (columns) overwrite A when `vectors`. */         \
    int pr__bk_syevd_##SFX(int vectors, int64_t n, R *A, int64_t lda, R *w);                      \
    int pr__bk_geev_##SFX(int vectors, int64_t n, R *A, int64_t lda, R *wr, R *wi, R *vr,         \
                          int64_t ldvr);                                                          \
    /* job: 'A' full, 'S' thin, 'N' values only. */                                               \
    int pr__bk_gesdd_##SFX(char job, int64_t m, int64_t n, R *A, int64_t lda, R *s, R *u,         \
                           int64_t ldu, R *vt, int64_t ldvt);                                     \
    int pr__bk_gesvd_##SFX(char job, int64_t m, int64_t n, R *A, int64_t lda, R *s, R *u,         \
                           int64_t ldu, R *vt, int64_t ldvt);                                     \
    int pr__bk_gelsd_##SFX(int64_t m, int64_t n, int64_t nrhs, R *A, int64_t lda, R *B,           \
                           int64_t ldb, R *s, R rcond, int64_t *rank);

PR_BK_DECLARE(float, f32)
PR_BK_DECLARE(double, f64)

#endif
