/* Columns of a user's CSV file: the reader options every data command takes, the
 * choice of feature columns, their encoding (one-hot text, imputed or dropped
 * missing values, kept in the model file), string class labels, and the rule that
 * decides between classification and regression. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

/* A text feature column with more distinct strings than this, and more than half
 * as many as rows, is an identifier rather than a category. */
#define MAX_CATEGORIES 100

int cli_read_option(const char *cmd, int argc, char **argv, int *i, cli_read_options *o) {
    const char *arg = argv[*i];
    const char **dst = !strcmp(arg, "--features") ? &o->features
                       : !strcmp(arg, "--ignore") ? &o->ignore
                       : !strcmp(arg, "--impute") ? &o->impute
                       : !strcmp(arg, "--unknown") ? &o->unknown
                       : !strcmp(arg, "--delimiter") ? &o->delimiter
                       : !strcmp(arg, "--arrays") ? &o->arrays
                       : !strcmp(arg, "--keep") && o->keep_allowed ? &o->keep
                                                                    : NULL;
    if (!strcmp(arg, "--drop-missing")) {
        o->drop_missing = 1;
        return 1;
    }
    if (!strcmp(arg, "--no-header")) {
        o->no_header = 1;
        return 1;
    }
    if (!dst) return 0;
    if (*i + 1 >= argc) {
        cli_usage_error("%s: %s needs a value (see primer %s --help)", cmd, arg, cmd);
        return -1;
    }
    *dst = argv[++*i];
    pr_impute how;
    if (dst == &o->impute && pr_impute_parse(*dst, &how)) {
        cli_usage_error("%s: --impute is mean, median or most-frequent, not '%s'", cmd, *dst);
        return -1;
    }
    if (dst == &o->unknown && strcmp(*dst, "error") && strcmp(*dst, "ignore")) {
        cli_usage_error("%s: --unknown is error or ignore, not '%s'", cmd, *dst);
        return -1;
    }
    if (dst == &o->delimiter && strlen(*dst) != 1 && strcmp(*dst, "\\t") && strcmp(*dst, "tab")) {
        cli_usage_error("%s: --delimiter is one character (or 'tab'), not '%s'", cmd, *dst);
        return -1;
    }
    if (o->impute && o->drop_missing) {
        cli_usage_error("%s: give --impute or --drop-missing, not both", cmd);
        return -1;
    }
    return 1;
}

pr_csv_options cli_csv_options(const cli_read_options *o) {
    pr_csv_options c = PR_CSV_DEFAULTS;
    c.text = c.missing = 1;
    if (o && o->no_header) c.no_header = 1;
    if (o && o->delimiter) c.delimiter = strlen(o->delimiter) == 1 ? o->delimiter[0] : '\t';
    return c;
}

pr_status cli_csv_read(const char *path, const cli_read_options *o, pr_table **t) {
    pr_csv_options c = cli_csv_options(o);
    return pr_csv_read(strcmp(path, "-") ? path : "/dev/stdin", &c, t); /* "-": standard input */
}

/* ---- which columns ------------------------------------------------------------------------------ */

/* Is `name` in the comma-separated list? */
static int listed(const char *list, const char *name) {
    size_t n = strlen(name);
    for (const char *p = list; p && *p;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len == n && !strncmp(p, name, n)) return 1;
        p = comma ? comma + 1 : NULL;
    }
    return 0;
}

/* Every name of the list must be a column of t. */
static int check_listed(const pr_table *t, const char *list, const char *option, const char *path) {
    char name[512];
    for (const char *p = list; p && *p;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        snprintf(name, sizeof name, "%.*s", (int)(len < sizeof name ? len : sizeof name - 1), p);
        int64_t j;
        if (pr_table_column_index(t, name, &j)) {
            fprintf(stderr, "primer: error: %s %s: %s\n", option, path, pr_last_error());
            return CLI_FAILURE;
        }
        p = comma ? comma + 1 : NULL;
    }
    return CLI_OK;
}

/* pandas' index column (to_csv() without index=False): an unnamed first column. */
static int is_index_column(const pr_table *t, int64_t j) {
    return j == 0 && !strcmp(pr_table_column_name(t, 0), "Unnamed: 0") && !pr_table_levels(t, 0, NULL);
}

/* The feature columns of a new model: --features, else every column but the target,
 * the --ignore'd ones and pandas' index. */
static int choose_inputs(const pr_table *t, const cli_read_options *o, int64_t target_col, const char *path,
                         int64_t **cols, int64_t *n) {
    int64_t width = pr_table_cols(t);
    *cols = calloc((size_t)(width ? width : 1), sizeof **cols);
    *n = 0;
    if (!*cols) return cli_usage_error("out of memory");
    if (o->features && check_listed(t, o->features, "--features", path)) return CLI_FAILURE;
    if (o->ignore && check_listed(t, o->ignore, "--ignore", path)) return CLI_FAILURE;
    for (int64_t j = 0; j < width; j++) {
        const char *name = pr_table_column_name(t, j);
        if (j == target_col) {
            if (o->features && listed(o->features, name)) {
                fprintf(stderr, "primer: error: --features names '%s', the target\n", name);
                return CLI_FAILURE;
            }
            continue;
        }
        if (o->features ? !listed(o->features, name) : listed(o->ignore, name)) continue;
        if (!o->features && is_index_column(t, j)) {
            cli_note("note: %s: skipping the unnamed first column (an index, as pandas writes it); "
                            "--features names the columns to use", path);
            continue;
        }
        (*cols)[(*n)++] = j;
    }
    if (!*n) {
        fprintf(stderr, "primer: error: %s: no feature columns are left%s\n", path,
                target_col >= 0 ? " besides the target" : "");
        return CLI_FAILURE;
    }
    return CLI_OK;
}

/* A text feature column that is really numbers with a typo, or an identifier. */
static int check_text_column(const pr_table *t, int64_t j, const char *path) {
    const char *const *levels;
    int64_t L = pr_table_levels(t, j, &levels), rows = pr_table_rows(t), numeric = 0, count_numeric = 0, first_text = -1;
    if (!L) return CLI_OK;
    const double *v = pr_tensor_f64(pr_table_values(t));
    for (int64_t l = 0; l < L; l++) {
        char *end;
        strtod(levels[l], &end);
        if (*levels[l] && !*end) numeric++;
    }
    for (int64_t i = 0; numeric && i < rows; i++) {
        double x = v[i * pr_table_cols(t) + j];
        if (isnan(x)) continue;
        char *end;
        strtod(levels[(int64_t)x], &end);
        if (!*end) count_numeric++;
        else if (first_text < 0) first_text = i;
    }
    const char *name = pr_table_column_name(t, j);
    if (count_numeric * 10 >= rows * 9 && first_text >= 0) {
        fprintf(stderr, "primer: error: %s: column '%s' holds numbers but data row %lld has \"%s\", which is not a "
                        "number (a typo? or --ignore %s)\n",
                path, name, (long long)first_text + 1, levels[(int64_t)v[first_text * pr_table_cols(t) + j]], name);
        return CLI_FAILURE;
    }
    if (L > MAX_CATEGORIES && L * 2 > rows) {
        fprintf(stderr, "primer: error: %s: column '%s' holds %lld distinct strings in %lld rows, an identifier rather "
                        "than a category: --ignore %s\n",
                path, name, (long long)L, (long long)rows, name);
        return CLI_FAILURE;
    }
    return CLI_OK;
}

/* Rows with a missing value in a feature or the target, with --drop-missing. */
static int drop_missing(pr_table *t, const int64_t *cols, int64_t n, int64_t target_col, const char *path) {
    int64_t *all = malloc((size_t)(n + 1) * sizeof *all), dropped = 0;
    if (!all) return cli_usage_error("out of memory");
    memcpy(all, cols, (size_t)n * sizeof *all);
    if (target_col >= 0) all[n++] = target_col;
    pr_status st = pr_table_drop_missing(t, all, n, &dropped);
    free(all);
    if (st) {
        fprintf(stderr, "primer: error: --drop-missing: %s: %s\n", path, pr_last_error());
        return CLI_FAILURE;
    }
    if (dropped) cli_note("note: %s: dropped %lld row%s with missing values", path, (long long)dropped,
                         dropped == 1 ? "" : "s");
    return CLI_OK;
}

/* The target: a text column gives class indices and names; missing targets are refused. */
static int read_target(const pr_table *t, int64_t target_col, const char *path, int new_model, cli_dataset *d) {
    int64_t first, missing = pr_table_missing(t, target_col, &first);
    const char *name = pr_table_column_name(t, target_col);
    if (missing) {
        fprintf(stderr, "primer: error: %s: the target '%s' is missing in %lld row%s (the first is data row %lld); "
                        "--drop-missing drops those rows\n",
                path, name, (long long)missing, missing == 1 ? "" : "s", (long long)first + 1);
        return CLI_FAILURE;
    }
    int64_t rows = pr_table_rows(t), width = pr_table_cols(t);
    if (pr_tensor_zeros(&d->y, PR_F64, PR_SHAPE(rows))) return cli_library_error("reading data");
    const double *v = pr_tensor_f64(pr_table_values(t));
    for (int64_t i = 0; i < rows; i++) pr_tensor_f64(d->y)[i] = v[i * width + target_col];
    const char *const *levels;
    int64_t L = pr_table_levels(t, target_col, &levels);
    if (L && new_model && pr_encoding_set_classes(d->enc, levels, L)) return cli_library_error("reading data");
    return CLI_OK;
}

/* Map a new file's string targets to the model's classes (by name). */
static int target_to_model_classes(const pr_table *t, int64_t target_col, const pr_encoding *model, const char *path,
                                   pr_tensor *y) {
    const char *const *mine, *const *theirs;
    int64_t L = pr_table_levels(t, target_col, &mine), K = pr_encoding_classes(model, &theirs);
    if (!L && !K) return CLI_OK;
    if (!K) {
        fprintf(stderr, "primer: error: %s: the target '%s' holds text (\"%s\"); the model's classes are numbers\n", path,
                pr_table_column_name(t, target_col), mine[0]);
        return CLI_FAILURE;
    }
    for (int64_t i = 0; i < y->size; i++) {
        double *v = &pr_tensor_f64(y)[i];
        char buf[64];
        const char *s = L ? mine[(int64_t)*v] : (snprintf(buf, sizeof buf, "%.17g", *v), buf);
        int64_t k = 0;
        while (k < K && strcmp(theirs[k], s)) k++;
        if (k == K) {
            fprintf(stderr, "primer: error: %s: data row %lld has the label \"%s\", not one of the model's %lld classes\n",
                    path, (long long)i + 1, s, (long long)K);
            return CLI_FAILURE;
        }
        *v = (double)k;
    }
    return CLI_OK;
}

/* The model's input columns, by name (a model without an encoding: its feature names,
 * all numbers; without names: every column but the target, in order). */
static int model_inputs(const pr_table *t, const cli_columns *m, int64_t target_col, const char *path, pr_encoding **enc) {
    if (m->encoding) {
        if (pr_encoding_from_json(m->encoding, "the model's column encoding", enc)) return cli_library_error(path);
        for (int64_t j = 0; j < pr_encoding_inputs(*enc); j++) {
            int64_t c;
            if (pr_table_column_index(t, pr_encoding_input_name(*enc, j), &c)) {
                fprintf(stderr, "primer: error: %s: the model was trained on %lld columns; column '%s' is missing from "
                                "this file\n",
                        path, (long long)pr_encoding_inputs(*enc), pr_encoding_input_name(*enc, j));
                return CLI_FAILURE;
            }
        }
        return CLI_OK;
    }
    int64_t width = pr_table_cols(t), want = m->n_features, n = 0;
    int64_t *cols = calloc((size_t)(width + want + 1), sizeof *cols);
    if (!cols) return cli_usage_error("out of memory");
    int rc = CLI_OK;
    if (m->features) {
        for (int64_t j = 0; !rc && j < want; j++)
            if (pr_table_column_index(t, m->features[j], &cols[n++])) {
                fprintf(stderr, "primer: error: %s: the model was trained on %lld features; column '%s' is missing "
                                "from this file\n", path, (long long)want, m->features[j]);
                rc = CLI_FAILURE;
            }
    } else {
        for (int64_t j = 0; j < width; j++)
            if (j != target_col) cols[n++] = j;
        if (n != want) {
            fprintf(stderr, "primer: error: %s: the model takes %lld features, the file has %lld%s\n", path,
                    (long long)want, (long long)n, target_col >= 0 ? " besides the target" : "");
            rc = CLI_FAILURE;
        }
    }
    for (int64_t j = 0; !rc && j < n; j++)
        if (pr_table_levels(t, cols[j], NULL)) {
            fprintf(stderr, "primer: error: %s: column '%s' holds text; the model takes numbers\n", path,
                    pr_table_column_name(t, cols[j]));
            rc = CLI_FAILURE;
        }
    if (!rc && pr_encoding_fit(t, cols, n, PR_IMPUTE_NONE, enc)) rc = cli_library_error(path);
    free(cols);
    return rc;
}

int cli_csv_load(const cli_source *src, const cli_columns *m, int need_target, cli_dataset *d) {
    static const cli_read_options none = {0};
    const cli_read_options *o = src->read ? src->read : &none;
    const char *path = src->data, *target = src->target;
    pr_table *t;
    if (cli_csv_read(path, o, &t)) return cli_library_error("reading data");
    d->source = !strcmp(path, "-") ? "standard input" : path;
    int64_t target_col = -1;
    int rc = CLI_OK;
    if (target && pr_table_column_index(t, target, &target_col)) rc = cli_library_error("--target");
    if (!rc && !target && m && m->target && pr_table_column_index(t, m->target, &target_col)) target_col = -1;
    if (!rc && target_col < 0 && need_target) {
        if (m && m->target) {
            fprintf(stderr, "primer: error: %s has no column '%s' (the model's target); name one with --target\n", path,
                    m->target);
            rc = CLI_FAILURE;
        }
        target_col = pr_table_cols(t) - 1;
    }
    if (!rc && need_target && pr_table_cols(t) < 2) {
        fprintf(stderr, "primer: error: %s: needs at least one feature column besides the target\n", path);
        rc = CLI_FAILURE;
    }
    int64_t *cols = NULL, n = 0;
    if (!rc && m) rc = model_inputs(t, m, target_col, path, &d->enc);
    if (!rc && !m) rc = choose_inputs(t, o, target_col, path, &cols, &n);
    for (int64_t j = 0; !rc && j < n; j++) rc = check_text_column(t, cols[j], path);
    if (!rc && m && !cols) { /* the model's columns, for dropping rows */
        n = pr_encoding_inputs(d->enc);
        if (!(cols = calloc((size_t)(n ? n : 1), sizeof *cols))) rc = cli_usage_error("out of memory");
        for (int64_t j = 0; !rc && j < n; j++) pr_table_column_index(t, pr_encoding_input_name(d->enc, j), &cols[j]);
    }
    int keep_target = target_col >= 0 && (need_target || target);
    if (!rc && o->drop_missing) rc = drop_missing(t, cols, n, keep_target ? target_col : -1, path);
    pr_impute impute = PR_IMPUTE_NONE;
    if (o->impute) pr_impute_parse(o->impute, &impute);
    if (!rc && !m && pr_encoding_fit(t, cols, n, impute, &d->enc)) rc = cli_library_error(path);
    if (!rc && m && o->impute)
        cli_note("note: --impute is fixed when training; the model fills with its own values");
    pr_status st = rc ? PR_OK : pr_encoding_apply(d->enc, t, o->unknown && !strcmp(o->unknown, "ignore"), &d->X);
    if (st == PR_ERR_INVALID && strstr(pr_last_error(), "missing values")) {
        fprintf(stderr, "primer: error: %s: %s\n  --impute mean|median|most-frequent fills them%s; --drop-missing "
                        "drops those rows\n",
                path, pr_last_error(), m ? " when training" : "");
        rc = CLI_FAILURE;
    } else if (st == PR_ERR_NOT_FOUND && strstr(pr_last_error(), "categories")) {
        fprintf(stderr, "primer: error: %s: %s\n  --unknown ignore encodes it as none of them\n", path, pr_last_error());
        rc = CLI_FAILURE;
    } else if (st) {
        rc = cli_library_error(path);
    }
    if (!rc && keep_target) rc = read_target(t, target_col, path, !m, d);
    if (!rc && keep_target && m) rc = target_to_model_classes(t, target_col, d->enc, path, d->y);
    if (!rc) {
        d->n_features = pr_encoding_outputs(d->enc);
        d->features = calloc((size_t)(d->n_features ? d->n_features : 1), sizeof *d->features);
        for (int64_t j = 0; d->features && j < d->n_features; j++)
            d->features[j] = strdup(pr_encoding_output_name(d->enc, j));
        if (target_col >= 0) d->target = strdup(pr_table_column_name(t, target_col));
        if (o->keep) rc = cli_keep_columns(t, o->keep, path, d);
    }
    free(cols);
    pr_table_free(t);
    return rc;
}

/* ---- --keep: columns carried through to the predictions ---------------------------------------- */

int cli_keep_columns(const pr_table *t, const char *list, const char *path, cli_dataset *d) {
    if (check_listed(t, list, "--keep", path)) return CLI_FAILURE;
    int64_t n = 0, rows = pr_table_rows(t), width = pr_table_cols(t);
    for (int64_t j = 0; j < width; j++) n += listed(list, pr_table_column_name(t, j));
    d->n_kept = n;
    d->kept_names = calloc((size_t)n, sizeof *d->kept_names);
    d->kept_levels = calloc((size_t)n, sizeof *d->kept_levels);
    d->kept_n_levels = calloc((size_t)n, sizeof *d->kept_n_levels);
    if (!d->kept_names || !d->kept_levels || !d->kept_n_levels || pr_tensor_zeros(&d->kept, PR_F64, PR_SHAPE(rows, n)))
        return cli_usage_error("out of memory");
    const double *v = pr_tensor_f64(pr_table_values(t));
    for (int64_t j = 0, k = 0; j < width; j++) {
        if (!listed(list, pr_table_column_name(t, j))) continue;
        d->kept_names[k] = strdup(pr_table_column_name(t, j));
        const char *const *levels;
        int64_t L = pr_table_levels(t, j, &levels);
        d->kept_n_levels[k] = L;
        if (L) {
            d->kept_levels[k] = calloc((size_t)L, sizeof *d->kept_levels[k]);
            for (int64_t l = 0; d->kept_levels[k] && l < L; l++) d->kept_levels[k][l] = strdup(levels[l]);
        }
        for (int64_t i = 0; i < rows; i++) pr_tensor_f64(d->kept)[i * n + k] = v[i * width + j];
        k++;
    }
    return CLI_OK;
}

/* ---- classification or regression --------------------------------------------------------------- */

int cli_decide_task(const cli_dataset *d, const char *task, int *classify) {
    const char *const *names;
    int64_t text_classes = d->enc ? pr_encoding_classes(d->enc, &names) : 0;
    if (task) {
        *classify = !strcmp(task, "classification");
        if (!*classify && text_classes) {
            fprintf(stderr, "primer: error: --task regression needs numbers; the target '%s' holds text (\"%s\")\n",
                    d->target, names[0]);
            return CLI_FAILURE;
        }
        if (*classify && !pr_data_is_integral(d->y)) {
            fprintf(stderr, "primer: error: --task classification needs labels; the target '%s' holds fractions\n",
                    d->target);
            return CLI_FAILURE;
        }
        return CLI_OK;
    }
    if (text_classes) {
        *classify = 1;
        if (!d->images && !d->sequences)
            cli_note("task: classification (the target '%s' holds text: %lld classes)", d->target,
                    (long long)text_classes);
        return CLI_OK;
    }
    if (!pr_data_is_integral(d->y)) {
        *classify = 0;
        cli_note("task: regression (the target '%s' holds fractions; --task classification to "
                        "override)", d->target);
        return CLI_OK;
    }
    pr_tensor *classes = NULL;
    int64_t rows = d->y->size, K = pr_data_encode_labels(d->y, rows, NULL, &classes) ? rows : classes->size;
    pr_tensor_free(classes);
    double limit = fmax(CLI_TASK_MIN_LIMIT, CLI_TASK_ROW_SHARE * (double)rows);
    *classify = K <= CLI_TASK_MAX_CLASSES && (double)K <= limit;
    if (d->images || d->sequences || !d->source) return CLI_OK; /* data sets whose task is known */
    if (*classify)
        cli_note("task: classification (the target '%s' holds %lld distinct whole numbers; "
                        "--task regression to override)", d->target, (long long)K);
    else
        cli_note("task: regression (the target '%s' holds %lld distinct whole numbers, more than %s; "
                        "--task classification to override)",
                d->target, (long long)K, K > CLI_TASK_MAX_CLASSES ? "20" : "5% of the rows");
    return CLI_OK;
}

const char *cli_class_name(const pr_encoding *enc, double label, char *buf, size_t len) {
    const char *const *names;
    int64_t K = enc ? pr_encoding_classes(enc, &names) : 0;
    if (K && label >= 0 && label < (double)K && label == floor(label)) return names[(int64_t)label];
    snprintf(buf, len, "%g", label);
    return buf;
}
