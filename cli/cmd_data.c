/* primer data: read a CSV or .npy file and describe it (shape, columns, statistics). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static int has_suffix(const char *s, const char *suffix) {
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* Per column of a table: the present values' count, mean, std (ddof 1), min and max,
 * the missing values, and a text column's categories. */
static void print_table(const pr_table *t, int json) {
    int64_t rows = pr_table_rows(t), cols = pr_table_cols(t);
    const double *v = pr_tensor_f64(pr_table_values(t));
    if (json) printf("{\"rows\": %lld, \"columns\": [", (long long)rows);
    else {
        printf("%lld rows x %lld columns\n", (long long)rows, (long long)cols);
        printf("%-20s %12s %12s %12s %12s %8s\n", "column", "mean", "std", "min", "max", "missing");
    }
    for (int64_t j = 0; j < cols; j++) {
        const char *const *levels;
        int64_t L = pr_table_levels(t, j, &levels), missing = pr_table_missing(t, j, NULL), n = 0;
        double sum = 0, ss = 0, lo = INFINITY, hi = -INFINITY;
        for (int64_t i = 0; !L && i < rows; i++) {
            double x = v[i * cols + j];
            if (isnan(x)) continue;
            n++;
            sum += x;
            lo = fmin(lo, x);
            hi = fmax(hi, x);
        }
        double mean = n ? sum / (double)n : NAN;
        for (int64_t i = 0; !L && i < rows; i++)
            if (!isnan(v[i * cols + j])) ss += (v[i * cols + j] - mean) * (v[i * cols + j] - mean);
        double sd = n > 1 ? sqrt(ss / (double)(n - 1)) : 0;
        if (json) {
            printf("%s{\"name\": ", j ? ", " : "");
            cli_json_string(stdout, pr_table_column_name(t, j));
            printf(", \"missing\": %lld", (long long)missing);
            if (L) {
                printf(", \"kind\": \"text\", \"categories\": [");
                for (int64_t l = 0; l < L; l++) {
                    printf("%s", l ? ", " : "");
                    cli_json_string(stdout, levels[l]);
                }
                printf("]}");
            } else {
                printf(", \"kind\": \"number\", \"mean\": %.17g, \"std\": %.17g, \"min\": %.17g, \"max\": %.17g}", mean,
                       sd, n ? lo : NAN, n ? hi : NAN);
            }
            continue;
        }
        printf("%-20.20s ", pr_table_column_name(t, j));
        if (L) {
            char shown[160] = "";
            for (int64_t l = 0; l < L && strlen(shown) < 100; l++)
                snprintf(shown + strlen(shown), sizeof shown - strlen(shown), "%s%s", l ? ", " : "", levels[l]);
            printf("%-51s %8lld  (text, %lld categories)\n", shown, (long long)missing, (long long)L);
        } else {
            printf("%12.5g %12.5g %12.5g %12.5g %8lld\n", mean, sd, n ? lo : NAN, n ? hi : NAN, (long long)missing);
        }
    }
    if (json) printf("]}\n");
}

static int describe_csv(const char *path, const pr_csv_options *opt, const char *target, int json) {
    pr_table *t;
    if (pr_csv_read(path, opt, &t)) return cli_library_error("data");
    if (target) {
        int64_t j;
        if (pr_table_column_index(t, target, &j)) {
            pr_table_free(t);
            return cli_library_error("data: --target");
        }
    }
    print_table(t, json);
    if (target && !json) printf("target: %s (the other %lld columns are features)\n", target,
                                (long long)pr_table_cols(t) - 1);
    pr_table_free(t);
    return CLI_OK;
}

static int describe_npy(const char *path, int json) {
    pr_tensor *t;
    if (pr_npy_read(path, NULL, &t)) return cli_library_error("data");
    char shape[128];
    pr_shape_format(t, shape, sizeof shape);
    double stats[4] = {NAN, NAN, NAN, NAN};
    pr_status st = PR_OK;
    if (t->size > 0) {
        pr_tensor *f = NULL;
        st = pr_tensor_cast(t, PR_F64, &f);
        const pr_reduce_op ops[4] = {PR_MEAN, PR_STD, PR_MIN, PR_MAX};
        for (int k = 0; !st && k < 4; k++) st = pr_reduce_all(ops[k], f, 0, &stats[k]);
        pr_tensor_free(f);
    }
    if (!st) {
        if (json) {
            printf("{\"dtype\": \"%s\", \"shape\": \"%s\", \"size\": %lld, \"mean\": %.17g, \"std\": %.17g, "
                   "\"min\": %.17g, \"max\": %.17g}\n",
                   pr_dtype_name(t->dtype), shape, (long long)t->size, stats[0], stats[1], stats[2], stats[3]);
        } else {
            printf("%s array of shape %s (%lld elements)\n", pr_dtype_name(t->dtype), shape, (long long)t->size);
            if (t->size) printf("mean %.6g, std %.6g, min %.6g, max %.6g\n", stats[0], stats[1], stats[2], stats[3]);
        }
    }
    pr_tensor_free(t);
    return st ? cli_library_error("data") : CLI_OK;
}

/* The embedded digits: describe them, or write them out as CSV with a header. */
static int digits_command(const char *write, int json) {
    cli_dataset d;
    cli_source src = {.data = "digits"};
    int rc = cli_dataset_load(&src, NULL, 1, &d);
    if (rc) return rc;
    int64_t n = d.X->shape[0], w = d.X->shape[1];
    pr_tensor *all = NULL;
    pr_status st = pr_tensor_zeros(&all, PR_F64, PR_SHAPE(n, w + 1));
    for (int64_t i = 0; !st && i < n; i++) {
        for (int64_t j = 0; j < w; j++) pr_tensor_f64(all)[i * (w + 1) + j] = pr_tensor_f64(d.X)[i * w + j];
        pr_tensor_f64(all)[i * (w + 1) + w] = pr_tensor_f64(d.y)[i];
    }
    const char **names = calloc((size_t)w + 1, sizeof *names);
    if (!names) st = PR_ERR_NOMEM;
    for (int64_t j = 0; names && j < w; j++) names[j] = d.features[j];
    if (names) names[w] = d.target;
    if (!st && write && !strcmp(write, "-")) { /* standard output */
        st = pr_csv_write_stream(stdout, all, names, NULL);
        write = "standard output";
    } else if (!st && write) {
        st = pr_csv_write(write, all, names, NULL);
        if (!st && !json) printf("wrote %lld rows x %lld columns (64 pixels and 'digit') to %s\n", (long long)n,
                                 (long long)w + 1, write);
    } else if (!st) {
        pr_table *t = NULL;
        char *csv = NULL;
        size_t len = 0;
        FILE *mem = open_memstream(&csv, &len);
        st = mem ? pr_csv_write_stream(mem, all, names, NULL) : PR_ERR_IO;
        if (mem) fclose(mem);
        if (!st) st = pr_csv_read_buffer(csv, len, "digits", NULL, &t);
        if (!st) {
            print_table(t, json);
        }
        if (!json && !st) printf("source: %s\n", pr_data_digits_citation());
        pr_table_free(t);
        free(csv);
    }
    free(names);
    pr_tensor_free(all);
    cli_dataset_free(&d);
    return st ? cli_library_error(write && !strcmp(write, "standard output") ? "data digits: standard output" : "data digits")
              : CLI_OK;
}

static int run_data(int argc, char **argv) {
    const char *path = NULL, *target = NULL, *write = NULL;
    int json = 0;
    pr_csv_options opt = PR_CSV_DEFAULTS;
    opt.text = opt.missing = 1; /* as every command reads CSV */
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (cli_is_help(a)) {
            fputs(cli_data_command.usage, stdout);
            return CLI_OK;
        } else if (!strcmp(a, "--json")) json = 1;
        else if (!strcmp(a, "--no-header")) opt.no_header = 1;
        else if (!strcmp(a, "--allow-nan")) opt.allow_nonfinite = 1;
        else if (!strcmp(a, "--target")) {
            if (++i >= argc) return cli_usage_error("data: --target needs a column name");
            target = argv[i];
        } else if (!strcmp(a, "--write")) {
            if (++i >= argc) return cli_usage_error("data: --write needs a file name");
            write = argv[i];
        } else if (!strcmp(a, "--delimiter")) {
            if (++i >= argc || strlen(argv[i]) != 1) return cli_usage_error("data: --delimiter needs one character");
            opt.delimiter = argv[i][0];
        } else if (a[0] == '-' && a[1]) {
            return cli_usage_error("data: unknown option '%s' (see primer data --help)", a);
        } else if (path) {
            return cli_usage_error("data: one file at a time");
        } else {
            path = a;
        }
    }
    if (!path) return cli_usage_error("data: name a .csv or .npy file, or 'digits'");
    if (!strcmp(path, "digits")) return digits_command(write, json);
    if (write) return cli_usage_error("data: --write applies to the embedded 'digits'");
    if (has_suffix(path, ".npy")) {
        if (target) return cli_usage_error("data: --target applies to CSV files");
        return describe_npy(path, json);
    }
    return describe_csv(path, &opt, target, json);
}

const cli_command cli_data_command = {
    "data", "read a CSV or .npy file and describe it", run_data,
    "usage: primer data FILE.csv [--target COLUMN] [--no-header] [--delimiter C] [--allow-nan] [--json]\n"
    "       primer data FILE.npy [--json]\n"
    "       primer data digits [--write FILE.csv] [--json]\n"
    "\n"
    "Read a data file the way primer's commands read it and describe it: the\n"
    "number of rows and columns with each column's mean, standard deviation\n"
    "(n - 1), minimum and maximum; for .npy the dtype, shape and statistics.\n"
    "A malformed file is reported with its file, line and column.\n"
    "'digits' is the embedded handwritten-digits set (1797 rows, 64 pixel columns\n"
    "and 'digit'); --write saves it as CSV for eval, predict or other tools ('-':\n"
    "standard output).\n"
    "\n"
    "CSV files need a header row of distinct names (or --no-header: col1, col2, ...),\n"
    "the same number of fields on every row, and a number in every field.\n"
    "\n"
    "  --target COLUMN   check that COLUMN exists (the target of later commands)\n"
    "  --no-header       the first line is data\n"
    "  --delimiter C     field separator (default ',')\n"
    "  --allow-nan       accept nan, inf and -inf as values\n"
    "  --json            one JSON object\n"};
