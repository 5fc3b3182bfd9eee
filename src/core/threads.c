/* The worker pool (primer/threads.h). One job at a time: the caller publishes it
 * by bumping `generation`, runs range 0 itself, and waits for `pending` to reach
 * zero. Workers spin on `generation` for SPIN_NS after their last job, then sleep
 * on `wake`. The hand-off is the Dekker pattern on two sequentially consistent
 * atomics: a worker increments `sleepers` before re-checking `generation` under the
 * mutex, and the caller bumps `generation` before reading `sleepers`, so one of
 * them always sees the other. */
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

#include "core/internal.h"
#include "core/parallel.h"
#include "linalg/backend.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define CPU_RELAX() _mm_pause()
#else
#define CPU_RELAX() ((void)0)
#endif

/* How long a worker spins for the next job before it sleeps. A training step
 * issues its ops microseconds apart; waking a sleeping thread costs tens. */
#define SPIN_NS 100000

struct pr_threads {
    int n;
    pthread_t *tid;
    pthread_mutex_t mutex;
    pthread_cond_t wake;
    /* each on a cache line of its own: workers spin on `generation` while they
       finish into `pending` */
    _Alignas(64) atomic_uint_fast64_t generation;
    _Alignas(64) atomic_int pending; /* workers that have not finished the current job */
    _Alignas(64) atomic_int sleepers; /* workers waiting on `wake` */
    atomic_int stop;
    /* the current job */
    pr__range_fn fn;
    void *ctx;
    int64_t grain, blocks, n_items;
    int ranges;
    int region_depth, blas_saved;
};

typedef struct worker_arg {
    pr_threads *pool;
    int id;
} worker_arg;

static _Thread_local int in_region;

int pr__in_parallel_region(void) { return in_region; }

int pr_cpu_count(void) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n >= 1 && n <= PR_THREADS_MAX * 16 ? (int)n : 1;
}

int pr_threads_count(const pr_threads *pool) { return pool ? pool->n : 1; }

static int64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* Range r: blocks [r B / ranges, (r + 1) B / ranges) of the B blocks of `grain` items
 * (none empty, sizes within one block of each other). */
static void run_range(pr_threads *p, int r) {
    if (r >= p->ranges) return;
    int64_t begin = r * p->blocks / p->ranges * p->grain, end = (r + 1) * p->blocks / p->ranges * p->grain;
    if (end > p->n_items) end = p->n_items;
    if (begin < end) p->fn(p->ctx, begin, end, r);
}

static void *worker_main(void *arg) {
    worker_arg *w = arg;
    pr_threads *p = w->pool;
    int id = w->id;
    free(w);
    in_region = 1;
    uint_fast64_t seen = 0;
    for (;;) {
        uint_fast64_t g = atomic_load(&p->generation);
        if (g == seen && !atomic_load(&p->stop)) {
            int64_t t0 = now_ns();
            for (unsigned spin = 1; (g = atomic_load(&p->generation)) == seen && !atomic_load(&p->stop); spin++) {
                CPU_RELAX();
                if ((spin & 255) == 0 && now_ns() - t0 > SPIN_NS) {
                    pthread_mutex_lock(&p->mutex);
                    atomic_fetch_add(&p->sleepers, 1);
                    while ((g = atomic_load(&p->generation)) == seen && !atomic_load(&p->stop))
                        pthread_cond_wait(&p->wake, &p->mutex);
                    atomic_fetch_sub(&p->sleepers, 1);
                    pthread_mutex_unlock(&p->mutex);
                    break;
                }
            }
        }
        if (atomic_load(&p->stop)) break;
        seen = g;
        run_range(p, id);
        atomic_fetch_sub(&p->pending, 1);
    }
    return NULL;
}

pr_status pr_threads_new(pr_threads **out, int n) {
    if (!out) return pr__fail(PR_ERR_INVALID, "threads_new: out is NULL");
    *out = NULL;
    if (n < 1 || n > PR_THREADS_MAX)
        return pr__fail(PR_ERR_INVALID, "threads_new: %d is not a thread count (1 to %d)", n, PR_THREADS_MAX);
    pr_threads *p = pr__alloc(sizeof *p, true); /* 64-byte aligned, as its atomics need */
    if (!p) return PR_ERR_NOMEM;
    p->n = 1;
    if (n > 1 && !(p->tid = pr__calloc((size_t)n, sizeof *p->tid))) {
        pr__free(p);
        return PR_ERR_NOMEM;
    }
    pthread_mutex_init(&p->mutex, NULL);
    pthread_cond_init(&p->wake, NULL);
    atomic_init(&p->generation, 0);
    atomic_init(&p->pending, 0);
    atomic_init(&p->sleepers, 0);
    atomic_init(&p->stop, 0);
    for (int i = 1; i < n; i++) {
        worker_arg *w = pr__malloc(sizeof *w);
        int err = w ? 0 : -1;
        if (w) {
            *w = (worker_arg){p, i};
            if ((err = pthread_create(&p->tid[i], NULL, worker_main, w))) free(w);
        }
        if (err) {
            pr_threads_free(p);
            return w ? pr__fail(PR_ERR_NOMEM, "threads_new: cannot start thread %d of %d: %s", i + 1, n, strerror(err))
                     : PR_ERR_NOMEM;
        }
        p->n = i + 1;
    }
    *out = p;
    return PR_OK;
}

void pr_threads_free(pr_threads *p) {
    if (!p) return;
    pthread_mutex_lock(&p->mutex);
    atomic_store(&p->stop, 1);
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->mutex);
    for (int i = 1; i < p->n; i++) pthread_join(p->tid[i], NULL);
    pthread_cond_destroy(&p->wake);
    pthread_mutex_destroy(&p->mutex);
    free(p->tid);
    pr__free(p);
}

int pr__parallel_workers(const pr_threads *pool, int64_t n, int64_t grain) {
    if (!pool || pool->n < 2 || in_region || n <= 0) return 1;
    if (grain < 1) grain = 1;
    int64_t blocks = (n + grain - 1) / grain;
    return blocks < pool->n ? (int)blocks : pool->n;
}

void pr__parallel_for(pr_threads *p, int64_t n, int64_t grain, pr__range_fn fn, void *ctx) {
    if (n <= 0) return;
    if (grain < 1) grain = 1;
    int ranges = pr__parallel_workers(p, n, grain);
    if (ranges < 2) {
        fn(ctx, 0, n, 0);
        return;
    }
    int64_t blocks = (n + grain - 1) / grain;
    p->fn = fn;
    p->ctx = ctx;
    p->n_items = n;
    p->grain = grain;
    p->blocks = blocks;
    p->ranges = ranges;
    atomic_store(&p->pending, p->n - 1);
    atomic_fetch_add(&p->generation, 1);
    if (atomic_load(&p->sleepers)) {
        pthread_mutex_lock(&p->mutex);
        pthread_cond_broadcast(&p->wake);
        pthread_mutex_unlock(&p->mutex);
    }
    in_region = 1;
    run_range(p, 0);
    in_region = 0;
    while (atomic_load(&p->pending)) CPU_RELAX();
}

/* pr__parallel_dynamic: one range per worker, each taking chunks off a shared counter. */
typedef struct dynamic_job {
    _Atomic int64_t next;
    int64_t n, chunk;
    pr__range_fn fn;
    void *ctx;
} dynamic_job;

static void dynamic_worker(void *ctx, int64_t begin, int64_t end, int worker) {
    (void)begin;
    (void)end;
    dynamic_job *j = ctx;
    for (;;) {
        int64_t b = atomic_fetch_add(&j->next, j->chunk);
        if (b >= j->n) return;
        j->fn(j->ctx, b, b + j->chunk < j->n ? b + j->chunk : j->n, worker);
    }
}

void pr__parallel_dynamic(pr_threads *p, int64_t n, int64_t chunk, pr__range_fn fn, void *ctx) {
    if (n <= 0) return;
    if (chunk < 1) chunk = 1;
    int workers = pr__parallel_workers(p, n, chunk);
    if (workers < 2) {
        fn(ctx, 0, n, 0);
        return;
    }
    dynamic_job job = {.n = n, .chunk = chunk, .fn = fn, .ctx = ctx};
    atomic_init(&job.next, 0);
    pr__parallel_for(p, workers, 1, dynamic_worker, &job);
}

void pr__region_enter(pr_threads *p) {
    if (!p || p->region_depth++) return;
    p->blas_saved = pr__bk_threads();
    if (p->blas_saved != 1) pr__bk_set_threads(1);
}

void pr__region_leave(pr_threads *p) {
    if (!p || --p->region_depth) return;
    if (p->blas_saved != 1) pr__bk_set_threads(p->blas_saved);
}

static void zero_range(void *ctx, int64_t begin, int64_t end, int worker) {
    (void)worker;
    memset((unsigned char *)ctx + begin, 0, (size_t)(end - begin));
}

void pr__parallel_zero(pr_threads *pool, void *p, size_t bytes) {
    if (bytes) pr__parallel_for(pool, (int64_t)bytes, 1 << 16, zero_range, p);
}
