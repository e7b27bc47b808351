// Clocks and sleeping: CLOCK_MONOTONIC never goes backwards, REALTIME is a plausible date,
// nanosleep/clock_nanosleep sleep at least the requested time (relative and TIMER_ABSTIME),
// invalid arguments are EINVAL, gettimeofday/time agree with CLOCK_REALTIME.
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include "time_util.h"

static long long ns(struct timespec t) { return t.tv_sec * 1000000000LL + t.tv_nsec; }

static long long mono(void)
{
    struct timespec t;
    syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &t);   /* the system call, not the vDSO */
    return ns(t);
}

static void check(const char *what, int ok) { printf("%s: %s\n", what, ok ? "yes" : "no"); }

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    long long prev = mono(), first = prev;
    int backwards = 0;
    for (int i = 0; i < 1000; i++) {
        long long t = mono();
        backwards += t < prev;
        prev = t;
    }
    check("CLOCK_MONOTONIC non-decreasing over 1000 syscalls", backwards == 0);
    struct timespec t;
    backwards = 0;
    clock_gettime(CLOCK_MONOTONIC, &t);
    prev = ns(t);
    for (int i = 0; i < 1000; i++) {
        clock_gettime(CLOCK_MONOTONIC, &t);
        backwards += ns(t) < prev;
        prev = ns(t);
    }
    check("libc clock_gettime(MONOTONIC) non-decreasing", backwards == 0);
    check("monotonic time advanced", prev > first);
    check("tv_nsec in range", t.tv_nsec >= 0 && t.tv_nsec < 1000000000);

    struct timespec rt;
    clock_gettime(CLOCK_REALTIME, &rt);
    check("CLOCK_REALTIME after 2020", rt.tv_sec > 1577836800);
    check("CLOCK_REALTIME before 2100", rt.tv_sec < 4102444800LL);
    struct timeval tv;
    gettimeofday(&tv, NULL);
    check("gettimeofday agrees with CLOCK_REALTIME (within 5 s)", tv.tv_sec - rt.tv_sec < 5 && rt.tv_sec - tv.tv_sec < 5);
    time_t now = time(NULL);
    check("time() agrees with CLOCK_REALTIME (within 5 s)", now - rt.tv_sec < 5 && rt.tv_sec - now < 5);
    struct timespec bt;
    check("CLOCK_BOOTTIME works and is >= MONOTONIC",
          clock_gettime(CLOCK_BOOTTIME, &bt) == 0 && clock_gettime(CLOCK_MONOTONIC, &t) == 0 && ns(bt) + 1000000 >= ns(t));
    struct timespec cpu;
    check("CLOCK_PROCESS_CPUTIME_ID works", clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu) == 0);
    struct timespec res;
    check("clock_getres(MONOTONIC) at most 10 ms", clock_getres(CLOCK_MONOTONIC, &res) == 0 && res.tv_sec == 0 &&
                                                      res.tv_nsec > 0 && res.tv_nsec <= 10000000);
    errno = 0;
    long r = syscall(SYS_clock_gettime, 12345, &t);
    printf("clock_gettime bad clock: %ld %s\n", r, strerrorname_np(errno));

    long long reqs[] = { 1000000, 10000000, 50000000, 120000000 };
    for (int i = 0; i < 4; i++) {
        struct timespec req = { 0, (long)reqs[i] };
        long long a = mono();
        int rr = nanosleep(&req, NULL);
        long long slept = mono() - a;
        printf("nanosleep %lld ms: returned %d, slept at least that long: %s\n", reqs[i] / 1000000, rr,
               slept >= reqs[i] ? "yes" : "no");
    }
    struct timespec zero = { 0, 0 };
    printf("nanosleep 0: %d\n", nanosleep(&zero, NULL));

    struct timespec abs = deadline_in(CLOCK_MONOTONIC, 80000000);
    int rr = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, NULL);
    clock_gettime(CLOCK_MONOTONIC, &t);
    printf("clock_nanosleep TIMER_ABSTIME: returned %d, woke after the deadline: %s\n", rr, ns(t) >= ns(abs) ? "yes" : "no");
    clock_gettime(CLOCK_MONOTONIC, &abs);
    abs.tv_sec -= 1;
    long long a = mono();
    rr = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, NULL);
    printf("clock_nanosleep with a past deadline returns at once: %d %s\n", rr, mono() - a < 500000000 ? "yes" : "no");
    struct timespec rel = { 0, 30000000 };
    a = mono();
    rr = clock_nanosleep(CLOCK_REALTIME, 0, &rel, NULL);
    printf("clock_nanosleep REALTIME relative 30 ms: %d %s\n", rr, mono() - a >= 30000000 ? "yes" : "no");

    struct timespec bad = { 0, 1000000000 };
    errno = 0;
    r = nanosleep(&bad, NULL);
    printf("nanosleep tv_nsec = 1e9: %ld %s\n", r, strerrorname_np(errno));
    bad.tv_nsec = -1;
    errno = 0;
    r = nanosleep(&bad, NULL);
    printf("nanosleep tv_nsec = -1: %ld %s\n", r, strerrorname_np(errno));
    bad.tv_sec = -1;
    bad.tv_nsec = 0;
    errno = 0;
    r = nanosleep(&bad, NULL);
    printf("nanosleep tv_sec = -1: %ld %s\n", r, strerrorname_np(errno));
    printf("clock_nanosleep bad clock: %d\n", clock_nanosleep(12345, 0, &rel, NULL));
    return 0;
}
