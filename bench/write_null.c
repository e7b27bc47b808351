// Benchmark: write one byte to /dev/null (fd lookup + device write path).
// usage: write_null N   prints "write_null N SECONDS"
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 100000;
    int fd = open("/dev/null", O_WRONLY);
    if (fd < 0)
        return 1;
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (long i = 0; i < n; i++)
        if (write(fd, "x", 1) != 1)
            return 2;
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("write_null %ld %.9f\n", n, (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9);
    return 0;
}
