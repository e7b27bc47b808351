// getsockname/getpeername: Unix path, abstract and unnamed sockets (lengths and bytes),
// both ends of a Unix connection, IPv4 and IPv6 before and after bind/connect, ENOTCONN,
// truncation to the caller's length with the full length reported, EBADF/ENOTSOCK.
#include "net_helpers.h"

static void unix_name(const char *what, int fd, int peer)
{
    struct sockaddr_un a;
    memset(&a, 0xaa, sizeof a);
    socklen_t len = sizeof a;
    int r = peer ? getpeername(fd, (struct sockaddr *)&a, &len) : getsockname(fd, (struct sockaddr *)&a, &len);
    if (r < 0) {
        show(what, r);
        return;
    }
    printf("%s: len %u family %d", what, len, a.sun_family);
    if (len > offsetof(struct sockaddr_un, sun_path)) {
        int n = len - offsetof(struct sockaddr_un, sun_path);
        printf(" path ");
        for (int i = 0; i < n; i++)
            putchar(a.sun_path[i] ? a.sun_path[i] : '@');
    }
    printf("\n");
}

static void inet_name(const char *what, int fd, int peer)
{
    struct sockaddr_storage s;
    socklen_t len = sizeof s;
    int r = peer ? getpeername(fd, (struct sockaddr *)&s, &len) : getsockname(fd, (struct sockaddr *)&s, &len);
    if (r < 0) {
        show(what, r);
        return;
    }
    char text[64];
    int port;
    if (s.ss_family == AF_INET) {
        struct sockaddr_in *in = (struct sockaddr_in *)&s;
        inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
        port = in->sin_port;
    } else {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&s;
        inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text);
        port = in6->sin6_port;
    }
    printf("%s: len %u family %d addr %s port %s\n", what, len, s.ss_family, text, port ? "set" : "0");
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    printf("-- unix\n");
    int u[2];
    MUST(socketpair(AF_UNIX, SOCK_STREAM, 0, u));
    unix_name("socketpair name", u[0], 0);
    unix_name("socketpair peer", u[0], 1);
    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    unix_name("unbound", l, 0);
    unix_name("unbound peer", l, 1);
    struct sockaddr_un a;
    socklen_t alen = unix_addr(&a, "/tmp/net_names.sock");
    unlink(a.sun_path);
    MUST(bind(l, (struct sockaddr *)&a, alen));
    unix_name("path", l, 0);
    MUST(listen(l, 4));
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    MUST(connect(c, (struct sockaddr *)&a, alen));
    int s = accept(l, NULL, NULL);
    unix_name("client name", c, 0);
    unix_name("client peer", c, 1);
    unix_name("accepted name", s, 0);
    unix_name("accepted peer", s, 1);
    /* path given without its NUL, and with trailing bytes after it */
    int p2 = socket(AF_UNIX, SOCK_DGRAM, 0);
    struct sockaddr_un b;
    unix_addr(&b, "/tmp/net_names2");
    unlink(b.sun_path);
    MUST(bind(p2, (struct sockaddr *)&b, offsetof(struct sockaddr_un, sun_path) + strlen(b.sun_path)));
    unix_name("path bound without NUL", p2, 0);
    unlink(b.sun_path);

    int ab = socket(AF_UNIX, SOCK_DGRAM, 0);
    struct sockaddr_un abs = {.sun_family = AF_UNIX};
    memcpy(abs.sun_path, "\0abs\0x", 6);
    MUST(bind(ab, (struct sockaddr *)&abs, offsetof(struct sockaddr_un, sun_path) + 6));
    unix_name("abstract with inner NUL", ab, 0);
    int ac = socket(AF_UNIX, SOCK_DGRAM, 0);
    MUST(connect(ac, (struct sockaddr *)&abs, offsetof(struct sockaddr_un, sun_path) + 6));
    unix_name("connected to abstract: peer", ac, 1);
    unix_name("connected to abstract: name", ac, 0);

    struct sockaddr_un small;
    socklen_t len = 5;
    memset(&small, 0, sizeof small);
    getsockname(l, (struct sockaddr *)&small, &len);
    printf("truncated: len %u got '%.3s'\n", len, small.sun_path);
    len = 0;
    show("zero length", getsockname(l, (struct sockaddr *)&small, &len));
    printf("  reported len %u\n", len);
    unlink(a.sun_path);

    printf("-- inet\n");
    int t = socket(AF_INET, SOCK_STREAM, 0);
    inet_name("v4 unbound", t, 0);
    inet_name("v4 unbound peer", t, 1);
    struct sockaddr_in in;
    int lt = bound_inet(SOCK_STREAM, &in);
    inet_name("v4 bound", lt, 0);
    MUST(listen(lt, 4));
    inet_name("v4 listener peer", lt, 1);
    MUST(connect(t, (struct sockaddr *)&in, sizeof in));
    inet_name("v4 client", t, 0);
    inet_name("v4 client peer", t, 1);
    int st = accept(lt, NULL, NULL);
    inet_name("v4 accepted", st, 0);
    inet_name("v4 accepted peer", st, 1);
    struct sockaddr_in pin;
    len = sizeof pin;
    getpeername(st, (struct sockaddr *)&pin, &len);
    struct sockaddr_in cin;
    len = sizeof cin;
    getsockname(t, (struct sockaddr *)&cin, &len);
    printf("accepted peer port == client port %d\n", pin.sin_port == cin.sin_port);
    close(t);
    inet_name("accepted peer after client close", st, 1);

    int u4 = socket(AF_INET, SOCK_DGRAM, 0);
    inet_name("udp unbound", u4, 0);
    MUST(connect(u4, (struct sockaddr *)&in, sizeof in));
    inet_name("udp connected", u4, 0);
    inet_name("udp connected peer", u4, 1);

    int t6 = socket(AF_INET6, SOCK_STREAM, 0);
    inet_name("v6 unbound", t6, 0);
    struct sockaddr_in6 a6 = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
    int l6 = socket(AF_INET6, SOCK_STREAM, 0);
    MUST(bind(l6, (struct sockaddr *)&a6, sizeof a6));
    len = sizeof a6;
    getsockname(l6, (struct sockaddr *)&a6, &len);
    MUST(listen(l6, 4));
    MUST(connect(t6, (struct sockaddr *)&a6, sizeof a6));
    inet_name("v6 client", t6, 0);
    inet_name("v6 client peer", t6, 1);
    len = 8;
    struct sockaddr_in6 short6;
    getsockname(t6, (struct sockaddr *)&short6, &len);
    printf("v6 truncated: len %u\n", len);

    printf("-- errors\n");
    len = sizeof in;
    show("getsockname bad fd", getsockname(99, (struct sockaddr *)&in, &len));
    show("getsockname not a socket", getsockname(1, (struct sockaddr *)&in, &len));
    show("getpeername not a socket", getpeername(1, (struct sockaddr *)&in, &len));
    len = -1;
    show("getsockname negative len", getsockname(lt, (struct sockaddr *)&in, &len));
    return 0;
}
