/* CBLAS + LAPACKE behind primer's backend interface (see backend.h). */
#include <cblas.h>
#include <lapacke.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/internal.h"
#include "linalg/backend.h"
#include "primer/linalg.h"

/* OpenBLAS extensions, weak so that primer also links against another CBLAS. */
extern int openblas_get_num_threads(void) __attribute__((weak));
extern void openblas_set_num_threads(int) __attribute__((weak));
extern char *openblas_get_config(void) __attribute__((weak));
extern char *openblas_get_corename(void) __attribute__((weak));

static int fits(int64_t v) { return v >= 0 && v <= INT_MAX; }

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
    if (openblas_get_config) snprintf(info->blas, sizeof info->blas, "%s", openblas_get_config());
    else snprintf(info->blas, sizeof info->blas, "CBLAS (unknown implementation)");
    int major = 0, minor = 0, patch = 0;
    LAPACKE_ilaver(&major, &minor, &patch);
    snprintf(info->lapack, sizeof info->lapack, "LAPACK %d.%d.%d (LAPACKE)", major, minor, patch);
    info->blas_threads = openblas_get_num_threads ? openblas_get_num_threads() : 0;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    info->cpu_count = cpus > 0 && cpus < INT_MAX ? (int)cpus : 1;
}

/* OpenBLAS's AVX2 kernel sets that it also picks for CPUs it does not know. */
static int avx2_core(const char *core) {
    return core && (!strcasecmp(core, "haswell") || !strcasecmp(core, "zen"));
}

const char *pr_blas_preferred_coretype(void) {
#if defined(__GNUC__) && defined(__x86_64__)
    if (!openblas_get_corename || !avx2_core(openblas_get_corename())) return NULL;
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512cd"))
        return "SKYLAKEX";
#endif
    return NULL;
}

void pr_blas_restart_preferred(char **argv) {
    const char *core = getenv("OPENBLAS_CORETYPE") ? NULL : pr_blas_preferred_coretype();
    if (!argv || !core || setenv("OPENBLAS_CORETYPE", core, 1)) return;
    execv("/proc/self/exe", argv); /* returns only on failure */
    unsetenv("OPENBLAS_CORETYPE");
}

int pr__bk_small_gemm_is_slow(void) {
    static int slow = -1; /* the core is fixed when OpenBLAS loads */
    if (slow < 0) slow = !openblas_get_corename || avx2_core(openblas_get_corename());
    return slow;
}

int pr__bk_threads(void) {
    int n = openblas_get_num_threads ? openblas_get_num_threads() : 1;
    return n > 0 ? n : 1;
}

void pr__bk_set_threads(int n) {
    if (openblas_set_num_threads) openblas_set_num_threads(n);
}

pr_status pr_set_num_threads(int n) {
    if (n < 1) return pr__fail(PR_ERR_INVALID, "set_num_threads: %d is not a thread count", n);
    if (!openblas_set_num_threads)
        return pr__fail(PR_ERR_UNSUPPORTED, "set_num_threads: this BLAS has no thread control");
    openblas_set_num_threads(n);
    return PR_OK;
}
