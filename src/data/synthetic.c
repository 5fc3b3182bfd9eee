/* The book's toy problems as seeded generators: XOR, moons, circles, spirals,
 * Gaussian blobs, a make_classification-like problem and noisy sine regression. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "primer/data.h"

/* New X (n, d) and y (n); both freed on failure. */
static pr_status alloc_xy(int64_t n, int64_t d, pr_tensor **X, pr_tensor **y) {
    *X = *y = NULL;
    pr_status st = pr_tensor_zeros(X, PR_F64, PR_SHAPE(n, d));
    if (!st) st = pr_tensor_zeros(y, PR_F64, PR_SHAPE(n));
    if (st) {
        pr_tensor_free(*X);
        *X = NULL;
    }
    return st;
}

static pr_status check_common(int64_t n, double noise, pr_rng *rng, pr_tensor **X, pr_tensor **y, const char *op) {
    if (!rng || !X || !y) return pr__fail(PR_ERR_INVALID, "%s: NULL argument", op);
    if (n < 1 || n > (INT64_C(1) << 32)) return pr__fail(PR_ERR_INVALID, "%s: n must be in 1..2^32, got %lld", op, (long long)n);
    if (!(noise >= 0) || !isfinite(noise)) return pr__fail(PR_ERR_INVALID, "%s: noise must be >= 0", op);
    return PR_OK;
}

/* Shuffle the rows of X and y together. */
static pr_status shuffle_rows(pr_tensor **X, pr_tensor **y, pr_rng *rng) {
    int64_t n = (*X)->shape[0];
    int64_t *order = pr__malloc((size_t)n * sizeof *order);
    if (!order) return PR_ERR_NOMEM;
    pr_rng_permutation(rng, n, order);
    pr_tensor *xs = NULL, *ys = NULL;
    pr_status st = pr_tensor_take_rows(*X, order, n, &xs);
    if (!st) st = pr_tensor_take_rows(*y, order, n, &ys);
    free(order);
    if (st) {
        pr_tensor_free(xs);
        return st;
    }
    pr_tensor_free(*X);
    pr_tensor_free(*y);
    *X = xs;
    *y = ys;
    return PR_OK;
}

static void add_noise(pr_tensor *X, double noise, pr_rng *rng) {
    if (noise <= 0) return;
    double *x = pr_tensor_f64(X);
    for (int64_t i = 0; i < X->size; i++) x[i] += noise * pr_rng_normal(rng);
}

/* Finish a generator: noise, optional shuffle, hand over (or free on failure). */
static pr_status finish(pr_status st, pr_tensor *x, pr_tensor *labels, double noise, int shuffle, pr_rng *rng,
                        pr_tensor **X, pr_tensor **y) {
    if (!st) add_noise(x, noise, rng);
    if (!st && shuffle) st = shuffle_rows(&x, &labels, rng);
    if (st) {
        pr_tensor_free(x);
        pr_tensor_free(labels);
        return st;
    }
    *X = x;
    *y = labels;
    return PR_OK;
}

pr_status pr_data_xor(int64_t n, double noise, pr_rng *rng, pr_tensor **X, pr_tensor **y) {
    pr_status st = check_common(n, noise, rng, X, y, "data_xor");
    pr_tensor *x, *labels;
    if (st || (st = alloc_xy(n, 2, &x, &labels))) return st;
    for (int64_t i = 0; i < n; i++) {
        int a = (int)(i % 4) >> 1, b = (int)(i % 4) & 1;
        pr_tensor_f64(x)[2 * i] = a;
        pr_tensor_f64(x)[2 * i + 1] = b;
        pr_tensor_f64(labels)[i] = a ^ b;
    }
    return finish(PR_OK, x, labels, noise, 0, rng, X, y);
}

/* k-th of m points spread over [0, span] (endpoint included or not). */
static double spread(int64_t k, int64_t m, double span, int endpoint) {
    if (endpoint) return m > 1 ? span * (double)k / (double)(m - 1) : 0;
    return span * (double)k / (double)m;
}

pr_status pr_data_moons(int64_t n, double noise, pr_rng *rng, pr_tensor **X, pr_tensor **y) {
    pr_status st = check_common(n, noise, rng, X, y, "data_moons");
    pr_tensor *x, *labels;
    if (st || (st = alloc_xy(n, 2, &x, &labels))) return st;
    int64_t n_out = n / 2, n_in = n - n_out;
    double *v = pr_tensor_f64(x);
    for (int64_t i = 0; i < n; i++) {
        int inner = i >= n_out;
        double t = inner ? spread(i - n_out, n_in, M_PI, 1) : spread(i, n_out, M_PI, 1);
        v[2 * i] = inner ? 1 - cos(t) : cos(t);
        v[2 * i + 1] = inner ? 1 - sin(t) - 0.5 : sin(t);
        pr_tensor_f64(labels)[i] = inner;
    }
    return finish(PR_OK, x, labels, noise, 1, rng, X, y);
}

pr_status pr_data_circles(int64_t n, double noise, double factor, pr_rng *rng, pr_tensor **X, pr_tensor **y) {
    pr_status st = check_common(n, noise, rng, X, y, "data_circles");
    if (st) return st;
    if (!(factor > 0 && factor < 1)) return pr__fail(PR_ERR_INVALID, "data_circles: factor must be in (0, 1)");
    pr_tensor *x, *labels;
    if ((st = alloc_xy(n, 2, &x, &labels))) return st;
    int64_t n_out = n / 2, n_in = n - n_out;
    double *v = pr_tensor_f64(x);
    for (int64_t i = 0; i < n; i++) {
        int inner = i >= n_out;
        double t = inner ? spread(i - n_out, n_in, 2 * M_PI, 0) : spread(i, n_out, 2 * M_PI, 0), r = inner ? factor : 1;
        v[2 * i] = r * cos(t);
        v[2 * i + 1] = r * sin(t);
        pr_tensor_f64(labels)[i] = inner;
    }
    return finish(PR_OK, x, labels, noise, 1, rng, X, y);
}

pr_status pr_data_spirals(int64_t n, int64_t classes, double noise, pr_rng *rng, pr_tensor **X, pr_tensor **y) {
    pr_status st = check_common(n, noise, rng, X, y, "data_spirals");
    if (st) return st;
    if (classes < 2 || classes > n) return pr__fail(PR_ERR_INVALID, "data_spirals: classes must be in 2..n");
    pr_tensor *x, *labels;
    if ((st = alloc_xy(n, 2, &x, &labels))) return st;
    double *v = pr_tensor_f64(x);
    for (int64_t i = 0, k = 0; k < classes; k++) {
        int64_t m = n / classes + (k < n % classes);
        for (int64_t j = 0; j < m; j++, i++) {
            double r = spread(j, m, 1, 1), t = 4.0 * (double)k + 4.0 * r + noise * pr_rng_normal(rng);
            v[2 * i] = r * sin(t);
            v[2 * i + 1] = r * cos(t);
            pr_tensor_f64(labels)[i] = (double)k;
        }
    }
    return finish(PR_OK, x, labels, 0, 1, rng, X, y);
}

pr_status pr_data_blobs(int64_t n, int64_t features, int64_t centers, double std, pr_rng *rng, pr_tensor **X,
                        pr_tensor **y) {
    pr_status st = check_common(n, std, rng, X, y, "data_blobs");
    if (st) return st;
    if (features < 1 || features > 1000000 || centers < 1 || centers > n)
        return pr__fail(PR_ERR_INVALID, "data_blobs: need features >= 1 and 1 <= centers <= n");
    pr_tensor *x, *labels, *c;
    if ((st = pr_tensor_uniform(&c, PR_F64, PR_SHAPE(centers, features), -10, 10, rng))) return st;
    if ((st = alloc_xy(n, features, &x, &labels))) {
        pr_tensor_free(c);
        return st;
    }
    double *v = pr_tensor_f64(x);
    for (int64_t i = 0, k = 0; k < centers; k++) {
        int64_t m = n / centers + (k < n % centers);
        for (int64_t j = 0; j < m; j++, i++) {
            for (int64_t d = 0; d < features; d++)
                v[i * features + d] = pr_tensor_f64(c)[k * features + d] + std * pr_rng_normal(rng);
            pr_tensor_f64(labels)[i] = (double)k;
        }
    }
    pr_tensor_free(c);
    return finish(PR_OK, x, labels, 0, 1, rng, X, y);
}

pr_status pr_data_sine(int64_t n, double noise, pr_rng *rng, pr_tensor **X, pr_tensor **y) {
    pr_status st = check_common(n, noise, rng, X, y, "data_sine");
    pr_tensor *x, *t;
    if (st || (st = alloc_xy(n, 1, &x, &t))) return st;
    for (int64_t i = 0; i < n; i++) {
        double u = 2 * M_PI * pr_rng_uniform(rng);
        pr_tensor_f64(x)[i] = u;
        pr_tensor_f64(t)[i] = sin(u) + noise * pr_rng_normal(rng);
    }
    *X = x;
    *y = t;
    return PR_OK;
}

/* ---- make_classification ------------------------------------------------------------------- */

pr_status pr_data_classification(int64_t n, const pr_classification_options *options, pr_rng *rng, pr_tensor **X,
                                 pr_tensor **y) {
    pr_status st = check_common(n, 0, rng, X, y, "data_classification");
    if (st) return st;
    pr_classification_options o = options ? *options : PR_CLASSIFICATION_DEFAULTS;
    int64_t inf = o.informative, n_clusters = o.classes * o.clusters;
    if (inf < 1 || inf > 62 || o.redundant < 0 || o.features < inf + o.redundant || o.features > 100000 || o.classes < 2 ||
        o.clusters < 1 || !(o.flip >= 0 && o.flip <= 1) || !(o.separation > 0) || n_clusters > n)
        return pr__fail(PR_ERR_INVALID, "data_classification: need 1 <= informative <= 62, informative + redundant <= "
                                        "features, classes >= 2, clusters >= 1, classes x clusters <= n, flip in [0, 1]");
    if (inf < 62 && n_clusters > (INT64_C(1) << inf))
        return pr__fail(PR_ERR_INVALID, "data_classification: %lld clusters do not fit on the %lld vertices of a %lld-cube",
                        (long long)n_clusters, (long long)(INT64_C(1) << inf), (long long)inf);
    int64_t d = o.features;
    pr_tensor *x = NULL, *labels = NULL;
    uint64_t *vertex = pr__calloc((size_t)n_clusters, sizeof *vertex);
    size_t a_len = (size_t)(inf * (inf > o.redundant ? inf : o.redundant));
    double *A = pr__malloc(a_len * sizeof *A), *tmp = pr__malloc((size_t)d * sizeof *tmp);
    int64_t *perm = pr__malloc((size_t)d * sizeof *perm);
    if (!vertex || !A || !tmp || !perm) st = PR_ERR_NOMEM;
    if (!st) st = alloc_xy(n, d, &x, &labels);
    if (!st) {
        /* distinct random vertices of {0,1}^inf */
        for (int64_t k = 0; k < n_clusters; k++) {
            int fresh;
            do {
                vertex[k] = pr_rng_next_u64(rng) & (inf < 64 ? (UINT64_C(1) << inf) - 1 : ~UINT64_C(0));
                fresh = 1;
                for (int64_t j = 0; j < k; j++) fresh &= vertex[j] != vertex[k];
            } while (!fresh);
        }
        double *v = pr_tensor_f64(x);
        for (int64_t i = 0; i < n; i++)
            for (int64_t j = 0; j < inf; j++) v[i * d + j] = pr_rng_normal(rng);
        for (int64_t i = 0, k = 0; k < n_clusters; k++) {
            int64_t m = n / n_clusters + (k < n % n_clusters);
            for (int64_t a = 0; a < inf * inf; a++) A[a] = 2 * pr_rng_uniform(rng) - 1;
            for (int64_t r = 0; r < m; r++, i++) {
                double *row = v + i * d;
                for (int64_t j = 0; j < inf; j++) {
                    tmp[j] = 0;
                    for (int64_t l = 0; l < inf; l++) tmp[j] += row[l] * A[l * inf + j];
                }
                for (int64_t j = 0; j < inf; j++)
                    row[j] = tmp[j] + ((vertex[k] >> j & 1) ? o.separation : -o.separation);
                pr_tensor_f64(labels)[i] = (double)(k % o.classes);
            }
        }
        for (int64_t a = 0; a < inf * o.redundant; a++) A[a] = 2 * pr_rng_uniform(rng) - 1;
        for (int64_t i = 0; i < n; i++) {
            double *row = v + i * d;
            for (int64_t j = 0; j < o.redundant; j++) {
                double s = 0;
                for (int64_t l = 0; l < inf; l++) s += row[l] * A[l * o.redundant + j];
                row[inf + j] = s;
            }
            for (int64_t j = inf + o.redundant; j < d; j++) row[j] = pr_rng_normal(rng);
        }
        for (int64_t i = 0; i < n; i++)
            if (pr_rng_uniform(rng) < o.flip) pr_tensor_f64(labels)[i] = (double)pr_rng_below(rng, (uint64_t)o.classes);
        /* shuffle the columns, then the rows */
        pr_rng_permutation(rng, d, perm);
        for (int64_t i = 0; i < n; i++) {
            double *row = v + i * d;
            memcpy(tmp, row, (size_t)d * sizeof *tmp);
            for (int64_t j = 0; j < d; j++) row[j] = tmp[perm[j]];
        }
    }
    free(vertex);
    free(A);
    free(tmp);
    free(perm);
    return finish(st, x, labels, 0, 1, rng, X, y);
}

/* ---- sequence tasks (chapter 11) ------------------------------------------------------------- */

static const char *const seq_task_names[] = {
#define PR_X_(id, name, what) name,
    PR_SEQ_TASK_LIST(PR_X_)
#undef PR_X_
};
_Static_assert(sizeof seq_task_names / sizeof seq_task_names[0] == PR_SEQ_TASK_COUNT, "one name per task");

const char *pr_seq_task_name(pr_seq_task task) {
    return (unsigned)task < PR_SEQ_TASK_COUNT ? seq_task_names[task] : "unknown";
}

pr_status pr_seq_task_parse(const char *name, pr_seq_task *out) {
    for (int k = 0; name && k < PR_SEQ_TASK_COUNT; k++)
        if (!strcmp(name, seq_task_names[k])) {
            *out = (pr_seq_task)k;
            return PR_OK;
        }
    return pr__fail(PR_ERR_INVALID, "unknown sequence task '%s' (copy, reverse, addition, sine, long-range)",
                    name ? name : "");
}

/* The digits of v, most significant first, in `width` places. */
static void put_digits(double *out, int64_t v, int64_t width) {
    for (int64_t i = width - 1; i >= 0; i--, v /= 10) out[i] = (double)(v % 10);
}

pr_status pr_data_sequence_task(pr_seq_task task, int64_t n, int64_t length, pr_rng *rng, pr_tensor **X,
                                pr_tensor **y) {
    const char *op = "sequence_task";
    pr_status st = check_common(n, 0, rng, X, y, op);
    if (st) return st;
    if ((unsigned)task >= PR_SEQ_TASK_COUNT) return pr__fail(PR_ERR_INVALID, "%s: unknown task %d", op, (int)task);
    int tokens = task <= PR_SEQ_ADDITION;
    int64_t lo = tokens ? 1 : 2, hi = tokens ? (task == PR_SEQ_ADDITION ? 17 : 64) : 100000;
    if (length < lo || length > hi)
        return pr__fail(PR_ERR_INVALID, "%s: %s takes a length from %lld to %lld, got %lld", op, seq_task_names[task],
                        (long long)lo, (long long)hi, (long long)length);
    int64_t L = length, T = task == PR_SEQ_ADDITION ? 3 * L + 3 : tokens ? 2 * L + 1 : L;
    *X = *y = NULL;
    if (tokens) {
        st = pr_tensor_zeros(X, PR_F64, PR_SHAPE(n, T));
        if (!st) st = pr_tensor_zeros(y, PR_F64, PR_SHAPE(n, T));
    } else {
        st = pr_tensor_zeros(X, PR_F64, PR_SHAPE(n, T, task == PR_SEQ_LONG_RANGE ? 2 : 1));
        if (!st) st = pr_tensor_zeros(y, PR_F64, PR_SHAPE(n));
    }
    if (st) {
        pr_tensor_free(*X);
        pr_tensor_free(*y);
        *X = *y = NULL;
        return st;
    }
    double *x = pr_tensor_f64(*X), *t = pr_tensor_f64(*y);
    for (int64_t r = 0; r < n; r++) {
        double *xr = x + r * T * (task == PR_SEQ_LONG_RANGE ? 2 : 1), *tr = tokens ? t + r * T : t + r;
        switch (task) {
        case PR_SEQ_COPY:
        case PR_SEQ_REVERSE:
            for (int64_t i = 0; i < L; i++) xr[i] = (double)(1 + pr_rng_below(rng, 8));
            xr[L] = 9;
            for (int64_t i = 0; i < L; i++) tr[L + 1 + i] = xr[task == PR_SEQ_COPY ? i : L - 1 - i];
            break;
        case PR_SEQ_ADDITION: { /* a + b = (the sum in L + 1 digits) */
            int64_t top = 1;
            for (int64_t i = 0; i < L; i++) top *= 10;
            int64_t a = (int64_t)pr_rng_below(rng, (uint64_t)top), b = (int64_t)pr_rng_below(rng, (uint64_t)top);
            put_digits(xr, a, L);
            xr[L] = 10;
            put_digits(xr + L + 1, b, L);
            xr[2 * L + 1] = 11;
            for (int64_t i = 2 * L + 2; i < T; i++) xr[i] = 12; /* blanks where the sum goes */
            for (int64_t i = 0; i < 2 * L + 2; i++) tr[i] = 12;
            put_digits(tr + 2 * L + 2, a + b, L + 1);
            break;
        }
        case PR_SEQ_SINE: {
            double phase = 2 * M_PI * pr_rng_uniform(rng), period = 10 + 20 * pr_rng_uniform(rng);
            for (int64_t i = 0; i < L; i++) xr[i] = sin(2 * M_PI * (double)i / period + phase) + 0.1 * pr_rng_normal(rng);
            *tr = sin(2 * M_PI * (double)L / period + phase);
            break;
        }
        default: { /* long-range: the adding problem */
            int64_t a = (int64_t)pr_rng_below(rng, (uint64_t)(L / 2)), b = L / 2 + (int64_t)pr_rng_below(rng, (uint64_t)(L - L / 2));
            for (int64_t i = 0; i < L; i++) xr[2 * i] = pr_rng_uniform(rng);
            xr[2 * a + 1] = xr[2 * b + 1] = 1;
            *tr = xr[2 * a] + xr[2 * b];
        }
        }
    }
    return PR_OK;
}
