/* primer/io.h — data files: CSV tables, NumPy .npy arrays, IDX (MNIST) arrays and
 * safetensors.
 *
 * Every reader checks sizes with overflow-safe arithmetic against one shared
 * set of limits (pr_limits in primer/core.h) before it allocates or reads, and
 * reports a bad input with the file name and, for text, the line and column.
 * Writers replace files atomically: they write a temporary file beside the
 * target and rename it into place, so a failed write never damages what was
 * there before.
 */
#ifndef PRIMER_IO_H
#define PRIMER_IO_H

#include "primer/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- CSV ------------------------------------------------------------------------ */

/* Start from PR_CSV_DEFAULTS (comma-separated, a header row, finite values, the
 * default limits); a NULL options pointer means the same. */
typedef struct pr_csv_options {
    char delimiter;          /* ',' by default; not a quote, line end or NUL */
    int no_header;           /* 1: the first line is data; columns are named col1, col2, ... */
    int allow_nonfinite;     /* 1: accept nan, inf and -inf (any case) as values */
    const pr_limits *limits; /* NULL: PR_LIMITS_DEFAULTS */
    int text;                /* 1: a column with a field that is not a number is a text column
                                (categories, string labels): its values are the indices of its
                                distinct strings in byte order (pr_table_levels); an empty
                                header name reads as "Unnamed: J" (J from 0), as pandas names it */
    int missing;             /* 1: empty fields and NA, N/A, n/a, NaN, nan, -NaN, -nan, NAN, null,
                                NULL, None, #N/A, <NA> (pandas' spellings) are missing values:
                                NaN in the values, counted by pr_table_missing */
    const char *const *const *levels; /* writing: NULL, or for each column NULL or the strings
                                its values index (a text column, as read): a value k of
                                0..n_levels[j]-1 is written as levels[j][k], NaN as an empty
                                field */
    const int64_t *n_levels;
} pr_csv_options;

#define PR_CSV_DEFAULTS                                                                                      \
    ((pr_csv_options){.delimiter = ',', .no_header = 0, .allow_nonfinite = 0, .limits = NULL, .text = 0, .missing = 0})

/* A table read from CSV: named columns of float64 values (text columns as the
 * indices of their strings, missing values as NaN). */
typedef struct pr_table pr_table;

/* Read a CSV file. Format: RFC 4180 (fields may be quoted with "", quotes doubled
 * inside), LF or CRLF line ends, an optional UTF-8 byte-order mark, blank lines
 * ignored, spaces around a field ignored. The header names must be non-empty and
 * distinct. Every data row must have as many fields as the header and every field
 * must be a decimal number ("1", "-2.5", "3e-4") unless options->text or ->missing
 * say otherwise; ragged rows, empty fields,
 * non-numeric text, an empty file and a header with no rows are PR_ERR_FORMAT
 * with "file:line: column N ('name'): ..." in the message. */
pr_status pr_csv_read(const char *path, const pr_csv_options *options, pr_table **out);
/* The same from memory; `name` labels messages (NULL: "<buffer>"). */
pr_status pr_csv_read_buffer(const char *data, size_t len, const char *name,
                             const pr_csv_options *options, pr_table **out);

int64_t pr_table_rows(const pr_table *t);
int64_t pr_table_cols(const pr_table *t);
/* Column name j (0-based), or NULL when j is out of range. */
const char *pr_table_column_name(const pr_table *t, int64_t j);
/* Index of the column called `name`; PR_ERR_NOT_FOUND (listing the columns) if none. */
pr_status pr_table_column_index(const pr_table *t, const char *name, int64_t *j);
/* The values, rows x cols float64, owned by the table. */
const pr_tensor *pr_table_values(const pr_table *t);
/* Column j's distinct strings in byte order (*levels, owned by the table; may be NULL)
 * and their count, when it is a text column (options->text); 0 for a numeric one. */
int64_t pr_table_levels(const pr_table *t, int64_t j, const char *const **levels);
/* Column j's missing values (options->missing), and in *first_row (may be NULL) the
 * 0-based data row of the first one (-1 when none). */
int64_t pr_table_missing(const pr_table *t, int64_t j, int64_t *first_row);
/* Remove the rows with a missing value (NaN) in any of columns cols[0..n); *dropped
 * (may be NULL) gets their number. Dropping every row is PR_ERR_INVALID (the table
 * is then unchanged). */
pr_status pr_table_drop_missing(pr_table *t, const int64_t *cols, int64_t n, int64_t *dropped);
/* Split into features X (rows x (cols - 1)) and target y (rows), both new float64
 * tensors. `target` names the target column; NULL selects the last one. */
pr_status pr_table_split(const pr_table *t, const char *target, pr_tensor **X, pr_tensor **y);
void pr_table_free(pr_table *t);

/* Write a 1-D (one column) or 2-D tensor as CSV, with a header row of `names`
 * (NULL: col1, col2, ...) unless options->no_header. Floats are written with the
 * fewest digits that read back exactly. */
pr_status pr_csv_write(const char *path, const pr_tensor *data, const char *const *names,
                       const pr_csv_options *options);
/* The same text to an open stream (not atomic: standard output, pipes). */
pr_status pr_csv_write_stream(FILE *f, const pr_tensor *data, const char *const *names,
                              const pr_csv_options *options);

/* ---- NumPy .npy ----------------------------------------------------------------- */

/* Read an .npy file (format versions 1.0, 2.0 and 3.0) holding a C-order,
 * little-endian float32, float64, int32 or int64 array of rank <= PR_MAX_DIMS.
 * Anything else (big-endian data, Fortran order, other dtypes, structured
 * arrays, a header or payload that disagrees with the file's size) is refused
 * with a message saying what was found. limits NULL: the defaults. */
pr_status pr_npy_read(const char *path, const pr_limits *limits, pr_tensor **out);
pr_status pr_npy_read_buffer(const void *data, size_t len, const char *name,
                             const pr_limits *limits, pr_tensor **out);
typedef struct pr_tensor_file pr_tensor_file; /* named tensors and metadata (below) */
/* Read a NumPy .npz archive (np.savez, stored, or np.savez_compressed, deflated;
 * ZIP64 too): every .npy member, named without ".npy" ("X", "y"), read as
 * pr_npy_read would, into a new tensor file. Every offset and size is checked
 * against the file and the limits (max_file_bytes bounds the arrays' total). */
pr_status pr_npz_read(const char *path, const pr_limits *limits, pr_tensor_file **out);
pr_status pr_npz_read_buffer(const void *data, size_t len, const char *name, const pr_limits *limits,
                             pr_tensor_file **out);
/* Encode t as .npy bytes (version 1.0, header padded to 64 bytes as NumPy does)
 * into a new buffer (free with free()). */
pr_status pr_npy_encode(const pr_tensor *t, unsigned char **data, size_t *len);
/* Write t to an .npy file (atomically). */
pr_status pr_npy_write(const char *path, const pr_tensor *t);

/* ---- IDX (MNIST's format) --------------------------------------------------------- */

/* Read an IDX file: two zero bytes, a type byte (0x08 unsigned byte, 0x09 signed
 * byte, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64), the rank, each extent
 * as a big-endian 32-bit count, then the values, big-endian, in C order. A file that
 * starts with gzip's magic (1f 8b, the .gz files MNIST ships as) is decompressed
 * first, at most limits->max_file_bytes of it. Bytes and int16 come back as
 * float32 (exact), int32 and float64 as float64, float32 as float32; values are
 * not scaled. Refused with a message: another magic or type, rank 0 or beyond the
 * limits, extents whose product overflows or exceeds max_elements, a body shorter
 * or longer than the extents say, damaged or trailing gzip data. */
pr_status pr_idx_read(const char *path, const pr_limits *limits, pr_tensor **out);
pr_status pr_idx_read_buffer(const void *data, size_t len, const char *name, const pr_limits *limits,
                             pr_tensor **out);

/* ---- safetensors ------------------------------------------------------------------ */

/* Named tensors with string metadata: what a safetensors file holds. The format
 * (Hugging Face's, read by PyTorch's safetensors.torch.load_file): an 8-byte
 * little-endian header length, a JSON header mapping each name to its dtype, shape
 * and byte range, an optional "__metadata__" object of strings, then the raw
 * little-endian data, every byte covered exactly once. primer reads and writes the
 * dtypes F32, F64, I32 and I64. */
typedef struct pr_tensor_file pr_tensor_file;

pr_status pr_tensor_file_new(pr_tensor_file **out);
void pr_tensor_file_free(pr_tensor_file *f);
/* Add a copy of `t` under `name` (names are unique). */
pr_status pr_tensor_file_add(pr_tensor_file *f, const char *name, const pr_tensor *t);
/* Set (or replace) a metadata string. */
pr_status pr_tensor_file_set_meta(pr_tensor_file *f, const char *key, const char *value);
int64_t pr_tensor_file_count(const pr_tensor_file *f);
/* The i-th tensor (in file order) and its name; NULL when out of range. */
const char *pr_tensor_file_name(const pr_tensor_file *f, int64_t i);
const pr_tensor *pr_tensor_file_at(const pr_tensor_file *f, int64_t i);
/* The tensor called `name`; PR_ERR_NOT_FOUND if none. */
pr_status pr_tensor_file_find(const pr_tensor_file *f, const char *name, const pr_tensor **t);
/* The metadata value for `key`, or NULL. */
const char *pr_tensor_file_meta(const pr_tensor_file *f, const char *key);
/* The metadata entries in file order: their count and the i-th key (NULL out of range). */
int64_t pr_tensor_file_meta_count(const pr_tensor_file *f);
const char *pr_tensor_file_meta_key(const pr_tensor_file *f, int64_t i);

/* Read a safetensors file, checking the header against `limits` (NULL: defaults)
 * and every byte range against the file before anything is allocated. */
pr_status pr_safetensors_read(const char *path, const pr_limits *limits, pr_tensor_file **out);
pr_status pr_safetensors_read_buffer(const void *data, size_t len, const char *name, const pr_limits *limits,
                                     pr_tensor_file **out);
/* Encode into a new buffer (free with free()); the header is padded to 8 bytes. */
pr_status pr_safetensors_encode(const pr_tensor_file *f, unsigned char **data, size_t *len);
/* Write atomically (temporary file, then rename). */
pr_status pr_safetensors_write(const char *path, const pr_tensor_file *f);

#ifdef __cplusplus
}
#endif

#endif /* PRIMER_IO_H */
