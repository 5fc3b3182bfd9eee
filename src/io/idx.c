/* IDX arrays, the format of MNIST and Fashion-MNIST (LeCun et al.): plain or
 * gzip-compressed, every size checked against the shared limits before anything
 * is allocated from it. */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "core/internal.h"
#include "io/idx.h"

#define IDX_CHUNK (1u << 20)

/* The element types of IDX: their type byte, bytes per value and the dtype primer gives. */
static const struct {
    unsigned char code;
    size_t size;
    pr_dtype dtype;
    const char *name;
} idx_types[] = {
    {0x08, 1, PR_F32, "unsigned byte"}, {0x09, 1, PR_F32, "signed byte"}, {0x0B, 2, PR_F32, "int16"},
    {0x0C, 4, PR_F64, "int32"},         {0x0D, 4, PR_F32, "float32"},     {0x0E, 8, PR_F64, "float64"},
};

static uint32_t big32(const unsigned char *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* A big-endian value of the type's size at p, as a double. */
static double idx_value(const unsigned char *p, unsigned char code) {
    switch (code) {
    case 0x08: return (double)p[0];
    case 0x09: return (double)(int8_t)p[0];
    case 0x0B: return (double)(int16_t)(uint16_t)((unsigned)p[0] << 8 | p[1]);
    case 0x0C: return (double)(int32_t)big32(p);
    case 0x0D: {
        uint32_t u = big32(p);
        float f;
        memcpy(&f, &u, sizeof f);
        return (double)f;
    }
    default: {
        uint64_t u = (uint64_t)big32(p) << 32 | big32(p + 4);
        double d;
        memcpy(&d, &u, sizeof d);
        return d;
    }
    }
}

/* The header of uncompressed IDX bytes, checked against the limits and the length. */
static pr_status idx_header(const unsigned char *data, size_t len, const char *name, const pr_limits *lim,
                            pr__idx *h) {
    if (len < 4 || data[0] != 0 || data[1] != 0)
        return pr__fail(PR_ERR_FORMAT, "%s: not an IDX file (it must start with two zero bytes, a type and a rank)", name);
    int type = -1;
    for (size_t k = 0; k < sizeof idx_types / sizeof idx_types[0]; k++)
        if (idx_types[k].code == data[2]) type = (int)k;
    if (type < 0)
        return pr__fail(PR_ERR_FORMAT, "%s: IDX type byte 0x%02X is not one of 0x08 (unsigned byte), 0x09, 0x0B, 0x0C, "
                                       "0x0D, 0x0E",
                        name, data[2]);
    int ndim = data[3];
    if (ndim < 1 || ndim > lim->max_rank)
        return pr__fail(ndim < 1 ? PR_ERR_FORMAT : PR_ERR_LIMIT, "%s: IDX rank %d is outside 1..%d", name, ndim,
                        lim->max_rank);
    size_t head = 4 + 4 * (size_t)ndim;
    if (len < head)
        return pr__fail(PR_ERR_FORMAT, "%s: truncated IDX header (%zu bytes; %d extents need %zu)", name, len, ndim, head);
    memset(h, 0, sizeof *h);
    h->ndim = ndim;
    for (int d = 0; d < ndim; d++) h->shape[d] = (int64_t)big32(data + 4 + 4 * d);
    if (pr__shape_count(ndim, h->shape, lim, &h->count)) return pr__fail_context("%s: IDX extents: ", name);
    size_t body;
    if (!pr__mul_size((size_t)h->count, idx_types[type].size, &body) || body != len - head) {
        char shape_text[128];
        pr_tensor view = {.ndim = ndim};
        memcpy(view.shape, h->shape, (size_t)ndim * sizeof *h->shape);
        return pr__fail(PR_ERR_FORMAT, "%s: the IDX header promises %s %s values (%llu bytes) but %zu bytes follow it",
                        name, pr_shape_format(&view, shape_text, sizeof shape_text), idx_types[type].name,
                        (unsigned long long)h->count * idx_types[type].size, len - head);
    }
    h->code = idx_types[type].code;
    h->size = idx_types[type].size;
    h->dtype = idx_types[type].dtype;
    h->body = data + head;
    return PR_OK;
}

double pr__idx_value(const pr__idx *h, int64_t i) { return idx_value(h->body + (size_t)i * h->size, h->code); }

/* The values of a checked IDX body as a tensor of its dtype. */
static pr_status idx_tensor(const pr__idx *h, pr_tensor **out) {
    pr_tensor *t;
    pr_status st = pr__tensor_alloc(&t, h->dtype, h->ndim, h->shape, false);
    if (st) return st;
    if (h->code == 0x08) { /* bytes, the images and labels of MNIST: a plain loop */
        float *v = pr_tensor_f32(t);
        for (int64_t i = 0; i < h->count; i++) v[i] = (float)h->body[i];
    } else if (t->dtype == PR_F32) {
        float *v = pr_tensor_f32(t);
        for (int64_t i = 0; i < h->count; i++) v[i] = (float)pr__idx_value(h, i);
    } else {
        double *v = pr_tensor_f64(t);
        for (int64_t i = 0; i < h->count; i++) v[i] = pr__idx_value(h, i);
    }
    *out = t;
    return PR_OK;
}

/* Inflate gzip data into a new buffer of at most `cap` bytes. */
static pr_status gunzip(const unsigned char *data, size_t len, const char *name, uint64_t cap, unsigned char **out,
                        size_t *out_len) {
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, 15 + 16) != Z_OK) return pr__fail(PR_ERR_NOMEM, "%s: cannot start gzip decompression", name);
    unsigned char *buf = NULL;
    size_t used = 0, size = 0;
    pr_status st = PR_OK;
    z.next_in = (unsigned char *)(uintptr_t)data;
    int rc = Z_OK;
    while (rc != Z_STREAM_END) {
        if (used == size) {
            if (size >= cap) {
                st = pr__fail(PR_ERR_LIMIT, "%s: decompresses to more than %llu bytes (the file size limit)", name,
                              (unsigned long long)cap);
                break;
            }
            /* gzip's trailer holds the size mod 2^32: a first guess that saves the regrowing */
            uint32_t hint = len >= 4 ? (uint32_t)data[len - 4] | (uint32_t)data[len - 3] << 8 |
                                           (uint32_t)data[len - 2] << 16 | (uint32_t)data[len - 1] << 24
                                     : 0;
            size_t grown = size ? 2 * size : hint > IDX_CHUNK ? (size_t)hint + 1 : IDX_CHUNK;
            if (grown > cap) grown = (size_t)cap;
            unsigned char *b = pr__realloc(buf, grown);
            if (!b) {
                st = PR_ERR_NOMEM;
                break;
            }
            buf = b;
            size = grown;
        }
        size_t in_left = len - (size_t)(z.next_in - data);
        z.avail_in = in_left > UINT32_MAX ? UINT32_MAX : (uInt)in_left;
        size_t room = size - used;
        z.avail_out = room > UINT32_MAX ? UINT32_MAX : (uInt)room;
        z.next_out = buf + used;
        rc = inflate(&z, Z_NO_FLUSH);
        used = (size_t)(z.next_out - buf);
        if (rc == Z_STREAM_END) break;
        if (rc != Z_OK && !(rc == Z_BUF_ERROR && z.avail_out == 0)) {
            st = pr__fail(PR_ERR_FORMAT, "%s: damaged gzip data (%s)", name,
                          rc == Z_BUF_ERROR ? "it ends before the compressed stream does" : z.msg ? z.msg : "zlib error");
            break;
        }
    }
    if (!st && (size_t)(z.next_in - data) != len)
        st = pr__fail(PR_ERR_FORMAT, "%s: %zu bytes follow the end of the gzip stream", name,
                      len - (size_t)(z.next_in - data));
    inflateEnd(&z);
    if (st) {
        free(buf);
        return st;
    }
    *out = buf;
    *out_len = used;
    return PR_OK;
}

/* The plain IDX bytes of data: itself, or (gzip) a new buffer in *owned. */
static pr_status idx_plain(const unsigned char *data, size_t len, const char *name, const pr_limits *lim,
                           unsigned char **owned, const unsigned char **plain, size_t *plain_len) {
    *owned = NULL;
    *plain = data;
    *plain_len = len;
    if (len >= 2 && data[0] == 0x1f && data[1] == 0x8b) {
        pr_status st = gunzip(data, len, name, lim->max_file_bytes, owned, plain_len);
        if (st) return st;
        *plain = *owned;
    }
    return PR_OK;
}

pr_status pr_idx_read_buffer(const void *data, size_t len, const char *name, const pr_limits *limits,
                             pr_tensor **out) {
    if (!out || (!data && len)) return pr__fail(PR_ERR_INVALID, "idx_read: NULL argument");
    if (!name) name = "<buffer>";
    pr_limits lim = pr_limits_resolve(limits);
    unsigned char *owned;
    const unsigned char *plain;
    size_t plain_len;
    pr__idx h;
    pr_status st = idx_plain(data, len, name, &lim, &owned, &plain, &plain_len);
    if (!st) st = idx_header(plain, plain_len, name, &lim, &h);
    if (!st) st = idx_tensor(&h, out);
    free(owned);
    return st;
}

pr_status pr__idx_open(const char *path, const pr_limits *limits, unsigned char **owned, pr__idx *h) {
    pr_limits lim = pr_limits_resolve(limits);
    char *data;
    size_t len;
    pr_status st = pr__read_file(path, &lim, &data, &len);
    if (st) return st;
    const unsigned char *plain;
    size_t plain_len;
    unsigned char *inflated;
    st = idx_plain((const unsigned char *)data, len, path, &lim, &inflated, &plain, &plain_len);
    if (!st && inflated) { /* keep only the plain bytes */
        free(data);
        data = (char *)inflated;
    }
    if (!st) st = idx_header(plain, plain_len, path, &lim, h);
    if (st) {
        free(data);
        return st;
    }
    *owned = (unsigned char *)data;
    return PR_OK;
}

pr_status pr_idx_read(const char *path, const pr_limits *limits, pr_tensor **out) {
    if (!path || !out) return pr__fail(PR_ERR_INVALID, "idx_read: NULL argument");
    unsigned char *owned;
    pr__idx h;
    pr_status st = pr__idx_open(path, limits, &owned, &h);
    if (st) return st;
    st = idx_tensor(&h, out);
    free(owned);
    return st;
}
