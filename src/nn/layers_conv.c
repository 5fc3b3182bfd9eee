/* Layers of the registry for images (chapter 10): rows of pixels reshaped into
 * (C, H, W), convolution, max and average pooling, global average pooling. One row
 * per layer, beside its builder; all work on (N, C, H, W) as PyTorch's do. */
#include "nn/nn_internal.h"

#define MAX_EXTENT 2147483648.0 /* 2^31 */
#define MAX_KERNEL 65536.0

static pr_status need_images(const pr__build *b, const pr__layer *l) {
    if (b->ndim != 4 || b->shape[1] < 1)
        return pr__layer_error(b, l, "needs images (batch, channels, height, width), got rank %d%s", b->ndim,
                               b->ndim == 2 ? " (rows of pixels: put reshape:C:H:W first)" : "");
    return PR_OK;
}

/* (N, C H W) rows -> (N, C, H, W) images, as nn.Unflatten(1, (C, H, W)). */
static pr_status build_reshape(pr__build *b, const pr__layer *l, pr_node x, pr_node *y) {
    int64_t c = (int64_t)l->v[0], h = (int64_t)l->v[1], w = (int64_t)l->v[2], per_row = 1;
    for (int d = 1; d < b->ndim; d++) per_row *= b->shape[d];
    if (b->ndim < 2 || per_row != c * h * w)
        return pr__layer_error(b, l, "%lld x %lld x %lld = %lld values per image, but each row has %lld", (long long)c,
                               (long long)h, (long long)w, (long long)(c * h * w), (long long)per_row);
    *y = pr_g_reshape(b->g, x, PR_SHAPE(-1, c, h, w));
    return PR_OK;
}

/* A convolution with PyTorch's weight (O, C, K, K) and bias (O); the weights start
 * He- or Xavier-normal over fan-in C K K and fan-out O K K, by the activation after. */
static pr_status build_conv(pr__build *b, const pr__layer *l, pr_node x, pr_node *y) {
    pr_status st = need_images(b, l);
    if (st) return st;
    int64_t C = b->shape[1], O = (int64_t)l->v[0], K = (int64_t)l->v[1];
    int64_t s = (int64_t)l->v[2], pad = (int64_t)l->v[3], dil = (int64_t)l->v[4];
    int has_bias = l->v[5] == 0;
    int64_t out;
    for (int d = 2; d < 4; d++)
        if (b->shape[d] >= 0 && pr_conv_output_size(b->shape[d], K, pad, s, dil, &out))
            return pr__layer_error(b, l, "a %lldx%lld kernel (dilation %lld) is larger than the %s of the padded input "
                                         "(%lld + 2 x %lld)",
                                   (long long)K, (long long)K, (long long)dil, d == 2 ? "height" : "width",
                                   (long long)b->shape[d], (long long)pad);
    pr_node W = pr__layer_param(b, "weight", PR_SHAPE(O, C, K, K));
    pr_node bias = has_bias ? pr__layer_param(b, "bias", PR_SHAPE(O)) : pr_g_no_node();
    if ((st = pr__layer_graph_status(b))) return st;
    if ((st = pr__layer_init(b, W, pr__layer_weight_rule(b), C * K * K, O * K * K, 0))) return st;
    pr_conv2d_params p = {.stride = {s, s}, .padding = {pad, pad}, .dilation = {dil, dil}};
    *y = pr_g_conv2d(b->g, x, W, bias, &p);
    return PR_OK;
}

static pr_status build_pool(pr__build *b, const pr__layer *l, pr_node x, pr_node *y, int max) {
    pr_status st = need_images(b, l);
    if (st) return st;
    int64_t k = (int64_t)l->v[0], s = (int64_t)l->v[1], pad = (int64_t)l->v[2];
    if (pad > k / 2) return pr__layer_error(b, l, "padding %lld is more than half the %lld window", (long long)pad, (long long)k);
    for (int d = 2; d < 4; d++)
        if (b->shape[d] >= 0 && b->shape[d] + 2 * pad < k)
            return pr__layer_error(b, l, "the %lldx%lld window is larger than the %s of the padded input (%lld + 2 x %lld)",
                                   (long long)k, (long long)k, d == 2 ? "height" : "width", (long long)b->shape[d],
                                   (long long)pad);
    pr_pool2d_params p = {.kernel = {k, k}, .stride = {s, s}, .padding = {pad, pad}, .count_include_pad = 1};
    *y = max ? pr_g_max_pool2d(b->g, x, &p) : pr_g_avg_pool2d(b->g, x, &p);
    return PR_OK;
}

static pr_status build_maxpool(pr__build *b, const pr__layer *l, pr_node x, pr_node *y) {
    return build_pool(b, l, x, y, 1);
}
static pr_status build_avgpool(pr__build *b, const pr__layer *l, pr_node x, pr_node *y) {
    return build_pool(b, l, x, y, 0);
}

static pr_status build_global_avgpool(pr__build *b, const pr__layer *l, pr_node x, pr_node *y) {
    pr_status st = need_images(b, l);
    if (!st) *y = pr_g_global_avg_pool2d(b->g, x);
    return st;
}

/* The window arguments shared by the two pooling layers. */
#define POOL_ARGS                                                                                              \
    .n_args = 3,                                                                                               \
    .args = {{.name = "kernel_size", .kind = PR_ARG_INT, .required = 1, .min = 1, .max = MAX_KERNEL,           \
              .help = "the window's side"},                                                                    \
             {.name = "stride", .kind = PR_ARG_INT, .min = 1, .max = MAX_KERNEL, .default_from = "kernel_size", \
              .help = "step between windows"},                                                                 \
             {.name = "padding", .kind = PR_ARG_INT, .default_value = 0, .min = 0, .max = MAX_KERNEL,          \
              .help = "added on each side, at most half the window"}}

const pr__layer_def pr__layers_conv[] = {
    {{.token = "reshape",
      .help = "rows of C*H*W values (a CSV of pixels) -> images (C, H, W)",
      .torch = "nn.Unflatten(1, ({c}, {h}, {w}))",
      .example = "reshape:1:4:4,flatten",
      .example_input = "16",
      .n_args = 3,
      .args = {{.name = "c", .kind = PR_ARG_INT, .required = 1, .min = 1, .max = MAX_EXTENT, .help = "channels"},
               {.name = "h", .kind = PR_ARG_INT, .required = 1, .min = 1, .max = MAX_EXTENT, .help = "height"},
               {.name = "w", .kind = PR_ARG_INT, .required = 1, .min = 1, .max = MAX_EXTENT, .help = "width"}}},
     build_reshape, 0},
    {{.token = "conv",
      .help = "2-D convolution (cross-correlation) of images with OUT_CHANNELS KxK filters",
      .torch = "nn.Conv2d({channels}, {out_channels}, {kernel_size}, stride={stride}, padding={padding}, "
               "dilation={dilation}, bias={bias} == 'bias')",
      .example = "reshape:2:5:5,conv:3:3:1:1,flatten",
      .example_input = "50",
      .n_args = 6,
      .args = {{.name = "out_channels", .kind = PR_ARG_INT, .required = 1, .min = 1, .max = MAX_EXTENT,
                .help = "filters (output maps)"},
               {.name = "kernel_size", .kind = PR_ARG_INT, .required = 1, .min = 1, .max = MAX_KERNEL,
                .help = "the filters' side K"},
               {.name = "stride", .kind = PR_ARG_INT, .default_value = 1, .min = 1, .max = MAX_KERNEL,
                .help = "step between positions"},
               {.name = "padding", .kind = PR_ARG_INT, .default_value = 0, .min = 0, .max = MAX_KERNEL,
                .help = "zeros added on each side (K/2 keeps the size for odd K)"},
               {.name = "dilation", .kind = PR_ARG_INT, .default_value = 1, .min = 1, .max = MAX_KERNEL,
                .help = "spacing of the filter taps"},
               {.name = "bias", .kind = PR_ARG_CHOICE, .default_value = 0, .choices = {"bias", "nobias"},
                .help = "nobias before a batch norm"}}},
     build_conv, 0},
    {{.token = "maxpool",
      .help = "the maximum of each KxK window (2 halves the size)",
      .torch = "nn.MaxPool2d({kernel_size}, stride={stride}, padding={padding})",
      .example = "reshape:2:4:4,maxpool:2,flatten",
      .example_input = "32",
      POOL_ARGS},
     build_maxpool, PR__LAYER_TRANSPARENT},
    {{.token = "avgpool",
      .help = "the mean of each KxK window (padding counts, as PyTorch's default)",
      .torch = "nn.AvgPool2d({kernel_size}, stride={stride}, padding={padding})",
      .example = "reshape:2:4:4,avgpool:3:1:1,flatten",
      .example_input = "32",
      POOL_ARGS},
     build_avgpool, PR__LAYER_TRANSPARENT},
    {{.token = "global_avgpool",
      .help = "(N, C, H, W) -> (N, C): the mean of each feature map",
      .torch = "nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten())",
      .example = "reshape:3:4:4,global_avgpool",
      .example_input = "48"},
     build_global_avgpool, 0},
    {{.token = NULL}, NULL, 0},
};
