/* The primer command: shared declarations. Each subcommand lives in its own
 * cli/cmd_*.c file and is listed once, in the command table in main.c. */
#ifndef PRIMER_CLI_H
#define PRIMER_CLI_H

#include <stdio.h>

#include "primer.h"

/* Exit statuses of the tool. */
enum { CLI_OK = 0, CLI_FAILURE = 1, CLI_USAGE = 2 };

typedef struct cli_command {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv); /* argv[0] is the subcommand's name */
    const char *usage;                 /* full help text */
} cli_command;

/* Threads and processes (parallel.c): start the pool (threads 0: the CPUs, shared
 * among the processes mpirun put on this machine) and, under mpirun in an MPI build,
 * MPI; finish stops both (a failed process under MPI stops the others). */
int cli_parallel_start(int *argc, char ***argv, int threads);
void cli_parallel_finish(int status);
pr_threads *cli_threads(void);
int cli_rank(void);
int cli_world_size(void);
int cli_mpi_built_in(void);
/* The trainer's all-reduce over the processes, NULL for one process. */
const pr_train_distributed *cli_distributed(void);

extern const cli_command cli_info_command;
extern const cli_command cli_example_command;
extern const cli_command cli_data_command;
extern const cli_command cli_layers_command;

extern const cli_command cli_train_command;
extern const cli_command cli_eval_command;
extern const cli_command cli_predict_command;
extern const cli_command cli_fit_command;
extern const cli_command cli_reduce_command;
extern const cli_command cli_encode_command;
extern const cli_command cli_sample_command;
extern const cli_command cli_metrics_command;
extern const cli_command cli_generate_command;

/* Features and target read for train, eval and predict. */
typedef struct cli_dataset {
    pr_tensor *X, *y;      /* CSV and digits: float64 (n, d); images: float32 (n, C, H, W)
                              in [0, 1]; y NULL when no target was read */
    pr_tensor *X_test, *y_test; /* a data set's own test part (Fashion-MNIST), else NULL */
    char **features;       /* column names of X (none for images) */
    int64_t n_features;
    char *target;          /* the target column's name (NULL if none) */
    const char *source;    /* the file, or a description of the embedded digits */
    int images;            /* X holds images: no standardisation, no column names */
    int sequences;         /* a synthetic sequence task: no standardisation, no column names */
    const char *default_spec; /* the model that suits the data, or NULL */
} cli_dataset;

/* The columns a saved model expects: n_features of them (0: no model), by name when
 * `features` is not NULL, and the model's target column (or NULL). */
typedef struct cli_columns {
    int64_t n_features;
    const char **features;
    const char *target;
} cli_columns;

/* The columns of a network or of a classical model (free with cli_columns_free). */
int cli_columns_of_model(const pr_model *m, cli_columns *c);
int cli_columns_of_estimator(const pr_estimator *e, cli_columns *c);
void cli_columns_free(cli_columns *c);

/* Where a command's data comes from: --data (a CSV file, "digits" or NULL for the
 * embedded digits, "fashion-mnist"), or --images with --labels (an IDX pair). */
typedef enum cli_part {
    CLI_PART_TRAIN, /* train: a data set's training part, and its test part if it has one */
    CLI_PART_TEST   /* eval, predict: a data set's test part */
} cli_part;

typedef struct cli_source {
    const char *data, *target, *images, *labels;
    cli_part part;
} cli_source;

/* The named image data set that --data accepts. */
#define CLI_FASHION_MNIST "fashion-mnist"

/* 1 for NULL or "digits": the embedded handwritten digits. */
int cli_is_digits(const char *path);
/* Read the source. CSV: the target is src->target, else the model's target column
 * when the file has it, else (need_target) the last column; with a model's columns,
 * the features are those columns, found by name. Images: X (n, C, H, W), the labels
 * as y (needed when need_target). Prints the error and returns CLI_FAILURE or
 * CLI_USAGE on failure. */
int cli_dataset_load(const cli_source *src, const cli_columns *model, int need_target, cli_dataset *d);
void cli_dataset_free(cli_dataset *d);
/* X reshaped to the model's input when only the layout differs (a CSV row of 784
 * pixels for a model of 1x28x28 images, or images for a model of flat rows);
 * otherwise X is left as it is for the model to report the mismatch. */
void cli_dataset_fit_model(pr_tensor *X, const pr_model *m);
/* "1797 rows x 64 features" or "60000 images of 1x28x28". */
const char *cli_dataset_describe(const pr_tensor *X, int images, char *buf, size_t len);
/* Parse a whole finite number in [lo, hi]; returns 1 on success. */
int cli_parse_double(const char *s, double lo, double hi, double *out);

/* "primer: error: <message>" on stderr; returns CLI_USAGE. */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "primer: error: <what>: <library message>" on stderr; returns CLI_FAILURE. */
int cli_library_error(const char *what);
/* Parse a whole decimal integer in [lo, hi]; returns 1 on success. */
int cli_parse_int(const char *s, long long lo, long long hi, long long *out);
/* Write s as a JSON string literal (with quotes). */
void cli_json_string(FILE *f, const char *s);
/* mkdir -p; 0 on success. */
int cli_make_dirs(const char *path);
/* mkdir -p of the directory holding `file` (nothing for a bare name); 0 on success. */
int cli_make_parent_dirs(const char *file);
/* Print a command's usage, with the line "@LAYERS@" replaced by the layer language
 * (every named model and layer of the registry, a line each). */
void cli_print_usage(FILE *f, const char *usage);
/* The layer language, a line per named model and layer, each line indented. */
void cli_print_layer_language(FILE *f, const char *indent);
/* 1 when arg is "-h" or "--help". */
int cli_is_help(const char *arg);

/* Print regression metrics (MSE, RMSE, MAE, R^2) as indented lines, or as one JSON
 * object with json. */
int cli_report_regression(const pr_tensor *y, const pr_tensor *pred, int json);
/* Print classification metrics from class indices 0..K-1 (accuracy, balanced
 * accuracy, macro/micro/weighted F1; for two classes precision, recall, specificity,
 * FPR, F1 and, with probabilities, ROC AUC and average precision; log loss with
 * probabilities (n, K)). detailed adds per-class rows and the confusion matrix. */
int cli_report_classification(const pr_tensor *y_true, const pr_tensor *y_pred, const pr_tensor *proba,
                              const double *classes, int64_t K, int json, int detailed);
/* Map labels to their index among the K classes; an unknown label is an error naming
 * the row. */
int cli_labels_to_indices(const pr_tensor *labels, const double *classes, int64_t K, const char *what, pr_tensor **out);

/* ---- embeddings (cli/embedding.c) ---- */

/* Write the rows of E (n, d) as CSV columns PREFIX1..PREFIXd, then y (n) as the column
 * `target` when given, to `out` (atomically) or standard output (NULL). */
int cli_write_embedding(const char *out, int quiet, const pr_tensor *E, const pr_tensor *y, const char *target,
                        const char *prefix);
/* Draw the first two columns of E as a map (SVG), coloured by class when y holds at
 * most 20 distinct whole numbers, by value otherwise, one colour without y. */
int cli_draw_map(const char *path, const pr_tensor *E, const pr_tensor *y, const char *target, const char *title,
                 const char *xlabel, const char *ylabel);

/* An autoencoder's set-up for training on X: outputs shaped as the inputs (else the
 * error is printed), reconstruction targets, the columns scaled to [0, 1] by their
 * minimum and range (kept in the model; not for images or when keep_scale), and *bce
 * set when the output is a sigmoid (train it with binary cross-entropy, else MSE). */
int cli_autoencoder_setup(pr_model *m, const pr_tensor *X, int keep_scale, pr_tensor **lo, pr_tensor **range, int *bce);

/* ---- text for language models (cli/text.c) ---- */

/* The text of --text ARG: a file, or "fortunes" (NULL too) for the quotations of
 * Debian's package fortunes, every collection in PR_FORTUNES_DIR joined in name
 * order. *source names it. Errors are printed; returns CLI_OK or CLI_FAILURE. */
int cli_text_load(const char *arg, char **text, size_t *len, char **source);
/* Print "sample: <text>" continuing the first row of X by n tokens (temperature 0.8). */
void cli_print_sample(pr_model *m, const pr_tensor *X, int64_t n, uint64_t seed);
/* Print token ids as text (the model's vocabulary). */
void cli_print_tokens(FILE *f, const pr_vocab *v, const pr_tensor *ids, int64_t from);

#endif
