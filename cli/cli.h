/* The primer command: shared declarations. Each subcommand lives in its own
 * cli/cmd_*.c file and is listed once, in the command table in main.c. */
#ifndef PRIMER_CLI_H
#define PRIMER_CLI_H

#include <stdio.h>

#include "primer.h"

/* Exit statuses of the tool. */
enum { CLI_OK = 0, CLI_FAILURE = 1, CLI_USAGE = 2 };

typedef struct cli_command {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv); /* argv[0] is the subcommand's name */
    const char *usage;                 /* full help text */
} cli_command;

extern const cli_command cli_info_command;
extern const cli_command cli_example_command;
extern const cli_command cli_data_command;

/* "primer: error: <message>" on stderr; returns CLI_USAGE. */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "primer: error: <what>: <library message>" on stderr; returns CLI_FAILURE. */
int cli_library_error(const char *what);
/* Parse a whole decimal integer in [lo, hi]; returns 1 on success. */
int cli_parse_int(const char *s, long long lo, long long hi, long long *out);
/* Write s as a JSON string literal (with quotes). */
void cli_json_string(FILE *f, const char *s);
/* 1 when arg is "-h" or "--help". */
int cli_is_help(const char *arg);

#endif
