/* Kill and resume: a training run killed with SIGKILL at 20 random moments (during
 * start-up, an epoch, or a save of the checkpoint, the model or the log) and resumed
 * from its checkpoint each time ends with a model file byte for byte the same as an
 * uninterrupted run with the same seed, and leaves no temporary behind. */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test_util.h"

/* primer train ... in dir, stdout and stderr to /dev/null; its pid. */
static pid_t start_training(const char *dir, const char *out, int resume) {
    char ck[512], model[512], log[512], curve[512];
    snprintf(ck, sizeof ck, "%s/ck.safetensors", dir);
    snprintf(model, sizeof model, "%s/%s.safetensors", dir, out);
    snprintf(log, sizeof log, "%s/%s-log.csv", dir, out);
    snprintf(curve, sizeof curve, "%s/%s-loss.svg", dir, out);
    const char *words[] = {test_primer_bin(), "train", "--model", "dense:32,relu", "--epochs", "120", "--seed", "7",
                           "--quiet", "--out", model, "--log", log, "--curve", curve, "--checkpoint", ck, "--resume", ck};
    static char copies[19][512]; /* execv takes char *const[] */
    char *argv[20];
    int n = resume ? 19 : 17;
    for (int k = 0; k < n; k++) argv[k] = strncpy(copies[k], words[k], sizeof copies[k] - 1);
    argv[n] = NULL;
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        dup2(null, 2);
        execv(argv[0], argv);
        _exit(127);
    }
    cr_assert_gt(pid, 0);
    return pid;
}

static int wait_status(pid_t pid) {
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    return status;
}


Test(soak, twenty_kills_and_resumes_end_byte_identical_to_one_run, .timeout = 300) {
    char *dir = test_make_dir(), path[512];
    /* the uninterrupted run */
    cr_assert_eq(wait_status(start_training(dir, "whole", 0)), 0);
    snprintf(path, sizeof path, "%s/ck.safetensors", dir);
    unlink(path);
    unsigned seed = 12345;
    int kills = 0, resumed = 0, finished = 0;
    for (int attempt = 0; !finished && attempt < 500; attempt++) {
        int resume = access(path, F_OK) == 0;
        pid_t pid = start_training(dir, "killed", resume);
        if (kills < 20) {
            /* 2 to 60 ms: start-up, some epochs, or the middle of a save */
            seed = seed * 1103515245u + 12345u;
            struct timespec d = {0, (long)(2 + (seed >> 16) % 59) * 1000000L};
            nanosleep(&d, NULL);
            kill(pid, SIGKILL);
        }
        int status = wait_status(pid);
        if (WIFSIGNALED(status)) {
            cr_assert_eq(WTERMSIG(status), SIGKILL);
            kills++;
            resumed += resume;
        } else {
            cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "a resumed run failed (status %d)", status);
            finished = kills >= 20;
        }
    }
    cr_assert_eq(kills, 20);
    cr_assert_gt(resumed, 0, "no kill came after the first checkpoint");
    size_t n1, n2;
    snprintf(path, sizeof path, "%s/whole.safetensors", dir);
    char *whole = test_read_file(path, &n1);
    snprintf(path, sizeof path, "%s/killed.safetensors", dir);
    char *killed = test_read_file(path, &n2);
    cr_assert(whole && killed, "a model file is missing");
    cr_assert(n1 == n2 && !memcmp(whole, killed, n1), "the resumed model differs from the uninterrupted one");
    free(whole);
    free(killed);
    /* the two runs' model, log and curve, and the checkpoint: nothing else */
    DIR *d = opendir(dir);
    int entries = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.') {
            entries++;
            cr_assert_null(strstr(e->d_name, ".tmp."), "a temporary is left: %s", e->d_name);
        }
    closedir(d);
    cr_assert_eq(entries, 7);
    test_remove_dir(dir);
}
