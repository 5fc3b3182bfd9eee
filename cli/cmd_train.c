/* primer train: primer's main job. Trains a network on a CSV file or the embedded
 * digits, reports progress and test metrics, saves the model, its loss curve and
 * its log. */
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"

typedef struct train_args {
    const char *data, *target, *images, *labels, *spec, *out, *log, *curve, *checkpoint, *resume;
    const char *task, *loss, *optimizer, *schedule, *init, *dtype, *text, *vocab;
    long long context, stride;
    double test, val, lr, momentum, weight_decay, clip_norm, clip_value, l1, l2;
    long long epochs, batch, patience, seed;
    int json, quiet, no_standardize, no_shuffle, force;
    cli_read_options read;
} train_args;

/* ---- progress ------------------------------------------------------------------------------ */

typedef struct progress {
    int bar;        /* stderr is a terminal: redraw a bar per batch */
    int lines;      /* print a line per epoch on stdout */
    int regression;
    int lm;             /* a language model: perplexity beside the loss */
    const pr_model *m;  /* for the names of its auxiliary loss terms */
    double epoch_start; /* when the epoch's first batch ended */
} progress;

static double seconds_now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* The bar, with the rate (batches per second over this epoch) and the epoch's time left. */
static void on_batch(const pr_batch_report *r, void *user) {
    progress *p = user;
    if (!p->bar) return;
    double now = seconds_now();
    if (r->batch == 1) p->epoch_start = now;
    double rate = r->batch > 1 && now > p->epoch_start ? (double)(r->batch - 1) / (now - p->epoch_start) : 0;
    int width = 24, done = (int)(width * r->batch / r->batches);
    char bar[32], eta[32] = "";
    for (int i = 0; i < width; i++) bar[i] = i < done ? '=' : i == done ? '>' : ' ';
    bar[width] = '\0';
    if (rate > 0) {
        double left = (double)(r->batches - r->batch) / rate;
        snprintf(eta, sizeof eta, " %.0f/s %d:%02d left", rate, (int)(left / 60), (int)left % 60);
    }
    fprintf(stderr, "\repoch %lld/%lld [%s] %lld/%lld loss %.4f%s ", (long long)r->epoch, (long long)r->epochs, bar,
            (long long)r->batch, (long long)r->batches, r->loss, eta);
    fflush(stderr);
}

static int on_epoch(const pr_epoch_report *r, void *user) {
    const progress *p = user;
    if (p->bar) fprintf(stderr, "\r%*s\r", 96, "");
    if (!p->lines) return 0;
    const char *metric = p->regression ? "r2" : "acc";
    printf("epoch %3lld/%lld  loss %.4f  %s %.4f", (long long)r->epoch, (long long)r->epochs, r->train_loss, metric,
           r->train_metric);
    if (p->lm) printf("  ppl %.3f", exp(r->train_loss));
    if (!isnan(r->val_loss)) printf("  val_loss %.4f  val_%s %.4f", r->val_loss, metric, r->val_metric);
    if (p->lm && !isnan(r->val_loss)) printf("  val_ppl %.3f", exp(r->val_loss));
    for (int k = 0; k < r->n_aux; k++) printf("  %s %.4f", pr_model_loss_name(p->m, k), r->aux_train[k]);
    printf("  lr %.3g  %.2fs\n", r->lr, r->seconds);
    fflush(stdout);
    return 0;
}

/* ---- the checkpoint after a failure or an interrupt ------------------------------------------ */

/* What is known of a file at one moment, to tell afterwards whether this run wrote it. */
typedef struct file_stamp {
    int exists;
    struct stat st;
} file_stamp;

static file_stamp stamp_of(const char *path) {
    file_stamp s = {0};
    s.exists = path && stat(path, &s.st) == 0;
    return s;
}

typedef enum { CHECKPOINT_NONE, CHECKPOINT_WRITTEN, CHECKPOINT_RESUMED, CHECKPOINT_EARLIER } checkpoint_origin;

/* Where the --checkpoint file now on disk comes from: this run (it differs from
 * `before`, taken at the start: a save replaces the file, a new inode), the checkpoint
 * this run resumed from (the same file, untouched), or an earlier, unrelated run. */
static checkpoint_origin checkpoint_origin_of(const char *checkpoint, const char *resume, const file_stamp *before) {
    file_stamp now = stamp_of(checkpoint);
    if (!now.exists) return CHECKPOINT_NONE;
    if (!before->exists || now.st.st_ino != before->st.st_ino || now.st.st_dev != before->st.st_dev ||
        now.st.st_mtim.tv_sec != before->st.st_mtim.tv_sec || now.st.st_mtim.tv_nsec != before->st.st_mtim.tv_nsec ||
        now.st.st_size != before->st.st_size)
        return CHECKPOINT_WRITTEN;
    file_stamp r = stamp_of(resume);
    return r.exists && r.st.st_ino == now.st.st_ino && r.st.st_dev == now.st.st_dev ? CHECKPOINT_RESUMED
                                                                                      : CHECKPOINT_EARLIER;
}

/* ---- options ------------------------------------------------------------------------------- */

static int need_value(int argc, char **argv, int *i, const char **out) {
    if (*i + 1 >= argc) return cli_usage_error("train: %s needs a value (see primer train --help)", argv[*i]);
    *out = argv[++*i];
    return CLI_OK;
}

static int parse_args(int argc, char **argv, train_args *a) {
    *a = (train_args){.test = 0.2, .val = 0.1, .epochs = -1, .batch = 32, .patience = 0, .seed = 0, .lr = -1,
                      .momentum = -1, .weight_decay = -1, .context = 64};
    struct {
        const char *name;
        const char **dst;
    } strings[] = {{"--data", &a->data},         {"--target", &a->target},   {"--model", &a->spec},
                   {"--images", &a->images},     {"--labels", &a->labels},
                   {"--out", &a->out},           {"--log", &a->log},         {"--curve", &a->curve},
                   {"--checkpoint", &a->checkpoint}, {"--resume", &a->resume}, {"--task", &a->task},
                   {"--loss", &a->loss},         {"--optimizer", &a->optimizer}, {"--schedule", &a->schedule},
                   {"--init", &a->init},         {"--dtype", &a->dtype},
                   {"--text", &a->text},         {"--vocab", &a->vocab}};
    struct {
        const char *name;
        double *dst, lo, hi;
    } reals[] = {{"--test", &a->test, 0, 0.9},          {"--test-size", &a->test, 0, 0.9}, /* fit's name */
                 {"--val", &a->val, 0, 0.9},
                 {"--lr", &a->lr, 1e-12, 1e6},          {"--momentum", &a->momentum, 0, 0.999999},
                 {"--weight-decay", &a->weight_decay, 0, 1e3}, {"--clip-norm", &a->clip_norm, 0, 1e12},
                 {"--clip-value", &a->clip_value, 0, 1e12}, {"--l1", &a->l1, 0, 1e6},
                 {"--l2", &a->l2, 0, 1e6}};
    struct {
        const char *name;
        long long *dst, lo, hi;
    } ints[] = {{"--epochs", &a->epochs, 1, 1000000},
                {"--batch", &a->batch, 1, 1LL << 31},
                {"--patience", &a->patience, 0, 1000000},
                {"--seed", &a->seed, 0, 9007199254740991LL},
                {"--context", &a->context, 1, 1LL << 20},
                {"--stride", &a->stride, 1, 1LL << 20}};
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *v = NULL;
        int found = 0;
        if (cli_is_help(arg)) {
            cli_print_usage(stdout, cli_train_command.usage);
            return -1;
        }
        int consumed = cli_read_option("train", argc, argv, &i, &a->read);
        if (consumed < 0) return CLI_USAGE;
        found = consumed;
        if (found) continue;
        if (!strcmp(arg, "--json")) a->json = found = 1;
        else if (!strcmp(arg, "--quiet")) a->quiet = found = 1;
        else if (!strcmp(arg, "--no-standardize")) a->no_standardize = found = 1;
        else if (!strcmp(arg, "--no-shuffle")) a->no_shuffle = found = 1;
        else if (!strcmp(arg, "--force")) a->force = found = 1;
        for (size_t k = 0; !found && k < sizeof strings / sizeof strings[0]; k++)
            if (!strcmp(arg, strings[k].name)) {
                if (need_value(argc, argv, &i, strings[k].dst)) return CLI_USAGE;
                found = 1;
            }
        for (size_t k = 0; !found && k < sizeof reals / sizeof reals[0]; k++)
            if (!strcmp(arg, reals[k].name)) {
                if (need_value(argc, argv, &i, &v)) return CLI_USAGE;
                if (!cli_parse_double(v, reals[k].lo, reals[k].hi, reals[k].dst))
                    return cli_usage_error("train: %s needs a number from %g to %g, got '%s'", arg, reals[k].lo,
                                           reals[k].hi, v);
                found = 1;
            }
        for (size_t k = 0; !found && k < sizeof ints / sizeof ints[0]; k++)
            if (!strcmp(arg, ints[k].name)) {
                if (need_value(argc, argv, &i, &v)) return CLI_USAGE;
                if (!cli_parse_int(v, ints[k].lo, ints[k].hi, ints[k].dst))
                    return cli_usage_error("train: %s needs a whole number from %lld to %lld, got '%s'", arg, ints[k].lo,
                                           ints[k].hi, v);
                found = 1;
            }
        if (!found) return cli_usage_error("train: unknown option '%s' (see primer train --help)", arg);
    }
    if (a->task && strcmp(a->task, "classification") && strcmp(a->task, "regression") && strcmp(a->task, "lm") &&
        strcmp(a->task, "autoencoder"))
        return cli_usage_error("train: --task is classification, regression, lm or autoencoder, not '%s'", a->task);
    cli_set_quiet(a->quiet);
    int lm = a->task && !strcmp(a->task, "lm");
    if ((a->text || a->vocab) && !lm) return cli_usage_error("train: --text and --vocab go with --task lm");
    if (lm && (a->data || a->images || a->labels || a->target))
        return cli_usage_error("train: --task lm reads --text FILE (not --data, --images or --target)");
    if (a->vocab && strcmp(a->vocab, "chars") && strcmp(a->vocab, "bytes"))
        return cli_usage_error("train: --vocab is chars or bytes, not '%s'", a->vocab);
    if (a->epochs < 0) a->epochs = lm ? 2 : 20;
    if (a->stride && !lm) return cli_usage_error("train: --stride goes with --task lm");
    if (!a->stride) a->stride = a->context;
    if (a->dtype && strcmp(a->dtype, "float32") && strcmp(a->dtype, "float64"))
        return cli_usage_error("train: --dtype is float32 or float64, not '%s'", a->dtype);
    if (a->l1 > 0 && a->l2 > 0) return cli_usage_error("train: give --l1 or --l2, not both");
    return CLI_OK;
}

/* "<stem>-<suffix>" next to the model file. */
static char *beside(const char *model, const char *suffix) {
    size_t n = strlen(model);
    const char *dot = strrchr(model, '.'), *slash = strrchr(model, '/');
    if (dot && (!slash || dot > slash)) n = (size_t)(dot - model);
    char *s = malloc(n + strlen(suffix) + 2);
    if (s) snprintf(s, n + strlen(suffix) + 2, "%.*s-%s", (int)n, model, suffix);
    return s;
}

/* ---- Ctrl-C ----------------------------------------------------------------------------------- */

/* The first SIGINT asks the trainer to stop after its batch (the model and the
 * figures are then saved as usual); the handler then steps aside, so a second one
 * ends the process at once. Every file is written atomically, so neither damages
 * what was saved. */
static volatile sig_atomic_t interrupted;

static void on_interrupt(int sig) {
    (void)sig;
    interrupted = 1;
    static const char msg[] = "\nprimer: stopping after this batch (Ctrl-C again to stop at once)\n";
    ssize_t ignored = write(STDERR_FILENO, msg, sizeof msg - 1);
    (void)ignored;
    signal(SIGINT, SIG_DFL);
}

/* ---- the run ---------------------------------------------------------------------------------- */

/* A regression target of large or small values trains as (y - mean) / std: the last
 * layer, a dense one with a single output, then takes the scale back into its weight
 * and bias, so that the saved model predicts in the target's own units (and loads in
 * PyTorch as it is). 0 when the model does not end so (the target stays as it is). */
typedef struct target_scale {
    int on;
    double mean, std;
    char weight[64], bias[64];
} target_scale;

static int scale_target(pr_model *m, pr_tensor *y, target_scale *ts) {
    memset(ts, 0, sizeof *ts);
    int64_t n = pr_model_tensor_count(m);
    if (n < 2 || !y || y->size < 2 || pr_model_output_size(m) != 1) return CLI_OK;
    const char *w = pr_model_tensor_name(m, n - 2), *b = pr_model_tensor_name(m, n - 1);
    size_t lw = strlen(w), lb = strlen(b);
    if (lw < 7 || strcmp(w + lw - 7, ".weight") || lb < 5 || strcmp(b + lb - 5, ".bias") || lw >= sizeof ts->weight ||
        lb >= sizeof ts->bias || strncmp(w, b, lw - 7))
        return CLI_OK;
    pr_tensor bias;
    if (pr_model_tensor(m, b, &bias) || bias.size != 1) return CLI_OK;
    double s = 0, ss = 0;
    for (int64_t i = 0; i < y->size; i++) s += pr_tensor_get(y, i);
    ts->mean = s / (double)y->size;
    for (int64_t i = 0; i < y->size; i++) ss += (pr_tensor_get(y, i) - ts->mean) * (pr_tensor_get(y, i) - ts->mean);
    ts->std = sqrt(ss / (double)y->size);
    if (!(ts->std > 0) || !isfinite(ts->std)) return CLI_OK;
    for (int64_t i = 0; i < y->size; i++) pr_tensor_set(y, i, (pr_tensor_get(y, i) - ts->mean) / ts->std);
    snprintf(ts->weight, sizeof ts->weight, "%s", w);
    snprintf(ts->bias, sizeof ts->bias, "%s", b);
    ts->on = 1;
    return CLI_OK;
}

/* weight *= std, bias = bias * std + mean: the outputs in the target's units. */
static int unscale_target(pr_model *m, const target_scale *ts) {
    if (!ts->on) return CLI_OK;
    pr_tensor view, *w = NULL, *b = NULL;
    pr_status st = pr_model_tensor(m, ts->weight, &view);
    if (!st) st = pr_tensor_cast(&view, PR_F64, &w);
    if (!st) st = pr_model_tensor(m, ts->bias, &view);
    if (!st) st = pr_tensor_cast(&view, PR_F64, &b);
    for (int64_t i = 0; !st && i < w->size; i++) pr_tensor_f64(w)[i] *= ts->std;
    if (!st) pr_tensor_f64(b)[0] = pr_tensor_f64(b)[0] * ts->std + ts->mean;
    if (!st) st = pr_model_set_tensor(m, ts->weight, w);
    if (!st) st = pr_model_set_tensor(m, ts->bias, b);
    pr_tensor_free(w);
    pr_tensor_free(b);
    return st ? cli_library_error("model") : CLI_OK;
}

typedef struct run {
    train_args a;
    cli_dataset d;
    pr_tensor *classes, *X_train, *y_train, *X_test, *y_test, *mean, *scale, *X_val, *y_val;
    pr_vocab *vocab;            /* --task lm */
    char *text_source;
    pr_model *m;
    pr_train_history *h;
    char *log, *curve;
    char described[128];    /* "1797 rows x 64 features", before the split */
    int64_t rows;
    int classify, lm, ae, ae_bce; /* ae_bce: a sigmoid output, trained with BCE */
    double test_loss, test_metric;
} run;

static void run_free(run *r) {
    cli_dataset_free(&r->d);
    pr_tensor_free(r->classes);
    pr_tensor_free(r->X_train);
    pr_tensor_free(r->y_train);
    pr_tensor_free(r->X_test);
    pr_tensor_free(r->y_test);
    pr_tensor_free(r->mean);
    pr_tensor_free(r->scale);
    pr_tensor_free(r->X_val);
    pr_tensor_free(r->y_val);
    pr_vocab_free(r->vocab);
    free(r->text_source);
    pr_model_free(r->m);
    pr_train_history_free(r->h);
    free(r->log);
    free(r->curve);
}

/* The settings and final metrics, kept in the model file as metadata "training" (JSON)
 * for primer inspect. */
static int record_training(const run *r, const pr_train_options *o) {
    const pr_train_history *h = r->h;
    const char *metric = r->classify ? "accuracy" : "r2";
    char json[1024];
    int n = snprintf(json, sizeof json,
                     "{\"epochs\": %lld, \"batch\": %lld, \"optimizer\": \"%s\", \"lr\": %.6g, \"loss\": \"%s\", "
                     "\"seed\": %lld, \"train_rows\": %lld",
                     (long long)h->epochs, (long long)o->batch_size, pr_optimizer_name(o->optimizer.kind), o->optimizer.lr,
                     o->loss.kind ? pr_loss_name(o->loss.kind) : "auto", (long long)o->seed, (long long)h->train_rows);
    if (h->epochs > 0)
        n += snprintf(json + n, sizeof json - (size_t)n, ", \"train_loss\": %.6g, \"train_%s\": %.6g", h->train_loss[h->epochs - 1],
                      metric, h->train_metric[h->epochs - 1]);
    if (h->epochs > 0 && h->has_val)
        n += snprintf(json + n, sizeof json - (size_t)n, ", \"val_loss\": %.6g", h->val_loss[h->epochs - 1]);
    if (r->X_test && !h->interrupted)
        n += snprintf(json + n, sizeof json - (size_t)n, ", \"test_rows\": %lld, \"test_loss\": %.6g, \"test_%s\": %.6g",
                      (long long)r->X_test->shape[0], r->test_loss, metric, r->test_metric);
    if (h->interrupted) n += snprintf(json + n, sizeof json - (size_t)n, ", \"interrupted\": true");
    snprintf(json + n, sizeof json - (size_t)n, "}");
    return pr_model_set_metadata(r->m, "training", json) ? cli_library_error("model") : CLI_OK;
}

static int split_data(run *r) {
    train_args *a = &r->a;
    r->rows = r->d.X->shape[0] + (r->d.X_test ? r->d.X_test->shape[0] : 0);
    cli_dataset_describe(r->d.X, r->d.images, r->described, sizeof r->described);
    if (r->d.X->shape[0] < 2) {
        fprintf(stderr, "primer: error: %s has %lld row; training needs at least 2\n", r->d.source,
                (long long)r->d.X->shape[0]);
        return CLI_FAILURE;
    }
    if (r->ae && !r->d.y) { /* no labels: a column of zeros keeps the split's rows together */
        if (pr_tensor_zeros(&r->d.y, PR_F64, PR_SHAPE(r->d.X->shape[0]))) return cli_library_error("data");
        if (r->d.X_test && pr_tensor_zeros(&r->d.y_test, PR_F64, PR_SHAPE(r->d.X_test->shape[0])))
            return cli_library_error("data");
    }
    r->classify = 0;
    if (!r->ae && cli_decide_task(&r->d, a->task, &r->classify)) return CLI_FAILURE;
    if (r->classify && pr_data_encode_labels(r->d.y, 0, NULL, &r->classes)) return cli_library_error("target");
    if (r->classify && r->classes->size < 2) {
        fprintf(stderr, "primer: error: the target '%s' has a single class (%g); classification needs two or more\n",
                r->d.target, pr_tensor_get(r->classes, 0));
        return CLI_FAILURE;
    }
    if (r->d.X_test) { /* the data set's own test part */
        r->X_train = r->d.X;
        r->y_train = r->d.y;
        r->X_test = r->d.X_test;
        r->y_test = r->d.y_test;
        r->d.X = r->d.y = r->d.X_test = r->d.y_test = NULL;
    } else if (a->test > 0) {
        pr_rng rng;
        pr_rng_seed(&rng, (uint64_t)a->seed);
        int stratify = r->classify || (r->ae && pr_data_is_integral(r->d.y)); /* labels kept for colouring */
        pr_status st = pr_data_split(r->d.X, r->d.y, a->test, stratify, &rng, &r->X_train, &r->y_train, &r->X_test,
                                     &r->y_test);
        if (st == PR_ERR_SHAPE && stratify) /* too few rows per class to stratify: a plain split */
            st = pr_data_split(r->d.X, r->d.y, a->test, 0, &rng, &r->X_train, &r->y_train, &r->X_test, &r->y_test);
        if (st) return cli_library_error("test split");
    } else if (pr_tensor_copy(r->d.X, &r->X_train) || pr_tensor_copy(r->d.y, &r->y_train)) {
        return cli_library_error("data");
    }
    return CLI_OK;
}

/* ids[start .. stop) as a view (no copy). */
static pr_tensor id_range(const pr_tensor *ids, int64_t start, int64_t stop) {
    pr_tensor v = *ids;
    v.data = pr_tensor_f64(ids) + start;
    v.size = v.shape[0] = stop - start;
    return v;
}

/* --task lm: the text as token ids, the vocabulary, and next-token windows of the
 * context: the first 1 - val of the text for training, the rest held out. */
static int load_text(run *r) {
    train_args *a = &r->a;
    char *text = NULL;
    size_t len = 0;
    if (cli_text_load(a->text, &text, &len, &r->text_source)) return CLI_FAILURE;
    pr_tensor *ids = NULL;
    int rc = CLI_OK;
    if (pr_vocab_build(text, len, a->vocab && !strcmp(a->vocab, "bytes") ? PR_VOCAB_BYTES : PR_VOCAB_CHARS, &r->vocab) ||
        pr_vocab_encode(r->vocab, text, len, &ids))
        rc = cli_library_error(r->text_source);
    free(text);
    int64_t n = ids ? ids->size : 0, T = a->context, S = a->stride, n_val = (int64_t)((double)n * a->val);
    if (!rc && pr_vocab_size(r->vocab) < 2) {
        fprintf(stderr, "primer: error: %s holds a single distinct token; a language model needs two or more\n",
                r->text_source);
        rc = CLI_FAILURE;
    }
    if (!rc && n_val > 0 && n_val < T + 1) n_val = 0; /* too short to hold out a window */
    pr_tensor part;
    if (!rc && (part = id_range(ids, 0, n - n_val), pr_text_windows(&part, T, S, &r->X_train, &r->y_train)))
        rc = cli_library_error(r->text_source);
    if (!rc && n_val && (part = id_range(ids, n - n_val, n), pr_text_windows(&part, T, T, &r->X_val, &r->y_val)))
        rc = cli_library_error(r->text_source);
    if (!rc) {
        snprintf(r->described, sizeof r->described, "%lld tokens, vocabulary %lld (%s), %lld + %lld windows of %lld",
                 (long long)n, (long long)pr_vocab_size(r->vocab), a->vocab ? a->vocab : "chars",
                 (long long)r->X_train->shape[0], r->X_val ? (long long)r->X_val->shape[0] : 0LL, (long long)T);
        if (S != T) snprintf(r->described + strlen(r->described), sizeof r->described - strlen(r->described),
                             " (every %lld)", (long long)S);
        r->rows = r->X_train->shape[0];
        r->classify = 1;
        if (pr_tensor_zeros(&r->classes, PR_F64, 1, (int64_t[]){pr_vocab_size(r->vocab)})) rc = cli_library_error("lm");
        for (int64_t k = 0; !rc && k < r->classes->size; k++) pr_tensor_set(r->classes, k, (double)k);
    }
    pr_tensor_free(ids);
    return rc;
}

static int build_model(run *r) {
    train_args *a = &r->a;
    pr_model_options mo = PR_MODEL_DEFAULTS;
    mo.seed = (uint64_t)a->seed;
    mo.outputs = r->ae ? 0 : r->classify ? r->classes->size : 1;
    mo.dtype = a->dtype && !strcmp(a->dtype, "float64") ? PR_F64 : PR_F32;
    if (a->init && pr_init_parse(a->init, &mo.init)) return cli_option_error("--init");
    /* the model takes what one row of the data is: features, or an image (C, H, W) */
    const pr_tensor *X = r->X_train;
    const char *spec = a->spec ? a->spec : r->lm ? "gpt" : r->ae ? "autoencoder" : r->d.default_spec ? r->d.default_spec : "mlp";
    if (!a->spec && r->d.images && !r->ae) /* LeNet-5 for the sizes it was made for, else the small CNN */
        spec = X->ndim == 4 && X->shape[1] == 1 && (X->shape[2] == 28 || X->shape[2] == 32) && X->shape[2] == X->shape[3]
                   ? "lenet5"
                   : "cnn";
    if (pr_model_new(&r->m, spec, X->ndim - 1, X->shape + 1, &mo))
        return strstr(pr_last_error(), "model spec:") ? cli_option_error("--model") : cli_library_error("--model");
    if (r->classify ? pr_model_set_task(r->m, PR_TASK_CLASSIFICATION, pr_tensor_f64(r->classes), r->classes->size)
                    : pr_model_set_task(r->m, r->ae ? PR_TASK_NONE : PR_TASK_REGRESSION, NULL, 0))
        return cli_library_error("model");
    if (pr_model_set_columns(r->m, (const char *const *)r->d.features, r->d.n_features, r->ae ? NULL : r->d.target))
        return cli_library_error("model");
    if (r->d.enc) { /* how the file's columns became the features (and the class names) */
        char *json = NULL;
        pr_status st = pr_encoding_to_json(r->d.enc, &json);
        if (!st) st = pr_model_set_metadata(r->m, CLI_META_COLUMNS, json);
        free(json);
        if (st) return cli_library_error("model");
    }
    if (r->ae) return cli_autoencoder_setup(r->m, r->X_train, r->d.images || r->a.no_standardize, &r->mean, &r->scale, &r->ae_bce);
    if (r->lm) {
        int64_t shape[PR_MAX_DIMS];
        int nd = pr_model_output_shape(r->m, shape);
        if (nd != 2 || shape[0] != a->context) {
            fprintf(stderr, "primer: error: --task lm needs a model that gives next-token logits at each of the %lld "
                            "positions (%s gives %s); use gpt, lstm-lm or layers that keep the time axis\n",
                    a->context, pr_model_spec(r->m), nd == 1 ? "one row per sequence" : "another shape");
            return CLI_FAILURE;
        }
        if (pr_model_set_targets(r->m, PR_TARGET_POSITIONS, PR_NO_IGNORE) || pr_model_set_vocab(r->m, r->vocab))
            return cli_library_error("model");
        return CLI_OK;
    }
    /* pixels come scaled to [0, 1]; token ids must stay ids */
    if (!a->no_standardize && !r->d.images && !r->d.sequences && strncmp(pr_model_spec(r->m), "embedding:", 10)) {
        if (pr_data_standardize_fit(r->X_train, &r->mean, &r->scale) ||
            pr_model_set_standardization(r->m, r->mean, r->scale))
            return cli_library_error("standardizing");
    }
    return CLI_OK;
}

static int configure(run *r, pr_train_options *o, progress *p) {
    train_args *a = &r->a;
    *o = PR_TRAIN_DEFAULTS;
    o->epochs = a->epochs;
    o->batch_size = a->batch;
    o->seed = (uint64_t)a->seed;
    o->threads = cli_threads();
    pr_model_set_threads(r->m, cli_threads()); /* the test set's evaluation too */
    o->distributed = cli_distributed();
    o->val_fraction = r->lm ? 0 : a->val; /* a language model holds out the end of its text */
    o->X_val = r->X_val;
    o->y_val = r->y_val;
    o->no_shuffle = a->no_shuffle;
    o->patience = a->patience;
    o->clip_norm = a->clip_norm;
    o->clip_value = a->clip_value;
    o->checkpoint = a->checkpoint;
    o->resume = a->resume;
    o->force_resume = a->force;
    o->log = r->log;
    o->on_batch = on_batch;
    o->on_epoch = on_epoch;
    o->user = p;
    if (a->optimizer && pr_optimizer_parse(a->optimizer, &o->optimizer)) return cli_option_error("--optimizer");
    if (a->lr > 0) o->optimizer.lr = a->lr;
    if (a->momentum >= 0) {
        if (o->optimizer.kind != PR_OPT_MOMENTUM && o->optimizer.kind != PR_OPT_NESTEROV)
            return cli_usage_error("train: --momentum applies to --optimizer momentum or nesterov");
        o->optimizer.momentum = a->momentum;
    }
    if (a->weight_decay >= 0) o->optimizer.weight_decay = a->weight_decay;
    if (a->schedule && pr_schedule_parse(a->schedule, &o->schedule)) return cli_option_error("--schedule");
    if (r->ae && !a->loss) o->loss = pr_loss_defaults(r->ae_bce ? PR_LOSS_BCE : PR_LOSS_MSE);
    if (a->loss && pr_loss_parse(a->loss, &o->loss)) return cli_option_error("--loss");
    if (a->l1 > 0) {
        o->penalty = PR_PENALTY_L1;
        o->penalty_lambda = a->l1;
    } else if (a->l2 > 0) {
        o->penalty = PR_PENALTY_L2;
        o->penalty_lambda = a->l2;
    }
    return CLI_OK;
}

static void print_json(const run *r) {
    const train_args *a = &r->a;
    const pr_train_history *h = r->h;
    const char *metric = r->classify ? "accuracy" : "r2";
    printf("{\"data\": ");
    cli_json_string(stdout, r->lm ? r->text_source : r->d.source);
    printf(", \"task\": \"%s\", \"rows\": %lld, \"features\": %lld",
           r->lm ? "lm" : r->ae ? "autoencoder" : r->classify ? "classification" : "regression",
           (long long)r->rows, (long long)pr_model_input_size(r->m));
    if (r->classify) printf(", \"classes\": %lld", (long long)r->classes->size);
    printf(", \"train_rows\": %lld, \"val_rows\": %lld, \"test_rows\": %lld", (long long)h->train_rows,
           (long long)h->val_rows, (long long)(r->X_test ? r->X_test->shape[0] : 0));
    printf(", \"model\": ");
    cli_json_string(stdout, pr_model_spec(r->m));
    printf(", \"parameters\": %lld, \"epochs\": %lld, \"best_epoch\": %lld, \"stopped_early\": %s, \"seconds\": %.6g",
           (long long)pr_model_param_count(r->m), (long long)h->epochs, (long long)h->best_epoch,
           h->stopped_early ? "true" : "false", h->total_seconds);
    if (cli_world_size() > 1)
        printf(", \"processes\": %d, \"allreduce_ms_per_step\": %.6g", cli_world_size(),
               h->allreduces > 0 ? 1e3 * h->allreduce_seconds / (double)h->allreduces : 0.0);
    if (r->X_test) printf(", \"test\": {\"loss\": %.17g, \"%s\": %.17g}", r->test_loss, metric, r->test_metric);
    else printf(", \"test\": null");
    printf(", \"out\": ");
    cli_json_string(stdout, a->out ? a->out : "model.safetensors");
    printf(", \"curve\": ");
    cli_json_string(stdout, r->curve);
    printf(", \"log\": ");
    cli_json_string(stdout, r->log);
    printf(", \"history\": [");
    for (int64_t e = 0; e < h->epochs; e++) {
        printf("%s{\"epoch\": %lld, \"loss\": %.17g, \"%s\": %.17g", e ? ", " : "", (long long)e + 1, h->train_loss[e],
               metric, h->train_metric[e]);
        if (h->has_val) printf(", \"val_loss\": %.17g, \"val_%s\": %.17g", h->val_loss[e], metric, h->val_metric[e]);
        if (r->lm) printf(", \"perplexity\": %.17g", exp(h->train_loss[e]));
        if (r->lm && h->has_val) printf(", \"val_perplexity\": %.17g", exp(h->val_loss[e]));
        for (int k = 0; k < h->n_aux; k++) printf(", \"%s\": %.17g", h->aux_names[k], h->aux_train[k][e]);
        printf(", \"lr\": %.17g}", h->lr[e]);
    }
    printf("]}\n");
}

static int run_train(int argc, char **argv) {
    run r = {0};
    int rc = parse_args(argc, argv, &r.a);
    if (rc) return rc < 0 ? CLI_OK : rc;
    train_args *a = &r.a;
    const char *out = a->out ? a->out : "model.safetensors";
    r.log = a->log ? strdup(a->log) : beside(out, "log.csv");
    r.curve = a->curve ? strdup(a->curve) : beside(out, "loss.svg");
    if (!r.log || !r.curve) return cli_usage_error("out of memory");
    const cli_file written[] = {{"--out", out}, {"--log", r.log}, {"--curve", r.curve}, {"--checkpoint", a->checkpoint}};
    const cli_file read[] = {{"--data", a->data}, {"--images", a->images}, {"--labels", a->labels}, {"--text", a->text}};
    if ((rc = cli_check_files("train", written, 4, read, 4))) {
        run_free(&r);
        return rc;
    }
    const char *outputs[4] = {out, r.log, r.curve, a->checkpoint};
    for (int k = 0; k < 4; k++)
        if (outputs[k] && cli_make_parent_dirs(outputs[k])) {
            fprintf(stderr, "primer: error: cannot create the directory for %s\n", outputs[k]);
            run_free(&r);
            return CLI_FAILURE;
        }
    cli_source src = {.data = a->data, .target = a->target, .images = a->images, .labels = a->labels,
                      .part = CLI_PART_TRAIN, .read = &a->read};
    r.lm = a->task && !strcmp(a->task, "lm");
    r.ae = a->task && !strcmp(a->task, "autoencoder");
    /* an autoencoder needs no target: labels come along only when named or built in */
    int need_target = !r.ae || a->target || cli_is_digits(a->data) || (a->data && !strcmp(a->data, CLI_FASHION_MNIST)) ||
                      a->labels;
    if ((rc = r.lm ? load_text(&r) : cli_dataset_load(&src, NULL, need_target, &r.d)) || (!r.lm && (rc = split_data(&r))) ||
        (rc = build_model(&r))) {
        run_free(&r);
        return rc;
    }
    progress p = {.bar = !a->quiet && !a->json && isatty(STDERR_FILENO), .lines = !a->quiet && !a->json,
                  .regression = !r.classify, .lm = r.lm, .m = r.m};
    pr_train_options o;
    if ((rc = configure(&r, &o, &p))) {
        run_free(&r);
        return rc;
    }
    if (p.lines) {
        printf("data: %s, %s", r.lm ? r.text_source : r.d.source, r.described);
        if (r.lm) printf(", next-token prediction\n");
        else if (r.ae)
            printf(", autoencoder: the outputs rebuild the inputs (%s loss%s)\n", pr_loss_name(o.loss.kind),
                   pr_model_code_size(r.m) ? "" : "; no code or vae layer marks a bottleneck");
        else if (r.classify) printf(", %lld classes (target '%s')\n", (long long)r.classes->size, r.d.target);
        else printf(", regression (target '%s')\n", r.d.target);
        printf("model: %s, %lld parameters\n", pr_model_spec(r.m), (long long)pr_model_param_count(r.m));
        pr_optimizer_config oc = o.optimizer;
        printf("training: %s, batch %lld, %lld epochs, %s%s\n", pr_optimizer_name(oc.kind), a->batch, a->epochs,
               r.lm || r.d.sequences || !strncmp(pr_model_spec(r.m), "embedding:", 10) ? "sequences as they are"
               : r.d.images                                                              ? "pixels scaled to [0, 1]"
               : r.ae && !a->no_standardize                                              ? "columns scaled to [0, 1]"
                                   : a->no_standardize ? "raw features" : "standardized features",
               a->patience ? ", early stopping" : "");
        fflush(stdout);
    }
    target_scale ts = {0};
    if (!r.classify && !r.ae && !r.lm && !r.d.sequences && !a->no_standardize && (rc = scale_target(r.m, r.y_train, &ts))) {
        run_free(&r);
        return rc;
    }
    if (ts.on && p.lines) printf("target: standardized for training (mean %.6g, std %.6g); the model predicts in its units\n", ts.mean, ts.std);
    if (cli_world_size() == 1) { /* under mpirun, mpirun's own handling stops every process */
        interrupted = 0;
        o.interrupt = &interrupted;
        signal(SIGINT, on_interrupt);
    }
    file_stamp checkpoint_before = stamp_of(a->checkpoint);
    pr_status trained = pr_train(r.m, r.X_train, r.y_train, &o, &r.h);
    signal(SIGINT, SIG_DFL);
    checkpoint_origin origin = checkpoint_origin_of(a->checkpoint, a->resume, &checkpoint_before);
    if (trained) {
        if (p.bar) fprintf(stderr, "\n");
        rc = cli_library_error("train");
        if (origin == CHECKPOINT_WRITTEN)
            fprintf(stderr, "primer: the last checkpoint of this run is kept in %s (--resume %s continues from it)\n",
                    a->checkpoint, a->checkpoint);
        else if (origin == CHECKPOINT_RESUMED)
            fprintf(stderr, "primer: the checkpoint %s this run resumed from is unchanged\n", a->checkpoint);
        else if (origin == CHECKPOINT_EARLIER)
            fprintf(stderr, "primer: this run wrote no checkpoint; %s is from an earlier run\n", a->checkpoint);
        run_free(&r);
        return rc;
    }
    if ((rc = unscale_target(r.m, &ts))) {
        run_free(&r);
        return rc;
    }
    if (r.X_test && !r.h->interrupted && pr_evaluate(r.m, r.X_test, r.y_test, &o.loss, &r.test_loss, &r.test_metric)) {
        run_free(&r);
        return cli_library_error("test");
    }
    if (cli_rank() > 0) { /* rank 0 writes the model and the figures */
        run_free(&r);
        return CLI_OK;
    }
    if ((rc = record_training(&r, &o))) {
        run_free(&r);
        return rc;
    }
    if (pr_model_save(r.m, out)) {
        run_free(&r);
        return cli_library_error("saving the model");
    }
    if (r.h->epochs > 0 && pr_train_plot_history(r.h, r.curve, "Training loss")) {
        run_free(&r);
        return cli_library_error("saving the loss curve");
    }
    if (r.h->interrupted) {
        if (p.bar) fprintf(stderr, "\n");
        fprintf(stderr, "primer: interrupted in epoch %lld after %lld batches: saved the model (as of that step) to %s",
                (long long)r.h->epochs + 1, (long long)r.h->interrupted_batches, out);
        if (origin == CHECKPOINT_WRITTEN || origin == CHECKPOINT_RESUMED)
            fprintf(stderr, "; the checkpoint of epoch %lld is %s (--resume %s continues from it)", (long long)r.h->epochs,
                    a->checkpoint, a->checkpoint);
        else if (origin == CHECKPOINT_EARLIER)
            fprintf(stderr, "; this run wrote no checkpoint (%s is from an earlier run)", a->checkpoint);
        fprintf(stderr, "\n");
        if (a->json) print_json(&r);
        run_free(&r);
        return CLI_INTERRUPTED;
    }
    if (a->json) {
        print_json(&r);
    } else if (!a->quiet) {
        const pr_train_history *h = r.h;
        if (h->stopped_early)
            printf("stopped early after epoch %lld (no improvement for %lld epochs)\n", (long long)h->epochs, a->patience);
        if (h->restored_best) printf("restored the weights of epoch %lld (best %s loss %.4f)\n", (long long)h->best_epoch,
                                     h->has_val ? "validation" : "training", h->best_loss);
        printf("trained %lld rows in %.2fs (%.0f samples/s)\n", (long long)h->train_rows, h->total_seconds,
               (double)h->train_rows * (double)h->epochs / (h->total_seconds > 0 ? h->total_seconds : 1));
        if (cli_world_size() > 1 && h->allreduces > 0)
            printf("all-reduce of the gradients: %.3f ms per step, %.0f%% of the time (%d processes)\n",
                   1e3 * h->allreduce_seconds / (double)h->allreduces,
                   100 * h->allreduce_seconds / (h->total_seconds > 0 ? h->total_seconds : 1), cli_world_size());
        if (r.X_test)
            printf("test %s: %.4f (test loss %.4f, %lld rows)\n", r.classify ? "accuracy" : "R^2", r.test_metric,
                   r.test_loss, (long long)r.X_test->shape[0]);
        if (r.ae && pr_model_code_size(r.m))
            printf("bottleneck: %d values per row (primer encode --model %s writes them%s)\n", pr_model_code_size(r.m),
                   out, pr_model_loss_count(r.m) ? "; primer sample draws new rows" : "");
        if (r.lm && h->has_val)
            printf("validation perplexity: %.3f (loss %.4f nats per token)\n", exp(h->val_loss[h->epochs - 1]),
                   h->val_loss[h->epochs - 1]);
        if (r.lm) cli_print_sample(r.m, r.X_train, 80, (uint64_t)a->seed);
        printf("saved model: %s\nsaved loss curve: %s\nsaved log: %s\n", out, r.curve, r.log);
    }
    run_free(&r);
    return CLI_OK;
}

const cli_command cli_train_command = {
    "train", "train a neural network (default: an MLP on the embedded digits)", run_train,
    "usage: primer train [--data FILE.csv --target COLUMN | --data fashion-mnist |\n"
    "                     --images FILE --labels FILE | --task lm --text FILE]\n"
    "                     [--model SPEC] [options]\n"
    "\n"
    "Train a network, report each epoch, test it on held-out rows and save the model\n"
    "(safetensors, loadable by PyTorch), its loss curve (SVG) and a per-epoch log.\n"
    "With no options: an MLP (64-128-64-10) on the embedded handwritten digits,\n"
    "20 epochs of Adam (lr 0.001, batch 32), 20% of the rows held out for the test.\n"
    "\n"
    "data:\n"
    "  --data FILE.csv     a CSV file with a header row (default: the embedded digits)\n"
    "  --target COLUMN     the column to predict (default: the last)\n"
    "  --data fashion-mnist  Fashion-MNIST's 60,000 training images (28x28, 10 kinds of\n"
    "                      clothing; Debian's dataset-fashion-mnist), tested on its\n"
    "                      own 10,000 test images\n"
    "  --images FILE       images in IDX format (MNIST's; .gz read as such), with\n"
    "  --labels FILE       their labels; pixels are scaled to [0, 1]\n"
    "  --task T            classification, regression (default: decided and printed, as\n"
    "                      the README says), lm, or autoencoder (see primer encode)\n"
    "@READ@\n"
    "  --text FILE         lm: the text (default fortunes, Debian's quotations); with\n"
    "                      --vocab chars|bytes, --context T (64), --stride S (T); see\n"
    "                      primer generate samples from the model\n"
    "  --test F            fraction held out for the final test (default 0.2; 0: none;\n"
    "                      a data set with its own test part uses that)\n"
    "  --val F             fraction of the rest used for validation (default 0.1; 0: none)\n"
    "  --no-standardize    raw features (default: standardized by the training rows'\n"
    "                      mean and std, kept in the model)\n"
    "\n"
    "model:\n"
    "  --model SPEC        a named model (default mlp; for images lenet5 at 1x28x28 and\n"
    "                      1x32x32, else cnn) or layers separated by commas,\n"
    "                      e.g. dense:64,relu,dropout:0.2,dense:32,relu; the output layer\n"
    "                      (one unit per class, or one value) is added. `primer layers`\n"
    "                      shows each layer's arguments and PyTorch module:\n"
    "@LAYERS@\n"
    "  --init RULE         auto (He before ReLU, else Xavier), xavier_normal,\n"
    "                      xavier_uniform, he_normal, he_uniform\n"
    "  --dtype T           float32 (default) or float64\n"
    "\n"
    "training:\n"
    "  --epochs N          (default 20)          --batch N        (default 32)\n"
    "  --optimizer NAME    sgd, momentum[:B], nesterov[:B], adam (default), adamw,\n"
    "                      rmsprop, adagrad\n"
    "  --lr X              learning rate (default 0.001 for adam/adamw, else 0.01)\n"
    "  --momentum B        momentum beta (default 0.9)\n"
    "  --weight-decay X    L2 decay in the optimizer (decoupled for adamw)\n"
    "  --schedule S        constant, step:K[:G], exp:G, cosine[:MIN], warmup:W[:linear|\n"
    "                      cosine], plateau[:P[:G]], cyclic[:LO[:HALF]] (times in epochs)\n"
    "  --loss L            classification: cross_entropy; regression: mse (default),\n"
    "                      mae, huber[:DELTA]\n"
    "  --l1 X | --l2 X     penalty on the weight matrices (lambda |w|_1 or lambda |w|^2)\n"
    "  --clip-norm X       clip the global gradient norm; --clip-value X each element\n"
    "  --patience N        stop after N epochs without a better validation loss and\n"
    "                      restore the best weights\n"
    "  --seed N            splits, initialization, shuffling and dropout (default 0)\n"
    "  --no-shuffle        visit the training rows in order\n"
    "\n"
    "output:\n"
    "  --out FILE          the model (default model.safetensors)\n"
    "  --log FILE          per-epoch log, .csv or .jsonl (default <out>-log.csv)\n"
    "  --curve FILE        loss curve SVG (default <out>-loss.svg)\n"
    "  --checkpoint FILE   save the full training state after every epoch\n"
    "  --resume FILE       continue from a checkpoint (same options and data; --force:\n"
    "                      other data of the same shape)\n"
    "  --json              results and per-epoch history as JSON\n"
    "  --quiet             no progress output\n"
    "\n"
    "Files are replaced atomically; a diverging loss stops training (checkpoint kept).\n"};
