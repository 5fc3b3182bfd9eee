/* Classical models against scikit-learn on the same data (written to .npy files that
 * bench/peer_models.py reads), at the same thread count: least squares on
 * 100,000 x 100, lasso (alpha 0.1) on 5,000 x 500 with 20 true non-zeros, and
 * logistic regression (L-BFGS, tolerance 1e-4 on the gradient of the mean loss, as
 * scikit-learn's) on the standardized digits and on 20,000 x 100 binary data.
 *
 *     build/bench/bench_models [--threads N] [--reps R]
 */
#define BENCH_NAME "bench_models"
#include <math.h>
#include <string.h>

#include "bench/bench.h"

typedef struct workload {
    const char *name;
    pr_estimator_config config;
    pr_tensor *X, *y;
    double seconds, peer;
    double score;
} workload;

static void run_peer(int threads, int reps, const char *dir, workload *w, int n) {
    char args[600];
    snprintf(args, sizeof args, "%s %d", dir, reps);
    bench_peer_times t;
    bench_peer_read(bench_peer_open("sklearn", threads, "peer_models.py", args), &t);
    for (int i = 0; i < n; i++) w[i].peer = bench_peer_seconds(&t, w[i].name);
}

static void save(const char *dir, const char *name, const char *part, const pr_tensor *t) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s_%s.npy", dir, name, part);
    CHECK(pr_npy_write(path, t));
}

int main(int argc, char **argv) {
    pr_blas_restart_preferred(argv); /* as the primer tool: both sides then use the same kernels */
    int threads = 1, reps = 3;
    if (bench_options(argc, argv, "reps", &threads, &reps)) return 2;
    CHECK(pr_set_num_threads(threads));
    const char *dir = "build/bench/models-data";
    if (system("mkdir -p build/bench/models-data") != 0) return 1;
    pr_rng rng;
    pr_rng_seed(&rng, 0);
    workload w[4] = {
        {"least_squares_100000x100", pr_estimator_defaults(PR_EST_LINEAR), NULL, NULL, 0, 0, 0},
        {"lasso_5000x500", pr_estimator_defaults(PR_EST_LASSO), NULL, NULL, 0, 0, 0},
        {"logistic_digits", pr_estimator_defaults(PR_EST_LOGISTIC), NULL, NULL, 0, 0, 0},
        {"logistic_20000x100", pr_estimator_defaults(PR_EST_LOGISTIC), NULL, NULL, 0, 0, 0},
    };
    w[1].config.alpha = 0.1;
    w[2].config.tol = w[3].config.tol = 1e-4;
    /* least squares: y = X w + noise */
    CHECK(pr_tensor_normal(&w[0].X, PR_F64, PR_SHAPE(100000, 100), 0, 1, &rng));
    CHECK(pr_tensor_zeros(&w[0].y, PR_F64, PR_SHAPE(100000)));
    for (int64_t i = 0; i < 100000; i++) {
        double s = 0.5 * pr_rng_normal(&rng);
        for (int64_t j = 0; j < 100; j++) s += pr_tensor_f64(w[0].X)[i * 100 + j] * (double)(j % 7 - 3);
        pr_tensor_f64(w[0].y)[i] = s;
    }
    /* lasso: 20 of 500 weights non-zero */
    CHECK(pr_tensor_normal(&w[1].X, PR_F64, PR_SHAPE(5000, 500), 0, 1, &rng));
    CHECK(pr_tensor_zeros(&w[1].y, PR_F64, PR_SHAPE(5000)));
    for (int64_t i = 0; i < 5000; i++) {
        double s = pr_rng_normal(&rng);
        for (int64_t j = 0; j < 20; j++) s += pr_tensor_f64(w[1].X)[i * 500 + j * 25] * (j % 2 ? 2.0 : -1.5);
        pr_tensor_f64(w[1].y)[i] = s;
    }
    /* the digits, standardised */
    pr_tensor *D, *mean, *scale;
    CHECK(pr_data_digits(&D, &w[2].y));
    CHECK(pr_data_standardize_fit(D, &mean, &scale));
    CHECK(pr_data_standardize(D, mean, scale, &w[2].X));
    /* binary: labels from a noisy linear score */
    CHECK(pr_tensor_normal(&w[3].X, PR_F64, PR_SHAPE(20000, 100), 0, 1, &rng));
    CHECK(pr_tensor_zeros(&w[3].y, PR_F64, PR_SHAPE(20000)));
    for (int64_t i = 0; i < 20000; i++) {
        double s = pr_rng_normal(&rng);
        for (int64_t j = 0; j < 100; j++) s += pr_tensor_f64(w[3].X)[i * 100 + j] * 0.1 * (double)(j % 5 - 2);
        pr_tensor_f64(w[3].y)[i] = s > 0;
    }
    for (int k = 0; k < 4; k++) {
        save(dir, w[k].name, "X", w[k].X);
        save(dir, w[k].name, "y", w[k].y);
        w[k].seconds = INFINITY;
        for (int r = 0; r < reps; r++) {
            pr_estimator *e;
            double t0 = bench_now();
            CHECK(pr_estimator_fit(&e, &w[k].config, w[k].X, w[k].y));
            double dt = bench_now() - t0;
            if (dt < w[k].seconds) w[k].seconds = dt;
            CHECK(pr_estimator_score(e, w[k].X, w[k].y, &w[k].score));
            pr_estimator_free(e);
        }
    }
    pr_backend_info info;
    pr_backend_info_get(&info);
    printf("primer %s, %s, %d thread%s, best of %d; scikit-learn %s\n", pr_version(), info.blas, threads,
           threads > 1 ? "s" : "", reps, "LinearRegression, Lasso, LogisticRegression (lbfgs)");
    run_peer(threads, reps, dir, w, 4);
    printf("%-26s %12s %10s %12s %8s\n", "workload", "primer (ms)", "score", "sklearn (ms)", "ratio");
    for (int k = 0; k < 4; k++) {
        printf("%-26s %12.2f %10.4f", w[k].name, w[k].seconds * 1e3, w[k].score);
        if (w[k].peer > 0) printf(" %12.2f %8.2f\n", w[k].peer * 1e3, w[k].peer / w[k].seconds);
        else printf(" %12s %8s\n", "-", "-");
    }
    printf("(score: R^2 for regression, training accuracy for classification; ratio = sklearn time / primer time)\n");
    for (int k = 0; k < 4; k++) {
        pr_tensor_free(w[k].X);
        pr_tensor_free(w[k].y);
    }
    pr_tensor_free(D);
    pr_tensor_free(mean);
    pr_tensor_free(scale);
    return 0;
}
