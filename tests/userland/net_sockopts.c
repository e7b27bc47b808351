// Socket options: defaults that do not depend on host tuning, SO_RCVBUF/SO_SNDBUF
// doubling, SO_LINGER, timeouts (SO_RCVTIMEO gives EAGAIN), SO_TYPE/DOMAIN/PROTOCOL/
// ACCEPTCONN, read-only options, short optlen, TCP_NODELAY/KEEPIDLE ranges, IP_TTL,
// IPV6_V6ONLY, ENOPROTOOPT and EOPNOTSUPP levels.
#include "net_common.h"

static void get(int fd, int level, int name, const char *what)
{
    int v = -12345;
    socklen_t len = sizeof v;
    if (getsockopt(fd, level, name, &v, &len) < 0)
        printf("get %s -> -1 %s\n", what, strerrorname_np(errno));
    else
        printf("get %s -> %d (len %d)\n", what, v, len);
}

static void set(int fd, int level, int name, int v, const char *what)
{
    char label[64];
    snprintf(label, sizeof label, "set %s %d", what, v);
    show(label, setsockopt(fd, level, name, &v, sizeof v));
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    int t = socket(AF_INET, SOCK_STREAM, 0), u = socket(AF_INET6, SOCK_DGRAM, 0);
    int x = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    get(t, SOL_SOCKET, SO_TYPE, "tcp SO_TYPE");
    get(u, SOL_SOCKET, SO_TYPE, "udp6 SO_TYPE");
    get(t, SOL_SOCKET, SO_DOMAIN, "tcp SO_DOMAIN");
    get(u, SOL_SOCKET, SO_DOMAIN, "udp6 SO_DOMAIN");
    get(x, SOL_SOCKET, SO_DOMAIN, "unix SO_DOMAIN");
    get(t, SOL_SOCKET, SO_PROTOCOL, "tcp SO_PROTOCOL");
    get(u, SOL_SOCKET, SO_PROTOCOL, "udp SO_PROTOCOL");
    get(x, SOL_SOCKET, SO_PROTOCOL, "unix SO_PROTOCOL");
    get(x, SOL_SOCKET, SO_TYPE, "unix SO_TYPE");
    get(t, SOL_SOCKET, SO_ACCEPTCONN, "SO_ACCEPTCONN");
    get(t, SOL_SOCKET, SO_ERROR, "SO_ERROR");
    get(t, SOL_SOCKET, SO_REUSEADDR, "SO_REUSEADDR");
    set(t, SOL_SOCKET, SO_REUSEADDR, 5, "SO_REUSEADDR");
    get(t, SOL_SOCKET, SO_REUSEADDR, "SO_REUSEADDR");
    set(t, SOL_SOCKET, SO_REUSEPORT, 1, "SO_REUSEPORT");
    get(t, SOL_SOCKET, SO_REUSEPORT, "SO_REUSEPORT");
    set(t, SOL_SOCKET, SO_KEEPALIVE, 1, "SO_KEEPALIVE");
    get(t, SOL_SOCKET, SO_KEEPALIVE, "SO_KEEPALIVE");
    set(t, SOL_SOCKET, SO_RCVBUF, 10000, "SO_RCVBUF");
    get(t, SOL_SOCKET, SO_RCVBUF, "SO_RCVBUF");
    set(t, SOL_SOCKET, SO_SNDBUF, 20000, "SO_SNDBUF");
    get(t, SOL_SOCKET, SO_SNDBUF, "SO_SNDBUF");
    set(t, SOL_SOCKET, SO_TYPE, 1, "SO_TYPE");
    set(t, SOL_SOCKET, SO_ERROR, 0, "SO_ERROR");
    set(t, SOL_SOCKET, 9999, 0, "unknown");
    get(t, SOL_SOCKET, 9999, "unknown");
    show("short optlen", setsockopt(t, SOL_SOCKET, SO_REUSEADDR, "", 2));

    char small[2] = {0x55, 0x55};
    socklen_t sl = 2;
    getsockopt(t, SOL_SOCKET, SO_TYPE, small, &sl);
    printf("short get len %d byte %d\n", sl, small[0]);
    sl = (socklen_t)-1;
    show("negative optlen", getsockopt(t, SOL_SOCKET, SO_TYPE, small, &sl));

    struct linger lg = {1, 7};
    show("set SO_LINGER", setsockopt(t, SOL_SOCKET, SO_LINGER, &lg, sizeof lg));
    memset(&lg, 0, sizeof lg);
    socklen_t ll = sizeof lg;
    getsockopt(t, SOL_SOCKET, SO_LINGER, &lg, &ll);
    printf("linger %d %d len %d\n", lg.l_onoff, lg.l_linger, ll);

    struct timeval tv = {0, 100000};
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    show("set SO_RCVTIMEO", setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
    memset(&tv, 0, sizeof tv);
    ll = sizeof tv;
    getsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, &ll);
    printf("rcvtimeo %ld.%06ld len %d\n", (long)tv.tv_sec, (long)tv.tv_usec, ll);
    char c;
    show("read times out", read(sv[0], &c, 1));
    tv.tv_usec = 2000000;
    show("bad timeval", setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
    struct ucred cr;
    ll = sizeof cr;
    getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &cr, &ll);
    printf("peercred uid %d len %d\n", cr.uid, ll);

    get(t, IPPROTO_TCP, TCP_NODELAY, "TCP_NODELAY");
    set(t, IPPROTO_TCP, TCP_NODELAY, 1, "TCP_NODELAY");
    get(t, IPPROTO_TCP, TCP_NODELAY, "TCP_NODELAY");
    get(t, IPPROTO_TCP, TCP_KEEPIDLE, "TCP_KEEPIDLE");
    get(t, IPPROTO_TCP, TCP_KEEPINTVL, "TCP_KEEPINTVL");
    get(t, IPPROTO_TCP, TCP_KEEPCNT, "TCP_KEEPCNT");
    set(t, IPPROTO_TCP, TCP_KEEPIDLE, 60, "TCP_KEEPIDLE");
    get(t, IPPROTO_TCP, TCP_KEEPIDLE, "TCP_KEEPIDLE");
    set(t, IPPROTO_TCP, TCP_KEEPIDLE, 0, "TCP_KEEPIDLE");
    set(t, IPPROTO_TCP, TCP_KEEPCNT, 200, "TCP_KEEPCNT");
    set(t, IPPROTO_TCP, 9999, 1, "unknown tcp");
    set(u, IPPROTO_TCP, TCP_NODELAY, 1, "TCP_NODELAY on udp");
    set(x, IPPROTO_TCP, TCP_NODELAY, 1, "TCP_NODELAY on unix");
    get(x, IPPROTO_TCP, TCP_NODELAY, "TCP_NODELAY on unix");
    get(t, IPPROTO_IP, IP_TTL, "IP_TTL");
    set(t, IPPROTO_IP, IP_TTL, 7, "IP_TTL");
    get(t, IPPROTO_IP, IP_TTL, "IP_TTL");
    set(t, IPPROTO_IP, IP_TTL, -1, "IP_TTL");
    get(t, IPPROTO_IP, IP_TTL, "IP_TTL");
    set(t, IPPROTO_IP, IP_TTL, 300, "IP_TTL");
    set(t, IPPROTO_IP, IP_TOS, 0x10, "IP_TOS");
    get(t, IPPROTO_IP, IP_TOS, "IP_TOS");
    get(u, IPPROTO_IPV6, IPV6_V6ONLY, "IPV6_V6ONLY");
    set(u, IPPROTO_IPV6, IPV6_V6ONLY, 1, "IPV6_V6ONLY");
    get(u, IPPROTO_IPV6, IPV6_V6ONLY, "IPV6_V6ONLY");
    get(t, IPPROTO_IPV6, IPV6_V6ONLY, "IPV6_V6ONLY on ipv4");
    struct sockaddr_in6 any6 = {.sin6_family = AF_INET6};
    MUST(bind(u, (struct sockaddr *)&any6, sizeof any6));
    set(u, IPPROTO_IPV6, IPV6_V6ONLY, 0, "IPV6_V6ONLY after bind");

    /* accepted sockets inherit the listener's options */
    struct sockaddr_in a;
    int l = bound_inet(SOCK_STREAM, &a);
    set(l, IPPROTO_TCP, TCP_NODELAY, 1, "listener TCP_NODELAY");
    set(l, SOL_SOCKET, SO_KEEPALIVE, 1, "listener SO_KEEPALIVE");
    listen(l, 1);
    get(l, SOL_SOCKET, SO_ACCEPTCONN, "SO_ACCEPTCONN");
    int c2 = socket(AF_INET, SOCK_STREAM, 0);
    connect(c2, (struct sockaddr *)&a, sizeof a);
    int s = accept(l, NULL, NULL);
    get(s, IPPROTO_TCP, TCP_NODELAY, "accepted TCP_NODELAY");
    get(s, SOL_SOCKET, SO_KEEPALIVE, "accepted SO_KEEPALIVE");
    get(s, SOL_SOCKET, SO_ACCEPTCONN, "accepted SO_ACCEPTCONN");
    return 0;
}
