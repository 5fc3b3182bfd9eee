/* The layer specification language: "dense:64,relu,dropout:0.2,res[dense:64,relu]". */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/nn_internal.h"

static const struct {
    const char *token;
    int min_args, max_args;
} kinds[PR__LAYER_COUNT] = {
#define PR_X_(id, token, lo, hi) {token, lo, hi},
    PR__LAYER_LIST(PR_X_)
#undef PR_X_
};

const char *pr__layer_token(pr__layer_kind kind) { return kind < PR__LAYER_COUNT ? kinds[kind].token : "?"; }

#define MAX_DEPTH 8
#define MAX_LAYERS 4096

typedef struct parser {
    const char *text; /* spaces removed */
    size_t pos;
    int depth;
} parser;

static pr_status error_at(const parser *p, const char *fmt, ...) PR_PRINTF(2, 3);
static pr_status error_at(const parser *p, const char *fmt, ...) {
    char msg[384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return pr__fail(PR_ERR_INVALID, "model spec: %s at position %zu of \"%s\"", msg, p->pos + 1, p->text);
}

void pr__spec_free(pr__layer *layers, int n) {
    for (int i = 0; i < n; i++) pr__spec_free(layers[i].body, layers[i].n_body);
    free(layers);
}

/* A number argument after ':' (C locale). */
static pr_status parse_number(parser *p, double *v) {
    const char *s = p->text + p->pos;
    char *end;
    locale_t old = uselocale(pr__c_locale());
    *v = strtod(s, &end);
    uselocale(old);
    if (end == s || !isfinite(*v)) return error_at(p, "expected a number");
    p->pos += (size_t)(end - s);
    return PR_OK;
}

static pr_status parse_list(parser *p, char close, pr__layer **out, int *n_out);

static int64_t whole(double v) { return v == floor(v) && fabs(v) < 1e15 ? (int64_t)v : -1; }

static pr_status parse_item(parser *p, pr__layer *l) {
    size_t start = p->pos;
    while (islower((unsigned char)p->text[p->pos]) || p->text[p->pos] == '_') p->pos++;
    size_t len = p->pos - start;
    char word[32] = "";
    if (len && len < sizeof word) memcpy(word, p->text + start, len);
    word[len < sizeof word ? len : 0] = '\0';
    int kind = -1;
    for (int k = 0; k < PR__LAYER_COUNT && len; k++)
        if (strlen(kinds[k].token) == len && !strncmp(kinds[k].token, p->text + start, len)) kind = k;
    if (kind < 0) {
        p->pos = start;
        return error_at(p, "unknown layer '%s' (known: dense:N, relu, leaky_relu[:S], prelu, sigmoid, tanh, "
                           "gelu[:tanh], softmax, dropout:P, batchnorm, layernorm, flatten, embedding:V:D, res[...])",
                        len ? word : p->text + start);
    }
    memset(l, 0, sizeof *l);
    l->kind = (pr__layer_kind)kind;
    if (kind == PR__LAYER_RESIDUAL) {
        if (p->text[p->pos] != '[') return error_at(p, "res needs its layers in brackets: res[dense:64,relu]");
        if (++p->depth > MAX_DEPTH) return error_at(p, "residual blocks nested too deeply");
        p->pos++;
        pr_status st = parse_list(p, ']', &l->body, &l->n_body);
        p->depth--;
        if (st) return st;
        if (!l->n_body) return error_at(p, "an empty residual block");
        p->pos++; /* ']' */
        return PR_OK;
    }
    double args[2] = {0, 0};
    int n_args = 0;
    while (p->text[p->pos] == ':') {
        p->pos++;
        if (n_args == kinds[kind].max_args) return error_at(p, "too many arguments for '%s'", kinds[kind].token);
        if (kind == PR__LAYER_GELU) {
            if (strncmp(p->text + p->pos, "tanh", 4)) return error_at(p, "gelu takes ':tanh' or nothing");
            p->pos += 4;
            l->tanh_form = 1;
            n_args++;
            continue;
        }
        pr_status st = parse_number(p, &args[n_args++]);
        if (st) return st;
    }
    if (n_args < kinds[kind].min_args)
        return error_at(p, "'%s' needs an argument (dense:N, dropout:P, embedding:V:D)", kinds[kind].token);
    switch (l->kind) {
    case PR__LAYER_DENSE:
        l->units = whole(args[0]);
        if (l->units < 1 || l->units > (INT64_C(1) << 31)) return error_at(p, "dense needs a whole number of units >= 1");
        break;
    case PR__LAYER_LEAKY_RELU: l->rate = n_args ? args[0] : 0.01; break;
    case PR__LAYER_DROPOUT:
        l->rate = args[0];
        if (!(l->rate >= 0 && l->rate < 1)) return error_at(p, "the dropout rate must be in [0, 1)");
        break;
    case PR__LAYER_EMBEDDING:
        l->units = whole(args[0]);
        l->dim = whole(args[1]);
        if (l->units < 1 || l->dim < 1 || l->units > (INT64_C(1) << 31) || l->dim > (INT64_C(1) << 31))
            return error_at(p, "embedding needs whole numbers V >= 1 and D >= 1");
        break;
    default: break;
    }
    return PR_OK;
}

static pr_status parse_list(parser *p, char close, pr__layer **out, int *n_out) {
    pr__layer *layers = NULL;
    int n = 0, cap = 0;
    pr_status st = PR_OK;
    while (p->text[p->pos] && p->text[p->pos] != close) {
        if (n == MAX_LAYERS) {
            st = error_at(p, "more than 4096 layers");
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
        if ((st = parse_item(p, &layers[n]))) break;
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
                   : error_at(p, "missing ']' to close a residual block");
            break;
        }
    }
    if (!st && close && p->text[p->pos] != close) st = error_at(p, "missing ']' to close a residual block");
    if (!st && !close && p->text[p->pos]) st = error_at(p, "unexpected ']'");
    if (st) {
        pr__spec_free(layers, n);
        return st;
    }
    *out = layers;
    *n_out = n;
    return PR_OK;
}

/* "mlp", "mlp:H1:H2..." and "linear" as layer lists. */
static pr_status expand_named(const char *text, pr_strbuf *sb, int *named) {
    *named = 1;
    if (!strcmp(text, "linear")) return PR_OK;
    if (!strcmp(text, "mlp")) {
        pr__strbuf_puts(sb, "dense:128,relu,dense:64,relu");
        return PR_OK;
    }
    if (strncmp(text, "mlp:", 4)) {
        *named = 0;
        return PR_OK;
    }
    const char *s = text + 3;
    while (*s == ':') {
        char *end;
        long long h = strtoll(s + 1, &end, 10);
        if (end == s + 1 || h < 1 || (*end && *end != ':'))
            return pr__fail(PR_ERR_INVALID, "model spec: \"%s\": mlp takes hidden widths, e.g. mlp:128:64", text);
        pr__strbuf_printf(sb, "%sdense:%lld,relu", sb->len ? "," : "", h);
        s = end;
    }
    return PR_OK;
}

pr_status pr__spec_parse(const char *text, pr__layer **layers, int *n) {
    if (!text) text = "";
    size_t len = strlen(text);
    if (len > 65536) return pr__fail(PR_ERR_LIMIT, "model spec: %zu characters is beyond the limit of 65536", len);
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
        if (i) pr__strbuf_puts(sb, ",");
        pr__strbuf_puts(sb, kinds[l->kind].token);
        switch (l->kind) {
        case PR__LAYER_DENSE: pr__strbuf_printf(sb, ":%lld", (long long)l->units); break;
        case PR__LAYER_LEAKY_RELU:
        case PR__LAYER_DROPOUT: pr__strbuf_printf(sb, ":%s", pr__format_shortest(l->rate, 0, num)); break;
        case PR__LAYER_GELU:
            if (l->tanh_form) pr__strbuf_puts(sb, ":tanh");
            break;
        case PR__LAYER_EMBEDDING: pr__strbuf_printf(sb, ":%lld:%lld", (long long)l->units, (long long)l->dim); break;
        case PR__LAYER_RESIDUAL:
            pr__strbuf_puts(sb, "[");
            pr__spec_format(sb, l->body, l->n_body);
            pr__strbuf_puts(sb, "]");
            break;
        default: break;
        }
    }
    uselocale(old);
}
