// epoll level-triggered: pipes and eventfds, events reported while ready, maxevents
// rotation through the ready list, data.u64 round-trip, MOD/DEL, interest dropped when the
// last descriptor of the file closes (kept while a dup lives), timeouts, struct layout.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>
#include "ev_common.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void add(int ep, int fd, uint32_t events, uint64_t data)
{
    if (ev_add(ep, fd, events, data) < 0)
        printf("add %d: %s\n", fd, strerror(errno));
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    struct epoll_event ev[8];
    printf("sizeof(struct epoll_event)=%zu\n", sizeof(struct epoll_event));
    int ep = epoll_create1(EPOLL_CLOEXEC);
    printf("cloexec=%d\n", (fcntl(ep, F_GETFD) & FD_CLOEXEC) != 0);
    char link[64] = {0}, path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", ep);
    readlink(path, link, sizeof link - 1);
    printf("link: %s\n", link);

    int p[2], q[2];
    pipe(p);
    pipe(q);
    add(ep, p[0], EPOLLIN, 100);
    add(ep, q[0], EPOLLIN, 200);
    add(ep, q[1], EPOLLOUT, 201);

    int n = epoll_wait(ep, ev, 8, 0);
    ev_show("only q write end", n, ev);

    epoll_ctl(ep, EPOLL_CTL_DEL, q[1], NULL);
    n = epoll_wait(ep, ev, 8, 0);
    ev_show("after DEL", n, ev);

    double t0 = now_ms();
    n = epoll_wait(ep, ev, 8, 30);
    printf("timeout: %d, waited enough: %s\n", n, now_ms() - t0 >= 29.5 ? "yes" : "no");

    write(p[1], "a", 1);
    write(q[1], "b", 1);
    n = epoll_wait(ep, ev, 8, 0);
    ev_show("both readable", n, ev);
    n = epoll_wait(ep, ev, 8, 0);
    ev_show("still (level)", n, ev);

    /* maxevents 1 goes round the ready list */
    for (int i = 0; i < 3; i++) {
        n = epoll_wait(ep, ev, 1, 0);
        ev_show("maxevents 1", n, ev);
    }

    char c;
    read(p[0], &c, 1);
    n = epoll_wait(ep, ev, 8, 0);
    ev_show("p drained", n, ev);

    struct epoll_event m = { .events = EPOLLOUT, .data.u64 = 300 };
    epoll_ctl(ep, EPOLL_CTL_MOD, q[0], &m);
    n = epoll_wait(ep, ev, 8, 0);
    ev_show("q[0] modified to OUT", n, ev);
    m.events = EPOLLIN;
    m.data.u64 = 301;
    epoll_ctl(ep, EPOLL_CTL_MOD, q[0], &m);
    n = epoll_wait(ep, ev, 8, 0);
    ev_show("q[0] back to IN", n, ev);

    /* writer closes: HUP is always reported */
    close(p[1]);
    n = epoll_wait(ep, ev, 8, 0);
    ev_show("p writer closed", n, ev);

    /* interest lives with the open file description */
    int d = dup(q[0]);
    close(q[0]);
    n = epoll_wait(ep, ev, 8, 0);
    ev_show("q[0] closed, dup alive", n, ev);
    close(d);
    n = epoll_wait(ep, ev, 8, 0);
    ev_show("last fd of q read end closed", n, ev);
    struct epoll_event e2 = { .events = EPOLLIN };
    int r = epoll_ctl(ep, EPOLL_CTL_DEL, d, &e2);
    printf("DEL closed fd: %d %s\n", r, r ? strerror(errno) : "");
    epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL);

    /* eventfd */
    int efd = eventfd(0, EFD_NONBLOCK);
    add(ep, efd, EPOLLIN | EPOLLOUT, 400);
    n = epoll_wait(ep, ev, 8, 0);
    ev_show("eventfd empty", n, ev);
    uint64_t one = 1;
    write(efd, &one, 8);
    n = epoll_wait(ep, ev, 8, 0);
    ev_show("eventfd 1", n, ev);

    /* data is a union: pointer-sized values round-trip */
    struct epoll_event big = { .events = EPOLLIN, .data.u64 = 0xfedcba9876543210ULL };
    epoll_ctl(ep, EPOLL_CTL_MOD, efd, &big);
    n = epoll_wait(ep, ev, 8, 0);
    printf("data: %d %llx\n", n, (unsigned long long)ev[0].data.u64);
    close(efd);
    close(ep);
    return 0;
}
