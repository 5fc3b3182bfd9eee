/* Reading a graph: a text listing and Graphviz DOT, each with values and gradients. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "autograd/graph_internal.h"

#define FULL_PRINT_LIMIT 12

/* A tensor as NumPy prints it when small, else a one-line summary. */
static void describe(const pr_tensor *t, char *buf, size_t len) {
    if (!t->data) {
        snprintf(buf, len, "-");
        return;
    }
    if (t->size <= FULL_PRINT_LIMIT) {
        char *s = NULL;
        if (pr_tensor_format(t, &s) == PR_OK) {
            for (char *p = s; *p; p++)
                if (*p == '\n') *p = ' ';
            snprintf(buf, len, "%s", s);
            free(s);
            return;
        }
    }
    double lo = INFINITY, hi = -INFINITY, sum = 0;
    for (int64_t i = 0; i < t->size; i++) {
        double v = pr_tensor_get(t, i);
        lo = fmin(lo, v);
        hi = fmax(hi, v);
        sum += v;
    }
    snprintf(buf, len, "mean %.4g, min %.4g, max %.4g", sum / (double)t->size, lo, hi);
}

static const char *shape_of(const pr__node *n, char *buf, size_t len) {
    pr_tensor t = {.ndim = n->ndim};
    memcpy(t.shape, n->shape, sizeof t.shape);
    return pr_shape_format(&t, buf, len);
}

static const char *kind_name(const pr__node *n) {
    switch (n->kind) {
    case NODE_INPUT: return "input";
    case NODE_PARAM: return n->frozen ? "param (frozen)" : "param";
    case NODE_CONST: return "const";
    case NODE_BUFFER: return "buffer";
    case NODE_OP: return pr__ops[n->op].name;
    }
    return "?";
}

/* The value and gradient views of a node for display (leaves work before planning). */
static void views(const pr_graph *g, int32_t id, pr_tensor *value, pr_tensor *grad) {
    pr_node h = {g->serial, id};
    memset(value, 0, sizeof *value);
    memset(grad, 0, sizeof *grad);
    int had_error = pr_last_status() != PR_OK;
    char saved[1024];
    snprintf(saved, sizeof saved, "%s", pr_last_error());
    pr_status saved_status = pr_last_status();
    if (pr_graph_value(g, h, value)) value->data = NULL;
    if (pr_graph_grad(g, h, grad)) grad->data = NULL;
    /* looking must not clobber the caller's last error */
    if (had_error) pr__fail(saved_status, "%s", saved);
    else pr_clear_error();
}

pr_status pr_graph_print(const pr_graph *g, FILE *f) {
    if (!g || g->magic != PR__GRAPH_MAGIC) return pr__fail(PR_ERR_INVALID, "print: not a live graph");
    char shape[96], val[512], grd[512];
    for (int32_t i = 0; i < g->n_nodes; i++) {
        const pr__node *n = &g->nodes[i];
        fprintf(f, "#%-3d %-12s = %s", (int)i, n->name, kind_name(n));
        if (n->kind == NODE_OP) {
            fputc('(', f);
            for (int k = 0; k < n->n_in; k++)
                fprintf(f, "%s#%d %s", k ? ", " : "", (int)pr__input_id(g, n, k), pr__in(g, n, k)->name);
            fputc(')', f);
        }
        pr_tensor v, gr;
        views(g, i, &v, &gr);
        describe(&v, val, sizeof val);
        describe(&gr, grd, sizeof grd);
        fprintf(f, "  shape %s  value %s  grad %s\n", shape_of(n, shape, sizeof shape), val, grd);
    }
    return ferror(f) ? pr__fail(PR_ERR_IO, "print: write failed") : PR_OK;
}

/* Escape a string for a DOT label. */
static void dot_text(FILE *f, const char *s) {
    for (; *s; s++) {
        if (*s == '"' || *s == '\\' || *s == '{' || *s == '}' || *s == '<' || *s == '>' || *s == '|') fputc('\\', f);
        fputc(*s, f);
    }
}

pr_status pr_graph_write_dot(const pr_graph *g, FILE *f) {
    if (!g || g->magic != PR__GRAPH_MAGIC) return pr__fail(PR_ERR_INVALID, "write_dot: not a live graph");
    char shape[96], val[512], grd[512];
    fprintf(f, "digraph primer {\n  rankdir=LR;\n  node [shape=record, fontname=\"Helvetica\", fontsize=10];\n");
    for (int32_t i = 0; i < g->n_nodes; i++) {
        const pr__node *n = &g->nodes[i];
        const char *fill = n->kind == NODE_PARAM ? "#cfe2f3" : n->kind == NODE_INPUT ? "#d9ead3"
                           : n->kind == NODE_OP ? "#ffffff" : "#eeeeee";
        pr_tensor v, gr;
        views(g, i, &v, &gr);
        describe(&v, val, sizeof val);
        describe(&gr, grd, sizeof grd);
        fprintf(f, "  n%d [style=filled, fillcolor=\"%s\", label=\"{", (int)i, fill);
        dot_text(f, n->name);
        fputs(" : ", f);
        dot_text(f, kind_name(n));
        fputs(" ", f);
        dot_text(f, shape_of(n, shape, sizeof shape));
        fputs("|value ", f);
        dot_text(f, val);
        fputs("|grad ", f);
        dot_text(f, grd);
        fputs("}\"];\n", f);
        for (int k = 0; k < n->n_in; k++) fprintf(f, "  n%d -> n%d;\n", (int)pr__input_id(g, n, k), (int)i);
    }
    fputs("}\n", f);
    return ferror(f) ? pr__fail(PR_ERR_IO, "write_dot: write failed") : PR_OK;
}
