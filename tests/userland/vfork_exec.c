// vfork: the parent is suspended until the child execs or exits, the child shares the
// parent's memory until then; vfork+execve and vfork+failed exec; posix_spawn (clone with
// CLONE_VM|CLONE_VFORK inside glibc); a raw clone(SIGCHLD) behaves like fork.
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile int shared_var;

static int status_of(pid_t pid)
{
    int st;
    if (waitpid(pid, &st, 0) != pid)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 1000 + WTERMSIG(st);
}

static int vm_child(void *arg)
{
    (void)arg;
    shared_var = 21;
    return 9;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc > 1 && strcmp(argv[1], "--hello") == 0) {
        printf("  exec'd child says hello, argc=%d arg=%s\n", argc, argv[2]);
        return 12;
    }

    shared_var = 1;
    pid_t pid = vfork();
    if (pid == 0) {
        struct timespec ts = { 0, 50 * 1000 * 1000 };
        nanosleep(&ts, NULL);
        shared_var = 2;   /* visible to the parent: same memory */
        _exit(7);
    }
    int seen = shared_var;
    printf("parent resumed after the child finished (sees its write): %s\n", seen == 2 ? "yes" : "no");
    printf("vfork child exit: %d\n", status_of(pid));

    pid = vfork();
    if (pid == 0) {
        char *args[] = { argv[0], "--hello", "vfork", NULL };
        execve(argv[0], args, environ);
        _exit(127);
    }
    printf("vfork+exec child exit: %d\n", status_of(pid));

    pid = vfork();
    if (pid == 0) {
        char *args[] = { "/nonexistent", NULL };
        execve(args[0], args, environ);
        _exit(errno == ENOENT ? 126 : 125);
    }
    printf("vfork+failed exec child exit: %d\n", status_of(pid));

    /* the vfork child gets its own fd table and pid */
    pid_t parent = getpid();
    int fds[2];
    pipe(fds);
    volatile int child_saw_parent = 0;
    pid = vfork();
    if (pid == 0) {
        child_saw_parent = getppid() == parent && getpid() != parent;
        close(fds[0]);   /* closes only the child's copy */
        _exit(0);
    }
    status_of(pid);
    printf("vfork child has its own pid and the right ppid: %s\n", child_saw_parent ? "yes" : "no");
    printf("child's close did not close the parent's fd: %s\n", write(fds[1], "x", 1) == 1 ? "yes" : "no");
    close(fds[0]);
    close(fds[1]);

    /* posix_spawn */
    char *sh[] = { "sh", "-c", "echo spawned shell; exit 3", NULL };
    int r = posix_spawn(&pid, "/bin/sh", NULL, NULL, sh, environ);
    printf("posix_spawn: %d, exit %d\n", r, status_of(pid));
    char *missing[] = { "missing", NULL };
    r = posix_spawn(&pid, "/nonexistent/prog", NULL, NULL, missing, environ);
    printf("posix_spawn of a missing program: %s\n", r ? strerrorname_np(r) : "0");
    if (r == 0)
        status_of(pid);

    /* raw clone with only the exit signal: a plain fork */
    shared_var = 10;
    long c = syscall(SYS_clone, SIGCHLD, 0, NULL, NULL, 0);
    if (c == 0) {
        shared_var = 11;
        _exit(shared_var);
    }
    printf("clone(SIGCHLD) child exit: %d, parent copy untouched: %s\n", status_of((pid_t)c),
           shared_var == 10 ? "yes" : "no");

    /* clone with CLONE_VM|CLONE_VFORK and a separate stack */
    char *stack = malloc(65536);
    shared_var = 20;
    c = clone(vm_child, stack + 65536, CLONE_VM | CLONE_VFORK | SIGCHLD, NULL);
    printf("clone(CLONE_VM|CLONE_VFORK) child exit: %d, write shared: %s\n", status_of((pid_t)c),
           shared_var == 21 ? "yes" : "no");
    free(stack);
    return 0;
}
