/* Shared by the benchmark programs in bench/: a monotonic clock and a check that
 * stops the benchmark with primer's message when a call fails. Each program
 * defines BENCH_NAME before including this. */
#ifndef PRIMER_BENCH_H
#define PRIMER_BENCH_H

#include <primer.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static inline double bench_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Start bench/SCRIPT (under $PRIMER_BENCH_DIR when set) with `args`, reading its
 * output: the peer runs at primer's thread count, OpenBLAS and OpenMP both at
 * `threads` and OpenMP waiting passively, so that the two pools do not spin against
 * each other (PyTorch's best setting on a 2-core machine). NULL, after saying so,
 * when the Python module the peer needs is not installed. Close with pclose. */
static inline FILE *bench_peer_open(const char *module, int threads, const char *script, const char *args) {
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 -c 'import %s' >/dev/null 2>&1", module);
    if (system(cmd) != 0) {
        printf("%s not installed (scripts/install-deps.sh --peers): no ratios\n", module);
        return NULL;
    }
    snprintf(cmd, sizeof cmd,
             "OMP_WAIT_POLICY=PASSIVE OPENBLAS_NUM_THREADS=%d OMP_NUM_THREADS=%d /usr/bin/python3 %s/%s %s", threads,
             threads, getenv("PRIMER_BENCH_DIR") ? getenv("PRIMER_BENCH_DIR") : "bench", script, args);
    return popen(cmd, "r");
}

#define CHECK(call)                                                                 \
    do {                                                                            \
        if ((call) != PR_OK) {                                                      \
            fprintf(stderr, "%s: %s: %s\n", BENCH_NAME, #call, pr_last_error());    \
            exit(1);                                                                \
        }                                                                           \
    } while (0)

#endif
