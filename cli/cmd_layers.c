/* primer layers: the layer registry (every layer of the model language, its
 * arguments, help and PyTorch module), as a table or as JSON. */
#include <string.h>

#include "cli/cli.h"

/* "name   help", the help on the next line when the name is long. */
static void entry(FILE *f, const char *indent, const char *name, const char *help) {
    if (strlen(name) < 22) fprintf(f, "%s%-22s %s\n", indent, name, help);
    else fprintf(f, "%s%s\n%s%-22s %s\n", indent, name, indent, "", help);
}

void cli_print_layer_language(FILE *f, const char *indent) {
    char syntax[256];
    for (int i = 0; i < pr_architecture_count(); i++) {
        const pr_architecture_info *a = pr_architecture_at(i);
        entry(f, indent, a->syntax, a->help);
    }
    for (int i = 0; i < pr_layer_count(); i++) {
        const pr_layer_info *l = pr_layer_at(i);
        entry(f, indent, pr_layer_syntax(l, syntax, sizeof syntax), l->help);
    }
}

void cli_print_usage(FILE *f, const char *usage) {
    /* each "@LAYERS@" line is the layer language, each "@READ@" line the reader options */
    for (const char *p = usage; *p;) {
        const char *layers = strstr(p, "@LAYERS@\n"), *read = strstr(p, "@READ@\n");
        const char *mark = layers && (!read || layers < read) ? layers : read;
        if (!mark) {
            fputs(p, f);
            return;
        }
        fwrite(p, 1, (size_t)(mark - p), f);
        if (mark == layers) cli_print_layer_language(f, "                        ");
        else fputs(CLI_READ_HELP, f);
        p = strchr(mark, '\n') + 1;
    }
}

static int run_layers(int argc, char **argv) {
    int json = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) json = 1;
        else if (cli_is_help(argv[i])) {
            cli_print_usage(stdout, cli_layers_command.usage);
            return CLI_OK;
        } else
            return cli_usage_error("layers: unknown option '%s' (see primer layers --help)", argv[i]);
    }
    if (json) return pr_layers_write_json(stdout) ? cli_library_error("layers") : CLI_OK;
    char syntax[256];
    printf("Named models:\n");
    for (int i = 0; i < pr_architecture_count(); i++) {
        const pr_architecture_info *a = pr_architecture_at(i);
        printf("  %s\n      %s\n", a->syntax, a->help);
    }
    printf("\nLayers, separated by commas (ARG: a number; a|b: one of the words; [...]: optional):\n");
    for (int i = 0; i < pr_layer_count(); i++) {
        const pr_layer_info *l = pr_layer_at(i);
        printf("  %s\n      %s\n", pr_layer_syntax(l, syntax, sizeof syntax), l->help);
        for (int a = 0; a < l->n_args; a++) {
            const pr_layer_arg *arg = &l->args[a];
            char name[64];
            size_t k = 0;
            for (; arg->name[k] && k + 1 < sizeof name; k++)
                name[k] = (char)(arg->name[k] >= 'a' && arg->name[k] <= 'z' ? arg->name[k] - 32 : arg->name[k]);
            name[k] = '\0';
            if (arg->kind == PR_ARG_CHOICE) {
                printf("      %-16s %s", arg->name, arg->help);
                if (!arg->required) printf(" (default %s)", arg->choices[(int)arg->default_value]);
            } else if (arg->kind == PR_ARG_INT) {
                printf("      %-16s %s: a whole number from %.0f to %.0f", name, arg->help, arg->min, arg->max);
                if (!arg->required && arg->default_from) printf(" (default: its %s)", arg->default_from);
                else if (!arg->required) printf(" (default %.0f)", arg->default_value);
            } else {
                printf("      %-16s %s: a number in %s%g, %g%s", name, arg->help, arg->min_open ? "(" : "[", arg->min,
                       arg->max, arg->max_open ? ")" : "]");
                if (!arg->required) printf(" (default %g)", arg->default_value);
            }
            printf("\n");
        }
        printf("      %-16s %s\n      %-16s %s (per-row input %s)\n", "PyTorch", l->torch, "example", l->example,
               l->example_input);
    }
    return CLI_OK;
}

const cli_command cli_layers_command = {
    "layers", "list the layers of the model language, their arguments and PyTorch modules", run_layers,
    "usage: primer layers [--json]\n"
    "\n"
    "List every layer `primer train --model` accepts, with its arguments (kinds,\n"
    "ranges, defaults), a one-line description, the PyTorch module it corresponds to\n"
    "and an example; and the named models. The same table the parser reads:\n"
    "\n"
    "@LAYERS@\n"
    "\n"
    "  --json   the registry as one JSON object (scripts/torch_check_model.py reads it)\n"};
