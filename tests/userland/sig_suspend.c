// sigsuspend: replaces the mask while waiting, the handler runs with the temporary mask (plus
// its own signal), EINTR is returned, the original mask comes back, and a signal that was
// already pending (blocked before) is delivered at once.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "child_util.h"

static volatile sig_atomic_t got, usr2_blocked_in_handler, usr1_blocked_in_handler, term_blocked;

static void on_usr1(int sig)
{
    (void)sig;
    sigset_t cur;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    usr1_blocked_in_handler = sigismember(&cur, SIGUSR1);
    usr2_blocked_in_handler = sigismember(&cur, SIGUSR2);
    term_blocked = sigismember(&cur, SIGTERM);
    got++;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);

    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigaddset(&block, SIGTERM);
    sigprocmask(SIG_BLOCK, &block, &old);

    /* already pending: sigsuspend returns at once */
    raise(SIGUSR1);
    printf("pending before suspend, handled yet: %d\n", got);
    sigset_t wait_mask;
    sigemptyset(&wait_mask);
    sigaddset(&wait_mask, SIGUSR2);
    sigaddset(&wait_mask, SIGTERM);
    int r = sigsuspend(&wait_mask);
    printf("suspend: r=%d errno=%s got=%d\n", r, strerrorname_np(errno), got);
    printf("in handler: USR1 blocked=%d USR2 blocked=%d TERM blocked=%d\n",
           usr1_blocked_in_handler, usr2_blocked_in_handler, term_blocked);
    sigset_t cur;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    printf("after: USR1=%d USR2=%d TERM=%d\n", sigismember(&cur, SIGUSR1), sigismember(&cur, SIGUSR2),
           sigismember(&cur, SIGTERM));

    /* woken by a child's signal */
    int pfd[2];
    pipe(pfd);
    pid_t pid = signal_parent_on_read(pfd[0], SIGUSR1);
    write(pfd[1], "x", 1);
    r = sigsuspend(&wait_mask);
    printf("suspend 2: r=%d errno=%s got=%d\n", r, strerrorname_np(errno), got);
    waitpid(pid, NULL, 0);

    /* a stop and continue does not end sigsuspend; the mask stays the caller's meanwhile */
    pid = fork();
    if (pid == 0) {
        sigset_t none;
        sigemptyset(&none);
        write(pfd[1], "r", 1);
        r = sigsuspend(&none);
        _exit(r == -1 && errno == EINTR ? 7 : 1);
    }
    char c;
    read(pfd[0], &c, 1);
    int st;
    kill(pid, SIGSTOP);
    waitpid(pid, &st, WUNTRACED);
    printf("child stopped: %d\n", WIFSTOPPED(st));
    kill(pid, SIGCONT);
    waitpid(pid, &st, WCONTINUED);
    printf("child continued: %d\n", WIFCONTINUED(st));
    kill(pid, SIGUSR1);
    waitpid(pid, &st, 0);
    printf("child exit: %d\n", WEXITSTATUS(st));

    /* a terminating signal during sigsuspend kills */
    pid = fork();
    if (pid == 0) {
        sigset_t none;
        sigemptyset(&none);
        write(pfd[1], "r", 1);
        sigsuspend(&none);
        _exit(1);
    }
    read(pfd[0], &c, 1);
    kill(pid, SIGTERM);
    waitpid(pid, &st, 0);
    printf("killed by: %s\n", WIFSIGNALED(st) ? sigabbrev_np(WTERMSIG(st)) : "nothing");
    return 0;
}
