/* The computational graph: building, planning storage, forward and backward. */
#include <math.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "autograd/graph_internal.h"
#include "core/parallel.h"

/* Serial numbers tell graphs apart so a node handle used with the wrong graph (or
 * one freed and replaced at the same address) is caught. This counter is the one
 * piece of process-wide state in primer; it affects no result. */
static atomic_uint graph_serials = 1;

#define ALIGN_UP(x) (((x) + PR_ALIGNMENT - 1) & ~(size_t)(PR_ALIGNMENT - 1))

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---- graphs --------------------------------------------------------------------------- */

pr_status pr_graph_new(pr_graph **out, pr_dtype dtype) {
    if (!out) return pr__fail(PR_ERR_INVALID, "graph_new: output pointer is NULL");
    if (!pr_dtype_is_float(dtype))
        return pr__fail(PR_ERR_DTYPE, "graph_new: a graph computes in float32 or float64, not %s", pr_dtype_name(dtype));
    pr_graph *g = pr__calloc(1, sizeof *g);
    if (!g) return PR_ERR_NOMEM;
    g->magic = PR__GRAPH_MAGIC;
    g->serial = atomic_fetch_add(&graph_serials, 1);
    if (g->serial == 0) g->serial = atomic_fetch_add(&graph_serials, 1); /* 0 marks invalid handles */
    g->dtype = dtype;
    g->esize = pr_dtype_size(dtype);
    g->training = 1;
    pr_rng_seed(&g->rng, 0);
    *out = g;
    return PR_OK;
}

void pr_graph_free(pr_graph *g) {
    if (!g) return;
    for (int32_t i = 0; i < g->n_nodes; i++) pr__free(g->nodes[i].store);
    free(g->nodes);
    free(g->edges);
    free(g->edge_value);
    free(g->edge_grad);
    pr__free(g->arena);
    pr__free(g->params);
    pr__free(g->param_grads);
    free(g->mark);
    free(g->stack);
    g->magic = PR__GRAPH_FREED;
    free(g);
}

static int graph_ok(const pr_graph *g) { return g && g->magic == PR__GRAPH_MAGIC; }

static pr_status check_graph(const pr_graph *g, const char *op) {
    if (!g) return pr__fail(PR_ERR_INVALID, "%s: graph is NULL", op);
    if (g->magic != PR__GRAPH_MAGIC) return pr__fail(PR_ERR_INVALID, "%s: not a live graph (freed?)", op);
    return PR_OK;
}

pr_dtype pr_graph_dtype(const pr_graph *g) { return graph_ok(g) ? g->dtype : (pr_dtype)0; }
pr_status pr_graph_status(const pr_graph *g) { return graph_ok(g) ? g->build_status : PR_ERR_INVALID; }
const char *pr_graph_error(const pr_graph *g) { return graph_ok(g) ? g->build_error : "not a live graph"; }
int32_t pr_graph_node_count(const pr_graph *g) { return graph_ok(g) ? g->n_nodes : 0; }
int pr_node_is_valid(pr_node n) { return n.graph != 0 && n.id >= 0; }

static const pr_node invalid_node = {0, -1};

pr_node pr__graph_fail(pr_graph *g, pr_status st) {
    if (graph_ok(g) && !g->build_status) {
        g->build_status = st;
        snprintf(g->build_error, sizeof g->build_error, "%s", pr_last_error());
    }
    return invalid_node;
}

pr_node pr_graph_fail_build(pr_graph *g, pr_status status, const char *fmt, ...) {
    char msg[480];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return pr__graph_fail(g, pr__fail(status ? status : PR_ERR_INVALID, "%s", msg));
}

pr_status pr__graph_node(const pr_graph *g, pr_node h, const char *op, int32_t *id) {
    if (h.graph == 0 || h.id < 0)
        return pr__fail(PR_ERR_INVALID, "%s: invalid node (an earlier build step failed: %s)", op,
                        graph_ok(g) && g->build_status ? g->build_error : "see pr_graph_error");
    if (h.graph != g->serial || h.id >= g->n_nodes)
        return pr__fail(PR_ERR_INVALID, "%s: node #%d belongs to graph %u, not to this graph (%u): "
                                        "nodes of different graphs cannot be mixed",
                        op, (int)h.id, h.graph, g->serial);
    *id = h.id;
    return PR_OK;
}

void pr__kernel_fail(const pr__kernel *k, pr_status status, const char *fmt, ...) {
    char msg[512], label[96];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    pr_graph *g = k->graph_;
    pr__fail(status, "%s: %s", pr__node_label(g, k->node_, label, sizeof label), msg);
    g->run_status = status;
}

const char *pr__node_label(const pr_graph *g, int32_t id, char *buf, size_t len) {
    const pr__node *n = &g->nodes[id];
    const char *kind = n->kind == NODE_OP ? pr__ops[n->op].name
                       : n->kind == NODE_INPUT ? "input"
                       : n->kind == NODE_PARAM ? "param"
                       : n->kind == NODE_BUFFER ? "buffer"
                                               : "const";
    snprintf(buf, len, "#%d '%s' (%s)", (int)id, n->name, kind);
    return buf;
}

static pr_node handle(const pr_graph *g, int32_t id) {
    pr_node h = {g->serial, id};
    return h;
}

/* ---- building ---------------------------------------------------------------------------- */

/* A new zeroed node at the end; NULL (with the error recorded) when memory runs out. */
static pr__node *append_node(pr_graph *g) {
    if (g->n_nodes == g->cap_nodes) {
        int32_t cap = g->cap_nodes ? g->cap_nodes * 2 : 32;
        pr__node *nodes = pr__realloc(g->nodes, (size_t)cap * sizeof *nodes);
        if (!nodes) return NULL;
        g->nodes = nodes;
        unsigned char *mark = pr__realloc(g->mark, (size_t)cap);
        if (!mark) return NULL;
        g->mark = mark;
        int32_t *stack = pr__realloc(g->stack, (size_t)cap * sizeof *stack);
        if (!stack) return NULL;
        g->stack = stack;
        g->cap_nodes = cap;
    }
    pr__node *n = &g->nodes[g->n_nodes];
    memset(n, 0, sizeof *n);
    for (int d = 0; d < PR_MAX_DIMS; d++) n->shape[d] = n->decl[d] = 1;
    g->planned = 0;
    return n;
}

static void set_name(pr__node *n, const char *name, const char *fallback, int32_t id) {
    if (name && *name) snprintf(n->name, sizeof n->name, "%s", name);
    else snprintf(n->name, sizeof n->name, "%s%d", fallback, (int)id);
}

static pr_status check_shape(int ndim, const int64_t *shape, int allow_unknown, const char *op) {
    if (ndim < 0 || ndim > PR_MAX_DIMS) return pr__fail(PR_ERR_INVALID, "%s: rank %d is outside 0..%d", op, ndim, PR_MAX_DIMS);
    for (int d = 0; d < ndim; d++)
        if (shape[d] < (allow_unknown ? -1 : 0))
            return pr__fail(PR_ERR_INVALID, "%s: extent %lld on axis %d is invalid", op, (long long)shape[d], d);
    return PR_OK;
}

static int builder_ready(pr_graph *g) { return graph_ok(g) && !g->build_status; }

pr_node pr_g_input(pr_graph *g, const char *name, int ndim, const int64_t *shape) {
    if (!builder_ready(g)) return invalid_node;
    pr_status st = check_shape(ndim, shape, 1, "input");
    if (st) return pr__graph_fail(g, st);
    pr__node *n = append_node(g);
    if (!n) return pr__graph_fail(g, PR_ERR_NOMEM);
    n->kind = NODE_INPUT;
    n->ndim = ndim;
    for (int d = 0; d < ndim; d++) n->shape[d] = n->decl[d] = shape[d];
    set_name(n, name, "x", g->n_nodes);
    return handle(g, g->n_nodes++);
}

/* Grow the flat parameter buffers to hold `extra` more elements (new ones zero). */
static pr_status grow_params(pr_graph *g, int64_t extra) {
    int64_t need = g->param_elems + extra;
    if (need <= g->param_cap) return PR_OK;
    int64_t cap = g->param_cap ? g->param_cap : 256;
    while (cap < need) cap *= 2;
    size_t bytes;
    if (!pr__mul_size((size_t)cap, g->esize, &bytes)) return pr__fail(PR_ERR_OVERFLOW, "param: too many parameters");
    unsigned char *v = pr__alloc(bytes, true), *gr = pr__alloc(bytes, true);
    if (!v || !gr) {
        pr__free(v);
        pr__free(gr);
        return PR_ERR_NOMEM;
    }
    if (g->param_elems) {
        memcpy(v, g->params, (size_t)g->param_elems * g->esize);
        memcpy(gr, g->param_grads, (size_t)g->param_elems * g->esize);
    }
    pr__free(g->params);
    pr__free(g->param_grads);
    g->params = v;
    g->param_grads = gr;
    g->param_cap = cap;
    return PR_OK;
}

pr_node pr_g_param(pr_graph *g, const char *name, int ndim, const int64_t *shape) {
    if (!builder_ready(g)) return invalid_node;
    int64_t count;
    pr_status st = check_shape(ndim, shape, 0, "param");
    if (!st) st = pr__shape_count(ndim, shape, NULL, &count);
    if (!st && !g->abstract) st = grow_params(g, count);
    if (st) return pr__graph_fail(g, st);
    pr__node *n = append_node(g);
    if (!n) return pr__graph_fail(g, PR_ERR_NOMEM);
    n->kind = NODE_PARAM;
    n->ndim = ndim;
    for (int d = 0; d < ndim; d++) n->shape[d] = shape[d];
    n->size = count;
    n->param_off = g->abstract ? 0 : g->param_elems;
    if (!g->abstract) g->param_elems += count;
    g->n_params++;
    set_name(n, name, "p", g->n_nodes);
    return handle(g, g->n_nodes++);
}

/* Copy `value` into dst (n elements of the graph's dtype), converting. */
static void store_converted(const pr_graph *g, void *dst, const pr_tensor *value) {
    if (value->dtype == g->dtype) {
        memcpy(dst, value->data, (size_t)value->size * g->esize);
        return;
    }
    pr_tensor view = {.data = dst, .size = value->size, .dtype = g->dtype, .ndim = 1};
    view.shape[0] = value->size;
    for (int64_t i = 0; i < value->size; i++) pr_tensor_set(&view, i, pr_tensor_get(value, i));
}

pr_node pr_g_const(pr_graph *g, const char *name, const pr_tensor *value) {
    if (!builder_ready(g)) return invalid_node;
    pr_status st = pr__require_tensor(value, "const", "value");
    if (st) return pr__graph_fail(g, st);
    pr__node *n = append_node(g);
    if (!n) return pr__graph_fail(g, PR_ERR_NOMEM);
    n->kind = NODE_CONST;
    n->ndim = value->ndim;
    memcpy(n->shape, value->shape, sizeof n->shape);
    n->size = value->size;
    n->store_bytes = (size_t)value->size * g->esize;
    if (!(n->store = pr__alloc(n->store_bytes, false))) return pr__graph_fail(g, PR_ERR_NOMEM);
    store_converted(g, n->store, value);
    set_name(n, name, "c", g->n_nodes);
    return handle(g, g->n_nodes++);
}

pr_node pr_g_buffer(pr_graph *g, const char *name, int ndim, const int64_t *shape, double fill) {
    if (!builder_ready(g)) return invalid_node;
    int64_t count;
    pr_status st = check_shape(ndim, shape, 0, "buffer");
    if (!st) st = pr__shape_count(ndim, shape, NULL, &count);
    if (st) return pr__graph_fail(g, st);
    pr__node *n = append_node(g);
    if (!n) return pr__graph_fail(g, PR_ERR_NOMEM);
    n->kind = NODE_BUFFER;
    n->ndim = ndim;
    for (int d = 0; d < ndim; d++) n->shape[d] = shape[d];
    n->size = count;
    n->store_bytes = (size_t)count * g->esize;
    if (!(n->store = pr__alloc(n->store_bytes, false))) return pr__graph_fail(g, PR_ERR_NOMEM);
    pr_tensor view = {.data = n->store, .size = count, .dtype = g->dtype, .ndim = 1};
    pr_tensor_fill(&view, fill);
    set_name(n, name, "buf", g->n_nodes);
    return handle(g, g->n_nodes++);
}

pr_node pr_g_scalar(pr_graph *g, double value) {
    pr_tensor t = {.data = &value, .size = 1, .dtype = PR_F64, .ndim = 0};
    for (int d = 0; d < PR_MAX_DIMS; d++) t.shape[d] = 1;
    char name[32];
    snprintf(name, sizeof name, "%g", value);
    return pr_g_const(g, name, &t);
}

/* Room for `extra` more edges. */
static int grow_edges(pr_graph *g, int64_t extra) {
    if (g->n_edges + extra <= g->cap_edges) return 1;
    int64_t cap = g->cap_edges ? g->cap_edges : 64;
    while (cap < g->n_edges + extra) cap *= 2;
    int32_t *edges = pr__realloc(g->edges, (size_t)cap * sizeof *edges);
    if (!edges) return 0;
    g->edges = edges;
    g->cap_edges = cap;
    return 1;
}

/* Add an op node over `inputs`, inferring (leniently) and validating its shape. */
static pr_node add_op(pr_graph *g, pr__op op, const pr_node *inputs, int n_in, const pr__attr *attr) {
    if (!builder_ready(g)) return invalid_node;
    const pr__op_def *def = &pr__ops[op];
    if (n_in < def->min_in || n_in > def->max_in) {
        if (def->max_in == PR__ANY)
            return pr__graph_fail(g, pr__fail(PR_ERR_INVALID, "%s: takes at least %d input%s, got %d", def->name,
                                              def->min_in, def->min_in == 1 ? "" : "s", n_in));
        return pr__graph_fail(g, pr__fail(PR_ERR_INVALID, "%s: takes %d to %d inputs, got %d", def->name,
                                          def->min_in, def->max_in, n_in));
    }
    if (!inputs) return pr__graph_fail(g, pr__fail(PR_ERR_INVALID, "%s: the inputs are NULL", def->name));
    if (!grow_edges(g, n_in)) return pr__graph_fail(g, PR_ERR_NOMEM);
    for (int k = 0; k < n_in; k++) {
        int32_t id;
        pr_status st = pr__graph_node(g, inputs[k], def->name, &id);
        if (st) return pr__graph_fail(g, st);
        g->edges[g->n_edges + k] = id;
    }
    pr__node *n = append_node(g);
    if (!n) return pr__graph_fail(g, PR_ERR_NOMEM);
    n->kind = NODE_OP;
    n->op = op;
    n->n_in = n_in;
    n->in_off = g->n_edges;
    if (attr) n->attr = *attr;
    set_name(n, NULL, def->name, g->n_nodes);
    pr_status st = def->infer(g, n, 0);
    if (st) return pr__graph_fail(g, st); /* the node and its edges are not counted */
    g->n_edges += n_in;
    return handle(g, g->n_nodes++);
}

static pr_node unary(pr_graph *g, pr__op op, pr_node a, double p, double q) {
    pr__attr at = {.a = p, .b = q};
    return add_op(g, op, &a, 1, &at);
}

static pr_node binary(pr_graph *g, pr__op op, pr_node a, pr_node b) {
    pr_node in[2] = {a, b};
    return add_op(g, op, in, 2, NULL);
}

pr_node pr_g_add(pr_graph *g, pr_node a, pr_node b) { return binary(g, PR__OP_ADD, a, b); }
pr_node pr_g_sub(pr_graph *g, pr_node a, pr_node b) { return binary(g, PR__OP_SUB, a, b); }
pr_node pr_g_mul(pr_graph *g, pr_node a, pr_node b) { return binary(g, PR__OP_MUL, a, b); }
pr_node pr_g_div(pr_graph *g, pr_node a, pr_node b) { return binary(g, PR__OP_DIV, a, b); }
pr_node pr_g_matmul(pr_graph *g, pr_node a, pr_node b) { return binary(g, PR__OP_MATMUL, a, b); }
pr_node pr_g_matmul_t(pr_graph *g, pr_node a, int transpose_a, pr_node b, int transpose_b) {
    pr_node in[2] = {a, b};
    pr__attr at = {.transpose_a = transpose_a != 0, .transpose_b = transpose_b != 0};
    return add_op(g, PR__OP_MATMUL, in, 2, &at);
}
pr_node pr_g_matmul_nt(pr_graph *g, pr_node a, pr_node b) { return pr_g_matmul_t(g, a, 0, b, 1); }
pr_node pr_g_linear(pr_graph *g, pr_node x, pr_node W, pr_node bias) {
    if (!pr_node_is_valid(bias)) return pr_g_matmul_nt(g, x, W);
    pr_node in[3] = {x, W, bias};
    pr__attr at = {.transpose_b = 1};
    return add_op(g, PR__OP_MATMUL, in, 3, &at);
}
pr_node pr_g_log1p(pr_graph *g, pr_node a) { return unary(g, PR__OP_LOG1P, a, 0, 0); }
pr_node pr_g_embedding(pr_graph *g, pr_node table, pr_node indices) { return binary(g, PR__OP_EMBEDDING, table, indices); }
pr_node pr_g_softmax_cross_entropy(pr_graph *g, pr_node logits, pr_node targets) {
    return binary(g, PR__OP_SOFTMAX_CE, logits, targets);
}

pr_node pr_g_cross_entropy(pr_graph *g, pr_node logits, pr_node targets, pr_reduction reduction, int64_t ignore_index) {
    if (builder_ready(g) && (unsigned)reduction > PR_REDUCTION_NONE)
        return pr__graph_fail(g, pr__fail(PR_ERR_INVALID, "cross_entropy: unknown reduction %d", (int)reduction));
    pr_node in[2] = {logits, targets};
    pr__attr at = {.reduction = reduction, .has_ignore = ignore_index != PR_NO_IGNORE, .ignore_index = ignore_index};
    return add_op(g, PR__OP_SOFTMAX_CE, in, 2, &at);
}

pr_node pr_g_bce_with_logits(pr_graph *g, pr_node logits, pr_node targets) {
    return binary(g, PR__OP_BCE_LOGITS, logits, targets);
}
pr_node pr_g_dropout(pr_graph *g, pr_node a, double p, int standard) {
    if (builder_ready(g) && !(p >= 0 && p < 1))
        return pr__graph_fail(g, pr__fail(PR_ERR_INVALID, "dropout: rate %g is outside [0, 1)", p));
    return unary(g, PR__OP_DROPOUT, a, p, standard != 0);
}

pr_node pr_g_gaussian_sample(pr_graph *g, pr_node mu, pr_node logvar) { return binary(g, PR__OP_GAUSSIAN_SAMPLE, mu, logvar); }

pr_node pr_g_batchnorm(pr_graph *g, pr_node x, pr_node gamma, pr_node beta, pr_node running_mean,
                       pr_node running_var, pr_node batches, double eps, double momentum) {
    if (builder_ready(g) && (!(eps > 0) || !(momentum >= 0 && momentum <= 1)))
        return pr__graph_fail(g, pr__fail(PR_ERR_INVALID, "batchnorm: needs eps > 0 and momentum in [0, 1]"));
    pr_node in[6] = {x, gamma, beta, running_mean, running_var, batches};
    pr__attr at = {.a = eps, .b = momentum};
    return add_op(g, PR__OP_BATCHNORM, in, 6, &at);
}

pr_node pr_g_no_node(void) { return invalid_node; }

pr_node pr_g_conv2d(pr_graph *g, pr_node x, pr_node weight, pr_node bias, const pr_conv2d_params *params) {
    if (!builder_ready(g)) return invalid_node;
    pr_conv2d_params p = params ? *params : PR_CONV2D_DEFAULTS;
    for (int d = 0; d < 2; d++)
        if (p.stride[d] < 1 || p.padding[d] < 0 || p.dilation[d] < 1)
            return pr__graph_fail(g, pr__fail(PR_ERR_INVALID, "conv2d: stride %lld, padding %lld, dilation %lld on the "
                                                              "%s axis (need stride >= 1, padding >= 0, dilation >= 1)",
                                              (long long)p.stride[d], (long long)p.padding[d], (long long)p.dilation[d],
                                              d ? "width" : "height"));
    pr__attr at = {0};
    for (int d = 0; d < 2; d++) {
        at.win.stride[d] = p.stride[d];
        at.win.pad[d] = p.padding[d];
        at.win.dilation[d] = p.dilation[d];
    }
    pr_node in[3] = {x, weight, bias};
    return add_op(g, PR__OP_CONV2D, in, pr_node_is_valid(bias) ? 3 : 2, &at);
}

int pr_rnn_gates(pr_rnn_mode mode) { return mode == PR_RNN_LSTM ? 4 : mode == PR_RNN_GRU ? 3 : 1; }

pr_node pr_g_rnn(pr_graph *g, pr_rnn_mode mode, pr_node x, pr_node w_ih, pr_node w_hh, pr_node b_ih, pr_node b_hh,
                 pr_node h0, pr_node c0, int64_t bptt) {
    if (!builder_ready(g)) return invalid_node;
    if ((unsigned)mode > PR_RNN_GRU) return pr__graph_fail(g, pr__fail(PR_ERR_INVALID, "rnn: unknown cell %d", (int)mode));
    if (bptt < 0) return pr__graph_fail(g, pr__fail(PR_ERR_INVALID, "rnn: bptt %lld is negative", (long long)bptt));
    int has_h0 = pr_node_is_valid(h0), has_c0 = pr_node_is_valid(c0);
    if (has_c0 && (mode != PR_RNN_LSTM || !has_h0))
        return pr__graph_fail(g, pr__fail(PR_ERR_INVALID, "rnn: an initial cell state needs an LSTM and an initial "
                                                          "hidden state"));
    pr_node in[7] = {x, w_ih, w_hh, b_ih, b_hh, h0, c0};
    pr__attr at = {.seq = {.mode = (int)mode, .bptt = bptt}};
    return add_op(g, PR__OP_RNN, in, 5 + has_h0 + has_c0, &at);
}

pr_node pr_g_attention(pr_graph *g, pr_node q, pr_node k, pr_node v, pr_node key_padding_mask,
                       const pr_attention_params *params) {
    if (!builder_ready(g)) return invalid_node;
    pr_attention_params p = params ? *params : PR_ATTENTION_DEFAULTS;
    if (p.heads < 1) return pr__graph_fail(g, pr__fail(PR_ERR_INVALID, "attention: %lld heads", (long long)p.heads));
    if (p.packed && (q.id != k.id || q.id != v.id))
        return pr__graph_fail(g, pr__fail(PR_ERR_INVALID, "attention: packed q, k, v must be the same node given three "
                                                          "times"));
    pr_node in[4] = {q, k, v, key_padding_mask};
    pr__attr at = {.seq = {.heads = p.heads, .causal = p.causal != 0, .packed = p.packed != 0}};
    return add_op(g, PR__OP_ATTENTION, in, pr_node_is_valid(key_padding_mask) ? 4 : 3, &at);
}

pr_node pr_g_layernorm(pr_graph *g, pr_node x, pr_node gamma, pr_node beta, double eps) {
    if (builder_ready(g) && !(eps > 0))
        return pr__graph_fail(g, pr__fail(PR_ERR_INVALID, "layernorm: needs eps > 0, got %g", eps));
    pr_node in[3] = {x, gamma, beta};
    pr__attr at = {.a = eps};
    return add_op(g, PR__OP_LAYERNORM, in, 3, &at);
}

pr_status pr_graph_attention_weights(const pr_graph *g, int which, pr_tensor **weights) {
    if (!graph_ok(g) || !weights) return pr__fail(PR_ERR_INVALID, "attention_weights: NULL argument");
    int seen = 0;
    for (int32_t i = 0; i < g->n_nodes; i++) {
        const pr__node *n = &g->nodes[i];
        if (n->kind != NODE_OP || n->op != PR__OP_ATTENTION || seen++ != which) continue;
        if (!g->planned) return pr__fail(PR_ERR_INVALID, "attention_weights: attention op %d has not run", which);
        int64_t B = n->shape[0], Tq = n->shape[1], Tk = pr__in(g, n, 1)->shape[1], H = n->attr.seq.heads;
        pr_tensor view = {.data = g->arena + n->scratch_off, .dtype = g->dtype, .ndim = 4, .size = B * H * Tq * Tk};
        for (int d = 0; d < PR_MAX_DIMS; d++) view.shape[d] = 1;
        view.shape[0] = B, view.shape[1] = H, view.shape[2] = Tq, view.shape[3] = Tk;
        return pr_tensor_copy(&view, weights);
    }
    return pr__fail(PR_ERR_NOT_FOUND, "attention_weights: the graph has %d attention ops, not %d", seen, which + 1);
}

pr_node pr_g_embedding_padded(pr_graph *g, pr_node table, pr_node indices, int64_t padding_idx) {
    if (padding_idx < -1)
        return builder_ready(g) ? pr__graph_fail(g, pr__fail(PR_ERR_INVALID, "embedding: padding index %lld",
                                                             (long long)padding_idx))
                                : invalid_node;
    pr_node in[2] = {table, indices};
    pr__attr at = {.has_ignore = padding_idx >= 0, .ignore_index = padding_idx};
    return add_op(g, PR__OP_EMBEDDING, in, 2, &at);
}

static pr_node pool2d(pr_graph *g, pr__op op, pr_node x, const pr_pool2d_params *params) {
    if (!builder_ready(g)) return invalid_node;
    pr_pool2d_params p = params ? *params : PR_POOL2D_DEFAULTS;
    pr__attr at = {0};
    for (int d = 0; d < 2; d++) {
        int64_t k = p.kernel[d], s = p.stride[d] == PR_UNSET_INT ? k : p.stride[d], pad = p.padding[d];
        if (k < 1 || s < 1 || pad < 0 || pad > k / 2)
            return pr__graph_fail(g, pr__fail(PR_ERR_INVALID, "%s: kernel %lld, stride %lld, padding %lld on the %s "
                                                              "axis (need kernel >= 1, stride >= 1, 0 <= padding <= "
                                                              "kernel / 2)",
                                              pr__ops[op].name, (long long)k, (long long)s, (long long)pad,
                                              d ? "width" : "height"));
        at.win.kernel[d] = k;
        at.win.stride[d] = s;
        at.win.pad[d] = pad;
        at.win.dilation[d] = 1;
    }
    at.win.count_include_pad = p.count_include_pad != 0;
    return add_op(g, op, &x, 1, &at);
}

pr_node pr_g_max_pool2d(pr_graph *g, pr_node x, const pr_pool2d_params *params) {
    return pool2d(g, PR__OP_MAX_POOL2D, x, params);
}
pr_node pr_g_avg_pool2d(pr_graph *g, pr_node x, const pr_pool2d_params *params) {
    return pool2d(g, PR__OP_AVG_POOL2D, x, params);
}

pr_node pr_g_global_avg_pool2d(pr_graph *g, pr_node x) {
    if (!builder_ready(g)) return invalid_node;
    int32_t id;
    pr_status st = pr__graph_node(g, x, "global_avg_pool2d", &id);
    if (st) return pr__graph_fail(g, st);
    const pr__node *n = &g->nodes[id];
    if (n->ndim != 4)
        return pr__graph_fail(g, pr__fail(PR_ERR_SHAPE, "global_avg_pool2d: needs (N, C, H, W) input, got rank %d",
                                          n->ndim));
    /* the mean of each (H W) plane: a view as (N, C, H W), then a mean over its last axis */
    int64_t C = n->shape[1], plane = n->shape[2] < 0 || n->shape[3] < 0 ? -1 : n->shape[2] * n->shape[3];
    if (C < 0 || plane < 0)
        return pr__graph_fail(g, pr__fail(PR_ERR_SHAPE, "global_avg_pool2d: needs known channel and spatial extents"));
    return pr_g_mean(g, pr_g_reshape(g, x, PR_SHAPE(-1, C, plane)), 2, 0);
}

void pr_graph_set_training(pr_graph *g, int on) {
    if (graph_ok(g)) g->training = on != 0;
}
int pr_graph_training(const pr_graph *g) { return graph_ok(g) && g->training; }
void pr_graph_set_prior_sampling(pr_graph *g, int on) {
    if (graph_ok(g)) g->prior_sampling = on != 0;
}
void pr_graph_set_threads(pr_graph *g, pr_threads *pool) {
    if (!graph_ok(g)) return;
    if (pr_threads_count(pool) != pr_threads_count(g->threads)) g->planned = 0; /* scratch per worker */
    g->threads = pool;
}
pr_threads *pr_graph_threads(const pr_graph *g) { return graph_ok(g) ? g->threads : NULL; }
void pr_graph_seed(pr_graph *g, uint64_t seed) {
    if (graph_ok(g)) pr_rng_seed(&g->rng, seed);
}
pr_rng *pr_graph_rng(pr_graph *g) { return graph_ok(g) ? &g->rng : NULL; }

pr_status pr_graph_new_shapes_only(pr_graph **out, pr_dtype dtype) {
    pr_status st = pr_graph_new(out, dtype);
    if (!st) (*out)->abstract = 1;
    return st;
}

pr_node pr_graph_node_at(const pr_graph *g, int32_t i) {
    if (!graph_ok(g) || i < 0 || i >= g->n_nodes) return invalid_node;
    return handle(g, i);
}

pr_node_kind pr_node_kind_of(const pr_graph *g, pr_node h) {
    int32_t id;
    if (!graph_ok(g) || pr__graph_node(g, h, "node_kind", &id)) return PR_NODE_OP;
    switch (g->nodes[id].kind) {
    case NODE_INPUT: return PR_NODE_INPUT;
    case NODE_PARAM: return PR_NODE_PARAM;
    case NODE_CONST: return PR_NODE_CONST;
    case NODE_BUFFER: return PR_NODE_BUFFER;
    case NODE_OP: return PR_NODE_OP;
    }
    return PR_NODE_OP;
}
pr_node pr_g_prelu(pr_graph *g, pr_node a, pr_node alpha) { return binary(g, PR__OP_PRELU, a, alpha); }
pr_node pr_g_neg(pr_graph *g, pr_node a) { return unary(g, PR__OP_NEG, a, 0, 0); }
pr_node pr_g_pow(pr_graph *g, pr_node a, double p) { return unary(g, PR__OP_POW, a, p, 0); }
pr_node pr_g_exp(pr_graph *g, pr_node a) { return unary(g, PR__OP_EXP, a, 0, 0); }
pr_node pr_g_log(pr_graph *g, pr_node a) { return unary(g, PR__OP_LOG, a, 0, 0); }
pr_node pr_g_sqrt(pr_graph *g, pr_node a) { return unary(g, PR__OP_SQRT, a, 0, 0); }
pr_node pr_g_abs(pr_graph *g, pr_node a) { return unary(g, PR__OP_ABS, a, 0, 0); }
pr_node pr_g_scale(pr_graph *g, pr_node a, double s) { return unary(g, PR__OP_SCALE, a, s, 0); }
pr_node pr_g_add_scalar(pr_graph *g, pr_node a, double s) { return unary(g, PR__OP_ADD_SCALAR, a, s, 0); }
pr_node pr_g_relu(pr_graph *g, pr_node a) { return unary(g, PR__OP_RELU, a, 0, 0); }
pr_node pr_g_leaky_relu(pr_graph *g, pr_node a, double slope) { return unary(g, PR__OP_LEAKY_RELU, a, slope, 0); }
pr_node pr_g_sigmoid(pr_graph *g, pr_node a) { return unary(g, PR__OP_SIGMOID, a, 0, 0); }
pr_node pr_g_tanh(pr_graph *g, pr_node a) { return unary(g, PR__OP_TANH, a, 0, 0); }

pr_node pr_g_gelu(pr_graph *g, pr_node a, pr_gelu_mode mode) {
    return unary(g, PR__OP_GELU, a, mode == PR_GELU_TANH ? 1 : 0, 0);
}

pr_node pr_g_clamp(pr_graph *g, pr_node a, double lo, double hi) {
    if (builder_ready(g) && !(lo <= hi))
        return pr__graph_fail(g, pr__fail(PR_ERR_INVALID, "clamp: lower bound %g exceeds upper bound %g", lo, hi));
    return unary(g, PR__OP_CLAMP, a, lo, hi);
}

pr_node pr_g_where(pr_graph *g, pr_node cond, pr_node a, pr_node b) {
    pr_node in[3] = {cond, a, b};
    return add_op(g, PR__OP_WHERE, in, 3, NULL);
}

/* Rank of an input handle (for normalising axes before the node exists). */
static pr_status rank_of(pr_graph *g, pr_node a, const char *op, int *ndim) {
    int32_t id;
    pr_status st = pr__graph_node(g, a, op, &id);
    if (!st) *ndim = g->nodes[id].ndim;
    return st;
}

/* Normalise `axis` for a's rank (PR_AXIS_ALL passes when allow_all). */
static pr_status axis_of(pr_graph *g, pr_node a, int axis, int allow_all, const char *op, int *out) {
    int nd;
    pr_status st = rank_of(g, a, op, &nd);
    if (st) return st;
    if (allow_all && (axis == PR_AXIS_ALL || nd == 0)) {
        *out = PR_AXIS_ALL;
        return PR_OK;
    }
    return pr__normalize_axis(axis, nd, op, out);
}

static pr_node reduction(pr_graph *g, pr__op op, pr_node a, int axis, int keepdims) {
    if (!builder_ready(g)) return invalid_node;
    pr__attr at = {.keepdims = keepdims != 0};
    pr_status st = axis_of(g, a, axis, 1, pr__ops[op].name, &at.axis);
    if (st) return pr__graph_fail(g, st);
    return add_op(g, op, &a, 1, &at);
}

pr_node pr_g_sum(pr_graph *g, pr_node a, int axis, int keepdims) { return reduction(g, PR__OP_SUM, a, axis, keepdims); }
pr_node pr_g_mean(pr_graph *g, pr_node a, int axis, int keepdims) { return reduction(g, PR__OP_MEAN, a, axis, keepdims); }
pr_node pr_g_max(pr_graph *g, pr_node a, int axis, int keepdims) { return reduction(g, PR__OP_MAX, a, axis, keepdims); }
pr_node pr_g_logsumexp(pr_graph *g, pr_node a, int axis, int keepdims) {
    return reduction(g, PR__OP_LOGSUMEXP, a, axis, keepdims);
}

static pr_node along_axis(pr_graph *g, pr__op op, pr_node a, int axis) {
    if (!builder_ready(g)) return invalid_node;
    pr__attr at = {0};
    pr_status st = axis_of(g, a, axis, 0, pr__ops[op].name, &at.axis);
    if (st) return pr__graph_fail(g, st);
    return add_op(g, op, &a, 1, &at);
}

pr_node pr_g_softmax(pr_graph *g, pr_node a, int axis) { return along_axis(g, PR__OP_SOFTMAX, a, axis); }
pr_node pr_g_log_softmax(pr_graph *g, pr_node a, int axis) { return along_axis(g, PR__OP_LOG_SOFTMAX, a, axis); }

pr_node pr_g_transpose(pr_graph *g, pr_node a, const int *perm) {
    if (!builder_ready(g)) return invalid_node;
    int nd;
    pr_status st = rank_of(g, a, "transpose", &nd);
    if (st) return pr__graph_fail(g, st);
    pr__attr at = {0};
    int seen[PR_MAX_DIMS] = {0};
    for (int d = 0; d < nd; d++) {
        at.perm[d] = perm ? perm[d] : nd - 1 - d;
        if (at.perm[d] < 0 || at.perm[d] >= nd || seen[at.perm[d]]++)
            return pr__graph_fail(g, pr__fail(PR_ERR_INVALID, "transpose: axis order is not a permutation of 0..%d", nd - 1));
    }
    return add_op(g, PR__OP_TRANSPOSE, &a, 1, &at);
}

pr_node pr_g_reshape(pr_graph *g, pr_node a, int ndim, const int64_t *shape) {
    if (!builder_ready(g)) return invalid_node;
    pr_status st = check_shape(ndim, shape, 1, "reshape");
    int unknown = 0;
    for (int d = 0; !st && d < ndim; d++) unknown += shape[d] == -1;
    if (!st && unknown > 1) st = pr__fail(PR_ERR_INVALID, "reshape: more than one -1 extent");
    if (st) return pr__graph_fail(g, st);
    pr__attr at = {.target_ndim = ndim};
    for (int d = 0; d < ndim; d++) at.target[d] = shape[d];
    return add_op(g, PR__OP_RESHAPE, &a, 1, &at);
}

pr_node pr_g_concat(pr_graph *g, const pr_node *parts, int n, int axis) {
    if (!builder_ready(g)) return invalid_node;
    if (!parts || n < 1) return pr__graph_fail(g, pr__fail(PR_ERR_INVALID, "concat: needs at least one input, got %d", n));
    pr__attr at = {0};
    pr_status st = axis_of(g, parts[0], axis, 0, "concat", &at.axis);
    if (st) return pr__graph_fail(g, st);
    return add_op(g, PR__OP_CONCAT, parts, n, &at);
}

pr_node pr_g_slice(pr_graph *g, pr_node a, int axis, int64_t start, int64_t stop) {
    if (!builder_ready(g)) return invalid_node;
    pr__attr at = {.start = start, .stop = stop};
    pr_status st = axis_of(g, a, axis, 0, "slice", &at.axis);
    if (st) return pr__graph_fail(g, st);
    return add_op(g, PR__OP_SLICE, &a, 1, &at);
}

/* ---- node information ------------------------------------------------------------------- */

pr_status pr_node_set_name(pr_graph *g, pr_node h, const char *name) {
    int32_t id;
    pr_status st = check_graph(g, "node_set_name");
    if (st || (st = pr__graph_node(g, h, "node_set_name", &id))) return st;
    set_name(&g->nodes[id], name, "n", id);
    return PR_OK;
}

const char *pr_node_name(const pr_graph *g, pr_node h) {
    int32_t id;
    if (!graph_ok(g) || pr__graph_node(g, h, "node_name", &id)) return NULL;
    return g->nodes[id].name;
}

pr_status pr_node_shape(const pr_graph *g, pr_node h, int *ndim, int64_t shape[PR_MAX_DIMS]) {
    int32_t id;
    pr_status st = check_graph(g, "node_shape");
    if (st || (st = pr__graph_node(g, h, "node_shape", &id))) return st;
    *ndim = g->nodes[id].ndim;
    memcpy(shape, g->nodes[id].shape, sizeof g->nodes[id].shape);
    return PR_OK;
}

/* ---- planning ---------------------------------------------------------------------------- */

static void set_view(pr_tensor *t, void *data, const pr__node *n, pr_dtype dtype) {
    t->data = data;
    t->ndim = n->ndim;
    memcpy(t->shape, n->shape, sizeof t->shape);
    t->size = n->size;
    t->dtype = dtype;
    t->flags = 0;
}

/* The kernels' views of each edge: the input's value, and its gradient unless the
 * op gives that input none (then an empty view). */
static pr_status plan_edge_views(pr_graph *g) {
    if (g->n_edges > g->cap_edge_views) {
        int64_t cap = g->cap_edges;
        pr_tensor **v = pr__realloc(g->edge_value, (size_t)cap * sizeof *v);
        if (!v) return PR_ERR_NOMEM;
        g->edge_value = v;
        pr_tensor **gr = pr__realloc(g->edge_grad, (size_t)cap * sizeof *gr);
        if (!gr) return PR_ERR_NOMEM;
        g->edge_grad = gr;
        g->cap_edge_views = cap;
    }
    memset(&g->no_grad, 0, sizeof g->no_grad);
    for (int32_t i = 0; i < g->n_nodes; i++) {
        pr__node *n = &g->nodes[i];
        if (n->kind != NODE_OP) continue;
        unsigned nograd = pr__ops[n->op].nograd;
        for (int k = 0; k < n->n_in; k++) {
            pr__node *x = pr__in(g, n, k);
            g->edge_value[n->in_off + k] = &x->value;
            g->edge_grad[n->in_off + k] = k < 32 && (nograd >> k & 1u) ? &g->no_grad : &x->grad;
        }
    }
    return PR_OK;
}

pr_status pr__graph_plan(pr_graph *g) {
    char label[96];
    /* Shapes and which nodes need gradients. A node that depends on an input whose
     * shape is still unknown (never set) is unavailable: it gets no storage, and a run
     * that needs it reports the input. */
    for (int32_t i = 0; i < g->n_nodes; i++) {
        pr__node *n = &g->nodes[i];
        n->available = 1;
        if (n->kind == NODE_INPUT)
            for (int d = 0; d < n->ndim; d++) n->available &= n->shape[d] >= 0;
        for (int k = 0; k < n->n_in; k++) n->available &= pr__in(g, n, k)->available;
        if (!n->available) {
            n->size = 0;
            n->requires_grad = 0;
            continue;
        }
        /* A node whose shapes do not fit (a loss whose target still has an old batch
         * size, say) is left unplanned; a run that needs it reports why. */
        if (n->kind == NODE_OP && pr__ops[n->op].infer(g, n, 1)) {
            n->available = 0;
            n->size = 0;
            n->requires_grad = 0;
            continue;
        }
        pr_status st = pr__shape_count(n->ndim, n->shape, NULL, &n->size);
        if (st) return pr__fail_context("%s: ", pr__node_label(g, i, label, sizeof label));
        switch (n->kind) {
        case NODE_PARAM: n->requires_grad = !n->frozen; break;
        case NODE_INPUT: n->requires_grad = n->wants_grad; break;
        case NODE_CONST:
        case NODE_BUFFER: n->requires_grad = 0; break;
        case NODE_OP: {
            /* inputs the op gives no gradient (a mask, indices) do not count */
            unsigned nograd = pr__ops[n->op].nograd;
            n->requires_grad = 0;
            for (int k = 0; k < n->n_in; k++)
                if (k >= 32 || !(nograd >> k & 1u)) n->requires_grad |= pr__in(g, n, k)->requires_grad;
            break;
        }
        }
    }
    /* Arena layout: op values, then every gradient of op and input nodes (one region,
     * zeroed before each backward), then scratch. Aliasing ops share their input's. */
    size_t off = 0;
    for (int32_t i = 0; i < g->n_nodes; i++) {
        pr__node *n = &g->nodes[i];
        if (n->kind == NODE_OP && !(pr__ops[n->op].flags & PR__OPF_ALIAS)) {
            n->value_off = off;
            off = ALIGN_UP(off + (size_t)n->size * g->esize);
        }
    }
    g->grad_begin = off;
    for (int32_t i = 0; i < g->n_nodes; i++) {
        pr__node *n = &g->nodes[i];
        if (n->requires_grad &&
            (n->kind == NODE_INPUT || (n->kind == NODE_OP && !(pr__ops[n->op].flags & PR__OPF_ALIAS)))) {
            n->grad_off = off;
            off = ALIGN_UP(off + (size_t)n->size * g->esize);
        }
    }
    g->grad_end = off;
    for (int32_t i = 0; i < g->n_nodes; i++) {
        pr__node *n = &g->nodes[i];
        n->scratch_bytes = n->kind == NODE_OP && n->available ? pr__ops[n->op].scratch(g, n) : 0;
        n->scratch_off = off;
        off = ALIGN_UP(off + n->scratch_bytes);
    }
    if (off > g->arena_cap) {
        unsigned char *arena = pr__alloc(off ? off : 1, false);
        if (!arena) return PR_ERR_NOMEM;
        pr__free(g->arena);
        g->arena = arena;
        g->arena_cap = off;
    }
    g->arena_bytes = off;
    pr_status st = plan_edge_views(g);
    if (st) return st;
    /* Views. */
    for (int32_t i = 0; i < g->n_nodes; i++) {
        pr__node *n = &g->nodes[i];
        void *value = NULL, *grad = NULL;
        if (!n->available) {
            set_view(&n->value, NULL, n, g->dtype);
            set_view(&n->grad, NULL, n, g->dtype);
            continue;
        }
        switch (n->kind) {
        case NODE_PARAM:
            value = g->params + (size_t)n->param_off * g->esize;
            grad = n->requires_grad ? g->param_grads + (size_t)n->param_off * g->esize : NULL;
            break;
        case NODE_CONST:
        case NODE_BUFFER: value = n->store; break;
        case NODE_INPUT:
            value = n->bound ? (void *)(uintptr_t)n->bound : n->store;
            grad = n->requires_grad ? g->arena + n->grad_off : NULL;
            break;
        case NODE_OP:
            if (pr__ops[n->op].flags & PR__OPF_ALIAS) {
                const pr__node *src = pr__in(g, n, 0);
                value = src->value.data;
                grad = n->requires_grad ? src->grad.data : NULL;
            } else {
                value = g->arena + n->value_off;
                grad = n->requires_grad ? g->arena + n->grad_off : NULL;
            }
            break;
        }
        set_view(&n->value, value, n, g->dtype);
        set_view(&n->grad, grad, n, g->dtype);
    }
    g->planned = 1;
    return PR_OK;
}

/* ---- running ------------------------------------------------------------------------------- */

static pr_status ready_to_run(pr_graph *g, pr_node out, const char *op, int32_t *id) {
    pr_status st = check_graph(g, op);
    if (st) return st;
    if (g->build_status)
        return pr__fail(g->build_status, "%s: the graph has a build error: %s", op, g->build_error);
    if ((st = pr__graph_node(g, out, op, id))) return st;
    if (g->abstract) return pr__fail(PR_ERR_INVALID, "%s: the graph only describes shapes and cannot run", op);
    if (!g->planned && (st = pr__graph_plan(g))) return st;
    return PR_OK;
}

/* Mark (bit `bit` of g->mark) every ancestor of `root`, root included. */
static void mark_ancestors(pr_graph *g, int32_t root, unsigned char bit) {
    for (int32_t i = 0; i <= root; i++) g->mark[i] &= (unsigned char)~bit;
    int32_t top = 0;
    g->stack[top++] = root;
    g->mark[root] |= bit;
    while (top) {
        const pr__node *n = &g->nodes[g->stack[--top]];
        for (int k = 0; k < n->n_in; k++)
            if (!(g->mark[pr__input_id(g, n, k)] & bit)) {
                g->mark[pr__input_id(g, n, k)] |= bit;
                g->stack[top++] = pr__input_id(g, n, k);
            }
    }
}

#define MARK_FORWARD 1u
#define MARK_BACKWARD 2u

/* Every node the run needs (marked MARK_FORWARD up to `out`) has storage; otherwise
 * the first whose shapes do not fit reports why. */
static pr_status check_planned(pr_graph *g, int32_t out) {
    char label[96];
    for (int32_t i = 0; i <= out; i++) {
        pr__node *n = &g->nodes[i];
        if (!(g->mark[i] & MARK_FORWARD) || n->available || n->kind != NODE_OP) continue;
        int inputs_ready = 1;
        for (int k = 0; k < n->n_in; k++) inputs_ready &= pr__in(g, n, k)->available;
        if (inputs_ready && pr__ops[n->op].infer(g, n, 1))
            return pr__fail_context("%s: ", pr__node_label(g, i, label, sizeof label));
    }
    return PR_OK;
}

/* The context node i's kernels run in. */
static pr__kernel kernel_of(pr_graph *g, int32_t i) {
    pr__node *n = &g->nodes[i];
    pr__kernel k = {.y = &n->value,
                    .gy = &n->grad,
                    .x = g->edge_value + n->in_off,
                    .gx = g->edge_grad + n->in_off,
                    .n_in = n->n_in,
                    .attr = &n->attr,
                    .scratch = g->arena + n->scratch_off,
                    .scratch_bytes = n->scratch_bytes,
                    .training = g->training,
                    .prior_sampling = g->prior_sampling,
                    .threads = g->threads,
                    .graph_ = g,
                    .node_ = i};
    return k;
}

static pr_status check_anomaly(pr_graph *g, int32_t id, const pr_tensor *t, const char *pass, const char *what) {
    char label[96], ctx[192];
    snprintf(ctx, sizeof ctx, "anomaly: %s of %s %s", pass, pr__node_label(g, id, label, sizeof label), what);
    return pr_tensor_check_finite(t, ctx);
}

/* Validate a value for input x and adopt its shape (marking a replan when it changes). */
static pr_status accept_input(pr_graph *g, pr_node x, const pr_tensor *value, const char *op, pr__node **out) {
    int32_t id;
    pr_status st = check_graph(g, op);
    if (st || (st = pr__graph_node(g, x, op, &id))) return st;
    pr__node *n = &g->nodes[id];
    char label[96], s[96];
    if (n->kind != NODE_INPUT)
        return pr__fail(PR_ERR_INVALID, "%s: %s is not an input", op, pr__node_label(g, id, label, sizeof label));
    if ((st = pr__require_tensor(value, op, "value"))) return st;
    if (value->dtype != g->dtype)
        return pr__fail(PR_ERR_DTYPE, "%s: %s is %s in a %s graph; got a %s tensor (cast it first)", op,
                        pr__node_label(g, id, label, sizeof label), pr_dtype_name(g->dtype), pr_dtype_name(g->dtype),
                        pr_dtype_name(value->dtype));
    int fits = value->ndim == n->ndim;
    for (int d = 0; fits && d < n->ndim; d++) fits = n->decl[d] < 0 || n->decl[d] == value->shape[d];
    if (!fits) {
        pr_tensor decl = {.ndim = n->ndim};
        memcpy(decl.shape, n->decl, sizeof decl.shape);
        char want[96];
        return pr__fail(PR_ERR_SHAPE, "%s: %s expects shape %s (-1: any), got %s", op,
                        pr__node_label(g, id, label, sizeof label), pr_shape_format(&decl, want, sizeof want),
                        pr_shape_format(value, s, sizeof s));
    }
    for (int d = 0; d < n->ndim; d++)
        if (n->shape[d] != value->shape[d]) {
            n->shape[d] = value->shape[d];
            g->planned = 0;
        }
    *out = n;
    return PR_OK;
}

pr_status pr_graph_set_input(pr_graph *g, pr_node x, const pr_tensor *value) {
    pr__node *n;
    pr_status st = accept_input(g, x, value, "set_input", &n);
    if (st) return st;
    size_t bytes = (size_t)value->size * g->esize;
    if (bytes > n->store_bytes || !n->store) {
        void *store = pr__alloc(bytes ? bytes : 1, false);
        if (!store) return PR_ERR_NOMEM;
        pr__free(n->store);
        n->store = store;
        n->store_bytes = bytes;
    }
    if (n->bound) g->planned = 0; /* the view moves back to the graph's own copy */
    n->bound = NULL;
    if (bytes) memcpy(n->store, value->data, bytes);
    n->value.data = n->store;
    n->has_value = 1;
    return PR_OK;
}

pr_status pr_graph_bind_input(pr_graph *g, pr_node x, const pr_tensor *value) {
    pr__node *n;
    pr_status st = accept_input(g, x, value, "bind_input", &n);
    if (st) return st;
    n->bound = value->data;
    n->value.data = (void *)(uintptr_t)value->data; /* read-only use: kernels never write inputs */
    n->has_value = 1;
    return PR_OK;
}

static pr_status forward_run(pr_graph *g, pr_node output);

pr_status pr_graph_forward(pr_graph *g, pr_node output) {
    pr_threads *pool = graph_ok(g) ? g->threads : NULL;
    pr__region_enter(pool);
    pr_status st = forward_run(g, output);
    pr__region_leave(pool);
    if (graph_ok(g)) g->pass_key_set = 0, g->pass_row_offset = 0;
    return st;
}

void pr_graph_random_pass(pr_graph *g, int64_t row_offset) {
    if (!graph_ok(g)) return;
    g->pass_key = pr_rng_next_u64(&g->rng);
    g->pass_key_set = 1;
    g->pass_row_offset = row_offset;
}

static pr_status forward_run(pr_graph *g, pr_node output) {
    int32_t out;
    pr_status st = ready_to_run(g, output, "forward", &out);
    if (st) return st;
    double t0 = g->profiling ? now() : 0;
    mark_ancestors(g, out, MARK_FORWARD);
    char label[96];
    for (int32_t i = 0; i <= out; i++)
        if ((g->mark[i] & MARK_FORWARD) && g->nodes[i].kind == NODE_INPUT && !g->nodes[i].has_value)
            return pr__fail(PR_ERR_INVALID, "forward: input %s has no value (call pr_graph_set_input)",
                            pr__node_label(g, i, label, sizeof label));
    if ((st = check_planned(g, out))) return st;
    int dt = pr__dt(g), keyed = 0;
    uint64_t key = 0;
    for (int32_t i = 0; i <= out; i++) {
        pr__node *n = &g->nodes[i];
        if (n->kind != NODE_OP || !(g->mark[i] & MARK_FORWARD)) continue;
        pr__kernel k = kernel_of(g, i);
        if ((pr__ops[n->op].flags & PR__OPF_RANDOM) && (g->training || g->prior_sampling)) {
            if (!keyed) key = g->pass_key_set ? g->pass_key : pr_rng_next_u64(&g->rng); /* one key a pass */
            keyed = 1;
            k.stream = pr__counter_u64(key, (uint64_t)i);
            k.row_offset = g->pass_row_offset;
        }
        if (g->profiling) {
            double t = now();
            pr__ops[n->op].forward[dt](&k);
            n->prof_seconds += now() - t;
            n->prof_calls++;
        } else {
            pr__ops[n->op].forward[dt](&k);
        }
        if (g->run_status) { /* a kernel met bad data; its message is set */
            st = g->run_status;
            g->run_status = PR_OK;
            return st;
        }
        if (g->anomaly && (st = check_anomaly(g, i, &n->value, "forward", "output"))) return st;
    }
    if (g->profiling) g->prof_elapsed += now() - t0;
    return PR_OK;
}

static pr_status backward_from(pr_graph *g, pr_node out_h, const pr_tensor *seed, const char *op) {
    int32_t out;
    pr_status st = ready_to_run(g, out_h, op, &out);
    if (st) return st;
    pr__node *o = &g->nodes[out];
    char label[96], s[96];
    if (!(g->mark[out] & MARK_FORWARD))
        return pr__fail(PR_ERR_INVALID, "%s: %s was not computed by the last forward", op,
                        pr__node_label(g, out, label, sizeof label));
    if (!seed && o->size != 1)
        return pr__fail(PR_ERR_SHAPE, "%s: %s has %lld elements; backward starts from a scalar loss "
                                      "(use pr_graph_backward_seed for others)",
                        op, pr__node_label(g, out, label, sizeof label), (long long)o->size);
    if (seed) {
        if ((st = pr__require_tensor(seed, op, "seed"))) return st;
        if (seed->size != o->size)
            return pr__fail(PR_ERR_SHAPE, "%s: seed has shape %s, %s has %lld elements", op,
                            pr_shape_format(seed, s, sizeof s), pr__node_label(g, out, label, sizeof label),
                            (long long)o->size);
    }
    if (!o->requires_grad) return PR_OK; /* nothing trainable feeds it */
    double t0 = g->profiling ? now() : 0;
    mark_ancestors(g, out, MARK_BACKWARD);
    pr__parallel_zero(g->threads, g->arena + g->grad_begin, g->grad_end - g->grad_begin);
    /* Seed: added, since the output's gradient may alias a parameter's. */
    if (seed && seed->dtype == PR_F32 && g->dtype == PR_F32) {
        float *gr = o->grad.data;
        const float *sd = seed->data;
        for (int64_t i = 0; i < o->size; i++) gr[i] += sd[i];
    } else if (seed && seed->dtype == PR_F64 && g->dtype == PR_F64) {
        double *gr = o->grad.data;
        const double *sd = seed->data;
        for (int64_t i = 0; i < o->size; i++) gr[i] += sd[i];
    } else {
        for (int64_t i = 0; i < o->size; i++)
            pr_tensor_set(&o->grad, i, pr_tensor_get(&o->grad, i) + (seed ? pr_tensor_get(seed, i) : 1.0));
    }
    int dt = pr__dt(g);
    for (int32_t i = out; i >= 0; i--) {
        pr__node *n = &g->nodes[i];
        if (n->kind != NODE_OP || !n->requires_grad || !(g->mark[i] & MARK_BACKWARD)) continue;
        pr__kernel k = kernel_of(g, i);
        if (g->profiling) {
            double t = now();
            pr__ops[n->op].backward[dt](&k);
            n->prof_seconds += now() - t;
            n->prof_calls++;
        } else {
            pr__ops[n->op].backward[dt](&k);
        }
        for (int j = 0; g->anomaly && j < n->n_in; j++) {
            pr__node *x = pr__in(g, n, j);
            if (x->grad.data && (st = check_anomaly(g, i, &x->grad, "backward", "gradient of its input"))) {
                return pr__fail_context("(input %s) ", pr__node_label(g, pr__input_id(g, n, j), label, sizeof label));
            }
        }
    }
    if (g->profiling) g->prof_elapsed += now() - t0;
    return PR_OK;
}

static pr_status backward_region(pr_graph *g, pr_node out, const pr_tensor *seed, const char *op) {
    pr_threads *pool = graph_ok(g) ? g->threads : NULL;
    pr__region_enter(pool);
    pr_status st = backward_from(g, out, seed, op);
    pr__region_leave(pool);
    return st;
}

pr_status pr_graph_backward(pr_graph *g, pr_node loss) { return backward_region(g, loss, NULL, "backward"); }

pr_status pr_graph_backward_seed(pr_graph *g, pr_node out, const pr_tensor *seed) {
    if (!seed) return pr__fail(PR_ERR_INVALID, "backward_seed: seed is NULL");
    return backward_region(g, out, seed, "backward_seed");
}

static pr_status node_view(const pr_graph *g, pr_node h, int grad, pr_tensor *view) {
    const char *op = grad ? "grad" : "value";
    int32_t id;
    pr_status st = check_graph(g, op);
    if (st || (st = pr__graph_node(g, h, op, &id))) return st;
    if (!view) return pr__fail(PR_ERR_INVALID, "%s: view is NULL", op);
    const pr__node *n = &g->nodes[id];
    char label[96];
    if (n->kind == NODE_PARAM || n->kind == NODE_CONST || n->kind == NODE_BUFFER) {
        /* leaves have storage before the graph is planned */
        void *data = n->kind != NODE_PARAM ? n->store
                     : grad ? g->param_grads + (size_t)n->param_off * g->esize
                            : g->params + (size_t)n->param_off * g->esize;
        if (grad && (n->kind != NODE_PARAM || n->frozen))
            return pr__fail(PR_ERR_INVALID, "grad: %s has no gradient (%s)", pr__node_label(g, id, label, sizeof label),
                            n->kind == NODE_PARAM ? "frozen" : n->kind == NODE_CONST ? "a constant" : "a buffer");
        pr__node tmp = *n;
        set_view(view, data, &tmp, g->dtype);
        return PR_OK;
    }
    if (!g->planned) return pr__fail(PR_ERR_INVALID, "%s: the graph has not run yet", op);
    const pr_tensor *t = grad ? &n->grad : &n->value;
    if (!t->data)
        return pr__fail(PR_ERR_INVALID, "%s: %s has no %s", op, pr__node_label(g, id, label, sizeof label),
                        grad ? "gradient (nothing it depends on requires one)" : "value yet");
    *view = *t;
    return PR_OK;
}

pr_status pr_graph_value(const pr_graph *g, pr_node n, pr_tensor *view) { return node_view(g, n, 0, view); }
pr_status pr_graph_grad(const pr_graph *g, pr_node n, pr_tensor *view) { return node_view(g, n, 1, view); }

pr_status pr_graph_scalar(const pr_graph *g, pr_node n, double *value) {
    pr_tensor v;
    pr_status st = pr_graph_value(g, n, &v);
    if (st) return st;
    if (v.size != 1) {
        char s[96];
        return pr__fail(PR_ERR_SHAPE, "scalar: the node has shape %s, not one element", pr_shape_format(&v, s, sizeof s));
    }
    *value = pr_tensor_get(&v, 0);
    return PR_OK;
}

pr_status pr_graph_zero_grad(pr_graph *g) {
    pr_status st = check_graph(g, "zero_grad");
    if (st) return st;
    if (g->param_elems) memset(g->param_grads, 0, (size_t)g->param_elems * g->esize);
    if (g->planned && g->grad_end > g->grad_begin) memset(g->arena + g->grad_begin, 0, g->grad_end - g->grad_begin);
    return PR_OK;
}

/* ---- parameters -------------------------------------------------------------------------- */

static pr_status leaf_of(pr_graph *g, pr_node h, const char *op, pr__node **out) {
    int32_t id;
    pr_status st = check_graph(g, op);
    if (st || (st = pr__graph_node(g, h, op, &id))) return st;
    *out = &g->nodes[id];
    return PR_OK;
}

pr_status pr_graph_set_value(pr_graph *g, pr_node h, const pr_tensor *value) {
    pr__node *n;
    pr_status st = leaf_of(g, h, "set_value", &n);
    if (st) return st;
    char label[96], s[96], w[96];
    if (n->kind == NODE_INPUT) return pr_graph_set_input(g, h, value);
    if (n->kind == NODE_OP)
        return pr__fail(PR_ERR_INVALID, "set_value: %s is computed, not a parameter, constant or buffer",
                        pr__node_label(g, h.id, label, sizeof label));
    if ((st = pr__require_tensor(value, "set_value", "value"))) return st;
    pr_tensor want = {.ndim = n->ndim};
    memcpy(want.shape, n->shape, sizeof want.shape);
    want.size = n->size;
    if (!pr_tensor_same_shape(&want, value))
        return pr__fail(PR_ERR_SHAPE, "set_value: %s has shape %s, the value %s", pr__node_label(g, h.id, label, sizeof label),
                        pr_shape_format(&want, w, sizeof w), pr_shape_format(value, s, sizeof s));
    void *dst = n->kind != NODE_PARAM ? n->store : g->params + (size_t)n->param_off * g->esize;
    store_converted(g, dst, value);
    return PR_OK;
}

pr_status pr_graph_param_view(pr_graph *g, pr_node h, pr_tensor *view) {
    pr__node *n;
    pr_status st = leaf_of(g, h, "param_view", &n);
    if (st) return st;
    char label[96];
    if (n->kind != NODE_PARAM)
        return pr__fail(PR_ERR_INVALID, "param_view: %s is not a parameter", pr__node_label(g, h.id, label, sizeof label));
    return node_view(g, h, 0, view);
}

pr_status pr_graph_set_frozen(pr_graph *g, pr_node h, int frozen) {
    pr__node *n;
    pr_status st = leaf_of(g, h, "set_frozen", &n);
    if (st) return st;
    char label[96];
    if (n->kind != NODE_PARAM)
        return pr__fail(PR_ERR_INVALID, "set_frozen: %s is not a parameter", pr__node_label(g, h.id, label, sizeof label));
    if (n->frozen != (frozen != 0)) g->planned = 0;
    n->frozen = frozen != 0;
    return PR_OK;
}

pr_status pr_graph_set_input_grad(pr_graph *g, pr_node h, int on) {
    pr__node *n;
    pr_status st = leaf_of(g, h, "set_input_grad", &n);
    if (st) return st;
    char label[96];
    if (n->kind != NODE_INPUT)
        return pr__fail(PR_ERR_INVALID, "set_input_grad: %s is not an input", pr__node_label(g, h.id, label, sizeof label));
    if (n->wants_grad != (on != 0)) g->planned = 0;
    n->wants_grad = on != 0;
    return PR_OK;
}

int64_t pr_graph_param_count(const pr_graph *g) { return graph_ok(g) ? g->n_params : 0; }

pr_status pr_graph_param_at(const pr_graph *g, int64_t i, pr_node *param) {
    pr_status st = check_graph(g, "param_at");
    if (st) return st;
    int64_t k = 0;
    for (int32_t id = 0; id < g->n_nodes; id++)
        if (g->nodes[id].kind == NODE_PARAM && k++ == i) {
            *param = handle(g, id);
            return PR_OK;
        }
    return pr__fail(PR_ERR_INVALID, "param_at: index %lld is outside 0..%lld", (long long)i, (long long)g->n_params - 1);
}

pr_status pr_graph_param_buffers(pr_graph *g, pr_tensor *values, pr_tensor *grads) {
    pr_status st = check_graph(g, "param_buffers");
    if (st) return st;
    pr__node flat = {.ndim = 1, .size = g->param_elems};
    for (int d = 0; d < PR_MAX_DIMS; d++) flat.shape[d] = 1;
    flat.shape[0] = g->param_elems;
    if (values) set_view(values, g->params, &flat, g->dtype);
    if (grads) set_view(grads, g->param_grads, &flat, g->dtype);
    return PR_OK;
}

/* ---- debugging switches ------------------------------------------------------------------- */

void pr_graph_set_anomaly_detection(pr_graph *g, int on) {
    if (graph_ok(g)) g->anomaly = on != 0;
}

void pr_graph_set_profiling(pr_graph *g, int on) {
    if (graph_ok(g)) g->profiling = on != 0;
}

void pr_graph_reset_profile(pr_graph *g) {
    if (!graph_ok(g)) return;
    for (int32_t i = 0; i < g->n_nodes; i++) {
        g->nodes[i].prof_seconds = 0;
        g->nodes[i].prof_calls = 0;
    }
    g->prof_elapsed = 0;
}

pr_status pr_graph_profile(const pr_graph *g, pr_profile_entry *entries, int max, int *n, double *kernels,
                           double *elapsed) {
    pr_status st = check_graph(g, "profile");
    if (st) return st;
    double per_op[PR__OP_COUNT] = {0};
    int64_t calls[PR__OP_COUNT] = {0};
    double total = 0;
    for (int32_t i = 0; i < g->n_nodes; i++) {
        const pr__node *nd = &g->nodes[i];
        if (nd->kind != NODE_OP) continue;
        per_op[nd->op] += nd->prof_seconds;
        calls[nd->op] += nd->prof_calls;
        total += nd->prof_seconds;
    }
    int count = 0;
    for (int op = 0; op < PR__OP_COUNT; op++) {
        if (!calls[op]) continue;
        /* insertion into the caller's array, sorted by time */
        pr_profile_entry e = {pr__ops[op].name, calls[op], per_op[op]};
        int pos = count < max ? count : max;
        while (pos > 0 && entries[pos - 1].seconds < e.seconds) {
            if (pos < max) entries[pos] = entries[pos - 1];
            pos--;
        }
        if (pos < max) entries[pos] = e;
        if (count < max) count++;
    }
    if (n) *n = count;
    if (kernels) *kernels = total;
    if (elapsed) *elapsed = g->prof_elapsed;
    return PR_OK;
}
