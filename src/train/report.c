/* What a training run leaves behind for people: the per-epoch log (CSV or JSON
 * lines) and the loss curve (SVG). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "primer/plot.h"
#include "train/train_internal.h"

static int ends_with(const char *s, const char *suffix) {
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && !strcmp(s + n - k, suffix);
}

/* A number for the log: shortest exact text, "" (CSV) or null (JSON) for NaN. */
static void put_value(pr_strbuf *sb, double v, int json) {
    char num[PR__NUMBER_TEXT];
    if (isnan(v)) pr__strbuf_puts(sb, json ? "null" : "");
    else if (isinf(v)) pr__strbuf_puts(sb, json ? (v > 0 ? "1e999" : "-1e999") : (v > 0 ? "inf" : "-inf"));
    else pr__strbuf_puts(sb, pr__format_shortest(v, 0, num));
}

pr_status pr__train_log_write(const pr_train_history *h, const char *path, pr_log_format format) {
    int json = format == PR_LOG_JSONL || (format == PR_LOG_AUTO && (ends_with(path, ".jsonl") || ends_with(path, ".json")));
    double *cols[PR__HISTORY_MAX];
    char keys[PR__HISTORY_MAX][80], names[PR__HISTORY_MAX][80];
    int n_cols = pr__history_columns(h, cols, keys, names);
    pr_strbuf sb;
    pr__strbuf_init(&sb);
    locale_t old = uselocale(pr__c_locale());
    if (!json) {
        pr__strbuf_puts(&sb, "epoch");
        for (int k = 0; k < n_cols; k++) pr__strbuf_printf(&sb, ",%s", names[k]);
        pr__strbuf_puts(&sb, "\n");
    }
    for (int64_t e = 0; e < h->epochs; e++) {
        pr__strbuf_printf(&sb, json ? "{\"epoch\":%lld" : "%lld", (long long)e + 1);
        for (int k = 0; k < n_cols; k++) {
            if (json) pr__strbuf_printf(&sb, ",\"%s\":", names[k]);
            else pr__strbuf_puts(&sb, ",");
            put_value(&sb, cols[k][e], json);
        }
        pr__strbuf_puts(&sb, json ? "}\n" : "\n");
    }
    uselocale(old);
    if (sb.failed) {
        pr__strbuf_free(&sb);
        return PR_ERR_NOMEM;
    }
    pr_status st = pr__write_file_atomic(path, sb.data ? sb.data : "", sb.len);
    pr__strbuf_free(&sb);
    return st;
}

pr_status pr_train_plot_history(const pr_train_history *h, const char *path, const char *title) {
    if (!h || !path) return pr__fail(PR_ERR_INVALID, "train_plot_history: NULL argument");
    if (h->epochs < 1) return pr__fail(PR_ERR_INVALID, "train_plot_history: no epochs to plot");
    double *x = pr__malloc((size_t)h->epochs * sizeof *x);
    if (!x) return PR_ERR_NOMEM;
    for (int64_t e = 0; e < h->epochs; e++) x[e] = (double)(e + 1);
    pr_figure *fig;
    pr_status st = pr_figure_new(&fig, 1, 1, 800, 500);
    if (st) {
        free(x);
        return st;
    }
    pr_axes *ax = pr_figure_axes(fig, 0, 0);
    st = pr_axes_set_title(ax, title ? title : "Training loss");
    if (!st) st = pr_axes_set_xlabel(ax, "epoch");
    if (!st) st = pr_axes_set_ylabel(ax, "loss");
    pr_axes_set_grid(ax, 0.3);
    pr_style train = {.color = "C0", .line_width = 2, .label = "training loss", .marker = h->epochs < 40 ? PR_MARKER_CIRCLE : PR_MARKER_NONE, .marker_size = 4};
    if (!st) st = pr_axes_line(ax, x, h->train_loss, h->epochs, &train);
    if (!st && h->has_val) {
        pr_style val = {.color = "C1", .line_width = 2, .label = "validation loss", .dash = PR_DASH_DASHED,
                        .marker = h->epochs < 40 ? PR_MARKER_SQUARE : PR_MARKER_NONE, .marker_size = 4};
        st = pr_axes_line(ax, x, h->val_loss, h->epochs, &val);
    }
    if (!st && h->best_epoch > 0) {
        pr_style best = {.color = "gray", .line_width = 1, .dash = PR_DASH_DOTTED, .label = "best epoch"};
        st = pr_axes_vline(ax, (double)h->best_epoch, &best);
    }
    pr_axes_set_legend(ax, PR_LEGEND_UPPER_RIGHT);
    if (!st) st = pr_figure_save_svg(fig, path);
    pr_figure_free(fig);
    free(x);
    return st;
}
