/* primer/reduce.h — dimensionality reduction (book chapter 12): principal
 * component analysis and t-SNE. Unsupervised: they take a table X (m rows, n
 * features) and no target, and live here, apart from the supervised estimators of
 * primer/models.h.
 *
 *     pr_pca *p;
 *     pr_pca_config c = PR_PCA_DEFAULTS;      // keep 95% of the variance
 *     pr_pca_fit(&p, &c, X);
 *     pr_pca_transform(p, X, &Z);            // (m, k)
 *     pr_pca_save(p, "pca.safetensors");     // primer predict applies it to new data
 *
 *     pr_tsne_config t = PR_TSNE_DEFAULTS;   // perplexity 30, 1000 iterations
 *     pr_tsne(&t, X, &Y, &info);             // Y (m, 2); info.kl, info.iterations
 */
#ifndef PRIMER_REDUCE_H
#define PRIMER_REDUCE_H

#include "primer/core.h"
#include "primer/threads.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- PCA (section 12.2) ---------------------------------------------------------------- */

/* X(enum name, "name", what it does). */
#define PR_PCA_SOLVER_LIST(X)                                                                        \
    X(PR_PCA_AUTO, "auto", "covariance when m >= n, else svd")                                       \
    X(PR_PCA_COVARIANCE, "covariance", "symmetric eigendecomposition of the n x n covariance")      \
    X(PR_PCA_SVD, "svd", "thin SVD of the centred m x n data")                                       \
    X(PR_PCA_RANDOMIZED, "randomized", "randomized SVD: a Gaussian sketch, power iterations, QR")

typedef enum pr_pca_solver {
#define PR_X_(name, str, what) name,
    PR_PCA_SOLVER_LIST(PR_X_)
#undef PR_X_
    PR_PCA_SOLVER_COUNT
} pr_pca_solver;

/* Start from PR_PCA_DEFAULTS. */
typedef struct pr_pca_config {
    int64_t n_components;  /* components to keep, 1..min(m, n); 0: the fewest that retain
                              `variance` (0) */
    double variance;       /* with n_components 0: the fraction of the variance to retain, in
                              (0, 1] (0.95, the book's rule) */
    int ddof;              /* the covariance divides by m - ddof: 1 as section 12.2 and Listing
                              12.1 (NumPy's np.cov), 0 as Q12.2 and Q12.7 (1) */
    int standardize;       /* divide each centred column by its standard deviation (divisor m,
                              scikit-learn's StandardScaler) first, as Q12.6 advises (0) */
    int whiten;            /* scale each component to unit variance (0) */
    pr_pca_solver solver;  /* (PR_PCA_AUTO) */
    int power_iterations;  /* randomized: power iterations (7) */
    int oversamples;       /* randomized: extra sketch columns (10) */
    uint64_t seed;         /* randomized: the sketch (0) */
    const char *const *feature_names; /* optional n column names, kept in the model (NULL) */
} pr_pca_config;

#define PR_PCA_DEFAULTS                                                                                  \
    ((pr_pca_config){.n_components = 0, .variance = 0.95, .ddof = 1, .solver = PR_PCA_AUTO,              \
                     .power_iterations = 7, .oversamples = 10})

typedef struct pr_pca pr_pca;

const char *pr_pca_solver_name(pr_pca_solver s);
pr_status pr_pca_solver_parse(const char *name, pr_pca_solver *out);

/* Fit to X (m, n), m >= 2. Components come with a deterministic sign: the entry of
 * largest magnitude of each is positive. Errors: PR_ERR_NONFINITE (naming the row
 * and column), PR_ERR_SHAPE, PR_ERR_INVALID (more components than min(m, n), a
 * fraction outside (0, 1], a constant column with standardize, whitening a
 * component of zero variance, a variance target with the randomized solver, which
 * does not see the whole spectrum). */
pr_status pr_pca_fit(pr_pca **out, const pr_pca_config *config, const pr_tensor *X);
void pr_pca_free(pr_pca *p);

/* Z = ((X - mean) / scale) V_kᵀ (m, k), divided by the components' standard
 * deviations when whitened. X (m, n) of the fitted width, float32 or float64;
 * Z is float64. */
pr_status pr_pca_transform(const pr_pca *p, const pr_tensor *X, pr_tensor **Z);
/* The reconstruction X̂ = Z V_k · scale + mean (m, n) from codes Z (m, k). */
pr_status pr_pca_inverse_transform(const pr_pca *p, const pr_tensor *Z, pr_tensor **X);
/* The mean over the rows of ‖x - x̂‖² in X's units: the variance the discarded
 * components hold (times (m - ddof) / m on the training data). */
pr_status pr_pca_reconstruction_error(const pr_pca *p, const pr_tensor *X, double *out);

pr_pca_config pr_pca_settings(const pr_pca *p);  /* n_components and the solver resolved */
int64_t pr_pca_n_components(const pr_pca *p);    /* k */
int64_t pr_pca_n_features(const pr_pca *p);      /* n */
/* The components V_k (k, n), rows of unit length, by decreasing variance. */
const pr_tensor *pr_pca_components(const pr_pca *p);
/* The variances of every component the solver found (r of them, decreasing:
 * min(m, n) for the full solvers, k for the randomized one), the eigenvalues of
 * the covariance. */
const pr_tensor *pr_pca_explained_variance(const pr_pca *p);
/* The total variance (the covariance's trace) the ratios divide by. */
double pr_pca_total_variance(const pr_pca *p);
/* The column means (n) and, when standardised, the scales (n; else NULL). */
const pr_tensor *pr_pca_mean(const pr_pca *p);
const pr_tensor *pr_pca_scale(const pr_pca *p);
const char *pr_pca_feature_name(const pr_pca *p, int64_t j); /* NULL when unnamed */

/* The fewest leading values of `variances` (n of them, decreasing) whose sum is at
 * least `fraction` of the total: Example 12.1's k = 3 for 95% of (10, 5, 2, 0.5, 0.1).
 * A sum that equals the fraction to 1e-12 relative counts (Q12.4's exactly 90%). */
int64_t pr_components_for_variance(const double *variances, int64_t n, double fraction);

/* Save as safetensors (atomically): "components", "explained_variance", "mean",
 * "scale", with metadata "primer.reducer" = "pca" and the settings; load checks every
 * shape. */
pr_status pr_pca_save(const pr_pca *p, const char *path);
pr_status pr_pca_load(const char *path, pr_pca **out);
/* The same from the file's bytes in memory; `name` (may be NULL) labels messages. */
pr_status pr_pca_load_buffer(const void *data, size_t len, const char *name, pr_pca **out);
/* The kind of unsupervised model in a safetensors file ("pca"), or NULL when the file
 * cannot be read or holds none. */
const char *pr_reducer_file_kind(const char *path, char *buf, size_t len);

/* ---- t-SNE (section 12.3) ----------------------------------------------------------------- */

#define PR_TSNE_METHOD_LIST(X)                                                                            \
    X(PR_TSNE_AUTO, "auto", "exact up to 500 points, Barnes-Hut to 100,000, the FFT method above")                                 \
    X(PR_TSNE_EXACT, "exact", "O(n^2) gradient from every pair")                                          \
    X(PR_TSNE_BARNES_HUT, "barnes-hut", "O(n log n): sparse P from 3 perplexity neighbours, a quadtree")     \
    X(PR_TSNE_FFT, "fft", "O(n): sparse P, the repulsion by FFT-accelerated interpolation (FIt-SNE)")

typedef enum pr_tsne_method {
#define PR_X_(name, str, what) name,
    PR_TSNE_METHOD_LIST(PR_X_)
#undef PR_X_
    PR_TSNE_METHOD_COUNT
} pr_tsne_method;

typedef enum pr_tsne_init {
    PR_TSNE_INIT_PCA,    /* the first two principal components, scaled so that the first has
                            standard deviation 1e-4 (openTSNE's and scikit-learn's) */
    PR_TSNE_INIT_RANDOM  /* N(0, 1e-4²) */
} pr_tsne_init;

/* Start from PR_TSNE_DEFAULTS: van der Maaten's optimiser as scikit-learn 1.2 runs it. */
typedef struct pr_tsne_config {
    int n_components;          /* embedding dimensions (2); exact: 1 to 3, Barnes-Hut and FFT: 2 */
    double perplexity;         /* effective neighbours (30), in [1, n) */
    double early_exaggeration; /* P is multiplied by this at first (12), >= 1 */
    int exaggeration_iter;     /* iterations with exaggeration and the early momentum (250) */
    int max_iter;              /* iterations in all (1000), > exaggeration_iter */
    double learning_rate;      /* PR_UNSET: "auto", max(n / early_exaggeration / 4, 50) */
    double momentum_early;     /* (0.5) */
    double momentum;           /* after the exaggeration (0.8) */
    double min_gain;           /* per-parameter gains: +0.2 when the gradient's sign flips,
                                  x0.8 otherwise, at least this (0.01) */
    double min_grad_norm;      /* stop when the gradient's norm falls below this (1e-7) */
    int n_iter_without_progress; /* stop after this many iterations without a lower KL (300) */
    double theta;              /* Barnes-Hut's angle (0.5); 0 makes it exact */
    pr_tsne_method method;     /* (PR_TSNE_AUTO) */
    pr_tsne_init init;         /* (PR_TSNE_INIT_PCA) */
    uint64_t seed;             /* the random initialisation (0) */
    pr_threads *threads;       /* the gradient's points split over this pool (NULL: the calling
                                  thread); the embedding is the same at any thread count */
    /* Called every 50 iterations and at the end (may be NULL): the iteration done and
     * the KL divergence then; return nonzero to stop there (pr_tsne then returns the
     * embedding so far, and info.iterations says how far it got). */
    int (*progress)(void *ctx, int iteration, double kl);
    void *progress_ctx;
} pr_tsne_config;

#define PR_TSNE_DEFAULTS                                                                                   \
    ((pr_tsne_config){.n_components = 2, .perplexity = 30, .early_exaggeration = 12, .exaggeration_iter = 250, \
                      .max_iter = 1000, .learning_rate = PR_UNSET, .momentum_early = 0.5, .momentum = 0.8,     \
                      .min_gain = 0.01, .min_grad_norm = 1e-7, .n_iter_without_progress = 300, .theta = 0.5,  \
                      .method = PR_TSNE_AUTO, .init = PR_TSNE_INIT_PCA})

typedef struct pr_tsne_info {
    double kl;             /* KL(P || Q) at the end (Barnes-Hut: over P's neighbours, as
                              scikit-learn reports it) */
    int iterations;        /* iterations run */
    pr_tsne_method method; /* the method used */
    double learning_rate;  /* the rate used */
} pr_tsne_info;

const char *pr_tsne_method_name(pr_tsne_method m);
pr_status pr_tsne_method_parse(const char *name, pr_tsne_method *out);

/* Embed X (m, n), m >= 4, into Y (m, n_components) float64; info may be NULL. Errors:
 * PR_ERR_NONFINITE, PR_ERR_INVALID (a perplexity not below m, fewer than 4 rows, bad
 * settings, every point the same). */
pr_status pr_tsne(const pr_tsne_config *config, const pr_tensor *X, pr_tensor **Y, pr_tsne_info *info);

/* The pieces, for the book and the tests. */
/* The symmetrised joint probabilities P (m, m) of t-SNE from squared distances D2
 * (m, m): each row's Gaussian p_j|i with its precision found by binary search so that
 * its entropy is log(perplexity) (tolerance 1e-5, 100 steps), then
 * P = (P_cond + P_condᵀ) / sum, at least 2^-52 off the diagonal (scikit-learn's
 * _joint_probabilities). */
pr_status pr_tsne_joint_probabilities(const pr_tensor *D2, double perplexity, pr_tensor **P);
/* KL(P || Q) of an embedding Y (m, d) under the Student-t Q with max(d - 1, 1) degrees
 * of freedom, and its gradient (m, d) (grad may be NULL). */
pr_status pr_tsne_kl_divergence(const pr_tensor *P, const pr_tensor *Y, double *kl, pr_tensor **grad);

/* Trustworthiness of an embedding (scikit-learn's definition): 1 - 2 / (m k (2m - 3k - 1))
 * Σ_i Σ_{j among i's k nearest in Y but not in X} (rank of j among i's neighbours in X - k),
 * Euclidean distances, 1 <= k < m / 2. */
pr_status pr_trustworthiness(const pr_tensor *X, const pr_tensor *Y, int64_t k, double *out);

/* The k nearest neighbours of every row of X (m, n) among the other rows, by blocked
 * BLAS distances: indices (m * k, nearest first) and squared distances (may be NULL). */
pr_status pr_nearest_neighbors(const pr_tensor *X, int64_t k, int64_t *indices, double *sq_distances);

#ifdef __cplusplus
}
#endif

#endif /* PRIMER_REDUCE_H */
