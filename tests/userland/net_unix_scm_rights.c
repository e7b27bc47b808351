// SCM_RIGHTS: passing descriptors between processes over AF_UNIX (stream and dgram);
// the received fd shares the open file (offset), MSG_CTRUNC when the control buffer is too
// small (extra fds closed), MSG_CMSG_CLOEXEC, EBADF/EINVAL on bad control data.
#include "net_common.h"

static int send_fds(int sock, const int *fds, int n, const char *data)
{
    char ctl[CMSG_SPACE(sizeof(int) * 8)];
    memset(ctl, 0, sizeof ctl);
    struct iovec iov = {(void *)data, strlen(data)};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
                       .msg_controllen = CMSG_SPACE(sizeof(int) * n)};
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * n);
    memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
    return sendmsg(sock, &m, 0);
}

static int recv_fds(int sock, int *fds, size_t ctl_len, int flags)
{
    char data[64], ctl[256];
    struct iovec iov = {data, sizeof data};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl_len ? ctl : NULL,
                       .msg_controllen = ctl_len};
    long r = recvmsg(sock, &m, flags);
    if (r < 0)
        return show("recvmsg", r);
    printf("recvmsg %ld '%.*s' ctrunc %d controllen %zu\n", r, (int)r, data,
           !!(m.msg_flags & MSG_CTRUNC), (size_t)m.msg_controllen);
    int n = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
        printf("cmsg level %d type %d len %zu\n", c->cmsg_level, c->cmsg_type, (size_t)c->cmsg_len);
        if (c->cmsg_type == SCM_RIGHTS) {
            n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            memcpy(fds, CMSG_DATA(c), n * sizeof(int));
        }
    }
    return n;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    int sv[2];
    MUST(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    int file = open("/tmp/scm.txt", O_CREAT | O_RDWR | O_TRUNC, 0600);
    write(file, "0123456789", 10);
    lseek(file, 2, SEEK_SET);
    int p[2];
    pipe(p);

    pid_t pid = fork();
    if (pid == 0) {
        close(sv[0]);
        int fds[8];
        int n = recv_fds(sv[1], fds, sizeof fds + 64, 0);
        printf("child got %d fds\n", n);
        char b[4] = {0};
        read(fds[0], b, 3);
        printf("child read from passed file: %s\n", b);
        write(fds[1], "via pipe", 8);
        close(fds[0]);
        close(fds[1]);
        _exit(0);
    }
    int two[2] = {file, p[1]};
    int sent = send_fds(sv[0], two, 2, "files");
    reap(pid);
    show("sendmsg two fds", sent);
    printf("parent offset now %ld\n", (long)lseek(file, 0, SEEK_CUR));
    close(p[1]);
    char b[16] = {0};
    read(p[0], b, sizeof b - 1);
    printf("parent read pipe: %s\n", b);

    /* a control buffer with room for two fds out of three */
    int three[3] = {file, file, file};
    send_fds(sv[0], three, 3, "three");
    int got[8];
    int before = dup(0);
    close(before);
    int n = recv_fds(sv[1], got, CMSG_SPACE(sizeof(int)), 0);
    printf("got %d fds, lowest fd reused %d\n", n, got[0] == before);
    int next = dup(0);
    printf("extra fd was closed %d\n", next == before + 2);
    close(next);
    close(got[0]);
    close(got[1]);

    /* no control buffer: everything dropped */
    send_fds(sv[0], three, 1, "none");
    n = recv_fds(sv[1], got, 0, 0);
    next = dup(0);
    printf("nothing installed %d\n", next == before);
    close(next);

    /* MSG_CMSG_CLOEXEC */
    send_fds(sv[0], three, 1, "cloexec");
    recv_fds(sv[1], got, 64, MSG_CMSG_CLOEXEC);
    printf("cloexec %d\n", fcntl(got[0], F_GETFD));
    close(got[0]);

    /* data after a message carrying fds is not glued to it */
    send_fds(sv[0], three, 1, "A");
    write(sv[0], "B", 1);
    usleep(1000);
    n = recv_fds(sv[1], got, 64, 0);
    close(got[0]);
    char c;
    show("then", read(sv[1], &c, 1));

    /* errors */
    int bad = 999;
    show("bad fd", send_fds(sv[0], &bad, 1, "x"));
    int ds[2];
    MUST(socketpair(AF_UNIX, SOCK_DGRAM, 0, ds));
    send_fds(ds[0], &file, 1, "dgram");
    n = recv_fds(ds[1], got, 64, 0);
    printf("dgram fd works %d\n", lseek(got[0], 0, SEEK_CUR) == lseek(file, 0, SEEK_CUR));
    int inet = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in lo;
    int r = bound_inet(SOCK_DGRAM, &lo);
    MUST(connect(inet, (struct sockaddr *)&lo, sizeof lo));
    show("SCM_RIGHTS over UDP is ignored", send_fds(inet, &file, 1, "x"));
    close(r);
    unlink("/tmp/scm.txt");
    return 0;
}
