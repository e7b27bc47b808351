// Benchmark: pure user-mode computation (integer hashing mixed with floating point), no
// system calls; one op is a fixed block of work. Under KVM this should run at native speed.
// usage: compute N   prints "compute N SECONDS"
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench_clock.h"

static volatile double sink;

static double block(uint64_t seed)
{
    uint64_t x = seed | 1;
    double acc = 0.0;
    for (int i = 0; i < 10000000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        double d = (double)(x & 0xffff) / 65536.0;
        acc = acc * 0.999 + d * d - d / (1.0 + d);
    }
    return acc + (double)(x & 1);
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 100;
    struct timespec start = bench_start();
    for (long i = 0; i < n; i++)
        sink += block((uint64_t)i);
    double seconds = bench_seconds_since(start);
    bench_report("compute", n, seconds);
    return 0;
}
