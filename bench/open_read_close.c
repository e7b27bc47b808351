// Benchmark: open + read 100 bytes + close of a small file under /tmp (path walk, open
// file creation, fd table).
// usage: open_read_close N   prints "open_read_close N SECONDS"
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (long i = 0; i < n; i++) {
        fd = open(path, O_RDONLY);
        if (fd < 0 || read(fd, buf, sizeof buf) != sizeof buf)
            return 2;
        close(fd);
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    unlink(path);
    printf("open_read_close %ld %.9f\n", n, (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9);
    return 0;
}
