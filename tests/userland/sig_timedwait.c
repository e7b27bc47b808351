// rt_sigtimedwait / sigwaitinfo / sigtimedwait: a pending signal is taken at once with its
// siginfo, timeouts give EAGAIN, another signal gives EINTR, an ignored signal that is blocked
// is still queued for sigwait, and the mask is the caller's again afterwards.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "child_util.h"

static volatile sig_atomic_t usr2_seen;

static void on_usr2(int sig)
{
    (void)sig;
    usr2_seen++;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, &old);

    struct timespec zero = { 0, 0 };
    siginfo_t si;
    int r = sigtimedwait(&set, &si, &zero);
    printf("nothing pending, zero timeout: r=%d errno=%s\n", r, strerrorname_np(errno));

    struct timespec short_wait = { 0, 30 * 1000 * 1000 };
    r = sigtimedwait(&set, &si, &short_wait);
    printf("nothing pending, 30ms timeout: r=%d errno=%s\n", r, strerrorname_np(errno));

    struct timespec bad = { 0, 1000000000 };
    r = sigtimedwait(&set, &si, &bad);
    printf("bad timeout: r=%d errno=%s\n", r, strerrorname_np(errno));

    raise(SIGUSR1);
    memset(&si, 0, sizeof si);
    r = sigtimedwait(&set, &si, &zero);
    printf("raise then wait: r=%s si_signo=%s si_code=%d pid_ok=%d\n", sigabbrev_np(r),
           sigabbrev_np(si.si_signo), si.si_code, si.si_pid == getpid());
    sigset_t pend;
    sigpending(&pend);
    printf("still pending after take: %d\n", sigismember(&pend, SIGUSR1));

    /* a child signals us while we wait without timeout */
    int pfd[2];
    pipe(pfd);
    pid_t pid = signal_parent_on_read(pfd[0], SIGUSR1);
    write(pfd[1], "x", 1);
    memset(&si, 0, sizeof si);
    r = sigwaitinfo(&set, &si);
    printf("from child: r=%s si_code=%d pid_ok=%d uid_ok=%d\n", sigabbrev_np(r), si.si_code,
           si.si_pid == pid, si.si_uid == getuid());
    waitpid(pid, NULL, 0);

    /* a handled signal outside the set interrupts the wait (the child keeps sending it, so
       one copy arriving before the parent starts waiting cannot leave the wait hanging) */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr2;
    sigaction(SIGUSR2, &sa, NULL);
    pid = fork();
    if (pid == 0) {
        char c;
        read(pfd[0], &c, 1);
        for (;;) {
            kill(getppid(), SIGUSR2);
            usleep(2000);
        }
    }
    write(pfd[1], "x", 1);
    r = sigwaitinfo(&set, &si);
    int wait_errno = errno;
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    printf("other signal: r=%d errno=%s handler_ran=%s\n", r, strerrorname_np(wait_errno),
           usr2_seen > 0 ? "yes" : "no");

    /* ignored but blocked: still queued for sigwait */
    signal(SIGUSR1, SIG_IGN);
    raise(SIGUSR1);
    r = sigtimedwait(&set, &si, &zero);
    printf("ignored+blocked: r=%s\n", r > 0 ? sigabbrev_np(r) : strerrorname_np(errno));
    signal(SIGUSR1, SIG_DFL);

    /* waiting unblocks only for the wait: the mask is unchanged afterwards */
    sigset_t now;
    sigprocmask(SIG_BLOCK, NULL, &now);
    printf("mask after waits: USR1=%d USR2=%d\n", sigismember(&now, SIGUSR1), sigismember(&now, SIGUSR2));

    /* several in the set: the lowest comes first; sigwait too */
    sigaddset(&set, SIGUSR2);
    sigaddset(&set, SIGHUP);
    sigprocmask(SIG_BLOCK, &set, NULL);
    raise(SIGUSR2);
    raise(SIGHUP);
    raise(SIGUSR1);
    for (int i = 0; i < 3; i++) {
        int sig;
        sigwait(&set, &sig);
        printf("sigwait %d: %s\n", i, sigabbrev_np(sig));
    }
    return 0;
}
