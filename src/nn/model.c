/* Models: a layer specification built into a computational graph with
 * PyTorch-compatible parameter names, plus what the model predicts (task,
 * classes, input standardisation, column names). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/nn_internal.h"

#define FORWARD_BATCH 1024

/* ---- bookkeeping ------------------------------------------------------------------- */

static pr_status add_tensor(pr_model *m, const char *name, pr_node node, int is_counter) {
    if (strlen(name) >= PR__MODEL_NAME) return pr__fail(PR_ERR_LIMIT, "model: tensor name '%s' is too long", name);
    if (m->n_tensors == m->cap_tensors) {
        int64_t cap = m->cap_tensors ? 2 * m->cap_tensors : 16;
        pr__model_tensor *t = pr__realloc(m->tensors, (size_t)cap * sizeof *t);
        if (!t) return PR_ERR_NOMEM;
        m->tensors = t;
        m->cap_tensors = cap;
    }
    pr__model_tensor *t = &m->tensors[m->n_tensors++];
    snprintf(t->name, sizeof t->name, "%s", name);
    t->node = node;
    t->is_counter = is_counter;
    return PR_OK;
}

/* A summary row for layer l; its output and parameter count are filled in once built. */
static pr_status add_row(pr_model *m, const char *name, const pr__layer *l, int depth, int *row) {
    if (m->n_rows == m->cap_rows) {
        int cap = m->cap_rows ? 2 * m->cap_rows : 16;
        pr__model_row *r = pr__realloc(m->rows, (size_t)cap * sizeof *r);
        if (!r) return PR_ERR_NOMEM;
        m->rows = r;
        m->cap_rows = cap;
    }
    pr__model_row *r = &m->rows[m->n_rows];
    memset(r, 0, sizeof *r);
    snprintf(r->name, sizeof r->name, "%s", name);
    if (l->def->info.has_body) {
        snprintf(r->token, sizeof r->token, "%s[...]", l->def->info.token);
    } else {
        pr_strbuf sb;
        pr__strbuf_init(&sb);
        pr__spec_format(&sb, l, 1);
        if (sb.failed) {
            pr__strbuf_free(&sb);
            return PR_ERR_NOMEM;
        }
        snprintf(r->token, sizeof r->token, "%s", sb.data);
        pr__strbuf_free(&sb);
    }
    r->out = (pr_node){0, -1};
    r->depth = depth;
    *row = m->n_rows++;
    return PR_OK;
}

/* ---- what builders use (nn_internal.h) --------------------------------------------------- */

pr_status pr__layer_graph_status(const pr__build *b) {
    pr_status st = pr_graph_status(b->g);
    return st ? pr__fail(st, "model: layer %s: %s", b->name, pr_graph_error(b->g)) : PR_OK;
}

pr_node pr__layer_param(pr__build *b, const char *suffix, int ndim, const int64_t *shape) {
    pr_model *m = b->m;
    char full[2 * PR__MODEL_NAME];
    snprintf(full, sizeof full, "%s.%s", b->name, suffix);
    int64_t count = 1;
    for (int d = 0; d < ndim && count <= m->max_params; d++) count *= shape[d];
    if (count > m->max_params - m->params)
        return pr_graph_fail_build(m->g, PR_ERR_LIMIT, "'%s' would take the model past %lld parameters "
                                                       "(pr_model_options.max_params)",
                                   full, (long long)m->max_params);
    m->params += count;
    pr_node p = pr_g_param(m->g, full, ndim, shape);
    if (pr_node_is_valid(p) && add_tensor(m, full, p, 0)) return pr_graph_fail_build(m->g, pr_last_status(), "%s", pr_last_error());
    return p;
}

pr_node pr__layer_buffer(pr__build *b, const char *suffix, int ndim, const int64_t *shape, double fill, int is_counter) {
    pr_model *m = b->m;
    char full[2 * PR__MODEL_NAME];
    snprintf(full, sizeof full, "%s.%s", b->name, suffix);
    pr_node buf = pr_g_buffer(m->g, full, ndim, shape, fill);
    if (pr_node_is_valid(buf) && add_tensor(m, full, buf, is_counter))
        return pr_graph_fail_build(m->g, pr_last_status(), "%s", pr_last_error());
    return buf;
}

pr_status pr__layer_init(pr__build *b, pr_node p, pr_init kind, int64_t fan_in, int64_t fan_out, double value) {
    if (b->m->counting) return PR_OK; /* shapes only: there is no storage to fill */
    pr_tensor v;
    pr_status st = pr_graph_param_view(b->g, p, &v);
    if (!st) st = pr_init_tensor(&v, kind, fan_in, fan_out, value, &b->m->init_rng);
    return st;
}

pr_init pr__layer_weight_rule(const pr__build *b) {
    if (b->m->init != PR_INIT_AUTO) return b->m->init;
    for (int j = b->index + 1; j < b->n_siblings; j++) {
        unsigned flags = b->siblings[j].def->flags;
        if (flags & PR__LAYER_TRANSPARENT) continue;
        return flags & PR__LAYER_RELU_FAMILY ? PR_INIT_HE_NORMAL : PR_INIT_XAVIER_NORMAL;
    }
    return PR_INIT_XAVIER_NORMAL;
}

pr_status pr__layer_error(const pr__build *b, const pr__layer *l, const char *fmt, ...) {
    pr_strbuf sb;
    pr__strbuf_init(&sb);
    pr__spec_format(&sb, l, 1);
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    pr_status st = pr__fail(PR_ERR_SHAPE, "model: layer %s (%s): %s", b->name, sb.data ? sb.data : "?", msg);
    pr__strbuf_free(&sb);
    return st;
}

/* ---- building -------------------------------------------------------------------------- */

/* Elements of the parameters registered since tensor index `from`. */
static int64_t params_since(const pr_model *m, int64_t from) {
    int64_t total = 0;
    for (int64_t t = from; t < m->n_tensors; t++) {
        if (pr_node_kind_of(m->g, m->tensors[t].node) != PR_NODE_PARAM) continue;
        int nd;
        int64_t s[PR_MAX_DIMS], count = 1;
        pr_node_shape(m->g, m->tensors[t].node, &nd, s);
        for (int d = 0; d < nd; d++) count *= s[d];
        total += count;
    }
    return total;
}

static pr_status build_list(pr_model *m, const pr__layer *layers, int n, const char *prefix, int depth, pr_node x,
                            pr_node *out);

/* Layer i of a list: a summary row, then the row's builder. */
static pr_status build_one(pr_model *m, const pr__layer *layers, int n, int i, const char *name, int depth, pr_node x,
                           pr_node *out) {
    const pr__layer *l = &layers[i];
    pr__build b = {.m = m, .g = m->g, .name = name, .depth = depth, .siblings = layers, .n_siblings = n, .index = i};
    if (pr_graph_status(m->g)) return pr__fail(pr_graph_status(m->g), "model: %s", pr_graph_error(m->g));
    pr_status st = pr_node_shape(m->g, x, &b.ndim, b.shape);
    int64_t tensors_before = m->n_tensors;
    int row;
    if (st || (st = add_row(m, name, l, depth, &row))) return st;
    pr_node y = {0, -1};
    if ((st = l->def->build(&b, l, x, &y))) return st;
    if ((st = pr__layer_graph_status(&b))) return st;
    m->rows[row].out = y;
    m->rows[row].params = params_since(m, tensors_before);
    *out = y;
    return PR_OK;
}

pr_status pr__layer_build_body(pr__build *b, const pr__layer *l, pr_node x, pr_node *y) {
    char prefix[PR__MODEL_NAME + 8];
    int len = snprintf(prefix, sizeof prefix, "%s.body.", b->name);
    if (len < 0 || (size_t)len >= sizeof prefix)
        return pr__fail(PR_ERR_LIMIT, "model: layer name '%s' is too long (blocks nested too deeply)", b->name);
    return build_list(b->m, l->body, l->n_body, prefix, b->depth + 1, x, y);
}

static pr_status build_list(pr_model *m, const pr__layer *layers, int n, const char *prefix, int depth, pr_node x,
                            pr_node *out) {
    for (int i = 0; i < n; i++) {
        char name[PR__MODEL_NAME];
        int len = snprintf(name, sizeof name, "%s%d", prefix, i);
        if (len < 0 || (size_t)len >= sizeof name)
            return pr__fail(PR_ERR_LIMIT, "model: the layer names under '%s' are too long (blocks nested too deeply)",
                            prefix);
        pr_status st = build_one(m, layers, n, i, name, depth, x, &x);
        if (st) return st;
    }
    *out = x;
    return PR_OK;
}

/* The model's layers and the graph they build; `counting` builds shapes only. */
static pr_status model_build(pr_model **out, const char *spec, int in_ndim, const int64_t *in_shape,
                             const pr_model_options *options, int counting) {
    if (!out) return pr__fail(PR_ERR_INVALID, "model_new: output pointer is NULL");
    if (in_ndim < 1 || in_ndim >= PR_MAX_DIMS || !in_shape)
        return pr__fail(PR_ERR_INVALID, "model_new: the input needs 1 to %d extents (without the batch axis), got %d",
                        PR_MAX_DIMS - 1, in_ndim);
    for (int d = 0; d < in_ndim; d++)
        if (in_shape[d] < 1)
            return pr__fail(PR_ERR_INVALID, "model_new: input extent %d is %lld; extents must be >= 1", d,
                            (long long)in_shape[d]);
    pr_model_options o = options ? *options : PR_MODEL_DEFAULTS;
    if (o.dtype != PR_F32 && o.dtype != PR_F64)
        return pr__fail(PR_ERR_DTYPE, "model_new: models compute in float32 or float64, not %s (start from PR_MODEL_DEFAULTS)",
                        pr_dtype_name(o.dtype));
    if (o.outputs < 0) return pr__fail(PR_ERR_INVALID, "model_new: outputs is %lld", (long long)o.outputs);
    if (o.max_params < 0 || o.max_params > (INT64_C(1) << 40))
        return pr__fail(PR_ERR_INVALID, "model_new: max_params %lld is outside 0..2^40", (long long)o.max_params);
    if ((unsigned)o.init >= PR_INIT_COUNT) return pr__fail(PR_ERR_INVALID, "model_new: unknown initialisation %d", (int)o.init);
    pr_model *m = pr__calloc(1, sizeof *m);
    if (!m) return PR_ERR_NOMEM;
    m->dtype = o.dtype;
    m->init = o.init;
    m->counting = counting;
    m->max_params = counting ? INT64_MAX / 2 : o.max_params;
    m->in_ndim = in_ndim;
    memcpy(m->in_shape, in_shape, (size_t)in_ndim * sizeof *in_shape);
    pr_rng_seed(&m->init_rng, o.seed);
    pr_status st = pr__spec_parse(spec, in_ndim, in_shape, o.outputs, &m->layers, &m->n_layers);
    if (!st && o.outputs > 0) { /* the head */
        pr__layer *grown = pr__realloc(m->layers, (size_t)(m->n_layers + 1) * sizeof *grown);
        if (!grown) st = PR_ERR_NOMEM;
        else {
            m->layers = grown;
            m->layers[m->n_layers++] = (pr__layer){.def = pr__layer_lookup("dense", 5), .v = {(double)o.outputs}};
        }
    }
    if (!st && !m->n_layers)
        st = pr__fail(PR_ERR_INVALID, "model_new: the model has no layers (give a spec or outputs > 0)");
    if (!st) {
        pr_strbuf sb;
        pr__strbuf_init(&sb);
        pr__spec_format(&sb, m->layers, m->n_layers);
        m->spec = pr__strbuf_take(&sb);
        if (!m->spec) st = PR_ERR_NOMEM;
    }
    if (!st) st = counting ? pr_graph_new_shapes_only(&m->g, m->dtype) : pr_graph_new(&m->g, m->dtype);
    if (!st) {
        pr_graph_seed(m->g, o.seed ^ UINT64_C(0x9e3779b97f4a7c15));
        int64_t shape[PR_MAX_DIMS] = {-1};
        memcpy(shape + 1, in_shape, (size_t)in_ndim * sizeof *in_shape);
        m->x = pr_g_input(m->g, "x", in_ndim + 1, shape);
        st = build_list(m, m->layers, m->n_layers, "", 0, m->x, &m->y);
    }
    if (!st && o.outputs > 0) { /* a head over image maps would classify every pixel row */
        pr_node before = m->n_layers > 1 ? pr_model_layer_output(m, m->n_layers - 2) : m->x;
        int nd;
        int64_t s[PR_MAX_DIMS];
        if (!(st = pr_node_shape(m->g, before, &nd, s)) && nd == 4)
            st = pr__fail(PR_ERR_SHAPE, "model: the output layer (dense:%lld) would act on the last axis of (N, %lld, %lld, "
                                        "%lld) feature maps; end the layers with flatten or global_avgpool",
                          (long long)o.outputs, (long long)s[1], (long long)s[2], (long long)s[3]);
    }
    if (!st) {
        int nd;
        int64_t s[PR_MAX_DIMS];
        st = pr_node_shape(m->g, m->y, &nd, s);
        if (!st && (nd < 2 || s[nd - 1] < 1))
            st = pr__fail(PR_ERR_SHAPE, "model: the output must be (batch, outputs, ...); this spec gives rank %d", nd);
    }
    if (st) {
        pr_model_free(m);
        return st;
    }
    *out = m;
    return PR_OK;
}

pr_status pr_model_new(pr_model **out, const char *spec, int in_ndim, const int64_t *in_shape,
                       const pr_model_options *options) {
    return model_build(out, spec, in_ndim, in_shape, options, 0);
}

pr_status pr_spec_param_count(const char *spec, int in_ndim, const int64_t *in_shape, int64_t outputs, int64_t *count) {
    if (!count) return pr__fail(PR_ERR_INVALID, "spec_param_count: count is NULL");
    pr_model *m;
    pr_model_options o = PR_MODEL_DEFAULTS;
    o.outputs = outputs;
    pr_status st = model_build(&m, spec, in_ndim, in_shape, &o, 1);
    if (st) return st;
    *count = pr_model_param_count(m);
    pr_model_free(m);
    return PR_OK;
}

void pr_model_free(pr_model *m) {
    if (!m) return;
    pr_graph_free(m->g);
    pr__spec_free(m->layers, m->n_layers);
    free(m->spec);
    free(m->tensors);
    free(m->rows);
    free(m->classes);
    pr_tensor_free(m->mean);
    pr_tensor_free(m->scale);
    pr_tensor_free(m->staging);
    for (int64_t j = 0; j < m->n_features; j++) free(m->features[j]);
    free(m->features);
    free(m->target);
    pr_vocab_free(m->vocab);
    pr_tensor_file_free(m->notes);
    free(m);
}

/* ---- accessors ------------------------------------------------------------------------- */

const char *pr_model_spec(const pr_model *m) { return m ? m->spec : ""; }
pr_graph *pr_model_graph(pr_model *m) { return m ? m->g : NULL; }
void pr_model_set_threads(pr_model *m, pr_threads *pool) {
    if (m) pr_graph_set_threads(m->g, pool);
}
pr_node pr_model_input(const pr_model *m) { return m ? m->x : (pr_node){0, -1}; }
pr_node pr_model_output(const pr_model *m) { return m ? m->y : (pr_node){0, -1}; }
int pr_model_layer_count(const pr_model *m) { return m ? m->n_layers : 0; }

pr_node pr_model_layer_output(const pr_model *m, int i) {
    for (int r = 0, top = 0; m && r < m->n_rows; r++) {
        if (m->rows[r].depth) continue;
        if (top++ == i) return m->rows[r].out;
    }
    return (pr_node){0, -1};
}

int pr_model_input_shape(const pr_model *m, int64_t shape[PR_MAX_DIMS]) {
    if (!m) return 0;
    memcpy(shape, m->in_shape, (size_t)m->in_ndim * sizeof *shape);
    return m->in_ndim;
}

int64_t pr_model_input_size(const pr_model *m) {
    int64_t n = 1;
    for (int d = 0; m && d < m->in_ndim; d++) n *= m->in_shape[d];
    return m ? n : 0;
}

int pr_model_output_shape(const pr_model *m, int64_t shape[PR_MAX_DIMS]) {
    int nd;
    int64_t s[PR_MAX_DIMS];
    if (!m || pr_node_shape(m->g, m->y, &nd, s) || nd < 1) return 0;
    memcpy(shape, s + 1, (size_t)(nd - 1) * sizeof *s);
    return nd - 1;
}

int64_t pr_model_output_size(const pr_model *m) {
    int nd;
    int64_t s[PR_MAX_DIMS];
    if (!m || pr_node_shape(m->g, m->y, &nd, s)) return 0;
    return s[nd - 1];
}

int64_t pr_model_param_count(const pr_model *m) {
    int64_t total = 0;
    for (int i = 0; m && i < m->n_rows; i++)
        if (m->rows[i].depth == 0) total += m->rows[i].params;
    return total;
}

pr_status pr_model_summary(const pr_model *m, FILE *f) {
    if (!m || !f) return pr__fail(PR_ERR_INVALID, "model_summary: NULL argument");
    fprintf(f, "%-14s %-22s %-18s %12s\n", "layer", "type", "output shape", "parameters");
    char in[96] = "(N";
    for (int d = 0; d < m->in_ndim; d++) snprintf(in + strlen(in), sizeof in - strlen(in), ", %lld", (long long)m->in_shape[d]);
    strcat(in, ")");
    fprintf(f, "%-14s %-22s %-18s %12d\n", "input", "", in, 0);
    for (int i = 0; i < m->n_rows; i++) {
        const pr__model_row *r = &m->rows[i];
        int nd;
        int64_t s[PR_MAX_DIMS];
        pr_node_shape(m->g, r->out, &nd, s);
        char shape[96] = "(N";
        for (int d = 1; d < nd; d++) snprintf(shape + strlen(shape), sizeof shape - strlen(shape), ", %lld", (long long)s[d]);
        strcat(shape, ")");
        char name[2 * PR__MODEL_NAME];
        snprintf(name, sizeof name, "%*s%s", 2 * r->depth, "", r->name);
        fprintf(f, "%-14s %-22s %-18s %12lld\n", name, r->token, shape, (long long)r->params);
    }
    int64_t buffers = 0;
    for (int64_t t = 0; t < m->n_tensors; t++)
        if (pr_node_kind_of(m->g, m->tensors[t].node) == PR_NODE_BUFFER) buffers++;
    fprintf(f, "total: %lld trainable parameters", (long long)pr_model_param_count(m));
    if (buffers) fprintf(f, " (and %lld buffers)", (long long)buffers);
    fprintf(f, "\n");
    return ferror(f) ? pr__fail(PR_ERR_IO, "model_summary: write failed") : PR_OK;
}

int64_t pr_model_tensor_count(const pr_model *m) { return m ? m->n_tensors : 0; }
const char *pr_model_tensor_name(const pr_model *m, int64_t i) {
    return m && i >= 0 && i < m->n_tensors ? m->tensors[i].name : NULL;
}

/* The index of the named tensor, or -1 with the error set. */
static int64_t find_tensor(const pr_model *m, const char *name, const char *op) {
    if (!m || !name) {
        pr__fail(PR_ERR_INVALID, "%s: NULL argument", op);
        return -1;
    }
    for (int64_t i = 0; i < m->n_tensors; i++)
        if (!strcmp(m->tensors[i].name, name)) return i;
    pr__fail(PR_ERR_NOT_FOUND, "%s: the model (%s) has no tensor named '%s'", op, m->spec, name);
    return -1;
}

pr_status pr_model_tensor(const pr_model *m, const char *name, pr_tensor *view) {
    int64_t i = find_tensor(m, name, "model_tensor");
    return i < 0 ? pr_last_status() : pr_graph_value(m->g, m->tensors[i].node, view);
}

pr_status pr_model_set_tensor(pr_model *m, const char *name, const pr_tensor *value) {
    int64_t i = find_tensor(m, name, "model_set_tensor");
    if (i < 0) return pr_last_status();
    if (pr_graph_set_value(m->g, m->tensors[i].node, value)) return pr__fail_context("model_set_tensor '%s': ", name);
    return PR_OK;
}

int pr_model_weight_params(const pr_model *m, pr_node *params, int max) {
    int n = 0;
    for (int64_t i = 0; m && i < m->n_tensors; i++) {
        const char *name = m->tensors[i].name, *dot = strrchr(name, '.');
        if (!dot || strcmp(dot, ".weight") || pr_node_kind_of(m->g, m->tensors[i].node) != PR_NODE_PARAM) continue;
        int nd;
        int64_t s[PR_MAX_DIMS];
        pr_node_shape(m->g, m->tensors[i].node, &nd, s);
        if (nd != 2) continue; /* dense and embedding weights; not norms or PReLU slopes */
        if (n < max) params[n] = m->tensors[i].node;
        n++;
    }
    return n;
}

/* ---- targets and auxiliary losses -------------------------------------------------------- */

static const char *const target_names[] = {
#define PR_X_(name, value, str, what) [name] = str,
    PR_TARGET_LIST(PR_X_)
#undef PR_X_
};
_Static_assert(sizeof target_names / sizeof target_names[0] == PR_TARGET_COUNT, "one name per target kind");

const char *pr_target_name(pr_target_kind kind) { return (unsigned)kind < PR_TARGET_COUNT ? target_names[kind] : "unknown"; }

/* The output's rank including the batch axis. */
static int output_rank(const pr_model *m) {
    int64_t shape[PR_MAX_DIMS];
    return pr_model_output_shape(m, shape) + 1;
}

pr_status pr_model_set_targets(pr_model *m, pr_target_kind kind, int64_t ignore_index) {
    if (!m) return pr__fail(PR_ERR_INVALID, "model_set_targets: model is NULL");
    if ((unsigned)kind >= PR_TARGET_COUNT) return pr__fail(PR_ERR_INVALID, "model_set_targets: unknown kind %d", (int)kind);
    int rank = output_rank(m);
    const char *name = target_names[kind];
    if ((kind == PR_TARGET_LABELS || kind == PR_TARGET_POSITIONS) && m->task != PR_TASK_CLASSIFICATION)
        return pr__fail(PR_ERR_INVALID, "model_set_targets: %s need a classifier (pr_model_set_task first)", name);
    if (kind == PR_TARGET_LABELS && rank != 2)
        return pr__fail(PR_ERR_SHAPE, "model_set_targets: one label per row needs (N, classes) outputs; the model gives "
                                      "rank %d (positions?)",
                        rank);
    if (kind == PR_TARGET_POSITIONS && rank < 3)
        return pr__fail(PR_ERR_SHAPE, "model_set_targets: labels per position need (N, ..., classes) outputs; the model "
                                      "gives (N, classes)");
    if (kind == PR_TARGET_RECONSTRUCTION) {
        int64_t out[PR_MAX_DIMS];
        int nd = pr_model_output_shape(m, out), same = nd == m->in_ndim;
        int64_t per_row = 1;
        for (int d = 0; d < nd; d++) {
            per_row *= out[d];
            same &= d < m->in_ndim && out[d] == m->in_shape[d];
        }
        if (!same)
            return pr__fail(PR_ERR_SHAPE, "model_set_targets: a reconstruction must have the input's shape: the model "
                                          "takes %lld values per row and gives %lld",
                            (long long)pr_model_input_size(m), (long long)per_row);
    }
    m->targets = kind;
    m->ignore_index = ignore_index;
    return PR_OK;
}

pr_target_kind pr_model_targets(const pr_model *m, int64_t *ignore_index) {
    if (!m) return PR_TARGET_AUTO;
    pr_target_kind k = m->targets;
    int64_t ignore = m->ignore_index;
    if (k == PR_TARGET_AUTO) {
        if (m->task == PR_TASK_CLASSIFICATION) {
            k = output_rank(m) > 2 ? PR_TARGET_POSITIONS : PR_TARGET_LABELS;
            ignore = k == PR_TARGET_POSITIONS ? PR_PADDING_LABEL : PR_NO_IGNORE;
        } else {
            k = PR_TARGET_VALUES;
        }
    }
    if (ignore_index) *ignore_index = ignore;
    return k;
}

pr_status pr_model_add_loss(pr_model *m, const char *name, pr_node term, double weight) {
    if (!m || !name) return pr__fail(PR_ERR_INVALID, "model_add_loss: NULL argument");
    if (m->n_losses == PR_MODEL_MAX_LOSSES)
        return pr__fail(PR_ERR_LIMIT, "model_add_loss: the model has %d loss terms already", PR_MODEL_MAX_LOSSES);
    if (!*name || strlen(name) >= sizeof m->losses[0].name || strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_.") != strlen(name))
        return pr__fail(PR_ERR_INVALID, "model_add_loss: the name '%s' must be 1 to 31 of a-z, 0-9, '_', '.'", name);
    if (!isfinite(weight)) return pr__fail(PR_ERR_INVALID, "model_add_loss: the weight is not finite");
    int nd;
    int64_t shape[PR_MAX_DIMS];
    pr_status st = pr_node_shape(m->g, term, &nd, shape);
    if (st) return st;
    int64_t size = 1;
    for (int d = 0; d < nd; d++) size *= shape[d];
    if (size != 1) return pr__fail(PR_ERR_SHAPE, "model_add_loss: the term '%s' must be a scalar", name);
    for (int i = 0; i < m->n_losses; i++)
        if (!strcmp(m->losses[i].name, name)) return pr__fail(PR_ERR_INVALID, "model_add_loss: '%s' is added already", name);
    snprintf(m->losses[m->n_losses].name, sizeof m->losses[0].name, "%s", name);
    m->losses[m->n_losses].node = term;
    m->losses[m->n_losses].weight = weight;
    m->n_losses++;
    return PR_OK;
}

int pr_model_loss_count(const pr_model *m) { return m ? m->n_losses : 0; }
const char *pr_model_loss_name(const pr_model *m, int i) {
    return m && i >= 0 && i < m->n_losses ? m->losses[i].name : NULL;
}
pr_node pr_model_loss_node(const pr_model *m, int i) {
    return m && i >= 0 && i < m->n_losses ? m->losses[i].node : (pr_node){0, -1};
}
double pr_model_loss_weight(const pr_model *m, int i) { return m && i >= 0 && i < m->n_losses ? m->losses[i].weight : 0; }

pr_status pr__layer_add_loss(pr__build *b, const char *suffix, pr_node term, double weight) {
    char name[2 * PR__MODEL_NAME];
    snprintf(name, sizeof name, "%s.%s", b->name, suffix);
    return pr_model_add_loss(b->m, name, term, weight);
}

/* ---- snapshots ---------------------------------------------------------------------------- */

size_t pr_model_state_size(const pr_model *m) {
    size_t total = 0;
    for (int64_t i = 0; m && i < m->n_tensors; i++) {
        pr_tensor v;
        if (!pr_graph_value(m->g, m->tensors[i].node, &v)) total += (size_t)v.size * pr_dtype_size(v.dtype);
    }
    return total;
}

/* Copy every tensor out to the state (save) or back from it. */
static void state_copy(const pr_model *m, unsigned char *state, int save) {
    size_t at = 0;
    for (int64_t i = 0; m && i < m->n_tensors; i++) {
        pr_tensor v;
        if (pr_graph_value(m->g, m->tensors[i].node, &v)) continue;
        size_t bytes = (size_t)v.size * pr_dtype_size(v.dtype);
        if (save) memcpy(state + at, v.data, bytes);
        else memcpy(v.data, state + at, bytes);
        at += bytes;
    }
}

void pr_model_state_save(const pr_model *m, void *state) { state_copy(m, state, 1); }
void pr_model_state_restore(pr_model *m, const void *state) { state_copy(m, (unsigned char *)(uintptr_t)state, 0); }

/* ---- what the model predicts ------------------------------------------------------------ */

pr_status pr_model_set_task(pr_model *m, pr_task task, const double *classes, int64_t n_classes) {
    if (!m) return pr__fail(PR_ERR_INVALID, "model_set_task: model is NULL");
    if (task == PR_TASK_CLASSIFICATION) {
        int64_t k = pr_model_output_size(m);
        if (n_classes < 2 || n_classes != k)
            return pr__fail(PR_ERR_SHAPE, "model_set_task: %lld classes for a model with %lld outputs (need >= 2, equal)",
                            (long long)n_classes, (long long)k);
    } else if (task != PR_TASK_REGRESSION && task != PR_TASK_NONE) {
        return pr__fail(PR_ERR_INVALID, "model_set_task: unknown task %d", (int)task);
    }
    double *copy = NULL;
    if (task == PR_TASK_CLASSIFICATION) {
        copy = pr__malloc((size_t)n_classes * sizeof *copy);
        if (!copy) return PR_ERR_NOMEM;
        for (int64_t k = 0; k < n_classes; k++) {
            copy[k] = classes ? classes[k] : (double)k;
            for (int64_t j = 0; j < k; j++)
                if (copy[j] == copy[k] || !isfinite(copy[k])) {
                    free(copy);
                    return pr__fail(PR_ERR_INVALID, "model_set_task: class labels must be finite and distinct");
                }
        }
    }
    free(m->classes);
    m->classes = copy;
    m->n_classes = task == PR_TASK_CLASSIFICATION ? n_classes : 0;
    m->task = task;
    return PR_OK;
}

pr_task pr_model_task(const pr_model *m) { return m ? m->task : PR_TASK_NONE; }
int64_t pr_model_class_count(const pr_model *m) { return m ? m->n_classes : 0; }
double pr_model_class_label(const pr_model *m, int64_t k) {
    return m && m->classes && k >= 0 && k < m->n_classes ? m->classes[k] : (double)k;
}

pr_status pr_model_class_index(const pr_model *m, double label, int64_t *k) {
    if (!m || !k) return pr__fail(PR_ERR_INVALID, "model_class_index: NULL argument");
    for (int64_t j = 0; j < m->n_classes; j++)
        if (m->classes[j] == label) {
            *k = j;
            return PR_OK;
        }
    char known[160] = "";
    for (int64_t j = 0; j < m->n_classes && strlen(known) < 120; j++)
        snprintf(known + strlen(known), sizeof known - strlen(known), "%s%g", j ? ", " : "", m->classes[j]);
    return pr__fail(PR_ERR_NOT_FOUND, "label %g is not one of the model's %lld classes (%s%s)", label,
                    (long long)m->n_classes, known, strlen(known) >= 120 ? ", ..." : "");
}

pr_status pr_model_set_standardization(pr_model *m, const pr_tensor *mean, const pr_tensor *scale) {
    if (!m) return pr__fail(PR_ERR_INVALID, "model_set_standardization: model is NULL");
    if (!mean && !scale) {
        pr_tensor_free(m->mean);
        pr_tensor_free(m->scale);
        m->mean = m->scale = NULL;
        return PR_OK;
    }
    int64_t n = pr_model_input_size(m);
    if (!mean || !scale || mean->size != n || scale->size != n)
        return pr__fail(PR_ERR_SHAPE, "model_set_standardization: mean and scale need %lld values each (the input size)",
                        (long long)n);
    pr_tensor *mc = NULL, *sc = NULL;
    pr_status st = pr_tensor_cast(mean, PR_F64, &mc);
    if (!st) st = pr_tensor_cast(scale, PR_F64, &sc);
    if (!st) st = pr_tensor_check_finite(mc, "standardization mean");
    if (!st) st = pr_tensor_check_finite(sc, "standardization scale");
    if (!st) {
        pr_tensor_reshape(mc, PR_SHAPE(n));
        pr_tensor_reshape(sc, PR_SHAPE(n));
        double *s = pr_tensor_f64(sc);
        for (int64_t j = 0; j < n; j++)
            if (s[j] == 0) s[j] = 1; /* a constant feature stays centred */
        pr_tensor_free(m->mean);
        pr_tensor_free(m->scale);
        m->mean = mc;
        m->scale = sc;
        return PR_OK;
    }
    pr_tensor_free(mc);
    pr_tensor_free(sc);
    return st;
}

pr_status pr_model_standardization(const pr_model *m, pr_tensor *mean, pr_tensor *scale) {
    if (!m) return pr__fail(PR_ERR_INVALID, "model_standardization: model is NULL");
    if (!m->mean) return pr__fail(PR_ERR_NOT_FOUND, "the model has no input standardisation");
    if (mean) {
        *mean = *m->mean;
        mean->flags = 0;
    }
    if (scale) {
        *scale = *m->scale;
        scale->flags = 0;
    }
    return PR_OK;
}

pr_status pr_model_set_vocab(pr_model *m, const pr_vocab *v) {
    if (!m) return pr__fail(PR_ERR_INVALID, "model_set_vocab: NULL model");
    pr_vocab *copy = NULL;
    if (v) {
        int64_t n = pr_vocab_size(v);
        int64_t *codes = pr__malloc((size_t)n * sizeof *codes);
        if (!codes) return PR_ERR_NOMEM;
        for (int64_t i = 0; i < n; i++) codes[i] = pr_vocab_code(v, i);
        pr_status st = pr_vocab_from_codes(pr_vocab_level_of(v), codes, n, &copy);
        free(codes);
        if (st) return st;
        int64_t out[PR_MAX_DIMS];
        int nd = pr_model_output_shape(m, out);
        if (nd < 1 || out[nd - 1] != n) {
            pr_vocab_free(copy);
            return pr__fail(PR_ERR_SHAPE, "model: a vocabulary of %lld tokens needs %lld outputs per position, not %lld",
                            (long long)n, (long long)n, (long long)(nd ? out[nd - 1] : 0));
        }
    }
    pr_vocab_free(m->vocab);
    m->vocab = copy;
    return PR_OK;
}

const pr_vocab *pr_model_vocab(const pr_model *m) { return m ? m->vocab : NULL; }

pr_status pr_model_set_columns(pr_model *m, const char *const *features, int64_t n, const char *target) {
    if (!m) return pr__fail(PR_ERR_INVALID, "model_set_columns: model is NULL");
    if (features && n != pr_model_input_size(m))
        return pr__fail(PR_ERR_SHAPE, "model_set_columns: %lld feature names for %lld inputs", (long long)n,
                        (long long)pr_model_input_size(m));
    char **names = NULL;
    char *t = NULL;
    if (features) {
        names = pr__calloc((size_t)(n ? n : 1), sizeof *names);
        if (!names) return PR_ERR_NOMEM;
        for (int64_t j = 0; j < n; j++)
            if (features[j] && !(names[j] = pr__strdup(features[j]))) {
                for (int64_t k = 0; k < j; k++) free(names[k]);
                free(names);
                return PR_ERR_NOMEM;
            }
    }
    if (target && !(t = pr__strdup(target))) {
        for (int64_t k = 0; names && k < n; k++) free(names[k]);
        free(names);
        return PR_ERR_NOMEM;
    }
    for (int64_t j = 0; j < m->n_features; j++) free(m->features[j]);
    free(m->features);
    free(m->target);
    m->features = names;
    m->n_features = features ? n : 0;
    m->target = t;
    return PR_OK;
}

const char *pr_model_feature_name(const pr_model *m, int64_t j) {
    return m && j >= 0 && j < m->n_features ? m->features[j] : NULL;
}
const char *pr_model_target_name(const pr_model *m) { return m ? m->target : NULL; }

/* ---- inference ------------------------------------------------------------------------------ */

static pr_status check_rows(const pr_model *m, const pr_tensor *X, const char *op) {
    pr_status st = pr__require_tensor(X, op, "X");
    if (st || (st = pr__require_float(X, op))) return st;
    int fits = X->ndim == m->in_ndim + 1;
    for (int d = 0; fits && d < m->in_ndim; d++) fits = X->shape[d + 1] == m->in_shape[d];
    if (!fits) {
        char got[96], want[96];
        pr_tensor row = {.ndim = m->in_ndim};
        memcpy(row.shape, m->in_shape, (size_t)m->in_ndim * sizeof *m->in_shape);
        return pr__fail(PR_ERR_SHAPE, "%s: the model takes rows of shape %s (%lld values each), as (N, ...); the data "
                                      "has shape %s",
                        op, pr_shape_format(&row, want, sizeof want), (long long)pr_model_input_size(m),
                        pr_shape_format(X, got, sizeof got));
    }
    return pr_tensor_check_finite(X, op);
}

/* dst (rows x width, the model dtype) = rows [start, start + rows) of X, standardised. */
#define COPY_ROWS(SRC_T, DST_T)                                                              \
    do {                                                                                     \
        const SRC_T *src = (const SRC_T *)X->data + start * width;                          \
        DST_T *out = (DST_T *)dst->data;                                                     \
        for (int64_t i = 0; i < rows; i++)                                                   \
            for (int64_t j = 0; j < width; j++) {                                            \
                double v = (double)src[i * width + j];                                       \
                out[i * width + j] = (DST_T)(mean ? (v - mean[j]) / scale[j] : v);           \
            }                                                                                \
    } while (0)

static void copy_rows(const pr_model *m, const pr_tensor *X, int64_t start, int64_t rows, pr_tensor *dst) {
    int64_t width = pr_model_input_size(m);
    const double *mean = m->mean ? pr_tensor_f64(m->mean) : NULL, *scale = m->scale ? pr_tensor_f64(m->scale) : NULL;
    if (!mean && X->dtype == dst->dtype) {
        memcpy(dst->data, (const char *)X->data + (size_t)(start * width) * pr_dtype_size(X->dtype),
               (size_t)(rows * width) * pr_dtype_size(X->dtype));
    } else if (X->dtype == PR_F32) {
        if (dst->dtype == PR_F32) COPY_ROWS(float, float);
        else COPY_ROWS(float, double);
    } else {
        if (dst->dtype == PR_F32) COPY_ROWS(double, float);
        else COPY_ROWS(double, double);
    }
}

pr_status pr_model_check_input(const pr_model *m, const pr_tensor *X) {
    if (!m) return pr__fail(PR_ERR_INVALID, "model_check_input: model is NULL");
    return check_rows(m, X, "model_check_input");
}

int pr_model_has_standardization(const pr_model *m) { return m && m->mean; }

pr_status pr_model_prepare_input(const pr_model *m, const pr_tensor *X, pr_tensor **out) {
    if (!m || !out) return pr__fail(PR_ERR_INVALID, "model_prepare_input: NULL argument");
    pr_status st = check_rows(m, X, "model_prepare_input");
    if (st) return st;
    pr_tensor *dst;
    if ((st = pr__tensor_alloc(&dst, m->dtype, X->ndim, X->shape, false))) return st;
    copy_rows(m, X, 0, X->shape[0], dst);
    *out = dst;
    return PR_OK;
}

/* The values of `node` (per row: nd - 1 extents `per`) for the rows of X, computed in
 * evaluation mode in batches of FORWARD_BATCH rows. */
static pr_status forward_rows(pr_model *m, const pr_tensor *X, pr_node node, int nd, const int64_t *per, pr_tensor **out) {
    int64_t N = X->shape[0], shape[PR_MAX_DIMS];
    pr_status st = PR_OK;
    shape[0] = N;
    memcpy(shape + 1, per, (size_t)(nd - 1) * sizeof *per);
    size_t esize = pr_dtype_size(m->dtype);
    pr_tensor *Y = NULL;
    if ((st = pr__tensor_alloc(&Y, m->dtype, nd, shape, false))) return st;
    int64_t per_row = N ? Y->size / N : 0;
    if (!m->staging) { /* one batch of rows, kept for the model's life */
        int64_t in[PR_MAX_DIMS];
        in[0] = FORWARD_BATCH;
        memcpy(in + 1, m->in_shape, (size_t)m->in_ndim * sizeof *in);
        if ((st = pr__tensor_alloc(&m->staging, m->dtype, m->in_ndim + 1, in, false))) {
            pr_tensor_free(Y);
            return st;
        }
    }
    /* rows already in the model's form are read in place; others go through staging */
    int direct = X->dtype == m->dtype && !m->mean;
    int was_training = pr_graph_training(m->g);
    pr_graph_set_training(m->g, 0);
    for (int64_t start = 0; start < N && !st; start += FORWARD_BATCH) {
        int64_t rows = N - start < FORWARD_BATCH ? N - start : FORWARD_BATCH;
        pr_tensor batch, y;
        if (direct) {
            st = pr_tensor_view_rows(X, start, start + rows, &batch);
        } else if (!(st = pr_tensor_view_rows(m->staging, 0, rows, &batch))) {
            copy_rows(m, X, start, rows, &batch);
        }
        if (st || (st = pr_graph_bind_input(m->g, m->x, &batch)) || (st = pr_graph_forward(m->g, node)) ||
            (st = pr_graph_value(m->g, node, &y)))
            break;
        if (y.size != rows * per_row) {
            st = pr__fail(PR_ERR_INTERNAL, "model_forward: the output has %lld values for %lld rows, not %lld per row",
                          (long long)y.size, (long long)rows, (long long)per_row);
            break;
        }
        memcpy((char *)Y->data + (size_t)(start * per_row) * esize, y.data, (size_t)y.size * esize);
    }
    /* leave the input bound to the model's own buffer, never to the caller's rows */
    pr_tensor rest;
    if (!pr_tensor_view_rows(m->staging, 0, N < FORWARD_BATCH ? N : FORWARD_BATCH, &rest))
        pr_graph_bind_input(m->g, m->x, &rest);
    pr_graph_set_training(m->g, was_training);
    if (st) {
        pr_tensor_free(Y);
        return st;
    }
    *out = Y;
    return PR_OK;
}

pr_status pr_model_forward(pr_model *m, const pr_tensor *X, pr_tensor **out) {
    if (!m || !out) return pr__fail(PR_ERR_INVALID, "model_forward: NULL argument");
    pr_status st = check_rows(m, X, "model_forward");
    if (st) return st;
    /* the output's true shape (N, ...): a sequence model's (N, T, K), say */
    int64_t per[PR_MAX_DIMS];
    int nd = pr_model_output_shape(m, per) + 1;
    return forward_rows(m, X, m->y, nd, per, out);
}

int pr_model_code_size(const pr_model *m) { return m && m->has_code ? (int)m->code_size : 0; }

pr_status pr_model_encode(pr_model *m, const pr_tensor *X, pr_tensor **codes) {
    if (!m || !codes) return pr__fail(PR_ERR_INVALID, "model_encode: NULL argument");
    if (!m->has_code)
        return pr__fail(PR_ERR_INVALID, "model_encode: the model has no bottleneck: mark one with a code layer "
                                        "(dense:32,code) or a vae:Z layer");
    pr_status st = check_rows(m, X, "model_encode");
    return st ? st : forward_rows(m, X, m->code, 2, &m->code_size, codes);
}

/* Outputs shaped as the inputs, mapped back through the input standardisation. */
static void unstandardize(const pr_model *m, pr_tensor *Y) {
    if (!m->mean || Y->size == 0) return;
    int64_t per = m->mean->size, rows = Y->size / per;
    if (rows * per != Y->size) return;
    for (int64_t i = 0; i < rows; i++)
        for (int64_t j = 0; j < per; j++) {
            double s = pr_tensor_get(m->scale, j), v = pr_tensor_get(Y, i * per + j);
            pr_tensor_set(Y, i * per + j, v * (s != 0 ? s : 1) + pr_tensor_get(m->mean, j));
        }
}

pr_status pr_model_reconstruct(pr_model *m, const pr_tensor *X, pr_tensor **out) {
    if (!m || !out) return pr__fail(PR_ERR_INVALID, "model_reconstruct: NULL argument");
    if (pr_model_output_size(m) != pr_model_input_size(m))
        return pr__fail(PR_ERR_INVALID, "model_reconstruct: the model gives %lld values per row for %lld inputs; it is "
                                        "not an autoencoder", (long long)pr_model_output_size(m),
                        (long long)pr_model_input_size(m));
    pr_status st = pr_model_forward(m, X, out);
    if (!st) unstandardize(m, *out);
    return st;
}

pr_status pr_model_sample(pr_model *m, int64_t n, uint64_t seed, pr_tensor **out) {
    if (!m || !out) return pr__fail(PR_ERR_INVALID, "model_sample: NULL argument");
    if (!m->has_prior)
        return pr__fail(PR_ERR_INVALID, "model_sample: the model has no latent prior to sample (a vae:Z layer)");
    if (n < 1 || n > 1000000) return pr__fail(PR_ERR_INVALID, "model_sample: %lld samples (1 to 1,000,000)", (long long)n);
    int64_t shape[PR_MAX_DIMS + 1];
    shape[0] = n;
    memcpy(shape + 1, m->in_shape, (size_t)m->in_ndim * sizeof *shape);
    pr_tensor *X = NULL; /* the encoder's input is ignored under prior sampling */
    pr_status st = pr_tensor_zeros(&X, m->dtype, m->in_ndim + 1, shape);
    pr_rng saved = *pr_graph_rng(m->g);
    pr_graph_seed(m->g, seed);
    pr_graph_set_prior_sampling(m->g, 1);
    int64_t per[PR_MAX_DIMS];
    int nd = pr_model_output_shape(m, per) + 1;
    if (!st) st = forward_rows(m, X, m->y, nd, per, out);
    if (!st && pr_model_output_size(m) == pr_model_input_size(m)) unstandardize(m, *out);
    pr_graph_set_prior_sampling(m->g, 0);
    *pr_graph_rng(m->g) = saved;
    pr_tensor_free(X);
    return st;
}

pr_status pr_model_predict_proba(pr_model *m, const pr_tensor *X, pr_tensor **proba) {
    if (!m || !proba) return pr__fail(PR_ERR_INVALID, "model_predict_proba: NULL argument");
    if (m->task != PR_TASK_CLASSIFICATION)
        return pr__fail(PR_ERR_INVALID, "model_predict_proba: the model is not a classifier");
    pr_tensor *logits, *p;
    pr_status st = pr_model_forward(m, X, &logits);
    if (st) return st;
    st = pr_tensor_cast(logits, PR_F64, &p);
    pr_tensor_free(logits);
    if (st) return st;
    /* over the class axis (the last), at every position */
    int64_t K = p->shape[p->ndim - 1], positions = K ? p->size / K : 0;
    double *v = pr_tensor_f64(p);
    for (int64_t i = 0; i < positions; i++) pr__softmax_f64(v + i * K, K, 1, v + i * K, 0);
    *proba = p;
    return PR_OK;
}

pr_status pr_model_predict_classes(pr_model *m, const pr_tensor *X, pr_tensor **labels) {
    if (!m || !labels) return pr__fail(PR_ERR_INVALID, "model_predict_classes: NULL argument");
    if (m->task != PR_TASK_CLASSIFICATION)
        return pr__fail(PR_ERR_INVALID, "model_predict_classes: the model is not a classifier");
    pr_tensor *logits, *out;
    pr_status st = pr_model_forward(m, X, &logits);
    if (st) return st;
    /* one label per position: (N) for a row classifier, (N, T) per token */
    int64_t K = logits->shape[logits->ndim - 1], positions = K ? logits->size / K : 0;
    if ((st = pr_tensor_zeros(&out, PR_F64, logits->ndim - 1, logits->shape))) {
        pr_tensor_free(logits);
        return st;
    }
    for (int64_t i = 0; i < positions; i++) {
        int64_t best = 0;
        for (int64_t k = 1; k < K; k++)
            if (pr_tensor_get(logits, i * K + k) > pr_tensor_get(logits, i * K + best)) best = k;
        pr_tensor_f64(out)[i] = pr_model_class_label(m, best);
    }
    pr_tensor_free(logits);
    *labels = out;
    return PR_OK;
}
