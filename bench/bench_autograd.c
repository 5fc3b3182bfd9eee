/* Forward + backward of an MLP 784-256-128-10 (ReLU, mean cross-entropy) at batch 64,
 * float32: steps per second, the share of each step spent outside the op kernels
 * (BLAS included in the kernels), and PyTorch's steps per second on the same
 * workload with the same thread count when python3-torch is installed.
 *
 * The graph is built as PyTorch's nn.Linear computes: weights stored (out, in) and
 * applied as x Wᵀ, and the fused softmax cross-entropy against integer labels, so
 * both sides call the same BLAS products (see docs/performance.md for how the two
 * gemm arrangements compare).
 *
 *   build/bench/bench_autograd [--threads N] [--steps S]
 */
#define _POSIX_C_SOURCE 200809L
#define BENCH_NAME "bench_autograd"
#include "bench.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct mlp {
    pr_graph *g;
    pr_node x, y, loss;
} mlp;

/* The MLP with weights (out, in) applied as x Wᵀ (nn.Linear's layout), or with
 * weights (in, out) applied as x W: the two BLAS arrangements of the same products. */
static mlp build(pr_rng *rng, int torch_layout) {
    mlp m;
    CHECK(pr_graph_new(&m.g, PR_F32));
    const int64_t sizes[] = {784, 256, 128, 10};
    m.x = pr_g_input(m.g, "x", PR_SHAPE(-1, 784));
    m.y = pr_g_input(m.g, "labels", PR_SHAPE(-1));
    pr_node h = m.x;
    for (int l = 0; l < 3; l++) {
        pr_node W = torch_layout ? pr_g_param(m.g, "W", PR_SHAPE(sizes[l + 1], sizes[l]))
                                 : pr_g_param(m.g, "W", PR_SHAPE(sizes[l], sizes[l + 1]));
        pr_node b = pr_g_param(m.g, "b", PR_SHAPE(sizes[l + 1]));
        pr_tensor w;
        CHECK(pr_graph_param_view(m.g, W, &w));
        CHECK(pr_rng_fill_normal(rng, &w, 0, 0.05));
        h = pr_g_add(m.g, torch_layout ? pr_g_matmul_nt(m.g, h, W) : pr_g_matmul(m.g, h, W), b);
        if (l < 2) h = pr_g_relu(m.g, h);
    }
    m.loss = pr_g_softmax_cross_entropy(m.g, h, m.y);
    CHECK(pr_graph_status(m.g));
    return m;
}

/* One training step's gradient computation; the batch is bound, not copied, as a
 * training loop that assembles batches in its own buffer would do. */
static void step(mlp *m, const pr_tensor *X, const pr_tensor *Y) {
    CHECK(pr_graph_bind_input(m->g, m->x, X));
    CHECK(pr_graph_bind_input(m->g, m->y, Y));
    CHECK(pr_graph_forward(m->g, m->loss));
    CHECK(pr_graph_zero_grad(m->g));
    CHECK(pr_graph_backward(m->g, m->loss));
}

static double torch_steps_per_second(int threads, int steps) {
    /* without OMP_WAIT_POLICY=PASSIVE, PyTorch at 2 threads measured 861 steps/s
       instead of 1494 */
    char args[64];
    snprintf(args, sizeof args, "%d %d", threads, steps);
    FILE *p = bench_peer_open("torch", threads, "peer_autograd.py", args);
    double v = 0;
    if (p) {
        if (fscanf(p, "steps_per_second %lf", &v) != 1) v = 0;
        pclose(p);
    }
    return v;
}

int main(int argc, char **argv) {
    pr_blas_restart_preferred(argv); /* as the primer tool: both sides then use the same kernels */
    int threads = 1, steps = 200;
    if (bench_options(argc, argv, "steps", &threads, &steps)) return 2;
    CHECK(pr_set_num_threads(threads));
    pr_rng rng;
    pr_rng_seed(&rng, 0);
    mlp m = build(&rng, 1), nn = build(&rng, 0);
    pr_threads *pool;
    CHECK(pr_threads_new(&pool, threads));
    pr_graph_set_threads(m.g, pool);
    pr_graph_set_threads(nn.g, pool);
    pr_tensor *X, *Y;
    CHECK(pr_tensor_normal(&X, PR_F32, PR_SHAPE(64, 784), 0, 1, &rng));
    CHECK(pr_tensor_zeros(&Y, PR_F32, PR_SHAPE(64)));
    for (int i = 0; i < 64; i++) pr_tensor_set(Y, i, (double)pr_rng_below(&rng, 10));
    for (int i = 0; i < 20; i++) {
        step(&m, X, Y); /* warm up: plan, BLAS buffers */
        step(&nn, X, Y);
    }
    double best = 0, best_nn = 0;
    for (int rep = 0; rep < 3; rep++) { /* interleaved, so both see the same machine */
        double t0 = bench_now();
        for (int i = 0; i < steps; i++) step(&m, X, Y);
        double sps = steps / (bench_now() - t0);
        if (sps > best) best = sps;
        t0 = bench_now();
        for (int i = 0; i < steps; i++) step(&nn, X, Y);
        sps = steps / (bench_now() - t0);
        if (sps > best_nn) best_nn = sps;
    }
    /* where the time goes: kernels (BLAS included) against whole steps */
    pr_graph_set_profiling(m.g, 1);
    pr_graph_reset_profile(m.g);
    double t0 = bench_now();
    for (int i = 0; i < steps; i++) step(&m, X, Y);
    double wall = bench_now() - t0, kernels, elapsed;
    pr_profile_entry e[16];
    int n;
    CHECK(pr_graph_profile(m.g, e, 16, &n, &kernels, &elapsed));
    printf("primer %s, MLP 784-256-128-10, batch 64, float32, %d thread%s\n", pr_version(), threads,
           threads > 1 ? "s" : "");
    printf("primer:  %8.1f steps/s (%.3f ms per forward+backward), weights (out, in), x W^T as nn.Linear\n", best,
           1e3 / best);
    printf("primer:  %8.1f steps/s with weights (in, out), x W: the other gemm arrangement (%.2fx)\n", best_nn,
           best_nn / best);
    printf("time outside the op kernels: %.1f%% of a step (%.3f ms of %.3f ms)\n", 100 * (wall - kernels) / wall,
           1e3 * (wall - kernels) / steps, 1e3 * wall / steps);
    printf("per op type:");
    for (int i = 0; i < n; i++) printf(" %s %.1f%%", e[i].op, 100 * e[i].seconds / kernels);
    printf("\n");
    double torch = torch_steps_per_second(threads, steps);
    if (torch > 0) printf("PyTorch: %8.1f steps/s; ratio primer/PyTorch = %.2f\n", torch, best / torch);
    else printf("no PyTorch figure: no ratio\n");
    pr_tensor_free(X);
    pr_tensor_free(Y);
    pr_graph_free(m.g);
    pr_graph_free(nn.g);
    pr_threads_free(pool);
    return 0;
}
