/* Training throughput with primer's trainer against PyTorch on the same data:
 *
 *  (a) MLP 64-128-64-10 on the standardized digits (80% train, stratified), Adam lr
 *      1e-3, batch 32, 20 epochs, shuffled every epoch: training samples/s and test
 *      accuracy;
 *  (b) MLP 784-256-128-10 on 20,000 synthetic 784-dimensional samples (10 Gaussian
 *      blobs), Adam, batch 64: training samples/s (2 epochs) and inference samples/s.
 *
 * Both run in float32 at the thread count given; the data goes to PyTorch as .npy
 * files, so both sides see the same numbers. Peak resident memory is reported for
 * each process (PyTorch's includes the Python interpreter; its size just after
 * `import torch` is printed too).
 *
 *   build/bench/bench_train [--threads N] [--workload a|b|both]
 */
#define _POSIX_C_SOURCE 200809L
#define BENCH_NAME "bench_train"
#include "bench.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct result {
    double train_sps, infer_sps, accuracy, rss_mb, base_mb;
} result;

/* Run bench/peer_train.py on the data in `dir`; 0 when PyTorch is missing. */
static int torch_run(const char *workload, const char *dir, int threads, result *r) {
    char args[600];
    snprintf(args, sizeof args, "%s %s %d", workload, dir, threads);
    FILE *p = bench_peer_open("torch", threads, "peer_train.py", args);
    if (!p) return 0;
    int n = fscanf(p, "train_sps %lf infer_sps %lf accuracy %lf rss_mb %lf base_mb %lf", &r->train_sps, &r->infer_sps,
                   &r->accuracy, &r->rss_mb, &r->base_mb);
    pclose(p);
    return n == 5;
}

/* Standardize with the training rows' statistics; write X/y for PyTorch. */
static void prepare(const char *dir, pr_tensor **Xtr, pr_tensor *ytr, pr_tensor **Xte, pr_tensor *yte) {
    pr_tensor *mean, *scale, *a, *b;
    CHECK(pr_data_standardize_fit(*Xtr, &mean, &scale));
    CHECK(pr_data_standardize(*Xtr, mean, scale, &a));
    CHECK(pr_data_standardize(*Xte, mean, scale, &b));
    pr_tensor_free(*Xtr);
    pr_tensor_free(*Xte);
    pr_tensor *af, *bf;
    CHECK(pr_tensor_cast(a, PR_F32, &af));
    CHECK(pr_tensor_cast(b, PR_F32, &bf));
    pr_tensor_free(a);
    pr_tensor_free(b);
    *Xtr = af;
    *Xte = bf;
    bench_save_npy(dir, "X_train.npy", af);
    bench_save_npy(dir, "y_train.npy", ytr);
    bench_save_npy(dir, "X_test.npy", bf);
    bench_save_npy(dir, "y_test.npy", yte);
    pr_tensor_free(mean);
    pr_tensor_free(scale);
}

static pr_model *mlp(const char *spec, int64_t inputs) {
    pr_model *m;
    pr_model_options mopt1 = PR_MODEL_DEFAULTS;
    mopt1.seed = 0;
    mopt1.outputs = 10;
    CHECK(pr_model_new(&m, spec, PR_SHAPE(inputs), &mopt1));
    CHECK(pr_model_set_task(m, PR_TASK_CLASSIFICATION, NULL, 10));
    return m;
}

static void report(const char *what, double primer, double torch, int have_torch, const char *unit) {
    printf("  %-22s primer %10.0f %s", what, primer, unit);
    if (have_torch) printf("   PyTorch %10.0f %s   ratio %.2f", torch, unit, primer / torch);
    printf("\n");
}

/* Adam at 1e-3 for `epochs` epochs of `batch`: the samples per second it trained. */
static double train_rate(pr_model *m, const pr_tensor *X, const pr_tensor *y, int64_t epochs, int64_t batch,
                         uint64_t seed, pr_threads *pool) {
    pr_train_history *h;
    pr_train_options o = PR_TRAIN_DEFAULTS;
    o.threads = pool;
    o.epochs = epochs;
    o.batch_size = batch;
    o.seed = seed;
    o.optimizer = pr_optimizer_defaults(PR_OPT_ADAM);
    double t0 = bench_now();
    CHECK(pr_train(m, X, y, &o, &h));
    double sps = (double)X->shape[0] * (double)epochs / (bench_now() - t0);
    pr_train_history_free(h);
    return sps;
}

/* The pools: one worker, and --threads N (the scaling from one to the other is measured
 * in the same run, interleaved). */
static pr_threads *pool_1, *pool_n;

static void workload_a(const char *dir, int threads) {
    pr_tensor *X, *y, *Xtr, *ytr, *Xte, *yte;
    pr_rng rng;
    pr_rng_seed(&rng, 0);
    CHECK(pr_data_digits(&X, &y));
    CHECK(pr_data_split(X, y, 0.2, 1, &rng, &Xtr, &ytr, &Xte, &yte));
    prepare(dir, &Xtr, ytr, &Xte, yte);
    double best = 0, best_1 = 0, acc = 0;
    for (int rep = 0; rep < 3; rep++) {
        pr_model *m = mlp("dense:128,relu,dense:64,relu", 64);
        double sps = train_rate(m, Xtr, ytr, 20, 32, (uint64_t)rep, pool_n), loss;
        if (sps > best) best = sps;
        CHECK(pr_evaluate(m, Xte, yte, NULL, &loss, &acc));
        pr_model_free(m);
        if (threads > 1) {
            m = mlp("dense:128,relu,dense:64,relu", 64);
            sps = train_rate(m, Xtr, ytr, 20, 32, (uint64_t)rep, pool_1);
            if (sps > best_1) best_1 = sps;
            pr_model_free(m);
        }
    }
    result t = {0};
    int have = torch_run("a", dir, threads, &t);
    printf("(a) MLP 64-128-64-10, digits (%lld train / %lld test rows), Adam 1e-3, batch 32, 20 epochs, %d thread%s\n",
           (long long)Xtr->shape[0], (long long)Xte->shape[0], threads, threads > 1 ? "s" : "");
    report("training", best, t.train_sps, have, "samples/s");
    bench_report_scaling("training", best_1, best, threads, "samples/s");
    printf("  %-22s primer %10.4f %s", "test accuracy", acc, "         ");
    if (have) printf("   PyTorch %10.4f", t.accuracy);
    printf("\n");
    pr_tensor *ts[] = {X, y, Xtr, ytr, Xte, yte};
    for (int k = 0; k < 6; k++) pr_tensor_free(ts[k]);
}

static void workload_b(const char *dir, int threads) {
    pr_tensor *X, *y, *Xtr, *ytr, *Xte, *yte;
    pr_rng rng;
    pr_rng_seed(&rng, 1);
    CHECK(pr_data_blobs(20000 + 2000, 784, 10, 4.0, &rng, &X, &y));
    CHECK(pr_data_split(X, y, 2000.0 / 22000, 0, &rng, &Xtr, &ytr, &Xte, &yte));
    prepare(dir, &Xtr, ytr, &Xte, yte);
    double best = 0, best_inf = 0, best_1 = 0, best_inf_1 = 0;
    for (int rep = 0; rep < 3; rep++) {
        for (int one = threads > 1; one >= 0; one--) {
            pr_model *m = mlp("dense:256,relu,dense:128,relu", 784);
            double sps = train_rate(m, Xtr, ytr, 2, 64, (uint64_t)rep, one ? pool_1 : pool_n);
            pr_model_set_threads(m, one ? pool_1 : pool_n);
            pr_tensor *out;
            double t0 = bench_now();
            CHECK(pr_model_forward(m, Xtr, &out));
            double isps = (double)Xtr->shape[0] / (bench_now() - t0);
            pr_tensor_free(out);
            pr_model_free(m);
            double *b = one ? &best_1 : &best, *bi = one ? &best_inf_1 : &best_inf;
            if (sps > *b) *b = sps;
            if (isps > *bi) *bi = isps;
        }
    }
    result t = {0};
    int have = torch_run("b", dir, threads, &t);
    printf("(b) MLP 784-256-128-10, %lld synthetic 784-d samples (10 blobs), Adam, batch 64, %d thread%s\n",
           (long long)Xtr->shape[0], threads, threads > 1 ? "s" : "");
    report("training", best, t.train_sps, have, "samples/s");
    report("inference (batch 1024)", best_inf, t.infer_sps, have, "samples/s");
    bench_report_scaling("training", best_1, best, threads, "samples/s");
    bench_report_scaling("inference", best_inf_1, best_inf, threads, "samples/s");
    /* memory: a fresh process that loads the same .npy files and trains, as PyTorch's does */
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "/proc/%d/exe --measure-memory %s", (int)getpid(), dir);
    FILE *p = popen(cmd, "r");
    double rss = 0;
    if (!p || fscanf(p, "rss_mb %lf", &rss) != 1) rss = 0;
    if (p) pclose(p);
    if (have) printf("  peak memory of a process loading the data and training: primer %.0f MB, PyTorch %.0f MB (%.0f MB "
                     "of it present after import torch)\n",
                     rss, t.rss_mb, t.base_mb);
    else printf("  peak memory of a process loading the data and training: primer %.0f MB\n", rss);
    pr_tensor *ts[] = {X, y, Xtr, ytr, Xte, yte};
    for (int k = 0; k < 6; k++) pr_tensor_free(ts[k]);
}

/* Load the (b) data from `dir`, train as workload (b) does, print the peak RSS. */
static int measure_memory(const char *dir) {
    char path[512];
    pr_tensor *X, *y;
    snprintf(path, sizeof path, "%s/X_train.npy", dir);
    CHECK(pr_npy_read(path, NULL, &X));
    snprintf(path, sizeof path, "%s/y_train.npy", dir);
    CHECK(pr_npy_read(path, NULL, &y));
    pr_model *m = mlp("dense:256,relu,dense:128,relu", 784);
    train_rate(m, X, y, 2, 64, 0, NULL);
    printf("rss_mb %.1f\n", bench_peak_rss_mb());
    pr_model_free(m);
    pr_tensor_free(X);
    pr_tensor_free(y);
    return 0;
}

int main(int argc, char **argv) {
    pr_blas_restart_preferred(argv); /* as the primer tool: both sides then use the same kernels */
    if (argc == 3 && !strcmp(argv[1], "--measure-memory")) return measure_memory(argv[2]);
    int threads = 1;
    const char *which = "both";
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--threads") && i + 1 < argc) threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--workload") && i + 1 < argc) which = argv[++i];
        else {
            fprintf(stderr, "usage: bench_train [--threads N] [--workload a|b|both]\n");
            return 2;
        }
    }
    if (threads < 1) return 2;
    CHECK(pr_set_num_threads(threads));
    CHECK(pr_threads_new(&pool_1, 1));
    CHECK(pr_threads_new(&pool_n, threads));
    char dir[] = "/tmp/primer-bench-XXXXXX";
    if (!mkdtemp(dir)) return 1;
    printf("primer %s trainer vs PyTorch, float32\n", pr_version());
    if (strcmp(which, "b")) workload_a(dir, threads);
    if (strcmp(which, "a")) workload_b(dir, threads);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) != 0;
}
