// Raw clone/clone3: argument checks (size, unknown trailing bytes, exit signal, flag
// combinations, stack, set_tid), a fork-like clone3 with PARENT_SETTID/CHILD_SETTID, and
// CLONE_CLEAR_SIGHAND (handlers reset, ignored signals stay ignored).
#define _GNU_SOURCE
#include <errno.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "thr_util.h"

static long clone3(struct clone_args *args, size_t size) {
    return syscall(SYS_clone3, args, size);
}

static void handler(int signo) { (void)signo; }

static void try(const char *what, struct clone_args *args, size_t size) {
    long rc = clone3(args, size);
    if (rc == 0)
        _exit(0);
    if (rc > 0)
        waitpid((pid_t)rc, NULL, __WALL);
    printf("%s: %s\n", what, rc > 0 ? "created" : res(rc));
}

int main(void) {
    struct {
        struct clone_args args;
        uint64_t extra[4];
    } big;
    struct clone_args a;

    memset(&a, 0, sizeof a);
    a.exit_signal = SIGCHLD;
    try("size 63", &a, 63);
    memset(&big, 0, sizeof big);
    big.args.exit_signal = SIGCHLD;
    big.extra[1] = 1;
    try("size 120, nonzero tail", &big.args, sizeof big);
    try("size 8192", &big.args, 8192);
    a.exit_signal = 65;
    try("exit_signal 65", &a, sizeof a);
    a.exit_signal = SIGCHLD;
    a.flags = SIGCHLD;
    try("signal in flags", &a, sizeof a);
    a.flags = CLONE_THREAD | CLONE_SIGHAND | CLONE_VM;
    try("thread with exit_signal", &a, sizeof a);
    a.flags = CLONE_SIGHAND | CLONE_CLEAR_SIGHAND | CLONE_VM;
    try("sighand + clear_sighand", &a, sizeof a);
    a.flags = CLONE_SIGHAND;
    try("sighand without vm", &a, sizeof a);
    a.flags = 0;
    a.stack = (uint64_t)(uintptr_t)&big;
    try("stack without size", &a, sizeof a);
    a.stack = 0;
    a.set_tid_size = 1;
    try("set_tid_size without set_tid", &a, sizeof a);
    pid_t mine = getpid();
    a.set_tid = (uint64_t)(uintptr_t)&mine;
    try("set_tid of a live pid", &a, sizeof a);
    a.set_tid_size = 2;
    try("set_tid two levels", &a, sizeof a);
    a.set_tid = 0;
    a.set_tid_size = 0;
    printf("legacy clone thread without sighand: %s\n",
           res(syscall(SYS_clone, CLONE_THREAD | CLONE_VM | SIGCHLD, 0, NULL, NULL, 0)));

    pid_t parent_tid = 0, child_tid = 0;
    memset(&a, 0, sizeof a);
    a.flags = CLONE_PARENT_SETTID | CLONE_CHILD_SETTID;
    a.parent_tid = (uint64_t)(uintptr_t)&parent_tid;
    a.child_tid = (uint64_t)(uintptr_t)&child_tid;
    a.exit_signal = SIGCHLD;
    fflush(stdout);
    long pid = clone3(&a, sizeof a);
    if (pid == 0)
        _exit(child_tid == getpid() ? 4 : 5);
    int status;
    waitpid((pid_t)pid, &status, 0);
    printf("fork-like clone3: parent_tid ok %d, child saw its tid: %d\n", parent_tid == pid, WEXITSTATUS(status));

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sigaction(SIGUSR1, &sa, NULL);
    signal(SIGUSR2, SIG_IGN);
    memset(&a, 0, sizeof a);
    a.flags = CLONE_CLEAR_SIGHAND;
    a.exit_signal = SIGCHLD;
    fflush(stdout);
    pid = clone3(&a, sizeof a);
    if (pid == 0) {
        struct sigaction cur1, cur2;
        sigaction(SIGUSR1, NULL, &cur1);
        sigaction(SIGUSR2, NULL, &cur2);
        _exit((cur1.sa_handler == SIG_DFL ? 1 : 0) | (cur2.sa_handler == SIG_IGN ? 2 : 0));
    }
    waitpid((pid_t)pid, &status, 0);
    printf("clear_sighand: child bits %d (3 = handler reset, ignore kept)\n", WEXITSTATUS(status));
    return 0;
}
