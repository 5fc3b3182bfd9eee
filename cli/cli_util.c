/* Helpers shared by the subcommands: errors, numbers, JSON strings. */
#include <errno.h>
#include <sys/stat.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

int cli_usage_error(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("primer: error: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputs("\n", stderr);
    va_end(ap);
    return CLI_USAGE;
}

int cli_library_error(const char *what) {
    const char *message = pr_last_error();
    size_t n = strlen(what);
    /* a library message that already names the step ("train: ...") says it once */
    if (!strncmp(message, what, n) && message[n] == ':') fprintf(stderr, "primer: error: %s\n", message);
    else fprintf(stderr, "primer: error: %s: %s\n", what, message);
    return CLI_FAILURE;
}

int cli_option_error(const char *option) {
    cli_library_error(option);
    return CLI_USAGE;
}

int cli_parse_int(const char *s, long long lo, long long hi, long long *out) {
    if (!s || !*s) return 0;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (*end || errno || v < lo || v > hi) return 0;
    *out = v;
    return 1;
}

int cli_parse_double(const char *s, double lo, double hi, double *out) {
    if (!s || !*s) return 0;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (*end || errno || !(v >= lo && v <= hi)) return 0;
    *out = v;
    return 1;
}

void cli_json_string(FILE *f, const char *s) {
    fputc('"', f);
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
        else if (c == '\n') fputs("\\n", f);
        else if (c == '\t') fputs("\\t", f);
        else if (c < 0x20) fprintf(f, "\\u%04x", c);
        else fputc(c, f);
    }
    fputc('"', f);
}

int cli_is_help(const char *arg) { return !strcmp(arg, "-h") || !strcmp(arg, "--help"); }

int cli_make_dirs(const char *path) {
    char buf[4096];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof buf) return -1;
    memcpy(buf, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] != '/' && buf[i] != '\0') continue;
        char c = buf[i];
        buf[i] = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST) return -1;
        buf[i] = c;
    }
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode) ? 0 : -1;
}

int cli_make_parent_dirs(const char *file) {
    const char *slash = file ? strrchr(file, '/') : NULL;
    if (!slash || slash == file) return 0;
    char dir[4096];
    size_t n = (size_t)(slash - file);
    if (n >= sizeof dir) return -1;
    memcpy(dir, file, n);
    dir[n] = '\0';
    return cli_make_dirs(dir);
}

int cli_compare_strings(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int quiet_notes;

void cli_set_quiet(int quiet) { quiet_notes = quiet; }

void cli_note(const char *fmt, ...) {
    if (quiet_notes) return;
    va_list ap;
    va_start(ap, fmt);
    fputs("primer: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputs("\n", stderr);
    va_end(ap);
}

/* An absolute path with ".", ".." and repeated slashes taken out, by the text alone
 * (for files that do not exist yet); "" when it does not fit. */
static void normal_path(const char *path, char *out, size_t len) {
    char buf[8192];
    if (path[0] == '/') snprintf(buf, sizeof buf, "%s", path);
    else {
        char cwd[4096];
        if (!getcwd(cwd, sizeof cwd)) cwd[0] = '\0';
        snprintf(buf, sizeof buf, "%s/%s", cwd, path);
    }
    size_t n = 0;
    out[0] = '\0';
    for (char *part = strtok(buf, "/"); part; part = strtok(NULL, "/")) {
        if (!strcmp(part, ".")) continue;
        if (!strcmp(part, "..")) {
            while (n > 0 && out[n - 1] != '/') n--;
            if (n > 0) n--;
            out[n] = '\0';
            continue;
        }
        size_t k = strlen(part);
        if (n + k + 2 > len) {
            out[0] = '\0';
            return;
        }
        out[n++] = '/';
        memcpy(out + n, part, k + 1);
        n += k;
    }
}

/* The same file: the same inode when both exist, else the same normalised path. */
static int same_file(const char *a, const char *b) {
    struct stat sa, sb;
    int ea = stat(a, &sa) == 0, eb = stat(b, &sb) == 0;
    if (ea && eb) return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
    if (ea != eb) return 0;
    char na[4096], nb[4096];
    normal_path(a, na, sizeof na);
    normal_path(b, nb, sizeof nb);
    return na[0] ? !strcmp(na, nb) : !strcmp(a, b);
}

int cli_ends_with(const char *s, const char *suffix) {
    size_t n = s ? strlen(s) : 0, k = strlen(suffix);
    return n >= k && !strcmp(s + n - k, suffix);
}

int cli_check_files(const char *cmd, const cli_file *outputs, int n_out, const cli_file *inputs, int n_in) {
    for (int i = 0; i < n_out; i++) {
        if (!outputs[i].path) continue;
        for (int j = i + 1; j < n_out; j++)
            if (outputs[j].path && same_file(outputs[i].path, outputs[j].path))
                return cli_usage_error("%s: %s and %s name the same file (%s); one would replace the other", cmd,
                                       outputs[i].option, outputs[j].option, outputs[i].path);
        for (int j = 0; j < n_in; j++)
            if (inputs[j].path && strcmp(inputs[j].path, "-") && same_file(outputs[i].path, inputs[j].path))
                return cli_usage_error("%s: %s would replace %s, an input (%s %s)", cmd, outputs[i].option,
                                       outputs[i].path, inputs[j].option, inputs[j].path);
    }
    return CLI_OK;
}
