/* Internals of src/nn: parsed layer specifications and the model object. */
#ifndef PRIMER_NN_INTERNAL_H
#define PRIMER_NN_INTERNAL_H

#include "core/internal.h"
#include "primer/nn.h"

/* X(ID, "token", number of arguments: minimum, maximum). The one list of layer kinds. */
#define PR__LAYER_LIST(X)              \
    X(DENSE, "dense", 1, 1)            \
    X(RELU, "relu", 0, 0)              \
    X(LEAKY_RELU, "leaky_relu", 0, 1)  \
    X(PRELU, "prelu", 0, 0)            \
    X(SIGMOID, "sigmoid", 0, 0)        \
    X(TANH, "tanh", 0, 0)              \
    X(GELU, "gelu", 0, 1)              \
    X(SOFTMAX, "softmax", 0, 0)        \
    X(DROPOUT, "dropout", 1, 1)        \
    X(BATCHNORM, "batchnorm", 0, 0)    \
    X(LAYERNORM, "layernorm", 0, 0)    \
    X(FLATTEN, "flatten", 0, 0)        \
    X(EMBEDDING, "embedding", 2, 2)    \
    X(RESIDUAL, "res", 0, 0)

typedef enum pr__layer_kind {
#define PR_X_(id, token, lo, hi) PR__LAYER_##id,
    PR__LAYER_LIST(PR_X_)
#undef PR_X_
    PR__LAYER_COUNT
} pr__layer_kind;

/* One layer of a specification; a residual block holds its body. */
typedef struct pr__layer {
    pr__layer_kind kind;
    int64_t units, dim;     /* dense outputs; embedding rows (units) and width (dim) */
    double rate;            /* dropout rate, leaky slope */
    int tanh_form;          /* gelu:tanh */
    struct pr__layer *body;
    int n_body;
} pr__layer;

/* Parse a specification (named architectures expanded) into a new layer array. */
pr_status pr__spec_parse(const char *text, pr__layer **layers, int *n);
void pr__spec_free(pr__layer *layers, int n);
/* Append the canonical text of the layers. */
void pr__spec_format(pr_strbuf *sb, const pr__layer *layers, int n);
/* The token of a kind ("dense"). */
const char *pr__layer_token(pr__layer_kind kind);

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
    char **features;
    int64_t n_features;
    char *target;
};

#endif
