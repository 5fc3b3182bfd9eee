/* Bounded whole-file reads and atomic file replacement. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/internal.h"

pr_status pr__read_file(const char *path, const pr_limits *limits, char **data, size_t *len) {
    pr_limits lim = pr_limits_resolve(limits);
    FILE *f = fopen(path, "rb");
    if (!f) return pr__fail(PR_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) != 0) {
        int e = errno;
        fclose(f);
        return pr__fail(PR_ERR_IO, "%s: cannot stat: %s", path, strerror(e));
    }
    if (S_ISDIR(st.st_mode)) {
        fclose(f);
        return pr__fail(PR_ERR_IO, "%s: is a directory", path);
    }
    /* Read in chunks rather than trusting st_size, so pipes and files that grow
     * while being read are handled and the limit is enforced on what arrives. */
    size_t cap = S_ISREG(st.st_mode) && st.st_size > 0 && (uint64_t)st.st_size <= lim.max_file_bytes
                     ? (size_t)st.st_size + 1
                     : 4096;
    char *buf = pr__malloc(cap);
    if (!buf) {
        fclose(f);
        return PR_ERR_NOMEM;
    }
    size_t n = 0;
    for (;;) {
        if (n + 1 >= cap) {
            /* Full: grow only if the file really has more to give. */
            int c = fgetc(f);
            if (c == EOF) break;
            size_t ncap;
            if (!pr__mul_size(cap, 2, &ncap)) ncap = SIZE_MAX;
            char *nb = pr__realloc(buf, ncap);
            if (!nb) {
                free(buf);
                fclose(f);
                return PR_ERR_NOMEM;
            }
            buf = nb;
            cap = ncap;
            buf[n++] = (char)c;
        }
        size_t got = fread(buf + n, 1, cap - 1 - n, f);
        n += got;
        if ((uint64_t)n > lim.max_file_bytes) {
            free(buf);
            fclose(f);
            return pr__fail(PR_ERR_LIMIT, "%s: file is larger than the limit of %llu bytes", path,
                            (unsigned long long)lim.max_file_bytes);
        }
        if (got == 0) break;
    }
    if (ferror(f)) {
        int e = errno;
        free(buf);
        fclose(f);
        return pr__fail(PR_ERR_IO, "%s: read error: %s", path, strerror(e));
    }
    fclose(f);
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return PR_OK;
}

/* A symlink is followed, so the file it names is replaced and the link stays; an
 * existing file keeps its mode; an output that is not a regular file (/dev/null, a
 * FIFO, a terminal) is written in place, since it cannot be replaced. */
pr_status pr__atomic_open(pr_atomic_file *af, const char *path) {
    memset(af, 0, sizeof *af);
    if (!path || !*path) return pr__fail(PR_ERR_INVALID, "empty output path");
    struct stat st;
    char *resolved = lstat(path, &st) == 0 && S_ISLNK(st.st_mode) ? realpath(path, NULL) : NULL;
    const char *target = resolved ? resolved : path; /* a dangling link is replaced itself */
    int exists = stat(target, &st) == 0;
    af->final_path = pr__strdup(target);
    free(resolved);
    if (!af->final_path) return PR_ERR_NOMEM;
    if (exists && !S_ISREG(st.st_mode)) {
        if (!(af->f = fopen(af->final_path, "wb"))) {
            int e = errno;
            pr__atomic_abort(af);
            return pr__fail(PR_ERR_IO, "%s: cannot open: %s", path, strerror(e));
        }
        return PR_OK;
    }
    size_t n = strlen(af->final_path);
    if (!(af->tmp_path = pr__malloc(n + 16))) {
        pr__atomic_abort(af);
        return PR_ERR_NOMEM;
    }
    memcpy(af->tmp_path, af->final_path, n);
    memcpy(af->tmp_path + n, ".tmp.XXXXXX", sizeof ".tmp.XXXXXX");
    int fd = mkstemp(af->tmp_path);
    if (fd < 0) {
        int e = errno;
        free(af->tmp_path);
        af->tmp_path = NULL;
        pr__atomic_abort(af);
        return pr__fail(PR_ERR_IO, "%s: cannot create: %s", path, strerror(e));
    }
    /* mkstemp makes the file 0600: the replaced file's mode, else the usual one */
    mode_t mask = umask(0);
    umask(mask);
    (void)fchmod(fd, exists ? st.st_mode & 07777 : 0666 & ~mask);
    af->f = fdopen(fd, "wb");
    if (!af->f) {
        int e = errno;
        close(fd);
        pr__atomic_abort(af);
        return pr__fail(PR_ERR_IO, "%s: cannot open: %s", path, strerror(e));
    }
    return PR_OK;
}

pr_status pr__atomic_commit(pr_atomic_file *af) {
    int failed = ferror(af->f);
    int e = errno;
    if (fflush(af->f) != 0) {
        failed = 1;
        e = errno;
    }
    if (!failed && af->tmp_path && fsync(fileno(af->f)) != 0 && errno != EINVAL) {
        failed = 1;
        e = errno;
    }
    if (fclose(af->f) != 0 && !failed) {
        failed = 1;
        e = errno;
    }
    af->f = NULL;
    if (failed) {
        pr_status st = pr__fail(PR_ERR_IO, "%s: write failed: %s", af->final_path, strerror(e));
        pr__atomic_abort(af);
        return st;
    }
    if (af->tmp_path && rename(af->tmp_path, af->final_path) != 0) {
        e = errno;
        pr_status st = pr__fail(PR_ERR_IO, "%s: cannot replace: %s", af->final_path, strerror(e));
        pr__atomic_abort(af);
        return st;
    }
    free(af->tmp_path);
    free(af->final_path);
    memset(af, 0, sizeof *af);
    return PR_OK;
}

pr_status pr__write_file_atomic(const char *path, const void *data, size_t len) {
    pr_atomic_file af;
    pr_status st = pr__atomic_open(&af, path);
    if (st) return st;
    if (len && fwrite(data, 1, len, af.f) != len) {
        int e = errno;
        pr__atomic_abort(&af);
        return pr__fail(PR_ERR_IO, "%s: write failed: %s", path, strerror(e));
    }
    return pr__atomic_commit(&af);
}

void pr__atomic_abort(pr_atomic_file *af) {
    if (af->f) fclose(af->f);
    if (af->tmp_path) remove(af->tmp_path);
    free(af->tmp_path);
    free(af->final_path);
    memset(af, 0, sizeof *af);
}
