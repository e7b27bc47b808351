// Bad user pointers make system calls fail with EFAULT (never crash the process or the
// kernel): NULL, low, kernel-half and unmapped addresses as buffers, paths and structs;
// buffers that become invalid half way give a short count.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "rc_util.h"

static void rc(const char *what, long r) { print_rc(48, 1, what, r); }

#define BAD1 ((void *)1)
#define KERN ((void *)0xffff800000001000UL)

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    char tmp[64];
    snprintf(tmp, sizeof tmp, "/tmp/efault.%d", getpid());
    int fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC, 0600);
    static char data[8192];
    memset(data, 'd', sizeof data);
    write(fd, data, sizeof data);
    lseek(fd, 0, SEEK_SET);
    int zero = open("/dev/zero", O_RDONLY);
    void *hole = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(hole, 4096);

    rc("write(1, (void*)1, 10)", syscall(SYS_write, 1, BAD1, 10));
    rc("write(1, kernel address, 10)", syscall(SYS_write, 1, KERN, 10));
    rc("write(1, unmapped page, 10)", syscall(SYS_write, 1, hole, 10));
    rc("write(1, NULL, 0)", syscall(SYS_write, 1, NULL, 0));
    rc("read(file, NULL, 10)", syscall(SYS_read, fd, NULL, 10));
    rc("file offset unchanged after the failed read", lseek(fd, 0, SEEK_CUR));
    rc("read(/dev/zero, NULL, 10)", syscall(SYS_read, zero, NULL, 10));
    rc("read(/dev/zero, kernel address, 10)", syscall(SYS_read, zero, KERN, 10));
    rc("read into read-only memory", syscall(SYS_read, zero, (void *)"constant string", 4));
    rc("pread(file, unmapped, 10, 0)", syscall(SYS_pread64, fd, hole, 10, 0));
    rc("stat(bad path)", syscall(SYS_stat, BAD1, data));
    rc("stat(good path, bad buffer)", syscall(SYS_stat, "/", BAD1));
    rc("fstat(fd, NULL)", syscall(SYS_fstat, fd, NULL));
    rc("lstat(kernel address path)", syscall(SYS_lstat, KERN, data));
    rc("open(bad path)", syscall(SYS_open, BAD1, O_RDONLY));
    rc("openat(NULL path)", syscall(SYS_openat, AT_FDCWD, NULL, O_RDONLY));
    rc("mkdir(bad path)", syscall(SYS_mkdir, BAD1, 0755));
    rc("unlink(unmapped path)", syscall(SYS_unlink, hole));
    rc("chdir(bad path)", syscall(SYS_chdir, BAD1));
    rc("execve(bad path)", syscall(SYS_execve, BAD1, NULL, NULL));
    char *argv_bad[] = { "x", BAD1, NULL };
    rc("execve(good path, bad argv element)", syscall(SYS_execve, "/bin/sh", argv_bad, NULL));
    rc("execve(good path, bad argv array)", syscall(SYS_execve, "/bin/sh", BAD1, NULL));
    rc("pipe(bad)", syscall(SYS_pipe, BAD1));
    rc("pipe2(NULL, 0)", syscall(SYS_pipe2, NULL, 0));
    rc("getcwd(bad, 100)", syscall(SYS_getcwd, BAD1, 100));
    rc("uname(bad)", syscall(SYS_uname, BAD1));
    rc("clock_gettime(MONOTONIC, bad)", syscall(SYS_clock_gettime, CLOCK_MONOTONIC, BAD1));
    rc("nanosleep(bad, NULL)", syscall(SYS_nanosleep, BAD1, NULL));
    rc("rt_sigaction(SIGUSR1, bad, NULL)", syscall(SYS_rt_sigaction, SIGUSR1, BAD1, NULL, 8));
    rc("rt_sigaction(SIGUSR1, NULL, bad)", syscall(SYS_rt_sigaction, SIGUSR1, NULL, BAD1, 8));
    rc("rt_sigprocmask(SIG_BLOCK, bad)", syscall(SYS_rt_sigprocmask, SIG_BLOCK, BAD1, NULL, 8));
    rc("getrandom(NULL, 16)", syscall(SYS_getrandom, NULL, 16, 0));
    rc("poll(bad, 1, 0)", syscall(SYS_poll, BAD1, 1, 0));
    rc("select(1, bad, ...)", syscall(SYS_select, 1, BAD1, NULL, NULL, NULL));
    rc("readlink(bad path)", syscall(SYS_readlink, BAD1, data, 10));
    char lnk[80];
    snprintf(lnk, sizeof lnk, "%s.link", tmp);
    symlink("target", lnk);
    rc("readlink(good, bad buffer)", syscall(SYS_readlink, lnk, BAD1, 10));
    unlink(lnk);
    rc("wait4 with no children, bad status", syscall(SYS_wait4, -1, BAD1, 0, NULL));
    int dfd = open("/", O_RDONLY | O_DIRECTORY);
    rc("getdents64(dir, bad)", syscall(SYS_getdents64, dfd, BAD1, 4096));
    close(dfd);
    struct iovec { void *base; size_t len; } iov[2] = { { data, 4 }, { BAD1, 4 } };
    rc("writev with one bad iovec to a file", syscall(SYS_writev, fd, iov, 2));
    rc("writev with a bad iovec array", syscall(SYS_writev, fd, BAD1, 2));

    /* a buffer whose second page is unmapped: the copy stops at the hole */
    char *two = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(two, 'p', 8192);
    munmap(two + 4096, 4096);
    lseek(fd, 0, SEEK_SET);
    rc("write of 8192 bytes, second page unmapped", syscall(SYS_write, fd, two, 8192));
    rc("file offset advanced by the short write", lseek(fd, 0, SEEK_CUR));
    rc("read of 8192 bytes, second page unmapped", syscall(SYS_read, zero, two, 8192));
    rc("write starting in the hole", syscall(SYS_write, fd, two + 4096, 100));

    printf("process still alive: yes\n");
    close(fd);
    unlink(tmp);
    return 0;
}
