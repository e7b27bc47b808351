// Benchmark: fork + execve of a tiny static program + waitpid (ELF loading, exec
// teardown of the copied address space).
// usage: fork_exec N [PROGRAM]   prints "fork_exec N SECONDS"; PROGRAM defaults to /bench/true
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_clock.h"

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 100;
    char *prog = argc > 2 ? argv[2] : "/bench/true";
    char *args[] = { prog, NULL };
    char *env[] = { NULL };
    struct timespec start = bench_start();
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
    double seconds = bench_seconds_since(start);
    bench_report("fork_exec", n, seconds);
    return 0;
}
