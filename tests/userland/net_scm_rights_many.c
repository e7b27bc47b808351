// SCM_RIGHTS with many descriptors: 253 (SCM_MAX_FD) pass, 254 are EINVAL; a receiver
// with room for only some gets those (MSG_CTRUNC) and the rest are closed (the pipe's
// write ends all go away); a control buffer smaller than a header gets none; two
// SCM_RIGHTS messages in one sendmsg; passing a socket's own descriptor.
#include "net_common.h"

#define MAXFD 253

static char ctl[CMSG_SPACE(sizeof(int) * (MAXFD + 8)) * 2];

static long send_fds(int sock, const int *fds, int n)
{
    struct iovec iov = {"x", 1};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
                       .msg_controllen = CMSG_SPACE(sizeof(int) * n)};
    memset(ctl, 0, sizeof ctl);
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * n);
    memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
    return sendmsg(sock, &m, 0);
}

/* Receive; returns how many descriptors came and closes them. */
static int recv_fds(int sock, size_t room)
{
    char data[4];
    struct iovec iov = {data, sizeof data};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = room ? ctl : NULL, .msg_controllen = room};
    memset(ctl, 0, sizeof ctl);
    long r = recvmsg(sock, &m, 0);
    if (r < 0)
        return show("recvmsg", r);
    int n = 0, msgs = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
        msgs++;
        int k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        int *fds = (int *)CMSG_DATA(c);
        for (int i = 0; i < k; i++)
            if (fcntl(fds[i], F_GETFD) >= 0) {
                close(fds[i]);
                n++;
            }
    }
    printf("recvmsg %ld ctrunc %d cmsgs %d fds %d\n", r, !!(m.msg_flags & MSG_CTRUNC), msgs, n);
    return n;
}

static int open_fds(void)
{
    int n = 0;
    for (int fd = 0; fd < 1024; fd++)
        n += fcntl(fd, F_GETFD) >= 0;
    return n;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    int sv[2], p[2];
    MUST(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    MUST(pipe(p));
    int fds[MAXFD + 1];
    for (int i = 0; i <= MAXFD; i++)
        fds[i] = p[1];
    int before = open_fds();
    show("send 254", send_fds(sv[0], fds, MAXFD + 1));
    show("send 253", send_fds(sv[0], fds, MAXFD));
    recv_fds(sv[1], CMSG_SPACE(sizeof(int) * MAXFD));
    printf("descriptors back to before %d\n", open_fds() == before);

    /* 200 dups of the write end; our own copy closed: EOF proves they all went */
    int dups[200];
    for (int i = 0; i < 200; i++)
        dups[i] = dup(p[1]);
    show("send 200", send_fds(sv[0], dups, 200));
    for (int i = 0; i < 200; i++)
        close(dups[i]);
    close(p[1]);
    recv_fds(sv[1], CMSG_SPACE(sizeof(int) * 10));
    printf("descriptors back to before %d\n", open_fds() == before - 1);
    char c;
    show("pipe read: all write ends closed", read(p[0], &c, 1));
    close(p[0]);

    MUST(pipe(p));
    show("send 3", send_fds(sv[0], (int[]){p[1], p[1], p[1]}, 3));
    recv_fds(sv[1], sizeof(struct cmsghdr) - 1);
    show("send 3", send_fds(sv[0], (int[]){p[1], p[1], p[1]}, 3));
    recv_fds(sv[1], 0);
    show("send 3", send_fds(sv[0], (int[]){p[1], p[1], p[1]}, 3));
    recv_fds(sv[1], CMSG_LEN(sizeof(int) * 2));
    printf("descriptors back to before %d\n", open_fds() == before);

    /* two SCM_RIGHTS headers in one message arrive as one */
    struct iovec iov = {"y", 1};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
                       .msg_controllen = 2 * CMSG_SPACE(sizeof(int) * 2)};
    memset(ctl, 0, sizeof ctl);
    struct cmsghdr *h = CMSG_FIRSTHDR(&m);
    for (int k = 0; k < 2; k++) {
        h->cmsg_level = SOL_SOCKET;
        h->cmsg_type = SCM_RIGHTS;
        h->cmsg_len = CMSG_LEN(sizeof(int) * 2);
        memcpy(CMSG_DATA(h), (int[]){p[0], p[1]}, sizeof(int) * 2);
        h = CMSG_NXTHDR(&m, h);
    }
    show("sendmsg two headers", sendmsg(sv[0], &m, 0));
    recv_fds(sv[1], CMSG_SPACE(sizeof(int) * 8));

    /* a socket passed over itself */
    show("send own socket", send_fds(sv[0], (int[]){sv[1]}, 1));
    recv_fds(sv[1], CMSG_SPACE(sizeof(int)));
    close(sv[0]);
    recv_fds(sv[1], CMSG_SPACE(sizeof(int)));
    printf("descriptors back to before %d\n", open_fds() == before - 1);
    return 0;
}
