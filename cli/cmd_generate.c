/* primer generate: sample text from a language model trained with --task lm. */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static int run_generate(int argc, char **argv) {
    const char *model = NULL, *prompt = NULL;
    long long tokens = 200, top_k = 0, seed = 0;
    double temperature = 1;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (cli_is_help(arg)) {
            cli_print_usage(stdout, cli_generate_command.usage);
            return CLI_OK;
        }
        if (i + 1 >= argc) return cli_usage_error("generate: %s needs a value (see primer generate --help)", arg);
        const char *v = argv[++i];
        if (!strcmp(arg, "--model")) model = v;
        else if (!strcmp(arg, "--prompt")) prompt = v;
        else if (!strcmp(arg, "--tokens")) {
            if (!cli_parse_int(v, 0, 1LL << 24, &tokens))
                return cli_usage_error("generate: --tokens needs a whole number from 0 to %lld, got '%s'", 1LL << 24, v);
        } else if (!strcmp(arg, "--top-k")) {
            if (!cli_parse_int(v, 0, 1LL << 31, &top_k))
                return cli_usage_error("generate: --top-k needs a whole number >= 0, got '%s'", v);
        } else if (!strcmp(arg, "--seed")) {
            if (!cli_parse_int(v, 0, 9007199254740991LL, &seed))
                return cli_usage_error("generate: --seed needs a whole number >= 0, got '%s'", v);
        } else if (!strcmp(arg, "--temperature")) {
            if (!cli_parse_double(v, 0, 1e6, &temperature))
                return cli_usage_error("generate: --temperature needs a number from 0 to 1e6, got '%s'", v);
        } else {
            return cli_usage_error("generate: unknown option '%s' (see primer generate --help)", arg);
        }
    }
    if (!model) return cli_usage_error("generate: --model FILE is required (a model trained with --task lm)");
    pr_model *m;
    if (pr_model_load(model, &m)) return cli_library_error(model);
    const pr_vocab *vocab = pr_model_vocab(m);
    if (!vocab) {
        pr_model_free(m);
        fprintf(stderr, "primer: error: %s has no vocabulary: it is not a language model (train one with --task lm)\n",
                model);
        return CLI_FAILURE;
    }
    pr_tensor *ids = NULL, *out = NULL;
    int rc = CLI_OK;
    if (prompt && !*prompt) {
        fprintf(stderr, "primer: error: generate: the prompt is empty\n");
        rc = CLI_FAILURE;
    } else if (prompt) {
        if (pr_vocab_encode(vocab, prompt, strlen(prompt), &ids)) rc = cli_library_error("--prompt");
    } else if (pr_tensor_zeros(&ids, PR_F64, 1, (int64_t[]){1}) == PR_OK) { /* the first token: often '\n' */
        int64_t nl = -1;
        for (int64_t k = 0; k < pr_vocab_size(vocab) && nl < 0; k++)
            if (pr_vocab_code(vocab, k) == '\n') nl = k;
        pr_tensor_set(ids, 0, nl < 0 ? 0 : (double)nl);
    }
    pr_generate_options o = {.tokens = tokens, .temperature = temperature, .top_k = top_k, .seed = (uint64_t)seed};
    if (!rc && pr_model_generate(m, ids, &o, &out)) rc = cli_library_error("generate");
    if (!rc) {
        cli_print_tokens(stdout, vocab, out, prompt ? 0 : 1);
        printf("\n");
    }
    pr_tensor_free(ids);
    pr_tensor_free(out);
    pr_model_free(m);
    return rc;
}

const cli_command cli_generate_command = {
    "generate", "sample text from a language model (trained with train --task lm)", run_generate,
    "usage: primer generate --model FILE [--prompt TEXT] [--tokens N] [--temperature T]\n"
    "                       [--top-k K] [--seed S]\n"
    "\n"
    "Continue the prompt with N tokens sampled from the model's next-token\n"
    "distribution, and print the prompt and its continuation.\n"
    "\n"
    "  --model FILE        a language model (primer train --task lm)\n"
    "  --prompt TEXT       where to start (default: a new line); its characters must be\n"
    "                      in the model's vocabulary\n"
    "  --tokens N          how many tokens to add (default 200)\n"
    "  --temperature T     divide the logits by T (default 1; lower is more predictable,\n"
    "                      0 always takes the most likely token)\n"
    "  --top-k K           sample among the K most likely tokens only (default 0: all)\n"
    "  --seed S            the same seed and model give the same text (default 0)\n"};
