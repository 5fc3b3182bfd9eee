/* Autoencoders and VAEs (book chapter 12): the VAE's KL term against numerical
 * integration of the Gaussian KL, the reparameterised draws' moments, prior sampling,
 * a gradient check of the whole negative ELBO (the draw replayed), encoding, and the
 * linear autoencoder spanning PCA's subspace (Q12.5). */
#include <math.h>
#include <string.h>

#include "test_util.h"

static pr_model *model_of(const char *spec, int64_t width, pr_dtype dtype) {
    pr_model_options o = PR_MODEL_DEFAULTS;
    o.dtype = dtype;
    pr_model *m;
    assert_ok(pr_model_new(&m, spec, 1, (int64_t[]){width}, &o));
    return m;
}

static void set_values(pr_model *m, const char *name, const double *v) {
    pr_tensor view, *t;
    assert_ok(pr_model_tensor(m, name, &view));
    assert_ok(pr_tensor_from_array(&t, PR_F64, view.ndim, view.shape, v));
    assert_ok(pr_model_set_tensor(m, name, t));
    pr_tensor_free(t);
}

/* KL(N(mu, s²) || N(0, 1)) = ∫ p log(p / q) by Simpson's rule over mu ± 12 s. */
static double kl_numeric(double mu, double s) {
    int n = 20000;
    double a = mu - 12 * s, b = mu + 12 * s, h = (b - a) / n, sum = 0;
    for (int i = 0; i <= n; i++) {
        double x = a + i * h, p = exp(-0.5 * (x - mu) * (x - mu) / (s * s)) / (s * sqrt(2 * M_PI));
        double lq = -0.5 * x * x - 0.5 * log(2 * M_PI), lp = log(p);
        sum += (i == 0 || i == n ? 1 : i % 2 ? 4 : 2) * p * (lp - lq);
    }
    return sum * h / 3;
}

Test(vae, kl_term_is_the_gaussian_kl) {
    /* mu and logvar from the biases alone: every row has mu = (0.5, -1.2), logvar = (log 4, -1) */
    pr_model *m = model_of("vae:2", 3, PR_F64);
    cr_assert_eq(pr_model_loss_count(m), 1);
    cr_assert_str_eq(pr_model_loss_name(m, 0), "0.kl");
    double zeros[6] = {0}, mu[2] = {0.5, -1.2}, lv[2] = {log(4.0), -1};
    set_values(m, "0.mu.weight", zeros);
    set_values(m, "0.logvar.weight", zeros);
    set_values(m, "0.mu.bias", mu);
    set_values(m, "0.logvar.bias", lv);
    pr_graph *g = pr_model_graph(m);
    pr_tensor *X;
    pr_rng rng;
    pr_rng_seed(&rng, 3);
    assert_ok(pr_tensor_normal(&X, PR_F64, PR_SHAPE(4, 3), 0, 1, &rng));
    assert_ok(pr_graph_set_input(g, pr_model_input(m), X));
    pr_node kl = pr_model_loss_node(m, 0);
    assert_ok(pr_graph_forward(g, kl));
    double v;
    assert_ok(pr_graph_scalar(g, kl, &v));
    double want = (kl_numeric(mu[0], 2) + kl_numeric(mu[1], exp(-0.5))) / 3; /* per input value: D = 3 */
    assert_near(v, want, 1e-9);
    pr_tensor_free(X);
    pr_model_free(m);
}

/* z = mu + exp(logvar / 2) eps: the draws have mean mu and standard deviation exp(logvar / 2)
 * in training; z = mu in evaluation; under prior sampling N(0, 1). */
Test(vae, reparameterised_draws_and_prior_samples) {
    pr_model *m = model_of("vae:1,dense:1", 2, PR_F64);
    double zeros[2] = {0}, one = 1, zero = 0, mu = 1.5, lv = log(4.0);
    set_values(m, "0.mu.weight", zeros);
    set_values(m, "0.logvar.weight", zeros);
    set_values(m, "0.mu.bias", &mu);
    set_values(m, "0.logvar.bias", &lv);
    set_values(m, "1.weight", &one); /* the decoder passes z through */
    set_values(m, "1.bias", &zero);
    enum { N = 20000 };
    pr_graph *g = pr_model_graph(m);
    pr_tensor *X;
    assert_ok(pr_tensor_zeros(&X, PR_F64, PR_SHAPE(N, 2)));
    assert_ok(pr_graph_set_input(g, pr_model_input(m), X));
    pr_graph_set_training(g, 1);
    assert_ok(pr_graph_forward(g, pr_model_output(m)));
    pr_tensor z;
    assert_ok(pr_graph_value(g, pr_model_output(m), &z));
    double s = 0, s2 = 0;
    for (int i = 0; i < N; i++) {
        s += pr_tensor_get(&z, i);
        s2 += pr_tensor_get(&z, i) * pr_tensor_get(&z, i);
    }
    double mean = s / N, sd = sqrt(s2 / N - mean * mean);
    assert_near(mean, 1.5, 5 * 2 / sqrt((double)N)); /* five standard errors */
    assert_near(sd, 2, 5 * 2 / sqrt(2.0 * N));
    /* evaluation: z = mu */
    pr_tensor *out, *codes;
    assert_ok(pr_model_forward(m, X, &out));
    for (int i = 0; i < 10; i++) assert_near(pr_tensor_get(out, i), 1.5, 1e-15);
    assert_ok(pr_model_encode(m, X, &codes));
    cr_assert_eq(codes->shape[1], 1);
    assert_near(pr_tensor_get(codes, 0), 1.5, 1e-15);
    pr_tensor_free(out);
    pr_tensor_free(codes);
    /* the prior: N(0, 1) whatever mu and logvar; the same seed, the same draws */
    pr_tensor *S, *S2;
    assert_ok(pr_model_sample(m, N, 7, &S));
    assert_ok(pr_model_sample(m, N, 7, &S2));
    assert_tensor_close(S2, S, 0, 0, "samples of one seed");
    s = s2 = 0;
    for (int i = 0; i < N; i++) {
        s += pr_tensor_get(S, i);
        s2 += pr_tensor_get(S, i) * pr_tensor_get(S, i);
    }
    mean = s / N;
    sd = sqrt(s2 / N - mean * mean);
    assert_near(mean, 0, 5 / sqrt((double)N));
    assert_near(sd, 1, 5 / sqrt(2.0 * N));
    pr_tensor_free(S);
    pr_tensor_free(S2);
    pr_tensor_free(X);
    pr_model_free(m);
}

/* The gradient of reconstruction + KL (the negative ELBO) with respect to every
 * parameter, the reparameterised draw replayed by the check. */
Test(vae, negative_elbo_gradient_check) {
    pr_model *m = model_of("dense:5,tanh,vae:2,dense:5,tanh,dense:4,sigmoid", 4, PR_F64);
    pr_graph *g = pr_model_graph(m);
    pr_loss_config lc = pr_loss_defaults(PR_LOSS_BCE);
    pr_node rec = pr_loss(g, &lc, pr_model_output(m), pr_model_input(m));
    pr_node loss = pr_g_add(g, rec, pr_model_loss_node(m, 0));
    assert_ok(pr_graph_status(g));
    pr_tensor *X;
    pr_rng rng;
    pr_rng_seed(&rng, 5);
    assert_ok(pr_tensor_uniform(&X, PR_F64, PR_SHAPE(6, 4), 0.05, 0.95, &rng));
    assert_ok(pr_graph_set_input(g, pr_model_input(m), X));
    pr_graph_set_training(g, 1);
    pr_gradcheck_report *r;
    assert_ok(pr_gradcheck(g, loss, 1e-6, 0, &r));
    cr_assert_leq(r->max_rel_error, 1e-6, "relative error %g", r->max_rel_error);
    pr_gradcheck_report_free(r);
    pr_tensor_free(X);
    pr_model_free(m);
}

Test(autoencoder, bad_models) {
    pr_model *m;
    pr_model_options o = PR_MODEL_DEFAULTS;
    assert_fails(pr_model_new(&m, "vae:0", 1, (int64_t[]){3}, &o), PR_ERR_INVALID, "LATENT must be a whole number from 1");
    assert_fails(pr_model_new(&m, "dense:2,code,dense:2,code", 1, (int64_t[]){3}, &o), PR_ERR_SHAPE,
                 "has a bottleneck already");
    assert_fails(pr_model_new(&m, "res[dense:3,code]", 1, (int64_t[]){3}, &o), PR_ERR_SHAPE, "cannot sit inside a block");
    m = model_of("dense:2,dense:3", 3, PR_F32);
    pr_tensor *X = T64(PR_SHAPE(1, 3), 1, 2, 3), *Z;
    cr_assert_eq(pr_model_code_size(m), 0);
    assert_fails(pr_model_encode(m, X, &Z), PR_ERR_INVALID, "has no bottleneck");
    assert_fails(pr_model_sample(m, 4, 0, &Z), PR_ERR_INVALID, "no latent prior");
    pr_model_free(m);
    pr_tensor_free(X);
}

/* Q12.5: a linear autoencoder trained with MSE spans the top principal subspace. Data
 * of 5 columns near a 2-D plane; each of PCA's two components lies in the span of the
 * decoder's weights (5 x 2) to within 1%. */
Test(autoencoder, linear_autoencoder_spans_the_pca_subspace, .timeout = 60) {
    pr_rng rng;
    pr_rng_seed(&rng, 9);
    pr_tensor *A, *B, *N, *X;
    assert_ok(pr_tensor_normal(&A, PR_F64, PR_SHAPE(400, 2), 0, 1, &rng));
    assert_ok(pr_tensor_normal(&B, PR_F64, PR_SHAPE(2, 5), 0, 1, &rng));
    assert_ok(pr_tensor_normal(&N, PR_F64, PR_SHAPE(400, 5), 0, 0.05, &rng));
    pr_tensor *AB;
    assert_ok(pr_matmul(A, B, &AB));
    assert_ok(pr_add(AB, N, &X));
    pr_model_options o = PR_MODEL_DEFAULTS;
    o.dtype = PR_F64;
    pr_model *m;
    assert_ok(pr_model_new(&m, "dense:2,code,dense:5", 1, (int64_t[]){5}, &o));
    assert_ok(pr_model_set_task(m, PR_TASK_NONE, NULL, 0));
    assert_ok(pr_model_set_targets(m, PR_TARGET_RECONSTRUCTION, PR_NO_IGNORE));
    pr_train_options t = PR_TRAIN_DEFAULTS;
    t.epochs = 150;
    t.val_fraction = 0;
    t.optimizer.lr = 0.01;
    t.loss = pr_loss_defaults(PR_LOSS_MSE);
    pr_train_history *h;
    assert_ok(pr_train(m, X, NULL, &t, &h));
    pr_train_history_free(h);
    pr_pca_config pc = PR_PCA_DEFAULTS;
    pc.n_components = 2;
    pr_pca *p;
    assert_ok(pr_pca_fit(&p, &pc, X));
    /* an orthonormal basis Q of the decoder's columns: 2.weight is (5, 2) */
    pr_tensor view, *W, *Q, *R;
    assert_ok(pr_model_tensor(m, "2.weight", &view));
    assert_ok(pr_tensor_cast(&view, PR_F64, &W));
    assert_ok(pr_qr(W, PR_QR_REDUCED, &Q, &R));
    const pr_tensor *V = pr_pca_components(p);
    for (int k = 0; k < 2; k++) {
        double inside = 0;
        for (int c = 0; c < 2; c++) {
            double dot = 0;
            for (int j = 0; j < 5; j++) dot += pr_tensor_get(Q, j * 2 + c) * pr_tensor_get(V, k * 5 + j);
            inside += dot * dot;
        }
        cr_assert(sqrt(inside) > 0.99, "PC%d has only %.4f of its length in the decoder's span", k + 1, sqrt(inside));
    }
    pr_pca_free(p);
    pr_tensor_free(W);
    pr_tensor_free(Q);
    pr_tensor_free(R);
    pr_tensor_free(A);
    pr_tensor_free(B);
    pr_tensor_free(N);
    pr_tensor_free(AB);
    pr_tensor_free(X);
    pr_model_free(m);
}
