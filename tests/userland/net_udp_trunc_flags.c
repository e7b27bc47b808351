// Datagram truncation: msg_flags MSG_TRUNC when the buffer is short; MSG_TRUNC as a
// receive flag returns the real length (with MSG_PEEK: the size of the next datagram
// without taking it); empty datagrams; TCP's MSG_TRUNC discards bytes.
#include "net_helpers.h"

static void trunc_on(const char *kind, int tx, int rx)
{
    char big[100], buf[128];
    memset(big, 'x', sizeof big);
    printf("-- %s\n", kind);
    send(tx, big, 100, 0);
    send(tx, big, 100, 0);
    send(tx, big, 100, 0);
    send(tx, "", 0, 0);
    struct iovec iov = {buf, 10};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
    long r = recvmsg(rx, &m, 0);
    printf("recvmsg 10 of 100 -> %ld flags trunc %d\n", r, !!(m.msg_flags & MSG_TRUNC));
    m.msg_flags = 0;
    r = recvmsg(rx, &m, MSG_TRUNC);
    printf("recvmsg MSG_TRUNC -> %ld flags trunc %d\n", r, !!(m.msg_flags & MSG_TRUNC));
    show("peek|trunc with no buffer", recv(rx, NULL, 0, MSG_PEEK | MSG_TRUNC));
    show("recv full buffer", recv(rx, buf, sizeof buf, 0));
    m.msg_flags = 0;
    r = recvmsg(rx, &m, MSG_TRUNC);
    printf("empty datagram -> %ld flags trunc %d\n", r, !!(m.msg_flags & MSG_TRUNC));
    show("nothing left", recv(rx, buf, sizeof buf, MSG_DONTWAIT | MSG_TRUNC));
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    struct sockaddr_in a;
    int rx = bound_inet(SOCK_DGRAM, &a);
    int tx = socket(AF_INET, SOCK_DGRAM, 0);
    MUST(connect(tx, (struct sockaddr *)&a, sizeof a));
    trunc_on("udp", tx, rx);
    int u[2];
    MUST(socketpair(AF_UNIX, SOCK_DGRAM, 0, u));
    trunc_on("unix dgram", u[0], u[1]);
    MUST(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, u));
    trunc_on("unix seqpacket", u[0], u[1]);

    printf("-- tcp\n");
    int c, s;
    tcp_pair(&c, &s);
    write(c, "0123456789", 10);
    show("MSG_TRUNC discards 4", recv(s, NULL, 4, MSG_TRUNC));
    char buf[16];
    long r = recv(s, buf, sizeof buf, 0);
    printf("rest -> %ld '%.*s'\n", r, (int)r, buf);
    return 0;
}
