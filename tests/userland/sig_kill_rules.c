// SIGKILL and SIGSTOP cannot be caught, ignored or blocked: sigaction fails with EINVAL,
// sigprocmask silently leaves them out, and they act on a process that blocks and ignores
// everything else.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void handler(int sig)
{
    (void)sig;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    int sigs[] = { SIGKILL, SIGSTOP };
    for (int i = 0; i < 2; i++) {
        int s = sigs[i];
        errno = 0;
        printf("%s: catch=%d %s", sigabbrev_np(s), sigaction(s, &sa, NULL), strerrorname_np(errno));
        errno = 0;
        printf(" ignore=%d %s", signal(s, SIG_IGN) == SIG_ERR ? -1 : 0, strerrorname_np(errno));
        errno = 0;
        sa.sa_handler = SIG_DFL;
        printf(" default=%d %s", sigaction(s, &sa, NULL), strerrorname_np(errno));
        sa.sa_handler = handler;
        printf(" query=%d dfl=%d\n", sigaction(s, NULL, &old), old.sa_handler == SIG_DFL);
    }
    printf("signal 0: %d %s\n", sigaction(0, &sa, NULL), strerrorname_np(errno));
    printf("signal 65: %d %s\n", sigaction(65, &sa, NULL), strerrorname_np(errno));

    sigset_t all, cur;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, NULL);
    sigprocmask(SIG_BLOCK, NULL, &cur);
    printf("block all: KILL=%d STOP=%d TERM=%d\n", sigismember(&cur, SIGKILL), sigismember(&cur, SIGSTOP),
           sigismember(&cur, SIGTERM));
    sigprocmask(SIG_UNBLOCK, &all, NULL);

    int pfd[2];
    pipe(pfd);
    pid_t pid = fork();
    if (pid == 0) {
        for (int s = 1; s < 32; s++)
            signal(s, SIG_IGN);
        sigprocmask(SIG_BLOCK, &all, NULL);
        write(pfd[1], "r", 1);
        for (;;)
            pause();
    }
    char c;
    read(pfd[0], &c, 1);
    kill(pid, SIGTERM);
    kill(pid, SIGTSTP);
    int st;
    kill(pid, SIGSTOP);
    waitpid(pid, &st, WUNTRACED);
    printf("stopped by: %s\n", WIFSTOPPED(st) ? sigabbrev_np(WSTOPSIG(st)) : "nothing");
    kill(pid, SIGCONT);
    waitpid(pid, &st, WCONTINUED);
    printf("continued: %d\n", WIFCONTINUED(st));
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
    printf("killed by: %s\n", WIFSIGNALED(st) ? sigabbrev_np(WTERMSIG(st)) : "nothing");

    /* sigsuspend / sigtimedwait with SIGKILL in the set: SIGKILL still kills */
    pid = fork();
    if (pid == 0) {
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGKILL);
        sigaddset(&set, SIGUSR1);
        sigprocmask(SIG_BLOCK, &set, NULL);
        write(pfd[1], "r", 1);
        int s;
        sigwait(&set, &s);
        _exit(s);
    }
    read(pfd[0], &c, 1);
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
    printf("sigwait child killed by: %s\n", WIFSIGNALED(st) ? sigabbrev_np(WTERMSIG(st)) : "nothing");
    return 0;
}
