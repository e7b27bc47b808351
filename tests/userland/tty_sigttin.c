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
        set_job_signal(SIGTTIN, mode, on_sig);
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
    if (WIFSTOPPED(st))
        continue_in_foreground(s, m, pid, "line\n");
}

static long read_tty(void)
{
    char b[64];
    return read(s, b, sizeof b);
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
    printf("orphaned job read: %c\n", in_orphaned_job(read_tty, 'r'));
    _exit(0);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    run_leader(&m, name, leader);
    return 0;
}
