/* primer eval and primer predict: use a saved model on a CSV file (or the digits). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

typedef struct model_args {
    const char *model, *data, *target, *images, *labels, *out;
    int json, quiet;
    cli_read_options read;
} model_args;

static int parse(int argc, char **argv, const cli_command *cmd, model_args *a) {
    memset(a, 0, sizeof *a);
    a->read.keep_allowed = cmd == &cli_predict_command;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        int consumed = cli_read_option(cmd->name, argc, argv, &i, &a->read);
        if (consumed < 0) return CLI_USAGE;
        if (consumed) continue;
        const char **dst = !strcmp(arg, "--model")    ? &a->model
                           : !strcmp(arg, "--data")   ? &a->data
                           : !strcmp(arg, "--target") ? &a->target
                           : !strcmp(arg, "--images") ? &a->images
                           : !strcmp(arg, "--labels") ? &a->labels
                           : !strcmp(arg, "--out")    ? &a->out
                                                      : NULL;
        if (cli_is_help(arg)) {
            fputs(cmd->usage, stdout);
            return -1;
        } else if (!strcmp(arg, "--json")) {
            a->json = 1;
        } else if (!strcmp(arg, "--quiet")) {
            a->quiet = 1;
        } else if (dst) {
            if (++i >= argc) return cli_usage_error("%s: %s needs a value", cmd->name, arg);
            *dst = argv[i];
        } else {
            return cli_usage_error("%s: unknown option '%s' (see primer %s --help)", cmd->name, arg, cmd->name);
        }
    }
    cli_set_quiet(a->quiet); /* no notes (the task, a skipped index column...) */
    if (!a->model) return cli_usage_error("%s: --model FILE is required (a file saved by primer train)", cmd->name);
    return CLI_OK;
}

/* ---- a saved model of either kind -------------------------------------------------------------- */

/* A network saved by primer train, or a classical model saved by primer fit. */
typedef struct loaded {
    pr_model *m;
    pr_estimator *e;
    cli_columns columns;
} loaded;

static void loaded_free(loaded *l) {
    pr_model_free(l->m);
    pr_estimator_free(l->e);
    cli_columns_free(&l->columns);
}

static int loaded_open(const char *path, loaded *l) {
    memset(l, 0, sizeof *l);
    char kind[32];
    if (pr_reducer_file_kind(path, kind, sizeof kind)) {
        fprintf(stderr, "primer: error: %s is a %s model (primer reduce): it has no predictions to score; primer predict "
                        "--model %s projects data with it\n", path, kind, path);
        return CLI_FAILURE;
    }
    if (pr_estimator_file_is(path)) {
        if (pr_estimator_load(path, &l->e)) return cli_library_error("loading the model");
        return cli_columns_of_estimator(l->e, &l->columns);
    }
    if (pr_model_load(path, &l->m)) return cli_library_error("loading the model");
    pr_model_set_threads(l->m, cli_threads());
    return cli_columns_of_model(l->m, &l->columns);
}

static int loaded_classifies(const loaded *l) {
    return l->e ? pr_estimator_is_classifier(l->e) : pr_model_task(l->m) == PR_TASK_CLASSIFICATION;
}

static int64_t loaded_classes(const loaded *l) {
    int64_t K = 0;
    if (l->e) pr_estimator_classes(l->e, &K);
    else K = pr_model_class_count(l->m);
    return K;
}

static double loaded_label(const loaded *l, int64_t k) {
    int64_t K;
    return l->e ? pr_estimator_classes(l->e, &K)[k] : pr_model_class_label(l->m, k);
}

/* Classifiers: labels (n) and probabilities (n, K); regressors: outputs (n, K) in *values. */
static pr_status loaded_predict(const loaded *l, const pr_tensor *X, pr_tensor **labels, pr_tensor **values) {
    pr_status st;
    if (l->e) {
        if (!pr_estimator_is_classifier(l->e)) return pr_estimator_predict(l->e, X, values);
        st = pr_estimator_predict_proba(l->e, X, values);
        return st ? st : pr_estimator_predict(l->e, X, labels);
    }
    int64_t ignore;
    if (pr_model_targets(l->m, &ignore) == PR_TARGET_RECONSTRUCTION) return pr_model_reconstruct(l->m, X, values);
    if (pr_model_task(l->m) != PR_TASK_CLASSIFICATION) return pr_model_forward(l->m, X, values);
    st = pr_model_predict_proba(l->m, X, values);
    return st ? st : pr_model_predict_classes(l->m, X, labels);
}

/* eval of a classical model: the full report of primer/stats.h. */
static int eval_estimator(const model_args *a, const loaded *l, const cli_dataset *d) {
    pr_tensor *labels = NULL, *values = NULL, *yi = NULL, *pi = NULL;
    int rc = CLI_OK, classify = loaded_classifies(l);
    if (loaded_predict(l, d->X, &labels, &values)) return cli_library_error("eval");
    if (a->json) {
        printf("{\"model\": ");
        cli_json_string(stdout, a->model);
        printf(", \"data\": ");
        cli_json_string(stdout, d->source);
        printf(", \"rows\": %lld, \"metrics\": ", (long long)d->X->shape[0]);
    } else {
        printf("model: %s (%s)\ndata: %s, %lld rows\n", a->model, pr_estimator_kind_name(pr_estimator_settings(l->e).kind),
               d->source, (long long)d->X->shape[0]);
    }
    if (classify) {
        int64_t K;
        const double *classes = pr_estimator_classes(l->e, &K);
        rc = cli_labels_to_indices(d->y, classes, K, "eval", &yi);
        if (!rc) rc = cli_labels_to_indices(labels, classes, K, "eval", &pi);
        if (!rc) rc = cli_report_classification(yi, pi, values, classes, K, a->json, 1);
    } else {
        rc = cli_report_regression(d->y, values, a->json);
    }
    if (a->json && !rc) printf("}\n");
    pr_tensor_free(labels);
    pr_tensor_free(values);
    pr_tensor_free(yi);
    pr_tensor_free(pi);
    return rc;
}

/* ---- eval ------------------------------------------------------------------------------------ */

static int run_eval(int argc, char **argv) {
    model_args a;
    int rc = parse(argc, argv, &cli_eval_command, &a);
    if (rc) return rc < 0 ? CLI_OK : rc;
    if (a.out) return cli_usage_error("eval: --out applies to predict");
    loaded l;
    if ((rc = loaded_open(a.model, &l))) {
        loaded_free(&l);
        return rc;
    }
    if (l.m && pr_model_task(l.m) == PR_TASK_NONE) {
        loaded_free(&l);
        fprintf(stderr, "primer: error: %s has no task (classification or regression) to evaluate\n", a.model);
        return CLI_FAILURE;
    }
    cli_dataset d;
    cli_source src = {.data = a.data, .target = a.target, .images = a.images, .labels = a.labels, .part = CLI_PART_TEST,
                      .read = &a.read};
    if ((rc = cli_dataset_load(&src, &l.columns, 1, &d))) {
        loaded_free(&l);
        return rc;
    }
    if (l.m) cli_dataset_fit_model(d.X, l.m);
    else if (d.images) pr_tensor_reshape(d.X, PR_SHAPE(d.X->shape[0], d.X->size / d.X->shape[0]));
    cli_use_class_names(d.enc);
    if (l.e) {
        rc = eval_estimator(&a, &l, &d);
        cli_dataset_free(&d);
        loaded_free(&l);
        return rc;
    }
    pr_model *m = l.m;
    int classify = pr_model_task(m) == PR_TASK_CLASSIFICATION;
    double loss, metric;
    pr_tensor *pred = NULL;
    if (pr_evaluate(m, d.X, d.y, NULL, &loss, &metric) ||
        (classify ? pr_model_predict_classes(m, d.X, &pred) : pr_model_forward(m, d.X, &pred))) {
        rc = cli_library_error("eval");
        cli_dataset_free(&d);
        loaded_free(&l);
        return rc;
    }
    int64_t n = d.X->shape[0], K = pr_model_class_count(m);
    if (a.json) {
        printf("{\"model\": ");
        cli_json_string(stdout, a.model);
        printf(", \"data\": ");
        cli_json_string(stdout, d.source);
        printf(", \"rows\": %lld, \"loss\": %.17g, \"%s\": %.17g", (long long)n, loss, classify ? "accuracy" : "r2", metric);
    } else {
        char described[128];
        printf("model: %s (%s, %s)\ndata: %s, %s\n", a.model, pr_model_spec(m),
               classify ? "classification" : "regression", d.source,
               cli_dataset_describe(d.X, d.images, described, sizeof described));
        printf("loss: %.6f\n%s: %.6f\n", loss, classify ? "accuracy" : "R^2", metric);
    }
    if (classify && K <= 20) { /* confusion matrix: rows are true classes */
        double *classes = malloc((size_t)K * sizeof *classes);
        pr_tensor *yi = NULL, *pi = NULL, *cm = NULL;
        for (int64_t k = 0; classes && k < K; k++) classes[k] = pr_model_class_label(m, k);
        rc = !classes ? cli_usage_error("out of memory") : cli_labels_to_indices(d.y, classes, K, "eval", &yi);
        if (!rc) rc = cli_labels_to_indices(pred, classes, K, "eval", &pi);
        if (!rc && pr_confusion_matrix(yi, pi, K, &cm)) rc = cli_library_error("eval");
        const int64_t *c = cm ? pr_tensor_i64(cm) : NULL;
        if (c && a.json) {
            char name[64];
            printf(", \"classes\": [");
            for (int64_t k = 0; k < K; k++) {
                printf("%s", k ? ", " : "");
                if (pr_encoding_classes(d.enc, NULL)) cli_json_string(stdout, cli_class_label(classes[k], name, sizeof name));
                else printf("%.17g", classes[k]);
            }
            printf("], \"confusion\": [");
            for (int64_t t = 0; t < K; t++) {
                printf("%s[", t ? ", " : "");
                for (int64_t p = 0; p < K; p++) printf("%s%lld", p ? ", " : "", (long long)c[t * K + p]);
                printf("]");
            }
            printf("]");
        } else if (c) {
            char name[64];
            printf("confusion matrix (rows: true class, columns: predicted):\n%10s", "");
            for (int64_t p = 0; p < K; p++) printf(" %10.10s", cli_class_label(classes[p], name, sizeof name));
            printf("\n");
            for (int64_t t = 0; t < K; t++) {
                printf("%10.10s", cli_class_label(classes[t], name, sizeof name));
                for (int64_t p = 0; p < K; p++) printf(" %10lld", (long long)c[t * K + p]);
                printf("\n");
            }
        }
        free(classes);
        pr_tensor_free(yi);
        pr_tensor_free(pi);
        pr_tensor_free(cm);
        if (rc) {
            pr_tensor_free(pred);
            cli_dataset_free(&d);
            loaded_free(&l);
            return rc;
        }
    } else if (!classify && !a.json) {
        pr_regression_metrics r;
        if (!pr_regression_metrics_of(d.y, pred, &r)) printf("MAE: %.6f\n", r.mae);
    }
    if (a.json) printf("}\n");
    pr_tensor_free(pred);
    cli_dataset_free(&d);
    loaded_free(&l);
    return CLI_OK;
}

const cli_command cli_eval_command = {
    "eval", "evaluate a saved model on labelled data", run_eval,
    "usage: primer eval --model FILE [--data FILE.csv [--target COLUMN] | --data fashion-mnist |\n"
    "                   --images FILE --labels FILE] [--json]\n"
    "\n"
    "Load a model saved by primer train and report its loss and accuracy (with a\n"
    "confusion matrix for up to 20 classes) or R^2 and MAE on a labelled CSV file;\n"
    "for a model saved by primer fit, the full metrics of primer metrics.\n"
    "The feature columns are found by the names the model was trained with; the\n"
    "target is --target, else the model's target column, else the last column.\n"
    "Labels the model does not know, missing feature columns and non-numeric data are\n"
    "reported as errors.\n"
    "\n"
    "  --data FILE.csv    the data (default: the embedded digits)\n"
    "  --data fashion-mnist  Fashion-MNIST's 10,000 test images\n"
    "  --images FILE      images in IDX format (MNIST's; .gz read as such) and\n"
    "  --labels FILE      their labels\n"
    "  --json             one JSON object\n"
    "  --quiet            no notes on standard error\n"};

/* ---- predict ---------------------------------------------------------------------------------- */

/* predict with a PCA model (primer reduce pca --save): the components of every row. */
static int predict_pca(const model_args *a) {
    pr_pca *p;
    if (pr_pca_load(a->model, &p)) return cli_library_error("loading the model");
    int64_t n = pr_pca_n_features(p), k = pr_pca_n_components(p);
    const char **names = calloc((size_t)n, sizeof *names);
    for (int64_t j = 0; names && j < n; j++) names[j] = pr_pca_feature_name(p, j);
    cli_columns cols = {.n_features = n, .features = names && names[0] ? names : NULL};
    cli_dataset d;
    cli_source src = {.data = a->data, .images = a->images, .labels = a->labels, .part = CLI_PART_TEST, .read = &a->read};
    int rc = names ? cli_dataset_load(&src, &cols, 0, &d) : cli_usage_error("out of memory");
    free(names);
    if (rc) {
        pr_pca_free(p);
        return rc;
    }
    if (d.images) pr_tensor_reshape(d.X, PR_SHAPE(d.X->shape[0], d.X->size / d.X->shape[0]));
    pr_tensor *Z = NULL;
    char **heads = calloc((size_t)k, sizeof *heads);
    pr_status st = heads ? pr_pca_transform(p, d.X, &Z) : PR_ERR_NOMEM;
    for (int64_t j = 0; !st && j < k; j++) {
        if (!(heads[j] = malloc(32))) st = PR_ERR_NOMEM;
        else snprintf(heads[j], 32, "pc%lld", (long long)(j + 1));
    }
    if (!st && a->out) st = pr_csv_write(a->out, Z, (const char *const *)heads, NULL);
    else if (!st) st = pr_csv_write_stream(stdout, Z, (const char *const *)heads, NULL);
    if (!st && a->out) fprintf(stderr, "wrote %lld rows of %lld components to %s\n", (long long)Z->shape[0], (long long)k, a->out);
    rc = st ? cli_library_error(a->out ? "predict" : "predict: standard output") : CLI_OK;
    for (int64_t j = 0; heads && j < k; j++) free(heads[j]);
    free(heads);
    pr_tensor_free(Z);
    cli_dataset_free(&d);
    pr_pca_free(p);
    return rc;
}

static int run_predict(int argc, char **argv) {
    model_args a;
    int rc = parse(argc, argv, &cli_predict_command, &a);
    if (rc) return rc < 0 ? CLI_OK : rc;
    if (a.target) return cli_usage_error("predict: the target column is excluded by name; no --target needed");
    const cli_file written[] = {{"--out", a.out}};
    const cli_file read[] = {{"--model", a.model}, {"--data", a.data}, {"--images", a.images}, {"--labels", a.labels}};
    if ((rc = cli_check_files("predict", written, 1, read, 4))) return rc;
    char kind[32];
    if (pr_reducer_file_kind(a.model, kind, sizeof kind)) {
        if (strcmp(kind, "pca")) return cli_usage_error("predict: %s holds a '%s' model, which this primer cannot apply", a.model, kind);
        if (a.json) return cli_usage_error("predict: a PCA model writes CSV; --json is for predictions");
        return predict_pca(&a);
    }
    loaded l;
    if ((rc = loaded_open(a.model, &l))) {
        loaded_free(&l);
        return rc;
    }
    cli_dataset d;
    cli_source src = {.data = a.data, .images = a.images, .labels = a.labels, .part = CLI_PART_TEST, .read = &a.read};
    if ((rc = cli_dataset_load(&src, &l.columns, 0, &d))) {
        loaded_free(&l);
        return rc;
    }
    if (l.m) cli_dataset_fit_model(d.X, l.m);
    else if (d.images) pr_tensor_reshape(d.X, PR_SHAPE(d.X->shape[0], d.X->size / d.X->shape[0]));
    int classify = loaded_classifies(&l);
    int64_t n = d.X->shape[0], K = classify ? loaded_classes(&l) : 1;
    pr_tensor *values = NULL, *labels = NULL, *table = NULL;
    pr_status st = loaded_predict(&l, d.X, &labels, &values);
    if (!st && !classify) K = values->size / (n ? n : 1);
    /* a sequence model classifies every position: a row per position, sample by sample */
    if (!st && classify) n = labels->size;
    /* the CSV: the --keep columns, the prediction, then one probability per class (or the outputs) */
    int64_t kept = d.kept && d.kept->shape[0] == n ? d.n_kept : 0, own = classify ? 1 + K : K, cols = kept + own;
    if (d.n_kept && !kept) {
        fprintf(stderr, "primer: error: predict: --keep needs one prediction per row (this model gives %lld for %lld "
                        "rows)\n", (long long)n, (long long)d.X->shape[0]);
        st = PR_ERR_INVALID;
    }
    if (!st) st = pr_tensor_zeros(&table, PR_F64, PR_SHAPE(n, cols));
    for (int64_t i = 0; !st && i < n; i++) {
        for (int64_t j = 0; j < kept; j++) pr_tensor_f64(table)[i * cols + j] = pr_tensor_f64(d.kept)[i * kept + j];
        for (int64_t j = 0; j < own; j++) {
            double v = classify ? (j == 0 ? pr_tensor_get(labels, i) : pr_tensor_get(values, i * K + j - 1))
                                : pr_tensor_get(values, i * K + j);
            pr_tensor_f64(table)[i * cols + kept + j] = v;
        }
    }
    /* text columns: the kept ones as read, the prediction by class name */
    const char *const *class_names = NULL;
    int64_t n_names = classify ? pr_encoding_classes(d.enc, &class_names) : 0;
    const char *const **levels = st ? NULL : calloc((size_t)cols, sizeof *levels);
    int64_t *n_levels = st ? NULL : calloc((size_t)cols, sizeof *n_levels);
    for (int64_t j = 0; levels && n_levels && j < kept; j++) {
        levels[j] = (const char *const *)d.kept_levels[j];
        n_levels[j] = d.kept_n_levels[j];
    }
    if (levels && n_levels && n_names) {
        levels[kept] = class_names;
        n_levels[kept] = n_names;
    }
    char **names = st ? NULL : calloc((size_t)cols, sizeof *names);
    for (int64_t j = 0; names && j < cols; j++) {
        char label[64];
        names[j] = malloc(256);
        if (!names[j]) continue;
        if (j < kept) snprintf(names[j], 256, "%s", d.kept_names[j]);
        else if (classify && j > kept)
            snprintf(names[j], 256, "p_%s", cli_class_name(d.enc, loaded_label(&l, j - kept - 1), label, sizeof label));
        else if (K == 1 || classify) snprintf(names[j], 256, "prediction");
        else snprintf(names[j], 256, "prediction_%lld", (long long)(j - kept));
    }
    if (!st && (!names || !levels || !n_levels)) st = PR_ERR_NOMEM;
    pr_csv_options csv = PR_CSV_DEFAULTS;
    csv.levels = levels;
    csv.n_levels = n_levels;
    if (!st && a.json) {
        printf("{\"model\": ");
        cli_json_string(stdout, a.model);
        printf(", \"rows\": %lld, \"predictions\": [", (long long)n);
        for (int64_t i = 0; i < n; i++) {
            printf("%s", i ? ", " : "");
            if (cols == 1 && !n_levels[0]) printf("%.17g", pr_tensor_f64(table)[i]);
            else {
                printf("{");
                for (int64_t j = 0; j < cols; j++) {
                    double v = pr_tensor_f64(table)[i * cols + j];
                    printf("%s", j ? ", " : "");
                    cli_json_string(stdout, names[j]);
                    printf(": ");
                    if (n_levels[j] && v >= 0 && v < (double)n_levels[j]) cli_json_string(stdout, levels[j][(int64_t)v]);
                    else if (isnan(v)) printf("null");
                    else printf("%.17g", v);
                }
                printf("}");
            }
        }
        printf("]}\n");
    } else if (!st && a.out) {
        st = pr_csv_write(a.out, table, (const char *const *)names, &csv);
        if (!st && !a.quiet) fprintf(stderr, "wrote %lld predictions to %s\n", (long long)n, a.out);
    } else if (!st) {
        st = pr_csv_write_stream(stdout, table, (const char *const *)names, &csv);
    }
    rc = st == PR_ERR_INVALID && d.n_kept && !kept ? CLI_FAILURE
         : st ? cli_library_error(a.out ? "predict" : "predict: standard output") : CLI_OK;
    free(levels);
    free(n_levels);
    for (int64_t j = 0; names && j < cols; j++) free(names[j]);
    free(names);
    pr_tensor_free(values);
    pr_tensor_free(labels);
    pr_tensor_free(table);
    cli_dataset_free(&d);
    loaded_free(&l);
    return rc;
}

const cli_command cli_predict_command = {
    "predict", "write a saved model's predictions as CSV", run_predict,
    "usage: primer predict --model FILE [--data FILE.csv | --data fashion-mnist | --images FILE]\n"
    "                      [--out FILE.csv] [--json]\n"
    "\n"
    "Load a model saved by primer train or primer fit and predict every row of a\n"
    "CSV file, or a PCA model saved by primer reduce pca --save and write the\n"
    "components of every row (pc1, pc2, ...). For the others: predict every row of a\n"
    "CSV file (the feature columns are found by name; other columns, such as the\n"
    "target, are ignored) or every image. A model trained on images also takes CSV\n"
    "rows of as many pixels, and the other way round. Classifiers write the predicted class and one probability per class\n"
    "(p_<class>); regressors write the predicted value.\n"
    "\n"
    "  --data FILE.csv    the data (default: the embedded digits)\n"
    "  --data fashion-mnist  Fashion-MNIST's 10,000 test images\n"
    "  --images FILE      images in IDX format: one row of output per image\n"
    "  --out FILE.csv     write here (atomically) instead of standard output\n"
    "  --json             one JSON object with every prediction\n"
    "  --quiet            no notes on standard error\n"};
