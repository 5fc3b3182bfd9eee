/* primer/nn.h — neural networks (book chapters 7 and 8): initialisation, models
 * built from a layer specification, losses, penalties, model files.
 *
 * A pr_model is a computational graph (primer/autograd.h) made of layers:
 *
 *     pr_model *m;
 *     pr_model_options o = PR_MODEL_DEFAULTS;
 *     o.seed = 1;
 *     o.outputs = 10;                                      // adds the dense:10 head
 *     pr_model_new(&m, "dense:128,relu,dense:64,relu", PR_SHAPE(64), &o);
 *     pr_model_summary(m, stdout);                         // shapes and parameter counts
 *     pr_model_forward(m, X, &logits);                     // evaluation mode, batched
 *     pr_model_save(m, "digits.safetensors");
 *
 * Layer specifications. A comma-separated list of layers, applied in order, as
 * "dense:64,relu,dropout:0.2,dense:32,relu" or "res[dense:64,relu]" (a block), or a
 * named architecture ("mlp:128:64", "linear"). The layers, their arguments, defaults
 * and ranges are the rows of the layer registry below (pr_layer_at; `primer layers`
 * prints it): a number fills the next numeric argument, a word the next choice
 * argument that has it, and optional arguments keep their defaults. Spaces are
 * ignored. pr_model_spec() gives the canonical text (every numeric argument, and
 * the words that differ from their defaults), which model files store.
 *
 * Parameter names follow PyTorch's nn.Sequential, so a state dict loads into the
 * equivalent PyTorch model: layer i's tensors are "i.weight" and "i.bias" (dense:
 * weight (out, in); prelu: weight (1); layernorm and batchnorm: weight and bias of
 * the feature size; embedding: weight (V, D)); batch norm also keeps the buffers
 * "i.running_mean", "i.running_var" and "i.num_batches_tracked" (int64 in files).
 * A residual block's layers are "i.body.j.*".
 *
 * Initialisation (from the model's seeded generator, in layer order): dense
 * weights He-normal N(0, 2/n_in) when a ReLU-family activation (relu, leaky_relu,
 * prelu, gelu) follows, else Xavier-normal N(0, 2/(n_in+n_out)) (section 8.6);
 * biases zero; batch and layer norm scale 1 and shift 0; embeddings N(0, 1).
 * pr_model_options.init overrides the rule for dense weights.
 */
#ifndef PRIMER_NN_H
#define PRIMER_NN_H

#include <stdio.h>

#include "primer/autograd.h"
#include "primer/core.h"
#include "primer/data.h"
#include "primer/io.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- initialisation ------------------------------------------------------------------ */

/* X(enum name, value, "name", what it draws). The one list of rules. */
#define PR_INIT_LIST(X)                                                                         \
    X(PR_INIT_AUTO, 0, "auto", "He for ReLU-family layers, Xavier otherwise (models only)")      \
    X(PR_INIT_XAVIER_NORMAL, 1, "xavier_normal", "N(0, 2/(fan_in+fan_out))")                     \
    X(PR_INIT_XAVIER_UNIFORM, 2, "xavier_uniform", "U(-a, a), a = sqrt(6/(fan_in+fan_out))")     \
    X(PR_INIT_HE_NORMAL, 3, "he_normal", "N(0, 2/fan_in)")                                       \
    X(PR_INIT_HE_UNIFORM, 4, "he_uniform", "U(-a, a), a = sqrt(6/fan_in)")                       \
    X(PR_INIT_ZEROS, 5, "zeros", "every element 0")                                              \
    X(PR_INIT_CONSTANT, 6, "constant", "every element `value`")                                  \
    X(PR_INIT_NORMAL, 7, "normal", "N(0, value^2): embeddings use N(0, 1), as PyTorch's")

typedef enum pr_init {
#define PR_X_(name, value, str, what) name = value,
    PR_INIT_LIST(PR_X_)
#undef PR_X_
    PR_INIT_COUNT
} pr_init;

/* Fill a float tensor by `kind` with the given fans, drawing from `rng`.
 * PR_INIT_AUTO is PR_ERR_INVALID here (it needs to know the activation). */
pr_status pr_init_tensor(pr_tensor *t, pr_init kind, int64_t fan_in, int64_t fan_out, double value, pr_rng *rng);
/* The spread a rule uses for the given fans: the standard deviation of the normal
 * rules (Xavier sqrt(2/(in+out)), He sqrt(2/in), normal: value) or the limit a of
 * the uniform ones (U(-a, a)); 0 for zeros and constant. PR_ERR_INVALID for auto or
 * fans < 1 where the rule needs them. */
pr_status pr_init_scale(pr_init kind, int64_t fan_in, int64_t fan_out, double value, double *scale);
/* "xavier_normal", ...; pr_init_parse is the inverse (PR_ERR_INVALID listing the names). */
const char *pr_init_name(pr_init kind);
pr_status pr_init_parse(const char *name, pr_init *out);

/* ---- the layer registry -------------------------------------------------------------------
 * Every layer of the specification language is one row of a table: its token, its
 * arguments (name, kind, default, range), a one-line help text, the PyTorch module it
 * corresponds to and an example. Spec parsing, canonical spec text, error messages,
 * `primer train --help`, `primer layers` and the PyTorch check script all read it. */

#define PR_LAYER_MAX_ARGS 6
#define PR_LAYER_MAX_CHOICES 6

typedef enum pr_layer_arg_kind {
    PR_ARG_INT,    /* a whole number in [min, max] */
    PR_ARG_REAL,   /* a finite number in the range, an end excluded when *_open */
    PR_ARG_CHOICE  /* one of `choices` (its index is the value) */
} pr_layer_arg_kind;

typedef struct pr_layer_arg {
    const char *name;           /* "units": UNITS in the syntax, {units} in the PyTorch template */
    pr_layer_arg_kind kind;
    int required;               /* 0: optional, `default_value` when left out */
    double default_value;       /* CHOICE: the index of the default word */
    double min, max;            /* INT and REAL */
    int min_open, max_open;     /* REAL: exclude that end */
    const char *choices[PR_LAYER_MAX_CHOICES]; /* CHOICE: the words, NULL after the last */
    const char *help;
    const char *default_from;   /* optional: left out, it takes the value of this earlier
                                   argument (a pool's stride is its kernel_size) */
} pr_layer_arg;

typedef struct pr_layer_info {
    const char *token;          /* "dense" */
    const char *help;           /* one line */
    /* The PyTorch module as a Python expression: {name} is an argument's value, {in}
     * the input's last extent, {channels} its axis 1, {spatial} its spatial rank
     * (at least 1), {body} a block's layers (an nn.Sequential). Residual and
     * Embedding are the check script's thin adapters (x + body(x); float indices). */
    const char *torch;
    const char *example;        /* a spec using the layer ("dense:4") ... */
    const char *example_input;  /* ... and the per-row input shape it takes ("6") */
    int has_body;               /* a block: TOKEN[LAYERS] */
    int n_args;
    pr_layer_arg args[PR_LAYER_MAX_ARGS];
} pr_layer_info;

/* The rows, in the order the help lists them. */
int pr_layer_count(void);
const pr_layer_info *pr_layer_at(int i);
/* The row of a token, or NULL. */
const pr_layer_info *pr_layer_find(const char *token);
/* Its syntax: "dense:UNITS", "leaky_relu[:NEGATIVE_SLOPE]", "gelu[:none|tanh]",
 * "res[LAYERS]" (at most len bytes; returns buf). */
const char *pr_layer_syntax(const pr_layer_info *layer, char *buf, size_t len);
/* The whole registry, layers and named architectures, as one JSON object (what
 * `primer layers --json` prints; scripts/torch_check_model.py reads it). */
pr_status pr_layers_write_json(FILE *f);

/* Named architectures: a name that expands to a layer list ("mlp:128:64"). */
typedef struct pr_architecture_info {
    const char *name;           /* "mlp" */
    const char *syntax;         /* "mlp[:H1:H2:...]" */
    const char *help;
} pr_architecture_info;
int pr_architecture_count(void);
const pr_architecture_info *pr_architecture_at(int i);

/* ---- models -------------------------------------------------------------------------- */

typedef struct pr_model pr_model;

/* X(enum name, value, "name" (as model files store it), what the outputs are). */
#define PR_TASK_LIST(X)                                                           \
    X(PR_TASK_NONE, 0, "none", "raw outputs, trained with the loss given")         \
    X(PR_TASK_CLASSIFICATION, 1, "classification", "logits over classes")          \
    X(PR_TASK_REGRESSION, 2, "regression", "predicted values")

typedef enum pr_task {
#define PR_X_(name, value, str, what) name = value,
    PR_TASK_LIST(PR_X_)
#undef PR_X_
    PR_TASK_COUNT
} pr_task;
/* "classification", ...; "unknown" outside the list. */
const char *pr_task_name(pr_task task);

/* Start from PR_MODEL_DEFAULTS (a NULL pointer means the same). */
typedef struct pr_model_options {
    pr_dtype dtype;   /* PR_F32 (default) or PR_F64 */
    uint64_t seed;    /* initialisation and dropout masks (0) */
    pr_init init;     /* dense weights; PR_INIT_AUTO (default) as described above */
    int64_t outputs;  /* > 0: append a dense:outputs head (logits or values); 0 (default): none */
    int64_t max_params; /* refuse larger models (PR_ERR_LIMIT); default 2^28 (1 GiB of float32) */
} pr_model_options;

#define PR_MODEL_DEFAULTS \
    ((pr_model_options){.dtype = PR_F32, .seed = 0, .init = PR_INIT_AUTO, .outputs = 0, .max_params = INT64_C(1) << 28})

/* Build a model for inputs of shape (N, in_shape...) — in_ndim extents without the
 * batch axis — from a layer specification. Errors name the offending layer: an
 * unknown layer or bad argument (PR_ERR_INVALID, with its position in the text),
 * shapes that do not fit (PR_ERR_SHAPE). */
pr_status pr_model_new(pr_model **out, const char *spec, int in_ndim, const int64_t *in_shape,
                       const pr_model_options *options);
void pr_model_free(pr_model *m);
/* The trainable parameters a spec gives for inputs (N, in_shape...) with an
 * `outputs`-unit head (0: none), without allocating them (Q10.8's 896 + 18,496 +
 * 19,392, or a model too large to build). Errors as pr_model_new. */
pr_status pr_spec_param_count(const char *spec, int in_ndim, const int64_t *in_shape, int64_t outputs, int64_t *count);

/* The canonical specification ("dense:64,relu,dense:10"). */
const char *pr_model_spec(const pr_model *m);
/* The graph, its input x (N, in_shape...) and output node (N, outputs...). Add
 * nodes to the graph freely (losses, extra heads); the model's own nodes stay. */
pr_graph *pr_model_graph(pr_model *m);
/* Split the model's kernels over `pool` (NULL: the calling thread); see primer/threads.h. */
void pr_model_set_threads(pr_model *m, pr_threads *pool);
pr_node pr_model_input(const pr_model *m);
pr_node pr_model_output(const pr_model *m);
/* The output node of top-level layer i (0-based): after a forward pass its value
 * holds that layer's activations for the last batch. Invalid when out of range. */
pr_node pr_model_layer_output(const pr_model *m, int i);
/* The input shape without the batch axis (its rank is returned), its element count,
 * the output shape without the batch axis ((T, K) for a per-token model) and the
 * output width (its last extent: classes or values). */
int pr_model_input_shape(const pr_model *m, int64_t shape[PR_MAX_DIMS]);
int64_t pr_model_input_size(const pr_model *m);
int pr_model_output_shape(const pr_model *m, int64_t shape[PR_MAX_DIMS]);
int64_t pr_model_output_size(const pr_model *m);
/* Trainable parameters (elements), and the number of layers (residual blocks count
 * as one; their inner layers are listed by the summary). */
int64_t pr_model_param_count(const pr_model *m);
int pr_model_layer_count(const pr_model *m);

/* A table of every layer: name, output shape (N = batch) and parameter count, then
 * the totals (Q8.4: "dense:10,relu" with 5 inputs and 3 outputs has 93). */
pr_status pr_model_summary(const pr_model *m, FILE *f);

/* The model's named tensors: parameters and buffers, in layer order. */
int64_t pr_model_tensor_count(const pr_model *m);
const char *pr_model_tensor_name(const pr_model *m, int64_t i);
/* A view of the named tensor's current values (valid while the model lives). */
pr_status pr_model_tensor(const pr_model *m, const char *name, pr_tensor *view);
/* Copy `value` into the named tensor (same shape; converted to the model dtype). */
pr_status pr_model_set_tensor(pr_model *m, const char *name, const pr_tensor *value);

/* What the model predicts, kept in its file. Classification: `classes` (n_classes
 * values, NULL for 0..n-1) are the labels the outputs stand for. */
pr_status pr_model_set_task(pr_model *m, pr_task task, const double *classes, int64_t n_classes);
pr_task pr_model_task(const pr_model *m);
int64_t pr_model_class_count(const pr_model *m);
/* The label of output k (k itself when none were given). */
double pr_model_class_label(const pr_model *m, int64_t k);
/* The class index of `label`; PR_ERR_NOT_FOUND naming the known classes. */
pr_status pr_model_class_index(const pr_model *m, double label, int64_t *k);
/* Input standardisation applied by pr_model_forward: x' = (x - mean) / scale, with
 * mean and scale of the input size (scale 0 is treated as 1). NULL clears it. */
pr_status pr_model_set_standardization(pr_model *m, const pr_tensor *mean, const pr_tensor *scale);
/* Views of the standardisation (PR_ERR_NOT_FOUND when none). */
pr_status pr_model_standardization(const pr_model *m, pr_tensor *mean, pr_tensor *scale);
/* Column names of the features and target (for CSV files); names may be NULL. */
pr_status pr_model_set_columns(pr_model *m, const char *const *features, int64_t n, const char *target);
const char *pr_model_feature_name(const pr_model *m, int64_t j);
const char *pr_model_target_name(const pr_model *m);
/* A program's own settings, kept in the model file (as metadata "meta.KEY", so they
 * never clash with primer's keys) and read back by pr_model_load: the primer tool
 * keeps its column encoding under "columns". value NULL removes the key; the lookup
 * gives NULL for an absent key. */
pr_status pr_model_set_metadata(pr_model *m, const char *key, const char *value);
const char *pr_model_metadata(const pr_model *m, const char *key);

/* ---- language models (chapter 11) ------------------------------------------------------- */

/* The model's vocabulary (copied; NULL clears it), kept in its file: a language model
 * maps token ids (T) to next-token logits (T, V) with V the vocabulary's size. */
pr_status pr_model_set_vocab(pr_model *m, const pr_vocab *v);
const pr_vocab *pr_model_vocab(const pr_model *m);

typedef struct pr_generate_options {
    int64_t tokens;      /* how many to sample (default 200), >= 0 */
    double temperature;  /* logits / temperature before the softmax (default 1); 0: the most
                            likely token each time */
    int64_t top_k;       /* sample among the k most likely tokens only (default 0: all) */
    uint64_t seed;       /* the sampling stream (default 0): the same seed, the same text */
} pr_generate_options;
#define PR_GENERATE_DEFAULTS ((pr_generate_options){.tokens = 200, .temperature = 1, .top_k = 0, .seed = 0})

/* Continue `prompt` (token ids (n), n >= 1) with o->tokens sampled tokens; *ids gets
 * the prompt and the new tokens. The model reads its last T tokens (its context) at
 * positions 0.., the rest padded, and the logits at the last real position give the
 * next token, which needs a causal model (recurrent layers, causal attention):
 * others are PR_ERR_INVALID, as are ids outside the vocabulary. o NULL: the
 * defaults. */
pr_status pr_model_generate(pr_model *m, const pr_tensor *prompt, const pr_generate_options *o, pr_tensor **ids);

/* What the trainer compares the outputs with: X(enum, value, "name", y). */
#define PR_TARGET_LIST(X)                                                                                      \
    X(PR_TARGET_AUTO, 0, "auto",                                                                               \
      "from the task: labels per row for (N, K) logits, per position for (N, ..., K), values for regression")  \
    X(PR_TARGET_LABELS, 1, "labels", "one class label per row: y (N)")                                         \
    X(PR_TARGET_POSITIONS, 2, "positions",                                                                     \
      "one class label per position: y (N, ...) for outputs (N, ..., K); the ignore index marks padding")      \
    X(PR_TARGET_VALUES, 3, "values", "real values shaped as the outputs: y (N, ...), or (N) for one output")     \
    X(PR_TARGET_RECONSTRUCTION, 4, "reconstruction", "the input itself (an autoencoder): no y")

typedef enum pr_target_kind {
#define PR_X_(name, value, str, what) name = value,
    PR_TARGET_LIST(PR_X_)
#undef PR_X_
    PR_TARGET_COUNT
} pr_target_kind;
/* "labels", ...; "unknown" outside the list. */
const char *pr_target_name(pr_target_kind kind);

/* The ignore index of per-position labels unless set: PyTorch's -100. */
#define PR_PADDING_LABEL (-100)

/* Declare the targets (kept in the model file). Labels and positions need a
 * classifier, labels (N, K) outputs and positions (N, ..., K); reconstruction needs
 * outputs shaped as the inputs. ignore_index: label values that are padding, not
 * classes (PR_NO_IGNORE: none); AUTO's per-position labels use PR_PADDING_LABEL. */
pr_status pr_model_set_targets(pr_model *m, pr_target_kind kind, int64_t ignore_index);
/* The targets the trainer uses (AUTO resolved) and their ignore index. */
pr_target_kind pr_model_targets(const pr_model *m, int64_t *ignore_index);

/* Auxiliary loss terms: scalar nodes of the model's graph that training adds to the
 * loss, times `weight`, and reports by name (a VAE's KL term; a layer's builder adds
 * its own, and a program may add one after pr_model_new). At most PR_MODEL_MAX_LOSSES;
 * terms a program adds are not saved in model files (those of layers are rebuilt). */
#define PR_MODEL_MAX_LOSSES 8
pr_status pr_model_add_loss(pr_model *m, const char *name, pr_node term, double weight);
int pr_model_loss_count(const pr_model *m);
const char *pr_model_loss_name(const pr_model *m, int i);
pr_node pr_model_loss_node(const pr_model *m, int i);
double pr_model_loss_weight(const pr_model *m, int i);

/* A snapshot of every tensor of the model (parameters and buffers, in tensor order)
 * in a caller buffer of pr_model_state_size bytes: to keep the best weights, or put
 * back the last good ones. */
size_t pr_model_state_size(const pr_model *m);
void pr_model_state_save(const pr_model *m, void *state);
void pr_model_state_restore(pr_model *m, const void *state);

/* PR_OK when X (N, in_shape...) fits the model and is finite; otherwise the error
 * names the shapes or the first NaN. */
pr_status pr_model_check_input(const pr_model *m, const pr_tensor *X);
/* 1 when the model standardises its inputs. */
int pr_model_has_standardization(const pr_model *m);
/* X (N, in_shape...; float32 or float64) converted to the model's dtype and
 * standardised: what the graph's input receives. */
pr_status pr_model_prepare_input(const pr_model *m, const pr_tensor *X, pr_tensor **out);
/* Outputs for the rows of X (N, in_shape...; any float dtype), computed in
 * evaluation mode in batches of at most 1024 rows: logits for classification,
 * values for regression, in the output's own shape (N, out_shape...): (N, K) for a
 * row classifier, (N, T, K) for a per-token one. Standardisation, when set, is
 * applied first. */
pr_status pr_model_forward(pr_model *m, const pr_tensor *X, pr_tensor **out);
/* Softmax probabilities over the class axis (the last), shaped as the outputs, and
 * the predicted class labels (float64) with the class axis dropped: (N) for a row
 * classifier, (N, T) for a per-token one. */
pr_status pr_model_predict_proba(pr_model *m, const pr_tensor *X, pr_tensor **proba);
pr_status pr_model_predict_classes(pr_model *m, const pr_tensor *X, pr_tensor **labels);

/* ---- autoencoders (chapter 12) ------------------------------------------------------------- */

/* The width of the model's bottleneck (a `code` layer's input, or a `vae:Z` layer's z),
 * 0 when it has none. */
int pr_model_code_size(const pr_model *m);
/* The codes (N, code_size) of the rows of X, in evaluation mode (a VAE's mean mu). */
pr_status pr_model_encode(pr_model *m, const pr_tensor *X, pr_tensor **codes);
/* An autoencoder's reconstructions of the rows of X: its outputs (shaped as the
 * inputs) mapped back through the input standardisation, in the data's units. */
pr_status pr_model_reconstruct(pr_model *m, const pr_tensor *X, pr_tensor **out);
/* Decode n draws z ~ N(0, I) of a VAE's latent space (from `seed`): the outputs
 * (n, ...) the decoder gives them (in the data's units, as pr_model_reconstruct).
 * PR_ERR_INVALID for a model without a vae layer. */
pr_status pr_model_sample(pr_model *m, int64_t n, uint64_t seed, pr_tensor **out);

/* ---- model files ---------------------------------------------------------------------- */

/* The model as named tensors plus metadata: "primer.spec", "primer.input_shape",
 * "primer.dtype", "primer.task", "primer.classes", "primer.features",
 * "primer.target", "primer.mean", "primer.scale" (JSON text), "format": "pt". */
pr_status pr_model_to_tensor_file(const pr_model *m, pr_tensor_file **out);
/* Rebuild a model from such a file (extra tensors, as in checkpoints, are ignored). */
pr_status pr_model_from_tensor_file(const pr_tensor_file *f, const char *name, pr_model **out);
/* Copy the file's tensors into an existing model of the same architecture. */
pr_status pr_model_load_tensors(pr_model *m, const pr_tensor_file *f, const char *name);
/* A state dict (a PyTorch model's, saved with safetensors or numpy.savez) into a model
 * built from the matching spec, as PyTorch's load_state_dict(strict=True): every
 * tensor of the model must be in f with its shape, and every tensor of f must be one
 * of the model's (PR_ERR_FORMAT naming the first that is not). `name` is f's name in
 * messages. */
pr_status pr_model_load_state_dict(pr_model *m, const pr_tensor_file *f, const char *name);
/* Save as safetensors (atomically: an existing file is replaced only by a complete one). */
pr_status pr_model_save(const pr_model *m, const char *path);
/* Load a model file; a corrupt, truncated or foreign file is PR_ERR_FORMAT saying why. */
pr_status pr_model_load(const char *path, pr_model **out);

/* ---- losses ---------------------------------------------------------------------------- */

/* X(enum name, value, "name", what it computes). The one list of losses. */
#define PR_LOSS_LIST(X)                                                                                    \
    X(PR_LOSS_DEFAULT, 0, "default", "cross-entropy for classification, MSE for regression")               \
    X(PR_LOSS_MSE, 1, "mse", "mean (y^ - y)^2")                                                            \
    X(PR_LOSS_MAE, 2, "mae", "mean |y^ - y|")                                                              \
    X(PR_LOSS_HUBER, 3, "huber", "mean 1/2 e^2 (|e| <= delta), delta (|e| - delta/2) otherwise")           \
    X(PR_LOSS_CROSS_ENTROPY, 4, "cross_entropy",                                                           \
      "softmax cross-entropy from logits (..., K) against labels (...) or probabilities (..., K)")         \
    X(PR_LOSS_BCE_LOGITS, 5, "bce_logits", "binary cross-entropy from logits, targets in [0, 1]")          \
    X(PR_LOSS_BCE, 6, "bce", "binary cross-entropy from probabilities (log clamped at -100, as PyTorch)") \
    X(PR_LOSS_HINGE, 7, "hinge", "mean max(0, 1 - y f), y in {-1, +1}")                                    \
    X(PR_LOSS_FOCAL, 8, "focal", "binary focal loss from logits: -alpha_t (1 - p_t)^gamma log p_t")

typedef enum pr_loss_kind {
#define PR_X_(name, value, str, what) name = value,
    PR_LOSS_LIST(PR_X_)
#undef PR_X_
    PR_LOSS_COUNT
} pr_loss_kind;

/* Start from PR_LOSS_DEFAULTS or pr_loss_defaults(kind) (a NULL pointer means the
 * defaults); every field is taken as given: a focal gamma of 0 is plain BCE. */
typedef struct pr_loss_config {
    pr_loss_kind kind;
    double delta;            /* Huber: the threshold, > 0 (1) */
    double alpha;            /* focal: weight of positives in [0, 1], 1 - alpha for negatives (0.25) */
    double gamma;            /* focal: focusing exponent >= 0 (2; 0 gives the weighted BCE) */
    pr_reduction reduction;  /* mean over every element (default), their sum, or none: one loss
                                per element (per position for cross-entropy) */
    int64_t ignore_index;    /* cross-entropy: labels equal to it are skipped (PR_NO_IGNORE) */
} pr_loss_config;

#define PR_LOSS_DEFAULTS                                                                                 \
    ((pr_loss_config){.kind = PR_LOSS_DEFAULT, .delta = 1, .alpha = 0.25, .gamma = 2,                    \
                      .reduction = PR_REDUCTION_MEAN, .ignore_index = PR_NO_IGNORE})
/* PR_LOSS_DEFAULTS for a given kind. */
pr_loss_config pr_loss_defaults(pr_loss_kind kind);

/* The loss as a graph node: a scalar (the mean over every element, or over the
 * counted positions for cross-entropy; or their sum), or with reduction none a node
 * shaped as the elements (positions). Shapes are checked as the graph's ops check
 * them; cross-entropy takes logits (..., K) and labels (...) or probabilities. */
pr_node pr_loss(pr_graph *g, const pr_loss_config *config, pr_node prediction, pr_node target);
/* The same on tensors (float64): the reduced value and, if grad is not NULL, the
 * gradient of that value with respect to the prediction (a new tensor of its shape).
 * Reduction none is PR_ERR_INVALID here: use pr_loss_elements. */
pr_status pr_loss_eval(const pr_loss_config *config, const pr_tensor *prediction, const pr_tensor *target,
                       double *value, pr_tensor **grad);
/* The unreduced loss: one value per element (per position for cross-entropy), as a
 * new float64 tensor, whatever config->reduction says. */
pr_status pr_loss_elements(const pr_loss_config *config, const pr_tensor *prediction, const pr_tensor *target,
                           pr_tensor **losses);
/* "mse", "mae", "huber", "cross_entropy", "bce_logits", "bce", "hinge", "focal";
 * pr_loss_parse reads "huber:2", "focal:0.25:2" too (from PR_LOSS_DEFAULTS). */
const char *pr_loss_name(pr_loss_kind kind);
pr_status pr_loss_parse(const char *text, pr_loss_config *out);

/* ---- penalties (section 7.4) ------------------------------------------------------------ */

typedef enum pr_penalty_kind {
    PR_PENALTY_L1,          /* λ Σ|w| */
    PR_PENALTY_L2,          /* λ Σw² (Q7.8's form) */
    PR_PENALTY_L2_HALF,     /* λ ½ Σw² (section 7.4's form) */
    PR_PENALTY_ELASTIC_NET  /* λ (α Σ|w| + (1-α)/2 Σw²) */
} pr_penalty_kind;

/* The penalty on the listed parameters as a scalar node (alpha: elastic-net mix). */
pr_node pr_penalty(pr_graph *g, pr_penalty_kind kind, const pr_node *params, int n, double lambda, double alpha);
/* The same on a tensor of weights. */
pr_status pr_penalty_eval(pr_penalty_kind kind, const pr_tensor *w, double lambda, double alpha, double *value);
/* The model's weight tensors (dense and embedding weights, not biases or norms):
 * what weight penalties usually cover. Writes up to max nodes; returns the count. */
int pr_model_weight_params(const pr_model *m, pr_node *params, int max);

/* ---- metrics ---------------------------------------------------------------------------- */

/* Fraction of rows whose argmax over `scores` (N, K) equals the label (N). */
pr_status pr_metric_accuracy(const pr_tensor *scores, const pr_tensor *labels, double *out);
/* Coefficient of determination 1 - SS_res/SS_tot over all elements. */
pr_status pr_metric_r2(const pr_tensor *prediction, const pr_tensor *target, double *out);

#ifdef __cplusplus
}
#endif

#endif /* PRIMER_NN_H */
