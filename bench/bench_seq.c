/* Sequence models against PyTorch on the same data and thread count:
 *
 *  W6  LSTM classifier: N(0, 1) inputs (32 features, T = 50), LSTM(32, 128), Linear(128,
 *      10) on the last step, random labels, softmax cross-entropy, Adam 1e-3, batch 32,
 *      200 steps: sequences per second;
 *  W7  character Transformer LM: random tokens of a 65-symbol vocabulary, context 64,
 *      d_model 128, 4 heads, 2 causal pre-norm GELU blocks with FFN 512, learned
 *      positions, final norm, untied head (421,697 parameters), AdamW 1e-3 weight
 *      decay 0.01, batch 32, 100 steps: tokens per second, and peak memory;
 *  A   attention memory at T = 512: the peak memory of one forward and backward of a
 *      4-head self-attention layer (batch 8, width 128) beside what its activations
 *      and weights need.
 *
 * Float32; the data goes to PyTorch as .npy files. Best of 3 runs each.
 *
 *   build/bench/bench_seq [--threads N] [--workload lstm|gpt|attention|all]
 */
#define _POSIX_C_SOURCE 200809L
#define BENCH_NAME "bench_seq"
#include "bench.h"
#include <unistd.h>

/* One worker, and --threads N: the scaling is measured in the same run. */
static pr_threads *pool_1, *pool_n;

/* One epoch of pr_train over X, y with the pool: seconds. */
static double epoch(pr_model *m, const pr_tensor *X, const pr_tensor *y, pr_optimizer_config opt, uint64_t seed,
                    pr_threads *pool) {
    pr_train_options o = PR_TRAIN_DEFAULTS;
    o.threads = pool;
    o.epochs = 1;
    o.batch_size = 32;
    o.seed = seed;
    o.optimizer = opt;
    pr_train_history *h;
    double t0 = bench_now();
    CHECK(pr_train(m, X, y, &o, &h));
    double s = bench_now() - t0;
    pr_train_history_free(h);
    return s;
}

static pr_model *lstm_classifier(void) {
    pr_model *m;
    pr_model_options o = PR_MODEL_DEFAULTS;
    o.outputs = 10;
    CHECK(pr_model_new(&m, "lstm:128:1:0:last", PR_SHAPE(50, 32), &o));
    CHECK(pr_model_set_task(m, PR_TASK_CLASSIFICATION, NULL, 10));
    return m;
}

static pr_model *gpt(void) {
    pr_model *m;
    pr_model_options o = PR_MODEL_DEFAULTS;
    o.outputs = 65;
    CHECK(pr_model_new(&m, "gpt:2:128:4", PR_SHAPE(64), &o));
    CHECK(pr_model_set_task(m, PR_TASK_CLASSIFICATION, NULL, 65));
    CHECK(pr_model_set_targets(m, PR_TARGET_POSITIONS, PR_NO_IGNORE));
    return m;
}

static void w7_data(pr_tensor **X, pr_tensor **y) {
    pr_rng rng;
    pr_rng_seed(&rng, 7);
    CHECK(pr_tensor_zeros(X, PR_F32, PR_SHAPE(3200, 64)));
    CHECK(pr_tensor_zeros(y, PR_F32, PR_SHAPE(3200, 64)));
    for (int64_t i = 0; i < 3200 * 64; i++) {
        pr_tensor_set(*X, i, (double)pr_rng_below(&rng, 65));
        pr_tensor_set(*y, i, (double)pr_rng_below(&rng, 65));
    }
}

static pr_optimizer_config adamw(void) {
    pr_optimizer_config c = pr_optimizer_defaults(PR_OPT_ADAMW);
    c.lr = 1e-3;
    c.weight_decay = 0.01;
    return c;
}

static int measure_memory(int threads) {
    CHECK(pr_set_num_threads(threads));
    pr_tensor *X, *y;
    w7_data(&X, &y);
    pr_model *m = gpt();
    epoch(m, X, y, adamw(), 0, NULL);
    printf("rss_mb %.1f\n", bench_peak_rss_mb());
    pr_model_free(m);
    pr_tensor_free(X);
    pr_tensor_free(y);
    return 0;
}

static void peer(const char *workload, const char *dir, int threads, bench_peer_times *t) {
    char args[600];
    snprintf(args, sizeof args, "%s %s %d", workload, dir, threads);
    bench_peer_read(bench_peer_open("torch", threads, "peer_seq.py", args), t);
}

static void workload_lstm(const char *dir, int threads) {
    pr_rng rng;
    pr_rng_seed(&rng, 6);
    pr_tensor *X, *y;
    CHECK(pr_tensor_normal(&X, PR_F32, PR_SHAPE(6400, 50, 32), 0, 1, &rng));
    CHECK(pr_tensor_zeros(&y, PR_F32, PR_SHAPE(6400)));
    for (int64_t i = 0; i < 6400; i++) pr_tensor_set(y, i, (double)pr_rng_below(&rng, 10));
    bench_save_npy(dir, "X.npy", X);
    bench_save_npy(dir, "y.npy", y);
    double best = 1e30, best_1 = 1e30;
    for (int rep = 0; rep < 3; rep++)
        for (int one = threads > 1; one >= 0; one--) {
            pr_model *m = lstm_classifier();
            double s = epoch(m, X, y, pr_optimizer_defaults(PR_OPT_ADAM), (uint64_t)rep, one ? pool_1 : pool_n);
            double *b = one ? &best_1 : &best;
            if (s < *b) *b = s;
            pr_model_free(m);
        }
    bench_peer_times t;
    peer("lstm", dir, threads, &t);
    printf("W6 LSTM(32, 128) classifier, T = 50, batch 32, 200 steps of Adam, %d thread%s\n", threads,
           threads > 1 ? "s" : "");
    bench_report_ratio("training", 6400 / best, bench_peer_seconds(&t, "per_second"), "sequences/s");
    bench_report_scaling("training", 6400 / best_1, 6400 / best, threads, "sequences/s");
    pr_tensor_free(X);
    pr_tensor_free(y);
}

static void workload_gpt(const char *dir, int threads) {
    pr_tensor *X, *y;
    w7_data(&X, &y);
    bench_save_npy(dir, "tokens.npy", X);
    bench_save_npy(dir, "next.npy", y);
    double best = 1e30, best_1 = 1e30;
    int64_t params = 0;
    for (int rep = 0; rep < 3; rep++)
        for (int one = threads > 1; one >= 0; one--) {
            pr_model *m = gpt();
            params = pr_model_param_count(m);
            double s = epoch(m, X, y, adamw(), (uint64_t)rep, one ? pool_1 : pool_n);
            double *b = one ? &best_1 : &best;
            if (s < *b) *b = s;
            pr_model_free(m);
        }
    bench_peer_times t;
    peer("gpt", dir, threads, &t);
    printf("W7 character Transformer LM (%lld parameters; PyTorch %.0f), batch 32 x 64 tokens, 100 steps of AdamW, %d "
           "thread%s\n",
           (long long)params, bench_peer_seconds(&t, "params"), threads, threads > 1 ? "s" : "");
    bench_report_ratio("training", 3200 * 64 / best, bench_peer_seconds(&t, "per_second"), "tokens/s");
    bench_report_scaling("training", 3200 * 64 / best_1, 3200 * 64 / best, threads, "tokens/s");
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "/proc/%d/exe --measure-memory %d", (int)getpid(), threads);
    FILE *p = popen(cmd, "r");
    double rss = 0;
    if (!p || fscanf(p, "rss_mb %lf", &rss) != 1) rss = 0;
    if (p) pclose(p);
    printf("  peak memory of a process training it: primer %.0f MB", rss);
    if (t.n) printf(", PyTorch %.0f MB (%.0f MB of it after import torch)", bench_peer_seconds(&t, "rss_mb"),
                    bench_peer_seconds(&t, "base_mb"));
    printf("\n");
    pr_tensor_free(X);
    pr_tensor_free(y);
}

/* One training step of attention:4 at T = 512, in a fresh process (--attention-memory)
 * so that its peak memory is its own: how much the step added, beside the attention
 * weights (B heads T^2) and one (B, T, E) activation. */
static int attention_memory(void) {
    const int64_t B = 8, T = 512, E = 128, H = 4;
    pr_model *m;
    pr_model_options o = PR_MODEL_DEFAULTS;
    CHECK(pr_model_new(&m, "attention:4:causal", PR_SHAPE(T, E), &o));
    pr_rng rng;
    pr_rng_seed(&rng, 9);
    pr_tensor *X, *ones;
    CHECK(pr_tensor_normal(&X, PR_F32, PR_SHAPE(B, T, E), 0, 1, &rng));
    CHECK(pr_tensor_full(&ones, PR_F32, PR_SHAPE(B, T, E), 1));
    pr_graph *g = pr_model_graph(m);
    pr_graph_set_training(g, 1);
    double before = bench_peak_rss_mb(), t0 = bench_now();
    CHECK(pr_graph_set_input(g, pr_model_input(m), X));
    CHECK(pr_graph_forward(g, pr_model_output(m)));
    CHECK(pr_graph_backward_seed(g, pr_model_output(m), ones));
    double seconds = bench_now() - t0, grew = bench_peak_rss_mb() - before;
    printf("seconds %.4f\ngrew_mb %.1f\nweights_mb %.1f\nactivation_mb %.1f\n", seconds, grew,
           (double)(B * H * T * T) * 4 / 1048576, (double)(B * T * E) * 4 / 1048576);
    pr_tensor_free(X);
    pr_tensor_free(ones);
    pr_model_free(m);
    return 0;
}

static void workload_attention(void) {
    char cmd[256];
    snprintf(cmd, sizeof cmd, "/proc/%d/exe --attention-memory", (int)getpid());
    bench_peer_times t;
    bench_peer_read(popen(cmd, "r"), &t);
    printf("A  self-attention, 4 heads, batch 8, T = 512, width 128: one training step %.3f s\n",
           bench_peer_seconds(&t, "seconds"));
    printf("  the step added %.0f MB to the process: the attention weights (B heads T^2) are %.0f MB, each (B, T, E) "
           "activation %.0f MB\n",
           bench_peer_seconds(&t, "grew_mb"), bench_peer_seconds(&t, "weights_mb"),
           bench_peer_seconds(&t, "activation_mb"));
}

int main(int argc, char **argv) {
    pr_blas_restart_preferred(argv);
    if (argc == 3 && !strcmp(argv[1], "--measure-memory")) return measure_memory(atoi(argv[2]));
    if (argc == 2 && !strcmp(argv[1], "--attention-memory")) return attention_memory();
    int threads = 1;
    const char *which = "all";
    if (bench_workload_options(argc, argv, "lstm|gpt|attention", &threads, &which)) return 2;
    CHECK(pr_threads_new(&pool_1, 1));
    CHECK(pr_threads_new(&pool_n, threads));
    char dir[32];
    if (!bench_temp_dir(dir)) return 1;
    printf("primer %s sequence models vs PyTorch, float32\n", pr_version());
    int all = !strcmp(which, "all");
    if (all || !strcmp(which, "lstm")) workload_lstm(dir, threads);
    if (all || !strcmp(which, "gpt")) workload_gpt(dir, threads);
    if (all || !strcmp(which, "attention")) workload_attention();
    return bench_remove_dir(dir);
}
