// Benchmark: open + read 100 bytes + close of a small file under /tmp (path walk, open
// file creation, fd table).
// usage: open_read_close N   prints "open_read_close N SECONDS"
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_clock.h"

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 10000;
    char path[64], buf[100];
    snprintf(path, sizeof path, "/tmp/bench_orc.%d", getpid());
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    memset(buf, 'r', sizeof buf);
    if (fd < 0 || write(fd, buf, sizeof buf) != sizeof buf)
        return 1;
    close(fd);
    struct timespec start = bench_start();
    for (long i = 0; i < n; i++) {
        fd = open(path, O_RDONLY);
        if (fd < 0 || read(fd, buf, sizeof buf) != sizeof buf)
            return 2;
        close(fd);
    }
    double seconds = bench_seconds_since(start);
    unlink(path);
    bench_report("open_read_close", n, seconds);
    return 0;
}
