/* mpirun -np 2 primer train against one process: the same loss curve, checkpoints
 * that resume with another process count, and the bad inputs of a distributed run.
 * Skipped when primer was built without MPI or mpirun is missing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test_util.h"

static char cmd[4096];

/* dir/name, in one of four rotating buffers. */
static const char *tmp_path(const char *dir, const char *name) {
    static char buf[4][512];
    static int next;
    char *p = buf[next++ % 4];
    snprintf(p, 512, "%s/%s", dir, name);
    return p;
}

/* 1 when `primer info` says MPI is built in and mpirun runs. */
static int have_mpi(void) {
    const char *out;
    if (test_run_primer("info --json", &out) != 0 || !strstr(out, "\"mpi\": true")) return 0;
    return system("command -v mpirun >/dev/null 2>&1") == 0;
}

/* mpirun (as root too, on loopback, two processes on this machine whatever its cores)
 * running `sh -c ARGS` where ARGS may use $OMPI_COMM_WORLD_RANK. */
static int run_mpi(int np, const char *args, const char **output) {
    char line[8192];
    snprintf(line, sizeof line,
             "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1 "
             "mpirun --oversubscribe --bind-to none -np %d sh -c '%s'",
             np, args);
    return test_run_command(line, output);
}

/* The train_loss, val_loss columns of a CSV log: epochs x 2. */
static int read_log(const char *path, double *values, int max_epochs) {
    pr_table *t;
    assert_ok(pr_csv_read(path, NULL, &t));
    int n = (int)pr_table_rows(t);
    cr_assert_leq(n, max_epochs);
    int64_t cols = pr_table_cols(t);
    for (int e = 0; e < n; e++) {
        values[2 * e] = pr_tensor_get(pr_table_values(t), e * cols + 1);
        values[2 * e + 1] = pr_tensor_get(pr_table_values(t), e * cols + 3);
    }
    pr_table_free(t);
    return n;
}

static void assert_curves_agree(const char *a, const char *b, int epochs, double rtol) {
    double va[64], vb[64];
    cr_assert_eq(read_log(a, va, 32), epochs);
    cr_assert_eq(read_log(b, vb, 32), epochs);
    for (int k = 0; k < 2 * epochs; k++)
        cr_assert(fabs(va[k] - vb[k]) <= rtol * fabs(vb[k]), "%s loss of epoch %d: %.9g against %.9g",
                  k % 2 ? "validation" : "training", k / 2 + 1, va[k], vb[k]);
}

Test(mpi_cli, two_processes_reproduce_the_one_process_loss_curve_and_resume_with_any_count, .timeout = 240) {
    if (!have_mpi()) cr_skip_test("primer is built without MPI or mpirun is missing");
    char *dir = test_make_dir();
    const char *out;
    /* one process, 6 epochs */
    snprintf(cmd, sizeof cmd, "--threads 1 train --epochs 6 --out %s/one.safetensors --log %s/one.csv", dir, dir);
    cr_assert_eq(test_run_primer(cmd, &out), 0, "%s", out);
    cr_assert(!strstr(out, "all-reduce"), "one process sums nothing: %s", out);
    /* two processes, 6 epochs, a checkpoint after each */
    snprintf(cmd, sizeof cmd, "%s --threads 1 train --epochs 6 --out %s/two.safetensors --log %s/two.csv "
                              "--checkpoint %s/two.ckpt",
             test_primer_bin(), dir, dir, dir);
    cr_assert_eq(run_mpi(2, cmd, &out), 0, "%s", out);
    /* rank 0 alone printed: one line per epoch, not two */
    const char *first = strstr(out, "epoch   6/6"), *again = first ? strstr(first + 1, "epoch   6/6") : NULL;
    cr_assert(first && !again, "%s", out);
    /* the time in the gradient's all-reduce, per step and as a share of the run */
    const char *timer = strstr(out, "all-reduce of the gradients: ");
    double ms = 0, percent = 0;
    cr_assert(timer && sscanf(timer, "all-reduce of the gradients: %lf ms per step, %lf%%", &ms, &percent) == 2,
              "%s", out);
    cr_assert(ms > 0 && ms < 1000 && percent >= 0 && percent <= 100, "%g ms, %g%%: %s", ms, percent, out);
    assert_curves_agree(tmp_path(dir, "two.csv"), tmp_path(dir, "one.csv"), 6, 1e-5);
    /* the two-process model predicts as the one-process one */
    pr_model *m1, *m2;
    assert_ok(pr_model_load(tmp_path(dir, "one.safetensors"), &m1));
    assert_ok(pr_model_load(tmp_path(dir, "two.safetensors"), &m2));
    pr_tensor *X, *y, *o1, *o2;
    assert_ok(pr_data_digits(&X, &y));
    assert_ok(pr_model_predict_proba(m1, X, &o1));
    assert_ok(pr_model_predict_proba(m2, X, &o2));
    assert_tensor_close(o2, o1, 1e-4, 1e-5, "two-process probabilities");
    pr_tensor *ts[] = {X, y, o1, o2};
    for (int k = 0; k < 4; k++) pr_tensor_free(ts[k]);
    pr_model_free(m1);
    pr_model_free(m2);
    /* a two-process run stopped after 3 epochs, resumed by one process and by three */
    snprintf(cmd, sizeof cmd, "%s --threads 1 train --epochs 3 --out %s/half.safetensors --log %s/half.csv "
                              "--checkpoint %s/half.ckpt",
             test_primer_bin(), dir, dir, dir);
    cr_assert_eq(run_mpi(2, cmd, &out), 0, "%s", out);
    snprintf(cmd, sizeof cmd, "--threads 1 train --epochs 6 --resume %s/half.ckpt --out %s/r1.safetensors --log %s/r1.csv",
             dir, dir, dir);
    cr_assert_eq(test_run_primer(cmd, &out), 0, "%s", out);
    assert_curves_agree(tmp_path(dir, "r1.csv"), tmp_path(dir, "one.csv"), 6, 1e-5);
    snprintf(cmd, sizeof cmd, "%s --threads 1 train --epochs 6 --resume %s/half.ckpt --out %s/r3.safetensors --log %s/r3.csv",
             test_primer_bin(), dir, dir, dir);
    cr_assert_eq(run_mpi(3, cmd, &out), 0, "%s", out);
    assert_curves_agree(tmp_path(dir, "r3.csv"), tmp_path(dir, "one.csv"), 6, 1e-5);
    test_remove_dir(dir);
}

Test(mpi_cli, two_processes_draw_the_dropout_masks_of_one, .timeout = 240) {
    if (!have_mpi()) cr_skip_test("primer is built without MPI or mpirun is missing");
    char *dir = test_make_dir();
    const char *out;
    /* counter-based masks: element (r, j) of the whole batch draws the same on any process */
    const char *model = "dense:64,relu,dropout:0.3";
    snprintf(cmd, sizeof cmd, "--threads 1 train --epochs 4 --model %s --out %s/one.safetensors --log %s/one.csv",
             model, dir, dir);
    cr_assert_eq(test_run_primer(cmd, &out), 0, "%s", out);
    snprintf(cmd, sizeof cmd, "%s --threads 1 train --epochs 4 --model %s --out %s/two.safetensors --log %s/two.csv",
             test_primer_bin(), model, dir, dir);
    cr_assert_eq(run_mpi(2, cmd, &out), 0, "%s", out);
    assert_curves_agree(tmp_path(dir, "two.csv"), tmp_path(dir, "one.csv"), 4, 1e-5);
    test_remove_dir(dir);
}

Test(mpi_cli, bad_distributed_runs_fail_naming_the_problem, .timeout = 240) {
    if (!have_mpi()) cr_skip_test("primer is built without MPI or mpirun is missing");
    char *dir = test_make_dir();
    const char *out;
    /* a batch smaller than the number of processes */
    snprintf(cmd, sizeof cmd, "%s --threads 1 train --epochs 1 --batch 1 --out %s/b.safetensors", test_primer_bin(), dir);
    cr_assert_neq(run_mpi(2, cmd, &out), 0, "%s", out);
    assert_contains(out, "primer: error: train: a batch of 1 row cannot be shared by 2 processes");
    cr_assert(!strstr(out, "train: train:"), "the step is named once: %s", out);
    cr_assert(access(tmp_path(dir, "b.safetensors"), F_OK) != 0, "no model is saved");
    /* each rank reads a different file: rank 1 is named */
    const char *wine = test_path("tests/fixtures/reduce/wine.csv");
    snprintf(cmd, sizeof cmd, "head -n 150 %s > %s/data0.csv && head -n 120 %s > %s/data1.csv", wine, dir, wine, dir);
    cr_assert_eq(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "%s --threads 1 train --data %s/data$OMPI_COMM_WORLD_RANK.csv --target class --epochs 1 "
                              "--out %s/d.safetensors",
             test_primer_bin(), dir, dir);
    cr_assert_neq(run_mpi(2, cmd, &out), 0, "%s", out);
    assert_contains(out, "rank 1 has different data from rank 0's");
    /* a different model on rank 1 */
    snprintf(cmd, sizeof cmd, "%s --threads 1 train --epochs 1 --model dense:$((16 + 16 * $OMPI_COMM_WORLD_RANK)),relu "
                              "--out %s/m.safetensors",
             test_primer_bin(), dir);
    cr_assert_neq(run_mpi(2, cmd, &out), 0, "%s", out);
    assert_contains(out, "rank 1 has a different model or initial weights from rank 0's");
    test_remove_dir(dir);
}

Test(mpi_cli, a_process_that_dies_stops_the_others_and_keeps_the_checkpoint, .timeout = 240) {
    if (!have_mpi()) cr_skip_test("primer is built without MPI or mpirun is missing");
    char *dir = test_make_dir();
    const char *out;
    /* rank 1 is killed once rank 0 has written a checkpoint (renamed into place whole),
       and a moment later, so that the kill may fall into the next one; at most 60 s */
    snprintf(cmd, sizeof cmd,
             "if [ $OMPI_COMM_WORLD_RANK = 1 ]; then (i=0; while [ ! -e %s/k.ckpt ] && [ $i -lt 600 ]; do sleep 0.1; "
             "i=$((i+1)); done; sleep 0.5; kill -9 $$) & fi; exec %s --threads 1 train --epochs 100000 "
             "--out %s/k.safetensors --checkpoint %s/k.ckpt",
             dir, test_primer_bin(), dir, dir);
    cr_assert_neq(run_mpi(2, cmd, &out), 0, "%s", out);
    cr_assert(access(tmp_path(dir, "k.safetensors"), F_OK) != 0, "no model is saved: %s", out);
    assert_contains(out, "signal 9");
    /* the checkpoint rank 0 left is whole */
    pr_tensor_file *f;
    assert_ok(pr_safetensors_read(tmp_path(dir, "k.ckpt"), NULL, &f));
    cr_assert_gt(pr_tensor_file_count(f), 6);
    pr_tensor_file_free(f);
    test_remove_dir(dir);
}

Test(mpi_cli, thread_counts_outside_the_machine_are_refused) {
    const char *out;
    cr_assert_eq(test_run_primer("--threads 0 info", &out), 2, "%s", out);
    assert_contains(out, "--threads needs a number from 1 to the CPUs online");
    cr_assert_eq(test_run_primer("--threads 100000 info", &out), 2, "%s", out);
    snprintf(cmd, sizeof cmd, "--threads %d info", pr_cpu_count() + 1);
    cr_assert_eq(test_run_primer(cmd, &out), 2, "%s", out);
    assert_contains(out, "CPU");
    assert_contains(out, "use at most");
}
