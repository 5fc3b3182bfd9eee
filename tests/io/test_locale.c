/* Files never depend on the program's locale: under a locale whose decimal point is
 * ',' (de_DE, from Debian's locales), models and CSV files are written with '.' and
 * read back exactly, as in the "C" locale. */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

static int try_comma_locales(void) {
    const char *names[] = {"de_DE.UTF-8", "de_DE.utf8", "de_DE", "de_DE@euro"};
    for (size_t k = 0; k < sizeof names / sizeof *names; k++) {
        if (!setlocale(LC_ALL, names[k])) continue;
        char b[16];
        snprintf(b, sizeof b, "%.1f", 0.5);
        if (!strcmp(b, "0,5")) return 1;
    }
    setlocale(LC_ALL, "C");
    return 0;
}

/* Switch to a decimal-comma locale: an installed one, else de_DE.UTF-8 compiled from
 * Debian's locale sources (package locales) into dir with localedef, found through
 * LOCPATH; 0 when neither works. */
static int comma_locale(const char *dir) {
    if (try_comma_locales()) return 1;
    char cmd[1024];
    const char *out;
    snprintf(cmd, sizeof cmd, "localedef -i de_DE -f UTF-8 %s/de_DE.UTF-8", dir);
    if (test_run_command(cmd, &out)) return 0;
    setenv("LOCPATH", dir, 1);
    return try_comma_locales();
}

Test(locale, models_and_csv_files_ignore_a_decimal_comma_locale) {
    char *dir = test_make_dir(), path[512];
    if (!comma_locale(dir)) cr_skip_test("no decimal-comma locale, and localedef could not make de_DE.UTF-8");
    /* a classical model's settings: "alpha": 0.5, not "0,5" */
    pr_tensor *X = T64(PR_SHAPE(4, 1), 1, 2, 3, 4.5), *y = T64(PR_SHAPE(4), 2, 4.5, 6, 9);
    pr_estimator_config c = pr_estimator_defaults(PR_EST_RIDGE);
    c.alpha = 0.5;
    pr_estimator *e, *back;
    assert_ok(pr_estimator_fit(&e, &c, X, y));
    snprintf(path, sizeof path, "%s/ridge.safetensors", dir);
    assert_ok(pr_estimator_save(e, path));
    pr_tensor_file *f;
    assert_ok(pr_safetensors_read(path, NULL, &f));
    int found = 0;
    for (int64_t k = 0; k < pr_tensor_file_meta_count(f); k++) {
        const char *v = pr_tensor_file_meta(f, pr_tensor_file_meta_key(f, k));
        cr_assert(!strstr(v, "0,5"), "metadata '%s' is \"%s\"", pr_tensor_file_meta_key(f, k), v);
        found |= !strcmp(v, "0.5");
    }
    cr_assert(found, "no metadata holds alpha 0.5");
    pr_tensor_file_free(f);
    assert_ok(pr_estimator_load(path, &back));
    cr_assert_eq(pr_estimator_settings(back).alpha, 0.5);
    cr_assert_eq(pr_tensor_get(pr_estimator_coef(back), 0), pr_tensor_get(pr_estimator_coef(e), 0));
    pr_estimator_free(e);
    pr_estimator_free(back);
    /* a network's standardisation */
    pr_model *m, *mb;
    assert_ok(pr_model_new(&m, "dense:2", PR_SHAPE(1), NULL));
    pr_tensor *mean = T64(PR_SHAPE(1), 0.25), *scale = T64(PR_SHAPE(1), 1.5), mv, sv;
    assert_ok(pr_model_set_standardization(m, mean, scale));
    snprintf(path, sizeof path, "%s/net.safetensors", dir);
    assert_ok(pr_model_save(m, path));
    assert_ok(pr_model_load(path, &mb));
    assert_ok(pr_model_standardization(mb, &mv, &sv));
    cr_assert_eq(pr_tensor_get(&mv, 0), 0.25);
    cr_assert_eq(pr_tensor_get(&sv, 0), 1.5);
    pr_model_free(m);
    pr_model_free(mb);
    /* CSV in and out */
    pr_table *t;
    assert_ok(pr_csv_read(test_temp_file(".csv", "a,b\n1.5,2.25\n"), NULL, &t));
    cr_assert_eq(pr_tensor_get(pr_table_values(t), 1), 2.25);
    pr_table_free(t);
    pr_tensor_free(X);
    pr_tensor_free(y);
    pr_tensor_free(mean);
    pr_tensor_free(scale);
    test_remove_dir(dir);
}
