/* Sampling text from a language model (chapter 11): temperature and top-k over the
 * next-token logits of a causal model. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn/nn_internal.h"

/* A layer whose position t sees positions after t (attention without a causal mask). */
static const char *non_causal(const pr__layer *layers, int n) {
    for (int i = 0; i < n; i++) {
        const char *tok = layers[i].def->info.token;
        if ((!strcmp(tok, "attention") && layers[i].v[1] == 0) || (!strcmp(tok, "transformer") && layers[i].v[4] == 0))
            return tok;
        const char *inner = non_causal(layers[i].body, layers[i].n_body);
        if (inner) return inner;
    }
    return NULL;
}

/* The next token from logits z (V): argmax at temperature 0, else a draw from
 * softmax(z / temperature) over the top_k largest (all when 0). */
static int64_t sample(const double *z, int64_t V, const pr_generate_options *o, pr_rng *rng, double *p) {
    int64_t best = 0;
    for (int64_t j = 1; j < V; j++)
        if (z[j] > z[best]) best = j;
    if (o->temperature == 0) return best;
    double cut = -INFINITY;
    if (o->top_k > 0 && o->top_k < V) { /* the k-th largest value */
        for (int64_t j = 0; j < V; j++) p[j] = z[j];
        for (int64_t r = 0; r < o->top_k; r++) {
            int64_t top = -1;
            for (int64_t j = 0; j < V; j++)
                if (!isnan(p[j]) && (top < 0 || p[j] > p[top])) top = j;
            cut = p[top];
            p[top] = NAN;
        }
    }
    double total = 0;
    for (int64_t j = 0; j < V; j++) {
        p[j] = z[j] >= cut ? exp((z[j] - z[best]) / o->temperature) : 0;
        total += p[j];
    }
    double u = pr_rng_uniform(rng) * total;
    for (int64_t j = 0; j < V; j++) {
        if (u < p[j]) return j;
        u -= p[j];
    }
    return best;
}

pr_status pr_model_generate(pr_model *m, const pr_tensor *prompt, const pr_generate_options *options, pr_tensor **ids) {
    if (!m || !prompt || !ids) return pr__fail(PR_ERR_INVALID, "generate: NULL argument");
    pr_generate_options o = options ? *options : PR_GENERATE_DEFAULTS;
    if (o.tokens < 0 || o.top_k < 0 || !(o.temperature >= 0) || !isfinite(o.temperature))
        return pr__fail(PR_ERR_INVALID, "generate: tokens %lld, temperature %g and top-k %lld must be >= 0",
                        (long long)o.tokens, o.temperature, (long long)o.top_k);
    int64_t out[PR_MAX_DIMS];
    int nd = pr_model_output_shape(m, out);
    if (m->in_ndim != 1 || nd != 2 || out[0] != m->in_shape[0])
        return pr__fail(PR_ERR_INVALID, "generate: the model must map T token ids to T rows of next-token logits (a "
                                        "language model, trained with --task lm)");
    const char *layer = non_causal(m->layers, m->n_layers);
    if (layer)
        return pr__fail(PR_ERR_INVALID, "generate: the model's %s layer is not causal (each position sees later "
                                        "ones), so it cannot predict the next token", layer);
    int64_t T = m->in_shape[0], V = out[1], n = prompt->size;
    if (n < 1) return pr__fail(PR_ERR_INVALID, "generate: the prompt is empty");
    if (n > INT64_MAX / 2 - o.tokens) return pr__fail(PR_ERR_LIMIT, "generate: too many tokens");
    for (int64_t i = 0; i < n; i++) {
        double v = pr_tensor_get(prompt, i);
        if (!(v >= 0 && v < (double)V) || v != floor(v))
            return pr__fail(PR_ERR_INVALID, "generate: prompt token %g at %lld is not an id in 0..%lld", v, (long long)i,
                            (long long)V - 1);
    }
    pr_tensor *seq, *window = NULL, *logits = NULL;
    pr_status st = pr_tensor_zeros(&seq, PR_F64, 1, (int64_t[]){n + o.tokens});
    if (st) return st;
    double *s = pr_tensor_f64(seq), *p = pr__malloc((size_t)V * sizeof *p), *z = pr__malloc((size_t)V * sizeof *z);
    for (int64_t i = 0; i < n; i++) s[i] = pr_tensor_get(prompt, i);
    if (!p || !z) st = PR_ERR_NOMEM;
    if (!st) st = pr_tensor_zeros(&window, PR_F64, PR_SHAPE(1, T));
    pr_rng rng;
    pr_rng_seed(&rng, o.seed);
    for (int64_t k = n; !st && k < n + o.tokens; k++) {
        int64_t L = k < T ? k : T, start = k - L; /* the last L tokens at positions 0..L-1 */
        double *w = pr_tensor_f64(window);
        for (int64_t t = 0; t < T; t++) w[t] = t < L ? s[start + t] : 0;
        pr_tensor_free(logits);
        logits = NULL;
        if ((st = pr_model_forward(m, window, &logits))) break;
        for (int64_t j = 0; j < V; j++) z[j] = pr_tensor_get(logits, (L - 1) * V + j);
        s[k] = (double)sample(z, V, &o, &rng, p);
    }
    free(p);
    free(z);
    pr_tensor_free(window);
    pr_tensor_free(logits);
    if (st) {
        pr_tensor_free(seq);
        return st;
    }
    *ids = seq;
    return PR_OK;
}
