/* Helpers shared by the thr_* tests: the raw futex(2) call, a result printed as its value
 * or errno's name, counting this process's threads, and running a group of threads. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static inline long futex(uint32_t *uaddr, int op, uint32_t val, const void *timeout, uint32_t *uaddr2,
                         uint32_t val3) {
    return syscall(SYS_futex, uaddr, op, val, timeout, uaddr2, val3);
}

/* a system call's result: the value when >= 0, else errno's name (in a static buffer) */
static inline const char *res(long rc) {
    static char buf[32];
    if (rc < 0)
        return strerrorname_np(errno);
    snprintf(buf, sizeof buf, "%ld", rc);
    return buf;
}

/* the Threads: line of /proc/self/status, -1 if unreadable */
static inline int count_threads(void) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    int n = -1;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "Threads:", 8) == 0)
            n = atoi(line + 8);
    if (f)
        fclose(f);
    return n;
}

/* run fn((void *)0) .. fn((void *)(n - 1)) in n threads (n <= 64) and join them all */
static inline void run_threads(int n, void *(*fn)(void *)) {
    pthread_t t[64];
    for (long i = 0; i < n; i++)
        pthread_create(&t[i], NULL, fn, (void *)i);
    for (int i = 0; i < n; i++)
        pthread_join(t[i], NULL);
}
