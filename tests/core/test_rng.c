/* The seeded generator: reference outputs of the published algorithms
 * (tests/fixtures/rng_reference.py) and the distributions of its draws. */
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "test_util.h"

Test(rng, seeding_is_splitmix64) {
    pr_rng r;
    pr_rng_seed(&r, 0);
    cr_assert_eq(r.s[0], UINT64_C(0xe220a8397b1dcdaf));
    cr_assert_eq(r.s[1], UINT64_C(0x6e789e6aa1b965f4));
    cr_assert_eq(r.s[2], UINT64_C(0x06c45d188009454f));
}

/* Counter-based draws are SplitMix64's sequence read at any position: the same
 * reference outputs as its seeding, in any order. */
Test(rng, counter_draws_are_splitmix64_at_any_position) {
    cr_assert_eq(pr__counter_u64(0, 2), UINT64_C(0x06c45d188009454f));
    cr_assert_eq(pr__counter_u64(0, 0), UINT64_C(0xe220a8397b1dcdaf));
    cr_assert_eq(pr__counter_u64(0, 1), UINT64_C(0x6e789e6aa1b965f4));
    /* a stream is the sequence begun elsewhere: stream s, index i+1 is stream s + gamma, index i */
    cr_assert_eq(pr__counter_u64(UINT64_C(0x9E3779B97F4A7C15), 0), UINT64_C(0x6e789e6aa1b965f4));
    const int n = 200000;
    double s = 0, s2 = 0, u_sum = 0;
    for (int i = 0; i < n; i++) {
        double z = pr__counter_normal(42, (uint64_t)i), u = pr__counter_uniform(7, (uint64_t)i);
        cr_assert(u >= 0 && u < 1);
        s += z;
        s2 += z * z;
        u_sum += u;
    }
    assert_near(s / n, 0, 0.015);
    assert_near(s2 / n, 1, 0.02);
    assert_near(u_sum / n, 0.5, 0.005);
}

Test(rng, xoshiro256starstar_reference_outputs) {
    pr_rng r = {.s = {1, 2, 3, 4}};
    const uint64_t expected[] = {UINT64_C(0x0000000000002d00), UINT64_C(0x0000000000000000),
                                 UINT64_C(0x000000005a007080), UINT64_C(0x10e0000000009d80),
                                 UINT64_C(0x10e0b61ce1009d80), UINT64_C(0x0870021ce143ad00)};
    for (int i = 0; i < 6; i++) cr_assert_eq(pr_rng_next_u64(&r), expected[i], "output %d", i);
    pr_rng_seed(&r, 42);
    const uint64_t seeded[] = {UINT64_C(0x15780b2e0c2ec716), UINT64_C(0x6104d9866d113a7e),
                               UINT64_C(0xae17533239e499a1), UINT64_C(0xecb8ad4703b360a1)};
    for (int i = 0; i < 4; i++) cr_assert_eq(pr_rng_next_u64(&r), seeded[i], "seed 42 output %d", i);
}

Test(rng, same_seed_same_bits) {
    pr_rng a, b;
    pr_rng_seed(&a, 7);
    pr_rng_seed(&b, 7);
    pr_tensor *t;
    assert_ok(pr_tensor_normal(&t, PR_F64, PR_SHAPE(100), 0, 1, &a));
    for (int i = 0; i < 100; i++) cr_assert_eq(pr_tensor_get(t, i), pr_rng_normal(&b), "draw %d", i);
    pr_tensor_free(t);
}

Test(rng, uniform_moments) {
    pr_rng r;
    pr_rng_seed(&r, 1);
    const int n = 200000;
    double s = 0, s2 = 0;
    for (int i = 0; i < n; i++) {
        double u = pr_rng_uniform(&r);
        cr_assert(u >= 0 && u < 1);
        s += u;
        s2 += u * u;
    }
    double mean = s / n, var = s2 / n - mean * mean;
    /* standard errors: sqrt(1/12/n) = 6.5e-4 for the mean; tolerances are ~6 of them */
    assert_near(mean, 0.5, 4e-3);
    assert_near(var, 1.0 / 12, 2e-3);
}

Test(rng, normal_moments) {
    pr_rng r;
    pr_rng_seed(&r, 2);
    const int n = 200000;
    double s = 0, s2 = 0, s4 = 0;
    for (int i = 0; i < n; i++) {
        double z = pr_rng_normal(&r);
        s += z;
        s2 += z * z;
        s4 += z * z * z * z;
    }
    assert_near(s / n, 0, 0.015);
    assert_near(s2 / n, 1, 0.02);
    assert_near(s4 / n, 3, 0.1); /* the fourth moment of N(0,1) */
}

Test(rng, below_is_unbiased_over_a_small_range) {
    pr_rng r;
    pr_rng_seed(&r, 3);
    int counts[6] = {0};
    for (int i = 0; i < 60000; i++) counts[pr_rng_below(&r, 6)]++;
    for (int k = 0; k < 6; k++) assert_near(counts[k], 10000, 600); /* sd ~ 91 */
}

Test(rng, bernoulli_frequency) {
    pr_rng r;
    pr_rng_seed(&r, 4);
    pr_tensor *t;
    assert_ok(pr_tensor_zeros(&t, PR_I32, PR_SHAPE(100000)));
    assert_ok(pr_rng_fill_bernoulli(&r, t, 0.3));
    double s;
    assert_ok(pr_reduce_all(PR_SUM, t, 0, &s));
    assert_near(s / 100000, 0.3, 0.01);
    assert_fails(pr_rng_fill_bernoulli(&r, t, 1.5), PR_ERR_INVALID, "outside [0, 1]");
    pr_tensor_free(t);
}

Test(rng, permutation_and_sampling) {
    pr_rng r;
    pr_rng_seed(&r, 5);
    int64_t p[50], s[20];
    pr_rng_permutation(&r, 50, p);
    int seen[50] = {0};
    for (int i = 0; i < 50; i++) seen[p[i]]++;
    for (int i = 0; i < 50; i++) cr_assert_eq(seen[i], 1, "%d appears once", i);
    assert_ok(pr_rng_sample_without_replacement(&r, 1000, 20, s));
    for (int i = 0; i < 20; i++) {
        cr_assert(s[i] >= 0 && s[i] < 1000);
        for (int j = 0; j < i; j++) cr_assert_neq(s[i], s[j], "distinct draws");
    }
    assert_fails(pr_rng_sample_without_replacement(&r, 3, 4, s), PR_ERR_INVALID, "cannot draw 4 of 3");
}

Test(rng, jump_gives_a_different_stream) {
    pr_rng a, b;
    pr_rng_seed(&a, 9);
    b = a;
    pr_rng_jump(&b);
    int equal = 0;
    for (int i = 0; i < 1000; i++) equal += pr_rng_next_u64(&a) == pr_rng_next_u64(&b);
    cr_assert_eq(equal, 0);
}

Test(rng, float32_uniform_stays_below_hi) {
    pr_rng r;
    pr_rng_seed(&r, 6);
    pr_tensor *t;
    assert_ok(pr_tensor_uniform(&t, PR_F32, PR_SHAPE(100000), 1.0, 1.0000001, &r));
    for (int64_t i = 0; i < t->size; i++) cr_assert(pr_tensor_f32(t)[i] < 1.0000001f);
    pr_tensor *bad = NULL;
    assert_fails(pr_tensor_uniform(&bad, PR_F64, PR_SHAPE(2), 1, 1, &r), PR_ERR_INVALID, "lo < hi");
    pr_tensor_free(t);
}

/* NumPy's legacy generator, against what NumPy drew (tests/fixtures/make_book_fixtures.py). */
Test(rng, numpy_legacy_generator_matches_numpy_bit_for_bit) {
    const uint32_t seeds[] = {0, 42, 4294967295u};
    for (int s = 0; s < 3; s++) {
        char name[64];
        pr_numpy_rng r;
        snprintf(name, sizeof name, "book/numpy_uniform_%u.npy", seeds[s]);
        pr_tensor *u = load_fixture(name);
        pr_numpy_rng_seed(&r, seeds[s]);
        for (int64_t i = 0; i < u->size; i++)
            cr_assert_eq(pr_numpy_rng_uniform(&r), pr_tensor_f64(u)[i], "seed %u: uniform %lld", seeds[s], (long long)i);
        snprintf(name, sizeof name, "book/numpy_normal_%u.npy", seeds[s]);
        pr_tensor *n = load_fixture(name);
        pr_numpy_rng_seed(&r, seeds[s]);
        for (int64_t i = 0; i < n->size; i++)
            cr_assert_eq(pr_numpy_rng_normal(&r), pr_tensor_f64(n)[i], "seed %u: normal %lld", seeds[s], (long long)i);
        snprintf(name, sizeof name, "book/numpy_permutation_%u.npy", seeds[s]);
        pr_tensor *p = load_fixture(name);
        int64_t got[1000];
        pr_numpy_rng_seed(&r, seeds[s]);
        pr_numpy_rng_permutation(&r, 1000, got);
        for (int64_t i = 0; i < 1000; i++) cr_assert_eq(got[i], pr_tensor_i64(p)[i], "seed %u: permutation %lld", seeds[s], (long long)i);
        pr_tensor_free(u);
        pr_tensor_free(n);
        pr_tensor_free(p);
    }
    pr_tensor *raw = load_fixture("book/numpy_u32_42.npy");
    pr_numpy_rng r;
    pr_numpy_rng_seed(&r, 42);
    for (int64_t i = 0; i < raw->size; i++) cr_assert_eq((int64_t)pr_numpy_rng_next_u32(&r), pr_tensor_i64(raw)[i], "output %lld", (long long)i);
    /* tensors fill in row-major order, as randn(*shape) * std + mean */
    pr_tensor *t, *n = load_fixture("book/numpy_normal_42.npy");
    assert_ok(pr_tensor_zeros(&t, PR_F64, PR_SHAPE(3, 4)));
    pr_numpy_rng_seed(&r, 42);
    assert_ok(pr_numpy_rng_fill_normal(&r, t, 1, 2));
    for (int i = 0; i < 12; i++) assert_near(pr_tensor_get(t, i), 1 + 2 * pr_tensor_f64(n)[i], 0);
    pr_tensor_free(t);
    pr_tensor_free(n);
    pr_tensor_free(raw);
}
