/* The registry of book examples: one table, read by `primer example`. */
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>

#include "examples/book/examples.h"

const book_example book_examples[] = {
    {"cosine-similarity", "example-1.1 q1.7", 1,
     "dot product, cosine similarity, angle and projection (word embeddings)", example_cosine_similarity},
    {"vector-norms", "example-1.2", 1, "L1, L2 and L-infinity norms and their ordering", example_vector_norms},
    {"dense-layer", "example-1.3", 1, "a dense layer z = Wx + b as dot products", example_dense_layer},
    {"solve-linear-system", "example-1.4", 1, "determinant, inverse and solution of a 2x2 system",
     example_solve_linear_system},
    {"eigen-check", "listing-1.1 example-1.5", 1, "eigenvalues and eigenvectors with the A v = lambda v check",
     example_eigen_check},
    {"svd-eigen-relation", "listing-1.2 problem-1.3 example-1.6", 1,
     "singular values are the square roots of the eigenvalues of X^T X; reconstruction error",
     example_svd_eigen_relation},
    {"least-squares", "problem-1.1", 1, "normal equation: X^T X, X^T y and the least-squares weights",
     example_least_squares},
    {"definiteness", "q1.6 q1.8 problem-1.2", 1, "definiteness from eigenvalues, and of a symmetric part",
     example_definiteness},
    {"matrix-norm-inequality", "listing-1.3 q1.9", 1, "||Ax|| <= ||A||_2 ||x|| on random data",
     example_matrix_norm_inequality},
    {"unit-balls", "figure-1.2", 1, "unit balls of the L1, L2, L4 and L-infinity norms (SVG)", example_unit_balls},
    {"eigen-directions", "figure-1.3", 1, "eigenvectors keep their direction under A, other vectors turn (SVG)",
     example_eigen_directions},
    {"gradient-descent-path", "listing-2.1", 2,
     "30 gradient-descent steps on x^2 + 4y^2 from (3, 2), drawn over the contours (SVG)",
     example_gradient_descent_path},
    {"bayesian-update", "listing-3.1 figure-3.1 q3.5", 3, "Beta prior to posterior after 10 and 100 flips (SVG)",
     example_bayesian_update},
    {"line-fit", "listing-4.1 example-4.2 figure-4.1 q4.7 q4.8", 4,
     "the least-squares line y = 0.6x + 2.2 with its residuals (SVG), Q4.7 and Q4.8's ridge", example_line_fit},
    {"polynomial-degrees", "listing-4.2", 4, "polynomial fits of degree 1, 4 and 15 to a noisy sine (SVG)",
     example_polynomial_degrees},
    {"logistic-boundary", "listing-6.1 figure-6.2 q6.9", 6,
     "logistic regression's decision boundary and the sigmoid (SVG)", example_logistic_boundary},
    {"roc-pr-curves", "figure-6.3", 6, "ROC and precision-recall curves of a logistic model, a threshold sweep (SVG)",
     example_roc_pr_curves},
    {"gd-worked-steps", "example-5.1 q5.7 q5.8 q5.9", 5,
     "gradient descent and Adam steps on the book's one-dimensional problems", example_gd_worked_steps},
    {"minibatch-sgd", "listing-5.1", 5, "mini-batch SGD for least squares, against the exact solution",
     example_minibatch_sgd},
    {"optimizers-rosenbrock", "listing-5.2 figure-5.1", 5,
     "GD, momentum and Adam paths on the Rosenbrock surface (SVG)", example_optimizers_rosenbrock},
    {"loss-functions", "listing-7.1 q7.7", 7, "MSE, MAE and Huber losses and their gradients (SVG)",
     example_loss_functions},
    {"regularization", "q7.8 q7.9", 7, "L1 and L2 penalties, and dropout's expectations in training and at test",
     example_regularization},
    {"activation-functions", "listing-8.1 figure-8.2 q8.9", 8, "sigmoid, tanh, ReLU and leaky ReLU (SVG)",
     example_activation_functions},
    {"xor-network", "example-8.1 q8.8", 8, "the hand-set 2-2-1 ReLU network that computes XOR exactly",
     example_xor_network},
    {"xor-learned", "q8.1", 8, "XOR learned from random initialisation to 100% accuracy", example_xor_learned},
    {"network-parameters", "q8.4 q8.7", 8, "parameter count of a 5-10-3 network and one neuron's outputs",
     example_network_parameters},
    {"backprop-worked-example", "example-9.1 listing-9.1", 9,
     "forward and backward pass of a two-neuron network by autodiff, then one update (graph as DOT)",
     example_backprop_worked_example},
    {"gradient-vanishing-depth", "listing-9.2 q9.9 q9.6", 9,
     "gradient magnitude through 1..50 sigmoid and ReLU layers, on a log axis (SVG)",
     example_gradient_vanishing_depth},
    {"edge-detection", "listing-10.1", 10, "conv2d with vertical and horizontal edge detectors on a square (SVG)",
     example_edge_detection},
    {"convolution-kernels", "listing-10.2 q10.9", 10,
     "five kernels on a grid image: true convolution, same size, wrap-around (SVG)", example_convolution_kernels},
    {"sliding-kernel", "figure-10.1", 10, "a 3x3 kernel sliding over a 5x5 input gives a 3x3 output (SVG)",
     example_sliding_kernel},
    {"conv-arithmetic", "q10.1 q10.4 q10.5 q10.7 q10.10", 10,
     "parameter counts and output sizes of conv layers, and Q10.7's convolution", example_conv_arithmetic},
    {"cnn-pipeline", "figure-10.2 q10.8", 10,
     "a CNN's feature-map shapes and parameters layer by layer: 896 + 18,496 = 19,392 (SVG)", example_cnn_pipeline},
    {"cnn-filters", "section-10.5 q10.6", 10,
     "a trained CNN's first-layer filters and one image's feature maps (--model FILE, else trains one) (SVG)",
     example_cnn_filters},
    {"self-attention", "listing-11.1", 11, "self-attention of 5 tokens: output shape (5, 32)", example_self_attention},
    {"attention-heatmap", "listing-11.2 q11.9", 11,
     "attention weights over \"The cat sat on the mat\" with the values in the cells and a colour bar (SVG)",
     example_attention_heatmap},
    {"attention-arithmetic", "q11.7 q11.8", 11,
     "one query's attention: weights 0.401, 0.198, 0.401 and output 0.802; an LSTM's 98,304 weights",
     example_attention_arithmetic},
    {"rnn-gradient", "section-11.2 q11.1", 11,
     "the gradient reaching step 1 from step T in an RNN and an LSTM, on a log axis (SVG)", example_rnn_gradient},
    {"attention-maps", "section-11.5", 11,
     "the attention maps of a small causal Transformer trained on a repeated sentence (SVG)", example_attention_maps},
    {"pca-from-scratch", "listing-12.1", 12, "PCA of random 1000 x 50 data: about 5.7% of the variance in 2-D",
     example_pca_from_scratch},
    {"variance-retained", "example-12.1 q12.4 q12.8", 12,
     "components for a share of the variance: 85.2% and 96.6% (k = 3), exactly 90%, 10 for 1/k^2",
     example_variance_retained},
    {"pca-worked", "q12.7", 12, "the worked 2-D PCA: mean (4.8, 4.2), eigenvalues, PC1 near the diagonal",
     example_pca_worked},
    {"pca-visualization", "listing-12.3 q12.9", 12, "correlated data with its PC arrows, and the decorrelated projection (SVG)",
     example_pca_visualization},
    {"scree-plot", "q12.11", 12, "the digits' explained variance by component and its cumulative curve (SVG)",
     example_scree_plot},
    {"curse-of-dimensionality", "section-12.1 q12.1", 12,
     "pairwise distances concentrate as the dimension grows: sqrt(2d) and sqrt(2) (SVG)",
     example_curse_of_dimensionality},
    {"tsne-perplexity", "section-12.3 q12.3", 12, "t-SNE of the digits at perplexities 5, 30 and 50 side by side (SVG)",
     example_tsne_perplexity},
    {"autoencoder-reconstructions", "listing-12.2 section-12.4 q12.10", 12,
     "Listing 12.2's autoencoder on the digits: reconstructions beside PCA's with as many components (SVG)",
     example_autoencoder_reconstructions},
    {"vae-latent-space", "section-12.4-vae", 12,
     "a VAE's 2-D latent space coloured by digit, and digits decoded from the prior (SVG)", example_vae_latent_space},
};
const int book_example_count = (int)(sizeof book_examples / sizeof book_examples[0]);

const book_example *book_example_find(const char *name) {
    size_t n = strlen(name);
    for (int i = 0; i < book_example_count; i++) {
        if (!strcmp(book_examples[i].name, name)) return &book_examples[i];
        for (const char *a = book_examples[i].aliases; (a = strstr(a, name)) != NULL; a += n)
            if ((a == book_examples[i].aliases || a[-1] == ' ') && (a[n] == ' ' || a[n] == '\0'))
                return &book_examples[i];
    }
    return NULL;
}

static _Thread_local char failure[1024];

pr_status example_fail(pr_status status, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(failure, sizeof failure, fmt, ap);
    va_end(ap);
    return status;
}

const char *example_failure(void) { return failure; }
void example_clear_failure(void) { failure[0] = '\0'; }

const char *example_path(const example_context *ctx, const char *file, char *buf, size_t len) {
    const char *dir = ctx->out_dir && *ctx->out_dir ? ctx->out_dir : ".";
    /* the folder is made when the first file goes into it (mkdir -p), so an example that
       draws nothing leaves nothing behind */
    snprintf(buf, len, "%s/", dir);
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(buf, 0777);
            *p = '/';
        }
    snprintf(buf, len, "%s/%s", dir, file);
    return buf;
}

pr_status example_save_figure(const example_context *ctx, const pr_figure *fig, const char *file) {
    char path[4096];
    pr_status st = pr_figure_save_svg(fig, example_path(ctx, file, path, sizeof path));
    if (!st) fprintf(ctx->out, "wrote %s\n", path);
    return st;
}
