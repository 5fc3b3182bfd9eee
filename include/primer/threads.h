/* primer/threads.h — a pool of worker threads that primer's kernels split their work
 * over (the batch of a dense or convolution layer, row blocks of element-wise ops
 * and optimiser updates, (batch, head) pairs of attention, t-SNE's points).
 *
 *     pr_threads *pool;
 *     if (pr_threads_new(&pool, 2)) fprintf(stderr, "%s\n", pr_last_error());
 *     pr_model_set_threads(model, pool);      // or pr_graph_set_threads, o.threads
 *     ...
 *     pr_threads_free(pool);                  // after everything that uses it
 *
 * The pool is owned by the caller: nothing in primer creates one behind its back,
 * and a NULL pool (the default everywhere) runs everything on the calling thread.
 * The calling thread is one of the n workers; the n - 1 others wait for work,
 * spinning for about a tenth of a millisecond after each job (a training step's ops
 * follow each other closely) and then sleeping on a condition variable, so an idle
 * pool costs no CPU.
 *
 * Inside a parallel region the BLAS runs single-threaded (primer splits the
 * products itself); outside them (a solve, an SVD) it keeps the thread count given
 * to pr_set_num_threads.
 *
 * Determinism: work is split into ranges fixed by the problem's size and the worker
 * count, never by timing, and every element is computed by one worker; reductions
 * whose order would follow the split are kept on one thread or summed in fixed
 * blocks. So results depend on the inputs, the seed and the thread count only.
 * Element-wise ops, optimiser updates and t-SNE's gradients give the same bits with
 * any thread count; matrix products do not, by an ulp here and there, because the
 * BLAS rounds a block of rows differently from the whole (docs/performance.md).
 *
 * A pool serves one caller at a time: two threads may not run work on the same pool
 * concurrently (give each its own). */
#ifndef PRIMER_THREADS_H
#define PRIMER_THREADS_H

#include "primer/core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pr_threads pr_threads;

/* The most workers a pool may have. */
#define PR_THREADS_MAX 256

/* A pool of n workers, the calling thread included (1 <= n <= PR_THREADS_MAX; n = 1
 * starts no thread). More workers than CPUs is allowed, and slower. */
pr_status pr_threads_new(pr_threads **out, int n);
void pr_threads_free(pr_threads *pool);
/* The number of workers (1 for NULL). */
int pr_threads_count(const pr_threads *pool);
/* The CPUs online (at least 1). */
int pr_cpu_count(void);

#ifdef __cplusplus
}
#endif

#endif /* PRIMER_THREADS_H */
