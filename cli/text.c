/* Text for language models on the command line: --text FILE or the fortunes corpus,
 * and printing tokens. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static int name_order(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Every collection of the fortunes package: plain files without an extension
 * (strfile's .dat indexes and the .u8 links are skipped). */
static int load_fortunes(char **text, size_t *len) {
    DIR *dir = opendir(PR_FORTUNES_DIR);
    if (!dir) {
        fprintf(stderr, "primer: error: the fortunes corpus is not installed (%s is missing): install Debian's package "
                        "fortunes (scripts/install-deps.sh --datasets), or give --text FILE\n",
                PR_FORTUNES_DIR);
        return CLI_FAILURE;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    for (struct dirent *e; (e = readdir(dir));) {
        if (e->d_name[0] == '.' || strchr(e->d_name, '.')) continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            char **grown = realloc(names, cap * sizeof *names);
            if (!grown) break;
            names = grown;
        }
        names[n] = strdup(e->d_name);
        if (names[n]) n++;
    }
    closedir(dir);
    qsort(names, n, sizeof *names, name_order);
    size_t total = 0, cap_text = 0;
    char *all = NULL;
    int rc = CLI_OK;
    for (size_t i = 0; i < n && !rc; i++) {
        char path[512], *part;
        size_t part_len;
        snprintf(path, sizeof path, "%s/%s", PR_FORTUNES_DIR, names[i]);
        if (pr_text_read(path, NULL, &part, &part_len)) continue; /* a link to nowhere, a directory */
        if (total + part_len + 1 > cap_text) {
            cap_text = 2 * (total + part_len + 1);
            char *grown = realloc(all, cap_text);
            if (!grown) rc = cli_usage_error("out of memory");
            else all = grown;
        }
        if (!rc) {
            memcpy(all + total, part, part_len);
            total += part_len;
            all[total] = '\0';
        }
        free(part);
    }
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
    if (!rc && !total) {
        fprintf(stderr, "primer: error: %s holds no collections\n", PR_FORTUNES_DIR);
        rc = CLI_FAILURE;
    }
    if (rc) {
        free(all);
        return rc;
    }
    *text = all;
    *len = total;
    return CLI_OK;
}

int cli_text_load(const char *arg, char **text, size_t *len, char **source) {
    *source = strdup(arg ? arg : "fortunes");
    if (!*source) return cli_usage_error("out of memory");
    if (!arg || !strcmp(arg, "fortunes")) return load_fortunes(text, len);
    if (pr_text_read(arg, NULL, text, len)) return cli_library_error("--text");
    return CLI_OK;
}

void cli_print_tokens(FILE *f, const pr_vocab *v, const pr_tensor *ids, int64_t from) {
    char buf[5];
    for (int64_t i = from; i < ids->size; i++) {
        int n = pr_vocab_token_text(v, (int64_t)pr_tensor_get(ids, i), buf);
        fwrite(buf, 1, (size_t)n, f);
    }
}

void cli_print_sample(pr_model *m, const pr_tensor *X, int64_t n, uint64_t seed) {
    const pr_vocab *v = pr_model_vocab(m);
    if (!v || !X || X->shape[0] < 1) return;
    int64_t T = X->shape[1], L = T < 16 ? T : 16;
    pr_tensor *prompt, *ids;
    if (pr_tensor_zeros(&prompt, PR_F64, 1, (int64_t[]){L})) return;
    for (int64_t t = 0; t < L; t++) pr_tensor_set(prompt, t, pr_tensor_get(X, t));
    pr_generate_options o = PR_GENERATE_DEFAULTS;
    o.tokens = n;
    o.temperature = 0.8;
    o.seed = seed;
    if (pr_model_generate(m, prompt, &o, &ids) == PR_OK) {
        printf("sample (temperature 0.8): ");
        cli_print_tokens(stdout, v, ids, 0);
        printf("\n");
        pr_tensor_free(ids);
    }
    pr_tensor_free(prompt);
}
