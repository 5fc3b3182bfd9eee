/* IDX files inside the library: a checked header and a view of the values, so that
 * the image loader (src/data/images.c) scales bytes without a float copy. */
#ifndef PRIMER_IO_IDX_H
#define PRIMER_IO_IDX_H

#include "core/internal.h"
#include "primer/io.h"

typedef struct pr__idx {
    unsigned char code;        /* the IDX type byte */
    size_t size;               /* bytes per value */
    pr_dtype dtype;            /* what pr_idx_read gives for it */
    int ndim;
    int64_t shape[PR_MAX_DIMS];
    int64_t count;
    const unsigned char *body; /* the big-endian values */
} pr__idx;

/* Read (and, for gzip, inflate) the file and check its header against the limits:
 * *owned holds the bytes h->body points into (free it). */
pr_status pr__idx_open(const char *path, const pr_limits *limits, unsigned char **owned, pr__idx *h);
/* Value i of the body, as a double. */
double pr__idx_value(const pr__idx *h, int64_t i);

#endif
