/* The embeddings and codes that primer reduce and primer encode write: a CSV of the
 * columns with the target kept, and a map of the first two coloured by class. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

/* ---- the picture: the first two columns, coloured by class (a target of at most
 * 20 distinct whole numbers) or by value ---- */

int cli_draw_map(const char *path, const pr_tensor *E, const pr_tensor *y, const char *target, const char *title,
                    const char *xlabel, const char *ylabel) {
    int64_t n = E->shape[0], d = E->shape[1];
    double *px = malloc((size_t)n * sizeof *px), *py = malloc((size_t)n * sizeof *py);
    int *cls = malloc((size_t)n * sizeof *cls);
    double classes[20];
    int K = 0, by_class = y != NULL;
    pr_figure *fig = NULL;
    pr_status st = px && py && cls ? PR_OK : PR_ERR_NOMEM;
    for (int64_t i = 0; !st && i < n; i++) {
        px[i] = pr_tensor_get(E, i * d);
        py[i] = d > 1 ? pr_tensor_get(E, i * d + 1) : 0;
        if (!by_class) continue;
        double v = pr_tensor_get(y, i);
        int k = 0;
        while (k < K && classes[k] != v) k++;
        if (k == K) {
            if (K == 20 || v != floor(v)) by_class = 0;
            else classes[K++] = v;
        }
    }
    if (!st && by_class) { /* classes in increasing order */
        for (int a = 1; a < K; a++)
            for (int b = a; b > 0 && classes[b - 1] > classes[b]; b--) {
                double t = classes[b];
                classes[b] = classes[b - 1];
                classes[b - 1] = t;
            }
        for (int64_t i = 0; i < n; i++) {
            int k = 0;
            while (classes[k] != pr_tensor_get(y, i)) k++;
            cls[i] = k;
        }
    }
    if (!st) st = pr_figure_new(&fig, 1, 1, 800, 700);
    pr_axes *ax = st ? NULL : pr_figure_axes(fig, 0, 0);
    char names[20][32];
    const char *name_ptr[20];
    for (int k = 0; k < K; k++) {
        snprintf(names[k], sizeof names[k], "%g", classes[k]);
        name_ptr[k] = names[k];
    }
    pr_style dot = {.marker_size = n > 5000 ? 2 : 5, .alpha = n > 5000 ? 0.5 : 0.8};
    if (!st && by_class) st = pr_axes_scatter_classes(ax, px, py, cls, n, name_ptr, K, &dot);
    else if (!st && y) {
        double *v = malloc((size_t)n * sizeof *v);
        for (int64_t i = 0; v && i < n; i++) v[i] = pr_tensor_get(y, i);
        st = v ? pr_axes_scatter_values(ax, px, py, v, n, PR_CMAP_VIRIDIS, 0, 0, &dot) : PR_ERR_NOMEM;
        if (!st) st = pr_axes_colorbar(ax, target, 0.8);
        free(v);
    } else if (!st) {
        st = pr_axes_scatter(ax, px, py, n, &dot);
    }
    if (!st) {
        pr_axes_set_title(ax, title);
        pr_axes_set_xlabel(ax, xlabel);
        pr_axes_set_ylabel(ax, ylabel);
        if (by_class) pr_axes_set_legend(ax, PR_LEGEND_BEST);
        st = pr_figure_save_svg(fig, path);
    }
    pr_figure_free(fig);
    free(px);
    free(py);
    free(cls);
    if (st) return cli_library_error("drawing the map");
    return CLI_OK;
}

/* ---- writing the embedding ---- */

int cli_write_embedding(const char *out, int quiet, const pr_tensor *E, const pr_tensor *y, const char *target,
                        const char *prefix) {
    int64_t n = E->shape[0], d = E->shape[1], cols = d + (y != NULL);
    pr_tensor *T = NULL;
    char **names = calloc((size_t)cols, sizeof *names);
    pr_status st = names ? pr_tensor_zeros(&T, PR_F64, PR_SHAPE(n, cols)) : PR_ERR_NOMEM;
    for (int64_t j = 0; !st && j < cols; j++) {
        names[j] = malloc(64);
        if (!names[j]) st = PR_ERR_NOMEM;
        else if (j < d) snprintf(names[j], 64, "%s%lld", prefix, (long long)(j + 1));
        else snprintf(names[j], 64, "%s", target ? target : "target");
    }
    for (int64_t i = 0; !st && i < n; i++)
        for (int64_t j = 0; j < cols; j++)
            pr_tensor_f64(T)[i * cols + j] = j < d ? pr_tensor_get(E, i * d + j) : pr_tensor_get(y, i);
    if (!st && out && cli_make_parent_dirs(out)) st = PR_ERR_IO;
    if (!st) st = out ? pr_csv_write(out, T, (const char *const *)names, NULL)
                         : pr_csv_write_stream(stdout, T, (const char *const *)names, NULL);
    for (int64_t j = 0; names && j < cols; j++) free(names[j]);
    free(names);
    pr_tensor_free(T);
    if (st) return cli_library_error("writing the embedding");
    if (out && !quiet) fprintf(stderr, "wrote the %lld x %lld embedding to %s\n", (long long)n, (long long)d, out);
    return CLI_OK;
}


int cli_autoencoder_setup(pr_model *m, const pr_tensor *X, int keep_scale, pr_tensor **lo, pr_tensor **range, int *bce) {
    int64_t in = pr_model_input_size(m), out = pr_model_output_size(m);
    int64_t ishape[PR_MAX_DIMS], oshape[PR_MAX_DIMS];
    int ind = pr_model_input_shape(m, ishape), ond = pr_model_output_shape(m, oshape);
    int same = ind == ond;
    for (int d = 0; same && d < ind; d++) same = ishape[d] == oshape[d];
    if (!same) {
        fprintf(stderr, "primer: error: an autoencoder needs outputs shaped as the inputs (%lld values per row); %s "
                        "gives %lld: end the model with dense:%lld (and sigmoid), or use autoencoder or vae-mlp\n",
                (long long)in, pr_model_spec(m), (long long)out, (long long)in);
        return CLI_FAILURE;
    }
    if (pr_model_set_task(m, PR_TASK_NONE, NULL, 0) || pr_model_set_targets(m, PR_TARGET_RECONSTRUCTION, PR_NO_IGNORE))
        return cli_library_error("model");
    if (!keep_scale && (pr_data_minmax_fit(X, lo, range) || pr_model_set_standardization(m, *lo, *range)))
        return cli_library_error("scaling");
    const char *spec = pr_model_spec(m), *sig = strstr(spec, "sigmoid");
    *bce = sig && (!strcmp(sig, "sigmoid") || !strncmp(sig, "sigmoid,reshape:", 16));
    return CLI_OK;
}
