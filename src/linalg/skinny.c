/* C += A Bᵀ for a small C and a long inner dimension: a convolution's weight gradient
 * (out channels x patch length, summed over every output position). OpenBLAS's AVX2
 * kernels pack both operands for such shapes and reach about a quarter of their
 * speed on large ones (6 x 25 x 784: 24 GFLOP/s against 90); this kernel keeps a
 * 4 x 3 block of C in vector registers and streams both operands once, reading them
 * where they lie (50). OpenBLAS's AVX-512 kernels have small-matrix paths that do
 * better still (166), so it is used only under the AVX2 ones. */
#include <string.h>

#include "core/internal.h"
#include "linalg/backend.h"

/* Outputs up to this many elements with an inner dimension at least this long. */
#define SKINNY_MAX_OUT 1024
#define SKINNY_MIN_K 256

typedef float v8f __attribute__((vector_size(32)));
enum { MB = 4, NB = 3, LANES = 8 };

/* One block of at most MB x NB outputs: lanes accumulate 8 products at a time, then
 * the lanes and the remainder of k are added in order. */
static inline __attribute__((always_inline)) void skinny_block(int64_t mb, int64_t nb, int64_t k, const float *A, int64_t lda, const float *B,
                                int64_t ldb, float *C, int64_t ldc) {
    v8f acc[MB][NB];
    memset(acc, 0, sizeof acc);
    int64_t p = 0;
    for (; p + LANES <= k; p += LANES) {
        v8f a[MB], b[NB];
        for (int64_t i = 0; i < mb; i++) memcpy(&a[i], A + i * lda + p, sizeof a[i]);
        for (int64_t j = 0; j < nb; j++) memcpy(&b[j], B + j * ldb + p, sizeof b[j]);
        for (int64_t i = 0; i < mb; i++)
            for (int64_t j = 0; j < nb; j++) acc[i][j] += a[i] * b[j];
    }
    for (int64_t i = 0; i < mb; i++)
        for (int64_t j = 0; j < nb; j++) {
            float s = 0;
            for (int l = 0; l < LANES; l++) s += acc[i][j][l];
            for (int64_t q = p; q < k; q++) s += A[i * lda + q] * B[j * ldb + q];
            C[i * ldc + j] += s;
        }
}

PR_VECTOR_CLONES static void skinny(int64_t m, int64_t n, int64_t k, const float *A, int64_t lda, const float *B,
                                    int64_t ldb, float *C, int64_t ldc) {
    for (int64_t i = 0; i < m; i += MB)
        for (int64_t j = 0; j < n; j += NB) {
            int64_t mb = m - i < MB ? m - i : MB, nb = n - j < NB ? n - j : NB;
            if (mb == MB && nb == NB) /* full blocks: fixed trip counts the compiler unrolls */
                skinny_block(MB, NB, k, A + i * lda, lda, B + j * ldb, ldb, C + i * ldc + j, ldc);
            else
                skinny_block(mb, nb, k, A + i * lda, lda, B + j * ldb, ldb, C + i * ldc + j, ldc);
        }
}

int pr__bk_gemm_nt_acc_f32(int64_t m, int64_t n, int64_t k, const float *A, int64_t lda, const float *B, int64_t ldb,
                           float *C, int64_t ldc) {
    if (m * n > SKINNY_MAX_OUT || k < SKINNY_MIN_K || !pr__bk_small_gemm_is_slow())
        return pr__bk_gemm_f32(0, 1, m, n, k, 1, A, lda, B, ldb, 1, C, ldc);
    skinny(m, n, k, A, lda, B, ldb, C, ldc);
    return 0;
}

int pr__bk_gemm_nt_acc_f64(int64_t m, int64_t n, int64_t k, const double *A, int64_t lda, const double *B,
                           int64_t ldb, double *C, int64_t ldc) {
    return pr__bk_gemm_f64(0, 1, m, n, k, 1, A, lda, B, ldb, 1, C, ldc);
}

/* C = A B (beta 0) or C += A B (beta 1) for a short A (the rows of one recurrent
 * step: a batch of hidden states) and a B that stays in cache across calls (the
 * recurrent weights): 8 rows x 32 columns of C in registers (16 AVX-512 vectors), B
 * read where it lies. OpenBLAS packs B on every call, as much work as the product
 * at these shapes: 32 x 128 x 512 ran at 95 GFLOP/s in OpenBLAS and 170-195 here
 * with AVX-512. Under AVX2 the tile spills (63 against OpenBLAS's 95), so there
 * the BLAS does it. */
enum { SM_ROWS = 8, SM_COLS = 32 };

static inline __attribute__((always_inline)) void small_block(int64_t mb, int64_t nb, int64_t k, const float *A,
                                                               int64_t lda, const float *B, int64_t ldb, float *C,
                                                               int64_t ldc, int beta) {
    float acc[SM_ROWS][SM_COLS];
    memset(acc, 0, sizeof acc);
    for (int64_t p = 0; p < k; p++) {
        const float *b = B + p * ldb;
        for (int64_t i = 0; i < mb; i++) {
            float a = A[i * lda + p];
            for (int64_t j = 0; j < nb; j++) acc[i][j] += a * b[j];
        }
    }
    for (int64_t i = 0; i < mb; i++)
        for (int64_t j = 0; j < nb; j++) C[i * ldc + j] = beta ? C[i * ldc + j] + acc[i][j] : acc[i][j];
}

PR_VECTOR_CLONES static void small_gemm(int64_t m, int64_t n, int64_t k, const float *A, int64_t lda, const float *B,
                                        int64_t ldb, float *C, int64_t ldc, int beta) {
    for (int64_t j = 0; j < n; j += SM_COLS)
        for (int64_t i = 0; i < m; i += SM_ROWS) {
            int64_t mb = m - i < SM_ROWS ? m - i : SM_ROWS, nb = n - j < SM_COLS ? n - j : SM_COLS;
            if (mb == SM_ROWS && nb == SM_COLS)
                small_block(SM_ROWS, SM_COLS, k, A + i * lda, lda, B + j, ldb, C + i * ldc + j, ldc, beta);
            else
                small_block(mb, nb, k, A + i * lda, lda, B + j, ldb, C + i * ldc + j, ldc, beta);
        }
}

int pr__bk_gemm_small_f32(int64_t m, int64_t n, int64_t k, const float *A, int64_t lda, const float *B, int64_t ldb,
                          float *C, int64_t ldc, int beta) {
    if (m > PR__SMALL_GEMM_ROWS || !__builtin_cpu_supports("avx512f"))
        return pr__bk_gemm_f32(0, 0, m, n, k, 1, A, lda, B, ldb, beta ? 1 : 0, C, ldc);
    small_gemm(m, n, k, A, lda, B, ldb, C, ldc, beta);
    return 0;
}

int pr__bk_gemm_small_f64(int64_t m, int64_t n, int64_t k, const double *A, int64_t lda, const double *B,
                          int64_t ldb, double *C, int64_t ldc, int beta) {
    return pr__bk_gemm_f64(0, 0, m, n, k, 1, A, lda, B, ldb, beta ? 1 : 0, C, ldc);
}
