/* Saving and loading classical models as safetensors: the fitted tensors plus the
 * settings predict needs, in string metadata. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "io/json.h"
#include "io/meta.h"
#include "models/models_internal.h"
#include "primer/io.h"

#define META_KIND "primer.estimator"

pr_status pr_estimator_save(const pr_estimator *e, const char *path) {
    if (!e || !path) return pr__fail(PR_ERR_INVALID, "estimator_save: NULL argument");
    pr_tensor_file *f = NULL;
    pr_tensor *classes = NULL;
    pr_status st = pr_tensor_file_new(&f);
    if (!st) st = pr_tensor_file_set_meta(f, META_KIND, pr_estimator_kind_name(e->c.kind));
    if (!st) st = pr_tensor_file_set_meta(f, "primer.version", pr_version());
    if (!st) st = pr_tensor_file_set_meta(f, "solver", pr_solver_name(e->c.solver));
    if (!st) st = pr__meta_set_number(f, "n_features", (double)e->n_features);
    if (!st) st = pr__meta_set_number(f, "degree", e->c.degree);
    if (!st) st = pr__meta_set_number(f, "alpha", e->c.alpha);
    if (!st) st = pr__meta_set_number(f, "l1_ratio", e->c.l1_ratio);
    if (!st) st = pr__meta_set_number(f, "no_intercept", e->c.no_intercept);
    if (!st) st = pr__meta_set_number(f, "binarize", e->c.binarize);
    if (!st && e->features)
        st = pr__meta_set_names(f, "features", (const char *const *)e->features, e->n_features);
    if (!st && e->target) st = pr_tensor_file_set_meta(f, "target", e->target);
    if (!st) st = pr_tensor_file_add(f, "coef", e->coef);
    if (!st) st = pr_tensor_file_add(f, "intercept", e->intercept);
    if (!st && e->variance) st = pr_tensor_file_add(f, "variance", e->variance);
    if (!st && e->mean) st = pr_tensor_file_add(f, "mean", e->mean);
    if (!st && e->mean) st = pr_tensor_file_add(f, "scale", e->scale);
    if (!st && e->K) st = pr_tensor_from_array(&classes, PR_F64, PR_SHAPE(e->K), e->classes);
    if (!st && e->K) st = pr_tensor_file_add(f, "classes", classes);
    if (!st) st = pr__notes_write(e->notes, f);
    if (!st) st = pr_safetensors_write(path, f);
    pr_tensor_free(classes);
    pr_tensor_file_free(f);
    return st;
}

static pr_status load_from(const pr_tensor_file *f, const char *path, pr_estimator *e) {
    if (pr__meta_check_version(f, path)) return PR_ERR_FORMAT;
    const char *kind = pr_tensor_file_meta(f, META_KIND), *solver = pr_tensor_file_meta(f, "solver");
    if (!kind) return pr__fail(PR_ERR_FORMAT, "%s: not a primer classical model (no '%s' metadata)", path, META_KIND);
    pr_status st = pr_estimator_kind_parse(kind, &e->c.kind);
    if (!st && solver) st = pr_solver_parse(solver, &e->c.solver);
    if (st) return pr__fail_context("%s: ", path);
    int64_t degree = 1, no_intercept = 0;
    if ((st = pr__meta_int(f, "n_features", path, 1, 1000000, &e->n_features)) ||
        (st = pr__meta_int(f, "degree", path, 1, 20, &degree)) || (st = pr__meta_int(f, "no_intercept", path, 0, 1, &no_intercept)) ||
        (st = pr__meta_real(f, "alpha", path, &e->c.alpha)) || (st = pr__meta_real(f, "l1_ratio", path, &e->c.l1_ratio)) ||
        (st = pr__meta_real(f, "binarize", path, &e->c.binarize)))
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
    if (rows < 0) st = pr__meta_take(f, "coef", path, e->n_terms, -1, 1, &e->coef);
    else st = pr__meta_take(f, "coef", path, rows, e->n_terms, 1, &e->coef);
    if (!st) st = pr__meta_take(f, "intercept", path, rows < 0 ? 1 : rows, -1, 1, &e->intercept);
    if (!st && e->c.kind == PR_EST_GAUSSIAN_NB) st = pr__meta_take(f, "variance", path, e->K, e->n_terms, 1, &e->variance);
    if (!st && e->variance)
        for (int64_t j = 0; j < e->variance->size; j++)
            if (!(pr_tensor_f64(e->variance)[j] > 0)) return pr__fail(PR_ERR_FORMAT, "%s: a variance is not positive", path);
    if (!st) st = pr__meta_take(f, "mean", path, e->n_terms, -1, 0, &e->mean);
    if (!st && e->mean) st = pr__meta_take(f, "scale", path, e->n_terms, -1, 1, &e->scale);
    if (!st && e->scale)
        for (int64_t j = 0; j < e->scale->size; j++)
            if (!(pr_tensor_f64(e->scale)[j] > 0)) return pr__fail(PR_ERR_FORMAT, "%s: a scale is not positive", path);
    e->c.standardize = e->mean != NULL;
    const char *target = pr_tensor_file_meta(f, "target");
    if (!st) st = pr__meta_names(f, "features", path, e->n_features, &e->features);
    if (!st && target && !(e->target = pr__strdup(target))) st = pr__fail(PR_ERR_NOMEM, "%s: out of memory", path);
    if (!st) st = pr__notes_read(f, &e->notes);
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

pr_status pr_estimator_set_metadata(pr_estimator *e, const char *key, const char *value) {
    if (!e) return pr__fail(PR_ERR_INVALID, "estimator_set_metadata: the model is NULL");
    return pr__notes_set(&e->notes, key, value);
}

const char *pr_estimator_metadata(const pr_estimator *e, const char *key) { return e ? pr__notes_get(e->notes, key) : NULL; }
