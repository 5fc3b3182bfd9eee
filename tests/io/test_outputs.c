/* Where outputs go: a symlink is followed (the link stays, the file it names is
 * replaced and keeps its mode), a FIFO or device is written in place rather than
 * replaced by a regular file, and a failed write names the file and the reason. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test_util.h"

Test(outputs, a_symlink_is_followed_and_the_mode_kept) {
    char *dir = test_make_dir(), real[512], link[512];
    snprintf(real, sizeof real, "%s/real.csv", dir);
    snprintf(link, sizeof link, "%s/link.csv", dir);
    FILE *f = fopen(real, "w");
    fputs("old\n", f);
    fclose(f);
    cr_assert_eq(chmod(real, 0640), 0);
    cr_assert_eq(symlink("real.csv", link), 0);
    pr_tensor *t = T64(PR_SHAPE(2, 1), 1.5, 2);
    assert_ok(pr_csv_write(link, t, NULL, NULL));
    struct stat st;
    cr_assert_eq(lstat(link, &st), 0);
    cr_assert(S_ISLNK(st.st_mode), "the symlink was replaced by a regular file");
    cr_assert_eq(stat(real, &st), 0);
    cr_assert_eq(st.st_mode & 07777, 0640, "mode %o", (unsigned)(st.st_mode & 07777));
    char text[64] = "";
    f = fopen(real, "r");
    cr_assert_eq(fread(text, 1, sizeof text - 1, f), strlen("col1\n1.5\n2\n"));
    fclose(f);
    cr_assert_str_eq(text, "col1\n1.5\n2\n");
    pr_tensor_free(t);
    test_remove_dir(dir);
}

Test(outputs, a_fifo_is_written_in_place) {
    char *dir = test_make_dir(), fifo[512];
    snprintf(fifo, sizeof fifo, "%s/out.fifo", dir);
    cr_assert_eq(mkfifo(fifo, 0600), 0);
    int fd = open(fifo, O_RDWR | O_NONBLOCK); /* a reader, so that the writer does not wait */
    cr_assert_geq(fd, 0);
    pr_tensor *t = T64(PR_SHAPE(1, 2), 3, 4.25);
    assert_ok(pr_csv_write(fifo, t, NULL, NULL));
    char text[64] = "";
    cr_assert_gt(read(fd, text, sizeof text - 1), 0);
    cr_assert_str_eq(text, "col1,col2\n3,4.25\n");
    struct stat st;
    cr_assert_eq(lstat(fifo, &st), 0);
    cr_assert(S_ISFIFO(st.st_mode), "the FIFO was replaced by a regular file");
    close(fd);
    pr_tensor_free(t);
    test_remove_dir(dir);
}

Test(outputs, a_failed_write_names_the_file_and_the_reason) {
    struct stat st;
    if (stat("/dev/full", &st) || !S_ISCHR(st.st_mode)) cr_skip_test("no /dev/full");
    pr_tensor *t = T64(PR_SHAPE(1, 1), 1);
    assert_fails(pr_csv_write("/dev/full", t, NULL, NULL), PR_ERR_IO, "/dev/full: csv_write: writing failed: No space left on device");
    cr_assert_eq(stat("/dev/full", &st), 0);
    cr_assert(S_ISCHR(st.st_mode));
    pr_tensor_free(t);
}
