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

/* The model's input shape (without the batch axis), for the named architectures
 * that adapt to it; ndim 0 when unknown. */
typedef struct input_shape {
    int ndim;
    const int64_t *shape;
    int64_t outputs; /* the head's width (the vocabulary of a language model), 0 if none */
} input_shape;

typedef struct parser {
    const char *text; /* spaces removed, lower case */
    size_t pos;
    int depth;
    int *expansions;  /* named architectures expanded so far (shared with sub-parsers) */
    input_shape in;   /* what the first layer of the top-level list receives */
    int expanded;     /* the text an architecture expanded to */
} parser;

static int architecture_index(const char *token, size_t len);
static pr_status parse_architecture(parser *p, int which, int first, pr__layer **layers, int *n, int *cap);

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
/* '-' joins the words of architecture names ("lstm-lm") */
static int word_char(char c) { return word_start(c) || (c >= '0' && c <= '9') || c == '_' || c == '-'; }

/* The tokens of every layer and named architecture, for "unknown layer" messages. */
static void known_layers(char *buf, size_t len) {
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < pr_layer_count() && used < len; i++) {
        int w = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", pr_layer_at(i)->token);
        if (w < 0) break;
        used += (size_t)w;
    }
    for (int i = 0; i < pr_architecture_count() && used < len; i++) {
        int w = snprintf(buf + used, len - used, "%s%s", i ? ", " : "; named models: ", pr_architecture_at(i)->name);
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
        if (!given[a] && info->args[a].default_from)
            for (int from = 0; from < a; from++)
                if (!strcmp(info->args[from].name, info->args[a].default_from)) l->v[a] = l->v[from];
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

/* Room for one more layer in the growing list. */
static pr_status grow_list(parser *p, pr__layer **layers, int n, int *cap) {
    if (n == MAX_LAYERS) return error_at(p, "more than %d layers", MAX_LAYERS);
    if (n < *cap) return PR_OK;
    int grown_cap = *cap ? 2 * *cap : 8;
    pr__layer *grown = pr__realloc(*layers, (size_t)grown_cap * sizeof *grown);
    if (!grown) return PR_ERR_NOMEM;
    *layers = grown;
    *cap = grown_cap;
    return PR_OK;
}

/* A layer's token wins over an architecture's name, except that "lstm" or "lstm:H" as
 * the whole model is the LSTM classifier (the layer alone, returning every step,
 * could not feed a per-row head): true when the text at p->pos is the name (len
 * bytes) with at most one whole number after it. */
static int lone_name(const parser *p, size_t len) {
    const char *s = p->text + p->pos + len;
    if (*s == ':')
        for (s++; *s >= '0' && *s <= '9'; s++) {
        }
    return *s == '\0';
}

/* The layers of a list up to `close` (']' for a block, '\0' for the whole text); a
 * named architecture among them is replaced by its layers. */
static pr_status parse_list(parser *p, char close, pr__layer **out, int *n_out) {
    pr__layer *layers = NULL;
    int n = 0, cap = 0;
    pr_status st = PR_OK;
    while (p->text[p->pos] && p->text[p->pos] != close) {
        size_t len = 0;
        while (word_char(p->text[p->pos + len])) len++;
        int arch = architecture_index(p->text + p->pos, len);
        if (arch >= 0 && pr__layer_lookup(p->text + p->pos, len) && !(n == 0 && !p->depth && !p->expanded && lone_name(p, len)))
            arch = -1;
        if (arch >= 0) {
            /* only the first layer of the whole model knows its input shape */
            if ((st = parse_architecture(p, arch, n == 0 && p->depth == 0, &layers, &n, &cap))) break;
        } else {
            if ((st = grow_list(p, &layers, n, &cap))) break;
            if ((st = parse_item(p, &layers[n]))) {
                pr__spec_free(layers[n].body, layers[n].n_body);
                break;
            }
            n++;
        }
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

/* ---- named architectures -----------------------------------------------------------------
 * A name that stands for a list of layers, anywhere a layer may stand: "mlp:128:64",
 * "lenet5", "conv:16:3:1:1,resblock:16,resblock:32:2,global_avgpool". Each expands
 * to spec text, parsed in its place; model files store the expanded layers. An image
 * architecture that comes first in the model sees the input shape: given flat rows of
 * S x S pixels (a CSV of images, the embedded 8x8 digits) it starts with
 * reshape:1:S:S, and LeNet-5 pads 28x28 images to the 32x32 its layout expects. */

#define MAX_EXPANSIONS 256

/* Whole numbers ":a:b:..." after an architecture's name, from `min` to `max` of them;
 * otherwise the usage as the error. */
static pr_status arch_numbers(const char *item, const char *args, const char *usage, int min, int max, long long *v,
                              int *n) {
    *n = 0;
    for (const char *s = args; *s;) {
        char *end;
        long long x = *s == ':' ? strtoll(s + 1, &end, 10) : -1;
        if (*s != ':' || end == s + 1 || x < 1 || x > (1LL << 31) || (*end && *end != ':') || *n == max)
            return pr__fail(PR_ERR_INVALID, "model spec: \"%s\": %s", item, usage);
        v[(*n)++] = x;
        s = end;
    }
    return *n < min ? pr__fail(PR_ERR_INVALID, "model spec: \"%s\": %s", item, usage) : PR_OK;
}

/* The side S of flat input rows of S x S pixels ("reshape:1:S:S," is put first), the
 * height of (C, H, W) input, or 0 when unknown. */
static int64_t image_side(const input_shape *in, pr_strbuf *sb) {
    if (in->ndim == 0) return 0;
    if (in->ndim == 3) return in->shape[1];
    if (in->ndim != 1) return 0;
    int64_t s = (int64_t)llround(sqrt((double)in->shape[0]));
    if (s * s != in->shape[0]) return 0;
    pr__strbuf_printf(sb, "reshape:1:%lld:%lld,", (long long)s, (long long)s);
    return s;
}

/* "mlp" and "mlp:H1:H2:...": ReLU hidden layers. */
static pr_status expand_mlp(const char *item, const char *args, const input_shape *in, pr_strbuf *sb) {
    (void)in;
    long long h[64];
    int n;
    pr_status st = arch_numbers(item, args, "mlp takes hidden widths, e.g. mlp:128:64", 0, 64, h, &n);
    if (st) return st;
    if (!n) pr__strbuf_puts(sb, "dense:128,relu,dense:64,relu");
    for (int i = 0; i < n; i++) pr__strbuf_printf(sb, "%sdense:%lld,relu", i ? "," : "", h[i]);
    return PR_OK;
}

/* "linear": no hidden layer (linear, logistic or softmax regression once the head is
 * added); as part of a list it adds nothing. */
static pr_status expand_linear(const char *item, const char *args, const input_shape *in, pr_strbuf *sb) {
    (void)in;
    (void)sb;
    int n;
    return arch_numbers(item, args, "linear takes no arguments", 0, 0, NULL, &n);
}

/* LeNet-5 (LeCun et al. 1998) with ReLU and max pooling: two 5x5 convolutions (6, 16
 * maps) each pooled 2x2, then 120 and 84 units; a 28x28 input is padded by 2. */
static pr_status expand_lenet5(const char *item, const char *args, const input_shape *in, pr_strbuf *sb) {
    int n;
    pr_status st = arch_numbers(item, args, "lenet5 takes no arguments", 0, 0, NULL, &n);
    if (st) return st;
    int64_t side = image_side(in, sb);
    pr__strbuf_printf(sb, "conv:6:5:1:%d,relu,maxpool:2,conv:16:5,relu,maxpool:2,flatten,dense:120,relu,dense:84,relu",
                      side == 28 ? 2 : 0);
    return PR_OK;
}

/* A small CNN for small images (the 8x8 digits, 28x28 clothes), the layout of Keras's
 * MNIST example: 3x3 convolutions of 32 and 64 maps, a 2x2 pool, dropout 0.25, 128
 * hidden units, dropout 0.5. */
static pr_status expand_cnn(const char *item, const char *args, const input_shape *in, pr_strbuf *sb) {
    int n;
    pr_status st = arch_numbers(item, args, "cnn takes no arguments", 0, 0, NULL, &n);
    if (st) return st;
    image_side(in, sb);
    pr__strbuf_puts(sb, "conv:32:3:1:1,relu,conv:64:3:1:1,relu,maxpool:2,dropout:0.25,flatten,dense:128,relu,dropout:0.5");
    return PR_OK;
}

/* A VGG block (Simonyan and Zisserman 2014): N 3x3 convolutions of C maps with ReLU,
 * then a 2x2 max pool. */
static pr_status expand_vgg(const char *item, const char *args, const input_shape *in, pr_strbuf *sb) {
    long long v[2];
    int n;
    pr_status st =
        arch_numbers(item, args, "vgg takes the number of convolutions and their maps, e.g. vgg:2:64", 2, 2, v, &n);
    if (st) return st;
    if (v[0] > 64) return pr__fail(PR_ERR_INVALID, "model spec: \"%s\": at most 64 convolutions per VGG block", item);
    image_side(in, sb);
    for (long long i = 0; i < v[0]; i++) pr__strbuf_printf(sb, "conv:%lld:3:1:1,relu,", v[1]);
    pr__strbuf_puts(sb, "maxpool:2");
    return PR_OK;
}

/* ResNet's basic block (He et al. 2015) as torchvision builds it: two 3x3 convolutions
 * without bias, each batch-normalised, the first with stride S; the input added back
 * (through a 1x1 convolution and batch norm when the shape changes), then ReLU. */
static pr_status expand_resblock(const char *item, const char *args, const input_shape *in, pr_strbuf *sb) {
    long long v[2];
    int n;
    pr_status st =
        arch_numbers(item, args, "resblock takes its maps and optionally a stride, e.g. resblock:64:2", 1, 2, v, &n);
    if (st) return st;
    image_side(in, sb);
    pr__strbuf_printf(sb, "res[conv:%lld:3:%lld:1:nobias,batchnorm,relu,conv:%lld:3:1:1:nobias,batchnorm],relu", v[0],
                      n > 1 ? v[1] : 1, v[0]);
    return PR_OK;
}

/* A small ResNet for 28x28 (or 32x32) images: a 3x3 stem of 16 maps, three basic
 * blocks of 16, 32 and 64 maps (the last two halving the size), global average pool. */
static pr_status expand_resnet(const char *item, const char *args, const input_shape *in, pr_strbuf *sb) {
    int n;
    pr_status st = arch_numbers(item, args, "resnet takes no arguments", 0, 0, NULL, &n);
    if (st) return st;
    image_side(in, sb);
    pr__strbuf_puts(sb, "conv:16:3:1:1:nobias,batchnorm,relu,resblock:16,resblock:32:2,resblock:64:2,global_avgpool");
    return PR_OK;
}

/* Sequence architectures (chapter 11). */

/* "lstm[:H]": an LSTM classifier of H units (default 128) on the last step; flat rows
 * of T values are read as T steps of one feature. */
static pr_status expand_lstm(const char *item, const char *args, const input_shape *in, pr_strbuf *sb) {
    long long v[1] = {128};
    int n;
    pr_status st = arch_numbers(item, args, "lstm takes its hidden units, e.g. lstm:128", 0, 1, v, &n);
    if (st) return st;
    if (in->ndim == 1) pr__strbuf_printf(sb, "sequence:%lld:1,", (long long)in->shape[0]);
    pr__strbuf_printf(sb, "lstm:%lld:1:0:last", v[0]);
    return PR_OK;
}

/* The vocabulary of a language model: the head's width. */
static pr_status lm_vocabulary(const char *item, const input_shape *in, int64_t *V) {
    *V = in->outputs;
    if (*V < 1)
        return pr__fail(PR_ERR_INVALID, "model spec: \"%s\" is a language model and needs its vocabulary (outputs, "
                                        "as primer train --task lm sets it)", item);
    return PR_OK;
}

/* "lstm-lm[:H[:L[:E]]]": a character LSTM language model: embeddings of E (default 64),
 * L (1) LSTM layers of H (256) units, then the head over the vocabulary at each step. */
static pr_status expand_lstm_lm(const char *item, const char *args, const input_shape *in, pr_strbuf *sb) {
    long long v[3] = {256, 1, 64};
    int n;
    int64_t V;
    pr_status st = arch_numbers(item, args, "lstm-lm takes hidden units, layers and the embedding width, e.g. "
                                            "lstm-lm:256:1:64", 0, 3, v, &n);
    if (!st) st = lm_vocabulary(item, in, &V);
    if (st) return st;
    pr__strbuf_printf(sb, "embedding:%lld:%lld,lstm:%lld:%lld", (long long)V, v[2], v[0], v[1]);
    return PR_OK;
}

/* "gpt[:L[:D[:H]]]": a small decoder-only Transformer: token embeddings of width D
 * (default 128) and learned positions over the context, L (2) causal pre-norm blocks
 * with H (4) heads and a 4D GELU feed-forward network, a final layer norm, then the
 * head over the vocabulary at each position. */
static pr_status expand_gpt(const char *item, const char *args, const input_shape *in, pr_strbuf *sb) {
    long long v[3] = {2, 128, 4};
    int n;
    int64_t V;
    pr_status st = arch_numbers(item, args, "gpt takes layers, width and heads, e.g. gpt:2:128:4", 0, 3, v, &n);
    if (!st) st = lm_vocabulary(item, in, &V);
    if (st) return st;
    if (in->ndim != 1)
        return pr__fail(PR_ERR_INVALID, "model spec: \"%s\" needs rows of token ids (its context) as the model's "
                                        "input and must come first", item);
    if (v[1] % v[2])
        return pr__fail(PR_ERR_INVALID, "model spec: \"%s\": %lld heads do not divide the width %lld", item, v[2],
                        v[1]);
    pr__strbuf_printf(sb, "embedding:%lld:%lld,posembed:%lld", (long long)V, v[1], (long long)in->shape[0]);
    for (long long i = 0; i < v[0] && sb->len <= MAX_SPEC; i++)
        pr__strbuf_printf(sb, ",transformer:%lld:%lld:pre:gelu:causal", v[2], 4 * v[1]);
    pr__strbuf_puts(sb, ",layernorm");
    return PR_OK;
}

/* "autoencoder[:H1:...:Z]" (Listing 12.2's 784-256-128-32 mirrored by default, for
 * the input's width D) and "vae-mlp[:H1:...:Z]": ReLU encoder layers of widths H, the
 * bottleneck of Z (a code layer; a vae layer), the same widths in reverse, then D
 * outputs through a sigmoid (inputs in [0, 1]); image inputs are flattened first and
 * the output shaped back. */
static pr_status expand_mirror(const char *item, const char *args, const input_shape *in, pr_strbuf *sb, int vae) {
    long long v[64] = {256, 128, 32};
    int n;
    pr_status st = arch_numbers(item, args, vae ? "vae-mlp takes hidden widths and the latent size, e.g. vae-mlp:256:2"
                                                : "autoencoder takes hidden widths and the code size, e.g. "
                                                  "autoencoder:256:128:32",
                                0, 64, v, &n);
    if (st) return st;
    if (!n) n = vae ? (v[1] = 2, 2) : 3; /* a VAE's default: 256 hidden, a 2-D latent space to draw */
    if (in->ndim == 0)
        return pr__fail(PR_ERR_INVALID, "model spec: \"%s\" mirrors the input, so it must come first", item);
    int64_t D = 1;
    for (int d = 0; d < in->ndim; d++) D *= in->shape[d];
    if (in->ndim > 1) pr__strbuf_puts(sb, "flatten,");
    for (int i = 0; i < n - 1; i++) pr__strbuf_printf(sb, "dense:%lld,relu,", v[i]);
    if (vae) pr__strbuf_printf(sb, "vae:%lld,", v[n - 1]);
    else pr__strbuf_printf(sb, "dense:%lld,code,", v[n - 1]);
    for (int i = n - 2; i >= 0; i--) pr__strbuf_printf(sb, "dense:%lld,relu,", v[i]);
    pr__strbuf_printf(sb, "dense:%lld,sigmoid", (long long)D);
    if (in->ndim == 3)
        pr__strbuf_printf(sb, ",reshape:%lld:%lld:%lld", (long long)in->shape[0], (long long)in->shape[1],
                          (long long)in->shape[2]);
    else if (in->ndim != 1)
        return pr__fail(PR_ERR_INVALID, "model spec: \"%s\" takes rows of features or images (C, H, W)", item);
    return PR_OK;
}

static pr_status expand_autoencoder(const char *item, const char *args, const input_shape *in, pr_strbuf *sb) {
    return expand_mirror(item, args, in, sb, 0);
}

static pr_status expand_vae_mlp(const char *item, const char *args, const input_shape *in, pr_strbuf *sb) {
    return expand_mirror(item, args, in, sb, 1);
}

static const struct {
    pr_architecture_info info;
    pr_status (*expand)(const char *item, const char *args, const input_shape *in, pr_strbuf *sb);
} architectures[] = {
    {{"mlp", "mlp[:H1:H2:...]", "ReLU hidden layers of those widths (default mlp:128:64), then the head"}, expand_mlp},
    {{"linear", "linear", "no hidden layer: linear, logistic or softmax regression once the head is added"},
     expand_linear},
    {{"lenet5", "lenet5", "LeNet-5 (1998) for 1x28x28 or 1x32x32 images: conv 6x5x5, pool, conv 16x5x5, pool, 120, 84"},
     expand_lenet5},
    {{"cnn", "cnn", "a small CNN for small images (8x8 digits, 28x28): conv 32x3x3, conv 64x3x3, pool, 128, dropout"}, expand_cnn},
    {{"vgg", "vgg:N:C", "a VGG block: N 3x3 convolutions of C maps with ReLU, then a 2x2 max pool"}, expand_vgg},
    {{"resblock", "resblock:C[:S]",
      "a ResNet basic block of C maps, stride S (default 1); a 1x1 projection when the shape changes"},
     expand_resblock},
    {{"resnet", "resnet", "a small ResNet for 28x28 images: stem, blocks of 16, 32 (stride 2), 64 (stride 2), average pool"},
     expand_resnet},
    {{"lstm", "lstm[:H]", "an LSTM classifier: H units (default 128), the last step, then the head"}, expand_lstm},
    {{"lstm-lm", "lstm-lm[:H[:L[:E]]]",
      "a character LSTM language model: embeddings of E (64), L (1) layers of H (256), the head at every step"},
     expand_lstm_lm},
    {{"gpt", "gpt[:L[:D[:H]]]",
      "a small GPT: embeddings and learned positions of width D (128), L (2) causal pre-norm Transformer blocks of H "
      "(4) heads, final norm, the head at every step"},
     expand_gpt},
    {{"autoencoder", "autoencoder[:H1:...:Z]",
      "Listing 12.2's autoencoder for the input's width D: ReLU layers of H (256, 128), a code of Z (32), the same "
      "widths back, D sigmoid outputs"},
     expand_autoencoder},
    {{"vae-mlp", "vae-mlp[:H1:...:Z]",
      "a variational autoencoder: ReLU layers of H (256), vae:Z (2), the same widths back, D sigmoid outputs"},
     expand_vae_mlp},
};
enum { N_ARCHITECTURES = sizeof architectures / sizeof architectures[0] };

int pr_architecture_count(void) { return N_ARCHITECTURES; }
const pr_architecture_info *pr_architecture_at(int i) {
    return i >= 0 && i < N_ARCHITECTURES ? &architectures[i].info : NULL;
}

static int architecture_index(const char *token, size_t len) {
    for (int i = 0; i < N_ARCHITECTURES; i++)
        if (strlen(architectures[i].info.name) == len && !strncmp(architectures[i].info.name, token, len)) return i;
    return -1;
}

/* Expand the architecture at p->pos (its name and ":arguments") and append its layers. */
static pr_status parse_architecture(parser *p, int which, int first, pr__layer **layers, int *n, int *cap) {
    size_t start = p->pos, end = start;
    while (p->text[end] && p->text[end] != ',' && p->text[end] != ']') {
        if (p->text[end] == '[')
            return error_at(p, "%s is a named model and takes no [layers]", architectures[which].info.name);
        end++;
    }
    if (++*p->expansions > MAX_EXPANSIONS) return error_at(p, "more than %d named models", MAX_EXPANSIONS);
    char *item = pr__malloc(end - start + 1);
    if (!item) return PR_ERR_NOMEM;
    memcpy(item, p->text + start, end - start);
    item[end - start] = '\0';
    pr_strbuf sb;
    pr__strbuf_init(&sb);
    input_shape later = {0, NULL, p->in.outputs}; /* only the first item sees the input */
    pr_status st = architectures[which].expand(item, item + strlen(architectures[which].info.name),
                                               first ? &p->in : &later, &sb);
    if (!st && sb.failed) st = PR_ERR_NOMEM;
    /* a count like gpt:6563315 must not build millions of layers before the parameter
       limit sees them: an expansion is held to the length of a spec */
    if (!st && sb.len > MAX_SPEC)
        st = error_at(p, "\"%s\" expands to more than %d characters of layers", item, MAX_SPEC);
    pr__layer *sub = NULL;
    int n_sub = 0;
    if (!st && sb.len) {
        parser inner = {sb.data, 0, p->depth, p->expansions, {0, NULL, p->in.outputs}, 1};
        st = parse_list(&inner, '\0', &sub, &n_sub);
    }
    for (int i = 0; !st && i < n_sub; i++) {
        if ((st = grow_list(p, layers, *n, cap))) break;
        (*layers)[(*n)++] = sub[i];
        sub[i] = (pr__layer){0};
    }
    pr__spec_free(sub, n_sub);
    pr__strbuf_free(&sb);
    free(item);
    p->pos = end;
    return st;
}

pr_status pr__spec_parse(const char *text, int in_ndim, const int64_t *in_shape, int64_t outputs, pr__layer **layers,
                         int *n) {
    if (!text) text = "";
    size_t len = strlen(text);
    if (len > MAX_SPEC) return pr__fail(PR_ERR_LIMIT, "model spec: %zu characters is beyond the limit of %d", len, MAX_SPEC);
    char *compact = pr__malloc(len + 1);
    if (!compact) return PR_ERR_NOMEM;
    size_t k = 0;
    for (size_t i = 0; i < len; i++)
        if (!isspace((unsigned char)text[i])) compact[k++] = (char)tolower((unsigned char)text[i]);
    compact[k] = '\0';
    int expansions = 0;
    parser p = {compact, 0, 0, &expansions, {in_shape ? in_ndim : 0, in_shape, outputs}, 0};
    pr_status st = parse_list(&p, '\0', layers, n);
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
