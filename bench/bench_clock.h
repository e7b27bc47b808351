/* The timing every benchmark program shares: start the clock, read the seconds since, and
 * print the one result line bench/run.py parses, "NAME N SECONDS". */
#include <stdio.h>
#include <time.h>

static struct timespec bench_start(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t;
}

static double bench_seconds_since(struct timespec start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - start.tv_sec) + (now.tv_nsec - start.tv_nsec) / 1e9;
}

static void bench_report(const char *name, long n, double seconds)
{
    printf("%s %ld %.9f\n", name, n, seconds);
}
