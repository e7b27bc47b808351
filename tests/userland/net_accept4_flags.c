// accept4 flags: SOCK_NONBLOCK and SOCK_CLOEXEC on the new descriptor (checked with
// fcntl), nothing inherited from a nonblocking listener by plain accept, EINVAL for other
// flags, EAGAIN on an empty nonblocking listener, the peer address and a short addrlen.
#include "net_common.h"

static void describe(const char *what, int fd)
{
    if (fd < 0) {
        show(what, fd);
        return;
    }
    printf("%s: nonblock %d cloexec %d\n", what, !!(fcntl(fd, F_GETFL) & O_NONBLOCK),
           !!(fcntl(fd, F_GETFD) & FD_CLOEXEC));
}

static void connect_to(struct sockaddr *a, socklen_t len, int family)
{
    int c = socket(family, SOCK_STREAM, 0);
    MUST(connect(c, a, len));
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    struct sockaddr_in a;
    int l = bound_inet(SOCK_STREAM, &a);
    MUST(listen(l, 16));
    for (int i = 0; i < 6; i++)
        connect_to((struct sockaddr *)&a, sizeof a, AF_INET);
    describe("accept", accept(l, NULL, NULL));
    describe("accept4 0", accept4(l, NULL, NULL, 0));
    describe("accept4 NONBLOCK", accept4(l, NULL, NULL, SOCK_NONBLOCK));
    describe("accept4 CLOEXEC", accept4(l, NULL, NULL, SOCK_CLOEXEC));
    describe("accept4 both", accept4(l, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC));
    show("accept4 bad flag", accept4(l, NULL, NULL, O_APPEND));
    show("accept4 MSG flag", accept4(l, NULL, NULL, 1));
    fcntl(l, F_SETFL, O_NONBLOCK);
    fcntl(l, F_SETFD, FD_CLOEXEC);
    describe("accept from nonblocking cloexec listener", accept(l, NULL, NULL));
    show("accept empty nonblocking", accept(l, NULL, NULL));
    show("accept4 empty nonblocking", accept4(l, NULL, NULL, SOCK_CLOEXEC));

    connect_to((struct sockaddr *)&a, sizeof a, AF_INET);
    struct sockaddr_in peer;
    socklen_t len = 4;
    memset(&peer, 0xaa, sizeof peer);
    int s = accept4(l, (struct sockaddr *)&peer, &len, 0);
    printf("short addrlen: fd ok %d len %u family %d port untouched %d\n", s >= 0, len, peer.sin_family,
           peer.sin_port == 0xaaaa);
    connect_to((struct sockaddr *)&a, sizeof a, AF_INET);
    len = sizeof peer;
    s = accept4(l, (struct sockaddr *)&peer, &len, 0);
    printf("full addrlen: len %u loopback %d ephemeral %d\n", len, peer.sin_addr.s_addr == htonl(INADDR_LOOPBACK),
           ntohs(peer.sin_port) >= 32768);
    connect_to((struct sockaddr *)&a, sizeof a, AF_INET);
    len = -1;
    show("negative addrlen", accept4(l, (struct sockaddr *)&peer, &len, 0));
    show("accept after EINVAL", accept(l, NULL, NULL) >= 0);

    /* Unix stream listeners follow the same rules */
    int ul = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un un;
    socklen_t ulen = unix_addr(&un, "/tmp/net_accept4.sock");
    unlink(un.sun_path);
    MUST(bind(ul, (struct sockaddr *)&un, ulen));
    MUST(listen(ul, 4));
    for (int i = 0; i < 2; i++)
        connect_to((struct sockaddr *)&un, ulen, AF_UNIX);
    struct sockaddr_un upeer;
    len = sizeof upeer;
    int us = accept4(ul, (struct sockaddr *)&upeer, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    describe("unix accept4 both", us);
    printf("unix peer len %u (unnamed)\n", len);
    describe("unix accept", accept(ul, NULL, NULL));
    show("accept4 on udp", accept4(socket(AF_INET, SOCK_DGRAM, 0), NULL, NULL, 0));
    show("accept4 on unix dgram", accept4(socket(AF_UNIX, SOCK_DGRAM, 0), NULL, NULL, 0));
    show("accept4 not listening", accept4(socket(AF_INET, SOCK_STREAM, 0), NULL, NULL, 0));
    show("accept4 on a pipe", accept4(1, NULL, NULL, 0));
    unlink(un.sun_path);
    return 0;
}
