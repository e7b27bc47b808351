// Benchmark: the cheapest system call, getppid() issued with syscall() (no libc caching).
// usage: null_syscall N   prints "null_syscall N SECONDS"
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bench_clock.h"

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 100000;
    struct timespec start = bench_start();
    for (long i = 0; i < n; i++)
        syscall(SYS_getppid);
    double seconds = bench_seconds_since(start);
    bench_report("null_syscall", n, seconds);
    return 0;
}
