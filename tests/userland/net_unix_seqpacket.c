// AF_UNIX SOCK_SEQPACKET: a connection that keeps record boundaries; truncation discards
// the rest of a record (MSG_TRUNC in msg_flags), EOF after the peer closes, EPIPE
// without SIGPIPE, ENOTCONN before connecting, poll readiness.
#include "net_common.h"

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    struct sockaddr_un a;
    socklen_t alen = unix_addr(&a, "/tmp/sp.sock");
    unlink("/tmp/sp.sock");
    char buf[64];
    int l = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    show("recv unconnected", recv(l, buf, sizeof buf, 0));
    show("send unconnected", send(l, "x", 1, 0));
    MUST(bind(l, (struct sockaddr *)&a, alen));
    MUST(listen(l, 2));
    int v;
    socklen_t vl = sizeof v;
    getsockopt(l, SOL_SOCKET, SO_ACCEPTCONN, &v, &vl);
    printf("acceptconn %d\n", v);
    int c = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    MUST(connect(c, (struct sockaddr *)&a, alen));
    int s = accept(l, NULL, NULL);
    show("send", send(c, "alpha", 5, 0));
    show("send", send(c, "beta-gamma", 10, 0));
    show("send empty", send(c, "", 0, 0));
    show("send", send(c, "delta", 5, 0));
    int n;
    ioctl(s, FIONREAD, &n);
    printf("FIONREAD %d\n", n);
    show("recv", recv(s, buf, sizeof buf, 0));
    struct iovec iov = {buf, 4};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
    show("recvmsg short", recvmsg(s, &m, 0));
    printf("trunc %d data %.4s\n", !!(m.msg_flags & MSG_TRUNC), buf);
    show("recv empty record", recv(s, buf, sizeof buf, 0));
    show("recv MSG_TRUNC", recv(s, buf, 2, MSG_TRUNC));
    struct pollfd p = {s, POLLIN | POLLOUT, 0};
    poll(&p, 1, 0);
    printf("revents %#x\n", p.revents);
    show("sendto ignores address", sendto(s, "back", 4, 0, (struct sockaddr *)&a, alen));
    show("recv", recv(c, buf, sizeof buf, 0));
    close(c);
    show("recv eof", recv(s, buf, sizeof buf, 0));
    poll(&p, 1, 0);
    printf("revents after close %#x\n", p.revents);
    show("send to closed", send(s, "x", 1, 0));
    close(s);
    close(l);
    unlink("/tmp/sp.sock");
    return 0;
}
