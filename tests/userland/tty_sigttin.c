// SIGTTIN: a background job reading its controlling terminal is stopped by SIGTTIN and
// reads once continued in the foreground; with SIGTTIN ignored or blocked, or in an
// orphaned process group, the read fails with EIO; a handler makes it fail with EINTR.
// Reading a terminal that is not the controlling one needs no job control.
#include "pty_util.h"

static int m, s;
static char name[64];
static volatile sig_atomic_t got;
static void on_sig(int sig) { got = sig; }

/* mode: 0 default, 1 ignored, 2 blocked, 3 handler */
static void background(int mode)
{
    pid_t pid = fork();
    if (pid == 0) {
        setpgid(0, 0);
        signal(SIGTTIN, mode == 1 ? SIG_IGN : SIG_DFL);
        if (mode == 2) {
            sigset_t set;
            sigemptyset(&set);
            sigaddset(&set, SIGTTIN);
            sigprocmask(SIG_BLOCK, &set, NULL);
        }
        if (mode == 3) {
            struct sigaction sa = { .sa_handler = on_sig };
            sigaction(SIGTTIN, &sa, NULL);
        }
        char b[64];
        long r = read(s, b, sizeof b);
        if (r < 0)
            _exit(100 + (errno == EINTR) * 10 + (errno == EIO) * 20);
        _exit(r);
    }
    int st;
    waitpid(pid, &st, WUNTRACED);
    printf("mode %d: ", mode);
    status("reader", st);
    if (WIFSTOPPED(st)) {
        tcsetpgrp(s, pid);
        kill(pid, SIGCONT);
        write(m, "line\n", 5);
        waitpid(pid, &st, 0);
        status("  continued in the foreground", st);
        tcsetpgrp(s, getpgrp());
    }
}

static void leader(void)
{
    signal(SIGTTOU, SIG_IGN);
    s = become_session_leader(name);
    for (int mode = 0; mode < 4; mode++)
        background(mode);

    /* a pty that is not the controlling terminal */
    int m2, s2 = open_pair(&m2, 0);
    pid_t pid = fork();
    if (pid == 0) {
        setpgid(0, 0);
        char b[64];
        _exit(read(s2, b, sizeof b));
    }
    write(m2, "other\n", 6);
    int st;
    waitpid(pid, &st, 0);
    status("background reader of another tty", st);

    /* orphaned process group */
    int rep[2];
    pipe(rep);
    pid_t mid = fork();
    if (mid == 0) {
        setpgid(0, 0);
        if (fork() == 0) {
            close(rep[0]);
            usleep(100000);
            char b[64];
            long r = read(s, b, sizeof b);
            char c = r < 0 && errno == EIO ? 'E' : r < 0 ? 'e' : 'r';
            write(rep[1], &c, 1);
            _exit(0);
        }
        _exit(0);
    }
    close(rep[1]);
    waitpid(mid, &st, 0);
    char c = '?';
    read(rep[0], &c, 1);
    printf("orphaned job read: %c\n", c);
    _exit(0);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    m = posix_openpt(O_RDWR | O_NOCTTY);
    unlockpt(m);
    strcpy(name, ptsname(m));
    pid_t pid = fork();
    if (pid == 0)
        leader();
    int st;
    waitpid(pid, &st, 0);
    status("leader", st);
    return 0;
}
