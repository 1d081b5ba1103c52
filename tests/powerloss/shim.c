/*
 * Power loss, simulated: an LD_PRELOAD library for the durability test.
 *
 * A file's contents survive a power cut only as far as they were last made durable with
 * fsync/fdatasync. This library lets every fsync and fdatasync through, and when one succeeds
 * on a file directly inside $POWERLOSS_DIR it copies that file's whole contents, as they are at
 * that moment, to $POWERLOSS_SNAP/<name> (through a temporary name and a rename, so a copy is
 * never half-written). After killing the writer, the test "cuts the power": it puts every file
 * of the directory back to its last snapshot (a file never synced is gone, one synced and then
 * deleted comes back as it was synced) and opens the database as the machine would on reboot.
 *
 * What it does not model: a torn page (a write half-done when the power went), and a rename or
 * deletion that reached the disk without a directory fsync. SQLite's own page checksums (and
 * SQLCipher's HMACs) catch the first kind; the second leaves files as last synced, which this
 * library keeps.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void snapshot(int fd) {
    const char *dir = getenv("POWERLOSS_DIR");
    const char *snap = getenv("POWERLOSS_SNAP");
    if (dir == NULL || snap == NULL) {
        return;
    }
    char link[64];
    char path[PATH_MAX];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t len = readlink(link, path, sizeof path - 1);
    if (len <= 0) {
        return;
    }
    path[len] = '\0';
    size_t dir_len = strlen(dir);
    /* Only files directly inside the directory (an fsync of the directory itself is not a copy). */
    if (strncmp(path, dir, dir_len) != 0 || path[dir_len] != '/' || strchr(path + dir_len + 1, '/') != NULL) {
        return;
    }
    const char *name = path + dir_len + 1;
    char tmp[PATH_MAX];
    char dst[PATH_MAX];
    snprintf(dst, sizeof dst, "%s/%s", snap, name);
    snprintf(tmp, sizeof tmp, "%s/.%s.partial", snap, name);
    int in = open(path, O_RDONLY | O_CLOEXEC);
    if (in < 0) {
        return;
    }
    int out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (out < 0) {
        close(in);
        return;
    }
    char buf[1 << 16];
    ssize_t n;
    int ok = 1;
    while ((n = read(in, buf, sizeof buf)) > 0) {
        if (write(out, buf, (size_t)n) != n) {
            ok = 0;
            break;
        }
    }
    if (n < 0) {
        ok = 0;
    }
    close(in);
    close(out);
    if (ok) {
        rename(tmp, dst);
    } else {
        unlink(tmp);
    }
}

int fsync(int fd) {
    static int (*real)(int);
    if (real == NULL) {
        real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
    }
    int r = real(fd);
    if (r == 0) {
        snapshot(fd);
    }
    return r;
}

int fdatasync(int fd) {
    static int (*real)(int);
    if (real == NULL) {
        real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
    }
    int r = real(fd);
    if (r == 0) {
        snapshot(fd);
    }
    return r;
}
