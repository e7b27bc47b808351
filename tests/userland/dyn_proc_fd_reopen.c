// Opening /proc/self/fd/N (and /dev/fd/N) reopens descriptor N's file itself, the way
// bash's process substitution, here-strings and `cat /dev/stdin` rely on: a pipe is the
// same pipe and never waits for a partner, a regular file gets a new open file (own offset),
// O_CREAT through the link opens the existing file; /proc/self/cwd leads to the cwd.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void check(const char *what, int ok) { printf("%s: %s\n", what, ok ? "yes" : "no"); }

static int reopen(const char *dir, int fd, int flags)
{
    char path[64];
    snprintf(path, sizeof path, "%s/%d", dir, fd);
    return open(path, flags, 0644);
}

static void pipes(void)
{
    int p[2];
    char buf[16] = {0};
    pipe(p);
    write(p[1], "data", 4);
    int r = reopen("/proc/self/fd", p[0], O_RDONLY);
    check("pipe read end reopens", r >= 0);
    check("the same pipe's data", read(r, buf, sizeof buf) == 4 && memcmp(buf, "data", 4) == 0);
    int w = reopen("/dev/fd", p[1], O_WRONLY | O_CREAT | O_TRUNC);
    check("write end reopens with O_CREAT|O_TRUNC", w >= 0);
    check("writes reach the pipe", write(w, "more", 4) == 4 && read(p[0], buf, sizeof buf) == 4);
    close(w);
    close(p[1]);
    int late = reopen("/proc/self/fd", p[0], O_RDONLY);
    check("read end reopens without a writer (no wait)", late >= 0);
    check("and reads end of file", read(late, buf, sizeof buf) == 0);
    struct pollfd pfd = {.fd = late, .events = POLLIN};
    check("poll shows POLLHUP", poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLHUP));
    errno = 0;
    check("O_CREAT|O_EXCL is EEXIST", reopen("/proc/self/fd", p[0], O_RDONLY | O_CREAT | O_EXCL) == -1
          && errno == EEXIST);
    close(r);
    close(late);
    close(p[0]);
    int q[2];
    pipe(q);
    close(q[0]);
    w = reopen("/proc/self/fd", q[1], O_WRONLY | O_NONBLOCK);
    check("write end without readers reopens (O_NONBLOCK, no ENXIO)", w >= 0);
    close(w);
    close(q[1]);
}

static void files(void)
{
    char buf[16] = {0};
    int fd = open("/tmp/reopen.txt", O_RDWR | O_CREAT | O_TRUNC, 0644);
    write(fd, "hello", 5);
    int again = reopen("/proc/self/fd", fd, O_RDONLY);
    check("regular file reopens", again >= 0);
    check("with its own offset", read(again, buf, sizeof buf) == 5 && memcmp(buf, "hello", 5) == 0);
    check("the first offset is unchanged", lseek(fd, 0, SEEK_CUR) == 5);
    close(again);
    unlink("/tmp/reopen.txt");
    again = reopen("/proc/self/fd", fd, O_RDONLY);
    check("even after unlink", again >= 0 && read(again, buf, sizeof buf) == 5);
    close(again);
    close(fd);
    errno = 0;
    check("a closed descriptor is ENOENT", reopen("/proc/self/fd", fd, O_RDONLY) == -1 && errno == ENOENT);
    mkdir("/tmp/reopen.d", 0755);
    chdir("/tmp/reopen.d");
    fd = open("inside", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    close(fd);
    check("/proc/self/cwd/NAME", access("/proc/self/cwd/inside", F_OK) == 0);
    unlink("inside");
    chdir("/");
    rmdir("/tmp/reopen.d");
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    pipes();
    files();
    return 0;
}
