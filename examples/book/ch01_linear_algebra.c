/* Chapter 1 of the book: linear algebra. */
#include <math.h>
#include <stdlib.h>

#include "examples/book/examples.h"

/* Free every tensor in a NULL-terminated list of pointers. */
#define FREE_ALL(...)                                                     \
    do {                                                                  \
        pr_tensor *list_[] = {__VA_ARGS__};                               \
        for (size_t k_ = 0; k_ < sizeof list_ / sizeof list_[0]; k_++)     \
            pr_tensor_free(list_[k_]);                                    \
    } while (0)

/* "<label><tensor>\n" in NumPy's notation. */
static void print_tensor(const example_context *ctx, const char *label, const pr_tensor *t) {
    fputs(label, ctx->out);
    pr_tensor_fprint(ctx->out, t);
    fputc('\n', ctx->out);
}

/* A 1-D tensor from three doubles, for the book's small vectors. */
static pr_status vec3(pr_tensor **out, double a, double b, double c) {
    return pr_tensor_from_array(out, PR_F64, PR_SHAPE(3), (double[]){a, b, c});
}

pr_status example_cosine_similarity(const example_context *ctx) {
    pr_tensor *king = NULL, *queen = NULL, *u = NULL, *v = NULL, *proj = NULL;
    double dot, cosine, nk, nq, angle;
    pr_status st = vec3(&king, 2, 1, 3);
    if (!st) st = vec3(&queen, 2, 1.5, 2.5);
    if (!st) st = pr_dot(king, queen, &dot);
    if (!st) st = pr_cosine_similarity(king, queen, &cosine);
    if (!st) st = pr_norm(king, 2, &nk);
    if (!st) st = pr_norm(queen, 2, &nq);
    if (!st) {
        fprintf(ctx->out, "Example 1.1: king = (2, 1, 3), queen = (2, 1.5, 2.5)\n");
        fprintf(ctx->out, "  king . queen = %g\n", dot);
        fprintf(ctx->out, "  ||king||^2 = %g, ||queen||^2 = %g (the book prints 10.5; erratum: it is 12.5)\n",
                nk * nk, nq * nq);
        fprintf(ctx->out, "  cosine similarity = %g / (%.4f * %.4f) = %.4f (about 0.98)\n", dot, nk, nq, cosine);
    }
    if (!st) st = vec3(&u, 1, 2, -1);
    if (!st) st = vec3(&v, 3, 0, 4);
    if (!st) st = pr_dot(u, v, &dot);
    if (!st) st = pr_cosine_similarity(u, v, &cosine);
    if (!st) st = pr_vector_angle(u, v, &angle);
    if (!st) st = pr_project_onto_vector(v, u, &proj);
    if (!st) {
        fprintf(ctx->out, "Q1.7: u = (1, 2, -1), v = (3, 0, 4)\n");
        fprintf(ctx->out, "  u . v = %g\n", dot);
        fprintf(ctx->out, "  cos(theta) = %.4f, theta = %.1f degrees\n", cosine, angle * 180 / M_PI);
        print_tensor(ctx, "  projection of v onto u = ", proj);
    }
    FREE_ALL(king, queen, u, v, proj);
    return st;
}

pr_status example_vector_norms(const example_context *ctx) {
    pr_tensor *x;
    double l1, l2, linf;
    pr_status st = vec3(&x, 3, -4, 0);
    if (!st) st = pr_norm(x, 1, &l1);
    if (!st) st = pr_norm(x, 2, &l2);
    if (!st) st = pr_norm(x, INFINITY, &linf);
    if (!st) {
        print_tensor(ctx, "x = ", x);
        fprintf(ctx->out, "||x||_1   = %g\n||x||_2   = %g\n||x||_inf = %g\n", l1, l2, linf);
        fprintf(ctx->out, "||x||_inf <= ||x||_2 <= ||x||_1: %s\n", linf <= l2 && l2 <= l1 ? "True" : "False");
    }
    pr_tensor_free(x);
    return st;
}

pr_status example_dense_layer(const example_context *ctx) {
    pr_tensor *W = NULL, *x = NULL, *b = NULL, *Wx = NULL, *z = NULL;
    pr_status st = pr_tensor_from_array(&W, PR_F64, PR_SHAPE(2, 3), (double[]){0.5, -0.3, 0.8, 0.1, 0.7, -0.2});
    if (!st) st = vec3(&x, 1, 2, 3);
    if (!st) st = pr_tensor_zeros(&b, PR_F64, PR_SHAPE(2));
    if (!st) st = pr_matmul(W, x, &Wx);
    if (!st) st = pr_add(Wx, b, &z);
    if (!st) {
        print_tensor(ctx, "W =\n", W);
        print_tensor(ctx, "x = ", x);
        print_tensor(ctx, "b = ", b);
        print_tensor(ctx, "z = W x + b = ", z);
    }
    FREE_ALL(W, x, b, Wx, z);
    return st;
}

pr_status example_solve_linear_system(const example_context *ctx) {
    pr_tensor *A = NULL, *b = NULL, *inv = NULL, *x = NULL, *check = NULL;
    double det;
    pr_system_kind kind;
    pr_status st = pr_tensor_from_array(&A, PR_F64, PR_SHAPE(2, 2), (double[]){2, 1, 1, 3});
    if (!st) st = pr_tensor_from_array(&b, PR_F64, PR_SHAPE(2), (double[]){5, 7});
    if (!st) st = pr_det(A, &det);
    if (!st) st = pr_inverse(A, &inv);
    if (!st) st = pr_solve(A, b, &x);
    if (!st) st = pr_matmul(A, x, &check);
    if (!st) st = pr_system_kind_of(A, b, &kind);
    if (!st) {
        print_tensor(ctx, "A =\n", A);
        print_tensor(ctx, "b = ", b);
        fprintf(ctx->out, "det(A) = %g\n", det);
        print_tensor(ctx, "inverse(A) =\n", inv);
        print_tensor(ctx, "x = solve(A, b) = ", x);
        print_tensor(ctx, "check: A x = ", check);
        fprintf(ctx->out, "the system has a %s\n", pr_system_kind_name(kind));
    }
    FREE_ALL(A, b, inv, x, check);
    return st;
}

/* Write the complex eigenvalues (re, im) NumPy-style, or the real ones when all im are 0. */
static void print_eigenvalues(const example_context *ctx, const pr_tensor *re, const pr_tensor *im) {
    int complex_values = 0;
    for (int64_t i = 0; i < im->size; i++) complex_values |= pr_tensor_get(im, i) != 0;
    if (!complex_values) {
        print_tensor(ctx, "Eigenvalues: ", re);
        return;
    }
    fputs("Eigenvalues: [", ctx->out);
    for (int64_t i = 0; i < re->size; i++)
        fprintf(ctx->out, "%s%.8g%+.8gj", i ? " " : "", pr_tensor_get(re, i), pr_tensor_get(im, i));
    fputs("]\n", ctx->out);
}

pr_status example_eigen_check(const example_context *ctx) {
    pr_tensor *A = NULL, *w = NULL, *wi = NULL, *V = NULL, *Vi = NULL, *Vt = NULL, *Av = NULL, *lv = NULL;
    pr_status st = pr_tensor_from_array(&A, PR_F64, PR_SHAPE(2, 2), (double[]){3, 1, 0, 2});
    if (!st) st = pr_eig(A, &w, &wi, &V, &Vi);
    if (!st) st = pr_tensor_transpose(V, NULL, &Vt); /* rows of Vt are the eigenvectors */
    if (!st) {
        print_eigenvalues(ctx, w, wi);
        print_tensor(ctx, "Eigenvectors:\n", V);
    }
    double worst = 0;
    for (int64_t i = 0; !st && i < w->size; i++) {
        pr_tensor v;
        st = pr_tensor_view_rows(Vt, i, i + 1, &v);
        if (!st) st = pr_tensor_reshape(&v, PR_SHAPE(2));
        if (!st) st = pr_matmul(A, &v, &Av);
        if (!st) st = pr_binary_scalar(PR_MUL, &v, pr_tensor_get(w, i), &lv);
        if (!st) {
            fputs("A*v = ", ctx->out);
            pr_tensor_fprint(ctx->out, Av);
            print_tensor(ctx, ", lambda*v = ", lv);
            for (int64_t k = 0; k < Av->size; k++)
                worst = fmax(worst, fabs(pr_tensor_get(Av, k) - pr_tensor_get(lv, k)));
        }
        pr_tensor_free(Av);
        pr_tensor_free(lv);
        Av = lv = NULL;
    }
    if (!st) fprintf(ctx->out, "largest |A v - lambda v| = %.2e\n", worst);
    FREE_ALL(A, w, wi, V, Vi, Vt);
    return st;
}

pr_status example_svd_eigen_relation(const example_context *ctx) {
    pr_tensor *X = NULL, *U = NULL, *S = NULL, *Vt = NULL, *G = NULL, *ev = NULL, *root = NULL;
    pr_tensor *US = NULL, *Xr = NULL, *diff = NULL, *XXt = NULL, *ev2 = NULL;
    double err = 0;
    pr_status st = pr_tensor_from_array(&X, PR_F64, PR_SHAPE(3, 2), (double[]){1, 2, 3, 4, 5, 6});
    if (!st) st = pr_svd(X, PR_SVD_THIN, &U, &S, &Vt);
    if (!st) st = pr_gram(X, &G);
    if (!st) st = pr_eigh(G, PR_DESCENDING, &ev, NULL);
    if (!st) st = pr_unary(PR_SQRT, ev, &root);
    /* Reconstruction U diag(S) Vt: scale U's columns by S (broadcasting), then multiply. */
    if (!st) st = pr_mul(U, S, &US);
    if (!st) st = pr_matmul(US, Vt, &Xr);
    if (!st) st = pr_sub(X, Xr, &diff);
    if (!st) st = pr_matrix_norm(diff, PR_NORM_FROBENIUS, &err);
    if (!st) {
        print_tensor(ctx, "Singular values: ", S);
        print_tensor(ctx, "sqrt(eigenvalues): ", root);
        fprintf(ctx->out, "Reconstruction error: %.2e\n", err);
    }
    /* Example 1.6: the same values come from X X^T, padded with a zero eigenvalue. */
    if (!st) st = pr_tensor_transpose(X, NULL, &XXt);
    if (!st) {
        pr_tensor *t = XXt;
        st = pr_matmul(X, t, &XXt);
        pr_tensor_free(t);
    }
    if (!st) st = pr_eigh(XXt, PR_DESCENDING, &ev2, NULL);
    if (!st) print_tensor(ctx, "eigenvalues of X X^T: ", ev2);
    FREE_ALL(X, U, S, Vt, G, ev, root, US, Xr, diff, XXt, ev2);
    return st;
}

pr_status example_least_squares(const example_context *ctx) {
    pr_tensor *X = NULL, *y = NULL, *XtX = NULL, *Xt = NULL, *Xty = NULL, *w = NULL, *fit = NULL;
    double det;
    pr_status st = pr_tensor_from_array(&X, PR_F64, PR_SHAPE(3, 2), (double[]){1, 2, 3, 4, 5, 6});
    if (!st) st = pr_tensor_from_array(&y, PR_F64, PR_SHAPE(3), (double[]){1, 2, 3});
    if (!st) st = pr_gram(X, &XtX);
    if (!st) st = pr_tensor_transpose(X, NULL, &Xt);
    if (!st) st = pr_matmul(Xt, y, &Xty);
    if (!st) st = pr_det(XtX, &det);
    if (!st) st = pr_solve(XtX, Xty, &w);
    if (!st) st = pr_matmul(X, w, &fit);
    if (!st) {
        print_tensor(ctx, "X^T X =\n", XtX);
        print_tensor(ctx, "X^T y = ", Xty);
        fprintf(ctx->out, "det(X^T X) = %.4g\n", det);
        fprintf(ctx->out, "w* = (%.4f, %.4f)\n", pr_tensor_get(w, 0) + 0.0, pr_tensor_get(w, 1));
        fprintf(ctx->out, "X w* = (%.4f, %.4f, %.4f): the data lie on a line\n", pr_tensor_get(fit, 0),
                pr_tensor_get(fit, 1), pr_tensor_get(fit, 2));
    }
    FREE_ALL(X, y, XtX, Xt, Xty, w, fit);
    return st;
}

pr_status example_definiteness(const example_context *ctx) {
    pr_tensor *D = NULL, *A = NULL, *w = NULL, *wi = NULL, *poly = NULL, *S = NULL, *sw = NULL;
    pr_definiteness kind;
    pr_status st = pr_tensor_from_array(&D, PR_F64, PR_SHAPE(3, 3), (double[]){5, 0, 0, 0, 3, 0, 0, 0, -1});
    if (!st) st = pr_definiteness_of(D, -1, &kind);
    if (!st) fprintf(ctx->out, "Q1.6: eigenvalues {5, 3, -1}: %s\n", pr_definiteness_name(kind));
    if (!st) st = pr_tensor_from_array(&A, PR_F64, PR_SHAPE(2, 2), (double[]){4, 2, 1, 3});
    if (!st) st = pr_eig(A, &w, &wi, NULL, NULL);
    if (!st) st = pr_charpoly(A, &poly);
    if (!st) st = pr_symmetric_part(A, &S);
    if (!st) st = pr_eigh(S, PR_DESCENDING, &sw, NULL);
    if (!st) st = pr_definiteness_of(A, -1, &kind);
    if (!st) {
        fprintf(ctx->out, "Q1.8: A = [[4, 2], [1, 3]] (not symmetric)\n");
        print_tensor(ctx, "  characteristic polynomial coefficients: ", poly);
        print_tensor(ctx, "  eigenvalues of A: ", w);
        print_tensor(ctx, "  symmetric part (A + A^T)/2 =\n", S);
        print_tensor(ctx, "  its eigenvalues (3.5 +- sqrt(2.5)): ", sw);
        fprintf(ctx->out, "  (the book prints 5.25 and 1.75; erratum: 5.081 and 1.919)\n");
        fprintf(ctx->out, "  x^T A x is %s\n", pr_definiteness_name(kind));
    }
    FREE_ALL(D, A, w, wi, poly, S, sw);
    return st;
}

pr_status example_matrix_norm_inequality(const example_context *ctx) {
    pr_rng rng;
    pr_rng_seed(&rng, ctx->seed);
    pr_tensor *A = NULL, *x = NULL, *Ax = NULL;
    double lhs, normA, normx;
    pr_status st = pr_tensor_normal(&A, PR_F64, PR_SHAPE(4, 3), 0, 1, &rng);
    if (!st) st = pr_tensor_normal(&x, PR_F64, PR_SHAPE(3), 0, 1, &rng);
    if (!st) st = pr_matmul(A, x, &Ax);
    if (!st) st = pr_norm(Ax, 2, &lhs);
    if (!st) st = pr_matrix_norm(A, PR_NORM_SPECTRAL, &normA);
    if (!st) st = pr_norm(x, 2, &normx);
    if (!st) {
        double rhs = normA * normx;
        fprintf(ctx->out, "||Ax|| = %.4f\n", lhs);
        fprintf(ctx->out, "||A|| * ||x|| = %.4f\n", rhs);
        fprintf(ctx->out, "Inequality holds: %s\n", lhs <= rhs + 1e-10 ? "True" : "False");
    }
    FREE_ALL(A, x, Ax);
    return st;
}

pr_status example_unit_balls(const example_context *ctx) {
    enum { N = 721 };
    static const double ps[] = {1, 2, 4, INFINITY};
    static const char *const names[] = {"$L_1$ (diamond)", "$L_2$ (circle)", "$L_4$", "$L_\\infty$ (square)"};
    static const char *const colors[] = {"C0", "C1", "C2", "C3"};
    double *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y);
    pr_figure *fig = NULL;
    pr_status st = x && y ? pr_figure_new(&fig, 1, 1, 640, 600) : PR_ERR_NOMEM;
    pr_axes *ax = fig ? pr_figure_axes(fig, 0, 0) : NULL;
    for (int k = 0; !st && k < 4; k++) {
        /* Scale each direction (cos t, sin t) onto the sphere ||.||_p = 1. */
        for (int i = 0; !st && i < N; i++) {
            double t = 2 * M_PI * i / (N - 1), norm;
            pr_tensor *d;
            st = pr_tensor_from_array(&d, PR_F64, PR_SHAPE(2), (double[]){cos(t), sin(t)});
            if (!st) st = pr_norm(d, ps[k], &norm);
            if (!st) {
                x[i] = cos(t) / norm;
                y[i] = sin(t) / norm;
            }
            pr_tensor_free(d);
        }
        if (!st) st = pr_axes_line(ax, x, y, N, &(pr_style){.color = colors[k], .line_width = 2, .label = names[k]});
    }
    if (!st) {
        pr_axes_hline(ax, 0, &(pr_style){.color = "black", .line_width = 0.8});
        pr_axes_vline(ax, 0, &(pr_style){.color = "black", .line_width = 0.8});
        pr_axes_set_equal_aspect(ax, 1);
        pr_axes_set_grid(ax, 0.3);
        pr_axes_set_xlim(ax, -1.3, 1.3);
        pr_axes_set_ylim(ax, -1.3, 1.3);
        pr_axes_set_legend(ax, PR_LEGEND_UPPER_RIGHT);
        pr_axes_set_xlabel(ax, "$x_1$");
        pr_axes_set_ylabel(ax, "$x_2$");
        st = pr_axes_set_title(ax, "Unit balls $\\|x\\|_p = 1$");
    }
    if (!st) {
        fprintf(ctx->out, "points with ||x||_p = 1 for p = 1, 2, 4 and infinity; the L1 ball has corners on the axes\n");
        st = example_save_figure(ctx, fig, "unit_balls.svg");
    }
    pr_figure_free(fig);
    free(x);
    free(y);
    return st;
}

pr_status example_eigen_directions(const example_context *ctx) {
    /* A = [[3, 1], [0, 2]]: eigenvectors (1, 0) and (-1, 1)/sqrt 2; (0, 1) is not one. */
    pr_tensor *A = NULL, *w = NULL, *wi = NULL, *V = NULL, *Vi = NULL, *u = NULL, *Au = NULL;
    pr_figure *fig = NULL;
    pr_status st = pr_tensor_from_array(&A, PR_F64, PR_SHAPE(2, 2), (double[]){3, 1, 0, 2});
    if (!st) st = pr_eig(A, &w, &wi, &V, &Vi);
    if (!st) st = pr_tensor_from_array(&u, PR_F64, PR_SHAPE(2), (double[]){0, 1});
    if (!st) st = pr_matmul(A, u, &Au);
    if (!st) st = pr_figure_new(&fig, 1, 1, 720, 420);
    pr_axes *ax = fig ? pr_figure_axes(fig, 0, 0) : NULL;
    for (int i = 0; !st && i < 2; i++) {
        double vx = pr_tensor_get(V, 0 * 2 + i), vy = pr_tensor_get(V, 1 * 2 + i), lam = pr_tensor_get(w, i);
        st = pr_axes_arrow(ax, 0, 0, lam * vx, lam * vy, &(pr_style){.color = "#9ecae1", .line_width = 4});
        if (!st) st = pr_axes_arrow(ax, 0, 0, vx, vy, &(pr_style){.color = "#08519c", .line_width = 2});
        char label[64];
        snprintf(label, sizeof label, "$\\lambda$ = %g", lam);
        if (!st) st = pr_axes_text(ax, lam * vx + 0.05, lam * vy + 0.1, label, &(pr_style){.color = "#08519c"});
    }
    if (!st) st = pr_axes_arrow(ax, 0, 0, pr_tensor_get(Au, 0), pr_tensor_get(Au, 1), &(pr_style){.color = "#fcae91", .line_width = 4});
    if (!st) st = pr_axes_arrow(ax, 0, 0, 0, 1, &(pr_style){.color = "#cb181d", .line_width = 2});
    if (!st) st = pr_axes_text(ax, pr_tensor_get(Au, 0) + 0.05, pr_tensor_get(Au, 1), "A u: turned", &(pr_style){.color = "#cb181d"});
    if (!st) {
        /* Legend samples for the four kinds of arrow. */
        double nan2[2] = {NAN, NAN};
        pr_axes_line(ax, nan2, nan2, 2, &(pr_style){.color = "#08519c", .line_width = 2, .label = "eigenvector v"});
        pr_axes_line(ax, nan2, nan2, 2, &(pr_style){.color = "#9ecae1", .line_width = 4, .label = "A v = $\\lambda$ v"});
        pr_axes_line(ax, nan2, nan2, 2, &(pr_style){.color = "#cb181d", .line_width = 2, .label = "other vector u"});
        pr_axes_line(ax, nan2, nan2, 2, &(pr_style){.color = "#fcae91", .line_width = 4, .label = "A u"});
        pr_axes_set_xlim(ax, -2.6, 3.6);
        pr_axes_set_ylim(ax, -0.6, 2.6);
        pr_axes_set_equal_aspect(ax, 1);
        pr_axes_set_grid(ax, 0.3);
        pr_axes_set_legend(ax, PR_LEGEND_UPPER_LEFT);
        st = pr_axes_set_title(ax, "Eigenvectors of A = [[3, 1], [0, 2]] keep their direction");
    }
    if (!st) {
        fprintf(ctx->out, "A v = lambda v for the eigenvectors; u = (0, 1) maps to A u = (%g, %g), a new direction\n",
                pr_tensor_get(Au, 0), pr_tensor_get(Au, 1));
        st = example_save_figure(ctx, fig, "eigen_directions.svg");
    }
    pr_figure_free(fig);
    FREE_ALL(A, w, wi, V, Vi, u, Au);
    return st;
}
