/* Chapter 3 (probability and statistics): Examples 3.1-3.4, Q3.5 (with the
 * ERRATA's MAP), Q3.7, Q3.8, Q3.9's spam filter, Listing 3.1's Beta densities. */
#include <string.h>

#include "test_util.h"

Test(ch03, ex3_1_gaussian_noise_log_likelihood_is_least_squares) {
    /* ℓ(w) = -m/2 log(2πσ²) - SSE/(2σ²) for residuals r under N(0, σ²) */
    pr_tensor *r = T64(PR_SHAPE(4), 0.5, -1.0, 0.25, 2.0);
    double sigma = 1.5, ll, sse = 0.25 + 1 + 0.0625 + 4;
    pr_dist g = pr_dist_gaussian(0, sigma);
    assert_ok(pr_dist_log_likelihood(&g, r, &ll));
    assert_near(ll, -2 * log(2 * M_PI * sigma * sigma) - sse / (2 * sigma * sigma), 1e-13);
    pr_tensor_free(r);
}

Test(ch03, ex3_2_ex3_3_maximum_likelihood) {
    pr_tensor *x = T64(PR_SHAPE(4), 2, 4, 9, 1);
    double mu, var, p;
    assert_ok(pr_gaussian_mle(x, 0, &mu, &var));
    assert_near(mu, 4.0, 1e-15);
    pr_tensor *flips = T64(PR_SHAPE(10), 1, 1, 0, 1, 1, 0, 1, 1, 0, 1);
    assert_ok(pr_bernoulli_mle(flips, &p));
    assert_near(p, 0.7, 1e-15); /* 7 heads in 10 flips */
    pr_tensor *bad = T64(PR_SHAPE(2), 1, 2);
    assert_fails(pr_bernoulli_mle(bad, &p), PR_ERR_INVALID, "not 0 or 1");
    pr_tensor_free(x);
    pr_tensor_free(flips);
    pr_tensor_free(bad);
}

Test(ch03, ex3_4_cross_entropy_of_a_prediction) {
    double p[] = {1, 0, 0}, q[] = {0.7, 0.2, 0.1}, q2[] = {0.95, 0.03, 0.02}, h;
    assert_ok(pr_cross_entropy(p, q, 3, 0, &h));
    assert_near(h, 0.357, 5e-4);
    assert_near(h, -log(0.7), 1e-15);
    assert_ok(pr_cross_entropy(p, q2, 3, 0, &h));
    assert_near(h, 0.051, 5e-4);
}

Test(ch03, q3_5_beta_posterior_mean_and_map) {
    pr_dist post = pr_beta_update(pr_dist_beta(100, 100), 60, 40);
    assert_near(post.a, 160, 0);
    assert_near(post.b, 140, 0);
    assert_near(pr_dist_mean(&post), 160.0 / 300, 1e-15); /* the book's 0.533 is the posterior mean */
    assert_near(pr_beta_mode(&post), 159.0 / 298, 1e-15); /* ERRATA 3: the MAP is 0.5336 */
    cr_assert(pr_beta_mode(&post) > 0.53 && pr_beta_mode(&post) < 0.54); /* answer (c) stands */
}

Test(ch03, q3_7_gaussian_mle_and_unbiased_variance) {
    pr_tensor *x = T64(PR_SHAPE(5), 1, 3, 5, 7, 9);
    double mu, var;
    assert_ok(pr_gaussian_mle(x, 0, &mu, &var));
    assert_near(mu, 5, 1e-15);
    assert_near(var, 8, 1e-15);
    assert_ok(pr_gaussian_mle(x, 1, NULL, &var));
    assert_near(var, 10, 1e-15);
    pr_tensor_free(x);
}

Test(ch03, q3_8_entropy_cross_entropy_kl) {
    double p[] = {0.7, 0.2, 0.1}, q[] = {0.5, 0.3, 0.2}, h, hpq, kl, kl_back;
    assert_ok(pr_entropy(p, 3, 0, &h));
    assert_ok(pr_cross_entropy(p, q, 3, 0, &hpq));
    assert_ok(pr_kl_divergence(p, q, 3, 0, &kl));
    assert_near(hpq, 0.887, 5e-4);
    assert_near(h, 0.802, 5e-4);
    assert_near(kl, 0.085, 5e-4);
    assert_near(kl, hpq - h, 1e-15);
    /* Q3.4: KL >= 0 and asymmetric */
    assert_ok(pr_kl_divergence(q, p, 3, 0, &kl_back));
    cr_assert(kl > 0 && kl_back > 0 && fabs(kl - kl_back) > 1e-3);
    /* bits: divide by ln 2 */
    double bits;
    assert_ok(pr_entropy(p, 3, 2, &bits));
    assert_near(bits, h / log(2), 1e-15);
    /* the uniform distribution maximises entropy: ln 3 */
    double u[] = {1.0 / 3, 1.0 / 3, 1.0 / 3}, hu;
    assert_ok(pr_entropy(u, 3, 0, &hu));
    assert_near(hu, log(3), 1e-15);
    cr_assert(hu > h);
    double bad[] = {0.5, 0.6, -0.1};
    assert_fails(pr_entropy(bad, 3, 0, &h), PR_ERR_INVALID, "p[2]");
}

Test(ch03, q3_9_bayes_spam_filter) {
    double prior[] = {0.3, 0.7}, likelihood[] = {0.8, 0.05}, post[2], evidence;
    assert_ok(pr_bayes_posterior(prior, likelihood, 2, post, &evidence));
    assert_near(evidence, 0.275, 1e-15); /* law of total probability */
    assert_near(post[0], 0.24 / 0.275, 1e-15);
    assert_near(post[0], 0.87, 5e-3); /* "about 87%" */
}

Test(ch03, bernoulli_and_gaussian_moments) {
    pr_dist b = pr_dist_bernoulli(0.3);
    assert_near(pr_dist_mean(&b), 0.3, 0);
    assert_near(pr_dist_var(&b), 0.21, 1e-15);
    assert_near(pr_dist_pdf(&b, 1), 0.3, 1e-15);
    assert_near(pr_dist_pdf(&b, 0), 0.7, 1e-15);
    pr_dist g = pr_dist_gaussian(1, 2);
    assert_near(pr_dist_pdf(&g, 1), 1 / sqrt(2 * M_PI * 4), 1e-15);
    assert_near(pr_dist_cdf(&g, 1), 0.5, 1e-15);
    pr_dist l = pr_dist_laplace(0, 2);
    assert_near(pr_dist_pdf(&l, 2), exp(-1) / 4, 1e-15);
    assert_near(pr_dist_var(&l), 8, 0);
}

Test(ch03, listing3_1_beta_densities) {
    /* Beta(2,5): 30 x (1-x)^4; posterior Beta(9, 8) after 7 heads, 3 tails */
    pr_dist prior = pr_dist_beta(2, 5);
    assert_near(pr_dist_pdf(&prior, 0.3), 30 * 0.3 * pow(0.7, 4), 1e-13);
    pr_dist post = pr_beta_update(prior, 7, 3);
    assert_near(post.a, 9, 0);
    assert_near(post.b, 8, 0);
    pr_dist post100 = pr_beta_update(prior, 70, 30);
    assert_near(post100.a, 72, 0);
    assert_near(post100.b, 35, 0);
    assert_near(pr_dist_mean(&post100), 72.0 / 107, 1e-15);
}
