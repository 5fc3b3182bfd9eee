/* The FFTs against the DFT's definition summed directly in double precision, at
 * lengths that exercise every radix (4, 2, 3, 5 and general primes) and t-SNE's grid
 * sides (2 * 3 * boxes, boxes with factors 2, 3 and 5). */
#include <math.h>
#include <stdlib.h>

#include "core/fft.h"
#include "test_util.h"

static const int lengths[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 16, 25, 30, 49, 60, 77, 128, 300, 360, 960};

/* X_k = sum_j x_j e^(sign 2 pi i jk / n), in double. */
static void dft(const double *re, const double *im, int n, int sign, double *out_re, double *out_im) {
    for (int k = 0; k < n; k++) {
        double sr = 0, si = 0;
        for (int j = 0; j < n; j++) {
            double ph = sign * 2 * M_PI * (double)((long long)j * k % n) / n;
            sr += re[j] * cos(ph) - im[j] * sin(ph);
            si += re[j] * sin(ph) + im[j] * cos(ph);
        }
        out_re[k] = sr;
        out_im[k] = si;
    }
}

/* Random values in [-1, 1) from a fixed LCG (the test's own, not primer's). */
static double next_value(unsigned long long *s) {
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(*s >> 11) / 9007199254740992.0 * 2 - 1;
}

Test(fft, complex_transforms_are_the_dft_at_every_radix) {
    unsigned long long seed = 7;
    for (size_t t = 0; t < sizeof lengths / sizeof *lengths; t++) {
        int n = lengths[t];
        double *re = malloc(4 * (size_t)n * sizeof *re), *im = re + n, *wr = im + n, *wi = wr + n;
        pr__cpx *in = malloc(2 * (size_t)n * sizeof *in), *out = in + n;
        for (int j = 0; j < n; j++) {
            in[j] = (pr__cpx){(float)next_value(&seed), (float)next_value(&seed)};
            re[j] = in[j].r;
            im[j] = in[j].i;
        }
        for (int inverse = 0; inverse < 2; inverse++) {
            pr__fft_plan *p = pr__fft_plan_new(n, inverse);
            cr_assert_not_null(p);
            pr__fft(p, in, out);
            dft(re, im, n, inverse ? 1 : -1, wr, wi);
            double tol = 2e-6 * sqrt((double)n) * (1 + log2((double)n));
            for (int k = 0; k < n; k++) {
                cr_assert(fabs(out[k].r - wr[k]) <= tol && fabs(out[k].i - wi[k]) <= tol,
                          "n %d inverse %d: X[%d] = %g%+gi, the DFT gives %g%+gi", n, inverse, k, out[k].r, out[k].i,
                          wr[k], wi[k]);
            }
            pr__fft_plan_free(p);
        }
        free(re);
        free(in);
    }
    cr_assert_null(pr__fft_plan_new(0, 0));
}

Test(fft, real_transforms_are_the_dft_and_invert_to_n_times_the_input) {
    unsigned long long seed = 11;
    for (size_t t = 0; t < sizeof lengths / sizeof *lengths; t++) {
        int n = 2 * lengths[t], h = n / 2;
        double *re = calloc(4 * (size_t)n, sizeof *re), *im = re + n, *wr = im + n, *wi = wr + n;
        float *x = malloc(2 * (size_t)n * sizeof *x), *back = x + n;
        pr__cpx *spec = malloc((size_t)(h + 1) * sizeof *spec);
        for (int j = 0; j < n; j++) re[j] = x[j] = (float)next_value(&seed);
        pr__fftr_plan *fwd = pr__fftr_plan_new(n, 0), *inv = pr__fftr_plan_new(n, 1);
        cr_assert(fwd && inv);
        pr__fftr(fwd, x, spec);
        dft(re, im, n, -1, wr, wi);
        double tol = 2e-6 * sqrt((double)n) * (1 + log2((double)n));
        for (int k = 0; k <= h; k++)
            cr_assert(fabs(spec[k].r - wr[k]) <= tol && fabs(spec[k].i - wi[k]) <= tol,
                      "n %d: X[%d] = %g%+gi, the DFT gives %g%+gi", n, k, spec[k].r, spec[k].i, wr[k], wi[k]);
        pr__fftri(inv, spec, back);
        for (int j = 0; j < n; j++)
            cr_assert(fabs(back[j] - n * x[j]) <= tol * n, "n %d: x[%d] came back as %g / n, was %g", n, j, back[j], x[j]);
        pr__fftr_plan_free(fwd);
        pr__fftr_plan_free(inv);
        free(re);
        free(x);
        free(spec);
    }
    cr_assert_null(pr__fftr_plan_new(7, 0));
}
