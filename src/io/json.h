/* A small JSON parser for the headers primer reads (safetensors), bounded by the
 * shared limits: nesting depth, and the text itself bounds every string. */
#ifndef PRIMER_IO_JSON_H
#define PRIMER_IO_JSON_H

#include "core/internal.h"

typedef enum pr__json_kind {
    PR_JSON_NULL,
    PR_JSON_BOOL,
    PR_JSON_NUMBER,
    PR_JSON_STRING,
    PR_JSON_ARRAY,
    PR_JSON_OBJECT
} pr__json_kind;

typedef struct pr__json {
    pr__json_kind kind;
    int boolean;
    double number;
    int is_integer;          /* the number was written without fraction or exponent */
    int64_t integer;         /* its exact value when is_integer */
    char *string;            /* NUL-terminated UTF-8 (strings); may contain no NUL */
    size_t count;            /* array elements or object members */
    struct pr__json *items;  /* the elements, or the members' values */
    char **keys;             /* object keys, distinct */
} pr__json;

#define PR_JSON_MAX_DEPTH 64

/* Parse `len` bytes; `name` labels messages ("model.safetensors: header: ..."). */
pr_status pr__json_parse(const char *text, size_t len, const char *name, pr__json **out);
void pr__json_free(pr__json *v);
/* The member called `key` of an object, or NULL. */
const pr__json *pr__json_get(const pr__json *object, const char *key);
/* Append `s` as a JSON string literal (quoted, escaped). */
void pr__json_append_string(pr_strbuf *sb, const char *s);

/* Append the n strings as a JSON array (NULL entries as ""). */
void pr__json_append_string_array(pr_strbuf *sb, const char *const *s, int64_t n);
/* Parse a JSON array of strings into *n new strings (each and the array freed with
 * free()); PR_ERR_FORMAT naming `name` for anything else. */
pr_status pr__json_parse_string_array(const char *text, const char *name, char ***out, int64_t *n);

#endif
