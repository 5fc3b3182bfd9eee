/* Internal to the reducers (PCA, t-SNE): shared column preparation. */
#ifndef PRIMER_REDUCE_INTERNAL_H
#define PRIMER_REDUCE_INTERNAL_H

#include "core/internal.h"
#include "primer/threads.h"

/* A float64 copy *C of X (m, n) with each column centred, and divided by its standard
 * deviation (divisor m) when `standardize`; the means (n) and scales (n, or NULL
 * without standardize) in new tensors. A constant column cannot be standardised:
 * PR_ERR_INVALID naming it (by names[j] when given). */
pr_status pr__standardize_columns(const pr_tensor *X, int standardize, const char *what, const char *const *names,
                                  pr_tensor **C, pr_tensor **mean, pr_tensor **scale);
/* The same centring and scaling, fitted before, applied to X: a new float64 *C. */
pr_status pr__apply_standardization(const pr_tensor *X, const pr_tensor *mean, const pr_tensor *scale, pr_tensor **C);

/* The k nearest neighbours of each row of X (m, n) among the others: indices (m * k,
 * nearest first) and squared distances (may be NULL), by blocked BLAS distances with
 * the chosen neighbours' distances recomputed exactly; the blocks split over the pool
 * (NULL: the calling thread, the BLAS with its own threads). */
pr_status pr__knn_f64(pr_threads *pool, const double *X, int64_t m, int64_t n, int64_t k, int64_t *indices,
                      double *sq_distances);

/* t-SNE's repulsion in 2-D by FFT-accelerated interpolation (tsne_fft.c): for the
 * embedding Y (n, 2), neg (2n) = Σ_j w_ij² (y_i - y_j) and point_sum (n) = Σ_{j≠i} w_ij
 * with w = 1 / (1 + d²), the points split over the pool (the FFTs on the calling
 * thread). The workspace keeps its grids and FFT plans between calls. */
typedef struct pr__fft_repulsion pr__fft_repulsion;
pr_status pr__fft_repulsion_new(int64_t n, pr__fft_repulsion **out);
void pr__fft_repulsion_free(pr__fft_repulsion *f);
pr_status pr__fft_repulsion_run(pr__fft_repulsion *f, pr_threads *pool, const double *Y, int64_t n, double *neg,
                                double *point_sum);

#endif
