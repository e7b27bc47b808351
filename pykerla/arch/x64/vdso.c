/*
 * The pykerla vDSO (see man 7 vdso): clock_gettime, gettimeofday, time, clock_getres and
 * getcpu without a trap into the kernel.
 *
 * The kernel (pykerla/timekeeping.py) keeps its clocks as straight lines of the CPU's
 * time-stamp counter and publishes them in the read-only [vvar] page mapped just below
 * this image:
 *
 *     value(clock) = base_ns[clock] + ((tsc - tsc_base) * mult[clock]) >> shift
 *
 * A clock with mult == 0 (the _COARSE ones) is its base, the value at the kernel's last
 * update. The page is rewritten only while no user code runs (single vCPU), but a task
 * can be preempted in the middle of a read: the sequence count changes on every update,
 * and a reader retries when it saw it change. Clocks outside clock_mask, and every clock
 * when mode is not VVAR_MODE_TSC, are served by the real system call.
 *
 * The layout of struct vvar is mirrored by VVAR in pykerla/timekeeping.py.
 */

#include <stdint.h>

#define VVAR_MODE_TSC 0
#define NCLOCKS 16
#define NSEC_PER_SEC 1000000000LL

#define NR_gettimeofday 96
#define NR_time 201
#define NR_clock_gettime 228
#define NR_clock_getres 229

struct vvar {
    volatile uint32_t seq;
    uint32_t mode;
    uint64_t tsc_base;
    uint32_t shift;
    uint32_t clock_mask;
    int64_t coarse_res_ns;
    struct {
        int64_t base_ns;
        uint64_t mult;
    } clock[NCLOCKS];
};

struct timespec_abi { int64_t tv_sec; int64_t tv_nsec; };
struct timeval_abi { int64_t tv_sec; int64_t tv_usec; };
struct timezone_abi { int32_t tz_minuteswest; int32_t tz_dsttime; };

/* Defined by vdso.lds: the page just below the image. The kernel rewrites it between any
 * two instructions of ours, so every access goes through a volatile pointer. */
extern struct vvar vvar_page __attribute__((visibility("hidden")));

static long syscall2(long nr, long a, long b)
{
    long ret;
    __asm__ volatile ("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b) : "rcx", "r11", "memory");
    return ret;
}

static inline uint64_t read_tsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile ("lfence; rdtsc" : "=a"(lo), "=d"(hi) :: "memory");
    return ((uint64_t)hi << 32) | lo;
}

/* The clock's value in ns, or -1 when the system call must answer. */
static int64_t clock_ns(unsigned int clock)
{
    const volatile struct vvar *v = &vvar_page;
    if (v->mode != VVAR_MODE_TSC || clock >= NCLOCKS || !(v->clock_mask & (1u << clock)))
        return -1;
    for (;;) {
        uint32_t seq = v->seq;
        uint64_t tsc = read_tsc();
        uint64_t base_tsc = v->tsc_base;
        int64_t ns = v->clock[clock].base_ns;
        uint64_t mult = v->clock[clock].mult;
        uint32_t shift = v->shift;
        if (seq & 1 || seq != v->seq)
            continue;
        uint64_t delta = tsc > base_tsc ? tsc - base_tsc : 0;
        return ns + (int64_t)(((unsigned __int128)delta * mult) >> shift);
    }
}

int __vdso_clock_gettime(int clock, struct timespec_abi *ts)
{
    int64_t ns = clock_ns((unsigned int)clock);
    if (ns < 0)
        return (int)syscall2(NR_clock_gettime, clock, (long)ts);
    ts->tv_sec = ns / NSEC_PER_SEC;
    ts->tv_nsec = ns % NSEC_PER_SEC;
    return 0;
}

int __vdso_gettimeofday(struct timeval_abi *tv, struct timezone_abi *tz)
{
    int64_t ns = clock_ns(0);
    if (ns < 0)
        return (int)syscall2(NR_gettimeofday, (long)tv, (long)tz);
    if (tv) {
        tv->tv_sec = ns / NSEC_PER_SEC;
        tv->tv_usec = ns % NSEC_PER_SEC / 1000;
    }
    if (tz) {
        tz->tz_minuteswest = 0;
        tz->tz_dsttime = 0;
    }
    return 0;
}

int64_t __vdso_time(int64_t *t)
{
    int64_t ns = clock_ns(0);
    if (ns < 0)
        return syscall2(NR_time, (long)t, 0);
    int64_t sec = ns / NSEC_PER_SEC;
    if (t)
        *t = sec;
    return sec;
}

int __vdso_clock_getres(int clock, struct timespec_abi *res)
{
    const volatile struct vvar *v = &vvar_page;
    unsigned int c = (unsigned int)clock;
    if (v->mode != VVAR_MODE_TSC || c >= NCLOCKS || !(v->clock_mask & (1u << c)))
        return (int)syscall2(NR_clock_getres, clock, (long)res);
    if (res) {
        res->tv_sec = 0;
        res->tv_nsec = v->clock[c].mult ? 1 : v->coarse_res_ns;
    }
    return 0;
}

int __vdso_getcpu(unsigned int *cpu, unsigned int *node, void *unused)
{
    (void)unused;
    if (cpu)
        *cpu = 0;
    if (node)
        *node = 0;
    return 0;
}

int clock_gettime(int, struct timespec_abi *) __attribute__((weak, alias("__vdso_clock_gettime")));
int gettimeofday(struct timeval_abi *, struct timezone_abi *) __attribute__((weak, alias("__vdso_gettimeofday")));
int64_t time(int64_t *) __attribute__((weak, alias("__vdso_time")));
int clock_getres(int, struct timespec_abi *) __attribute__((weak, alias("__vdso_clock_getres")));
int getcpu(unsigned int *, unsigned int *, void *) __attribute__((weak, alias("__vdso_getcpu")));

/* The Linux version note older glibc reads (6.1.0, as uname -r reports). */
__asm__ (".pushsection .note.Linux, \"a\", @note\n"
         ".balign 4\n"
         ".long 6, 4, 0\n"
         ".asciz \"Linux\"\n"
         ".balign 4\n"
         ".long 0x060100\n"
         ".popsection\n");
