// waitid: P_PID/P_PGID/P_ALL, WEXITED/WSTOPPED/WCONTINUED, WNOWAIT and the siginfo it fills.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "sig_util.h"

static void show(const char *what, int r, const siginfo_t *si, pid_t expect)
{
    printf("%s: r=%d", what, r);
    if (r == 0 && si->si_pid != 0)
        printf(" signo=%s code=%s status=%d pid_matches=%s uid_matches=%s", sigabbrev_np(si->si_signo),
               cld_name(si->si_code), si->si_status, si->si_pid == expect ? "yes" : "no",
               si->si_uid == getuid() ? "yes" : "no");
    else if (r == 0)
        printf(" si_pid=0 (nothing to report)");
    else
        printf(" %s", strerrorname_np(errno));
    printf("\n");
}

static pid_t child_exit(int code)
{
    pid_t pid = fork();
    if (pid == 0)
        _exit(code);
    return pid;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    siginfo_t si;
    pid_t pid = child_exit(17);
    memset(&si, 0, sizeof si);
    show("P_PID WEXITED", waitid(P_PID, pid, &si, WEXITED), &si, pid);

    /* WNOWAIT: report but leave the zombie; a second wait still finds it */
    pid = child_exit(3);
    memset(&si, 0, sizeof si);
    show("WNOWAIT first", waitid(P_PID, pid, &si, WEXITED | WNOWAIT), &si, pid);
    memset(&si, 0, sizeof si);
    show("WNOWAIT again", waitid(P_ALL, 0, &si, WEXITED | WNOWAIT), &si, pid);
    int st;
    pid_t r = waitpid(pid, &st, 0);
    printf("waitpid still reaps it: %s, code=%d\n", r == pid ? "yes" : "no", WEXITSTATUS(st));

    /* killed child */
    pid = fork();
    if (pid == 0) {
        for (;;)
            pause();
    }
    kill(pid, SIGTERM);
    memset(&si, 0, sizeof si);
    show("killed by SIGTERM", waitid(P_PID, pid, &si, WEXITED), &si, pid);

    /* WNOHANG with a running child: returns 0 and si_pid 0 */
    pid = fork();
    if (pid == 0) {
        for (;;)
            pause();
    }
    memset(&si, 0xff, sizeof si);
    si.si_pid = 0;  /* as recommended: caller zeroes si_pid */
    show("WNOHANG running child", waitid(P_PID, pid, &si, WEXITED | WNOHANG), &si, pid);

    /* stopped / continued */
    kill(pid, SIGSTOP);
    memset(&si, 0, sizeof si);
    show("WSTOPPED", waitid(P_PID, pid, &si, WSTOPPED), &si, pid);
    kill(pid, SIGCONT);
    memset(&si, 0, sizeof si);
    show("WCONTINUED", waitid(P_PID, pid, &si, WCONTINUED), &si, pid);
    kill(pid, SIGKILL);
    memset(&si, 0, sizeof si);
    show("SIGKILL", waitid(P_PID, pid, &si, WEXITED), &si, pid);

    /* P_PGID: child in its own group */
    pid = fork();
    if (pid == 0) {
        setpgid(0, 0);
        _exit(8);
    }
    setpgid(pid, pid);  /* race-free: both sides set it */
    memset(&si, 0, sizeof si);
    show("P_PGID", waitid(P_PGID, pid, &si, WEXITED), &si, pid);

    /* errors */
    memset(&si, 0, sizeof si);
    show("no options", waitid(P_ALL, 0, &si, 0), &si, 0);
    show("bad idtype", waitid((idtype_t)42, 0, &si, WEXITED), &si, 0);
    show("no children", waitid(P_ALL, 0, &si, WEXITED), &si, 0);
    show("no children WNOHANG", waitid(P_ALL, 0, &si, WEXITED | WNOHANG), &si, 0);
    return 0;
}
