// Process groups and sessions: setpgid/getpgid/setsid/getsid relations and errors,
// inheritance by fork, and kill(0, sig) / kill(-pgid, sig) reaching exactly the members
// of a group. Everything runs inside a child that first makes its own group, so the
// test never signals the group it was started in.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void yes(const char *what, int ok) { printf("%s: %s\n", what, ok ? "yes" : "no"); }

static void err(const char *what, int r)
{
    printf("%s: %s\n", what, r < 0 ? strerrorname_np(errno) : "ok");
}

/* a child that waits for SIGUSR1; it reports through its exit code whether it got it */
static volatile sig_atomic_t got;
static void on_usr1(int s)
{
    (void)s;
    got = 1;
}

static pid_t waiter(pid_t pgid)
{
    got = 0;
    pid_t pid = fork();
    if (pid == 0) {
        if (pgid >= 0)
            setpgid(0, pgid);
        for (int i = 0; i < 100 && !got; i++) {
            struct timespec ts = { 0, 10 * 1000 * 1000 };
            nanosleep(&ts, NULL);
        }
        _exit(got ? 10 : 20);
    }
    if (pgid >= 0)
        setpgid(pid, pgid == 0 ? pid : pgid);
    return pid;
}

static int code(pid_t pid)
{
    int st;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 100 + WTERMSIG(st);
}

static int body(void)
{
    pid_t me = getpid();
    err("setpgid(0, 0) in the child", setpgid(0, 0));
    yes("getpgid(0) is own pid", getpgid(0) == me);
    yes("getpgrp() agrees", getpgrp() == me);
    yes("getpgid(getpid()) agrees", getpgid(me) == me);
    pid_t sid = getsid(0);
    yes("still in the parent's session", sid == getsid(getppid()));
    yes("not a session leader", sid != me);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);

    /* two members in our group, one in a group of its own */
    pid_t m1 = waiter(me), m2 = waiter(me), other = waiter(0);
    yes("member pgid", getpgid(m1) == me && getpgid(m2) == me);
    yes("outsider is leader of its own group", getpgid(other) == other);
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, &old);
    err("kill(0, SIGUSR1)", kill(0, SIGUSR1));
    sigset_t pend;
    sigpending(&pend);
    yes("the caller itself is in the group and got it", sigismember(&pend, SIGUSR1));
    sigprocmask(SIG_SETMASK, &old, NULL);
    printf("member 1 exit: %d\n", code(m1));
    printf("member 2 exit: %d\n", code(m2));
    printf("outsider exit: %d\n", code(other));

    pid_t g = waiter(0), g2 = waiter(-1);
    setpgid(g2, g);
    yes("joined another group", getpgid(g2) == g);
    err("kill(-pgid, SIGUSR1)", kill(-g, SIGUSR1));
    printf("group leader exit: %d\n", code(g));
    printf("group member exit: %d\n", code(g2));
    err("kill(-pgid) of an empty group", kill(-g, SIGUSR1));

    /* setpgid errors */
    pid_t c = fork();
    if (c == 0) {
        pause();
        _exit(0);
    }
    err("setpgid of a child into a missing group", setpgid(c, 999999));
    err("setpgid of a non-child", setpgid(getppid(), 0));
    err("setpgid negative pgid", setpgid(0, -1));
    err("getpgid of a missing pid", getpgid(999999));
    err("getsid of a missing pid", getsid(999999));
    kill(c, SIGKILL);
    code(c);

    /* setsid in a grandchild */
    c = fork();
    if (c == 0) {
        setsid();
        pid_t s = getsid(0);
        _exit(s == getpid() && getpgid(0) == getpid() ? 1 : 2);
    }
    printf("setsid in a non-leader child (1=new session and group): %d\n", code(c));
    err("setsid as a process group leader", setsid());
    c = fork();
    if (c == 0) {
        setsid();
        int again = setsid() < 0 && errno == EPERM;
        int pg = setpgid(0, getppid()) < 0 && errno == EPERM;  /* a session leader can't change group */
        _exit(again + 2 * pg);
    }
    printf("session leader: setsid again EPERM + setpgid EPERM (3): %d\n", code(c));
    int sync[2];
    pipe(sync);
    c = fork();
    if (c == 0) {
        setsid();
        write(sync[1], "s", 1);
        pause();
        _exit(0);
    }
    char b;
    read(sync[0], &b, 1);
    close(sync[0]);
    close(sync[1]);
    err("moving a child in another session into our group", setpgid(c, me));
    kill(c, SIGKILL);
    code(c);

    /* exec'd children can no longer be moved; the close-on-exec pipe says when it exec'd */
    int hold[2];
    pipe(hold);
    pipe2(sync, O_CLOEXEC);
    c = fork();
    if (c == 0) {
        dup2(hold[0], 0);   /* "read x" waits until the parent closes hold[1] */
        close(hold[1]);
        execl("/bin/sh", "sh", "-c", "read x", (char *)NULL);
        _exit(127);
    }
    close(sync[1]);
    read(sync[0], &b, 1);
    err("setpgid of a child after it exec'd", setpgid(c, c));
    close(hold[0]);
    close(hold[1]);
    printf("shell exit: %d\n", code(c));
    close(sync[0]);
    return 0;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    pid_t pid = fork();
    if (pid == 0)
        _exit(body());
    int st;
    waitpid(pid, &st, 0);
    printf("body exit: %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st));
    return 0;
}
