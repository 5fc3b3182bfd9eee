/* A recursive-descent JSON parser (RFC 8259) with a depth limit and exact integers. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "io/json.h"

typedef struct parser {
    const char *p, *end, *start;
    const char *name;
} parser;

static pr_status error_at(const parser *ps, const char *what) {
    return pr__fail(PR_ERR_FORMAT, "%s: malformed JSON at byte %zu: %s", ps->name, (size_t)(ps->p - ps->start), what);
}

static void skip_ws(parser *ps) {
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')) ps->p++;
}

/* Release what a value holds (not the value itself); depth is bounded by the parser. */
static void free_contents(pr__json *v) {
    for (size_t i = 0; i < v->count; i++) {
        if (v->items) free_contents(&v->items[i]);
        if (v->keys) free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    free(v->string);
}

void pr__json_free(pr__json *v) {
    if (!v) return;
    free_contents(v);
    free(v);
}

static int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static void put_utf8(pr_strbuf *sb, uint32_t cp) {
    char b[4];
    size_t n;
    if (cp < 0x80) {
        b[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        b[0] = (char)(0xC0 | (cp >> 6));
        b[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        b[0] = (char)(0xE0 | (cp >> 12));
        b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        b[0] = (char)(0xF0 | (cp >> 18));
        b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    pr__strbuf_append(sb, b, n);
}

static pr_status parse_hex4(parser *ps, uint32_t *out) {
    if (ps->end - ps->p < 4) return error_at(ps, "truncated \\u escape");
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hex_value(ps->p[i]);
        if (h < 0) return error_at(ps, "bad \\u escape");
        v = v << 4 | (uint32_t)h;
    }
    ps->p += 4;
    *out = v;
    return PR_OK;
}

static pr_status parse_string(parser *ps, char **out) {
    ps->p++; /* the opening quote */
    pr_strbuf sb;
    pr__strbuf_init(&sb);
    pr_status st = PR_OK;
    for (;;) {
        if (ps->p >= ps->end) {
            st = error_at(ps, "unterminated string");
            break;
        }
        unsigned char c = (unsigned char)*ps->p++;
        if (c == '"') break;
        if (c < 0x20) {
            ps->p--;
            st = error_at(ps, "control character in a string");
            break;
        }
        if (c != '\\') {
            pr__strbuf_append(&sb, (const char *)&c, 1);
            continue;
        }
        if (ps->p >= ps->end) {
            st = error_at(ps, "unterminated escape");
            break;
        }
        char e = *ps->p++;
        const char *simple = strchr("\"\\/bfnrt", e);
        if (simple && e) {
            static const char map[] = "\"\\/\b\f\n\r\t";
            pr__strbuf_append(&sb, &map[simple - "\"\\/bfnrt"], 1);
            continue;
        }
        if (e != 'u') {
            ps->p--;
            st = error_at(ps, "unknown escape");
            break;
        }
        uint32_t cp;
        if ((st = parse_hex4(ps, &cp))) break;
        if (cp >= 0xD800 && cp < 0xDC00) { /* a surrogate pair */
            uint32_t lo;
            if (ps->end - ps->p < 2 || ps->p[0] != '\\' || ps->p[1] != 'u') {
                st = error_at(ps, "unpaired surrogate");
                break;
            }
            ps->p += 2;
            if ((st = parse_hex4(ps, &lo))) break;
            if (lo < 0xDC00 || lo > 0xDFFF) {
                st = error_at(ps, "unpaired surrogate");
                break;
            }
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        } else if (cp >= 0xDC00 && cp < 0xE000) {
            st = error_at(ps, "unpaired surrogate");
            break;
        }
        if (cp == 0) {
            st = error_at(ps, "NUL in a string");
            break;
        }
        put_utf8(&sb, cp);
    }
    if (st) {
        pr__strbuf_free(&sb);
        return st;
    }
    char *s = pr__strbuf_take(&sb);
    if (!s) return PR_ERR_NOMEM;
    *out = s;
    return PR_OK;
}

static pr_status parse_number(parser *ps, pr__json *v) {
    const char *s = ps->p;
    int integer = 1;
    if (ps->p < ps->end && *ps->p == '-') ps->p++;
    if (ps->p >= ps->end || !(*ps->p >= '0' && *ps->p <= '9')) return error_at(ps, "bad number");
    if (*ps->p == '0') ps->p++;
    else
        while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') ps->p++;
    if (ps->p < ps->end && *ps->p == '.') {
        integer = 0;
        ps->p++;
        if (ps->p >= ps->end || !(*ps->p >= '0' && *ps->p <= '9')) return error_at(ps, "bad fraction");
        while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') ps->p++;
    }
    if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
        integer = 0;
        ps->p++;
        if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-')) ps->p++;
        if (ps->p >= ps->end || !(*ps->p >= '0' && *ps->p <= '9')) return error_at(ps, "bad exponent");
        while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') ps->p++;
    }
    char buf[64];
    size_t n = (size_t)(ps->p - s);
    if (n >= sizeof buf) return error_at(ps, "number too long");
    memcpy(buf, s, n);
    buf[n] = '\0';
    v->kind = PR_JSON_NUMBER;
    locale_t old = uselocale(pr__c_locale());
    v->number = strtod(buf, NULL);
    uselocale(old);
    if (integer) {
        errno = 0;
        long long i = strtoll(buf, NULL, 10);
        v->is_integer = errno == 0;
        v->integer = i;
    }
    return PR_OK;
}

static pr_status parse_value(parser *ps, pr__json *v, int depth);

static pr_status grow(pr__json *v, size_t *cap, int with_keys) {
    if (v->count < *cap) return PR_OK;
    size_t ncap = *cap ? *cap * 2 : 8;
    pr__json *items = pr__realloc(v->items, ncap * sizeof *items);
    if (!items) return PR_ERR_NOMEM;
    v->items = items;
    if (with_keys) {
        char **keys = pr__realloc(v->keys, ncap * sizeof *keys);
        if (!keys) return PR_ERR_NOMEM;
        v->keys = keys;
    }
    *cap = ncap;
    return PR_OK;
}

static pr_status parse_container(parser *ps, pr__json *v, int depth, int object) {
    v->kind = object ? PR_JSON_OBJECT : PR_JSON_ARRAY;
    ps->p++;
    size_t cap = 0;
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == (object ? '}' : ']')) {
        ps->p++;
        return PR_OK;
    }
    for (;;) {
        pr_status st = grow(v, &cap, object);
        if (st) return st;
        pr__json *item = &v->items[v->count];
        memset(item, 0, sizeof *item);
        if (object) {
            skip_ws(ps);
            char *key;
            if (ps->p >= ps->end || *ps->p != '"') return error_at(ps, "expected a key");
            if ((st = parse_string(ps, &key))) return st;
            for (size_t k = 0; k < v->count; k++)
                if (!strcmp(v->keys[k], key)) {
                    char what[120];
                    snprintf(what, sizeof what, "duplicate key \"%.80s%s\"", key, strlen(key) > 80 ? "..." : "");
                    free(key);
                    return error_at(ps, what);
                }
            v->keys[v->count] = key;
            skip_ws(ps);
            if (ps->p >= ps->end || *ps->p != ':') {
                v->count++; /* so the key is freed */
                return error_at(ps, "expected ':'");
            }
            ps->p++;
        }
        v->count++;
        if ((st = parse_value(ps, item, depth + 1))) return st;
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            continue;
        }
        if (ps->p < ps->end && *ps->p == (object ? '}' : ']')) {
            ps->p++;
            return PR_OK;
        }
        return error_at(ps, object ? "expected ',' or '}'" : "expected ',' or ']'");
    }
}

static int literal(parser *ps, const char *word) {
    size_t n = strlen(word);
    if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n)) return 0;
    ps->p += n;
    return 1;
}

static pr_status parse_value(parser *ps, pr__json *v, int depth) {
    if (depth > PR_JSON_MAX_DEPTH) return error_at(ps, "nested too deeply");
    skip_ws(ps);
    if (ps->p >= ps->end) return error_at(ps, "unexpected end");
    switch (*ps->p) {
    case '{': return parse_container(ps, v, depth, 1);
    case '[': return parse_container(ps, v, depth, 0);
    case '"': v->kind = PR_JSON_STRING; return parse_string(ps, &v->string);
    default: break;
    }
    if (literal(ps, "true")) {
        v->kind = PR_JSON_BOOL;
        v->boolean = 1;
        return PR_OK;
    }
    if (literal(ps, "false")) {
        v->kind = PR_JSON_BOOL;
        return PR_OK;
    }
    if (literal(ps, "null")) {
        v->kind = PR_JSON_NULL;
        return PR_OK;
    }
    return parse_number(ps, v);
}

pr_status pr__json_parse(const char *text, size_t len, const char *name, pr__json **out) {
    parser ps = {text, text + len, text, name ? name : "<json>"};
    pr__json *v = pr__calloc(1, sizeof *v);
    if (!v) return PR_ERR_NOMEM;
    pr_status st = parse_value(&ps, v, 0);
    if (!st) {
        skip_ws(&ps);
        if (ps.p != ps.end) st = error_at(&ps, "unexpected text after the value");
    }
    if (st) {
        pr__json_free(v);
        return st;
    }
    *out = v;
    return PR_OK;
}

const pr__json *pr__json_get(const pr__json *object, const char *key) {
    if (!object || object->kind != PR_JSON_OBJECT) return NULL;
    for (size_t i = 0; i < object->count; i++)
        if (!strcmp(object->keys[i], key)) return &object->items[i];
    return NULL;
}

void pr__json_append_string(pr_strbuf *sb, const char *s) {
    pr__strbuf_puts(sb, "\"");
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            char esc[2] = {'\\', (char)c};
            pr__strbuf_append(sb, esc, 2);
        } else if (c < 0x20) {
            pr__strbuf_printf(sb, "\\u%04x", c);
        } else {
            pr__strbuf_append(sb, (const char *)&c, 1);
        }
    }
    pr__strbuf_puts(sb, "\"");
}

void pr__json_append_string_array(pr_strbuf *sb, const char *const *s, int64_t n) {
    pr__strbuf_puts(sb, "[");
    for (int64_t j = 0; j < n; j++) {
        if (j) pr__strbuf_puts(sb, ",");
        pr__json_append_string(sb, s[j] ? s[j] : "");
    }
    pr__strbuf_puts(sb, "]");
}

pr_status pr__json_parse_string_array(const char *text, const char *name, char ***out, int64_t *n) {
    pr__json *j;
    pr_status st = pr__json_parse(text, strlen(text), name, &j);
    if (st) return st;
    if (j->kind != PR_JSON_ARRAY) st = pr__fail(PR_ERR_FORMAT, "%s: not a JSON array of strings", name);
    char **names = st ? NULL : pr__calloc(j->count ? j->count : 1, sizeof *names);
    if (!st && !names) st = pr__fail(PR_ERR_NOMEM, "%s: out of memory", name);
    for (size_t i = 0; !st && i < j->count; i++) {
        if (j->items[i].kind != PR_JSON_STRING) st = pr__fail(PR_ERR_FORMAT, "%s: not a JSON array of strings", name);
        else if (!(names[i] = pr__strdup(j->items[i].string))) st = pr__fail(PR_ERR_NOMEM, "%s: out of memory", name);
    }
    if (st) {
        for (size_t i = 0; names && i < j->count; i++) free(names[i]);
        free(names);
    } else {
        *out = names;
        *n = (int64_t)j->count;
    }
    pr__json_free(j);
    return st;
}
