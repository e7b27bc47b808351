// UDP over IPv6 on the loopback: ::1 to ::1 with sockaddr_in6 sender addresses; a
// dual-stack socket bound to :: hears IPv4 senders as ::ffff:127.0.0.1 and can answer
// them at that address; IPV6_V6ONLY keeps IPv4 out; sending from IPv6 to a v4-mapped
// address reaches an IPv4 socket; connected IPv6 UDP; a v4-mapped address on a V6ONLY
// socket is unreachable.
#include "net_common.h"

static void show_from(const char *what, long r, const char *buf, struct sockaddr_storage *from, socklen_t len)
{
    char text[64] = "?";
    if (from->ss_family == AF_INET6)
        inet_ntop(AF_INET6, &((struct sockaddr_in6 *)from)->sin6_addr, text, sizeof text);
    else if (from->ss_family == AF_INET)
        inet_ntop(AF_INET, &((struct sockaddr_in *)from)->sin_addr, text, sizeof text);
    if (r < 0)
        printf("%s -> -1 %s\n", what, strerrorname_np(errno));
    else
        printf("%s -> %ld '%.*s' from %s (len %u)\n", what, r, (int)r, buf, text, len);
}

static long recv_from(const char *what, int fd, struct sockaddr_storage *from)
{
    char buf[32];
    socklen_t len = sizeof *from;
    memset(from, 0, sizeof *from);
    long r = recvfrom(fd, buf, sizeof buf, MSG_DONTWAIT, (struct sockaddr *)from, &len);
    show_from(what, r, buf, from, len);
    return r;
}

static int bound6(const struct in6_addr *host, int v6only, struct sockaddr_in6 *a)
{
    int fd = socket(AF_INET6, SOCK_DGRAM, 0);
    MUST(fd);
    if (v6only >= 0)
        MUST(setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only));
    memset(a, 0, sizeof *a);
    a->sin6_family = AF_INET6;
    a->sin6_addr = *host;
    MUST(bind(fd, (struct sockaddr *)a, sizeof *a));
    socklen_t len = sizeof *a;
    MUST(getsockname(fd, (struct sockaddr *)a, &len));
    return fd;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    struct sockaddr_storage from;
    struct sockaddr_in6 lo, any, only;
    int r = bound6(&in6addr_loopback, -1, &lo);
    int s = socket(AF_INET6, SOCK_DGRAM, 0);
    show("sendto ::1", sendto(s, "six", 3, 0, (struct sockaddr *)&lo, sizeof lo));
    recv_from("recvfrom", r, &from);
    show("reply to the sender", sendto(r, "back", 4, 0, (struct sockaddr *)&from, sizeof(struct sockaddr_in6)));
    recv_from("sender receives", s, &from);

    int dual = bound6(&in6addr_any, 0, &any);
    int v4 = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in to4 = {.sin_family = AF_INET, .sin_port = any.sin6_port,
                              .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    show("v4 sendto dual-stack port", sendto(v4, "four", 4, 0, (struct sockaddr *)&to4, sizeof to4));
    recv_from("dual-stack recvfrom", dual, &from);
    show("dual-stack replies to mapped", sendto(dual, "mapped", 6, 0, (struct sockaddr *)&from, sizeof(struct sockaddr_in6)));
    recv_from("v4 receives", v4, &from);

    int v6only = bound6(&in6addr_any, 1, &only);
    to4.sin_port = only.sin6_port;
    show("v4 sendto v6only port", sendto(v4, "lost", 4, 0, (struct sockaddr *)&to4, sizeof to4));
    recv_from("v6only recvfrom", v6only, &from);
    struct sockaddr_in6 mapped = {.sin6_family = AF_INET6, .sin6_port = only.sin6_port};
    inet_pton(AF_INET6, "::ffff:127.0.0.1", &mapped.sin6_addr);
    show("v6only sendto mapped", sendto(v6only, "x", 1, 0, (struct sockaddr *)&mapped, sizeof mapped));

    /* IPv6 sender to an IPv4 socket through a v4-mapped address */
    struct sockaddr_in a4;
    int r4 = bound_inet(SOCK_DGRAM, &a4);
    mapped.sin6_port = a4.sin_port;
    show("v6 sendto mapped v4 socket", sendto(s, "via-map", 7, 0, (struct sockaddr *)&mapped, sizeof mapped));
    recv_from("v4 socket receives", r4, &from);

    /* connected */
    int c = socket(AF_INET6, SOCK_DGRAM, 0);
    show("connect ::1", connect(c, (struct sockaddr *)&lo, sizeof lo));
    show("send", send(c, "conn", 4, 0));
    recv_from("recvfrom", r, &from);
    struct sockaddr_in6 name;
    socklen_t len = sizeof name;
    getsockname(c, (struct sockaddr *)&name, &len);
    printf("connected source is ::1 %d len %u\n", IN6_IS_ADDR_LOOPBACK(&name.sin6_addr), len);
    show("sendto v4 address on a v6 socket", sendto(c, "x", 1, 0, (struct sockaddr *)&to4, sizeof to4));
    show("bind v4 address on a v6 socket", bind(socket(AF_INET6, SOCK_DGRAM, 0), (struct sockaddr *)&to4, sizeof to4));
    char big[65528];
    memset(big, 'b', sizeof big);
    show("send 65527", send(c, big, 65527, 0));
    show("send 65528", send(c, big, 65528, 0));
    return 0;
}
