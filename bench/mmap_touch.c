// Benchmark: mmap 4 KiB anonymous, write to it (one page fault), munmap.
// usage: mmap_touch N   prints "mmap_touch N SECONDS"
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "bench_clock.h"

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 10000;
    struct timespec start = bench_start();
    for (long i = 0; i < n; i++) {
        volatile char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            return 1;
        p[0] = 1;
        munmap((void *)p, 4096);
    }
    double seconds = bench_seconds_since(start);
    bench_report("mmap_touch", n, seconds);
    return 0;
}
