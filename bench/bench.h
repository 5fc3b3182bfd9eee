/* Shared by the benchmark programs in bench/: a monotonic clock and a check that
 * stops the benchmark with primer's message when a call fails. Each program
 * defines BENCH_NAME before including this. */
#ifndef PRIMER_BENCH_H
#define PRIMER_BENCH_H
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* mkdtemp */
#endif

#include <primer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
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

/* The "name seconds" lines a peer prints, read to the end (the pipe is closed). */
typedef struct bench_peer_times {
    int n;
    char name[64][64];
    double seconds[64];
} bench_peer_times;

static inline void bench_peer_read(FILE *p, bench_peer_times *t) {
    t->n = 0;
    if (!p) return;
    while (t->n < 64 && fscanf(p, "%63s %lf", t->name[t->n], &t->seconds[t->n]) == 2) t->n++;
    pclose(p);
}

/* The peer's seconds for workload `name`, 0 when it has none. */
static inline double bench_peer_seconds(const bench_peer_times *t, const char *name) {
    for (int i = 0; i < t->n; i++)
        if (!strcmp(t->name[i], name)) return t->seconds[i];
    return 0;
}

/* Parse `--threads N` and `--COUNT N` (count_name: "reps", "steps") into *threads
 * and *count (which hold the defaults); 0 when they are valid, else the usage is
 * printed and 2 returned (main's exit status). */
static inline int bench_options(int argc, char **argv, const char *count_name, int *threads, int *count) {
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--threads") && i + 1 < argc) *threads = atoi(argv[++i]);
        else if (!strncmp(argv[i], "--", 2) && !strcmp(argv[i] + 2, count_name) && i + 1 < argc)
            *count = atoi(argv[++i]);
        else *threads = 0;
    }
    if (*threads >= 1 && *count >= 1) return 0;
    fprintf(stderr, "usage: %s [--threads N] [--%s N]\n", BENCH_NAME, count_name);
    return 2;
}

/* Parse `--threads N` and `--workload NAME` (one of `names`, "a|b|c", or "all"; *which
 * holds the default) and set primer's thread count; 0 when valid, else the usage is
 * printed and 2 returned. */
static inline int bench_workload_options(int argc, char **argv, const char *names, int *threads, const char **which) {
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--threads") && i + 1 < argc) *threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--workload") && i + 1 < argc) *which = argv[++i];
        else *threads = 0;
    }
    if (*threads >= 1 && pr_set_num_threads(*threads) == PR_OK) return 0;
    fprintf(stderr, "usage: %s [--threads N] [--workload %s|all]\n", BENCH_NAME, names);
    return 2;
}

/* The scratch directory for the files a peer reads, removed by bench_remove_dir. */
static inline const char *bench_temp_dir(char dir[32]) {
    strcpy(dir, "/tmp/primer-bench-XXXXXX");
    return mkdtemp(dir);
}

static inline int bench_remove_dir(const char *dir) {
    char cmd[64];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) != 0;
}

/* The process's peak resident memory so far, in MB. */
static inline double bench_peak_rss_mb(void) {
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return (double)u.ru_maxrss / 1024.0;
}

/* One "what  primer X unit  PyTorch Y unit  ratio X/Y" line (the peer's part when it ran). */
static inline void bench_report_ratio(const char *what, double primer, double torch, const char *unit) {
    printf("  %-30s primer %9.1f %s", what, primer, unit);
    if (torch > 0) printf("   PyTorch %9.1f %s   ratio %.2f", torch, unit, primer / torch);
    printf("\n");
}

/* The scaling from one worker to `threads`, both measured in this run. */
static inline void bench_report_scaling(const char *what, double one, double n, int threads, const char *unit) {
    if (threads > 1)
        printf("  %-30s 1 thread %9.1f %s   %d threads %9.1f %s   scaling %.2fx\n", what, one, unit, threads, n, unit,
               n / one);
}

#define CHECK(call)                                                                 \
    do {                                                                            \
        if ((call) != PR_OK) {                                                      \
            fprintf(stderr, "%s: %s: %s\n", BENCH_NAME, #call, pr_last_error());    \
            exit(1);                                                                \
        }                                                                           \
    } while (0)

/* Write t as dir/name (.npy) for the peer. */
static inline void bench_save_npy(const char *dir, const char *name, const pr_tensor *t) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    CHECK(pr_npy_write(path, t));
}

#endif
