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

/* make this process a session leader whose controlling terminal is the pty slave `name` */
static int become_session_leader(const char *name)
{
    if (setsid() < 0)
        return -1;
    int s = open(name, O_RDWR);
    return s;
}
