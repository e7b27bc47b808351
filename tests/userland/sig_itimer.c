// alarm and setitimer/getitimer: alarm returns the seconds left of the previous alarm,
// ITIMER_REAL delivers SIGALRM (si_code SI_KERNEL) once or periodically, getitimer reports
// the interval and a remaining time within it, a zero value disarms, bad arguments are EINVAL,
// ITIMER_VIRTUAL/ITIMER_PROF fire after CPU time, SIGALRM's default action terminates.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>
#include "sig_util.h"

static volatile sig_atomic_t alrm, vtalrm, prof, last_code;

static void on_signal(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    if (sig == SIGALRM)
        alrm++;
    if (sig == SIGVTALRM)
        vtalrm++;
    if (sig == SIGPROF)
        prof++;
    last_code = si->si_code;
}

static void wait_for(volatile sig_atomic_t *counter, int target)
{
    sigset_t none;
    sigemptyset(&none);
    while (*counter < target)
        sigsuspend(&none);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    set_siginfo_handler(SIGALRM, on_signal);
    set_siginfo_handler(SIGVTALRM, on_signal);
    set_siginfo_handler(SIGPROF, on_signal);
    sigset_t block = sig_set(SIGALRM, SIGVTALRM, SIGPROF, 0);
    sigprocmask(SIG_BLOCK, &block, NULL);

    printf("alarm(0) first: %u\n", alarm(0));
    alarm(10);
    printf("alarm(5) after alarm(10): %u\n", alarm(5));
    printf("alarm(0) after alarm(5): %u\n", alarm(0));
    struct itimerval it;
    getitimer(ITIMER_REAL, &it);
    printf("after alarm(0): value=%ld.%06ld interval=%ld.%06ld\n", it.it_value.tv_sec, it.it_value.tv_usec,
           it.it_interval.tv_sec, it.it_interval.tv_usec);

    alarm(1);
    wait_for(&alrm, 1);
    printf("alarm(1): SIGALRM count=%d code_kernel=%d\n", alrm, last_code == SI_KERNEL);

    struct itimerval set = { { 0, 20000 }, { 0, 30000 } }, old;
    printf("setitimer periodic: %d\n", setitimer(ITIMER_REAL, &set, NULL));
    getitimer(ITIMER_REAL, &it);
    printf("getitimer: interval=%ld.%06ld value_in_range=%d\n", it.it_interval.tv_sec, it.it_interval.tv_usec,
           it.it_value.tv_sec == 0 && it.it_value.tv_usec > 0 && it.it_value.tv_usec <= 30000);
    alrm = 0;
    wait_for(&alrm, 3);
    printf("periodic: at least 3 SIGALRM: %d\n", alrm >= 3);
    struct itimerval zero = { { 0, 0 }, { 0, 0 } };
    setitimer(ITIMER_REAL, &zero, &old);
    printf("disarm: old interval=%ld.%06ld old value_in_range=%d\n", old.it_interval.tv_sec,
           old.it_interval.tv_usec, old.it_value.tv_sec == 0 && old.it_value.tv_usec <= 20000);
    getitimer(ITIMER_REAL, &it);
    printf("disarmed: value=%ld.%06ld\n", it.it_value.tv_sec, it.it_value.tv_usec);

    struct itimerval bad = { { 0, 0 }, { 0, 1000000 } };
    errno = 0;
    printf("usec 1000000: %d %s\n", setitimer(ITIMER_REAL, &bad, NULL), strerrorname_np(errno));
    bad.it_value.tv_usec = 0;
    bad.it_value.tv_sec = -1;
    errno = 0;
    printf("negative: %d %s\n", setitimer(ITIMER_REAL, &bad, NULL), strerrorname_np(errno));
    errno = 0;
    printf("which 3: %d %s\n", getitimer(3, &it), strerrorname_np(errno));

    /* CPU-time timers: spin until they fire */
    struct itimerval cpu = { { 0, 0 }, { 0, 30000 } };
    setitimer(ITIMER_VIRTUAL, &cpu, NULL);
    sigprocmask(SIG_UNBLOCK, &block, NULL);
    while (!vtalrm)
        ;
    printf("ITIMER_VIRTUAL fired: %d code_kernel=%d\n", vtalrm, last_code == SI_KERNEL);
    setitimer(ITIMER_PROF, &cpu, NULL);
    while (!prof)
        ;
    printf("ITIMER_PROF fired: %d\n", prof);
    getitimer(ITIMER_VIRTUAL, &it);
    printf("one-shot virtual after firing: value=%ld.%06ld\n", it.it_value.tv_sec, it.it_value.tv_usec);

    /* itimers are not inherited by fork; SIGALRM's default action kills */
    setitimer(ITIMER_REAL, &set, NULL);
    pid_t pid = fork();
    if (pid == 0) {
        getitimer(ITIMER_REAL, &it);
        printf("child inherits: %d\n", it.it_value.tv_sec != 0 || it.it_value.tv_usec != 0);
        signal(SIGALRM, SIG_DFL);
        alarm(1);
        for (;;)
            pause();
    }
    setitimer(ITIMER_REAL, &zero, NULL);
    int st;
    waitpid(pid, &st, 0);
    printf("child killed by: %s\n", WIFSIGNALED(st) ? sigabbrev_np(WTERMSIG(st)) : "nothing");
    return 0;
}
