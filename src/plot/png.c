/* A minimal PNG writer (RGBA, stored deflate blocks) and base64, for raster
 * artists embedded in SVG as data: URIs. */
#include <stdlib.h>
#include <string.h>

#include "plot/plot_internal.h"

uint32_t pr__crc32(const unsigned char *data, size_t len) {
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < len; i++) {
        c ^= data[i];
        for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
    }
    return c ^ 0xFFFFFFFFu;
}

uint32_t pr__adler32(const unsigned char *data, size_t len) {
    uint32_t a = 1, b = 0;
    for (size_t i = 0; i < len; i++) {
        a = (a + data[i]) % 65521u;
        b = (b + a) % 65521u;
    }
    return b << 16 | a;
}

static void put32(unsigned char *p, uint32_t v) {
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* Append a chunk: length, type, data, CRC over type and data. */
static unsigned char *put_chunk(unsigned char *p, const char *type, const unsigned char *data, size_t len) {
    put32(p, (uint32_t)len);
    memcpy(p + 4, type, 4);
    if (len) memcpy(p + 8, data, len);
    put32(p + 8 + len, pr__crc32(p + 4, len + 4));
    return p + 12 + len;
}

pr_status pr__png_encode_rgba(const unsigned char *rgba, int64_t w, int64_t h, unsigned char **out,
                              size_t *len) {
    if (w < 1 || h < 1 || w > 100000 || h > 100000)
        return pr__fail(PR_ERR_INVALID, "png: image size %lldx%lld is out of range", (long long)w, (long long)h);
    size_t row = (size_t)w * 4 + 1; /* filter byte + pixels */
    size_t raw = row * (size_t)h;
    size_t blocks = raw / 65535 + 1;
    size_t zlen = 2 + raw + blocks * 5 + 4;
    size_t total = 8 + (12 + 13) + (12 + zlen) + 12;
    unsigned char *buf = pr__malloc(total);
    unsigned char *z = pr__malloc(zlen);
    unsigned char *scan = pr__malloc(raw);
    if (!buf || !z || !scan) {
        free(buf);
        free(z);
        free(scan);
        return PR_ERR_NOMEM;
    }
    for (int64_t y = 0; y < h; y++) {
        scan[(size_t)y * row] = 0; /* filter: none */
        memcpy(scan + (size_t)y * row + 1, rgba + (size_t)y * (size_t)w * 4, (size_t)w * 4);
    }
    /* zlib stream of stored (uncompressed) deflate blocks. */
    unsigned char *q = z;
    *q++ = 0x78;
    *q++ = 0x01;
    size_t off = 0;
    do {
        size_t n = raw - off > 65535 ? 65535 : raw - off;
        *q++ = off + n == raw ? 1 : 0;
        *q++ = (unsigned char)(n & 0xff);
        *q++ = (unsigned char)(n >> 8);
        *q++ = (unsigned char)(~n & 0xff);
        *q++ = (unsigned char)((~n >> 8) & 0xff);
        memcpy(q, scan + off, n);
        q += n;
        off += n;
    } while (off < raw);
    put32(q, pr__adler32(scan, raw));
    q += 4;
    size_t zused = (size_t)(q - z);
    unsigned char ihdr[13];
    put32(ihdr, (uint32_t)w);
    put32(ihdr + 4, (uint32_t)h);
    ihdr[8] = 8;  /* bits per channel */
    ihdr[9] = 6;  /* RGBA */
    ihdr[10] = ihdr[11] = ihdr[12] = 0;
    unsigned char *p = buf;
    memcpy(p, "\x89PNG\r\n\x1a\n", 8);
    p = put_chunk(p + 8, "IHDR", ihdr, 13);
    p = put_chunk(p, "IDAT", z, zused);
    p = put_chunk(p, "IEND", NULL, 0);
    free(z);
    free(scan);
    *out = buf;
    *len = (size_t)(p - buf);
    return PR_OK;
}

void pr__base64_append(pr_strbuf *sb, const unsigned char *d, size_t len) {
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char quad[4];
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)d[i] << 16 | (i + 1 < len ? (uint32_t)d[i + 1] << 8 : 0) |
                     (i + 2 < len ? d[i + 2] : 0);
        quad[0] = alphabet[v >> 18 & 63];
        quad[1] = alphabet[v >> 12 & 63];
        quad[2] = i + 1 < len ? alphabet[v >> 6 & 63] : '=';
        quad[3] = i + 2 < len ? alphabet[v & 63] : '=';
        pr__strbuf_append(sb, quad, 4);
    }
}
