/* primer metrics: score predictions already in a CSV file (section 6.6): the
 * classification metrics from labels or scores, or the regression metrics; ROC and
 * precision-recall curves as SVG. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

typedef struct metrics_args {
    const char *data, *truth, *pred, *score, *plots[4], *task;
    int n_plots, json, regression;
    double threshold;
    cli_read_options read;
} metrics_args;

static int parse_args(int argc, char **argv, metrics_args *a) {
    *a = (metrics_args){.threshold = 0.5};
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        int consumed = cli_read_option("metrics", argc, argv, &i, &a->read);
        if (consumed < 0) return CLI_USAGE;
        if (consumed) continue;
        const char **str = !strcmp(arg, "--data")    ? &a->data
                           : !strcmp(arg, "--task")  ? &a->task
                           : !strcmp(arg, "--true")  ? &a->truth
                           : !strcmp(arg, "--pred")  ? &a->pred
                           : !strcmp(arg, "--score") ? &a->score
                           : !strcmp(arg, "--plot")  ? (a->n_plots < 4 ? &a->plots[a->n_plots++] : NULL)
                                                     : NULL;
        if (cli_is_help(arg)) {
            fputs(cli_metrics_command.usage, stdout);
            return -1;
        } else if (!strcmp(arg, "--json")) {
            a->json = 1;
        } else if (!strcmp(arg, "--regression")) {
            a->regression = 1;
        } else if (!strcmp(arg, "--threshold")) {
            if (++i >= argc || !cli_parse_double(argv[i], -1e300, 1e300, &a->threshold))
                return cli_usage_error("metrics: --threshold needs a number");
        } else if (str) {
            if (++i >= argc) return cli_usage_error("metrics: %s needs a value", arg);
            *str = argv[i];
        } else {
            return cli_usage_error("metrics: unknown option '%s' (see primer metrics --help)", arg);
        }
    }
    if (!a->data || !a->truth) return cli_usage_error("metrics: --data FILE.csv and --true COLUMN are required");
    if (!a->pred == !a->score) return cli_usage_error("metrics: give one of --pred COLUMN or --score COLUMN");
    if (a->n_plots && !a->score) return cli_usage_error("metrics: --plot draws ROC/PR curves from --score");
    if (a->task && strcmp(a->task, "classification") && strcmp(a->task, "regression"))
        return cli_usage_error("metrics: --task is classification or regression, not '%s'", a->task);
    if (a->task && !strcmp(a->task, "regression")) a->regression = 1; /* --regression: the old spelling */
    if (a->regression && a->score) return cli_usage_error("metrics: --regression compares --pred values");
    return CLI_OK;
}

static int column(const pr_table *t, const char *name, const char *path, pr_tensor **out) {
    int64_t c;
    if (pr_table_column_index(t, name, &c)) {
        fprintf(stderr, "primer: error: %s has no column '%s'\n", path, name);
        return CLI_FAILURE;
    }
    int64_t n = pr_table_rows(t), w = pr_table_cols(t);
    if (pr_tensor_zeros(out, PR_F64, PR_SHAPE(n))) return cli_library_error("metrics");
    for (int64_t i = 0; i < n; i++) pr_tensor_f64(*out)[i] = pr_tensor_f64(pr_table_values(t))[i * w + c];
    return CLI_OK;
}

/* Missing values are refused; when either column holds text, both become indices
 * into the union of their strings (numbers as their text), whose names the reports
 * print. */
static int text_labels(const pr_table *t, const metrics_args *a, pr_tensor *y, pr_tensor *v, pr_encoding **names,
                       int *text) {
    const char *cols[2] = {a->truth, a->pred ? a->pred : a->score};
    pr_tensor *vals[2] = {y, v};
    int64_t idx[2], L[2];
    const char *const *levels[2];
    for (int c = 0; c < 2; c++) {
        pr_table_column_index(t, cols[c], &idx[c]);
        int64_t first, missing = pr_table_missing(t, idx[c], &first);
        if (missing) {
            fprintf(stderr, "primer: error: metrics: %s: column '%s' is missing in %lld row%s (the first is data row "
                            "%lld); --drop-missing is for training data: remove those rows\n",
                    a->data, cols[c], (long long)missing, missing == 1 ? "" : "s", (long long)first + 1);
            return CLI_FAILURE;
        }
        L[c] = pr_table_levels(t, idx[c], &levels[c]);
    }
    *text = L[0] || L[1];
    if (!*text) return CLI_OK;
    if (a->score && L[1]) {
        fprintf(stderr, "primer: error: metrics: --score '%s' holds text (\"%s\"); scores are numbers\n", cols[1],
                levels[1][0]);
        return CLI_FAILURE;
    }
    /* every label as text, then the sorted distinct ones */
    int64_t n = y->size, total = 0;
    char **all = calloc((size_t)(2 * n), sizeof *all), **distinct = calloc((size_t)(2 * n), sizeof *distinct);
    int rc = all && distinct ? CLI_OK : cli_usage_error("out of memory");
    for (int c = 0; !rc && c < (a->score ? 1 : 2); c++)
        for (int64_t i = 0; i < n; i++) {
            double x = pr_tensor_f64(vals[c])[i];
            char buf[64];
            snprintf(buf, sizeof buf, "%.17g", x);
            all[c * n + i] = strdup(L[c] ? levels[c][(int64_t)x] : buf);
            distinct[total++] = all[c * n + i];
        }
    qsort(distinct, (size_t)total, sizeof *distinct, cli_compare_strings);
    int64_t K = 0;
    for (int64_t i = 0; i < total; i++)
        if (!K || strcmp(distinct[i], distinct[K - 1])) distinct[K++] = distinct[i];
    for (int c = 0; !rc && c < (a->score ? 1 : 2); c++)
        for (int64_t i = 0; i < n; i++) {
            char **at = bsearch(&all[c * n + i], distinct, (size_t)K, sizeof *distinct, cli_compare_strings);
            pr_tensor_f64(vals[c])[i] = (double)(at - distinct);
        }
    if (!rc && (pr_encoding_fit(t, NULL, 0, PR_IMPUTE_NONE, names) ||
                pr_encoding_set_classes(*names, (const char *const *)distinct, K)))
        rc = cli_library_error("metrics");
    if (!rc) cli_use_class_names(*names);
    for (int64_t i = 0; all && i < 2 * n; i++) free(all[i]);
    free(all);
    free(distinct);
    return rc;
}

static int plot_curves(const metrics_args *a, const pr_tensor *y01, const pr_tensor *score) {
    for (int p = 0; p < a->n_plots; p++) {
        const char *path = a->plots[p], *base = strrchr(path, '/');
        base = base ? base + 1 : path;
        int roc = !(strstr(base, "pr") && !strstr(base, "roc"));
        pr_curve *c = NULL;
        pr_figure *fig = NULL;
        double v = 0;
        char label[64], title[96];
        pr_status st = roc ? pr_roc_curve(y01, score, &c) : pr_pr_curve(y01, score, &c);
        if (!st) st = roc ? pr_roc_auc(y01, score, &v) : pr_average_precision(y01, score, &v);
        if (!st) st = pr_figure_new(&fig, 1, 1, 600, 600);
        snprintf(label, sizeof label, roc ? "AUC = %.3f" : "AP = %.3f", v);
        snprintf(title, sizeof title, roc ? "ROC curve of '%s'" : "Precision-recall curve of '%s'", a->score);
        if (!st) st = pr_curve_draw(c, pr_figure_axes(fig, 0, 0), roc, label);
        if (!st) st = pr_axes_set_title(pr_figure_axes(fig, 0, 0), title);
        if (!st && cli_make_parent_dirs(path)) st = PR_ERR_IO;
        if (!st) st = pr_figure_save_svg(fig, path);
        pr_curve_free(c);
        pr_figure_free(fig);
        if (st) return cli_library_error("metrics: --plot");
        if (!a->json) fprintf(stderr, "wrote the %s curve to %s\n", roc ? "ROC" : "precision-recall", path);
    }
    return CLI_OK;
}

static int metrics_of_arrays(const metrics_args *a);
static int score(const metrics_args *args, const pr_table *t, pr_tensor *y, pr_tensor *v);

static int run_metrics(int argc, char **argv) {
    metrics_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc) return rc < 0 ? CLI_OK : rc;
    pr_table *t = NULL;
    size_t len = strlen(a.data);
    int npz = len > 4 && !strcmp(a.data + len - 4, ".npz");
    if (npz) return metrics_of_arrays(&a);
    if (cli_csv_read(a.data, &a.read, &t)) return cli_library_error("reading data");
    pr_tensor *y = NULL, *v = NULL;
    if ((rc = column(t, a.truth, a.data, &y)) || (rc = column(t, a.pred ? a.pred : a.score, a.data, &v))) {
        pr_tensor_free(y);
        pr_table_free(t);
        return rc;
    }
    rc = score(&a, t, y, v);
    pr_table_free(t);
    return rc;
}

/* --data FILE.npz: --true and --pred (or --score) name its arrays. */
static int metrics_of_arrays(const metrics_args *a) {
    pr_tensor_file *f;
    if (pr_npz_read(a->data, NULL, &f)) return cli_library_error("reading data");
    const pr_tensor *ft, *fp;
    const char *pk = a->pred ? a->pred : a->score;
    int rc = CLI_OK;
    pr_tensor *y = NULL, *v = NULL;
    if (pr_tensor_file_find(f, a->truth, &ft) || pr_tensor_file_find(f, pk, &fp)) rc = cli_library_error(a->data);
    if (!rc && (pr_tensor_cast(ft, PR_F64, &y) || pr_tensor_cast(fp, PR_F64, &v))) rc = cli_library_error(a->data);
    if (!rc && y->size != v->size) {
        fprintf(stderr, "primer: error: %s: '%s' has %lld values, '%s' %lld\n", a->data, a->truth, (long long)y->size,
                pk, (long long)v->size);
        rc = CLI_FAILURE;
    }
    if (!rc) {
        pr_tensor_reshape(y, PR_SHAPE(y->size));
        pr_tensor_reshape(v, PR_SHAPE(v->size));
        rc = score(a, NULL, y, v);
    } else {
        pr_tensor_free(y);
        pr_tensor_free(v);
    }
    pr_tensor_file_free(f);
    return rc;
}

/* The metrics of predictions v against y (both freed here); t the CSV they came from
 * (NULL for arrays). */
static int score(const metrics_args *args, const pr_table *t, pr_tensor *y, pr_tensor *v) {
    const metrics_args a = *args;
    int rc = CLI_OK;
    pr_tensor *yi = NULL, *pi = NULL, *classes = NULL, *all = NULL, *pred = NULL;
    pr_encoding *names = NULL;
    int text = 0;
    if (t && (rc = text_labels(t, &a, y, v, &names, &text))) goto done;
    int64_t n = y->size;
    int regression = a.regression;
    if (a.pred && !text && !a.task) { /* the rule train uses, on the true labels and the predictions together */
        pr_tensor *both[] = {y, v};
        cli_dataset d = {.target = strdup(a.truth), .source = a.data};
        if (!d.target || pr_tensor_concat((const pr_tensor *const *)both, 2, 0, &d.y)) {
            free(d.target);
            rc = cli_library_error("metrics");
            goto done;
        }
        int classify;
        rc = cli_decide_task(&d, NULL, &classify);
        pr_tensor_free(d.y);
        free(d.target);
        if (rc) goto done;
        regression = !classify;
    }
    if (text && regression) {
        fprintf(stderr, "primer: error: metrics: regression needs numbers; '%s' or '%s' holds text\n", a.truth, a.pred);
        rc = CLI_FAILURE;
        goto done;
    }
    if (regression) {
        if (a.json) printf("{\"task\": \"regression\", \"rows\": %lld, \"metrics\": ", (long long)n);
        else printf("regression metrics of '%s' against '%s' (%lld rows):\n", a.pred, a.truth, (long long)n);
        rc = cli_report_regression(y, v, a.json);
        if (a.json) printf("}\n");
        goto done;
    }
    if (a.score) { /* binary: the larger of the two labels is the positive class */
        if (pr_data_encode_labels(y, 1000, &yi, &classes)) {
            rc = cli_library_error("metrics: --true");
            goto done;
        }
        if (classes->size != 2) {
            fprintf(stderr, "primer: error: metrics: --score needs exactly two classes in '%s'; it has %lld\n", a.truth,
                    (long long)classes->size);
            rc = CLI_FAILURE;
            goto done;
        }
        if (pr_tensor_check_finite(v, "the scores")) {
            rc = cli_library_error("metrics");
            goto done;
        }
        if (pr_tensor_zeros(&pi, PR_F64, PR_SHAPE(n))) {
            rc = cli_library_error("metrics");
            goto done;
        }
        int probabilities = 1;
        for (int64_t i = 0; i < n; i++) {
            double s = pr_tensor_f64(v)[i];
            pr_tensor_f64(pi)[i] = s >= a.threshold;
            probabilities &= s >= 0 && s <= 1;
        }
        if (a.json) printf("{\"task\": \"binary\", \"rows\": %lld, \"threshold\": %.17g, \"metrics\": ", (long long)n, a.threshold);
        else printf("binary metrics of '%s' >= %g against '%s' (%lld rows, positive class %g):\n", a.score, a.threshold,
                    a.truth, (long long)n, pr_tensor_get(classes, 1));
        rc = cli_report_classification(yi, pi, probabilities ? v : NULL, pr_tensor_f64(classes), 2, a.json, 1);
        if (!rc && !probabilities) { /* scores that are not probabilities still rank: AUC and AP */
            double auc, ap;
            if (!pr_roc_auc(yi, v, &auc) && !pr_average_precision(yi, v, &ap)) {
                if (a.json) printf(", \"roc_auc\": %.17g, \"average_precision\": %.17g", auc, ap);
                else printf("  %-20s %.6f\n  %-20s %.6f\n", "ROC AUC", auc, "average precision", ap);
            }
        }
        if (a.json) printf("}\n");
        if (!rc) rc = plot_curves(&a, yi, v);
        goto done;
    }
    /* labels against predicted labels: the classes are those of either column */
    pr_tensor *both[] = {y, v};
    if (pr_tensor_concat((const pr_tensor *const *)both, 2, 0, &all) || pr_data_encode_labels(all, 1000, &pred, &classes)) {
        rc = cli_library_error("metrics");
        goto done;
    }
    int64_t K = classes->size;
    if ((rc = cli_labels_to_indices(y, pr_tensor_f64(classes), K, a.truth, &yi)) ||
        (rc = cli_labels_to_indices(v, pr_tensor_f64(classes), K, a.pred, &pi)))
        goto done;
    if (K < 2) K = 2; /* a single label everywhere: report it against an empty second class */
    if (a.json) printf("{\"task\": \"classification\", \"rows\": %lld, \"metrics\": ", (long long)n);
    else printf("classification metrics of '%s' against '%s' (%lld rows, %lld classes):\n", a.pred, a.truth,
                (long long)n, (long long)classes->size);
    if (classes->size >= 2) rc = cli_report_classification(yi, pi, NULL, pr_tensor_f64(classes), K, a.json, 1);
    else {
        fprintf(stderr, "primer: error: metrics: both columns hold the single label %g\n", pr_tensor_get(classes, 0));
        rc = CLI_FAILURE;
    }
    if (a.json && !rc) printf("}\n");
done:;
    pr_encoding_free(names);
    pr_tensor *owned[] = {y, v, yi, pi, classes, all, pred};
    for (size_t i = 0; i < sizeof owned / sizeof owned[0]; i++) pr_tensor_free(owned[i]);
    return rc;
}

const cli_command cli_metrics_command = {
    "metrics", "score predictions in a CSV file (classification or regression)", run_metrics,
    "usage: primer metrics --data FILE.csv --true COLUMN (--pred COLUMN | --score COLUMN)\n"
    "                      [--threshold T] [--plot roc.svg] [--plot pr.svg] [--regression] [--json]\n"
    "\n"
    "Compare a column of true values with predictions (book section 6.6).\n"
    "  --pred COLUMN   predicted labels: accuracy, balanced accuracy, per-class\n"
    "                  precision/recall/F1, macro/micro/weighted averages and the\n"
    "                  confusion matrix; real values (or --regression): MSE, RMSE,\n"
    "                  MAE and R^2\n"
    "  --score COLUMN  scores or probabilities of the positive class (the larger of two\n"
    "                  labels): the metrics at --threshold (default 0.5), ROC AUC,\n"
    "                  average precision (the step-wise area under the PR curve, as\n"
    "                  scikit-learn), and log loss when the scores are probabilities\n"
    "  --plot FILE     draw the ROC curve, or the precision-recall curve when the file\n"
    "                  name contains 'pr' (pr.svg), as SVG; may be given twice\n"
    "  --json          one JSON object\n"};
