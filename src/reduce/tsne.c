/* t-SNE (section 12.3; van der Maaten and Hinton 2008, van der Maaten 2014):
 * perplexity-calibrated Gaussian affinities P, a Student-t Q in the embedding, and
 * gradient descent on KL(P || Q) with early exaggeration, momentum and per-parameter
 * gains, as scikit-learn 1.2 runs it. Two gradients behind one optimiser: exact
 * (every pair) and Barnes-Hut (sparse P from 3 perplexity neighbours, the repulsion
 * summarised over a quadtree). */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/parallel.h"
#include "linalg/backend.h"
#include "primer/reduce.h"
#include "reduce/reduce_internal.h"

#define MACHINE_EPSILON DBL_EPSILON /* scikit-learn's floor for P and Q (np.finfo(np.double).eps) */
#define PERPLEXITY_TOLERANCE 1e-5
#define PERPLEXITY_STEPS 100
#define CHECK_EVERY 50
#define EXACT_MAX_POINTS 10000 /* the dense P: 800 MB there */
/* auto: Barnes-Hut up to here, the FFT method above. Since the grouped walk, Barnes-Hut
 * is the faster on all 70,000 Fashion-MNIST images (101 s against 141 s at one thread:
 * docs/performance.md); the FFT method's time grows linearly, the walk's as n log n, so
 * they cross beyond that, at a size not measured here. */
#define FFT_FROM_POINTS 100000
#define POINT_GRAIN 64 /* points (or groups of the walk) per block of a split over the pool */

static const char *const method_names[] = {
#define PR_X_(name, str, what) str,
    PR_TSNE_METHOD_LIST(PR_X_)
#undef PR_X_
};

const char *pr_tsne_method_name(pr_tsne_method m) {
    return m >= 0 && m < PR_TSNE_METHOD_COUNT ? method_names[m] : "?";
}

pr_status pr_tsne_method_parse(const char *name, pr_tsne_method *out) {
    int m = pr__name_index(method_names, PR_TSNE_METHOD_COUNT, name);
    if (m >= 0) {
        *out = (pr_tsne_method)m;
        return PR_OK;
    }
    return pr__fail(PR_ERR_INVALID, "unknown t-SNE method '%s' (auto, exact, barnes-hut or fft)", name ? name : "");
}

/* ---- affinities --------------------------------------------------------------------------- */

/* One row of conditional probabilities p_j|i ∝ exp(-β d_j) over the len squared
 * distances d (entry `skip` excluded: 0), β found by bisection so that the entropy
 * is log(perplexity). The distances are shifted by their minimum first, which leaves
 * p and the entropy unchanged but keeps exp from underflowing for distant data. */
static void conditional_row(const double *d, int64_t len, int64_t skip, double perplexity, double *p) {
    double dmin = INFINITY, target = log(perplexity);
    for (int64_t j = 0; j < len; j++)
        if (j != skip && d[j] < dmin) dmin = d[j];
    double beta = 1, lo = -INFINITY, hi = INFINITY;
    for (int step = 0; step < PERPLEXITY_STEPS; step++) {
        double sum = 0, dsum = 0;
        for (int64_t j = 0; j < len; j++) {
            p[j] = j == skip ? 0 : exp(-(d[j] - dmin) * beta);
            sum += p[j];
        }
        if (sum == 0) sum = 1e-8;
        for (int64_t j = 0; j < len; j++) {
            p[j] /= sum;
            if (j != skip) dsum += (d[j] - dmin) * p[j];
        }
        double diff = log(sum) + beta * dsum - target;
        if (fabs(diff) <= PERPLEXITY_TOLERANCE) break;
        if (diff > 0) {
            lo = beta;
            beta = hi == INFINITY ? beta * 2 : (beta + hi) / 2;
        } else {
            hi = beta;
            beta = lo == -INFINITY ? beta / 2 : (beta + lo) / 2;
        }
    }
}

/* Dense symmetric P (n, n) from squared distances D (n, n). */
static void joint_dense(const double *D, int64_t n, double perplexity, double *P) {
    for (int64_t i = 0; i < n; i++) conditional_row(D + i * n, n, i, perplexity, P + i * n);
    double sum = 0;
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = i + 1; j < n; j++) {
            double v = P[i * n + j] + P[j * n + i];
            P[i * n + j] = P[j * n + i] = v;
            sum += 2 * v;
        }
    if (sum < MACHINE_EPSILON) sum = MACHINE_EPSILON;
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < n; j++) {
            double v = P[i * n + j] / sum;
            P[i * n + j] = i == j ? 0 : (v > MACHINE_EPSILON ? v : MACHINE_EPSILON);
        }
}

/* Squared distances of every pair of rows of X (n, d), clamped at 0, exact 0 on the diagonal. */
static pr_status pairwise_sq(const double *X, int64_t n, int64_t d, double *D) {
    if (pr__bk_gemm_f64(0, 1, n, n, d, -2, X, d, X, d, 0, D, n)) return pr__fail(PR_ERR_INTERNAL, "t-SNE: gemm failed");
    double *sq = pr__malloc((size_t)n * sizeof *sq);
    if (!sq) return pr__fail(PR_ERR_NOMEM, "t-SNE: out of memory");
    for (int64_t i = 0; i < n; i++) sq[i] = pr__bk_dot_f64(d, X + i * d, X + i * d);
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < n; j++) {
            double v = D[i * n + j] + sq[i] + sq[j];
            D[i * n + j] = i == j ? 0 : (v > 0 ? v : 0);
        }
    free(sq);
    return PR_OK;
}

pr_status pr_tsne_joint_probabilities(const pr_tensor *D2, double perplexity, pr_tensor **P) {
    if (!D2 || !P) return pr__fail(PR_ERR_INVALID, "tsne_joint_probabilities: NULL argument");
    pr_status st = pr__require_float(D2, "tsne_joint_probabilities");
    if (st) return st;
    if (D2->ndim != 2 || D2->shape[0] != D2->shape[1] || D2->shape[0] < 2)
        return pr__fail(PR_ERR_SHAPE, "tsne_joint_probabilities: the squared distances must be a square matrix of 2 or more rows");
    int64_t n = D2->shape[0];
    if (!(perplexity >= 1 && perplexity < (double)n))
        return pr__fail(PR_ERR_INVALID, "t-SNE: the perplexity (%g) must be at least 1 and below the number of points (%lld)",
                        perplexity, (long long)n);
    pr_tensor *D = NULL;
    if ((st = pr_tensor_check_finite(D2, "tsne_joint_probabilities: distances")) || (st = pr_tensor_cast(D2, PR_F64, &D)))
        return st;
    for (int64_t i = 0; i < D->size; i++)
        if (pr_tensor_f64(D)[i] < 0) {
            pr_tensor_free(D);
            return pr__fail(PR_ERR_INVALID, "tsne_joint_probabilities: a negative squared distance at row %lld",
                            (long long)(i / n));
        }
    if (!(st = pr_tensor_zeros(P, PR_F64, PR_SHAPE(n, n)))) joint_dense(pr_tensor_f64(D), n, perplexity, pr_tensor_f64(*P));
    pr_tensor_free(D);
    return st;
}

/* Sparse symmetric P (CSR) from each point's k nearest neighbours: the conditional
 * rows over the neighbours, P = (P_cond + P_condᵀ) / sum (scikit-learn's
 * _joint_probabilities_nn). */
typedef struct sparse_p {
    int64_t *start; /* n + 1 row starts */
    int64_t *col;
    double *val;
} sparse_p;

static void sparse_free(sparse_p *s) {
    free(s->start);
    free(s->col);
    free(s->val);
}

typedef struct entry {
    int64_t j;
    double v;
} entry;

static int entry_cmp(const void *a, const void *b) {
    const entry *x = a, *y = b;
    return (x->j > y->j) - (x->j < y->j);
}

/* The rows of joint_sparse's two loops that split over the pool: calibrating each
 * point's conditional row, and sorting each bucket of entries by column. */
typedef struct sparse_job {
    const double *dist;
    double *cond, perplexity;
    int64_t k;
    entry *e;
    const int64_t *fill;
} sparse_job;

static void calibrate_rows(void *ctx, int64_t begin, int64_t end, int worker) {
    (void)worker;
    const sparse_job *j = ctx;
    for (int64_t i = begin; i < end; i++) conditional_row(j->dist + i * j->k, j->k, -1, j->perplexity, j->cond + i * j->k);
}

static void sort_rows(void *ctx, int64_t begin, int64_t end, int worker) {
    (void)worker;
    const sparse_job *j = ctx;
    for (int64_t i = begin; i < end; i++) qsort(j->e + j->fill[i], (size_t)(j->fill[i + 1] - j->fill[i]), sizeof *j->e, entry_cmp);
}

static pr_status joint_sparse(pr_threads *pool, const double *X, int64_t n, int64_t d, int64_t k, double perplexity,
                              sparse_p *out) {
    int64_t *nbr = pr__malloc((size_t)n * (size_t)k * sizeof *nbr), *fill = pr__calloc((size_t)n + 1, sizeof *fill);
    double *dist = pr__malloc((size_t)n * (size_t)k * sizeof *dist), *cond = pr__malloc((size_t)n * (size_t)k * sizeof *cond);
    entry *e = pr__malloc(2 * (size_t)n * (size_t)k * sizeof *e);
    int64_t *row_at = pr__malloc(((size_t)n + 1) * sizeof *row_at);
    memset(out, 0, sizeof *out);
    pr_status st = PR_OK;
    if (!nbr || !fill || !dist || !cond || !e || !row_at) st = pr__fail(PR_ERR_NOMEM, "t-SNE: out of memory for %lld points", (long long)n);
    if (!st) st = pr__knn_f64(pool, X, n, d, k, nbr, dist);
    sparse_job job = {.dist = dist, .cond = cond, .perplexity = perplexity, .k = k, .e = e, .fill = fill};
    if (!st) pr__parallel_for(pool, n, POINT_GRAIN, calibrate_rows, &job);
    /* every (i, j, p_j|i) and its mirror (j, i, p_j|i), bucketed by row */
    for (int64_t i = 0; !st && i < n; i++)
        for (int64_t q = 0; q < k; q++) {
            fill[i + 1]++;
            fill[nbr[i * k + q] + 1]++;
        }
    for (int64_t i = 0; !st && i < n; i++) fill[i + 1] += fill[i];
    if (!st) memcpy(row_at, fill, ((size_t)n + 1) * sizeof *row_at);
    for (int64_t i = 0; !st && i < n; i++)
        for (int64_t q = 0; q < k; q++) {
            int64_t j = nbr[i * k + q];
            double v = cond[i * k + q];
            e[row_at[i]++] = (entry){j, v};
            e[row_at[j]++] = (entry){i, v};
        }
    /* sort each row by column and add the duplicates together */
    int64_t nnz = 0;
    double sum = 0;
    if (!st) {
        out->start = pr__malloc(((size_t)n + 1) * sizeof *out->start);
        out->col = pr__malloc(2 * (size_t)n * (size_t)k * sizeof *out->col);
        out->val = pr__malloc(2 * (size_t)n * (size_t)k * sizeof *out->val);
        if (!out->start || !out->col || !out->val) st = pr__fail(PR_ERR_NOMEM, "t-SNE: out of memory");
    }
    if (!st) pr__parallel_for(pool, n, POINT_GRAIN, sort_rows, &job);
    for (int64_t i = 0; !st && i < n; i++) {
        const entry *r = e + fill[i];
        int64_t len = fill[i + 1] - fill[i];
        out->start[i] = nnz;
        for (int64_t q = 0; q < len; q++) {
            if (nnz > out->start[i] && out->col[nnz - 1] == r[q].j) out->val[nnz - 1] += r[q].v;
            else {
                out->col[nnz] = r[q].j;
                out->val[nnz++] = r[q].v;
            }
            sum += r[q].v;
        }
    }
    if (!st) {
        out->start[n] = nnz;
        if (sum < MACHINE_EPSILON) sum = MACHINE_EPSILON;
        for (int64_t q = 0; q < nnz; q++) out->val[q] /= sum;
    } else {
        sparse_free(out);
    }
    free(nbr);
    free(fill);
    free(dist);
    free(cond);
    free(e);
    free(row_at);
    return st;
}

/* ---- the exact gradient ------------------------------------------------------------------ */

/* The exact gradient (below) for any dimension and degrees of freedom, each pair once,
 * on the calling thread. */
static void exact_gradient_general(const double *P, double ex, const double *Y, int64_t n, int d, double dof,
                                   double *grad, double *kl) {
    double power = -(dof + 1) / 2, sum_w = 0;
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = i + 1; j < n; j++) {
            double d2 = 0;
            for (int c = 0; c < d; c++) d2 += (Y[i * d + c] - Y[j * d + c]) * (Y[i * d + c] - Y[j * d + c]);
            sum_w += 2 * pow(1 + d2 / dof, power);
        }
    double scale = 2 * (dof + 1) / dof, error = 0;
    memset(grad, 0, (size_t)n * (size_t)d * sizeof *grad);
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = i + 1; j < n; j++) {
            double d2 = 0;
            for (int c = 0; c < d; c++) d2 += (Y[i * d + c] - Y[j * d + c]) * (Y[i * d + c] - Y[j * d + c]);
            double base = 1 + d2 / dof, w = pow(base, power), q = w / sum_w, p = ex * P[i * n + j];
            if (kl) error += 2 * p * log((p > MACHINE_EPSILON ? p : MACHINE_EPSILON) / (q > MACHINE_EPSILON ? q : MACHINE_EPSILON));
            double f = scale * (p - q) / base;
            for (int c = 0; c < d; c++) {
                double g = f * (Y[i * d + c] - Y[j * d + c]);
                grad[i * d + c] += g;
                grad[j * d + c] -= g;
            }
        }
    if (kl) *kl = error;
}

/* The same for a 2-D embedding (one degree of freedom, w = 1 / (1 + d²)) over the
 * columns x and y (xy: x then y, n each) so that the loops vectorise, in two passes over
 * rows [begin, end): each point's Σ_{j≠i} w_ij into point_sum, then (with inv = 1 / Σ w)
 * its gradient and, when row_kl is not NULL, its share of KL. */
PR_VECTOR_CLONES static void exact_2d_sums(const double *xy, int64_t n, int64_t begin, int64_t end, double *point_sum) {
    const double *x = xy, *y = xy + n;
    for (int64_t i = begin; i < end; i++) {
        double xi = x[i], yi = y[i], s = 0;
        for (int64_t j = 0; j < n; j++) s += 1 / (1 + (xi - x[j]) * (xi - x[j]) + (yi - y[j]) * (yi - y[j]));
        point_sum[i] = s - 1; /* less w_ii = 1 */
    }
}

PR_VECTOR_CLONES static void exact_2d_rows(const double *P, double ex, const double *xy, int64_t n, int64_t begin,
                                           int64_t end, double inv, double *grad, double *row_kl) {
    const double *x = xy, *y = xy + n;
    for (int64_t i = begin; i < end; i++) {
        const double *p = P + i * n;
        double xi = x[i], yi = y[i], gx = 0, gy = 0;
        for (int64_t j = 0; j < n; j++) {
            double dx = xi - x[j], dy = yi - y[j], w = 1 / (1 + dx * dx + dy * dy), f = (ex * p[j] - w * inv) * w;
            gx += f * dx; /* the j = i term is zero: dx = dy = 0 */
            gy += f * dy;
        }
        grad[2 * i] = 4 * gx;
        grad[2 * i + 1] = 4 * gy;
        if (!row_kl) continue;
        double error = 0;
        for (int64_t j = 0; j < n; j++) {
            if (j == i) continue;
            double dx = xi - x[j], dy = yi - y[j], q = inv / (1 + dx * dx + dy * dy), pj = ex * p[j];
            error += pj * log((pj > MACHINE_EPSILON ? pj : MACHINE_EPSILON) / (q > MACHINE_EPSILON ? q : MACHINE_EPSILON));
        }
        row_kl[i] = error;
    }
}

static double sum_in_order(const double *v, int64_t n) {
    double s = 0;
    for (int64_t i = 0; i < n; i++) s += v[i];
    return s;
}

typedef struct exact_job {
    const double *P, *xy;
    double ex, inv;
    int64_t n;
    double *grad, *point_sum, *point_kl;
} exact_job;

static void exact_sum_range(void *ctx, int64_t begin, int64_t end, int worker) {
    (void)worker;
    const exact_job *j = ctx;
    exact_2d_sums(j->xy, j->n, begin, end, j->point_sum);
}

static void exact_gradient_range(void *ctx, int64_t begin, int64_t end, int worker) {
    (void)worker;
    const exact_job *j = ctx;
    exact_2d_rows(j->P, j->ex, j->xy, j->n, begin, end, j->inv, j->grad, j->point_kl);
}

/* KL(ex·P || Q) (when kl is not NULL) and its gradient for the dense P (n, n) and
 * the embedding Y (n, d), dof degrees of freedom:
 *   q_ij = w_ij / Σ w,  w_ij = (1 + |y_i - y_j|² / dof)^(-(dof + 1) / 2),
 *   ∂KL/∂y_i = (2 (dof + 1) / dof) Σ_j (p_ij - q_ij) (y_i - y_j) / (1 + |y_i - y_j|² / dof).
 * work holds 4n values. In 2-D the rows are split over the pool and the per-point
 * sums added in point order; in 1-D and 3-D it runs on the calling thread. */
static void exact_gradient(pr_threads *pool, const double *P, double ex, const double *Y, int64_t n, int d, double dof,
                           double *grad, double *work, double *kl) {
    if (!(d == 2 && dof == 1)) {
        exact_gradient_general(P, ex, Y, n, d, dof, grad, kl);
        return;
    }
    exact_job job = {.P = P, .xy = work, .ex = ex, .n = n, .grad = grad, .point_sum = work + 2 * n,
                     .point_kl = kl ? work + 3 * n : NULL};
    for (int64_t i = 0; i < n; i++) {
        work[i] = Y[2 * i];
        work[n + i] = Y[2 * i + 1];
    }
    pr__parallel_dynamic(pool, n, POINT_GRAIN, exact_sum_range, &job);
    job.inv = 1 / sum_in_order(job.point_sum, n);
    pr__parallel_dynamic(pool, n, POINT_GRAIN, exact_gradient_range, &job);
    if (kl) *kl = sum_in_order(job.point_kl, n);
}

pr_status pr_tsne_kl_divergence(const pr_tensor *P, const pr_tensor *Y, double *kl, pr_tensor **grad) {
    if (!P || !Y || !kl) return pr__fail(PR_ERR_INVALID, "tsne_kl_divergence: NULL argument");
    pr_status st;
    if ((st = pr__require_float(P, "tsne_kl_divergence")) || (st = pr__require_float(Y, "tsne_kl_divergence"))) return st;
    if (Y->ndim != 2 || Y->shape[1] < 1 || Y->shape[1] > 3 || P->ndim != 2 || P->shape[0] != Y->shape[0] ||
        P->shape[1] != Y->shape[0])
        return pr__fail(PR_ERR_SHAPE, "tsne_kl_divergence: P must be (m, m) and Y (m, 1..3)");
    pr_tensor *Pd = NULL, *Yd = NULL, *G = NULL;
    int64_t n = Y->shape[0];
    int d = (int)Y->shape[1];
    st = pr_tensor_cast(P, PR_F64, &Pd);
    if (!st) st = pr_tensor_cast(Y, PR_F64, &Yd);
    if (!st) st = pr_tensor_zeros(&G, PR_F64, PR_SHAPE(n, d));
    double *work = st ? NULL : pr__malloc(4 * (size_t)n * sizeof *work);
    if (!st && !work) st = pr__fail(PR_ERR_NOMEM, "tsne_kl_divergence: out of memory");
    if (!st) exact_gradient(NULL, pr_tensor_f64(Pd), 1, pr_tensor_f64(Yd), n, d, d > 1 ? d - 1 : 1, pr_tensor_f64(G), work, kl);
    free(work);
    pr_tensor_free(Pd);
    pr_tensor_free(Yd);
    if (!st && grad) *grad = G;
    else pr_tensor_free(G);
    return st;
}

/* ---- Barnes-Hut: a quadtree over the 2-D embedding ---------------------------------------- */

/* A cell of the tree: what the traversal reads, packed. Children are consecutive. */
typedef struct qnode {
    double cx, cy;    /* centre of mass */
    double w2;        /* the cell's width squared */
    double x0, y0, w; /* the cell [x0, x0 + w] x [y0, y0 + w] */
    int32_t count;    /* points below */
    int32_t first;    /* leaf: its points are perm[first .. first + count) */
    int32_t child;    /* the first child */
    int32_t n_child;  /* 0: a leaf */
} qnode;

/* A group of the walk: the points perm[begin, end) of the leaf `leaf`. */
typedef struct qt_task {
    int64_t begin, end;
    int32_t leaf;
} qt_task;

typedef struct quadtree {
    qnode *nodes;
    int64_t n_nodes, cap;
    int64_t *perm, *tmp;
    double *tx, *ty;  /* the points in tree order: tx[q] = Y[2 perm[q]] */
    qt_task *tasks;   /* every leaf's points in groups of at most QT_GROUP */
    int64_t n_tasks, task_cap;
} quadtree;

enum { QT_MAX_DEPTH = 60, QT_STACK = 4 * QT_MAX_DEPTH + 8, QT_LEAF = 16, QT_GROUP = 16 };

/* Room for `count` more nodes; the index of the first, or -1. */
static int64_t qt_reserve(quadtree *t, int64_t count) {
    if (t->n_nodes + count > t->cap) {
        int64_t cap = t->cap ? 2 * t->cap : 1024;
        while (cap < t->n_nodes + count) cap *= 2;
        qnode *nodes = pr__realloc(t->nodes, (size_t)cap * sizeof *nodes);
        if (!nodes) return -1;
        t->nodes = nodes;
        t->cap = cap;
    }
    t->n_nodes += count;
    return t->n_nodes - count;
}

/* The cell `id` over perm[lo, hi): its centre of mass, then its children unless it
 * holds at most QT_LEAF points, identical points, or the depth is spent. */
static int qt_build(quadtree *t, const double *Y, int64_t id, int64_t lo, int64_t hi, int depth) {
    double sx = 0, sy = 0, xmin = INFINITY, xmax = -INFINITY, ymin = INFINITY, ymax = -INFINITY;
    for (int64_t q = lo; q < hi; q++) {
        const double *y = Y + 2 * t->perm[q];
        sx += y[0];
        sy += y[1];
        xmin = y[0] < xmin ? y[0] : xmin;
        xmax = y[0] > xmax ? y[0] : xmax;
        ymin = y[1] < ymin ? y[1] : ymin;
        ymax = y[1] > ymax ? y[1] : ymax;
    }
    qnode *node = &t->nodes[id];
    node->count = (int32_t)(hi - lo);
    node->first = (int32_t)lo;
    node->cx = sx / (double)(hi - lo);
    node->cy = sy / (double)(hi - lo);
    node->w2 = node->w * node->w;
    node->n_child = 0;
    if (hi - lo <= QT_LEAF || depth >= QT_MAX_DEPTH || (xmin == xmax && ymin == ymax)) return 0;
    double half = node->w / 2, x0 = node->x0, y0 = node->y0, xm = x0 + half, ym = y0 + half;
    int64_t count[4] = {0, 0, 0, 0}, at[4];
    for (int64_t q = lo; q < hi; q++) {
        const double *y = Y + 2 * t->perm[q];
        count[(y[0] >= xm) + 2 * (y[1] >= ym)]++;
    }
    at[0] = lo;
    for (int c = 1; c < 4; c++) at[c] = at[c - 1] + count[c - 1];
    int64_t start[4] = {at[0], at[1], at[2], at[3]};
    for (int64_t q = lo; q < hi; q++) {
        const double *y = Y + 2 * t->perm[q];
        t->tmp[at[(y[0] >= xm) + 2 * (y[1] >= ym)]++] = t->perm[q];
    }
    memcpy(t->perm + lo, t->tmp + lo, (size_t)(hi - lo) * sizeof *t->perm);
    int n_child = (count[0] > 0) + (count[1] > 0) + (count[2] > 0) + (count[3] > 0);
    int64_t first = qt_reserve(t, n_child);
    if (first < 0) return -1;
    t->nodes[id].child = (int32_t)first;
    t->nodes[id].n_child = n_child;
    for (int c = 0, made = 0; c < 4; c++) {
        if (!count[c]) continue;
        qnode *ch = &t->nodes[first + made++];
        ch->x0 = (c & 1) ? xm : x0;
        ch->y0 = (c & 2) ? ym : y0;
        ch->w = half;
    }
    for (int c = 0, made = 0; c < 4; c++)
        if (count[c] && qt_build(t, Y, first + made++, start[c], start[c] + count[c], depth + 1)) return -1;
    return 0;
}

static pr_status qt_rebuild(quadtree *t, const double *Y, int64_t n) {
    double xmin = INFINITY, xmax = -INFINITY, ymin = INFINITY, ymax = -INFINITY;
    for (int64_t i = 0; i < n; i++) {
        xmin = fmin(xmin, Y[2 * i]);
        xmax = fmax(xmax, Y[2 * i]);
        ymin = fmin(ymin, Y[2 * i + 1]);
        ymax = fmax(ymax, Y[2 * i + 1]);
        t->perm[i] = i;
    }
    double w = fmax(xmax - xmin, ymax - ymin);
    w = w > 0 ? w * (1 + 1e-9) + 1e-300 : 1;
    t->n_nodes = 0;
    if (qt_reserve(t, 1) < 0) return pr__fail(PR_ERR_NOMEM, "t-SNE: out of memory for the quadtree");
    t->nodes[0].x0 = xmin;
    t->nodes[0].y0 = ymin;
    t->nodes[0].w = w;
    if (qt_build(t, Y, 0, 0, n, 0)) return pr__fail(PR_ERR_NOMEM, "t-SNE: out of memory for the quadtree");
    for (int64_t q = 0; q < n; q++) {
        t->tx[q] = Y[2 * t->perm[q]];
        t->ty[q] = Y[2 * t->perm[q] + 1];
    }
    t->n_tasks = 0;
    for (int64_t id = 0; id < t->n_nodes; id++) {
        const qnode *node = &t->nodes[id];
        if (node->n_child) continue;
        for (int64_t b = node->first; b < node->first + node->count; b += QT_GROUP) {
            if (t->n_tasks == t->task_cap) {
                int64_t cap = t->task_cap ? 2 * t->task_cap : 256;
                qt_task *tasks = pr__realloc(t->tasks, (size_t)cap * sizeof *tasks);
                if (!tasks) return pr__fail(PR_ERR_NOMEM, "t-SNE: out of memory for the quadtree");
                t->tasks = tasks;
                t->task_cap = cap;
            }
            int64_t e = node->first + node->count;
            t->tasks[t->n_tasks++] = (qt_task){b, b + QT_GROUP < e ? b + QT_GROUP : e, (int32_t)id};
        }
    }
    return PR_OK;
}

/* The repulsion on a group of up to QT_GROUP points of one leaf, walked through the
 * tree together: Σ_j w_ij² (y_i - y_j) into neg (2n, by point) and Σ_{j≠i} w_ij into
 * point_sum (n). A cell far enough from every point of the group (width / distance
 * from its centre of mass to the group's bounding box < theta) is taken as one point
 * at its centre of mass; otherwise it is opened, and a leaf is summed point by point.
 * The test is the point-by-point walk's with the group's nearest distance, so the
 * walk opens every cell that walk opens (and a few more): it is at least as exact,
 * and the tree is traversed once per group instead of once per point, the group's
 * arithmetic in vector lanes. Below theta = 1/√2 no cell that holds a point of the
 * group passes the test; above, such cells are opened (`check_inside`). */
typedef struct qt_lanes {
    double x[QT_GROUP], y[QT_GROUP], fx[QT_GROUP], fy[QT_GROUP], s[QT_GROUP];
} qt_lanes;

/* `mass` points at (px, py) acting on every lane. */
static inline void lanes_add(qt_lanes *g, double px, double py, double mass) {
    for (int q = 0; q < QT_GROUP; q++) {
        double dx = g->x[q] - px, dy = g->y[q] - py, w = 1 / (1 + dx * dx + dy * dy), cw = mass * w;
        g->s[q] += cw;
        g->fx[q] += cw * w * dx;
        g->fy[q] += cw * w * dy;
    }
}

PR_VECTOR_CLONES static void qt_group_repulsion(const quadtree *t, const qt_task *task, double theta2, int check_inside,
                                                double *neg, double *point_sum) {
    qt_lanes g;
    int count = (int)(task->end - task->begin);
    double xmin = INFINITY, xmax = -INFINITY, ymin = INFINITY, ymax = -INFINITY;
    for (int q = 0; q < QT_GROUP; q++) { /* lanes past the group repeat its first point */
        int64_t at = task->begin + (q < count ? q : 0);
        g.x[q] = t->tx[at];
        g.y[q] = t->ty[at];
        g.fx[q] = g.fy[q] = g.s[q] = 0;
        xmin = g.x[q] < xmin ? g.x[q] : xmin;
        xmax = g.x[q] > xmax ? g.x[q] : xmax;
        ymin = g.y[q] < ymin ? g.y[q] : ymin;
        ymax = g.y[q] > ymax ? g.y[q] : ymax;
    }
    int32_t stack[QT_STACK];
    int top = 0;
    const qnode *nodes = t->nodes;
    stack[top++] = 0;
    while (top) {
        int32_t id = stack[--top];
        const qnode *node = &nodes[id];
        double ex = xmin - node->cx > 0 ? xmin - node->cx : node->cx - xmax > 0 ? node->cx - xmax : 0;
        double ey = ymin - node->cy > 0 ? ymin - node->cy : node->cy - ymax > 0 ? node->cy - ymax : 0;
        int far = id != task->leaf && node->w2 < theta2 * (ex * ex + ey * ey) &&
                  !(check_inside && xmax >= node->x0 && xmin <= node->x0 + node->w && ymax >= node->y0 &&
                    ymin <= node->y0 + node->w);
        if (far) {
            lanes_add(&g, node->cx, node->cy, (double)node->count);
        } else if (node->n_child == 0) { /* a leaf near the group: its points one by one */
            for (int64_t q = node->first; q < node->first + node->count; q++) lanes_add(&g, t->tx[q], t->ty[q], 1);
        } else {
            for (int32_t c = 0; c < node->n_child; c++) stack[top++] = node->child + c;
        }
    }
    for (int q = 0; q < count; q++) {
        int64_t i = t->perm[task->begin + q];
        neg[2 * i] = g.fx[q];
        neg[2 * i + 1] = g.fy[q];
        point_sum[i] = g.s[q] - 1; /* less the point itself: w_ii = 1, no force */
    }
}

/* ∂KL/∂y_i = 4 (Σ_j p_ij w_ij (y_i - y_j) - Σ_j w_ij² (y_i - y_j) / Σ w) for the rows
 * [begin, end), the first sum over P's neighbours, the second (neg) and Σ w from the
 * tree or the FFT grid. */
PR_VECTOR_CLONES static void sparse_gradient(const sparse_p *P, double ex, const double *Y, int64_t begin, int64_t end,
                                             double sum_w, const double *neg, double *grad) {
    for (int64_t i = begin; i < end; i++) {
        double px = 0, py = 0, yx = Y[2 * i], yy = Y[2 * i + 1];
        for (int64_t q = P->start[i]; q < P->start[i + 1]; q++) {
            int64_t j = P->col[q];
            double dx = yx - Y[2 * j], dy = yy - Y[2 * j + 1], pw = P->val[q] / (1 + dx * dx + dy * dy);
            px += pw * dx;
            py += pw * dy;
        }
        grad[2 * i] = 4 * (ex * px - neg[2 * i] / sum_w);
        grad[2 * i + 1] = 4 * (ex * py - neg[2 * i + 1] / sum_w);
    }
}

/* Each row's share of KL(ex·P || Q) over P's entries, Q from Σ w, into row_kl. */
static void sparse_kl(const sparse_p *P, double ex, const double *Y, int64_t begin, int64_t end, double sum_w,
                      double *row_kl) {
    for (int64_t i = begin; i < end; i++) {
        double error = 0;
        for (int64_t q = P->start[i]; q < P->start[i + 1]; q++) {
            int64_t j = P->col[q];
            double dx = Y[2 * i] - Y[2 * j], dy = Y[2 * i + 1] - Y[2 * j + 1], w = 1 / (1 + dx * dx + dy * dy);
            double p = ex * P->val[q];
            error += p * log(fmax(p, FLT_MIN) / fmax(w / sum_w, FLT_MIN));
        }
        row_kl[i] = error;
    }
}

/* ---- the optimiser ------------------------------------------------------------------------- */

typedef struct tsne_run {
    const pr_tsne_config *c;
    pr_tsne_method method;
    int64_t n;
    int d;
    double dof, lr;
    double *P;     /* exact: dense (n, n) */
    sparse_p sp;   /* Barnes-Hut */
    quadtree tree;
    pr__fft_repulsion *fft;
    double *Y, *grad, *update, *gains, *work;
    double *point_sum, *point_kl; /* per point: its Σ_j w_ij and its share of KL, added up in
                                     point order on one thread (the same bits at any thread count) */
    int stopped;   /* the progress callback asked to stop */
} tsne_run;

/* One gradient evaluation's work, split over the pool by points or by the walk's groups. */
typedef struct tsne_job {
    tsne_run *r;
    double ex, sum_w;
    double *neg;
    int with_kl;
} tsne_job;

static void repulsion_range(void *ctx, int64_t begin, int64_t end, int worker) {
    (void)worker;
    const tsne_job *j = ctx;
    const tsne_run *r = j->r;
    double theta = r->c->theta;
    for (int64_t k = begin; k < end; k++)
        qt_group_repulsion(&r->tree, &r->tree.tasks[k], theta * theta, theta > 0.7, j->neg, r->point_sum);
}

static void attraction_range(void *ctx, int64_t begin, int64_t end, int worker) {
    (void)worker;
    const tsne_job *j = ctx;
    const tsne_run *r = j->r;
    sparse_gradient(&r->sp, j->ex, r->Y, begin, end, j->sum_w, j->neg, r->grad);
    if (j->with_kl) sparse_kl(&r->sp, j->ex, r->Y, begin, end, j->sum_w, r->point_kl);
}

static pr_status gradient(tsne_run *r, double ex, double *kl) {
    tsne_job job = {.r = r, .ex = ex, .with_kl = kl != NULL, .neg = r->work};
    pr_threads *pool = r->c->threads;
    int64_t n = r->n;
    if (r->method == PR_TSNE_EXACT) {
        exact_gradient(pool, r->P, ex, r->Y, n, r->d, r->dof, r->grad, r->work, kl);
        return PR_OK;
    }
    pr_status st;
    if (r->method == PR_TSNE_FFT) {
        if (!(st = pr__fft_repulsion_run(r->fft, pool, r->Y, n, job.neg, r->point_sum)))
            job.sum_w = sum_in_order(r->point_sum, n);
    } else if (!(st = qt_rebuild(&r->tree, r->Y, n))) {
        pr__parallel_dynamic(pool, r->tree.n_tasks, POINT_GRAIN / QT_GROUP, repulsion_range, &job);
        job.sum_w = sum_in_order(r->point_sum, n);
    }
    if (st) return st;
    pr__parallel_dynamic(pool, n, POINT_GRAIN, attraction_range, &job);
    if (kl) *kl = sum_in_order(r->point_kl, n);
    return PR_OK;
}

/* Iterations it .. n_iter - 1 of one stage (scikit-learn's _gradient_descent): the
 * update and the gains start afresh; *last is the last iteration run. */
static pr_status descend(tsne_run *r, int it, int n_iter, double momentum, int without_progress, double ex, int *last,
                         double *kl) {
    int64_t size = r->n * r->d;
    for (int64_t q = 0; q < size; q++) {
        r->update[q] = 0;
        r->gains[q] = 1;
    }
    double best = INFINITY, error = *kl;
    int best_iter = it, i = it;
    *last = it - 1;
    for (; i < n_iter; i++) {
        int check = (i + 1) % CHECK_EVERY == 0;
        pr_status st = gradient(r, ex, check || i == n_iter - 1 ? &error : NULL);
        if (st) return st;
        double norm = 0;
        for (int64_t q = 0; q < size; q++) {
            double g = r->grad[q];
            if ((r->update[q] * g < 0)) r->gains[q] += 0.2;
            else r->gains[q] *= 0.8;
            if (r->gains[q] < r->c->min_gain) r->gains[q] = r->c->min_gain;
            g *= r->gains[q];
            norm += g * g;
            r->update[q] = momentum * r->update[q] - r->lr * g;
            r->Y[q] += r->update[q];
        }
        *last = i;
        *kl = error;
        if (!isfinite(norm))
            return pr__fail(PR_ERR_NONFINITE, "t-SNE: the gradient became non-finite at iteration %d; try a smaller "
                                              "learning rate", i + 1);
        if (check) {
            if (r->c->progress && r->c->progress(r->c->progress_ctx, i + 1, error)) {
                r->stopped = 1;
                break;
            }
            if (error < best) {
                best = error;
                best_iter = i;
            } else if (i - best_iter > without_progress) {
                break;
            }
            if (sqrt(norm) <= r->c->min_grad_norm) break;
        }
    }
    return PR_OK;
}

static pr_status check_config(const pr_tsne_config *c, int64_t n) {
    if (n < 4) return pr__fail(PR_ERR_INVALID, "t-SNE: needs at least 4 points, not %lld", (long long)n);
    if (!(c->perplexity >= 1 && c->perplexity < (double)n))
        return pr__fail(PR_ERR_INVALID, "t-SNE: the perplexity (%g) must be at least 1 and below the number of points (%lld)",
                        c->perplexity, (long long)n);
    if (c->n_components < 1 || c->n_components > 3)
        return pr__fail(PR_ERR_INVALID, "t-SNE: the embedding has 1 to 3 dimensions, not %d", c->n_components);
    if (c->method < 0 || c->method >= PR_TSNE_METHOD_COUNT)
        return pr__fail(PR_ERR_INVALID, "t-SNE: unknown method %d", (int)c->method);
    if ((c->method == PR_TSNE_BARNES_HUT || c->method == PR_TSNE_FFT) && c->n_components != 2)
        return pr__fail(PR_ERR_INVALID, "t-SNE: %s embeds in 2 dimensions, not %d; use exact",
                        c->method == PR_TSNE_FFT ? "the FFT method" : "Barnes-Hut (a quadtree)", c->n_components);
    if (c->method == PR_TSNE_EXACT && n > EXACT_MAX_POINTS)
        return pr__fail(PR_ERR_LIMIT, "t-SNE: the exact method keeps every pair; %lld points are too many (at most %d): "
                                      "use barnes-hut", (long long)n, EXACT_MAX_POINTS);
    if (!(c->early_exaggeration >= 1) || !isfinite(c->early_exaggeration))
        return pr__fail(PR_ERR_INVALID, "t-SNE: early exaggeration must be at least 1, not %g", c->early_exaggeration);
    if (c->exaggeration_iter < 0 || c->max_iter <= c->exaggeration_iter || c->max_iter > 1000000)
        return pr__fail(PR_ERR_INVALID, "t-SNE: max_iter (%d) must exceed the exaggerated iterations (%d)", c->max_iter,
                        c->exaggeration_iter);
    if (!isnan(c->learning_rate) && !(c->learning_rate > 0 && isfinite(c->learning_rate)))
        return pr__fail(PR_ERR_INVALID, "t-SNE: the learning rate must be above 0, not %g", c->learning_rate);
    if (!(c->theta >= 0 && c->theta <= 10))
        return pr__fail(PR_ERR_INVALID, "t-SNE: theta must be in [0, 10], not %g", c->theta);
    if (!(c->momentum_early >= 0 && c->momentum_early < 1 && c->momentum >= 0 && c->momentum < 1 && c->min_gain >= 0))
        return pr__fail(PR_ERR_INVALID, "t-SNE: momenta must be in [0, 1) and the minimum gain >= 0");
    return PR_OK;
}

/* The initial embedding: PCA scaled so that its first column has standard deviation
 * 1e-4, or N(0, 1e-4²). */
static pr_status initialise(const pr_tsne_config *c, const pr_tensor *X, double *Y, int64_t n, int d) {
    if (c->init == PR_TSNE_INIT_RANDOM) {
        pr_rng rng;
        pr_rng_seed(&rng, c->seed);
        for (int64_t q = 0; q < n * d; q++) Y[q] = 1e-4 * pr_rng_normal(&rng);
        return PR_OK;
    }
    if (X->shape[1] < d)
        return pr__fail(PR_ERR_INVALID, "t-SNE: PCA initialisation needs at least %d features, the data has %lld; use "
                                        "random initialisation", d, (long long)X->shape[1]);
    pr_pca_config pc = PR_PCA_DEFAULTS;
    pc.n_components = d;
    pr_pca *p;
    pr_tensor *Z = NULL;
    pr_status st = pr_pca_fit(&p, &pc, X);
    if (st) return pr__fail_context("t-SNE: PCA initialisation: ");
    st = pr_pca_transform(p, X, &Z);
    pr_pca_free(p);
    if (st) return st;
    double mean = 0, var = 0;
    for (int64_t i = 0; i < n; i++) mean += pr_tensor_f64(Z)[i * d];
    mean /= (double)n;
    for (int64_t i = 0; i < n; i++) var += (pr_tensor_f64(Z)[i * d] - mean) * (pr_tensor_f64(Z)[i * d] - mean);
    double sd = sqrt(var / (double)n);
    if (sd > 0)
        for (int64_t q = 0; q < n * d; q++) Y[q] = pr_tensor_f64(Z)[q] / sd * 1e-4;
    pr_tensor_free(Z);
    return sd > 0 ? PR_OK : pr__fail(PR_ERR_INVALID, "t-SNE: every row of X is the same point; there is nothing to embed");
}

static void run_free(tsne_run *r) {
    free(r->P);
    sparse_free(&r->sp);
    free(r->tree.nodes);
    free(r->tree.perm);
    free(r->tree.tmp);
    free(r->tree.tx);
    free(r->tree.ty);
    free(r->tree.tasks);
    pr__fft_repulsion_free(r->fft);
    free(r->grad);
    free(r->update);
    free(r->gains);
    free(r->work);
}

pr_status pr_tsne(const pr_tsne_config *config, const pr_tensor *X, pr_tensor **Y, pr_tsne_info *info) {
    if (!config || !X || !Y) return pr__fail(PR_ERR_INVALID, "tsne: NULL argument");
    *Y = NULL;
    pr_status st = pr__require_float(X, "t-SNE");
    if (st) return st;
    if (X->ndim != 2 || X->shape[1] < 1) return pr__fail(PR_ERR_SHAPE, "t-SNE: X must be a matrix (points x features)");
    int64_t n = X->shape[0], dim = X->shape[1];
    if ((st = check_config(config, n)) || (st = pr_tensor_check_finite(X, "t-SNE: X"))) return st;
    tsne_run r = {.c = config, .n = n, .d = config->n_components};
    r.method = config->method != PR_TSNE_AUTO ? config->method
               : n <= 500 || r.d != 2 ? PR_TSNE_EXACT
               : n <= FFT_FROM_POINTS   ? PR_TSNE_BARNES_HUT
                                      : PR_TSNE_FFT;
    if (r.method == PR_TSNE_EXACT && n > EXACT_MAX_POINTS)
        return pr__fail(PR_ERR_LIMIT, "t-SNE: %lld points in %d dimensions: the exact method keeps every pair (at most %d) "
                                      "and Barnes-Hut embeds in 2", (long long)n, r.d, EXACT_MAX_POINTS);
    r.dof = r.d > 1 ? r.d - 1 : 1;
    r.lr = isnan(config->learning_rate) ? fmax((double)n / config->early_exaggeration / 4, 50) : config->learning_rate;
    pr_tensor *Xd = NULL;
    size_t size = (size_t)n * (size_t)r.d;
    st = pr_tensor_cast(X, PR_F64, &Xd);
    if (!st) st = pr_tensor_zeros(Y, PR_F64, PR_SHAPE(n, r.d));
    r.grad = pr__malloc(size * sizeof *r.grad);
    r.update = pr__malloc(size * sizeof *r.update);
    r.gains = pr__malloc(size * sizeof *r.gains);
    r.work = pr__malloc(4 * (size_t)n * sizeof *r.work); /* the exact gradient's 4n; neg, point_sum, point_kl */
    if (!st && (!r.grad || !r.update || !r.gains || !r.work)) st = pr__fail(PR_ERR_NOMEM, "t-SNE: out of memory");
    if (!st) {
        r.Y = pr_tensor_f64(*Y);
        r.point_sum = r.work + 2 * n;
        r.point_kl = r.work + 3 * n;
    }
    /* the affinities */
    if (!st && r.method == PR_TSNE_EXACT) {
        if (!(r.P = pr__malloc((size_t)n * (size_t)n * sizeof *r.P)))
            st = pr__fail(PR_ERR_NOMEM, "t-SNE: out of memory for the %lld x %lld affinities", (long long)n, (long long)n);
        if (!st) st = pairwise_sq(pr_tensor_f64(Xd), n, dim, r.P);
        if (!st) {
            double *D = r.P;
            if (!(r.P = pr__malloc((size_t)n * (size_t)n * sizeof *r.P))) st = pr__fail(PR_ERR_NOMEM, "t-SNE: out of memory");
            else joint_dense(D, n, config->perplexity, r.P);
            free(D);
        }
    } else if (!st) {
        int64_t k = (int64_t)(3 * config->perplexity + 1);
        if (k > n - 1) k = n - 1;
        st = joint_sparse(config->threads, pr_tensor_f64(Xd), n, dim, k, config->perplexity, &r.sp);
        r.tree.perm = pr__malloc((size_t)n * sizeof *r.tree.perm);
        r.tree.tmp = pr__malloc((size_t)n * sizeof *r.tree.tmp);
        r.tree.tx = pr__malloc((size_t)n * sizeof *r.tree.tx);
        r.tree.ty = pr__malloc((size_t)n * sizeof *r.tree.ty);
        if (!st && (!r.tree.perm || !r.tree.tmp || !r.tree.tx || !r.tree.ty)) st = pr__fail(PR_ERR_NOMEM, "t-SNE: out of memory");
        if (!st && r.method == PR_TSNE_FFT) st = pr__fft_repulsion_new(n, &r.fft);
    }
    if (!st) st = initialise(config, Xd, r.Y, n, r.d);
    /* stage 1: exaggerated P, early momentum; stage 2: the rest */
    int last = -1;
    double kl = NAN;
    if (!st && config->exaggeration_iter > 0)
        st = descend(&r, 0, config->exaggeration_iter, config->momentum_early, config->exaggeration_iter,
                     config->early_exaggeration, &last, &kl);
    if (!st && !r.stopped)
        st = descend(&r, last + 1, config->max_iter, config->momentum, config->n_iter_without_progress, 1, &last, &kl);
    if (!st && r.stopped) st = gradient(&r, 1, &kl); /* the KL of the embedding handed back */
    if (!st && config->progress && !r.stopped) config->progress(config->progress_ctx, last + 1, kl);
    if (!st && info) *info = (pr_tsne_info){.kl = kl, .iterations = last + 1, .method = r.method, .learning_rate = r.lr};
    run_free(&r);
    pr_tensor_free(Xd);
    if (st) {
        pr_tensor_free(*Y);
        *Y = NULL;
    }
    return st;
}
