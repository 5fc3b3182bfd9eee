/* Chapter 12 (dimensionality reduction): every number of the chapter, by the library
 * and by `primer example`: Listing 12.1 and 12.3 against NumPy, Example 12.1, Q12.4,
 * Q12.7 (against the closed form of a 2 x 2 eigenproblem), Q12.8, the curse of
 * dimensionality, the scree plot, and t-SNE's perplexity. */
#include <math.h>
#include <string.h>

#include "examples/book/examples.h"
#include "test_util.h"

Test(ch12, listing_12_1_retained_variance_matches_numpy) {
    pr_numpy_rng rng;
    pr_numpy_rng_seed(&rng, 0);
    pr_tensor *X, *want = load_fixture("reduce/listing_12_1_retained.npy");
    assert_ok(pr_tensor_zeros(&X, PR_F64, PR_SHAPE(1000, 50)));
    assert_ok(pr_numpy_rng_fill_normal(&rng, X, 0, 1));
    pr_pca_config c = PR_PCA_DEFAULTS;
    c.n_components = 2;
    pr_pca *p;
    assert_ok(pr_pca_fit(&p, &c, X));
    const pr_tensor *v = pr_pca_explained_variance(p);
    assert_near((pr_tensor_get(v, 0) + pr_tensor_get(v, 1)) / pr_pca_total_variance(p), pr_tensor_get(want, 0), 1e-12);
    pr_pca_free(p);
    pr_tensor_free(X);
    pr_tensor_free(want);
    const char *out;
    cr_assert_eq(test_run_primer("example listing-12.1", &out), 0, "%s", out);
    assert_contains(out, "Retained 5.7% of variance in 2D");
}

Test(ch12, listing_12_3_data_and_explained_variance_match_numpy) {
    pr_tensor *X, *want = load_fixture("reduce/listing_12_3_X.npy"), *pct = load_fixture("reduce/listing_12_3_explained.npy");
    assert_ok(example_listing_12_3_data(42, &X));
    assert_tensor_close(X, want, 1e-12, 1e-12, "np.random.multivariate_normal's draws");
    pr_pca_config c = PR_PCA_DEFAULTS;
    c.n_components = 2;
    pr_pca *p;
    assert_ok(pr_pca_fit(&p, &c, X));
    for (int k = 0; k < 2; k++)
        assert_near(100 * pr_tensor_get(pr_pca_explained_variance(p), k) / pr_pca_total_variance(p), pr_tensor_get(pct, k), 1e-10);
    pr_pca_free(p);
    pr_tensor_free(X);
    pr_tensor_free(want);
    pr_tensor_free(pct);
    const char *out;
    cr_assert_eq(test_run_primer("example listing-12.3 --out /tmp", &out), 0, "%s", out);
    assert_contains(out, "PC1 (81.4%)");
    assert_contains(out, "PC2 (18.6%)");
    assert_contains(out, "pca_visualization.svg");
}

Test(ch12, example_12_1_q12_4_q12_8_components) {
    const char *out;
    cr_assert_eq(test_run_primer("example example-12.1", &out), 0, "%s", out);
    assert_contains(out, "k = 2    85.2%");
    assert_contains(out, "k = 3    96.6%");
    assert_contains(out, "components for 95%: k = 3");
    assert_contains(out, "k = 2    75.0%");
    assert_contains(out, "components for 90%: k = 3 (answer b)");
    assert_contains(out, "total 1.6251");
    assert_contains(out, "k = 5  sum 1.4636   90.1%");
    assert_contains(out, "k = 9  sum 1.5398   94.7%");
    assert_contains(out, "k = 10 sum 1.5498   95.4%");
    assert_contains(out, "components for 95%: k = 10");
}

/* Q12.7 by the closed form of a symmetric 2 x 2 eigenproblem: λ = (a + c)/2 ± sqrt(((a - c)/2)² + b²). */
Test(ch12, q12_7_worked_pca) {
    pr_tensor *X = T64(PR_SHAPE(5, 2), 2, 1, 3, 3, 5, 4, 6, 6, 8, 7);
    pr_pca_config c = PR_PCA_DEFAULTS;
    c.n_components = 2;
    c.ddof = 0;
    pr_pca *p;
    assert_ok(pr_pca_fit(&p, &c, X));
    assert_near(pr_tensor_get(pr_pca_mean(p), 0), 4.8, 1e-15);
    assert_near(pr_tensor_get(pr_pca_mean(p), 1), 4.2, 1e-15);
    double a = 22.8 / 5, b = 22.2 / 5, cc = 22.8 / 5, r = sqrt((a - cc) * (a - cc) / 4 + b * b);
    assert_near(pr_tensor_get(pr_pca_explained_variance(p), 0), (a + cc) / 2 + r, 1e-12);
    assert_near(pr_tensor_get(pr_pca_explained_variance(p), 1), (a + cc) / 2 - r, 1e-12);
    assert_near(pr_tensor_get(pr_pca_components(p), 0), M_SQRT1_2, 1e-12);
    pr_pca_free(p);
    pr_tensor_free(X);
    /* the book's printed covariance: its eigenvalues by the same closed form */
    const char *out;
    cr_assert_eq(test_run_primer("example q12.7", &out), 0, "%s", out);
    assert_contains(out, "mean (4.8, 4.2)");
    assert_contains(out, "eigenvalues 9.000 and 0.120; PC1 explains 98.7%; PC1 = (0.707, 0.707)");
    a = 4.592, b = 4.336, cc = 4.272, r = sqrt((a - cc) * (a - cc) / 4 + b * b);
    char want[128];
    snprintf(want, sizeof want, "eigenvalues %.3f and %.3f; PC1 explains 99.0%%", (a + cc) / 2 + r, (a + cc) / 2 - r);
    assert_contains(out, want);
}

Test(ch12, curse_of_dimensionality_distances_concentrate) {
    const char *out;
    cr_assert_eq(test_run_primer("example q12.1 --out /tmp", &out), 0, "%s", out);
    /* d = 1000: Gaussian points sqrt(2000) = 44.72 apart, unit vectors sqrt(2) = 1.414 */
    const char *row = strstr(out, "  1000 ");
    cr_assert(row, "no d = 1000 row:\n%s", out);
    double d, mean, root, unit, spread;
    cr_assert_eq(sscanf(row, "%lf %lf %lf %lf %lf", &d, &mean, &root, &unit, &spread), 5);
    assert_near(mean, sqrt(2000.0), 0.5);
    assert_near(unit, sqrt(2.0), 0.01);
    cr_assert(spread < 0.3, "at d = 1000 the spread of distances is %g", spread);
    row = strstr(out, "     2 ");
    cr_assert(row);
    cr_assert_eq(sscanf(row, "%lf %lf %lf %lf %lf", &d, &mean, &root, &unit, &spread), 5);
    cr_assert(spread > 10, "at d = 2 the spread is only %g", spread);
}

Test(ch12, scree_plot_of_the_digits) {
    const char *out;
    cr_assert_eq(test_run_primer("example scree-plot --out /tmp", &out), 0, "%s", out);
    /* scikit-learn: PCA().fit(load_digits().data): 0.1489 + 0.1362; 29 components for 95% */
    assert_contains(out, "PC1 and PC2 explain 28.5% of the variance; 29 components retain 95%");
    assert_contains(out, "scree_plot.svg");
}

Test(ch12, tsne_perplexities, .timeout = 120) {
    const char *out;
    cr_assert_eq(test_run_primer("example tsne-perplexity --out /tmp", &out), 0, "%s", out);
    for (int k = 0; k < 3; k++) {
        static const char *const rows[] = {"perplexity  5:", "perplexity 30:", "perplexity 50:"};
        const char *row = strstr(out, rows[k]);
        cr_assert(row, "no row %s:\n%s", rows[k], out);
        double p, kl, trust;
        cr_assert_eq(sscanf(row, "perplexity %lf: KL %lf, trustworthiness %lf", &p, &kl, &trust), 3);
        cr_assert(trust > 0.98 && kl > 0 && kl < 2, "%s KL %g trustworthiness %g", rows[k], kl, trust);
    }
    assert_contains(out, "tsne_perplexity.svg");
}

Test(ch12, autoencoder_and_vae_examples, .timeout = 120) {
    const char *out;
    cr_assert_eq(test_run_primer("example listing-12.2 --out /tmp", &out), 0, "%s", out);
    const char *row = strstr(out, "autoencoder (32-value code) ");
    cr_assert(row, "%s", out);
    double ae, pca;
    cr_assert_eq(sscanf(row, "autoencoder (32-value code) %lf, PCA (32 components) %lf", &ae, &pca), 2, "%s", row);
    /* both rebuild the digits well; a linear model is nearly as good on them as PCA
     * (Q12.10: autoencoders pay off on curved manifolds) */
    cr_assert(ae < 0.01 && pca < 0.01, "autoencoder %g, PCA %g", ae, pca);
    assert_contains(out, "autoencoder_reconstructions.svg");
    cr_assert_eq(test_run_primer("example vae-latent-space --out /tmp", &out), 0, "%s", out);
    row = strstr(out, "loss ");
    double loss, rec, kl;
    cr_assert(row && sscanf(row, "loss %lf = reconstruction (BCE per pixel) %lf + KL per pixel %lf", &loss, &rec, &kl) == 3,
              "%s", out);
    assert_near(loss, rec + kl, 2e-4); /* printed to 4 decimals */
    cr_assert(kl > 0, "the KL term is %g", kl);
    assert_contains(out, "vae_latent_space.svg");
    assert_contains(out, "vae_samples.svg");
}
