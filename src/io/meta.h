/* Model files' settings and tensors: the shared reading and writing of a
 * safetensors file's metadata (numbers and name lists kept as strings) and of its
 * float tensors, with every value checked against what the model expects. Used by
 * the classical models and the unsupervised reducers. */
#ifndef PRIMER_IO_META_H
#define PRIMER_IO_META_H

#include "core/internal.h"
#include "primer/io.h"

/* The file's "primer.version" (absent: fine): PR_ERR_FORMAT naming `path` when it is
 * not a version, or when its major version is newer than this library's, whose
 * readers may then take a changed layout for the old one. */
pr_status pr__meta_check_version(const pr_tensor_file *f, const char *path);
/* Metadata `key` = v, written with 17 significant digits. */
pr_status pr__meta_set_number(pr_tensor_file *f, const char *key, double v);
/* Metadata `key` = the n names as a JSON array of strings. */
pr_status pr__meta_set_names(pr_tensor_file *f, const char *key, const char *const *names, int64_t n);
/* A whole number in [lo, hi] from metadata `key`; PR_ERR_FORMAT naming `path` else. */
pr_status pr__meta_int(const pr_tensor_file *f, const char *key, const char *path, int64_t lo, int64_t hi,
                       int64_t *out);
/* A finite number from metadata `key`. */
pr_status pr__meta_real(const pr_tensor_file *f, const char *key, const char *path, double *out);
/* The names of metadata `key` (a JSON array of exactly n strings) into *out (each
 * and the array freed with free()); *out stays NULL when the key is absent. */
pr_status pr__meta_names(const pr_tensor_file *f, const char *key, const char *path, int64_t n, char ***out);
/* A float64 copy of tensor `name` when its shape is (d0) or (d0, d1) (d1 < 0: 1-D)
 * and its values are finite. Absent: PR_ERR_FORMAT when `required`, else *out NULL. */
pr_status pr__meta_take(const pr_tensor_file *f, const char *name, const char *path, int64_t d0, int64_t d1,
                        int required, pr_tensor **out);

/* A program's own metadata on a model (pr_model_set_metadata): kept in *notes (created
 * on first use), stored in the file under "meta." + key so that it can never clash
 * with the library's keys. value NULL removes the key. */
pr_status pr__notes_set(pr_tensor_file **notes, const char *key, const char *value);
const char *pr__notes_get(const pr_tensor_file *notes, const char *key);
/* Copy the notes into f (as "meta." keys), and back from a file's metadata. */
pr_status pr__notes_write(const pr_tensor_file *notes, pr_tensor_file *f);
pr_status pr__notes_read(const pr_tensor_file *f, pr_tensor_file **notes);

#endif
