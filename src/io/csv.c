/* CSV tables: a strict RFC 4180 reader with file:line:column errors, and a writer. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/internal.h"
#include "primer/io.h"

struct pr_table {
    int64_t rows, cols;
    char **names;
    pr_tensor *values;
    /* per column (allocated when options->text or ->missing): */
    int64_t *n_levels;      /* text columns: distinct strings (0: a numeric column) */
    char ***levels;         /* their sorted strings */
    int64_t *n_missing;     /* missing fields */
    int64_t *first_missing; /* the 0-based data row of the first one (-1: none) */
};

/* ---- the table ------------------------------------------------------------------ */

int64_t pr_table_rows(const pr_table *t) { return t ? t->rows : 0; }
int64_t pr_table_cols(const pr_table *t) { return t ? t->cols : 0; }
const pr_tensor *pr_table_values(const pr_table *t) { return t ? t->values : NULL; }

const char *pr_table_column_name(const pr_table *t, int64_t j) {
    return t && j >= 0 && j < t->cols ? t->names[j] : NULL;
}

pr_status pr_table_column_index(const pr_table *t, const char *name, int64_t *j) {
    if (!t || !name) return pr__fail(PR_ERR_INVALID, "column_index: table or name is NULL");
    for (int64_t k = 0; k < t->cols; k++)
        if (strcmp(t->names[k], name) == 0) {
            *j = k;
            return PR_OK;
        }
    pr_strbuf sb;
    pr__strbuf_init(&sb);
    for (int64_t k = 0; k < t->cols && sb.len < 400; k++)
        pr__strbuf_printf(&sb, "%s'%s'", k ? ", " : "", t->names[k]);
    pr_status st = pr__fail(PR_ERR_NOT_FOUND, "no column named '%s'; the columns are %s%s", name,
                            sb.data ? sb.data : "", sb.len >= 400 ? ", ..." : "");
    pr__strbuf_free(&sb);
    return st;
}

int64_t pr_table_levels(const pr_table *t, int64_t j, const char *const **levels) {
    int64_t n = t && t->n_levels && j >= 0 && j < t->cols ? t->n_levels[j] : 0;
    if (levels) *levels = n ? (const char *const *)t->levels[j] : NULL;
    return n;
}

int64_t pr_table_missing(const pr_table *t, int64_t j, int64_t *first_row) {
    int64_t n = t && t->n_missing && j >= 0 && j < t->cols ? t->n_missing[j] : 0;
    if (first_row) *first_row = n ? t->first_missing[j] : -1;
    return n;
}

pr_status pr_table_drop_missing(pr_table *t, const int64_t *cols, int64_t n, int64_t *dropped) {
    if (!t || (n && !cols)) return pr__fail(PR_ERR_INVALID, "table_drop_missing: NULL argument");
    for (int64_t c = 0; c < n; c++)
        if (cols[c] < 0 || cols[c] >= t->cols)
            return pr__fail(PR_ERR_INVALID, "table_drop_missing: column %lld is not in the table", (long long)cols[c]);
    double *v = pr_tensor_f64(t->values);
    int64_t kept = 0;
    for (int64_t i = 0; i < t->rows; i++) {
        int missing = 0;
        for (int64_t c = 0; c < n && !missing; c++) missing = isnan(v[i * t->cols + cols[c]]);
        kept += !missing;
    }
    if (!kept) return pr__fail(PR_ERR_INVALID, "every row has a missing value in the columns used");
    if (dropped) *dropped = t->rows - kept;
    if (kept == t->rows) return PR_OK;
    int64_t r = 0;
    for (int64_t i = 0; i < t->rows; i++) {
        int missing = 0;
        for (int64_t c = 0; c < n && !missing; c++) missing = isnan(v[i * t->cols + cols[c]]);
        if (!missing) memmove(v + r++ * t->cols, v + i * t->cols, (size_t)t->cols * sizeof *v);
    }
    t->rows = kept;
    t->values->shape[0] = kept;
    t->values->size = kept * t->cols;
    for (int64_t j = 0; t->n_missing && j < t->cols; j++) { /* count again */
        t->n_missing[j] = 0;
        t->first_missing[j] = -1;
        for (int64_t i = 0; i < kept; i++)
            if (isnan(v[i * t->cols + j]) && !t->n_missing[j]++) t->first_missing[j] = i;
    }
    return PR_OK;
}

void pr_table_free(pr_table *t) {
    if (!t) return;
    for (int64_t j = 0; t->names && j < t->cols; j++) free(t->names[j]);
    for (int64_t j = 0; t->levels && j < t->cols; j++) {
        for (int64_t k = 0; t->levels[j] && k < t->n_levels[j]; k++) free(t->levels[j][k]);
        free(t->levels[j]);
    }
    free(t->levels);
    free(t->n_levels);
    free(t->n_missing);
    free(t->first_missing);
    free(t->names);
    pr_tensor_free(t->values);
    free(t);
}

pr_status pr_table_split(const pr_table *t, const char *target, pr_tensor **X, pr_tensor **y) {
    if (!t || !X || !y) return pr__fail(PR_ERR_INVALID, "table_split: NULL argument");
    if (t->cols < 2)
        return pr__fail(PR_ERR_SHAPE, "table_split: needs a target and at least one feature column, "
                                      "the table has %lld column(s)", (long long)t->cols);
    int64_t tj = t->cols - 1;
    if (target) {
        pr_status st = pr_table_column_index(t, target, &tj);
        if (st) return st;
    }
    pr_tensor *fx, *fy;
    pr_status st = pr__tensor_alloc(&fx, PR_F64, PR_SHAPE(t->rows, t->cols - 1), false);
    if (st) return st;
    if ((st = pr__tensor_alloc(&fy, PR_F64, PR_SHAPE(t->rows), false))) {
        pr_tensor_free(fx);
        return st;
    }
    const double *v = t->values->data;
    double *xd = fx->data, *yd = fy->data;
    for (int64_t i = 0; i < t->rows; i++) {
        int64_t k = 0;
        for (int64_t j = 0; j < t->cols; j++) {
            if (j == tj) yd[i] = v[i * t->cols + j];
            else xd[i * (t->cols - 1) + k++] = v[i * t->cols + j];
        }
    }
    *X = fx;
    *y = fy;
    return PR_OK;
}

/* ---- reading ------------------------------------------------------------------------ */

typedef struct csv_parser {
    const char *p, *end, *start;
    const char *name;
    char delim;
    int64_t line;           /* 1-based line of the cursor */
    const char *line_start; /* first byte of the cursor's line */
    pr_limits lim;
    pr_strbuf field;        /* the current field, unquoted and unescaped */
} csv_parser;

/* Read one field; *last is set when it ended its record (newline or end of data). */
static pr_status next_field(csv_parser *cp, int *last, int *quoted) {
    cp->field.len = 0;
    if (cp->field.data) cp->field.data[0] = '\0';
    *quoted = 0;
    const char *p = cp->p;
    while (p < cp->end && (*p == ' ' || *p == '\t')) p++;
    if (p < cp->end && *p == '"') {
        *quoted = 1;
        p++;
        int64_t opened = cp->line; /* the line the quote opens on */
        for (;;) {
            if (p >= cp->end)
                return pr__fail(PR_ERR_FORMAT, "%s:%lld: unterminated quoted field (the quote opens here)", cp->name,
                                (long long)opened);
            if (*p == '"') {
                if (p + 1 < cp->end && p[1] == '"') {
                    pr__strbuf_append(&cp->field, "\"", 1);
                    p += 2;
                    continue;
                }
                p++;
                break;
            }
            if (*p == '\0')
                return pr__fail(PR_ERR_FORMAT, "%s:%lld: NUL byte in the data (binary file?)",
                                cp->name, (long long)cp->line);
            if (*p == '\n') {
                cp->line++;
                cp->line_start = p + 1;
            }
            pr__strbuf_append(&cp->field, p, 1);
            p++;
        }
        while (p < cp->end && (*p == ' ' || *p == '\t')) p++;
        if (p < cp->end && *p != cp->delim && *p != '\n' && *p != '\r')
            return pr__fail(PR_ERR_FORMAT, "%s:%lld: unexpected '%c' after a closing quote", cp->name,
                            (long long)cp->line, isprint((unsigned char)*p) ? *p : '?');
    } else {
        const char *s = p;
        while (p < cp->end && *p != cp->delim && *p != '\n' && *p != '\r') {
            if (*p == '\0')
                return pr__fail(PR_ERR_FORMAT, "%s:%lld: NUL byte in the data (binary file?)",
                                cp->name, (long long)cp->line);
            if (*p == '"')
                return pr__fail(PR_ERR_FORMAT, "%s:%lld: stray quote inside an unquoted field",
                                cp->name, (long long)cp->line);
            p++;
        }
        const char *e = p;
        while (e > s && (e[-1] == ' ' || e[-1] == '\t')) e--;
        pr__strbuf_append(&cp->field, s, (size_t)(e - s));
    }
    if (cp->field.failed) return PR_ERR_NOMEM;
    if ((uint64_t)(p - cp->line_start) > cp->lim.max_line_bytes)
        return pr__fail(PR_ERR_LIMIT, "%s:%lld: line longer than the limit of %llu bytes", cp->name,
                        (long long)cp->line, (unsigned long long)cp->lim.max_line_bytes);
    *last = 1;
    if (p < cp->end && *p == cp->delim) {
        *last = 0;
        p++;
    } else if (p < cp->end) { /* a line end: \n, \r\n or a lone \r */
        if (*p == '\r' && p + 1 < cp->end && p[1] == '\n') p++;
        p++;
        cp->line++;
        cp->line_start = p;
    }
    cp->p = p;
    return PR_OK;
}

/* Parse a complete field as a number: 0 ok, 1 not a number, 2 out of range, 3 non-finite. */
static int parse_number(const char *s, int allow_nonfinite, double *v) {
    const char *q = s;
    if (*q == '+' || *q == '-') q++;
    if (!strcasecmp(q, "nan") || !strcasecmp(q, "inf") || !strcasecmp(q, "infinity")) {
        if (!allow_nonfinite) return 3;
        *v = tolower((unsigned char)*q) == 'n' ? NAN : (*s == '-' ? -INFINITY : INFINITY);
        return 0;
    }
    /* Decimal grammar only: strtod alone would also take hex floats and "1e5x". */
    int digits = 0;
    while (isdigit((unsigned char)*q)) q++, digits++;
    if (*q == '.') {
        q++;
        while (isdigit((unsigned char)*q)) q++, digits++;
    }
    if (!digits) return 1;
    if (*q == 'e' || *q == 'E') {
        q++;
        if (*q == '+' || *q == '-') q++;
        if (!isdigit((unsigned char)*q)) return 1;
        while (isdigit((unsigned char)*q)) q++;
    }
    if (*q) return 1;
    errno = 0;
    char *end;
    double d = strtod(s, &end);
    if (*end) return 1;
    if (errno == ERANGE && isinf(d)) return 2;
    *v = d;
    return 0;
}

/* Truncated copy of a field for messages. */
static const char *excerpt(const char *s, char *buf, size_t len) {
    size_t n = strlen(s);
    if (n < len) return s;
    snprintf(buf, len, "%.*s...", (int)(len - 4), s);
    return buf;
}

static pr_status read_header(csv_parser *cp, int no_header, int unnamed_ok, pr_table *t) {
    size_t cap = 0;
    int last = 0, quoted;
    int64_t header_line = cp->line;
    pr_status st = PR_OK;
    int64_t n = 0;
    while (!last) {
        if ((st = next_field(cp, &last, &quoted))) return st;
        if ((uint64_t)n >= cp->lim.max_columns)
            return pr__fail(PR_ERR_LIMIT, "%s:%lld: more than %llu columns", cp->name,
                            (long long)header_line, (unsigned long long)cp->lim.max_columns);
        if ((size_t)n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            char **nn = pr__realloc(t->names, ncap * sizeof *nn);
            if (!nn) return PR_ERR_NOMEM;
            t->names = nn;
            cap = ncap;
        }
        char name[32];
        if (no_header) snprintf(name, sizeof name, "col%lld", (long long)n + 1);
        const char *src = no_header ? name : cp->field.data ? cp->field.data : "";
        if (!no_header && !*src && unnamed_ok) { /* pandas' name for it (its index column, from to_csv()) */
            snprintf(name, sizeof name, "Unnamed: %lld", (long long)n);
            src = name;
        }
        if (!no_header && !*src)
            return pr__fail(PR_ERR_FORMAT, "%s:%lld: column %lld has an empty name", cp->name,
                            (long long)header_line, (long long)n + 1);
        if (!(t->names[n] = pr__strdup(src))) return PR_ERR_NOMEM;
        t->cols = ++n;
        for (int64_t k = 0; k + 1 < n; k++)
            if (strcmp(t->names[k], t->names[n - 1]) == 0)
                return pr__fail(PR_ERR_FORMAT, "%s:%lld: duplicate column name '%s' (columns %lld and %lld)",
                                cp->name, (long long)header_line, src, (long long)k + 1, (long long)n);
    }
    return PR_OK;
}

/* Skip lines holding nothing but spaces and tabs. */
static void skip_blank_lines(csv_parser *cp) {
    for (;;) {
        const char *q = cp->p;
        while (q < cp->end && (*q == ' ' || *q == '\t')) q++;
        if (q < cp->end && (*q == '\n' || *q == '\r')) {
            if (*q == '\r' && q + 1 < cp->end && q[1] == '\n') q++;
            cp->p = q + 1;
            cp->line++;
            cp->line_start = cp->p;
            continue;
        }
        if (q >= cp->end) cp->p = q;
        return;
    }
}

/* The spellings of a missing value (pandas' defaults, less the odd ones). */
static int is_missing(const char *s) {
    if ((*s >= '0' && *s <= '9') || *s == '.' || *s == '+') return 0; /* a number: the common case */
    static const char *const tokens[] = {"", "NA", "N/A", "n/a", "NaN", "nan", "-NaN", "-nan", "NAN", "null",
                                         "NULL", "None", "#N/A", "<NA>"};
    for (size_t i = 0; i < sizeof tokens / sizeof *tokens; i++)
        if (!strcmp(s, tokens[i])) return 1;
    return 0;
}

typedef struct csv_pass {
    double *vals;  /* first pass: rows x cols values */
    size_t cap, count;
    char ***text;  /* second pass: per text column, per row, its string (NULL: missing) */
    size_t text_rows;
} csv_pass;

static int compare_strings(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static pr_status push_value(csv_parser *cp, csv_pass *ps, double v, int64_t row_line) {
    if (ps->count == ps->cap) {
        size_t ncap = ps->cap ? ps->cap * 2 : 1024;
        if ((uint64_t)ncap > cp->lim.max_elements) ncap = (size_t)cp->lim.max_elements;
        if (ps->count >= ncap)
            return pr__fail(PR_ERR_LIMIT, "%s:%lld: more than the limit of %llu values", cp->name, (long long)row_line,
                            (unsigned long long)cp->lim.max_elements);
        size_t bytes;
        if (!pr__mul_size(ncap, sizeof(double), &bytes)) return pr__fail(PR_ERR_OVERFLOW, "%s: too many values", cp->name);
        double *nv = pr__realloc(ps->vals, bytes);
        if (!nv) return PR_ERR_NOMEM;
        ps->vals = nv;
        ps->cap = ncap;
    }
    ps->vals[ps->count++] = v;
    return PR_OK;
}

/* Read the data rows. The first pass (ps->text NULL) stores the numbers, marks text
 * columns (options->text) in t->n_levels (1) and counts missing fields; the second
 * stores the strings of the text columns. */
static pr_status parse_rows(csv_parser *cp, const pr_csv_options *opt, pr_table *t, csv_pass *ps) {
    int allow_nonfinite = opt && opt->allow_nonfinite, allow_text = opt && opt->text, allow_missing = opt && opt->missing;
    int64_t rows = 0;
    pr_status st;
    for (;;) {
        skip_blank_lines(cp);
        if (cp->p >= cp->end) break;
        int64_t row_line = cp->line;
        int64_t j = 0;
        int last = 0, quoted;
        while (!last) {
            if ((st = next_field(cp, &last, &quoted))) return st;
            if (j >= t->cols)
                return pr__fail(PR_ERR_FORMAT, "%s:%lld: row has more than the %lld fields of the header "
                                               "(ragged row)", cp->name, (long long)row_line, (long long)t->cols);
            const char *text = cp->field.data ? cp->field.data : "";
            if (ps->text) { /* second pass: the strings of the text columns */
                if (t->n_levels[j] && !(allow_missing && is_missing(text)) &&
                    !(ps->text[j][rows] = pr__strdup(text)))
                    return PR_ERR_NOMEM;
                j++;
                continue;
            }
            double v = 0;
            int r;
            if (allow_missing && is_missing(text)) {
                v = NAN;
                r = 0;
                if (!t->n_missing[j]++) t->first_missing[j] = rows;
            } else {
                r = *text ? parse_number(text, allow_nonfinite, &v) : 1;
                if (r == 1 && allow_text && *text) {
                    t->n_levels[j] = 1; /* a text column: the strings come in the second pass */
                    r = 0;
                }
            }
            if (r) {
                char ex[40];
                const char *why = !*text ? "empty field"
                                  : r == 2 ? "number out of range"
                                  : r == 3 ? "non-finite value (NaN or infinity) not allowed"
                                           : "not a number";
                return pr__fail(PR_ERR_FORMAT, "%s:%lld: column %lld ('%s'): %s%s%s%s", cp->name,
                                (long long)row_line, (long long)j + 1, t->names[j], why,
                                *text ? " \"" : "", *text ? excerpt(text, ex, sizeof ex) : "",
                                *text ? "\"" : "");
            }
            if ((st = push_value(cp, ps, v, row_line))) return st;
            j++;
        }
        if (j != t->cols)
            return pr__fail(PR_ERR_FORMAT, "%s:%lld: row has %lld field%s, the header has %lld (ragged row)",
                            cp->name, (long long)row_line, (long long)j, j == 1 ? "" : "s", (long long)t->cols);
        rows++;
    }
    if (rows == 0) return pr__fail(PR_ERR_FORMAT, "%s: has a header but no data rows", cp->name);
    t->rows = rows;
    return PR_OK;
}

/* The text columns' sorted distinct strings, and each row's index among them. */
static pr_status code_text_columns(pr_table *t, csv_pass *ps) {
    double *v = pr_tensor_f64(t->values);
    for (int64_t j = 0; j < t->cols; j++) {
        if (!t->n_levels[j]) continue;
        char **col = ps->text[j], **sorted = pr__malloc((size_t)t->rows * sizeof *sorted);
        if (!sorted) return PR_ERR_NOMEM;
        int64_t n = 0;
        for (int64_t i = 0; i < t->rows; i++)
            if (col[i]) sorted[n++] = col[i];
        qsort(sorted, (size_t)n, sizeof *sorted, compare_strings);
        int64_t k = 0;
        for (int64_t i = 0; i < n; i++)
            if (!k || strcmp(sorted[i], sorted[k - 1])) sorted[k++] = sorted[i];
        t->levels[j] = pr__malloc((size_t)(k ? k : 1) * sizeof **t->levels);
        if (!t->levels[j]) {
            free(sorted);
            return PR_ERR_NOMEM;
        }
        t->n_levels[j] = 0; /* counts the strings copied, for pr_table_free */
        for (int64_t c = 0; c < k; c++) {
            if (!(t->levels[j][c] = pr__strdup(sorted[c]))) {
                free(sorted);
                return PR_ERR_NOMEM;
            }
            t->n_levels[j]++;
        }
        for (int64_t i = 0; i < t->rows; i++) {
            if (!col[i]) continue;
            char **at = bsearch(&col[i], t->levels[j], (size_t)k, sizeof *t->levels[j], compare_strings);
            v[i * t->cols + j] = (double)(at - t->levels[j]);
        }
        free(sorted);
    }
    return PR_OK;
}

static pr_status parse_csv(csv_parser *cp, const pr_csv_options *opt, pr_table *t) {
    int no_header = opt && opt->no_header;
    skip_blank_lines(cp);
    if (cp->p >= cp->end) return pr__fail(PR_ERR_FORMAT, "%s: file is empty", cp->name);
    /* Without a header, the first record is parsed twice: once to count and name the
     * columns, then again as data. */
    const char *first = cp->p;
    int64_t first_line = cp->line;
    pr_status st = read_header(cp, no_header, opt && opt->text, t);
    if (st) return st;
    if (no_header) {
        cp->p = first;
        cp->line = first_line;
        cp->line_start = first;
    }
    if (opt && (opt->text || opt->missing)) {
        t->n_levels = pr__calloc((size_t)t->cols, sizeof *t->n_levels);
        t->levels = pr__calloc((size_t)t->cols, sizeof *t->levels);
        t->n_missing = pr__calloc((size_t)t->cols, sizeof *t->n_missing);
        t->first_missing = pr__calloc((size_t)t->cols, sizeof *t->first_missing);
        if (!t->n_levels || !t->levels || !t->n_missing || !t->first_missing) return PR_ERR_NOMEM;
    }
    csv_parser data_start = *cp;
    csv_pass ps = {0};
    st = parse_rows(cp, opt, t, &ps);
    if (!st) st = pr_tensor_from_array(&t->values, PR_F64, PR_SHAPE(t->rows, t->cols), ps.vals);
    free(ps.vals);
    int any_text = 0;
    for (int64_t j = 0; !st && t->n_levels && j < t->cols; j++) any_text |= t->n_levels[j] != 0;
    if (st || !any_text) return st;
    /* a second pass for the strings of the text columns */
    ps.text = pr__calloc((size_t)t->cols, sizeof *ps.text);
    if (!ps.text) return PR_ERR_NOMEM;
    for (int64_t j = 0; !st && j < t->cols; j++)
        if (t->n_levels[j] && !(ps.text[j] = pr__calloc((size_t)t->rows, sizeof **ps.text))) st = PR_ERR_NOMEM;
    int64_t rows = t->rows;
    pr_strbuf field = cp->field;
    *cp = data_start;
    cp->field = field;
    if (!st) st = parse_rows(cp, opt, t, &ps);
    t->rows = rows;
    if (!st) st = code_text_columns(t, &ps);
    for (int64_t j = 0; j < t->cols; j++) {
        for (int64_t i = 0; ps.text[j] && i < rows; i++) free(ps.text[j][i]);
        free(ps.text[j]);
    }
    free(ps.text);
    return st;
}

pr_status pr_csv_read_buffer(const char *data, size_t len, const char *name,
                             const pr_csv_options *options, pr_table **out) {
    if (!name) name = "<buffer>";
    if (!out || (!data && len)) return pr__fail(PR_ERR_INVALID, "csv_read: NULL argument");
    csv_parser cp = {0};
    cp.lim = pr_limits_resolve(options ? options->limits : NULL);
    if ((uint64_t)len > cp.lim.max_file_bytes)
        return pr__fail(PR_ERR_LIMIT, "%s: %zu bytes exceed the limit of %llu", name, len,
                        (unsigned long long)cp.lim.max_file_bytes);
    cp.delim = options ? options->delimiter : ',';
    if (cp.delim == '"' || cp.delim == '\n' || cp.delim == '\r' || cp.delim == '\0')
        return pr__fail(PR_ERR_INVALID, "csv_read: the delimiter cannot be a quote, a line end or NUL "
                                        "(PR_CSV_DEFAULTS has ',')");
    cp.start = cp.p = cp.line_start = data ? data : "";
    cp.end = cp.p + len;
    cp.name = name;
    cp.line = 1;
    if (len >= 3 && memcmp(cp.p, "\xEF\xBB\xBF", 3) == 0) cp.p += 3; /* UTF-8 BOM */
    /* names and text become model metadata, which must be UTF-8: a Latin-1 file is
       refused here, with where, rather than when the model is saved */
    size_t bad = pr__utf8_invalid_at(cp.p, (size_t)(cp.end - cp.p));
    if (bad < (size_t)(cp.end - cp.p)) {
        const char *at = cp.p + bad, *line_start = cp.p;
        long long line = 1;
        for (const char *q = cp.p; q < at; q++)
            if (*q == '\n') line++, line_start = q + 1;
        return pr__fail(PR_ERR_FORMAT,
                        "%s: line %lld is not UTF-8 text (byte 0x%02x, byte %lld of the line); primer reads "
                        "UTF-8: convert the file first, e.g. iconv -f latin1 -t utf-8 FILE > FILE.utf8",
                        name, line, (unsigned)(unsigned char)*at, (long long)(at - line_start) + 1);
    }
    pr__strbuf_init(&cp.field);
    pr_table *t = pr__calloc(1, sizeof *t);
    if (!t) return PR_ERR_NOMEM;
    /* strtod must see '.' as the decimal point whatever the program's locale. */
    locale_t old = uselocale(pr__c_locale());
    pr_status st = parse_csv(&cp, options, t);
    uselocale(old);
    pr__strbuf_free(&cp.field);
    if (st) {
        pr_table_free(t);
        return st;
    }
    *out = t;
    return PR_OK;
}

pr_status pr_csv_read(const char *path, const pr_csv_options *options, pr_table **out) {
    if (!path) return pr__fail(PR_ERR_INVALID, "csv_read: path is NULL");
    char *data;
    size_t len;
    pr_status st = pr__read_file(path, options ? options->limits : NULL, &data, &len);
    if (st) return st;
    st = pr_csv_read_buffer(data, len, path, options, out);
    free(data);
    return st;
}

/* ---- writing ---------------------------------------------------------------------------- */

static void put_name(FILE *f, const char *s, char delim) {
    int quote = !*s || strchr(s, delim) || strchr(s, '"') || strchr(s, '\n') || strchr(s, '\r') ||
                s[0] == ' ' || s[strlen(s) - 1] == ' ';
    if (!quote) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void put_number(FILE *f, double v, int is_float32) {
    char buf[PR__NUMBER_TEXT];
    fputs(pr__format_shortest(v, is_float32, buf), f);
}

pr_status pr_csv_write_stream(FILE *f, const pr_tensor *data, const char *const *names,
                              const pr_csv_options *options) {
    pr_status st = pr__require_tensor(data, "csv_write", "data");
    if (st) return st;
    if (!f) return pr__fail(PR_ERR_INVALID, "csv_write: the stream is NULL");
    if (data->ndim != 1 && data->ndim != 2) {
        char s[96];
        return pr__fail(PR_ERR_SHAPE, "csv_write: needs a 1-D or 2-D tensor, got %s",
                        pr_shape_format(data, s, sizeof s));
    }
    int64_t rows = data->shape[0], cols = data->ndim == 2 ? data->shape[1] : 1;
    char delim = options ? options->delimiter : ',';
    if (delim == '"' || delim == '\n' || delim == '\r' || delim == '\0')
        return pr__fail(PR_ERR_INVALID, "csv_write: the delimiter cannot be a quote, a line end or NUL");
    locale_t old = uselocale(pr__c_locale());
    if (!(options && options->no_header)) {
        for (int64_t j = 0; j < cols; j++) {
            if (j) fputc(delim, f);
            if (names && names[j]) put_name(f, names[j], delim);
            else fprintf(f, "col%lld", (long long)j + 1);
        }
        fputc('\n', f);
    }
    int f32 = data->dtype == PR_F32, is_float = pr_dtype_is_float(data->dtype);
    const char *const *const *levels = options && options->n_levels ? options->levels : NULL;
    for (int64_t i = 0; i < rows; i++) {
        for (int64_t j = 0; j < cols; j++) {
            if (j) fputc(delim, f);
            int64_t k = i * cols + j;
            if (levels && levels[j]) { /* a text column: the string the value indexes */
                double v = pr_tensor_get(data, k);
                if (v >= 0 && v < (double)options->n_levels[j] && v == floor(v)) put_name(f, levels[j][(int64_t)v], delim);
                else if (!isnan(v)) put_number(f, v, f32);
                continue;
            }
            if (is_float) put_number(f, pr_tensor_get(data, k), f32);
            else if (data->dtype == PR_I64) fprintf(f, "%lld", (long long)((const int64_t *)data->data)[k]);
            else fprintf(f, "%d", (int)((const int32_t *)data->data)[k]);
        }
        fputc('\n', f);
    }
    uselocale(old);
    if (fflush(f) || ferror(f)) return pr__fail(PR_ERR_IO, "csv_write: writing failed: %s", strerror(errno ? errno : EIO));
    return PR_OK;
}

pr_status pr_csv_write(const char *path, const pr_tensor *data, const char *const *names,
                       const pr_csv_options *options) {
    pr_status st = pr__require_tensor(data, "csv_write", "data");
    if (st) return st;
    pr_atomic_file af;
    if ((st = pr__atomic_open(&af, path))) return st;
    errno = 0;
    if ((st = pr_csv_write_stream(af.f, data, names, options))) {
        pr__atomic_abort(&af);
        return pr__fail_context("%s: ", path); /* the file, then what failed and why */
    }
    return pr__atomic_commit(&af);
}
