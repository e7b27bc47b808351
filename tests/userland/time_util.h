/* Absolute deadlines for the tests of timed waits: deadline_in(clock, ns) is the clock's
 * current time plus ns nanoseconds (ns < 1 s), normalised. */
#include <time.h>

static inline struct timespec deadline_in(clockid_t clock, long ns)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    ts.tv_nsec += ns;
    if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000;
    }
    return ts;
}
