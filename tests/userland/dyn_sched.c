// The sched_* calls glibc and interpreters use: affinity (pin to the CPU we run on),
// policies and priorities, rr interval; plus getcpu, getrusage and times.
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <unistd.h>

static void check(const char *what, int ok) { printf("%s: %s\n", what, ok ? "yes" : "no"); }

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    cpu_set_t set;
    CPU_ZERO(&set);
    check("sched_getaffinity", sched_getaffinity(0, sizeof set, &set) == 0);
    check("at least one CPU", CPU_COUNT(&set) >= 1);
    long n = syscall(SYS_sched_getaffinity, 0, sizeof set, &set);
    check("raw call returns the mask size", n >= 8 && n % 8 == 0 && n <= (long)sizeof set);
    errno = 0;
    check("a 4-byte mask is EINVAL", syscall(SYS_sched_getaffinity, 0, 4, &set) == -1 && errno == EINVAL);
    unsigned cpu = 1000;
    check("getcpu", syscall(SYS_getcpu, &cpu, NULL, NULL) == 0 && cpu < 1000);
    int here = sched_getcpu();
    CPU_ZERO(&set);
    CPU_SET(here, &set);
    check("pin to the current CPU", sched_setaffinity(0, sizeof set, &set) == 0);
    CPU_ZERO(&set);
    sched_getaffinity(0, sizeof set, &set);
    check("now exactly that CPU", CPU_COUNT(&set) == 1 && CPU_ISSET(here, &set));
    CPU_ZERO(&set);
    errno = 0;
    check("empty mask is EINVAL", sched_setaffinity(0, sizeof set, &set) == -1 && errno == EINVAL);
    errno = 0;
    check("no such pid is ESRCH", sched_getaffinity(0x3ffffff0, sizeof set, &set) == -1 && errno == ESRCH);

    check("policy is SCHED_OTHER", sched_getscheduler(0) == SCHED_OTHER);
    struct sched_param sp = {.sched_priority = 5};
    check("sched_getparam", sched_getparam(0, &sp) == 0 && sp.sched_priority == 0);
    printf("FIFO %d..%d RR %d..%d OTHER %d..%d BATCH %d..%d IDLE %d..%d\n",
           sched_get_priority_min(SCHED_FIFO), sched_get_priority_max(SCHED_FIFO),
           sched_get_priority_min(SCHED_RR), sched_get_priority_max(SCHED_RR),
           sched_get_priority_min(SCHED_OTHER), sched_get_priority_max(SCHED_OTHER),
           sched_get_priority_min(SCHED_BATCH), sched_get_priority_max(SCHED_BATCH),
           sched_get_priority_min(SCHED_IDLE), sched_get_priority_max(SCHED_IDLE));
    errno = 0;
    check("unknown policy is EINVAL", sched_get_priority_max(42) == -1 && errno == EINVAL);
    sp.sched_priority = 0;
    check("set SCHED_BATCH", sched_setscheduler(0, SCHED_BATCH, &sp) == 0);
    check("reads back SCHED_BATCH", sched_getscheduler(0) == SCHED_BATCH);
    check("sched_setparam keeps the policy", sched_setparam(0, &sp) == 0 && sched_getscheduler(0) == SCHED_BATCH);
    check("set SCHED_IDLE", sched_setscheduler(0, SCHED_IDLE, &sp) == 0 && sched_getscheduler(0) == SCHED_IDLE);
    check("back to SCHED_OTHER", sched_setscheduler(0, SCHED_OTHER, &sp) == 0 && sched_getscheduler(0) == 0);
    sp.sched_priority = 1;
    errno = 0;
    check("SCHED_OTHER with priority 1 is EINVAL", sched_setscheduler(0, SCHED_OTHER, &sp) == -1 && errno == EINVAL);
    sp.sched_priority = 0;
    errno = 0;
    check("SCHED_FIFO with priority 0 is EINVAL", sched_setscheduler(0, SCHED_FIFO, &sp) == -1 && errno == EINVAL);
    errno = 0;
    check("bad policy is EINVAL", sched_setscheduler(0, 42, &sp) == -1 && errno == EINVAL);
    errno = 0;
    check("negative pid is EINVAL", sched_getscheduler(-1) == -1 && errno == EINVAL);
    errno = 0;
    check("NULL param is EINVAL", syscall(SYS_sched_getparam, 0, NULL) == -1 && errno == EINVAL);
    struct timespec ts = {-1, -1};
    check("sched_rr_get_interval", sched_rr_get_interval(0, &ts) == 0 && ts.tv_sec >= 0 && ts.tv_nsec >= 0);
    check("sched_yield", sched_yield() == 0);

    struct rusage ru;
    check("getrusage self", getrusage(RUSAGE_SELF, &ru) == 0 && ru.ru_utime.tv_usec < 1000000);
    check("getrusage children", getrusage(RUSAGE_CHILDREN, &ru) == 0);
    errno = 0;
    check("getrusage bad who is EINVAL", getrusage(5, &ru) == -1 && errno == EINVAL);
    pid_t pid = fork();
    if (pid == 0) {
        volatile unsigned long x = 0;
        for (unsigned long i = 0; i < 50000000UL; i++)
            x += i;
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    getrusage(RUSAGE_CHILDREN, &ru);
    check("children's CPU time counted", ru.ru_utime.tv_sec > 0 || ru.ru_utime.tv_usec > 0);
    struct tms t;
    clock_t now = times(&t);
    check("times", now != (clock_t)-1 && t.tms_cutime + t.tms_cstime > 0);
    return 0;
}
