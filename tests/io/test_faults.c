/* Saves under injected I/O faults (pr_debug_fail_io_after): every save path of the
 * library (models, classical models, PCA, checkpoints and logs written by training,
 * figures, CSV, NPY and safetensors files) is run with a failure at each of its steps
 * in turn (open, write, sync, rename). Each time the save reports the failure, the
 * file it was replacing is byte for byte as it was, and no temporary is left beside
 * it; once the countdown passes the last step, the save succeeds. Also: a temporary
 * left by a killed process is removed by the next save, and a save makes no named
 * temporary while it writes (O_TMPFILE). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/internal.h" /* pr__atomic_open, for the unnamed-file test */
#include "test_util.h"


/* How many entries dir holds (besides . and ..). */
static int entries(const char *dir) {
    DIR *d = opendir(dir);
    cr_assert_not_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
    closedir(d);
    return n;
}

typedef pr_status (*save_fn)(const char *path, int version);

/* Save version 1, then version 2 with a failure at step 1, 2, ...: each failure keeps
 * version 1 and leaves only the file; returns the number of steps that failed. */
static int failing_each_step_keeps_the_previous_file(const char *name, save_fn save, const char *dir) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    assert_ok(save(path, 1));
    size_t n_before, n_after;
    char *before = test_read_file(path, &n_before);
    int files = entries(dir), failed = 0;
    for (long step = 1; step < 50; step++) {
        pr_debug_fail_io_after(step);
        pr_status st = save(path, 2);
        pr_debug_fail_io_after(0);
        if (st == PR_OK) break;
        failed++;
        cr_assert_eq(st, PR_ERR_IO, "%s, step %ld: %s", name, step, pr_last_error());
        cr_assert(strstr(pr_last_error(), name), "%s, step %ld: the message does not name the file: %s", name, step,
                  pr_last_error());
        char *after = test_read_file(path, &n_after);
        cr_assert(n_after == n_before && !memcmp(before, after, n_before), "%s: failing step %ld changed the file",
                  name, step);
        free(after);
        cr_assert_eq(entries(dir), files, "%s: failing step %ld left a temporary", name, step);
    }
    char *after = test_read_file(path, &n_after);
    cr_assert(n_after != n_before || memcmp(before, after, n_before), "%s: the successful save wrote nothing new", name);
    free(after);
    free(before);
    return failed;
}

static pr_status save_model(const char *path, int version) {
    pr_model *m;
    pr_status st = pr_model_new(&m, version == 1 ? "dense:2" : "dense:3", PR_SHAPE(4), NULL);
    if (!st) st = pr_model_save(m, path);
    pr_model_free(m);
    return st;
}

static pr_status save_estimator(const char *path, int version) {
    pr_tensor *X = T64(PR_SHAPE(4, 1), 1, 2, 3, 4), *y = T64(PR_SHAPE(4), 1, 2, 3, 4.0 + version);
    pr_estimator_config c = pr_estimator_defaults(PR_EST_RIDGE);
    pr_estimator *e;
    pr_status st = pr_estimator_fit(&e, &c, X, y);
    if (!st) st = pr_estimator_save(e, path);
    pr_estimator_free(e);
    pr_tensor_free(X);
    pr_tensor_free(y);
    return st;
}

static pr_status save_pca(const char *path, int version) {
    pr_tensor *X = T64(PR_SHAPE(4, 2), 1, 2, 3, 4, 5, 6, 7, 9.0 + version);
    pr_pca_config c = PR_PCA_DEFAULTS;
    pr_pca *p;
    pr_status st = pr_pca_fit(&p, &c, X);
    if (!st) st = pr_pca_save(p, path);
    pr_pca_free(p);
    pr_tensor_free(X);
    return st;
}

static pr_status save_csv(const char *path, int version) {
    pr_tensor *t = T64(PR_SHAPE(2, 2), 1, 2, 3, 0.5 * version);
    pr_status st = pr_csv_write(path, t, NULL, NULL);
    pr_tensor_free(t);
    return st;
}

static pr_status save_npy(const char *path, int version) {
    pr_tensor *t = T64(PR_SHAPE(3), 1, 2, version);
    pr_status st = pr_npy_write(path, t);
    pr_tensor_free(t);
    return st;
}

static pr_status save_safetensors(const char *path, int version) {
    pr_tensor_file *f;
    pr_tensor *t = T64(PR_SHAPE(2), 1, version);
    pr_status st = pr_tensor_file_new(&f);
    if (!st) st = pr_tensor_file_add(f, "w", t);
    if (!st) st = pr_safetensors_write(path, f);
    pr_tensor_file_free(f);
    pr_tensor_free(t);
    return st;
}

static pr_status save_figure(const char *path, int version) {
    pr_figure *fig;
    pr_status st = pr_figure_new(&fig, 1, 1, 200, 100);
    if (!st) st = pr_axes_set_title(pr_figure_axes(fig, 0, 0), version == 1 ? "one" : "two");
    if (!st) st = pr_figure_save_svg(fig, path);
    pr_figure_free(fig);
    return st;
}

Test(faults, every_save_fails_cleanly_at_each_step) {
    struct {
        const char *name;
        save_fn save;
    } saves[] = {{"net.safetensors", save_model},   {"ridge.safetensors", save_estimator},
                 {"pca.safetensors", save_pca},     {"table.csv", save_csv},
                 {"array.npy", save_npy},           {"tensors.safetensors", save_safetensors},
                 {"figure.svg", save_figure}};
    for (size_t k = 0; k < sizeof saves / sizeof *saves; k++) {
        char *dir = test_make_dir();
        /* open, write, sync, rename */
        cr_assert_eq(failing_each_step_keeps_the_previous_file(saves[k].name, saves[k].save, dir), 4, "%s",
                     saves[k].name);
        test_remove_dir(dir);
    }
}

/* Training saves a checkpoint and then the log after every epoch: whatever step of
 * either fails, the run reports it, the files on disk are the last good ones, and no
 * temporary is left. */
Test(faults, a_training_run_that_cannot_save_keeps_the_last_good_files) {
    char *dir = test_make_dir(), ck[512], log[512];
    snprintf(ck, sizeof ck, "%s/ck.safetensors", dir);
    snprintf(log, sizeof log, "%s/log.csv", dir);
    pr_tensor *X = T64(PR_SHAPE(6, 1), 0, 1, 2, 3, 4, 5), *y = T64(PR_SHAPE(6), 1, 3, 5, 7, 9, 11);
    pr_train_options o = PR_TRAIN_DEFAULTS;
    o.epochs = 1;
    o.checkpoint = ck;
    o.log = log;
    pr_train_history *h;
    pr_model *m;
    assert_ok(pr_model_new(&m, "dense:1", PR_SHAPE(1), NULL));
    assert_ok(pr_model_set_task(m, PR_TASK_REGRESSION, NULL, 0));
    assert_ok(pr_train(m, X, y, &o, &h));
    pr_train_history_free(h);
    size_t nck, nlog, n;
    char *ck1 = test_read_file(ck, &nck), *log1 = test_read_file(log, &nlog);
    o.epochs = 2;
    o.resume = ck;
    int failures = 0;
    for (long step = 1; step < 50; step++) {
        /* every try resumes from epoch 1 (a try that saved epoch 2's checkpoint and then
           failed on the log would leave nothing to do) */
        FILE *f = fopen(ck, "wb");
        cr_assert_eq(fwrite(ck1, 1, nck, f), nck);
        fclose(f);
        pr_model *r;
        assert_ok(pr_model_new(&r, "dense:1", PR_SHAPE(1), NULL));
        assert_ok(pr_model_set_task(r, PR_TASK_REGRESSION, NULL, 0));
        pr_debug_fail_io_after(step);
        pr_status st = pr_train(r, X, y, &o, &h);
        pr_debug_fail_io_after(0);
        pr_model_free(r);
        if (st == PR_OK) {
            pr_train_history_free(h);
            break;
        }
        failures++;
        cr_assert_eq(st, PR_ERR_IO, "step %ld: %s", step, pr_last_error());
        char *c = test_read_file(ck, &n);
        /* the checkpoint is epoch 1's until its own save of epoch 2 has succeeded */
        if (step <= 4) {
            cr_assert(n == nck && !memcmp(c, ck1, n), "step %ld changed the checkpoint", step);
        } else { /* epoch 2's, complete */
            cr_assert(n != nck || memcmp(c, ck1, n), "step %ld: the checkpoint is still epoch 1's", step);
            pr_tensor_file *tf;
            assert_ok(pr_safetensors_read(ck, NULL, &tf));
            pr_tensor_file_free(tf);
        }
        free(c);
        char *l = test_read_file(log, &n);
        cr_assert(n == nlog && !memcmp(l, log1, n), "step %ld changed the log", step);
        free(l);
        cr_assert_eq(entries(dir), 2, "step %ld left a temporary", step);
    }
    cr_assert_eq(failures, 8, "%d failing steps, not the checkpoint's and the log's four each", failures);
    free(ck1);
    free(log1);
    pr_model_free(m);
    pr_tensor_free(X);
    pr_tensor_free(y);
    test_remove_dir(dir);
}

Test(faults, a_temporary_of_a_killed_save_is_removed_by_the_next_save) {
    char *dir = test_make_dir(), path[512], stale[600], alive[600];
    snprintf(path, sizeof path, "%s/net.safetensors", dir);
    /* a process that has ended: its pid names no process now */
    pid_t child = fork();
    if (child == 0) _exit(0);
    waitpid(child, NULL, 0);
    snprintf(stale, sizeof stale, "%s.tmp.%ld.Ab12Cd", path, (long)child);
    snprintf(alive, sizeof alive, "%s.tmp.%ld.Ef34Gh", path, (long)getppid()); /* a live process's */
    FILE *f = fopen(stale, "w");
    fputs("half a model", f);
    fclose(f);
    f = fopen(alive, "w");
    fclose(f);
    assert_ok(save_model(path, 1));
    cr_assert_eq(access(stale, F_OK), -1, "the dead process's temporary is still there");
    cr_assert_eq(access(alive, F_OK), 0, "a live process's temporary was removed");
    cr_assert_eq(entries(dir), 2);
    test_remove_dir(dir);
}


/* Where the file system has O_TMPFILE, the new file has no name until it is complete:
 * a process killed while writing leaves nothing in the directory. */
Test(faults, a_save_in_progress_has_no_name_in_the_directory) {
    char *dir = test_make_dir(), path[512];
    snprintf(path, sizeof path, "%s/out.csv", dir);
    pr_atomic_file af;
    assert_ok(pr__atomic_open(&af, path));
    if (!af.unnamed) {
        pr__atomic_abort(&af);
        test_remove_dir(dir);
        cr_skip_test("the file system of %s has no O_TMPFILE (a named temporary with the pid is used)", dir);
    }
    fputs("a,b\n1,2\n", af.f);
    fflush(af.f);
    cr_assert_eq(entries(dir), 0, "a named temporary exists while writing");
    assert_ok(pr__atomic_commit(&af));
    cr_assert_eq(entries(dir), 1);
    size_t n;
    char *text = test_read_file(path, &n);
    cr_assert(n == 8 && !memcmp(text, "a,b\n1,2\n", 8));
    free(text);
    test_remove_dir(dir);
}
