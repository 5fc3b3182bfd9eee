/* The primer tool's threads and processes: the worker pool `--threads` asks for, and,
 * when primer is built with MPI (make MPI=1, or found) and started by mpirun, the
 * world of processes that data-parallel training shares its batches over. The
 * library knows nothing of MPI: cli_distributed() hands the trainer an all-reduce
 * bound to MPI_Allreduce. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

#ifdef PRIMER_MPI
#include <mpi.h>
#endif

static pr_threads *pool;
static int world_rank, world_size = 1;
#ifdef PRIMER_MPI
static int mpi_started;
#endif
static pr_train_distributed world;

/* mpirun (OpenMPI, MPICH, Slurm's PMI) leaves these for the processes it starts. */
static int env_int(const char *name) {
    const char *v = getenv(name);
    return v ? atoi(v) : 0;
}
static int launched_by_mpirun(void) {
    return env_int("OMPI_COMM_WORLD_SIZE") > 0 || env_int("PMI_SIZE") > 0 || env_int("PMIX_SIZE") > 0 ||
           getenv("PMIX_RANK") != NULL;
}

#ifdef PRIMER_MPI
static pr_status mpi_allreduce(void *data, int64_t n, pr_dtype dtype, void *ctx) {
    (void)ctx;
    MPI_Datatype t = dtype == PR_F32 ? MPI_FLOAT : MPI_DOUBLE;
    /* MPI counts are int: large buffers go in pieces */
    size_t es = dtype == PR_F32 ? 4 : 8;
    for (int64_t done = 0; done < n;) {
        int count = n - done > (1 << 30) ? 1 << 30 : (int)(n - done);
        int err = MPI_Allreduce(MPI_IN_PLACE, (char *)data + (size_t)done * es, count, t, MPI_SUM, MPI_COMM_WORLD);
        if (err != MPI_SUCCESS) {
            char msg[MPI_MAX_ERROR_STRING];
            int len = 0;
            MPI_Error_string(err, msg, &len);
            fprintf(stderr, "primer: rank %d: MPI_Allreduce failed: %s\n", world_rank, msg);
            return PR_ERR_IO;
        }
        done += count;
    }
    return PR_OK;
}
#endif

int cli_parallel_start(int *argc, char ***argv, int threads) {
    if (launched_by_mpirun()) {
#ifdef PRIMER_MPI
        if (MPI_Init(argc, argv) != MPI_SUCCESS) {
            fprintf(stderr, "primer: MPI_Init failed\n");
            return CLI_FAILURE;
        }
        mpi_started = 1;
        MPI_Comm_rank(MPI_COMM_WORLD, &world_rank);
        MPI_Comm_size(MPI_COMM_WORLD, &world_size);
        world = (pr_train_distributed){world_rank, world_size, mpi_allreduce, NULL};
        /* rank 0 alone prints; the others keep stderr for their errors */
        if (world_rank > 0 && !freopen("/dev/null", "w", stdout)) return CLI_FAILURE;
#else
        (void)argc;
        (void)argv;
        if (env_int("OMPI_COMM_WORLD_RANK") == 0 && env_int("PMI_RANK") == 0)
            fprintf(stderr, "primer: started by mpirun, but this primer was built without MPI: each process runs "
                            "alone (install libopenmpi-dev and rebuild, or make MPI=1)\n");
#endif
    }
    int cpus = pr_cpu_count();
    if (threads > cpus)
        return cli_usage_error("--threads %d: this machine has %d CPU%s online (use at most %d)", threads, cpus,
                               cpus == 1 ? "" : "s", cpus);
    int explicit = threads > 0;
    if (threads <= 0) {
        /* the CPUs shared among the processes mpirun put on this machine */
        int local = env_int("OMPI_COMM_WORLD_LOCAL_SIZE");
        if (local < 1) local = world_size > 1 ? world_size : 1;
        threads = cpus / local > 0 ? cpus / local : 1;
    }
    /* under ulimit -v: as many threads as have room for OpenBLAS's buffers (and 32 MB
       of data), and an error, not a hang, when not even one has */
    int fit, asked = threads;
    if (pr_blas_check_memory_limit(threads, (size_t)32 << 20, &fit)) {
        if (fit < 1 || explicit) return cli_library_error("memory limit");
        pr_clear_error();
        threads = fit;
        fprintf(stderr, "primer: note: the address-space limit (ulimit -v) leaves room for %d of %d threads; using %d\n",
                fit, asked, fit);
    }
    if (pr_threads_new(&pool, threads)) return cli_library_error("--threads");
    if (pr_set_num_threads(threads) && threads > 1) pr_clear_error(); /* a BLAS without thread control */
    return CLI_OK;
}

void cli_parallel_finish(int status) {
    pr_threads_free(pool);
    pool = NULL;
#ifdef PRIMER_MPI
    if (mpi_started) {
        fflush(NULL);
        /* a failure on one process would leave the others waiting in a sum: stop them */
        if (status != CLI_OK && world_size > 1) MPI_Abort(MPI_COMM_WORLD, status);
        MPI_Finalize();
    }
#else
    (void)status;
#endif
}

pr_threads *cli_threads(void) { return pool; }
int cli_mpi_built_in(void) {
#ifdef PRIMER_MPI
    return 1;
#else
    return 0;
#endif
}
int cli_rank(void) { return world_rank; }
int cli_world_size(void) { return world_size; }
const pr_train_distributed *cli_distributed(void) { return world_size > 1 ? &world : NULL; }
