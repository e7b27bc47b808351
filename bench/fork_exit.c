// Benchmark: fork + _exit in the child + waitpid in the parent (address-space copy,
// task creation and teardown, one wakeup).
// usage: fork_exit N   prints "fork_exit N SECONDS"
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_clock.h"

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 1000;
    struct timespec start = bench_start();
    for (long i = 0; i < n; i++) {
        pid_t pid = fork();
        if (pid < 0)
            return 1;
        if (pid == 0)
            _exit(0);
        if (waitpid(pid, NULL, 0) != pid)
            return 2;
    }
    double seconds = bench_seconds_since(start);
    bench_report("fork_exit", n, seconds);
    return 0;
}
