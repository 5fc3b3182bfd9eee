/* Fast Fourier transforms in single precision, for t-SNE's interpolation grid (and
 * whatever else needs one): mixed-radix Cooley-Tukey, any length (radices 4, 2, 3 and
 * 5 are specialised, other prime factors take a direct DFT stage), out of place.
 * Unnormalised as FFTPACK and kissfft are: the inverse of the forward transform is n
 * times the input. Plans hold their twiddles and scratch: one thread per plan. */
#ifndef PRIMER_CORE_FFT_H
#define PRIMER_CORE_FFT_H

#include <stddef.h>

typedef struct pr__cpx {
    float r, i;
} pr__cpx;

typedef struct pr__fft_plan pr__fft_plan;   /* complex, length n */
typedef struct pr__fftr_plan pr__fftr_plan; /* real, even length n */

/* inverse 0: X[k] = sum_j x[j] e^(-2 pi i jk / n); 1: the + sign. NULL when out of
 * memory or n < 1. */
pr__fft_plan *pr__fft_plan_new(int n, int inverse);
void pr__fft_plan_free(pr__fft_plan *p);
/* out = the transform of in (n values each; in and out must not overlap). */
void pr__fft(pr__fft_plan *p, const pr__cpx *in, pr__cpx *out);

/* Real transforms of an even length n: forward gives the n/2 + 1 non-negative
 * frequencies of n reals, inverse takes them back to n reals (times n). NULL when out
 * of memory or n is odd or below 2. */
pr__fftr_plan *pr__fftr_plan_new(int n, int inverse);
void pr__fftr_plan_free(pr__fftr_plan *p);
void pr__fftr(pr__fftr_plan *p, const float *in, pr__cpx *out);
void pr__fftri(pr__fftr_plan *p, const pr__cpx *in, float *out);

#endif
