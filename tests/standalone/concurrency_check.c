/* Threads without hidden global state: two trainings (one of them splitting its work
 * over a pool of its own) and two logistic fits, run on four threads at once, three
 * times, must give bit for bit the weights they give one after the other, and each
 * thread must see its own error message. A program of its own, not a Criterion test,
 * so that it also runs under ThreadSanitizer (`make tsan`), where Criterion's runner
 * cannot; tests/train/test_concurrency.c runs it in the suite. Exit 0 and one line
 * when all holds; 1 and what differed otherwise. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "primer.h"

typedef struct job {
    int kind; /* 0: a network trained, 1: a logistic regression fitted, 2: a network trained on a pool */
    int seed;
    double result[64]; /* the first 64 weights */
    int64_t n;
    char error[256]; /* the message of a failing call made afterwards */
    int failed;      /* a call that should have worked did not */
} job;

#define TRY(j, call)                                                                        \
    do {                                                                                    \
        if ((call) != PR_OK) {                                                              \
            fprintf(stderr, "concurrency: job %d: %s: %s\n", (j)->seed, #call, pr_last_error()); \
            (j)->failed = 1;                                                                \
            return;                                                                         \
        }                                                                                   \
    } while (0)

static void keep(job *j, const pr_tensor *w) {
    j->n = w->size < 64 ? w->size : 64;
    for (int64_t i = 0; i < j->n; i++) j->result[i] = pr_tensor_get(w, i);
}

static void network(job *j, const pr_tensor *X, const pr_tensor *y) {
    pr_model *m;
    pr_model_options mo = PR_MODEL_DEFAULTS;
    mo.seed = (uint64_t)j->seed;
    TRY(j, pr_model_new(&m, "dense:8,relu,dense:3", PR_SHAPE(4), &mo));
    pr_threads *pool = NULL;
    if (j->kind == 2) {
        TRY(j, pr_threads_new(&pool, 2));
        pr_model_set_threads(m, pool);
    }
    TRY(j, pr_model_set_task(m, PR_TASK_CLASSIFICATION, (const double[]){0, 1, 2}, 3));
    pr_train_options o = PR_TRAIN_DEFAULTS;
    o.epochs = 15;
    o.seed = (uint64_t)j->seed;
    pr_train_history *h;
    TRY(j, pr_train(m, X, y, &o, &h));
    pr_train_history_free(h);
    pr_tensor w;
    TRY(j, pr_model_tensor(m, pr_model_tensor_name(m, 0), &w));
    keep(j, &w);
    pr_model_free(m);
    pr_threads_free(pool);
}

static void run_job(job *j) {
    pr_rng rng;
    pr_rng_seed(&rng, (uint64_t)j->seed);
    pr_tensor *X, *y;
    TRY(j, pr_data_blobs(200, 4, 3, 1.5, &rng, &X, &y));
    if (j->kind != 1) {
        network(j, X, y);
    } else {
        pr_estimator_config c = pr_estimator_defaults(PR_EST_LOGISTIC);
        c.alpha = 0.1 * j->seed;
        pr_estimator *e;
        TRY(j, pr_estimator_fit(&e, &c, X, y));
        keep(j, pr_estimator_coef(e));
        pr_estimator_free(e);
    }
    /* this thread's error, with this thread's number in it */
    pr_tensor *Xb, *yb;
    TRY(j, pr_tensor_from_array(&Xb, PR_F64, PR_SHAPE(2, 1), (const double[]){1, 1e300 * j->seed}));
    TRY(j, pr_tensor_from_array(&yb, PR_F64, PR_SHAPE(2), (const double[]){0, 1}));
    pr_estimator *e = NULL;
    pr_estimator_config c = pr_estimator_defaults(PR_EST_LINEAR);
    if (pr_estimator_fit(&e, &c, Xb, yb) == PR_OK) j->failed = 1;
    snprintf(j->error, sizeof j->error, "%s", pr_last_error());
    pr_tensor_free(Xb);
    pr_tensor_free(yb);
    pr_tensor_free(X);
    pr_tensor_free(y);
}

static void *thread_main(void *arg) {
    run_job(arg);
    return NULL;
}

int main(void) {
    enum { JOBS = 4, ROUNDS = 3 };
    job alone[JOBS] = {{.kind = 0, .seed = 1}, {.kind = 2, .seed = 2}, {.kind = 1, .seed = 3}, {.kind = 1, .seed = 4}};
    for (int k = 0; k < JOBS; k++) run_job(&alone[k]);
    int bad = 0;
    for (int k = 0; k < JOBS; k++) {
        char want[32];
        snprintf(want, sizeof want, "holds %de+300", alone[k].seed);
        if (alone[k].failed || !strstr(alone[k].error, want)) {
            fprintf(stderr, "concurrency: job %d alone: %s\n", k, alone[k].error);
            bad = 1;
        }
    }
    for (int round = 0; round < ROUNDS && !bad; round++) {
        job together[JOBS];
        pthread_t t[JOBS];
        for (int k = 0; k < JOBS; k++) {
            together[k] = (job){.kind = alone[k].kind, .seed = alone[k].seed};
            if (pthread_create(&t[k], NULL, thread_main, &together[k])) return 1;
        }
        for (int k = 0; k < JOBS; k++) pthread_join(t[k], NULL);
        for (int k = 0; k < JOBS; k++) {
            if (together[k].failed || together[k].n != alone[k].n ||
                memcmp(together[k].result, alone[k].result, (size_t)alone[k].n * sizeof(double))) {
                fprintf(stderr, "concurrency: round %d: job %d's weights differ when run beside the others\n", round, k);
                bad = 1;
            }
            if (strcmp(together[k].error, alone[k].error)) {
                fprintf(stderr, "concurrency: round %d: job %d saw \"%s\", not its own \"%s\"\n", round, k,
                        together[k].error, alone[k].error);
                bad = 1;
            }
        }
    }
    if (bad) return 1;
    printf("concurrency: %d jobs on %d threads, %d rounds: the same weights and errors as one after the other\n", JOBS,
           JOBS, ROUNDS);
    return 0;
}
