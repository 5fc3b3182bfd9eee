/* The seeded random generator: xoshiro256** seeded through SplitMix64. */
#include <math.h>
#include <stdlib.h>

#include "core/internal.h"

#define GOLDEN_GAMMA UINT64_C(0x9E3779B97F4A7C15)

static uint64_t splitmix64_mix(uint64_t z) {
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static uint64_t splitmix64(uint64_t *x) { return splitmix64_mix(*x += GOLDEN_GAMMA); }

uint64_t pr__counter_u64(uint64_t stream, uint64_t index) { return splitmix64_mix(stream + (index + 1) * GOLDEN_GAMMA); }

double pr__counter_uniform(uint64_t stream, uint64_t index) {
    return (double)(pr__counter_u64(stream, index) >> 11) * 0x1.0p-53;
}

double pr__counter_normal(uint64_t stream, uint64_t index) {
    double u1 = 1.0 - pr__counter_uniform(stream, 2 * index), u2 = pr__counter_uniform(stream, 2 * index + 1);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

__extension__ typedef unsigned __int128 u128;

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

void pr_rng_seed(pr_rng *rng, uint64_t seed) {
    uint64_t x = seed;
    for (int i = 0; i < 4; i++) rng->s[i] = splitmix64(&x);
    rng->spare_normal = 0.0;
    rng->has_spare = 0;
}

uint64_t pr_rng_next_u64(pr_rng *rng) {
    uint64_t *s = rng->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

void pr_rng_jump(pr_rng *rng) {
    static const uint64_t jump[4] = {UINT64_C(0x180ec6d33cfd0aba), UINT64_C(0xd5a61266f0c9392c),
                                     UINT64_C(0xa9582618e03fc9aa), UINT64_C(0x39abdc4529b1661c)};
    uint64_t acc[4] = {0, 0, 0, 0};
    for (int i = 0; i < 4; i++)
        for (int b = 0; b < 64; b++) {
            if (jump[i] & (UINT64_C(1) << b))
                for (int k = 0; k < 4; k++) acc[k] ^= rng->s[k];
            pr_rng_next_u64(rng);
        }
    for (int k = 0; k < 4; k++) rng->s[k] = acc[k];
    rng->has_spare = 0;
}

double pr_rng_uniform(pr_rng *rng) {
    return (double)(pr_rng_next_u64(rng) >> 11) * 0x1.0p-53;
}

double pr_rng_normal(pr_rng *rng) {
    if (rng->has_spare) {
        rng->has_spare = 0;
        return rng->spare_normal;
    }
    /* Box-Muller; 1 - u lies in (0, 1], so the logarithm is finite. */
    double u1 = 1.0 - pr_rng_uniform(rng);
    double u2 = pr_rng_uniform(rng);
    double r = sqrt(-2.0 * log(u1));
    double theta = 2.0 * M_PI * u2;
    rng->spare_normal = r * sin(theta);
    rng->has_spare = 1;
    return r * cos(theta);
}

uint64_t pr_rng_below(pr_rng *rng, uint64_t n) {
    if (n <= 1) return 0;
    /* Lemire: the high word of x * n is uniform once the low word clears the bias zone. */
    u128 m = (u128)pr_rng_next_u64(rng) * n;
    uint64_t low = (uint64_t)m;
    if (low < n) {
        uint64_t threshold = -n % n;
        while (low < threshold) {
            m = (u128)pr_rng_next_u64(rng) * n;
            low = (uint64_t)m;
        }
    }
    return (uint64_t)(m >> 64);
}

int pr_rng_bernoulli(pr_rng *rng, double p) { return pr_rng_uniform(rng) < p; }

void pr_rng_shuffle(pr_rng *rng, int64_t *a, int64_t n) {
    for (int64_t i = n - 1; i > 0; i--) {
        int64_t j = (int64_t)pr_rng_below(rng, (uint64_t)i + 1);
        int64_t t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
}

void pr_rng_permutation(pr_rng *rng, int64_t n, int64_t *out) {
    for (int64_t i = 0; i < n; i++) out[i] = i;
    pr_rng_shuffle(rng, out, n);
}

pr_status pr_rng_sample_without_replacement(pr_rng *rng, int64_t n, int64_t k, int64_t *out) {
    if (n < 0 || k < 0 || k > n)
        return pr__fail(PR_ERR_INVALID, "sample_without_replacement: cannot draw %lld of %lld",
                        (long long)k, (long long)n);
    if (k == 0) return PR_OK;
    size_t bytes;
    if (!pr__mul_size((size_t)n, sizeof(int64_t), &bytes))
        return pr__fail(PR_ERR_OVERFLOW, "sample_without_replacement: %lld items overflow",
                        (long long)n);
    int64_t *pool = pr__malloc(bytes);
    if (!pool) return PR_ERR_NOMEM;
    for (int64_t i = 0; i < n; i++) pool[i] = i;
    /* The first k steps of a forward Fisher-Yates shuffle. */
    for (int64_t i = 0; i < k; i++) {
        int64_t j = i + (int64_t)pr_rng_below(rng, (uint64_t)(n - i));
        int64_t t = pool[i];
        pool[i] = pool[j];
        pool[j] = t;
        out[i] = pool[i];
    }
    free(pool);
    return PR_OK;
}

static pr_status check_fill(pr_rng *rng, pr_tensor *t, const char *op, int need_float) {
    if (!rng) return pr__fail(PR_ERR_INVALID, "%s: generator is NULL", op);
    pr_status st = pr__require_tensor(t, op, "tensor");
    if (st) return st;
    return need_float ? pr__require_float(t, op) : PR_OK;
}

pr_status pr_rng_fill_uniform(pr_rng *rng, pr_tensor *t, double lo, double hi) {
    pr_status st = check_fill(rng, t, "fill_uniform", 1);
    if (st) return st;
    if (!(lo < hi) || !isfinite(lo) || !isfinite(hi))
        return pr__fail(PR_ERR_INVALID, "fill_uniform: needs finite lo < hi, got [%g, %g)", lo, hi);
    if (t->dtype == PR_F64) {
        double *d = t->data;
        for (int64_t i = 0; i < t->size; i++) d[i] = lo + (hi - lo) * pr_rng_uniform(rng);
    } else {
        float *d = t->data;
        float top = nextafterf((float)hi, -INFINITY);
        for (int64_t i = 0; i < t->size; i++) {
            float v = (float)(lo + (hi - lo) * pr_rng_uniform(rng));
            d[i] = v < (float)hi ? v : top; /* rounding must not reach hi */
        }
    }
    return PR_OK;
}

pr_status pr_rng_fill_normal(pr_rng *rng, pr_tensor *t, double mean, double std) {
    pr_status st = check_fill(rng, t, "fill_normal", 1);
    if (st) return st;
    if (!(std >= 0) || !isfinite(std) || !isfinite(mean))
        return pr__fail(PR_ERR_INVALID, "fill_normal: needs finite mean and std >= 0, got %g, %g",
                        mean, std);
    for (int64_t i = 0; i < t->size; i++) pr_tensor_set(t, i, mean + std * pr_rng_normal(rng));
    return PR_OK;
}

pr_status pr_rng_fill_bernoulli(pr_rng *rng, pr_tensor *t, double p) {
    pr_status st = check_fill(rng, t, "fill_bernoulli", 0);
    if (st) return st;
    if (!(p >= 0 && p <= 1))
        return pr__fail(PR_ERR_INVALID, "fill_bernoulli: probability %g is outside [0, 1]", p);
    for (int64_t i = 0; i < t->size; i++) pr_tensor_set(t, i, pr_rng_bernoulli(rng, p));
    return PR_OK;
}

/* A new tensor filled by one of the fill functions above (same parameter shape). */
typedef pr_status (*fill_fn)(pr_rng *rng, pr_tensor *t, double a, double b);

static pr_status new_filled(pr_tensor **out, pr_dtype dtype, int ndim, const int64_t *shape, fill_fn fill,
                            double a, double b, pr_rng *rng) {
    pr_tensor *t;
    pr_status st = pr__tensor_alloc(&t, dtype, ndim, shape, false);
    if (st) return st;
    if ((st = fill(rng, t, a, b))) {
        pr_tensor_free(t);
        return st;
    }
    *out = t;
    return PR_OK;
}

pr_status pr_tensor_uniform(pr_tensor **out, pr_dtype dtype, int ndim, const int64_t *shape,
                            double lo, double hi, pr_rng *rng) {
    return new_filled(out, dtype, ndim, shape, pr_rng_fill_uniform, lo, hi, rng);
}

pr_status pr_tensor_normal(pr_tensor **out, pr_dtype dtype, int ndim, const int64_t *shape,
                           double mean, double std, pr_rng *rng) {
    return new_filled(out, dtype, ndim, shape, pr_rng_fill_normal, mean, std, rng);
}
