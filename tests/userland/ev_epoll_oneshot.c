// EPOLLONESHOT: reported once, then disabled (even for HUP) until EPOLL_CTL_MOD re-arms
// it; ADD of a disabled item's fd is still EEXIST; ONESHOT combined with ET.
#define _GNU_SOURCE
#include <unistd.h>
#include "ev_common.h"

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    struct epoll_event ev[4];
    int p[2];
    int ep = ev_pipe(p, EPOLLIN | EPOLLONESHOT, 5);
    write(p[1], "x", 1);
    ev_show("first", epoll_wait(ep, ev, 4, 0), ev);
    ev_show("disabled", epoll_wait(ep, ev, 4, 0), ev);
    write(p[1], "y", 1);
    ev_show("more data, still disabled", epoll_wait(ep, ev, 4, 0), ev);
    ev_result("ADD again", ev_add(ep, p[0], EPOLLIN, 6));
    ev_result("MOD re-arm", ev_mod(ep, p[0], EPOLLIN | EPOLLONESHOT, 7));
    ev_show("re-armed", epoll_wait(ep, ev, 4, 0), ev);
    ev_show("disabled again", epoll_wait(ep, ev, 4, 0), ev);
    close(p[1]);
    ev_show("HUP while disabled", epoll_wait(ep, ev, 4, 0), ev);
    ev_mod(ep, p[0], EPOLLIN | EPOLLONESHOT | EPOLLET, 8);
    ev_show("re-armed ET", epoll_wait(ep, ev, 4, 0), ev);
    ev_show("after", epoll_wait(ep, ev, 4, 0), ev);
    ev_result("DEL", epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL));
    ev_result("DEL again", epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL));
    return 0;
}
