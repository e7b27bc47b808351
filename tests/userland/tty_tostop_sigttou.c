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
        set_job_signal(SIGTTOU, mode, on_sig);
        int r = op(which);
        _exit(r < 0 ? 100 + (errno == EINTR) * 10 + (errno == EIO) * 20 : got ? 50 : 0);
    }
    int st;
    waitpid(pid, &st, WUNTRACED);
    printf("%s, mode %d: ", ops[which], mode);
    status("job", st);
    if (WIFSTOPPED(st))   /* in the foreground the call goes through */
        continue_in_foreground(s, m, pid, NULL);
}

static long write_tty(void)
{
    signal(SIGTTOU, SIG_DFL);
    return write(s, "orphan\n", 7);
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
    printf("orphaned job write: %c\n", in_orphaned_job(write_tty, 'w'));

    /* what the master saw, in order */
    write(s, "end\n", 4);
    long r = read_until(m, b, sizeof b, "end\r\n");
    show("master", b, r);
    _exit(0);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    run_leader(&m, name, leader);
    return 0;
}
