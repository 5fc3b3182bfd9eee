/* The BLAS choice (make BLAS=openblas|blis): OpenBLAS against BLIS on the products
 * primer's own workloads make, both loaded into this one process (dlopen, each with
 * its own symbols) and timed interleaved, at one thread (what each worker of primer's
 * pool runs inside a parallel region) and at N (what a solve outside one gets).
 *
 *   build/bench/bench_blas [--threads N] [--reps N] [--blis PATH] [--spin-only]
 *
 * PATH picks Debian's BLIS flavour (default the pthread one, as make BLAS=blis links;
 * /usr/lib/x86_64-linux-gnu/blis-openmp/libblis.so.4 for the OpenMP one). BLIS 0.9.0
 * does not recognise every CPU (an AMD Zen 4 gets its 'generic' kernels, three times
 * slower): BLIS_ARCH_TYPE=0 forces its AVX-512 'skx' kernels, BLIS_ARCH_DEBUG=1 says
 * which it picked.
 *
 * The shapes (row-major, as primer calls cblas_sgemm/dgemm; NT = B transposed):
 *   MLP 784-256-128-10 training at batch 64 (bench_train b): the forward products,
 *     the weight gradients (TN) and the input gradients (NN);
 *   LeNet-5 at batch 64 (bench_cnn lenet): each sample's im2col products of the two
 *     convolutions, forward, weight and column gradients, and the first dense layer;
 *   the Transformer LM (bench_seq gpt: 32 x 64 tokens, width 128, FFN 512): the
 *     projections, the FFN, and one (batch, head) pair's attention products;
 *   t-SNE's exact neighbours on Fashion-MNIST: one block of 256 rows against all
 *     70,000 points in 50 dimensions (double);
 *   a large square product, 1024^3, where the BLAS gets all the threads.
 * Then the spinning: each library's idle threads after a product at N threads, measured
 * as the slowdown of N threads of plain arithmetic (what primer's pool runs next)
 * started at once after the product against the same long after any product.
 * OpenBLAS's workers spin for 2^OPENBLAS_THREAD_TIMEOUT cycles (default 28) before they
 * sleep; OpenMP's (the BLIS flavour) for OMP_WAIT_POLICY / GOMP_SPINCOUNT.
 * This program links no BLAS itself, so neither library's symbols interpose on the
 * other's. OpenBLAS gets the kernels the primer tool picks (OPENBLAS_CORETYPE=SKYLAKEX
 * on a CPU with AVX-512 when unset: pr_blas_preferred_coretype). */
#define _POSIX_C_SOURCE 200809L
#include <dlfcn.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define OPENBLAS_SO "libopenblas.so.0"
#define BLIS_SO "/usr/lib/x86_64-linux-gnu/blis-pthread/libblis.so.4"
#define ROW_MAJOR 101
#define NO_TRANS 111
#define TRANS 112
#define SECONDS_PER_SAMPLE 0.04

typedef void sgemm_fn(int, int, int, int, int, int, float, const float *, int, const float *, int, float, float *,
                      int);
typedef void dgemm_fn(int, int, int, int, int, int, double, const double *, int, const double *, int, double,
                      double *, int);

typedef struct blas {
    const char *name;
    void *handle;
    sgemm_fn *sgemm;
    dgemm_fn *dgemm;
    void (*set_threads_int)(int);   /* OpenBLAS */
    void (*set_threads_dim)(int64_t); /* BLIS: dim_t */
} blas;

typedef struct shape {
    const char *workload;
    char ta, tb; /* 'N' or 'T' */
    int m, n, k;
    int dbl;
} shape;

static const shape SHAPES[] = {
    {"MLP fwd 64x256x784 NT", 'N', 'T', 64, 256, 784, 0},
    {"MLP fwd 64x128x256 NT", 'N', 'T', 64, 128, 256, 0},
    {"MLP fwd 64x10x128 NT", 'N', 'T', 64, 10, 128, 0},
    {"MLP dW 256x784x64 TN", 'T', 'N', 256, 784, 64, 0},
    {"MLP dW 128x256x64 TN", 'T', 'N', 128, 256, 64, 0},
    {"MLP dX 64x256x128 NN", 'N', 'N', 64, 256, 128, 0},
    {"MLP half 32x256x784 NT", 'N', 'T', 32, 256, 784, 0},
    {"LeNet conv1 6x784x25 NN", 'N', 'N', 6, 784, 25, 0},
    {"LeNet conv2 16x100x150 NN", 'N', 'N', 16, 100, 150, 0},
    {"LeNet conv2 dW 16x150x100 NT", 'N', 'T', 16, 150, 100, 0},
    {"LeNet conv2 dcol 150x100x16 TN", 'T', 'N', 150, 100, 16, 0},
    {"LeNet fc1 64x120x400 NT", 'N', 'T', 64, 120, 400, 0},
    {"GPT qkv 2048x384x128 NT", 'N', 'T', 2048, 384, 128, 0},
    {"GPT ffn 2048x512x128 NT", 'N', 'T', 2048, 512, 128, 0},
    {"GPT ffn2 2048x128x512 NT", 'N', 'T', 2048, 128, 512, 0},
    {"GPT dW 512x128x2048 TN", 'T', 'N', 512, 128, 2048, 0},
    {"GPT QK^T 64x64x32 NT", 'N', 'T', 64, 64, 32, 0},
    {"GPT AV 64x32x64 NN", 'N', 'N', 64, 32, 64, 0},
    {"t-SNE kNN 256x70000x50 NT f64", 'N', 'T', 256, 70000, 50, 1},
    {"square 1024^3 NN", 'N', 'N', 1024, 1024, 1024, 0},
};
#define N_SHAPES (int)(sizeof SHAPES / sizeof SHAPES[0])

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int load(blas *b, const char *name, const char *path, const char *set_threads) {
    memset(b, 0, sizeof *b);
    b->name = name;
    b->handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!b->handle) {
        printf("%s not loadable (%s): %s\n", name, path, dlerror());
        return 0;
    }
    *(void **)&b->sgemm = dlsym(b->handle, "cblas_sgemm");
    *(void **)&b->dgemm = dlsym(b->handle, "cblas_dgemm");
    void *st = dlsym(b->handle, set_threads);
    if (!strcmp(name, "BLIS")) *(void **)&b->set_threads_dim = st;
    else *(void **)&b->set_threads_int = st;
    if (!b->sgemm || !b->dgemm || !st) {
        printf("%s: missing cblas_sgemm, cblas_dgemm or %s\n", name, set_threads);
        return 0;
    }
    return 1;
}

static void set_threads(const blas *b, int n) {
    if (b->set_threads_dim) b->set_threads_dim(n);
    else b->set_threads_int(n);
}

/* One product C = op(A) op(B) with the operands of `s`. */
static void product(const blas *b, const shape *s, const void *A, const void *B, void *C) {
    int ta = s->ta == 'T' ? TRANS : NO_TRANS, tb = s->tb == 'T' ? TRANS : NO_TRANS;
    int lda = s->ta == 'T' ? s->m : s->k, ldb = s->tb == 'T' ? s->k : s->n;
    if (s->dbl) b->dgemm(ROW_MAJOR, ta, tb, s->m, s->n, s->k, 1.0, A, lda, B, ldb, 0.0, C, s->n);
    else b->sgemm(ROW_MAJOR, ta, tb, s->m, s->n, s->k, 1.0f, A, lda, B, ldb, 0.0f, C, s->n);
}

/* Seconds per product over `calls` products. */
static double time_calls(const blas *b, const shape *s, const void *A, const void *B, void *C, int calls) {
    double t0 = now();
    for (int i = 0; i < calls; i++) product(b, s, A, B, C);
    return (now() - t0) / calls;
}

/* The largest relative difference between the two libraries' results. */
static double max_relative_difference(const shape *s, const void *c0, const void *c1) {
    size_t count = (size_t)s->m * (size_t)s->n;
    double worst = 0, scale = 0;
    for (size_t i = 0; i < count; i++) {
        double a = s->dbl ? ((const double *)c0)[i] : ((const float *)c0)[i];
        double d = a - (s->dbl ? ((const double *)c1)[i] : ((const float *)c1)[i]);
        if (fabs(a) > scale) scale = fabs(a);
        if (fabs(d) > worst) worst = fabs(d);
    }
    return scale > 0 ? worst / scale : worst;
}

static void *random_matrix(size_t count, int dbl, unsigned *state) {
    size_t size = dbl ? sizeof(double) : sizeof(float);
    void *p = malloc(count * size);
    if (!p) return NULL;
    for (size_t i = 0; i < count; i++) {
        *state = *state * 1664525u + 1013904223u;
        double v = (double)(*state >> 8) / (double)(1u << 24) - 0.5;
        if (dbl) ((double *)p)[i] = v;
        else ((float *)p)[i] = (float)v;
    }
    return p;
}

/* Best seconds per product for each library at `threads`, measured interleaved. */
static int measure(blas libs[2], const shape *s, int threads, int reps, double best[2], double *difference) {
    unsigned state = 12345;
    size_t a_count = (size_t)s->m * (size_t)s->k, b_count = (size_t)s->k * (size_t)s->n,
           c_count = (size_t)s->m * (size_t)s->n;
    void *A = random_matrix(a_count, s->dbl, &state), *B = random_matrix(b_count, s->dbl, &state),
         *C[2] = {random_matrix(c_count, s->dbl, &state), random_matrix(c_count, s->dbl, &state)};
    int ok = A && B && C[0] && C[1];
    if (ok) {
        double flops = 2.0 * s->m * s->n * s->k;
        int calls = (int)fmax(1, fmin(1e6, SECONDS_PER_SAMPLE * 2e10 / flops));
        for (int l = 0; l < 2; l++) {
            set_threads(&libs[l], threads);
            product(&libs[l], s, A, B, C[l]); /* warm: packing buffers, thread start */
            best[l] = INFINITY;
        }
        *difference = max_relative_difference(s, C[0], C[1]);
        for (int r = 0; r < reps; r++)
            for (int l = 0; l < 2; l++) {
                set_threads(&libs[l], threads);
                best[l] = fmin(best[l], time_calls(&libs[l], s, A, B, C[l], calls));
            }
    }
    free(A);
    free(B);
    free(C[0]);
    free(C[1]);
    return ok;
}

/* N threads of arithmetic that no library call can speed up, each `iterations` long. */
typedef struct spin_job {
    long iterations;
    double result;
} spin_job;

static void *arithmetic(void *arg) {
    spin_job *j = arg;
    double x = 1.0;
    for (long i = 0; i < j->iterations; i++) x = x * 0.999999 + 1e-6;
    j->result = x;
    return NULL;
}

/* Seconds for `threads` threads of arithmetic, the calling thread being one of them. */
static double arithmetic_seconds(int threads, long iterations) {
    pthread_t t[64];
    spin_job jobs[64];
    double t0 = now();
    for (int i = 1; i < threads; i++) {
        jobs[i].iterations = iterations;
        if (pthread_create(&t[i], NULL, arithmetic, &jobs[i])) return NAN;
    }
    jobs[0].iterations = iterations;
    arithmetic(&jobs[0]);
    for (int i = 1; i < threads; i++) pthread_join(t[i], NULL);
    return now() - t0;
}

/* The arithmetic's time right after a product of `s` at `threads`, against right after
 * more arithmetic, long after the last product (best of `reps` each, interleaved): > 1
 * when the library's idle threads take cores. (After a sleep instead, the arithmetic
 * runs slower on this virtual machine, cores coming back from idle.) */
static double spin_slowdown(const blas *b, const shape *s, int threads, int reps, const void *A, const void *B,
                            void *C) {
    const long iterations = 20000000; /* about 20 ms */
    double after_product = INFINITY, after_pause = INFINITY;
    set_threads(b, threads);
    for (int r = 0; r < reps; r++) {
        product(b, s, A, B, C);
        after_product = fmin(after_product, arithmetic_seconds(threads, iterations));
        arithmetic_seconds(threads, 5 * iterations); /* 0.1 s: no product for longer than a spin lasts */
        after_pause = fmin(after_pause, arithmetic_seconds(threads, iterations));
    }
    return after_product / after_pause;
}

static int avx512(void) {
#if defined(__GNUC__) && defined(__x86_64__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
           __builtin_cpu_supports("avx512cd");
#else
    return 0;
#endif
}

int main(int argc, char **argv) {
    int threads = 2, reps = 5;
    const char *blis_path = BLIS_SO;
    int spin_only = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--threads") && i + 1 < argc) threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--blis") && i + 1 < argc) blis_path = argv[++i];
        else if (!strcmp(argv[i], "--spin-only")) spin_only = 1;
        else threads = 0;
    }
    if (threads < 1 || reps < 1) {
        fprintf(stderr, "usage: bench_blas [--threads N] [--reps N] [--blis PATH] [--spin-only]\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (!getenv("OPENBLAS_CORETYPE") && avx512()) setenv("OPENBLAS_CORETYPE", "SKYLAKEX", 1);
    blas libs[2];
    if (!load(&libs[0], "OpenBLAS", OPENBLAS_SO, "openblas_set_num_threads")) return 1;
    if (!load(&libs[1], "BLIS", blis_path, "bli_thread_set_num_threads")) {
        printf("BLIS not installed (scripts/install-deps.sh --blis): no comparison\n");
        return 0;
    }
    char *(*core)(void) = NULL;
    *(void **)&core = dlsym(libs[0].handle, "openblas_get_corename");
    char *(*version)(void) = NULL;
    *(void **)&version = dlsym(libs[1].handle, "bli_info_get_version_str");
    printf("OpenBLAS (%s kernels) against BLIS %s, best of %d interleaved samples; GFLOP/s, ratio BLIS/OpenBLAS\n",
           core ? core() : "?", version ? version() : "?", reps);
    for (int t = 1; !spin_only && t <= threads; t = t == 1 && threads > 1 ? threads : threads + 1) {
        printf("%d thread%s\n", t, t == 1 ? "" : "s");
        double sum_log = 0;
        for (int i = 0; i < N_SHAPES; i++) {
            const shape *s = &SHAPES[i];
            double best[2], difference;
            if (!measure(libs, s, t, reps, best, &difference)) {
                fprintf(stderr, "bench_blas: out of memory\n");
                return 1;
            }
            double flops = 2.0 * s->m * s->n * s->k;
            printf("  %-32s OpenBLAS %7.1f   BLIS %7.1f   ratio %.2f   (results differ by %.1e)\n", s->workload,
                   flops / best[0] * 1e-9, flops / best[1] * 1e-9, best[0] / best[1], difference);
            sum_log += log(best[0] / best[1]);
        }
        printf("  geometric mean ratio BLIS/OpenBLAS: %.2f\n", exp(sum_log / N_SHAPES));
    }
    if (threads > 1) {
        const shape *s = &SHAPES[N_SHAPES - 1];
        unsigned state = 1;
        size_t count = (size_t)s->m * (size_t)s->k;
        void *A = random_matrix(count, 0, &state), *B = random_matrix(count, 0, &state),
             *C = random_matrix(count, 0, &state);
        if (!A || !B || !C) return 1;
        printf("spinning: %d threads of arithmetic right after a %d-thread %s, against long after one\n",
               threads, threads, s->workload);
        for (int l = 0; l < 2; l++)
            printf("  %-8s slowdown %.2fx\n", libs[l].name, spin_slowdown(&libs[l], s, threads, reps, A, B, C));
        free(A);
        free(B);
        free(C);
    }
    return 0;
}
