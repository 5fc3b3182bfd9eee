/* Preparing data: train/test splits, standardisation, label encoding, one-hot
 * vectors and shuffled mini-batches. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "primer/data.h"

static pr_status check_xy(const pr_tensor *X, const pr_tensor *y, const char *op) {
    pr_status st = pr__require_tensor(X, op, "X");
    if (st) return st;
    if (X->ndim < 1 || X->shape[0] < 1) return pr__fail(PR_ERR_SHAPE, "%s: X has no rows", op);
    if (y && y->shape[0] != X->shape[0])
        return pr__fail(PR_ERR_SHAPE, "%s: X has %lld rows but y has %lld", op, (long long)X->shape[0],
                        (long long)(y->ndim ? y->shape[0] : 1));
    if (y && y->ndim < 1) return pr__fail(PR_ERR_SHAPE, "%s: y must have a row axis", op);
    return PR_OK;
}

pr_status pr_data_check_columns(const pr_tensor *X, const char *const *names, int row_base, const char *what) {
    if (!what) what = "data";
    pr_status st = pr__require_tensor(X, what, "X");
    if (st || !pr_dtype_is_float(X->dtype)) return st;
    int64_t rows = X->ndim ? X->shape[0] : 1, cols = X->ndim >= 2 ? X->size / (rows ? rows : 1) : 1;
    double limit = sqrt(DBL_MAX / (4.0 * (double)(rows > 1 ? rows : 1)));
    for (int64_t i = 0; i < X->size; i++) {
        double v = pr_tensor_get(X, i);
        if (isfinite(v) && fabs(v) <= limit) continue;
        int64_t r = i / cols + row_base, c = i % cols;
        const char *row = row_base ? "data row" : "row";
        char column[160];
        if (names && names[c]) snprintf(column, sizeof column, "column '%.120s'", names[c]);
        else if (X->ndim >= 2) snprintf(column, sizeof column, "column %lld", (long long)c);
        else snprintf(column, sizeof column, "the values");
        if (!isfinite(v))
            return pr__fail(PR_ERR_NONFINITE, "%s: %s holds %s in %s %lld", what, column, isnan(v) ? "NaN" : "infinity",
                            row, (long long)r);
        return pr__fail(PR_ERR_OVERFLOW,
                        "%s: %s holds %.6g in %s %lld, too large for sums of squares over %lld rows in float64 (they "
                        "overflow above |x| = %.3g); divide the column by a power of ten",
                        what, column, v, row, (long long)r, (long long)rows, limit);
    }
    return PR_OK;
}

int pr_data_is_integral(const pr_tensor *y) {
    if (!y) return 0;
    if (!pr_dtype_is_float(y->dtype)) return 1;
    for (int64_t i = 0; i < y->size; i++) {
        double v = pr_tensor_get(y, i);
        if (!isfinite(v) || v != floor(v)) return 0;
    }
    return 1;
}

static int compare_doubles(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

pr_status pr_data_encode_labels(const pr_tensor *y, int64_t max_classes, pr_tensor **indices, pr_tensor **classes) {
    pr_status st = pr__require_tensor(y, "encode_labels", "y");
    if (st) return st;
    if (y->size < 1) return pr__fail(PR_ERR_SHAPE, "encode_labels: y is empty");
    if (max_classes <= 0) max_classes = 1000;
    for (int64_t i = 0; i < y->size; i++) {
        double v = pr_tensor_get(y, i);
        if (!isfinite(v) || v != floor(v))
            return pr__fail(PR_ERR_INVALID, "encode_labels: label %g in row %lld is not a whole number", v, (long long)i);
    }
    double *sorted = pr__malloc((size_t)y->size * sizeof *sorted);
    if (!sorted) return PR_ERR_NOMEM;
    for (int64_t i = 0; i < y->size; i++) sorted[i] = pr_tensor_get(y, i);
    qsort(sorted, (size_t)y->size, sizeof *sorted, compare_doubles);
    int64_t k = 0;
    for (int64_t i = 0; i < y->size; i++)
        if (!k || sorted[i] != sorted[k - 1]) sorted[k++] = sorted[i];
    pr_tensor *idx = NULL, *cls = NULL;
    if (k > max_classes)
        st = pr__fail(PR_ERR_LIMIT, "encode_labels: %lld distinct labels, more than the limit of %lld (a regression "
                                    "target?)",
                      (long long)k, (long long)max_classes);
    if (!st) st = pr_tensor_from_array(&cls, PR_F64, PR_SHAPE(k), sorted);
    if (!st) st = pr_tensor_zeros(&idx, PR_F64, PR_SHAPE(y->size));
    for (int64_t i = 0; !st && i < y->size; i++) {
        double v = pr_tensor_get(y, i);
        double *at = bsearch(&v, sorted, (size_t)k, sizeof *sorted, compare_doubles);
        pr_tensor_f64(idx)[i] = (double)(at - sorted);
    }
    free(sorted);
    if (st) {
        pr_tensor_free(cls);
        return st;
    }
    if (indices) *indices = idx;
    else pr_tensor_free(idx);
    if (classes) *classes = cls;
    else pr_tensor_free(cls);
    return PR_OK;
}

pr_status pr_data_one_hot(const pr_tensor *labels, int64_t classes, pr_tensor **out) {
    pr_status st = pr__require_tensor(labels, "one_hot", "labels");
    if (st) return st;
    if (!out) return pr__fail(PR_ERR_INVALID, "one_hot: out is NULL");
    if (classes < 1) return pr__fail(PR_ERR_INVALID, "one_hot: classes must be >= 1");
    for (int64_t i = 0; i < labels->size; i++) {
        double v = pr_tensor_get(labels, i);
        if (!(v >= 0 && v < (double)classes) || v != floor(v))
            return pr__fail(PR_ERR_INVALID, "one_hot: label %g in row %lld is not a class in 0..%lld", v, (long long)i,
                            (long long)classes - 1);
    }
    pr_tensor *t;
    if ((st = pr_tensor_zeros(&t, PR_F64, PR_SHAPE(labels->size, classes)))) return st;
    for (int64_t i = 0; i < labels->size; i++) pr_tensor_f64(t)[i * classes + (int64_t)pr_tensor_get(labels, i)] = 1;
    *out = t;
    return PR_OK;
}

/* ---- splits ------------------------------------------------------------------------------------ */

pr_status pr_data_split(const pr_tensor *X, const pr_tensor *y, double test_fraction, int stratify, pr_rng *rng,
                        pr_tensor **X_train, pr_tensor **y_train, pr_tensor **X_test, pr_tensor **y_test) {
    pr_status st = check_xy(X, y, "data_split");
    if (st) return st;
    if (!rng || !X_train || !X_test || (y && (!y_train || !y_test)))
        return pr__fail(PR_ERR_INVALID, "data_split: NULL argument");
    int64_t n = X->shape[0];
    if (!(test_fraction > 0 && test_fraction < 1))
        return pr__fail(PR_ERR_INVALID, "data_split: the test fraction must be in (0, 1), got %g", test_fraction);
    if (n < 2) return pr__fail(PR_ERR_SHAPE, "data_split: %lld row; splitting needs at least 2", (long long)n);
    if (stratify && (!y || !pr_data_is_integral(y)))
        return pr__fail(PR_ERR_INVALID, "data_split: stratifying needs whole-number class labels in y");
    int64_t *order = pr__malloc((size_t)n * sizeof *order);
    if (!order) return PR_ERR_NOMEM;
    pr_rng_permutation(rng, n, order);
    int64_t n_test = (int64_t)llround(test_fraction * (double)n);
    if (n_test < 1) n_test = 1;
    if (n_test > n - 1) n_test = n - 1;
    if (stratify) {
        /* Within each class (in the shuffled order) the first round(f · count) rows go
         * to the test part; the test rows are then gathered first, keeping the order. */
        pr_tensor *codes = NULL, *classes = NULL;
        if ((st = pr_data_encode_labels(y, n, &codes, &classes))) {
            free(order);
            return st;
        }
        int64_t K = classes->size;
        int64_t *count = pr__calloc((size_t)K, sizeof *count), *taken = pr__calloc((size_t)K, sizeof *taken);
        int64_t *arranged = pr__malloc((size_t)n * sizeof *arranged);
        if (!count || !taken || !arranged) st = PR_ERR_NOMEM;
        for (int64_t i = 0; !st && i < n; i++) count[(int64_t)pr_tensor_f64(codes)[i]]++;
        int64_t t = 0, r = 0;
        n_test = 0;
        for (int64_t k = 0; !st && k < K; k++) n_test += (int64_t)llround(test_fraction * (double)count[k]);
        if (!st && (n_test < 1 || n_test > n - 1))
            st = pr__fail(PR_ERR_SHAPE, "data_split: a stratified split of %lld rows at %g leaves a part empty",
                          (long long)n, test_fraction);
        for (int64_t i = 0; !st && i < n; i++) {
            int64_t c = (int64_t)pr_tensor_f64(codes)[order[i]];
            if (taken[c] < llround(test_fraction * (double)count[c])) {
                taken[c]++;
                arranged[t++] = order[i];
            } else {
                arranged[n_test + r++] = order[i];
            }
        }
        if (!st) memcpy(order, arranged, (size_t)n * sizeof *order);
        free(count);
        free(taken);
        free(arranged);
        pr_tensor_free(codes);
        pr_tensor_free(classes);
        if (st) {
            free(order);
            return st;
        }
    }
    pr_tensor *xtr = NULL, *xte = NULL, *ytr = NULL, *yte = NULL;
    st = pr_tensor_take_rows(X, order, n_test, &xte);
    if (!st) st = pr_tensor_take_rows(X, order + n_test, n - n_test, &xtr);
    if (!st && y) st = pr_tensor_take_rows(y, order, n_test, &yte);
    if (!st && y) st = pr_tensor_take_rows(y, order + n_test, n - n_test, &ytr);
    free(order);
    if (st) {
        pr_tensor_free(xtr);
        pr_tensor_free(xte);
        pr_tensor_free(ytr);
        pr_tensor_free(yte);
        return st;
    }
    *X_train = xtr;
    *X_test = xte;
    if (y) {
        *y_train = ytr;
        *y_test = yte;
    }
    return PR_OK;
}

/* ---- standardisation ------------------------------------------------------------------------ */

pr_status pr_data_minmax_fit(const pr_tensor *X, pr_tensor **lo, pr_tensor **range) {
    pr_status st = check_xy(X, NULL, "minmax_fit");
    if (st || (st = pr__require_float(X, "minmax_fit"))) return st;
    if (!lo || !range) return pr__fail(PR_ERR_INVALID, "minmax_fit: NULL argument");
    if (X->ndim != 2) return pr__fail(PR_ERR_SHAPE, "minmax_fit: X must be 2-D (rows, columns)");
    if ((st = pr_data_check_columns(X, NULL, 0, "minmax_fit: X"))) return st;
    pr_tensor *a = NULL, *b = NULL, *a64 = NULL, *b64 = NULL;
    st = pr_reduce(PR_MIN, X, 0, 0, 0, &a);
    if (!st) st = pr_reduce(PR_MAX, X, 0, 0, 0, &b);
    if (!st) st = pr_tensor_cast(a, PR_F64, &a64);
    if (!st) st = pr_tensor_cast(b, PR_F64, &b64);
    pr_tensor_free(a);
    pr_tensor_free(b);
    if (st) {
        pr_tensor_free(a64);
        pr_tensor_free(b64);
        return st;
    }
    for (int64_t j = 0; j < b64->size; j++) {
        double r = pr_tensor_f64(b64)[j] - pr_tensor_f64(a64)[j];
        pr_tensor_f64(b64)[j] = r > 0 ? r : 1;
    }
    *lo = a64;
    *range = b64;
    return PR_OK;
}

pr_status pr_data_standardize_fit(const pr_tensor *X, pr_tensor **mean, pr_tensor **scale) {
    pr_status st = check_xy(X, NULL, "standardize_fit");
    if (st || (st = pr__require_float(X, "standardize_fit"))) return st;
    if (!mean || !scale) return pr__fail(PR_ERR_INVALID, "standardize_fit: NULL argument");
    if (X->ndim != 2) return pr__fail(PR_ERR_SHAPE, "standardize_fit: X must be 2-D (rows, columns)");
    if ((st = pr_data_check_columns(X, NULL, 0, "standardize_fit: X"))) return st;
    pr_tensor *m = NULL, *s = NULL;
    st = pr_reduce(PR_MEAN, X, 0, 0, 0, &m);
    if (!st) st = pr_reduce(PR_STD, X, 0, 0, 0, &s);
    if (!st && m->dtype != PR_F64) {
        pr_tensor *m64 = NULL, *s64 = NULL;
        st = pr_tensor_cast(m, PR_F64, &m64);
        if (!st) st = pr_tensor_cast(s, PR_F64, &s64);
        pr_tensor_free(m);
        pr_tensor_free(s);
        m = m64;
        s = s64;
    }
    if (st) {
        pr_tensor_free(m);
        pr_tensor_free(s);
        return st;
    }
    for (int64_t j = 0; j < s->size; j++)
        if (pr_tensor_f64(s)[j] == 0) pr_tensor_f64(s)[j] = 1;
    *mean = m;
    *scale = s;
    return PR_OK;
}

pr_status pr_data_standardize(const pr_tensor *X, const pr_tensor *mean, const pr_tensor *scale, pr_tensor **out) {
    pr_status st = check_xy(X, NULL, "standardize");
    if (st || (st = pr__require_tensor(mean, "standardize", "mean")) || (st = pr__require_tensor(scale, "standardize", "scale")))
        return st;
    if (!out) return pr__fail(PR_ERR_INVALID, "standardize: out is NULL");
    int64_t d = X->ndim == 2 ? X->shape[1] : -1;
    if (d < 0 || mean->size != d || scale->size != d)
        return pr__fail(PR_ERR_SHAPE, "standardize: X must be 2-D with as many columns (%lld) as mean and scale (%lld, %lld)",
                        (long long)d, (long long)mean->size, (long long)scale->size);
    pr_tensor *r;
    if ((st = pr_tensor_cast(X, PR_F64, &r))) return st;
    double *v = pr_tensor_f64(r);
    for (int64_t i = 0; i < r->shape[0]; i++)
        for (int64_t j = 0; j < d; j++) {
            double s = pr_tensor_get(scale, j);
            v[i * d + j] = (v[i * d + j] - pr_tensor_get(mean, j)) / (s != 0 ? s : 1);
        }
    *out = r;
    return PR_OK;
}

/* ---- mini-batches --------------------------------------------------------------------------------- */

struct pr_batches {
    const pr_tensor *X, *y;
    pr_tensor *xb, *yb;      /* storage for batch_size + 1 rows */
    int64_t n, batch, count, index, row_x, row_y;
    int shuffle;
    pr_rng *rng;
    int64_t *order;
};

pr_status pr_batches_new(pr_batches **out, const pr_tensor *X, const pr_tensor *y, int64_t batch_size, int shuffle,
                         pr_rng *rng, pr_dtype dtype) {
    pr_status st = check_xy(X, y, "batches_new");
    if (st) return st;
    if (!out) return pr__fail(PR_ERR_INVALID, "batches_new: out is NULL");
    if (shuffle && !rng) return pr__fail(PR_ERR_INVALID, "batches_new: shuffling needs a generator");
    if (batch_size < 1) return pr__fail(PR_ERR_INVALID, "batches_new: the batch size must be >= 1, got %lld", (long long)batch_size);
    if (!dtype) dtype = X->dtype;
    if ((st = pr__require_float(X, "batches_new"))) return st;
    int64_t n = X->shape[0];
    if (batch_size > n) batch_size = n;
    pr_batches *b = pr__calloc(1, sizeof *b);
    if (!b) return PR_ERR_NOMEM;
    b->X = X;
    b->y = y;
    b->n = n;
    b->batch = batch_size;
    b->shuffle = shuffle;
    b->rng = rng;
    b->count = n / batch_size + (n % batch_size > 1); /* a single leftover row joins the last batch */
    b->row_x = X->size / n;
    b->row_y = y ? y->size / n : 0;
    b->index = -1;
    int64_t cap = batch_size + 1 < n ? batch_size + 1 : n, shape[PR_MAX_DIMS];
    memcpy(shape, X->shape, sizeof shape);
    shape[0] = cap;
    st = pr__tensor_alloc(&b->xb, dtype, X->ndim, shape, false);
    if (!st && y) {
        memcpy(shape, y->shape, sizeof shape);
        shape[0] = cap;
        st = pr__tensor_alloc(&b->yb, dtype, y->ndim, shape, false);
    }
    if (!st && !(b->order = pr__malloc((size_t)n * sizeof *b->order))) st = PR_ERR_NOMEM;
    if (st) {
        pr_batches_free(b);
        return st;
    }
    for (int64_t i = 0; i < n; i++) b->order[i] = i;
    *out = b;
    return PR_OK;
}

void pr_batches_free(pr_batches *b) {
    if (!b) return;
    pr_tensor_free(b->xb);
    pr_tensor_free(b->yb);
    free(b->order);
    free(b);
}

/* Rows order[start .. start+rows) of src into dst (converting the dtype). */
static void gather(const pr_tensor *src, const int64_t *order, int64_t rows, int64_t width, pr_tensor *dst) {
    size_t es = pr_dtype_size(src->dtype);
    if (src->dtype == dst->dtype) {
        for (int64_t i = 0; i < rows; i++)
            memcpy((char *)dst->data + (size_t)(i * width) * es, (const char *)src->data + (size_t)(order[i] * width) * es,
                   (size_t)width * es);
        return;
    }
    for (int64_t i = 0; i < rows; i++)
        for (int64_t j = 0; j < width; j++) pr_tensor_set(dst, i * width + j, pr_tensor_get(src, order[i] * width + j));
}

static void view_rows(const pr_tensor *storage, int64_t rows, pr_tensor *view) {
    *view = *storage;
    view->flags = 0;
    view->shape[0] = rows;
    view->size = storage->shape[0] ? storage->size / storage->shape[0] * rows : 0;
}

int pr_batches_next(pr_batches *b, pr_tensor *X_batch, pr_tensor *y_batch) {
    if (!b) return 0;
    if (b->index + 1 >= b->count) { /* end of the pass; the next call starts another */
        b->index = -1;
        return 0;
    }
    /* each pass draws a fresh permutation, so the order depends only on the generator */
    if (++b->index == 0 && b->shuffle) pr_rng_permutation(b->rng, b->n, b->order);
    int64_t start = b->index * b->batch;
    int64_t rows = b->index == b->count - 1 ? b->n - start : b->batch;
    gather(b->X, b->order + start, rows, b->row_x, b->xb);
    if (X_batch) view_rows(b->xb, rows, X_batch);
    if (b->y) {
        gather(b->y, b->order + start, rows, b->row_y, b->yb);
        if (y_batch) view_rows(b->yb, rows, y_batch);
    }
    return 1;
}

int64_t pr_batches_count(const pr_batches *b) { return b ? b->count : 0; }
int64_t pr_batches_index(const pr_batches *b) { return b ? b->index : -1; }
const int64_t *pr_batches_order(const pr_batches *b) { return b ? b->order : NULL; }
