/* Layers of the registry for autoencoders (chapter 12): `code` marks the bottleneck,
 * and `vae` is a variational autoencoder's latent layer: mean and log-variance
 * heads, the reparameterised sample and the KL divergence to N(0, I) as the model's
 * auxiliary loss. One row per layer, beside its builder. */
#include "nn/nn_internal.h"

#define MAX_WIDTH 2147483648.0

/* The bottleneck of the top-level layer list: what pr_model_encode returns. */
static pr_status mark_code(pr__build *b, const pr__layer *l, pr_node z, int64_t width, int prior) {
    if (b->depth > 0) return pr__layer_error(b, l, "marks the model's bottleneck, so it cannot sit inside a block");
    if (b->m->has_code) return pr__layer_error(b, l, "the model has a bottleneck already (one code or vae layer)");
    b->m->code = z;
    b->m->code_size = width;
    b->m->has_code = 1;
    b->m->has_prior = prior;
    return PR_OK;
}

static pr_status build_code(pr__build *b, const pr__layer *l, pr_node x, pr_node *y) {
    if (b->ndim != 2 || b->shape[1] < 1)
        return pr__layer_error(b, l, "marks a bottleneck of rows (batch, features), not rank %d", b->ndim);
    *y = x;
    return mark_code(b, l, x, b->shape[1], 0);
}

/* mu = x Wμᵀ + bμ and logvar = x Wσᵀ + bσ (nn.Linear each, named mu.* and logvar.*),
 * z = mu + exp(logvar / 2) eps in training (mu in evaluation), and the auxiliary loss
 * "kl" = beta · mean over the batch of KL(N(mu, σ²) || N(0, I)) / D, with
 * KL = -1/2 Σ_j (1 + logvar_j - mu_j² - exp(logvar_j)) and D the model's input size:
 * the reconstruction loss is a mean over the D inputs of each row, so with BCE
 * reconstruction the two add up to the negative ELBO per input value. */
static pr_status build_vae(pr__build *b, const pr__layer *l, pr_node x, pr_node *y) {
    if (b->ndim != 2 || b->shape[1] < 1)
        return pr__layer_error(b, l, "takes rows (batch, features), not rank %d (flatten first)", b->ndim);
    int64_t in = b->shape[1], Z = (int64_t)l->v[0];
    double beta = l->v[1];
    pr_node mu, lv;
    pr_status st = pr__layer_linear(b, "mu.", x, in, Z, PR_INIT_XAVIER_NORMAL, 1, &mu);
    if (!st) st = pr__layer_linear(b, "logvar.", x, in, Z, PR_INIT_XAVIER_NORMAL, 1, &lv);
    if (st) return st;
    pr_graph *g = b->g;
    *y = pr_g_gaussian_sample(g, mu, lv);
    int64_t D = 1;
    for (int d = 0; d < b->m->in_ndim; d++) D *= b->m->in_shape[d];
    /* 1 + logvar - mu² - exp(logvar), summed per row, averaged over the batch */
    pr_node t = pr_g_sub(g, pr_g_sub(g, pr_g_add_scalar(g, lv, 1), pr_g_mul(g, mu, mu)), pr_g_exp(g, lv));
    pr_node kl = pr_g_scale(g, pr_g_mean(g, pr_g_sum(g, t, 1, 0), PR_AXIS_ALL, 0), -0.5 / (double)(D > 0 ? D : 1));
    if ((st = pr__layer_graph_status(b))) return st;
    if ((st = pr__layer_add_loss(b, "kl", kl, beta))) return st;
    return mark_code(b, l, mu, Z, 1);
}

const pr__layer_def pr__layers_latent[] = {
    {{.token = "code",
      .help = "marks the bottleneck of an autoencoder: primer encode writes the rows that reach it (identity)",
      .torch = "nn.Identity()",
      .example = "dense:3,code,dense:6",
      .example_input = "6"},
     build_code, PR__LAYER_TRANSPARENT},
    {{.token = "vae",
      .help = "VAE latent: mean and log-variance heads, z = mu + exp(logvar/2) eps in training (mu in evaluation); "
              "adds the KL divergence to N(0, I) as the loss term 'kl'",
      .torch = "VAE({in}, {latent})",
      .example = "dense:8,relu,vae:2,dense:6",
      .example_input = "6",
      .n_args = 2,
      .args = {{.name = "latent", .kind = PR_ARG_INT, .required = 1, .min = 1, .max = MAX_WIDTH,
                .help = "the latent size Z"},
               {.name = "beta", .kind = PR_ARG_REAL, .default_value = 1, .min = 0, .max = 1e6,
                .help = "the KL term's weight (beta-VAE)"}}},
     build_vae, 0},
    {{.token = NULL}, NULL, 0},
};
