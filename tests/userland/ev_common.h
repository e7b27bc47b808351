/* Helpers shared by the ev_* epoll tests: print epoll_wait results and errno outcomes. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>

static inline void ev_show(const char *what, int n, const struct epoll_event *ev)
{
    printf("%s: %d", what, n);
    if (n < 0)
        printf(" (%s)", strerror(errno));
    for (int i = 0; i < n; i++) {
        printf(" [%llu:", (unsigned long long)ev[i].data.u64);
        if (ev[i].events & EPOLLIN) printf("IN");
        if (ev[i].events & EPOLLOUT) printf("OUT");
        if (ev[i].events & EPOLLHUP) printf("HUP");
        if (ev[i].events & EPOLLERR) printf("ERR");
        if (ev[i].events & EPOLLRDHUP) printf("RDHUP");
        printf("]");
    }
    printf("\n");
}

static inline void ev_result(const char *what, int r)
{
    if (r < 0)
        printf("%s: -1 %s\n", what, strerror(errno));
    else
        printf("%s: %d\n", what, r);
}

static inline int ev_add(int ep, int fd, uint32_t events, uint64_t data)
{
    struct epoll_event e = { .events = events, .data.u64 = data };
    return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
}

static inline int ev_mod(int ep, int fd, uint32_t events, uint64_t data)
{
    struct epoll_event e = { .events = events, .data.u64 = data };
    return epoll_ctl(ep, EPOLL_CTL_MOD, fd, &e);
}
