// Listen backlogs: a TCP listener with backlog N completes N+1 connections without
// accept; further nonblocking connects report EINPROGRESS and stay unconnected (their SYN
// waits); accepting makes room and one more completes (the retransmitted SYN on Linux, at
// once on pykerla: only "within 3 s" is printed). Unix stream: N+1 connects succeed, then
// a nonblocking connect fails with EAGAIN; backlog 0; listen() again raises the backlog.
// timeout: 30
#include "net_common.h"

#define CLIENTS 6

static int connected(int fd)
{
    struct pollfd p = {fd, POLLOUT, 0};
    return poll(&p, 1, 0) == 1 && (p.revents & POLLOUT);
}

static void tcp(int backlog)
{
    struct sockaddr_in a;
    int l = bound_inet(SOCK_STREAM, &a);
    MUST(listen(l, backlog));
    int fds[CLIENTS], inprogress = 0;
    for (int i = 0; i < CLIENTS; i++) {
        fds[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        inprogress += connect(fds[i], (struct sockaddr *)&a, sizeof a) < 0 && errno == EINPROGRESS;
    }
    usleep(50000);
    int n = 0;
    for (int i = 0; i < CLIENTS; i++)
        n += connected(fds[i]);
    printf("tcp backlog %d: %d EINPROGRESS, %d connected\n", backlog, inprogress, n);
    int s = accept(l, NULL, NULL);
    printf("accept ok %d\n", s >= 0);
    int more = 0;
    for (int t = 0; t < 300 && !more; t++) {
        usleep(10000);
        more = 0;
        for (int i = 0; i < CLIENTS; i++)
            more += connected(fds[i]);
        more -= n;
    }
    printf("one more connected within 3 s: %d\n", more >= 1);
    for (int i = 0; i < CLIENTS; i++)
        close(fds[i]);
    close(s);
    close(l);
}

static void unix_backlog(int backlog)
{
    struct sockaddr_un a;
    socklen_t len = unix_addr(&a, "/tmp/net_backlog.sock");
    unlink(a.sun_path);
    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    MUST(bind(l, (struct sockaddr *)&a, len));
    MUST(listen(l, backlog));
    int ok = 0, err = 0;
    for (int i = 0; i < CLIENTS; i++) {
        int c = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
        if (connect(c, (struct sockaddr *)&a, len) == 0)
            ok++;
        else if (!err)
            err = errno;
    }
    printf("unix backlog %d: %d connected, then %s\n", backlog, ok, err ? strerrorname_np(err) : "-");
    MUST(listen(l, backlog + 2));
    int c = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    show("after listen() with a larger backlog", connect(c, (struct sockaddr *)&a, len));
    close(accept(l, NULL, NULL));
    c = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    show("after one accept", connect(c, (struct sockaddr *)&a, len));
    close(l);
    unlink(a.sun_path);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    tcp(2);
    tcp(0);
    unix_backlog(2);
    unix_backlog(0);
    return 0;
}
