// getpriority/setpriority and nice(): clamping, PRIO_PROCESS/PGRP/USER targets, errors
// (EINVAL, ESRCH, EACCES for an unprivileged raise, EPERM for another user's process).
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static void check(const char *what, int ok) { printf("%s: %s\n", what, ok ? "yes" : "no"); }

static int prio(int which, int who)
{
    errno = 0;
    int value = getpriority(which, who);
    return errno ? -100 - errno : value;
}

static void unprivileged(pid_t parent)
{
    if (setuid(65534) != 0) {
        printf("setuid failed\n");
        _exit(1);
    }
    check("unprivileged may lower its priority", setpriority(PRIO_PROCESS, 0, 12) == 0 && prio(PRIO_PROCESS, 0) == 12);
    errno = 0;
    check("but not raise it (EACCES)", setpriority(PRIO_PROCESS, 0, 11) == -1 && errno == EACCES);
    errno = 0;
    check("nor touch root's process (EPERM)", setpriority(PRIO_PROCESS, parent, 15) == -1 && errno == EPERM);
    check("reading root's is allowed", prio(PRIO_PROCESS, parent) == 10);
    _exit(0);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    int start = prio(PRIO_PROCESS, 0);
    check("starts with a nice value", start >= -20 && start <= 19);
    check("set 5", setpriority(PRIO_PROCESS, 0, 5) == 0 && prio(PRIO_PROCESS, 0) == 5);
    check("by own pid", prio(PRIO_PROCESS, getpid()) == 5);
    check("clamped to 19", setpriority(PRIO_PROCESS, 0, 100) == 0 && prio(PRIO_PROCESS, 0) == 19);
    check("clamped to -20 (root)", setpriority(PRIO_PROCESS, 0, -100) == 0 && prio(PRIO_PROCESS, 0) == -20);
    errno = 0;
    check("nice(3) adds", setpriority(PRIO_PROCESS, 0, 0) == 0 && nice(3) == 3 && errno == 0);
    errno = 0;
    check("bad which is EINVAL", getpriority(7, 0) == -1 && errno == EINVAL);
    errno = 0;
    check("set bad which is EINVAL", setpriority(7, 0, 1) == -1 && errno == EINVAL);

    pid_t gone = fork();
    if (gone == 0)
        _exit(0);
    waitpid(gone, NULL, 0);
    check("a reaped pid is ESRCH", prio(PRIO_PROCESS, gone) == -100 - ESRCH);
    errno = 0;
    check("set on it is ESRCH", setpriority(PRIO_PROCESS, gone, 1) == -1 && errno == ESRCH);

    setpgid(0, 0);
    int ready[2], go[2];
    pipe(ready);
    pipe(go);
    pid_t member = fork();
    if (member == 0) {
        char c;
        write(ready[1], "r", 1);
        read(go[0], &c, 1);
        printf("group member sees %d\n", prio(PRIO_PROCESS, 0));
        _exit(0);
    }
    char c;
    read(ready[0], &c, 1);
    check("PRIO_PGRP sets every member", setpriority(PRIO_PGRP, 0, 7) == 0 && prio(PRIO_PROCESS, member) == 7);
    check("PRIO_PGRP by number", prio(PRIO_PGRP, getpgrp()) == 7);
    setpriority(PRIO_PROCESS, member, 9);
    check("PRIO_PGRP reads the highest priority", prio(PRIO_PGRP, 0) == 7);
    check("PRIO_USER reads the highest priority of root's", prio(PRIO_USER, 0) <= 7);
    write(go[1], "g", 1);
    waitpid(member, NULL, 0);
    check("PRIO_USER of an unused uid is ESRCH", prio(PRIO_USER, 54321) == -100 - ESRCH);

    setpriority(PRIO_PROCESS, 0, 10);
    pid_t child = fork();
    if (child == 0) {
        setpriority(PRIO_PROCESS, 0, 10);  // (a fork inherits the value; set it explicitly here)
        unprivileged(getppid());
    }
    int status;
    waitpid(child, &status, 0);
    check("unprivileged child exited 0", WIFEXITED(status) && WEXITSTATUS(status) == 0);
    return 0;
}
