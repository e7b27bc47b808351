// socketpair(AF_UNIX): stream/dgram/seqpacket pairs, flags, names, SO_PEERCRED, fork
// sharing, poll readiness, EOF and EPIPE after close, errors for other families.
#include "net_common.h"

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    signal(SIGPIPE, SIG_IGN);
    int sv[2];
    char buf[64];
    show("inet pair", socketpair(AF_INET, SOCK_STREAM, 0, sv));
    show("bad protocol", socketpair(AF_UNIX, SOCK_STREAM, 7, sv));
    show("bad type", socketpair(AF_UNIX, 9, 0, sv));
    show("bad flags", socketpair(AF_UNIX, SOCK_STREAM | 0x100, 0, sv));

    MUST(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv));
    printf("nonblock %d cloexec %d\n", !!(fcntl(sv[0], F_GETFL) & O_NONBLOCK), fcntl(sv[1], F_GETFD));
    show("read empty nonblock", read(sv[0], buf, sizeof buf));
    struct sockaddr_un a;
    socklen_t len = sizeof a;
    MUST(getsockname(sv[0], (struct sockaddr *)&a, &len));
    printf("sockname len %d\n", len);
    len = sizeof a;
    MUST(getpeername(sv[0], (struct sockaddr *)&a, &len));
    printf("peername len %d\n", len);
    struct ucred cr;
    len = sizeof cr;
    MUST(getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &cr, &len));
    printf("peercred pid ok %d uid %d gid %d len %d\n", cr.pid == getpid(), cr.uid, cr.gid, len);
    int v;
    len = sizeof v;
    getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &v, &len);
    printf("type %d\n", v);
    struct stat st;
    fstat(sv[0], &st);
    printf("fstat sock %d\n", S_ISSOCK(st.st_mode));
    close(sv[0]);
    close(sv[1]);

    static const int types[] = {SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET};
    for (int t = 0; t < 3; t++) {
        printf("-- type %d\n", types[t]);
        MUST(socketpair(AF_UNIX, types[t], 0, sv));
        struct pollfd p[2] = {{sv[0], POLLIN | POLLOUT, 0}, {sv[1], POLLIN | POLLOUT, 0}};
        poll(p, 2, 0);
        printf("revents %#x %#x\n", p[0].revents, p[1].revents);
        pid_t pid = fork();
        if (pid == 0) {
            close(sv[0]);
            write(sv[1], "one", 3);
            write(sv[1], "two", 3);
            long r = read(sv[1], buf, sizeof buf);
            write(sv[1], buf, r);
            _exit(0);
        }
        close(sv[1]);
        usleep(50000);
        show("read", read(sv[0], buf, sizeof buf));
        write(sv[0], "ping", 4);
        reap(pid);
        long r = read(sv[0], buf, sizeof buf);
        printf("got %ld %.*s\n", r, (int)(r > 0 ? r : 0), buf);
        if (types[t] != SOCK_DGRAM) {
            show("read eof", read(sv[0], buf, sizeof buf));
            p[0].events = POLLIN | POLLOUT | POLLRDHUP;
            poll(p, 1, 0);
            printf("revents after close %#x\n", p[0].revents);
        }
        show("write to closed", write(sv[0], "x", 1));
        close(sv[0]);
    }
    return 0;
}
