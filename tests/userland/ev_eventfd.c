// eventfd/eventfd2: counter semantics, EFD_NONBLOCK EAGAIN, short buffers, the
// 0xffffffffffffffff and overflow rules, poll readiness, blocking read woken by a child,
// flags (EFD_CLOEXEC, O_NONBLOCK), /proc/self/fd name, bad flags.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <unistd.h>

static void rd(int fd, const char *what)
{
    uint64_t v = 0;
    ssize_t n = read(fd, &v, sizeof v);
    if (n < 0)
        printf("%s: read -> %s\n", what, strerror(errno));
    else
        printf("%s: read %zd bytes value %llu\n", what, n, (unsigned long long)v);
}

static void wr(int fd, uint64_t v, const char *what)
{
    ssize_t n = write(fd, &v, sizeof v);
    if (n < 0)
        printf("%s: write -> %s\n", what, strerror(errno));
    else
        printf("%s: write %zd bytes\n", what, n);
}

static void pollit(int fd, const char *what)
{
    struct pollfd p = { fd, POLLIN | POLLOUT, 0 };
    int r = poll(&p, 1, 0);
    printf("%s: poll=%d%s%s%s\n", what, r, p.revents & POLLIN ? " IN" : "", p.revents & POLLOUT ? " OUT" : "",
           p.revents & POLLERR ? " ERR" : "");
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    int fd = eventfd(5, EFD_NONBLOCK | EFD_CLOEXEC);
    printf("fd flags: cloexec=%d nonblock=%d rdwr=%d\n", (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0,
           (fcntl(fd, F_GETFL) & O_NONBLOCK) != 0, (fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR);
    char link[64] = {0};
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    readlink(path, link, sizeof link - 1);
    printf("link: %s\n", link);
    pollit(fd, "initial 5");
    rd(fd, "first");
    rd(fd, "empty");
    pollit(fd, "after read");
    wr(fd, 3, "add 3");
    wr(fd, 4, "add 4");
    rd(fd, "sum");
    char small[4] = {0};
    ssize_t n = read(fd, small, 4);
    printf("short read: %zd %s\n", n, n < 0 ? strerror(errno) : "");
    n = write(fd, small, 4);
    printf("short write: %zd %s\n", n, n < 0 ? strerror(errno) : "");
    wr(fd, UINT64_MAX, "max");
    wr(fd, UINT64_MAX - 1, "max-1");
    pollit(fd, "full");
    wr(fd, 1, "overflow");
    wr(fd, 0, "zero");
    rd(fd, "drain full");
    uint64_t big[2] = { 7, 9 };
    n = write(fd, big, sizeof big);
    printf("16-byte write: %zd %s\n", n, n < 0 ? strerror(errno) : "");
    uint64_t out[2] = { 0, 0 };
    n = read(fd, out, sizeof out);
    printf("16-byte read: %zd value %llu\n", n, (unsigned long long)out[0]);
    off_t off = lseek(fd, 0, SEEK_SET);
    printf("lseek: %ld %s\n", (long)off, off < 0 ? strerror(errno) : "");
    int e = eventfd(0, 0x40);
    printf("bad flags: %d %s\n", e, e < 0 ? strerror(errno) : "");

    /* blocking read woken by another process */
    int b = eventfd(0, 0);
    pid_t pid = fork();
    if (pid == 0) {
        usleep(50000);
        uint64_t v = 42;
        write(b, &v, 8);
        _exit(0);
    }
    rd(b, "blocking");
    waitpid(pid, NULL, 0);
    close(b);
    close(fd);
    return 0;
}
