/* More shortcuts for the net_*.c tests (beside net_common.h): connected TCP pairs over
 * the loopback and printing poll/epoll bits by name. */
#include "net_common.h"

/* A connected TCP pair over 127.0.0.1 (*c: the connecting end, *s: the accepted end). */
static void tcp_pair(int *c, int *s)
{
    struct sockaddr_in a;
    int l = bound_inet(SOCK_STREAM, &a);
    MUST(listen(l, 1));
    *c = socket(AF_INET, SOCK_STREAM, 0);
    MUST(*c);
    MUST(connect(*c, (struct sockaddr *)&a, sizeof a));
    *s = accept(l, NULL, NULL);
    MUST(*s);
    close(l);
}

/* poll(2) bits of one fd, by name ("IN OUT RDHUP"), with a 0 timeout. */
static void show_poll(const char *what, int fd)
{
    struct pollfd p = {fd, POLLIN | POLLOUT | POLLRDHUP | POLLPRI, 0};
    poll(&p, 1, 0);
    printf("%s:", what);
    static const struct { short bit; const char *name; } names[] = {
        {POLLIN, "IN"}, {POLLPRI, "PRI"}, {POLLOUT, "OUT"}, {POLLERR, "ERR"},
        {POLLHUP, "HUP"}, {POLLNVAL, "NVAL"}, {POLLRDHUP, "RDHUP"}};
    for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++)
        if (p.revents & names[i].bit)
            printf(" %s", names[i].name);
    printf("\n");
}
