// SIGTTOU: a background process group of the terminal's session that writes while TOSTOP
// is set, or changes the settings (tcsetattr, tcsetpgrp, tcflush), is stopped by SIGTTOU;
// the call completes once the job is continued in the foreground. SIGTTOU ignored or
// blocked lets the call through, a handler makes it fail with EINTR, and a job in an
// orphaned process group gets EIO.
#include "pty_util.h"

static int m, s;
static char name[64];
static volatile sig_atomic_t got;
static void on_sig(int sig) { got = sig; }

enum { WRITE, TCSETATTR, TCSETPGRP, TCFLUSH };
static const char *ops[] = { "write", "tcsetattr", "tcsetpgrp", "tcflush" };

static int op(int which)
{
    struct termios t;
    pid_t me = getpgrp();
    switch (which) {
    case WRITE: return write(s, "bg\n", 3);
    case TCSETATTR: tcgetattr(s, &t); return tcsetattr(s, TCSANOW, &t);
    case TCSETPGRP: return tcsetpgrp(s, me);
    default: return tcflush(s, TCIFLUSH);
    }
}

/* run op in a background job; mode: 0 default, 1 ignored, 2 blocked, 3 handler */
static void background(int which, int mode)
{
    pid_t pid = fork();
    if (pid == 0) {
        setpgid(0, 0);
        signal(SIGTTOU, mode == 1 ? SIG_IGN : SIG_DFL);
        if (mode == 2) {
            sigset_t set;
            sigemptyset(&set);
            sigaddset(&set, SIGTTOU);
            sigprocmask(SIG_BLOCK, &set, NULL);
        }
        if (mode == 3) {
            struct sigaction sa = { .sa_handler = on_sig };
            sigaction(SIGTTOU, &sa, NULL);
        }
        int r = op(which);
        _exit(r < 0 ? 100 + (errno == EINTR) * 10 + (errno == EIO) * 20 : got ? 50 : 0);
    }
    int st;
    waitpid(pid, &st, WUNTRACED);
    printf("%s, mode %d: ", ops[which], mode);
    status("job", st);
    if (WIFSTOPPED(st)) {
        /* put it in the foreground and continue it: the call goes through */
        tcsetpgrp(s, pid);
        kill(pid, SIGCONT);
        waitpid(pid, &st, 0);
        status("  continued in the foreground", st);
        tcsetpgrp(s, getpgrp());
    }
}

static void leader(void)
{
    signal(SIGTTOU, SIG_IGN);
    s = become_session_leader(name);
    char b[256];

    background(WRITE, 0);              /* TOSTOP is off: allowed */
    struct termios t;
    tcgetattr(s, &t);
    t.c_lflag |= TOSTOP;
    tcsetattr(s, TCSANOW, &t);
    for (int which = WRITE; which <= TCFLUSH; which++)
        for (int mode = 0; mode < 4; mode++)
            background(which, mode);

    /* orphaned process group: the job's parent leaves, init does not count */
    int rep[2];
    pipe(rep);
    pid_t mid = fork();
    if (mid == 0) {
        setpgid(0, 0);
        if (fork() == 0) {
            close(rep[0]);
            signal(SIGTTOU, SIG_DFL);
            usleep(100000);        /* until the parent has exited */
            int r = write(s, "orphan\n", 7);
            char c = r < 0 && errno == EIO ? 'E' : r < 0 ? 'e' : 'w';
            write(rep[1], &c, 1);
            _exit(0);
        }
        _exit(0);
    }
    close(rep[1]);
    int st;
    waitpid(mid, &st, 0);
    char c = '?';
    read(rep[0], &c, 1);
    printf("orphaned job write: %c\n", c);

    /* what the master saw, in order */
    write(s, "end\n", 4);
    long r = read_until(m, b, sizeof b, "end\r\n");
    show("master", b, r);
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
