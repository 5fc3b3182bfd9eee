/* Model files' settings and tensors (see meta.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "io/json.h"
#include "io/meta.h"
#include "primer/version.h"

/* strtod in the "C" locale. */
static double c_strtod(const char *s, char **end) {
    locale_t old = uselocale(pr__c_locale());
    double v = strtod(s, end);
    uselocale(old);
    return v;
}

pr_status pr__meta_check_version(const pr_tensor_file *f, const char *path) {
    const char *v = pr_tensor_file_meta(f, "primer.version");
    if (!v) return PR_OK;
    long long part[3] = {0};
    const char *p = v;
    for (int k = 0; k < 3; k++) {
        if (*p < '0' || *p > '9')
            return pr__fail(PR_ERR_FORMAT, "%s: metadata 'primer.version' is '%.40s', not a version like '%s'", path, v,
                            PR_VERSION_STRING);
        while (*p >= '0' && *p <= '9' && part[k] < 1000000) part[k] = part[k] * 10 + (*p++ - '0');
        if (k < 2 && *p++ != '.')
            return pr__fail(PR_ERR_FORMAT, "%s: metadata 'primer.version' is '%.40s', not a version like '%s'", path, v,
                            PR_VERSION_STRING);
    }
    if (part[0] > PR_VERSION_MAJOR)
        return pr__fail(PR_ERR_FORMAT,
                        "%s was written by primer %.40s, a newer major version than this primer %s, whose file layout "
                        "this one does not know; read it with primer %lld or later",
                        path, v, PR_VERSION_STRING, part[0]);
    return PR_OK;
}

pr_status pr__meta_set_number(pr_tensor_file *f, const char *key, double v) {
    char buf[64];
    locale_t old = uselocale(pr__c_locale()); /* "0.5" under any setlocale() */
    snprintf(buf, sizeof buf, "%.17g", v);
    uselocale(old);
    return pr_tensor_file_set_meta(f, key, buf);
}

pr_status pr__meta_set_names(pr_tensor_file *f, const char *key, const char *const *names, int64_t n) {
    pr_strbuf sb;
    pr__strbuf_init(&sb);
    pr__json_append_string_array(&sb, names, n);
    char *text = pr__strbuf_take(&sb);
    pr_status st = text ? pr_tensor_file_set_meta(f, key, text) : pr__fail(PR_ERR_NOMEM, "saving '%s': out of memory", key);
    free(text);
    return st;
}

pr_status pr__meta_int(const pr_tensor_file *f, const char *key, const char *path, int64_t lo, int64_t hi,
                       int64_t *out) {
    const char *s = pr_tensor_file_meta(f, key);
    char *end;
    double v = s ? c_strtod(s, &end) : NAN;
    if (!s || *end || !(v >= (double)lo && v <= (double)hi) || v != floor(v))
        return pr__fail(PR_ERR_FORMAT, "%s: metadata '%s' must be a whole number in %lld..%lld", path, key,
                        (long long)lo, (long long)hi);
    *out = (int64_t)v;
    return PR_OK;
}

pr_status pr__meta_real(const pr_tensor_file *f, const char *key, const char *path, double *out) {
    const char *s = pr_tensor_file_meta(f, key);
    char *end;
    double v = s ? c_strtod(s, &end) : NAN;
    if (!s || *end || !isfinite(v)) return pr__fail(PR_ERR_FORMAT, "%s: metadata '%s' must be a finite number", path, key);
    *out = v;
    return PR_OK;
}

pr_status pr__meta_names(const pr_tensor_file *f, const char *key, const char *path, int64_t n, char ***out) {
    *out = NULL;
    const char *text = pr_tensor_file_meta(f, key);
    if (!text) return PR_OK;
    char ctx[320];
    int64_t got = 0;
    snprintf(ctx, sizeof ctx, "%s: metadata '%s'", path, key);
    pr_status st = pr__json_parse_string_array(text, ctx, out, &got);
    if (!st && got != n) {
        for (int64_t j = 0; j < got; j++) free((*out)[j]);
        free(*out);
        *out = NULL;
        st = pr__fail(PR_ERR_FORMAT, "%s: %lld names in '%s' for %lld columns", path, (long long)got, key, (long long)n);
    }
    return st;
}

pr_status pr__meta_take(const pr_tensor_file *f, const char *name, const char *path, int64_t d0, int64_t d1,
                        int required, pr_tensor **out) {
    const pr_tensor *t;
    *out = NULL;
    if (pr_tensor_file_find(f, name, &t)) {
        pr_clear_error();
        if (required) return pr__fail(PR_ERR_FORMAT, "%s: the model has no '%s' tensor", path, name);
        return PR_OK;
    }
    int ok = d1 < 0 ? t->ndim == 1 && t->shape[0] == d0 : t->ndim == 2 && t->shape[0] == d0 && t->shape[1] == d1;
    if (!ok || !pr_dtype_is_float(t->dtype)) {
        char s[64], want[64];
        if (d1 < 0) snprintf(want, sizeof want, "(%lld,)", (long long)d0);
        else snprintf(want, sizeof want, "(%lld, %lld)", (long long)d0, (long long)d1);
        return pr__fail(PR_ERR_FORMAT, "%s: tensor '%s' has shape %s and dtype %s; expected shape %s, floats", path,
                        name, pr_shape_format(t, s, sizeof s), pr_dtype_name(t->dtype), want);
    }
    pr_status st = pr_tensor_cast(t, PR_F64, out);
    if (!st && (st = pr_tensor_check_finite(*out, name))) {
        pr_tensor_free(*out);
        *out = NULL;
        return pr__fail_context("%s: ", path);
    }
    return st;
}

/* ---- a program's own metadata ---------------------------------------------------------- */

#define NOTE_PREFIX "meta."

pr_status pr__notes_set(pr_tensor_file **notes, const char *key, const char *value) {
    if (!key || !*key) return pr__fail(PR_ERR_INVALID, "set_metadata: the key is NULL or empty");
    if (!value) { /* remove: rebuild without the key */
        if (!pr__notes_get(*notes, key)) return PR_OK;
        pr_tensor_file *kept = NULL;
        pr_status st = pr_tensor_file_new(&kept);
        for (int64_t i = 0; !st && i < pr_tensor_file_meta_count(*notes); i++) {
            const char *k = pr_tensor_file_meta_key(*notes, i);
            if (strcmp(k, key)) st = pr_tensor_file_set_meta(kept, k, pr_tensor_file_meta(*notes, k));
        }
        if (st) {
            pr_tensor_file_free(kept);
            return st;
        }
        pr_tensor_file_free(*notes);
        *notes = kept;
        return PR_OK;
    }
    if (!*notes) {
        pr_status st = pr_tensor_file_new(notes);
        if (st) return st;
    }
    return pr_tensor_file_set_meta(*notes, key, value);
}

const char *pr__notes_get(const pr_tensor_file *notes, const char *key) { return pr_tensor_file_meta(notes, key); }

pr_status pr__notes_write(const pr_tensor_file *notes, pr_tensor_file *f) {
    pr_status st = PR_OK;
    pr_strbuf key;
    pr__strbuf_init(&key);
    for (int64_t i = 0; !st && i < pr_tensor_file_meta_count(notes); i++) {
        const char *k = pr_tensor_file_meta_key(notes, i);
        key.len = 0;
        pr__strbuf_printf(&key, NOTE_PREFIX "%s", k);
        st = key.failed ? PR_ERR_NOMEM : pr_tensor_file_set_meta(f, key.data, pr_tensor_file_meta(notes, k));
    }
    pr__strbuf_free(&key);
    return st;
}

pr_status pr__notes_read(const pr_tensor_file *f, pr_tensor_file **notes) {
    size_t n = strlen(NOTE_PREFIX);
    pr_status st = PR_OK;
    for (int64_t i = 0; !st && i < pr_tensor_file_meta_count(f); i++) {
        const char *k = pr_tensor_file_meta_key(f, i);
        if (!strncmp(k, NOTE_PREFIX, n) && k[n]) st = pr__notes_set(notes, k + n, pr_tensor_file_meta(f, k));
    }
    return st;
}
