/* primer encode and primer sample: an autoencoder's codes for data (book chapter 12),
 * and new rows decoded from a VAE's prior. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

typedef struct latent_args {
    const char *model, *data, *target, *images, *labels, *out, *plot;
    long long n, seed;
    int quiet;
} latent_args;

static int parse(int argc, char **argv, const cli_command *cmd, latent_args *a) {
    *a = (latent_args){.n = 16};
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        int sample = cmd == &cli_sample_command;
        const char **str = !strcmp(arg, "--model")              ? &a->model
                           : !strcmp(arg, "--out")              ? &a->out
                           : !strcmp(arg, "--plot")             ? &a->plot
                           : !sample && !strcmp(arg, "--data")   ? &a->data
                           : !sample && !strcmp(arg, "--target") ? &a->target
                           : !sample && !strcmp(arg, "--images") ? &a->images
                           : !sample && !strcmp(arg, "--labels") ? &a->labels
                                                                 : NULL;
        long long *whole = sample && (!strcmp(arg, "-n") || !strcmp(arg, "--count")) ? &a->n
                           : sample && !strcmp(arg, "--seed")                        ? &a->seed
                                                                                     : NULL;
        if (cli_is_help(arg)) {
            fputs(cmd->usage, stdout);
            return -1;
        } else if (!strcmp(arg, "--quiet")) {
            a->quiet = 1;
        } else if (str || whole) {
            if (++i >= argc) return cli_usage_error("%s: %s needs a value", cmd->name, arg);
            if (str) *str = argv[i];
            else if (!cli_parse_int(argv[i], whole == &a->n ? 1 : 0, whole == &a->n ? 100000 : INT64_MAX, whole))
                return cli_usage_error("%s: %s needs a whole number%s, not '%s'", cmd->name, arg,
                                       whole == &a->n ? " from 1 to 100000" : " >= 0", argv[i]);
        } else {
            return cli_usage_error("%s: unknown option '%s' (see primer %s --help)", cmd->name, arg, cmd->name);
        }
    }
    if (!a->model) return cli_usage_error("%s: --model FILE is required (an autoencoder saved by primer train)", cmd->name);
    const cli_file written[] = {{"--out", a->out}, {"--plot", a->plot}};
    const cli_file read[] = {{"--model", a->model}, {"--data", a->data}, {"--images", a->images}, {"--labels", a->labels}};
    return cli_check_files(cmd->name, written, 2, read, 4);
}

static int load_model(const char *path, pr_model **m) {
    char kind[32];
    if (pr_estimator_file_is(path) || pr_reducer_file_kind(path, kind, sizeof kind)) {
        fprintf(stderr, "primer: error: %s is not a network (it was saved by primer fit or primer reduce); encode and "
                        "sample take an autoencoder from primer train --task autoencoder\n", path);
        return CLI_FAILURE;
    }
    if (pr_model_load(path, m)) return cli_library_error("loading the model");
    pr_model_set_threads(*m, cli_threads());
    return CLI_OK;
}

/* ---- encode ---------------------------------------------------------------------------------- */

static int run_encode(int argc, char **argv) {
    latent_args a;
    int rc = parse(argc, argv, &cli_encode_command, &a);
    if (rc) return rc < 0 ? CLI_OK : rc;
    pr_model *m = NULL;
    if ((rc = load_model(a.model, &m))) return rc;
    if (!pr_model_code_size(m)) {
        fprintf(stderr, "primer: error: %s (%s) has no bottleneck to encode to: mark one with a code layer "
                        "(dense:32,code) or use vae:Z, autoencoder or vae-mlp\n", a.model, pr_model_spec(m));
        pr_model_free(m);
        return CLI_FAILURE;
    }
    cli_columns cols;
    cli_dataset d;
    cli_source src = {.data = a.data, .target = a.target, .images = a.images, .labels = a.labels, .part = CLI_PART_TEST};
    int labelled = a.target || a.labels || cli_is_digits(a.data) || !strcmp(a.data, CLI_FASHION_MNIST);
    if ((rc = cli_columns_of_model(m, &cols)) || (rc = cli_dataset_load(&src, &cols, labelled, &d))) {
        cli_columns_free(&cols);
        pr_model_free(m);
        return rc;
    }
    cli_columns_free(&cols);
    cli_dataset_fit_model(d.X, m);
    pr_tensor *Z = NULL;
    if (pr_model_encode(m, d.X, &Z)) rc = cli_library_error("encode");
    if (!rc) rc = cli_write_embedding(a.out, a.quiet, Z, d.y, d.target, "z");
    if (!rc && a.plot) {
        rc = cli_draw_map(a.plot, Z, d.y, d.target, "The latent codes", "$z_1$", "$z_2$");
        if (!rc && !a.quiet) fprintf(stderr, "drew the first two code values in %s\n", a.plot);
    }
    pr_tensor_free(Z);
    cli_dataset_free(&d);
    pr_model_free(m);
    return rc;
}

const cli_command cli_encode_command = {
    "encode", "write an autoencoder's latent codes for data", run_encode,
    "usage: primer encode --model FILE [--data FILE.csv | digits | fashion-mnist | --images FILE]\n"
    "                     [--target COLUMN] [--out codes.csv] [--plot map.svg]\n"
    "\n"
    "Run every row (or image) through the encoder of an autoencoder trained with\n"
    "primer train --task autoencoder, up to its bottleneck (a code layer, or a VAE's\n"
    "mean), and write the codes z1, z2, ... as CSV (standard output without --out).\n"
    "primer predict --model FILE writes the reconstructions.\n"
    "\n"
    "  --data ...        as primer predict (default: the embedded digits; fashion-mnist:\n"
    "                    its 10,000 test images)\n"
    "  --target COLUMN   a column kept beside the codes (labels of named data sets come\n"
    "                    along by themselves)\n"
    "  --plot FILE.svg   the first two code values, coloured by the labels\n"
    "  --quiet           no report on standard error\n"};

/* ---- sample ----------------------------------------------------------------------------------- */

/* The samples as an image grid when each is an image (C, H, W) or a square number of
 * values: columns of up to 8, gray, 0 to 1 (or the samples' range). */
static int draw_grid(const char *path, const pr_tensor *S, const pr_model *m) {
    int64_t n = S->shape[0], per = S->size / n, shape[PR_MAX_DIMS];
    int nd = pr_model_output_shape(m, shape);
    int64_t side = nd == 3 ? shape[1] : (int64_t)llround(sqrt((double)per));
    if (!(nd == 3 && shape[0] == 1 && shape[1] == shape[2]) && side * side != per) {
        fprintf(stderr, "primer: error: --plot draws samples that are square images; these have %lld values\n",
                (long long)per);
        return CLI_FAILURE;
    }
    int cols = n < 8 ? (int)n : 8, rows = (int)((n + cols - 1) / cols);
    double lo = INFINITY, hi = -INFINITY;
    for (int64_t i = 0; i < S->size; i++) {
        lo = fmin(lo, pr_tensor_get(S, i));
        hi = fmax(hi, pr_tensor_get(S, i));
    }
    if (lo >= 0 && hi <= 1) lo = 0, hi = 1;
    pr_figure *fig = NULL;
    double *px = malloc((size_t)per * sizeof *px);
    pr_status st = px ? pr_figure_new(&fig, rows, cols, 110.0 * cols, 110.0 * rows) : PR_ERR_NOMEM;
    for (int64_t k = 0; !st && k < (int64_t)rows * cols; k++) {
        pr_axes *ax = pr_figure_axes(fig, (int)(k / cols), (int)(k % cols));
        pr_axes_set_axis_off(ax, 1);
        if (k >= n) continue;
        for (int64_t j = 0; j < per; j++) px[j] = pr_tensor_get(S, k * per + j);
        st = pr_axes_image(ax, px, side, side, PR_CMAP_GRAY, lo, hi);
    }
    if (!st) st = pr_figure_save_svg(fig, path);
    pr_figure_free(fig);
    free(px);
    return st ? cli_library_error("drawing the samples") : CLI_OK;
}

static int run_sample(int argc, char **argv) {
    latent_args a;
    int rc = parse(argc, argv, &cli_sample_command, &a);
    if (rc) return rc < 0 ? CLI_OK : rc;
    pr_model *m = NULL;
    if ((rc = load_model(a.model, &m))) return rc;
    pr_tensor *S = NULL, *flat = NULL;
    if (pr_model_sample(m, a.n, (uint64_t)a.seed, &S)) rc = cli_library_error("sample");
    if (!rc && pr_tensor_copy(S, &flat)) rc = cli_library_error("sample");
    if (!rc) pr_tensor_reshape(flat, PR_SHAPE(flat->shape[0], flat->size / flat->shape[0]));
    if (!rc) rc = cli_write_embedding(a.out, 1, flat, NULL, NULL, "x");
    if (!rc && a.out && !a.quiet)
        fprintf(stderr, "wrote %lld samples of %lld values to %s\n", (long long)a.n, (long long)(flat->size / a.n), a.out);
    if (!rc && a.plot) {
        rc = draw_grid(a.plot, S, m);
        if (!rc && !a.quiet) fprintf(stderr, "drew the samples in %s\n", a.plot);
    }
    pr_tensor_free(S);
    pr_tensor_free(flat);
    pr_model_free(m);
    return rc;
}

const cli_command cli_sample_command = {
    "sample", "decode new rows from a VAE's prior", run_sample,
    "usage: primer sample --model FILE [-n N] [--seed S] [--out samples.csv] [--plot grid.svg]\n"
    "\n"
    "Draw N latent vectors z ~ N(0, I) and decode them with a variational autoencoder\n"
    "(a vae:Z layer, as vae-mlp has) trained with primer train --task autoencoder; the\n"
    "rows are in the data's units (CSV columns scaled back).\n"
    "\n"
    "  -n N, --count N   samples (default 16)\n"
    "  --seed S          the draws (default 0): the same seed, the same samples\n"
    "  --out FILE.csv    the samples x1, x2, ... (default: standard output)\n"
    "  --plot FILE.svg   the samples as an image grid (square images only)\n"
    "  --quiet           no report on standard error\n"};
