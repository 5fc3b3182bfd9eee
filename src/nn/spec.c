/* The layer specification language: "dense:64,relu,dropout:0.2,res[dense:64,relu]".
 * Tokens, arguments, defaults, ranges and messages all come from the layer registry
 * (layers.c); named architectures ("mlp:128:64") expand into layer lists first. */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/nn_internal.h"

#define MAX_DEPTH 8
#define MAX_LAYERS 4096
#define MAX_SPEC 65536

typedef struct parser {
    const char *text; /* spaces removed, lower case */
    size_t pos;
    int depth;
} parser;

static pr_status error_at(const parser *p, const char *fmt, ...) PR_PRINTF(2, 3);
static pr_status error_at(const parser *p, const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return pr__fail(PR_ERR_INVALID, "model spec: %s at position %zu of \"%.200s%s\"", msg, p->pos + 1, p->text,
                    strlen(p->text) > 200 ? "..." : "");
}

void pr__spec_free(pr__layer *layers, int n) {
    for (int i = 0; i < n; i++) pr__spec_free(layers[i].body, layers[i].n_body);
    free(layers);
}

static int word_start(char c) { return c >= 'a' && c <= 'z'; }
static int word_char(char c) { return word_start(c) || (c >= '0' && c <= '9') || c == '_'; }

/* The tokens of every layer, for "unknown layer" messages. */
static void known_layers(char *buf, size_t len) {
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < pr_layer_count() && used < len; i++) {
        int w = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", pr_layer_at(i)->token);
        if (w < 0) break;
        used += (size_t)w;
    }
}

static const char *arg_label(const pr_layer_arg *a, char *buf, size_t len) {
    size_t i = 0;
    for (; a->name[i] && i + 1 < len; i++) buf[i] = (char)toupper((unsigned char)a->name[i]);
    buf[i] = '\0';
    return buf;
}

/* Whether `v` is allowed for argument a; otherwise the error, naming the range. */
static pr_status check_value(const parser *p, const pr_layer_info *l, const pr_layer_arg *a, double v) {
    char name[64], lo[PR__NUMBER_TEXT], hi[PR__NUMBER_TEXT];
    pr__format_shortest(a->min, 0, lo);
    pr__format_shortest(a->max, 0, hi);
    if (a->kind == PR_ARG_INT) {
        if (v != floor(v) || v < a->min || v > a->max)
            return error_at(p, "%s: %s must be a whole number from %s to %s (got %g)", l->token,
                            arg_label(a, name, sizeof name), lo, hi, v);
        return PR_OK;
    }
    int below = a->min_open ? !(v > a->min) : !(v >= a->min), above = a->max_open ? !(v < a->max) : !(v <= a->max);
    if (below || above)
        return error_at(p, "%s: %s must be in %s%s, %s%s (got %g)", l->token, arg_label(a, name, sizeof name),
                        a->min_open ? "(" : "[", lo, hi, a->max_open ? ")" : "]", v);
    return PR_OK;
}

/* The index of `word` among a's choices, or -1. */
static int choice_index(const pr_layer_arg *a, const char *word, size_t len) {
    for (int c = 0; c < PR_LAYER_MAX_CHOICES && a->choices[c]; c++)
        if (strlen(a->choices[c]) == len && !strncmp(a->choices[c], word, len)) return c;
    return -1;
}

/* The arguments after the token: ":value" each. A number fills the next numeric
 * argument, a word the next choice argument that has it; optional arguments passed
 * over keep their defaults. */
static pr_status parse_args(parser *p, const pr__layer_def *def, pr__layer *l) {
    const pr_layer_info *info = &def->info;
    int given[PR_LAYER_MAX_ARGS] = {0}, cursor = 0;
    char syntax[256], name[64];
    pr_layer_syntax(info, syntax, sizeof syntax); /* for messages; no allocation */
    for (int a = 0; a < info->n_args; a++) l->v[a] = info->args[a].default_value;
    while (p->text[p->pos] == ':') {
        p->pos++;
        const char *s = p->text + p->pos;
        int is_word = word_start(*s);
        size_t wlen = 0;
        double v = 0;
        if (is_word) {
            while (word_char(s[wlen])) wlen++;
        } else {
            char *end;
            locale_t old = uselocale(pr__c_locale());
            v = strtod(s, &end);
            uselocale(old);
            if (end == s || !isfinite(v)) return error_at(p, "expected a number or a word after ':' (%s)", syntax);
            wlen = (size_t)(end - s);
        }
        int a = cursor, choice = -1;
        for (; a < info->n_args; a++) {
            const pr_layer_arg *arg = &info->args[a];
            if (is_word ? arg->kind == PR_ARG_CHOICE && (choice = choice_index(arg, s, wlen)) >= 0
                        : arg->kind != PR_ARG_CHOICE)
                break;
            if (arg->required) a = info->n_args; /* a required argument cannot be passed over */
        }
        if (a >= info->n_args) {
            if (!info->n_args) return error_at(p, "too many arguments for '%s' (it takes none)", info->token);
            if (is_word) return error_at(p, "'%.*s' is not an argument of %s (%s)", (int)wlen, s, info->token, syntax);
            return error_at(p, "too many arguments for '%s' (%s)", info->token, syntax);
        }
        if (!is_word) {
            pr_status st = check_value(p, info, &info->args[a], v);
            if (st) return st;
        }
        l->v[a] = is_word ? choice : v;
        given[a] = 1;
        cursor = a + 1;
        p->pos += wlen;
    }
    for (int a = 0; a < info->n_args; a++)
        if (info->args[a].required && !given[a])
            return error_at(p, "'%s' needs an argument: %s (%s)", info->token, arg_label(&info->args[a], name, sizeof name),
                            syntax);
    return PR_OK;
}

static pr_status parse_list(parser *p, char close, pr__layer **out, int *n_out);

static pr_status parse_item(parser *p, pr__layer *l) {
    size_t start = p->pos;
    if (word_start(p->text[p->pos]))
        while (word_char(p->text[p->pos])) p->pos++;
    size_t len = p->pos - start;
    memset(l, 0, sizeof *l);
    const pr__layer_def *def = len ? pr__layer_lookup(p->text + start, len) : NULL;
    if (!def) {
        char known[512];
        known_layers(known, sizeof known);
        p->pos = start;
        if (!len) return error_at(p, "expected a layer (%s)", known);
        return error_at(p, "unknown layer '%.*s' (known: %s; `primer layers` shows their arguments)", (int)len,
                        p->text + start, known);
    }
    l->def = def;
    if (def->info.has_body) {
        if (p->text[p->pos] != '[')
            return error_at(p, "%s needs its layers in brackets: %s[dense:64,relu]", def->info.token, def->info.token);
        if (++p->depth > MAX_DEPTH) return error_at(p, "blocks nested too deeply");
        p->pos++;
        pr_status st = parse_list(p, ']', &l->body, &l->n_body);
        p->depth--;
        if (st) return st;
        if (!l->n_body) return error_at(p, "an empty %s block", def->info.token);
        p->pos++; /* ']' */
    }
    return parse_args(p, def, l);
}

static pr_status parse_list(parser *p, char close, pr__layer **out, int *n_out) {
    pr__layer *layers = NULL;
    int n = 0, cap = 0;
    pr_status st = PR_OK;
    while (p->text[p->pos] && p->text[p->pos] != close) {
        if (n == MAX_LAYERS) {
            st = error_at(p, "more than %d layers", MAX_LAYERS);
            break;
        }
        if (n == cap) {
            cap = cap ? 2 * cap : 8;
            pr__layer *grown = pr__realloc(layers, (size_t)cap * sizeof *grown);
            if (!grown) {
                st = PR_ERR_NOMEM;
                break;
            }
            layers = grown;
        }
        if ((st = parse_item(p, &layers[n]))) {
            pr__spec_free(layers[n].body, layers[n].n_body);
            break;
        }
        n++;
        char c = p->text[p->pos];
        if (c == ',') {
            p->pos++;
            if (!p->text[p->pos] || p->text[p->pos] == close) {
                st = error_at(p, "a layer is missing after ','");
                break;
            }
        } else if (c != close) {
            st = c ? error_at(p, "unexpected '%c' (layers are separated by commas)", c)
                   : error_at(p, "missing ']' to close a block");
            break;
        }
    }
    if (!st && close && p->text[p->pos] != close) st = error_at(p, "missing ']' to close a block");
    if (!st && !close && p->text[p->pos]) st = error_at(p, "unexpected ']'");
    if (st) {
        pr__spec_free(layers, n);
        return st;
    }
    *out = layers;
    *n_out = n;
    return PR_OK;
}

/* ---- named architectures ----------------------------------------------------------------- */

/* "mlp" and "mlp:H1:H2:...": ReLU hidden layers. */
static pr_status expand_mlp(const char *text, const char *args, pr_strbuf *sb) {
    if (!*args) {
        pr__strbuf_puts(sb, "dense:128,relu,dense:64,relu");
        return PR_OK;
    }
    for (const char *s = args; *s == ':';) {
        char *end;
        long long h = strtoll(s + 1, &end, 10);
        if (end == s + 1 || h < 1 || h > (1LL << 31) || (*end && *end != ':'))
            return pr__fail(PR_ERR_INVALID, "model spec: \"%s\": mlp takes hidden widths, e.g. mlp:128:64", text);
        pr__strbuf_printf(sb, "%sdense:%lld,relu", sb->len ? "," : "", h);
        s = end;
    }
    return PR_OK;
}

/* "linear": no hidden layer (linear, logistic or softmax regression once the head is added). */
static pr_status expand_linear(const char *text, const char *args, pr_strbuf *sb) {
    (void)sb;
    if (*args) return pr__fail(PR_ERR_INVALID, "model spec: \"%s\": linear takes no arguments", text);
    return PR_OK;
}

static const struct {
    pr_architecture_info info;
    pr_status (*expand)(const char *text, const char *args, pr_strbuf *sb);
} architectures[] = {
    {{"mlp", "mlp[:H1:H2:...]", "ReLU hidden layers of those widths (default mlp:128:64), then the head"}, expand_mlp},
    {{"linear", "linear", "no hidden layer: linear, logistic or softmax regression once the head is added"},
     expand_linear},
};
enum { N_ARCHITECTURES = sizeof architectures / sizeof architectures[0] };

int pr_architecture_count(void) { return N_ARCHITECTURES; }
const pr_architecture_info *pr_architecture_at(int i) {
    return i >= 0 && i < N_ARCHITECTURES ? &architectures[i].info : NULL;
}

/* A whole spec that names an architecture, expanded into sb (*named set). */
static pr_status expand_named(const char *text, pr_strbuf *sb, int *named) {
    *named = 0;
    size_t len = strcspn(text, ":,[");
    for (int i = 0; i < N_ARCHITECTURES; i++) {
        const char *name = architectures[i].info.name;
        if (strlen(name) != len || strncmp(text, name, len) || (text[len] && text[len] != ':')) continue;
        *named = 1;
        return architectures[i].expand(text, text + len, sb);
    }
    return PR_OK;
}

pr_status pr__spec_parse(const char *text, pr__layer **layers, int *n) {
    if (!text) text = "";
    size_t len = strlen(text);
    if (len > MAX_SPEC) return pr__fail(PR_ERR_LIMIT, "model spec: %zu characters is beyond the limit of %d", len, MAX_SPEC);
    char *compact = pr__malloc(len + 1);
    if (!compact) return PR_ERR_NOMEM;
    size_t k = 0;
    for (size_t i = 0; i < len; i++)
        if (!isspace((unsigned char)text[i])) compact[k++] = (char)tolower((unsigned char)text[i]);
    compact[k] = '\0';
    pr_strbuf sb;
    pr__strbuf_init(&sb);
    int named;
    pr_status st = expand_named(compact, &sb, &named);
    if (!st && named && sb.failed) st = PR_ERR_NOMEM;
    if (!st) {
        parser p = {named ? (sb.data ? sb.data : "") : compact, 0, 0};
        st = parse_list(&p, '\0', layers, n);
    }
    pr__strbuf_free(&sb);
    free(compact);
    return st;
}

void pr__spec_format(pr_strbuf *sb, const pr__layer *layers, int n) {
    locale_t old = uselocale(pr__c_locale());
    char num[PR__NUMBER_TEXT];
    for (int i = 0; i < n; i++) {
        const pr__layer *l = &layers[i];
        const pr_layer_info *info = &l->def->info;
        if (i) pr__strbuf_puts(sb, ",");
        pr__strbuf_puts(sb, info->token);
        if (info->has_body) {
            pr__strbuf_puts(sb, "[");
            pr__spec_format(sb, l->body, l->n_body);
            pr__strbuf_puts(sb, "]");
        }
        for (int a = 0; a < info->n_args; a++) {
            const pr_layer_arg *arg = &info->args[a];
            if (arg->kind == PR_ARG_CHOICE) {
                if (l->v[a] != arg->default_value || arg->required) pr__strbuf_printf(sb, ":%s", arg->choices[(int)l->v[a]]);
            } else if (arg->kind == PR_ARG_INT) {
                pr__strbuf_printf(sb, ":%lld", (long long)l->v[a]);
            } else {
                pr__strbuf_printf(sb, ":%s", pr__format_shortest(l->v[a], 0, num));
            }
        }
    }
    uselocale(old);
}
