// getrusage's ru_maxrss: the peak resident set in KiB, for the process itself
// (RUSAGE_SELF), for waited-for children (RUSAGE_CHILDREN) and through wait4's rusage.
// The values depend on the machine, so only relations are printed; a child's peak is exact
// once it has exited.
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

/* touch every page through a volatile pointer, so the compiler cannot drop the memory */
static void touch(size_t size, char value)
{
    volatile char *p = malloc(size);
    for (size_t i = 0; i < size; i += 4096)
        p[i] = value;
}

static long maxrss(int who)
{
    struct rusage ru;
    getrusage(who, &ru);
    return ru.ru_maxrss;
}

int main(void)
{
    long before = maxrss(RUSAGE_SELF);
    printf("self peak positive: %s\n", before > 0 ? "yes" : "no");
    touch(64 << 20, 1);
    long after = maxrss(RUSAGE_SELF);
    /* Linux folds a live process's per-CPU page counters lazily, so how much its own peak
     * grew is not reliable while it runs; only that the peak never shrinks */
    printf("self peak kept: %s\n", after >= before ? "yes" : "no");

    pid_t pid = fork();
    if (pid == 0) {
        touch(96 << 20, 2);
        _exit(0);
    }
    int status;
    struct rusage ru;
    wait4(pid, &status, 0, &ru);
    printf("child exited %d; wait4 maxrss past 72 MiB: %s\n", WEXITSTATUS(status),
           ru.ru_maxrss >= 72 * 1024 ? "yes" : "no");
    printf("children peak past 72 MiB: %s\n", maxrss(RUSAGE_CHILDREN) >= 72 * 1024 ? "yes" : "no");
    return 0;
}
