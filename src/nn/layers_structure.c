/* Layers of the registry that change the structure rather than compute: flatten
 * and residual blocks. One row per layer, beside its builder. */
#include <string.h>

#include "nn/nn_internal.h"

static pr_status build_flatten(pr__build *b, const pr__layer *l, pr_node x, pr_node *y) {
    if (b->ndim < 2) return pr__layer_error(b, l, "needs input with a batch axis (got rank %d)", b->ndim);
    int64_t features = 1;
    for (int d = 1; d < b->ndim; d++) features *= b->shape[d];
    if (features < 0) return pr__layer_error(b, l, "needs known extents after the batch axis");
    *y = pr_g_reshape(b->g, x, PR_SHAPE(-1, features));
    return PR_OK;
}

/* The shortcut of a block that changes the shape, named as torchvision's
 * "downsample": for images a 1x1 convolution without bias, with the stride that maps
 * the input's size onto the block's, then a batch norm; for feature rows a linear map
 * without bias. */
static pr_status projection(pr__build *b, const pr__layer *l, pr_node x, int bd, const int64_t *bshape, pr_node *out) {
    char name[PR__MODEL_NAME + 16];
    pr__build sub = *b;
    sub.siblings = NULL;
    sub.n_siblings = sub.index = 0;
    sub.name = name;
    snprintf(name, sizeof name, "%s.downsample.0", b->name);
    if (bd == 4 && b->ndim == 4) {
        int64_t H = b->shape[2], W = b->shape[3], stride = 0;
        for (int64_t s = 1; s <= (H > W ? H : W) && !stride; s++)
            if ((H - 1) / s + 1 == bshape[2] && (W - 1) / s + 1 == bshape[3]) stride = s;
        if (!stride)
            return pr__layer_error(b, l, "no stride maps the input's %lldx%lld onto the block's %lldx%lld, so the "
                                         "shortcut cannot match it",
                                   (long long)H, (long long)W, (long long)bshape[2], (long long)bshape[3]);
        const pr__layer conv = {.def = pr__layer_lookup("conv", 4), .v = {(double)bshape[1], 1, (double)stride, 0, 1, 1}};
        const pr__layer norm = {.def = pr__layer_lookup("batchnorm", 9)};
        pr_node h;
        pr_status st = conv.def->build(&sub, &conv, x, &h);
        if (st) return st;
        snprintf(name, sizeof name, "%s.downsample.1", b->name);
        memcpy(sub.shape, bshape, sizeof sub.shape);
        return norm.def->build(&sub, &norm, h, out);
    }
    if (bd == 2 && b->ndim == 2) {
        int64_t in = b->shape[1], units = bshape[1];
        pr_node W = pr__layer_param(&sub, "weight", PR_SHAPE(units, in));
        pr_status st = pr__layer_graph_status(&sub);
        if (!st) st = pr__layer_init(&sub, W, pr__layer_weight_rule(&sub), in, units, 0);
        if (!st) *out = pr_g_matmul_nt(b->g, x, W);
        return st;
    }
    return pr__layer_error(b, l, "the block changes the shape of rank-%d input, so x + block(x) is undefined", b->ndim);
}

/* x + body(x), or projection(x) + body(x) when the body changes the shape. */
static pr_status build_residual(pr__build *b, const pr__layer *l, pr_node x, pr_node *y) {
    pr_node body, shortcut = x;
    pr_status st = pr__layer_build_body(b, l, x, &body);
    if (st) return st;
    int bd;
    int64_t bshape[PR_MAX_DIMS];
    if ((st = pr_node_shape(b->g, body, &bd, bshape))) return st;
    int same = bd == b->ndim;
    for (int d = 1; same && d < bd; d++) same = bshape[d] == b->shape[d];
    if (!same && (st = projection(b, l, x, bd, bshape, &shortcut))) return st;
    *y = pr_g_add(b->g, shortcut, body);
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
      .help = "x + LAYERS(x): a residual block (a 1x1 conv + batch norm, or a linear map, when the shape changes)",
      .torch = "Residual({body}, {shape})",
      .example = "dense:4,res[dense:4,tanh,dense:4]",
      .example_input = "6",
      .has_body = 1},
     build_residual, 0},
    {{.token = NULL}, NULL, 0},
};
