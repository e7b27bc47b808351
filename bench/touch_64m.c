// Benchmark: map 64 MiB of anonymous memory, write one byte in each of its 16384 pages,
// unmap; one op is the whole 64 MiB (demand paging throughput).
// usage: touch_64m N   prints "touch_64m N SECONDS"
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "bench_clock.h"

#define SIZE (64UL << 20)

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 3;
    struct timespec start = bench_start();
    for (long i = 0; i < n; i++) {
        volatile char *p = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            return 1;
        for (unsigned long off = 0; off < SIZE; off += 4096)
            p[off] = (char)off;
        munmap((void *)p, SIZE);
    }
    double seconds = bench_seconds_since(start);
    bench_report("touch_64m", n, seconds);
    return 0;
}
