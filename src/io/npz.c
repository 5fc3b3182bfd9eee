/* NumPy .npz archives: a zip file of .npy members (np.savez stores them, savez_compressed
 * deflates them), read through the central directory with every offset and size
 * checked against the file and the shared limits, ZIP64 records included. */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "core/internal.h"
#include "primer/io.h"

#define EOCD_SIG 0x06054b50u
#define ZIP64_LOCATOR_SIG 0x07064b50u
#define ZIP64_EOCD_SIG 0x06064b50u
#define CENTRAL_SIG 0x02014b50u
#define LOCAL_SIG 0x04034b50u
#define MAX_MEMBERS 100000

static uint32_t u16(const unsigned char *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }
static uint32_t u32(const unsigned char *p) { return u16(p) | u16(p + 2) << 16; }
static uint64_t u64(const unsigned char *p) { return (uint64_t)u32(p) | (uint64_t)u32(p + 4) << 32; }

typedef struct archive {
    const unsigned char *b;
    size_t len;
    const char *name;
    pr_limits lim;
} archive;

/* The central directory: where it starts and how many entries it has. */
static pr_status find_directory(const archive *a, uint64_t *offset, uint64_t *count) {
    if (a->len < 22) return pr__fail(PR_ERR_FORMAT, "%s: too short to be an .npz (zip) file", a->name);
    size_t at = a->len - 22, stop = a->len > 22 + 65535 ? a->len - 22 - 65535 : 0;
    for (;; at--) {
        if (u32(a->b + at) == EOCD_SIG) break;
        if (at == stop)
            return pr__fail(PR_ERR_FORMAT, "%s: not an .npz file (no zip end-of-directory record)", a->name);
    }
    *count = u16(a->b + at + 10);
    *offset = u32(a->b + at + 16);
    if ((*count == 0xffff || *offset == 0xffffffffu) && at >= 20 && u32(a->b + at - 20) == ZIP64_LOCATOR_SIG) {
        uint64_t z = u64(a->b + at - 20 + 8);
        if (a->len < 56 || z > a->len - 56 || u32(a->b + z) != ZIP64_EOCD_SIG)
            return pr__fail(PR_ERR_FORMAT, "%s: a damaged ZIP64 end-of-directory record", a->name);
        *count = u64(a->b + z + 32);
        *offset = u64(a->b + z + 48);
    }
    if (*offset > a->len) return pr__fail(PR_ERR_FORMAT, "%s: the zip directory lies past the end of the file", a->name);
    if (*count > MAX_MEMBERS) return pr__fail(PR_ERR_LIMIT, "%s: more than %d members", a->name, MAX_MEMBERS);
    return PR_OK;
}

/* Sizes and offset of a member from the ZIP64 extra field, where the 32-bit ones say so. */
static pr_status zip64_fields(const archive *a, const unsigned char *extra, size_t n, uint64_t *usize, uint64_t *csize,
                              uint64_t *local) {
    for (size_t at = 0; at + 4 <= n;) {
        uint32_t id = u16(extra + at), len = u16(extra + at + 2);
        if (at + 4 + len > n) break;
        if (id == 1) {
            const unsigned char *f = extra + at + 4, *end = f + len;
            uint64_t *fields[3] = {usize, csize, local};
            for (int k = 0; k < 3; k++) {
                if (*fields[k] != 0xffffffffu) continue;
                if (f + 8 > end) return pr__fail(PR_ERR_FORMAT, "%s: a damaged ZIP64 extra field", a->name);
                *fields[k] = u64(f);
                f += 8;
            }
            return PR_OK;
        }
        at += 4 + len;
    }
    if (*usize == 0xffffffffu || *csize == 0xffffffffu || *local == 0xffffffffu)
        return pr__fail(PR_ERR_FORMAT, "%s: a member needs a ZIP64 extra field it lacks", a->name);
    return PR_OK;
}

/* Inflate raw deflate data of exactly `want` bytes (each size below 4 GiB). */
static pr_status inflate_member(const archive *a, const char *member, const unsigned char *src, uint64_t csize,
                                unsigned char *dst, uint64_t want) {
    if (csize > UINT32_MAX || want > UINT32_MAX)
        return pr__fail(PR_ERR_LIMIT, "%s: member '%s' is larger than 4 GiB", a->name, member);
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, -15) != Z_OK) return pr__fail(PR_ERR_NOMEM, "%s: cannot start decompression", a->name);
    z.next_in = (unsigned char *)(uintptr_t)src;
    z.avail_in = (unsigned)csize;
    z.next_out = dst;
    z.avail_out = (unsigned)want;
    int rc = inflate(&z, Z_FINISH);
    pr_status st = PR_OK;
    if (rc == Z_DATA_ERROR || rc == Z_NEED_DICT || rc == Z_MEM_ERROR || rc == Z_STREAM_ERROR)
        st = pr__fail(PR_ERR_FORMAT, "%s: member '%s' is damaged (deflate: %s)", a->name, member,
                      z.msg ? z.msg : "bad data");
    else if (rc != Z_STREAM_END || z.total_out != want)
        st = pr__fail(PR_ERR_FORMAT, "%s: member '%s' does not inflate to the %llu bytes the directory gives", a->name,
                      member, (unsigned long long)want);
    inflateEnd(&z);
    return st;
}

/* One member: its .npy bytes, read and added to f under its name less ".npy". */
static pr_status read_member(const archive *a, const unsigned char *entry, uint64_t *total, pr_tensor_file *f) {
    uint32_t method = u16(entry + 10), flags = u16(entry + 8);
    uint64_t csize = u32(entry + 20), usize = u32(entry + 24), local = u32(entry + 42);
    uint32_t name_len = u16(entry + 28), extra_len = u16(entry + 30);
    char member[256];
    snprintf(member, sizeof member, "%.*s", (int)(name_len < 255 ? name_len : 255), (const char *)entry + 46);
    pr_status st = zip64_fields(a, entry + 46 + name_len, extra_len, &usize, &csize, &local);
    if (st) return st;
    size_t n = strlen(member);
    if (n < 4 || strcmp(member + n - 4, ".npy")) return PR_OK; /* not an array */
    if (flags & 1) return pr__fail(PR_ERR_UNSUPPORTED, "%s: member '%s' is encrypted", a->name, member);
    if (method != 0 && method != 8)
        return pr__fail(PR_ERR_UNSUPPORTED, "%s: member '%s' uses zip method %u (primer reads stored and deflated)",
                        a->name, member, method);
    if (a->len < 30 || local > a->len - 30 || u32(a->b + local) != LOCAL_SIG)
        return pr__fail(PR_ERR_FORMAT, "%s: member '%s' has no local header where the directory says", a->name, member);
    uint64_t data = local + 30 + u16(a->b + local + 26) + u16(a->b + local + 28);
    if (data > a->len || csize > a->len - data)
        return pr__fail(PR_ERR_FORMAT, "%s: member '%s' runs past the end of the file", a->name, member);
    if (method == 0 && csize != usize)
        return pr__fail(PR_ERR_FORMAT, "%s: stored member '%s' has two sizes", a->name, member);
    if (usize > a->lim.max_file_bytes || *total > a->lim.max_file_bytes - usize)
        return pr__fail(PR_ERR_LIMIT, "%s: the arrays exceed the limit of %llu bytes", a->name,
                        (unsigned long long)a->lim.max_file_bytes);
    *total += usize;
    char label[600];
    snprintf(label, sizeof label, "%s:%s", a->name, member);
    pr_tensor *t = NULL;
    if (method == 0) {
        st = pr_npy_read_buffer(a->b + data, (size_t)usize, label, &a->lim, &t);
    } else {
        unsigned char *raw = pr__malloc(usize ? (size_t)usize : 1);
        if (!raw) return PR_ERR_NOMEM;
        st = inflate_member(a, member, a->b + data, csize, raw, usize);
        if (!st) st = pr_npy_read_buffer(raw, (size_t)usize, label, &a->lim, &t);
        free(raw);
    }
    if (st) return st;
    member[n - 4] = '\0';
    const pr_tensor *existing;
    if (pr_tensor_file_find(f, member, &existing) == PR_OK) {
        pr_tensor_free(t);
        return pr__fail(PR_ERR_FORMAT, "%s: two members are called '%s'", a->name, member);
    }
    pr_clear_error();
    st = pr_tensor_file_add(f, member, t);
    pr_tensor_free(t);
    return st;
}

pr_status pr_npz_read_buffer(const void *data, size_t len, const char *name, const pr_limits *limits,
                             pr_tensor_file **out) {
    if (!name) name = "<buffer>";
    if (!out || (!data && len)) return pr__fail(PR_ERR_INVALID, "npz_read: NULL argument");
    archive a = {.b = data, .len = len, .name = name, .lim = pr_limits_resolve(limits)};
    uint64_t offset = 0, count = 0, total = 0;
    pr_status st = find_directory(&a, &offset, &count);
    if (st) return st;
    pr_tensor_file *f;
    if ((st = pr_tensor_file_new(&f))) return st;
    for (uint64_t k = 0; !st && k < count; k++) {
        if (len < 46 || offset > len - 46 || u32(a.b + offset) != CENTRAL_SIG) {
            st = pr__fail(PR_ERR_FORMAT, "%s: the zip directory is damaged at entry %llu", name, (unsigned long long)k + 1);
            break;
        }
        uint64_t size = 46 + (uint64_t)u16(a.b + offset + 28) + u16(a.b + offset + 30) + u16(a.b + offset + 32);
        if (size > len - offset) {
            st = pr__fail(PR_ERR_FORMAT, "%s: zip directory entry %llu runs past the end", name, (unsigned long long)k + 1);
            break;
        }
        st = read_member(&a, a.b + offset, &total, f);
        offset += size;
    }
    if (!st && !pr_tensor_file_count(f)) st = pr__fail(PR_ERR_FORMAT, "%s: the archive holds no .npy arrays", name);
    if (st) {
        pr_tensor_file_free(f);
        return st;
    }
    *out = f;
    return PR_OK;
}

pr_status pr_npz_read(const char *path, const pr_limits *limits, pr_tensor_file **out) {
    if (!path || !out) return pr__fail(PR_ERR_INVALID, "npz_read: NULL argument");
    char *data;
    size_t len;
    pr_status st = pr__read_file(path, limits, &data, &len);
    if (st) return st;
    st = pr_npz_read_buffer(data, len, path, limits, out);
    free(data);
    return st;
}
