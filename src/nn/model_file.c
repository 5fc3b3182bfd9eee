/* Model files: the model's tensors under their PyTorch names in a safetensors
 * file, and what is needed to rebuild and use it in the metadata. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "io/json.h"
#include "io/meta.h"
#include "nn/nn_internal.h"

#define META_SPEC "primer.spec"
#define META_INPUT "primer.input_shape"
#define META_DTYPE "primer.dtype"
#define META_TASK "primer.task"
#define META_TARGETS "primer.targets"            /* pr_target_name; absent: auto */
#define META_IGNORE "primer.ignore_index"        /* with targets: the padding label, or "none" */
#define META_CLASSES "primer.classes"
#define META_FEATURES "primer.features"
#define META_TARGET "primer.target"
#define META_MEAN "primer.mean"
#define META_SCALE "primer.scale"
#define META_VOCAB "primer.vocab"              /* a language model's code points (or bytes) */
#define META_VOCAB_LEVEL "primer.vocab_level"  /* "chars" or "bytes" */

static const char *const task_names[] = {
#define PR_X_(name, value, str, what) [name] = str,
    PR_TASK_LIST(PR_X_)
#undef PR_X_
};
_Static_assert(sizeof task_names / sizeof task_names[0] == PR_TASK_COUNT, "one name per task");

const char *pr_task_name(pr_task task) { return (unsigned)task < PR_TASK_COUNT ? task_names[task] : "unknown"; }

/* A JSON array of numbers (shortest text that reads back exactly). */
static void append_numbers(pr_strbuf *sb, const double *v, int64_t n) {
    char num[PR__NUMBER_TEXT];
    locale_t old = uselocale(pr__c_locale());
    pr__strbuf_puts(sb, "[");
    for (int64_t i = 0; i < n; i++) {
        if (i) pr__strbuf_puts(sb, ",");
        pr__strbuf_puts(sb, pr__format_shortest(v[i], 0, num));
    }
    pr__strbuf_puts(sb, "]");
    uselocale(old);
}

static pr_status set_meta_buf(pr_tensor_file *f, const char *key, pr_strbuf *sb) {
    if (sb->failed) {
        pr__strbuf_free(sb);
        return PR_ERR_NOMEM;
    }
    pr_status st = pr_tensor_file_set_meta(f, key, sb->data ? sb->data : "");
    pr__strbuf_free(sb);
    return st;
}

static pr_status write_meta(const pr_model *m, pr_tensor_file *f) {
    pr_status st = pr_tensor_file_set_meta(f, "format", "pt");
    if (!st) st = pr_tensor_file_set_meta(f, "primer.version", pr_version());
    if (!st) st = pr_tensor_file_set_meta(f, META_SPEC, m->spec);
    if (!st) st = pr_tensor_file_set_meta(f, META_DTYPE, pr_dtype_name(m->dtype));
    if (!st) st = pr_tensor_file_set_meta(f, META_TASK, task_names[m->task]);
    if (!st && m->targets != PR_TARGET_AUTO) {
        char ignore[32];
        if (m->ignore_index == PR_NO_IGNORE) snprintf(ignore, sizeof ignore, "none");
        else snprintf(ignore, sizeof ignore, "%lld", (long long)m->ignore_index);
        st = pr_tensor_file_set_meta(f, META_TARGETS, pr_target_name(m->targets));
        if (!st) st = pr_tensor_file_set_meta(f, META_IGNORE, ignore);
    }
    pr_strbuf sb;
    if (!st) {
        pr__strbuf_init(&sb);
        double shape[PR_MAX_DIMS];
        for (int d = 0; d < m->in_ndim; d++) shape[d] = (double)m->in_shape[d];
        append_numbers(&sb, shape, m->in_ndim);
        st = set_meta_buf(f, META_INPUT, &sb);
    }
    if (!st && m->task == PR_TASK_CLASSIFICATION) {
        pr__strbuf_init(&sb);
        append_numbers(&sb, m->classes, m->n_classes);
        st = set_meta_buf(f, META_CLASSES, &sb);
    }
    if (!st && m->n_features) {
        pr__strbuf_init(&sb);
        pr__json_append_string_array(&sb, (const char *const *)m->features, m->n_features);
        st = set_meta_buf(f, META_FEATURES, &sb);
    }
    if (!st && m->target) st = pr_tensor_file_set_meta(f, META_TARGET, m->target);
    if (!st && m->vocab) {
        int64_t n = pr_vocab_size(m->vocab);
        double *codes = pr__malloc((size_t)n * sizeof *codes);
        if (!codes) return PR_ERR_NOMEM;
        for (int64_t i = 0; i < n; i++) codes[i] = (double)pr_vocab_code(m->vocab, i);
        pr__strbuf_init(&sb);
        append_numbers(&sb, codes, n);
        free(codes);
        st = set_meta_buf(f, META_VOCAB, &sb);
        if (!st)
            st = pr_tensor_file_set_meta(f, META_VOCAB_LEVEL,
                                         pr_vocab_level_of(m->vocab) == PR_VOCAB_BYTES ? "bytes" : "chars");
    }
    if (!st && m->mean) {
        pr__strbuf_init(&sb);
        append_numbers(&sb, pr_tensor_f64(m->mean), m->mean->size);
        if (!(st = set_meta_buf(f, META_MEAN, &sb))) {
            pr__strbuf_init(&sb);
            append_numbers(&sb, pr_tensor_f64(m->scale), m->scale->size);
            st = set_meta_buf(f, META_SCALE, &sb);
        }
    }
    return st;
}

pr_status pr_model_to_tensor_file(const pr_model *m, pr_tensor_file **out) {
    if (!m || !out) return pr__fail(PR_ERR_INVALID, "model_to_tensor_file: NULL argument");
    pr_tensor_file *f = NULL;
    pr_status st = pr_tensor_file_new(&f);
    for (int64_t i = 0; !st && i < m->n_tensors; i++) {
        pr_tensor view;
        if ((st = pr_graph_value(m->g, m->tensors[i].node, &view))) break;
        if (m->tensors[i].is_counter) { /* PyTorch keeps batch counts as int64 */
            pr_tensor *count;
            if ((st = pr_tensor_cast(&view, PR_I64, &count))) break;
            st = pr_tensor_file_add(f, m->tensors[i].name, count);
            pr_tensor_free(count);
        } else {
            st = pr_tensor_file_add(f, m->tensors[i].name, &view);
        }
    }
    if (!st) st = write_meta(m, f);
    if (!st) st = pr__notes_write(m->notes, f);
    if (st) {
        pr_tensor_file_free(f);
        return st;
    }
    *out = f;
    return PR_OK;
}

pr_status pr_model_save(const pr_model *m, const char *path) {
    if (!path) return pr__fail(PR_ERR_INVALID, "model_save: path is NULL");
    pr_tensor_file *f;
    pr_status st = pr_model_to_tensor_file(m, &f);
    if (st) return st;
    st = pr_safetensors_write(path, f);
    pr_tensor_file_free(f);
    return st;
}

/* ---- reading ----------------------------------------------------------------------------- */

pr_status pr_model_load_tensors(pr_model *m, const pr_tensor_file *f, const char *name) {
    if (!m || !f) return pr__fail(PR_ERR_INVALID, "model_load_tensors: NULL argument");
    if (!name) name = "model file";
    for (int64_t i = 0; i < m->n_tensors; i++) {
        const pr_tensor *t;
        pr_tensor want;
        pr_status st = pr_graph_value(m->g, m->tensors[i].node, &want);
        if (st) return st;
        if (pr_tensor_file_find(f, m->tensors[i].name, &t))
            return pr__fail(PR_ERR_FORMAT, "%s: the tensor '%s' of model %s is missing", name, m->tensors[i].name, m->spec);
        if (!pr_tensor_same_shape(t, &want)) {
            char a[96], b[96];
            return pr__fail(PR_ERR_FORMAT, "%s: tensor '%s' has shape %s; model %s needs %s", name, m->tensors[i].name,
                            pr_shape_format(t, a, sizeof a), m->spec, pr_shape_format(&want, b, sizeof b));
        }
        if (pr_dtype_is_float(t->dtype) && (st = pr_tensor_check_finite(t, m->tensors[i].name)))
            return pr__fail_context("%s: ", name);
        if ((st = pr_graph_set_value(m->g, m->tensors[i].node, t))) return st;
    }
    return PR_OK;
}

pr_status pr_model_load_state_dict(pr_model *m, const pr_tensor_file *f, const char *name) {
    if (!m || !f) return pr__fail(PR_ERR_INVALID, "model_load_state_dict: NULL argument");
    if (!name) name = "state dict";
    for (int64_t j = 0; j < pr_tensor_file_count(f); j++) {
        const char *key = pr_tensor_file_name(f, j);
        int64_t i = 0;
        while (i < m->n_tensors && strcmp(m->tensors[i].name, key)) i++;
        if (i < m->n_tensors) continue;
        pr_strbuf sb;
        pr__strbuf_init(&sb);
        for (i = 0; i < m->n_tensors && i < 12; i++) {
            if (i) pr__strbuf_puts(&sb, ", ");
            pr__strbuf_puts(&sb, m->tensors[i].name);
        }
        if (m->n_tensors > 12) pr__strbuf_puts(&sb, ", ...");
        pr_status st = pr__fail(PR_ERR_FORMAT, "%s: unexpected tensor '%s': model %s has no tensor of that name (its %lld are %s)",
                                name, key, m->spec, (long long)m->n_tensors, sb.data && !sb.failed ? sb.data : "?");
        pr__strbuf_free(&sb);
        return st;
    }
    return pr_model_load_tensors(m, f, name);
}

/* Parse metadata `key` as JSON of `kind`; *out NULL when the key is absent. */
static pr_status meta_json(const pr_tensor_file *f, const char *key, const char *name, pr__json_kind kind, pr__json **out) {
    *out = NULL;
    const char *text = pr_tensor_file_meta(f, key);
    if (!text) return PR_OK;
    char ctx[300];
    snprintf(ctx, sizeof ctx, "%s: metadata '%s'", name, key);
    pr_status st = pr__json_parse(text, strlen(text), ctx, out);
    if (st) return st;
    if ((*out)->kind != kind) {
        pr__json_free(*out);
        *out = NULL;
        return pr__fail(PR_ERR_FORMAT, "%s: metadata '%s' is not a JSON %s", name, key,
                        kind == PR_JSON_ARRAY ? "array" : "value of the expected kind");
    }
    return PR_OK;
}

/* A JSON array of numbers as doubles (new array). */
static pr_status json_numbers(const pr__json *a, const char *name, const char *key, double **out) {
    double *v = pr__malloc((a->count ? a->count : 1) * sizeof *v);
    if (!v) return PR_ERR_NOMEM;
    for (size_t i = 0; i < a->count; i++) {
        if (a->items[i].kind != PR_JSON_NUMBER || !isfinite(a->items[i].number)) {
            free(v);
            return pr__fail(PR_ERR_FORMAT, "%s: metadata '%s' holds something other than finite numbers", name, key);
        }
        v[i] = a->items[i].number;
    }
    *out = v;
    return PR_OK;
}

static pr_status read_standardization(pr_model *m, const pr_tensor_file *f, const char *name) {
    pr__json *jm, *js;
    pr_status st = meta_json(f, META_MEAN, name, PR_JSON_ARRAY, &jm);
    if (st) return st;
    if ((st = meta_json(f, META_SCALE, name, PR_JSON_ARRAY, &js))) {
        pr__json_free(jm);
        return st;
    }
    if (!jm && !js) return PR_OK;
    double *mean = NULL, *scale = NULL;
    if (!jm || !js || jm->count != js->count)
        st = pr__fail(PR_ERR_FORMAT, "%s: '%s' and '%s' must both be present with one value per input", name, META_MEAN,
                      META_SCALE);
    if (!st) st = json_numbers(jm, name, META_MEAN, &mean);
    if (!st) st = json_numbers(js, name, META_SCALE, &scale);
    if (!st) {
        int64_t n = (int64_t)jm->count;
        pr_tensor tm = {.data = mean, .ndim = 1, .size = n, .dtype = PR_F64}, ts = tm;
        for (int d = 0; d < PR_MAX_DIMS; d++) tm.shape[d] = ts.shape[d] = 1;
        tm.shape[0] = ts.shape[0] = n;
        ts.data = scale;
        if ((st = pr_model_set_standardization(m, &tm, &ts))) pr__fail_context("%s: ", name);
    }
    free(mean);
    free(scale);
    pr__json_free(jm);
    pr__json_free(js);
    return st;
}

static pr_status read_targets(pr_model *m, const pr_tensor_file *f, const char *name) {
    const char *kind = pr_tensor_file_meta(f, META_TARGETS), *ignore = pr_tensor_file_meta(f, META_IGNORE);
    if (!kind) return PR_OK;
    int k = -1;
    for (int j = 0; j < PR_TARGET_COUNT; j++)
        if (!strcmp(kind, pr_target_name((pr_target_kind)j))) k = j;
    int64_t index = PR_NO_IGNORE;
    char *end = NULL;
    if (ignore && strcmp(ignore, "none")) {
        long long v = strtoll(ignore, &end, 10);
        if (end == ignore || *end) k = -1;
        index = v;
    }
    if (k < 0) return pr__fail(PR_ERR_FORMAT, "%s: metadata '%s' = '%s' (ignore index '%s') is not a target kind", name,
                               META_TARGETS, kind, ignore ? ignore : "");
    if (pr_model_set_targets(m, (pr_target_kind)k, index)) return pr__fail_context("%s: ", name);
    return PR_OK;
}

static pr_status read_task(pr_model *m, const pr_tensor_file *f, const char *name) {
    const char *task = pr_tensor_file_meta(f, META_TASK);
    pr_task kind = PR_TASK_NONE;
    for (int k = 0; task && k < PR_TASK_COUNT; k++)
        if (!strcmp(task, task_names[k])) kind = (pr_task)k;
    if (task && kind == PR_TASK_NONE && strcmp(task, "none"))
        return pr__fail(PR_ERR_FORMAT, "%s: unknown task '%s'", name, task);
    if (kind != PR_TASK_CLASSIFICATION) return pr_model_set_task(m, kind, NULL, 0);
    pr__json *jc;
    pr_status st = meta_json(f, META_CLASSES, name, PR_JSON_ARRAY, &jc);
    if (st) return st;
    double *classes = NULL;
    int64_t n = jc ? (int64_t)jc->count : pr_model_output_size(m);
    if (jc) st = json_numbers(jc, name, META_CLASSES, &classes);
    if (!st && (st = pr_model_set_task(m, kind, classes, n))) pr__fail_context("%s: ", name);
    free(classes);
    pr__json_free(jc);
    return st;
}

static pr_status read_columns(pr_model *m, const pr_tensor_file *f, const char *name) {
    const char *text = pr_tensor_file_meta(f, META_FEATURES);
    char **names = NULL, ctx[320];
    int64_t n = 0;
    snprintf(ctx, sizeof ctx, "%s: metadata '%s'", name, META_FEATURES);
    pr_status st = text ? pr__json_parse_string_array(text, ctx, &names, &n) : PR_OK;
    if (!st && (st = pr_model_set_columns(m, (const char *const *)names, n, pr_tensor_file_meta(f, META_TARGET))))
        pr__fail_context("%s: ", name);
    for (int64_t j = 0; j < n; j++) free(names[j]);
    free(names);
    return st;
}

static pr_status read_vocab(pr_model *m, const pr_tensor_file *f, const char *name) {
    pr__json *jv;
    pr_status st = meta_json(f, META_VOCAB, name, PR_JSON_ARRAY, &jv);
    if (st || !jv) return st;
    const char *level = pr_tensor_file_meta(f, META_VOCAB_LEVEL);
    double *codes = NULL;
    int64_t *ints = NULL, n = (int64_t)jv->count;
    if (level && strcmp(level, "chars") && strcmp(level, "bytes"))
        st = pr__fail(PR_ERR_FORMAT, "%s: metadata '%s' is '%s' (chars or bytes)", name, META_VOCAB_LEVEL, level);
    if (!st) st = json_numbers(jv, name, META_VOCAB, &codes);
    if (!st && !(ints = pr__malloc((size_t)(n ? n : 1) * sizeof *ints))) st = PR_ERR_NOMEM;
    for (int64_t i = 0; !st && i < n; i++) {
        if (codes[i] != (double)(int64_t)codes[i])
            st = pr__fail(PR_ERR_FORMAT, "%s: metadata '%s' holds a code that is not a whole number", name, META_VOCAB);
        else ints[i] = (int64_t)codes[i];
    }
    pr_vocab *v = NULL;
    if (!st && (st = pr_vocab_from_codes(level && !strcmp(level, "bytes") ? PR_VOCAB_BYTES : PR_VOCAB_CHARS, ints, n, &v)))
        pr__fail_context("%s: ", name);
    if (!st && (st = pr_model_set_vocab(m, v))) pr__fail_context("%s: ", name);
    pr_vocab_free(v);
    free(codes);
    free(ints);
    pr__json_free(jv);
    return st;
}

pr_status pr_model_from_tensor_file(const pr_tensor_file *f, const char *name, pr_model **out) {
    if (!f || !out) return pr__fail(PR_ERR_INVALID, "model_from_tensor_file: NULL argument");
    if (!name) name = "model file";
    if (pr__meta_check_version(f, name)) return PR_ERR_FORMAT;
    const char *spec = pr_tensor_file_meta(f, META_SPEC), *dtype = pr_tensor_file_meta(f, META_DTYPE);
    if (!spec)
        return pr__fail(PR_ERR_FORMAT, "%s: not a primer model file (no '%s' metadata; it holds %lld tensors)", name,
                        META_SPEC, (long long)pr_tensor_file_count(f));
    pr__json *js;
    pr_status st = meta_json(f, META_INPUT, name, PR_JSON_ARRAY, &js);
    if (st) return st;
    int64_t shape[PR_MAX_DIMS];
    int ndim = js ? (int)js->count : 0;
    if (!js || ndim < 1 || ndim >= PR_MAX_DIMS)
        st = pr__fail(PR_ERR_FORMAT, "%s: metadata '%s' must list 1 to %d input extents", name, META_INPUT, PR_MAX_DIMS - 1);
    for (int d = 0; !st && d < ndim; d++) {
        const pr__json *x = &js->items[d];
        if (x->kind != PR_JSON_NUMBER || !x->is_integer || x->integer < 1 || x->integer > (INT64_C(1) << 40))
            st = pr__fail(PR_ERR_FORMAT, "%s: metadata '%s' has an extent that is not a positive integer", name, META_INPUT);
        else
            shape[d] = x->integer;
    }
    pr__json_free(js);
    if (st) return st;
    pr_model_options o = PR_MODEL_DEFAULTS;
    o.dtype = dtype && !strcmp(dtype, "float64") ? PR_F64 : PR_F32;
    if (dtype && strcmp(dtype, "float64") && strcmp(dtype, "float32"))
        return pr__fail(PR_ERR_FORMAT, "%s: metadata '%s' is '%s' (float32 or float64)", name, META_DTYPE, dtype);
    pr_model *m;
    if ((st = pr_model_new(&m, spec, ndim, shape, &o))) return pr__fail_context("%s: ", name);
    if (!st) st = pr_model_load_tensors(m, f, name);
    if (!st) st = read_task(m, f, name);
    if (!st) st = read_targets(m, f, name);
    if (!st) st = read_columns(m, f, name);
    if (!st) st = read_standardization(m, f, name);
    if (!st) st = read_vocab(m, f, name);
    if (!st) st = pr__notes_read(f, &m->notes);
    if (st) {
        pr_model_free(m);
        return st;
    }
    *out = m;
    return PR_OK;
}

pr_status pr_model_load(const char *path, pr_model **out) {
    if (!path || !out) return pr__fail(PR_ERR_INVALID, "model_load: NULL argument");
    pr_tensor_file *f;
    pr_status st = pr_safetensors_read(path, NULL, &f);
    if (st) return st;
    st = pr_model_from_tensor_file(f, path, out);
    pr_tensor_file_free(f);
    return st;
}

pr_status pr_model_set_metadata(pr_model *m, const char *key, const char *value) {
    if (!m) return pr__fail(PR_ERR_INVALID, "model_set_metadata: the model is NULL");
    return pr__notes_set(&m->notes, key, value);
}

const char *pr_model_metadata(const pr_model *m, const char *key) { return m ? pr__notes_get(m->notes, key) : NULL; }
