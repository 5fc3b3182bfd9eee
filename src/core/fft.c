/* Mixed-radix FFTs (see fft.h). A length n = r1 r2 ... is split by decimation in time:
 * the transform of n values is r1 transforms of n / r1 values taken every r1-th, then
 * combined by an r1-point butterfly with the twiddles e^(-+2 pi i k / n). The factors
 * are taken as 4s first, then 2, 3, 5 and any other primes. A real transform of even
 * length n is a complex one of n/2 (the even values as real parts, the odd ones as
 * imaginary) and a pass that separates the two spectra. */
#include "core/fft.h"

#include <math.h>
#include <stdlib.h>

enum { MAX_FACTORS = 32 };

struct pr__fft_plan {
    int n, inverse;
    int factors[2 * MAX_FACTORS]; /* (radix, length of each sub-transform) per stage */
    int max_radix;
    pr__cpx *tw;                  /* e^(-+2 pi i k / n), k < n */
    pr__cpx *scratch;             /* max_radix values for the general butterfly */
};

struct pr__fftr_plan {
    int n;
    pr__fft_plan *half;   /* the complex transform of n/2 */
    pr__cpx *super;       /* e^(-+2 pi i k / n), k <= n/2 */
    pr__cpx *buf, *buf2;  /* n/2 values each */
};

static pr__cpx cmul(pr__cpx a, pr__cpx b) { return (pr__cpx){a.r * b.r - a.i * b.i, a.r * b.i + a.i * b.r}; }
static pr__cpx cadd(pr__cpx a, pr__cpx b) { return (pr__cpx){a.r + b.r, a.i + b.i}; }
static pr__cpx csub(pr__cpx a, pr__cpx b) { return (pr__cpx){a.r - b.r, a.i - b.i}; }

static void twiddles(pr__cpx *tw, int count, int n, int inverse) {
    const double pi = 3.14159265358979323846;
    for (int k = 0; k < count; k++) {
        double phase = (inverse ? 2 : -2) * pi * (double)k / (double)n;
        tw[k] = (pr__cpx){(float)cos(phase), (float)sin(phase)};
    }
}

pr__fft_plan *pr__fft_plan_new(int n, int inverse) {
    if (n < 1) return NULL;
    pr__fft_plan *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->n = n;
    p->inverse = inverse;
    p->max_radix = 1;
    int rest = n, stages = 0;
    while (rest > 1) {
        int r = rest % 4 == 0 ? 4 : rest % 2 == 0 ? 2 : 3;
        while (rest % r) r += 2; /* from 3: the smallest odd prime factor */
        rest /= r;
        p->factors[2 * stages] = r;
        p->factors[2 * stages + 1] = rest;
        if (r > p->max_radix) p->max_radix = r;
        stages++;
    }
    if (!stages) { /* n = 1: one stage of radix 1 */
        p->factors[0] = 1;
        p->factors[1] = 1;
    }
    p->tw = malloc((size_t)n * sizeof *p->tw);
    p->scratch = malloc((size_t)p->max_radix * sizeof *p->scratch);
    if (!p->tw || !p->scratch) {
        pr__fft_plan_free(p);
        return NULL;
    }
    twiddles(p->tw, n, n, inverse);
    return p;
}

void pr__fft_plan_free(pr__fft_plan *p) {
    if (!p) return;
    free(p->tw);
    free(p->scratch);
    free(p);
}

/* Combine `radix` transforms of m values (out[q m + u]) into one of radix m, whose
 * twiddles are every fstride-th of the plan's. */
static void butterfly(pr__fft_plan *p, pr__cpx *restrict out, int fstride, int m, int radix) {
    const pr__cpx *restrict tw = p->tw;
    if (radix == 2) {
        for (int u = 0; u < m; u++) {
            pr__cpx t = cmul(out[u + m], tw[u * fstride]);
            out[u + m] = csub(out[u], t);
            out[u] = cadd(out[u], t);
        }
    } else if (radix == 4) {
        for (int u = 0; u < m; u++) {
            pr__cpx s0 = out[u], s1 = cmul(out[u + m], tw[u * fstride]), s2 = cmul(out[u + 2 * m], tw[2 * u * fstride]),
                    s3 = cmul(out[u + 3 * m], tw[3 * u * fstride]);
            pr__cpx a = cadd(s0, s2), b = csub(s0, s2), c = cadd(s1, s3), d = csub(s1, s3);
            pr__cpx id = p->inverse ? (pr__cpx){-d.i, d.r} : (pr__cpx){d.i, -d.r}; /* +-i d */
            out[u] = cadd(a, c);
            out[u + m] = cadd(b, id);
            out[u + 2 * m] = csub(a, c);
            out[u + 3 * m] = csub(b, id);
        }
    } else if (radix == 3) { /* w = e^(-+2 pi i / 3) = -1/2 + i c */
        float c = tw[fstride * m].i;
        for (int u = 0; u < m; u++) {
            pr__cpx s0 = out[u], s1 = cmul(out[u + m], tw[u * fstride]), s2 = cmul(out[u + 2 * m], tw[2 * u * fstride]);
            pr__cpx a = cadd(s1, s2), d = csub(s1, s2);
            pr__cpx mid = {s0.r - 0.5f * a.r, s0.i - 0.5f * a.i}, icd = {-c * d.i, c * d.r};
            out[u] = cadd(s0, a);
            out[u + m] = cadd(mid, icd);
            out[u + 2 * m] = csub(mid, icd);
        }
    } else if (radix == 5) { /* w^1 = c1 + i s1, w^2 = c2 + i s2; w^3, w^4 their conjugates */
        pr__cpx w1 = tw[fstride * m], w2 = tw[2 * fstride * m];
        for (int u = 0; u < m; u++) {
            pr__cpx s0 = out[u], t1 = cmul(out[u + m], tw[u * fstride]), t2 = cmul(out[u + 2 * m], tw[2 * u * fstride]),
                    t3 = cmul(out[u + 3 * m], tw[3 * u * fstride]), t4 = cmul(out[u + 4 * m], tw[4 * u * fstride]);
            pr__cpx a1 = cadd(t1, t4), b1 = csub(t1, t4), a2 = cadd(t2, t3), b2 = csub(t2, t3);
            pr__cpx r1 = {s0.r + w1.r * a1.r + w2.r * a2.r, s0.i + w1.r * a1.i + w2.r * a2.i};
            pr__cpx r2 = {s0.r + w2.r * a1.r + w1.r * a2.r, s0.i + w2.r * a1.i + w1.r * a2.i};
            /* i (s1 b1 + s2 b2) and i (s2 b1 - s1 b2) */
            pr__cpx i1 = {-(w1.i * b1.i + w2.i * b2.i), w1.i * b1.r + w2.i * b2.r};
            pr__cpx i2 = {-(w2.i * b1.i - w1.i * b2.i), w2.i * b1.r - w1.i * b2.r};
            out[u] = cadd(s0, cadd(a1, a2));
            out[u + m] = cadd(r1, i1);
            out[u + 4 * m] = csub(r1, i1);
            out[u + 2 * m] = cadd(r2, i2);
            out[u + 3 * m] = csub(r2, i2);
        }
    } else if (radix > 1) { /* a direct DFT of `radix` points */
        int n = p->n;
        pr__cpx *s = p->scratch;
        for (int u = 0; u < m; u++) {
            for (int q = 0; q < radix; q++) s[q] = cmul(out[u + q * m], tw[(int)((long long)q * u * fstride % n)]);
            for (int k = 0; k < radix; k++) {
                int step = fstride * k * m, idx = 0; /* the radix-point DFT's e^(-+2 pi i qk / radix); step < n */
                pr__cpx acc = s[0];
                for (int q = 1; q < radix; q++) {
                    idx += step;
                    if (idx >= n) idx -= n;
                    acc = cadd(acc, cmul(s[q], tw[idx]));
                }
                out[u + k * m] = acc;
            }
        }
    }
}

static void work(pr__fft_plan *p, pr__cpx *out, const pr__cpx *in, int fstride, const int *factors) {
    int radix = factors[0], m = factors[1];
    if (m == 1) {
        for (int k = 0; k < radix; k++) out[k] = in[(size_t)k * fstride];
    } else {
        for (int k = 0; k < radix; k++) work(p, out + (size_t)k * m, in + (size_t)k * fstride, fstride * radix, factors + 2);
    }
    butterfly(p, out, fstride, m, radix);
}

void pr__fft(pr__fft_plan *p, const pr__cpx *in, pr__cpx *out) { work(p, out, in, 1, p->factors); }

pr__fftr_plan *pr__fftr_plan_new(int n, int inverse) {
    if (n < 2 || n % 2) return NULL;
    pr__fftr_plan *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    int h = n / 2;
    p->n = n;
    p->half = pr__fft_plan_new(h, inverse);
    p->super = malloc((size_t)(h + 1) * sizeof *p->super);
    p->buf = malloc((size_t)h * sizeof *p->buf);
    p->buf2 = malloc((size_t)h * sizeof *p->buf2);
    if (!p->half || !p->super || !p->buf || !p->buf2) {
        pr__fftr_plan_free(p);
        return NULL;
    }
    twiddles(p->super, h + 1, n, inverse);
    return p;
}

void pr__fftr_plan_free(pr__fftr_plan *p) {
    if (!p) return;
    pr__fft_plan_free(p->half);
    free(p->super);
    free(p->buf);
    free(p->buf2);
    free(p);
}

/* Z = the transform of z_j = x_2j + i x_2j+1; with E_k, O_k the spectra of the even and
 * odd values, E_k = (Z_k + conj Z_(h-k)) / 2, O_k = -i (Z_k - conj Z_(h-k)) / 2 and
 * X_k = E_k + e^(-2 pi i k / n) O_k. */
void pr__fftr(pr__fftr_plan *p, const float *in, pr__cpx *out) {
    int h = p->n / 2;
    for (int j = 0; j < h; j++) p->buf[j] = (pr__cpx){in[2 * j], in[2 * j + 1]};
    pr__fft(p->half, p->buf, p->buf2);
    const pr__cpx *Z = p->buf2;
    for (int k = 0; k <= h; k++) {
        pr__cpx zk = Z[k % h], zc = Z[(h - k) % h];
        zc.i = -zc.i;
        pr__cpx e = {0.5f * (zk.r + zc.r), 0.5f * (zk.i + zc.i)}, diff = csub(zk, zc);
        pr__cpx o = {0.5f * diff.i, -0.5f * diff.r};
        out[k] = cadd(e, cmul(p->super[k], o));
    }
}

/* Back: 2 E_k = X_k + conj X_(h-k), 2 O_k = (X_k - conj X_(h-k)) e^(2 pi i k / n), and
 * the inverse transform of 2 (E + i O) is n (x_2j + i x_2j+1). */
void pr__fftri(pr__fftr_plan *p, const pr__cpx *in, float *out) {
    int h = p->n / 2;
    for (int k = 0; k < h; k++) {
        pr__cpx xc = in[h - k];
        xc.i = -xc.i;
        pr__cpx e = cadd(in[k], xc), o = cmul(csub(in[k], xc), p->super[k]);
        p->buf[k] = (pr__cpx){e.r - o.i, e.i + o.r};
    }
    pr__fft(p->half, p->buf, p->buf2);
    for (int j = 0; j < h; j++) {
        out[2 * j] = p->buf2[j].r;
        out[2 * j + 1] = p->buf2[j].i;
    }
}
