// Abstract AF_UNIX names: a leading NUL, exact lengths (embedded NULs count), no file in
// the file system, EADDRINUSE, the name freed on close, getsockname's length.
#include "net_common.h"

static socklen_t abstract(struct sockaddr_un *a, const char *name, size_t len)
{
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    memcpy(a->sun_path + 1, name, len);
    return offsetof(struct sockaddr_un, sun_path) + 1 + len;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    struct sockaddr_un a, b, got;
    char name[40];
    snprintf(name, sizeof name, "pykerla-test-%d", getpid() % 100000);
    socklen_t alen = abstract(&a, name, strlen(name));
    socklen_t blen = abstract(&b, name, strlen(name) - 1);  /* a prefix is another name */
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    show("bind", bind(s, (struct sockaddr *)&a, alen));
    socklen_t glen = sizeof got;
    getsockname(s, (struct sockaddr *)&got, &glen);
    printf("getsockname len ok %d same %d\n", glen == alen, !memcmp(&got, &a, alen));
    int t = socket(AF_UNIX, SOCK_STREAM, 0);
    show("bind same", bind(t, (struct sockaddr *)&a, alen));
    show("bind prefix", bind(t, (struct sockaddr *)&b, blen));
    show("connect not listening", connect(socket(AF_UNIX, SOCK_STREAM, 0), (struct sockaddr *)&a, alen));
    MUST(listen(s, 1));
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    show("connect", connect(c, (struct sockaddr *)&a, alen));
    glen = sizeof got;
    getpeername(c, (struct sockaddr *)&got, &glen);
    printf("peer len ok %d\n", glen == alen);
    int d = socket(AF_UNIX, SOCK_DGRAM, 0);
    show("connect dgram to stream name", connect(d, (struct sockaddr *)&a, alen));
    show("connect with trailing byte", connect(socket(AF_UNIX, SOCK_STREAM, 0), (struct sockaddr *)&a, alen + 1));
    int x = accept(s, NULL, NULL);
    show("accept", x > 0);
    close(x);
    close(s);
    close(t);
    int u = socket(AF_UNIX, SOCK_DGRAM, 0);
    show("rebind after close", bind(u, (struct sockaddr *)&a, alen));
    show("sendto", sendto(d, "hi", 2, 0, (struct sockaddr *)&a, alen));
    char buf[8];
    show("recv", recv(u, buf, sizeof buf, 0));
    show("bind empty abstract", bind(socket(AF_UNIX, SOCK_DGRAM, 0), (struct sockaddr *)&a, 3));
    return 0;
}
