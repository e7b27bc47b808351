// poll/ppoll/select/pselect: timeouts (returns 0 after at least the timeout), readiness of
// pipes (POLLIN, POLLOUT, POLLHUP after the writer closes, POLLERR without readers),
// POLLNVAL, negative fds, wakeup by another process, select's fd_set rewriting.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/select.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "child_util.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void flags(const char *what, int r, short rev)
{
    printf("%s: r=%d revents=", what, r);
    if (!rev)
        printf("0");
    if (rev & POLLIN) printf("IN ");
    if (rev & POLLOUT) printf("OUT ");
    if (rev & POLLHUP) printf("HUP ");
    if (rev & POLLERR) printf("ERR ");
    if (rev & POLLNVAL) printf("NVAL ");
    if (rev & POLLPRI) printf("PRI ");
    printf("\n");
}

static short poll1(int fd, short events, int timeout, int *r)
{
    struct pollfd p = { fd, events, 0x7fff };
    *r = poll(&p, 1, timeout);
    return p.revents;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    int p[2], r;
    pipe(p);

    double t0 = now_ms();
    short rev = poll1(p[0], POLLIN, 50, &r);
    double waited = now_ms() - t0;
    flags("poll empty pipe, 50 ms", r, rev);
    printf("poll waited at least 50 ms: %s\n", waited >= 49.9 ? "yes" : "no");

    t0 = now_ms();
    rev = poll1(p[0], POLLIN, 0, &r);
    flags("poll timeout 0", r, rev);

    fd_set rs;
    FD_ZERO(&rs);
    FD_SET(p[0], &rs);
    struct timeval tv = { 0, 50000 };
    t0 = now_ms();
    r = select(p[0] + 1, &rs, NULL, NULL, &tv);
    waited = now_ms() - t0;
    printf("select empty pipe, 50 ms: r=%d fd still set: %s\n", r, FD_ISSET(p[0], &rs) ? "yes" : "no");
    printf("select waited at least 50 ms: %s\n", waited >= 49.9 ? "yes" : "no");
    printf("select timeval updated to zero: %s\n", tv.tv_sec == 0 && tv.tv_usec == 0 ? "yes" : "no");

    struct timespec ts = { 0, 50 * 1000 * 1000 };
    struct pollfd pp = { p[0], POLLIN, 0 };
    t0 = now_ms();
    r = ppoll(&pp, 1, &ts, NULL);
    waited = now_ms() - t0;
    printf("ppoll empty pipe, 50 ms: r=%d waited at least 50 ms: %s\n", r, waited >= 49.9 ? "yes" : "no");
    FD_ZERO(&rs);
    FD_SET(p[0], &rs);
    ts.tv_nsec = 30 * 1000 * 1000;
    r = pselect(p[0] + 1, &rs, NULL, NULL, &ts, NULL);
    printf("pselect empty pipe: r=%d\n", r);

    rev = poll1(p[1], POLLOUT, 0, &r);
    flags("write end of empty pipe", r, rev);
    write(p[1], "abc", 3);
    rev = poll1(p[0], POLLIN | POLLOUT, 0, &r);
    flags("read end with data", r, rev);
    FD_ZERO(&rs);
    FD_SET(p[0], &rs);
    fd_set ws;
    FD_ZERO(&ws);
    FD_SET(p[1], &ws);
    FD_SET(p[0], &ws);
    tv.tv_sec = 1;
    tv.tv_usec = 0;
    r = select(p[1] + 1, &rs, &ws, NULL, &tv);
    printf("select read+write: r=%d read set=%d write set has write end=%d has read end=%d\n", r,
           FD_ISSET(p[0], &rs), FD_ISSET(p[1], &ws), FD_ISSET(p[0], &ws));
    printf("select timeval decreased but positive: %s\n", tv.tv_sec * 1000000 + tv.tv_usec > 0 ? "yes" : "no");

    close(p[1]);
    rev = poll1(p[0], POLLIN, 0, &r);
    flags("writer closed, data left", r, rev);
    char buf[8];
    read(p[0], buf, sizeof buf);
    rev = poll1(p[0], POLLIN, 0, &r);
    flags("writer closed, drained", r, rev);
    rev = poll1(p[0], 0, 0, &r);
    flags("writer closed, no events requested", r, rev);
    close(p[0]);

    pipe(p);
    close(p[0]);
    rev = poll1(p[1], POLLOUT, 0, &r);
    flags("reader closed, write end", r, rev);
    close(p[1]);

    rev = poll1(p[1], POLLIN, 0, &r);
    flags("closed fd", r, rev);
    struct pollfd many[3] = { { -1, POLLIN, 0x55 }, { 0, 0, 0 }, { 999, POLLIN, 0 } };
    int devnull = open("/dev/null", O_RDWR);
    many[1].fd = devnull;
    many[1].events = POLLIN | POLLOUT;
    r = poll(many, 3, 0);
    printf("mixed poll: r=%d\n", r);
    flags("  negative fd", r, many[0].revents);
    flags("  /dev/null", r, many[1].revents);
    flags("  bad fd", r, many[2].revents);
    char path[64];
    snprintf(path, sizeof path, "/tmp/poll_select.%d", getpid());
    int f = open(path, O_RDWR | O_CREAT, 0600);
    rev = poll1(f, POLLIN | POLLOUT, -1, &r);
    flags("regular file", r, rev);
    close(f);
    unlink(path);

    /* wakeup by a child */
    pipe(p);
    pid_t pid = write_later(p[1], "x", 60);
    t0 = now_ms();
    rev = poll1(p[0], POLLIN, 5000, &r);
    waited = now_ms() - t0;
    flags("poll woken by a child's write", r, rev);
    printf("woken early (well before 5 s): %s\n", waited < 4000 ? "yes" : "no");
    read(p[0], buf, 1);
    waitpid(pid, NULL, 0);

    pid = write_later(p[1], "y", 60);
    FD_ZERO(&rs);
    FD_SET(p[0], &rs);
    r = select(p[0] + 1, &rs, NULL, NULL, NULL);
    printf("select without timeout woken by a child: r=%d set=%d\n", r, FD_ISSET(p[0], &rs));
    waitpid(pid, NULL, 0);

    /* errors */
    int closed = dup(0);   /* a descriptor number that is certainly closed */
    close(closed);
    FD_ZERO(&rs);
    FD_SET(closed, &rs);
    tv.tv_sec = 0;
    tv.tv_usec = 0;
    errno = 0;
    r = select(closed + 1, &rs, NULL, NULL, &tv);
    printf("select with a closed fd: %d %s\n", r, strerrorname_np(errno));
    errno = 0;
    r = select(-1, NULL, NULL, NULL, &tv);
    printf("select negative nfds: %d %s\n", r, strerrorname_np(errno));
    tv.tv_sec = -1;
    errno = 0;
    r = select(0, NULL, NULL, NULL, &tv);
    printf("select negative timeout: %d %s\n", r, strerrorname_np(errno));
    errno = 0;
    r = poll(NULL, 0, 10);
    printf("poll with no fds sleeps and returns: %d\n", r);
    return 0;
}
