// sendmmsg/recvmmsg on UDP and Unix datagram sockets: counts, msg_len, MSG_TRUNC in
// msg_flags, MSG_WAITFORONE, MSG_DONTWAIT on an empty queue, a fault in the middle of
// the vector (the count so far is the result), vlen 0, and recvmmsg's timeout (checked
// only after each datagram: an expired timeout stops after one; a live one waits).
#include "net_common.h"
#include <time.h>

#define N 4

static void fill(struct mmsghdr *v, struct iovec *iov, char bufs[][64], int n, int size)
{
    memset(v, 0, sizeof(struct mmsghdr) * n);
    for (int i = 0; i < n; i++) {
        iov[i].iov_base = bufs[i];
        iov[i].iov_len = size;
        v[i].msg_hdr.msg_iov = &iov[i];
        v[i].msg_hdr.msg_iovlen = 1;
    }
}

static void show_recv(const char *what, int r, struct mmsghdr *v, char bufs[][64])
{
    show(what, r);
    for (int i = 0; i < r; i++)
        printf("  [%d] len %u trunc %d '%.*s'\n", i, v[i].msg_len, !!(v[i].msg_hdr.msg_flags & MSG_TRUNC),
               (int)v[i].msg_len, bufs[i]);
}

static void send_n(int fd, const char *const *words, int n)
{
    struct mmsghdr v[N];
    struct iovec iov[N];
    memset(v, 0, sizeof v);
    for (int i = 0; i < n; i++) {
        iov[i].iov_base = (void *)words[i];
        iov[i].iov_len = strlen(words[i]);
        v[i].msg_hdr.msg_iov = &iov[i];
        v[i].msg_hdr.msg_iovlen = 1;
    }
    show("sendmmsg", sendmmsg(fd, v, n, 0));
    for (int i = 0; i < n; i++)
        printf("  sent[%d] %u\n", i, v[i].msg_len);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    struct sockaddr_in a;
    int r = bound_inet(SOCK_DGRAM, &a);
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    MUST(connect(s, (struct sockaddr *)&a, sizeof a));
    static const char *const words[] = {"alpha", "a much longer datagram", "", "delta"};
    send_n(s, words, N);

    struct mmsghdr v[N + 2];
    struct iovec iov[N + 2];
    char bufs[N + 2][64];
    fill(v, iov, bufs, N + 2, 8);
    show_recv("recvmmsg dontwait vlen 6", recvmmsg(r, v, N + 2, MSG_DONTWAIT, NULL), v, bufs);
    fill(v, iov, bufs, N, 64);
    show_recv("recvmmsg empty dontwait", recvmmsg(r, v, N, MSG_DONTWAIT, NULL), v, bufs);
    show("sendmmsg vlen 0", sendmmsg(s, v, 0, 0));

    /* the sender's address arrives in each msg_name */
    send_n(s, words, 2);
    struct sockaddr_in from[2];
    fill(v, iov, bufs, 2, 64);
    for (int i = 0; i < 2; i++) {
        v[i].msg_hdr.msg_name = &from[i];
        v[i].msg_hdr.msg_namelen = sizeof from[i];
    }
    show_recv("recvmmsg waitforone", recvmmsg(r, v, 2, MSG_WAITFORONE, NULL), v, bufs);
    printf("  namelen %u loopback %d\n", v[0].msg_hdr.msg_namelen, from[0].sin_addr.s_addr == htonl(INADDR_LOOPBACK));

    /* the second entry's iovec points nowhere: one datagram goes, the count is 1 */
    struct mmsghdr bad[2];
    struct iovec good = {"ok", 2}, *nowhere = (struct iovec *)16;
    memset(bad, 0, sizeof bad);
    bad[0].msg_hdr.msg_iov = &good;
    bad[0].msg_hdr.msg_iovlen = 1;
    bad[1].msg_hdr.msg_iov = nowhere;
    bad[1].msg_hdr.msg_iovlen = 1;
    show("sendmmsg fault in entry 1", sendmmsg(s, bad, 2, 0));
    show("sendmmsg fault in entry 0", sendmmsg(s, bad + 1, 1, 0));
    fill(v, iov, bufs, N, 64);
    show_recv("recvmmsg after fault", recvmmsg(r, v, N, MSG_DONTWAIT, NULL), v, bufs);

    /* timeout: an expired timeout ends the call after the first datagram */
    send_n(s, words, 3);
    struct timespec tiny = {0, 1};
    fill(v, iov, bufs, N, 64);
    show_recv("recvmmsg expired timeout", recvmmsg(r, v, N, 0, &tiny), v, bufs);
    fill(v, iov, bufs, N, 64);
    show_recv("recvmmsg rest", recvmmsg(r, v, N, MSG_DONTWAIT, NULL), v, bufs);

    /* a live timeout does not stop the call from waiting for the next datagram */
    send_n(s, words, 1);
    pid_t pid = fork();
    if (pid == 0) {
        usleep(100000);
        send(s, "late", 4, 0);
        _exit(0);
    }
    struct timespec ample = {10, 0};
    fill(v, iov, bufs, 2, 64);
    show_recv("recvmmsg live timeout vlen 2", recvmmsg(r, v, 2, 0, &ample), v, bufs);
    reap(pid);

    /* Unix datagrams: the same rules */
    int u[2];
    MUST(socketpair(AF_UNIX, SOCK_DGRAM, 0, u));
    send_n(u[0], words, N);
    fill(v, iov, bufs, N, 4);
    show_recv("unix recvmmsg", recvmmsg(u[1], v, N, MSG_DONTWAIT, NULL), v, bufs);
    show("recvmmsg on a pipe", recvmmsg(0, v, 1, 0, NULL));
    show("recvmmsg bad fd", recvmmsg(99, v, 1, 0, NULL));
    return 0;
}
