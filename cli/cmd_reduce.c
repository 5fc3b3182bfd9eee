/* primer reduce: a table or an image set to a few dimensions (book chapter 12) with
 * PCA or t-SNE; the embedding as CSV (the target column kept for colouring), a map
 * coloured by class, and for PCA a model file that primer predict applies to new
 * data. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"

typedef struct reduce_args {
    const char *method, *data, *target, *out, *plot, *save, *solver, *tsne_method, *init, *spec;
    long long components, iterations, seed, pca_first, ddof, epochs;
    double variance, perplexity, theta, learning_rate, exaggeration;
    int standardize, whiten, json, quiet;
} reduce_args;

static int parse_args(int argc, char **argv, reduce_args *a) {
    *a = (reduce_args){.components = -1, .iterations = -1, .pca_first = -1, .ddof = 1, .epochs = -1, .variance = NAN,
                       .perplexity = NAN, .theta = NAN, .learning_rate = NAN, .exaggeration = NAN};
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char **str = !strcmp(arg, "--data")     ? &a->data
                           : !strcmp(arg, "--target") ? &a->target
                           : !strcmp(arg, "--out")    ? &a->out
                           : !strcmp(arg, "--plot")   ? &a->plot
                           : !strcmp(arg, "--save")   ? &a->save
                           : !strcmp(arg, "--solver") ? &a->solver
                           : !strcmp(arg, "--method") ? &a->tsne_method
                           : !strcmp(arg, "--init")   ? &a->init
                           : !strcmp(arg, "--model")  ? &a->spec
                                                      : NULL;
        double *real = !strcmp(arg, "--variance")           ? &a->variance
                       : !strcmp(arg, "--perplexity")       ? &a->perplexity
                       : !strcmp(arg, "--theta")            ? &a->theta
                       : !strcmp(arg, "--learning-rate")    ? &a->learning_rate
                       : !strcmp(arg, "--exaggeration")     ? &a->exaggeration
                                                            : NULL;
        long long *whole = !strcmp(arg, "--components")   ? &a->components
                           : !strcmp(arg, "--iterations") ? &a->iterations
                           : !strcmp(arg, "--seed")       ? &a->seed
                           : !strcmp(arg, "--pca")        ? &a->pca_first
                           : !strcmp(arg, "--ddof")       ? &a->ddof
                           : !strcmp(arg, "--epochs")     ? &a->epochs
                                                          : NULL;
        if (cli_is_help(arg)) {
            fputs(cli_reduce_command.usage, stdout);
            return -1;
        } else if (!strcmp(arg, "--standardize")) {
            a->standardize = 1;
        } else if (!strcmp(arg, "--whiten")) {
            a->whiten = 1;
        } else if (!strcmp(arg, "--json")) {
            a->json = 1;
        } else if (!strcmp(arg, "--quiet")) {
            a->quiet = 1;
        } else if (str || real || whole) {
            if (++i >= argc) return cli_usage_error("reduce: %s needs a value (see primer reduce --help)", arg);
            if (str) *str = argv[i];
            else if (real && !cli_parse_double(argv[i], 0, 1e12, real))
                return cli_usage_error("reduce: %s needs a number >= 0, not '%s'", arg, argv[i]);
            else if (whole && !cli_parse_int(argv[i], 0, 1000000000, whole))
                return cli_usage_error("reduce: %s needs a whole number >= 0, not '%s'", arg, argv[i]);
        } else if (arg[0] == '-' || a->method) {
            return cli_usage_error("reduce: unexpected '%s' (see primer reduce --help)", arg);
        } else {
            a->method = arg;
        }
    }
    if (!a->method) return cli_usage_error("reduce: name a method: pca, tsne or autoencoder");
    int pca = !strcmp(a->method, "pca"), tsne = !strcmp(a->method, "tsne"), ae = !strcmp(a->method, "autoencoder");
    if (!pca && !tsne && !ae) return cli_usage_error("reduce: the method is pca, tsne or autoencoder, not '%s'", a->method);
    if (!ae && (a->spec || a->epochs >= 0)) return cli_usage_error("reduce: --model and --epochs are the autoencoder's");
    if (a->epochs == 0) return cli_usage_error("reduce: --epochs must be at least 1");
    if (ae && (a->save || a->solver || a->whiten || !isnan(a->variance) || a->tsne_method || a->init ||
               !isnan(a->perplexity) || a->iterations >= 0 || a->pca_first >= 0))
        return cli_usage_error("reduce: the autoencoder takes --components, --model, --epochs and --seed (primer train "
                               "--task autoencoder has every training option)");
    if (a->components == 0) return cli_usage_error("reduce: --components must be at least 1");
    if (a->components > 0 && !isnan(a->variance))
        return cli_usage_error("reduce: give --components or --variance, not both");
    if (!isnan(a->variance) && !(a->variance > 0 && a->variance <= 1))
        return cli_usage_error("reduce: --variance is a fraction in (0, 1], not %g", a->variance);
    if (a->ddof > 1) return cli_usage_error("reduce: --ddof is 0 or 1");
    if (ae) return CLI_OK;
    if (tsne && (a->save || a->solver || a->whiten || !isnan(a->variance)))
        return cli_usage_error("reduce: --save, --solver, --whiten and --variance are PCA's; t-SNE cannot project new "
                               "points, so it saves no model");
    if (pca && (a->tsne_method || a->init || !isnan(a->perplexity) || !isnan(a->theta) || a->iterations >= 0 ||
                !isnan(a->learning_rate) || !isnan(a->exaggeration) || a->pca_first >= 0))
        return cli_usage_error("reduce: --method, --init, --perplexity, --theta, --iterations, --learning-rate, "
                               "--exaggeration and --pca are t-SNE's");
    if (tsne && a->components > 3) return cli_usage_error("reduce: t-SNE embeds in 1 to 3 dimensions");
    if (a->iterations >= 0 && a->iterations <= 250)
        return cli_usage_error("reduce: --iterations counts all of them, the first 250 exaggerated: give more than 250");
    return CLI_OK;
}

static double seconds_now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* ---- PCA ---- */

static void print_pca(const pr_pca *p, double error, double seconds, int json) {
    const pr_tensor *v = pr_pca_explained_variance(p);
    int64_t k = pr_pca_n_components(p), r = v->size;
    double total = pr_pca_total_variance(p), cum = 0;
    pr_pca_config s = pr_pca_settings(p);
    if (json) {
        printf("{\"method\": \"pca\", \"solver\": \"%s\", \"components\": %lld, \"features\": %lld, "
               "\"total_variance\": %.17g, \"explained_variance\": [",
               pr_pca_solver_name(s.solver), (long long)k, (long long)pr_pca_n_features(p), total);
        for (int64_t i = 0; i < k; i++) printf("%s%.17g", i ? ", " : "", pr_tensor_get(v, i));
        printf("], \"explained_variance_ratio\": [");
        for (int64_t i = 0; i < k; i++) printf("%s%.17g", i ? ", " : "", pr_tensor_get(v, i) / total);
        printf("], \"cumulative_ratio\": [");
        for (int64_t i = 0; i < k; i++) printf("%s%.17g", i ? ", " : "", (cum += pr_tensor_get(v, i)) / total);
        printf("], \"reconstruction_error\": %.17g, \"seconds\": %.6f}\n", error, seconds);
        return;
    }
    double kept = 0;
    for (int64_t i = 0; i < k; i++) kept += pr_tensor_get(v, i);
    fprintf(stderr, "PCA (%s solver%s%s): %lld of %lld components, %.2f%% of the variance (%.6g in all)\n",
            pr_pca_solver_name(s.solver), s.standardize ? ", standardized" : "", s.whiten ? ", whitened" : "",
            (long long)k, (long long)r, 100 * kept / total, total);
    fprintf(stderr, "  %-10s %14s %10s %12s\n", "component", "variance", "ratio", "cumulative");
    cum = 0;
    int64_t shown = r < 20 ? r : 20;
    for (int64_t i = 0; i < shown; i++) {
        cum += pr_tensor_get(v, i);
        fprintf(stderr, "  %-10lld %14.6g %9.2f%% %11.2f%%%s\n", (long long)(i + 1), pr_tensor_get(v, i),
                100 * pr_tensor_get(v, i) / total, 100 * cum / total, i + 1 == k ? "  <- kept" : "");
    }
    if (shown < r) fprintf(stderr, "  ... %lld more\n", (long long)(r - shown));
    fprintf(stderr, "reconstruction error (mean squared distance per row): %.6g; %.3f s\n", error, seconds);
}

static int reduce_pca(const reduce_args *a, const cli_dataset *d, pr_tensor **E) {
    pr_pca_config c = PR_PCA_DEFAULTS;
    c.n_components = a->components > 0 ? a->components : isnan(a->variance) ? 2 : 0;
    if (!isnan(a->variance)) c.variance = a->variance;
    c.ddof = (int)a->ddof;
    c.standardize = a->standardize;
    c.whiten = a->whiten;
    c.seed = (uint64_t)a->seed;
    c.feature_names = d->images ? NULL : (const char *const *)d->features;
    if (a->solver && pr_pca_solver_parse(a->solver, &c.solver)) return cli_library_error("reduce: --solver");
    pr_pca *p;
    double t0 = seconds_now();
    if (pr_pca_fit(&p, &c, d->X)) return cli_library_error("reduce pca");
    double seconds = seconds_now() - t0, error = NAN;
    int rc = CLI_OK;
    if (pr_pca_transform(p, d->X, E) || pr_pca_reconstruction_error(p, d->X, &error)) rc = cli_library_error("reduce pca");
    if (!rc && a->save && (cli_make_parent_dirs(a->save) || pr_pca_save(p, a->save))) rc = cli_library_error("saving the PCA model");
    if (!rc && (a->json || !a->quiet)) print_pca(p, error, seconds, a->json);
    if (!rc && a->save && !a->quiet) fprintf(stderr, "saved the PCA model to %s (primer predict --model %s applies it)\n", a->save, a->save);
    pr_pca_free(p);
    return rc;
}

/* ---- t-SNE ---- */

static int tsne_progress(void *ctx, int iteration, double kl) {
    const long long *total = ctx;
    fprintf(stderr, "\rt-SNE: iteration %d of %lld, KL %.4f%s", iteration, *total, kl, iteration >= *total ? "\n" : "");
    fflush(stderr);
    return 0;
}

/* The first `k` principal components of X (wide data: t-SNE's usual first step). */
static int pca_first(pr_tensor **X, int64_t k, int quiet) {
    pr_pca_config c = PR_PCA_DEFAULTS;
    c.n_components = k;
    pr_pca *p;
    pr_tensor *Z = NULL;
    if (pr_pca_fit(&p, &c, *X) || pr_pca_transform(p, *X, &Z)) {
        pr_pca_free(p);
        return cli_library_error("reduce tsne: PCA first");
    }
    if (!quiet) {
        double kept = 0;
        for (int64_t i = 0; i < k; i++) kept += pr_tensor_get(pr_pca_explained_variance(p), i);
        fprintf(stderr, "PCA first: %lld features to %lld components (%.1f%% of the variance)\n", (long long)(*X)->shape[1],
                (long long)k, 100 * kept / pr_pca_total_variance(p));
    }
    pr_pca_free(p);
    pr_tensor_free(*X);
    *X = Z;
    return CLI_OK;
}

static int reduce_tsne(const reduce_args *a, cli_dataset *d, pr_tensor **E) {
    pr_tsne_config c = PR_TSNE_DEFAULTS;
    if (a->components > 0) c.n_components = (int)a->components;
    if (!isnan(a->perplexity)) c.perplexity = a->perplexity;
    if (!isnan(a->theta)) c.theta = a->theta;
    if (!isnan(a->learning_rate)) c.learning_rate = a->learning_rate;
    if (!isnan(a->exaggeration)) c.early_exaggeration = a->exaggeration;
    if (a->iterations > 0) c.max_iter = (int)a->iterations;
    c.seed = (uint64_t)a->seed;
    c.threads = cli_threads();
    if (a->tsne_method && pr_tsne_method_parse(a->tsne_method, &c.method)) return cli_library_error("reduce: --method");
    if (a->init) {
        if (!strcmp(a->init, "pca")) c.init = PR_TSNE_INIT_PCA;
        else if (!strcmp(a->init, "random")) c.init = PR_TSNE_INIT_RANDOM;
        else return cli_usage_error("reduce: --init is pca or random, not '%s'", a->init);
    }
    long long total = c.max_iter;
    if (!a->quiet && !a->json && isatty(2)) {
        c.progress = tsne_progress;
        c.progress_ctx = &total;
    }
    int64_t width = d->X->shape[1], k = a->pca_first >= 0 ? a->pca_first : (width > 100 ? 50 : 0);
    int rc;
    if (k > 0 && k < width && d->X->shape[0] > k && (rc = pca_first(&d->X, k, a->quiet || a->json))) return rc;
    pr_tsne_info info;
    double t0 = seconds_now();
    if (pr_tsne(&c, d->X, E, &info)) return cli_library_error("reduce tsne");
    double seconds = seconds_now() - t0, trust = NAN;
    /* trustworthiness (k = 10) on at most 10,000 points */
    int64_t n = d->X->shape[0], m = n < 10000 ? n : 10000;
    if (m > 20) {
        pr_tensor *Xs = NULL, *Es = NULL;
        if (!pr_tensor_rows(d->X, 0, m, &Xs) && !pr_tensor_rows(*E, 0, m, &Es)) pr_trustworthiness(Xs, Es, 10, &trust);
        pr_clear_error();
        pr_tensor_free(Xs);
        pr_tensor_free(Es);
    }
    if (a->json)
        printf("{\"method\": \"tsne\", \"gradient\": \"%s\", \"points\": %lld, \"perplexity\": %.17g, \"iterations\": %d, "
               "\"learning_rate\": %.17g, \"kl_divergence\": %.17g, \"trustworthiness\": %.17g, \"trustworthiness_points\": "
               "%lld, \"seconds\": %.6f}\n",
               pr_tsne_method_name(info.method), (long long)n, c.perplexity, info.iterations, info.learning_rate, info.kl,
               trust, (long long)m, seconds);
    else if (!a->quiet)
        fprintf(stderr, "t-SNE (%s, perplexity %g, learning rate %g): %d iterations, KL %.4f, trustworthiness (k = 10%s) "
                        "%.4f; %.2f s\n",
                pr_tsne_method_name(info.method), c.perplexity, info.learning_rate, info.iterations, info.kl,
                m < n ? ", first 10,000 points" : "", trust, seconds);
    return CLI_OK;
}

/* ---- an autoencoder ---- */

/* Train an autoencoder (default: autoencoder:256:128:K, Adam, 50 epochs) and encode the
 * data with it: the codes are the embedding. */
static int reduce_autoencoder(const reduce_args *a, cli_dataset *d, pr_tensor **E) {
    char spec[256];
    snprintf(spec, sizeof spec, "autoencoder:256:128:%lld", a->components > 0 ? a->components : 2);
    pr_model_options mo = PR_MODEL_DEFAULTS;
    mo.seed = (uint64_t)a->seed;
    pr_model *m = NULL;
    pr_tensor *lo = NULL, *range = NULL;
    pr_train_history *h = NULL;
    int rc = CLI_OK, bce = 0;
    if (pr_model_new(&m, a->spec ? a->spec : spec, d->X->ndim - 1, d->X->shape + 1, &mo))
        rc = strstr(pr_last_error(), "model spec:") ? cli_option_error("--model") : cli_library_error("--model");
    if (!rc && !pr_model_code_size(m)) {
        fprintf(stderr, "primer: error: %s has no bottleneck: mark one with a code layer or use vae:Z\n", pr_model_spec(m));
        rc = CLI_FAILURE;
    }
    if (!rc) rc = cli_autoencoder_setup(m, d->X, d->images, &lo, &range, &bce);
    pr_train_options o = PR_TRAIN_DEFAULTS;
    o.epochs = a->epochs > 0 ? a->epochs : 50;
    o.seed = (uint64_t)a->seed;
    o.val_fraction = 0;
    o.loss = pr_loss_defaults(bce ? PR_LOSS_BCE : PR_LOSS_MSE);
    double t0 = seconds_now();
    if (!rc && pr_train(m, d->X, NULL, &o, &h)) rc = cli_library_error("reduce autoencoder: training");
    if (!rc && pr_model_encode(m, d->X, E)) rc = cli_library_error("reduce autoencoder");
    double seconds = seconds_now() - t0;
    if (!rc) {
        int64_t last = h->epochs - 1;
        if (a->json)
            printf("{\"method\": \"autoencoder\", \"model\": \"%s\", \"code_size\": %d, \"epochs\": %lld, \"loss\": "
                   "%.17g, \"reconstruction_r2\": %.17g, \"seconds\": %.6f}\n",
                   pr_model_spec(m), pr_model_code_size(m), (long long)h->epochs, h->train_loss[last], h->train_metric[last],
                   seconds);
        else if (!a->quiet)
            fprintf(stderr, "autoencoder %s: %lld epochs, %s loss %.4f, reconstruction R^2 %.4f; %.2f s\n", pr_model_spec(m),
                    (long long)h->epochs, pr_loss_name(o.loss.kind), h->train_loss[last], h->train_metric[last], seconds);
    }
    pr_train_history_free(h);
    pr_tensor_free(lo);
    pr_tensor_free(range);
    pr_model_free(m);
    return rc;
}

static int run_reduce(int argc, char **argv) {
    reduce_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc) return rc < 0 ? CLI_OK : rc;
    const cli_file written[] = {{"--out", a.out}, {"--plot", a.plot}, {"--save", a.save}}, read[] = {{"--data", a.data}};
    if ((rc = cli_check_files("reduce", written, 3, read, 1))) return rc;
    cli_dataset d;
    cli_source src = {.data = a.data, .target = a.target, .part = CLI_PART_TRAIN};
    /* the labels of a named data set come along for colouring; a CSV's only with --target */
    int labelled = cli_is_digits(a.data) || !strcmp(a.data, CLI_FASHION_MNIST);
    if ((rc = cli_dataset_load(&src, NULL, labelled, &d))) return rc;
    if (d.images) pr_tensor_reshape(d.X, PR_SHAPE(d.X->shape[0], d.X->size / d.X->shape[0]));
    if (d.X_test) { /* a data set's two parts together: all of Fashion-MNIST's 70,000 images */
        pr_tensor *parts[2] = {d.X, d.X_test}, *X = NULL, *ys[2] = {d.y, d.y_test}, *y = NULL;
        pr_tensor_reshape(d.X_test, PR_SHAPE(d.X_test->shape[0], d.X_test->size / d.X_test->shape[0]));
        if (pr_tensor_concat((const pr_tensor *const *)parts, 2, 0, &X) ||
            (d.y && d.y_test && pr_tensor_concat((const pr_tensor *const *)ys, 2, 0, &y))) {
            cli_dataset_free(&d);
            return cli_library_error("reduce: joining the data set's parts");
        }
        pr_tensor_free(d.X);
        pr_tensor_free(d.y);
        d.X = X;
        d.y = y;
    }
    if (!a.quiet && !a.json) {
        char desc[128];
        fprintf(stderr, "data: %s, %s\n", d.source, cli_dataset_describe(d.X, 0, desc, sizeof desc));
    }
    int pca = !strcmp(a.method, "pca"), ae = !strcmp(a.method, "autoencoder");
    pr_tensor *E = NULL;
    rc = pca ? reduce_pca(&a, &d, &E) : ae ? reduce_autoencoder(&a, &d, &E) : reduce_tsne(&a, &d, &E);
    const char *prefix = pca ? "pc" : ae ? "z" : "tsne";
    if (!rc && (a.out || !a.json)) rc = cli_write_embedding(a.out, a.quiet, E, d.y, d.target, prefix);
    if (!rc && a.plot) {
        char title[160];
        snprintf(title, sizeof title, "%s of %s", pca ? "PCA" : ae ? "An autoencoder" : "t-SNE",
                 d.images ? "the images" : "the data");
        rc = cli_draw_map(a.plot, E, d.y, d.target, title, pca ? "PC1" : ae ? "$z_1$" : "t-SNE 1",
                          pca ? "PC2" : ae ? "$z_2$" : "t-SNE 2");
        if (!rc && !a.quiet) fprintf(stderr, "drew the map in %s\n", a.plot);
    }
    pr_tensor_free(E);
    cli_dataset_free(&d);
    return rc;
}

const cli_command cli_reduce_command = {
    "reduce", "reduce data to a few dimensions: PCA, t-SNE or an autoencoder, with a map", run_reduce,
    "usage: primer reduce pca|tsne|autoencoder [--data FILE.csv | digits | fashion-mnist]\n"
    "                     [--target COLUMN]\n"
    "                     [options] [--out embedding.csv] [--plot map.svg] [--json]\n"
    "\n"
    "Reduce every row of a table (or every image) to a few dimensions (book chapter 12)\n"
    "and write them as CSV (to standard output without --out), with the target column\n"
    "kept for colouring; --plot draws the first two, coloured by class.\n"
    "\n"
    "  --data FILE.csv      every column is a feature except --target (default: the\n"
    "                       embedded digits; fashion-mnist: all 70,000 images)\n"
    "  --target COLUMN      a column to keep beside the embedding, not a feature\n"
    "  --components K       dimensions (default 2; t-SNE at most 3)\n"
    "  --out FILE.csv       the embedding (atomically)\n"
    "  --plot FILE.svg      the map\n"
    "  --json               a summary as one JSON object (the embedding only with --out)\n"
    "  --quiet              no report on standard error\n"
    "  --seed S             PCA's randomized sketch, t-SNE's random initialisation (0)\n"
    "\n"
    "PCA (centre, covariance, eigenvectors; the table of variances goes to stderr):\n"
    "  --variance F         keep the fewest components that retain this fraction\n"
    "                       (0.95 is the book's rule)\n"
    "  --standardize        divide each column by its standard deviation first (Q12.6)\n"
    "  --whiten             scale the components to unit variance\n"
    "  --ddof 0|1           the covariance divides by m - ddof (default 1, as np.cov)\n"
    "  --solver S           auto (covariance when rows >= features, else svd),\n"
    "                       covariance, svd, randomized\n"
    "  --save FILE          save the model; primer predict --model FILE projects new rows\n"
    "\n"
    "t-SNE (scikit-learn's optimiser: 250 iterations exaggerated 12x, momentum 0.5 then\n"
    "0.8, gains, learning rate max(n / 48, 50); KL and trustworthiness reported):\n"
    "  --perplexity P       effective neighbours (default 30, below the number of rows)\n"
    "  --method M           auto (exact up to 500 rows, barnes-hut to 100,000, fft above),\n"
    "                       exact, barnes-hut, fft (FIt-SNE's interpolation on an FFT grid)\n"
    "  --theta T            Barnes-Hut's angle (default 0.5; 0 is exact)\n"
    "  --iterations N       in all (default 1000)\n"
    "  --learning-rate R    instead of the automatic one\n"
    "  --exaggeration E     early exaggeration (default 12)\n"
    "  --init pca|random    the start (default pca, scaled to standard deviation 1e-4)\n"
    "  --pca K              reduce to K principal components first (default 50 for data\n"
    "                       of more than 100 features, as the literature does; 0: never)\n"
    "\n"
    "autoencoder (the codes of autoencoder:256:128:K, trained 50 epochs with Adam on\n"
    "columns scaled to [0, 1], BCE through the sigmoid output):\n"
    "  --model SPEC         another autoencoder (a code or vae layer marks the codes)\n"
    "  --epochs N           (default 50)\n"
    "\n"
    "Errors name the problem: a perplexity not below the number of rows, fewer than 4\n"
    "rows, every row the same, NaN in the data, more components than features.\n"};
