// Nested epoll: an epoll inside another is readable when it has events; poll() on an
// epoll fd; a blocked outer epoll_wait woken by a child writing to a pipe the inner one
// watches; ELOOP for loops, EINVAL for an epoll watching itself.
#define _GNU_SOURCE
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>
#include "ev_common.h"
#include "child_util.h"

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    struct epoll_event ev[4];
    int inner = epoll_create1(0), outer = epoll_create1(0);
    int p[2];
    pipe(p);
    ev_add(inner, p[0], EPOLLIN, 1);
    ev_result("outer watches inner", ev_add(outer, inner, EPOLLIN, 2));
    ev_show("nothing yet", epoll_wait(outer, ev, 4, 0), ev);
    struct pollfd pf = { inner, POLLIN, 0 };
    int r = poll(&pf, 1, 0);
    printf("poll inner: %d revents=%#x\n", r, pf.revents);

    write(p[1], "a", 1);
    ev_show("outer", epoll_wait(outer, ev, 4, 0), ev);
    r = poll(&pf, 1, 0);
    printf("poll inner: %d revents=%#x\n", r, pf.revents);
    ev_show("inner", epoll_wait(inner, ev, 4, 0), ev);
    char c;
    read(p[0], &c, 1);
    ev_show("outer after drain", epoll_wait(outer, ev, 4, 0), ev);

    pid_t pid = write_later(p[1], "b", 50);
    ev_show("outer blocking", epoll_wait(outer, ev, 4, 5000), ev);
    waitpid(pid, NULL, 0);
    read(p[0], &c, 1);

    ev_result("inner watches outer (loop)", ev_add(inner, outer, EPOLLIN, 3));
    ev_result("epoll watches itself", ev_add(outer, outer, EPOLLIN, 4));
    int third = epoll_create1(0);
    ev_result("third watches outer", ev_add(third, outer, EPOLLIN, 5));
    ev_result("inner watches third (loop)", ev_add(inner, third, EPOLLIN, 6));
    ev_result("EXCLUSIVE on an epoll", ev_add(third, inner, EPOLLIN | EPOLLEXCLUSIVE, 7));

    /* closing the inner epoll drops it from the outer one */
    close(inner);
    write(p[1], "c", 1);
    ev_show("outer after inner closed", epoll_wait(outer, ev, 4, 0), ev);
    return 0;
}
