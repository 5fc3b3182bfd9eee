/* The computational graph's internals, shared by the files of src/autograd. */
#ifndef PRIMER_AUTOGRAD_INTERNAL_H
#define PRIMER_AUTOGRAD_INTERNAL_H

#include "core/internal.h"
#include "primer/autograd.h"

#define PR__MAX_INPUTS 8
#define PR__NAME_LEN 48

/* ---- the op list ---------------------------------------------------------------------
 * X(ID, "name", min inputs, max inputs, shape inference, scratch bytes, kernel prefix).
 * Inference and scratch functions live in ops.c, the kernels <prefix>_fwd_<f32|f64>
 * and <prefix>_bwd_<f32|f64> in ops.inc. This is the one place an op is registered. */
#define PR__OP_LIST(X)                                                   \
    X(ADD, "add", 2, 2, infer_broadcast, no_scratch, add)                    \
    X(SUB, "sub", 2, 2, infer_broadcast, no_scratch, sub)                    \
    X(MUL, "mul", 2, 2, infer_broadcast, no_scratch, mul)                    \
    X(DIV, "div", 2, 2, infer_broadcast, no_scratch, div)                    \
    X(NEG, "neg", 1, 1, infer_same, no_scratch, neg)                         \
    X(POW, "pow", 1, 1, infer_same, no_scratch, pow)                         \
    X(EXP, "exp", 1, 1, infer_same, no_scratch, exp)                         \
    X(LOG, "log", 1, 1, infer_same, no_scratch, log)                         \
    X(SQRT, "sqrt", 1, 1, infer_same, no_scratch, sqrt)                      \
    X(ABS, "abs", 1, 1, infer_same, no_scratch, abs)                         \
    X(SCALE, "scale", 1, 1, infer_same, no_scratch, scale)                   \
    X(ADD_SCALAR, "add_scalar", 1, 1, infer_same, no_scratch, add_scalar)    \
    X(MATMUL, "matmul", 2, 2, infer_matmul, no_scratch, matmul)              \
    X(TRANSPOSE, "transpose", 1, 1, infer_transpose, no_scratch, transpose)  \
    X(RESHAPE, "reshape", 1, 1, infer_reshape, no_scratch, reshape)          \
    X(CONCAT, "concat", 1, PR__MAX_INPUTS, infer_concat, no_scratch, concat) \
    X(SLICE, "slice", 1, 1, infer_slice, no_scratch, slice)                  \
    X(SUM, "sum", 1, 1, infer_reduce, no_scratch, sum)                       \
    X(MEAN, "mean", 1, 1, infer_reduce, no_scratch, mean)                    \
    X(MAX, "max", 1, 1, infer_reduce, max_scratch, max)                      \
    X(RELU, "relu", 1, 1, infer_same, no_scratch, relu)                      \
    X(LEAKY_RELU, "leaky_relu", 1, 1, infer_same, no_scratch, leaky_relu)    \
    X(PRELU, "prelu", 2, 2, infer_prelu, no_scratch, prelu)                  \
    X(SIGMOID, "sigmoid", 1, 1, infer_same, no_scratch, sigmoid)             \
    X(TANH, "tanh", 1, 1, infer_same, no_scratch, tanh)                      \
    X(GELU, "gelu", 1, 1, infer_same, no_scratch, gelu)                      \
    X(SOFTMAX, "softmax", 1, 1, infer_softmax, no_scratch, softmax)          \
    X(LOG_SOFTMAX, "log_softmax", 1, 1, infer_softmax, no_scratch, log_softmax) \
    X(LOGSUMEXP, "logsumexp", 1, 1, infer_reduce, no_scratch, logsumexp)     \
    X(CLAMP, "clamp", 1, 1, infer_same, no_scratch, clamp)                   \
    X(WHERE, "where", 3, 3, infer_where, no_scratch, where)                  \
    X(LOG1P, "log1p", 1, 1, infer_same, no_scratch, log1p)                   \
    X(DROPOUT, "dropout", 1, 1, infer_same, same_size_scratch, dropout)      \
    X(BATCHNORM, "batchnorm", 6, 6, infer_batchnorm, batchnorm_scratch, batchnorm) \
    X(EMBEDDING, "embedding", 2, 2, infer_embedding, no_scratch, embedding)  \
    X(SOFTMAX_CE, "softmax_cross_entropy", 2, 2, infer_softmax_ce, same_size_scratch, softmax_ce) \
    X(BCE_LOGITS, "bce_with_logits", 2, 2, infer_broadcast, no_scratch, bce_logits)

typedef enum pr__op {
#define PR_X_(id, name, lo, hi, infer, scratch, kernel) PR__OP_##id,
    PR__OP_LIST(PR_X_)
#undef PR_X_
    PR__OP_COUNT
} pr__op;

/* BUFFER: persistent state that is saved with the model but not trained (batch
 * norm's running statistics); ops may update it during a training forward pass. */
typedef enum pr__node_kind { NODE_INPUT, NODE_PARAM, NODE_CONST, NODE_OP, NODE_BUFFER } pr__node_kind;

/* Per-op settings; each op uses the fields it needs. */
typedef struct pr__attr {
    int axis;          /* reductions, softmax, concat, slice; PR_AXIS_ALL for "all" */
    int keepdims;
    int transpose_b;   /* matmul: a @ bᵀ */
    double a, b;       /* pow exponent, scale, leaky slope, clamp bounds, gelu mode,
                          dropout rate and form, batch norm eps and momentum */
    int64_t start, stop; /* slice */
    int perm[PR_MAX_DIMS]; /* transpose */
    int target_ndim;   /* reshape */
    int64_t target[PR_MAX_DIMS];
} pr__attr;

typedef struct pr__node {
    pr__node_kind kind;
    int op;                      /* pr__op, for NODE_OP */
    int n_in;
    int32_t in[PR__MAX_INPUTS];
    pr__attr attr;
    int ndim;
    int64_t shape[PR_MAX_DIMS];  /* current shape; -1 extents until inputs are set */
    int64_t decl[PR_MAX_DIMS];   /* inputs: the declared shape (-1 = any) */
    int64_t size;                /* elements, valid once planned */
    pr_tensor value, grad;       /* views into the graph's storage (grad.data NULL if none) */
    int requires_grad;           /* backward produces a gradient for this node */
    int frozen;                  /* parameters */
    int wants_grad;              /* inputs that asked for a gradient */
    int has_value;               /* inputs: set since the last shape change */
    int available;               /* planned: every input it depends on has a shape */
    size_t value_off, grad_off, scratch_off; /* offsets in the arena (op and input nodes) */
    size_t scratch_bytes;
    int64_t param_off;           /* parameters: element offset in the flat buffers */
    void *store;                 /* inputs and constants: owned value storage */
    const void *bound;           /* inputs: the caller's storage when bound (no copy) */
    size_t store_bytes;
    char name[PR__NAME_LEN];
    double prof_seconds;
    int64_t prof_calls;
} pr__node;

#define PR__GRAPH_MAGIC 0x70724752u /* "prGR" */
#define PR__GRAPH_FREED 0x46524545u /* "FREE" */

struct pr_graph {
    uint32_t magic;
    uint32_t serial;
    pr_dtype dtype;
    size_t esize;
    pr__node *nodes;
    int32_t n_nodes, cap_nodes;
    pr_status build_status;
    char build_error[512];
    int planned;
    unsigned char *arena;        /* values, gradients and scratch of op and input nodes */
    size_t arena_bytes, arena_cap;
    size_t grad_begin, grad_end; /* the gradient region of the arena, zeroed per backward */
    unsigned char *params, *param_grads; /* flat buffers, param_cap elements each */
    int64_t param_elems, param_cap;
    int64_t n_params;
    unsigned char *mark;         /* per-node flags for traversals (cap_nodes) */
    int32_t *stack;              /* traversal stack (cap_nodes) */
    int anomaly, profiling;
    double prof_elapsed;
    int training;                /* dropout and batch norm behave as in training */
    pr_rng rng;                  /* dropout masks */
    pr_status run_status;        /* set by a kernel that meets bad data (an index out of range) */
};

/* The op table entry: metadata plus the kernels for each dtype. */
typedef struct pr__op_def {
    const char *name;
    int min_in, max_in;
    /* Set n->ndim/shape from the inputs and attributes. `strict`: every extent is
     * known (at plan time); otherwise -1 extents are allowed and propagated. */
    pr_status (*infer)(const pr_graph *g, pr__node *n, int strict);
    /* Bytes of scratch the op needs next to its output (0 if none). */
    size_t (*scratch)(const pr_graph *g, const pr__node *n);
    void (*forward[2])(pr_graph *g, pr__node *n);
    /* Accumulate into the gradients of the inputs that require one. */
    void (*backward[2])(pr_graph *g, pr__node *n);
} pr__op_def;

extern const pr__op_def pr__ops[PR__OP_COUNT];

static inline pr__node *pr__in(pr_graph *g, const pr__node *n, int i) { return &g->nodes[n->in[i]]; }
static inline int pr__dt(const pr_graph *g) { return g->dtype == PR_F64; }

/* Plan storage for the current input shapes (allocates only when shapes grow). */
pr_status pr__graph_plan(pr_graph *g);
/* Resolve a handle to a node of g, or fail naming `op`. */
pr_status pr__graph_node(const pr_graph *g, pr_node h, const char *op, int32_t *id);
/* Record a build error (the first one sticks) and return an invalid handle. */
pr_node pr__graph_fail(pr_graph *g, pr_status st);
/* For kernels: stop the current run with `status` and a message about node n. */
void pr__graph_run_fail(pr_graph *g, const pr__node *n, pr_status status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Human-readable node label: "#3 'h1' (relu)". */
const char *pr__node_label(const pr_graph *g, int32_t id, char *buf, size_t len);

#endif
