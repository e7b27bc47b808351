// signalfd: reading blocked pending signals as signalfd_siginfo (kill, sigqueue, tgkill,
// SIGCHLD), several per read, EAGAIN when none, EINVAL for small buffers, updating the mask
// of an existing signalfd, poll/epoll readiness, a blocking read woken by another process,
// error rules.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "ev_common.h"

static void show(const struct signalfd_siginfo *si, pid_t me)
{
    printf("  signo=%u code=%d pid_ok=%d uid=%u int=%d ptr=%llx status=%d\n", si->ssi_signo, si->ssi_code,
           si->ssi_pid == (uint32_t)me, si->ssi_uid, si->ssi_int, (unsigned long long)(si->ssi_ptr & 0xffffffffULL),
           si->ssi_status);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    printf("sizeof=%zu offsets: pid=%zu int=%zu ptr=%zu utime=%zu addr=%zu\n", sizeof(struct signalfd_siginfo),
           offsetof(struct signalfd_siginfo, ssi_pid), offsetof(struct signalfd_siginfo, ssi_int),
           offsetof(struct signalfd_siginfo, ssi_ptr), offsetof(struct signalfd_siginfo, ssi_utime),
           offsetof(struct signalfd_siginfo, ssi_addr));
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGUSR1);
    sigaddset(&mask, SIGRTMIN + 1);
    sigaddset(&mask, SIGCHLD);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    int fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
    sigset_t also;
    sigemptyset(&also);
    sigaddset(&also, SIGUSR2);
    sigprocmask(SIG_BLOCK, &also, NULL);
    ev_describe_fd(fd);

    struct signalfd_siginfo si[4];
    ev_result("read nothing pending", read(fd, si, sizeof si));
    struct pollfd pf = { fd, POLLIN, 0 };
    int r = poll(&pf, 1, 0);
    printf("poll: %d %#x\n", r, pf.revents);

    pid_t me = getpid();
    kill(me, SIGUSR1);
    r = poll(&pf, 1, 0);
    printf("poll after kill: %d %#x\n", r, pf.revents);
    union sigval val = { .sival_int = 1234 };
    sigqueue(me, SIGRTMIN + 1, val);
    val.sival_int = 5678;
    sigqueue(me, SIGRTMIN + 1, val);
    syscall(SYS_tgkill, me, me, SIGUSR2);  /* not in the mask: stays pending */
    ssize_t n = read(fd, si, sizeof si);
    printf("read %zd bytes (%zd records)\n", n, n / (ssize_t)sizeof si[0]);
    for (int i = 0; i < n / (ssize_t)sizeof si[0]; i++)
        show(&si[i], me);
    sigset_t pend;
    sigpending(&pend);
    printf("SIGUSR2 still pending: %d, SIGUSR1: %d\n", sigismember(&pend, SIGUSR2), sigismember(&pend, SIGUSR1));
    sigset_t u2;
    sigemptyset(&u2);
    sigaddset(&u2, SIGUSR2);
    int sig;
    sigwait(&u2, &sig);

    ev_result("small buffer", read(fd, si, sizeof si[0] - 1));
    syscall(SYS_tgkill, me, me, SIGUSR1);
    n = read(fd, si, sizeof si[0] + 10);
    printf("one record: %zd\n", n);
    show(&si[0], me);

    /* SIGCHLD with status */
    pid_t pid = fork();
    if (pid == 0)
        _exit(7);
    int ep = epoll_create1(0);
    struct epoll_event e = { .events = EPOLLIN, .data.u64 = 1 }, out[1];
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
    r = epoll_wait(ep, out, 1, 5000);
    printf("epoll: %d\n", r);
    n = read(fd, si, sizeof si);
    printf("sigchld: %zd signo=%u code=%d pid_ok=%d status=%d\n", n, si[0].ssi_signo, si[0].ssi_code,
           si[0].ssi_pid == (uint32_t)pid, si[0].ssi_status);
    waitpid(pid, NULL, 0);

    /* change the mask of the existing fd, blocking read woken by another process */
    sigset_t only2;
    sigemptyset(&only2);
    sigaddset(&only2, SIGUSR2);
    ev_result("update mask", signalfd(fd, &only2, 0));
    int fl = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    pid = fork();
    if (pid == 0) {
        usleep(50000);
        kill(getppid(), SIGUSR2);
        _exit(0);
    }
    n = read(fd, si, sizeof si);
    printf("blocking read: %zd signo=%u code=%d\n", n, si[0].ssi_signo, si[0].ssi_code);
    waitpid(pid, NULL, 0);

    /* errors */
    ev_result("bad sizemask", syscall(SYS_signalfd4, -1, &mask, 4, 0));
    ev_result("bad flags", signalfd(-1, &mask, 0x10));
    ev_result("bad fd", signalfd(77, &mask, 0));
    ev_result("not a signalfd", signalfd(ep, &mask, 0));
    ev_result("NULL mask", syscall(SYS_signalfd4, -1, NULL, 8, 0));
    ev_result("lseek", lseek(fd, 0, SEEK_SET));
    ev_result("write", write(fd, si, sizeof si[0]));
    return 0;
}
