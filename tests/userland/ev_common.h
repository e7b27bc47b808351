/* Helpers shared by the ev_* tests: print epoll_wait results, errno outcomes and an event
 * fd's flags and name; add/modify epoll interests. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

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

static inline void ev_result(const char *what, long r)
{
    if (r < 0)
        printf("%s: -1 %s\n", what, strerror(errno));
    else
        printf("%s: %ld\n", what, r);
}

/* print whether fd is close-on-exec and non-blocking, and its /proc/self/fd link */
static inline void ev_describe_fd(int fd)
{
    printf("cloexec=%d nonblock=%d\n", (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0,
           (fcntl(fd, F_GETFL) & O_NONBLOCK) != 0);
    char link[64] = {0}, path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    readlink(path, link, sizeof link - 1);
    printf("link: %s\n", link);
}

static inline int ev_add(int ep, int fd, uint32_t events, uint64_t data)
{
    struct epoll_event e = { .events = events, .data.u64 = data };
    return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
}

/* a new epoll instance watching p[0], the read end of a new pipe p, for `events` */
static inline int ev_pipe(int p[2], uint32_t events, uint64_t data)
{
    int ep = epoll_create1(0);
    pipe(p);
    ev_add(ep, p[0], events, data);
    return ep;
}

static inline int ev_mod(int ep, int fd, uint32_t events, uint64_t data)
{
    struct epoll_event e = { .events = events, .data.u64 = data };
    return epoll_ctl(ep, EPOLL_CTL_MOD, fd, &e);
}
