/* Dimensionality reduction against scikit-learn on the same data, at the same thread
 * count (issue W8 and W9):
 *   W8  t-SNE, perplexity 30, 1000 iterations (250 exaggerated 12x), PCA
 *       initialisation, Barnes-Hut, on the digits (1797 x 64) and on 5000 points of
 *       10 Gaussian blobs in 50-D (make_blobs, random_state 0): seconds, KL and
 *       trustworthiness (k = 10) of both;
 *   W9  PCA of 10000 x 256 float64 with a decaying spectrum, k = 10, full and
 *       randomized (7 power iterations, 10 oversamples): seconds and the explained
 *       variance of both.
 *
 *     build/bench/bench_reduce [--threads N] [--reps R]
 */
#define BENCH_NAME "bench_reduce"
#include <math.h>

#include "bench/bench.h"

static double time_tsne(const pr_tensor *X, pr_threads *pool, pr_tsne_info *info, double *trust) {
    pr_tsne_config c = PR_TSNE_DEFAULTS;
    c.method = PR_TSNE_BARNES_HUT;
    c.threads = pool;
    pr_tensor *Y;
    double t0 = bench_now();
    CHECK(pr_tsne(&c, X, &Y, info));
    double s = bench_now() - t0;
    CHECK(pr_trustworthiness(X, Y, 10, trust));
    pr_tensor_free(Y);
    return s;
}

static double time_pca(const pr_tensor *X, pr_pca_solver solver, int reps, double *ratio) {
    pr_pca_config c = PR_PCA_DEFAULTS;
    c.n_components = 10;
    c.solver = solver;
    double best = INFINITY;
    for (int r = 0; r < reps; r++) {
        pr_pca *p;
        double t0 = bench_now();
        CHECK(pr_pca_fit(&p, &c, X));
        double s = bench_now() - t0;
        best = s < best ? s : best;
        *ratio = 0;
        for (int k = 0; k < 10; k++) *ratio += pr_tensor_get(pr_pca_explained_variance(p), k) / pr_pca_total_variance(p);
        pr_pca_free(p);
    }
    return best;
}

int main(int argc, char **argv) {
    pr_blas_restart_preferred(argv);
    int threads = 1, reps = 3;
    if (bench_options(argc, argv, "reps", &threads, &reps)) return 2;
    CHECK(pr_set_num_threads(threads));
    pr_threads *pool;
    CHECK(pr_threads_new(&pool, threads));
    char dirbuf[32];
    const char *dir = bench_temp_dir(dirbuf);
    if (!dir) return 1;
    /* the data: the digits, make_blobs (written by the peer, so it is scikit-learn's own),
     * and 10000 x 256 Gaussian data times a decaying spectrum 0.9^j */
    pr_tensor *digits, *blobs = NULL, *A, *X;
    CHECK(pr_data_digits(&digits, NULL));
    bench_save_npy(dir, "digits.npy", digits);
    char cmd[512], path[512];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s/peer_reduce.py --make-blobs %s 2>/dev/null",
             getenv("PRIMER_BENCH_DIR") ? getenv("PRIMER_BENCH_DIR") : "bench", dir);
    int have_blobs = system(cmd) == 0;
    snprintf(path, sizeof path, "%s/blobs.npy", dir);
    if (have_blobs) CHECK(pr_npy_read(path, NULL, &blobs));
    else printf("scikit-learn not installed: no blobs (make_blobs) and no ratios\n");
    pr_rng rng;
    pr_rng_seed(&rng, 0);
    CHECK(pr_tensor_normal(&A, PR_F64, PR_SHAPE(10000, 256), 0, 1, &rng));
    CHECK(pr_tensor_copy(A, &X));
    for (int64_t i = 0; i < 10000; i++)
        for (int64_t j = 0; j < 256; j++) pr_tensor_f64(X)[i * 256 + j] = pr_tensor_f64(A)[i * 256 + j] * pow(0.9, (double)j);
    bench_save_npy(dir, "pca.npy", X);

    char args[64];
    snprintf(args, sizeof args, "%s %d", dir, threads);
    bench_peer_times peer;
    bench_peer_read(have_blobs ? bench_peer_open("sklearn", threads, "peer_reduce.py", args) : NULL, &peer);

    printf("bench_reduce: %d thread(s); scikit-learn at the same count\n", threads);
    printf("W8 t-SNE (Barnes-Hut, perplexity 30, 1000 iterations, PCA init)\n");
    const char *names[2] = {"digits", "blobs"};
    const pr_tensor *sets[2] = {digits, blobs};
    for (int k = 0; k < 2 && sets[k]; k++) {
        pr_tsne_info info;
        double trust, s = time_tsne(sets[k], pool, &info, &trust);
        char key[64];
        snprintf(key, sizeof key, "tsne_%s", names[k]);
        double ps = bench_peer_seconds(&peer, key);
        snprintf(key, sizeof key, "tsne_%s_kl", names[k]);
        double pkl = bench_peer_seconds(&peer, key);
        snprintf(key, sizeof key, "tsne_%s_trust", names[k]);
        double ptrust = bench_peer_seconds(&peer, key);
        printf("  %-7s %5lld x %-3lld primer %6.2f s (KL %.4f, trustworthiness %.5f)", names[k],
               (long long)sets[k]->shape[0], (long long)sets[k]->shape[1], s, info.kl, trust);
        if (ps > 0) printf("   scikit-learn %6.2f s (KL %.4f, trustworthiness %.5f)   %.2fx faster", ps, pkl, ptrust, ps / s);
        printf("\n");
    }
    printf("W9 PCA of 10000 x 256, k = 10 (best of %d)\n", reps);
    const char *solver_names[2] = {"full", "randomized"};
    const pr_pca_solver solvers[2] = {PR_PCA_AUTO, PR_PCA_RANDOMIZED};
    for (int k = 0; k < 2; k++) {
        double ratio, s = time_pca(X, solvers[k], reps, &ratio);
        char key[64];
        snprintf(key, sizeof key, "pca_%s", solver_names[k]);
        double ps = bench_peer_seconds(&peer, key);
        snprintf(key, sizeof key, "pca_%s_ratio", solver_names[k]);
        double pratio = bench_peer_seconds(&peer, key);
        printf("  %-10s primer %7.4f s (explained %.6f)", solver_names[k], s, ratio);
        if (ps > 0) printf("   scikit-learn %7.4f s (explained %.6f)   %.2fx faster", ps, pratio, ps / s);
        printf("\n");
    }
    pr_tensor_free(digits);
    pr_tensor_free(blobs);
    pr_tensor_free(A);
    pr_tensor_free(X);
    pr_threads_free(pool);
    return bench_remove_dir(dir);
}
