/* Principal component analysis (section 12.2): centre (and optionally
 * standardise), then the eigenvectors of the covariance by whichever full solver
 * is cheaper for the shape, or a randomized SVD (Halko, Martinsson and Tropp) for
 * a few components of large data. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "io/meta.h"
#include "linalg/backend.h"
#include "primer/data.h"
#include "primer/linalg.h"
#include "primer/reduce.h"
#include "reduce/reduce_internal.h"

struct pr_pca {
    pr_pca_config c;          /* resolved: n_components = k, solver the one used; names cleared */
    int64_t n;                /* features */
    pr_tensor *components;    /* (k, n) */
    pr_tensor *variance;      /* (r) every variance the solver found, decreasing */
    pr_tensor *mean, *scale;  /* (n); scale NULL unless standardised */
    double total;             /* the covariance's trace */
    char **features;          /* n names or NULL */
};

static const char *const solver_names[] = {
#define PR_X_(name, str, what) str,
    PR_PCA_SOLVER_LIST(PR_X_)
#undef PR_X_
};

const char *pr_pca_solver_name(pr_pca_solver s) {
    return s >= 0 && s < PR_PCA_SOLVER_COUNT ? solver_names[s] : "?";
}

pr_status pr_pca_solver_parse(const char *name, pr_pca_solver *out) {
    int s = pr__name_index(solver_names, PR_PCA_SOLVER_COUNT, name);
    if (s >= 0) {
        *out = (pr_pca_solver)s;
        return PR_OK;
    }
    return pr__fail(PR_ERR_INVALID, "unknown PCA solver '%s' (auto, covariance, svd or randomized)", name ? name : "");
}

void pr_pca_free(pr_pca *p) {
    if (!p) return;
    pr_tensor_free(p->components);
    pr_tensor_free(p->variance);
    pr_tensor_free(p->mean);
    pr_tensor_free(p->scale);
    for (int64_t j = 0; p->features && j < p->n; j++) free(p->features[j]);
    free(p->features);
    free(p);
}

int64_t pr_components_for_variance(const double *variances, int64_t n, double fraction) {
    double total = 0, sum = 0;
    for (int64_t i = 0; i < n; i++) total += variances[i];
    if (!(total > 0)) return n > 0 ? 1 : 0;
    for (int64_t i = 0; i < n; i++) {
        sum += variances[i];
        if (sum >= fraction * total * (1 - 1e-12)) return i + 1;
    }
    return n;
}

/* ---- solvers: each fills the variances (r) and the leading k components (k, n) of the
 * centred C (m, n), from the covariance C'C / (m - ddof) ---- */

/* The symmetric eigendecomposition of the n x n covariance (m n² + n³). syevd writes
 * the eigenvectors as the columns of a column-major matrix: the rows of our row-major
 * buffer, ascending. */
static pr_status solve_covariance(const double *C, int64_t m, int64_t n, double denom, pr_tensor *var, double *V) {
    double *G = pr__malloc((size_t)n * (size_t)n * sizeof *G), *w = pr__malloc((size_t)n * sizeof *w);
    pr_status st = PR_OK;
    if (!G || !w) st = pr__fail(PR_ERR_NOMEM, "pca: out of memory for the %lld x %lld covariance", (long long)n, (long long)n);
    if (!st && pr__bk_syrk_t_f64(n, m, C, n, G, n)) st = pr__fail(PR_ERR_INTERNAL, "pca: syrk failed");
    for (int64_t i = 0; !st && i < n; i++)
        for (int64_t j = 0; j < i; j++) G[i * n + j] = G[j * n + i];
    if (!st && pr__bk_syevd_f64(1, n, G, n, w))
        st = pr__fail(PR_ERR_NO_CONVERGENCE, "pca: the eigendecomposition of the covariance did not converge");
    int64_t r = var->size;
    for (int64_t i = 0; !st && i < r; i++) {
        double ev = w[n - 1 - i] / denom;
        pr_tensor_f64(var)[i] = ev > 0 ? ev : 0;
        memcpy(V + i * n, G + (n - 1 - i) * n, (size_t)n * sizeof *V);
    }
    free(G);
    free(w);
    return st;
}

/* The thin SVD of the centred data (m² n when m < n). The row-major C (m, n) is the
 * column-major Cᵀ (n, m) = V S Uᵀ: LAPACK's U of it, an (n, r) column-major matrix,
 * is the (r, n) row-major Vᵀ we want. */
static pr_status solve_svd(const double *C, int64_t m, int64_t n, double denom, pr_tensor *var, double *V) {
    int64_t r = m < n ? m : n;
    double *A = pr__malloc((size_t)m * (size_t)n * sizeof *A), *s = pr__malloc((size_t)r * sizeof *s);
    double *vt = pr__malloc((size_t)r * (size_t)n * sizeof *vt), *u = pr__malloc((size_t)r * (size_t)m * sizeof *u);
    pr_status st = PR_OK;
    if (!A || !s || !vt || !u) st = pr__fail(PR_ERR_NOMEM, "pca: out of memory for the SVD of %lld x %lld", (long long)m, (long long)n);
    if (!st) {
        memcpy(A, C, (size_t)m * (size_t)n * sizeof *A);
        int info = pr__bk_gesdd_f64('S', n, m, A, n, s, vt, n, u, r);
        if (info > 0) {
            memcpy(A, C, (size_t)m * (size_t)n * sizeof *A);
            info = pr__bk_gesvd_f64('S', n, m, A, n, s, vt, n, u, r);
        }
        if (info) st = pr__fail(PR_ERR_NO_CONVERGENCE, "pca: the SVD of the centred data did not converge");
    }
    for (int64_t i = 0; !st && i < var->size; i++) pr_tensor_f64(var)[i] = s[i] * s[i] / denom;
    if (!st) memcpy(V, vt, (size_t)var->size * (size_t)n * sizeof *V);
    free(A);
    free(s);
    free(vt);
    free(u);
    return st;
}

/* Q of the thin QR of Y (m, l), as a new tensor replacing *Y: Householder (LAPACK),
 * or between power iterations the Cholesky QR Q = Y R⁻¹ with RᵀR = YᵀY, one product
 * and an l x l factorisation instead of m l² of reflector updates. The iterate there
 * is X times an orthonormal basis, so its condition is at most that of X on the
 * subspace; should YᵀY still not be positive definite, Householder takes over. */
static pr_status orthonormalise(pr_tensor **Y, int cholesky) {
    pr_tensor *Q = NULL, *R = NULL, *G = NULL, *L = NULL, *Li = NULL;
    pr_status st = PR_ERR_NOT_PD;
    if (cholesky && !pr_gram(*Y, &G) && !pr_cholesky(G, &L) && !pr_inverse(L, &Li) &&
        !pr_tensor_zeros(&Q, PR_F64, PR_SHAPE((*Y)->shape[0], (*Y)->shape[1])))
        st = pr_gemm(0, 1, 1, *Y, Li, 0, Q);
    if (st) {
        pr_clear_error();
        pr_tensor_free(Q);
        Q = NULL;
        st = pr_qr(*Y, PR_QR_REDUCED, &Q, &R);
    }
    pr_tensor_free(R);
    pr_tensor_free(G);
    pr_tensor_free(L);
    pr_tensor_free(Li);
    if (st) return st;
    pr_tensor_free(*Y);
    *Y = Q;
    return PR_OK;
}

/* The same subspace iteration on the Gram matrix G = CᵀC (n x n) when that is cheaper:
 * one pass over the data (m n² / 2) instead of 2 (q + 1) (m n l), each power step
 * then an n x n product. The basis Q of G^(q+1) Ω approximates the leading right
 * singular vectors; the SVD of C Q (m x l) = U S Wᵀ gives the singular values and the
 * components Q W. */
static pr_status randomized_by_gram(const pr_tensor *Cm, const pr_pca_config *c, int64_t k, int64_t l,
                                    const pr_tensor *Omega, double denom, pr_tensor *var, double *V) {
    int64_t m = Cm->shape[0], n = Cm->shape[1];
    pr_tensor *G = NULL, *Y = NULL, *Y2 = NULL, *B = NULL, *S = NULL, *Wt = NULL;
    pr_status st = pr_gram(Cm, &G);
    if (!st) st = pr_tensor_zeros(&Y, PR_F64, PR_SHAPE(n, l));
    if (!st) st = pr_tensor_zeros(&Y2, PR_F64, PR_SHAPE(n, l));
    if (!st) st = pr_gemm(0, 0, 1, G, Omega, 0, Y);
    for (int q = 0; !st && q < c->power_iterations; q++) {
        st = orthonormalise(&Y, 1);
        if (!st) st = pr_gemm(0, 0, 1, G, Y, 0, Y2);
        pr_tensor *t = Y;
        Y = Y2;
        Y2 = t;
    }
    if (!st) st = orthonormalise(&Y, 0);
    if (!st) st = pr_tensor_zeros(&B, PR_F64, PR_SHAPE(m, l));
    if (!st) st = pr_gemm(0, 0, 1, Cm, Y, 0, B);
    if (!st) st = pr_svd(B, PR_SVD_THIN, NULL, &S, &Wt);
    for (int64_t i = 0; !st && i < k; i++) { /* component i = Q (W's column i) */
        double s = pr_tensor_get(S, i);
        pr_tensor_f64(var)[i] = s * s / denom;
        for (int64_t j = 0; j < n; j++) {
            double v = 0;
            for (int64_t a = 0; a < l; a++) v += pr_tensor_f64(Y)[j * l + a] * pr_tensor_f64(Wt)[i * l + a];
            V[i * n + j] = v;
        }
    }
    pr_tensor_free(G);
    pr_tensor_free(Y);
    pr_tensor_free(Y2);
    pr_tensor_free(B);
    pr_tensor_free(S);
    pr_tensor_free(Wt);
    return st;
}

/* Randomized SVD: Y = C Ω for a Gaussian Ω (n, l = k + oversamples), `power`
 * iterations Y = C (Cᵀ Q(Y)) with a QR between products, then the SVD of the small
 * B = Q(Y)ᵀ C (l, n). */
static pr_status solve_randomized(const pr_tensor *Cm, const pr_pca_config *c, int64_t k, double denom, pr_tensor *var,
                                  double *V) {
    int64_t m = Cm->shape[0], n = Cm->shape[1], r = m < n ? m : n;
    int64_t l = k + c->oversamples < r ? k + c->oversamples : r;
    pr_tensor *Omega = NULL, *Y = NULL, *Z = NULL, *B = NULL, *S = NULL, *Vt = NULL;
    pr_rng rng;
    pr_rng_seed(&rng, c->seed);
    pr_status st = pr_tensor_zeros(&Omega, PR_F64, PR_SHAPE(n, l));
    if (!st) st = pr_rng_fill_normal(&rng, Omega, 0, 1);
    if (!st && n < 4 * (c->power_iterations + 1) * l) { /* m n² / 2 < 2 (q + 1) m n l */
        st = randomized_by_gram(Cm, c, k, l, Omega, denom, var, V);
        pr_tensor_free(Omega);
        return st;
    }
    if (!st) st = pr_tensor_zeros(&Y, PR_F64, PR_SHAPE(m, l));
    if (!st) st = pr_tensor_zeros(&Z, PR_F64, PR_SHAPE(n, l));
    if (!st) st = pr_gemm(0, 0, 1, Cm, Omega, 0, Y);
    for (int q = 0; !st && q < c->power_iterations; q++) {
        st = orthonormalise(&Y, 1);
        if (!st) st = pr_gemm(1, 0, 1, Cm, Y, 0, Z);
        if (!st) st = orthonormalise(&Z, 1);
        if (!st) st = pr_gemm(0, 0, 1, Cm, Z, 0, Y);
    }
    if (!st) st = orthonormalise(&Y, 0);
    if (!st) st = pr_tensor_zeros(&B, PR_F64, PR_SHAPE(l, n));
    if (!st) st = pr_gemm(1, 0, 1, Y, Cm, 0, B);
    if (!st) st = pr_svd(B, PR_SVD_THIN, NULL, &S, &Vt);
    for (int64_t i = 0; !st && i < k; i++) {
        double s = pr_tensor_get(S, i);
        pr_tensor_f64(var)[i] = s * s / denom;
        memcpy(V + i * n, pr_tensor_f64(Vt) + i * n, (size_t)n * sizeof *V);
    }
    pr_tensor_free(Omega);
    pr_tensor_free(Y);
    pr_tensor_free(Z);
    pr_tensor_free(B);
    pr_tensor_free(S);
    pr_tensor_free(Vt);
    return st;
}

/* ---- fitting ------------------------------------------------------------------------- */

static pr_status check_config(const pr_pca_config *c, int64_t m, int64_t n) {
    int64_t r = m < n ? m : n;
    if (c->n_components < 0 || c->n_components > r)
        return pr__fail(PR_ERR_INVALID,
                        "pca: %lld components asked for, but %lld rows x %lld features have at most %lld (min(m, n))",
                        (long long)c->n_components, (long long)m, (long long)n, (long long)r);
    if (c->n_components == 0 && !(c->variance > 0 && c->variance <= 1))
        return pr__fail(PR_ERR_INVALID, "pca: the variance to retain must be a fraction in (0, 1], not %g", c->variance);
    if (c->ddof != 0 && c->ddof != 1) return pr__fail(PR_ERR_INVALID, "pca: ddof must be 0 or 1, not %d", c->ddof);
    if (c->solver < 0 || c->solver >= PR_PCA_SOLVER_COUNT) return pr__fail(PR_ERR_INVALID, "pca: unknown solver %d", (int)c->solver);
    if (c->solver == PR_PCA_RANDOMIZED && c->n_components == 0)
        return pr__fail(PR_ERR_INVALID, "pca: the randomized solver sees only the leading components, so it needs a "
                                        "number of components, not a variance to retain");
    if (c->power_iterations < 0 || c->power_iterations > 100 || c->oversamples < 0 || c->oversamples > 10000)
        return pr__fail(PR_ERR_INVALID, "pca: power iterations 0..100 and oversamples 0..10000, not %d and %d",
                        c->power_iterations, c->oversamples);
    return PR_OK;
}

/* Flip each component so that its entry of largest magnitude is positive. */
static void fix_signs(double *V, int64_t k, int64_t n) {
    for (int64_t i = 0; i < k; i++) {
        double *v = V + i * n, big = 0;
        for (int64_t j = 0; j < n; j++)
            if (fabs(v[j]) > fabs(big)) big = v[j];
        if (big < 0)
            for (int64_t j = 0; j < n; j++) v[j] = -v[j];
    }
}

static pr_status copy_names(pr_pca *p, const char *const *names) {
    if (!names) return PR_OK;
    if (!(p->features = pr__calloc((size_t)p->n, sizeof *p->features))) return pr__fail(PR_ERR_NOMEM, "pca: out of memory");
    for (int64_t j = 0; j < p->n; j++)
        if (!(p->features[j] = pr__strdup(names[j] ? names[j] : ""))) return pr__fail(PR_ERR_NOMEM, "pca: out of memory");
    return PR_OK;
}

pr_status pr_pca_fit(pr_pca **out, const pr_pca_config *config, const pr_tensor *X) {
    if (!out || !config || !X) return pr__fail(PR_ERR_INVALID, "pca: NULL argument");
    *out = NULL;
    pr_status st;
    if ((st = pr__require_float(X, "pca"))) return st;
    if (X->ndim != 2) return pr__fail(PR_ERR_SHAPE, "pca: X must be a matrix (rows x features), not %d-D", X->ndim);
    int64_t m = X->shape[0], n = X->shape[1], r = m < n ? m : n;
    if (m < 2 || n < 1)
        return pr__fail(PR_ERR_SHAPE, "pca: needs at least 2 rows and 1 feature, not %lld x %lld", (long long)m, (long long)n);
    if ((st = check_config(config, m, n)) || (st = pr_data_check_columns(X, config->feature_names, 0, "pca: X"))) return st;
    pr_pca *p = pr__calloc(1, sizeof *p);
    pr_tensor *C = NULL;
    if (!p) return pr__fail(PR_ERR_NOMEM, "pca: out of memory");
    p->c = *config;
    p->c.feature_names = NULL;
    p->n = n;
    st = copy_names(p, config->feature_names);
    if (!st) st = pr__standardize_columns(X, config->standardize, "pca", config->feature_names, &C, &p->mean, &p->scale);
    double denom = (double)(m - config->ddof);
    const double *Cd = st ? NULL : pr_tensor_f64(C);
    p->total = 0; /* the trace of the covariance: every squared entry of the centred data */
    for (int64_t q = 0; Cd && q < m * n; q++) p->total += Cd[q] * Cd[q];
    p->total /= denom;
    pr_pca_solver solver = config->solver == PR_PCA_AUTO ? (m >= n ? PR_PCA_COVARIANCE : PR_PCA_SVD) : config->solver;
    int64_t k = config->n_components, found = solver == PR_PCA_RANDOMIZED ? k : r;
    double *V = st ? NULL : pr__malloc((size_t)found * (size_t)n * sizeof *V);
    if (!st && !V) st = pr__fail(PR_ERR_NOMEM, "pca: out of memory");
    if (!st) st = pr_tensor_zeros(&p->variance, PR_F64, PR_SHAPE(found));
    if (!st) {
        if (solver == PR_PCA_COVARIANCE) st = solve_covariance(Cd, m, n, denom, p->variance, V);
        else if (solver == PR_PCA_SVD) st = solve_svd(Cd, m, n, denom, p->variance, V);
        else st = solve_randomized(C, config, k, denom, p->variance, V);
    }
    if (!st && k == 0) k = pr_components_for_variance(pr_tensor_f64(p->variance), found, config->variance);
    for (int64_t i = 0; !st && config->whiten && i < k; i++)
        if (!(pr_tensor_f64(p->variance)[i] > 1e-12 * p->total))
            st = pr__fail(PR_ERR_INVALID, "pca: component %lld has zero variance and cannot be whitened; keep at most %lld",
                          (long long)(i + 1), (long long)i);
    if (!st) {
        fix_signs(V, k, n);
        st = pr_tensor_from_array(&p->components, PR_F64, PR_SHAPE(k, n), V);
    }
    free(V);
    pr_tensor_free(C);
    if (st) {
        pr_pca_free(p);
        return st;
    }
    p->c.n_components = k;
    p->c.solver = solver;
    *out = p;
    return PR_OK;
}

/* ---- applying ------------------------------------------------------------------------ */

pr_status pr_pca_transform(const pr_pca *p, const pr_tensor *X, pr_tensor **Z) {
    if (!p || !X || !Z) return pr__fail(PR_ERR_INVALID, "pca_transform: NULL argument");
    pr_status st;
    if ((st = pr__require_float(X, "pca_transform"))) return st;
    if (X->ndim != 2 || X->shape[1] != p->n)
        return pr__fail(PR_ERR_SHAPE, "pca_transform: the model takes rows of %lld features, not %s", (long long)p->n,
                        X->ndim == 2 ? "a different width" : "this shape");
    if ((st = pr_tensor_check_finite(X, "pca_transform: X"))) return st;
    int64_t m = X->shape[0], n = p->n, k = p->c.n_components;
    pr_tensor *C = NULL;
    if ((st = pr__apply_standardization(X, p->mean, p->scale, &C))) return st;
    if (!(st = pr_tensor_zeros(Z, PR_F64, PR_SHAPE(m, k))) && m > 0 &&
        pr__bk_gemm_f64(0, 1, m, k, n, 1, pr_tensor_f64(C), n, pr_tensor_f64(p->components), n, 0, pr_tensor_f64(*Z), k))
        st = pr__fail(PR_ERR_INTERNAL, "pca_transform: gemm failed");
    pr_tensor_free(C);
    if (st) {
        pr_tensor_free(*Z);
        *Z = NULL;
        return st;
    }
    for (int64_t j = 0; p->c.whiten && j < k; j++) {
        double s = 1 / sqrt(pr_tensor_f64(p->variance)[j]);
        for (int64_t i = 0; i < m; i++) pr_tensor_f64(*Z)[i * k + j] *= s;
    }
    return PR_OK;
}

pr_status pr_pca_inverse_transform(const pr_pca *p, const pr_tensor *Z, pr_tensor **X) {
    if (!p || !Z || !X) return pr__fail(PR_ERR_INVALID, "pca_inverse_transform: NULL argument");
    pr_status st;
    int64_t n = p->n, k = p->c.n_components;
    if ((st = pr__require_float(Z, "pca_inverse_transform"))) return st;
    if (Z->ndim != 2 || Z->shape[1] != k)
        return pr__fail(PR_ERR_SHAPE, "pca_inverse_transform: the model has %lld components; the codes must be (m, %lld)",
                        (long long)k, (long long)k);
    int64_t m = Z->shape[0];
    pr_tensor *Zc = NULL;
    if ((st = pr_tensor_cast(Z, PR_F64, &Zc))) return st;
    for (int64_t j = 0; p->c.whiten && j < k; j++) {
        double s = sqrt(pr_tensor_f64(p->variance)[j]);
        for (int64_t i = 0; i < m; i++) pr_tensor_f64(Zc)[i * k + j] *= s;
    }
    if (!(st = pr_tensor_zeros(X, PR_F64, PR_SHAPE(m, n))) && m > 0 &&
        pr__bk_gemm_f64(0, 0, m, n, k, 1, pr_tensor_f64(Zc), k, pr_tensor_f64(p->components), n, 0, pr_tensor_f64(*X), n))
        st = pr__fail(PR_ERR_INTERNAL, "pca_inverse_transform: gemm failed");
    pr_tensor_free(Zc);
    if (st) {
        pr_tensor_free(*X);
        *X = NULL;
        return st;
    }
    double *x = pr_tensor_f64(*X);
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++)
            x[i * n + j] = x[i * n + j] * (p->scale ? pr_tensor_f64(p->scale)[j] : 1) + pr_tensor_f64(p->mean)[j];
    return PR_OK;
}

pr_status pr_pca_reconstruction_error(const pr_pca *p, const pr_tensor *X, double *out) {
    if (!p || !X || !out) return pr__fail(PR_ERR_INVALID, "pca_reconstruction_error: NULL argument");
    pr_tensor *Z = NULL, *R = NULL;
    pr_status st = pr_pca_transform(p, X, &Z);
    if (!st) st = pr_pca_inverse_transform(p, Z, &R);
    if (!st) {
        double s = 0;
        int64_t m = X->shape[0];
        for (int64_t i = 0; i < X->size; i++) {
            double d = pr_tensor_get(X, i) - pr_tensor_f64(R)[i];
            s += d * d;
        }
        *out = m ? s / (double)m : 0;
    }
    pr_tensor_free(Z);
    pr_tensor_free(R);
    return st;
}

/* ---- inspecting ------------------------------------------------------------------------ */

pr_pca_config pr_pca_settings(const pr_pca *p) { return p->c; }
int64_t pr_pca_n_components(const pr_pca *p) { return p->c.n_components; }
int64_t pr_pca_n_features(const pr_pca *p) { return p->n; }
const pr_tensor *pr_pca_components(const pr_pca *p) { return p->components; }
const pr_tensor *pr_pca_explained_variance(const pr_pca *p) { return p->variance; }
double pr_pca_total_variance(const pr_pca *p) { return p->total; }
const pr_tensor *pr_pca_mean(const pr_pca *p) { return p->mean; }
const pr_tensor *pr_pca_scale(const pr_pca *p) { return p->scale; }
const char *pr_pca_feature_name(const pr_pca *p, int64_t j) {
    return p->features && j >= 0 && j < p->n ? p->features[j] : NULL;
}

/* ---- files ------------------------------------------------------------------------------ */

#define META_KIND "primer.reducer"

pr_status pr_pca_save(const pr_pca *p, const char *path) {
    if (!p || !path) return pr__fail(PR_ERR_INVALID, "pca_save: NULL argument");
    pr_tensor_file *f = NULL;
    pr_status st = pr_tensor_file_new(&f);
    if (!st) st = pr_tensor_file_set_meta(f, META_KIND, "pca");
    if (!st) st = pr_tensor_file_set_meta(f, "primer.version", pr_version());
    if (!st) st = pr_tensor_file_set_meta(f, "solver", pr_pca_solver_name(p->c.solver));
    if (!st) st = pr__meta_set_number(f, "n_features", (double)p->n);
    if (!st) st = pr__meta_set_number(f, "n_components", (double)p->c.n_components);
    if (!st) st = pr__meta_set_number(f, "ddof", p->c.ddof);
    if (!st) st = pr__meta_set_number(f, "whiten", p->c.whiten);
    if (!st) st = pr__meta_set_number(f, "total_variance", p->total);
    if (!st && p->features) st = pr__meta_set_names(f, "features", (const char *const *)p->features, p->n);
    if (!st) st = pr_tensor_file_add(f, "components", p->components);
    if (!st) st = pr_tensor_file_add(f, "explained_variance", p->variance);
    if (!st) st = pr_tensor_file_add(f, "mean", p->mean);
    if (!st && p->scale) st = pr_tensor_file_add(f, "scale", p->scale);
    if (!st) st = pr_safetensors_write(path, f);
    pr_tensor_file_free(f);
    return st;
}

static pr_status load_from(const pr_tensor_file *f, const char *path, pr_pca *p) {
    if (pr__meta_check_version(f, path)) return PR_ERR_FORMAT;
    const char *kind = pr_tensor_file_meta(f, META_KIND), *solver = pr_tensor_file_meta(f, "solver");
    if (!kind || strcmp(kind, "pca"))
        return pr__fail(PR_ERR_FORMAT, "%s: not a PCA model (its '%s' metadata is %s%s%s)", path, META_KIND,
                        kind ? "'" : "absent", kind ? kind : "", kind ? "'" : "");
    pr_status st = solver ? pr_pca_solver_parse(solver, &p->c.solver) : PR_OK;
    if (st) return pr__fail_context("%s: ", path);
    int64_t k, ddof, whiten;
    if ((st = pr__meta_int(f, "n_features", path, 1, 100000000, &p->n)) ||
        (st = pr__meta_int(f, "n_components", path, 1, p->n, &k)) || (st = pr__meta_int(f, "ddof", path, 0, 1, &ddof)) ||
        (st = pr__meta_int(f, "whiten", path, 0, 1, &whiten)) || (st = pr__meta_real(f, "total_variance", path, &p->total)))
        return st;
    p->c.n_components = k;
    p->c.ddof = (int)ddof;
    p->c.whiten = (int)whiten;
    const pr_tensor *var;
    if (pr_tensor_file_find(f, "explained_variance", &var) || var->ndim != 1 || var->shape[0] < k) {
        pr_clear_error();
        return pr__fail(PR_ERR_FORMAT, "%s: 'explained_variance' must hold at least the %lld components' variances", path,
                        (long long)k);
    }
    if ((st = pr__meta_take(f, "explained_variance", path, var->shape[0], -1, 1, &p->variance)) ||
        (st = pr__meta_take(f, "components", path, k, p->n, 1, &p->components)) ||
        (st = pr__meta_take(f, "mean", path, p->n, -1, 1, &p->mean)) ||
        (st = pr__meta_take(f, "scale", path, p->n, -1, 0, &p->scale)))
        return st;
    for (int64_t j = 0; p->scale && j < p->n; j++)
        if (!(pr_tensor_f64(p->scale)[j] > 0)) return pr__fail(PR_ERR_FORMAT, "%s: a scale is not positive", path);
    for (int64_t j = 0; whiten && j < k; j++)
        if (!(pr_tensor_f64(p->variance)[j] > 0))
            return pr__fail(PR_ERR_FORMAT, "%s: a whitened component's variance is not positive", path);
    p->c.standardize = p->scale != NULL;
    return pr__meta_names(f, "features", path, p->n, &p->features);
}

/* The PCA model in the tensor file f (read from `name`); f is freed. */
static pr_status pca_of(pr_tensor_file *f, const char *name, pr_pca **out) {
    pr_pca *p = pr__calloc(1, sizeof *p);
    pr_status st = PR_OK;
    if (!p) st = pr__fail(PR_ERR_NOMEM, "%s: out of memory", name);
    else {
        p->c = PR_PCA_DEFAULTS;
        st = load_from(f, name, p);
    }
    pr_tensor_file_free(f);
    if (st) {
        pr_pca_free(p);
        return st;
    }
    *out = p;
    return PR_OK;
}

pr_status pr_pca_load(const char *path, pr_pca **out) {
    if (!path || !out) return pr__fail(PR_ERR_INVALID, "pca_load: NULL argument");
    *out = NULL;
    pr_tensor_file *f;
    pr_status st = pr_safetensors_read(path, NULL, &f);
    return st ? st : pca_of(f, path, out);
}

pr_status pr_pca_load_buffer(const void *data, size_t len, const char *name, pr_pca **out) {
    if (!data || !out) return pr__fail(PR_ERR_INVALID, "pca_load_buffer: NULL argument");
    *out = NULL;
    if (!name) name = "<buffer>";
    pr_tensor_file *f;
    pr_status st = pr_safetensors_read_buffer(data, len, name, NULL, &f);
    return st ? st : pca_of(f, name, out);
}

const char *pr_reducer_file_kind(const char *path, char *buf, size_t len) {
    pr_tensor_file *f;
    if (!path || !buf || !len || pr_safetensors_read(path, NULL, &f)) {
        pr_clear_error();
        return NULL;
    }
    const char *kind = pr_tensor_file_meta(f, META_KIND);
    if (kind) snprintf(buf, len, "%s", kind);
    pr_tensor_file_free(f);
    return kind ? buf : NULL;
}
