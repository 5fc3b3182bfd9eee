/* Metrics as the CLI prints them (fit, eval, metrics): a table on a terminal or one
 * JSON object; every number comes from primer/stats.h. */
#include <math.h>
#include <stdlib.h>

#include "cli/cli.h"

static void number(int json, const char *key, const char *label, double v, int *first) {
    if (json) {
        printf("%s\"%s\": %.17g", *first ? "" : ", ", key, v);
        *first = 0;
    } else {
        /* six decimals, as scikit-learn's reports; a huge value in exponent form */
        printf(fabs(v) < 1e9 ? "  %-20s %.6f\n" : "  %-20s %.6e\n", label, v);
    }
}

int cli_report_regression(const pr_tensor *y, const pr_tensor *pred, int json) {
    pr_regression_metrics r;
    if (pr_regression_metrics_of(y, pred, &r)) return cli_library_error("metrics");
    int first = 1;
    if (json) printf("{");
    number(json, "mse", "MSE", r.mse, &first);
    number(json, "rmse", "RMSE", r.rmse, &first);
    number(json, "mae", "MAE", r.mae, &first);
    number(json, "r2", "R^2", r.r2, &first);
    if (json) printf("}");
    return CLI_OK;
}

/* The class names the reports print (a text target's), set by the command. */
static const pr_encoding *class_names;

void cli_use_class_names(const pr_encoding *e) { class_names = e; }

const char *cli_class_label(double label, char *buf, size_t len) { return cli_class_name(class_names, label, buf, len); }

/* A class label as JSON: its name as a string, else the number. */
static void json_class(double label) {
    char buf[64];
    const char *const *names;
    if (class_names && pr_encoding_classes(class_names, &names)) cli_json_string(stdout, cli_class_label(label, buf, sizeof buf));
    else printf("%.17g", label);
}

int cli_report_classification(const pr_tensor *y_true, const pr_tensor *y_pred, const pr_tensor *proba,
                              const double *classes, int64_t K, int json, int detailed) {
    pr_class_report *r;
    if (pr_class_report_new(y_true, y_pred, K, &r)) return cli_library_error("metrics");
    int first = 1, rc = CLI_OK;
    if (json) printf("{");
    number(json, "accuracy", "accuracy", r->accuracy, &first);
    number(json, "balanced_accuracy", "balanced accuracy", r->balanced_accuracy, &first);
    number(json, "macro_precision", "macro precision", r->macro_precision, &first);
    number(json, "macro_recall", "macro recall", r->macro_recall, &first);
    number(json, "macro_f1", "macro F1", r->macro_f1, &first);
    number(json, "micro_f1", "micro F1", r->micro_f1, &first);
    number(json, "weighted_f1", "weighted F1", r->weighted_f1, &first);
    if (K == 2) { /* class 1 is the positive class */
        pr_binary_metrics b;
        if (!pr_binary_metrics_of(y_true, y_pred, &b)) {
            number(json, "precision", "precision", b.precision, &first);
            number(json, "recall", "recall (TPR)", b.recall, &first);
            number(json, "specificity", "specificity (TNR)", b.specificity, &first);
            number(json, "fpr", "false positive rate", b.fpr, &first);
            number(json, "f1", "F1", b.f1, &first);
        }
    }
    double v;
    if (proba && !pr_log_loss(y_true, proba, &v)) number(json, "log_loss", "log loss", v, &first);
    pr_clear_error();
    if (proba && K == 2) {
        pr_tensor *p1 = NULL;
        int64_t n = y_true->size;
        if (!pr_tensor_zeros(&p1, PR_F64, PR_SHAPE(n))) {
            for (int64_t i = 0; i < n; i++) pr_tensor_f64(p1)[i] = proba->ndim == 2 ? pr_tensor_get(proba, 2 * i + 1) : pr_tensor_get(proba, i);
            if (!pr_roc_auc(y_true, p1, &v)) number(json, "roc_auc", "ROC AUC", v, &first);
            if (!pr_average_precision(y_true, p1, &v)) number(json, "average_precision", "average precision", v, &first);
            pr_clear_error();
        }
        pr_tensor_free(p1);
    }
    if (detailed && K <= 50) {
        char name[64];
        pr_tensor *cm = NULL;
        if (pr_confusion_matrix(y_true, y_pred, K, &cm)) rc = cli_library_error("metrics");
        const int64_t *c = cm ? pr_tensor_i64(cm) : NULL;
        if (c && json) {
            printf(", \"classes\": [");
            for (int64_t k = 0; k < K; k++) {
                printf("%s", k ? ", " : "");
                json_class(classes[k]);
            }
            printf("], \"per_class\": [");
            for (int64_t k = 0; k < K; k++)
                printf("%s{\"precision\": %.17g, \"recall\": %.17g, \"f1\": %.17g, \"support\": %lld}", k ? ", " : "",
                       r->precision[k], r->recall[k], r->f1[k], (long long)r->support[k]);
            printf("], \"confusion\": [");
            for (int64_t t = 0; t < K; t++) {
                printf("%s[", t ? ", " : "");
                for (int64_t p = 0; p < K; p++) printf("%s%lld", p ? ", " : "", (long long)c[t * K + p]);
                printf("]");
            }
            printf("]");
        } else if (c) {
            printf("\n  %-10s %9s %9s %9s %9s\n", "class", "precision", "recall", "F1", "support");
            for (int64_t k = 0; k < K; k++)
                printf("  %-10s %9.4f %9.4f %9.4f %9lld\n", cli_class_label(classes[k], name, sizeof name), r->precision[k],
                       r->recall[k], r->f1[k], (long long)r->support[k]);
            printf("\n  confusion matrix (rows: true class, columns: predicted):\n  %10s", "");
            for (int64_t p = 0; p < K; p++) printf(" %10.10s", cli_class_label(classes[p], name, sizeof name));
            printf("\n");
            for (int64_t t = 0; t < K; t++) {
                printf("  %10.10s", cli_class_label(classes[t], name, sizeof name));
                for (int64_t p = 0; p < K; p++) printf(" %10lld", (long long)c[t * K + p]);
                printf("\n");
            }
        }
        pr_tensor_free(cm);
    }
    if (json) printf("}");
    pr_class_report_free(r);
    return rc;
}

int cli_labels_to_indices(const pr_tensor *labels, const double *classes, int64_t K, const char *what, pr_tensor **out) {
    if (pr_tensor_zeros(out, PR_F64, PR_SHAPE(labels->size))) return cli_library_error(what);
    for (int64_t i = 0; i < labels->size; i++) {
        double v = pr_tensor_get(labels, i);
        int64_t k = 0;
        while (k < K && classes[k] != v) k++;
        if (k == K) {
            char name[64];
            fprintf(stderr, "primer: error: %s: row %lld has label %s, which the model does not know (classes:", what,
                    (long long)i + 1, cli_class_label(v, name, sizeof name));
            for (int64_t j = 0; j < K && j < 20; j++) fprintf(stderr, " %s", cli_class_label(classes[j], name, sizeof name));
            fprintf(stderr, "%s)\n", K > 20 ? " ..." : "");
            pr_tensor_free(*out);
            *out = NULL;
            return CLI_FAILURE;
        }
        pr_tensor_f64(*out)[i] = (double)k;
    }
    return CLI_OK;
}
