/* primer fit: the classical models of chapters 4, 6 and 3 on a CSV file (or the
 * digits): coefficients by column, training and held-out (or cross-validated)
 * metrics, and the saved model. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

typedef struct fit_args {
    const char *model, *data, *target, *out, *solver, *penalty;
    double alpha, l1_ratio, test, tol, lr;
    long long degree, cv, seed, max_iter;
    int standardize, json, quiet, no_intercept, ridge_m, min_norm, strict;
    cli_read_options read;
} fit_args;

static int parse_args(int argc, char **argv, fit_args *a) {
    /* NaN and -1: not given, so the model's defaults apply */
    *a = (fit_args){.test = 0.2, .alpha = NAN, .l1_ratio = NAN, .tol = NAN, .lr = NAN, .degree = -1, .max_iter = -1};
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        int consumed = cli_read_option("fit", argc, argv, &i, &a->read);
        if (consumed < 0) return CLI_USAGE;
        if (consumed) continue;
        const char **str = !strcmp(arg, "--data")      ? &a->data
                           : !strcmp(arg, "--target")  ? &a->target
                           : !strcmp(arg, "--out")     ? &a->out
                           : !strcmp(arg, "--solver")  ? &a->solver
                           : !strcmp(arg, "--penalty") ? &a->penalty
                                                       : NULL;
        double *real = !strcmp(arg, "--alpha")       ? &a->alpha
                       : !strcmp(arg, "--l1-ratio")  ? &a->l1_ratio
                       : !strcmp(arg, "--test-size") || !strcmp(arg, "--test") ? &a->test
                       : !strcmp(arg, "--tol")       ? &a->tol
                       : !strcmp(arg, "--lr")        ? &a->lr
                                                     : NULL;
        long long *whole = !strcmp(arg, "--degree")     ? &a->degree
                           : !strcmp(arg, "--cv")       ? &a->cv
                           : !strcmp(arg, "--seed")     ? &a->seed
                           : !strcmp(arg, "--max-iter") ? &a->max_iter
                                                        : NULL;
        if (cli_is_help(arg)) {
            cli_print_usage(stdout, cli_fit_command.usage);
            return -1;
        } else if (!strcmp(arg, "--standardize")) {
            a->standardize = 1;
        } else if (!strcmp(arg, "--json")) {
            a->json = 1;
        } else if (!strcmp(arg, "--quiet")) {
            a->quiet = 1;
        } else if (!strcmp(arg, "--no-intercept")) {
            a->no_intercept = 1;
        } else if (!strcmp(arg, "--min-norm")) {
            a->min_norm = 1;
        } else if (!strcmp(arg, "--strict")) {
            a->strict = 1;
        } else if (!strcmp(arg, "--ridge-m")) {
            a->ridge_m = 1;
        } else if (str || real || whole) {
            if (++i >= argc) return cli_usage_error("fit: %s needs a value (see primer fit --help)", arg);
            if (str) *str = argv[i];
            else if (real && !cli_parse_double(argv[i], 0, 1e12, real))
                return cli_usage_error("fit: %s needs a number >= 0, not '%s'", arg, argv[i]);
            else if (whole && !cli_parse_int(argv[i], 0, 1000000000, whole))
                return cli_usage_error("fit: %s needs a whole number >= 0, not '%s'", arg, argv[i]);
        } else if (arg[0] == '-' || a->model) {
            return cli_usage_error("fit: unexpected '%s' (see primer fit --help)", arg);
        } else {
            a->model = arg;
        }
    }
    if (!a->model) return cli_usage_error("fit: name a model: linear, ridge, lasso, elasticnet, logistic, softmax or naive-bayes");
    if (a->test >= 1) return cli_usage_error("fit: --test-size must be below 1 (0 fits on every row)");
    if (a->l1_ratio > 1) return cli_usage_error("fit: --l1-ratio must be in [0, 1]");
    if (a->degree == 0 || a->degree > 20) return cli_usage_error("fit: --degree must be 1 to 20");
    if (a->max_iter == 0) return cli_usage_error("fit: --max-iter must be at least 1");
    if (a->lr == 0) return cli_usage_error("fit: --lr must be above 0");
    if (a->cv == 1 || a->cv > 64) return cli_usage_error("fit: --cv needs 2 to 64 folds");
    return CLI_OK;
}

static int build_config(const fit_args *a, const cli_dataset *d, pr_estimator_config *c) {
    pr_estimator_kind kind;
    if (pr_estimator_kind_parse(a->model, &kind)) {
        cli_library_error("fit");
        return CLI_USAGE;
    }
    *c = pr_estimator_defaults(kind);
    if (!isnan(a->alpha)) c->alpha = a->alpha;
    if (!isnan(a->l1_ratio)) c->l1_ratio = a->l1_ratio;
    if (!isnan(a->tol)) c->tol = a->tol;
    if (!isnan(a->lr)) c->lr = a->lr;
    if (a->degree > 0) c->degree = (int)a->degree;
    if (a->max_iter > 0) c->max_iter = (int)a->max_iter;
    c->standardize = a->standardize;
    c->no_intercept = a->no_intercept;
    c->ridge_scale = a->ridge_m ? PR_RIDGE_M_LAMBDA : PR_RIDGE_LAMBDA;
    c->min_norm = a->min_norm;
    c->strict = a->strict;
    c->seed = (uint64_t)a->seed;
    c->feature_names = (const char *const *)d->features;
    c->target_name = d->target;
    if (a->solver && pr_solver_parse(a->solver, &c->solver)) {
        cli_library_error("fit: --solver");
        return CLI_USAGE;
    }
    if (a->penalty) {
        if (!strcmp(a->penalty, "l2")) c->penalty = PR_REG_L2;
        else if (!strcmp(a->penalty, "l1")) c->penalty = PR_REG_L1;
        else if (!strcmp(a->penalty, "none")) c->penalty = PR_REG_NONE;
        else return cli_usage_error("fit: --penalty is l2, l1 or none, not '%s'", a->penalty);
    }
    return CLI_OK;
}

/* Metrics of the model on X, y (printed under `title`, or as JSON key `title`). */
static int report(const pr_estimator *e, const pr_tensor *X, const pr_tensor *y, const char *title, int json) {
    pr_tensor *pred = NULL, *proba = NULL, *yi = NULL, *pi = NULL;
    int rc = CLI_OK;
    if (pr_estimator_predict(e, X, &pred)) return cli_library_error("fit");
    if (json) printf(", \"%s\": ", title);
    else printf("%s metrics (%lld rows):\n", title, (long long)y->size);
    if (pr_estimator_is_classifier(e)) {
        int64_t K;
        const double *classes = pr_estimator_classes(e, &K);
        if (pr_estimator_predict_proba(e, X, &proba)) rc = cli_library_error("fit");
        if (!rc) rc = cli_labels_to_indices(y, classes, K, title, &yi);
        if (!rc) rc = cli_labels_to_indices(pred, classes, K, title, &pi);
        if (!rc) rc = cli_report_classification(yi, pi, proba, classes, K, json, 0);
    } else {
        rc = cli_report_regression(y, pred, json);
    }
    pr_tensor_free(pred);
    pr_tensor_free(proba);
    pr_tensor_free(yi);
    pr_tensor_free(pi);
    return rc;
}

static void print_coefficients(const pr_estimator *e, int json) {
    const pr_tensor *w = pr_estimator_coef(e), *b = pr_estimator_intercept(e);
    int64_t p = pr_estimator_n_terms(e), rows = w->ndim == 2 ? w->shape[0] : 1, K;
    const double *classes = pr_estimator_classes(e, &K);
    int nb = pr_estimator_variance(e) || pr_estimator_settings(e).kind >= PR_EST_MULTINOMIAL_NB;
    char name[256];
    if (json) {
        printf(", \"terms\": [");
        for (int64_t j = 0; j < p; j++) {
            printf("%s", j ? ", " : "");
            cli_json_string(stdout, pr_estimator_term_name(e, j, name, sizeof name));
        }
        printf("], \"%s\": [", nb ? "class_means_or_log_probs" : "coef");
        for (int64_t k = 0; k < rows; k++) {
            printf("%s%s", k ? ", " : "", rows > 1 ? "[" : "");
            for (int64_t j = 0; j < p; j++) printf("%s%.17g", j ? ", " : "", pr_tensor_get(w, k * p + j));
            printf("%s", rows > 1 ? "]" : "");
        }
        printf("], \"%s\": [", nb ? "class_log_prior" : "intercept");
        for (int64_t k = 0; k < b->size; k++) printf("%s%.17g", k ? ", " : "", pr_tensor_get(b, k));
        printf("]");
        return;
    }
    if (nb) {
        printf("class log priors:");
        for (int64_t k = 0; k < K; k++) printf("  %s: %.6f", cli_class_label(classes[k], name, sizeof name), pr_tensor_get(b, k));
        printf("\n");
        return;
    }
    int64_t shown = p > 40 ? 40 : p;
    printf("%-24s", rows > 1 ? "term \\ class" : "term");
    for (int64_t k = 0; k < rows; k++) {
        if (rows > 1) printf(" %12.12s", cli_class_label(classes[k], name, sizeof name));
        else printf(" %12s", "coefficient");
    }
    printf("\n");
    for (int64_t j = 0; j < shown; j++) {
        printf("%-24s", pr_estimator_term_name(e, j, name, sizeof name));
        for (int64_t k = 0; k < rows; k++) printf(" %12.6g", pr_tensor_get(w, k * p + j));
        printf("\n");
    }
    if (shown < p) printf("... %lld more terms (all in --json)\n", (long long)(p - shown));
    printf("%-24s", "(intercept)");
    for (int64_t k = 0; k < rows; k++) printf(" %12.6g", pr_tensor_get(b, k));
    printf("\n");
}

static int run_fit(int argc, char **argv) {
    fit_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc) return rc < 0 ? CLI_OK : rc;
    cli_set_quiet(a.quiet);
    cli_dataset d;
    cli_source src = {.data = a.data, .target = a.target, .part = CLI_PART_TRAIN, .read = &a.read};
    if ((rc = cli_dataset_load(&src, NULL, 1, &d))) return rc;
    cli_use_class_names(d.enc);
    if (d.images) pr_tensor_reshape(d.X, PR_SHAPE(d.X->shape[0], d.X->size / d.X->shape[0])); /* pixels as features */
    pr_estimator_config c;
    pr_estimator *e = NULL;
    pr_tensor *Xtr = NULL, *ytr = NULL, *Xte = NULL, *yte = NULL;
    pr_rng rng;
    pr_rng_seed(&rng, (uint64_t)a.seed);
    char out_default[64];
    snprintf(out_default, sizeof out_default, "%s.safetensors", a.model);
    const char *out = a.out ? a.out : out_default;
    const cli_file written[] = {{"--out", out}}, read[] = {{"--data", a.data}};
    if ((rc = cli_check_files("fit", written, 1, read, 1)) || (rc = build_config(&a, &d, &c))) goto done;
    int classify = c.kind >= PR_EST_LOGISTIC;
    const char *const *class_names;
    if (!classify && pr_encoding_classes(d.enc, &class_names)) {
        fprintf(stderr, "primer: error: fit: %s is a regression model; the target '%s' holds text (\"%s\"): use "
                        "logistic, softmax or naive-bayes\n", a.model, d.target, class_names[0]);
        rc = CLI_FAILURE;
        goto done;
    }
    pr_cv_result cv;
    if (a.cv && pr_cross_validate(&c, d.X, d.y, (int)a.cv, classify, &rng, &cv)) {
        rc = cli_library_error("fit: cross-validation");
        goto done;
    }
    int split = !a.cv && a.test > 0;
    if (split && pr_data_split(d.X, d.y, a.test, classify, &rng, &Xtr, &ytr, &Xte, &yte)) {
        rc = cli_library_error("fit: splitting the data");
        goto done;
    }
    if (pr_estimator_fit(&e, &c, split ? Xtr : d.X, split ? ytr : d.y)) {
        rc = cli_library_error("fit");
        goto done;
    }
    const char *why;
    if (!pr_estimator_converged(e, &why)) fprintf(stderr, "primer: warning: %s (the model is kept; --strict makes this an error)\n", why);
    if (d.enc) { /* how the file's columns became the features (and the class names) */
        char *json = NULL;
        pr_status st = pr_encoding_to_json(d.enc, &json);
        if (!st) st = pr_estimator_set_metadata(e, CLI_META_COLUMNS, json);
        free(json);
        if (st) {
            rc = cli_library_error("fit");
            goto done;
        }
    }
    char training[512];
    pr_estimator_config used = pr_estimator_settings(e);
    snprintf(training, sizeof training,
             "{\"solver\": \"%s\", \"iterations\": %lld, \"converged\": %s, \"rows\": %lld, \"test_size\": %g, "
             "\"seed\": %lld}",
             pr_solver_name(used.solver), (long long)pr_estimator_iterations(e),
             pr_estimator_converged(e, NULL) ? "true" : "false", (long long)(split ? Xtr : d.X)->shape[0],
             split ? a.test : 0.0, a.seed);
    if (pr_estimator_set_metadata(e, "training", training)) {
        rc = cli_library_error("fit");
        goto done;
    }
    if (cli_make_parent_dirs(out) || pr_estimator_save(e, out)) {
        rc = cli_library_error("saving the model");
        goto done;
    }
    pr_estimator_config s = pr_estimator_settings(e);
    if (a.quiet && !a.json) goto done; /* saved: nothing more to say */
    if (a.json) {
        printf("{\"model\": ");
        cli_json_string(stdout, pr_estimator_kind_name(s.kind));
        printf(", \"data\": ");
        cli_json_string(stdout, d.source);
        printf(", \"rows\": %lld, \"solver\": \"%s\", \"iterations\": %lld, \"converged\": %s, \"saved\": ",
               (long long)d.X->shape[0], pr_solver_name(s.solver), (long long)pr_estimator_iterations(e),
               pr_estimator_converged(e, NULL) ? "true" : "false");
        cli_json_string(stdout, out);
    } else {
        printf("model: %s (solver %s", pr_estimator_kind_name(s.kind), pr_solver_name(s.solver));
        if (s.kind != PR_EST_LINEAR && s.kind < PR_EST_GAUSSIAN_NB) printf(", alpha %g", s.alpha);
        if (s.kind == PR_EST_ELASTIC_NET) printf(", l1_ratio %g", s.l1_ratio);
        if (s.degree > 1) printf(", degree %d", s.degree);
        if (s.standardize) printf(", standardized");
        if (pr_estimator_iterations(e)) printf(", %lld iterations", (long long)pr_estimator_iterations(e));
        if (!pr_estimator_converged(e, NULL)) printf(", not converged");
        printf(")\ndata: %s, %lld rows, %lld features, target '%s'\n", d.source, (long long)d.X->shape[0],
               (long long)d.n_features, d.target ? d.target : "?");
    }
    print_coefficients(e, a.json);
    if (a.cv) {
        const char *metric = classify ? "accuracy" : "r2";
        if (a.json) {
            printf(", \"cv\": {\"folds\": %d, \"metric\": \"%s\", \"train_mean\": %.17g, \"test_mean\": %.17g, "
                   "\"test_std\": %.17g, \"test\": [", cv.k, metric, cv.train_mean, cv.test_mean, cv.test_std);
            for (int f = 0; f < cv.k; f++) printf("%s%.17g", f ? ", " : "", cv.test[f]);
            printf("]}");
        } else {
            printf("%d-fold cross-validation (%s%s): train %.4f, held-out %.4f +- %.4f\n", cv.k,
                   classify ? "stratified, " : "", metric, cv.train_mean, cv.test_mean, cv.test_std);
        }
    }
    rc = report(e, split ? Xtr : d.X, split ? ytr : d.y, "train", a.json);
    if (!rc && split) rc = report(e, Xte, yte, "test", a.json);
    if (a.json) printf("}\n");
    else if (!rc) printf("saved the model to %s\n", out);
done:
    pr_estimator_free(e);
    pr_tensor_free(Xtr);
    pr_tensor_free(ytr);
    pr_tensor_free(Xte);
    pr_tensor_free(yte);
    cli_dataset_free(&d);
    return rc;
}

const cli_command cli_fit_command = {
    "fit", "fit a classical model: linear, ridge, lasso, logistic, naive Bayes...", run_fit,
    "usage: primer fit MODEL [--data FILE.csv] [--target COLUMN] [options]\n"
    "\n"
    "Fit a classical model (book chapters 3, 4, 6, 7), print its coefficients by\n"
    "column with training and held-out metrics (or cross-validated ones with --cv),\n"
    "and save it for primer predict and primer eval.\n"
    "\n"
    "MODEL (objective; w the weights, b the unpenalized intercept, m rows):\n"
    "  linear        ||y - Xw - b||^2 (normal equation)\n"
    "  ridge         ||y - Xw - b||^2 + alpha ||w||^2   (--ridge-m: + m alpha ||w||^2)\n"
    "  lasso         (1/2m)||y - Xw - b||^2 + alpha ||w||_1 (coordinate descent)\n"
    "  elasticnet    (1/2m)||y - Xw - b||^2 + alpha r ||w||_1 + alpha (1-r)/2 ||w||^2\n"
    "  logistic      mean cross-entropy + (alpha/2m)||w||^2 (alpha = 1/C of scikit-learn;\n"
    "                more than two classes: softmax)\n"
    "  softmax       multinomial logistic regression\n"
    "  naive-bayes   Gaussian naive Bayes (also gaussian-nb, multinomial-nb, bernoulli-nb)\n"
    "\n"
    "  --data FILE.csv   a CSV file with a header row (default: the embedded digits)\n"
    "  --target COLUMN   the column to predict (default: the last); every other\n"
    "                    column is a feature\n"
    "  --alpha A         penalty strength (default 1)\n"
    "  --l1-ratio R      elastic net's L1 share r in (0, 1] (default 0.5)\n"
    "  --penalty P       logistic/softmax: l2 (default), l1 or none\n"
    "  --degree D        polynomial features up to degree D first\n"
    "  --standardize     standardize the features (after the polynomial expansion)\n"
    "  --no-intercept    fit no intercept\n"
    "  --min-norm        linear: the minimum-norm solution when X is rank-deficient\n"
    "  --solver S        auto, cholesky, qr, svd, gd, sgd, cd, lbfgs, newton\n"
    "  --max-iter N --tol T --lr X   iterative solvers' limits and GD's learning rate\n"
    "  --cv K            K-fold cross-validation (stratified for classifiers), then fit\n"
    "                    on every row\n"
    "  --test-size F     fraction held out (default 0.2; 0: fit on every row)\n"
    "  --seed S          the split and the folds (default 0)\n"
    "  --strict          a solver that stops at --max-iter is an error (default: the\n"
    "                    model is kept with a warning, as scikit-learn does)\n"
    "@READ@\n"
    "  --out FILE        the model file (default MODEL.safetensors)\n"
    "  --json            one JSON object\n"
    "  --quiet           print nothing but errors and warnings\n"
    "\n"
    "Errors name the problem: a singular X'X (use ridge), a constant column, a single\n"
    "class, non-convergence (iterations and the remaining gap), NaN in the data.\n"};
