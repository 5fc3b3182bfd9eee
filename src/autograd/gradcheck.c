/* Cloning a graph to another dtype, and checking gradients by finite differences. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "autograd/graph_internal.h"

pr_status pr_graph_clone(const pr_graph *g, pr_dtype dtype, pr_graph **out) {
    if (!g || g->magic != PR__GRAPH_MAGIC) return pr__fail(PR_ERR_INVALID, "clone: not a live graph");
    if (g->build_status) return pr__fail(g->build_status, "clone: the graph has a build error: %s", g->build_error);
    if (!out) return pr__fail(PR_ERR_INVALID, "clone: output pointer is NULL");
    pr_graph *c;
    pr_status st = pr_graph_new(&c, dtype);
    if (st) return st;
    c->nodes = pr__calloc((size_t)(g->n_nodes ? g->n_nodes : 1), sizeof *c->nodes);
    c->mark = pr__calloc((size_t)(g->n_nodes ? g->n_nodes : 1), 1);
    c->stack = pr__calloc((size_t)(g->n_nodes ? g->n_nodes : 1), sizeof *c->stack);
    if (!c->nodes || !c->mark || !c->stack) {
        pr_graph_free(c);
        return PR_ERR_NOMEM;
    }
    c->cap_nodes = g->n_nodes ? g->n_nodes : 1;
    if (g->n_edges) {
        if (!(c->edges = pr__malloc((size_t)g->n_edges * sizeof *c->edges))) {
            pr_graph_free(c);
            return PR_ERR_NOMEM;
        }
        memcpy(c->edges, g->edges, (size_t)g->n_edges * sizeof *c->edges);
        c->n_edges = c->cap_edges = g->n_edges;
    }
    c->training = g->training;
    c->prior_sampling = g->prior_sampling;
    c->rng = g->rng;
    /* parameters: the same layout in the new dtype */
    if (g->param_elems) {
        size_t bytes = (size_t)g->param_elems * c->esize;
        c->params = pr__alloc(bytes, true);
        c->param_grads = pr__alloc(bytes, true);
        if (!c->params || !c->param_grads) {
            st = PR_ERR_NOMEM;
            goto fail;
        }
        c->param_elems = c->param_cap = g->param_elems;
        pr_tensor src = {.data = g->params, .size = g->param_elems, .dtype = g->dtype, .ndim = 1};
        pr_tensor dst = {.data = c->params, .size = g->param_elems, .dtype = dtype, .ndim = 1};
        for (int64_t i = 0; i < g->param_elems; i++) pr_tensor_set(&dst, i, pr_tensor_get(&src, i));
    }
    c->n_params = g->n_params;
    for (int32_t i = 0; i < g->n_nodes; i++) {
        const pr__node *n = &g->nodes[i];
        pr__node *m = &c->nodes[i];
        *m = *n;
        m->store = NULL;
        m->store_bytes = 0;
        m->bound = NULL;
        memset(&m->value, 0, sizeof m->value);
        memset(&m->grad, 0, sizeof m->grad);
        m->prof_seconds = 0;
        m->prof_calls = 0;
        c->n_nodes = i + 1;
        /* inputs and constants carry their own storage, converted */
        const void *src_data = n->kind == NODE_INPUT && n->bound ? n->bound : n->store;
        if ((n->kind == NODE_CONST || n->kind == NODE_BUFFER || (n->kind == NODE_INPUT && n->has_value)) && src_data) {
            /* an input holds its current shape's elements; a constant its whole store */
            int64_t count = 1;
            if (n->kind == NODE_INPUT)
                for (int d = 0; d < n->ndim; d++) count *= n->shape[d];
            else
                count = (int64_t)(n->store_bytes / g->esize);
            m->store_bytes = (size_t)count * c->esize;
            if (!(m->store = pr__alloc(m->store_bytes ? m->store_bytes : 1, false))) {
                st = PR_ERR_NOMEM;
                goto fail;
            }
            pr_tensor src = {.data = (void *)(uintptr_t)src_data, .size = count, .dtype = g->dtype, .ndim = 1};
            pr_tensor dst = {.data = m->store, .size = count, .dtype = dtype, .ndim = 1};
            for (int64_t k = 0; k < count; k++) pr_tensor_set(&dst, k, pr_tensor_get(&src, k));
        }
    }
    *out = c;
    return PR_OK;
fail:
    pr_graph_free(c);
    return st;
}

void pr_gradcheck_report_free(pr_gradcheck_report *r) {
    if (!r) return;
    free(r->entries);
    free(r);
}

/* The loss of `g` after a forward pass that draws the same dropout masks as the
 * analytic pass (the generator restarts from `rng0`). */
static pr_status loss_at(pr_graph *g, pr_node loss, const pr_rng *rng0, double *v) {
    g->rng = *rng0;
    pr_status st = pr_graph_forward(g, loss);
    return st ? st : pr_graph_scalar(g, loss, v);
}

/* Copies of every buffer's values (batch norm statistics move with each training
 * forward pass); restore_buffers puts them back. */
static pr_status save_buffers(const pr_graph *g, unsigned char **out) {
    size_t total = 0;
    for (int32_t i = 0; i < g->n_nodes; i++)
        if (g->nodes[i].kind == NODE_BUFFER) total += g->nodes[i].store_bytes;
    unsigned char *p = pr__malloc(total ? total : 1);
    if (!p) return PR_ERR_NOMEM;
    size_t off = 0;
    for (int32_t i = 0; i < g->n_nodes; i++)
        if (g->nodes[i].kind == NODE_BUFFER) {
            memcpy(p + off, g->nodes[i].store, g->nodes[i].store_bytes);
            off += g->nodes[i].store_bytes;
        }
    *out = p;
    return PR_OK;
}

static void restore_buffers(pr_graph *g, const unsigned char *saved) {
    size_t off = 0;
    for (int32_t i = 0; i < g->n_nodes; i++)
        if (g->nodes[i].kind == NODE_BUFFER) {
            memcpy(g->nodes[i].store, saved + off, g->nodes[i].store_bytes);
            off += g->nodes[i].store_bytes;
        }
}

/* Where node i's values live in graph f (a parameter's slice of the flat buffer, an
 * input's storage), as float64 (f computes in float64). */
static double *values_of(pr_graph *f, int32_t i) {
    pr__node *m = &f->nodes[i];
    return m->kind == NODE_PARAM ? (double *)(void *)f->params + m->param_off
                                 : (double *)(m->bound ? (void *)(uintptr_t)m->bound : m->store);
}

/* The centered difference (L(θ + ε e_k) - L(θ - ε e_k)) / 2ε for element k of values,
 * each loss computed with the dropout masks of rng0. */
static pr_status central_difference(pr_graph *f, pr_node loss, const pr_rng *rng0, double *values, int64_t k, double eps,
                                    double *numeric) {
    double orig = values[k], up, down;
    values[k] = orig + eps;
    pr_status st = loss_at(f, loss, rng0, &up);
    values[k] = orig - eps;
    if (!st) st = loss_at(f, loss, rng0, &down);
    values[k] = orig;
    if (!st) *numeric = (up - down) / (2 * eps);
    return st;
}

/* A float64 graph to perturb: g itself, or a clone of a float32 g. */
static pr_status float64_graph(pr_graph *g, pr_graph **f64) {
    *f64 = g;
    return g->dtype == PR_F64 ? PR_OK : pr_graph_clone(g, PR_F64, f64);
}

pr_status pr_gradcheck(pr_graph *g, pr_node loss, double eps, int64_t max_per_param, pr_gradcheck_report **out) {
    if (!g || g->magic != PR__GRAPH_MAGIC) return pr__fail(PR_ERR_INVALID, "gradcheck: not a live graph");
    if (!out) return pr__fail(PR_ERR_INVALID, "gradcheck: output pointer is NULL");
    if (!(eps > 0)) eps = 1e-5;
    unsigned char *saved = NULL;
    pr_status st = save_buffers(g, &saved);
    if (st) return st;
    const pr_rng rng0 = g->rng;
    /* Analytic gradients from the graph itself. */
    if (!st) st = pr_graph_forward(g, loss);
    if (!st) st = pr_graph_zero_grad(g);
    if (!st) st = pr_graph_backward(g, loss);
    if (st) {
        free(saved);
        return pr__fail_context("gradcheck: ");
    }
    /* Numerical gradients in float64: on the graph itself or on a float64 clone. */
    pr_graph *f64;
    if ((st = float64_graph(g, &f64))) {
        free(saved);
        return st;
    }
    pr_node loss64 = {f64->serial, loss.id};
    pr_gradcheck_report *r = pr__calloc(1, sizeof *r);
    int64_t slots = 0;
    for (int32_t i = 0; i < g->n_nodes; i++)
        slots += (g->nodes[i].kind == NODE_PARAM || g->nodes[i].kind == NODE_INPUT) && g->nodes[i].requires_grad;
    if (r) r->entries = pr__calloc((size_t)(slots ? slots : 1), sizeof *r->entries);
    if (!r || !r->entries) {
        st = PR_ERR_NOMEM;
        goto done;
    }
    for (int32_t i = 0; i < g->n_nodes && !st; i++) {
        pr__node *n = &g->nodes[i];
        if (!((n->kind == NODE_PARAM || n->kind == NODE_INPUT) && n->requires_grad)) continue;
        pr_gradcheck_entry *e = &r->entries[r->n++];
        e->node = (pr_node){g->serial, i};
        snprintf(e->name, sizeof e->name, "%s", n->name);
        double *values = values_of(f64, i);
        int64_t count = n->size, step = 1;
        if (max_per_param > 0 && count > max_per_param) step = (count + max_per_param - 1) / max_per_param;
        for (int64_t k = 0; k < count && !st; k += step) {
            double numeric;
            if ((st = central_difference(f64, loss64, &rng0, values, k, eps, &numeric))) break;
            double analytic = pr_tensor_get(&n->grad, k);
            double abs_err = fabs(analytic - numeric), scale = fabs(analytic) + fabs(numeric);
            /* relative error |a - n| / (|a| + |n|); plain absolute error where both vanish */
            double rel = scale > 1e-8 ? abs_err / scale : abs_err;
            e->checked++;
            if (rel >= e->max_rel_error) {
                e->max_rel_error = rel;
                e->worst_index = k;
                e->analytic = analytic;
                e->numeric = numeric;
            }
            e->max_abs_error = fmax(e->max_abs_error, abs_err);
        }
        r->max_rel_error = fmax(r->max_rel_error, e->max_rel_error);
    }
done:
    if (f64 != g) pr_graph_free(f64);
    else if (!st) { /* leave values as the analytic pass left them */
        g->rng = rng0;
        st = pr_graph_forward(g, loss);
    }
    restore_buffers(g, saved); /* running statistics as before the check */
    free(saved);
    if (st) {
        pr_gradcheck_report_free(r);
        return st;
    }
    *out = r;
    return PR_OK;
}

pr_status pr_gradcheck_numeric(pr_graph *g, pr_node loss, pr_node wrt, double eps, pr_tensor **out) {
    if (!g || g->magic != PR__GRAPH_MAGIC) return pr__fail(PR_ERR_INVALID, "gradcheck_numeric: not a live graph");
    if (!out) return pr__fail(PR_ERR_INVALID, "gradcheck_numeric: output pointer is NULL");
    int32_t id;
    pr_status st = pr__graph_node(g, wrt, "gradcheck_numeric", &id);
    if (st) return st;
    char label[96];
    pr__node *n = &g->nodes[id];
    if (n->kind != NODE_PARAM && !(n->kind == NODE_INPUT && n->has_value))
        return pr__fail(PR_ERR_INVALID, "gradcheck_numeric: %s is not a parameter or an input with a value",
                        pr__node_label(g, id, label, sizeof label));
    if (!(eps > 0)) eps = 1e-5;
    unsigned char *saved = NULL;
    if ((st = save_buffers(g, &saved))) return st;
    const pr_rng rng0 = g->rng;
    pr_graph *f64 = NULL;
    pr_tensor *grad = NULL;
    double dummy;
    /* the loss once on g (plans it, so shapes are known), then on a float64 copy */
    if (!(st = loss_at(g, loss, &rng0, &dummy)) && !(st = float64_graph(g, &f64)) &&
        !(st = pr_tensor_zeros(&grad, PR_F64, n->ndim, n->shape))) {
        double *values = values_of(f64, id), *gv = pr_tensor_f64(grad);
        pr_node loss64 = {f64->serial, loss.id};
        for (int64_t k = 0; k < grad->size && !st; k++) st = central_difference(f64, loss64, &rng0, values, k, eps, &gv[k]);
    }
    if (f64 && f64 != g) pr_graph_free(f64);
    g->rng = rng0;
    if (!st) st = pr_graph_forward(g, loss); /* values as before */
    restore_buffers(g, saved);
    free(saved);
    if (st) {
        pr_tensor_free(grad);
        return st;
    }
    *out = grad;
    return PR_OK;
}
