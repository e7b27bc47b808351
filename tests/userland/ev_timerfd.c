// timerfd: create flags and clocks, one-shot and periodic expirations counted by read,
// gettime, disarm, TFD_TIMER_ABSTIME on CLOCK_MONOTONIC and CLOCK_REALTIME, EAGAIN, short
// buffers, old_value, epoll/poll readiness, blocking read, error rules.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>
#include "ev_common.h"
#include "time_util.h"

static struct itimerspec spec(long value_ms, long interval_ms)
{
    struct itimerspec s = {
        .it_interval = { interval_ms / 1000, interval_ms % 1000 * 1000000 },
        .it_value = { value_ms / 1000, value_ms % 1000 * 1000000 },
    };
    return s;
}

static uint64_t rd(int fd)
{
    uint64_t v = 0;
    if (read(fd, &v, 8) != 8)
        return 0;
    return v;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    ev_describe_fd(fd);
    uint64_t v;
    ev_result("read disarmed", read(fd, &v, 8));
    struct itimerspec cur;
    timerfd_gettime(fd, &cur);
    printf("disarmed gettime: %ld %ld\n", (long)cur.it_value.tv_sec, cur.it_value.tv_nsec);

    struct itimerspec s = spec(30, 0), old;
    ev_result("settime 30ms", timerfd_settime(fd, 0, &s, NULL));
    timerfd_gettime(fd, &cur);
    printf("remaining in (0,30ms]: %d\n", cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec > 0 &&
           cur.it_value.tv_nsec <= 30000000);
    ev_result("read early", read(fd, &v, 8));
    struct pollfd pf = { fd, POLLIN, 0 };
    int r = poll(&pf, 1, 2000);
    printf("poll: %d revents=%#x\n", r, pf.revents);
    printf("one-shot count: %llu\n", (unsigned long long)rd(fd));
    ev_result("read after", read(fd, &v, 8));
    timerfd_gettime(fd, &cur);
    printf("expired gettime: %ld %ld\n", (long)cur.it_value.tv_sec, cur.it_value.tv_nsec);

    s = spec(10, 10);
    timerfd_settime(fd, 0, &s, NULL);
    usleep(55000);
    uint64_t n = rd(fd);
    printf("periodic count >= 3: %d\n", n >= 3);
    timerfd_gettime(fd, &cur);
    printf("interval: %ld ms, value <= 10ms: %d\n", cur.it_interval.tv_nsec / 1000000,
           cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec <= 10000000);
    s = spec(0, 0);
    timerfd_settime(fd, 0, &s, &old);
    printf("old interval: %ld ms\n", old.it_interval.tv_nsec / 1000000);
    timerfd_gettime(fd, &cur);
    printf("disarmed: %ld %ld %ld\n", (long)cur.it_value.tv_sec, cur.it_value.tv_nsec, cur.it_interval.tv_nsec);

    /* absolute in the past: expires at once; periodic counts every period since then */
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    s.it_value.tv_sec = now.tv_sec - 2;
    s.it_value.tv_nsec = now.tv_nsec;
    s.it_interval.tv_sec = 1;
    s.it_interval.tv_nsec = 0;
    timerfd_settime(fd, TFD_TIMER_ABSTIME, &s, NULL);
    n = rd(fd);
    printf("abs past periodic count: %llu\n", (unsigned long long)n);

    /* CLOCK_REALTIME absolute, blocking read */
    int rt = timerfd_create(CLOCK_REALTIME, 0);
    now = deadline_in(CLOCK_REALTIME, 40000000);
    s.it_value = now;
    s.it_interval.tv_sec = 0;
    timerfd_settime(rt, TFD_TIMER_ABSTIME, &s, NULL);
    printf("blocking realtime read: %llu\n", (unsigned long long)rd(rt));

    /* epoll */
    int ep = epoll_create1(0);
    struct epoll_event e = { .events = EPOLLIN, .data.u64 = 7 }, out[2];
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
    s = spec(20, 0);
    timerfd_settime(fd, 0, &s, NULL);
    ev_result("epoll before", epoll_wait(ep, out, 2, 0));
    r = epoll_wait(ep, out, 2, 2000);
    printf("epoll wait: %d data=%llu\n", r, (unsigned long long)out[0].data.u64);
    printf("count: %llu\n", (unsigned long long)rd(fd));
    ev_result("epoll after read", epoll_wait(ep, out, 2, 0));

    /* errors */
    char small[4];
    ev_result("short read", read(fd, small, 4));
    ev_result("bad clock", timerfd_create(CLOCK_PROCESS_CPUTIME_ID, 0));
    ev_result("bad flags", timerfd_create(CLOCK_MONOTONIC, 1));
    s = spec(10, 0);
    ev_result("settime bad flags", timerfd_settime(fd, 4, &s, NULL));
    s.it_value.tv_nsec = 1000000000;
    ev_result("settime bad nsec", timerfd_settime(fd, 0, &s, NULL));
    s = spec(10, 0);
    ev_result("settime on pipe", timerfd_settime(0, 0, &s, NULL));
    ev_result("settime bad fd", timerfd_settime(55, 0, &s, NULL));
    ev_result("settime NULL", timerfd_settime(fd, 0, NULL, NULL));
    ev_result("gettime not timerfd", timerfd_gettime(ep, &cur));
    return 0;
}
