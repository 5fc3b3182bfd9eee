/* The primer command: shared declarations. Each subcommand lives in its own
 * cli/cmd_*.c file and is listed once, in the command table in main.c. */
#ifndef PRIMER_CLI_H
#define PRIMER_CLI_H

#include <stdio.h>

#include "primer.h"

/* Exit statuses of the tool. */
enum { CLI_OK = 0, CLI_FAILURE = 1, CLI_USAGE = 2, CLI_INTERRUPTED = 130 };

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
extern const cli_command cli_inspect_command;
extern const cli_command cli_import_command;

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
    pr_encoding *enc;      /* CSV: how the columns became X (and a text target's class names) */
    pr_tensor *kept;       /* --keep: those columns (n, n_kept), text as level indices */
    char **kept_names;
    char ***kept_levels;   /* per kept column: its strings, or NULL */
    int64_t *kept_n_levels, n_kept;
} cli_dataset;

/* The columns a saved model expects: n_features of them (0: no model), by name when
 * `features` is not NULL, and the model's target column (or NULL). */
typedef struct cli_columns {
    int64_t n_features;
    const char **features;
    const char *target;
    const char *encoding; /* the model's column encoding (JSON, metadata "columns"), or NULL */
} cli_columns;

/* The model-file metadata key (pr_model_set_metadata) of the column encoding. */
#define CLI_META_COLUMNS "columns"


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

/* The reader options of every command that reads a CSV file (cli_read_option). */
typedef struct cli_read_options {
    const char *features, *ignore; /* comma-separated column names */
    const char *impute;            /* mean, median, most-frequent (training), or NULL */
    const char *unknown;           /* "ignore": an unseen category is all zeros; else an error */
    const char *delimiter;         /* one character or "tab" (default ',') */
    const char *keep;              /* predict: columns carried into the output */
    const char *arrays;            /* an .npz's X and y members, "X,Y" (default "X,y") */
    int drop_missing, no_header;
    int keep_allowed;              /* the command takes --keep */
} cli_read_options;

/* The reader options' help, a line each. */
#define CLI_READ_HELP                                                                                     \
    "  --features A,B,C   use these columns as the features (default: every column but\n"               \
    "                     the target; an unnamed first column, pandas' index, is skipped)\n"            \
    "  --ignore A,B       leave these columns out\n"                                                     \
    "  --impute S         fill missing values (empty, NA, NaN, null...) with the column's\n"             \
    "                     mean, median or most-frequent value (kept in the model)\n"                    \
    "  --drop-missing     drop the rows with a missing value instead\n"                                   \
    "  --unknown ignore   a category the model has not seen encodes as none (default: error)\n"         \
    "  --delimiter C      the field separator (default ','; 'tab' for tabs)\n"                           \
    "  --no-header        the first line is data; columns are col1, col2, ...\n"                         \
    "  --data X.npy       arrays: X.npy (--labels y.npy), or an .npz with X and y\n"                  \
    "  --arrays X,Y       the .npz members to read (default X,y)\n"                                      \
    "  (text columns are categories, one-hot encoded; --data - reads standard input)\n"

/* Consume the reader option at argv[*i] (and its value): 1 when it was one, 0 when
 * not, -1 after printing a usage error. */
int cli_read_option(const char *cmd, int argc, char **argv, int *i, cli_read_options *o);
/* The CSV options of o (text columns and missing values allowed), and the read
 * itself ("-": standard input). */
pr_csv_options cli_csv_options(const cli_read_options *o);
pr_status cli_csv_read(const char *path, const cli_read_options *o, pr_table **t);

typedef struct cli_source {
    const char *data, *target, *images, *labels;
    cli_part part;
    const cli_read_options *read; /* NULL: the defaults */
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
/* The CSV part of cli_dataset_load (cli/columns.c): columns chosen and encoded (the
 * model's encoding when it has one), missing values refused, imputed or dropped. */
int cli_csv_load(const cli_source *src, const cli_columns *model, int need_target, cli_dataset *d);
/* --keep LIST: those columns of t into d->kept. */
int cli_keep_columns(const pr_table *t, const char *list, const char *path, cli_dataset *d);

/* Classification or regression for the target d->y: `task` when given (checked),
 * else classification for a text target, or whole numbers with at most
 * CLI_TASK_MAX_CLASSES distinct values and at most CLI_TASK_ROW_SHARE of the rows
 * (or CLI_TASK_MIN_LIMIT, for small files); regression otherwise. The decision and
 * its reason go to stderr. */
#define CLI_TASK_MAX_CLASSES 20
#define CLI_TASK_ROW_SHARE 0.05
#define CLI_TASK_MIN_LIMIT 10
int cli_decide_task(const cli_dataset *d, const char *task, int *classify);
/* The name of class `label`: the encoding's class name, else the number. */
const char *cli_class_name(const pr_encoding *enc, double label, char *buf, size_t len);
/* The reports (cli_report_classification, cli_labels_to_indices) name classes by
 * e's class names (NULL: by number); cli_class_label gives a label's name. */
void cli_use_class_names(const pr_encoding *e);
const char *cli_class_label(double label, char *buf, size_t len);
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
/* The same for an option's value the library refused (a spec, a name); returns CLI_USAGE. */
int cli_option_error(const char *option);
/* Parse a whole decimal integer in [lo, hi]; returns 1 on success. */
int cli_parse_int(const char *s, long long lo, long long hi, long long *out);
/* Whether the path s (NULL: no) ends with suffix, such as ".npz". */
int cli_ends_with(const char *s, const char *suffix);
/* Write s as a JSON string literal (with quotes). */
void cli_json_string(FILE *f, const char *s);
/* A file a command reads or writes, and the option that named it. */
typedef struct cli_file {
    const char *option, *path; /* path NULL: not given */
} cli_file;
/* No two outputs may be the same file, and no output one of the inputs (by inode when
 * both exist, else by name); a usage error naming both options otherwise. */
int cli_check_files(const char *cmd, const cli_file *outputs, int n_out, const cli_file *inputs, int n_in);
/* mkdir -p; 0 on success. */
int cli_make_dirs(const char *path);
/* mkdir -p of the directory holding `file` (nothing for a bare name); 0 on success. */
int cli_make_parent_dirs(const char *file);
/* Print a command's usage, with each line "@READ@" replaced by CLI_READ_HELP and
 * the line "@LAYERS@" replaced by the layer language
 * (every named model and layer of the registry, a line each). */
void cli_print_usage(FILE *f, const char *usage);
/* The layer language, a line per named model and layer, each line indented. */
void cli_print_layer_language(FILE *f, const char *indent);
/* "primer: <message>" on stderr (a note: "note: ...", "task: ..."), unless quiet. */
void cli_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_set_quiet(int quiet);
/* qsort/bsearch comparison of char * elements. */
int cli_compare_strings(const void *a, const void *b);
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
