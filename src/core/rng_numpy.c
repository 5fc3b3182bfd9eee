/* NumPy's legacy random generator (RandomState): MT19937 (Matsumoto and Nishimura,
 * 1998) with RandomState's seeding and draws, so that listings that call
 * np.random.seed(42) get their very data. Written from the algorithms' published
 * descriptions; tests/fixtures/make_numpy_rng_fixtures.py holds what NumPy gives. */
#include <math.h>

#include "core/internal.h"

#define N 624
#define M 397
#define MATRIX_A 0x9908b0dfu
#define UPPER 0x80000000u
#define LOWER 0x7fffffffu

void pr_numpy_rng_seed(pr_numpy_rng *r, uint32_t seed) {
    /* RandomState's seeding of a 32-bit integer: Knuth's multiplier 1812433253 */
    for (int i = 0; i < N; i++) {
        r->key[i] = seed;
        seed = 1812433253u * (seed ^ (seed >> 30)) + (uint32_t)i + 1;
    }
    r->pos = N;
    r->has_gauss = 0;
    r->gauss = 0;
}

/* Refill the whole state (the "twist"). */
static void twist(pr_numpy_rng *r) {
    uint32_t *k = r->key;
    for (int i = 0; i < N; i++) {
        uint32_t y = (k[i] & UPPER) | (k[(i + 1) % N] & LOWER);
        k[i] = k[(i + M) % N] ^ (y >> 1) ^ (y & 1u ? MATRIX_A : 0u);
    }
    r->pos = 0;
}

uint32_t pr_numpy_rng_next_u32(pr_numpy_rng *r) {
    if (r->pos >= N) twist(r);
    uint32_t y = r->key[r->pos++];
    /* tempering */
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= y >> 18;
    return y;
}

double pr_numpy_rng_uniform(pr_numpy_rng *r) {
    uint32_t a = pr_numpy_rng_next_u32(r) >> 5, b = pr_numpy_rng_next_u32(r) >> 6;
    return ((double)a * 67108864.0 + (double)b) / 9007199254740992.0;
}

double pr_numpy_rng_normal(pr_numpy_rng *r) {
    if (r->has_gauss) {
        r->has_gauss = 0;
        return r->gauss;
    }
    double x1, x2, r2;
    do {
        x1 = 2.0 * pr_numpy_rng_uniform(r) - 1.0;
        x2 = 2.0 * pr_numpy_rng_uniform(r) - 1.0;
        r2 = x1 * x1 + x2 * x2;
    } while (r2 >= 1.0 || r2 == 0.0);
    double f = sqrt(-2.0 * log(r2) / r2); /* Box-Muller's polar form */
    r->gauss = f * x1;
    r->has_gauss = 1;
    return f * x2;
}

/* A uniform integer in [0, max] by masked rejection, as RandomState's interval draw. */
static uint64_t interval(pr_numpy_rng *r, uint64_t max) {
    if (max == 0) return 0;
    uint64_t mask = max, v;
    for (int s = 1; s <= 32; s *= 2) mask |= mask >> s;
    if (max <= 0xffffffffu) {
        while ((v = (pr_numpy_rng_next_u32(r) & mask)) > max) {
        }
    } else {
        do {
            v = ((uint64_t)pr_numpy_rng_next_u32(r) << 32 | pr_numpy_rng_next_u32(r)) & mask;
        } while (v > max);
    }
    return v;
}

void pr_numpy_rng_permutation(pr_numpy_rng *r, int64_t n, int64_t *out) {
    for (int64_t i = 0; i < n; i++) out[i] = i;
    for (int64_t i = n - 1; i > 0; i--) {
        int64_t j = (int64_t)interval(r, (uint64_t)i), t = out[i];
        out[i] = out[j];
        out[j] = t;
    }
}

pr_status pr_numpy_rng_fill_normal(pr_numpy_rng *r, pr_tensor *t, double mean, double std) {
    pr_status st = pr__require_tensor(t, "numpy_rng_fill_normal", "t");
    if (st || (st = pr__require_float(t, "numpy_rng_fill_normal"))) return st;
    if (!r) return pr__fail(PR_ERR_INVALID, "numpy_rng_fill_normal: generator is NULL");
    for (int64_t i = 0; i < t->size; i++) pr_tensor_set(t, i, mean + std * pr_numpy_rng_normal(r));
    return PR_OK;
}

pr_status pr_numpy_rng_fill_uniform(pr_numpy_rng *r, pr_tensor *t, double lo, double hi) {
    pr_status st = pr__require_tensor(t, "numpy_rng_fill_uniform", "t");
    if (st || (st = pr__require_float(t, "numpy_rng_fill_uniform"))) return st;
    if (!r) return pr__fail(PR_ERR_INVALID, "numpy_rng_fill_uniform: generator is NULL");
    for (int64_t i = 0; i < t->size; i++) pr_tensor_set(t, i, lo + (hi - lo) * pr_numpy_rng_uniform(r));
    return PR_OK;
}
