/* Allocation (aligned, failure-injectable), limits, growing strings, the C locale. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <threads.h>

#include "core/internal.h"

/* Failure injection for the tests: the n-th next allocation on this thread fails. */
static _Thread_local long fail_countdown = 0;
static _Thread_local uint64_t allocations = 0;

void pr_debug_fail_allocation_after(long n) { fail_countdown = n > 0 ? n : 0; }
uint64_t pr_debug_allocation_count(void) { return allocations; }

/* Every allocation passes here: count it, and fail it when injection says so. */
static bool injected_failure(void) {
    allocations++;
    if (fail_countdown == 0) return false;
    return --fail_countdown == 0;
}

/* Aligned blocks come from plain malloc, over-allocated by PR_ALIGNMENT and
 * aligned by hand, with the offset to the malloc'd start stored just before the
 * aligned address. glibc's aligned_alloc takes a path that keeps returning large
 * blocks to the kernel, so every fresh tensor page-faulted again; malloc's
 * adaptive mmap threshold keeps reused sizes on the heap. */
void *pr__alloc(size_t bytes, bool zero) {
    size_t total;
    if (!pr__add_size(bytes ? bytes : 1, PR_ALIGNMENT, &total)) {
        pr__fail(PR_ERR_OVERFLOW, "allocation of %zu bytes overflows", bytes);
        return NULL;
    }
    unsigned char *raw = injected_failure() ? NULL : malloc(total);
    if (!raw) {
        pr__fail(PR_ERR_NOMEM, "out of memory allocating %zu bytes", bytes);
        return NULL;
    }
    /* at least one byte of room before the aligned address (malloc aligns to 16) */
    uintptr_t aligned = ((uintptr_t)raw + PR_ALIGNMENT) & ~(uintptr_t)(PR_ALIGNMENT - 1);
    unsigned char *p = (unsigned char *)aligned;
    p[-1] = (unsigned char)(p - raw);
    if (zero) memset(p, 0, bytes);
    return p;
}

void pr__free(void *p) {
    if (!p) return;
    unsigned char *q = p;
    free(q - q[-1]);
}

void *pr__malloc(size_t bytes) {
    void *p = injected_failure() ? NULL : malloc(bytes ? bytes : 1);
    if (!p) pr__fail(PR_ERR_NOMEM, "out of memory allocating %zu bytes", bytes);
    return p;
}

void *pr__calloc(size_t count, size_t size) {
    size_t bytes;
    if (!pr__mul_size(count, size, &bytes)) {
        pr__fail(PR_ERR_OVERFLOW, "allocation of %zu x %zu bytes overflows", count, size);
        return NULL;
    }
    void *p = injected_failure() ? NULL : calloc(count ? count : 1, size ? size : 1);
    if (!p) pr__fail(PR_ERR_NOMEM, "out of memory allocating %zu bytes", bytes);
    return p;
}

void *pr__realloc(void *p, size_t bytes) {
    void *q = injected_failure() ? NULL : realloc(p, bytes ? bytes : 1);
    if (!q) pr__fail(PR_ERR_NOMEM, "out of memory allocating %zu bytes", bytes);
    return q;
}

char *pr__strdup(const char *s) {
    size_t n = strlen(s) + 1;
    char *d = pr__malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

/* ---- limits ---------------------------------------------------------------- */

pr_limits pr_limits_default(void) { return PR_LIMITS_DEFAULTS; }

pr_limits pr_limits_resolve(const pr_limits *limits) {
    if (!limits) return PR_LIMITS_DEFAULTS;
    pr_limits r = *limits;
    if (r.max_rank > PR_MAX_DIMS) r.max_rank = PR_MAX_DIMS;
    if (r.max_rank < 0) r.max_rank = 0;
    if (!r.max_metadata_bytes) r.max_metadata_bytes = PR_SAFETENSORS_MAX_HEADER; /* set before the field existed */
    return r;
}

/* ---- growing strings --------------------------------------------------------- */

void pr__strbuf_init(pr_strbuf *sb) { memset(sb, 0, sizeof *sb); }

void pr__strbuf_free(pr_strbuf *sb) {
    free(sb->data);
    pr__strbuf_init(sb);
}

static bool strbuf_reserve(pr_strbuf *sb, size_t extra) {
    if (sb->failed) return false;
    size_t need;
    if (!pr__add_size(sb->len, extra, &need) || !pr__add_size(need, 1, &need)) {
        sb->failed = true;
        pr__fail(PR_ERR_OVERFLOW, "string too long");
        return false;
    }
    if (need <= sb->cap) return true;
    size_t cap = sb->cap ? sb->cap : 256;
    while (cap < need) {
        if (cap > SIZE_MAX / 2) {
            cap = need;
            break;
        }
        cap *= 2;
    }
    char *p = pr__realloc(sb->data, cap);
    if (!p) {
        sb->failed = true;
        return false;
    }
    sb->data = p;
    sb->cap = cap;
    return true;
}

void pr__strbuf_append(pr_strbuf *sb, const char *s, size_t n) {
    if (!strbuf_reserve(sb, n)) return;
    memcpy(sb->data + sb->len, s, n);
    sb->len += n;
    sb->data[sb->len] = '\0';
}

void pr__strbuf_puts(pr_strbuf *sb, const char *s) { pr__strbuf_append(sb, s, strlen(s)); }

void pr__strbuf_printf(pr_strbuf *sb, const char *fmt, ...) {
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        sb->failed = true;
        pr__fail(PR_ERR_INTERNAL, "formatting failed");
        return;
    }
    if ((size_t)n < sizeof small) {
        pr__strbuf_append(sb, small, (size_t)n);
        return;
    }
    if (!strbuf_reserve(sb, (size_t)n)) return;
    va_start(ap, fmt);
    vsnprintf(sb->data + sb->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb->len += (size_t)n;
}

char *pr__strbuf_take(pr_strbuf *sb) {
    if (sb->failed) {
        pr__strbuf_free(sb);
        return NULL;
    }
    if (!sb->data && !strbuf_reserve(sb, 0)) return NULL;
    if (!sb->len) sb->data[0] = '\0';
    char *s = sb->data;
    pr__strbuf_init(sb);
    return s;
}

/* ---- the C locale ------------------------------------------------------------ */

static locale_t c_locale = (locale_t)0;
static once_flag c_locale_once = ONCE_FLAG_INIT;

static void make_c_locale(void) { c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0); }

locale_t pr__c_locale(void) {
    call_once(&c_locale_once, make_c_locale);
    /* newlocale("C") cannot fail in practice; fall back to the global locale. */
    return c_locale ? c_locale : LC_GLOBAL_LOCALE;
}
