/* Univariate and multivariate distributions, estimation and the Beta-Bernoulli
 * update (book chapter 3). */
#include <float.h>
#include <math.h>
#include <stdlib.h>

#include "core/internal.h"
#include "primer/linalg.h"
#include "primer/stats.h"

#define LOG_2PI 1.8378770664093454836

pr_dist pr_dist_bernoulli(double p) { return (pr_dist){PR_DIST_BERNOULLI, p, 0, 0}; }
pr_dist pr_dist_binomial(int64_t n, double p) { return (pr_dist){PR_DIST_BINOMIAL, (double)n, p, 0}; }
pr_dist pr_dist_gaussian(double mean, double std) { return (pr_dist){PR_DIST_GAUSSIAN, mean, std, 0}; }
pr_dist pr_dist_laplace(double mean, double scale) { return (pr_dist){PR_DIST_LAPLACE, mean, scale, 0}; }
pr_dist pr_dist_beta(double alpha, double beta) { return (pr_dist){PR_DIST_BETA, alpha, beta, 0}; }
pr_dist pr_dist_student_t(double dof, double mean, double scale) {
    return (pr_dist){PR_DIST_STUDENT_T, dof, mean, scale};
}

static const char *const dist_names[] = {
#define PR_X_(name, str) [name] = str,
    PR_DIST_LIST(PR_X_)
#undef PR_X_
};
_Static_assert(sizeof dist_names / sizeof dist_names[0] == PR_DIST_COUNT, "one name per distribution");

const char *pr_dist_name(pr_dist_kind kind) { return (unsigned)kind < PR_DIST_COUNT ? dist_names[kind] : "unknown"; }

static int is_probability(double p) { return p >= 0 && p <= 1; }
static int is_positive(double v) { return v > 0 && isfinite(v); }

pr_status pr_dist_check(const pr_dist *d) {
    if (!d) return pr__fail(PR_ERR_INVALID, "distribution is NULL");
    const char *name = pr_dist_name(d->kind);
    switch (d->kind) {
    case PR_DIST_COUNT: break; /* not a distribution: pr_dist_check refuses it */
    case PR_DIST_BERNOULLI:
        if (!is_probability(d->a)) return pr__fail(PR_ERR_INVALID, "%s: p = %g is not in [0, 1]", name, d->a);
        return PR_OK;
    case PR_DIST_BINOMIAL:
        if (!(d->a >= 0 && d->a == floor(d->a) && d->a < 1e15))
            return pr__fail(PR_ERR_INVALID, "%s: n = %g is not a whole number of trials", name, d->a);
        if (!is_probability(d->b)) return pr__fail(PR_ERR_INVALID, "%s: p = %g is not in [0, 1]", name, d->b);
        return PR_OK;
    case PR_DIST_GAUSSIAN:
    case PR_DIST_LAPLACE:
        if (!isfinite(d->a)) return pr__fail(PR_ERR_INVALID, "%s: the mean %g is not finite", name, d->a);
        if (!is_positive(d->b))
            return pr__fail(PR_ERR_INVALID, "%s: the %s %g must be positive", name,
                            d->kind == PR_DIST_GAUSSIAN ? "standard deviation" : "scale", d->b);
        return PR_OK;
    case PR_DIST_BETA:
        if (!is_positive(d->a) || !is_positive(d->b))
            return pr__fail(PR_ERR_INVALID, "%s: α = %g and β = %g must both be positive", name, d->a, d->b);
        return PR_OK;
    case PR_DIST_STUDENT_T:
        if (!is_positive(d->a)) return pr__fail(PR_ERR_INVALID, "%s: ν = %g must be positive", name, d->a);
        if (!isfinite(d->b)) return pr__fail(PR_ERR_INVALID, "%s: the location %g is not finite", name, d->b);
        if (!is_positive(d->c)) return pr__fail(PR_ERR_INVALID, "%s: the scale %g must be positive", name, d->c);
        return PR_OK;
    }
    return pr__fail(PR_ERR_INVALID, "unknown distribution kind %d", (int)d->kind);
}

static int valid(const pr_dist *d) {
    pr_status st = pr_dist_check(d);
    if (st) pr_clear_error();
    return st == PR_OK;
}

static double log_beta_function(double a, double b) { return lgamma(a) + lgamma(b) - lgamma(a + b); }

/* The continued fraction of the regularised incomplete beta function (modified
 * Lentz), valid for x < (a + 1)/(a + b + 2). */
static double beta_continued_fraction(double a, double b, double x) {
    const double tiny = 1e-300;
    double c = 1, d = 1 - (a + b) * x / (a + 1);
    if (fabs(d) < tiny) d = tiny;
    d = 1 / d;
    double h = d;
    for (int m = 1; m <= 500; m++) {
        double m2 = 2.0 * m, num = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
        d = 1 + num * d;
        c = 1 + num / c;
        d = 1 / (fabs(d) < tiny ? tiny : d);
        c = fabs(c) < tiny ? tiny : c;
        h *= d * c;
        num = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
        d = 1 + num * d;
        c = 1 + num / c;
        d = 1 / (fabs(d) < tiny ? tiny : d);
        c = fabs(c) < tiny ? tiny : c;
        double delta = d * c;
        h *= delta;
        if (fabs(delta - 1) < 1e-16) break;
    }
    return h;
}

/* I_x(a, b). */
static double incomplete_beta(double a, double b, double x) {
    if (x <= 0) return 0;
    if (x >= 1) return 1;
    double front = exp(a * log(x) + b * log1p(-x) - log_beta_function(a, b));
    if (x < (a + 1) / (a + b + 2)) return front * beta_continued_fraction(a, b, x) / a;
    return 1 - front * beta_continued_fraction(b, a, 1 - x) / b;
}

double pr_dist_logpdf(const pr_dist *d, double x) {
    if (!valid(d) || isnan(x)) return NAN;
    switch (d->kind) {
    case PR_DIST_COUNT: break; /* not a distribution: pr_dist_check refuses it */
    case PR_DIST_BERNOULLI:
        if (x == 1) return log(d->a);
        if (x == 0) return log1p(-d->a);
        return -INFINITY;
    case PR_DIST_BINOMIAL: {
        double n = d->a, p = d->b;
        if (x < 0 || x > n || x != floor(x)) return -INFINITY;
        double log_choose = lgamma(n + 1) - lgamma(x + 1) - lgamma(n - x + 1);
        double lp = x > 0 ? x * log(p) : 0, lq = n - x > 0 ? (n - x) * log1p(-p) : 0;
        return log_choose + lp + lq;
    }
    case PR_DIST_GAUSSIAN: {
        double z = (x - d->a) / d->b;
        return -0.5 * (LOG_2PI + z * z) - log(d->b);
    }
    case PR_DIST_LAPLACE:
        return -fabs(x - d->a) / d->b - log(2 * d->b);
    case PR_DIST_BETA: {
        double a = d->a, b = d->b;
        if (x < 0 || x > 1) return -INFINITY;
        if ((x == 0 && a == 1) || (x == 1 && b == 1)) return -log_beta_function(a, b);
        if (x == 0) return a < 1 ? INFINITY : -INFINITY;
        if (x == 1) return b < 1 ? INFINITY : -INFINITY;
        return (a - 1) * log(x) + (b - 1) * log1p(-x) - log_beta_function(a, b);
    }
    case PR_DIST_STUDENT_T: {
        double nu = d->a, z = (x - d->b) / d->c;
        return lgamma((nu + 1) / 2) - lgamma(nu / 2) - 0.5 * log(nu * M_PI) - log(d->c) -
               (nu + 1) / 2 * log1p(z * z / nu);
    }
    }
    return NAN;
}

double pr_dist_pdf(const pr_dist *d, double x) {
    double lp = pr_dist_logpdf(d, x);
    return isnan(lp) ? NAN : exp(lp);
}

double pr_dist_cdf(const pr_dist *d, double x) {
    if (!valid(d) || isnan(x)) return NAN;
    switch (d->kind) {
    case PR_DIST_COUNT: break; /* not a distribution: pr_dist_check refuses it */
    case PR_DIST_BERNOULLI:
        return x < 0 ? 0 : x < 1 ? 1 - d->a : 1;
    case PR_DIST_BINOMIAL: {
        double n = d->a, k = floor(x);
        if (k < 0) return 0;
        if (k >= n) return 1;
        if (d->b == 0) return 1;
        if (d->b == 1) return 0;
        return incomplete_beta(n - k, k + 1, 1 - d->b); /* P(X <= k) = I_{1-p}(n-k, k+1) */
    }
    case PR_DIST_GAUSSIAN:
        return 0.5 * erfc(-(x - d->a) / (d->b * M_SQRT2));
    case PR_DIST_LAPLACE: {
        double z = (x - d->a) / d->b;
        return z < 0 ? 0.5 * exp(z) : 1 - 0.5 * exp(-z);
    }
    case PR_DIST_BETA:
        return incomplete_beta(d->a, d->b, x);
    case PR_DIST_STUDENT_T: {
        double nu = d->a, t = (x - d->b) / d->c;
        double tail = 0.5 * incomplete_beta(nu / 2, 0.5, nu / (nu + t * t));
        return t < 0 ? tail : 1 - tail;
    }
    }
    return NAN;
}

double pr_dist_mean(const pr_dist *d) {
    if (!valid(d)) return NAN;
    switch (d->kind) {
    case PR_DIST_COUNT: break; /* not a distribution: pr_dist_check refuses it */
    case PR_DIST_BERNOULLI: return d->a;
    case PR_DIST_BINOMIAL: return d->a * d->b;
    case PR_DIST_GAUSSIAN:
    case PR_DIST_LAPLACE: return d->a;
    case PR_DIST_BETA: return d->a / (d->a + d->b);
    case PR_DIST_STUDENT_T: return d->a > 1 ? d->b : NAN;
    }
    return NAN;
}

double pr_dist_var(const pr_dist *d) {
    if (!valid(d)) return NAN;
    switch (d->kind) {
    case PR_DIST_COUNT: break; /* not a distribution: pr_dist_check refuses it */
    case PR_DIST_BERNOULLI: return d->a * (1 - d->a);
    case PR_DIST_BINOMIAL: return d->a * d->b * (1 - d->b);
    case PR_DIST_GAUSSIAN: return d->b * d->b;
    case PR_DIST_LAPLACE: return 2 * d->b * d->b;
    case PR_DIST_BETA: {
        double s = d->a + d->b;
        return d->a * d->b / (s * s * (s + 1));
    }
    case PR_DIST_STUDENT_T:
        if (d->a > 2) return d->c * d->c * d->a / (d->a - 2);
        return d->a > 1 ? INFINITY : NAN;
    }
    return NAN;
}

/* Gamma(shape, 1) by Marsaglia and Tsang (2000); shape < 1 boosted by U^(1/shape). */
static double sample_gamma(double shape, pr_rng *rng) {
    if (shape < 1) {
        double u = pr_rng_uniform(rng);
        return sample_gamma(shape + 1, rng) * pow(u > 0 ? u : DBL_MIN, 1 / shape);
    }
    double dd = shape - 1.0 / 3, c = 1 / sqrt(9 * dd);
    for (;;) {
        double z = pr_rng_normal(rng), v = 1 + c * z;
        if (v <= 0) continue;
        v = v * v * v;
        double u = pr_rng_uniform(rng);
        if (u > 0 && log(u) < 0.5 * z * z + dd - dd * v + dd * log(v)) return dd * v;
    }
}

double pr_dist_sample(const pr_dist *d, pr_rng *rng) {
    if (!rng || !valid(d)) return NAN;
    switch (d->kind) {
    case PR_DIST_COUNT: break; /* not a distribution: pr_dist_check refuses it */
    case PR_DIST_BERNOULLI: return pr_rng_uniform(rng) < d->a;
    case PR_DIST_BINOMIAL: {
        double k = 0;
        for (int64_t i = 0; i < (int64_t)d->a; i++) k += pr_rng_uniform(rng) < d->b;
        return k;
    }
    case PR_DIST_GAUSSIAN: return d->a + d->b * pr_rng_normal(rng);
    case PR_DIST_LAPLACE: {
        double u = pr_rng_uniform(rng) - 0.5;
        return d->a - d->b * (u < 0 ? -1 : 1) * log1p(-2 * fabs(u));
    }
    case PR_DIST_BETA: {
        double x = sample_gamma(d->a, rng), y = sample_gamma(d->b, rng);
        return x / (x + y);
    }
    case PR_DIST_STUDENT_T: {
        double z = pr_rng_normal(rng), chi2 = 2 * sample_gamma(d->a / 2, rng);
        return d->b + d->c * z / sqrt(chi2 / d->a);
    }
    }
    return NAN;
}

pr_status pr_dist_fill(const pr_dist *d, pr_rng *rng, pr_tensor *out) {
    pr_status st = pr_dist_check(d);
    if (st || (st = pr__require_tensor(out, "dist_fill", "out")) || (st = pr__require_float(out, "dist_fill")))
        return st;
    if (!rng) return pr__fail(PR_ERR_INVALID, "dist_fill: rng is NULL");
    for (int64_t i = 0; i < out->size; i++) pr_tensor_set(out, i, pr_dist_sample(d, rng));
    return PR_OK;
}

pr_status pr_dist_log_likelihood(const pr_dist *d, const pr_tensor *x, double *out) {
    pr_status st = pr_dist_check(d);
    if (st || (st = pr__require_tensor(x, "log_likelihood", "x"))) return st;
    if (!out) return pr__fail(PR_ERR_INVALID, "log_likelihood: out is NULL");
    if ((st = pr_tensor_check_finite(x, "log_likelihood: x"))) return st;
    double sum = 0;
    for (int64_t i = 0; i < x->size; i++) sum += pr_dist_logpdf(d, pr_tensor_get(x, i));
    *out = sum;
    return PR_OK;
}

/* ---- categorical and multivariate Gaussian ---------------------------------------------- */

static pr_status check_distribution(const double *p, int64_t n, const char *op, const char *name) {
    if (!p || n < 1) return pr__fail(PR_ERR_INVALID, "%s: %s is empty", op, name);
    double sum = 0;
    for (int64_t i = 0; i < n; i++) {
        if (!(p[i] >= 0) || !isfinite(p[i]))
            return pr__fail(PR_ERR_INVALID, "%s: %s[%lld] = %g is not a probability", op, name, (long long)i, p[i]);
        sum += p[i];
    }
    if (fabs(sum - 1) > 1e-6)
        return pr__fail(PR_ERR_INVALID, "%s: %s sums to %.9g, not 1", op, name, sum);
    return PR_OK;
}

pr_status pr_categorical_sample(const double *p, int64_t K, pr_rng *rng, int64_t *out) {
    pr_status st = check_distribution(p, K, "categorical", "p");
    if (st) return st;
    if (!rng || !out) return pr__fail(PR_ERR_INVALID, "categorical: rng and out must not be NULL");
    double u = pr_rng_uniform(rng), acc = 0;
    int64_t last = 0;
    for (int64_t k = 0; k < K; k++) {
        if (p[k] <= 0) continue;
        last = k;
        acc += p[k];
        if (u < acc) {
            *out = k;
            return PR_OK;
        }
    }
    *out = last; /* rounding left u above the running sum */
    return PR_OK;
}

struct pr_mvn {
    int64_t d;
    double *mean, *L; /* L lower triangular, row-major d x d */
    double log_det;   /* log |Σ| */
};

void pr_mvn_free(pr_mvn *m) {
    if (!m) return;
    free(m->mean);
    free(m->L);
    free(m);
}

pr_status pr_mvn_new(pr_mvn **out, const pr_tensor *mean, const pr_tensor *cov) {
    pr_status st = pr__require_tensor(mean, "mvn", "mean");
    if (st || (st = pr__require_tensor(cov, "mvn", "cov"))) return st;
    if (!out) return pr__fail(PR_ERR_INVALID, "mvn: out is NULL");
    int64_t d = mean->size;
    if (mean->ndim != 1 || cov->ndim != 2 || cov->shape[0] != d || cov->shape[1] != d) {
        char a[64], b[64];
        return pr__fail(PR_ERR_SHAPE, "mvn: mean must be (d) and cov (d, d); got %s and %s",
                        pr_shape_format(mean, a, sizeof a), pr_shape_format(cov, b, sizeof b));
    }
    if ((st = pr_tensor_check_finite(mean, "mvn: mean")) || (st = pr_tensor_check_finite(cov, "mvn: cov"))) return st;
    pr_tensor *cov64 = NULL, *L = NULL;
    if ((st = pr_tensor_cast(cov, PR_F64, &cov64))) return st;
    st = pr_cholesky(cov64, &L);
    pr_tensor_free(cov64);
    if (st) return pr__fail_context("mvn: the covariance: ");
    pr_mvn *m = pr__calloc(1, sizeof *m);
    if (m) {
        m->d = d;
        m->mean = pr__malloc((size_t)d * sizeof *m->mean);
        m->L = pr__malloc((size_t)(d * d) * sizeof *m->L);
    }
    if (!m || !m->mean || !m->L) {
        pr_tensor_free(L);
        pr_mvn_free(m);
        return pr__fail(PR_ERR_NOMEM, "mvn: out of memory");
    }
    for (int64_t i = 0; i < d; i++) m->mean[i] = pr_tensor_get(mean, i);
    const double *l = pr_tensor_f64(L);
    for (int64_t i = 0; i < d * d; i++) m->L[i] = l[i];
    for (int64_t i = 0; i < d; i++) m->log_det += 2 * log(l[i * d + i]);
    pr_tensor_free(L);
    *out = m;
    return PR_OK;
}

pr_status pr_mvn_logpdf(const pr_mvn *m, const pr_tensor *X, pr_tensor **out) {
    pr_status st = pr__require_tensor(X, "mvn_logpdf", "X");
    if (st) return st;
    if (!m || !out) return pr__fail(PR_ERR_INVALID, "mvn_logpdf: NULL argument");
    int64_t d = m->d, n = X->ndim == 1 ? 1 : X->shape[0];
    if (!((X->ndim == 1 && X->shape[0] == d) || (X->ndim == 2 && X->shape[1] == d))) {
        char a[64];
        return pr__fail(PR_ERR_SHAPE, "mvn_logpdf: points must be (n, %lld) or (%lld); got %s", (long long)d,
                        (long long)d, pr_shape_format(X, a, sizeof a));
    }
    double *z = pr__malloc((size_t)d * sizeof *z);
    if (!z) return pr__fail(PR_ERR_NOMEM, "mvn_logpdf: out of memory");
    pr_tensor *r;
    if ((st = pr_tensor_zeros(&r, PR_F64, PR_SHAPE(n)))) {
        free(z);
        return st;
    }
    for (int64_t i = 0; i < n; i++) {
        double q = 0; /* forward substitution L z = x - μ */
        for (int64_t j = 0; j < d; j++) {
            double s = pr_tensor_get(X, i * d + j) - m->mean[j];
            for (int64_t k = 0; k < j; k++) s -= m->L[j * d + k] * z[k];
            z[j] = s / m->L[j * d + j];
            q += z[j] * z[j];
        }
        pr_tensor_f64(r)[i] = -0.5 * ((double)d * LOG_2PI + m->log_det + q);
    }
    free(z);
    *out = r;
    return PR_OK;
}

pr_status pr_mvn_sample(const pr_mvn *m, int64_t n, pr_rng *rng, pr_tensor **out) {
    if (!m || !rng || !out || n < 0) return pr__fail(PR_ERR_INVALID, "mvn_sample: NULL argument or n < 0");
    int64_t d = m->d;
    pr_tensor *r;
    pr_status st = pr_tensor_zeros(&r, PR_F64, PR_SHAPE(n, d));
    if (st) return st;
    double *z = pr__malloc((size_t)d * sizeof *z), *x = pr_tensor_f64(r);
    if (!z) {
        pr_tensor_free(r);
        return pr__fail(PR_ERR_NOMEM, "mvn_sample: out of memory");
    }
    for (int64_t i = 0; i < n; i++) {
        for (int64_t j = 0; j < d; j++) z[j] = pr_rng_normal(rng);
        for (int64_t j = 0; j < d; j++) {
            double s = m->mean[j];
            for (int64_t k = 0; k <= j; k++) s += m->L[j * d + k] * z[k];
            x[i * d + j] = s;
        }
    }
    free(z);
    *out = r;
    return PR_OK;
}

/* ---- estimation ---------------------------------------------------------------------------- */

pr_status pr_gaussian_mle(const pr_tensor *x, int ddof, double *mean, double *var) {
    pr_status st = pr__require_tensor(x, "gaussian_mle", "x");
    if (st) return st;
    if (ddof < 0 || x->size <= ddof)
        return pr__fail(PR_ERR_INVALID, "gaussian_mle: %lld values cannot give a variance with ddof %d",
                        (long long)x->size, ddof);
    if ((st = pr_tensor_check_finite(x, "gaussian_mle: x"))) return st;
    double mu = 0, ss = 0;
    for (int64_t i = 0; i < x->size; i++) mu += pr_tensor_get(x, i);
    mu /= (double)x->size;
    for (int64_t i = 0; i < x->size; i++) {
        double e = pr_tensor_get(x, i) - mu;
        ss += e * e;
    }
    if (mean) *mean = mu;
    if (var) *var = ss / (double)(x->size - ddof);
    return PR_OK;
}

pr_status pr_bernoulli_mle(const pr_tensor *x, double *p) {
    pr_status st = pr__require_tensor(x, "bernoulli_mle", "x");
    if (st) return st;
    if (x->size == 0 || !p) return pr__fail(PR_ERR_INVALID, "bernoulli_mle: no outcomes");
    double k = 0;
    for (int64_t i = 0; i < x->size; i++) {
        double v = pr_tensor_get(x, i);
        if (v != 0 && v != 1)
            return pr__fail(PR_ERR_INVALID, "bernoulli_mle: outcome %lld is %g, not 0 or 1", (long long)i, v);
        k += v;
    }
    *p = k / (double)x->size;
    return PR_OK;
}

pr_dist pr_beta_update(pr_dist prior, int64_t heads, int64_t tails) {
    return pr_dist_beta(prior.a + (double)heads, prior.b + (double)tails);
}

double pr_beta_mode(const pr_dist *beta) {
    if (!beta || beta->kind != PR_DIST_BETA || !valid(beta) || beta->a <= 1 || beta->b <= 1) return NAN;
    return (beta->a - 1) / (beta->a + beta->b - 2);
}

/* ---- information theory -------------------------------------------------------------------- */

static double log_base(double base) { return base == 0 ? 1 : log(base); }

static pr_status check_base(double base, const char *op) {
    if (base == 0 || (base > 0 && base != 1 && isfinite(base))) return PR_OK;
    return pr__fail(PR_ERR_INVALID, "%s: log base %g must be positive and not 1 (0: natural log)", op, base);
}

pr_status pr_entropy(const double *p, int64_t n, double base, double *out) {
    pr_status st = check_distribution(p, n, "entropy", "p");
    if (st || (st = check_base(base, "entropy"))) return st;
    if (!out) return pr__fail(PR_ERR_INVALID, "entropy: out is NULL");
    double h = 0;
    for (int64_t i = 0; i < n; i++)
        if (p[i] > 0) h -= p[i] * log(p[i]);
    *out = h / log_base(base);
    return PR_OK;
}

pr_status pr_cross_entropy(const double *p, const double *q, int64_t n, double base, double *out) {
    pr_status st = check_distribution(p, n, "cross_entropy", "p");
    if (st || (st = check_distribution(q, n, "cross_entropy", "q")) || (st = check_base(base, "cross_entropy")))
        return st;
    if (!out) return pr__fail(PR_ERR_INVALID, "cross_entropy: out is NULL");
    double h = 0;
    for (int64_t i = 0; i < n; i++)
        if (p[i] > 0) h -= p[i] * (q[i] > 0 ? log(q[i]) : -INFINITY);
    *out = h / log_base(base);
    return PR_OK;
}

pr_status pr_kl_divergence(const double *p, const double *q, int64_t n, double base, double *out) {
    pr_status st = check_distribution(p, n, "kl_divergence", "p");
    if (st || (st = check_distribution(q, n, "kl_divergence", "q")) || (st = check_base(base, "kl_divergence")))
        return st;
    if (!out) return pr__fail(PR_ERR_INVALID, "kl_divergence: out is NULL");
    double kl = 0;
    for (int64_t i = 0; i < n; i++)
        if (p[i] > 0) kl += q[i] > 0 ? p[i] * log(p[i] / q[i]) : INFINITY;
    *out = (kl < 0 ? 0 : kl) / log_base(base); /* rounding can dip below 0 when p = q */
    return PR_OK;
}

pr_status pr_bayes_posterior(const double *prior, const double *likelihood, int64_t n, double *posterior,
                             double *evidence) {
    pr_status st = check_distribution(prior, n, "bayes_posterior", "prior");
    if (st) return st;
    if (!likelihood || !posterior) return pr__fail(PR_ERR_INVALID, "bayes_posterior: NULL argument");
    double total = 0;
    for (int64_t i = 0; i < n; i++) {
        if (!(likelihood[i] >= 0) || !isfinite(likelihood[i]))
            return pr__fail(PR_ERR_INVALID, "bayes_posterior: likelihood[%lld] = %g is not a non-negative number",
                            (long long)i, likelihood[i]);
        total += prior[i] * likelihood[i];
    }
    if (!(total > 0)) return pr__fail(PR_ERR_INVALID, "bayes_posterior: the evidence is 0 (no hypothesis explains the data)");
    for (int64_t i = 0; i < n; i++) posterior[i] = prior[i] * likelihood[i] / total;
    if (evidence) *evidence = total;
    return PR_OK;
}

pr_status pr_softmax_temperature(const double *z, int64_t K, double T, double *out) {
    if (!z || !out || K < 1) return pr__fail(PR_ERR_INVALID, "softmax: no scores");
    if (!(T > 0) || !isfinite(T)) return pr__fail(PR_ERR_INVALID, "softmax: temperature %g must be positive", T);
    for (int64_t k = 0; k < K; k++) {
        if (!isfinite(z[k])) return pr__fail(PR_ERR_NONFINITE, "softmax: score %lld is %g", (long long)k, z[k]);
        out[k] = z[k] / T;
    }
    pr__softmax_f64(out, K, 1, out, 0);
    return PR_OK;
}
