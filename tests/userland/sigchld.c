// SIGCHLD: delivered when a child exits (once per child when waited in between),
// SA_NOCLDSTOP suppresses it for stops, SIG_IGN / SA_NOCLDWAIT make children reap
// themselves so wait fails with ECHILD, default disposition leaves zombies to wait for.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile int chld_count, last_code, last_status;

static void on_chld(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)uc;
    chld_count++;
    last_code = si->si_code;
    last_status = si->si_status;
}

static void set(void (*handler)(int), int flags, int use_siginfo)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    if (use_siginfo)
        sa.sa_sigaction = on_chld;
    else
        sa.sa_handler = handler;
    sa.sa_flags = flags | (use_siginfo ? SA_SIGINFO : 0);
    sigaction(SIGCHLD, &sa, NULL);
}

/* waits (with a timeout) until the handler has run n times */
static int await_count(int n)
{
    for (int i = 0; i < 300 && chld_count < n; i++) {
        struct timespec ts = { 0, 10 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
    return chld_count;
}

static const char *code_name(int c)
{
    return c == CLD_EXITED ? "CLD_EXITED" : c == CLD_KILLED ? "CLD_KILLED" : c == CLD_STOPPED ? "CLD_STOPPED"
         : c == CLD_CONTINUED ? "CLD_CONTINUED" : "other";
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    set(NULL, 0, 1);
    pid_t pid = fork();
    if (pid == 0)
        _exit(4);
    printf("handler ran for an exit: %d time(s)\n", await_count(1));
    printf("code=%s status=%d\n", code_name(last_code), last_status);
    int st;
    printf("child still waitable after the handler: %s\n", waitpid(pid, &st, 0) == pid ? "yes" : "no");

    chld_count = 0;
    pid = fork();
    if (pid == 0) {
        pause();
        _exit(0);
    }
    kill(pid, SIGTERM);
    await_count(1);
    printf("killed child: code=%s status=%d\n", code_name(last_code), last_status);
    waitpid(pid, &st, 0);

    /* stop and continue produce SIGCHLD unless SA_NOCLDSTOP */
    chld_count = 0;
    pid = fork();
    if (pid == 0) {
        for (;;)
            pause();
    }
    kill(pid, SIGSTOP);
    await_count(1);
    printf("stop: count=%d code=%s status=%s\n", chld_count, code_name(last_code), sigabbrev_np(last_status));
    waitpid(pid, &st, WUNTRACED);
    kill(pid, SIGCONT);
    await_count(2);
    printf("continue: count=%d code=%s status=%s\n", chld_count, code_name(last_code), sigabbrev_np(last_status));
    waitpid(pid, &st, WCONTINUED);
    set(NULL, SA_NOCLDSTOP, 1);
    chld_count = 0;
    kill(pid, SIGSTOP);
    waitpid(pid, &st, WUNTRACED);
    struct timespec ts = { 0, 50 * 1000 * 1000 };
    nanosleep(&ts, NULL);
    printf("SA_NOCLDSTOP: stop reported by wait: %s, handler count=%d\n", WIFSTOPPED(st) ? "yes" : "no",
           chld_count);
    kill(pid, SIGKILL);
    await_count(1);
    waitpid(pid, &st, 0);
    printf("SA_NOCLDSTOP: death still signalled: count=%d\n", chld_count);

    /* blocked SIGCHLD from several children coalesces into one pending signal */
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGCHLD);
    sigprocmask(SIG_BLOCK, &block, &old);
    chld_count = 0;
    pid_t kids[3];
    for (int i = 0; i < 3; i++) {
        kids[i] = fork();
        if (kids[i] == 0)
            _exit(i);
    }
    for (int i = 0; i < 3; i++)
        waitpid(kids[i], &st, 0);
    sigset_t pend;
    sigpending(&pend);
    printf("three exits while blocked: pending=%s\n", sigismember(&pend, SIGCHLD) ? "yes" : "no");
    sigprocmask(SIG_SETMASK, &old, NULL);
    printf("handler runs once after unblocking: %d\n", chld_count);

    /* SA_NOCLDWAIT: children are not left as zombies */
    set(NULL, SA_NOCLDWAIT, 1);
    chld_count = 0;
    pid = fork();
    if (pid == 0)
        _exit(1);
    await_count(1);
    errno = 0;
    pid_t w = waitpid(pid, &st, 0);
    printf("SA_NOCLDWAIT: handler count=%d, wait: %d %s\n", chld_count, (int)w, strerrorname_np(errno));

    /* SIG_IGN: auto-reap, wait blocks until all children are gone then ECHILD */
    signal(SIGCHLD, SIG_IGN);
    pid = fork();
    if (pid == 0) {
        nanosleep(&ts, NULL);
        _exit(1);
    }
    errno = 0;
    w = waitpid(-1, &st, 0);
    printf("SIG_IGN: wait: %d %s\n", (int)w, strerrorname_np(errno));

    /* SIG_DFL: no handler, zombie stays until waited */
    signal(SIGCHLD, SIG_DFL);
    pid = fork();
    if (pid == 0)
        _exit(6);
    nanosleep(&ts, NULL);
    w = waitpid(pid, &st, WNOHANG);
    printf("SIG_DFL: zombie waitable with WNOHANG: %s code=%d\n", w == pid ? "yes" : "no", WEXITSTATUS(st));
    return 0;
}
