// SIGCHLD siginfo: si_code CLD_EXITED/KILLED/STOPPED/CONTINUED with si_pid, si_uid, si_status;
// SA_NOCLDSTOP suppresses the stop/continue ones but not the exit.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "sig_util.h"

static sigset_t chld;

static void take(const char *what, pid_t pid, int is_signal)
{
    siginfo_t si;
    memset(&si, 0, sizeof si);
    sigwaitinfo(&chld, &si);
    printf("%s: %s pid_ok=%d uid_ok=%d status=%s%d\n", what, cld_name(si.si_code), si.si_pid == pid,
           si.si_uid == getuid(), is_signal ? sigabbrev_np(si.si_status) : "", is_signal ? 0 : si.si_status);
}

static void none_pending(const char *what)
{
    struct timespec zero = { 0, 0 };
    siginfo_t si;
    int r = sigtimedwait(&chld, &si, &zero);
    printf("%s: %s\n", what, r < 0 ? strerrorname_np(errno) : cld_name(si.si_code));
}

static void on_chld(int sig)
{
    (void)sig;
}

static pid_t sleeper(int pfd)
{
    pid_t pid = fork();
    if (pid == 0) {
        write(pfd, "r", 1);
        for (;;)
            pause();
    }
    return pid;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, NULL);
    int pfd[2];
    pipe(pfd);
    char c;

    pid_t pid = fork();
    if (pid == 0)
        _exit(3);
    take("exit(3)", pid, 0);
    waitpid(pid, NULL, 0);

    pid = sleeper(pfd[1]);
    read(pfd[0], &c, 1);
    kill(pid, SIGTERM);
    take("SIGTERM", pid, 1);
    waitpid(pid, NULL, 0);

    pid = sleeper(pfd[1]);
    read(pfd[0], &c, 1);
    kill(pid, SIGSTOP);
    take("SIGSTOP", pid, 1);
    int st;
    waitpid(pid, &st, WUNTRACED);
    kill(pid, SIGCONT);
    take("SIGCONT", pid, 1);
    waitpid(pid, &st, WCONTINUED);
    kill(pid, SIGKILL);
    take("SIGKILL", pid, 1);
    waitpid(pid, NULL, 0);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_chld;
    sa.sa_flags = SA_NOCLDSTOP;
    sigaction(SIGCHLD, &sa, NULL);
    pid = sleeper(pfd[1]);
    read(pfd[0], &c, 1);
    kill(pid, SIGSTOP);
    waitpid(pid, &st, WUNTRACED);
    none_pending("SA_NOCLDSTOP stop");
    kill(pid, SIGCONT);
    waitpid(pid, &st, WCONTINUED);
    none_pending("SA_NOCLDSTOP continue");
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    take("SA_NOCLDSTOP kill", pid, 1);
    return 0;
}
