// EFD_SEMAPHORE: each read returns 1 and decrements; a writer blocked at the limit waits
// for a reader; eventfd_read/eventfd_write wrappers.
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    int fd = eventfd(3, EFD_SEMAPHORE | EFD_NONBLOCK);
    uint64_t v;
    for (int i = 0; i < 4; i++) {
        ssize_t n = read(fd, &v, 8);
        if (n < 0)
            printf("read %d: %s\n", i, strerror(errno));
        else
            printf("read %d: %llu\n", i, (unsigned long long)v);
    }
    int b = eventfd(0, EFD_SEMAPHORE);
    v = UINT64_MAX - 1;
    write(b, &v, 8);
    pid_t pid = fork();
    if (pid == 0) {
        uint64_t one = 1;
        ssize_t n = write(b, &one, 8);  /* blocks until the parent reads */
        _exit(n == 8 ? 0 : 1);
    }
    usleep(50000);
    read(b, &v, 8);
    printf("parent read: %llu\n", (unsigned long long)v);
    int status;
    waitpid(pid, &status, 0);
    printf("child's blocked write completed: %d\n", WIFEXITED(status) && WEXITSTATUS(status) == 0);
    printf("eventfd_write 0: %d\n", eventfd_write(b, 0));
    eventfd_t got = 0;
    int r = eventfd_read(b, &got);
    printf("eventfd_read: %d %llu\n", r, (unsigned long long)got);
    close(b);
    close(fd);
    return 0;
}
