// cflags: -pthread
// Shared futexes between processes: a MAP_SHARED|MAP_ANONYMOUS page inherited by fork, and
// a file page mapped separately (at different addresses) by two processes, meet on the same
// futex; FUTEX_PRIVATE_FLAG ops do not reach the other process; MAP_PRIVATE pages do not
// share futexes after fork.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "thr_util.h"

/* Tasks waiting on a shared futex word, counted without waking them. */
static long queued(uint32_t *w) {
    return futex(w, FUTEX_CMP_REQUEUE, 0, (void *)(long)INT_MAX, w, *w);
}

static void await_waiters(uint32_t *w, long n) {
    for (int i = 0; i < 3000 && queued(w) < n; i++)
        usleep(1000);
}

static int child_status(pid_t pid) {
    int status;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 100 + WTERMSIG(status);
}

static void anonymous_shared(void) {
    uint32_t *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    uint32_t *word = page + 10;
    *word = 0;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        long rc = futex(word, FUTEX_WAIT, 0, NULL, NULL, 0);
        _exit(rc == 0 && *word == 1 ? 0 : 1);
    }
    await_waiters(word, 1);
    printf("anonymous shared: waiters seen by parent: %ld\n", queued(word));
    printf("private wake from parent: %ld\n", futex(word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0));
    *word = 1;
    printf("shared wake from parent: %ld\n", futex(word, FUTEX_WAKE, 1, NULL, NULL, 0));
    printf("child: %d\n", child_status(pid));
    munmap(page, 4096);
}

static void file_shared(void) {
    int fd = open("/tmp/thr_futex_shared.dat", O_RDWR | O_CREAT | O_TRUNC, 0600);
    ftruncate(fd, 8192);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        int cfd = open("/tmp/thr_futex_shared.dat", O_RDWR);
        char *map = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, cfd, 0);
        uint32_t *word = (uint32_t *)(map + 4096 + 64);
        long rc = futex(word, FUTEX_WAIT_BITSET, 0, NULL, NULL, FUTEX_BITSET_MATCH_ANY);
        _exit(rc == 0 && *word == 42 ? 0 : 1);
    }
    char *pad = mmap(NULL, 4096 * 3, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 4096);  /* second page only */
    uint32_t *word = (uint32_t *)(map + 64);
    await_waiters(word, 1);
    printf("file shared: waiters seen by parent: %ld\n", queued(word));
    *word = 42;
    printf("wake_bitset from parent: %ld\n", futex(word, FUTEX_WAKE_BITSET, 1, NULL, NULL, FUTEX_BITSET_MATCH_ANY));
    printf("child: %d\n", child_status(pid));
    munmap(map, 4096);
    munmap(pad, 4096 * 3);
    close(fd);
    unlink("/tmp/thr_futex_shared.dat");
}

static void private_after_fork(void) {
    static uint32_t word;
    word = 0;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        struct timespec t = {0, 50 * 1000 * 1000};
        long rc = futex(&word, FUTEX_WAIT, 0, &t, NULL, 0);
        _exit(rc == -1 && errno == ETIMEDOUT ? 0 : 1);
    }
    usleep(10000);
    printf("private page: parent wake reaches: %ld\n", futex(&word, FUTEX_WAKE, 1, NULL, NULL, 0));
    printf("child timed out: %s\n", child_status(pid) == 0 ? "yes" : "no");
}

static void many_processes(void) {
    uint32_t *word = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    pid_t pids[4];
    fflush(stdout);
    for (int i = 0; i < 4; i++) {
        pids[i] = fork();
        if (pids[i] == 0) {
            while (*word == 0)
                futex(word, FUTEX_WAIT, 0, NULL, NULL, 0);
            _exit(i);
        }
    }
    await_waiters(word, 4);
    *word = 1;
    printf("wake all processes: %ld\n", futex(word, FUTEX_WAKE, INT_MAX, NULL, NULL, 0));
    int sum = 0;
    for (int i = 0; i < 4; i++)
        sum += child_status(pids[i]);
    printf("children exit sum: %d\n", sum);
}

int main(void) {
    anonymous_shared();
    file_shared();
    private_after_fork();
    many_processes();
    return 0;
}
