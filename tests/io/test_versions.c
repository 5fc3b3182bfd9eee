/* Model files carry the primer version that wrote them ("primer.version"). A file
 * from a newer major version may lay its tensors or settings out differently, so
 * every loader (networks, classical models, PCA, checkpoints) refuses it, naming both
 * versions, instead of reading it as if it were its own; a file of the same major
 * version, older or newer in minor, loads. */
#include <stdio.h>
#include <string.h>

#include "test_util.h"

/* Rewrite path's "primer.version" to v. */
static void set_version(const char *path, const char *v) {
    pr_tensor_file *f;
    assert_ok(pr_safetensors_read(path, NULL, &f));
    assert_ok(pr_tensor_file_set_meta(f, "primer.version", v));
    assert_ok(pr_safetensors_write(path, f));
    pr_tensor_file_free(f);
}

Test(versions, every_loader_refuses_a_newer_major_version_and_reads_its_own) {
    char *dir = test_make_dir(), net[512], est[512], pca[512];
    pr_model *m;
    assert_ok(pr_model_new(&m, "dense:2", PR_SHAPE(3), NULL));
    snprintf(net, sizeof net, "%s/net.safetensors", dir);
    assert_ok(pr_model_save(m, net));
    pr_model_free(m);
    pr_tensor *X = T64(PR_SHAPE(4, 2), 1, 2, 3, 4.5, 0, 1, 2, 2), *y = T64(PR_SHAPE(4), 2, 4.5, 6, 9);
    pr_estimator_config c = pr_estimator_defaults(PR_EST_RIDGE);
    pr_estimator *e;
    assert_ok(pr_estimator_fit(&e, &c, X, y));
    snprintf(est, sizeof est, "%s/ridge.safetensors", dir);
    assert_ok(pr_estimator_save(e, est));
    pr_estimator_free(e);
    pr_pca_config pc = PR_PCA_DEFAULTS;
    pr_pca *p;
    assert_ok(pr_pca_fit(&p, &pc, X));
    snprintf(pca, sizeof pca, "%s/pca.safetensors", dir);
    assert_ok(pr_pca_save(p, pca));
    pr_pca_free(p);

    const char *same_major[] = {"0.0.1", "0.99.7", "0.1.0-rc1"};
    for (size_t k = 0; k < 3; k++) {
        set_version(net, same_major[k]);
        set_version(est, same_major[k]);
        set_version(pca, same_major[k]);
        assert_ok(pr_model_load(net, &m));
        pr_model_free(m);
        assert_ok(pr_estimator_load(est, &e));
        pr_estimator_free(e);
        assert_ok(pr_pca_load(pca, &p));
        pr_pca_free(p);
    }
    set_version(net, "99.0.0");
    set_version(est, "1.2.3");
    set_version(pca, "12.0.0");
    assert_fails(pr_model_load(net, &m), PR_ERR_FORMAT, "was written by primer 99.0.0, a newer major version");
    assert_fails(pr_estimator_load(est, &e), PR_ERR_FORMAT, "was written by primer 1.2.3, a newer major version");
    assert_fails(pr_pca_load(pca, &p), PR_ERR_FORMAT, "was written by primer 12.0.0, a newer major version");
    cr_assert(strstr(pr_last_error(), "read it with primer 12 or later"), "%s", pr_last_error());
    set_version(net, "banana");
    assert_fails(pr_model_load(net, &m), PR_ERR_FORMAT, "'primer.version' is 'banana', not a version");
    set_version(net, "1.0");
    assert_fails(pr_model_load(net, &m), PR_ERR_FORMAT, "'primer.version' is '1.0', not a version");
    pr_tensor_free(X);
    pr_tensor_free(y);
    test_remove_dir(dir);
}

Test(versions, a_checkpoint_from_a_newer_major_version_is_not_resumed) {
    char *dir = test_make_dir(), ck[512];
    snprintf(ck, sizeof ck, "%s/ck.safetensors", dir);
    pr_tensor *X = T64(PR_SHAPE(6, 1), 0, 1, 2, 3, 4, 5), *y = T64(PR_SHAPE(6), 1, 3, 5, 7, 9, 11);
    pr_model *m;
    assert_ok(pr_model_new(&m, "dense:1", PR_SHAPE(1), NULL));
    assert_ok(pr_model_set_task(m, PR_TASK_REGRESSION, NULL, 0));
    pr_train_options o = PR_TRAIN_DEFAULTS;
    o.epochs = 1;
    o.checkpoint = ck;
    pr_train_history *h;
    assert_ok(pr_train(m, X, y, &o, &h));
    pr_train_history_free(h);
    set_version(ck, "7.0.0");
    o.checkpoint = NULL;
    o.resume = ck;
    o.epochs = 2;
    assert_fails(pr_train(m, X, y, &o, &h), PR_ERR_FORMAT, "resume: ");
    cr_assert(strstr(pr_last_error(), "written by primer 7.0.0"), "%s", pr_last_error());
    pr_model_free(m);
    pr_tensor_free(X);
    pr_tensor_free(y);
    test_remove_dir(dir);
}
