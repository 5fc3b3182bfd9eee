/* The computational graph's internals, shared by the files of src/autograd. */
#ifndef PRIMER_AUTOGRAD_INTERNAL_H
#define PRIMER_AUTOGRAD_INTERNAL_H

#include <limits.h>

#include "core/internal.h"
#include "primer/autograd.h"

#define PR__NAME_LEN 48
/* max arity of an op that takes any number of inputs (concat) */
#define PR__ANY INT_MAX

/* Op flags: what the planner and the runner need to know about an op, so that
 * no op is special-cased by name.
 *   ALIAS    the output is a view of input 0: value and gradient share its storage
 *            (reshape); the op gets no storage of its own and its kernels do nothing
 *   RANDOM   the forward pass draws random numbers (dropout): a pass that runs such an
 *            op in training (or prior sampling) takes one key from the graph's
 *            generator, and each element's draw is a function of that key, the node
 *            and the element's index (pr__counter_*), so kernels may split their
 *            elements over threads and processes; gradient checks replay the key */
#define PR__OPF_ALIAS 1u
#define PR__OPF_RANDOM 2u

/* No-gradient inputs: bit k set when input k never receives a gradient from the op
 * (a mask, indices); the planner does not count it toward requires_grad and the
 * kernel context hands the op no gradient for it. */
#define PR__NOGRAD(k) (1u << (k))

/* ---- the op list ---------------------------------------------------------------------
 * X(ID, "name", min inputs, max inputs, shape inference, scratch bytes, kernel prefix,
 *   flags, no-gradient inputs). Inference and scratch functions live in ops.c, the
 * kernels <prefix>_fwd_<f32|f64> and <prefix>_bwd_<f32|f64> in ops.inc. This is the
 * one place an op is registered. */
#define PR__OP_LIST(X)                                                                              \
    X(ADD, "add", 2, 2, infer_broadcast, no_scratch, add, 0, 0)                                       \
    X(SUB, "sub", 2, 2, infer_broadcast, no_scratch, sub, 0, 0)                                       \
    X(MUL, "mul", 2, 2, infer_broadcast, no_scratch, mul, 0, 0)                                       \
    X(DIV, "div", 2, 2, infer_broadcast, no_scratch, div, 0, 0)                                       \
    X(NEG, "neg", 1, 1, infer_same, no_scratch, neg, 0, 0)                                            \
    X(POW, "pow", 1, 1, infer_same, no_scratch, pow, 0, 0)                                            \
    X(EXP, "exp", 1, 1, infer_same, no_scratch, exp, 0, 0)                                            \
    X(LOG, "log", 1, 1, infer_same, no_scratch, log, 0, 0)                                            \
    X(SQRT, "sqrt", 1, 1, infer_same, no_scratch, sqrt, 0, 0)                                         \
    X(ABS, "abs", 1, 1, infer_same, no_scratch, abs, 0, 0)                                            \
    X(SCALE, "scale", 1, 1, infer_same, no_scratch, scale, 0, 0)                                      \
    X(ADD_SCALAR, "add_scalar", 1, 1, infer_same, no_scratch, add_scalar, 0, 0)                       \
    X(MATMUL, "matmul", 2, 3, infer_matmul, no_scratch, matmul, 0, 0)                                 \
    X(TRANSPOSE, "transpose", 1, 1, infer_transpose, no_scratch, transpose, 0, 0)                     \
    X(RESHAPE, "reshape", 1, 1, infer_reshape, no_scratch, reshape, PR__OPF_ALIAS, 0)                 \
    X(CONCAT, "concat", 1, PR__ANY, infer_concat, no_scratch, concat, 0, 0)                           \
    X(SLICE, "slice", 1, 1, infer_slice, no_scratch, slice, 0, 0)                                     \
    X(SUM, "sum", 1, 1, infer_reduce, no_scratch, sum, 0, 0)                                          \
    X(MEAN, "mean", 1, 1, infer_reduce, no_scratch, mean, 0, 0)                                       \
    X(MAX, "max", 1, 1, infer_reduce, max_scratch, max, 0, 0)                                         \
    X(RELU, "relu", 1, 1, infer_same, no_scratch, relu, 0, 0)                                         \
    X(LEAKY_RELU, "leaky_relu", 1, 1, infer_same, no_scratch, leaky_relu, 0, 0)                       \
    X(PRELU, "prelu", 2, 2, infer_prelu, no_scratch, prelu, 0, 0)                                     \
    X(SIGMOID, "sigmoid", 1, 1, infer_same, no_scratch, sigmoid, 0, 0)                                \
    X(TANH, "tanh", 1, 1, infer_same, no_scratch, tanh, 0, 0)                                         \
    X(GELU, "gelu", 1, 1, infer_same, same_size_scratch, gelu, 0, 0)                                 \
    X(SOFTMAX, "softmax", 1, 1, infer_softmax, no_scratch, softmax, 0, 0)                             \
    X(LOG_SOFTMAX, "log_softmax", 1, 1, infer_softmax, no_scratch, log_softmax, 0, 0)                 \
    X(LOGSUMEXP, "logsumexp", 1, 1, infer_reduce, no_scratch, logsumexp, 0, 0)                        \
    X(CLAMP, "clamp", 1, 1, infer_same, no_scratch, clamp, 0, 0)                                      \
    X(WHERE, "where", 3, 3, infer_broadcast, no_scratch, where, 0, PR__NOGRAD(0))                     \
    X(LOG1P, "log1p", 1, 1, infer_same, no_scratch, log1p, 0, 0)                                      \
    X(DROPOUT, "dropout", 1, 1, infer_same, same_size_scratch, dropout, PR__OPF_RANDOM, 0)            \
    X(BATCHNORM, "batchnorm", 6, 6, infer_batchnorm, batchnorm_scratch, batchnorm, 0,                 \
      PR__NOGRAD(3) | PR__NOGRAD(4) | PR__NOGRAD(5))                                                  \
    X(EMBEDDING, "embedding", 2, 2, infer_embedding, no_scratch, embedding, 0, PR__NOGRAD(1))         \
    X(SOFTMAX_CE, "softmax_cross_entropy", 2, 2, infer_softmax_ce, same_size_scratch, softmax_ce, 0, 0) \
    X(BCE_LOGITS, "bce_with_logits", 2, 2, infer_broadcast, no_scratch, bce_logits, 0, 0)             \
    X(CONV2D, "conv2d", 2, 3, infer_conv2d, conv2d_scratch, conv2d, 0, 0)                               \
    X(MAX_POOL2D, "max_pool2d", 1, 1, infer_pool2d, max_pool2d_scratch, max_pool2d, 0, 0)               \
    X(AVG_POOL2D, "avg_pool2d", 1, 1, infer_pool2d, no_scratch, avg_pool2d, 0, 0)                     \
    X(RNN, "rnn", 5, 7, infer_rnn, rnn_scratch, rnn, 0, 0)                                              \
    X(ATTENTION, "attention", 3, 4, infer_attention, attention_scratch, attention, 0, PR__NOGRAD(3))     \
    X(LAYERNORM, "layernorm", 3, 3, infer_layernorm, layernorm_scratch, layernorm, 0, 0)              \
    X(GAUSSIAN_SAMPLE, "gaussian_sample", 2, 2, infer_gaussian_sample, same_size_scratch, gaussian_sample, \
      PR__OPF_RANDOM, 0)

typedef enum pr__op {
#define PR_X_(id, name, lo, hi, infer, scratch, kernel, flags, nograd) PR__OP_##id,
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
    int transpose_a, transpose_b; /* matmul: op(a) @ op(b) */
    double a, b;       /* pow exponent, scale, leaky slope, clamp bounds, gelu mode,
                          dropout rate and form, batch norm eps and momentum */
    int64_t start, stop; /* slice */
    int perm[PR_MAX_DIMS]; /* transpose */
    int target_ndim;   /* reshape */
    int64_t target[PR_MAX_DIMS];
    pr_reduction reduction;  /* softmax cross-entropy */
    int has_ignore;          /* softmax cross-entropy: labels equal to ignore_index */
    int64_t ignore_index;    /* count neither in the loss nor in the mean */
    struct pr__window {      /* conv2d and pooling, per spatial axis (height, width) */
        int64_t kernel[2];   /* pooling (a convolution's comes from its weight) */
        int64_t stride[2], pad[2], dilation[2];
        int count_include_pad; /* average pooling: divide by the padded window's size */
    } win;
    struct pr__seq {         /* rnn and attention */
        int mode;            /* rnn: pr_rnn_mode */
        int64_t bptt;        /* rnn: steps between gradient cuts, 0 for none */
        int64_t heads;       /* attention */
        int causal;          /* attention: query i sees keys j <= i (+ Tk - Tq) */
        int packed;          /* attention: q, k, v are one (B, T, 3E) input given thrice */
    } seq;
} pr__attr;

typedef struct pr__node {
    pr__node_kind kind;
    int op;                      /* pr__op, for NODE_OP */
    int n_in;                    /* inputs: g->edges[in_off .. in_off + n_in) */
    int64_t in_off;
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
    int32_t *edges;              /* every op's input ids, in order (n->in_off indexes it) */
    int64_t n_edges, cap_edges;
    pr_tensor **edge_value, **edge_grad; /* per edge: the input's value and gradient views
                                            handed to kernels (set by the planner) */
    int64_t cap_edge_views;
    pr_tensor no_grad;           /* the empty gradient view of inputs that get none */
    pr_status build_status;
    char build_error[512];
    int planned;
    int abstract;                /* shapes only: parameters get no storage (counting a spec) */
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
    int prior_sampling;          /* gaussian_sample draws from N(0, I), ignoring its inputs */
    pr_rng rng;                  /* the random stream of PR__OPF_RANDOM ops: one key per pass */
    uint64_t pass_key;           /* set for the next pass by pr__graph_random_pass */
    int pass_key_set;
    int64_t pass_row_offset;
    pr_status run_status;        /* set by a kernel that meets bad data (an index out of range) */
    pr_threads *threads;         /* the caller's pool, or NULL */
};

/* What a kernel sees: views of its inputs and output (shapes included), their
 * gradients, its attributes and scratch, the random stream and the mode. Kernels
 * touch nothing else, so this is the seam a thread pool or another backend uses.
 * A gradient view with data NULL means "not wanted" (the input requires no
 * gradient, or the op gives it none). Kernels write only y (forward), the gx they
 * are given (backward, accumulating) and their scratch; the one exception is an op
 * that updates a buffer input in training (batch norm's running statistics). */
typedef struct pr__kernel {
    pr_tensor *y, *gy;                 /* the node's value and gradient */
    pr_tensor *const *x, *const *gx;   /* each input's value and gradient */
    int n_in;
    const pr__attr *attr;
    void *scratch;
    size_t scratch_bytes;
    /* PR__OPF_RANDOM ops: the node's counter-based stream for this pass (pr__counter_*),
       and the rows of the whole batch before this process's share (data-parallel runs),
       so that element (r, j) draws what it would in one process */
    uint64_t stream;
    int64_t row_offset;
    int training;
    int prior_sampling;                /* the graph's prior sampling (gaussian_sample) */
    pr_threads *threads;               /* the graph's pool (NULL: run inline) */
    pr_graph *graph_;                  /* for pr__kernel_fail's message only */
    int32_t node_;
} pr__kernel;

/* For kernels: stop the current run with `status` and a message naming the node. */
void pr__kernel_fail(const pr__kernel *k, pr_status status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The op table entry: metadata plus the kernels for each dtype. */
typedef struct pr__op_def {
    const char *name;
    int min_in, max_in;
    unsigned flags;                    /* PR__OPF_* */
    unsigned nograd;                   /* PR__NOGRAD(k) bits */
    /* Set n->ndim/shape from the inputs and attributes. `strict`: every extent is
     * known (at plan time); otherwise -1 extents are allowed and propagated. */
    pr_status (*infer)(const pr_graph *g, pr__node *n, int strict);
    /* Bytes of scratch the op needs next to its output (0 if none). */
    size_t (*scratch)(const pr_graph *g, const pr__node *n);
    void (*forward[2])(const pr__kernel *k);
    /* Accumulate into the gradients of the inputs that require one. */
    void (*backward[2])(const pr__kernel *k);
} pr__op_def;

extern const pr__op_def pr__ops[PR__OP_COUNT];

/* conv2d's scratch: a header (whether it holds the patches of every sample of the last
 * training forward pass), then the patches, of all samples when they take at most
 * pr__conv2d_keep_limit bytes (64 MiB; tests lower it to run the rebuilding path),
 * else of one. The kernels read which from the scratch they were given. */
#define PR__CONV_HEADER 64
extern size_t pr__conv2d_keep_limit;

/* A 1x1 convolution with stride 1 and no padding: a product with x as it is. */
static inline int pr__conv2d_is_pointwise(const int64_t kernel[2], const struct pr__window *w) {
    return kernel[0] == 1 && kernel[1] == 1 && w->stride[0] == 1 && w->stride[1] == 1 && w->pad[0] == 0 && w->pad[1] == 0;
}

/* Input k of node n: its id and its node. */
static inline int32_t pr__input_id(const pr_graph *g, const pr__node *n, int k) { return g->edges[n->in_off + k]; }
static inline pr__node *pr__in(const pr_graph *g, const pr__node *n, int k) { return &g->nodes[pr__input_id(g, n, k)]; }
static inline int pr__dt(const pr_graph *g) { return g->dtype == PR_F64; }
/* The op of a node, or NULL for leaves. */
static inline const pr__op_def *pr__op_of(const pr__node *n) { return n->kind == NODE_OP ? &pr__ops[n->op] : NULL; }

/* Plan storage for the current input shapes (allocates only when shapes grow). */
pr_status pr__graph_plan(pr_graph *g);
/* Resolve a handle to a node of g, or fail naming `op`. */
pr_status pr__graph_node(const pr_graph *g, pr_node h, const char *op, int32_t *id);
/* Record a build error (the first one sticks) and return an invalid handle. */
pr_node pr__graph_fail(pr_graph *g, pr_status st);
/* Human-readable node label: "#3 'h1' (relu)". */
const char *pr__node_label(const pr_graph *g, int32_t id, char *buf, size_t len);

#endif
