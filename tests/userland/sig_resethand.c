// SA_RESETHAND (one-shot: the disposition returns to SIG_DFL, the flags otherwise stay) and
// SA_NODEFER (the signal is not blocked in its own handler, so it can nest).
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t depth, max_depth, calls, self_blocked;

static void handler(int sig)
{
    sigset_t cur;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    self_blocked = sigismember(&cur, sig);
    calls++;
    depth++;
    if (depth > max_depth)
        max_depth = depth;
    if (calls == 1)
        raise(sig);
    depth--;
}

static void install(int sig, int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sa.sa_flags = flags;
    sigaction(sig, &sa, NULL);
}

static void reset(void)
{
    calls = depth = max_depth = self_blocked = 0;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);

    install(SIGUSR1, 0);
    raise(SIGUSR1);
    printf("default: calls=%d max_depth=%d self_blocked=%d\n", calls, max_depth, self_blocked);

    reset();
    install(SIGUSR1, SA_NODEFER);
    raise(SIGUSR1);
    printf("SA_NODEFER: calls=%d max_depth=%d self_blocked=%d\n", calls, max_depth, self_blocked);

    reset();
    pid_t pid = fork();
    if (pid == 0) {
        install(SIGUSR2, SA_RESETHAND | SA_RESTART);
        struct sigaction cur;
        sigaction(SIGUSR2, NULL, &cur);
        printf("child before: handler_set=%d resethand=%d\n", cur.sa_handler == handler,
               (cur.sa_flags & SA_RESETHAND) != 0);
        calls = 1;  /* no nested raise */
        raise(SIGUSR2);
        sigaction(SIGUSR2, NULL, &cur);
        printf("child after one: calls=%d dfl=%d restart_kept=%d self_blocked=%d\n", calls,
               cur.sa_handler == SIG_DFL, (cur.sa_flags & SA_RESTART) != 0, self_blocked);
        raise(SIGUSR2);
        printf("child survived second\n");
        _exit(0);
    }
    int st;
    waitpid(pid, &st, 0);
    printf("child: %s\n", WIFSIGNALED(st) ? sigabbrev_np(WTERMSIG(st)) : "exited");

    reset();
    pid = fork();
    if (pid == 0) {
        /* one-shot handler that raises itself again: the second is the default action */
        install(SIGUSR1, SA_RESETHAND | SA_NODEFER);
        raise(SIGUSR1);
        _exit(0);
    }
    waitpid(pid, &st, 0);
    printf("resethand+nodefer nested: %s\n", WIFSIGNALED(st) ? sigabbrev_np(WTERMSIG(st)) : "exited");

    /* sa_mask is added while the handler runs */
    reset();
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGUSR2);
    sigaction(SIGHUP, &sa, NULL);
    calls = 1;
    raise(SIGHUP);
    sigset_t cur;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    printf("after handler: HUP blocked=%d USR2 blocked=%d\n", sigismember(&cur, SIGHUP), sigismember(&cur, SIGUSR2));
    return 0;
}
