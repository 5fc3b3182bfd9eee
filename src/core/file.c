/* Bounded whole-file reads and atomic, durable file replacement. */
#define _GNU_SOURCE /* O_TMPFILE */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
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

/* ---- the I/O fault hook ------------------------------------------------------------ */

static _Thread_local long io_fail_countdown = 0;

void pr_debug_fail_io_after(long n) { io_fail_countdown = n > 0 ? n : 0; }

/* The errno a save's next step (open, write, sync or rename) should fail with: ENOSPC
 * or EIO when the hook's countdown reaches it, else 0. */
static int io_fault(int simulated) {
    if (io_fail_countdown == 0 || --io_fail_countdown != 0) return 0;
    return simulated;
}

/* ---- stale temporaries ------------------------------------------------------------------ */

/* The directory holding path ("." for a bare name), into buf. */
static void directory_of(const char *path, char *buf, size_t len) {
    const char *slash = strrchr(path, '/');
    if (!slash) snprintf(buf, len, ".");
    else if (slash == path) snprintf(buf, len, "/");
    else snprintf(buf, len, "%.*s", (int)(slash - path), path);
}


/* A save names its temporary "<name>.tmp.<pid>.<6 characters>" (only while it links
 * the unnamed file into place, or throughout where the file system has no O_TMPFILE).
 * One left by a process that no longer exists (killed during a save) is removed by the
 * next save of the same name. */
static void remove_stale_temporaries(const char *final_path) {
    const char *slash = strrchr(final_path, '/');
    const char *base = slash ? slash + 1 : final_path;
    size_t base_len = strlen(base);
    char dir[4096];
    directory_of(final_path, dir, sizeof dir);
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d))) {
        const char *n = e->d_name;
        if (strncmp(n, base, base_len) || strncmp(n + base_len, ".tmp.", 5)) continue;
        char *end;
        long pid = strtol(n + base_len + 5, &end, 10);
        if (pid <= 0 || *end != '.' || strlen(end + 1) != 6 || pid == (long)getpid()) continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH) continue; /* alive, or not ours to judge */
        char stale[4096 + 256];
        snprintf(stale, sizeof stale, "%s/%s", dir, n);
        (void)unlink(stale);
    }
    closedir(d);
}

/* ---- atomic, durable replacement ----------------------------------------------------------- */

/* Sync the directory holding path, so that a rename in it survives a crash. File
 * systems that cannot sync a directory (EINVAL) are taken as they are. */
static int sync_directory(const char *path) {
    char dir[4096];
    directory_of(path, dir, sizeof dir);
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return 0;
    int rc = fsync(fd) != 0 && errno != EINVAL && errno != EROFS ? errno : 0;
    close(fd);
    return rc;
}

/* A fresh name "<final>.tmp.<pid>.XXXXXX" in tmp (n + 32 bytes). */
static void temporary_name(const char *final_path, char *tmp, size_t len) {
    snprintf(tmp, len, "%s.tmp.%ld.XXXXXX", final_path, (long)getpid());
}

/* A symlink is followed, so the file it names is replaced and the link stays; an
 * existing file keeps its mode; an output that is not a regular file (/dev/null, a
 * FIFO, a terminal) is written in place, since it cannot be replaced. The new file is
 * written unnamed (O_TMPFILE) where the file system allows, so that a process killed
 * while saving leaves nothing behind; elsewhere under a temporary name holding the pid,
 * which a later save removes once that process is gone. */
pr_status pr__atomic_open(pr_atomic_file *af, const char *path) {
    memset(af, 0, sizeof *af);
    af->fd = -1;
    if (!path || !*path) return pr__fail(PR_ERR_INVALID, "empty output path");
    struct stat st;
    char *resolved = lstat(path, &st) == 0 && S_ISLNK(st.st_mode) ? realpath(path, NULL) : NULL;
    const char *target = resolved ? resolved : path; /* a dangling link is replaced itself */
    int exists = stat(target, &st) == 0;
    af->final_path = pr__strdup(target);
    free(resolved);
    if (!af->final_path) return PR_ERR_NOMEM;
    int e = io_fault(EACCES);
    if (exists && !S_ISREG(st.st_mode)) {
        if (e || !(af->f = fopen(af->final_path, "wb"))) {
            if (!e) e = errno;
            pr__atomic_abort(af);
            return pr__fail(PR_ERR_IO, "%s: cannot open: %s", path, strerror(e));
        }
        return PR_OK;
    }
    size_t n = strlen(af->final_path);
    if (!(af->tmp_path = pr__malloc(n + 48))) {
        pr__atomic_abort(af);
        return PR_ERR_NOMEM;
    }
    remove_stale_temporaries(af->final_path);
    mode_t mask = umask(0);
    umask(mask);
    mode_t mode = exists ? st.st_mode & 07777 : 0666 & ~mask;
    int fd = -1;
    if (!e) {
#ifdef O_TMPFILE
        char dir[4096];
        directory_of(af->final_path, dir, sizeof dir);
        if (access("/proc/self/fd", X_OK) == 0) fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, mode);
        af->unnamed = fd >= 0;
#endif
        if (fd < 0) {
            temporary_name(af->final_path, af->tmp_path, n + 48);
            fd = mkstemp(af->tmp_path);
        }
        if (fd < 0) e = errno;
    }
    if (fd < 0) {
        free(af->tmp_path);
        af->tmp_path = NULL;
        pr__atomic_abort(af);
        return pr__fail(PR_ERR_IO, "%s: cannot create: %s", path, strerror(e));
    }
    /* mkstemp makes the file 0600 and O_TMPFILE applies the umask: the replaced file's
       mode, else the usual one */
    (void)fchmod(fd, mode);
    af->fd = fd;
    af->f = fdopen(fd, "wb");
    if (!af->f) {
        e = errno;
        close(fd);
        af->fd = -1;
        pr__atomic_abort(af);
        return pr__fail(PR_ERR_IO, "%s: cannot open: %s", path, strerror(e));
    }
    return PR_OK;
}

/* Give the unnamed file a name in its directory (the only moment a temporary name
 * exists): linked from /proc/self/fd, as linkat(AT_EMPTY_PATH) would need privileges. */
static int link_unnamed(pr_atomic_file *af) {
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", af->fd);
    size_t len = strlen(af->final_path) + 48;
    for (int attempt = 0; attempt < 100; attempt++) {
        temporary_name(af->final_path, af->tmp_path, len);
        char *x = af->tmp_path + strlen(af->tmp_path) - 6;
        uint64_t r = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ULL ^ (uint64_t)attempt * 0xbf58476d1ce4e5b9ULL ^
                     (uint64_t)(uintptr_t)af;
        for (int k = 0; k < 6; k++, r >>= 5) x[k] = "abcdefghijklmnopqrstuvwxyz012345"[r & 31];
        if (linkat(AT_FDCWD, proc, AT_FDCWD, af->tmp_path, AT_SYMLINK_FOLLOW) == 0) {
            af->unnamed = 0;
            return 0;
        }
        if (errno != EEXIST) return errno;
    }
    return EEXIST;
}

pr_status pr__atomic_commit(pr_atomic_file *af) {
    int failed = ferror(af->f);
    int e = errno;
    if (fflush(af->f) != 0) {
        failed = 1;
        e = errno;
    }
    int fault = !failed ? io_fault(ENOSPC) : 0; /* a write that fails (a full disk) */
    if (fault) failed = 1, e = fault;
    if (!failed && af->tmp_path) {
        fault = io_fault(EIO);
        if (fault || (fsync(af->fd) != 0 && errno != EINVAL)) failed = 1, e = fault ? fault : errno;
    }
    if (!failed && af->unnamed && (e = link_unnamed(af))) failed = 1;
    if (fclose(af->f) != 0 && !failed) {
        failed = 1;
        e = errno;
    }
    af->f = NULL;
    af->fd = -1;
    if (failed) {
        pr_status st = pr__fail(PR_ERR_IO, "%s: write failed: %s", af->final_path, strerror(e));
        pr__atomic_abort(af);
        return st;
    }
    if (af->tmp_path) {
        fault = io_fault(EIO);
        if (fault || rename(af->tmp_path, af->final_path) != 0) {
            e = fault ? fault : errno;
            pr_status st = pr__fail(PR_ERR_IO, "%s: cannot replace: %s", af->final_path, strerror(e));
            pr__atomic_abort(af);
            return st;
        }
        /* the rename is durable once the directory is synced */
        if ((e = sync_directory(af->final_path))) {
            pr_status st = pr__fail(PR_ERR_IO, "%s: replaced, but its directory could not be synced (%s): the new file "
                                               "may not survive a crash", af->final_path, strerror(e));
            free(af->tmp_path);
            af->tmp_path = NULL;
            pr__atomic_abort(af);
            return st;
        }
    }
    free(af->tmp_path);
    free(af->final_path);
    memset(af, 0, sizeof *af);
    af->fd = -1;
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
    else if (af->fd >= 0) close(af->fd);
    if (af->tmp_path && !af->unnamed) remove(af->tmp_path); /* an unnamed file vanishes when closed */
    free(af->tmp_path);
    free(af->final_path);
    memset(af, 0, sizeof *af);
    af->fd = -1;
}
