// Real-time signals queue (each with its sigqueue value, FIFO per signal), standard signals
// coalesce, and a set of pending signals is delivered lowest number first.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int order_sig[64], order_val[64], order_code[64];
static volatile int n;

static void handler(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    order_sig[n] = sig;
    order_val[n] = si->si_value.sival_int;
    order_code[n] = si->si_code;
    n++;
}

static const char *name(int sig)
{
    static char buf[32];
    if (sig >= SIGRTMIN)
        snprintf(buf, sizeof buf, "RTMIN+%d", sig - SIGRTMIN);
    else
        snprintf(buf, sizeof buf, "%s", sigabbrev_np(sig));
    return buf;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    int sigs[] = { SIGUSR1, SIGUSR2, SIGRTMIN, SIGRTMIN + 1, SIGRTMIN + 5 };
    sigset_t set;
    sigemptyset(&set);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO;
    for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        sigaddset(&set, sigs[i]);
        sigaction(sigs[i], &sa, NULL);
    }
    sigprocmask(SIG_BLOCK, &set, NULL);

    union sigval v;
    int plan[][2] = {
        { SIGRTMIN + 5, 1 }, { SIGRTMIN + 1, 2 }, { SIGUSR2, 3 }, { SIGRTMIN, 4 }, { SIGRTMIN + 1, 5 },
        { SIGUSR2, 6 }, { SIGRTMIN, 7 }, { SIGRTMIN + 5, 8 }, { SIGUSR1, 9 }, { SIGRTMIN, 10 },
    };
    for (unsigned i = 0; i < sizeof plan / sizeof plan[0]; i++) {
        v.sival_int = plan[i][1];
        if (sigqueue(getpid(), plan[i][0], v) != 0)
            printf("sigqueue failed: %s\n", strerrorname_np(errno));
    }
    sigset_t pend;
    sigpending(&pend);
    printf("pending:");
    for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        printf(" %s=%d", name(sigs[i]), sigismember(&pend, sigs[i]));
    printf("\n");

    sigprocmask(SIG_UNBLOCK, &set, NULL);
    for (int i = 0; i < n; i++)
        printf("delivered %d: %s value=%d code=%s\n", i, name(order_sig[i]), order_val[i],
               order_code[i] == SI_QUEUE ? "SI_QUEUE" : "other");

    /* sigwaitinfo takes queued real-time signals one by one with their values */
    sigprocmask(SIG_BLOCK, &set, NULL);
    for (int i = 0; i < 3; i++) {
        v.sival_int = 100 + i;
        sigqueue(getpid(), SIGRTMIN + 1, v);
    }
    for (int i = 0; i < 3; i++) {
        siginfo_t si;
        int s = sigwaitinfo(&set, &si);
        printf("waited: %s value=%d pid_ok=%d\n", name(s), si.si_value.sival_int, si.si_pid == getpid());
    }

    /* from a child: si_pid / si_uid / value arrive */
    pid_t pid = fork();
    if (pid == 0) {
        v.sival_int = 77;
        sigqueue(getppid(), SIGRTMIN, v);
        _exit(0);
    }
    siginfo_t si;
    int s = sigwaitinfo(&set, &si);
    printf("from child: %s value=%d pid_ok=%d uid_ok=%d code=%d\n", name(s), si.si_value.sival_int,
           si.si_pid == pid, si.si_uid == getuid(), si.si_code);
    waitpid(pid, NULL, 0);

    /* rt_sigqueueinfo with a kernel si_code to another process is refused */
    pid = fork();
    if (pid == 0) {
        pause();
        _exit(0);
    }
    siginfo_t fake;
    memset(&fake, 0, sizeof fake);
    fake.si_signo = SIGUSR1;
    fake.si_code = SI_USER;
    long r = syscall(129, pid, SIGUSR1, &fake);
    printf("fake SI_USER to other: %ld %s\n", r, strerrorname_np(errno));
    r = syscall(129, getpid(), SIGUSR1, &fake);
    printf("fake SI_USER to self: %ld\n", r);
    s = sigwaitinfo(&set, &si);
    printf("self got: %s code=%d\n", name(s), si.si_code);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    return 0;
}
