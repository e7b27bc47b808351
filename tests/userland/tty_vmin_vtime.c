// Non-canonical reads through a pty: the four VMIN/VTIME cases (polling, pure timeout,
// pure count, inter-byte timer), O_NONBLOCK, poll readiness, TCFLSH of pending input and
// switching ICANON with input pending.
#include "pty_util.h"
#include <sys/time.h>

static int m, s;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* type `text` on the master and wait until the slave has all of it */
static void type(const char *text)
{
    write(m, text, strlen(text));
    wait_inq(s, strlen(text));
}

static void timed_read(const char *what, long size, double at_least)
{
    char b[64];
    double t0 = now();
    long r = read(s, b, size);
    double took = now() - t0;
    if (r < 0)
        err(what, r);
    else
        show(what, b, r);
    if (at_least > 0)
        printf("  waited: %s\n", took >= at_least ? "yes" : "no");
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    s = open_pair(&m, 0);
    set_raw(s, 0, 0);
    timed_read("VMIN=0 VTIME=0, nothing", 10, 0);
    type("abc");
    timed_read("VMIN=0 VTIME=0, data", 2, 0);
    timed_read("VMIN=0 VTIME=0, rest", 10, 0);

    set_raw(s, 0, 2);
    timed_read("VMIN=0 VTIME=2, nothing", 10, 0.15);
    type("d");
    timed_read("VMIN=0 VTIME=2, data", 10, 0);

    set_raw(s, 3, 0);
    type("efgh");
    timed_read("VMIN=3, 4 there, read 10", 10, 0);
    type("ij");
    timed_read("VMIN=3, read 2", 2, 0);

    set_raw(s, 5, 1);
    type("kl");
    timed_read("VMIN=5 VTIME=1, 2 bytes then quiet", 10, 0.05);

    struct pollfd p = { s, POLLIN, 0 };
    set_raw(s, 2, 0);
    type("m");
    printf("poll with 1 of VMIN=2: %d\n", poll(&p, 1, 0));
    write(m, "n", 1);
    wait_inq(s, 2);
    printf("poll with 2 of VMIN=2: %d\n", poll(&p, 1, 0));
    int q = -1;
    ioctl(s, FIONREAD, &q);
    printf("FIONREAD %d\n", q);
    err("TCIFLUSH", tcflush(s, TCIFLUSH));
    ioctl(s, FIONREAD, &q);
    printf("FIONREAD after flush %d\n", q);
    err("TCFLSH bad", ioctl(s, TCFLSH, 9));

    fcntl(s, F_SETFL, O_NONBLOCK);
    timed_read("nonblocking, nothing", 10, 0);
    type("o");
    timed_read("nonblocking, 1 of VMIN=2", 10, 0);
    fcntl(s, F_SETFL, 0);

    /* raw input pending when ICANON comes back reads as one line */
    type("raw");
    struct termios t;
    tcgetattr(s, &t);
    t.c_lflag |= ICANON;
    tcsetattr(s, TCSANOW, &t);
    timed_read("canonical after raw input", 10, 0);
    /* a partial line becomes readable when ICANON goes */
    write(m, "part", 4);
    usleep(50000);
    t.c_lflag &= ~ICANON;
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    tcsetattr(s, TCSANOW, &t);
    wait_inq(s, 4);
    timed_read("raw after partial line", 10, 0);
    close(s);
    close(m);
    return 0;
}
