/* The book's worked examples, runnable with `primer example NAME`. Each example
 * uses only primer's public API; every number it prints comes from a library
 * call a C program can make too. */
#ifndef PRIMER_BOOK_EXAMPLES_H
#define PRIMER_BOOK_EXAMPLES_H

#include <stdint.h>
#include <stdio.h>

#include "primer.h"

typedef struct example_context {
    FILE *out;           /* where the example prints */
    const char *out_dir; /* where figures go (made when the first is written; "." when NULL) */
    uint64_t seed;       /* for examples that draw random numbers */
    const char *model;   /* a model file for examples that look inside one (NULL: none) */
} example_context;

typedef struct book_example {
    const char *name;    /* says what it shows: "eigen-check" */
    const char *aliases; /* the book's numbers, space-separated: "listing-1.1 example-1.5" */
    int chapter;
    const char *summary;
    pr_status (*run)(const example_context *ctx);
} book_example;

extern const book_example book_examples[];
extern const int book_example_count;

/* The example called `name` or one of its aliases; NULL if none. */
const book_example *book_example_find(const char *name);
/* Join ctx->out_dir and file into buf; returns buf. */
const char *example_path(const example_context *ctx, const char *file, char *buf, size_t len);
/* Record a message for a failure primer did not report itself (a file the example
 * could not open, say); returns `status`. The runner prints it. */
pr_status example_fail(pr_status status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The message recorded by example_fail since the last example_clear_failure ("" if none). */
const char *example_failure(void);
void example_clear_failure(void);
/* Save a figure under ctx->out_dir and say where. */
pr_status example_save_figure(const example_context *ctx, const pr_figure *fig, const char *file);

/* Chapters 3, 4 and 6 */
pr_status example_bayesian_update(const example_context *ctx);
pr_status example_line_fit(const example_context *ctx);
pr_status example_polynomial_degrees(const example_context *ctx);
pr_status example_logistic_boundary(const example_context *ctx);
pr_status example_roc_pr_curves(const example_context *ctx);

/* Chapter 1 */
pr_status example_eigen_check(const example_context *ctx);
pr_status example_svd_eigen_relation(const example_context *ctx);
pr_status example_matrix_norm_inequality(const example_context *ctx);
pr_status example_cosine_similarity(const example_context *ctx);
pr_status example_vector_norms(const example_context *ctx);
pr_status example_dense_layer(const example_context *ctx);
pr_status example_solve_linear_system(const example_context *ctx);
pr_status example_least_squares(const example_context *ctx);
pr_status example_definiteness(const example_context *ctx);
pr_status example_unit_balls(const example_context *ctx);
pr_status example_eigen_directions(const example_context *ctx);

/* Chapters 2 and 9 */
pr_status example_gradient_descent_path(const example_context *ctx);
pr_status example_backprop_worked_example(const example_context *ctx);
pr_status example_gradient_vanishing_depth(const example_context *ctx);

/* Chapters 5, 7 and 8 */
pr_status example_gd_worked_steps(const example_context *ctx);
pr_status example_minibatch_sgd(const example_context *ctx);
pr_status example_optimizers_rosenbrock(const example_context *ctx);
pr_status example_loss_functions(const example_context *ctx);
pr_status example_regularization(const example_context *ctx);
pr_status example_activation_functions(const example_context *ctx);
pr_status example_xor_network(const example_context *ctx);
pr_status example_xor_learned(const example_context *ctx);
pr_status example_network_parameters(const example_context *ctx);

/* Chapter 10 */
pr_status example_edge_detection(const example_context *ctx);
pr_status example_convolution_kernels(const example_context *ctx);
pr_status example_sliding_kernel(const example_context *ctx);
pr_status example_conv_arithmetic(const example_context *ctx);
pr_status example_cnn_pipeline(const example_context *ctx);
pr_status example_cnn_filters(const example_context *ctx);
/* chapter 11 */
pr_status example_self_attention(const example_context *ctx);
pr_status example_attention_heatmap(const example_context *ctx);
pr_status example_attention_arithmetic(const example_context *ctx);
pr_status example_rnn_gradient(const example_context *ctx);
pr_status example_attention_maps(const example_context *ctx);

/* Chapter 12 */
pr_status example_pca_from_scratch(const example_context *ctx);
pr_status example_variance_retained(const example_context *ctx);
pr_status example_pca_worked(const example_context *ctx);
pr_status example_pca_visualization(const example_context *ctx);
pr_status example_scree_plot(const example_context *ctx);
pr_status example_curse_of_dimensionality(const example_context *ctx);
pr_status example_tsne_perplexity(const example_context *ctx);
pr_status example_autoencoder_reconstructions(const example_context *ctx);
pr_status example_vae_latent_space(const example_context *ctx);
/* Listing 12.3's 200 points: np.random.multivariate_normal([3, 5], [[2, 1.5], [1.5, 3]], 200)
 * after np.random.seed(seed). */
pr_status example_listing_12_3_data(uint64_t seed, pr_tensor **X);

#endif
