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

#define CHECK(call)                                                                 \
    do {                                                                            \
        if ((call) != PR_OK) {                                                      \
            fprintf(stderr, "%s: %s: %s\n", BENCH_NAME, #call, pr_last_error());    \
            exit(1);                                                                \
        }                                                                           \
    } while (0)

#endif
