/* Data sets and preparation: the embedded digits against scikit-learn's copy, the
 * synthetic generators' geometry, splits, standardisation, labels and batches. */
#include <string.h>

#include "test_util.h"

Test(data, digits_match_scikit_learn) {
    pr_tensor *X, *y, *want = load_fixture("nn/digits.npy"); /* 64 column sums, then 10 class counts */
    assert_ok(pr_data_digits(&X, &y));
    cr_assert_eq(X->shape[0], 1797);
    cr_assert_eq(X->shape[1], 64);
    for (int j = 0; j < 64; j++) {
        double s = 0;
        for (int i = 0; i < 1797; i++) s += pr_tensor_f64(X)[i * 64 + j];
        assert_near(s, pr_tensor_get(want, j), 0);
    }
    double counts[10] = {0};
    for (int i = 0; i < 1797; i++) counts[(int)pr_tensor_f64(y)[i]]++;
    for (int k = 0; k < 10; k++) assert_near(counts[k], pr_tensor_get(want, 64 + k), 0);
    cr_assert(strstr(pr_data_digits_citation(), "Alpaydin") && strstr(pr_data_digits_citation(), "CC BY 4.0"));
    pr_tensor_free(X);
    pr_tensor_free(y);
    pr_tensor_free(want);
}

Test(data, xor_moons_circles_geometry) {
    pr_rng rng;
    pr_rng_seed(&rng, 5);
    pr_tensor *X, *y;
    assert_ok(pr_data_xor(8, 0, &rng, &X, &y));
    assert_values_close(X, (double[]){0, 0, 0, 1, 1, 0, 1, 1, 0, 0, 0, 1, 1, 0, 1, 1}, 16, 0, 0, "XOR corners");
    assert_values_close(y, (double[]){0, 1, 1, 0, 0, 1, 1, 0}, 8, 0, 0, "XOR labels");
    pr_tensor_free(X);
    pr_tensor_free(y);
    /* noiseless moons: class 0 on the unit upper arc, class 1 on the shifted lower arc */
    assert_ok(pr_data_moons(101, 0, &rng, &X, &y));
    int64_t ones = 0;
    for (int64_t i = 0; i < 101; i++) {
        double a = pr_tensor_get(X, 2 * i), b = pr_tensor_get(X, 2 * i + 1);
        if (pr_tensor_get(y, i) == 0) {
            assert_near(a * a + b * b, 1, 1e-12);
        } else {
            assert_near((a - 1) * (a - 1) + (b - 0.5) * (b - 0.5), 1, 1e-12);
            ones++;
        }
    }
    cr_assert_eq(ones, 51); /* n - n/2 on the inner moon */
    pr_tensor_free(X);
    pr_tensor_free(y);
    assert_ok(pr_data_circles(100, 0, 0.5, &rng, &X, &y));
    for (int64_t i = 0; i < 100; i++) {
        double a = pr_tensor_get(X, 2 * i), b = pr_tensor_get(X, 2 * i + 1);
        assert_near(sqrt(a * a + b * b), pr_tensor_get(y, i) ? 0.5 : 1, 1e-12);
    }
    pr_tensor_free(X);
    pr_tensor_free(y);
    assert_fails(pr_data_circles(10, 0, 1.5, &rng, &X, &y), PR_ERR_INVALID, "factor must be in (0, 1)");
    assert_fails(pr_data_moons(0, 0, &rng, &X, &y), PR_ERR_INVALID, "n must be in 1..2^32");
}

Test(data, spirals_blobs_classification_and_sine) {
    pr_rng rng;
    pr_rng_seed(&rng, 6);
    pr_tensor *X, *y;
    assert_ok(pr_data_spirals(300, 3, 0, &rng, &X, &y));
    double counts[3] = {0};
    for (int64_t i = 0; i < 300; i++) {
        counts[(int)pr_tensor_get(y, i)]++;
        double r = hypot(pr_tensor_get(X, 2 * i), pr_tensor_get(X, 2 * i + 1));
        cr_assert(r <= 1 + 1e-12);
    }
    for (int k = 0; k < 3; k++) assert_near(counts[k], 100, 0);
    pr_tensor_free(X);
    pr_tensor_free(y);
    /* blobs: tight clusters, points split evenly, each near one of the centres */
    assert_ok(pr_data_blobs(1000, 5, 4, 0.01, &rng, &X, &y));
    cr_assert_eq(X->shape[1], 5);
    double per[4] = {0};
    for (int64_t i = 0; i < 1000; i++) per[(int)pr_tensor_get(y, i)]++;
    for (int k = 0; k < 4; k++) assert_near(per[k], 250, 0);
    for (int d = 0; d < 5; d++) { /* within one blob, a coordinate varies by about std */
        double first = -1e9;
        for (int64_t i = 0; i < 1000; i++)
            if (pr_tensor_get(y, i) == 2) {
                if (first == -1e9) first = pr_tensor_get(X, i * 5 + d);
                assert_near(pr_tensor_get(X, i * 5 + d), first, 0.1);
            }
    }
    pr_tensor_free(X);
    pr_tensor_free(y);
    pr_classification_options co = PR_CLASSIFICATION_DEFAULTS;
    co.features = 10;
    co.informative = 3;
    co.classes = 3;
    co.flip = 0; /* 0 means none */
    assert_ok(pr_data_classification(600, &co, &rng, &X, &y));
    cr_assert_eq(X->shape[1], 10);
    double cls[3] = {0};
    for (int64_t i = 0; i < 600; i++) cls[(int)pr_tensor_get(y, i)]++;
    for (int k = 0; k < 3; k++) assert_near(cls[k], 200, 0); /* no flips: 2 clusters of 100 per class */
    /* the redundant columns are linear in the informative ones: X has rank 3 + 5 noise = 8 */
    pr_tensor *s;
    assert_ok(pr_svd(X, PR_SVD_THIN, NULL, &s, NULL));
    cr_assert_lt(pr_tensor_get(s, 9) / pr_tensor_get(s, 0), 1e-10);
    cr_assert_gt(pr_tensor_get(s, 7) / pr_tensor_get(s, 0), 1e-3);
    pr_tensor_free(s);
    pr_tensor_free(X);
    pr_tensor_free(y);
    assert_ok(pr_data_sine(200, 0, &rng, &X, &y));
    for (int64_t i = 0; i < 200; i++) assert_near(pr_tensor_get(y, i), sin(pr_tensor_get(X, i)), 0);
    pr_tensor_free(X);
    pr_tensor_free(y);
}

Test(data, stratified_split_keeps_class_shares) {
    pr_tensor *X, *y, *Xtr, *ytr, *Xte, *yte;
    assert_ok(pr_data_digits(&X, &y));
    pr_rng rng;
    pr_rng_seed(&rng, 1);
    assert_ok(pr_data_split(X, y, 0.2, 1, &rng, &Xtr, &ytr, &Xte, &yte));
    cr_assert_eq(Xtr->shape[0] + Xte->shape[0], 1797);
    double train[10] = {0}, test[10] = {0}, all[10] = {0};
    for (int64_t i = 0; i < ytr->size; i++) train[(int)pr_tensor_get(ytr, i)]++;
    for (int64_t i = 0; i < yte->size; i++) test[(int)pr_tensor_get(yte, i)]++;
    for (int64_t i = 0; i < y->size; i++) all[(int)pr_tensor_get(y, i)]++;
    for (int k = 0; k < 10; k++) {
        assert_near(test[k], round(0.2 * all[k]), 0);
        assert_near(train[k] + test[k], all[k], 0);
    }
    /* rows travel with their labels: every test row is a row of X with the same label */
    for (int64_t i = 0; i < 5; i++) {
        int found = 0;
        for (int64_t r = 0; r < 1797 && !found; r++)
            found = !memcmp(pr_tensor_f64(Xte) + i * 64, pr_tensor_f64(X) + r * 64, 64 * sizeof(double)) &&
                    pr_tensor_get(y, r) == pr_tensor_get(yte, i);
        cr_assert(found);
    }
    pr_tensor *ts[] = {X, y, Xtr, ytr, Xte, yte};
    for (int k = 0; k < 6; k++) pr_tensor_free(ts[k]);
    pr_tensor *one = T64(PR_SHAPE(1, 2), 1, 2);
    assert_fails(pr_data_split(one, NULL, 0.5, 0, &rng, &Xtr, NULL, &Xte, NULL), PR_ERR_SHAPE, "splitting needs at least 2");
    assert_fails(pr_data_split(one, NULL, 1.5, 0, &rng, &Xtr, NULL, &Xte, NULL), PR_ERR_INVALID, "must be in (0, 1)");
    pr_tensor_free(one);
}

Test(data, standardize_labels_and_one_hot) {
    pr_tensor *X = T64(PR_SHAPE(4, 2), 1, 5, 2, 5, 3, 5, 6, 5), *mean, *scale, *Z;
    assert_ok(pr_data_standardize_fit(X, &mean, &scale));
    /* column 1 is constant: scale 1, so it becomes 0 */
    assert_values_close(mean, (double[]){3, 5}, 2, 1e-15, 0, "mean");
    assert_values_close(scale, (double[]){sqrt(3.5), 1}, 2, 1e-15, 0, "scale (divisor n)");
    assert_ok(pr_data_standardize(X, mean, scale, &Z));
    assert_near(pr_tensor_get(Z, 0), -2 / sqrt(3.5), 1e-15);
    assert_near(pr_tensor_get(Z, 1), 0, 0);
    pr_tensor *y = T64(PR_SHAPE(5), 7, -1, 7, 3, -1), *idx, *classes, *oh;
    assert_ok(pr_data_encode_labels(y, 0, &idx, &classes));
    assert_values_close(classes, (double[]){-1, 3, 7}, 3, 0, 0, "classes");
    assert_values_close(idx, (double[]){2, 0, 2, 1, 0}, 5, 0, 0, "indices");
    assert_ok(pr_data_one_hot(idx, 3, &oh));
    assert_values_close(oh, (double[]){0, 0, 1, 1, 0, 0, 0, 0, 1, 0, 1, 0, 1, 0, 0}, 15, 0, 0, "one-hot");
    assert_fails(pr_data_one_hot(idx, 2, &Z), PR_ERR_INVALID, "label 2 in row 0 is not a class in 0..1");
    pr_tensor *frac = T64(PR_SHAPE(2), 1, 1.5);
    cr_assert(!pr_data_is_integral(frac));
    assert_fails(pr_data_encode_labels(frac, 0, &idx, &classes), PR_ERR_INVALID, "label 1.5 in row 1 is not a whole number");
    assert_fails(pr_data_encode_labels(y, 2, &idx, &classes), PR_ERR_LIMIT, "3 distinct labels");
    pr_tensor *ts[] = {X, mean, scale, Z, y, idx, classes, oh, frac};
    for (int k = 0; k < 9; k++) pr_tensor_free(ts[k]);
}

Test(data, batches_visit_every_row_once_per_pass) {
    pr_tensor *X, *y;
    assert_ok(pr_tensor_zeros(&X, PR_F64, PR_SHAPE(65, 2)));
    assert_ok(pr_tensor_zeros(&y, PR_F64, PR_SHAPE(65)));
    for (int64_t i = 0; i < 65; i++) {
        pr_tensor_set(X, 2 * i, (double)i);
        pr_tensor_set(y, i, (double)i);
    }
    pr_rng rng;
    pr_rng_seed(&rng, 2);
    pr_batches *b;
    assert_ok(pr_batches_new(&b, X, y, 16, 1, &rng, PR_F32));
    cr_assert_eq(pr_batches_count(b), 4); /* 16, 16, 16 and 17: the single leftover row joins the last batch */
    for (int pass = 0; pass < 2; pass++) {
        int seen[65] = {0}, batches = 0;
        pr_tensor xb, yb;
        while (pr_batches_next(b, &xb, &yb)) {
            cr_assert_eq(xb.dtype, PR_F32);
            cr_assert_eq(xb.shape[0], batches == 3 ? 17 : 16);
            for (int64_t i = 0; i < xb.shape[0]; i++) {
                int row = (int)pr_tensor_get(&yb, i);
                cr_assert_eq(pr_tensor_get(&xb, 2 * i), row);
                seen[row]++;
            }
            batches++;
        }
        cr_assert_eq(batches, 4);
        for (int i = 0; i < 65; i++) cr_assert_eq(seen[i], 1, "row %d seen %d times in pass %d", i, seen[i], pass);
    }
    pr_batches_free(b);
    /* in order without shuffling */
    assert_ok(pr_batches_new(&b, X, y, 30, 0, NULL, 0));
    pr_tensor xb;
    cr_assert(pr_batches_next(b, &xb, NULL));
    cr_assert_eq(pr_tensor_get(&xb, 2 * 29), 29);
    cr_assert(pr_batches_next(b, &xb, NULL));
    cr_assert(pr_batches_next(b, &xb, NULL));
    cr_assert_eq(xb.shape[0], 5);
    cr_assert(!pr_batches_next(b, &xb, NULL));
    pr_batches_free(b);
    assert_fails(pr_batches_new(&b, X, y, 0, 0, NULL, 0), PR_ERR_INVALID, "batch size must be >= 1");
    pr_tensor_free(X);
    pr_tensor_free(y);
}

/* Values a fit cannot square and sum in float64 are named as an overflow with their
 * column and row, at the closed-form limit sqrt(DBL_MAX / (4 rows)), before any fit
 * reports a singular matrix or NaN weights. */
Test(data, values_too_large_to_square_are_an_overflow_naming_the_column) {
    pr_tensor *X = T64(PR_SHAPE(4, 2), 1, 2, 3, 1e300, 5, 6, 7, 8), *y = T64(PR_SHAPE(4), 1, 2, 3, 4);
    const char *names[2] = {"area", "price"};
    assert_fails(pr_data_check_columns(X, names, 0, "X"), PR_ERR_OVERFLOW, "X: column 'price' holds 1e+300 in row 1");
    assert_fails(pr_data_check_columns(X, NULL, 1, "houses.csv"), PR_ERR_OVERFLOW, "column 1 holds 1e+300 in data row 2");
    /* the limit for 4 rows: sqrt(1.7976931348623157e308 / 16) = 3.3519e153 */
    cr_assert(strstr(pr_last_error(), "above |x| = 3.35e+153"), "%s", pr_last_error());
    pr_tensor_set(X, 3, 3.35e153);
    assert_ok(pr_data_check_columns(X, names, 0, "X"));
    pr_tensor_set(X, 3, -3.36e153);
    assert_fails(pr_data_check_columns(X, names, 0, "X"), PR_ERR_OVERFLOW, "column 'price' holds -3.36e+153");
    pr_tensor_set(X, 3, NAN);
    assert_fails(pr_data_check_columns(X, names, 0, "X"), PR_ERR_NONFINITE, "column 'price' holds NaN in row 1");
    /* each fit says so, not "singular" or "NaN weights" */
    pr_tensor_set(X, 3, 1e300);
    pr_estimator_config c = pr_estimator_defaults(PR_EST_LINEAR);
    c.feature_names = names;
    pr_estimator *e = NULL;
    assert_fails(pr_estimator_fit(&e, &c, X, y), PR_ERR_OVERFLOW, "column 'price' holds 1e+300 in row 1");
    pr_pca_config pc = PR_PCA_DEFAULTS;
    pr_pca *p = NULL;
    assert_fails(pr_pca_fit(&p, &pc, X), PR_ERR_OVERFLOW, "pca: X: column 1 holds 1e+300 in row 1");
    pr_tensor *mean = NULL, *scale = NULL;
    assert_fails(pr_data_standardize_fit(X, &mean, &scale), PR_ERR_OVERFLOW, "column 1 holds 1e+300 in row 1");
    pr_tensor_free(X);
    pr_tensor_free(y);
}
