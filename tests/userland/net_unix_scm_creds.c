// SCM_CREDENTIALS and SO_PASSCRED: credentials appear only for receivers that ask, are
// filled in by the kernel when the sender sends none, and explicit ones are checked.
#include "net_common.h"

static void recv_creds(int sock)
{
    char data[16], ctl[CMSG_SPACE(sizeof(struct ucred))];
    struct iovec iov = {data, sizeof data};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl};
    long r = recvmsg(sock, &m, 0);
    if (r < 0) {
        show("recvmsg", r);
        return;
    }
    printf("recvmsg %ld controllen %zu\n", r, (size_t)m.msg_controllen);
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
        struct ucred u;
        memcpy(&u, CMSG_DATA(c), sizeof u);
        printf("cmsg type %d len %zu pid-is-sender %d uid %d gid %d\n", c->cmsg_type, (size_t)c->cmsg_len,
               u.pid == getppid() || u.pid == getpid(), u.uid, u.gid);
    }
}

static int send_creds(int sock, pid_t pid, uid_t uid, gid_t gid)
{
    char ctl[CMSG_SPACE(sizeof(struct ucred))];
    struct iovec iov = {"c", 1};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl};
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_CREDENTIALS;
    c->cmsg_len = CMSG_LEN(sizeof(struct ucred));
    struct ucred u = {pid, uid, gid};
    memcpy(CMSG_DATA(c), &u, sizeof u);
    return sendmsg(sock, &m, 0);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    int sv[2];
    MUST(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
    write(sv[0], "a", 1);
    recv_creds(sv[1]);  /* no SO_PASSCRED: nothing */
    int on = 1;
    MUST(setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof on));
    int v;
    socklen_t vl = sizeof v;
    getsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &v, &vl);
    printf("passcred %d\n", v);
    write(sv[0], "b", 1);
    recv_creds(sv[1]);
    show("explicit own creds", send_creds(sv[0], getpid(), getuid(), getgid()));
    recv_creds(sv[1]);
    show("root may claim others", send_creds(sv[0], getpid(), 1234, 5678));
    recv_creds(sv[1]);

    pid_t pid = fork();
    if (pid == 0) {
        setgid(1000);
        setuid(1000);
        show("child claims other uid", send_creds(sv[0], getpid(), 0, 1000));
        show("child claims other pid", send_creds(sv[0], 1, 1000, 1000));
        write(sv[0], "d", 1);
        _exit(0);
    }
    reap(pid);
    recv_creds(sv[1]);

    /* stream: creds from different senders are not glued together */
    int st[2];
    MUST(socketpair(AF_UNIX, SOCK_STREAM, 0, st));
    MUST(setsockopt(st[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof on));
    write(st[0], "xy", 2);
    pid = fork();
    if (pid == 0) {
        setuid(1000);
        write(st[0], "z", 1);
        _exit(0);
    }
    reap(pid);
    recv_creds(st[1]);
    recv_creds(st[1]);
    return 0;
}
