/* primer import: a PyTorch state dict (safetensors or numpy.savez) into a primer model
 * file. The spec builds the architecture; every tensor name and shape of the file is
 * checked against it, as load_state_dict(strict=True) does; the columns, classes and
 * standardisation come from a data file or from options. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

typedef struct import_args {
    const char *spec, *weights, *out, *task, *classes, *mean, *scale, *prefix, *dtype, *input_shape;
    const char *data, *target, *labels;
    long long outputs;
    int standardize, json, quiet;
    cli_read_options read;
} import_args;

/* A comma-separated list as n strings (copies, in one block with the array). */
typedef struct name_list {
    char **names;
    int64_t n;
} name_list;

static int split_list(const char *text, name_list *l) {
    size_t len = strlen(text);
    int64_t n = 1;
    for (const char *p = text; *p; p++) n += *p == ',';
    l->names = malloc((size_t)n * sizeof *l->names + len + 1);
    if (!l->names) return cli_usage_error("out of memory");
    char *copy = memcpy((char *)(l->names + n), text, len + 1);
    l->n = 0;
    for (char *field = copy;; field++) {
        l->names[l->n++] = field;
        field = strchr(field, ',');
        if (!field) break;
        *field = '\0';
    }
    return CLI_OK;
}

/* The list as n numbers into *out (float64, shape (n)); 0 when one is not a number. */
static int list_numbers(const name_list *l, pr_tensor **out) {
    double v;
    for (int64_t j = 0; j < l->n; j++)
        if (!cli_parse_double(l->names[j], -1e300, 1e300, &v)) return 0;
    if (pr_tensor_zeros(out, PR_F64, 1, (int64_t[]){l->n})) return 0;
    for (int64_t j = 0; j < l->n; j++) {
        cli_parse_double(l->names[j], -1e300, 1e300, &v);
        pr_tensor_set(*out, j, v);
    }
    return 1;
}

static int need_value(int argc, char **argv, int *i, const char **out) {
    if (*i + 1 >= argc) return cli_usage_error("import: %s needs a value (see primer import --help)", argv[*i]);
    *out = argv[++*i];
    return CLI_OK;
}

static int parse_args(int argc, char **argv, import_args *a) {
    *a = (import_args){0};
    struct {
        const char *name;
        const char **dst;
    } strings[] = {{"--model", &a->spec},       {"--weights", &a->weights}, {"--out", &a->out},
                   {"--task", &a->task},        {"--classes", &a->classes}, {"--mean", &a->mean},
                   {"--scale", &a->scale},      {"--prefix", &a->prefix},   {"--dtype", &a->dtype},
                   {"--input-shape", &a->input_shape}, {"--data", &a->data}, {"--target", &a->target},
                   {"--labels", &a->labels}};
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *v = NULL;
        if (cli_is_help(arg)) {
            cli_print_usage(stdout, cli_import_command.usage);
            return -1;
        }
        int found = cli_read_option("import", argc, argv, &i, &a->read);
        if (found < 0) return CLI_USAGE;
        if (found) continue;
        if (!strcmp(arg, "--json")) a->json = found = 1;
        else if (!strcmp(arg, "--quiet")) a->quiet = found = 1;
        else if (!strcmp(arg, "--standardize")) a->standardize = found = 1;
        else if (!strcmp(arg, "--outputs")) {
            if (need_value(argc, argv, &i, &v)) return CLI_USAGE;
            if (!cli_parse_int(v, 1, 1LL << 31, &a->outputs))
                return cli_usage_error("import: --outputs needs a whole number from 1, got '%s'", v);
            found = 1;
        }
        for (size_t k = 0; !found && k < sizeof strings / sizeof strings[0]; k++)
            if (!strcmp(arg, strings[k].name)) {
                if (need_value(argc, argv, &i, strings[k].dst)) return CLI_USAGE;
                found = 1;
            }
        if (!found) return cli_usage_error("import: unexpected '%s' (see primer import --help)", arg);
    }
    if (!a->spec || !a->weights || !a->out)
        return cli_usage_error("import: give --model SPEC, --weights FILE and --out MODEL (see primer import --help)");
    if (a->task && strcmp(a->task, "classification") && strcmp(a->task, "regression"))
        return cli_usage_error("import: --task is classification or regression, got '%s'", a->task);
    if (a->dtype && strcmp(a->dtype, "float32") && strcmp(a->dtype, "float64"))
        return cli_usage_error("import: --dtype is float32 or float64, got '%s'", a->dtype);
    if (a->standardize && (a->mean || a->scale))
        return cli_usage_error("import: --standardize fits the mean and scale on --data; give it or --mean/--scale");
    if (a->standardize && !a->data) return cli_usage_error("import: --standardize needs --data FILE to fit on");
    if (a->data && a->input_shape) return cli_usage_error("import: --input-shape and --data both give the input; give one");
    if (a->data && a->classes)
        return cli_usage_error("import: --classes and the target of --data both give the classes; give one");
    if (!a->data && (a->target || a->labels)) return cli_usage_error("import: --target and --labels go with --data FILE");
    return CLI_OK;
}

/* ---- the import ---------------------------------------------------------------------------- */

typedef struct import_run {
    import_args a;
    pr_tensor_file *weights;
    cli_dataset d;
    int have_data;
    name_list features, classes;
    int64_t in_shape[PR_MAX_DIMS];
    int in_ndim;
    pr_model *m;
    pr_tensor *class_values, *mean, *scale, *labels;
    pr_encoding *enc; /* the named classes' encoding when there is no data */
    int classify;
    double check; /* accuracy or R² on --data's target, NaN without one */
} import_run;

static void run_free(import_run *r) {
    pr_tensor_file_free(r->weights);
    if (r->have_data) cli_dataset_free(&r->d);
    free(r->features.names);
    free(r->classes.names);
    pr_model_free(r->m);
    pr_tensor_free(r->class_values);
    pr_tensor_free(r->mean);
    pr_tensor_free(r->scale);
    pr_tensor_free(r->labels);
    pr_encoding_free(r->enc);
}

/* The state dict, with --prefix taken off the names that have it. */
static int read_weights(import_run *r) {
    const char *path = r->a.weights;
    pr_tensor_file *f;
    if (cli_ends_with(path, ".npz") ? pr_npz_read(path, NULL, &f) : pr_safetensors_read(path, NULL, &f))
        return cli_library_error(path);
    if (!r->a.prefix) {
        r->weights = f;
        return CLI_OK;
    }
    size_t plen = strlen(r->a.prefix);
    pr_status st = pr_tensor_file_new(&r->weights);
    for (int64_t i = 0; !st && i < pr_tensor_file_count(f); i++) {
        const char *name = pr_tensor_file_name(f, i);
        st = pr_tensor_file_add(r->weights, strncmp(name, r->a.prefix, plen) ? name : name + plen,
                                pr_tensor_file_at(f, i));
    }
    pr_tensor_file_free(f);
    return st ? cli_library_error(path) : CLI_OK;
}

/* The input: --data's rows, --input-shape C,H,W, or --features (names, or a count). */
static int find_input(import_run *r) {
    import_args *a = &r->a;
    if (a->data) {
        int npy = cli_ends_with(a->data, ".npy");
        cli_source src = {.data = a->data, .target = a->target, .labels = a->labels, .part = CLI_PART_TRAIN,
                          .read = &a->read};
        int rc = cli_dataset_load(&src, NULL, !npy || a->labels, &r->d);
        if (rc) return rc;
        r->have_data = 1;
        r->in_ndim = r->d.X->ndim - 1;
        memcpy(r->in_shape, r->d.X->shape + 1, (size_t)r->in_ndim * sizeof *r->in_shape);
        return CLI_OK;
    }
    if (a->input_shape) {
        name_list l;
        int rc = split_list(a->input_shape, &l);
        if (rc) return rc;
        long long v;
        r->in_ndim = 0;
        for (int64_t j = 0; !rc && j < l.n; j++)
            if (l.n >= PR_MAX_DIMS || !cli_parse_int(l.names[j], 1, 1LL << 31, &v))
                rc = cli_usage_error("import: --input-shape needs up to %d whole numbers, like 1,28,28; got '%s'",
                                     PR_MAX_DIMS - 1, a->input_shape);
            else r->in_shape[r->in_ndim++] = v;
        free(l.names);
        return rc;
    }
    if (!a->read.features)
        return cli_usage_error("import: give the model's input: --features A,B,C (or their count), "
                               "--input-shape C,H,W, or --data FILE");
    int rc = split_list(a->read.features, &r->features);
    long long n;
    r->in_ndim = 1;
    if (!rc && r->features.n == 1 && cli_parse_int(r->features.names[0], 1, 1LL << 31, &n)) {
        r->in_shape[0] = n; /* a count: unnamed columns */
        r->features.n = 0;
    } else {
        r->in_shape[0] = r->features.n;
    }
    return rc;
}

static pr_dtype weights_dtype(const pr_tensor_file *f) {
    for (int64_t i = 0; i < pr_tensor_file_count(f); i++)
        if (pr_dtype_is_float(pr_tensor_file_at(f, i)->dtype)) return pr_tensor_file_at(f, i)->dtype == PR_F64 ? PR_F64 : PR_F32;
    return PR_F32;
}

static int build(import_run *r) {
    import_args *a = &r->a;
    pr_model_options mo = PR_MODEL_DEFAULTS;
    mo.outputs = a->outputs;
    mo.dtype = a->dtype ? (!strcmp(a->dtype, "float64") ? PR_F64 : PR_F32) : weights_dtype(r->weights);
    if (pr_model_new(&r->m, a->spec, r->in_ndim, r->in_shape, &mo))
        return strstr(pr_last_error(), "model spec:") ? cli_option_error("--model") : cli_library_error("--model");
    if (!pr_model_load_state_dict(r->m, r->weights, a->weights)) return CLI_OK;
    int rc = cli_library_error("import");
    /* names under a wrapper ("module.0.weight" for "0.weight"): say which prefix to take off */
    const char *name = pr_tensor_file_count(r->weights) ? pr_tensor_file_name(r->weights, 0) : "";
    size_t n = strlen(name);
    for (int64_t i = 0; i < pr_model_tensor_count(r->m); i++) {
        const char *mine = pr_model_tensor_name(r->m, i);
        size_t k = strlen(mine);
        if (n > k && name[n - k - 1] == '.' && !strcmp(name + n - k, mine)) {
            fprintf(stderr, "  the file's names start with '%.*s': --prefix %.*s takes it off\n", (int)(n - k), name,
                    (int)(n - k), name);
            break;
        }
    }
    return rc;
}

/* Classification or regression, from --task or the output width, checked against the
 * data's target or --classes. */
static int decide_task(import_run *r) {
    import_args *a = &r->a;
    int64_t shape[PR_MAX_DIMS];
    if (pr_model_output_shape(r->m, shape) != 1) {
        fprintf(stderr, "primer: error: import: %s gives an output per position; import takes models with one "
                        "output row per input (classifiers and regressors)\n", pr_model_spec(r->m));
        return CLI_FAILURE;
    }
    int64_t W = shape[0];
    r->classify = a->task ? !strcmp(a->task, "classification") : W > 1;
    if (!a->task)
        cli_note("task: %s (the model has %lld output%s; --task to override)",
                 r->classify ? "classification" : "regression", (long long)W, W == 1 ? "" : "s");
    if (r->classify && W < 2) {
        fprintf(stderr, "primer: error: import: a classifier needs an output (a logit) per class; %s has one. A "
                        "PyTorch model with one logit and BCEWithLogitsLoss is two classes with logits (0, z)\n",
                pr_model_spec(r->m));
        return CLI_FAILURE;
    }
    if (!r->classify && W != 1) {
        fprintf(stderr, "primer: error: import: regression predicts one value; %s has %lld outputs\n",
                pr_model_spec(r->m), (long long)W);
        return CLI_FAILURE;
    }
    if (r->have_data && r->d.y) { /* the data's labels name the classes */
        if (r->classify && pr_data_encode_labels(r->d.y, 0, &r->labels, &r->class_values))
            return cli_library_error(r->d.target ? r->d.target : "labels");
        if (r->classify && r->class_values->size != W) {
            fprintf(stderr, "primer: error: import: the target '%s' of %s has %lld classes; the model has %lld outputs\n",
                    r->d.target ? r->d.target : "y", r->d.source, (long long)r->class_values->size, (long long)W);
            return CLI_FAILURE;
        }
        return CLI_OK;
    }
    if (!r->classify) {
        if (a->classes) return cli_usage_error("import: --classes goes with classification");
        return CLI_OK;
    }
    if (!a->classes) { /* the outputs stand for 0..W-1 */
        if (pr_tensor_zeros(&r->class_values, PR_F64, 1, (int64_t[]){W})) return cli_library_error("import");
        for (int64_t k = 0; k < W; k++) pr_tensor_set(r->class_values, k, (double)k);
        return CLI_OK;
    }
    int rc = split_list(a->classes, &r->classes);
    if (rc) return rc;
    if (r->classes.n != W)
        return cli_usage_error("import: --classes names %lld classes; the model has %lld outputs", (long long)r->classes.n,
                               (long long)W);
    if (list_numbers(&r->classes, &r->class_values)) {
        r->classes.n = 0; /* numeric labels, kept as the model's classes */
        return CLI_OK;
    }
    if (!r->features.n)
        return cli_usage_error("import: class names are kept with the column names; give them as --features A,B,C");
    if (pr_tensor_zeros(&r->class_values, PR_F64, 1, (int64_t[]){W})) return cli_library_error("import");
    for (int64_t k = 0; k < W; k++) pr_tensor_set(r->class_values, k, (double)k);
    if (pr_encoding_numeric((const char *const *)r->features.names, r->features.n, &r->enc) ||
        pr_encoding_set_classes(r->enc, (const char *const *)r->classes.names, r->classes.n))
        return cli_library_error("--classes");
    return CLI_OK;
}

/* x' = (x - mean) / scale from --mean and --scale (one number each per input, or one
 * for all), or fitted on the data with --standardize. */
static int standardization(import_run *r) {
    import_args *a = &r->a;
    if (a->standardize) {
        if (pr_data_standardize_fit(r->d.X, &r->mean, &r->scale)) return cli_library_error("--standardize");
    } else if (a->mean || a->scale) {
        int64_t n = pr_model_input_size(r->m);
        const char *lists[2] = {a->mean, a->scale}, *options[2] = {"--mean", "--scale"};
        pr_tensor **dst[2] = {&r->mean, &r->scale};
        for (int k = 0; k < 2; k++) {
            if (pr_tensor_full(dst[k], PR_F64, 1, &n, (double)k)) return cli_library_error("import");
            if (!lists[k]) continue;
            name_list l;
            pr_tensor *values = NULL;
            int rc = split_list(lists[k], &l), ok = !rc && list_numbers(&l, &values);
            free(l.names);
            if (rc) return rc;
            if (!ok || (values->size != n && values->size != 1)) {
                pr_tensor_free(values);
                return cli_usage_error("import: %s needs %lld numbers (one per input) or one for all", options[k],
                                       (long long)n);
            }
            for (int64_t j = 0; j < n; j++) pr_tensor_set(*dst[k], j, pr_tensor_get(values, values->size == 1 ? 0 : j));
            pr_tensor_free(values);
        }
    } else {
        return CLI_OK;
    }
    return pr_model_set_standardization(r->m, r->mean, r->scale) ? cli_library_error("import") : CLI_OK;
}

static int describe(import_run *r) {
    import_args *a = &r->a;
    const pr_encoding *enc = r->have_data ? r->d.enc : r->enc;
    const char *target = r->have_data ? r->d.target : a->target;
    if (r->classify ? pr_model_set_task(r->m, PR_TASK_CLASSIFICATION, pr_tensor_f64(r->class_values), r->class_values->size)
                    : pr_model_set_task(r->m, PR_TASK_REGRESSION, NULL, 0))
        return cli_library_error("import");
    const char *const *names = r->have_data ? (const char *const *)r->d.features
                                            : r->features.n ? (const char *const *)r->features.names : NULL;
    int64_t n = r->have_data ? r->d.n_features : r->features.n;
    if (names && pr_model_set_columns(r->m, names, n, target)) return cli_library_error("--features");
    if (enc) {
        char *json = NULL;
        pr_status st = pr_encoding_to_json(enc, &json);
        if (!st) st = pr_model_set_metadata(r->m, CLI_META_COLUMNS, json);
        free(json);
        if (st) return cli_library_error("import");
    }
    char json[256];
    snprintf(json, sizeof json, "{\"tensors\": %lld, \"parameters\": %lld}", (long long)pr_tensor_file_count(r->weights),
             (long long)pr_model_param_count(r->m));
    return pr_model_set_metadata(r->m, "imported", json) ? cli_library_error("import") : CLI_OK;
}

/* With --data and its target: the imported model's accuracy or R² on it, as a check
 * that the weights, columns and standardisation fit together. */
static int check_on_data(import_run *r) {
    r->check = NAN;
    if (!r->have_data || !r->d.y) return CLI_OK;
    cli_dataset_fit_model(r->d.X, r->m);
    pr_tensor *out = NULL;
    if (pr_model_forward(r->m, r->d.X, &out)) return cli_library_error(r->d.source);
    pr_status st = r->classify ? pr_metric_accuracy(out, r->labels, &r->check) : pr_metric_r2(out, r->d.y, &r->check);
    pr_tensor_free(out);
    return st ? cli_library_error(r->d.source) : CLI_OK;
}

static int run_import(int argc, char **argv) {
    import_run r = {0};
    int rc = parse_args(argc, argv, &r.a);
    if (rc) return rc < 0 ? CLI_OK : rc;
    import_args *a = &r.a;
    cli_set_quiet(a->quiet || a->json);
    const cli_file written[] = {{"--out", a->out}};
    const cli_file read[] = {{"--weights", a->weights}, {"--data", a->data}, {"--labels", a->labels}};
    if ((rc = cli_check_files("import", written, 1, read, 3)) || (rc = read_weights(&r)) || (rc = find_input(&r)) ||
        (rc = build(&r)) || (rc = decide_task(&r)) || (rc = standardization(&r)) || (rc = describe(&r)) ||
        (rc = check_on_data(&r))) {
        run_free(&r);
        return rc;
    }
    if (cli_make_parent_dirs(a->out) || pr_model_save(r.m, a->out)) {
        rc = cli_library_error(a->out);
        run_free(&r);
        return rc;
    }
    const char *metric = r.classify ? "accuracy" : "r2";
    if (a->json) {
        printf("{\"out\": ");
        cli_json_string(stdout, a->out);
        printf(", \"spec\": ");
        cli_json_string(stdout, pr_model_spec(r.m));
        printf(", \"tensors\": %lld, \"parameters\": %lld, \"task\": \"%s\"",
               (long long)pr_tensor_file_count(r.weights), (long long)pr_model_param_count(r.m),
               r.classify ? "classification" : "regression");
        if (r.classify) printf(", \"classes\": %lld", (long long)r.class_values->size);
        if (!isnan(r.check)) printf(", \"rows\": %lld, \"%s\": %.6g", (long long)r.d.X->shape[0], metric, r.check);
        printf("}\n");
    } else if (!a->quiet) {
        printf("imported %lld tensors (%lld parameters) from %s\n", (long long)pr_tensor_file_count(r.weights),
               (long long)pr_model_param_count(r.m), a->weights);
        printf("model: %s, %s", pr_model_spec(r.m), r.classify ? "classification" : "regression");
        if (r.classify) printf(" over %lld classes", (long long)r.class_values->size);
        printf("%s\n", r.mean ? ", inputs standardized" : "");
        if (!isnan(r.check))
            printf("check: %s %.4f on %s (%lld rows)\n", metric, r.check, r.d.source, (long long)r.d.X->shape[0]);
        printf("saved %s\n", a->out);
    }
    run_free(&r);
    return CLI_OK;
}

const cli_command cli_import_command = {
    "import", "turn a PyTorch state dict (safetensors, .npz) into a primer model", run_import,
    "usage: primer import --model SPEC --weights FILE --out MODEL [input] [options]\n"
    "\n"
    "Build the network SPEC (the layer language below) and fill it with the tensors of\n"
    "FILE: a PyTorch state dict saved with safetensors (save_file(model.state_dict(), F))\n"
    "or numpy.savez(F, **{k: v.numpy() for k, v in sd.items()}). Names and shapes are\n"
    "checked as load_state_dict(strict=True) does: a missing tensor, one of another\n"
    "shape and one the model does not have are errors naming the tensor. primer's\n"
    "names are nn.Sequential's: dense:16,relu,dense:3 is 0.weight, 0.bias, 2.weight,\n"
    "2.bias (see primer inspect MODEL for a model's names).\n"
    "\n"
    "The input, one of:\n"
    "  --features A,B,C    the input columns by name (or their count, --features 4)\n"
    "  --input-shape C,H,W images (or any shape without the batch axis)\n"
    "  --data FILE         a data file (CSV, .npy, .npz) the model reads: its columns,\n"
    "                      text categories and target; the imported model's accuracy or\n"
    "                      R^2 on it is printed as a check\n"
    "  --target COLUMN     --data's target (default: the last column)\n"
    "\n"
    "options:\n"
    "  --task T            classification or regression (default: regression for one\n"
    "                      output, classification for more)\n"
    "  --classes A,B,C     what the outputs stand for, numbers or names (default 0..K-1,\n"
    "                      or --data's labels)\n"
    "  --mean LIST         x' = (x - mean) / scale before the network, one number per\n"
    "  --scale LIST        input or one for all (a StandardScaler's mean_ and scale_)\n"
    "  --standardize       fit the mean and scale on --data instead\n"
    "  --outputs K         append a dense:K head to SPEC\n"
    "  --prefix P          take P off the names that start with it (\"module.\", \"net.\")\n"
    "  --dtype D           float32 or float64 (default: the weights')\n"
    "  --json              print a JSON summary\n"
    "  --quiet             print nothing but errors\n"
    "@READ@\n"
    "\n"
    "layer language:\n"
    "@LAYERS@\n"
    "\n"
    "example (a PyTorch nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 3))):\n"
    "  primer import --model dense:16,relu,dense:3 --weights iris.safetensors \\\n"
    "      --data iris.csv --target species --out iris-model.safetensors\n"};
