/* Signal helpers shared by the sig_*, siginfo, waitid, mprotect_segv and thread tests:
 * installing a SA_SIGINFO handler, building a signal set from a list, and naming the
 * si_code of a SIGCHLD (CLD_*). */
#define _GNU_SOURCE
#include <signal.h>
#include <stdarg.h>
#include <string.h>

/* install fn as sig's handler with SA_SIGINFO (no other flags, empty sa_mask) */
static inline void set_siginfo_handler(int sig, void (*fn)(int, siginfo_t *, void *))
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = fn;
    sa.sa_flags = SA_SIGINFO;
    sigaction(sig, &sa, NULL);
}

/* the set of the signals listed, the list ended by 0 */
static inline sigset_t sig_set(int sig, ...)
{
    sigset_t set;
    sigemptyset(&set);
    va_list ap;
    va_start(ap, sig);
    for (; sig; sig = va_arg(ap, int))
        sigaddset(&set, sig);
    va_end(ap);
    return set;
}

/* the name of a SIGCHLD si_code */
static inline const char *cld_name(int code)
{
    switch (code) {
    case CLD_EXITED: return "CLD_EXITED";
    case CLD_KILLED: return "CLD_KILLED";
    case CLD_DUMPED: return "CLD_DUMPED";
    case CLD_STOPPED: return "CLD_STOPPED";
    case CLD_CONTINUED: return "CLD_CONTINUED";
    default: return "other";
    }
}
