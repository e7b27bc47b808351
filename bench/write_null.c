// Benchmark: write one byte to /dev/null (fd lookup + device write path).
// usage: write_null N   prints "write_null N SECONDS"
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "bench_clock.h"

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 100000;
    int fd = open("/dev/null", O_WRONLY);
    if (fd < 0)
        return 1;
    struct timespec start = bench_start();
    for (long i = 0; i < n; i++)
        if (write(fd, "x", 1) != 1)
            return 2;
    double seconds = bench_seconds_since(start);
    bench_report("write_null", n, seconds);
    return 0;
}
