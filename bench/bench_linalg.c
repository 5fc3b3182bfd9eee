/* Linear-algebra throughput: primer's BLAS/LAPACK path against the reference
 * matmul and, when python3-numpy is installed, against NumPy on the same
 * workloads with the same thread count.
 *
 *   build/bench/bench_linalg [--threads N] [--reps R]
 *
 * Prints each workload's best time over R repetitions and ratio = NumPy time /
 * primer time (above 1: primer is faster). */
#define _POSIX_C_SOURCE 200809L
#define BENCH_NAME "bench_linalg"
#include "bench.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct workload {
    const char *name;
    double flops;   /* for GFLOP/s; 0 when not meaningful */
    double seconds; /* primer's best */
    double peer;    /* NumPy's best, 0 if not measured */
} workload;

static pr_rng rng;

static pr_tensor *normal(int64_t m, int64_t n) {
    pr_tensor *t;
    CHECK(pr_tensor_normal(&t, PR_F64, PR_SHAPE(m, n), 0, 1, &rng));
    return t;
}

/* Time `body` (a statement using the tensors set up before) `reps` times. */
#define BEST_OF(reps, result, body)                        \
    do {                                                   \
        result = 1e300;                                    \
        for (int r_ = 0; r_ < (reps); r_++) {              \
            double t0_ = bench_now();                            \
            body;                                          \
            double dt_ = bench_now() - t0_;                      \
            if (dt_ < result) result = dt_;                \
        }                                                  \
    } while (0)

static void run_peer(int threads, int reps, workload *w, int n) {
    char args[32];
    snprintf(args, sizeof args, "%d", reps);
    bench_peer_times t;
    bench_peer_read(bench_peer_open("numpy", threads, "peer_linalg.py", args), &t);
    for (int i = 0; i < n; i++) w[i].peer = bench_peer_seconds(&t, w[i].name);
}

int main(int argc, char **argv) {
    pr_blas_restart_preferred(argv); /* as the primer tool: both sides then use the same kernels */
    int threads = 1, reps = 5;
    if (bench_options(argc, argv, "reps", &threads, &reps)) return 2;
    CHECK(pr_set_num_threads(threads));
    pr_rng_seed(&rng, 0);
    pr_backend_info info;
    pr_backend_info_get(&info);
    printf("primer %s, %s, %d thread%s, best of %d\n", pr_version(), info.blas, threads, threads > 1 ? "s" : "",
           reps);

    workload w[5] = {{"matmul_512", 2.0 * 512 * 512 * 512, 0, 0},
                     {"solve_1000", 2.0 / 3 * 1e9, 0, 0},
                     {"svd_500x300", 0, 0, 0},
                     {"eigh_400", 0, 0, 0},
                     {"lstsq_2000x100", 0, 0, 0}};
    pr_tensor *A = normal(512, 512), *B = normal(512, 512), *C = NULL;
    BEST_OF(reps, w[0].seconds, { pr_tensor_free(C); CHECK(pr_matmul(A, B, &C)); });
    /* the reference triple loop on the same product, once */
    pr_tensor *R = NULL;
    double ref;
    BEST_OF(1, ref, CHECK(pr_matmul_reference(A, B, &R)));

    pr_tensor *S = normal(1000, 1000), *b, *x = NULL, *I;
    CHECK(pr_tensor_eye(&I, PR_F64, 1000));
    for (int64_t i = 0; i < 1000; i++) pr_tensor_set(S, i * 1000 + i, pr_tensor_get(S, i * 1000 + i) + 1000);
    CHECK(pr_tensor_normal(&b, PR_F64, PR_SHAPE(1000), 0, 1, &rng));
    BEST_OF(reps, w[1].seconds, { pr_tensor_free(x); x = NULL; CHECK(pr_solve(S, b, &x)); });

    pr_tensor *T = normal(500, 300), *U = NULL, *Sv = NULL, *Vt = NULL;
    BEST_OF(reps, w[2].seconds, {
        pr_tensor_free(U);
        pr_tensor_free(Sv);
        pr_tensor_free(Vt);
        CHECK(pr_svd(T, PR_SVD_THIN, &U, &Sv, &Vt));
    });

    pr_tensor *M = normal(400, 400), *P, *ew = NULL, *ev = NULL;
    CHECK(pr_gram(M, &P)); /* MᵀM: symmetric positive definite */
    BEST_OF(reps, w[3].seconds, {
        pr_tensor_free(ew);
        pr_tensor_free(ev);
        CHECK(pr_eigh(P, PR_ASCENDING, &ew, &ev));
    });

    pr_tensor *L = normal(2000, 100), *y, *sol = NULL;
    CHECK(pr_tensor_normal(&y, PR_F64, PR_SHAPE(2000), 0, 1, &rng));
    BEST_OF(reps, w[4].seconds, { pr_tensor_free(sol); sol = NULL; CHECK(pr_lstsq(L, y, -1, &sol, NULL)); });

    run_peer(threads, reps, w, 5);
    printf("%-16s %12s %10s %12s %8s\n", "workload", "primer (ms)", "GFLOP/s", "NumPy (ms)", "ratio");
    for (int i = 0; i < 5; i++) {
        printf("%-16s %12.3f", w[i].name, w[i].seconds * 1e3);
        if (w[i].flops) printf(" %10.2f", w[i].flops / w[i].seconds * 1e-9);
        else printf(" %10s", "-");
        if (w[i].peer > 0) printf(" %12.3f %8.2f\n", w[i].peer * 1e3, w[i].peer / w[i].seconds);
        else printf(" %12s %8s\n", "-", "-");
    }
    printf("reference matmul_512 (triple loop): %.1f ms, %.2f GFLOP/s, %.0fx slower than BLAS\n", ref * 1e3,
           w[0].flops / ref * 1e-9, ref / w[0].seconds);
    pr_tensor *all[] = {A, B, C, R, S, b, x, I, T, U, Sv, Vt, M, P, ew, ev, L, y, sol};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) pr_tensor_free(all[i]);
    return 0;
}
