/* Parallel regions over a pr_threads pool (threads.c). Kernels call these; with a
 * NULL pool, one worker, a range too small to split, or from inside a region (no
 * nesting), the task runs inline on the calling thread. */
#ifndef PRIMER_CORE_PARALLEL_H
#define PRIMER_CORE_PARALLEL_H

#include <stdint.h>

#include "primer/threads.h"

/* Work on [begin, end) of the range; `worker` is 0..workers-1 (0: the caller). */
typedef void (*pr__range_fn)(void *ctx, int64_t begin, int64_t end, int worker);

/* Split [0, n) into blocks of `grain` items (>= 1; the last may be shorter) and the
 * blocks into at most pr_threads_count(pool) contiguous ranges, one per worker, none
 * empty, their sizes within one block of each other; run them in parallel and return
 * when all are done. The split depends only on n, grain and the worker count. Tasks
 * must not fail or record errors (they run on other threads). */
void pr__parallel_for(pr_threads *pool, int64_t n, int64_t grain, pr__range_fn fn, void *ctx);

/* The same over [0, n) in chunks of `chunk` items that the workers take in turn as
 * they finish the last, for work of uneven cost. Which worker runs a chunk depends on
 * timing, so the task must give the same result whichever runs it (write each item's
 * result to its own place; add them up afterwards in item order). */
void pr__parallel_dynamic(pr_threads *pool, int64_t n, int64_t chunk, pr__range_fn fn, void *ctx);

/* The workers a pr__parallel_for of n items with this grain would use. */
int pr__parallel_workers(const pr_threads *pool, int64_t n, int64_t grain);

/* Nonzero on a pool's worker or inside a region of the calling thread: nested
 * calls run inline. */
int pr__in_parallel_region(void);

/* Enter and leave a stretch of work (a forward pass, an optimiser step) that splits
 * its products over the pool: the BLAS runs single-threaded inside and gets its
 * thread count back on leaving. Nests; a NULL pool does nothing (the BLAS keeps its
 * own threads, as without a pool). */
void pr__region_enter(pr_threads *pool);
void pr__region_leave(pr_threads *pool);

/* memset(p, 0, bytes) split over the pool. */
void pr__parallel_zero(pr_threads *pool, void *p, size_t bytes);

#endif
