/* primer info: the version, the BLAS and LAPACK in use, threads. */
#include <string.h>

#include "cli/cli.h"

/* A saved network's layers, output shapes and parameters (primer info --model FILE). */
static int model_summary(const char *path) {
    pr_model *m;
    if (pr_model_load(path, &m)) return cli_library_error("loading the model");
    int64_t shape[PR_MAX_DIMS];
    int nd = pr_model_input_shape(m, shape);
    printf("model: %s\ntask: %s", path, pr_task_name(pr_model_task(m)));
    if (pr_model_task(m) == PR_TASK_CLASSIFICATION) printf(", %lld classes", (long long)pr_model_class_count(m));
    printf("\ninput: (N");
    for (int d = 0; d < nd; d++) printf(", %lld", (long long)shape[d]);
    printf(")%s\n", pr_model_has_standardization(m) ? ", standardized" : "");
    int rc = pr_model_summary(m, stdout) ? cli_library_error("summary") : CLI_OK;
    pr_model_free(m);
    return rc;
}

static int run_info(int argc, char **argv) {
    int json = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--model")) {
            if (i + 1 >= argc) return cli_usage_error("info: --model needs a file saved by primer train");
            return model_summary(argv[i + 1]);
        }
        if (!strcmp(argv[i], "--json")) json = 1;
        else if (cli_is_help(argv[i])) {
            fputs(cli_info_command.usage, stdout);
            return CLI_OK;
        } else
            return cli_usage_error("info: unknown option '%s' (see primer info --help)", argv[i]);
    }
    pr_backend_info info;
    pr_backend_info_get(&info);
    if (json) {
        printf("{\"version\": ");
        cli_json_string(stdout, pr_version());
        printf(", \"blas\": ");
        cli_json_string(stdout, info.blas);
        printf(", \"lapack\": ");
        cli_json_string(stdout, info.lapack);
        printf(", \"blas_threads\": %d, \"threads\": %d, \"cpus\": %d, \"mpi\": %s, \"processes\": %d, "
               "\"dtypes\": [\"float32\", \"float64\", \"int32\", \"int64\"]}\n",
               info.blas_threads, pr_threads_count(cli_threads()), info.cpu_count, cli_mpi_built_in() ? "true" : "false",
               cli_world_size());
        return CLI_OK;
    }
    printf("primer %s\n", pr_version());
    printf("BLAS:     %s\n", info.blas);
    printf("LAPACK:   %s\n", info.lapack);
    printf("threads:  %d BLAS thread%s, %d CPU%s online\n", info.blas_threads, info.blas_threads == 1 ? "" : "s",
           info.cpu_count, info.cpu_count == 1 ? "" : "s");
    printf("workers:  %d thread%s (--threads)\n", pr_threads_count(cli_threads()),
           pr_threads_count(cli_threads()) == 1 ? "" : "s");
    printf("MPI:      %s\n", cli_mpi_built_in() ? "built in (mpirun -np K primer train ...)" : "not built in");
    printf("dtypes:   float32 float64 int32 int64\n");
    return CLI_OK;
}

const cli_command cli_info_command = {
    "info", "show the version, the BLAS/LAPACK in use and the thread count", run_info,
    "usage: primer info [--json]\n"
    "       primer info --model FILE\n"
    "\n"
    "Print primer's version, the BLAS and LAPACK libraries it is linked with,\n"
    "the number of threads BLAS uses and the CPUs online.\n"
    "\n"
    "  --json   one JSON object instead of the table\n"
    "  --model FILE  a network saved by primer train: its layers, each one's output\n"
    "           shape and parameters (the model summary)\n"};
