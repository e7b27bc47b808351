// Packet mode (TIOCPKT): each master read returns either one status byte (flushes, output
// stopped/started, ^S/^Q flow control switched) or a TIOCPKT_DATA byte and data; a
// pending status makes poll report POLLPRI.
#include "pty_util.h"

static void pkt_read(const char *what, int m)
{
    char b[64];
    struct pollfd p = { m, POLLIN | POLLPRI, 0 };
    poll(&p, 1, 2000);
    printf("%s: %s", what, p.revents & POLLPRI ? "[pri] " : "");
    long r = read(m, b, sizeof b);
    if (r < 0)
        err("read", r);
    else if (r == 1 && b[0])
        printf("status %#x\n", (unsigned char)b[0]);
    else
        show("read", b, r);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    int m, s = open_pair(&m, 0);
    int on = 1, get = -1;
    err("TIOCGPKT", ioctl(m, TIOCGPKT, &get));
    printf("packet mode %d\n", get);
    err("TIOCPKT on", ioctl(m, TIOCPKT, &on));
    ioctl(m, TIOCGPKT, &get);
    printf("packet mode %d\n", get);

    write(s, "abc", 3);
    pkt_read("data", m);
    tcflush(s, TCIFLUSH);
    pkt_read("input flush", m);
    tcflush(s, TCOFLUSH);
    pkt_read("output flush", m);
    tcflush(s, TCIOFLUSH);
    pkt_read("both flushed", m);
    tcflow(s, TCOOFF);
    pkt_read("stopped", m);
    tcflow(s, TCOON);
    pkt_read("started", m);

    struct termios t;
    tcgetattr(s, &t);
    t.c_iflag &= ~IXON;
    tcsetattr(s, TCSANOW, &t);
    pkt_read("IXON off", m);
    t.c_iflag |= IXON;
    tcsetattr(s, TCSANOW, &t);
    pkt_read("IXON on", m);

    /* ^S and ^Q from the master stop and restart the slave's output */
    write(m, "\x13", 1);
    pkt_read("^S", m);
    write(m, "\x11", 1);
    pkt_read("^Q", m);

    /* a status queued behind data comes first */
    write(s, "xy", 2);
    wait_inq(m, 2);
    tcflow(s, TCOOFF);
    tcflow(s, TCOON);
    pkt_read("status before data", m);
    pkt_read("then data", m);

    int off = 0;
    ioctl(m, TIOCPKT, &off);
    write(s, "plain", 5);
    pkt_read("packet mode off", m);
    close(s);
    close(m);
    return 0;
}
