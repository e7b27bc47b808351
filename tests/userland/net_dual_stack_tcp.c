// TCP across IPv4 and IPv6 on the loopback: an IPv4 client reaches a listener bound to
// :: (dual-stack) and appears as ::ffff:127.0.0.1; an IPv6 client reaches an IPv4
// listener through ::ffff:127.0.0.1; IPV6_V6ONLY listeners refuse IPv4 (and V6ONLY
// clients cannot reach v4-mapped addresses); binding 127.0.0.1 beside a listening
// dual-stack :: is EADDRINUSE even with SO_REUSEADDR on both.
#include "net_common.h"

static void addr_text(struct sockaddr_storage *s, char *text, size_t n)
{
    if (s->ss_family == AF_INET6)
        inet_ntop(AF_INET6, &((struct sockaddr_in6 *)s)->sin6_addr, text, n);
    else
        inet_ntop(AF_INET, &((struct sockaddr_in *)s)->sin_addr, text, n);
}

static void ends(const char *what, int fd)
{
    struct sockaddr_storage me, peer;
    socklen_t ml = sizeof me, pl = sizeof peer;
    getsockname(fd, (struct sockaddr *)&me, &ml);
    getpeername(fd, (struct sockaddr *)&peer, &pl);
    char a[64], b[64];
    addr_text(&me, a, sizeof a);
    addr_text(&peer, b, sizeof b);
    printf("%s: local %s (len %u) peer %s (len %u)\n", what, a, ml, b, pl);
}

static int listener6(int v6only, struct sockaddr_in6 *a)
{
    int l = socket(AF_INET6, SOCK_STREAM, 0), on = 1;
    setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    MUST(setsockopt(l, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only));
    MUST(bind(l, (struct sockaddr *)a, sizeof *a));
    socklen_t len = sizeof *a;
    MUST(getsockname(l, (struct sockaddr *)a, &len));
    MUST(listen(l, 4));
    return l;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    struct sockaddr_in6 a6 = {.sin6_family = AF_INET6};
    int l = listener6(0, &a6);
    struct sockaddr_in to4 = {.sin_family = AF_INET, .sin_port = a6.sin6_port, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int c = socket(AF_INET, SOCK_STREAM, 0);
    show("v4 connect to dual-stack ::", connect(c, (struct sockaddr *)&to4, sizeof to4));
    int s = accept(l, NULL, NULL);
    ends("client", c);
    ends("accepted", s);
    write(c, "ping", 4);
    char buf[8];
    show("read", read(s, buf, sizeof buf));
    close(c);
    close(s);

    int l4 = socket(AF_INET, SOCK_STREAM, 0), on = 1;
    setsockopt(l4, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    show("bind 127.0.0.1 beside dual-stack ::", bind(l4, (struct sockaddr *)&to4, sizeof to4));
    close(l4);
    close(l);

    struct sockaddr_in6 o6 = {.sin6_family = AF_INET6};
    int lo = listener6(1, &o6);
    to4.sin_port = o6.sin6_port;
    c = socket(AF_INET, SOCK_STREAM, 0);
    show("v4 connect to v6only ::", connect(c, (struct sockaddr *)&to4, sizeof to4));
    close(lo);

    struct sockaddr_in a4;
    int l2 = bound_inet(SOCK_STREAM, &a4);
    MUST(listen(l2, 4));
    struct sockaddr_in6 mapped = {.sin6_family = AF_INET6, .sin6_port = a4.sin_port};
    inet_pton(AF_INET6, "::ffff:127.0.0.1", &mapped.sin6_addr);
    int c6 = socket(AF_INET6, SOCK_STREAM, 0);
    show("v6 connect to ::ffff:127.0.0.1", connect(c6, (struct sockaddr *)&mapped, sizeof mapped));
    s = accept(l2, NULL, NULL);
    ends("v6 client", c6);
    ends("v4 accepted", s);
    int c7 = socket(AF_INET6, SOCK_STREAM, 0), one = 1;
    setsockopt(c7, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    show("v6only connect to mapped", connect(c7, (struct sockaddr *)&mapped, sizeof mapped));
    return 0;
}
