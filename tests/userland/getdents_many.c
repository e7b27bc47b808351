// getdents64 over a directory with 500 files and 20 subdirectories, read through a small
// buffer so many calls are needed: every name exactly once, right d_type, rewind, EINVAL
// for a too-small buffer, ENOTDIR on a file, and an empty directory after deleting all.
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define NFILES 500
#define NDIRS 20

struct linux_dirent64 {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

static char *names[NFILES + NDIRS + 8];
static int ntypes[16];

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* reads the whole directory; returns the number of entries, fills names[] */
static int read_all(int fd, size_t bufsize, int *calls)
{
    char *buf = malloc(bufsize);
    int n = 0;
    *calls = 0;
    memset(ntypes, 0, sizeof ntypes);
    for (;;) {
        long r = syscall(SYS_getdents64, fd, buf, bufsize);
        (*calls)++;
        if (r < 0) {
            printf("getdents64 failed: %s\n", strerrorname_np(errno));
            break;
        }
        if (r == 0)
            break;
        for (long off = 0; off < r;) {
            struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + off);
            if (n < (int)(sizeof names / sizeof names[0]))
                names[n] = strdup(d->d_name);
            n++;
            ntypes[d->d_type & 15]++;
            off += d->d_reclen;
        }
    }
    free(buf);
    return n;
}

static uint64_t fnv(int n)
{
    uint64_t h = 1469598103934665603ULL;
    for (int i = 0; i < n; i++) {
        for (const char *c = names[i]; *c; c++)
            h = (h ^ (unsigned char)*c) * 1099511628211ULL;
        h = (h ^ '/') * 1099511628211ULL;
    }
    return h;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    char dir[64], path[128];
    snprintf(dir, sizeof dir, "/tmp/getdents_many.%d", getpid());
    mkdir(dir, 0755);
    for (int i = 0; i < NFILES; i++) {
        /* names of varying length so records have different sizes */
        snprintf(path, sizeof path, "%s/f%03d_%.*s", dir, i, i % 37, "abcdefghijklmnopqrstuvwxyz0123456789ABC");
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
        if (fd < 0) {
            printf("create %d failed: %s\n", i, strerrorname_np(errno));
            return 1;
        }
        close(fd);
    }
    for (int i = 0; i < NDIRS; i++) {
        snprintf(path, sizeof path, "%s/d%02d", dir, i);
        mkdir(path, 0755);
    }
    snprintf(path, sizeof path, "%s/link", dir);
    symlink("f000_", path);

    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    int calls;
    int n = read_all(fd, 1024, &calls);
    printf("entries: %d\n", n);
    printf("needed more than one call: %s\n", calls > 2 ? "yes" : "no");
    printf("regular=%d dir=%d symlink=%d other=%d\n", ntypes[DT_REG], ntypes[DT_DIR], ntypes[DT_LNK],
           n - ntypes[DT_REG] - ntypes[DT_DIR] - ntypes[DT_LNK]);
    qsort(names, (size_t)n, sizeof names[0], cmp);
    int dups = 0;
    for (int i = 1; i < n; i++)
        dups += strcmp(names[i - 1], names[i]) == 0;
    printf("duplicates: %d\n", dups);
    printf("first names: %s %s %s, last: %s\n", names[0], names[1], names[2], names[n - 1]);
    printf("sorted name hash: %016llx\n", (unsigned long long)fnv(n));
    for (int i = 0; i < n; i++)
        free(names[i]);

    /* EOF stays EOF, rewinding starts again */
    char small[8];
    printf("after EOF: %ld\n", syscall(SYS_getdents64, fd, small, sizeof small));
    lseek(fd, 0, SEEK_SET);
    int n2 = read_all(fd, 32768, &calls);
    printf("after rewind with a big buffer: %d entries\n", n2);
    for (int i = 0; i < n2; i++)
        free(names[i]);
    lseek(fd, 0, SEEK_SET);
    errno = 0;
    long r = syscall(SYS_getdents64, fd, small, sizeof small);
    printf("buffer too small for one entry: %ld %s\n", r, strerrorname_np(errno));
    errno = 0;
    r = syscall(SYS_getdents64, fd, (void *)16, 4096);
    printf("bad buffer pointer: %ld %s\n", r, strerrorname_np(errno));

    /* libc readdir agrees */
    lseek(fd, 0, SEEK_SET);
    DIR *d = fdopendir(fd);
    int via_readdir = 0;
    while (readdir(d))
        via_readdir++;
    printf("readdir count agrees: %s\n", via_readdir == n ? "yes" : "no");
    closedir(d);

    snprintf(path, sizeof path, "%s/f000_", dir);
    int ffd = open(path, O_RDONLY);
    char buf[512];
    errno = 0;
    r = syscall(SYS_getdents64, ffd, buf, sizeof buf);
    printf("getdents64 on a regular file: %ld %s\n", r, strerrorname_np(errno));
    close(ffd);
    errno = 0;
    r = syscall(SYS_getdents64, 999, buf, sizeof buf);
    printf("getdents64 on a bad fd: %ld %s\n", r, strerrorname_np(errno));

    /* delete everything; the directory reads as just . and .. */
    fd = open(dir, O_RDONLY | O_DIRECTORY);
    n = read_all(fd, 4096, &calls);
    int removed = 0;
    for (int i = 0; i < n; i++) {
        if (strcmp(names[i], ".") && strcmp(names[i], "..")) {
            snprintf(path, sizeof path, "%s/%s", dir, names[i]);
            removed += (names[i][0] == 'd' ? rmdir(path) : unlink(path)) == 0;
        }
        free(names[i]);
    }
    printf("removed: %d\n", removed);
    lseek(fd, 0, SEEK_SET);
    n = read_all(fd, 4096, &calls);
    qsort(names, (size_t)n, sizeof names[0], cmp);
    printf("empty directory lists %d entries:", n);
    for (int i = 0; i < n; i++)
        printf(" %s", names[i]);
    printf("\n");
    close(fd);
    printf("rmdir: %d\n", rmdir(dir));
    return 0;
}
