// SA_SIGINFO contents (si_signo, si_code SI_USER / SI_TKILL / SI_QUEUE, si_pid, si_uid,
// si_value), the handler mask (sa_mask, self-blocking, SA_NODEFER), SA_RESETHAND, and
// SIGCHLD's siginfo.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "child_util.h"

static volatile int got_signo, got_code, got_pid_self, got_uid_ok, got_value, got_status, self_blocked, other_blocked, depth,
    max_depth, calls;
static volatile pid_t got_pid;

static const char *code_name(int code)
{
    switch (code) {
    case SI_USER: return "SI_USER";
    case SI_TKILL: return "SI_TKILL";
    case SI_QUEUE: return "SI_QUEUE";
    case SI_KERNEL: return "SI_KERNEL";
    case CLD_EXITED: return "CLD_EXITED";
    default: return "other";
    }
}

static void handler(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    sigset_t cur;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    calls++;
    got_signo = si->si_signo;
    got_code = si->si_code;
    got_pid = si->si_pid;
    got_pid_self = si->si_pid == getpid();
    got_uid_ok = si->si_uid == getuid();
    got_value = si->si_value.sival_int;
    got_status = si->si_status;
    self_blocked = sigismember(&cur, sig);
    other_blocked = sigismember(&cur, SIGUSR2);
    depth++;
    if (depth > max_depth)
        max_depth = depth;
    if (depth == 1 && calls == 1 && sig == SIGUSR1)
        raise(SIGUSR1);  /* nested only with SA_NODEFER */
    depth--;
}

static void install(int sig, int flags, int mask_usr2)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO | flags;
    sigemptyset(&sa.sa_mask);
    if (mask_usr2)
        sigaddset(&sa.sa_mask, SIGUSR2);
    sigaction(sig, &sa, NULL);
}

static void report(const char *what)
{
    printf("%s: signo=%s code=%s si_pid is self: %s si_uid ok: %s\n", what, sigabbrev_np(got_signo),
           code_name(got_code), got_pid_self ? "yes" : "no", got_uid_ok ? "yes" : "no");
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    install(SIGUSR1, 0, 1);
    calls = 2;  /* the handler raises again only on the first call */
    kill(getpid(), SIGUSR1);
    report("kill");
    printf("signal blocked inside its own handler: %s\n", self_blocked ? "yes" : "no");
    printf("sa_mask signal blocked inside handler: %s\n", other_blocked ? "yes" : "no");
    calls = max_depth = 0;
    kill(getpid(), SIGUSR1);
    printf("raise inside handler is deferred (calls=%d, max nesting=%d)\n", calls, max_depth);
    sigset_t cur;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    printf("mask restored after handler: %s\n", !sigismember(&cur, SIGUSR1) && !sigismember(&cur, SIGUSR2) ? "yes" : "no");

    calls = 2;  /* no more raising from the handler */
    syscall(SYS_tgkill, getpid(), gettid(), SIGUSR1);
    report("tgkill");
    calls = 2;
    raise(SIGUSR1);
    report("raise");
    syscall(SYS_tkill, gettid(), SIGUSR1);
    report("tkill");

    union sigval v = { .sival_int = 4242 };
    sigqueue(getpid(), SIGUSR1, v);
    report("sigqueue");
    printf("sigqueue value delivered: %d\n", got_value);

    calls = max_depth = 0;
    install(SIGUSR1, SA_NODEFER, 0);
    raise(SIGUSR1);
    printf("SA_NODEFER: calls=%d max nesting=%d self blocked: %s\n", calls, max_depth, self_blocked ? "yes" : "no");

    calls = 0;
    install(SIGUSR2, SA_RESETHAND, 0);
    raise(SIGUSR2);
    struct sigaction now;
    sigaction(SIGUSR2, NULL, &now);
    printf("SA_RESETHAND: calls=%d handler reset to SIG_DFL: %s\n", calls, now.sa_handler == SIG_DFL ? "yes" : "no");

    /* a signal sent from a child carries the child's pid */
    install(SIGUSR2, 0, 0);
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR2);
    sigprocmask(SIG_BLOCK, &block, &old);
    pid_t child = signal_parent_later(SIGUSR2, 0);
    int st;
    waitpid(child, &st, 0);
    sigprocmask(SIG_SETMASK, &old, NULL);
    printf("signal from child: signo=%s code=%s si_pid is the child: %s\n", sigabbrev_np(got_signo),
           code_name(got_code), got_pid == child ? "yes" : "no");

    /* SIGCHLD siginfo */
    install(SIGCHLD, 0, 0);
    sigemptyset(&block);
    sigaddset(&block, SIGCHLD);
    sigprocmask(SIG_BLOCK, &block, &old);
    child = fork();
    if (child == 0)
        _exit(23);
    waitpid(child, &st, 0);
    sigprocmask(SIG_SETMASK, &old, NULL);
    printf("SIGCHLD: signo=%s code=%s si_status=%d si_pid is the child: %s\n", sigabbrev_np(got_signo),
           code_name(got_code), got_status, got_pid == child ? "yes" : "no");

    /* sigaction error cases */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_IGN;
    printf("sigaction(SIGKILL) fails: %s\n", sigaction(SIGKILL, &sa, NULL) < 0 ? strerrorname_np(errno) : "no");
    printf("sigaction(SIGSTOP) fails: %s\n", sigaction(SIGSTOP, &sa, NULL) < 0 ? strerrorname_np(errno) : "no");
    printf("sigaction(0) fails: %s\n", sigaction(0, &sa, NULL) < 0 ? strerrorname_np(errno) : "no");
    printf("sigaction(65) fails: %s\n", sigaction(65, &sa, NULL) < 0 ? strerrorname_np(errno) : "no");
    printf("query SIGKILL works: %s\n", sigaction(SIGKILL, NULL, &now) == 0 ? "yes" : "no");
    printf("kill with signal 0 probes: %s\n", kill(getpid(), 0) == 0 ? "ok" : "failed");
    printf("kill with bad signal: %s\n", kill(getpid(), 1000) < 0 ? strerrorname_np(errno) : "no");
    printf("kill a missing pid: %s\n", kill(999999, SIGUSR1) < 0 ? strerrorname_np(errno) : "no");
    return 0;
}
