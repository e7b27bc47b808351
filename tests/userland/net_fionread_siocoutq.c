// FIONREAD (SIOCINQ) and SIOCOUTQ: queued bytes on TCP and Unix streams, the first
// datagram's size on UDP and Unix datagram sockets, EINVAL on listeners; SIOCOUTQ
// counts what the peer has not yet taken (only zero / non-zero is printed: Unix counts
// buffer sizes, not bytes).
#include "net_helpers.h"
#include <linux/sockios.h>

static void inq(const char *what, int fd)
{
    int n = -1;
    if (ioctl(fd, FIONREAD, &n) < 0)
        printf("%s FIONREAD -> -1 %s\n", what, strerrorname_np(errno));
    else
        printf("%s FIONREAD -> %d\n", what, n);
}

static void outq(const char *what, int fd)
{
    int n = -1;
    if (ioctl(fd, SIOCOUTQ, &n) < 0)
        printf("%s SIOCOUTQ -> -1 %s\n", what, strerrorname_np(errno));
    else
        printf("%s SIOCOUTQ -> %s\n", what, n ? "non-zero" : "0");
}

static void stream(const char *kind, int c, int s)
{
    char buf[64];
    printf("-- %s\n", kind);
    inq("empty", s);
    outq("idle", c);
    write(c, "hello", 5);
    write(c, "world!!", 7);
    inq("after 5+7", s);
    if (strcmp(kind, "tcp"))
        outq("unread by peer", c);
    read(s, buf, 4);
    inq("after reading 4", s);
    read(s, buf, sizeof buf);
    outq("all read by peer", c);
    shutdown(c, SHUT_WR);
    inq("after EOF", s);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    int c, s, u[2];
    tcp_pair(&c, &s);
    stream("tcp", c, s);
    MUST(socketpair(AF_UNIX, SOCK_STREAM, 0, u));
    stream("unix stream", u[0], u[1]);

    printf("-- udp\n");
    struct sockaddr_in a;
    int r = bound_inet(SOCK_DGRAM, &a);
    int t = socket(AF_INET, SOCK_DGRAM, 0);
    connect(t, (struct sockaddr *)&a, sizeof a);
    inq("empty", r);
    send(t, "abc", 3, 0);
    send(t, "defghij", 7, 0);
    inq("two datagrams", r);
    char buf[16];
    recv(r, buf, sizeof buf, 0);
    inq("one left", r);
    recv(r, buf, sizeof buf, 0);
    send(t, "", 0, 0);
    inq("an empty datagram", r);
    outq("udp sender", t);

    printf("-- unix dgram\n");
    MUST(socketpair(AF_UNIX, SOCK_DGRAM, 0, u));
    send(u[0], "12345678", 8, 0);
    send(u[0], "12", 2, 0);
    inq("two datagrams", u[1]);
    outq("sender, unread", u[0]);
    recv(u[1], buf, sizeof buf, 0);
    recv(u[1], buf, sizeof buf, 0);
    outq("sender, all read", u[0]);

    printf("-- seqpacket\n");
    MUST(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, u));
    send(u[0], "1234", 4, 0);
    send(u[0], "567", 3, 0);
    inq("two records", u[1]);

    printf("-- listeners\n");
    int l = bound_inet(SOCK_STREAM, &a);
    listen(l, 1);
    inq("tcp listener", l);
    outq("tcp listener", l);
    int ul = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un un = {.sun_family = AF_UNIX};
    bind(ul, (struct sockaddr *)&un, sizeof(sa_family_t));
    listen(ul, 1);
    inq("unix listener", ul);
    inq("unconnected tcp", socket(AF_INET, SOCK_STREAM, 0));
    return 0;
}
