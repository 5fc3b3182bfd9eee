/* primer example: run the book's worked examples by name or by the book's number. */
#include <errno.h>
#include <string.h>

#include "cli/cli.h"

#define CLI_EXAMPLE_DIR "primer-figures"
#include "examples/book/examples.h"

static void list_examples(int json) {
    if (json) {
        printf("[");
        for (int i = 0; i < book_example_count; i++) {
            const book_example *e = &book_examples[i];
            printf("%s{\"name\": ", i ? ", " : "");
            cli_json_string(stdout, e->name);
            printf(", \"aliases\": ");
            cli_json_string(stdout, e->aliases);
            printf(", \"chapter\": %d, \"summary\": ", e->chapter);
            cli_json_string(stdout, e->summary);
            printf("}");
        }
        printf("]\n");
        return;
    }
    printf("%-24s %-36s %s\n", "NAME", "BOOK", "WHAT IT SHOWS");
    for (int i = 0; i < book_example_count; i++)
        printf("%-24s %-36s %s\n", book_examples[i].name, book_examples[i].aliases, book_examples[i].summary);
}

static int run_one(const book_example *e, const example_context *ctx) {
    pr_clear_error();
    example_clear_failure();
    pr_status st = e->run(ctx);
    fflush(ctx->out);
    if (st) {
        const char *why = *example_failure() ? example_failure()
                          : *pr_last_error() ? pr_last_error()
                                             : pr_status_describe(st);
        fprintf(stderr, "primer: error: example %s: %s\n", e->name, why);
        return CLI_FAILURE;
    }
    return CLI_OK;
}

static int run_example(int argc, char **argv) {
    const char *name = NULL, *out_dir = NULL, *model = NULL;
    int list = 0, all = 0, json = 0;
    long long chapter = 0, seed = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (cli_is_help(a)) {
            fputs(cli_example_command.usage, stdout);
            return CLI_OK;
        } else if (!strcmp(a, "--list")) list = 1;
        else if (!strcmp(a, "--all")) all = 1;
        else if (!strcmp(a, "--json")) json = 1;
        else if (!strcmp(a, "--out")) {
            if (++i >= argc) return cli_usage_error("example: --out needs a directory");
            out_dir = argv[i];
        } else if (!strcmp(a, "--model")) {
            if (++i >= argc) return cli_usage_error("example: --model needs a model file (saved by primer train)");
            model = argv[i];
        } else if (!strcmp(a, "--seed")) {
            if (++i >= argc || !cli_parse_int(argv[i], 0, INT64_MAX, &seed))
                return cli_usage_error("example: --seed needs a non-negative integer");
        } else if (!strcmp(a, "--chapter")) {
            if (++i >= argc || !cli_parse_int(argv[i], 1, 12, &chapter))
                return cli_usage_error("example: --chapter needs a chapter number from 1 to 12");
        } else if (a[0] == '-') {
            return cli_usage_error("example: unknown option '%s' (see primer example --help)", a);
        } else if (name) {
            return cli_usage_error("example: one example at a time ('%s' and '%s'); use --all for every one", name, a);
        } else {
            name = a;
        }
    }
    if (list) {
        list_examples(json);
        return CLI_OK;
    }
    if (!name && !all) return cli_usage_error("example: name an example, or use --list or --all");
    const book_example *e = NULL;
    if (name && !(e = book_example_find(name)))
        return cli_usage_error("example: no example called '%s' (see primer example --list)", name);
    /* nothing lands in the working directory unasked: figures go to a folder of their own,
       made when the first is written, and every "wrote" line names it */
    if (!out_dir) out_dir = CLI_EXAMPLE_DIR;
    else if (cli_make_dirs(out_dir) != 0) {
        fprintf(stderr, "primer: error: example: cannot create the output directory '%s': %s\n", out_dir,
                strerror(errno));
        return CLI_FAILURE;
    }
    example_context ctx = {stdout, out_dir, (uint64_t)seed, model};
    if (e) return run_one(e, &ctx);
    int failures = 0, ran = 0;
    for (int i = 0; i < book_example_count; i++) {
        if (chapter && book_examples[i].chapter != chapter) continue;
        printf("%s== %s (%s): %s ==\n", ran ? "\n" : "", book_examples[i].name, book_examples[i].aliases,
               book_examples[i].summary);
        failures += run_one(&book_examples[i], &ctx) != CLI_OK;
        ran++;
    }
    printf("\nran %d example%s, %d failed\n", ran, ran == 1 ? "" : "s", failures);
    return failures ? CLI_FAILURE : CLI_OK;
}

const cli_command cli_example_command = {
    "example", "run a worked example of the book (primer example --list)", run_example,
    "usage: primer example NAME [--out DIR] [--seed N] [--model FILE]\n"
    "       primer example --all [--chapter N] [--out DIR] [--seed N]\n"
    "       primer example --list [--json]\n"
    "\n"
    "Run one of the book's worked examples and print what the book prints.\n"
    "NAME is the example's name or the book's number for it (listing-1.2,\n"
    "example-1.4, q1.8, figure-1.2). Examples that draw write an SVG file.\n"
    "\n"
    "  --list        list the examples with their book numbers\n"
    "  --all         run every example (of one chapter with --chapter N)\n"
    "  --out DIR     where figures go (default: primer-figures/; created if needed)\n"
    "  --seed N      seed of the random generator for examples that draw random data (default 0)\n"
    "  --model FILE  a model saved by primer train, for examples that look inside one\n"
    "                (cnn-filters: its first-layer filters and feature maps)\n"
    "  --json        with --list: JSON output\n"};
