// Benchmark: clock_gettime(CLOCK_MONOTONIC) through glibc, which uses the vDSO when the
// kernel maps one (no trap) and the system call otherwise.
// usage: clock_gettime N   prints "clock_gettime N SECONDS"
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench_clock.h"

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 100000;
    struct timespec t, start = bench_start();
    for (long i = 0; i < n; i++)
        clock_gettime(CLOCK_MONOTONIC, &t);
    double seconds = bench_seconds_since(start);
    bench_report("clock_gettime", n, seconds);
    return 0;
}
