/* Internals of src/nn: parsed layer specifications and the model object. */
#ifndef PRIMER_NN_INTERNAL_H
#define PRIMER_NN_INTERNAL_H

#include "core/internal.h"
#include "primer/data.h"
#include "primer/nn.h"

/* ---- the layer registry (see primer/nn.h) ---------------------------------------------- */

typedef struct pr__layer pr__layer;
typedef struct pr__build pr__build;

/* Build layer l on input x into *y, with the context b (names, shapes, the model's
 * parameters). Report a misfit with pr__layer_error. */
typedef pr_status (*pr__layer_builder)(pr__build *b, const pr__layer *l, pr_node x, pr_node *y);

/* Layer flags, for the initialisation rule of the dense layer before them. */
#define PR__LAYER_RELU_FAMILY 1u  /* relu, leaky_relu, prelu, gelu: He initialisation before it */
#define PR__LAYER_TRANSPARENT 2u  /* dropout and norms: look past them for the activation */

typedef struct pr__layer_def {
    pr_layer_info info;         /* what the public registry shows */
    pr__layer_builder build;
    unsigned flags;
} pr__layer_def;

/* Each family file holds its rows, ended by a row with a NULL token:
 * layers_dense.c (dense, embedding, activations, dropout), layers_conv.c (reshape to
 * images, convolution, pooling), layers_norm.c (batch and layer norm),
 * layers_structure.c (flatten, residual blocks), layers_seq.c (recurrences, attention,
 * positions, Transformer blocks), layers_latent.c (an autoencoder's code, the VAE). */
extern const pr__layer_def pr__layers_dense[];
extern const pr__layer_def pr__layers_conv[];
extern const pr__layer_def pr__layers_norm[];
extern const pr__layer_def pr__layers_structure[];
extern const pr__layer_def pr__layers_seq[];
extern const pr__layer_def pr__layers_latent[];

/* The row of a token (len bytes of text), or NULL. */
const pr__layer_def *pr__layer_lookup(const char *token, size_t len);

/* One layer of a parsed specification: its row, its argument values (a choice's
 * index for CHOICE arguments) and, for blocks, its body. */
struct pr__layer {
    const pr__layer_def *def;
    double v[PR_LAYER_MAX_ARGS];
    struct pr__layer *body;
    int n_body;
};

/* Parse a specification (named architectures expanded) into a new layer array; the
 * model's input shape (in_ndim 0 or in_shape NULL: unknown) lets image architectures
 * adapt to flat rows of pixels; `outputs` (the head's width, 0 for none) gives
 * language models their vocabulary. */
pr_status pr__spec_parse(const char *text, int in_ndim, const int64_t *in_shape, int64_t outputs, pr__layer **layers,
                         int *n);
void pr__spec_free(pr__layer *layers, int n);
/* Append the canonical text of the layers: every numeric argument, and the words
 * of choice arguments that differ from their default. */
void pr__spec_format(pr_strbuf *sb, const pr__layer *layers, int n);

/* What a builder sees: the model, the layer's state-dict name ("2", "3.body.0"),
 * its place among its siblings, and the shape of its input (N, ...). */
struct pr__build {
    pr_model *m;
    pr_graph *g;
    const char *name;
    int depth;
    const pr__layer *siblings;
    int n_siblings, index;
    int ndim;
    int64_t shape[PR_MAX_DIMS];
};

/* A parameter or buffer "<name>.<suffix>" registered with the model (an invalid
 * node, with the graph's error set, on failure). */
pr_node pr__layer_param(pr__build *b, const char *suffix, int ndim, const int64_t *shape);
pr_node pr__layer_buffer(pr__build *b, const char *suffix, int ndim, const int64_t *shape, double fill, int is_counter);
/* Initialise a parameter from the model's generator (nothing when only counting). */
pr_status pr__layer_init(pr__build *b, pr_node param, pr_init kind, int64_t fan_in, int64_t fan_out, double value);
/* The rule for a weight matrix: the model's option, else He-normal when a ReLU-family
 * activation follows (past dropout and norms), else Xavier-normal. */
pr_init pr__layer_weight_rule(const pr__build *b);
/* An auxiliary loss term of the layer (pr_model_add_loss), named "<name>.<suffix>". */
pr_status pr__layer_add_loss(pr__build *b, const char *suffix, pr_node term, double weight);
/* Shared pieces of layers, named "<name>.<prefix>weight" and "<name>.<prefix>bias":
 * x Wᵀ (+ b) over the last axis with W (out, in) initialised by `rule` (fans in, out);
 * layer normalisation over the last axis (width d), scale 1 and shift 0. */
pr_status pr__layer_linear(pr__build *b, const char *prefix, pr_node x, int64_t in, int64_t out, pr_init rule, int bias,
                           pr_node *y);
pr_status pr__layer_norm_last(pr__build *b, const char *prefix, pr_node x, int64_t d, pr_node *y);
/* PR_ERR_SHAPE "model: layer NAME (TEXT): message". */
pr_status pr__layer_error(const pr__build *b, const pr__layer *l, const char *fmt, ...) PR_PRINTF(3, 4);
/* Build a block's layers on x, named "<name>.body.<i>". */
pr_status pr__layer_build_body(pr__build *b, const pr__layer *l, pr_node x, pr_node *y);
/* The graph's build error as a status with its message. */
pr_status pr__layer_graph_status(const pr__build *b);

/* A named tensor of the model: a parameter or a buffer. */
#define PR__MODEL_NAME 96

typedef struct pr__model_tensor {
    char name[PR__MODEL_NAME];
    pr_node node;
    int is_counter;         /* batch norm's num_batches_tracked: int64 in files */
} pr__model_tensor;

/* One row of the summary: a built layer (inner layers of residual blocks included). */
typedef struct pr__model_row {
    char name[PR__MODEL_NAME];  /* "2" or "3.body.0" */
    char token[48];         /* the layer's canonical text ("res[...]" for a block) */
    pr_node out;
    int64_t params;
    int depth;              /* 0 for top-level layers */
} pr__model_row;

struct pr_model {
    pr_graph *g;
    pr_dtype dtype;
    pr_node x, y;
    int in_ndim;
    int64_t in_shape[PR_MAX_DIMS];
    char *spec;
    pr__layer *layers;
    int n_layers;
    pr_rng init_rng;
    pr_init init;
    int64_t params, max_params; /* elements so far, and the limit */
    pr__model_tensor *tensors;
    int64_t n_tensors, cap_tensors;
    pr__model_row *rows;
    int n_rows, cap_rows;
    pr_task task;
    double *classes;
    int64_t n_classes;
    pr_tensor *mean, *scale;
    pr_tensor *staging;         /* pr_model_forward's batch buffer; the input stays bound to it */
    int counting;               /* built on a shapes-only graph, to count parameters */
    pr_target_kind targets;     /* as set (AUTO until set) */
    int64_t ignore_index;
    struct {
        char name[32];
        pr_node node;
        double weight;
    } losses[PR_MODEL_MAX_LOSSES];
    int n_losses;
    char **features;
    int64_t n_features;
    char *target;
    pr_vocab *vocab;            /* a language model's tokens, or NULL */
    pr_tensor_file *notes;      /* pr_model_set_metadata's entries, or NULL */
    /* (N, T) 1 where the input token is the first embedding's padding index: the key
     * padding mask of attention layers and where `last` stops (has_pad_mask 0: none) */
    pr_node pad_mask;
    int has_pad_mask;
    /* the bottleneck (a code or vae layer): its node, (N, code_size); has_prior when a
     * vae layer can draw it from N(0, I) */
    pr_node code;
    int64_t code_size;
    int has_code, has_prior;
};

/* The last step of h (N, T, D) as (N, D): with the model's padding mask, each row's
 * last token that is not padding (right padding; a row of padding gives zeros). */
pr_node pr__layer_last_step(pr__build *b, pr_node h, int64_t T, int64_t D);

#endif
