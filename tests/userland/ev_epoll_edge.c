// epoll EPOLLET: a pipe's read end is reported once per write, not again until new data
// arrives (a read that empties the pipe does not re-arm it); eventfd IN likewise; MOD of
// a ready edge-triggered item reports it again.
#define _GNU_SOURCE
#include <sys/eventfd.h>
#include <unistd.h>
#include "ev_common.h"

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    struct epoll_event ev[4];
    char buf[64];
    int ep = epoll_create(1);
    int p[2];
    pipe(p);
    ev_add(ep, p[0], EPOLLIN | EPOLLET, 1);
    ev_show("empty", epoll_wait(ep, ev, 4, 0), ev);
    write(p[1], "abc", 3);
    ev_show("after write", epoll_wait(ep, ev, 4, 0), ev);
    ev_show("again (edge)", epoll_wait(ep, ev, 4, 0), ev);
    write(p[1], "def", 3);
    ev_show("second write", epoll_wait(ep, ev, 4, 0), ev);
    ev_show("again", epoll_wait(ep, ev, 4, 0), ev);
    printf("read %zd\n", read(p[0], buf, sizeof buf));
    ev_show("drained", epoll_wait(ep, ev, 4, 0), ev);
    ev_mod(ep, p[0], EPOLLIN | EPOLLET, 2);
    ev_show("MOD while empty", epoll_wait(ep, ev, 4, 0), ev);
    write(p[1], "g", 1);
    ev_show("write g", epoll_wait(ep, ev, 4, 0), ev);
    ev_mod(ep, p[0], EPOLLIN | EPOLLET, 3);
    ev_show("MOD while ready", epoll_wait(ep, ev, 4, 0), ev);
    ev_show("and then", epoll_wait(ep, ev, 4, 0), ev);
    close(p[1]);
    ev_show("writer closed", epoll_wait(ep, ev, 4, 0), ev);
    ev_show("again", epoll_wait(ep, ev, 4, 0), ev);

    int efd = eventfd(0, EFD_NONBLOCK);
    ev_add(ep, efd, EPOLLIN | EPOLLET, 9);
    ev_show("eventfd empty", epoll_wait(ep, ev, 4, 0), ev);
    eventfd_write(efd, 2);
    ev_show("eventfd written", epoll_wait(ep, ev, 4, 0), ev);
    ev_show("eventfd again", epoll_wait(ep, ev, 4, 0), ev);
    eventfd_write(efd, 3);
    ev_show("eventfd written again", epoll_wait(ep, ev, 4, 0), ev);
    eventfd_t v;
    eventfd_read(efd, &v);
    printf("eventfd value %llu\n", (unsigned long long)v);
    ev_show("eventfd drained", epoll_wait(ep, ev, 4, 0), ev);
    return 0;
}
