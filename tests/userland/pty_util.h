/* Helpers shared by the pty_*.c and tty_*.c differential tests.
 * Linux hands pty input and output over through work queues, so a byte written on one side
 * shows up on the other a little later: tests wait for the bytes they expect (read_until,
 * wait_inq) instead of assuming they are there at once. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static void err(const char *what, long r)
{
    printf("%s: %s\n", what, r < 0 ? strerrorname_np(errno) : "ok");
}

static void yes(const char *what, int ok) { printf("%s: %s\n", what, ok ? "yes" : "no"); }

/* print bytes with C escapes */
static void show(const char *what, const char *buf, long n)
{
    printf("%s: %ld \"", what, n);
    for (long i = 0; i < n; i++) {
        unsigned char c = buf[i];
        if (c == '\n')
            printf("\\n");
        else if (c == '\r')
            printf("\\r");
        else if (c == '\b')
            printf("\\b");
        else if (c < 0x20 || c >= 0x7f)
            printf("\\x%02x", c);
        else
            putchar(c);
    }
    printf("\"\n");
}

/* a new pty: the master (flags for posix_openpt) and its slave opened with O_NOCTTY */
static int open_pair(int *master, int mflags)
{
    *master = posix_openpt(O_RDWR | O_NOCTTY | mflags);
    if (*master < 0 || grantpt(*master) || unlockpt(*master))
        return -1;
    return open(ptsname(*master), O_RDWR | O_NOCTTY);
}

/* a new pty master (O_NOCTTY | mflags), unlocked; its slave's path is copied to name[64] */
static int new_master(char *name, int mflags)
{
    int m = posix_openpt(O_RDWR | O_NOCTTY | mflags);
    unlockpt(m);
    strcpy(name, ptsname(m));
    return m;
}

/* one read of up to `size` (<= 256) bytes from fd, shown with show() */
static void read_show(const char *what, int fd, long size)
{
    char b[256];
    long r = read(fd, b, size);
    show(what, b, r);
}

/* read from fd until `end` has arrived at the end of what was read, or 2 s pass */
static long read_until(int fd, char *buf, long size, const char *end)
{
    long n = 0, elen = strlen(end);
    while (n < size) {
        struct pollfd p = { fd, POLLIN, 0 };
        if (poll(&p, 1, 2000) <= 0)
            break;
        long r = read(fd, buf + n, size - n);
        if (r <= 0)
            break;
        n += r;
        if (n >= elen && memcmp(buf + n - elen, end, elen) == 0)
            break;
    }
    return n;
}

/* wait (up to 2 s) until FIONREAD on fd reports at least n bytes */
static int wait_inq(int fd, int n)
{
    int have = 0;
    for (int i = 0; i < 2000; i++) {
        if (ioctl(fd, FIONREAD, &have) < 0 || have >= n)
            return have;
        usleep(1000);
    }
    return have;
}

/* the slave in raw mode with the given VMIN/VTIME */
static void set_raw(int fd, int vmin, int vtime)
{
    struct termios t;
    tcgetattr(fd, &t);
    cfmakeraw(&t);
    t.c_cc[VMIN] = vmin;
    t.c_cc[VTIME] = vtime;
    tcsetattr(fd, TCSANOW, &t);
}

/* describe a wait status */
static void status(const char *what, int st)
{
    if (WIFEXITED(st))
        printf("%s: exit %d\n", what, WEXITSTATUS(st));
    else if (WIFSIGNALED(st))
        printf("%s: killed by %s\n", what, sigabbrev_np(WTERMSIG(st)));
    else if (WIFSTOPPED(st))
        printf("%s: stopped by %s\n", what, sigabbrev_np(WSTOPSIG(st)));
    else
        printf("%s: ? %#x\n", what, st);
}

/* in a job: set sig's disposition by mode: 0 default, 1 ignored, 2 blocked, 3 handler */
static void set_job_signal(int sig, int mode, void (*handler)(int))
{
    signal(sig, mode == 1 ? SIG_IGN : SIG_DFL);
    if (mode == 2) {
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, sig);
        sigprocmask(SIG_BLOCK, &set, NULL);
    }
    if (mode == 3) {
        struct sigaction sa = { .sa_handler = handler };
        sigaction(sig, &sa, NULL);
    }
}

/* a stopped job `pid` of terminal s (master m): make it the foreground group, continue it,
 * type `input` (if any) on m, print how it ends, then take the foreground back */
static void continue_in_foreground(int s, int m, pid_t pid, const char *input)
{
    int st;
    tcsetpgrp(s, pid);
    kill(pid, SIGCONT);
    if (input)
        write(m, input, strlen(input));
    waitpid(pid, &st, 0);
    status("  continued in the foreground", st);
    tcsetpgrp(s, getpgrp());
}

/* run job() in an orphaned process group: a child makes its own group, forks a grandchild
 * and exits; 100 ms later the grandchild calls job() and reports 'E' for EIO, 'e' for another
 * error, else `ok`. Returns the report ('?' if none came). */
static char in_orphaned_job(long (*job)(void), char ok)
{
    int rep[2];
    pipe(rep);
    pid_t mid = fork();
    if (mid == 0) {
        setpgid(0, 0);
        if (fork() == 0) {
            close(rep[0]);
            usleep(100000);        /* until its parent has exited */
            long r = job();
            char c = r < 0 && errno == EIO ? 'E' : r < 0 ? 'e' : ok;
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
    return c;
}

/* make this process a session leader whose controlling terminal is the pty slave `name` */
static int become_session_leader(const char *name)
{
    if (setsid() < 0)
        return -1;
    int s = open(name, O_RDWR);
    return s;
}

/* open a new pty master into *m (its slave's path into name[64]), run leader() (which must
 * _exit) in a child process, wait for it and print its status */
static void run_leader(int *m, char *name, void (*leader)(void))
{
    *m = new_master(name, 0);
    pid_t pid = fork();
    if (pid == 0)
        leader();
    int st;
    waitpid(pid, &st, 0);
    status("leader", st);
}
