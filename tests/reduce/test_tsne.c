/* t-SNE: affinities and KL against scikit-learn's own functions (fixtures), the exact
 * gradient against finite differences, Barnes-Hut at theta 0 against exact, the
 * embedding of the digits against scikit-learn's trustworthiness, bad input. */
#include <stdlib.h>
#include <string.h>

#include "reduce/reduce_internal.h"
#include "test_util.h"

Test(tsne, joint_probabilities_match_scikit_learn) {
    pr_tensor *X = load_fixture("reduce/tsne_X.npy"), *Pref = load_fixture("reduce/tsne_P.npy");
    int64_t n = X->shape[0], d = X->shape[1];
    pr_tensor *D2;
    assert_ok(pr_tensor_zeros(&D2, PR_F64, PR_SHAPE(n, n)));
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < n; j++) {
            double s = 0;
            for (int64_t c = 0; c < d; c++) {
                double v = pr_tensor_get(X, i * d + c) - pr_tensor_get(X, j * d + c);
                s += v * v;
            }
            pr_tensor_set(D2, i * n + j, s);
        }
    pr_tensor *P;
    assert_ok(pr_tsne_joint_probabilities(D2, 5.0, &P));
    /* scikit-learn computes in float32 distances: agreement to about 1e-6 relative */
    assert_tensor_close(P, Pref, 2e-5, 1e-12, "P");
    double sum = 0;
    for (int64_t i = 0; i < P->size; i++) sum += pr_tensor_get(P, i);
    assert_near(sum, 1, 1e-9);
    pr_tensor_free(X);
    pr_tensor_free(Pref);
    pr_tensor_free(D2);
    pr_tensor_free(P);
}

Test(tsne, kl_and_gradient_match_scikit_learn) {
    pr_tensor *P = load_fixture("reduce/tsne_P.npy"), *Y = load_fixture("reduce/tsne_Y.npy");
    pr_tensor *kl_ref = load_fixture("reduce/tsne_kl.npy"), *g_ref = load_fixture("reduce/tsne_grad.npy"), *G;
    double kl;
    assert_ok(pr_tsne_kl_divergence(P, Y, &kl, &G));
    assert_near(kl, pr_tensor_get(kl_ref, 0), 1e-10);
    assert_tensor_close(G, g_ref, 1e-9, 1e-12, "gradient");
    pr_tensor_free(P);
    pr_tensor_free(Y);
    pr_tensor_free(kl_ref);
    pr_tensor_free(g_ref);
    pr_tensor_free(G);
}

/* The gradient is that of the KL: central differences in 1, 2 and 3 dimensions (the
 * 3-D embedding has 2 degrees of freedom, so the general formula is checked too). */
Test(tsne, gradient_against_finite_differences) {
    pr_tensor *P = load_fixture("reduce/tsne_P.npy");
    int64_t n = P->shape[0];
    for (int d = 1; d <= 3; d++) {
        pr_rng rng;
        pr_rng_seed(&rng, (uint64_t)d);
        pr_tensor *Y, *G;
        assert_ok(pr_tensor_normal(&Y, PR_F64, PR_SHAPE(n, d), 0, 1, &rng));
        double kl, lo, hi, h = 1e-6;
        assert_ok(pr_tsne_kl_divergence(P, Y, &kl, &G));
        for (int64_t q = 0; q < n * d; q += 7) {
            double y0 = pr_tensor_get(Y, q);
            pr_tensor_set(Y, q, y0 + h);
            assert_ok(pr_tsne_kl_divergence(P, Y, &hi, NULL));
            pr_tensor_set(Y, q, y0 - h);
            assert_ok(pr_tsne_kl_divergence(P, Y, &lo, NULL));
            pr_tensor_set(Y, q, y0);
            double fd = (hi - lo) / (2 * h);
            cr_assert(fabs(fd - pr_tensor_get(G, q)) <= 1e-6 + 1e-5 * fabs(fd), "d = %d, entry %lld: analytic %.10g, numeric %.10g",
                      d, (long long)q, pr_tensor_get(G, q), fd);
        }
        pr_tensor_free(Y);
        pr_tensor_free(G);
    }
    pr_tensor_free(P);
}

Test(tsne, trustworthiness_matches_scikit_learn) {
    pr_tensor *X = load_fixture("reduce/tsne_X.npy"), *Y = load_fixture("reduce/tsne_Y.npy");
    pr_tensor *ref = load_fixture("reduce/tsne_trustworthiness_k5.npy");
    double t;
    assert_ok(pr_trustworthiness(X, Y, 5, &t));
    assert_near(t, pr_tensor_get(ref, 0), 1e-12);
    assert_ok(pr_trustworthiness(X, X, 5, &t));
    assert_near(t, 1, 1e-15); /* X is perfectly trustworthy as its own embedding */
    assert_fails(pr_trustworthiness(X, Y, 15, &t), PR_ERR_INVALID, "below m / 2");
    pr_tensor_free(X);
    pr_tensor_free(Y);
    pr_tensor_free(ref);
}

Test(tsne, nearest_neighbors_against_brute_force) {
    pr_tensor *X = load_fixture("reduce/tsne_X.npy");
    int64_t n = X->shape[0], d = X->shape[1], k = 4, idx[30 * 4];
    double dist[30 * 4];
    assert_ok(pr_nearest_neighbors(X, k, idx, dist));
    for (int64_t i = 0; i < n; i++) {
        /* the k-th distance is the k-th smallest of all */
        double all[30];
        for (int64_t j = 0; j < n; j++) {
            all[j] = 0;
            for (int64_t c = 0; c < d; c++) {
                double v = pr_tensor_get(X, i * d + c) - pr_tensor_get(X, j * d + c);
                all[j] += v * v;
            }
        }
        for (int64_t q = 0; q < k; q++) {
            int64_t closer = 0;
            for (int64_t j = 0; j < n; j++) closer += j != i && all[j] < dist[i * k + q];
            cr_assert_eq(closer, q, "row %lld: neighbour %lld has %lld closer points", (long long)i, (long long)q, (long long)closer);
            assert_near(dist[i * k + q], all[idx[i * k + q]], 1e-12);
            cr_assert_neq(idx[i * k + q], i);
        }
    }
    pr_tensor_free(X);
}

static int stop_at_100(void *ctx, int iteration, double kl) {
    (void)ctx;
    cr_assert(isfinite(kl));
    return iteration >= 100;
}

Test(tsne, progress_reports_and_stops) {
    pr_tensor *X = load_fixture("reduce/tsne_X.npy"), *Y;
    pr_tsne_config c = PR_TSNE_DEFAULTS;
    c.perplexity = 5;
    c.progress = stop_at_100;
    pr_tsne_info info;
    assert_ok(pr_tsne(&c, X, &Y, &info));
    cr_assert_eq(info.iterations, 100);
    cr_assert(isfinite(info.kl) && info.kl > 0);
    pr_tensor_free(X);
    pr_tensor_free(Y);
}

static int count_calls(void *ctx, int iteration, double kl) {
    (void)kl;
    int *calls = ctx;
    calls[0]++;
    calls[1] = iteration;
    return 0;
}

/* With every pair among the neighbours (k = n - 1) and theta = 0, Barnes-Hut opens
 * every cell: the same gradients as the exact method, so the same run (over 20
 * iterations: t-SNE's dynamics amplify rounding differences, from 1e-16 after 4
 * iterations to 1e-9 after 20 and 1e-3 after 40). */
Test(tsne, barnes_hut_at_theta_zero_is_exact) {
    pr_tensor *X = load_fixture("reduce/tsne_X.npy"), *Ye, *Yb;
    pr_tsne_config c = PR_TSNE_DEFAULTS;
    c.perplexity = 10; /* 3 * 10 + 1 >= 29 neighbours: all of them */
    c.exaggeration_iter = 10;
    c.max_iter = 20;
    c.theta = 0;
    c.method = PR_TSNE_EXACT;
    pr_tsne_info ie, ib;
    assert_ok(pr_tsne(&c, X, &Ye, &ie));
    c.method = PR_TSNE_BARNES_HUT;
    int calls[2] = {0, 0};
    c.progress = count_calls;
    c.progress_ctx = calls;
    assert_ok(pr_tsne(&c, X, &Yb, &ib));
    assert_tensor_close(Yb, Ye, 1e-6, 1e-9, "Barnes-Hut at theta 0 vs exact");
    assert_near(ib.kl, ie.kl, 1e-6);
    cr_assert_eq(ib.iterations, ie.iterations);
    cr_assert(calls[0] == 1 && calls[1] == 20, "progress: %d calls, last at %d", calls[0], calls[1]);
    pr_tensor_free(X);
    pr_tensor_free(Ye);
    pr_tensor_free(Yb);
}

/* The FFT-interpolated repulsion against the direct sums over every pair, for
 * embeddings from a tiny one (the start of a run) to one 160 units wide (the end of a
 * large one), 2000 points in two clusters. The stated tolerance, that of FIt-SNE's
 * grid (3 nodes per box and axis, a box per unit of the embedding) with a
 * single-precision FFT: the normaliser Σ w to 1% relative, the forces to 6% (RMS,
 * relative) and each to 15% of the largest (measured, PRIMER_TEST_VERBOSE=1 prints
 * them: 5e-8, 2e-7 and 4e-7 for the tiny embedding; 0.5%, 4% and 9% for the widest;
 * a finer grid converges as the cube of the box, so the error is the interpolation's). */
Test(tsne, fft_repulsion_against_direct_sums) {
    enum { N = 2000 };
    static double Y[2 * N], neg[2 * N], point_sum[N];
    const double scales[] = {1e-3, 1, 5, 20};
    for (int t = 0; t < 4; t++) {
        pr_rng rng;
        pr_rng_seed(&rng, (uint64_t)t);
        for (int q = 0; q < 2 * N; q++) Y[q] = scales[t] * (pr_rng_normal(&rng) + (q % 4 < 2 ? -1.5 : 1.5));
        pr__fft_repulsion *f;
        assert_ok(pr__fft_repulsion_new(N, &f));
        double sum_w = 0, z = 0, err2 = 0, force2 = 0, err = 0, big = 0;
        assert_ok(pr__fft_repulsion_run(f, NULL, Y, N, neg, point_sum));
        for (int i = 0; i < N; i++) sum_w += point_sum[i];
        for (int i = 0; i < N; i++) {
            double fx = 0, fy = 0;
            for (int j = 0; j < N; j++) {
                if (j == i) continue;
                double dx = Y[2 * i] - Y[2 * j], dy = Y[2 * i + 1] - Y[2 * j + 1], w = 1 / (1 + dx * dx + dy * dy);
                z += w;
                fx += w * w * dx;
                fy += w * w * dy;
            }
            double ex = neg[2 * i] - fx, ey = neg[2 * i + 1] - fy;
            err2 += ex * ex + ey * ey;
            force2 += fx * fx + fy * fy;
            err = fmax(err, fmax(fabs(ex), fabs(ey)));
            big = fmax(big, fmax(fabs(fx), fabs(fy)));
        }
        double rms = sqrt(err2 / force2);
        cr_assert(fabs(sum_w - z) <= 1e-2 * z, "scale %g: normaliser %.10g, direct %.10g", scales[t], sum_w, z);
        cr_assert(rms <= 0.06, "scale %g: forces off by %.3g (RMS, relative)", scales[t], rms);
        cr_assert(err <= 0.15 * big, "scale %g: force error %g of the largest %g", scales[t], err, big);
        if (getenv("PRIMER_TEST_VERBOSE"))
            cr_log_info("scale %g: normaliser %.2e relative, forces %.2e RMS relative, worst %.2e of the largest",
                        scales[t], fabs(sum_w - z) / z, rms, err / big);
        pr__fft_repulsion_free(f);
    }
}

/* The digits by the FFT method: a map as trustworthy as scikit-learn's Barnes-Hut one. */
Test(tsne, fft_digits_embedding, .timeout = 480) { /* minutes under the sanitizers */
    pr_tensor *X, *Y, *ref = load_fixture("reduce/digits_sklearn_tsne.npy");
    assert_ok(pr_data_digits(&X, NULL));
    pr_tsne_config c = PR_TSNE_DEFAULTS;
    c.method = PR_TSNE_FFT;
    pr_tsne_info info;
    assert_ok(pr_tsne(&c, X, &Y, &info));
    cr_assert_eq(info.method, PR_TSNE_FFT);
    double t;
    assert_ok(pr_trustworthiness(X, Y, 10, &t));
    cr_assert(t >= pr_tensor_get(ref, 0) - 2e-3, "trustworthiness %.5f, scikit-learn %.5f", t, pr_tensor_get(ref, 0));
    cr_assert(info.kl <= pr_tensor_get(ref, 1) + 0.05, "KL %.4f, scikit-learn %.4f", info.kl, pr_tensor_get(ref, 1));
    pr_tensor_free(X);
    pr_tensor_free(Y);
    pr_tensor_free(ref);
}

/* The digits (1797 x 64), scikit-learn's defaults: at least scikit-learn's
 * trustworthiness (k = 10) and a KL no higher than its own by more than 0.05. */
Test(tsne, digits_embedding_as_good_as_scikit_learn, .timeout = 120) {
    pr_tensor *X, *y, *Y, *ref = load_fixture("reduce/digits_sklearn_tsne.npy");
    assert_ok(pr_data_digits(&X, &y));
    pr_tsne_config c = PR_TSNE_DEFAULTS;
    pr_tsne_info info;
    assert_ok(pr_tsne(&c, X, &Y, &info));
    cr_assert_eq(info.method, PR_TSNE_BARNES_HUT);
    assert_near(info.learning_rate, 50, 0); /* auto: max(1797 / 12 / 4, 50) */
    double t;
    assert_ok(pr_trustworthiness(X, Y, 10, &t));
    cr_assert(t >= pr_tensor_get(ref, 0) - 1e-3, "trustworthiness %.5f, scikit-learn %.5f", t, pr_tensor_get(ref, 0));
    cr_assert(info.kl <= pr_tensor_get(ref, 1) + 0.05, "KL %.4f, scikit-learn %.4f", info.kl, pr_tensor_get(ref, 1));
    /* the same seed, the same embedding */
    pr_tensor *Y2;
    c.max_iter = 300;
    pr_tensor_free(Y);
    assert_ok(pr_tsne(&c, X, &Y, NULL));
    assert_ok(pr_tsne(&c, X, &Y2, NULL));
    assert_tensor_close(Y2, Y, 0, 0, "a second run");
    pr_tensor_free(X);
    pr_tensor_free(y);
    pr_tensor_free(Y);
    pr_tensor_free(Y2);
    pr_tensor_free(ref);
}

/* The gradient's points are split over the pool, each point's sums kept apart and
 * added in point order: the same embedding, to the bit, at 1, 2 and 3 threads, for
 * every gradient method (the first 600 digits, 300 iterations). */
Test(tsne, the_same_embedding_at_any_thread_count, .timeout = 120) {
    pr_tensor *all, *X;
    assert_ok(pr_data_digits(&all, NULL));
    assert_ok(pr_tensor_rows(all, 0, 600, &X));
    pr_threads *pools[3] = {NULL, NULL, NULL};
    assert_ok(pr_threads_new(&pools[1], 2));
    assert_ok(pr_threads_new(&pools[2], 3));
    for (int m = PR_TSNE_EXACT; m <= PR_TSNE_FFT; m++) {
        pr_tsne_config c = PR_TSNE_DEFAULTS;
        c.method = (pr_tsne_method)m;
        c.max_iter = 300;
        pr_tensor *Y[3];
        pr_tsne_info info[3];
        for (int p = 0; p < 3; p++) {
            c.threads = pools[p];
            assert_ok(pr_tsne(&c, X, &Y[p], &info[p]));
        }
        for (int p = 1; p < 3; p++) {
            cr_assert_eq(info[p].kl, info[0].kl, "%s: KL %.17g at %d threads, %.17g at 1", pr_tsne_method_name(c.method),
                         info[p].kl, p + 1, info[0].kl);
            assert_tensor_close(Y[p], Y[0], 0, 0, pr_tsne_method_name(c.method));
        }
        for (int p = 0; p < 3; p++) pr_tensor_free(Y[p]);
    }
    pr_threads_free(pools[1]);
    pr_threads_free(pools[2]);
    pr_tensor_free(all);
    pr_tensor_free(X);
}

Test(tsne, duplicate_points_embed_without_nan) {
    pr_tensor *X = load_fixture("reduce/tsne_X.npy"), *Y;
    for (int64_t c = 0; c < 5; c++) pr_tensor_set(X, 1 * 5 + c, pr_tensor_get(X, c)); /* row 1 = row 0 */
    pr_tsne_config c = PR_TSNE_DEFAULTS;
    c.perplexity = 5;
    c.max_iter = 300;
    for (int m = PR_TSNE_EXACT; m <= PR_TSNE_BARNES_HUT; m++) {
        c.method = (pr_tsne_method)m;
        assert_ok(pr_tsne(&c, X, &Y, NULL));
        assert_ok(pr_tensor_check_finite(Y, "embedding"));
        pr_tensor_free(Y);
    }
    pr_tensor_free(X);
}

Test(tsne, bad_input) {
    pr_tensor *X = load_fixture("reduce/tsne_X.npy"), *Y, *small = T64(PR_SHAPE(3, 2), 1, 2, 3, 4, 5, 6);
    pr_tensor *same = T64(PR_SHAPE(5, 2), 1, 1, 1, 1, 1, 1, 1, 1, 1, 1);
    pr_tsne_config c = PR_TSNE_DEFAULTS;
    assert_fails(pr_tsne(&c, X, &Y, NULL), PR_ERR_INVALID, "perplexity (30) must be at least 1 and below the number of points (30)");
    c.perplexity = 2;
    assert_fails(pr_tsne(&c, small, &Y, NULL), PR_ERR_INVALID, "at least 4 points");
    assert_fails(pr_tsne(&c, same, &Y, NULL), PR_ERR_INVALID, "every row of X is the same point");
    c.method = PR_TSNE_BARNES_HUT;
    c.n_components = 3;
    assert_fails(pr_tsne(&c, X, &Y, NULL), PR_ERR_INVALID, "Barnes-Hut (a quadtree) embeds in 2 dimensions");
    c = PR_TSNE_DEFAULTS;
    c.perplexity = 5;
    c.max_iter = 200;
    assert_fails(pr_tsne(&c, X, &Y, NULL), PR_ERR_INVALID, "must exceed the exaggerated iterations");
    pr_tensor_set(X, 7, NAN);
    c.max_iter = 1000;
    assert_fails(pr_tsne(&c, X, &Y, NULL), PR_ERR_NONFINITE, "row 1, column 2");
    pr_tsne_method m;
    assert_fails(pr_tsne_method_parse("fast", &m), PR_ERR_INVALID, "auto, exact, barnes-hut or fft");
    pr_tensor_free(X);
    pr_tensor_free(small);
    pr_tensor_free(same);
}
