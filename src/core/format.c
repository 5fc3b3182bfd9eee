/* NumPy-style text for tensors ("[3. 2.]", aligned rows, scientific when needed). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"

#define CELL 40           /* bytes for one formatted element */
#define MAX_FRACTION 8    /* NumPy's default print precision */

/* 1 when text reads back as v in v's own precision (float32 values need fewer digits). */
static int reads_back(const char *text, double v, int f32) {
    double back = strtod(text, NULL);
    return f32 ? (float)back == (float)v : back == v;
}

/* Shortest "%.*f" text with at most MAX_FRACTION fractional digits that reads back
 * as v (or the MAX_FRACTION-digit rounding with trailing zeros trimmed). */
static void positional(double v, int f32, char *out) {
    for (int d = 0; d <= MAX_FRACTION; d++) {
        snprintf(out, CELL, "%.*f", d, v);
        if (reads_back(out, v, f32)) break;
        if (d == MAX_FRACTION) {
            size_t n = strlen(out);
            while (n > 0 && out[n - 1] == '0') out[--n] = '\0';
        }
    }
    if (!strchr(out, '.')) strcat(out, ".");
}

/* Shortest significant digits (at most MAX_FRACTION after the point) in e-notation. */
static int scientific_digits(double v, int f32) {
    char buf[CELL];
    for (int d = 0; d <= MAX_FRACTION; d++) {
        snprintf(buf, sizeof buf, "%.*e", d, v);
        if (reads_back(buf, v, f32)) return d;
    }
    return MAX_FRACTION;
}

typedef struct layout {
    int sci;         /* scientific notation for every element */
    int sci_digits;  /* fractional digits in scientific mode */
    int pad_left;    /* characters before the decimal point */
    int pad_right;   /* characters after it (positional mode) */
    int f32;         /* values are float32 */
} layout;

static void plan_float(const pr_tensor *t, layout *L) {
    memset(L, 0, sizeof *L);
    L->f32 = t->dtype == PR_F32;
    double max_abs = 0, min_abs = INFINITY;
    int nan = 0, inf = 0, neg_inf = 0;
    for (int64_t i = 0; i < t->size; i++) {
        double a = fabs(pr_tensor_get(t, i));
        if (!isfinite(a) || a == 0) continue;
        if (a > max_abs) max_abs = a;
        if (a < min_abs) min_abs = a;
    }
    if (max_abs > 0 && (max_abs >= 1e8 || min_abs < 1e-4 || max_abs / min_abs > 1e3)) L->sci = 1;
    char cell[CELL];
    for (int64_t i = 0; i < t->size; i++) {
        double v = pr_tensor_get(t, i);
        if (!isfinite(v)) {
            nan |= isnan(v);
            inf |= isinf(v) != 0;
            neg_inf |= isinf(v) && v < 0;
            continue;
        }
        if (L->sci) {
            int d = scientific_digits(v, L->f32);
            if (d > L->sci_digits) L->sci_digits = d;
            int lead = v < 0 || signbit(v) ? 2 : 1;
            if (lead > L->pad_left) L->pad_left = lead;
        } else {
            positional(v, L->f32, cell);
            const char *dot = strchr(cell, '.');
            int left = (int)(dot - cell), right = (int)strlen(dot + 1);
            if (left > L->pad_left) L->pad_left = left;
            if (right > L->pad_right) L->pad_right = right;
        }
    }
    /* "nan", "inf" and "-inf" must fit the column too (NumPy widens pad_left). */
    int offset = L->pad_right + 1;
    if (nan && 3 - offset > L->pad_left) L->pad_left = 3 - offset;
    if (inf && 3 + neg_inf - offset > L->pad_left) L->pad_left = 3 + neg_inf - offset;
}

static void format_float(double v, const layout *L, char *out) {
    char cell[CELL];
    if (!isfinite(v)) {
        const char *s = isnan(v) ? "nan" : v > 0 ? "inf" : "-inf";
        int width = L->sci ? 0 : L->pad_left + 1 + L->pad_right;
        snprintf(out, CELL, "%*s", width, s);
        return;
    }
    if (L->sci) {
        snprintf(cell, sizeof cell, "%.*e", L->sci_digits, v);
        char *e = strchr(cell, 'e');
        /* "1e+00" → "1.e+00", as NumPy writes it. */
        if (L->sci_digits == 0 && e) {
            memmove(e + 1, e, strlen(e) + 1);
            *e = '.';
        }
        snprintf(out, CELL, "%*s", L->pad_left + (int)(strchr(cell, '.') ? strlen(strchr(cell, '.')) : 0),
                 cell);
        return;
    }
    positional(v, L->f32, cell);
    const char *dot = strchr(cell, '.');
    int left = (int)(dot - cell), right = (int)strlen(dot + 1);
    /* pad_left + 1 + pad_right < CELL: both come from cells of at most CELL bytes. */
    int lead = L->pad_left - left, trail = L->pad_right - right;
    size_t n = strlen(cell);
    if (lead + (int)n + trail >= CELL) lead = trail = 0;
    memset(out, ' ', (size_t)lead);
    memcpy(out + lead, cell, n);
    memset(out + lead + (int)n, ' ', (size_t)trail);
    out[lead + (int)n + trail] = '\0';
}

static void assemble(pr_strbuf *sb, const char *cells, const pr_tensor *t, int depth,
                     int64_t *pos) {
    if (depth == t->ndim) {
        pr__strbuf_puts(sb, cells + (size_t)(*pos)++ * CELL);
        return;
    }
    pr__strbuf_puts(sb, "[");
    for (int64_t i = 0; i < t->shape[depth]; i++) {
        if (i) {
            if (depth == t->ndim - 1) {
                pr__strbuf_puts(sb, " ");
            } else {
                for (int k = 0; k < t->ndim - depth - 1; k++) pr__strbuf_puts(sb, "\n");
                for (int k = 0; k <= depth; k++) pr__strbuf_puts(sb, " ");
            }
        }
        assemble(sb, cells, t, depth + 1, pos);
    }
    pr__strbuf_puts(sb, "]");
}

pr_status pr_tensor_format(const pr_tensor *t, char **out) {
    pr_status st = pr__require_tensor(t, "format", "tensor");
    if (st) return st;
    char *cells = pr__calloc((size_t)(t->size ? t->size : 1), CELL);
    if (!cells) return PR_ERR_NOMEM;
    /* Decimal points must be '.', whatever locale the program chose. */
    locale_t old = uselocale(pr__c_locale());
    if (pr_dtype_is_float(t->dtype)) {
        layout L;
        plan_float(t, &L);
        for (int64_t i = 0; i < t->size; i++)
            format_float(pr_tensor_get(t, i), &L, cells + (size_t)i * CELL);
    } else {
        int width = 0;
        for (int64_t i = 0; i < t->size; i++) {
            long long v = t->dtype == PR_I64 ? (long long)((const int64_t *)t->data)[i]
                                              : (long long)((const int32_t *)t->data)[i];
            int n = snprintf(cells + (size_t)i * CELL, CELL, "%lld", v);
            if (n > width) width = n;
        }
        for (int64_t i = 0; i < t->size; i++) {
            char tmp[CELL];
            memcpy(tmp, cells + (size_t)i * CELL, CELL);
            snprintf(cells + (size_t)i * CELL, CELL, "%*s", width, tmp);
        }
    }
    pr_strbuf sb;
    pr__strbuf_init(&sb);
    int64_t pos = 0;
    assemble(&sb, cells, t, 0, &pos);
    uselocale(old);
    free(cells);
    char *s = pr__strbuf_take(&sb);
    if (!s) return PR_ERR_NOMEM;
    *out = s;
    return PR_OK;
}

int pr_tensor_fprint(FILE *f, const pr_tensor *t) {
    char *s;
    if (pr_tensor_format(t, &s)) return -1;
    int n = fprintf(f, "%s", s);
    free(s);
    return n;
}

const char *pr__format_shortest(double v, int is_float32, char buf[PR__NUMBER_TEXT]) {
    if (isnan(v)) return strcpy(buf, "nan");
    if (isinf(v)) return strcpy(buf, v > 0 ? "inf" : "-inf");
    /* %g drops trailing zeros, so when a shorter text reads back, %.15g (%.6g for
     * float32) already prints it: start there. */
    for (int p = is_float32 ? 6 : 15; p <= 17; p++) {
        snprintf(buf, PR__NUMBER_TEXT, "%.*g", p, v);
        if (reads_back(buf, v, is_float32)) break;
    }
    return buf;
}

/* The offset of the first byte that is not well-formed UTF-8 (no overlong forms,
 * surrogates or code points above U+10FFFF), or len when all of it is. */
size_t pr__utf8_invalid_at(const void *text, size_t len) {
    const unsigned char *s = text;
    size_t i = 0;
    while (i < len) {
        if (i + 8 <= len) { /* eight ASCII bytes at once */
            uint64_t w;
            memcpy(&w, s + i, 8);
            if (!(w & 0x8080808080808080ULL)) {
                i += 8;
                continue;
            }
        }
        unsigned c = s[i];
        size_t n = c < 0x80 ? 0 : (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2 : (c & 0xF8) == 0xF0 ? 3 : 4;
        if (n == 4 || (n == 1 && c < 0xC2) || i + n >= len + (n ? 0 : 1)) return i;
        unsigned cp = n ? c & (0x3F >> n) : c;
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xC0) != 0x80) return i;
            cp = cp << 6 | (s[i + k] & 0x3F);
        }
        if ((n == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
            return i;
        i += n + 1;
    }
    return len;
}
