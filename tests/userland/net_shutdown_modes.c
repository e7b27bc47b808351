// shutdown(2) modes and what both ends see: SHUT_WR (peer reads EOF, POLLRDHUP; writes
// fail with EPIPE; reading still works), SHUT_RD (reads return 0), SHUT_RDWR, both ends
// shut (POLLHUP); TCP and Unix stream; bad `how`, unconnected and listening sockets.
#include "net_helpers.h"

static void modes(const char *kind, int c, int s)
{
    char buf[16];
    printf("-- %s\n", kind);
    show_poll("c fresh", c);
    show("c shutdown WR", shutdown(c, SHUT_WR));
    show_poll("c after own WR", c);
    show_poll("s after peer WR", s);
    show("s read", read(s, buf, sizeof buf));
    show("c send", send(c, "x", 1, MSG_NOSIGNAL));
    show("s send", send(s, "back", 4, MSG_NOSIGNAL));
    show("c read", read(c, buf, sizeof buf));
    show("c shutdown WR again", shutdown(c, SHUT_WR));
    show("s shutdown WR", shutdown(s, SHUT_WR));
    show_poll("c both shut", c);
    show_poll("s both shut", s);
    show("c read", read(c, buf, sizeof buf));
    close(c);
    close(s);
}

static void shut_rd(const char *kind, int c, int s)
{
    char buf[16];
    printf("-- %s SHUT_RD\n", kind);
    show("c shutdown RD", shutdown(c, SHUT_RD));
    show_poll("c after own RD", c);
    show("c read", recv(c, buf, sizeof buf, MSG_DONTWAIT));
    show("c send", send(c, "y", 1, MSG_NOSIGNAL));
    show("s read", recv(s, buf, sizeof buf, MSG_DONTWAIT));
    show("c shutdown RDWR", shutdown(c, SHUT_RDWR));
    show_poll("c after RDWR", c);
    show("s read", recv(s, buf, sizeof buf, MSG_DONTWAIT));
    close(c);
    close(s);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    int c, s, u[2];
    tcp_pair(&c, &s);
    modes("tcp", c, s);
    MUST(socketpair(AF_UNIX, SOCK_STREAM, 0, u));
    modes("unix", u[0], u[1]);
    tcp_pair(&c, &s);
    shut_rd("tcp", c, s);
    MUST(socketpair(AF_UNIX, SOCK_STREAM, 0, u));
    shut_rd("unix", u[0], u[1]);

    printf("-- unix: the peer shuts down reading\n");
    MUST(socketpair(AF_UNIX, SOCK_STREAM, 0, u));
    show("u1 shutdown RD", shutdown(u[1], SHUT_RD));
    show_poll("u0", u[0]);
    show("u0 send", send(u[0], "z", 1, MSG_NOSIGNAL));

    printf("-- tcp: peer shuts down both ways, then closes\n");
    tcp_pair(&c, &s);
    show("s shutdown RDWR", shutdown(s, SHUT_RDWR));
    show_poll("c", c);
    close(s);
    show_poll("c after peer close", c);
    char buf[8];
    show("c read", read(c, buf, sizeof buf));
    close(c);

    printf("-- errors\n");
    tcp_pair(&c, &s);
    show("how 3", shutdown(c, 3));
    show("how -1", shutdown(c, -1));
    show("unconnected tcp", shutdown(socket(AF_INET, SOCK_STREAM, 0), SHUT_RDWR));
    show("unconnected unix", shutdown(socket(AF_UNIX, SOCK_STREAM, 0), SHUT_RDWR));
    show("not a socket", shutdown(0, SHUT_RDWR));
    show("bad fd", shutdown(99, SHUT_RDWR));
    struct sockaddr_in a;
    int l = bound_inet(SOCK_STREAM, &a);
    MUST(listen(l, 4));
    show("listener SHUT_WR", shutdown(l, SHUT_WR));
    show_poll("listener", l);
    show("listener SHUT_RD", shutdown(l, SHUT_RD));
    show_poll("listener after SHUT_RD", l);
    show("accept after SHUT_RD", accept(l, NULL, NULL));
    return 0;
}
