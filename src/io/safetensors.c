/* safetensors files: named tensors and string metadata, checked byte for byte. */
#include <stdlib.h>
#include <string.h>

#include "io/json.h"
#include "primer/io.h"

typedef struct entry {
    char *name;
    pr_tensor *tensor;
} entry;

struct pr_tensor_file {
    entry *entries;
    int64_t n, cap;
    char **meta_keys, **meta_values;
    int64_t n_meta, cap_meta;
};

static const struct {
    const char *name;
    pr_dtype dtype;
} dtypes[] = {{"F32", PR_F32}, {"F64", PR_F64}, {"I32", PR_I32}, {"I64", PR_I64}};

static const char *dtype_code(pr_dtype d) {
    for (size_t i = 0; i < sizeof dtypes / sizeof dtypes[0]; i++)
        if (dtypes[i].dtype == d) return dtypes[i].name;
    return NULL;
}

/* ---- the container ---------------------------------------------------------------- */

pr_status pr_tensor_file_new(pr_tensor_file **out) {
    if (!out) return pr__fail(PR_ERR_INVALID, "tensor_file_new: output pointer is NULL");
    pr_tensor_file *f = pr__calloc(1, sizeof *f);
    if (!f) return PR_ERR_NOMEM;
    *out = f;
    return PR_OK;
}

void pr_tensor_file_free(pr_tensor_file *f) {
    if (!f) return;
    for (int64_t i = 0; i < f->n; i++) {
        free(f->entries[i].name);
        pr_tensor_free(f->entries[i].tensor);
    }
    for (int64_t i = 0; i < f->n_meta; i++) {
        free(f->meta_keys[i]);
        free(f->meta_values[i]);
    }
    free(f->entries);
    free(f->meta_keys);
    free(f->meta_values);
    free(f);
}

/* Take ownership of `t` under `name`. */
static pr_status adopt(pr_tensor_file *f, const char *name, pr_tensor *t) {
    for (int64_t i = 0; i < f->n; i++)
        if (!strcmp(f->entries[i].name, name)) return pr__fail(PR_ERR_INVALID, "tensor file: duplicate name '%s'", name);
    if (!strcmp(name, "__metadata__")) return pr__fail(PR_ERR_INVALID, "tensor file: '__metadata__' is reserved");
    if (f->n == f->cap) {
        int64_t cap = f->cap ? f->cap * 2 : 16;
        entry *e = pr__realloc(f->entries, (size_t)cap * sizeof *e);
        if (!e) return PR_ERR_NOMEM;
        f->entries = e;
        f->cap = cap;
    }
    char *copy = pr__strdup(name);
    if (!copy) return PR_ERR_NOMEM;
    f->entries[f->n].name = copy;
    f->entries[f->n].tensor = t;
    f->n++;
    return PR_OK;
}

pr_status pr_tensor_file_add(pr_tensor_file *f, const char *name, const pr_tensor *t) {
    if (!f || !name || !*name) return pr__fail(PR_ERR_INVALID, "tensor_file_add: NULL file or empty name");
    pr_status st = pr__require_tensor(t, "tensor_file_add", "tensor");
    if (st) return st;
    pr_tensor *c;
    if ((st = pr_tensor_copy(t, &c))) return st;
    if ((st = adopt(f, name, c))) pr_tensor_free(c);
    return st;
}

pr_status pr_tensor_file_set_meta(pr_tensor_file *f, const char *key, const char *value) {
    if (!f || !key || !value) return pr__fail(PR_ERR_INVALID, "tensor_file_set_meta: NULL argument");
    char *v = pr__strdup(value);
    if (!v) return PR_ERR_NOMEM;
    for (int64_t i = 0; i < f->n_meta; i++)
        if (!strcmp(f->meta_keys[i], key)) {
            free(f->meta_values[i]);
            f->meta_values[i] = v;
            return PR_OK;
        }
    if (f->n_meta == f->cap_meta) {
        int64_t cap = f->cap_meta ? f->cap_meta * 2 : 8;
        char **k = pr__realloc(f->meta_keys, (size_t)cap * sizeof *k);
        if (!k) {
            free(v);
            return PR_ERR_NOMEM;
        }
        f->meta_keys = k;
        char **vv = pr__realloc(f->meta_values, (size_t)cap * sizeof *vv);
        if (!vv) {
            free(v);
            return PR_ERR_NOMEM;
        }
        f->meta_values = vv;
        f->cap_meta = cap;
    }
    char *k = pr__strdup(key);
    if (!k) {
        free(v);
        return PR_ERR_NOMEM;
    }
    f->meta_keys[f->n_meta] = k;
    f->meta_values[f->n_meta] = v;
    f->n_meta++;
    return PR_OK;
}

int64_t pr_tensor_file_count(const pr_tensor_file *f) { return f ? f->n : 0; }
const char *pr_tensor_file_name(const pr_tensor_file *f, int64_t i) { return f && i >= 0 && i < f->n ? f->entries[i].name : NULL; }
const pr_tensor *pr_tensor_file_at(const pr_tensor_file *f, int64_t i) {
    return f && i >= 0 && i < f->n ? f->entries[i].tensor : NULL;
}

pr_status pr_tensor_file_find(const pr_tensor_file *f, const char *name, const pr_tensor **t) {
    if (!f || !name) return pr__fail(PR_ERR_INVALID, "tensor_file_find: NULL argument");
    for (int64_t i = 0; i < f->n; i++)
        if (!strcmp(f->entries[i].name, name)) {
            *t = f->entries[i].tensor;
            return PR_OK;
        }
    return pr__fail(PR_ERR_NOT_FOUND, "the file has no tensor named '%s'", name);
}

const char *pr_tensor_file_meta(const pr_tensor_file *f, const char *key) {
    for (int64_t i = 0; f && key && i < f->n_meta; i++)
        if (!strcmp(f->meta_keys[i], key)) return f->meta_values[i];
    return NULL;
}

int64_t pr_tensor_file_meta_count(const pr_tensor_file *f) { return f ? f->n_meta : 0; }

const char *pr_tensor_file_meta_key(const pr_tensor_file *f, int64_t i) {
    return f && i >= 0 && i < f->n_meta ? f->meta_keys[i] : NULL;
}

/* ---- reading ------------------------------------------------------------------------ */

typedef struct span {
    uint64_t begin, end;
    int64_t index; /* member of the header */
} span;

static int by_begin(const void *a, const void *b) {
    const span *x = a, *y = b;
    return x->begin < y->begin ? -1 : x->begin > y->begin;
}

static pr_status read_entry(const pr__json *e, const char *tname, const char *file, const pr_limits *lim,
                            pr_dtype *dtype, int *ndim, int64_t *shape, int64_t *count, span *sp) {
    const pr__json *dt = pr__json_get(e, "dtype"), *sh = pr__json_get(e, "shape"), *off = pr__json_get(e, "data_offsets");
    if (e->kind != PR_JSON_OBJECT || !dt || dt->kind != PR_JSON_STRING || !sh || sh->kind != PR_JSON_ARRAY || !off ||
        off->kind != PR_JSON_ARRAY || off->count != 2)
        return pr__fail(PR_ERR_FORMAT, "%s: tensor '%s' needs \"dtype\", \"shape\" and two \"data_offsets\"", file, tname);
    *dtype = 0;
    for (size_t i = 0; i < sizeof dtypes / sizeof dtypes[0]; i++)
        if (!strcmp(dt->string, dtypes[i].name)) *dtype = dtypes[i].dtype;
    if (!*dtype)
        return pr__fail(PR_ERR_UNSUPPORTED, "%s: tensor '%s' has dtype %s; primer reads F32, F64, I32 and I64", file,
                        tname, dt->string);
    if ((int64_t)sh->count > lim->max_rank)
        return pr__fail(PR_ERR_LIMIT, "%s: tensor '%s' has rank %zu, beyond the limit of %d", file, tname, sh->count,
                        lim->max_rank);
    *ndim = (int)sh->count;
    for (size_t d = 0; d < sh->count; d++) {
        const pr__json *x = &sh->items[d];
        if (x->kind != PR_JSON_NUMBER || !x->is_integer || x->integer < 0)
            return pr__fail(PR_ERR_FORMAT, "%s: tensor '%s' has a shape extent that is not a non-negative integer", file,
                            tname);
        shape[d] = x->integer;
    }
    pr_status st = pr__shape_count(*ndim, shape, lim, count);
    if (st) return pr__fail_context("%s: tensor '%s': ", file, tname);
    for (int k = 0; k < 2; k++) {
        const pr__json *x = &off->items[k];
        if (x->kind != PR_JSON_NUMBER || !x->is_integer || x->integer < 0)
            return pr__fail(PR_ERR_FORMAT, "%s: tensor '%s' has a data offset that is not a non-negative integer", file,
                            tname);
    }
    sp->begin = (uint64_t)off->items[0].integer;
    sp->end = (uint64_t)off->items[1].integer;
    size_t bytes;
    if (!pr__mul_size((size_t)*count, pr_dtype_size(*dtype), &bytes))
        return pr__fail(PR_ERR_OVERFLOW, "%s: tensor '%s' is too large", file, tname);
    if (sp->end < sp->begin || sp->end - sp->begin != (uint64_t)bytes)
        return pr__fail(PR_ERR_FORMAT, "%s: tensor '%s' spans bytes [%llu, %llu) but its shape and dtype need %zu", file,
                        tname, (unsigned long long)sp->begin, (unsigned long long)sp->end, bytes);
    return PR_OK;
}

pr_status pr_safetensors_read_buffer(const void *data, size_t len, const char *name, const pr_limits *limits,
                                     pr_tensor_file **out) {
    if (!name) name = "<buffer>";
    if (!out || (!data && len)) return pr__fail(PR_ERR_INVALID, "safetensors_read: NULL argument");
    pr_limits lim = pr_limits_resolve(limits);
    const unsigned char *b = data;
    if (len < 8) return pr__fail(PR_ERR_FORMAT, "%s: too short to be a safetensors file (%zu bytes)", name, len);
    uint64_t hlen = 0;
    for (int i = 7; i >= 0; i--) hlen = hlen << 8 | b[i];
    if (hlen > lim.max_metadata_bytes)
        return pr__fail(PR_ERR_LIMIT, "%s: not a safetensors file, or a damaged one: its first 8 bytes announce a "
                                      "header of %llu bytes, beyond the limit of %llu",
                        name, (unsigned long long)hlen, (unsigned long long)lim.max_metadata_bytes);
    if (hlen > len - 8)
        return pr__fail(PR_ERR_FORMAT, "%s: not a safetensors file, or a truncated one: the header of %llu bytes runs "
                                       "past the end of the file (%zu bytes)",
                        name, (unsigned long long)hlen, len);
    for (uint64_t i = 0; i < hlen; i++)
        if (!b[8 + i]) return pr__fail(PR_ERR_FORMAT, "%s: NUL byte in the header", name);
    size_t bad = pr__utf8_invalid_at(b + 8, (size_t)hlen);
    if (bad < hlen)
        return pr__fail(PR_ERR_FORMAT, "%s: the header is not UTF-8 (byte %zu, 0x%02x), as the format requires", name,
                        bad, b[8 + bad]);
    pr__json *h;
    char ctx[256];
    snprintf(ctx, sizeof ctx, "%s: header", name);
    pr_status st = pr__json_parse((const char *)b + 8, (size_t)hlen, ctx, &h);
    if (st) return st;
    const unsigned char *payload = b + 8 + hlen;
    uint64_t psize = len - 8 - hlen;
    pr_tensor_file *f = NULL;
    span *spans = NULL;
    if (h->kind != PR_JSON_OBJECT) {
        st = pr__fail(PR_ERR_FORMAT, "%s: the header is not a JSON object", name);
        goto done;
    }
    if ((st = pr_tensor_file_new(&f))) goto done;
    spans = pr__calloc(h->count ? h->count : 1, sizeof *spans);
    if (!spans) {
        st = PR_ERR_NOMEM;
        goto done;
    }
    size_t ns = 0;
    for (size_t i = 0; i < h->count && !st; i++) {
        const char *tname = h->keys[i];
        const pr__json *e = &h->items[i];
        if (!strcmp(tname, "__metadata__")) {
            if (e->kind != PR_JSON_OBJECT) {
                st = pr__fail(PR_ERR_FORMAT, "%s: \"__metadata__\" must be an object of strings", name);
                break;
            }
            for (size_t k = 0; k < e->count && !st; k++) {
                if (e->items[k].kind != PR_JSON_STRING)
                    st = pr__fail(PR_ERR_FORMAT, "%s: metadata value '%s' is not a string", name, e->keys[k]);
                else
                    st = pr_tensor_file_set_meta(f, e->keys[k], e->items[k].string);
            }
            continue;
        }
        pr_dtype dtype = PR_F32;
        int ndim = 0;
        int64_t shape[PR_MAX_DIMS], count;
        if ((st = read_entry(e, tname, name, &lim, &dtype, &ndim, shape, &count, &spans[ns]))) break;
        if (spans[ns].end > psize) {
            st = pr__fail(PR_ERR_FORMAT, "%s: tensor '%s' ends at byte %llu of a %llu-byte payload (truncated file?)", name,
                          tname, (unsigned long long)spans[ns].end, (unsigned long long)psize);
            break;
        }
        spans[ns].index = (int64_t)i;
        ns++;
        pr_tensor *t;
        if ((st = pr_tensor_from_array(&t, dtype, ndim, shape, payload + spans[ns - 1].begin))) break;
        if ((st = adopt(f, tname, t))) pr_tensor_free(t);
    }
    if (!st) { /* the byte ranges tile the payload: no gaps, no overlaps, nothing after */
        qsort(spans, ns, sizeof *spans, by_begin);
        uint64_t at = 0;
        for (size_t i = 0; i < ns && !st; i++) {
            if (spans[i].begin != at)
                st = pr__fail(PR_ERR_FORMAT, "%s: tensor '%s' starts at byte %llu; the data before it %s", name,
                              h->keys[spans[i].index], (unsigned long long)spans[i].begin,
                              spans[i].begin > at ? "leaves a gap" : "overlaps it");
            at = spans[i].end;
        }
        if (!st && at != psize)
            st = pr__fail(PR_ERR_FORMAT, "%s: %llu bytes after the last tensor are not described by the header", name,
                          (unsigned long long)(psize - at));
    }
done:
    free(spans);
    pr__json_free(h);
    if (st) {
        pr_tensor_file_free(f);
        return st;
    }
    *out = f;
    return PR_OK;
}

pr_status pr_safetensors_read(const char *path, const pr_limits *limits, pr_tensor_file **out) {
    if (!path) return pr__fail(PR_ERR_INVALID, "safetensors_read: path is NULL");
    char *data;
    size_t len;
    pr_status st = pr__read_file(path, limits, &data, &len);
    if (st) return st;
    st = pr_safetensors_read_buffer(data, len, path, limits, out);
    free(data);
    return st;
}

/* ---- writing ---------------------------------------------------------------------------- */

pr_status pr_safetensors_encode(const pr_tensor_file *f, unsigned char **data, size_t *len) {
    if (!f || !data || !len) return pr__fail(PR_ERR_INVALID, "safetensors_encode: NULL argument");
    pr_strbuf sb;
    pr__strbuf_init(&sb);
    pr__strbuf_puts(&sb, "{");
    int first = 1;
    if (f->n_meta) {
        pr__strbuf_puts(&sb, "\"__metadata__\":{");
        for (int64_t i = 0; i < f->n_meta; i++) {
            if (i) pr__strbuf_puts(&sb, ",");
            pr__json_append_string(&sb, f->meta_keys[i]);
            pr__strbuf_puts(&sb, ":");
            pr__json_append_string(&sb, f->meta_values[i]);
        }
        pr__strbuf_puts(&sb, "}");
        first = 0;
    }
    size_t offset = 0;
    for (int64_t i = 0; i < f->n; i++) {
        const pr_tensor *t = f->entries[i].tensor;
        const char *code = dtype_code(t->dtype);
        if (!code) {
            pr__strbuf_free(&sb);
            return pr__fail(PR_ERR_DTYPE, "safetensors_encode: '%s' has an unsupported dtype", f->entries[i].name);
        }
        size_t bytes = (size_t)t->size * pr_dtype_size(t->dtype);
        if (!first) pr__strbuf_puts(&sb, ",");
        first = 0;
        pr__json_append_string(&sb, f->entries[i].name);
        pr__strbuf_printf(&sb, ":{\"dtype\":\"%s\",\"shape\":[", code);
        for (int d = 0; d < t->ndim; d++) pr__strbuf_printf(&sb, "%s%lld", d ? "," : "", (long long)t->shape[d]);
        pr__strbuf_printf(&sb, "],\"data_offsets\":[%zu,%zu]}", offset, offset + bytes);
        offset += bytes;
    }
    pr__strbuf_puts(&sb, "}");
    while (sb.len % 8 && !sb.failed) pr__strbuf_puts(&sb, " "); /* the data starts 8-byte aligned */
    if (sb.failed) {
        pr__strbuf_free(&sb);
        return PR_ERR_NOMEM;
    }
    if ((uint64_t)sb.len > PR_SAFETENSORS_MAX_HEADER) { /* a file that could not be read back */
        size_t hl = sb.len;
        pr__strbuf_free(&sb);
        return pr__fail(PR_ERR_LIMIT, "safetensors_encode: the header (tensor list and metadata) takes %zu bytes, "
                                      "beyond the format's limit of %llu",
                        hl, (unsigned long long)PR_SAFETENSORS_MAX_HEADER);
    }
    size_t bad = pr__utf8_invalid_at(sb.data, sb.len);
    if (bad < sb.len) { /* a file that could not be read back */
        pr__strbuf_free(&sb);
        return pr__fail(PR_ERR_INVALID, "safetensors_encode: a tensor name or metadata value is not UTF-8 (header byte "
                                        "%zu), which the format requires", bad);
    }
    size_t total;
    if (!pr__add_size(8 + sb.len, offset, &total)) {
        pr__strbuf_free(&sb);
        return pr__fail(PR_ERR_OVERFLOW, "safetensors_encode: too large");
    }
    unsigned char *buf = pr__malloc(total);
    if (!buf) {
        pr__strbuf_free(&sb);
        return PR_ERR_NOMEM;
    }
    uint64_t hl = sb.len;
    for (int i = 0; i < 8; i++) buf[i] = (unsigned char)(hl >> (8 * i));
    memcpy(buf + 8, sb.data, sb.len);
    size_t at = 8 + sb.len;
    for (int64_t i = 0; i < f->n; i++) {
        const pr_tensor *t = f->entries[i].tensor;
        size_t bytes = (size_t)t->size * pr_dtype_size(t->dtype);
        if (bytes) memcpy(buf + at, t->data, bytes);
        at += bytes;
    }
    pr__strbuf_free(&sb);
    *data = buf;
    *len = total;
    return PR_OK;
}

pr_status pr_safetensors_write(const char *path, const pr_tensor_file *f) {
    unsigned char *buf;
    size_t len;
    pr_status st = pr_safetensors_encode(f, &buf, &len);
    if (st) return st;
    st = pr__write_file_atomic(path, buf, len);
    free(buf);
    return st;
}
