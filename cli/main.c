/* primer — the command-line tool. Global options, then one subcommand from the table. */
#include <string.h>

#include "cli/cli.h"

/* The one list of subcommands; `primer --help` and dispatch both read it. */
static const cli_command *const commands[] = {
    &cli_train_command,
    &cli_eval_command,
    &cli_predict_command,
    &cli_fit_command,
    &cli_reduce_command,
    &cli_encode_command,
    &cli_sample_command,
    &cli_metrics_command,
    &cli_generate_command,
    &cli_example_command,
    &cli_data_command,
    &cli_layers_command,
    &cli_info_command,
};
enum { N_COMMANDS = sizeof commands / sizeof commands[0] };

static void print_help(FILE *f) {
    fprintf(f, "usage: primer [--threads N] <command> [options]\n"
               "       primer --help | --version\n"
               "\n"
               "primer implements the Machine Learning Primer in C: linear algebra,\n"
               "calculus, probability, classical models and neural networks.\n"
               "\n"
               "commands:\n");
    for (int i = 0; i < N_COMMANDS; i++) fprintf(f, "  %-10s %s\n", commands[i]->name, commands[i]->summary);
    fprintf(f, "\n"
               "options:\n"
               "  --threads N   worker threads (1 to the CPUs online; default: all of them, shared\n"
               "                among the processes mpirun starts on this machine)\n"
               "  --version     print the version\n"
               "  -h, --help    this help; 'primer <command> --help' for a command\n"
               "\n"
               "exit status: 0 success, 1 failure, 2 usage error\n");
}

int main(int argc, char **argv) {
    pr_blas_restart_preferred(argv); /* OpenBLAS's best kernels for this CPU (primer/linalg.h) */
    int i = 1, threads = 0;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (cli_is_help(argv[i])) {
            print_help(stdout);
            return CLI_OK;
        }
        if (!strcmp(argv[i], "--version")) {
            printf("primer %s\n", pr_version());
            return CLI_OK;
        }
        if (!strcmp(argv[i], "--threads")) {
            long long n;
            if (i + 1 >= argc || !cli_parse_int(argv[i + 1], 1, PR_THREADS_MAX, &n))
                return cli_usage_error("--threads needs a number from 1 to the CPUs online (%d here)", pr_cpu_count());
            threads = (int)n;
            i++;
            continue;
        }
        return cli_usage_error("unknown option '%s' (see primer --help)", argv[i]);
    }
    if (i >= argc) {
        print_help(stderr);
        return CLI_USAGE;
    }
    const cli_command *command = NULL;
    for (int c = 0; c < N_COMMANDS; c++)
        if (!strcmp(argv[i], commands[c]->name)) command = commands[c];
    if (!command) return cli_usage_error("unknown command '%s' (see primer --help)", argv[i]);
    int rc = cli_parallel_start(&argc, &argv, threads);
    if (rc == CLI_OK) rc = command->run(argc - i, argv + i);
    cli_parallel_finish(rc);
    return rc;
}
