// epoll on pipe ends as peers close: IN|HUP with data left, HUP alone when empty, ERR on
// a write end without readers; a blocked epoll_wait fails with EINTR when a handler runs
// (even with SA_RESTART); epoll_pwait's mask lets a blocked signal in for the wait only.
#define _GNU_SOURCE
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include "ev_common.h"
#include "child_util.h"

static volatile sig_atomic_t got;
static void handler(int sig) { got = sig; }

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    struct epoll_event ev[4];
    int p[2];
    int ep = ev_pipe(p, EPOLLIN | EPOLLRDHUP, 1);
    write(p[1], "x", 1);
    close(p[1]);
    ev_show("data then writer gone", epoll_wait(ep, ev, 4, 0), ev);
    char c;
    read(p[0], &c, 1);
    ev_show("drained", epoll_wait(ep, ev, 4, 0), ev);
    ev_add(ep, p[0], EPOLLOUT, 2);  /* EEXIST: same fd and file */

    int q[2];
    pipe(q);
    ev_add(ep, q[1], EPOLLOUT, 3);
    close(q[0]);
    epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL);
    ev_show("reader gone", epoll_wait(ep, ev, 4, 0), ev);
    epoll_ctl(ep, EPOLL_CTL_DEL, q[1], NULL);
    ev_mod(ep, q[1], 0, 4);

    /* blocked wait interrupted by a handler: EINTR despite SA_RESTART */
    struct sigaction sa = { .sa_handler = handler, .sa_flags = SA_RESTART };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);
    int r[2];
    pipe(r);
    ev_add(ep, r[0], EPOLLIN, 5);
    pid_t pid = signal_parent_later(SIGUSR1, 50);
    ev_show("interrupted wait", epoll_wait(ep, ev, 4, 5000), ev);
    printf("handler ran: %d\n", got == SIGUSR1);
    waitpid(pid, NULL, 0);

    /* epoll_pwait: SIGUSR1 blocked normally, allowed during the wait */
    sigset_t block, during, now;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigprocmask(SIG_BLOCK, &block, NULL);
    sigemptyset(&during);
    got = 0;
    pid = signal_parent_later(SIGUSR1, 50);
    ev_show("pwait", epoll_pwait(ep, ev, 4, 5000, &during), ev);
    printf("handler ran: %d\n", got == SIGUSR1);
    sigprocmask(SIG_BLOCK, NULL, &now);
    printf("mask restored: %d\n", sigismember(&now, SIGUSR1));
    waitpid(pid, NULL, 0);

    /* a child's write wakes a blocked wait */
    pid = write_later(r[1], "z", 30);
    ev_show("woken by child", epoll_wait(ep, ev, 4, 5000), ev);
    waitpid(pid, NULL, 0);
    return 0;
}
