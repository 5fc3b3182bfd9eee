/* primer inspect: what a saved model file holds, without reading the source: its kind,
 * spec and layers, the features and classes, the column encoding (categories and
 * imputed values), the standardisation, the training settings and final metrics, and
 * the primer version that wrote it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

#define SHOWN_NAMES 12

static void json_key(const char *key, int *first) {
    printf("%s", *first ? "{" : ", ");
    *first = 0;
    cli_json_string(stdout, key);
    printf(": ");
}

static void print_names(const char *title, const char *const *names, int64_t n, int json, int *first) {
    if (!n) return;
    if (json) {
        json_key(title, first);
        printf("[");
        for (int64_t j = 0; j < n; j++) {
            printf("%s", j ? ", " : "");
            cli_json_string(stdout, names[j] ? names[j] : "");
        }
        printf("]");
        return;
    }
    printf("%s (%lld):", title, (long long)n);
    for (int64_t j = 0; j < n && j < SHOWN_NAMES; j++) printf(" %s", names[j] ? names[j] : "?");
    if (n > SHOWN_NAMES) printf(" ... (%lld more)", (long long)(n - SHOWN_NAMES));
    printf("\n");
}

/* The column encoding: each input, its categories and its fill. */
static int print_encoding(const char *json_text, int json, int *first) {
    pr_encoding *e;
    if (pr_encoding_from_json(json_text, "the column encoding", &e)) return cli_library_error("inspect");
    const char *const *classes;
    int64_t K = pr_encoding_classes(e, &classes);
    if (json) {
        json_key("encoding", first);
        fputs(json_text, stdout); /* primer's own JSON, already valid */
    } else {
        printf("columns (%lld read from the file, %lld features after encoding; missing values: %s):\n",
               (long long)pr_encoding_inputs(e), (long long)pr_encoding_outputs(e),
               pr_encoding_impute(e) ? pr_impute_name(pr_encoding_impute(e)) : "refused");
        for (int64_t j = 0; j < pr_encoding_inputs(e); j++) {
            const char *const *levels;
            int64_t L = pr_encoding_input_levels(e, j, &levels);
            double fill = pr_encoding_input_fill(e, j);
            printf("  %-20s ", pr_encoding_input_name(e, j));
            if (L) {
                printf("text, one-hot over %lld categories:", (long long)L);
                for (int64_t l = 0; l < L && l < SHOWN_NAMES; l++) printf(" %s", levels[l]);
                if (L > SHOWN_NAMES) printf(" ...");
            } else {
                printf("number");
            }
            if (fill == fill) {
                if (L) printf("; missing -> %s", levels[(int64_t)fill]);
                else printf("; missing -> %.6g", fill);
            }
            printf("\n");
        }
    }
    if (K) print_names("class names", classes, K, json, first);
    pr_encoding_free(e);
    return CLI_OK;
}

/* Metadata "meta.training": the settings and final metrics the tool recorded. */
static void print_training(const char *text, int json, int *first) {
    if (!text) return;
    if (json) {
        json_key("training", first);
        fputs(text, stdout);
        return;
    }
    printf("training: ");
    for (const char *p = text; *p; p++) /* {"a": 1, "b": "x"} as a: 1, b: x */
        if (*p != '{' && *p != '}' && *p != '"') putchar(*p);
    printf("\n");
}

static int inspect_network(const char *path, const pr_tensor_file *f, int json) {
    pr_model *m;
    if (pr_model_from_tensor_file(f, path, &m)) return cli_library_error("inspect");
    int first = 1;
    int64_t shape[PR_MAX_DIMS];
    int nd = pr_model_input_shape(m, shape);
    int64_t K = pr_model_class_count(m), n = pr_model_input_size(m);
    const char **names = calloc((size_t)(n ? n : 1), sizeof *names);
    for (int64_t j = 0; names && j < n; j++) names[j] = pr_model_feature_name(m, j);
    const char *encoding = pr_model_metadata(m, CLI_META_COLUMNS), *version = pr_tensor_file_meta(f, "primer.version");
    if (json) {
        json_key("file", &first);
        cli_json_string(stdout, path);
        json_key("kind", &first);
        cli_json_string(stdout, "network");
        json_key("primer_version", &first);
        cli_json_string(stdout, version ? version : "");
        json_key("spec", &first);
        cli_json_string(stdout, pr_model_spec(m));
        json_key("task", &first);
        cli_json_string(stdout, pr_task_name(pr_model_task(m)));
        json_key("input_shape", &first);
        printf("[");
        for (int d = 0; d < nd; d++) printf("%s%lld", d ? ", " : "", (long long)shape[d]);
        printf("]");
        json_key("parameters", &first);
        printf("%lld", (long long)pr_model_param_count(m));
        json_key("standardized", &first);
        printf("%s", pr_model_has_standardization(m) ? "true" : "false");
        if (pr_model_task(m) == PR_TASK_CLASSIFICATION) {
            json_key("classes", &first);
            printf("[");
            for (int64_t k = 0; k < K; k++) printf("%s%.17g", k ? ", " : "", pr_model_class_label(m, k));
            printf("]");
        }
        json_key("tensors", &first);
        printf("[");
        for (int64_t i = 0; i < pr_model_tensor_count(m); i++) {
            pr_tensor v;
            pr_model_tensor(m, pr_model_tensor_name(m, i), &v);
            printf("%s{\"name\": ", i ? ", " : "");
            cli_json_string(stdout, pr_model_tensor_name(m, i));
            printf(", \"shape\": [");
            for (int d = 0; d < v.ndim; d++) printf("%s%lld", d ? ", " : "", (long long)v.shape[d]);
            printf("]}");
        }
        printf("]");
        json_key("target", &first);
        cli_json_string(stdout, pr_model_target_name(m) ? pr_model_target_name(m) : "");
    } else {
        printf("file: %s (written by primer %s)\nkind: network, %s\ntask: %s", path, version ? version : "?",
               pr_model_spec(m), pr_task_name(pr_model_task(m)));
        if (pr_model_task(m) == PR_TASK_CLASSIFICATION) printf(", %lld classes", (long long)K);
        if (pr_model_target_name(m)) printf(" (target '%s')", pr_model_target_name(m));
        printf("\ninput: (N");
        for (int d = 0; d < nd; d++) printf(", %lld", (long long)shape[d]);
        printf(")%s\n", pr_model_has_standardization(m) ? ", standardized by the training rows' mean and std" : "");
    }
    if (names && names[0]) print_names("features", names, n, json, &first);
    free(names);
    int rc = encoding ? print_encoding(encoding, json, &first) : CLI_OK;
    print_training(pr_model_metadata(m, "training"), json, &first);
    if (!rc && !json) {
        printf("layers:\n");
        if (pr_model_summary(m, stdout)) rc = cli_library_error("inspect");
    }
    if (json) printf("}\n");
    pr_model_free(m);
    return rc;
}

static int inspect_estimator(const char *path, int json) {
    pr_estimator *e;
    if (pr_estimator_load(path, &e)) return cli_library_error("inspect");
    pr_estimator_config c = pr_estimator_settings(e);
    int first = 1;
    int64_t n = pr_estimator_n_features(e), K = 0;
    const double *classes = pr_estimator_classes(e, &K);
    const char **names = calloc((size_t)(n ? n : 1), sizeof *names);
    for (int64_t j = 0; names && j < n; j++) names[j] = pr_estimator_feature_name(e, j);
    if (json) {
        json_key("file", &first);
        cli_json_string(stdout, path);
        json_key("kind", &first);
        cli_json_string(stdout, pr_estimator_kind_name(c.kind));
        json_key("solver", &first);
        cli_json_string(stdout, pr_solver_name(c.solver));
        json_key("alpha", &first);
        printf("%.17g", c.alpha);
        json_key("degree", &first);
        printf("%d", c.degree);
        json_key("standardized", &first);
        printf("%s", c.standardize ? "true" : "false");
        json_key("features_in", &first);
        printf("%lld", (long long)n);
        json_key("terms", &first);
        printf("%lld", (long long)pr_estimator_n_terms(e));
        if (K) {
            json_key("classes", &first);
            printf("[");
            for (int64_t k = 0; k < K; k++) printf("%s%.17g", k ? ", " : "", classes[k]);
            printf("]");
        }
    } else {
        printf("file: %s\nkind: classical model, %s (solver %s", path, pr_estimator_kind_name(c.kind),
               pr_solver_name(c.solver));
        if (c.kind != PR_EST_LINEAR && c.kind < PR_EST_GAUSSIAN_NB) printf(", alpha %g", c.alpha);
        if (c.degree > 1) printf(", degree %d", c.degree);
        if (c.standardize) printf(", standardized");
        printf(")\n%s, %lld input columns, %lld terms", pr_estimator_is_classifier(e) ? "classifier" : "regressor",
               (long long)n, (long long)pr_estimator_n_terms(e));
        if (K) printf(", %lld classes", (long long)K);
        if (pr_estimator_target_name(e)) printf(" (target '%s')", pr_estimator_target_name(e));
        printf("\n");
    }
    if (names && names[0]) print_names("features", names, n, json, &first);
    free(names);
    const char *encoding = pr_estimator_metadata(e, CLI_META_COLUMNS);
    int rc = encoding ? print_encoding(encoding, json, &first) : CLI_OK;
    print_training(pr_estimator_metadata(e, "training"), json, &first);
    if (json) printf("}\n");
    pr_estimator_free(e);
    return rc;
}

static int run_inspect(int argc, char **argv) {
    const char *path = NULL;
    int json = 0;
    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            fputs(cli_inspect_command.usage, stdout);
            return CLI_OK;
        } else if (!strcmp(argv[i], "--json")) {
            json = 1;
        } else if (!strcmp(argv[i], "--model") && i + 1 < argc) {
            path = argv[++i];
        } else if (argv[i][0] != '-' && !path) {
            path = argv[i];
        } else {
            return cli_usage_error("inspect: unexpected '%s' (see primer inspect --help)", argv[i]);
        }
    }
    if (!path) return cli_usage_error("inspect: name a model file (primer inspect MODEL)");
    char kind[32];
    if (pr_reducer_file_kind(path, kind, sizeof kind)) {
        if (json) printf("{\"file\": \"%s\", \"kind\": \"%s\"}\n", path, kind);
        else printf("file: %s\nkind: %s (primer reduce)\n", path, kind);
        return CLI_OK;
    }
    if (pr_estimator_file_is(path)) return inspect_estimator(path, json);
    pr_tensor_file *f;
    if (pr_safetensors_read(path, NULL, &f)) return cli_library_error("inspect");
    int rc = inspect_network(path, f, json);
    pr_tensor_file_free(f);
    return rc;
}

const cli_command cli_inspect_command = {
    "inspect", "show what a saved model holds: layers, features, classes, encoding, training", run_inspect,
    "usage: primer inspect MODEL [--json]\n"
    "\n"
    "Show a model file saved by primer train, fit or reduce: its kind and spec, each\n"
    "layer with its output shape and parameter count, the input shape and the\n"
    "standardisation, the feature columns and the classes (their names for a text\n"
    "target), how the file's columns were encoded (one-hot categories, the values that\n"
    "fill missing ones), the training settings and final metrics, and the primer\n"
    "version that wrote it. --json gives the same as one object.\n"};
