/* primer/data.h — data sets and preparing them for training: the embedded
 * handwritten digits, the book's synthetic toy problems, train/test splits,
 * standardisation, label encoding, one-hot vectors and shuffled mini-batches.
 *
 * Every function returns new float64 tensors: features X (n, d) and targets y (n)
 * (class labels 0..K-1 as whole numbers, or real values). Random draws come from
 * the pr_rng the caller passes, so the same seed gives the same data.
 */
#ifndef PRIMER_DATA_H
#define PRIMER_DATA_H

#include "primer/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- the handwritten digits (compiled into the library) ---------------------------------- */

/* Optical Recognition of Handwritten Digits (UCI; E. Alpaydin and C. Kaynak, 1998;
 * CC BY 4.0): 1797 images of 8x8 pixel counts 0..16, X (1797, 64), labels y (1797)
 * in 0..9. Either output may be NULL. */
pr_status pr_data_digits(pr_tensor **X, pr_tensor **y);
/* The attribution the licence asks for. */
const char *pr_data_digits_citation(void);

/* ---- images from IDX files (chapter 10) ------------------------------------------------------ */

/* An image set from an IDX pair (MNIST's format, plain or .gz; pr_idx_read): images
 * (N, H, W) or (N, C, H, W) of bytes, labels (N). X is float32 (N, C, H, W) with the
 * pixels scaled to [0, 1] (divided by 255), y float64 labels (labels NULL: images
 * only, y untouched). Images and labels of different counts, labels that are not
 * whole numbers, pixels outside 0..255 are errors naming the file. limits NULL: the
 * defaults. */
pr_status pr_data_idx_images(const char *images, const char *labels, const pr_limits *limits, pr_tensor **X,
                             pr_tensor **y);

/* ---- text (chapter 11): vocabularies and next-token windows -------------------------------- */

/* Tokens are characters (Unicode code points of UTF-8 text) or bytes. */
typedef enum pr_vocab_level { PR_VOCAB_CHARS, PR_VOCAB_BYTES } pr_vocab_level;
typedef struct pr_vocab pr_vocab;

/* The sorted distinct tokens of `text` (len bytes): token id i is the i-th smallest
 * code point (or byte). Text that is not UTF-8 at the character level is
 * PR_ERR_FORMAT naming the byte offset (use the byte level); empty text is
 * PR_ERR_INVALID. */
pr_status pr_vocab_build(const char *text, size_t len, pr_vocab_level level, pr_vocab **out);
/* A vocabulary from its codes, strictly increasing (as model files store it). */
pr_status pr_vocab_from_codes(pr_vocab_level level, const int64_t *codes, int64_t n, pr_vocab **out);
void pr_vocab_free(pr_vocab *v);
int64_t pr_vocab_size(const pr_vocab *v);
pr_vocab_level pr_vocab_level_of(const pr_vocab *v);
/* The code point (or byte) of token id, or -1 outside 0..size-1. */
int64_t pr_vocab_code(const pr_vocab *v, int64_t id);
/* Token ids (float64, (n)) of text; a character outside the vocabulary is
 * PR_ERR_INVALID naming it and its offset. */
pr_status pr_vocab_encode(const pr_vocab *v, const char *text, size_t len, pr_tensor **ids);
/* The UTF-8 text of token id (1 to 4 bytes, NUL-terminated) in out; 0 for an id
 * outside the vocabulary. */
int pr_vocab_token_text(const pr_vocab *v, int64_t id, char out[5]);
/* A text file (at most limits->max_file_bytes; limits NULL: the defaults). */
pr_status pr_text_read(const char *path, const pr_limits *limits, char **text, size_t *len);

/* Next-token windows over ids (n): X (N, context) holds ids[s .. s+context) and y
 * (N, context) ids[s+1 .. s+context], for s = 0, stride, 2 stride, ... while the
 * targets fit. Fewer than context + 1 ids is PR_ERR_INVALID. */
pr_status pr_text_windows(const pr_tensor *ids, int64_t context, int64_t stride, pr_tensor **X, pr_tensor **y);

/* Where Debian's package fortunes puts its collections of quotations (BSD licence). */
#define PR_FORTUNES_DIR "/usr/share/games/fortunes"

/* Which part of a data set that comes split. */
typedef enum pr_data_part { PR_DATA_TRAIN, PR_DATA_TEST } pr_data_part;

/* Where Debian's package dataset-fashion-mnist puts the files. */
#define PR_FASHION_MNIST_DIR "/usr/share/datasets/fashion-mnist"
/* Fashion-MNIST (Xiao, Rasul and Vollgraf 2017, MIT licence): 28x28 grey images of
 * ten kinds of clothing, 60,000 for training and 10,000 for testing, as
 * pr_data_idx_images gives them: X (N, 1, 28, 28) in [0, 1], y in 0..9. dir NULL:
 * PR_FASHION_MNIST_DIR. When the files are missing, PR_ERR_IO saying which package to
 * install. */
pr_status pr_data_fashion_mnist(const char *dir, pr_data_part part, pr_tensor **X, pr_tensor **y);
/* The class names, "T-shirt/top", "Trouser", ... "Ankle boot" (k in 0..9). */
const char *pr_data_fashion_mnist_class(int64_t k);

/* ---- synthetic problems ------------------------------------------------------------------- */

/* XOR: n points at the corners of the unit square (cycling (0,0), (0,1), (1,0),
 * (1,1)) plus N(0, noise²) jitter, labelled x1 XOR x2. n = 4, noise = 0 is the
 * truth table of section 8.2. */
pr_status pr_data_xor(int64_t n, double noise, pr_rng *rng, pr_tensor **X, pr_tensor **y);
/* Two interleaving half circles (scikit-learn's make_moons): n/2 on the upper arc
 * (class 0), the rest on the lower one (class 1), N(0, noise²) added, shuffled. */
pr_status pr_data_moons(int64_t n, double noise, pr_rng *rng, pr_tensor **X, pr_tensor **y);
/* Two concentric circles (make_circles): the inner one of radius `factor` (0 < factor
 * < 1) is class 1. */
pr_status pr_data_circles(int64_t n, double noise, double factor, pr_rng *rng, pr_tensor **X, pr_tensor **y);
/* `classes` interleaved spiral arms of n points in total (each arm r = 0..1 over
 * four radians of turn, angle jittered by N(0, noise²)). */
pr_status pr_data_spirals(int64_t n, int64_t classes, double noise, pr_rng *rng, pr_tensor **X, pr_tensor **y);
/* Isotropic Gaussian blobs (make_blobs): `centers` centres drawn uniformly in
 * [-10, 10]^d, n points split as evenly as possible among them, standard deviation
 * `std`, shuffled. */
pr_status pr_data_blobs(int64_t n, int64_t features, int64_t centers, double std, pr_rng *rng, pr_tensor **X,
                        pr_tensor **y);

/* Sequence tasks for chapter 11, X.list(enum, "name", what X and y hold). T is the
 * sequence length the task derives from `length` (below). Token tasks give ids in X
 * (n, T) and per-position labels y (n, T); sine X (n, T, 1) values and long-range
 * (Hochreiter and Schmidhuber's adding problem: one marker in each half of the
 * sequence) X (n, T, 2), both with one real target per sequence. */
#define PR_SEQ_TASK_LIST(X)                                                                                      \
    X(PR_SEQ_COPY, "copy", "length digits 1..8, a 9, then blanks (0): y is blank until the 9, then the digits")  \
    X(PR_SEQ_REVERSE, "reverse", "as copy, with the digits given back in reverse order")                         \
    X(PR_SEQ_ADDITION, "addition", "two numbers of length digits, 10 (+) and 11 (=) between: y ends with the sum") \
    X(PR_SEQ_SINE, "sine", "length values of a sine of random phase and period plus N(0, 0.1^2): y the next value") \
    X(PR_SEQ_LONG_RANGE, "long-range", "the adding problem: (value U(0, 1), marker) pairs, two marked, y their sum")

typedef enum pr_seq_task {
#define PR_X_(id, name, what) id,
    PR_SEQ_TASK_LIST(PR_X_)
#undef PR_X_
    PR_SEQ_TASK_COUNT
} pr_seq_task;

/* n sequences of the task (length: digits for copy, reverse and addition, 1..64;
 * steps for sine and long-range, 2..100,000); seeded by rng. */
pr_status pr_data_sequence_task(pr_seq_task task, int64_t n, int64_t length, pr_rng *rng, pr_tensor **X,
                                pr_tensor **y);
const char *pr_seq_task_name(pr_seq_task task);
/* PR_ERR_INVALID listing the names when unknown. */
pr_status pr_seq_task_parse(const char *name, pr_seq_task *out);

/* A make_classification-like problem. Start from PR_CLASSIFICATION_DEFAULTS
 * (scikit-learn's defaults, given after each field). */
typedef struct pr_classification_options {
    int64_t features;      /* total columns (20) */
    int64_t informative;   /* columns carrying the signal (2) */
    int64_t redundant;     /* random linear combinations of the informative ones (2; 0: none) */
    int64_t classes;       /* (2) */
    int64_t clusters;      /* Gaussian clusters per class (2) */
    double separation;     /* half the side of the hypercube the cluster centres sit on (1) */
    double flip;           /* fraction of labels replaced at random (0.01; 0: none) */
} pr_classification_options;

#define PR_CLASSIFICATION_DEFAULTS                                                                      \
    ((pr_classification_options){.features = 20, .informative = 2, .redundant = 2, .classes = 2, .clusters = 2, \
                                 .separation = 1, .flip = 0.01})

/* Clusters at vertices of a hypercube in the informative subspace, each an
 * N(0, I) cloud mixed by a random matrix, then redundant and noise columns, then
 * the columns and rows shuffled (scikit-learn's recipe). */
pr_status pr_data_classification(int64_t n, const pr_classification_options *options, pr_rng *rng, pr_tensor **X,
                                 pr_tensor **y);
/* Regression: x uniform in [0, 2π], y = sin(x) + N(0, noise²); X is (n, 1). */
pr_status pr_data_sine(int64_t n, double noise, pr_rng *rng, pr_tensor **X, pr_tensor **y);

/* ---- preparation ------------------------------------------------------------------------------ */

/* Shuffle the rows and hold out round(test_fraction · n) of them (at least one of
 * each part; 0 < test_fraction < 1). stratify: keep the class proportions of y
 * (whole-number labels) in both parts. Either y may be NULL (then only X is split). */
pr_status pr_data_split(const pr_tensor *X, const pr_tensor *y, double test_fraction, int stratify, pr_rng *rng,
                        pr_tensor **X_train, pr_tensor **y_train, pr_tensor **X_test, pr_tensor **y_test);
/* Whether the float data X (rows, columns), or a vector (rows), can be fitted: every
 * value finite (else PR_ERR_NONFINITE) and small enough that sums of squares over the
 * rows stay finite in float64, |x| <= sqrt(DBL_MAX / (4 rows)) (about 1e153 for a
 * thousand rows; else PR_ERR_OVERFLOW, where fits would otherwise report a singular
 * matrix or NaN weights). The message names `what`, the column (names[j] when names
 * is not NULL, else its index from 0), the row and the value; rows are counted from
 * row_base: 0 for a C array ("row 0"), 1 for a file's rows ("data row 1"). */
pr_status pr_data_check_columns(const pr_tensor *X, const char *const *names, int row_base, const char *what);
/* Column means and standard deviations (divisor n, as scikit-learn's StandardScaler),
 * each (d); a constant column gets scale 1. */
pr_status pr_data_standardize_fit(const pr_tensor *X, pr_tensor **mean, pr_tensor **scale);
/* Each column's minimum and range (max - min; 1 for a constant column), float64: the
 * (X - lo) / range scaling to [0, 1] an autoencoder with a sigmoid output wants,
 * applied through pr_model_set_standardization(lo, range). */
pr_status pr_data_minmax_fit(const pr_tensor *X, pr_tensor **lo, pr_tensor **range);
/* (X - mean) / scale, column by column. */
pr_status pr_data_standardize(const pr_tensor *X, const pr_tensor *mean, const pr_tensor *scale, pr_tensor **out);
/* Map the distinct values of y to 0..K-1 in increasing order: *indices (n) and the
 * sorted values *classes (K). Values must be whole numbers (PR_ERR_INVALID naming
 * the first that is not); at most max_classes distinct values (0: 1000). */
pr_status pr_data_encode_labels(const pr_tensor *y, int64_t max_classes, pr_tensor **indices, pr_tensor **classes);
/* 1 when every value of y is a whole number. */
int pr_data_is_integral(const pr_tensor *y);
/* (n, K) rows with a 1 at each label (0..K-1; PR_ERR_INVALID naming a row out of range). */
pr_status pr_data_one_hot(const pr_tensor *labels, int64_t classes, pr_tensor **out);

/* ---- shuffled mini-batches ------------------------------------------------------------------ */

typedef struct pr_batches pr_batches;

/* Mini-batches of the rows of X (and y, if not NULL) in `dtype` (0: X's dtype): each
 * pass visits every row once, in a new random order from rng when shuffle is set
 * (rng may then not be NULL), else in order. A final batch of a single row is merged
 * into the one before it (batch normalisation needs two rows). */
pr_status pr_batches_new(pr_batches **out, const pr_tensor *X, const pr_tensor *y, int64_t batch_size, int shuffle,
                         pr_rng *rng, pr_dtype dtype);
void pr_batches_free(pr_batches *b);
/* The next batch as views valid until the next call: 1 when there is one, 0 at the
 * end of a pass (the next call starts a new pass, reshuffling). */
int pr_batches_next(pr_batches *b, pr_tensor *X_batch, pr_tensor *y_batch);
/* Batches per pass, and the index of the batch last returned (0-based) in this pass. */
int64_t pr_batches_count(const pr_batches *b);
int64_t pr_batches_index(const pr_batches *b);
/* The row order of the current pass (n indices into X). */
const int64_t *pr_batches_order(const pr_batches *b);


/* ---- encoding a table's columns as features --------------------------------------------- */

/* How a table's columns become the numeric features of a model (a scikit-learn
 * ColumnTransformer of one-hot encoders and imputers, kept in the model file):
 * a numeric column is one feature; a text column (pr_csv_options.text) with L
 * strings is L one-hot features named "column=string", in the strings' byte order;
 * missing values (pr_csv_options.missing) are an error unless the encoding imputes
 * them. */
typedef struct pr_table pr_table;
typedef struct pr_encoding pr_encoding;

typedef enum pr_impute {
    PR_IMPUTE_NONE = 0,      /* a missing value is an error naming its column and row */
    PR_IMPUTE_MEAN,          /* the column's mean (text columns: the most frequent string) */
    PR_IMPUTE_MEDIAN,        /* the column's median (text columns: the most frequent string) */
    PR_IMPUTE_MOST_FREQUENT  /* the most frequent value or string (ties: the smallest) */
} pr_impute;
/* "none", "mean", "median", "most-frequent"; parse gives PR_ERR_INVALID listing them. */
const char *pr_impute_name(pr_impute how);
pr_status pr_impute_parse(const char *name, pr_impute *how);

/* Learn the encoding of columns cols[0..n) of t: each text column's strings and, with
 * `impute`, each column's fill value from its present values (a column with no value
 * at all is PR_ERR_INVALID). */
pr_status pr_encoding_fit(const pr_table *t, const int64_t *cols, int64_t n, pr_impute impute, pr_encoding **out);
/* The features (rows, n_outputs) float64 of table t, whose columns are found by name.
 * A string the encoding has not seen is PR_ERR_NOT_FOUND naming the column, the
 * string and the row, unless unknown_as_zeros (then its one-hot features are all 0);
 * a missing value without a fill is PR_ERR_INVALID naming the columns and the first
 * rows; a number in a text column is read as its text. */
pr_status pr_encoding_apply(const pr_encoding *e, const pr_table *t, int unknown_as_zeros, pr_tensor **X);
/* The encoding of n numeric columns by name, nothing imputed: for a model whose
 * columns are known without a table (primer import --features A,B,C). */
pr_status pr_encoding_numeric(const char *const *names, int64_t n, pr_encoding **out);
void pr_encoding_free(pr_encoding *e);
/* The input columns (their names, and L strings for a text column, 0 for numbers)
 * and the output features (names, "column=string" for one-hot ones). */
int64_t pr_encoding_inputs(const pr_encoding *e);
const char *pr_encoding_input_name(const pr_encoding *e, int64_t j);
int64_t pr_encoding_input_levels(const pr_encoding *e, int64_t j, const char *const **levels);
/* The fill value of input j (NaN: none; a text column's is the index of its string). */
double pr_encoding_input_fill(const pr_encoding *e, int64_t j);
pr_impute pr_encoding_impute(const pr_encoding *e);
int64_t pr_encoding_outputs(const pr_encoding *e);
const char *pr_encoding_output_name(const pr_encoding *e, int64_t k);
/* The class names of a text target (k-th name for class index k), kept with the
 * encoding; n 0 clears them. */
pr_status pr_encoding_set_classes(pr_encoding *e, const char *const *names, int64_t n);
int64_t pr_encoding_classes(const pr_encoding *e, const char *const **names);
/* As JSON (a new string, freed with free()) and back; `name` labels messages. The
 * primer tool keeps it in a model file's metadata "meta.columns"
 * (pr_model_set_metadata). */
pr_status pr_encoding_to_json(const pr_encoding *e, char **json);
pr_status pr_encoding_from_json(const char *json, const char *name, pr_encoding **out);

#ifdef __cplusplus
}
#endif

#endif /* PRIMER_DATA_H */
