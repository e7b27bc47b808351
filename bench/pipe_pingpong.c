// Benchmark: one byte bounced between two processes over two pipes; one op is a round
// trip (two writes, two blocking reads, two context switches).
// usage: pipe_pingpong N   prints "pipe_pingpong N SECONDS"
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_clock.h"

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 10000;
    int ping[2], pong[2];
    if (pipe(ping) < 0 || pipe(pong) < 0)
        return 1;
    pid_t pid = fork();
    if (pid == 0) {
        close(ping[1]);
        close(pong[0]);
        char c;
        while (read(ping[0], &c, 1) == 1)
            if (write(pong[1], &c, 1) != 1)
                _exit(1);
        _exit(0);
    }
    close(ping[0]);
    close(pong[1]);
    struct timespec start = bench_start();
    char c = 'p';
    for (long i = 0; i < n; i++)
        if (write(ping[1], &c, 1) != 1 || read(pong[0], &c, 1) != 1)
            return 2;
    double seconds = bench_seconds_since(start);
    close(ping[1]);
    waitpid(pid, NULL, 0);
    bench_report("pipe_pingpong", n, seconds);
    return 0;
}
