/* primer — the command-line tool. Global options, then one subcommand from the table. */
#define _GNU_SOURCE /* fopencookie: stderr copied for --json errors */
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

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
    &cli_inspect_command,
    &cli_import_command,
    &cli_example_command,
    &cli_data_command,
    &cli_layers_command,
    &cli_info_command,
};
enum { N_COMMANDS = sizeof commands / sizeof commands[0] };

static void print_help(FILE *f) {
    fprintf(f, "usage: primer [--threads N] <command> [options]\n"
               "       primer help [COMMAND] | --help | --version\n"
               "       primer help --man   (this manual as a man page: man primer once installed)\n"
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
               "  -V, --version print the version\n"
               "  -h, --help    this help; 'primer help <command>' or 'primer <command> --help'\n"
               "                for a command\n"
               "\n"
               "Options take their value as '--opt value' or '--opt=value'. With --json, a\n"
               "failure also prints {\"error\": MESSAGE, \"status\": N} on standard output.\n"
               "\n"
               "exit status: 0 success, 1 failure, 2 usage error, 130 interrupted\n");
}

/* Text as troff: every line as it is (the page is set without filling), with
 * backslashes escaped, a leading '.' or '\'' kept from being a request, and '-' as
 * the minus sign troff would otherwise hyphenate. */
static void troff_text(FILE *f, const char *text) {
    for (int line_start = 1; *text; text++) {
        if (line_start && (*text == '.' || *text == '\'')) fputs("\\&", f);
        if (*text == '\\') fputs("\\e", f);
        else if (*text == '-') fputs("\\-", f);
        else fputc(*text, f);
        line_start = *text == '\n';
    }
}

/* The same text through a memory stream, for help printers that write to a FILE. */
static void troff_of(FILE *f, void (*print)(FILE *, const char *), const char *arg) {
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    if (!mem) return;
    print(mem, arg);
    fclose(mem);
    fputs(".nf\n", f);
    troff_text(f, text ? text : "");
    fputs(".fi\n", f);
    free(text);
}

static void print_help(FILE *f);
static void print_main_help(FILE *f, const char *unused) {
    (void)unused;
    print_help(f);
}

/* primer help --man: the manual page, made from the help texts themselves (the
 * build installs it as primer.1), so the two never differ. */
static void print_man(FILE *f) {
    fprintf(f, ".TH PRIMER 1 \"\" \"primer %s\" \"User Commands\"\n"
               ".SH NAME\nprimer \\- the Machine Learning Primer's models, from the command line\n"
               ".SH SYNOPSIS\n.B primer\n[\\-\\-threads N] COMMAND [options]\n"
               ".SH DESCRIPTION\n",
            pr_version());
    troff_of(f, print_main_help, NULL);
    fputs(".SH COMMANDS\n", f);
    for (int i = 0; i < N_COMMANDS; i++) {
        fprintf(f, ".SS %s\n", commands[i]->name);
        troff_text(f, commands[i]->summary);
        fputs("\n.PP\n", f);
        troff_of(f, cli_print_usage, commands[i]->usage);
    }
    fputs(".SH SEE ALSO\nThe README and docs/ of primer's sources; primer help COMMAND.\n", f);
}

static const cli_command *find_command(const char *name) {
    for (int c = 0; c < N_COMMANDS; c++)
        if (!strcmp(name, commands[c]->name)) return commands[c];
    return NULL;
}

/* "--opt=value" as the two arguments "--opt" "value": a new argv (one block, for
 * free()) whose strings are the originals, the values inside them, or the option names
 * copied into the block after the pointers. NULL when out of memory. */
static char **split_equals(int *argc, char **argv) {
    size_t names = 0;
    for (int i = 0; i < *argc; i++)
        if (argv[i][0] == '-' && argv[i][1] == '-' && strchr(argv[i], '=')) names += strlen(argv[i]) + 1;
    char **out = malloc(((size_t)*argc * 2 + 1) * sizeof *out + names);
    if (!out) return NULL;
    char *copy = (char *)(out + (size_t)*argc * 2 + 1);
    int n = 0;
    for (int i = 0; i < *argc; i++) {
        char *eq = argv[i][0] == '-' && argv[i][1] == '-' ? strchr(argv[i], '=') : NULL;
        if (!eq || eq == argv[i] + 2) {
            out[n++] = argv[i];
            continue;
        }
        size_t len = (size_t)(eq - argv[i]);
        out[n++] = memcpy(copy, argv[i], len);
        copy[len] = '\0';
        copy += len + 1;
        out[n++] = eq + 1;
    }
    out[n] = NULL;
    *argc = n;
    return out;
}

/* ---- --json: the error as JSON on stdout, from what went to stderr ---------------------------- */

static char error_text[4096];
static size_t error_len;
static int error_state; /* 0 before the first error line, 1 after it (its indented hints follow), 2 done */

/* One whole line of stderr: the first "primer: error: " line, and the hint lines
 * (indented by two spaces) right after it, become the JSON message. */
static void take_line(const char *line, size_t n) {
    static const char prefix[] = "primer: error: ";
    size_t p = sizeof prefix - 1;
    const char *text = NULL;
    size_t len = 0;
    if (error_state == 0 && n >= p && !memcmp(line, prefix, p)) {
        text = line + p;
        len = n - p;
        error_state = 1;
    } else if (error_state == 1 && n > 2 && !memcmp(line, "  ", 2)) {
        text = line + 2;
        len = n - 2;
        if (error_len + 1 < sizeof error_text) error_text[error_len++] = '\n';
    } else if (error_state == 1) {
        error_state = 2;
    }
    if (len > sizeof error_text - 1 - error_len) len = sizeof error_text - 1 - error_len;
    if (text) memcpy(error_text + error_len, text, len);
    error_len += len;
}

static ssize_t tee_write(void *cookie, const char *buf, size_t n) {
    (void)cookie;
    for (size_t done = 0; done < n;) {
        ssize_t w = write(STDERR_FILENO, buf + done, n - done);
        if (w <= 0) break;
        done += (size_t)w;
    }
    static char line[1024];
    static size_t line_len;
    for (size_t i = 0; i < n; i++) {
        if (buf[i] == '\n' || buf[i] == '\r') {
            take_line(line, line_len);
            line_len = 0;
        } else if (line_len < sizeof line) {
            line[line_len++] = buf[i];
        }
    }
    return (ssize_t)n;
}

static void copy_stderr_for_json(void) {
    cookie_io_functions_t io = {.write = tee_write};
    FILE *f = fopencookie(NULL, "w", io);
    if (!f) return;
    setvbuf(f, NULL, _IONBF, 0);
    stderr = f;
}

static void print_json_error(int rc) {
    error_text[error_len] = '\0';
    fflush(stdout);
    printf("{\"error\": ");
    cli_json_string(stdout, error_len ? error_text : rc == CLI_USAGE ? "usage error" : "failed");
    printf(", \"status\": %d}\n", rc);
}

static int run(int argc, char **argv) {
    int i = 1, threads = 0, json = 0;
    for (int k = 1; k < argc; k++) json |= !strcmp(argv[k], "--json");
    if (json) copy_stderr_for_json();
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (cli_is_help(argv[i])) {
            print_help(stdout);
            return CLI_OK;
        }
        if (!strcmp(argv[i], "--version") || !strcmp(argv[i], "-V")) {
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
    if (!strcmp(argv[i], "help")) { /* primer help [COMMAND | --man] */
        if (i + 1 >= argc) {
            print_help(stdout);
            return CLI_OK;
        }
        if (!strcmp(argv[i + 1], "--man")) {
            print_man(stdout);
            return CLI_OK;
        }
        const cli_command *c = find_command(argv[i + 1]);
        if (!c) return cli_usage_error("help: unknown command '%s' (see primer --help)", argv[i + 1]);
        cli_print_usage(stdout, c->usage);
        return CLI_OK;
    }
    const cli_command *command = find_command(argv[i]);
    int rc = command ? CLI_OK : cli_usage_error("unknown command '%s' (see primer --help)", argv[i]);
    if (command) rc = cli_parallel_start(&argc, &argv, threads);
    if (rc == CLI_OK) rc = command->run(argc - i, argv + i);
    if (command) cli_parallel_finish(rc);
    if (json && rc != CLI_OK) print_json_error(rc);
    return rc;
}

int main(int argc, char **argv) {
    pr_blas_restart_preferred(argv); /* OpenBLAS's best kernels for this CPU (primer/linalg.h) */
    char **args = split_equals(&argc, argv);
    if (!args) {
        fprintf(stderr, "primer: error: out of memory\n");
        return CLI_FAILURE;
    }
    int rc = run(argc, args);
    free(args);
    return rc;
}
