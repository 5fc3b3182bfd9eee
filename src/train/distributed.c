/* Data-parallel training's bookkeeping (pr_train_distributed in primer/train.h):
 * each rank's share of a batch, and the start-up comparison of what every rank
 * trains on. The sums themselves are the caller's (the primer tool binds MPI). */
#include <stdio.h>
#include <stdlib.h>

#include "core/internal.h"
#include "train/train_internal.h"

void pr__dist_share(const pr_train_distributed *d, int64_t rows, int64_t *begin, int64_t *count) {
    if (!d || d->size <= 1) {
        *begin = 0;
        *count = rows;
        return;
    }
    int64_t b = rows * d->rank / d->size, e = rows * (d->rank + 1) / d->size;
    *begin = b;
    *count = e - b;
}

uint64_t pr__hash_bytes(const void *data, size_t n, uint64_t h) {
    /* 64-bit FNV-1a over 8-byte words with a final avalanche (splitmix64's): a
     * fingerprint, not a cryptographic hash; about 2 GB/s */
    const unsigned char *p = data;
    const uint64_t prime = 0x100000001b3ULL;
    h ^= 0xcbf29ce484222325ULL ^ (uint64_t)n;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h = (h ^ w) * prime;
    }
    for (; i < n; i++) h = (h ^ p[i]) * prime;
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebULL;
    return h ^ (h >> 31);
}

pr_status pr__dist_start(const pr_train_distributed *d, int64_t batch, const uint64_t *fingerprints, int n,
                         const char *const *what) {
    if (!d || d->size == 1) return PR_OK;
    if (d->size < 1 || d->rank < 0 || d->rank >= d->size || !d->allreduce)
        return pr__fail(PR_ERR_INVALID, "train: distributed: rank %d of %d processes, or no all-reduce", d->rank,
                        d->size);
    if (batch < d->size)
        return pr__fail(PR_ERR_INVALID, "train: a batch of %lld row%s cannot be shared by %d processes: each needs at "
                                        "least one (use a batch size of %d or more)",
                        (long long)batch, batch == 1 ? "" : "s", d->size, d->size);
    /* an all-gather by all-reduce: each rank fills its own slots (fingerprints in
       three exact 22-bit pieces each), the others are zero */
    int slots = 3 * n;
    double *all = calloc((size_t)d->size * (size_t)slots, sizeof *all);
    if (!all) return pr__fail(PR_ERR_NOMEM, "train: distributed: out of memory");
    for (int k = 0; k < n; k++)
        for (int piece = 0; piece < 3; piece++)
            all[d->rank * slots + 3 * k + piece] = (double)((fingerprints[k] >> (22 * piece)) & 0x3fffff);
    pr_status st = d->allreduce(all, (int64_t)d->size * slots, PR_F64, d->ctx);
    if (st) {
        free(all);
        return pr__fail_context("train: distributed: comparing the processes' data: ");
    }
    char ranks[256] = "";
    int differs = -1;
    for (int k = 0; k < n && differs < 0; k++) {
        size_t used = 0;
        for (int r = 1; r < d->size; r++) {
            int same = 1;
            for (int piece = 0; piece < 3; piece++) same &= all[r * slots + 3 * k + piece] == all[3 * k + piece];
            if (!same && used + 16 < sizeof ranks) used += (size_t)snprintf(ranks + used, sizeof ranks - used, "%s%d", used ? ", " : "", r);
            if (!same) differs = k;
        }
    }
    free(all);
    if (differs >= 0)
        return pr__fail(PR_ERR_INVALID, "train: distributed: rank %s %s %s from rank 0's; every process must train on "
                                        "the same data, model and settings",
                        ranks, strchr(ranks, ',') ? "have" : "has", what[differs]);
    return PR_OK;
}
