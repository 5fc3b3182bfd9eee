/* CBLAS + LAPACKE behind primer's backend interface (see backend.h). */
#include <cblas.h>
#include <lapacke.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <unistd.h>

#include "core/internal.h"
#include "linalg/backend.h"
#include "primer/linalg.h"

/* OpenBLAS extensions, weak so that primer also links against another CBLAS. In a
   BLIS build (make BLAS=blis) the CBLAS calls go to BLIS while LAPACK, from Debian's
   liblapack.so.3, usually still runs in OpenBLAS: both get the thread count. */
extern int openblas_get_num_threads(void) __attribute__((weak));
extern void openblas_set_num_threads(int) __attribute__((weak));
extern char *openblas_get_config(void) __attribute__((weak));
extern char *openblas_get_corename(void) __attribute__((weak));

#ifdef PRIMER_BLIS
extern dim_t bli_thread_get_num_threads(void);
extern void bli_thread_set_num_threads(dim_t n);
extern char *bli_info_get_version_str(void);
#define BLAS_IS_OPENBLAS 0
#else
#define BLAS_IS_OPENBLAS 1
#endif

/* The thread count the CBLAS products run with; 0 where the BLAS cannot say. */
static int blas_threads_get(void) {
#ifdef PRIMER_BLIS
    dim_t n = bli_thread_get_num_threads(); /* -1 until set: BLIS then runs on one */
    return n < 1 ? 1 : n > INT_MAX ? INT_MAX : (int)n;
#else
    return openblas_get_num_threads ? openblas_get_num_threads() : 0;
#endif
}

/* Returns 0 where the BLAS has no thread control. */
static int blas_threads_set(int n) {
    if (openblas_set_num_threads) openblas_set_num_threads(n);
#ifdef PRIMER_BLIS
    bli_thread_set_num_threads(n);
    return 1;
#else
    return openblas_set_num_threads != NULL;
#endif
}

/* OpenBLAS's name for the kernel set it picked for this CPU, NULL for another BLAS. */
static const char *openblas_core(void) {
    return BLAS_IS_OPENBLAS && openblas_get_corename ? openblas_get_corename() : NULL;
}


static int fits(int64_t v) { return v >= 0 && v <= INT_MAX; }

/* A product's second thread pays only from about m n k = 2^23 (bench/bench_blas.c:
 * OpenBLAS 2-thread against 1-thread GFLOP/s 123/137 at 64x128x256, 212/136 at
 * 64x256x784), and below that costs: the classical models' small products on the
 * digits ran 1.5x slower at 2 threads than at 1; BLIS spends milliseconds there (29 ms
 * for 32x2x128 at 2 threads, 14 us at 1). Smaller products run on one thread. Inside
 * the pool's regions the BLAS is on one thread already and nothing changes. Returns
 * the thread count to restore, 0 for none. */
#define THREADED_PRODUCT_FROM ((double)(1 << 23))
static int small_product_begin(int64_t m, int64_t n, int64_t k) {
    if ((double)m * (double)n * (double)k >= THREADED_PRODUCT_FROM) return 0;
    int threads = blas_threads_get();
    if (threads <= 1) return 0;
    (void)blas_threads_set(1);
    return threads;
}
static void small_product_end(int saved) {
    if (saved) (void)blas_threads_set(saved);
}

#define R float
#define P s
#define SFX f32
#include "linalg/backend.inc"
#undef R
#undef P
#undef SFX

#define R double
#define P d
#define SFX f64
#include "linalg/backend.inc"
#undef R
#undef P
#undef SFX

/* Dot products accumulate in double for both types. */
double pr__bk_dot_f32(int64_t n, const float *x, const float *y) {
    if (fits(n)) return cblas_dsdot((int)n, x, 1, y, 1);
    double acc = 0;
    for (int64_t i = 0; i < n; i++) acc += (double)x[i] * y[i];
    return acc;
}

double pr__bk_dot_f64(int64_t n, const double *x, const double *y) {
    if (fits(n)) return cblas_ddot((int)n, x, 1, y, 1);
    double acc = 0;
    for (int64_t i = 0; i < n; i++) acc += x[i] * y[i];
    return acc;
}

void pr_backend_info_get(pr_backend_info *info) {
    memset(info, 0, sizeof *info);
#ifdef PRIMER_BLIS
    snprintf(info->blas, sizeof info->blas, "BLIS %s", bli_info_get_version_str());
#else
    if (openblas_get_config) snprintf(info->blas, sizeof info->blas, "%s", openblas_get_config());
    else snprintf(info->blas, sizeof info->blas, "CBLAS (unknown implementation)");
#endif
    int major = 0, minor = 0, patch = 0;
    LAPACKE_ilaver(&major, &minor, &patch);
    snprintf(info->lapack, sizeof info->lapack, "LAPACK %d.%d.%d (LAPACKE)", major, minor, patch);
    info->blas_threads = blas_threads_get();
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    info->cpu_count = cpus > 0 && cpus < INT_MAX ? (int)cpus : 1;
}

/* OpenBLAS's AVX2 kernel sets that it also picks for CPUs it does not know. */
static int avx2_core(const char *core) {
    return core && (!strcasecmp(core, "haswell") || !strcasecmp(core, "zen"));
}

/* The AVX-512 subsets that OpenBLAS's SkylakeX and BLIS's skx kernels use. */
static int cpu_has_avx512(void) {
#if defined(__GNUC__) && defined(__x86_64__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512cd");
#else
    return 0;
#endif
}

const char *pr_blas_preferred_coretype(void) {
    return avx2_core(openblas_core()) && cpu_has_avx512() ? "SKYLAKEX" : NULL;
}

void pr_blas_restart_preferred(char **argv) {
    int restart = 0;
#ifdef PRIMER_BLIS
    /* BLIS 0.9 picks its kernels at its first call, from BLIS_ARCH_TYPE when that is
       set, and gives a CPU it does not know (AMD Zen 4) its generic C kernels, three
       times slower than the AVX-512 'skx' set (index 0 of its arch_t) that such a CPU
       runs: docs/performance.md. That needs no restart. Its OpenMP threads spin after
       each product unless OMP_WAIT_POLICY=PASSIVE, which libgomp reads when it loads,
       taking the cores from primer's pool (the test suite ran 20x slower): that does. */
    if (!getenv("BLIS_ARCH_TYPE") && cpu_has_avx512()) setenv("BLIS_ARCH_TYPE", "0", 1);
    if (!getenv("OMP_WAIT_POLICY")) restart = !setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
#endif
    /* under ulimit -v, OpenBLAS's own threads would each want a 128 MB buffer and spin
       when they cannot have it: primer's pool splits the work instead */
    struct rlimit lim;
    if (BLAS_IS_OPENBLAS && !getenv("OPENBLAS_NUM_THREADS") && getrlimit(RLIMIT_AS, &lim) == 0 &&
        lim.rlim_cur != RLIM_INFINITY && !setenv("OPENBLAS_NUM_THREADS", "1", 1))
        restart = 1;
    const char *core = getenv("OPENBLAS_CORETYPE") ? NULL : pr_blas_preferred_coretype();
    if (core && !setenv("OPENBLAS_CORETYPE", core, 1)) restart = 1;
    if (!argv || !restart) return;
    execv("/proc/self/exe", argv); /* returns only on failure */
}

pr_status pr_blas_check_memory_limit(int threads, size_t reserve, int *fit) {
    if (fit) *fit = threads;
    struct rlimit lim;
    if (getrlimit(RLIMIT_AS, &lim) != 0 || lim.rlim_cur == RLIM_INFINITY) return PR_OK;
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long long pages = 0;
    int got = f && fscanf(f, "%llu", &pages) == 1;
    if (f) fclose(f);
    if (!got) return PR_OK;
    double mb = 1024.0 * 1024.0, used = (double)pages * (double)sysconf(_SC_PAGESIZE), limit = (double)lim.rlim_cur;
    /* a thread's buffer, and its stack (8 MB, glibc's default) for each worker */
    double per_thread = (double)PR_BLAS_BUFFER_BYTES + 8.0 * mb, room = limit - used - (double)reserve;
    int n = room > 0 ? (int)(room / per_thread) : 0;
    if (n > threads) n = threads;
    if (fit) *fit = n;
    if (n >= threads) return PR_OK;
    return pr__fail(PR_ERR_LIMIT,
                    "the address-space limit (ulimit -v) of %.0f MB leaves %.0f MB beside the %.0f MB in use, room for "
                    "%d of the %d threads that need OpenBLAS's %.0f MB buffer each (it would wait for the memory "
                    "forever); raise the limit to at least %.0f MB (ulimit -v %.0f), or %.0f MB for one thread",
                    limit / mb, (limit - used) / mb > 0 ? (limit - used) / mb : 0, used / mb, n, threads,
                    (double)PR_BLAS_BUFFER_BYTES / mb, (used + (double)reserve + threads * per_thread) / mb + 1,
                    ceil((used + (double)reserve + threads * per_thread) / 1024.0) + 1024,
                    (used + (double)reserve + per_thread) / mb + 1);
}

int pr__bk_small_gemm_is_slow(void) {
    static int slow = -1; /* the core is fixed when OpenBLAS loads */
    if (slow < 0) slow = !openblas_core() || avx2_core(openblas_core());
    return slow;
}

int pr__bk_threads(void) {
    int n = blas_threads_get();
    return n > 0 ? n : 1;
}

void pr__bk_set_threads(int n) { (void)blas_threads_set(n); }

pr_status pr_set_num_threads(int n) {
    if (n < 1) return pr__fail(PR_ERR_INVALID, "set_num_threads: %d is not a thread count", n);
    if (!blas_threads_set(n)) return pr__fail(PR_ERR_UNSUPPORTED, "set_num_threads: this BLAS has no thread control");
    return PR_OK;
}
