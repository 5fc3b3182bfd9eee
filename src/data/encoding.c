/* Encoding a table's columns as features: numbers as they are, text columns one-hot
 * over their strings, missing values imputed or refused; kept as JSON in model
 * files. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "io/json.h"
#include "primer/data.h"
#include "primer/io.h"

typedef struct input {
    char *name;
    char **levels; /* a text column's strings, byte order; NULL for a number */
    int64_t n_levels;
    double fill;   /* NaN: none; text: the index of its string */
} input;

struct pr_encoding {
    input *in;
    int64_t n_in, n_out;
    char **out;    /* output feature names */
    pr_impute impute;
    char **classes;
    int64_t n_classes;
};

static const char *const impute_names[] = {"none", "mean", "median", "most-frequent"};

const char *pr_impute_name(pr_impute how) {
    return (unsigned)how < sizeof impute_names / sizeof *impute_names ? impute_names[how] : "unknown";
}

pr_status pr_impute_parse(const char *name, pr_impute *how) {
    for (int k = 0; name && k < (int)(sizeof impute_names / sizeof *impute_names); k++)
        if (!strcmp(name, impute_names[k])) {
            *how = (pr_impute)k;
            return PR_OK;
        }
    return pr__fail(PR_ERR_INVALID, "impute: '%s' is not a strategy: none, mean, median or most-frequent",
                    name ? name : "(null)");
}

static void free_names(char **s, int64_t n) {
    for (int64_t i = 0; s && i < n; i++) free(s[i]);
    free(s);
}

void pr_encoding_free(pr_encoding *e) {
    if (!e) return;
    for (int64_t j = 0; j < e->n_in; j++) {
        free(e->in[j].name);
        free_names(e->in[j].levels, e->in[j].n_levels);
    }
    free(e->in);
    free_names(e->out, e->n_out);
    free_names(e->classes, e->n_classes);
    free(e);
}

int64_t pr_encoding_inputs(const pr_encoding *e) { return e ? e->n_in : 0; }
const char *pr_encoding_input_name(const pr_encoding *e, int64_t j) {
    return e && j >= 0 && j < e->n_in ? e->in[j].name : NULL;
}
int64_t pr_encoding_input_levels(const pr_encoding *e, int64_t j, const char *const **levels) {
    int64_t n = e && j >= 0 && j < e->n_in ? e->in[j].n_levels : 0;
    if (levels) *levels = n ? (const char *const *)e->in[j].levels : NULL;
    return n;
}
double pr_encoding_input_fill(const pr_encoding *e, int64_t j) {
    return e && j >= 0 && j < e->n_in ? e->in[j].fill : NAN;
}
pr_impute pr_encoding_impute(const pr_encoding *e) { return e ? e->impute : PR_IMPUTE_NONE; }
int64_t pr_encoding_outputs(const pr_encoding *e) { return e ? e->n_out : 0; }
const char *pr_encoding_output_name(const pr_encoding *e, int64_t k) {
    return e && k >= 0 && k < e->n_out ? e->out[k] : NULL;
}
int64_t pr_encoding_classes(const pr_encoding *e, const char *const **names) {
    int64_t n = e ? e->n_classes : 0;
    if (names) *names = n ? (const char *const *)e->classes : NULL;
    return n;
}

static pr_status copy_names(const char *const *src, int64_t n, char ***dst) {
    *dst = pr__calloc((size_t)(n ? n : 1), sizeof **dst);
    if (!*dst) return PR_ERR_NOMEM;
    for (int64_t i = 0; i < n; i++)
        if (!((*dst)[i] = pr__strdup(src[i] ? src[i] : ""))) return PR_ERR_NOMEM;
    return PR_OK;
}

pr_status pr_encoding_set_classes(pr_encoding *e, const char *const *names, int64_t n) {
    if (!e || (n && !names) || n < 0) return pr__fail(PR_ERR_INVALID, "encoding_set_classes: NULL argument");
    free_names(e->classes, e->n_classes);
    e->classes = NULL;
    e->n_classes = 0;
    if (!n) return PR_OK;
    pr_status st = copy_names(names, n, &e->classes);
    if (st) {
        free_names(e->classes, n); /* the copies made so far */
        e->classes = NULL;
        return st;
    }
    e->n_classes = n;
    return PR_OK;
}

/* The output names: the inputs' names, "column=string" for every string of a text one. */
static pr_status name_outputs(pr_encoding *e) {
    e->n_out = 0;
    for (int64_t j = 0; j < e->n_in; j++) e->n_out += e->in[j].levels ? e->in[j].n_levels : 1;
    e->out = pr__calloc((size_t)(e->n_out ? e->n_out : 1), sizeof *e->out);
    if (!e->out) return PR_ERR_NOMEM;
    int64_t k = 0;
    pr_strbuf sb;
    pr__strbuf_init(&sb);
    for (int64_t j = 0; j < e->n_in; j++) {
        if (!e->in[j].levels) {
            if (!(e->out[k++] = pr__strdup(e->in[j].name))) break;
            continue;
        }
        for (int64_t l = 0; l < e->in[j].n_levels; l++) {
            sb.len = 0;
            pr__strbuf_printf(&sb, "%s=%s", e->in[j].name, e->in[j].levels[l]);
            if (sb.failed || !(e->out[k++] = pr__strdup(sb.data))) break;
        }
    }
    pr__strbuf_free(&sb);
    for (int64_t i = 0; i < e->n_out; i++)
        if (!e->out[i]) return PR_ERR_NOMEM;
    return PR_OK;
}

static int compare_doubles(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The fill of column c of t: mean, median or most frequent of its present values
 * (a text column's are the indices of its strings: always the most frequent). */
static pr_status fill_value(const pr_table *t, int64_t c, int text, pr_impute how, double *fill) {
    int64_t rows = pr_table_rows(t), cols = pr_table_cols(t), n = 0;
    const double *v = pr_tensor_f64(pr_table_values(t));
    double *present = pr__malloc((size_t)rows * sizeof *present);
    if (!present) return PR_ERR_NOMEM;
    for (int64_t i = 0; i < rows; i++)
        if (!isnan(v[i * cols + c])) present[n++] = v[i * cols + c];
    if (!n) {
        free(present);
        return pr__fail(PR_ERR_INVALID, "impute: column '%s' has no value to impute from", pr_table_column_name(t, c));
    }
    if (how == PR_IMPUTE_MEAN && !text) {
        double s = 0;
        for (int64_t i = 0; i < n; i++) s += present[i];
        *fill = s / (double)n;
    } else {
        qsort(present, (size_t)n, sizeof *present, compare_doubles);
        if (how == PR_IMPUTE_MEDIAN && !text) {
            *fill = n % 2 ? present[n / 2] : 0.5 * (present[n / 2 - 1] + present[n / 2]);
        } else { /* the longest run of equal values; the first (smallest) on ties */
            int64_t best = 0, best_len = 0;
            for (int64_t i = 0, j; i < n; i = j) {
                for (j = i; j < n && present[j] == present[i]; j++) {}
                if (j - i > best_len) best_len = j - i, best = i;
            }
            *fill = present[best];
        }
    }
    free(present);
    return PR_OK;
}

pr_status pr_encoding_fit(const pr_table *t, const int64_t *cols, int64_t n, pr_impute impute, pr_encoding **out) {
    if (!t || (!cols && n) || !out || n < 0) return pr__fail(PR_ERR_INVALID, "encoding_fit: NULL argument");
    if ((unsigned)impute > PR_IMPUTE_MOST_FREQUENT) return pr__fail(PR_ERR_INVALID, "encoding_fit: unknown impute %d", (int)impute);
    pr_encoding *e = pr__calloc(1, sizeof *e);
    if (!e || !(e->in = pr__calloc((size_t)(n ? n : 1), sizeof *e->in))) {
        free(e);
        return PR_ERR_NOMEM;
    }
    e->impute = impute;
    pr_status st = PR_OK;
    for (int64_t j = 0; !st && j < n; j++) {
        const char *name = pr_table_column_name(t, cols[j]);
        if (!name) {
            st = pr__fail(PR_ERR_INVALID, "encoding_fit: column %lld is not in the table", (long long)cols[j]);
            break;
        }
        input *in = &e->in[e->n_in++];
        in->fill = NAN;
        const char *const *levels;
        int64_t L = pr_table_levels(t, cols[j], &levels);
        if (!(in->name = pr__strdup(name))) st = PR_ERR_NOMEM;
        if (!st && L) {
            st = copy_names(levels, L, &in->levels);
            in->n_levels = L; /* on failure the copies made so far are freed with the rest */
        }
        if (!st && impute && pr_table_missing(t, cols[j], NULL)) st = fill_value(t, cols[j], L > 0, impute, &in->fill);
    }
    if (!st) st = name_outputs(e);
    if (st) {
        pr_encoding_free(e);
        return st;
    }
    *out = e;
    return PR_OK;
}

pr_status pr_encoding_numeric(const char *const *names, int64_t n, pr_encoding **out) {
    if ((!names && n) || !out || n < 0) return pr__fail(PR_ERR_INVALID, "encoding_numeric: NULL argument");
    pr_encoding *e = pr__calloc(1, sizeof *e);
    if (!e || !(e->in = pr__calloc((size_t)(n ? n : 1), sizeof *e->in))) {
        free(e);
        return PR_ERR_NOMEM;
    }
    pr_status st = PR_OK;
    for (int64_t j = 0; !st && j < n; j++) {
        input *in = &e->in[e->n_in++];
        in->fill = NAN;
        if (!(in->name = pr__strdup(names[j] ? names[j] : ""))) st = PR_ERR_NOMEM;
    }
    if (!st) st = name_outputs(e);
    if (st) {
        pr_encoding_free(e);
        return st;
    }
    *out = e;
    return PR_OK;
}

/* The missing values that have no fill: an error naming up to three columns, each with
 * its count and first row. */
static pr_status refuse_missing(const pr_encoding *e, const pr_table *t, const int64_t *col) {
    pr_strbuf sb;
    pr__strbuf_init(&sb);
    int named = 0, more = 0;
    for (int64_t j = 0; j < e->n_in; j++) {
        int64_t first, k = pr_table_missing(t, col[j], &first);
        if (!k || !isnan(e->in[j].fill)) continue;
        if (named == 3) {
            more++;
            continue;
        }
        pr__strbuf_printf(&sb, "%s'%s' (%lld, the first in data row %lld)", named ? ", " : "", e->in[j].name,
                          (long long)k, (long long)first + 1);
        named++;
    }
    if (!named) {
        pr__strbuf_free(&sb);
        return PR_OK;
    }
    pr_status st = pr__fail(PR_ERR_INVALID, "missing values in column%s %s%s%s: impute them or drop those rows",
                            named + more > 1 ? "s" : "", sb.data ? sb.data : "", more ? " and " : "",
                            more ? "more" : "");
    pr__strbuf_free(&sb);
    return st;
}

static int compare_strings(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

pr_status pr_encoding_apply(const pr_encoding *e, const pr_table *t, int unknown_as_zeros, pr_tensor **X) {
    if (!e || !t || !X) return pr__fail(PR_ERR_INVALID, "encoding_apply: NULL argument");
    int64_t rows = pr_table_rows(t), cols = pr_table_cols(t);
    int64_t *col = pr__calloc((size_t)(e->n_in ? e->n_in : 1), sizeof *col);
    /* map[j][l]: this table's string l of input j as the encoding's index (-1: unseen) */
    int64_t **map = pr__calloc((size_t)(e->n_in ? e->n_in : 1), sizeof *map);
    pr_status st = col && map ? PR_OK : PR_ERR_NOMEM;
    for (int64_t j = 0; !st && j < e->n_in; j++) {
        if ((st = pr_table_column_index(t, e->in[j].name, &col[j]))) break;
        const char *const *levels;
        int64_t L = pr_table_levels(t, col[j], &levels);
        if (!e->in[j].levels) {
            if (L)
                st = pr__fail(PR_ERR_INVALID, "column '%s' holds text (\"%s\") where the model expects numbers",
                              e->in[j].name, levels[0]);
            continue;
        }
        if (!(map[j] = pr__malloc((size_t)(L ? L : 1) * sizeof **map))) st = PR_ERR_NOMEM;
        for (int64_t l = 0; !st && l < L; l++) {
            char *const *at = bsearch(&levels[l], e->in[j].levels, (size_t)e->in[j].n_levels, sizeof *e->in[j].levels,
                                      compare_strings);
            map[j][l] = at ? at - e->in[j].levels : -1;
        }
    }
    if (!st) st = refuse_missing(e, t, col);
    if (!st) st = pr_tensor_zeros(X, PR_F64, PR_SHAPE(rows, e->n_out));
    const double *v = pr_tensor_f64(pr_table_values(t));
    for (int64_t i = 0; !st && i < rows; i++) {
        double *x = pr_tensor_f64(*X) + i * e->n_out;
        int64_t k = 0;
        for (int64_t j = 0; !st && j < e->n_in; j++) {
            const input *in = &e->in[j];
            double value = v[i * cols + col[j]];
            if (!in->levels) {
                x[k++] = isnan(value) ? in->fill : value;
                continue;
            }
            int64_t l;
            if (isnan(value)) l = (int64_t)in->fill;
            else if (pr_table_levels(t, col[j], NULL)) l = map[j][(int64_t)value];
            else { /* numbers where the model saw strings: match their shortest text */
                char buf[PR__NUMBER_TEXT];
                const char *s = pr__format_shortest(value, 0, buf);
                char *const *at = bsearch(&s, in->levels, (size_t)in->n_levels, sizeof *in->levels, compare_strings);
                l = at ? at - in->levels : -1;
            }
            if (l < 0 && !unknown_as_zeros) {
                char buf[PR__NUMBER_TEXT];
                const char *const *levels;
                const char *s = pr_table_levels(t, col[j], &levels) ? levels[(int64_t)value]
                                                                    : pr__format_shortest(value, 0, buf);
                st = pr__fail(PR_ERR_NOT_FOUND, "column '%s': \"%s\" in data row %lld is not one of the %lld "
                                                "categories the model was trained with",
                              in->name, s, (long long)i + 1, (long long)in->n_levels);
                break;
            }
            if (l >= 0) x[k + l] = 1;
            k += in->n_levels;
        }
    }
    for (int64_t j = 0; map && j < e->n_in; j++) free(map[j]);
    free(map);
    free(col);
    if (st) {
        pr_tensor_free(*X);
        *X = NULL;
    }
    return st;
}

/* ---- JSON ------------------------------------------------------------------------------------- */

static void append_number(pr_strbuf *sb, double v) {
    char buf[PR__NUMBER_TEXT];
    if (isnan(v)) pr__strbuf_puts(sb, "null");
    else pr__strbuf_puts(sb, pr__format_shortest(v, 0, buf));
}

pr_status pr_encoding_to_json(const pr_encoding *e, char **json) {
    if (!e || !json) return pr__fail(PR_ERR_INVALID, "encoding_to_json: NULL argument");
    pr_strbuf sb;
    pr__strbuf_init(&sb);
    locale_t old = uselocale(pr__c_locale());
    pr__strbuf_printf(&sb, "{\"impute\":\"%s\",\"inputs\":[", pr_impute_name(e->impute));
    for (int64_t j = 0; j < e->n_in; j++) {
        pr__strbuf_puts(&sb, j ? ",{\"name\":" : "{\"name\":");
        pr__json_append_string(&sb, e->in[j].name);
        if (e->in[j].levels) {
            pr__strbuf_puts(&sb, ",\"levels\":");
            pr__json_append_string_array(&sb, (const char *const *)e->in[j].levels, e->in[j].n_levels);
        }
        if (!isnan(e->in[j].fill)) {
            pr__strbuf_puts(&sb, ",\"fill\":");
            append_number(&sb, e->in[j].fill);
        }
        pr__strbuf_puts(&sb, "}");
    }
    pr__strbuf_puts(&sb, "]");
    if (e->n_classes) {
        pr__strbuf_puts(&sb, ",\"classes\":");
        pr__json_append_string_array(&sb, (const char *const *)e->classes, e->n_classes);
    }
    pr__strbuf_puts(&sb, "}");
    uselocale(old);
    if (sb.failed) {
        pr__strbuf_free(&sb);
        return PR_ERR_NOMEM;
    }
    *json = sb.data;
    return PR_OK;
}

/* A JSON array of strings into new copies. */
static pr_status strings_of(const pr__json *a, const char *name, const char *what, char ***out, int64_t *n) {
    if (!a || a->kind != PR_JSON_ARRAY) return pr__fail(PR_ERR_FORMAT, "%s: %s is not an array of strings", name, what);
    *out = pr__calloc(a->count ? a->count : 1, sizeof **out);
    if (!*out) return PR_ERR_NOMEM;
    *n = 0;
    for (size_t i = 0; i < a->count; i++) {
        if (a->items[i].kind != PR_JSON_STRING) return pr__fail(PR_ERR_FORMAT, "%s: %s holds a non-string", name, what);
        if (!((*out)[i] = pr__strdup(a->items[i].string))) return PR_ERR_NOMEM;
        *n = (int64_t)i + 1;
        if (i && strcmp((*out)[i - 1], (*out)[i]) >= 0 && strcmp(what, "classes"))
            return pr__fail(PR_ERR_FORMAT, "%s: the strings of %s are not distinct and in byte order", name, what);
    }
    return PR_OK;
}

static pr_status read_input(const pr__json *o, const char *name, input *in) {
    in->fill = NAN;
    const pr__json *nm = o->kind == PR_JSON_OBJECT ? pr__json_get(o, "name") : NULL;
    if (!nm || nm->kind != PR_JSON_STRING) return pr__fail(PR_ERR_FORMAT, "%s: an input without a name", name);
    if (!(in->name = pr__strdup(nm->string))) return PR_ERR_NOMEM;
    const pr__json *lv = pr__json_get(o, "levels"), *fill = pr__json_get(o, "fill");
    char what[160];
    snprintf(what, sizeof what, "the levels of '%.100s'", in->name);
    pr_status st = lv ? strings_of(lv, name, what, &in->levels, &in->n_levels) : PR_OK;
    if (!st && lv && !in->n_levels) st = pr__fail(PR_ERR_FORMAT, "%s: '%s' has no levels", name, in->name);
    if (st || !fill || fill->kind == PR_JSON_NULL) return st;
    if (fill->kind != PR_JSON_NUMBER || !isfinite(fill->number) ||
        (in->levels && !(fill->is_integer && fill->integer >= 0 && fill->integer < in->n_levels)))
        return pr__fail(PR_ERR_FORMAT, "%s: the fill of '%s' is not a finite number (or a level's index)", name, in->name);
    in->fill = fill->number;
    return PR_OK;
}

pr_status pr_encoding_from_json(const char *json, const char *name, pr_encoding **out) {
    if (!json || !out) return pr__fail(PR_ERR_INVALID, "encoding_from_json: NULL argument");
    if (!name) name = "encoding";
    pr__json *j;
    pr_status st = pr__json_parse(json, strlen(json), name, &j);
    if (st) return st;
    pr_encoding *e = pr__calloc(1, sizeof *e);
    const pr__json *inputs = j->kind == PR_JSON_OBJECT ? pr__json_get(j, "inputs") : NULL;
    const pr__json *impute = j->kind == PR_JSON_OBJECT ? pr__json_get(j, "impute") : NULL;
    const pr__json *classes = j->kind == PR_JSON_OBJECT ? pr__json_get(j, "classes") : NULL;
    if (!e) st = PR_ERR_NOMEM;
    else if (!inputs || inputs->kind != PR_JSON_ARRAY)
        st = pr__fail(PR_ERR_FORMAT, "%s: not an encoding (no 'inputs' array)", name);
    else if (!(e->in = pr__calloc(inputs->count ? inputs->count : 1, sizeof *e->in)))
        st = PR_ERR_NOMEM;
    if (!st && impute && (impute->kind != PR_JSON_STRING || pr_impute_parse(impute->string, &e->impute)))
        st = pr__fail(PR_ERR_FORMAT, "%s: 'impute' is not none, mean, median or most-frequent", name);
    for (size_t i = 0; !st && i < inputs->count; i++) {
        e->n_in++;
        st = read_input(&inputs->items[i], name, &e->in[i]);
    }
    if (!st && classes) st = strings_of(classes, name, "classes", &e->classes, &e->n_classes);
    if (!st) st = name_outputs(e);
    pr__json_free(j);
    if (st) {
        pr_encoding_free(e);
        return st;
    }
    *out = e;
    return PR_OK;
}
