/* NumPy .npy arrays: a bounded header parser, a reader that refuses what it
 * cannot represent exactly, and a writer that matches NumPy's own output. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/internal.h"
#include "primer/io.h"

#define NPY_MAGIC "\x93NUMPY"
#define NPY_MAGIC_LEN 6
#define NPY_ALIGN 64

/* Stored types primer reads by converting them to float32 (images come as uint8). */
typedef enum npy_source {
    NPY_NATIVE = 0, /* the tensor's own dtype */
    NPY_U8, NPY_I8, NPY_BOOL, NPY_U16, NPY_I16, NPY_F16
} npy_source;

typedef struct npy_header {
    pr_dtype dtype;
    npy_source source; /* NPY_NATIVE, or the stored type converted to dtype (float32) */
    size_t source_size; /* bytes per stored element */
    int ndim;
    int64_t shape[PR_MAX_DIMS];
    int64_t count;
    size_t data_offset; /* bytes before the payload */
    size_t data_bytes;  /* payload size the header promises */
} npy_header;

static int host_is_little_endian(void) {
    const uint16_t one = 1;
    return *(const unsigned char *)&one == 1;
}

static void swap_bytes(void *data, size_t count, size_t size) {
    unsigned char *p = data;
    for (size_t i = 0; i < count; i++, p += size)
        for (size_t a = 0, b = size - 1; a < b; a++, b--) {
            unsigned char t = p[a];
            p[a] = p[b];
            p[b] = t;
        }
}

/* ---- the header dictionary ------------------------------------------------------ */

typedef struct dict_cursor {
    const char *p, *end;
    const char *name;
} dict_cursor;

static void skip_space(dict_cursor *c) {
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r')) c->p++;
}

static int expect(dict_cursor *c, char ch) {
    skip_space(c);
    if (c->p < c->end && *c->p == ch) {
        c->p++;
        return 1;
    }
    return 0;
}

static pr_status header_error(dict_cursor *c, const char *what) {
    return pr__fail(PR_ERR_FORMAT, "%s: malformed .npy header: %s", c->name, what);
}

/* A quoted Python string without escapes (all NumPy writes in these fields). */
static pr_status parse_string(dict_cursor *c, char *out, size_t cap) {
    skip_space(c);
    if (c->p >= c->end || (*c->p != '\'' && *c->p != '"')) return header_error(c, "expected a string");
    char q = *c->p++;
    size_t n = 0;
    while (c->p < c->end && *c->p != q) {
        if (*c->p == '\\') return header_error(c, "escapes in strings are not supported");
        if (n + 1 >= cap) return header_error(c, "string too long");
        out[n++] = *c->p++;
    }
    if (c->p >= c->end) return header_error(c, "unterminated string");
    c->p++;
    out[n] = '\0';
    return PR_OK;
}

static pr_status parse_shape(dict_cursor *c, const pr_limits *lim, npy_header *h) {
    if (!expect(c, '(')) return header_error(c, "'shape' must be a tuple");
    h->ndim = 0;
    for (;;) {
        skip_space(c);
        if (c->p < c->end && *c->p == ')') {
            c->p++;
            break;
        }
        if (c->p >= c->end || !isdigit((unsigned char)*c->p))
            return header_error(c, "'shape' must hold non-negative integers");
        int64_t v = 0;
        while (c->p < c->end && isdigit((unsigned char)*c->p)) {
            if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, *c->p - '0', &v))
                return pr__fail(PR_ERR_OVERFLOW, "%s: .npy shape extent overflows", c->name);
            c->p++;
        }
        if (h->ndim >= lim->max_rank)
            return pr__fail(PR_ERR_LIMIT, "%s: array rank exceeds the limit of %d", c->name, lim->max_rank);
        h->shape[h->ndim++] = v;
        skip_space(c);
        if (c->p < c->end && *c->p == ',') {
            c->p++;
            continue;
        }
        if (!expect(c, ')')) return header_error(c, "expected ',' or ')' in 'shape'");
        break;
    }
    return PR_OK;
}

static pr_status parse_descr(dict_cursor *c, const char *descr, npy_header *h) {
    static const struct {
        char kind;
        int size;
        pr_dtype dtype;
    } known[] = {{'f', 4, PR_F32}, {'f', 8, PR_F64}, {'i', 4, PR_I32}, {'i', 8, PR_I64}};
    static const struct {
        char kind;
        int size;
        npy_source source;
    } converted[] = {{'u', 1, NPY_U8}, {'i', 1, NPY_I8}, {'b', 1, NPY_BOOL}, {'u', 2, NPY_U16},
                     {'i', 2, NPY_I16}, {'f', 2, NPY_F16}};
    size_t n = strlen(descr);
    if (n >= 3 && (descr[0] == '<' || descr[0] == '=' || descr[0] == '|')) {
        char *end;
        errno = 0;
        long size = strtol(descr + 2, &end, 10);
        if (!*end && !errno) {
            for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
                if (descr[1] == known[i].kind && size == known[i].size && descr[0] != '|') {
                    h->dtype = known[i].dtype;
                    h->source = NPY_NATIVE;
                    h->source_size = (size_t)size;
                    return PR_OK;
                }
            for (size_t i = 0; i < sizeof converted / sizeof converted[0]; i++) /* '|' only for single bytes */
                if (descr[1] == converted[i].kind && size == converted[i].size && (size == 1 || descr[0] != '|')) {
                    h->dtype = PR_F32;
                    h->source = converted[i].source;
                    h->source_size = (size_t)size;
                    return PR_OK;
                }
        }
    }
    if (descr[0] == '>')
        return pr__fail(PR_ERR_UNSUPPORTED, "%s: big-endian data ('%s') is not supported; primer "
                                            "reads little-endian float32, float64, int32 and int64 "
                                            "(convert with arr.astype('<%s'))",
                        c->name, descr, descr + 1);
    return pr__fail(PR_ERR_UNSUPPORTED, "%s: dtype '%s' is not supported; primer reads float32 "
                                        "('<f4'), float64 ('<f8'), int32 ('<i4') and int64 ('<i8'), and "
                                        "reads uint8, int8, bool, uint16, int16 and float16 as float32",
                    c->name, descr);
}

static pr_status parse_dict(dict_cursor *c, const pr_limits *lim, npy_header *h) {
    int have_descr = 0, have_order = 0, have_shape = 0;
    if (!expect(c, '{')) return header_error(c, "expected '{'");
    for (;;) {
        skip_space(c);
        if (c->p < c->end && *c->p == '}') {
            c->p++;
            break;
        }
        char key[32], value[64];
        pr_status st = parse_string(c, key, sizeof key);
        if (st) return st;
        if (!expect(c, ':')) return header_error(c, "expected ':' after a key");
        if (!strcmp(key, "descr") && !have_descr) {
            skip_space(c);
            if (c->p < c->end && *c->p == '[')
                return pr__fail(PR_ERR_UNSUPPORTED, "%s: structured arrays are not supported", c->name);
            if ((st = parse_string(c, value, sizeof value)) || (st = parse_descr(c, value, h))) return st;
            have_descr = 1;
        } else if (!strcmp(key, "fortran_order") && !have_order) {
            skip_space(c);
            size_t rest = (size_t)(c->end - c->p);
            if (rest >= 5 && !memcmp(c->p, "False", 5)) {
                c->p += 5;
            } else if (rest >= 4 && !memcmp(c->p, "True", 4)) {
                return pr__fail(PR_ERR_UNSUPPORTED, "%s: Fortran-order arrays are not supported "
                                                    "(save with np.ascontiguousarray)", c->name);
            } else {
                return header_error(c, "'fortran_order' must be True or False");
            }
            have_order = 1;
        } else if (!strcmp(key, "shape") && !have_shape) {
            if ((st = parse_shape(c, lim, h))) return st;
            have_shape = 1;
        } else {
            return pr__fail(PR_ERR_FORMAT, "%s: malformed .npy header: unexpected or repeated key '%s'",
                            c->name, key);
        }
        skip_space(c);
        if (c->p < c->end && *c->p == ',') {
            c->p++;
            continue;
        }
        if (!expect(c, '}')) return header_error(c, "expected ',' or '}'");
        break;
    }
    if (!have_descr || !have_order || !have_shape)
        return header_error(c, !have_descr ? "missing 'descr'" : !have_order ? "missing 'fortran_order'"
                                                                             : "missing 'shape'");
    skip_space(c);
    if (c->p != c->end) return header_error(c, "unexpected text after the dictionary");
    return PR_OK;
}

/* Parse the preamble and header at the start of buf (avail bytes available). */
static pr_status parse_header(const unsigned char *buf, size_t avail, const char *name,
                              const pr_limits *lim, npy_header *h) {
    memset(h, 0, sizeof *h);
    if (avail < NPY_MAGIC_LEN + 4 || memcmp(buf, NPY_MAGIC, NPY_MAGIC_LEN) != 0)
        return pr__fail(PR_ERR_FORMAT, "%s: not an .npy file (missing the \\x93NUMPY magic)", name);
    int major = buf[6];
    size_t header_len, prefix;
    if (major == 1) {
        header_len = (size_t)buf[8] | (size_t)buf[9] << 8;
        prefix = 10;
    } else if (major == 2 || major == 3) {
        if (avail < 12) return pr__fail(PR_ERR_FORMAT, "%s: truncated .npy preamble", name);
        header_len = (size_t)buf[8] | (size_t)buf[9] << 8 | (size_t)buf[10] << 16 | (size_t)buf[11] << 24;
        prefix = 12;
    } else {
        return pr__fail(PR_ERR_UNSUPPORTED, "%s: .npy format version %d.%d is not supported", name,
                        major, buf[7]);
    }
    if ((uint64_t)header_len > lim->max_header_bytes)
        return pr__fail(PR_ERR_LIMIT, "%s: .npy header of %zu bytes exceeds the limit of %llu", name,
                        header_len, (unsigned long long)lim->max_header_bytes);
    if (header_len > avail - prefix)
        return pr__fail(PR_ERR_FORMAT, "%s: truncated .npy header (%zu bytes promised, %zu present)",
                        name, header_len, avail - prefix);
    dict_cursor c = {(const char *)buf + prefix, (const char *)buf + prefix + header_len, name};
    for (const char *q = c.p; q < c.end; q++)
        if (*q == '\0') return header_error(&c, "NUL byte in the header");
    pr_status st = parse_dict(&c, lim, h);
    if (st) return st;
    if ((st = pr__shape_count(h->ndim, h->shape, lim, &h->count))) return pr__fail_context("%s: ", name);
    if (!pr__mul_size((size_t)h->count, h->source_size, &h->data_bytes))
        return pr__fail(PR_ERR_OVERFLOW, "%s: payload size overflows", name);
    h->data_offset = prefix + header_len;
    return PR_OK;
}

static pr_status check_payload(const npy_header *h, uint64_t present, const char *name) {
    if (present != h->data_bytes)
        return pr__fail(PR_ERR_FORMAT, "%s: the header promises %zu data bytes but the file holds %llu%s",
                        name, h->data_bytes, (unsigned long long)present,
                        present < h->data_bytes ? " (truncated file)" : " (trailing data)");
    return PR_OK;
}

/* IEEE half precision to float. */
static float half_to_float(uint16_t h) {
    uint32_t sign = (uint32_t)(h >> 15) << 31, exp = (h >> 10) & 0x1f, mant = h & 0x3ff, bits;
    if (exp == 0x1f) bits = sign | 0x7f800000u | mant << 13; /* infinity, NaN */
    else if (exp) bits = sign | (exp + 112) << 23 | mant << 13;
    else if (!mant) bits = sign; /* zero */
    else {                       /* subnormal: normalise */
        int e = -1;
        do {
            e++;
            mant <<= 1;
        } while (!(mant & 0x400));
        bits = sign | (uint32_t)(112 - e) << 23 | (mant & 0x3ff) << 13;
    }
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

/* The stored elements (little-endian) as the float32 tensor t. */
static void convert_payload(const npy_header *h, const unsigned char *raw, pr_tensor *t) {
    float *out = t->data;
    for (int64_t i = 0; i < t->size; i++) {
        const unsigned char *b = raw + (size_t)i * h->source_size;
        uint16_t w = (uint16_t)(b[0] | (h->source_size > 1 ? b[1] << 8 : 0));
        switch (h->source) {
        case NPY_U8: out[i] = (float)b[0]; break;
        case NPY_I8: out[i] = (float)(int8_t)b[0]; break;
        case NPY_BOOL: out[i] = b[0] != 0; break;
        case NPY_U16: out[i] = (float)w; break;
        case NPY_I16: out[i] = (float)(int16_t)w; break;
        case NPY_F16: out[i] = half_to_float(w); break;
        case NPY_NATIVE: break;
        }
    }
}

pr_status pr_npy_read_buffer(const void *data, size_t len, const char *name,
                             const pr_limits *limits, pr_tensor **out) {
    if (!name) name = "<buffer>";
    if (!out || (!data && len)) return pr__fail(PR_ERR_INVALID, "npy_read: NULL argument");
    pr_limits lim = pr_limits_resolve(limits);
    if ((uint64_t)len > lim.max_file_bytes)
        return pr__fail(PR_ERR_LIMIT, "%s: %zu bytes exceed the limit of %llu", name, len,
                        (unsigned long long)lim.max_file_bytes);
    npy_header h;
    pr_status st = parse_header(data, len, name, &lim, &h);
    if (st || (st = check_payload(&h, len - h.data_offset, name))) return st;
    pr_tensor *t;
    if (h.source != NPY_NATIVE) {
        if ((st = pr__tensor_alloc(&t, h.dtype, h.ndim, h.shape, false))) return st;
        convert_payload(&h, (const unsigned char *)data + h.data_offset, t);
        *out = t;
        return PR_OK;
    }
    if ((st = pr_tensor_from_array(&t, h.dtype, h.ndim, h.shape, (const char *)data + h.data_offset)))
        return st;
    if (!host_is_little_endian()) swap_bytes(t->data, (size_t)t->size, pr_dtype_size(t->dtype));
    *out = t;
    return PR_OK;
}

pr_status pr_npy_read(const char *path, const pr_limits *limits, pr_tensor **out) {
    if (!path || !out) return pr__fail(PR_ERR_INVALID, "npy_read: NULL argument");
    pr_limits lim = pr_limits_resolve(limits);
    FILE *f = fopen(path, "rb");
    if (!f) return pr__fail(PR_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    struct stat sb;
    pr_status st = PR_OK;
    unsigned char *head = NULL;
    pr_tensor *t = NULL;
    if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
        st = pr__fail(PR_ERR_IO, "%s: not a regular file", path);
        goto done;
    }
    uint64_t size = (uint64_t)sb.st_size;
    if (size > lim.max_file_bytes) {
        st = pr__fail(PR_ERR_LIMIT, "%s: %llu bytes exceed the limit of %llu", path,
                      (unsigned long long)size, (unsigned long long)lim.max_file_bytes);
        goto done;
    }
    /* Read only the preamble and header, then the payload straight into the tensor. */
    unsigned char pre[12];
    size_t got = fread(pre, 1, sizeof pre, f);
    size_t want = got; /* bytes of preamble + header to hand to parse_header */
    if (got >= 10 && memcmp(pre, NPY_MAGIC, NPY_MAGIC_LEN) == 0) {
        int wide = pre[6] == 2 || pre[6] == 3;
        size_t prefix = wide ? 12 : 10;
        size_t hl = (size_t)pre[8] | (size_t)pre[9] << 8;
        if (wide && got >= 12) hl |= (size_t)pre[10] << 16 | (size_t)pre[11] << 24;
        /* An oversized or truncated header is reported by parse_header from `pre` alone. */
        if ((uint64_t)hl <= lim.max_header_bytes && prefix + hl <= size) want = prefix + hl;
    }
    if (!(head = pr__malloc(want ? want : 1))) {
        st = PR_ERR_NOMEM;
        goto done;
    }
    memcpy(head, pre, got < want ? got : want);
    if (want > got && fread(head + got, 1, want - got, f) != want - got) {
        st = pr__fail(PR_ERR_IO, "%s: read error in the header", path);
        goto done;
    }
    npy_header h;
    if ((st = parse_header(head, want, path, &lim, &h))) goto done;
    if ((st = check_payload(&h, size - h.data_offset, path))) goto done;
    if ((st = pr__tensor_alloc(&t, h.dtype, h.ndim, h.shape, false))) goto done;
    unsigned char *raw = h.source == NPY_NATIVE ? t->data : pr__malloc(h.data_bytes ? h.data_bytes : 1);
    if (!raw) {
        st = PR_ERR_NOMEM;
        goto done;
    }
    int read_ok = fseek(f, (long)h.data_offset, SEEK_SET) == 0 && fread(raw, 1, h.data_bytes, f) == h.data_bytes;
    if (read_ok && h.source != NPY_NATIVE) convert_payload(&h, raw, t);
    if (h.source != NPY_NATIVE) free(raw);
    if (!read_ok) {
        st = pr__fail(PR_ERR_IO, "%s: read error in the data", path);
        goto done;
    }
    if (h.source == NPY_NATIVE && !host_is_little_endian()) swap_bytes(t->data, (size_t)t->size, pr_dtype_size(t->dtype));
    *out = t;
    t = NULL;
done:
    pr_tensor_free(t);
    free(head);
    fclose(f);
    return st;
}

/* ---- writing ------------------------------------------------------------------------- */

pr_status pr_npy_encode(const pr_tensor *t, unsigned char **data, size_t *len) {
    pr_status st = pr__require_tensor(t, "npy_write", "tensor");
    if (st) return st;
    static const char *const descr[] = {[PR_F32] = "<f4", [PR_F64] = "<f8", [PR_I32] = "<i4",
                                        [PR_I64] = "<i8"};
    char dict[512];
    int n = snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': (",
                     descr[t->dtype]);
    for (int i = 0; i < t->ndim; i++)
        n += snprintf(dict + n, sizeof dict - (size_t)n, "%s%lld", i ? ", " : "", (long long)t->shape[i]);
    n += snprintf(dict + n, sizeof dict - (size_t)n, "%s), }", t->ndim == 1 ? "," : "");
    /* Pad with spaces and a final newline so the payload starts on a 64-byte boundary. */
    size_t header_len = (size_t)n + 1;
    size_t total_head = 10 + header_len;
    size_t padded = (total_head + NPY_ALIGN - 1) / NPY_ALIGN * NPY_ALIGN;
    header_len += padded - total_head;
    size_t payload = (size_t)t->size * pr_dtype_size(t->dtype), bytes;
    if (!pr__add_size(padded, payload, &bytes)) return pr__fail(PR_ERR_OVERFLOW, "npy_write: too large");
    unsigned char *buf = pr__malloc(bytes);
    if (!buf) return PR_ERR_NOMEM;
    memcpy(buf, NPY_MAGIC, NPY_MAGIC_LEN);
    buf[6] = 1;
    buf[7] = 0;
    buf[8] = (unsigned char)(header_len & 0xff);
    buf[9] = (unsigned char)(header_len >> 8);
    memcpy(buf + 10, dict, (size_t)n);
    memset(buf + 10 + n, ' ', header_len - (size_t)n - 1);
    buf[padded - 1] = '\n';
    memcpy(buf + padded, t->data, payload);
    if (!host_is_little_endian()) swap_bytes(buf + padded, (size_t)t->size, pr_dtype_size(t->dtype));
    *data = buf;
    *len = bytes;
    return PR_OK;
}

pr_status pr_npy_write(const char *path, const pr_tensor *t) {
    unsigned char *buf;
    size_t len;
    pr_status st = pr_npy_encode(t, &buf, &len);
    if (st) return st;
    st = pr__write_file_atomic(path, buf, len);
    free(buf);
    return st;
}
