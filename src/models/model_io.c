/* Saving and loading classical models as safetensors: the fitted tensors plus the
 * settings predict needs, in string metadata. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "io/json.h"
#include "models/models_internal.h"
#include "primer/io.h"

#define META_KIND "primer.estimator"

static pr_status set_number(pr_tensor_file *f, const char *key, double v) {
    char buf[64];
    snprintf(buf, sizeof buf, "%.17g", v);
    return pr_tensor_file_set_meta(f, key, buf);
}

pr_status pr_estimator_save(const pr_estimator *e, const char *path) {
    if (!e || !path) return pr__fail(PR_ERR_INVALID, "estimator_save: NULL argument");
    pr_tensor_file *f = NULL;
    pr_tensor *classes = NULL;
    pr_status st = pr_tensor_file_new(&f);
    if (!st) st = pr_tensor_file_set_meta(f, META_KIND, pr_estimator_kind_name(e->c.kind));
    if (!st) st = pr_tensor_file_set_meta(f, "primer.version", pr_version());
    if (!st) st = pr_tensor_file_set_meta(f, "solver", pr_solver_name(e->c.solver));
    if (!st) st = set_number(f, "n_features", (double)e->n_features);
    if (!st) st = set_number(f, "degree", e->c.degree);
    if (!st) st = set_number(f, "alpha", e->c.alpha);
    if (!st) st = set_number(f, "l1_ratio", e->c.l1_ratio);
    if (!st) st = set_number(f, "no_intercept", e->c.no_intercept);
    if (!st) st = set_number(f, "binarize", e->c.binarize);
    if (!st && e->features) {
        pr_strbuf sb;
        pr__strbuf_init(&sb);
        pr__json_append_string_array(&sb, (const char *const *)e->features, e->n_features);
        char *text = pr__strbuf_take(&sb);
        st = text ? pr_tensor_file_set_meta(f, "features", text) : pr__fail(PR_ERR_NOMEM, "estimator_save: out of memory");
        free(text);
    }
    if (!st && e->target) st = pr_tensor_file_set_meta(f, "target", e->target);
    if (!st) st = pr_tensor_file_add(f, "coef", e->coef);
    if (!st) st = pr_tensor_file_add(f, "intercept", e->intercept);
    if (!st && e->variance) st = pr_tensor_file_add(f, "variance", e->variance);
    if (!st && e->mean) st = pr_tensor_file_add(f, "mean", e->mean);
    if (!st && e->mean) st = pr_tensor_file_add(f, "scale", e->scale);
    if (!st && e->K) st = pr_tensor_from_array(&classes, PR_F64, PR_SHAPE(e->K), e->classes);
    if (!st && e->K) st = pr_tensor_file_add(f, "classes", classes);
    if (!st) st = pr_safetensors_write(path, f);
    pr_tensor_free(classes);
    pr_tensor_file_free(f);
    return st;
}

/* A whole number in [lo, hi] from metadata `key`. */
static pr_status meta_int(const pr_tensor_file *f, const char *key, const char *path, int64_t lo, int64_t hi,
                          int64_t *out) {
    const char *s = pr_tensor_file_meta(f, key);
    char *end;
    double v = s ? strtod(s, &end) : NAN;
    if (!s || *end || !(v >= (double)lo && v <= (double)hi) || v != floor(v))
        return pr__fail(PR_ERR_FORMAT, "%s: metadata '%s' must be a whole number in %lld..%lld", path, key,
                        (long long)lo, (long long)hi);
    *out = (int64_t)v;
    return PR_OK;
}

static pr_status meta_real(const pr_tensor_file *f, const char *key, const char *path, double *out) {
    const char *s = pr_tensor_file_meta(f, key);
    char *end;
    double v = s ? strtod(s, &end) : NAN;
    if (!s || *end || !isfinite(v)) return pr__fail(PR_ERR_FORMAT, "%s: metadata '%s' must be a finite number", path, key);
    *out = v;
    return PR_OK;
}

/* Copy tensor `name` as float64 when its shape is (d0) or (d0, d1) (d1 < 0: 1-D). */
static pr_status take(const pr_tensor_file *f, const char *name, const char *path, int64_t d0, int64_t d1, int required,
                      pr_tensor **out) {
    const pr_tensor *t;
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

static pr_status load_from(const pr_tensor_file *f, const char *path, pr_estimator *e) {
    const char *kind = pr_tensor_file_meta(f, META_KIND), *solver = pr_tensor_file_meta(f, "solver");
    if (!kind) return pr__fail(PR_ERR_FORMAT, "%s: not a primer classical model (no '%s' metadata)", path, META_KIND);
    pr_status st = pr_estimator_kind_parse(kind, &e->c.kind);
    if (!st && solver) st = pr_solver_parse(solver, &e->c.solver);
    if (st) return pr__fail_context("%s: ", path);
    int64_t degree = 1, no_intercept = 0;
    if ((st = meta_int(f, "n_features", path, 1, 1000000, &e->n_features)) ||
        (st = meta_int(f, "degree", path, 1, 20, &degree)) || (st = meta_int(f, "no_intercept", path, 0, 1, &no_intercept)) ||
        (st = meta_real(f, "alpha", path, &e->c.alpha)) || (st = meta_real(f, "l1_ratio", path, &e->c.l1_ratio)) ||
        (st = meta_real(f, "binarize", path, &e->c.binarize)))
        return st;
    e->c.degree = (int)degree;
    e->c.no_intercept = (int)no_intercept;
    /* the number of terms, as the fit computed it */
    double c = 1;
    for (int k = 1; k <= e->c.degree; k++) c = c * (double)(e->n_features + k) / k;
    if (c > 100001) return pr__fail(PR_ERR_FORMAT, "%s: degree %d of %lld features is too many terms", path, e->c.degree,
                                    (long long)e->n_features);
    e->n_terms = (int64_t)llround(c) - 1;
    const pr_tensor *cl;
    int classifier = e->c.kind >= PR_EST_LOGISTIC;
    if (classifier) {
        if (pr_tensor_file_find(f, "classes", &cl) || cl->ndim != 1 || cl->shape[0] < 2 || cl->shape[0] > 1000) {
            pr_clear_error();
            return pr__fail(PR_ERR_FORMAT, "%s: a classifier needs a 'classes' tensor of 2 to 1000 labels", path);
        }
        e->K = cl->shape[0];
        if (!(e->classes = pr__malloc((size_t)e->K * sizeof *e->classes)))
            return pr__fail(PR_ERR_NOMEM, "%s: out of memory", path);
        for (int64_t k = 0; k < e->K; k++) {
            e->classes[k] = pr_tensor_get(cl, k);
            if (!isfinite(e->classes[k]) || (k && e->classes[k] <= e->classes[k - 1]))
                return pr__fail(PR_ERR_FORMAT, "%s: the class labels must be finite and increasing", path);
        }
    }
    int64_t rows = !classifier ? -1 : (e->c.kind == PR_EST_LOGISTIC && e->K == 2) ? -1 : e->K;
    if (rows < 0) st = take(f, "coef", path, e->n_terms, -1, 1, &e->coef);
    else st = take(f, "coef", path, rows, e->n_terms, 1, &e->coef);
    if (!st) st = take(f, "intercept", path, rows < 0 ? 1 : rows, -1, 1, &e->intercept);
    if (!st && e->c.kind == PR_EST_GAUSSIAN_NB) st = take(f, "variance", path, e->K, e->n_terms, 1, &e->variance);
    if (!st && e->variance)
        for (int64_t j = 0; j < e->variance->size; j++)
            if (!(pr_tensor_f64(e->variance)[j] > 0)) return pr__fail(PR_ERR_FORMAT, "%s: a variance is not positive", path);
    if (!st) st = take(f, "mean", path, e->n_terms, -1, 0, &e->mean);
    if (!st && e->mean) st = take(f, "scale", path, e->n_terms, -1, 1, &e->scale);
    if (!st && e->scale)
        for (int64_t j = 0; j < e->scale->size; j++)
            if (!(pr_tensor_f64(e->scale)[j] > 0)) return pr__fail(PR_ERR_FORMAT, "%s: a scale is not positive", path);
    e->c.standardize = e->mean != NULL;
    const char *features = pr_tensor_file_meta(f, "features"), *target = pr_tensor_file_meta(f, "target");
    if (!st && features) {
        char ctx[320];
        int64_t n = 0;
        snprintf(ctx, sizeof ctx, "%s: metadata 'features'", path);
        if (!(st = pr__json_parse_string_array(features, ctx, &e->features, &n)) && n != e->n_features) {
            for (int64_t j = 0; j < n; j++) free(e->features[j]);
            free(e->features);
            e->features = NULL;
            st = pr__fail(PR_ERR_FORMAT, "%s: %lld feature names for %lld features", path, (long long)n,
                          (long long)e->n_features);
        }
    }
    if (!st && target && !(e->target = pr__strdup(target))) st = pr__fail(PR_ERR_NOMEM, "%s: out of memory", path);
    return st;
}

/* The estimator in the tensor file f (read from `name`); f is freed. */
static pr_status estimator_of(pr_tensor_file *f, const char *name, pr_estimator **out) {
    pr_estimator *e = pr__calloc(1, sizeof *e);
    pr_status st = PR_OK;
    if (!e) st = pr__fail(PR_ERR_NOMEM, "%s: out of memory", name);
    else {
        e->rank = -1;
        st = load_from(f, name, e);
    }
    pr_tensor_file_free(f);
    if (st) {
        pr_estimator_free(e);
        return st;
    }
    *out = e;
    return PR_OK;
}

pr_status pr_estimator_load(const char *path, pr_estimator **out) {
    if (!path || !out) return pr__fail(PR_ERR_INVALID, "estimator_load: NULL argument");
    pr_tensor_file *f;
    pr_status st = pr_safetensors_read(path, NULL, &f);
    return st ? st : estimator_of(f, path, out);
}

pr_status pr_estimator_load_buffer(const void *data, size_t len, const char *name, pr_estimator **out) {
    if (!data || !out) return pr__fail(PR_ERR_INVALID, "estimator_load_buffer: NULL argument");
    if (!name) name = "<buffer>";
    pr_tensor_file *f;
    pr_status st = pr_safetensors_read_buffer(data, len, name, NULL, &f);
    return st ? st : estimator_of(f, name, out);
}

int pr_estimator_file_is(const char *path) {
    pr_tensor_file *f;
    if (!path || pr_safetensors_read(path, NULL, &f)) {
        pr_clear_error();
        return 0;
    }
    int is = pr_tensor_file_meta(f, META_KIND) != NULL;
    pr_tensor_file_free(f);
    return is;
}
