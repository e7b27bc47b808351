// epoll on sockets: a listener becomes readable when a connection is queued; an
// edge-triggered nonblocking accept loop drains a burst and then sees no new edge;
// EPOLLRDHUP on the peer's SHUT_WR, EPOLLHUP when both directions are shut; EPOLLOUT;
// edge-triggered reads report new data once per arrival; EPOLLONESHOT.
#include "net_helpers.h"
#include <sys/epoll.h>

static void show_events(const char *what, int epfd)
{
    struct epoll_event ev[8];
    int n = epoll_wait(epfd, ev, 8, 0);
    printf("%s: %d", what, n);
    for (int i = 0; i < n; i++) {
        printf(" [tag %lu:", (unsigned long)ev[i].data.u64);
        static const struct { unsigned bit; const char *name; } names[] = {
            {EPOLLIN, "IN"}, {EPOLLOUT, "OUT"}, {EPOLLERR, "ERR"}, {EPOLLHUP, "HUP"}, {EPOLLRDHUP, "RDHUP"}};
        for (unsigned j = 0; j < sizeof names / sizeof names[0]; j++)
            if (ev[i].events & names[j].bit)
                printf(" %s", names[j].name);
        printf("]");
    }
    printf("\n");
}

static void add(int epfd, int fd, unsigned events, unsigned long tag)
{
    struct epoll_event ev = {.events = events, .data.u64 = tag};
    MUST(epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev));
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    struct sockaddr_in a;
    int l = bound_inet(SOCK_STREAM, &a);
    MUST(listen(l, 16));
    fcntl(l, F_SETFL, O_NONBLOCK);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    add(ep, l, EPOLLIN, 1);
    show_events("idle listener", ep);
    int c1 = socket(AF_INET, SOCK_STREAM, 0);
    MUST(connect(c1, (struct sockaddr *)&a, sizeof a));
    show_events("one queued connection", ep);
    int s1 = accept(l, NULL, NULL);
    show_events("after accept", ep);

    /* edge-triggered accept loop */
    int et = epoll_create1(0);
    add(et, l, EPOLLIN | EPOLLET, 2);
    int clients[5];
    for (int i = 0; i < 5; i++) {
        clients[i] = socket(AF_INET, SOCK_STREAM, 0);
        MUST(connect(clients[i], (struct sockaddr *)&a, sizeof a));
    }
    show_events("ET burst of 5", et);
    int accepted = 0, fd;
    while ((fd = accept(l, NULL, NULL)) >= 0) {
        accepted++;
        close(fd);
    }
    printf("accepted %d then %s\n", accepted, strerrorname_np(errno));
    show_events("ET after draining", et);
    int c2 = socket(AF_INET, SOCK_STREAM, 0);
    MUST(connect(c2, (struct sockaddr *)&a, sizeof a));
    show_events("ET new connection", et);
    show_events("ET again without accept", et);
    close(accept(l, NULL, NULL));

    /* a connection's readiness */
    int ce = epoll_create1(0);
    add(ce, s1, EPOLLIN | EPOLLOUT | EPOLLRDHUP, 3);
    show_events("connected, idle", ce);
    write(c1, "data", 4);
    show_events("data arrived", ce);
    char buf[16];
    read(s1, buf, sizeof buf);
    shutdown(c1, SHUT_WR);
    show_events("peer SHUT_WR", ce);
    shutdown(s1, SHUT_WR);
    show_events("both shut", ce);

    /* edge-triggered reads */
    int c3, s3;
    tcp_pair(&c3, &s3);
    int er = epoll_create1(0);
    add(er, s3, EPOLLIN | EPOLLET, 4);
    write(c3, "a", 1);
    show_events("ET first byte", er);
    show_events("ET no new data", er);
    write(c3, "b", 1);
    show_events("ET second byte", er);
    struct epoll_event ev = {.events = EPOLLIN | EPOLLONESHOT, .data.u64 = 5};
    MUST(epoll_ctl(er, EPOLL_CTL_MOD, s3, &ev));
    show_events("ONESHOT", er);
    write(c3, "c", 1);
    show_events("ONESHOT disarmed", er);
    MUST(epoll_ctl(er, EPOLL_CTL_MOD, s3, &ev));
    show_events("ONESHOT rearmed", er);

    /* unix stream: the peer closes */
    int u[2];
    MUST(socketpair(AF_UNIX, SOCK_STREAM, 0, u));
    int eu = epoll_create1(0);
    add(eu, u[0], EPOLLIN | EPOLLRDHUP, 6);
    close(u[1]);
    show_events("unix peer closed", eu);
    return 0;
}
