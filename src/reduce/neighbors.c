/* Exact nearest neighbours by blocked BLAS distances, and the trustworthiness of an
 * embedding (scikit-learn's definition), which needs them. */
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/parallel.h"
#include "linalg/backend.h"
#include "primer/reduce.h"
#include "reduce/reduce_internal.h"

enum { BLOCK_ROWS = 256 };

/* Squared distances from rows [i0, i0 + b) of X (m, n) to every row, into D (b, m):
 * |x|² + |y|² - 2 x·y by one product, clamped at 0, the point itself at +inf. */
static int block_distances(const double *X, const double *sq, int64_t m, int64_t n, int64_t i0, int64_t b, double *D) {
    if (pr__bk_gemm_f64(0, 1, b, m, n, -2, X + i0 * n, n, X, n, 0, D, m)) return 1;
    for (int64_t r = 0; r < b; r++) {
        double *d = D + r * m;
        for (int64_t j = 0; j < m; j++) {
            double v = d[j] + sq[i0 + r] + sq[j];
            d[j] = v > 0 ? v : 0;
        }
        d[i0 + r] = INFINITY;
    }
    return 0;
}

typedef struct neighbor {
    double d;
    int64_t j;
} neighbor;

static int neighbor_cmp(const void *a, const void *b) {
    const neighbor *x = a, *y = b;
    if (x->d != y->d) return x->d < y->d ? -1 : 1;
    return (x->j > y->j) - (x->j < y->j);
}

static int before(const neighbor *x, const neighbor *y) { return x->d < y->d || (x->d == y->d && x->j < y->j); }

/* Sift a[0] down the max-heap a[0..k) (largest first by `before`). */
static void sift_down(neighbor *a, int64_t k) {
    int64_t i = 0;
    for (;;) {
        int64_t l = 2 * i + 1, r = l + 1, top = i;
        if (l < k && before(&a[top], &a[l])) top = l;
        if (r < k && before(&a[top], &a[r])) top = r;
        if (top == i) return;
        neighbor t = a[i];
        a[i] = a[top];
        a[top] = t;
        i = top;
    }
}

/* The k smallest of the distances d[0..n) (skip excluded: +inf) into heap[0..k),
 * unordered: a max-heap of the best so far, which one comparison with its top
 * rejects almost every candidate against. */
static void select_smallest(const double *d, int64_t n, int64_t k, neighbor *heap) {
    int64_t filled = 0;
    for (int64_t j = 0; j < n; j++) {
        neighbor c = {d[j], j};
        if (filled < k) { /* sift up */
            int64_t i = filled++;
            heap[i] = c;
            while (i > 0 && before(&heap[(i - 1) / 2], &heap[i])) {
                neighbor t = heap[i];
                heap[i] = heap[(i - 1) / 2];
                heap[(i - 1) / 2] = t;
                i = (i - 1) / 2;
            }
        } else if (before(&c, &heap[0])) {
            heap[0] = c;
            sift_down(heap, k);
        }
    }
}

/* The exact squared distance of rows i and j, recomputed in full precision. */
static double sq_distance(const double *X, int64_t n, int64_t i, int64_t j) {
    double s = 0;
    for (int64_t c = 0; c < n; c++) {
        double d = X[i * n + c] - X[j * n + c];
        s += d * d;
    }
    return s;
}

/* Rows per block of the distances: at most 256, and 32 MB of them per worker. */
static int64_t block_rows(int64_t m) {
    int64_t rows = ((int64_t)1 << 22) / (m > 0 ? m : 1);
    return rows < 16 ? 16 : rows > BLOCK_ROWS ? BLOCK_ROWS : rows;
}

typedef struct knn_job {
    const double *X, *sq;
    int64_t m, n, k, rows;
    int64_t *indices;
    double *sq_distances, *D; /* D: a block of distances per worker */
    neighbor *heaps;          /* k per worker */
    _Atomic int failed;
} knn_job;

static void knn_blocks(void *ctx, int64_t begin, int64_t end, int worker) {
    knn_job *j = ctx;
    int64_t m = j->m, k = j->k;
    double *D = j->D + (size_t)worker * (size_t)j->rows * (size_t)m;
    neighbor *row = j->heaps + (size_t)worker * (size_t)k;
    for (int64_t block = begin; block < end; block++) {
        int64_t i0 = block * j->rows, b = m - i0 < j->rows ? m - i0 : j->rows;
        if (block_distances(j->X, j->sq, m, j->n, i0, b, D)) {
            atomic_store(&j->failed, 1);
            return;
        }
        for (int64_t r = 0; r < b; r++) {
            int64_t i = i0 + r;
            select_smallest(D + r * m, m, k, row);
            for (int64_t q = 0; q < k; q++) row[q].d = sq_distance(j->X, j->n, i, row[q].j);
            qsort(row, (size_t)k, sizeof *row, neighbor_cmp);
            for (int64_t q = 0; q < k; q++) {
                j->indices[i * k + q] = row[q].j;
                if (j->sq_distances) j->sq_distances[i * k + q] = row[q].d;
            }
        }
    }
}

pr_status pr__knn_f64(pr_threads *pool, const double *X, int64_t m, int64_t n, int64_t k, int64_t *indices,
                      double *sq_distances) {
    int64_t rows = block_rows(m), blocks = (m + rows - 1) / rows;
    int workers = pr__parallel_workers(pool, blocks, 1);
    knn_job job = {.X = X, .m = m, .n = n, .k = k, .rows = rows, .indices = indices, .sq_distances = sq_distances};
    atomic_init(&job.failed, 0);
    double *sq = pr__malloc((size_t)m * sizeof *sq);
    job.sq = sq;
    job.D = pr__malloc((size_t)workers * (size_t)rows * (size_t)m * sizeof *job.D);
    job.heaps = pr__malloc((size_t)workers * (size_t)k * sizeof *job.heaps);
    pr_status st = PR_OK;
    if (!sq || !job.D || !job.heaps)
        st = pr__fail(PR_ERR_NOMEM, "nearest neighbours: out of memory for %lld points", (long long)m);
    for (int64_t i = 0; !st && i < m; i++) sq[i] = pr__bk_dot_f64(n, X + i * n, X + i * n);
    if (!st) {
        pr__region_enter(pool); /* the products split by blocks of rows, the BLAS on one thread in each */
        pr__parallel_for(pool, blocks, 1, knn_blocks, &job);
        pr__region_leave(pool);
        if (atomic_load(&job.failed)) st = pr__fail(PR_ERR_INTERNAL, "nearest neighbours: gemm failed");
    }
    free(sq);
    free(job.D);
    free(job.heaps);
    return st;
}

/* X as a float64 matrix of at least `min_rows` rows (a new tensor in *owned when cast). */
static pr_status as_matrix(const pr_tensor *X, const char *what, int64_t min_rows, pr_tensor **owned) {
    pr_status st = pr__require_float(X, what);
    if (st) return st;
    if (X->ndim != 2 || X->shape[0] < min_rows || X->shape[1] < 1)
        return pr__fail(PR_ERR_SHAPE, "%s: needs a matrix of at least %lld rows", what, (long long)min_rows);
    if ((st = pr_tensor_check_finite(X, what))) return st;
    return pr_tensor_cast(X, PR_F64, owned);
}

pr_status pr_nearest_neighbors(const pr_tensor *X, int64_t k, int64_t *indices, double *sq_distances) {
    if (!X || !indices) return pr__fail(PR_ERR_INVALID, "nearest_neighbors: NULL argument");
    pr_tensor *Xd = NULL;
    pr_status st = as_matrix(X, "nearest_neighbors", 2, &Xd);
    if (st) return st;
    if (k < 1 || k >= X->shape[0])
        st = pr__fail(PR_ERR_INVALID, "nearest_neighbors: k = %lld must be in 1..%lld (the other points)", (long long)k,
                      (long long)(X->shape[0] - 1));
    else st = pr__knn_f64(NULL, pr_tensor_f64(Xd), Xd->shape[0], Xd->shape[1], k, indices, sq_distances);
    pr_tensor_free(Xd);
    return st;
}

pr_status pr_trustworthiness(const pr_tensor *X, const pr_tensor *Y, int64_t k, double *out) {
    if (!X || !Y || !out) return pr__fail(PR_ERR_INVALID, "trustworthiness: NULL argument");
    pr_tensor *Xd = NULL, *Yd = NULL;
    pr_status st = as_matrix(X, "trustworthiness: X", 2, &Xd);
    if (!st) st = as_matrix(Y, "trustworthiness: Y", 2, &Yd);
    int64_t m = X->shape[0], n = X->ndim == 2 ? X->shape[1] : 0;
    if (!st && Y->shape[0] != m)
        st = pr__fail(PR_ERR_SHAPE, "trustworthiness: X has %lld rows and Y %lld", (long long)m, (long long)Y->shape[0]);
    if (!st && !(k >= 1 && 2 * k < m))
        st = pr__fail(PR_ERR_INVALID, "trustworthiness: k = %lld must be at least 1 and below m / 2 = %g", (long long)k,
                      m / 2.0);
    int64_t *nbr = st ? NULL : pr__malloc((size_t)m * (size_t)k * sizeof *nbr);
    double *sq = st ? NULL : pr__malloc((size_t)m * sizeof *sq), *D = st ? NULL : pr__malloc((size_t)BLOCK_ROWS * (size_t)m * sizeof *D);
    if (!st && (!nbr || !sq || !D)) st = pr__fail(PR_ERR_NOMEM, "trustworthiness: out of memory for %lld points", (long long)m);
    if (!st) st = pr__knn_f64(NULL, pr_tensor_f64(Yd), m, Y->shape[1], k, nbr, NULL);
    const double *x = st ? NULL : pr_tensor_f64(Xd);
    for (int64_t i = 0; !st && i < m; i++) sq[i] = pr__bk_dot_f64(n, x + i * n, x + i * n);
    double total = 0;
    for (int64_t i0 = 0; !st && i0 < m; i0 += BLOCK_ROWS) {
        int64_t b = m - i0 < BLOCK_ROWS ? m - i0 : BLOCK_ROWS;
        if (block_distances(x, sq, m, n, i0, b, D)) {
            st = pr__fail(PR_ERR_INTERNAL, "trustworthiness: gemm failed");
            break;
        }
        for (int64_t r = 0; r < b; r++) {
            const double *d = D + r * m;
            for (int64_t q = 0; q < k; q++) {
                /* the rank of the embedding's neighbour j among i's neighbours in X (1 = nearest) */
                int64_t j = nbr[(i0 + r) * k + q], rank = 1;
                for (int64_t l = 0; l < m; l++) rank += d[l] < d[j] || (d[l] == d[j] && l < j);
                if (rank > k) total += (double)(rank - k);
            }
        }
    }
    if (!st) *out = 1 - total * (2.0 / ((double)m * (double)k * (2.0 * (double)m - 3.0 * (double)k - 1.0)));
    free(nbr);
    free(sq);
    free(D);
    pr_tensor_free(Xd);
    pr_tensor_free(Yd);
    return st;
}
