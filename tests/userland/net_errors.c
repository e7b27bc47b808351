// Error paths of the socket calls: EAFNOSUPPORT, EPROTONOSUPPORT, ESOCKTNOSUPPORT, EINVAL
// for bad types/lengths, ENOTSOCK, EADDRINUSE (and SO_REUSEADDR), EADDRNOTAVAIL,
// ECONNREFUSED, ENOTCONN, EISCONN, EOPNOTSUPP, EDESTADDRREQ, EBADF, EFAULT. (Addresses
// outside the guest are not tested: the native run uses the host's network.)
#include "net_common.h"

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    signal(SIGPIPE, SIG_IGN);
    show("family 99", socket(99, SOCK_STREAM, 0));
    show("inet raw-ish type 5", socket(AF_INET, SOCK_SEQPACKET, 0));
    show("tcp with udp protocol", socket(AF_INET, SOCK_STREAM, IPPROTO_UDP));
    show("unix protocol 3", socket(AF_UNIX, SOCK_STREAM, 3));
    show("type 0", socket(AF_INET, 0, 0));
    show("type 20", socket(AF_INET, 20, 0));
    show("bad type flag", socket(AF_INET, SOCK_STREAM | 0x1000, 0));
    int fd = open("/", O_RDONLY);
    show("bind on a directory fd", bind(fd, NULL, 0));
    show("listen on bad fd", listen(999, 1));
    close(fd);

    struct sockaddr_in a, b;
    int t = bound_inet(SOCK_STREAM, &a);
    int t2 = socket(AF_INET, SOCK_STREAM, 0);
    show("bind same port", bind(t2, (struct sockaddr *)&a, sizeof a));
    b = a;
    b.sin_addr.s_addr = htonl(INADDR_ANY);
    show("bind any on same port", bind(t2, (struct sockaddr *)&b, sizeof b));
    show("bind short addrlen", bind(t2, (struct sockaddr *)&a, 8));
    b.sin_family = AF_INET6;
    show("bind wrong family", bind(t2, (struct sockaddr *)&b, sizeof b));
    b = a;
    b.sin_addr.s_addr = inet_addr("192.0.2.1");
    show("bind foreign address", bind(t2, (struct sockaddr *)&b, sizeof b));
    show("bind twice", bind(t, (struct sockaddr *)&a, sizeof a));
    int on = 1;
    int r1 = socket(AF_INET, SOCK_STREAM, 0), r2 = socket(AF_INET, SOCK_STREAM, 0);
    setsockopt(r1, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    setsockopt(r2, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    struct sockaddr_in ra;
    memset(&ra, 0, sizeof ra);
    ra.sin_family = AF_INET;
    ra.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    MUST(bind(r1, (struct sockaddr *)&ra, sizeof ra));
    socklen_t len = sizeof ra;
    getsockname(r1, (struct sockaddr *)&ra, &len);
    show("reuseaddr both, not listening", bind(r2, (struct sockaddr *)&ra, sizeof ra));
    close(r2);
    listen(r1, 1);
    r2 = socket(AF_INET, SOCK_STREAM, 0);
    setsockopt(r2, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    show("reuseaddr but listening", bind(r2, (struct sockaddr *)&ra, sizeof ra));

    char buf[8];
    show("recv unconnected tcp", recv(t2, buf, 1, 0));
    show("send unconnected tcp", send(t2, "x", 1, 0));
    show("getpeername unconnected", getpeername(t2, (struct sockaddr *)&b, &len));
    show("accept not listening", accept(t2, NULL, NULL));
    close(t);
    show("connect refused", connect(t2, (struct sockaddr *)&a, sizeof a));
    show("connect short", connect(socket(AF_INET, SOCK_STREAM, 0), (struct sockaddr *)&a, 4));
    len = sizeof ra;
    show("connect to listener", connect(t2, (struct sockaddr *)&ra, sizeof ra));
    show("connect twice", connect(t2, (struct sockaddr *)&ra, sizeof ra));
    show("listen connected", listen(t2, 1));
    show("connect on listener", connect(r1, (struct sockaddr *)&ra, sizeof ra));
    show("recv on listener", recv(r1, buf, 1, 0));
    int n;
    show("FIONREAD on listener", ioctl(r1, FIONREAD, &n));

    int u = socket(AF_INET, SOCK_DGRAM, 0);
    show("listen udp", listen(u, 1));
    show("accept udp", accept(u, NULL, NULL));
    show("send udp no address", send(u, "x", 1, 0));
    show("getpeername udp", getpeername(u, (struct sockaddr *)&b, &len));
    show("shutdown unconnected udp", shutdown(u, SHUT_RD));
    show("sendto port 0", sendto(u, "x", 1, 0, (struct sockaddr *)&(struct sockaddr_in){.sin_family = AF_INET,
                                 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)}, sizeof(struct sockaddr_in)));
    show("getsockname bad pointer", getsockname(u, (struct sockaddr *)8, &len));
    int *nowhere = (int *)8;
    __asm__("" : "+r"(nowhere));
    show("socketpair bad pointer", socketpair(AF_UNIX, SOCK_STREAM, 0, nowhere));

    int us = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sun;
    memset(&sun, 0, sizeof sun);
    sun.sun_family = AF_INET;
    show("unix bind wrong family", bind(us, (struct sockaddr *)&sun, sizeof sun));
    show("unix bind too long", bind(us, (struct sockaddr *)&sun, sizeof sun + 1));
    show("unix bind short", bind(us, (struct sockaddr *)&sun, 1));
    show("unix accept unbound", accept(us, NULL, NULL));
    show("unix shutdown unconnected", shutdown(us, SHUT_RDWR));
    show("unix getpeername", getpeername(us, (struct sockaddr *)&sun, &len));
    unix_addr(&sun, "/nonexistent/dir/sock");
    show("unix bind missing dir", bind(us, (struct sockaddr *)&sun, sizeof sun));
    return 0;
}
