// Bind rules for TCP and UDP ports: EADDRINUSE without options, SO_REUSEADDR (both
// sockets, neither listening; listen() re-checks), SO_REUSEPORT (both sockets, then
// both may listen), the any address against a specific one, IPv6 dual-stack vs V6ONLY.
#include "net_common.h"

static int on = 1;

static int sock(int family, int type, int reuseaddr, int reuseport)
{
    int fd = socket(family, type, 0);
    MUST(fd);
    if (reuseaddr)
        MUST(setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on));
    if (reuseport)
        MUST(setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on));
    return fd;
}

static struct sockaddr_in at(const char *ip, int port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = port};
    inet_pton(AF_INET, ip, &a.sin_addr);
    return a;
}

static int bind4(int fd, const char *ip, int port)
{
    struct sockaddr_in a = at(ip, port);
    return bind(fd, (struct sockaddr *)&a, sizeof a);
}

static int fresh_port(int type)
{
    struct sockaddr_in a;
    int fd = bound_inet(type, &a);
    close(fd);
    return a.sin_port;
}

static void rules(int type, const char *kind)
{
    printf("-- %s\n", kind);
    int p = fresh_port(type);
    int a = sock(AF_INET, type, 0, 0), b = sock(AF_INET, type, 0, 0);
    show("bind 127.0.0.1", bind4(a, "127.0.0.1", p));
    show("again, no options", bind4(b, "127.0.0.1", p));
    show("0.0.0.0 over 127.0.0.1", bind4(b, "0.0.0.0", p));
    show("127.0.0.2 beside 127.0.0.1", bind4(b, "127.0.0.2", p));
    close(a);
    close(b);

    p = fresh_port(type);
    a = sock(AF_INET, type, 1, 0);
    b = sock(AF_INET, type, 0, 0);
    show("reuseaddr one side: first", bind4(a, "127.0.0.1", p));
    show("reuseaddr one side: second", bind4(b, "127.0.0.1", p));
    close(b);
    b = sock(AF_INET, type, 1, 0);
    show("reuseaddr both", bind4(b, "127.0.0.1", p));
    if (type == SOCK_STREAM) {
        show("listen first", listen(a, 4));
        show("listen second", listen(b, 4));
        int c = sock(AF_INET, type, 1, 0);
        show("reuseaddr both, one listening", bind4(c, "127.0.0.1", p));
        close(c);
    }
    close(a);
    close(b);

    p = fresh_port(type);
    a = sock(AF_INET, type, 0, 1);
    b = sock(AF_INET, type, 0, 0);
    show("reuseport first", bind4(a, "127.0.0.1", p));
    show("reuseport only on first", bind4(b, "127.0.0.1", p));
    close(b);
    b = sock(AF_INET, type, 0, 1);
    show("reuseport both", bind4(b, "127.0.0.1", p));
    if (type == SOCK_STREAM) {
        show("listen first", listen(a, 4));
        show("listen second", listen(b, 4));
    }
    int c = sock(AF_INET, type, 0, 1);
    show("third reuseport on the any address", bind4(c, "0.0.0.0", p));
    close(a);
    close(b);
    close(c);

    /* IPv6 :: with and without V6ONLY against an IPv4 bind of the same port */
    p = fresh_port(type);
    a = sock(AF_INET, type, 0, 0);
    show("v4 any", bind4(a, "0.0.0.0", p));
    struct sockaddr_in6 any6 = {.sin6_family = AF_INET6, .sin6_port = p};
    b = sock(AF_INET6, type, 0, 0);
    show("v6 any dual-stack", bind(b, (struct sockaddr *)&any6, sizeof any6));
    close(b);
    b = sock(AF_INET6, type, 0, 0);
    MUST(setsockopt(b, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on));
    show("v6 any v6only", bind(b, (struct sockaddr *)&any6, sizeof any6));
    struct sockaddr_in6 lo6 = any6;
    lo6.sin6_addr = in6addr_loopback;
    c = sock(AF_INET6, type, 0, 0);
    show("::1 after v6only ::", bind(c, (struct sockaddr *)&lo6, sizeof lo6));
    close(a);
    close(b);
    close(c);

    /* closing frees the port at once for a socket that never connected */
    p = fresh_port(type);
    a = sock(AF_INET, type, 0, 0);
    show("bind", bind4(a, "127.0.0.1", p));
    close(a);
    a = sock(AF_INET, type, 0, 0);
    show("bind after close", bind4(a, "127.0.0.1", p));
    close(a);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    rules(SOCK_STREAM, "tcp");
    rules(SOCK_DGRAM, "udp");
    show("getsockopt SO_REUSEPORT",
         ({ int v = 0; socklen_t l = sizeof v; int fd = sock(AF_INET, SOCK_STREAM, 0, 1);
            getsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &v, &l); v; }));
    return 0;
}
