// AF_UNIX datagram sockets: boundaries, truncation (MSG_TRUNC), sender addresses,
// connect filtering (EPERM), ECONNREFUSED after the peer closes, ENOTCONN, EMSGSIZE,
// FIONREAD, empty datagrams, autobind, SO_SNDBUF doubling.
#include "net_common.h"

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    struct sockaddr_un sa, ca, from;
    socklen_t salen = unix_addr(&sa, "/tmp/ud.srv"), calen = unix_addr(&ca, "/tmp/ud.cli"), flen;
    unlink("/tmp/ud.srv");
    unlink("/tmp/ud.cli");
    char buf[256];
    int s = socket(AF_UNIX, SOCK_DGRAM, 0), c = socket(AF_UNIX, SOCK_DGRAM, 0);
    MUST(bind(s, (struct sockaddr *)&sa, salen));
    show("send unconnected", send(c, "x", 1, 0));
    show("sendto anonymous", sendto(c, "first", 5, 0, (struct sockaddr *)&sa, salen));
    flen = sizeof from;
    show("recvfrom", recvfrom(s, buf, sizeof buf, 0, (struct sockaddr *)&from, &flen));
    printf("anonymous sender addrlen %d\n", flen);
    MUST(bind(c, (struct sockaddr *)&ca, calen));
    show("sendto", sendto(c, "0123456789", 10, 0, (struct sockaddr *)&sa, salen));
    show("sendto", sendto(c, "abc", 3, 0, (struct sockaddr *)&sa, salen));
    show("sendto empty", sendto(c, "", 0, 0, (struct sockaddr *)&sa, salen));
    int n;
    ioctl(s, FIONREAD, &n);
    printf("FIONREAD %d\n", n);
    flen = sizeof from;
    memset(&from, 0, sizeof from);
    struct iovec iov = {buf, 4};
    struct msghdr m = {.msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &iov, .msg_iovlen = 1};
    show("recvmsg truncated", recvmsg(s, &m, 0));
    printf("msg_flags trunc %d namelen %d path %s\n", !!(m.msg_flags & MSG_TRUNC), m.msg_namelen, from.sun_path);
    show("recv MSG_TRUNC", recv(s, buf, 1, MSG_TRUNC));
    show("recv empty", recv(s, buf, sizeof buf, 0));
    show("recv dontwait", recv(s, buf, sizeof buf, MSG_DONTWAIT));

    /* connect: default destination, and the server only hears from its peer */
    int t = socket(AF_UNIX, SOCK_DGRAM, 0);
    MUST(connect(s, (struct sockaddr *)&ca, calen));
    show("third party to connected", sendto(t, "x", 1, 0, (struct sockaddr *)&sa, salen));
    show("peer to connected", sendto(c, "y", 1, 0, (struct sockaddr *)&sa, salen));
    show("send connected", send(s, "reply", 5, 0));
    show("recv reply", recv(c, buf, sizeof buf, 0));
    flen = sizeof from;
    MUST(getpeername(s, (struct sockaddr *)&from, &flen));
    printf("peer %s len %d\n", from.sun_path, flen);
    struct sockaddr unspec = {.sa_family = AF_UNSPEC};
    show("disconnect", connect(s, &unspec, sizeof unspec));
    show("getpeername after", getpeername(s, (struct sockaddr *)&from, &flen));
    show("queue purged by disconnect", recv(s, buf, sizeof buf, MSG_DONTWAIT));

    /* a connected sender whose peer closed */
    int d = socket(AF_UNIX, SOCK_DGRAM, 0);
    MUST(connect(d, (struct sockaddr *)&ca, calen));
    close(c);
    show("send to closed peer", send(d, "z", 1, 0));
    show("send again", send(d, "z", 1, 0));
    show("sendto path of closed", sendto(t, "z", 1, 0, (struct sockaddr *)&ca, calen));
    unlink("/tmp/ud.cli");
    show("sendto missing path", sendto(t, "z", 1, 0, (struct sockaddr *)&ca, calen));

    int v = 4096;
    setsockopt(t, SOL_SOCKET, SO_SNDBUF, &v, sizeof v);
    socklen_t vl = sizeof v;
    getsockopt(t, SOL_SOCKET, SO_SNDBUF, &v, &vl);
    printf("sndbuf %d\n", v);
    static char big[16384];
    show("too big", sendto(t, big, sizeof big, 0, (struct sockaddr *)&sa, salen));

    /* autobind gives an abstract name of 5 hex digits */
    int e = socket(AF_UNIX, SOCK_DGRAM, 0);
    struct sockaddr_un fam = {.sun_family = AF_UNIX};
    show("autobind", bind(e, (struct sockaddr *)&fam, sizeof(sa_family_t)));
    flen = sizeof from;
    getsockname(e, (struct sockaddr *)&from, &flen);
    printf("autobind len %d abstract %d\n", flen, from.sun_path[0] == 0);
    show("sendto from autobound", sendto(e, "q", 1, 0, (struct sockaddr *)&sa, salen));
    flen = sizeof from;
    show("recvfrom", recvfrom(s, buf, sizeof buf, 0, (struct sockaddr *)&from, &flen));
    printf("from len %d\n", flen);
    unlink("/tmp/ud.srv");
    return 0;
}
