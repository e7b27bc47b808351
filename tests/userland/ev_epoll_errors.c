// epoll error rules: create, ctl (EBADF, EINVAL, EPERM for regular files and directories,
// EEXIST, ENOENT, EFAULT, EXCLUSIVE rules), wait (maxevents, EFAULT, not an epoll, bad
// sigset size, invalid timespec), lseek.
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "ev_common.h"

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    struct epoll_event ev[2];
    ev_result("epoll_create(0)", epoll_create(0));
    ev_result("epoll_create(-1)", epoll_create(-1));
    ev_result("epoll_create1(1)", epoll_create1(1));
    int ep = epoll_create1(0);
    int p[2];
    pipe(p);
    int reg = open("/tmp/ev_epoll_errors.tmp", O_CREAT | O_RDWR | O_TRUNC, 0600);
    int dir = open("/tmp", O_RDONLY | O_DIRECTORY);
    struct epoll_event e = { .events = EPOLLIN };
    ev_result("ctl bad epfd", epoll_ctl(99, EPOLL_CTL_ADD, p[0], &e));
    ev_result("ctl bad fd", epoll_ctl(ep, EPOLL_CTL_ADD, 99, &e));
    ev_result("ctl epfd not epoll", epoll_ctl(p[1], EPOLL_CTL_ADD, p[0], &e));
    ev_result("ctl regular file", epoll_ctl(ep, EPOLL_CTL_ADD, reg, &e));
    ev_result("ctl directory", epoll_ctl(ep, EPOLL_CTL_ADD, dir, &e));
    ev_result("ctl bad op", epoll_ctl(ep, 7, p[0], &e));
    ev_result("ctl NULL event", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], NULL));
    ev_result("ctl MOD missing", epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &e));
    ev_result("ctl DEL missing", epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL));
    ev_result("ctl ADD", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &e));
    ev_result("ctl ADD twice", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &e));
    int d = dup(p[0]);
    ev_result("ctl ADD dup of same file", epoll_ctl(ep, EPOLL_CTL_ADD, d, &e));
    e.events = EPOLLIN | EPOLLEXCLUSIVE;
    ev_result("ctl MOD EXCLUSIVE", epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &e));
    ev_result("ctl ADD EXCLUSIVE", epoll_ctl(ep, EPOLL_CTL_ADD, p[1], &e));
    e.events = EPOLLIN;
    ev_result("ctl MOD after EXCLUSIVE", epoll_ctl(ep, EPOLL_CTL_MOD, p[1], &e));
    int p2[2];
    pipe(p2);
    e.events = EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT;
    ev_result("ctl EXCLUSIVE|ONESHOT", epoll_ctl(ep, EPOLL_CTL_ADD, p2[0], &e));
    e.events = EPOLLIN | EPOLLEXCLUSIVE | EPOLLRDHUP;
    ev_result("ctl EXCLUSIVE|RDHUP", epoll_ctl(ep, EPOLL_CTL_ADD, p2[0], &e));
    e.events = EPOLLIN | EPOLLRDHUP;
    ev_result("ctl RDHUP accepted", epoll_ctl(ep, EPOLL_CTL_ADD, p2[0], &e));

    ev_result("wait maxevents 0", epoll_wait(ep, ev, 0, 0));
    volatile int negative = -1;
    ev_result("wait maxevents -1", epoll_wait(ep, ev, negative, 0));
    ev_result("wait NULL events", epoll_wait(ep, NULL, 2, 0));
    ev_result("wait kernel address", epoll_wait(ep, (void *)0xffff800000000000UL, 2, 0));
    ev_result("wait not epoll", epoll_wait(p[0], ev, 2, 0));
    ev_result("wait bad fd", epoll_wait(77, ev, 2, 0));
    sigset_t set;
    sigemptyset(&set);
    ev_result("pwait bad sigsetsize",
              (int)syscall(SYS_epoll_pwait, ep, ev, 2, 0, &set, 4));
    ev_result("pwait NULL mask, any size", (int)syscall(SYS_epoll_pwait, ep, ev, 2, 0, NULL, 4));
    struct timespec bad = { 0, 1000000000 };
    ev_result("pwait2 bad timespec", (int)syscall(SYS_epoll_pwait2, ep, ev, 2, &bad, NULL, 8));
    struct timespec zero = { 0, 0 };
    ev_result("pwait2 zero timeout", (int)syscall(SYS_epoll_pwait2, ep, ev, 2, &zero, NULL, 8));
    ev_result("lseek on epoll", (int)lseek(ep, 0, SEEK_CUR));
    char b[8];
    ev_result("read on epoll", (int)read(ep, b, 8));
    ev_result("write on epoll", (int)write(ep, b, 8));
    unlink("/tmp/ev_epoll_errors.tmp");
    return 0;
}
