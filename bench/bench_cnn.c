/* Convolutional networks against PyTorch on the same data and thread count:
 *
 *  W4  LeNet-5 training: 10,000 synthetic 1x28x28 images in 10 classes (a N(0, 1)
 *      prototype per class plus N(0, 1) noise), Conv(1,6,5,pad 2)-ReLU-MaxPool2-
 *      Conv(6,16,5)-ReLU-MaxPool2-400-120-84-10, SGD lr 0.01 momentum 0.9, batch 64,
 *      one epoch: training images/s, inference images/s (batches of 256), peak memory;
 *  W5  one conv layer: x (32, 64, 56, 56), Conv(64, 64, 3, pad 1) with bias, forward
 *      and forward + backward in GFLOP/s (forward 2 N Cout Cin 9 H W = 7.4 GFLOP,
 *      forward + backward 3x), against PyTorch's oneDNN path and its im2col path;
 *  F   (--workload fashion, when dataset-fashion-mnist is installed) LeNet-5 on
 *      Fashion-MNIST, Adam 1e-3, batch 32, 10 epochs: seconds and test accuracy.
 *
 * Float32 throughout; the data goes to PyTorch as .npy files. Best of 3 runs each
 * (W4: of 6, alternating between the two in blocks of 3).
 *
 *   build/bench/bench_cnn [--threads N] [--workload lenet|conv|fashion|all]
 */
#define _POSIX_C_SOURCE 200809L
#define BENCH_NAME "bench_cnn"
#include "bench.h"
#include <unistd.h>

#define IMAGES 10000

static void peer(const char *workload, const char *dir, int threads, bench_peer_times *t) {
    char args[600];
    snprintf(args, sizeof args, "%s %s %d", workload, dir, threads);
    bench_peer_read(bench_peer_open("torch", threads, "peer_cnn.py", args), t);
}

static pr_model *lenet(void) {
    pr_model *m;
    pr_model_options o = PR_MODEL_DEFAULTS;
    o.outputs = 10;
    CHECK(pr_model_new(&m, "lenet5", PR_SHAPE(1, 28, 28), &o));
    CHECK(pr_model_set_task(m, PR_TASK_CLASSIFICATION, NULL, 10));
    return m;
}

/* One epoch of SGD with momentum at batch 64: images per second. */
static double lenet_epoch(pr_model *m, const pr_tensor *X, const pr_tensor *y, uint64_t seed) {
    pr_train_options o = PR_TRAIN_DEFAULTS;
    o.threads = pr_graph_threads(pr_model_graph(m));
    o.epochs = 1;
    o.batch_size = 64;
    o.seed = seed;
    o.optimizer = pr_optimizer_defaults(PR_OPT_MOMENTUM);
    o.optimizer.lr = 0.01;
    o.optimizer.momentum = 0.9;
    pr_train_history *h;
    double t0 = bench_now();
    CHECK(pr_train(m, X, y, &o, &h));
    double ips = (double)X->shape[0] / (bench_now() - t0);
    pr_train_history_free(h);
    return ips;
}

/* Inference in batches of 256: images per second. */
static double lenet_infer(pr_model *m, const pr_tensor *X) {
    double t0 = bench_now();
    for (int64_t s = 0; s < X->shape[0]; s += 256) {
        pr_tensor rows, *out;
        CHECK(pr_tensor_view_rows(X, s, s + 256 < X->shape[0] ? s + 256 : X->shape[0], &rows));
        CHECK(pr_model_forward(m, &rows, &out));
        pr_tensor_free(out);
    }
    return (double)X->shape[0] / (bench_now() - t0);
}

/* The W4 images: class prototypes N(0, 1) plus N(0, 1) noise, labels uniform. */
static void synthetic_images(pr_tensor **X, pr_tensor **y) {
    pr_rng rng;
    pr_rng_seed(&rng, 4);
    pr_tensor *proto;
    CHECK(pr_tensor_normal(&proto, PR_F32, PR_SHAPE(10, 784), 0, 1, &rng));
    CHECK(pr_tensor_normal(X, PR_F32, PR_SHAPE(IMAGES, 1, 28, 28), 0, 1, &rng));
    CHECK(pr_tensor_zeros(y, PR_F32, PR_SHAPE(IMAGES)));
    float *x = pr_tensor_f32(*X), *p = pr_tensor_f32(proto), *l = pr_tensor_f32(*y);
    for (int64_t i = 0; i < IMAGES; i++) {
        int64_t c = (int64_t)pr_rng_below(&rng, 10);
        l[i] = (float)c;
        for (int64_t j = 0; j < 784; j++) x[i * 784 + j] += p[c * 784 + j];
    }
    pr_tensor_free(proto);
}

static int measure_memory(const char *dir, int threads) {
    CHECK(pr_set_num_threads(threads));
    char path[512];
    pr_tensor *X, *y;
    snprintf(path, sizeof path, "%s/X.npy", dir);
    CHECK(pr_npy_read(path, NULL, &X));
    snprintf(path, sizeof path, "%s/y.npy", dir);
    CHECK(pr_npy_read(path, NULL, &y));
    pr_model *m = lenet();
    lenet_epoch(m, X, y, 0);
    lenet_infer(m, X);
    printf("rss_mb %.1f\n", bench_peak_rss_mb());
    pr_model_free(m);
    pr_tensor_free(X);
    pr_tensor_free(y);
    return 0;
}

/* One worker, and --threads N: LeNet's scaling is measured in the same run. */
static pr_threads *pool_1, *pool_n;

static void workload_lenet(const char *dir, int threads) {
    pr_tensor *X, *y;
    synthetic_images(&X, &y);
    bench_save_npy(dir, "X.npy", X);
    bench_save_npy(dir, "y.npy", y);
    /* each side best of 6 runs, alternating in blocks of 3 (PyTorch, primer, PyTorch,
     * primer), so a machine whose speed drifts (a shared virtual machine) favours
     * neither side */
    double train = 0, infer = 0, torch_train = 0, torch_infer = 0, train_1 = 0, infer_1 = 0;
    bench_peer_times t = {0};
    for (int rep = 0; rep < 6; rep++) {
        if (rep % 3 == 0) {
            peer("lenet", dir, threads, &t);
            if (bench_peer_seconds(&t, "train_ips") > torch_train) torch_train = bench_peer_seconds(&t, "train_ips");
            if (bench_peer_seconds(&t, "infer_ips") > torch_infer) torch_infer = bench_peer_seconds(&t, "infer_ips");
        }
        for (int one = threads > 1; one >= 0; one--) {
            pr_model *m = lenet();
            pr_model_set_threads(m, one ? pool_1 : pool_n);
            double a = lenet_epoch(m, X, y, (uint64_t)rep), b = lenet_infer(m, X);
            double *tr = one ? &train_1 : &train, *in = one ? &infer_1 : &infer;
            if (a > *tr) *tr = a;
            if (b > *in) *in = b;
            pr_model_free(m);
        }
    }
    printf("W4 LeNet-5, %d synthetic 1x28x28 images, SGD momentum 0.9, batch 64, one epoch, %d thread%s\n", IMAGES,
           threads, threads > 1 ? "s" : "");
    bench_report_ratio("training", train, torch_train, "images/s");
    bench_report_ratio("inference (batches of 256)", infer, torch_infer, "images/s");
    bench_report_scaling("training", train_1, train, threads, "images/s");
    bench_report_scaling("inference", infer_1, infer, threads, "images/s");
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "/proc/%d/exe --measure-memory %s %d", (int)getpid(), dir, threads);
    FILE *p = popen(cmd, "r");
    double rss = 0;
    if (!p || fscanf(p, "rss_mb %lf", &rss) != 1) rss = 0;
    if (p) pclose(p);
    printf("  peak memory of a process loading the images, training and predicting: primer %.0f MB", rss);
    if (t.n) printf(", PyTorch %.0f MB (%.0f MB of it after import torch)", bench_peer_seconds(&t, "rss_mb"),
                    bench_peer_seconds(&t, "base_mb"));
    printf("\n");
    pr_tensor_free(X);
    pr_tensor_free(y);
}

static void workload_conv(const char *dir, int threads) {
    pr_graph *g;
    CHECK(pr_graph_new(&g, PR_F32));
    pr_node x = pr_g_input(g, "x", PR_SHAPE(32, 64, 56, 56));
    pr_node w = pr_g_param(g, "w", PR_SHAPE(64, 64, 3, 3)), b = pr_g_param(g, "b", PR_SHAPE(64));
    pr_conv2d_params p = PR_CONV2D_DEFAULTS;
    p.padding[0] = p.padding[1] = 1;
    pr_node yn = pr_g_conv2d(g, x, w, b, &p);
    CHECK(pr_graph_status(g));
    CHECK(pr_graph_set_input_grad(g, x, 1));
    pr_rng rng;
    pr_rng_seed(&rng, 5);
    pr_tensor *xv, *wv, *ones;
    CHECK(pr_tensor_normal(&xv, PR_F32, PR_SHAPE(32, 64, 56, 56), 0, 1, &rng));
    CHECK(pr_tensor_normal(&wv, PR_F32, PR_SHAPE(64, 64, 3, 3), 0, 0.05, &rng));
    CHECK(pr_tensor_full(&ones, PR_F32, PR_SHAPE(32, 64, 56, 56), 1));
    CHECK(pr_graph_set_input(g, x, xv));
    CHECK(pr_graph_set_value(g, w, wv));
    double flops = 2.0 * 32 * 64 * 64 * 9 * 56 * 56, fwd = 1e9, both = 1e9;
    for (int rep = 0; rep < 4; rep++) {
        double t0 = bench_now();
        CHECK(pr_graph_forward(g, yn));
        double t1 = bench_now();
        CHECK(pr_graph_zero_grad(g));
        CHECK(pr_graph_forward(g, yn));
        CHECK(pr_graph_backward_seed(g, yn, ones));
        double t2 = bench_now();
        if (t1 - t0 < fwd) fwd = t1 - t0;
        if (t2 - t1 < both) both = t2 - t1;
    }
    bench_peer_times t;
    peer("conv", dir, threads, &t);
    printf("W5 Conv(64, 64, 3, pad 1) on (32, 64, 56, 56), %d thread%s (PyTorch: oneDNN, then its im2col path)\n",
           threads, threads > 1 ? "s" : "");
    bench_report_ratio("forward", flops / fwd / 1e9, bench_peer_seconds(&t, "onednn_forward_gflops"), "GFLOP/s");
    bench_report_ratio("forward + backward", 3 * flops / both / 1e9, bench_peer_seconds(&t, "onednn_both_gflops"), "GFLOP/s");
    bench_report_ratio("forward (im2col peer)", flops / fwd / 1e9, bench_peer_seconds(&t, "im2col_forward_gflops"), "GFLOP/s");
    bench_report_ratio("fwd + bwd (im2col peer)", 3 * flops / both / 1e9, bench_peer_seconds(&t, "im2col_both_gflops"),
           "GFLOP/s");
    pr_tensor_free(xv);
    pr_tensor_free(wv);
    pr_tensor_free(ones);
    pr_graph_free(g);
}

static void workload_fashion(const char *dir, int threads) {
    pr_tensor *X, *y, *Xt, *yt;
    if (pr_data_fashion_mnist(NULL, PR_DATA_TRAIN, &X, &y) || pr_data_fashion_mnist(NULL, PR_DATA_TEST, &Xt, &yt)) {
        printf("F  Fashion-MNIST: %s\n", pr_last_error());
        return;
    }
    bench_save_npy(dir, "X_train.npy", X);
    bench_save_npy(dir, "y_train.npy", y);
    bench_save_npy(dir, "X_test.npy", Xt);
    bench_save_npy(dir, "y_test.npy", yt);
    pr_model *m = lenet();
    pr_train_options o = PR_TRAIN_DEFAULTS;
    o.epochs = 10;
    pr_train_history *h;
    double t0 = bench_now(), loss, acc;
    CHECK(pr_train(m, X, y, &o, &h));
    double seconds = bench_now() - t0;
    CHECK(pr_evaluate(m, Xt, yt, NULL, &loss, &acc));
    bench_peer_times t;
    peer("fashion", dir, threads, &t);
    printf("F  LeNet-5 on Fashion-MNIST (60,000 train / 10,000 test), Adam 1e-3, batch 32, 10 epochs, %d thread%s\n",
           threads, threads > 1 ? "s" : "");
    double peer_s = bench_peer_seconds(&t, "fashion_seconds");
    printf("  %-30s primer %9.1f s", "time to 10 epochs", seconds);
    if (peer_s > 0) printf("          PyTorch %9.1f s          ratio %.2f (speed)", peer_s, peer_s / seconds);
    printf("\n  %-30s primer %9.4f", "test accuracy", acc);
    if (t.n) printf("            PyTorch %9.4f", bench_peer_seconds(&t, "fashion_accuracy"));
    printf("\n");
    pr_train_history_free(h);
    pr_model_free(m);
    pr_tensor_free(X), pr_tensor_free(y), pr_tensor_free(Xt), pr_tensor_free(yt);
}

int main(int argc, char **argv) {
    pr_blas_restart_preferred(argv); /* as the primer tool: both sides then use the same kernels */
    if (argc == 4 && !strcmp(argv[1], "--measure-memory")) return measure_memory(argv[2], atoi(argv[3]));
    int threads = 1;
    const char *which = "all";
    if (bench_workload_options(argc, argv, "lenet|conv|fashion", &threads, &which)) return 2;
    CHECK(pr_threads_new(&pool_1, 1));
    CHECK(pr_threads_new(&pool_n, threads));
    char dir[32];
    if (!bench_temp_dir(dir)) return 1;
    printf("primer %s CNNs vs PyTorch, float32\n", pr_version());
    int all = !strcmp(which, "all");
    if (all || !strcmp(which, "lenet")) workload_lenet(dir, threads);
    if (all || !strcmp(which, "conv")) workload_conv(dir, threads);
    if (!strcmp(which, "fashion")) workload_fashion(dir, threads);
    return bench_remove_dir(dir);
}
