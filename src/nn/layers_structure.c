/* Layers of the registry that change the structure rather than compute: flatten
 * and residual blocks. One row per layer, beside its builder. */
#include "nn/nn_internal.h"

static pr_status build_flatten(pr__build *b, const pr__layer *l, pr_node x, pr_node *y) {
    if (b->ndim < 2) return pr__layer_error(b, l, "needs input with a batch axis (got rank %d)", b->ndim);
    int64_t features = 1;
    for (int d = 1; d < b->ndim; d++) features *= b->shape[d];
    if (features < 0) return pr__layer_error(b, l, "needs known extents after the batch axis");
    *y = pr_g_reshape(b->g, x, PR_SHAPE(-1, features));
    return PR_OK;
}

/* x + body(x): the body must keep the shape. */
static pr_status build_residual(pr__build *b, const pr__layer *l, pr_node x, pr_node *y) {
    pr_node body;
    pr_status st = pr__layer_build_body(b, l, x, &body);
    if (st) return st;
    int bd;
    int64_t bshape[PR_MAX_DIMS];
    if ((st = pr_node_shape(b->g, body, &bd, bshape))) return st;
    int same = bd == b->ndim;
    for (int d = 1; same && d < bd; d++) same = bshape[d] == b->shape[d];
    if (!same) return pr__layer_error(b, l, "the block changes the shape, so x + block(x) is undefined");
    *y = pr_g_add(b->g, x, body);
    return PR_OK;
}

const pr__layer_def pr__layers_structure[] = {
    {{.token = "flatten",
      .help = "(N, d1, d2, ...) -> (N, d1 d2 ...)",
      .torch = "nn.Flatten()",
      .example = "embedding:10:3,flatten,dense:2",
      .example_input = "4"},
     build_flatten, 0},
    {{.token = "res",
      .help = "x + LAYERS(x): a residual block (the shapes must agree)",
      .torch = "Residual({body})",
      .example = "dense:4,res[dense:4,tanh,dense:4]",
      .example_input = "6",
      .has_body = 1},
     build_residual, 0},
    {{.token = NULL}, NULL, 0},
};
