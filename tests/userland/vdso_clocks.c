// The clocks as glibc reads them through the vDSO: CLOCK_MONOTONIC never decreases over a
// million calls nor across fork, and agrees with the system call (vDSO <= syscall <= vDSO);
// the other monotonic clocks never decrease; realtime agrees with time() and gettimeofday();
// clock_getres; a sleep measures at least its length; unknown clocks are EINVAL (the vDSO's
// system call fallback); CPU-time clocks and getcpu work.
// timeout: 30
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void check(const char *what, int ok) { printf("%s: %s\n", what, ok ? "yes" : "no"); }

static long long ns(struct timespec t) { return t.tv_sec * 1000000000LL + t.tv_nsec; }

static long long now(clockid_t clock)
{
    struct timespec t;
    clock_gettime(clock, &t);
    return ns(t);
}

static long long sys_now(clockid_t clock)
{
    struct timespec t;
    syscall(SYS_clock_gettime, clock, &t);
    return ns(t);
}

static int never_decreases(clockid_t clock, long calls)
{
    long long prev = now(clock);
    for (long i = 0; i < calls; i++) {
        long long t = now(clock);
        if (t < prev) {
            fprintf(stderr, "clock %d went back by %lld ns at call %ld\n", clock, prev - t, i);
            return 0;
        }
        prev = t;
    }
    return 1;
}

static int agrees_with_syscall(clockid_t clock, int rounds)
{
    for (int i = 0; i < rounds; i++) {
        long long a = now(clock), b = sys_now(clock), c = now(clock);
        if (!(a <= b && b <= c)) {
            fprintf(stderr, "clock %d: vdso %lld syscall %lld vdso %lld\n", clock, a, b, c);
            return 0;
        }
    }
    return 1;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    check("CLOCK_MONOTONIC never decreases over 1e6 calls", never_decreases(CLOCK_MONOTONIC, 1000000));
    check("CLOCK_MONOTONIC_RAW never decreases", never_decreases(CLOCK_MONOTONIC_RAW, 100000));
    check("CLOCK_BOOTTIME never decreases", never_decreases(CLOCK_BOOTTIME, 100000));
    check("CLOCK_MONOTONIC_COARSE never decreases", never_decreases(CLOCK_MONOTONIC_COARSE, 100000));
    check("CLOCK_MONOTONIC: vDSO <= syscall <= vDSO", agrees_with_syscall(CLOCK_MONOTONIC, 300));
    check("CLOCK_BOOTTIME: vDSO <= syscall <= vDSO", agrees_with_syscall(CLOCK_BOOTTIME, 100));
    check("CLOCK_MONOTONIC_RAW: vDSO <= syscall <= vDSO", agrees_with_syscall(CLOCK_MONOTONIC_RAW, 100));
    long long coarse = now(CLOCK_MONOTONIC_COARSE), fine = now(CLOCK_MONOTONIC), boot = now(CLOCK_BOOTTIME);
    check("coarse <= fine monotonic", coarse <= fine);
    check("BOOTTIME read later >= MONOTONIC", boot >= fine);

    int fds[2];
    if (pipe(fds) != 0)
        return 1;
    long long before_fork = now(CLOCK_MONOTONIC);
    pid_t pid = fork();
    if (pid == 0) {
        long long t = now(CLOCK_MONOTONIC);
        int ok = t >= before_fork && never_decreases(CLOCK_MONOTONIC, 100000);
        t = now(CLOCK_MONOTONIC);
        if (write(fds[1], &t, sizeof t) != sizeof t)
            _exit(2);
        _exit(ok ? 0 : 1);
    }
    long long child_last = 0;
    int status;
    if (read(fds[0], &child_last, sizeof child_last) != sizeof child_last)
        return 1;
    long long after = now(CLOCK_MONOTONIC);
    waitpid(pid, &status, 0);
    check("fork: the child's clock continues the parent's", WIFEXITED(status) && WEXITSTATUS(status) == 0);
    check("fork: the parent reads after the child's last value", after >= child_last);

    struct timeval tv;
    struct timespec rt;
    time_t t0 = time(NULL);
    gettimeofday(&tv, NULL);
    clock_gettime(CLOCK_REALTIME, &rt);
    time_t t1 = time(NULL);
    long long tv_ns = tv.tv_sec * 1000000000LL + tv.tv_usec * 1000LL;
    check("time() <= CLOCK_REALTIME seconds <= time()", t0 <= rt.tv_sec && rt.tv_sec <= t1);
    check("gettimeofday within 50 ms of CLOCK_REALTIME", llabs(ns(rt) - tv_ns) < 50000000LL);
    check("CLOCK_REALTIME_COARSE within 50 ms of CLOCK_REALTIME",
          llabs(now(CLOCK_REALTIME_COARSE) - now(CLOCK_REALTIME)) < 50000000LL);
    check("a plausible date (after 2020)", rt.tv_sec > 1577836800);
    struct timeval tv2;
    struct timezone tz = {99, 99};
    check("gettimeofday with a timezone returns 0", gettimeofday(&tv2, &tz) == 0);
    check("time(&t) stores what it returns", ({ time_t t = 0; time_t r = time(&t); r == t; }));

    clockid_t hres[] = {CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_MONOTONIC_RAW, CLOCK_BOOTTIME};
    for (unsigned i = 0; i < sizeof hres / sizeof hres[0]; i++) {
        struct timespec res = {-1, -1};
        int r = clock_getres(hres[i], &res);
        printf("clock_getres(%d) = %d, %ld.%09ld\n", hres[i], r, (long)res.tv_sec, res.tv_nsec);
    }
    struct timespec cres = {-1, -1};
    check("clock_getres(CLOCK_MONOTONIC_COARSE) between 1 us and 10 ms",
          clock_getres(CLOCK_MONOTONIC_COARSE, &cres) == 0 && cres.tv_sec == 0 && cres.tv_nsec >= 1000 &&
          cres.tv_nsec <= 10000000);
    check("clock_getres(CLOCK_MONOTONIC, NULL) is 0", clock_getres(CLOCK_MONOTONIC, NULL) == 0);

    long long start = now(CLOCK_MONOTONIC);
    struct timespec nap = {0, 20000000};
    nanosleep(&nap, NULL);
    long long slept = now(CLOCK_MONOTONIC) - start;
    check("a 20 ms nanosleep measures 20 ms to 1 s", slept >= 20000000LL && slept < 1000000000LL);

    struct timespec ts;
    errno = 0;
    check("clock_gettime(99) fails with EINVAL", clock_gettime(99, &ts) == -1 && errno == EINVAL);
    errno = 0;
    check("clock_getres(99) fails with EINVAL", clock_getres(99, &ts) == -1 && errno == EINVAL);
    errno = 0;
    check("clock_gettime(-5) fails with EINVAL", clock_gettime(-5, &ts) == -1 && errno == EINVAL);
    check("CLOCK_PROCESS_CPUTIME_ID works", clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) == 0);
    check("CLOCK_THREAD_CPUTIME_ID works", clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) == 0);

    unsigned cpu = 99, node = 99;
    check("getcpu returns 0 and a cpu", getcpu(&cpu, &node) == 0 && cpu != 99 && node != 99);
    check("sched_getcpu is not negative", sched_getcpu() >= 0);
    return 0;
}
