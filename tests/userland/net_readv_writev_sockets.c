// Scatter/gather on sockets: writev of several buffers is one stream write or one
// datagram; readv fills buffers in order; a datagram bigger than the iovecs is cut
// (MSG_TRUNC via recvmsg); zero-length iovecs; iovcnt limits; sendmsg/recvmsg with
// several iovecs on seqpacket.
#include "net_helpers.h"
#include <sys/uio.h>
#include <limits.h>

static void show_iov(const char *what, long r, struct iovec *iov, int n)
{
    printf("%s -> %ld:", what, r);
    long left = r;
    for (int i = 0; i < n && left > 0; i++) {
        long k = left < (long)iov[i].iov_len ? left : (long)iov[i].iov_len;
        printf(" [%.*s]", (int)k, (char *)iov[i].iov_base);
        left -= k;
    }
    printf("\n");
}

static void pieces(const char *kind, int tx, int rx)
{
    char a[4], b[3], c[16];
    memset(c, 0, sizeof c);
    printf("-- %s\n", kind);
    struct iovec out[4] = {{"one ", 4}, {"", 0}, {"two ", 4}, {"three", 5}};
    show("writev 4 (one empty)", writev(tx, out, 4));
    show("writev 2", writev(tx, out + 2, 2));
    struct iovec in[3] = {{a, sizeof a}, {b, sizeof b}, {c, 5}};
    show_iov("readv 4+3+5", readv(rx, in, 3), in, 3);
    struct iovec small[2] = {{a, sizeof a}, {b, sizeof b}};
    struct msghdr m = {.msg_iov = small, .msg_iovlen = 2};
    long r = recvmsg(rx, &m, 0);
    show_iov("recvmsg 4+3", r, small, 2);
    printf("  trunc %d\n", !!(m.msg_flags & MSG_TRUNC));
    r = recv(rx, c, sizeof c, MSG_DONTWAIT);
    printf("rest -> %ld '%.*s'\n", r, r > 0 ? (int)r : 0, c);
    show("writev all empty", writev(tx, out + 1, 1));
    r = recv(rx, c, sizeof c, MSG_DONTWAIT);
    show("after empty writev", r);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    int c, s, u[2];
    tcp_pair(&c, &s);
    pieces("tcp", c, s);
    MUST(socketpair(AF_UNIX, SOCK_STREAM, 0, u));
    pieces("unix stream", u[0], u[1]);
    struct sockaddr_in a;
    int r = bound_inet(SOCK_DGRAM, &a);
    int t = socket(AF_INET, SOCK_DGRAM, 0);
    MUST(connect(t, (struct sockaddr *)&a, sizeof a));
    pieces("udp", t, r);
    MUST(socketpair(AF_UNIX, SOCK_DGRAM, 0, u));
    pieces("unix dgram", u[0], u[1]);
    MUST(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, u));
    pieces("unix seqpacket", u[0], u[1]);

    printf("-- limits\n");
    static struct iovec many[IOV_MAX + 1];
    char x = 'x';
    for (int i = 0; i <= IOV_MAX; i++)
        many[i] = (struct iovec){&x, 1};
    show("writev IOV_MAX", writev(c, many, IOV_MAX));
    show("writev IOV_MAX+1", writev(c, many, IOV_MAX + 1));
    volatile int minus_one = -1;
    show("writev -1", writev(c, many, minus_one));
    struct msghdr m = {.msg_iov = many, .msg_iovlen = IOV_MAX + 1};
    show("sendmsg IOV_MAX+1", sendmsg(c, &m, 0));
    m.msg_iovlen = 0;
    show("sendmsg no iovecs (tcp)", sendmsg(c, &m, 0));
    show("sendmsg no iovecs (udp)", sendmsg(t, &m, 0));
    struct iovec bad = {(void *)16, 4};
    show("writev bad buffer", writev(c, &bad, 1));
    char buf[2048];
    long got = 0, k;
    while ((k = recv(s, buf, sizeof buf, MSG_DONTWAIT)) > 0)
        got += k;
    printf("tcp received %ld\n", got);
    return 0;
}
