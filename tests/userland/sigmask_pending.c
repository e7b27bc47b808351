// Signal masks and pending sets: sigprocmask SIG_BLOCK/UNBLOCK/SETMASK, blocked signals
// stay pending, standard signals coalesce while RT signals queue (and are delivered lowest
// first), SIGKILL/SIGSTOP cannot be blocked, sigsuspend, masks inherited by fork and
// exec while the pending set of a fork child starts empty, ignoring discards pending.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "child_util.h"
#include "sig_util.h"

static int order[64], norder;
static void handler(int sig)
{
    if (norder < 64)
        order[norder++] = sig;
}

static void install(int sig)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sigfillset(&sa.sa_mask);   /* one handler at a time: records the delivery order */
    sigaction(sig, &sa, NULL);
}

static void show_order(const char *what)
{
    printf("%s: [", what);
    for (int i = 0; i < norder; i++)
        printf("%s%d", i ? " " : "", order[i] >= SIGRTMIN ? order[i] - SIGRTMIN + 1000 : order[i]);
    printf("]\n");
    norder = 0;
}

static void show_mask(const char *what, const sigset_t *s)
{
    printf("%s:", what);
    for (int i = 1; i < 65; i++)
        if (sigismember(s, i))
            printf(" %d", i);
    printf("\n");
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc > 1 && strcmp(argv[1], "--mask") == 0) {
        sigset_t cur, pend;
        sigprocmask(SIG_BLOCK, NULL, &cur);
        sigpending(&pend);
        show_mask("  mask after exec", &cur);
        show_mask("  pending after exec", &pend);
        return 0;
    }
    sigset_t s, old, cur, pend;
    sigprocmask(SIG_SETMASK, NULL, &old);
    show_mask("initial mask (from the harness: empty)", &old);
    install(SIGUSR1);
    install(SIGUSR2);
    install(SIGRTMIN);
    install(SIGRTMIN + 1);

    s = sig_set(SIGUSR1, SIGUSR2, SIGKILL, SIGSTOP, 0);
    sigprocmask(SIG_BLOCK, &s, NULL);
    sigprocmask(SIG_BLOCK, NULL, &cur);
    show_mask("after blocking USR1 USR2 KILL STOP", &cur);

    raise(SIGUSR1);
    raise(SIGUSR1);
    raise(SIGUSR2);
    sigpending(&pend);
    show_mask("pending", &pend);
    show_order("delivered while blocked");
    sigemptyset(&s);
    sigaddset(&s, SIGUSR2);
    sigprocmask(SIG_UNBLOCK, &s, NULL);
    show_order("after unblocking USR2");
    sigprocmask(SIG_SETMASK, &old, NULL);
    show_order("after restoring the mask (USR1 twice raised, coalesced)");

    /* realtime signals queue and come out lowest number first */
    s = sig_set(SIGRTMIN, SIGRTMIN + 1, SIGUSR1, 0);
    sigprocmask(SIG_BLOCK, &s, NULL);
    raise(SIGRTMIN + 1);
    raise(SIGRTMIN);
    raise(SIGRTMIN + 1);
    raise(SIGUSR1);
    raise(SIGRTMIN);
    sigprocmask(SIG_UNBLOCK, &s, NULL);
    show_order("RT queued (1000=SIGRTMIN)");

    /* sigsuspend: atomically unblock and wait */
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    sigprocmask(SIG_BLOCK, &s, &old);
    pid_t pid = signal_parent_later(SIGUSR1, 0);
    sigset_t wait_mask;
    sigprocmask(SIG_BLOCK, NULL, &wait_mask);
    sigdelset(&wait_mask, SIGUSR1);
    int r = sigsuspend(&wait_mask);
    printf("sigsuspend: %d %s\n", r, strerrorname_np(errno));
    show_order("handled during sigsuspend");
    sigprocmask(SIG_BLOCK, NULL, &cur);
    printf("mask restored after sigsuspend (USR1 blocked): %s\n", sigismember(&cur, SIGUSR1) ? "yes" : "no");
    waitpid(pid, NULL, 0);

    /* fork: mask inherited, pending not */
    raise(SIGUSR1);
    pid = fork();
    if (pid == 0) {
        sigset_t m, p;
        sigprocmask(SIG_BLOCK, NULL, &m);
        sigpending(&p);
        _exit((sigismember(&m, SIGUSR1) ? 1 : 0) + (sigismember(&p, SIGUSR1) ? 2 : 0));
    }
    int st;
    waitpid(pid, &st, 0);
    printf("fork child: mask inherited=%s pending inherited=%s\n", WEXITSTATUS(st) & 1 ? "yes" : "no",
           WEXITSTATUS(st) & 2 ? "yes" : "no");
    /* exec: mask kept; pending kept too */
    sigaddset(&s, SIGUSR2);
    sigprocmask(SIG_BLOCK, &s, NULL);
    pid = fork();
    if (pid == 0) {
        raise(SIGUSR2);
        char *args[] = { argv[0], "--mask", NULL };
        execv(argv[0], args);
        _exit(127);
    }
    waitpid(pid, &st, 0);

    /* setting SIG_IGN discards a pending signal */
    signal(SIGUSR1, SIG_IGN);
    sigpending(&pend);
    printf("pending USR1 discarded by SIG_IGN: %s\n", sigismember(&pend, SIGUSR1) ? "no" : "yes");
    install(SIGUSR1);
    sigprocmask(SIG_SETMASK, &old, NULL);
    show_order("nothing left to deliver");

    /* a blocked, ignored signal is not even queued */
    signal(SIGUSR2, SIG_IGN);
    sigprocmask(SIG_BLOCK, &s, NULL);
    raise(SIGUSR2);
    sigpending(&pend);
    printf("blocked + ignored signal pending: %s\n", sigismember(&pend, SIGUSR2) ? "yes" : "no");
    sigprocmask(SIG_SETMASK, &old, NULL);

    /* errors */
    errno = 0;
    r = sigprocmask(99, &s, NULL);
    printf("sigprocmask bad how: %d %s\n", r, strerrorname_np(errno));
    errno = 0;
    long lr = syscall(SYS_rt_sigprocmask, SIG_BLOCK, &s, NULL, 4);
    printf("rt_sigprocmask bad sigsetsize: %ld %s\n", lr, strerrorname_np(errno));
    return 0;
}
