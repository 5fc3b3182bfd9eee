/* The layer registry: the family tables of layers_*.c as one list, looked up by
 * token, shown as syntax and as JSON. Everything that names a layer reads it. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "io/json.h"
#include "nn/nn_internal.h"

/* The families, in the order the help lists them. A new family file adds one entry. */
static const pr__layer_def *const families[] = {pr__layers_dense, pr__layers_conv, pr__layers_norm, pr__layers_structure,
                                                pr__layers_seq, pr__layers_latent};
enum { N_FAMILIES = sizeof families / sizeof families[0] };

static const pr__layer_def *def_at(int i) {
    for (int f = 0; f < N_FAMILIES && i >= 0; f++)
        for (const pr__layer_def *d = families[f]; d->info.token; d++)
            if (i-- == 0) return d;
    return NULL;
}

int pr_layer_count(void) {
    int n = 0;
    for (int f = 0; f < N_FAMILIES; f++)
        for (const pr__layer_def *d = families[f]; d->info.token; d++) n++;
    return n;
}

const pr_layer_info *pr_layer_at(int i) {
    const pr__layer_def *d = def_at(i);
    return d ? &d->info : NULL;
}

const pr__layer_def *pr__layer_lookup(const char *token, size_t len) {
    for (int f = 0; f < N_FAMILIES; f++)
        for (const pr__layer_def *d = families[f]; d->info.token; d++)
            if (strlen(d->info.token) == len && !strncmp(d->info.token, token, len)) return d;
    return NULL;
}

const pr_layer_info *pr_layer_find(const char *token) {
    const pr__layer_def *d = token ? pr__layer_lookup(token, strlen(token)) : NULL;
    return d ? &d->info : NULL;
}

/* Append formatted text at *used in buf (len bytes), never past the end. */
static void put(char *buf, size_t len, size_t *used, const char *fmt, ...) PR_PRINTF(4, 5);
static void put(char *buf, size_t len, size_t *used, const char *fmt, ...) {
    if (*used >= len) return;
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(buf + *used, len - *used, fmt, ap);
    va_end(ap);
    if (w > 0) *used += (size_t)w;
}

const char *pr_layer_syntax(const pr_layer_info *l, char *buf, size_t len) {
    if (!buf || !len) return "";
    buf[0] = '\0';
    if (!l) return buf;
    size_t used = 0;
    put(buf, len, &used, "%s%s", l->token, l->has_body ? "[LAYERS]" : "");
    for (int a = 0; a < l->n_args; a++) {
        const pr_layer_arg *arg = &l->args[a];
        put(buf, len, &used, "%s", arg->required ? ":" : "[:");
        if (arg->kind == PR_ARG_CHOICE) {
            for (int c = 0; c < PR_LAYER_MAX_CHOICES && arg->choices[c]; c++)
                put(buf, len, &used, "%s%s", c ? "|" : "", arg->choices[c]);
        } else {
            for (const char *s = arg->name; *s; s++) put(buf, len, &used, "%c", *s >= 'a' && *s <= 'z' ? *s - 32 : *s);
        }
    }
    for (int a = 0; a < l->n_args; a++)
        if (!l->args[a].required) put(buf, len, &used, "]");
    return buf;
}

/* ---- JSON ------------------------------------------------------------------------------------ */

static void json_number(pr_strbuf *sb, double v) {
    char num[PR__NUMBER_TEXT];
    if (isfinite(v)) pr__strbuf_puts(sb, pr__format_shortest(v, 0, num));
    else pr__strbuf_puts(sb, "null");
}

static void json_arg(pr_strbuf *sb, const pr_layer_arg *a) {
    static const char *const kinds[] = {"int", "real", "choice"};
    pr__strbuf_puts(sb, "{\"name\": ");
    pr__json_append_string(sb, a->name);
    pr__strbuf_printf(sb, ", \"kind\": \"%s\", \"required\": %s", kinds[a->kind], a->required ? "true" : "false");
    if (a->kind == PR_ARG_CHOICE) {
        pr__strbuf_puts(sb, ", \"choices\": [");
        for (int c = 0; c < PR_LAYER_MAX_CHOICES && a->choices[c]; c++) {
            if (c) pr__strbuf_puts(sb, ", ");
            pr__json_append_string(sb, a->choices[c]);
        }
        pr__strbuf_puts(sb, "]");
        if (!a->required) {
            pr__strbuf_puts(sb, ", \"default\": ");
            pr__json_append_string(sb, a->choices[(int)a->default_value]);
        }
    } else {
        if (!a->required && a->default_from) {
            pr__strbuf_puts(sb, ", \"default_from\": ");
            pr__json_append_string(sb, a->default_from);
        } else if (!a->required) {
            pr__strbuf_puts(sb, ", \"default\": ");
            json_number(sb, a->default_value);
        }
        pr__strbuf_puts(sb, ", \"min\": ");
        json_number(sb, a->min);
        pr__strbuf_puts(sb, ", \"max\": ");
        json_number(sb, a->max);
        pr__strbuf_printf(sb, ", \"min_open\": %s, \"max_open\": %s", a->min_open ? "true" : "false",
                          a->max_open ? "true" : "false");
    }
    pr__strbuf_puts(sb, ", \"help\": ");
    pr__json_append_string(sb, a->help ? a->help : "");
    pr__strbuf_puts(sb, "}");
}

pr_status pr_layers_write_json(FILE *f) {
    if (!f) return pr__fail(PR_ERR_INVALID, "layers_write_json: NULL file");
    pr_strbuf sb;
    pr__strbuf_init(&sb);
    locale_t old = uselocale(pr__c_locale());
    pr__strbuf_puts(&sb, "{\"layers\": [");
    for (int i = 0; i < pr_layer_count(); i++) {
        const pr_layer_info *l = pr_layer_at(i);
        char syntax[256];
        pr__strbuf_puts(&sb, i ? ",\n  {\"token\": " : "\n  {\"token\": ");
        pr__json_append_string(&sb, l->token);
        pr__strbuf_puts(&sb, ", \"syntax\": ");
        pr__json_append_string(&sb, pr_layer_syntax(l, syntax, sizeof syntax));
        pr__strbuf_puts(&sb, ", \"help\": ");
        pr__json_append_string(&sb, l->help);
        pr__strbuf_puts(&sb, ", \"torch\": ");
        pr__json_append_string(&sb, l->torch);
        pr__strbuf_puts(&sb, ", \"example\": ");
        pr__json_append_string(&sb, l->example);
        pr__strbuf_puts(&sb, ", \"example_input\": ");
        pr__json_append_string(&sb, l->example_input);
        pr__strbuf_printf(&sb, ", \"body\": %s, \"args\": [", l->has_body ? "true" : "false");
        for (int a = 0; a < l->n_args; a++) {
            if (a) pr__strbuf_puts(&sb, ", ");
            json_arg(&sb, &l->args[a]);
        }
        pr__strbuf_puts(&sb, "]}");
    }
    pr__strbuf_puts(&sb, "\n], \"architectures\": [");
    for (int i = 0; i < pr_architecture_count(); i++) {
        const pr_architecture_info *a = pr_architecture_at(i);
        pr__strbuf_puts(&sb, i ? ",\n  {\"name\": " : "\n  {\"name\": ");
        pr__json_append_string(&sb, a->name);
        pr__strbuf_puts(&sb, ", \"syntax\": ");
        pr__json_append_string(&sb, a->syntax);
        pr__strbuf_puts(&sb, ", \"help\": ");
        pr__json_append_string(&sb, a->help);
        pr__strbuf_puts(&sb, "}");
    }
    pr__strbuf_puts(&sb, "\n]}\n");
    uselocale(old);
    if (sb.failed) {
        pr__strbuf_free(&sb);
        return pr__fail(PR_ERR_NOMEM, "layers_write_json: out of memory");
    }
    size_t len = sb.len, wrote = fwrite(sb.data, 1, len, f);
    pr__strbuf_free(&sb);
    return wrote == len && !ferror(f) ? PR_OK : pr__fail(PR_ERR_IO, "layers_write_json: writing failed");
}
