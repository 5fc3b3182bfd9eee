/* The op table: shape inference and scratch sizes here, kernels in ops.inc. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "autograd/graph_internal.h"
#include "core/parallel.h"
#include "linalg/backend.h"

/* The index, in the whole batch, of this process's first element of a random op's
 * output: the rows before its share times the elements of a row (0 in one process). */
static int64_t random_first_index(const pr__kernel *k) {
    const pr_tensor *y = k->y;
    if (!k->row_offset || y->ndim < 1 || y->shape[0] == 0) return 0;
    return k->row_offset * (y->size / y->shape[0]);
}

/* ---- kernels for each dtype -------------------------------------------------------------- */

#define R float
#define SFX f32
#define MATH(fn) fn##f
/* every kernel's products split over its pool (k->threads) */
#define BK_GEMM(...) pr__par_gemm_f32(k->threads, __VA_ARGS__)
#define BK_GEMM_NT_ACC pr__bk_gemm_nt_acc_f32
#define SIGMOID(x) pr__sigmoidf(x)
#define SOFTMAX pr__softmax_f32
#define BK_GEMM_SMALL pr__bk_gemm_small_f32
#define FAST_EXP(x) pr__expf_fast(x)
#define FAST_ERF(x) pr__erff_fast(x)
#define FAST_ERF_EXP(x, gauss) pr__erff_exp_fast(x, gauss)
#define FAST_TANH(x) pr__tanhf_fast(x)
#define FAST_SIGMOID(x) pr__sigmoidf_fast(x)
#include "autograd/ops.inc"
#undef R
#undef SFX
#undef MATH
#undef BK_GEMM
#undef BK_GEMM_NT_ACC
#undef SIGMOID
#undef SOFTMAX
#undef FAST_EXP
#undef FAST_ERF
#undef FAST_ERF_EXP
#undef BK_GEMM_SMALL
#undef FAST_TANH
#undef FAST_SIGMOID

#define R double
#define SFX f64
#define MATH(fn) fn
#define BK_GEMM(...) pr__par_gemm_f64(k->threads, __VA_ARGS__)
#define BK_GEMM_NT_ACC pr__bk_gemm_nt_acc_f64
#define SIGMOID(x) pr__sigmoid(x)
#define SOFTMAX pr__softmax_f64
#define BK_GEMM_SMALL pr__bk_gemm_small_f64
#define FAST_EXP(x) exp(x)
#define FAST_ERF(x) erf(x)
#define FAST_ERF_EXP(x, gauss) pr__erf_exp(x, gauss)
#define FAST_TANH(x) tanh(x)
#define FAST_SIGMOID(x) pr__sigmoid(x)
#include "autograd/ops.inc"
#undef R
#undef SFX
#undef MATH
#undef BK_GEMM
#undef BK_GEMM_NT_ACC
#undef SIGMOID
#undef SOFTMAX
#undef FAST_EXP
#undef FAST_ERF
#undef FAST_ERF_EXP
#undef BK_GEMM_SMALL
#undef FAST_TANH
#undef FAST_SIGMOID

/* ---- shape inference ----------------------------------------------------------------------- */

static const char *op_name(const pr__node *n) { return n->kind == NODE_OP ? pr__ops[n->op].name : "leaf"; }

/* "(3, -1)" for a node's current shape. */
static const char *shape_text(const pr__node *n, char *buf, size_t len) {
    pr_tensor t = {.ndim = n->ndim};
    memcpy(t.shape, n->shape, sizeof t.shape);
    return pr_shape_format(&t, buf, len);
}

static pr_status shape_error(const pr_graph *g, const pr__node *n, const char *what) {
    char a[96] = "", b[96] = "", c[96] = "";
    shape_text(pr__in(g, n, 0), a, sizeof a);
    if (n->n_in > 1) shape_text(pr__in(g, n, 1), b, sizeof b);
    if (n->n_in > 2) shape_text(pr__in(g, n, 2), c, sizeof c);
    return pr__fail(PR_ERR_SHAPE, "%s: %s (input shapes %s%s%s%s%s)", op_name(n), what, a, n->n_in > 1 ? " and " : "",
                    b, n->n_in > 2 ? " and " : "", c);
}

/* Two extents that must agree; -1 (unknown until inputs are set) agrees with anything. */
static int extents_agree(int64_t a, int64_t b) { return a == b || a < 0 || b < 0; }

static pr_status infer_same(const pr_graph *g, pr__node *n, int strict) {
    (void)strict;
    const pr__node *x = pr__in(g, n, 0);
    n->ndim = x->ndim;
    memcpy(n->shape, x->shape, sizeof n->shape);
    return PR_OK;
}

/* NumPy broadcasting of all inputs, with -1 treated as "some extent that fits". */
static pr_status broadcast_inputs(const pr_graph *g, pr__node *n, int first) {
    int nd = 0;
    for (int k = first; k < n->n_in; k++)
        if (pr__in(g, n, k)->ndim > nd) nd = pr__in(g, n, k)->ndim;
    int64_t out[PR_MAX_DIMS];
    for (int d = 0; d < nd; d++) out[d] = 1;
    for (int k = first; k < n->n_in; k++) {
        const pr__node *x = pr__in(g, n, k);
        int off = nd - x->ndim;
        for (int d = 0; d < x->ndim; d++) {
            int64_t e = x->shape[d], *o = &out[off + d];
            if (e == *o || e == 1) continue;
            if (*o == 1) *o = e;
            else if (e < 0) continue;
            else if (*o < 0) *o = e;
            else return shape_error(g, n, "shapes cannot be broadcast together");
        }
    }
    n->ndim = nd;
    for (int d = 0; d < PR_MAX_DIMS; d++) n->shape[d] = d < nd ? out[d] : 1;
    return PR_OK;
}

static pr_status infer_broadcast(const pr_graph *g, pr__node *n, int strict) {
    (void)strict;
    return broadcast_inputs(g, n, 0);
}

/* gaussian_sample: mu and logvar of one shape, the output of it */
static pr_status infer_gaussian_sample(const pr_graph *g, pr__node *n, int strict) {
    (void)strict;
    const pr__node *mu = pr__in(g, n, 0), *lv = pr__in(g, n, 1);
    int same = mu->ndim == lv->ndim;
    for (int d = 0; same && d < mu->ndim; d++) same = extents_agree(mu->shape[d], lv->shape[d]);
    if (!same) return shape_error(g, n, "mu and logvar must have the same shape");
    return infer_same(g, n, strict);
}

static pr_status infer_prelu(const pr_graph *g, pr__node *n, int strict) {
    pr_status st = broadcast_inputs(g, n, 0);
    if (st) return st;
    const pr__node *x = pr__in(g, n, 0);
    int same = n->ndim == x->ndim;
    for (int d = 0; same && d < n->ndim; d++) same = extents_agree(n->shape[d], x->shape[d]);
    if (!same) return shape_error(g, n, "alpha must broadcast to the input's shape");
    (void)strict;
    return infer_same(g, n, strict);
}

/* op(a) @ op(b), op a transpose of the last two axes when asked; the leading (batch)
 * axes broadcast as NumPy's. */
static pr_status infer_matmul(const pr_graph *g, pr__node *n, int strict) {
    (void)strict;
    const pr__node *a = pr__in(g, n, 0), *b = pr__in(g, n, 1);
    if (a->ndim < 2 || b->ndim < 2) return shape_error(g, n, "operands must have at least 2 axes (matrices)");
    int ta = n->attr.transpose_a, tb = n->attr.transpose_b;
    int64_t m = a->shape[a->ndim - (ta ? 1 : 2)], ka = a->shape[a->ndim - (ta ? 2 : 1)];
    int64_t kb = b->shape[b->ndim - (tb ? 1 : 2)], nn = b->shape[b->ndim - (tb ? 2 : 1)];
    if (!extents_agree(ka, kb)) return shape_error(g, n, "inner dimensions differ");
    int bd = (a->ndim > b->ndim ? a->ndim : b->ndim) - 2;
    int64_t out[PR_MAX_DIMS];
    for (int d = 0; d < bd; d++) {
        int da = d - (bd - (a->ndim - 2)), db = d - (bd - (b->ndim - 2));
        int64_t ea = da >= 0 ? a->shape[da] : 1, eb = db >= 0 ? b->shape[db] : 1;
        if (ea == eb || eb == 1) out[d] = ea;
        else if (ea == 1) out[d] = eb;
        else if (ea < 0 || eb < 0) out[d] = ea < 0 ? eb : ea; /* an unknown extent fits */
        else return shape_error(g, n, "batch axes cannot be broadcast together");
    }
    n->ndim = bd + 2;
    for (int d = 0; d < PR_MAX_DIMS; d++) n->shape[d] = d < bd ? out[d] : 1;
    n->shape[bd] = m;
    n->shape[bd + 1] = nn;
    if (n->n_in == 3) { /* a bias per output column */
        const pr__node *c = pr__in(g, n, 2);
        if (c->ndim != 1 || !extents_agree(c->shape[0], nn))
            return shape_error(g, n, "the bias must have one value per output column");
    }
    return PR_OK;
}

static pr_status infer_transpose(const pr_graph *g, pr__node *n, int strict) {
    (void)strict;
    const pr__node *x = pr__in(g, n, 0);
    n->ndim = x->ndim;
    for (int d = 0; d < PR_MAX_DIMS; d++) n->shape[d] = d < x->ndim ? x->shape[n->attr.perm[d]] : 1;
    return PR_OK;
}

static pr_status infer_reshape(const pr_graph *g, pr__node *n, int strict) {
    const pr__node *x = pr__in(g, n, 0);
    int64_t known = 1, have = 1;
    int infer = -1, unknown_input = 0;
    for (int d = 0; d < x->ndim; d++) {
        if (x->shape[d] < 0) unknown_input = 1;
        else have *= x->shape[d];
    }
    for (int d = 0; d < n->attr.target_ndim; d++) {
        if (n->attr.target[d] == -1) infer = d;
        else known *= n->attr.target[d];
    }
    n->ndim = n->attr.target_ndim;
    for (int d = 0; d < PR_MAX_DIMS; d++) n->shape[d] = d < n->ndim ? n->attr.target[d] : 1;
    if (unknown_input && !strict) {
        if (infer >= 0) n->shape[infer] = -1;
        return PR_OK;
    }
    if (infer >= 0) {
        if (known == 0 || have % known) return shape_error(g, n, "cannot infer the -1 extent of the new shape");
        n->shape[infer] = have / known;
    } else if (known != have) {
        return shape_error(g, n, "the new shape has a different number of elements");
    }
    return PR_OK;
}

static pr_status infer_concat(const pr_graph *g, pr__node *n, int strict) {
    (void)strict;
    const pr__node *first = pr__in(g, n, 0);
    int ax = n->attr.axis;
    n->ndim = first->ndim;
    memcpy(n->shape, first->shape, sizeof n->shape);
    int64_t total = 0;
    for (int k = 0; k < n->n_in; k++) {
        const pr__node *x = pr__in(g, n, k);
        if (x->ndim != first->ndim) return shape_error(g, n, "inputs have different ranks");
        for (int d = 0; d < x->ndim; d++)
            if (d != ax && !extents_agree(x->shape[d], first->shape[d]))
                return shape_error(g, n, "inputs differ outside the concatenation axis");
        if (total >= 0) total = x->shape[ax] < 0 ? -1 : total + x->shape[ax];
    }
    n->shape[ax] = total;
    return PR_OK;
}

static pr_status infer_slice(const pr_graph *g, pr__node *n, int strict) {
    (void)strict;
    const pr__node *x = pr__in(g, n, 0);
    int64_t extent = x->shape[n->attr.axis];
    if (n->attr.start < 0 || n->attr.stop < n->attr.start || (extent >= 0 && n->attr.stop > extent)) {
        char msg[160];
        snprintf(msg, sizeof msg, "range [%lld, %lld) is outside axis %d", (long long)n->attr.start,
                 (long long)n->attr.stop, n->attr.axis);
        return shape_error(g, n, msg);
    }
    infer_same(g, n, strict);
    n->shape[n->attr.axis] = n->attr.stop - n->attr.start;
    return PR_OK;
}

static pr_status infer_reduce(const pr_graph *g, pr__node *n, int strict) {
    (void)strict;
    const pr__node *x = pr__in(g, n, 0);
    int nd = 0;
    for (int d = 0; d < PR_MAX_DIMS; d++) n->shape[d] = 1;
    if (n->attr.axis == PR_AXIS_ALL) {
        nd = n->attr.keepdims ? x->ndim : 0;
    } else {
        for (int d = 0; d < x->ndim; d++) {
            if (d != n->attr.axis) n->shape[nd++] = x->shape[d];
            else if (n->attr.keepdims) n->shape[nd++] = 1;
        }
    }
    n->ndim = nd;
    if (strict && n->attr.axis != PR_AXIS_ALL && x->shape[n->attr.axis] == 0 && n->op != PR__OP_SUM)
        return shape_error(g, n, "cannot reduce an empty axis");
    return PR_OK;
}

static pr_status infer_softmax(const pr_graph *g, pr__node *n, int strict) {
    pr_status st = infer_same(g, n, strict);
    if (!st && strict && n->shape[n->attr.axis] == 0) return shape_error(g, n, "the softmax axis is empty");
    return st;
}

/* x, gamma, beta, running mean, running variance, batches seen: the channel count C is
 * axis 1 of x (its features when 2-D). */
static pr_status infer_batchnorm(const pr_graph *g, pr__node *n, int strict) {
    const pr__node *x = pr__in(g, n, 0);
    if (x->ndim < 2) return shape_error(g, n, "the input must be at least 2-D (batch, features, ...)");
    int64_t C = x->shape[1];
    for (int k = 1; k <= 4; k++) {
        const pr__node *p = pr__in(g, n, k);
        if (p->ndim != 1 || !extents_agree(p->shape[0], C))
            return shape_error(g, n, "scale, shift and running statistics must have one value per channel");
    }
    if (pr__in(g, n, 5)->ndim != 0) return shape_error(g, n, "the batch counter must be a scalar");
    return infer_same(g, n, strict);
}

static pr_status infer_embedding(const pr_graph *g, pr__node *n, int strict) {
    (void)strict;
    const pr__node *t = pr__in(g, n, 0), *idx = pr__in(g, n, 1);
    if (t->ndim != 2) return shape_error(g, n, "the table must be 2-D (rows, dimension)");
    if (idx->ndim >= PR_MAX_DIMS) return shape_error(g, n, "too many index dimensions");
    n->ndim = idx->ndim + 1;
    memcpy(n->shape, idx->shape, sizeof n->shape);
    n->shape[idx->ndim] = t->shape[1];
    return PR_OK;
}

/* logits (..., K) against labels (...) or probabilities (..., K); a scalar (mean or
 * sum) or, with reduction none, one loss per position (...). */
static pr_status infer_softmax_ce(const pr_graph *g, pr__node *n, int strict) {
    const pr__node *z = pr__in(g, n, 0), *t = pr__in(g, n, 1);
    if (z->ndim < 1) return shape_error(g, n, "logits need a class axis (..., classes)");
    int labels = t->ndim == z->ndim - 1;
    if (!labels && t->ndim != z->ndim) return shape_error(g, n, "targets must be labels (...) or probabilities (..., classes)");
    for (int d = 0; d < t->ndim; d++)
        if (!extents_agree(t->shape[d], z->shape[d]))
            return shape_error(g, n, "targets must be labels (...) or probabilities (..., classes)");
    if (!labels && n->attr.has_ignore) return shape_error(g, n, "an ignore index needs integer labels, not probabilities");
    if (strict && z->shape[z->ndim - 1] == 0) return shape_error(g, n, "there are no classes");
    if (strict && n->attr.reduction == PR_REDUCTION_MEAN) {
        int64_t rows = 1;
        for (int d = 0; d < z->ndim - 1; d++) rows *= z->shape[d];
        if (rows == 0) return shape_error(g, n, "the batch is empty");
    }
    if (n->attr.reduction == PR_REDUCTION_NONE) {
        n->ndim = z->ndim - 1;
        for (int d = 0; d < PR_MAX_DIMS; d++) n->shape[d] = d < n->ndim ? z->shape[d] : 1;
    } else {
        n->ndim = 0;
        for (int d = 0; d < PR_MAX_DIMS; d++) n->shape[d] = 1;
    }
    return PR_OK;
}

/* One spatial output extent (PyTorch's floor rule), -1 when n is not known yet, or
 * -2 when the (dilated) window is larger than the padded input. */
static int64_t window_extent(int64_t n, int64_t k, int64_t pad, int64_t stride, int64_t dilation) {
    if (n < 0 || k < 0) return -1;
    int64_t span = dilation * (k - 1) + 1;
    if (n + 2 * pad < span) return -2;
    return (n + 2 * pad - span) / stride + 1;
}

/* (N, C, H, W) -> (N, out channels, OH, OW) from the window attributes and kernel k. */
static pr_status infer_window(const pr_graph *g, pr__node *n, int64_t channels, const int64_t k[2]) {
    const pr__node *x = pr__in(g, n, 0);
    const struct pr__window *w = &n->attr.win;
    n->ndim = 4;
    for (int d = 0; d < PR_MAX_DIMS; d++) n->shape[d] = 1;
    n->shape[0] = x->shape[0];
    n->shape[1] = channels;
    for (int d = 0; d < 2; d++) {
        int64_t e = window_extent(x->shape[2 + d], k[d], w->pad[d], w->stride[d], w->dilation[d]);
        if (e == -2) {
            char msg[200];
            snprintf(msg, sizeof msg, "the %lldx%lld window (dilation %lld) is larger than the padded input (%lld + 2 x %lld on the %s axis)",
                     (long long)k[0], (long long)k[1], (long long)w->dilation[d], (long long)x->shape[2 + d],
                     (long long)w->pad[d], d ? "width" : "height");
            return shape_error(g, n, msg);
        }
        n->shape[2 + d] = e;
    }
    if (x->shape[2] > 0 && x->shape[3] > 0 && x->shape[2] > INT32_MAX / x->shape[3])
        return shape_error(g, n, "a feature map of more than 2^31 elements");
    return PR_OK;
}

/* x (N, C, H, W), weight (O, C, KH, KW), optional bias (O). */
static pr_status infer_conv2d(const pr_graph *g, pr__node *n, int strict) {
    (void)strict;
    const pr__node *x = pr__in(g, n, 0), *w = pr__in(g, n, 1);
    if (x->ndim != 4) return shape_error(g, n, "the input must be (batch, channels, height, width)");
    if (w->ndim != 4) return shape_error(g, n, "the weight must be (out channels, in channels, kernel height, kernel width)");
    if (!extents_agree(x->shape[1], w->shape[1])) return shape_error(g, n, "the input's channels differ from the weight's");
    if (n->n_in == 3) {
        const pr__node *b = pr__in(g, n, 2);
        if (b->ndim != 1 || !extents_agree(b->shape[0], w->shape[0]))
            return shape_error(g, n, "the bias must have one value per output channel");
    }
    return infer_window(g, n, w->shape[0], w->shape + 2);
}

static pr_status infer_pool2d(const pr_graph *g, pr__node *n, int strict) {
    (void)strict;
    const pr__node *x = pr__in(g, n, 0);
    if (x->ndim != 4) return shape_error(g, n, "the input must be (batch, channels, height, width)");
    return infer_window(g, n, x->shape[1], n->attr.win.kernel);
}

/* ---- scratch ---------------------------------------------------------------------------------- */

/* x (N, T, D), w_ih (G H, D), w_hh (G H, H), b_ih, b_hh (G H), then h0 and c0 (N, H). */
static pr_status infer_rnn(const pr_graph *g, pr__node *n, int strict) {
    (void)strict;
    const pr__node *x = pr__in(g, n, 0), *wih = pr__in(g, n, 1), *whh = pr__in(g, n, 2);
    int64_t G = pr_rnn_gates((pr_rnn_mode)n->attr.seq.mode);
    if (x->ndim != 3) return shape_error(g, n, "the input must be (batch, time, features)");
    if (whh->ndim != 2 || whh->shape[0] != G * whh->shape[1])
        return shape_error(g, n, "w_hh must be (gates x hidden, hidden)");
    int64_t H = whh->shape[1];
    if (wih->ndim != 2 || wih->shape[0] != G * H || !extents_agree(wih->shape[1], x->shape[2]))
        return shape_error(g, n, "w_ih must be (gates x hidden, input features)");
    for (int k = 3; k <= 4; k++) {
        const pr__node *b = pr__in(g, n, k);
        if (b->ndim != 1 || b->shape[0] != G * H) return shape_error(g, n, "the biases must be (gates x hidden)");
    }
    for (int k = 5; k < n->n_in; k++) {
        const pr__node *s = pr__in(g, n, k);
        if (s->ndim != 2 || !extents_agree(s->shape[0], x->shape[0]) || s->shape[1] != H)
            return shape_error(g, n, "an initial state must be (batch, hidden)");
    }
    n->ndim = 3;
    for (int d = 0; d < PR_MAX_DIMS; d++) n->shape[d] = 1;
    n->shape[0] = x->shape[0];
    n->shape[1] = x->shape[1];
    n->shape[2] = H;
    return PR_OK;
}

/* q (B, Tq, E), k (B, Tk, E), v (B, Tk, Ev), mask (B, Tk); packed: q = k = v (B, T, 3E). */
static pr_status infer_attention(const pr_graph *g, pr__node *n, int strict) {
    const pr__node *q = pr__in(g, n, 0), *k = pr__in(g, n, 1), *v = pr__in(g, n, 2);
    int64_t H = n->attr.seq.heads;
    if (q->ndim != 3 || k->ndim != 3 || v->ndim != 3)
        return shape_error(g, n, "queries, keys and values must be (batch, time, features)");
    int64_t E = q->shape[2], Ev = v->shape[2], Tk = k->shape[1];
    if (n->attr.seq.packed) {
        if (E >= 0 && E % 3) return shape_error(g, n, "packed queries, keys and values need 3 x E features");
        E = Ev = E < 0 ? -1 : E / 3;
    } else {
        if (!extents_agree(k->shape[0], q->shape[0]) || !extents_agree(v->shape[0], q->shape[0]) ||
            !extents_agree(v->shape[1], Tk) || !extents_agree(k->shape[2], E))
            return shape_error(g, n, "keys must be (batch, Tk, E) like the queries' E, values (batch, Tk, Ev)");
    }
    if ((E >= 0 && E % H) || (Ev >= 0 && Ev % H)) {
        char msg[160];
        snprintf(msg, sizeof msg, "%lld heads do not divide the width %lld", (long long)H,
                 (long long)(E >= 0 && E % H ? E : Ev));
        return shape_error(g, n, msg);
    }
    if (strict && E == 0) return shape_error(g, n, "queries and keys have no features");
    if (n->n_in == 4) {
        const pr__node *m = pr__in(g, n, 3);
        if (m->ndim != 2 || !extents_agree(m->shape[0], q->shape[0]) || !extents_agree(m->shape[1], Tk))
            return shape_error(g, n, "the key padding mask must be (batch, Tk)");
    }
    n->ndim = 3;
    for (int d = 0; d < PR_MAX_DIMS; d++) n->shape[d] = 1;
    n->shape[0] = q->shape[0];
    n->shape[1] = q->shape[1];
    n->shape[2] = Ev;
    return PR_OK;
}

/* x (..., D), gamma and beta (D). */
static pr_status infer_layernorm(const pr_graph *g, pr__node *n, int strict) {
    const pr__node *x = pr__in(g, n, 0);
    if (x->ndim < 1) return shape_error(g, n, "the input needs a feature axis");
    int64_t D = x->shape[x->ndim - 1];
    for (int k = 1; k <= 2; k++) {
        const pr__node *p = pr__in(g, n, k);
        if (p->ndim != 1 || !extents_agree(p->shape[0], D))
            return shape_error(g, n, "scale and shift must have one value per feature (the last axis)");
    }
    return infer_same(g, n, strict);
}

static size_t no_scratch(const pr_graph *g, const pr__node *n) {
    (void)g;
    (void)n;
    return 0;
}

/* max keeps the position of each maximum */
static size_t max_scratch(const pr_graph *g, const pr__node *n) {
    (void)g;
    return (size_t)n->size * sizeof(int64_t);
}

/* one element per element of the first input: dropout's mask, the cross-entropy's
 * softmax, GELU's slope */
static size_t same_size_scratch(const pr_graph *g, const pr__node *n) {
    return (size_t)pr__in(g, n, 0)->size * g->esize;
}

/* batch norm: the normalised input, then 1/σ per channel */
static size_t batchnorm_scratch(const pr_graph *g, const pr__node *n) {
    const pr__node *x = pr__in(g, n, 0);
    return (size_t)(x->size + (x->ndim > 1 ? x->shape[1] : 1)) * g->esize;
}

/* conv2d: a header, then im2col patches (C KH KW x OH OW): in training, those of every
 * sample when they fit pr__conv2d_keep_limit, so the backward pass reuses them, and
 * a weight gradient (O x C KH KW) for each worker of the graph's pool but one; one
 * sample's patches otherwise (and for the input gradient). A 1x1 convolution with stride 1 and
 * no padding needs none (it reads x directly). */
static size_t conv2d_scratch(const pr_graph *g, const pr__node *n) {
    const pr__node *x = pr__in(g, n, 0), *w = pr__in(g, n, 1);
    if (pr__conv2d_is_pointwise(w->shape + 2, &n->attr.win)) return 0;
    size_t kc = (size_t)(x->shape[1] * w->shape[2] * w->shape[3]);
    size_t one = kc * (size_t)(n->shape[2] * n->shape[3]) * g->esize;
    size_t all = one * (size_t)x->shape[0];
    if (all > pr__conv2d_keep_limit) return PR__CONV_HEADER + one;
    /* and a weight gradient for each worker but the first, which sum their samples */
    size_t partials = (size_t)(pr_threads_count(g->threads) - 1) * (size_t)w->shape[0] * kc * g->esize;
    return PR__CONV_HEADER + all + partials;
}

size_t pr__conv2d_keep_limit = (size_t)64 << 20;

/* max pooling: the position of each window's maximum in its plane */
/* rnn: the gates of every step and their gradients (N T G H each), the previous
 * hidden states, the cell states (LSTM) or W_hn h + b_hn (GRU) and the GRU's n-gate
 * gradient on the recurrent side (N T H each), one step's recurrent product (N G H),
 * the carried state gradients (N H each) and W_hhᵀ (H G H). */
static size_t rnn_scratch_elems(int64_t N, int64_t T, int64_t H, int64_t G) {
    return (size_t)(2 * N * T * G * H + 3 * N * T * H + N * G * H + 2 * N * H + G * H * H);
}

static size_t rnn_scratch(const pr_graph *g, const pr__node *n) {
    const pr__node *whh = pr__in(g, n, 2);
    int64_t H = whh->shape[1], G = pr_rnn_gates((pr_rnn_mode)n->attr.seq.mode);
    return rnn_scratch_elems(n->shape[0], n->shape[1], H, G) * g->esize;
}

/* layernorm: each row's mean and 1/sqrt(var + eps). */
static size_t layernorm_scratch(const pr_graph *g, const pr__node *n) {
    int64_t D = n->shape[n->ndim - 1];
    return (size_t)(D ? 2 * (n->size / D) : 0) * g->esize;
}

/* attention: the weights of every (batch, head) pair (B heads Tq Tk) and one pair's
 * weight gradient (Tq Tk) for each worker of the graph's pool. */
static size_t attention_scratch(const pr_graph *g, const pr__node *n) {
    int64_t B = n->shape[0], Tq = n->shape[1], Tk = pr__in(g, n, 1)->shape[1];
    return (size_t)((B * n->attr.seq.heads + pr_threads_count(g->threads)) * Tq * Tk) * g->esize;
}

static size_t max_pool2d_scratch(const pr_graph *g, const pr__node *n) {
    (void)g;
    return (size_t)n->size * sizeof(int32_t);
}

/* ---- the table ---------------------------------------------------------------------------------- */

const pr__op_def pr__ops[PR__OP_COUNT] = {
#define PR_X_(id, str, lo, hi, infer, scratch, kernel, flags_, nograd_)                   \
    [PR__OP_##id] = {str,                                                                 \
                     lo,                                                                  \
                     hi,                                                                  \
                     flags_,                                                              \
                     nograd_,                                                             \
                     infer,                                                               \
                     scratch,                                                             \
                     {kernel##_fwd_f32, kernel##_fwd_f64},                                \
                     {kernel##_bwd_f32, kernel##_bwd_f64}},
    PR__OP_LIST(PR_X_)
#undef PR_X_
};
