// Nonblocking TCP connect: EINPROGRESS, then writable with SO_ERROR 0; a second connect
// reports the outcome, a third EISCONN. To a port nobody listens on: EINPROGRESS, then
// POLLERR|POLLHUP and SO_ERROR ECONNREFUSED. Backlog: listen(0) takes one connection.
#include "net_common.h"

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    struct sockaddr_in a, dead;
    int l = bound_inet(SOCK_STREAM, &a);
    MUST(listen(l, 8));
    int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct pollfd p = {c, POLLIN | POLLOUT, 0};
    poll(&p, 1, 0);
    printf("fresh socket revents %#x\n", p.revents);
    show("connect", connect(c, (struct sockaddr *)&a, sizeof a));
    show("poll", poll(&p, 1, 1000));
    printf("revents %#x\n", p.revents);
    int err = -1;
    socklen_t el = sizeof err;
    getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &el);
    printf("SO_ERROR %d\n", err);
    show("connect again", connect(c, (struct sockaddr *)&a, sizeof a));
    show("connect third", connect(c, (struct sockaddr *)&a, sizeof a));
    int s = accept(l, NULL, NULL);
    show("accepted", s > 0);
    close(s);
    close(c);

    /* refused */
    int d = bound_inet(SOCK_STREAM, &dead);
    close(d);  /* nobody listens on this port now */
    c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    show("connect refused", connect(c, (struct sockaddr *)&dead, sizeof dead));
    p.fd = c;
    show("poll", poll(&p, 1, 1000));
    printf("revents err %d hup %d\n", !!(p.revents & POLLERR), !!(p.revents & POLLHUP));
    getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &el);
    printf("SO_ERROR %s\n", strerrorname_np(err));
    getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &el);
    printf("SO_ERROR cleared %d\n", err);
    show("connect after refusal", connect(c, (struct sockaddr *)&a, sizeof a));
    close(c);
    c = socket(AF_INET, SOCK_STREAM, 0);
    show("blocking connect refused", connect(c, (struct sockaddr *)&dead, sizeof dead));
    close(c);

    /* an accepted socket inherits nothing of O_NONBLOCK; accept4 sets it */
    c = socket(AF_INET, SOCK_STREAM, 0);
    MUST(connect(c, (struct sockaddr *)&a, sizeof a));
    fcntl(l, F_SETFL, O_NONBLOCK);
    s = accept(l, NULL, NULL);
    printf("accepted nonblocking %d\n", !!(fcntl(s, F_GETFL) & O_NONBLOCK));
    show("accept empty nonblocking listener", accept(l, NULL, NULL));
    close(s);
    close(c);
    c = socket(AF_INET, SOCK_STREAM, 0);
    MUST(connect(c, (struct sockaddr *)&a, sizeof a));
    s = accept4(l, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    printf("accept4 nonblocking %d cloexec %d\n", !!(fcntl(s, F_GETFL) & O_NONBLOCK), fcntl(s, F_GETFD));
    show("accept4 bad flags", accept4(l, NULL, NULL, 0x1234));
    close(s);
    close(c);
    close(l);
    return 0;
}
