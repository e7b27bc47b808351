// Benchmark: fork + execve of a tiny static program + waitpid (ELF loading, exec
// teardown of the copied address space).
// usage: fork_exec N [PROGRAM]   prints "fork_exec N SECONDS"; PROGRAM defaults to /bench/true
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 100;
    char *prog = argc > 2 ? argv[2] : "/bench/true";
    char *args[] = { prog, NULL };
    char *env[] = { NULL };
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (long i = 0; i < n; i++) {
        pid_t pid = fork();
        if (pid < 0)
            return 1;
        if (pid == 0) {
            execve(prog, args, env);
            _exit(127);
        }
        int st;
        if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
            return 2;
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("fork_exec %ld %.9f\n", n, (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9);
    return 0;
}
