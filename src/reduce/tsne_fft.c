/* t-SNE's repulsion by FFT-accelerated interpolation (Linderman, Rachh, Hoskins,
 * Steinerberger and Kluger, "Fast interpolation-based t-SNE", Nature Methods 2019:
 * the FIt-SNE method), for a 2-D embedding.
 *
 * The repulsion on point i needs Σ_j w_ij² (y_i - y_j) and the normaliser Σ_j w_ij
 * with w = 1 / (1 + d²): sums of a smooth kernel against "charges" at the points.
 * The bounding square is cut into B x B boxes with P = 3 interpolation nodes per box
 * and side, equispaced over the whole square; each point spreads its charges onto the
 * 9 nodes of its box by Lagrange weights, the kernel acts between nodes as a Toeplitz
 * matrix (a convolution, done by FFT on a grid padded to twice the side), and each
 * point reads its potentials back from the same 9 nodes with the same weights.
 *
 * Four sums, all with the point itself included (it adds w_ii = 1, and nothing to
 * the force): with kernel w² and charges 1, y_x and y_y, and with kernel w and charge
 * 1 for the normaliser, which FIt-SNE instead recovers from w² with a |y|² charge;
 * the direct form avoids that cancellation, which matters with the single-precision
 * FFT here (core/fft.c, primer's own since kissfft, which Debian ships only as a
 * shared library, kept static programs from linking). The 2-D real FFT is a real FFT
 * over the rows and a complex FFT over the columns. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/fft.h"
#include "core/parallel.h"
#include "reduce/reduce_internal.h"

enum { P = 3, MIN_BOXES = 50, MAX_BOXES = 2000, COLS = 8 /* columns gathered at a time */ };

struct pr__fft_repulsion {
    int boxes, m, side;            /* boxes per side, m = boxes P nodes per side, side = 2m (the FFT) */
    pr__fftr_plan *row_fwd, *row_inv; /* real FFTs of one row */
    pr__fft_plan *col_fwd, *col_inv;  /* complex FFTs of one column */
    pr__cpx *col, *col_out;     /* COLS columns of side values each, and one FFT's output */
    float *real;                   /* side x side */
    pr__cpx *k1, *k2, *c[3], *prod; /* side x (m + 1) spectra: two kernels, three charges */
    double *charge[3], *pot[4];    /* m x m node values */
    int64_t n;
    int32_t *node;                 /* per point: its box's first node (x, y) */
    double *wx, *wy;               /* per point: P Lagrange weights per axis */
};

static void free_plans(pr__fft_repulsion *f) {
    pr__fftr_plan_free(f->row_fwd);
    pr__fftr_plan_free(f->row_inv);
    pr__fft_plan_free(f->col_fwd);
    pr__fft_plan_free(f->col_inv);
    f->row_fwd = f->row_inv = NULL;
    f->col_fwd = f->col_inv = NULL;
}

void pr__fft_repulsion_free(pr__fft_repulsion *f) {
    if (!f) return;
    free_plans(f);
    free(f->real);
    free(f->col);
    free(f->col_out);
    free(f->k1);
    free(f->k2);
    free(f->prod);
    for (int c = 0; c < 3; c++) {
        free(f->c[c]);
        free(f->charge[c]);
    }
    for (int c = 0; c < 4; c++) free(f->pot[c]);
    free(f->node);
    free(f->wx);
    free(f->wy);
    free(f);
}

pr_status pr__fft_repulsion_new(int64_t n, pr__fft_repulsion **out) {
    pr__fft_repulsion *f = calloc(1, sizeof *f);
    if (!f) return pr__fail(PR_ERR_NOMEM, "t-SNE: out of memory");
    f->n = n;
    f->node = pr__malloc(2 * (size_t)n * sizeof *f->node);
    f->wx = pr__malloc((size_t)n * P * sizeof *f->wx);
    f->wy = pr__malloc((size_t)n * P * sizeof *f->wy);
    if (!f->node || !f->wx || !f->wy) {
        pr__fft_repulsion_free(f);
        return pr__fail(PR_ERR_NOMEM, "t-SNE: out of memory for the interpolation of %lld points", (long long)n);
    }
    *out = f;
    return PR_OK;
}

/* The smallest count >= b whose only prime factors are 2, 3 and 5 (fast FFT sizes). */
static int smooth_count(int b) {
    for (;; b++) {
        int r = b;
        while (r % 2 == 0) r /= 2;
        while (r % 3 == 0) r /= 3;
        while (r % 5 == 0) r /= 5;
        if (r == 1) return b;
    }
}

/* Grids and FFT plans for `boxes` boxes per side (kept while the count stays). */
static pr_status resize(pr__fft_repulsion *f, int boxes) {
    if (boxes == f->boxes) return PR_OK;
    free_plans(f);
    f->boxes = boxes;
    f->m = boxes * P;
    f->side = 2 * f->m;
    size_t reals = (size_t)f->side * (size_t)f->side, spectra = (size_t)f->side * (size_t)(f->m + 1),
           nodes = (size_t)f->m * (size_t)f->m;
    f->row_fwd = pr__fftr_plan_new(f->side, 0);
    f->row_inv = pr__fftr_plan_new(f->side, 1);
    f->col_fwd = pr__fft_plan_new(f->side, 0);
    f->col_inv = pr__fft_plan_new(f->side, 1);
    int ok = f->row_fwd && f->row_inv && f->col_fwd && f->col_inv;
    ok = ok && (f->real = pr__realloc(f->real, reals * sizeof *f->real)) &&
         (f->col = pr__realloc(f->col, (size_t)COLS * (size_t)f->side * sizeof *f->col)) &&
         (f->col_out = pr__realloc(f->col_out, (size_t)f->side * sizeof *f->col_out));
    ok = ok && (f->k1 = pr__realloc(f->k1, spectra * sizeof *f->k1)) && (f->k2 = pr__realloc(f->k2, spectra * sizeof *f->k2)) &&
         (f->prod = pr__realloc(f->prod, spectra * sizeof *f->prod));
    for (int c = 0; ok && c < 3; c++)
        ok = (f->c[c] = pr__realloc(f->c[c], spectra * sizeof *f->c[c])) &&
             (f->charge[c] = pr__realloc(f->charge[c], nodes * sizeof *f->charge[c]));
    for (int c = 0; ok && c < 4; c++) ok = (f->pot[c] = pr__realloc(f->pot[c], nodes * sizeof *f->pot[c])) != NULL;
    if (!ok) {
        f->boxes = 0; /* plans or grids missing: start again next time */
        return pr__fail(PR_ERR_NOMEM, "t-SNE: out of memory for a %d x %d interpolation grid", f->side, f->side);
    }
    return PR_OK;
}

/* The complex FFT (plan) of the columns of the side x h spectrum, in place. Columns
 * are gathered COLS at a time, so that each pass over the rows reads whole cache lines
 * instead of one value per row; `rows_out` rows are written back. */
static void fft_columns(pr__fft_repulsion *f, pr__fft_plan *plan, pr__cpx *spec, int rows_out) {
    int s = f->side, h = f->m + 1;
    for (int k0 = 0; k0 < h; k0 += COLS) {
        int nk = h - k0 < COLS ? h - k0 : COLS;
        for (int a = 0; a < s; a++) {
            const pr__cpx *row = spec + (size_t)a * h + k0;
            for (int c = 0; c < nk; c++) f->col[(size_t)c * s + a] = row[c];
        }
        for (int c = 0; c < nk; c++) {
            pr__fft(plan, f->col + (size_t)c * s, f->col_out);
            memcpy(f->col + (size_t)c * s, f->col_out, (size_t)s * sizeof *f->col_out);
        }
        for (int a = 0; a < rows_out; a++) {
            pr__cpx *row = spec + (size_t)a * h + k0;
            for (int c = 0; c < nk; c++) row[c] = f->col[(size_t)c * s + a];
        }
    }
}

/* The 2-D FFT of the real side x side grid into out (side rows of m + 1 frequencies),
 * the rows by real FFTs and the columns by complex ones. Only the first `rows` rows
 * can be non-zero (a charge grid fills the top-left quarter: the rest is padding). */
static void fft2_forward(pr__fft_repulsion *f, const float *real, int rows, pr__cpx *out) {
    int s = f->side, h = f->m + 1;
    for (int a = 0; a < rows; a++) pr__fftr(f->row_fwd, real + (size_t)a * s, out + (size_t)a * h);
    memset(out + (size_t)rows * h, 0, (size_t)(s - rows) * (size_t)h * sizeof *out);
    fft_columns(f, f->col_fwd, out, s);
}

/* The inverse (unnormalised), of which only the first m rows are wanted. */
static void fft2_inverse(pr__fft_repulsion *f, pr__cpx *spectrum, float *real) {
    int s = f->side, h = f->m + 1;
    fft_columns(f, f->col_inv, spectrum, f->m);
    for (int a = 0; a < f->m; a++) pr__fftri(f->row_inv, spectrum + (size_t)a * h, real + (size_t)a * s);
}

/* The Lagrange weights of the P nodes at (k + 1/2) / P, k = 0..P-1, at t in [0, 1]. */
static void lagrange(double t, double *w) {
    for (int k = 0; k < P; k++) {
        double xk = (k + 0.5) / P, v = 1;
        for (int l = 0; l < P; l++)
            if (l != k) v *= (t - (l + 0.5) / P) / (xk - (l + 0.5) / P);
        w[k] = v;
    }
}

/* The spectrum of the kernel K(r²) between nodes h apart, laid out for a circular
 * convolution of side 2m: offsets -(m-1)..(m-1) per axis, wrapped, the row and column
 * at offset m zero. `squared` selects w² = 1 / (1 + r²)², else w. */
static void kernel_spectrum(pr__fft_repulsion *f, double h, int squared, pr__cpx *out) {
    int m = f->m, s = f->side;
    for (int a = 0; a < s; a++) {
        int da = a < m ? a : a - s; /* the offset this row stands for */
        for (int b = 0; b < s; b++) {
            int db = b < m ? b : b - s;
            double v = 0;
            if (a != m && b != m) {
                double r2 = h * h * ((double)da * da + (double)db * db), w = 1 / (1 + r2);
                v = squared ? w * w : w;
            }
            f->real[(size_t)a * s + b] = (float)v;
        }
    }
    fft2_forward(f, f->real, s, out);
}

/* node values (m x m) into the top-left of the padded real grid, then its spectrum. */
static void charge_spectrum(pr__fft_repulsion *f, const double *grid, pr__cpx *out) {
    int m = f->m, s = f->side;
    for (int a = 0; a < m; a++) {
        for (int b = 0; b < m; b++) f->real[(size_t)a * s + b] = (float)grid[(size_t)a * m + b];
        memset(f->real + (size_t)a * s + m, 0, (size_t)m * sizeof *f->real);
    }
    fft2_forward(f, f->real, m, out);
}

/* pot = the kernel's convolution with the charge, from their spectra. */
static void convolve(pr__fft_repulsion *f, const pr__cpx *kernel, const pr__cpx *charge, double *pot) {
    int m = f->m, s = f->side;
    size_t spectra = (size_t)s * (size_t)(m + 1);
    for (size_t q = 0; q < spectra; q++) {
        float ar = kernel[q].r, ai = kernel[q].i, br = charge[q].r, bi = charge[q].i;
        f->prod[q].r = ar * br - ai * bi;
        f->prod[q].i = ar * bi + ai * br;
    }
    fft2_inverse(f, f->prod, f->real);
    double scale = 1.0 / ((double)s * (double)s); /* the inverse is not normalised */
    for (int a = 0; a < m; a++)
        for (int b = 0; b < m; b++) pot[(size_t)a * m + b] = scale * f->real[(size_t)a * s + b];
}

/* The interpolation's per-point work, split over the pool: each point's box and
 * Lagrange weights, and the potentials it reads back. */
typedef struct fft_job {
    pr__fft_repulsion *f;
    const double *Y;
    double lo, box;
    double *neg, *point_sum;
} fft_job;

static void weigh_points(void *ctx, int64_t begin, int64_t end, int worker) {
    (void)worker;
    const fft_job *j = ctx;
    pr__fft_repulsion *f = j->f;
    for (int64_t i = begin; i < end; i++) {
        double tx = (j->Y[2 * i] - j->lo) / j->box, ty = (j->Y[2 * i + 1] - j->lo) / j->box;
        int bx = (int)tx, by = (int)ty;
        bx = bx < f->boxes ? bx : f->boxes - 1;
        by = by < f->boxes ? by : f->boxes - 1;
        lagrange(tx - bx, f->wx + i * P);
        lagrange(ty - by, f->wy + i * P);
        f->node[2 * i] = bx * P;
        f->node[2 * i + 1] = by * P;
    }
}

static void gather_points(void *ctx, int64_t begin, int64_t end, int worker) {
    (void)worker;
    const fft_job *j = ctx;
    const pr__fft_repulsion *f = j->f;
    const double *Y = j->Y;
    int m = f->m;
    for (int64_t i = begin; i < end; i++) {
        const double *wx = f->wx + i * P, *wy = f->wy + i * P;
        double phi[4] = {0, 0, 0, 0};
        for (int a = 0; a < P; a++)
            for (int b = 0; b < P; b++) {
                size_t g = (size_t)(f->node[2 * i + 1] + a) * m + (size_t)(f->node[2 * i] + b);
                double w = wy[a] * wx[b];
                for (int c = 0; c < 4; c++) phi[c] += w * f->pot[c][g];
            }
        j->neg[2 * i] = Y[2 * i] * phi[0] - phi[1];
        j->neg[2 * i + 1] = Y[2 * i + 1] * phi[0] - phi[2];
        j->point_sum[i] = phi[3] - 1; /* less w_ii = 1 */
    }
}

enum { POINT_GRAIN = 256 };

pr_status pr__fft_repulsion_run(pr__fft_repulsion *f, pr_threads *pool, const double *Y, int64_t n, double *neg,
                                double *point_sum) {
    double lo = INFINITY, hi = -INFINITY;
    for (int64_t q = 0; q < 2 * n; q++) {
        lo = Y[q] < lo ? Y[q] : lo;
        hi = Y[q] > hi ? Y[q] : hi;
    }
    double range = hi - lo > 1e-12 ? hi - lo : 1e-12;
    /* FIt-SNE's grid has one box per unit of the embedding (intervals_per_integer = 1),
     * at least 50. Two per unit while that stays within 100 boxes: the interpolation
     * error falls as the cube of the box, and a grid of 100 boxes costs little. */
    double want = fmax(fmin(2 * range, 100), range);
    int boxes = smooth_count(want < MIN_BOXES ? MIN_BOXES : want > MAX_BOXES ? MAX_BOXES : (int)want);
    pr_status st = resize(f, boxes);
    if (st) return st;
    int m = f->m;
    double box = range / boxes, h = box / P;
    size_t nodes = (size_t)m * (size_t)m;
    fft_job job = {.f = f, .Y = Y, .lo = lo, .box = box, .neg = neg, .point_sum = point_sum};
    pr__parallel_for(pool, n, POINT_GRAIN, weigh_points, &job);
    /* spread: each point's charges onto its box's P x P nodes */
    for (int c = 0; c < 3; c++) memset(f->charge[c], 0, nodes * sizeof *f->charge[c]);
    for (int64_t i = 0; i < n; i++) {
        const double *wx = f->wx + i * P, *wy = f->wy + i * P;
        for (int a = 0; a < P; a++)
            for (int b = 0; b < P; b++) {
                size_t g = (size_t)(f->node[2 * i + 1] + a) * m + (size_t)(f->node[2 * i] + b);
                double w = wy[a] * wx[b];
                f->charge[0][g] += w;
                f->charge[1][g] += w * Y[2 * i];
                f->charge[2][g] += w * Y[2 * i + 1];
            }
    }
    /* the four convolutions */
    kernel_spectrum(f, h, 1, f->k2);
    kernel_spectrum(f, h, 0, f->k1);
    for (int c = 0; c < 3; c++) charge_spectrum(f, f->charge[c], f->c[c]);
    for (int c = 0; c < 3; c++) convolve(f, f->k2, f->c[c], f->pot[c]);
    convolve(f, f->k1, f->c[0], f->pot[3]);
    /* gather: each point's potentials from the same nodes */
    pr__parallel_for(pool, n, POINT_GRAIN, gather_points, &job);
    return PR_OK;
}
