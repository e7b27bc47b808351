// POSIX timers: timer_create with SIGEV_SIGNAL (si_code SI_TIMER, si_value, si_timerid) and
// SIGEV_NONE, on CLOCK_MONOTONIC and CLOCK_REALTIME (relative and TIMER_ABSTIME),
// timer_gettime, overruns while the signal is blocked (si_overrun == timer_getoverrun),
// timer_delete, and the errors for bad clocks, ids and values.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MS 1000000L

static sigset_t rt;

static void report(const char *what, int r)
{
    printf("%s: %d %s\n", what, r, r < 0 ? strerrorname_np(errno) : "-");
}

static timer_t make(clockid_t clock, int notify, int value)
{
    struct sigevent ev;
    memset(&ev, 0, sizeof ev);
    ev.sigev_notify = notify;
    ev.sigev_signo = SIGRTMIN;
    ev.sigev_value.sival_int = value;
    timer_t t;
    if (timer_create(clock, &ev, &t) != 0)
        printf("timer_create failed: %s\n", strerrorname_np(errno));
    return t;
}

static void arm(timer_t t, int flags, long value_ns, long interval_ns, time_t abs_sec)
{
    struct itimerspec its = { { interval_ns / 1000000000, interval_ns % 1000000000 },
                              { abs_sec + value_ns / 1000000000, value_ns % 1000000000 } };
    if (timer_settime(t, flags, &its, NULL) != 0)
        printf("timer_settime failed: %s\n", strerrorname_np(errno));
}

static void busy_sleep(long ns)
{
    struct timespec ts = { 0, ns };
    while (nanosleep(&ts, &ts) != 0)
        ;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    sigemptyset(&rt);
    sigaddset(&rt, SIGRTMIN);
    sigprocmask(SIG_BLOCK, &rt, NULL);
    siginfo_t si;
    struct itimerspec cur;

    timer_t t = make(CLOCK_MONOTONIC, SIGEV_SIGNAL, 42);
    timer_gettime(t, &cur);
    printf("new timer: value=%ld.%09ld\n", cur.it_value.tv_sec, cur.it_value.tv_nsec);
    arm(t, 0, 20 * MS, 0, 0);
    timer_gettime(t, &cur);
    printf("armed: value_in_range=%d interval=%ld\n", cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec > 0 &&
           cur.it_value.tv_nsec <= 20 * MS, cur.it_interval.tv_nsec);
    memset(&si, 0, sizeof si);
    int s = sigwaitinfo(&rt, &si);
    printf("fired: sig_ok=%d code_timer=%d value=%d timerid_ok=%d overrun=%d\n", s == SIGRTMIN,
           si.si_code == SI_TIMER, si.si_value.sival_int, si.si_timerid == (int)(intptr_t)t, si.si_overrun);
    timer_gettime(t, &cur);
    printf("after one-shot: value=%ld.%09ld\n", cur.it_value.tv_sec, cur.it_value.tv_nsec);

    /* periodic, blocked while it keeps expiring: overruns */
    arm(t, 0, 5 * MS, 5 * MS, 0);
    busy_sleep(100 * MS);
    s = sigwaitinfo(&rt, &si);
    int over = timer_getoverrun(t);
    printf("periodic blocked: overrun>0=%d si_overrun==getoverrun=%d\n", si.si_overrun > 0, si.si_overrun == over);
    timer_gettime(t, &cur);
    printf("periodic: interval=%ld value_in_range=%d\n", cur.it_interval.tv_nsec,
           cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec > 0 && cur.it_value.tv_nsec <= 5 * MS);
    struct itimerspec off = { { 0, 0 }, { 0, 0 } }, old;
    timer_settime(t, 0, &off, &old);
    printf("disarm: old interval=%ld\n", old.it_interval.tv_nsec);
    struct timespec zero = { 0, 0 };
    while (sigtimedwait(&rt, &si, &zero) > 0)
        ;
    timer_gettime(t, &cur);
    printf("disarmed: value=%ld.%09ld interval=%ld\n", cur.it_value.tv_sec, cur.it_value.tv_nsec,
           cur.it_interval.tv_nsec);
    printf("delete: %d\n", timer_delete(t));

    /* CLOCK_REALTIME, absolute */
    t = make(CLOCK_REALTIME, SIGEV_SIGNAL, 7);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    long target_ns = now.tv_nsec + 30 * MS;
    arm(t, TIMER_ABSTIME, target_ns, 0, now.tv_sec);
    s = sigwaitinfo(&rt, &si);
    struct timespec after;
    clock_gettime(CLOCK_REALTIME, &after);
    long long late = (after.tv_sec - now.tv_sec) * 1000000000LL + after.tv_nsec - target_ns;
    printf("realtime abstime: value=%d not_early=%d\n", si.si_value.sival_int, late >= 0);
    /* an absolute time in the past fires at once */
    arm(t, TIMER_ABSTIME, 0, 0, 1);
    s = sigwaitinfo(&rt, &si);
    printf("past abstime: value=%d\n", si.si_value.sival_int);
    timer_delete(t);

    /* SIGEV_NONE: no signal, but the time runs */
    t = make(CLOCK_MONOTONIC, SIGEV_NONE, 0);
    arm(t, 0, 20 * MS, 0, 0);
    busy_sleep(40 * MS);
    timer_gettime(t, &cur);
    printf("SIGEV_NONE expired: value=%ld.%09ld pending=%d\n", cur.it_value.tv_sec, cur.it_value.tv_nsec,
           sigtimedwait(&rt, &si, &zero) > 0);
    arm(t, 0, 1000 * MS, 0, 0);
    timer_gettime(t, &cur);
    printf("SIGEV_NONE armed: value_in_range=%d\n", cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec > 900 * MS);
    timer_delete(t);

    /* default sigevent: SIGALRM with the timer id as value */
    timer_t d;
    timer_create(CLOCK_MONOTONIC, NULL, &d);
    sigset_t alrm;
    sigemptyset(&alrm);
    sigaddset(&alrm, SIGALRM);
    sigprocmask(SIG_BLOCK, &alrm, NULL);
    arm(d, 0, 10 * MS, 0, 0);
    s = sigwaitinfo(&alrm, &si);
    printf("default sigevent: %s code_timer=%d\n", sigabbrev_np(s), si.si_code == SI_TIMER);
    timer_delete(d);

    /* errors */
    errno = 0;
    report("gettime deleted", timer_gettime(d, &cur));
    errno = 0;
    report("delete deleted", timer_delete(d));
    errno = 0;
    report("overrun deleted", timer_getoverrun(d));
    timer_t bad;
    errno = 0;
    report("clock 99", timer_create(99, NULL, &bad));
    struct sigevent ev;
    memset(&ev, 0, sizeof ev);
    ev.sigev_notify = SIGEV_SIGNAL;
    ev.sigev_signo = 0;
    errno = 0;
    report("signo 0", timer_create(CLOCK_MONOTONIC, &ev, &bad));
    ev.sigev_signo = SIGRTMIN;
    ev.sigev_notify = 77;
    errno = 0;
    report("notify 77", timer_create(CLOCK_MONOTONIC, &ev, &bad));
    t = make(CLOCK_MONOTONIC, SIGEV_SIGNAL, 0);
    struct itimerspec badv = { { 0, 0 }, { 0, 1000000000 } };
    errno = 0;
    report("nsec 1e9", timer_settime(t, 0, &badv, NULL));
    timer_delete(t);
    return 0;
}
