// sigaltstack + SA_ONSTACK: the handler runs on the alternate stack and sigaltstack reports
// SS_ONSTACK there (0 outside); changing it while on it is EPERM; a too small stack is ENOMEM;
// bad flags EINVAL; SS_DISABLE; SS_AUTODISARM; a handler without SA_ONSTACK stays on the normal
// stack; a stack overflow's SIGSEGV can be handled on the alternate stack.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

#ifndef SS_AUTODISARM
#define SS_AUTODISARM (1U << 31)
#endif
#define ALT_SIZE (64 * 1024)
static char *alt;
static volatile int on_alt, reported_flags, eperm, uc_flags, uc_sp_ok, try_change = 1;

static void handler(int sig, siginfo_t *si, void *ctx)
{
    (void)sig;
    (void)si;
    char local;
    ucontext_t *uc = ctx;
    on_alt = (uintptr_t)&local >= (uintptr_t)alt && (uintptr_t)&local < (uintptr_t)alt + ALT_SIZE;
    stack_t cur;
    sigaltstack(NULL, &cur);
    reported_flags = cur.ss_flags;
    stack_t other = { .ss_sp = alt, .ss_size = ALT_SIZE, .ss_flags = 0 };
    eperm = try_change && sigaltstack(&other, NULL) == -1 && errno == EPERM;
    uc_flags = uc->uc_stack.ss_flags;
    uc_sp_ok = uc->uc_stack.ss_sp == alt && uc->uc_stack.ss_size == ALT_SIZE;
}

static void install(int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO | flags;
    sigaction(SIGUSR1, &sa, NULL);
}

static void segv_on_alt(int sig)
{
    char local;
    int ok = (uintptr_t)&local >= (uintptr_t)alt && (uintptr_t)&local < (uintptr_t)alt + ALT_SIZE;
    (void)sig;
    _exit(ok ? 42 : 1);
}

static int recurse(int n)
{
    volatile char buf[4096];
    buf[0] = (char)n;
    return recurse(n + 1) + buf[0];
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    alt = malloc(ALT_SIZE);
    stack_t ss, old;
    sigaltstack(NULL, &old);
    printf("initial: flags=%d size=%zu\n", old.ss_flags, old.ss_size);

    ss.ss_sp = alt;
    ss.ss_size = 1024;
    ss.ss_flags = 0;
    printf("too small: %d %s\n", sigaltstack(&ss, NULL), strerrorname_np(errno));
    ss.ss_size = ALT_SIZE;
    ss.ss_flags = 4;
    printf("bad flags: %d %s\n", sigaltstack(&ss, NULL), strerrorname_np(errno));
    ss.ss_flags = 0;
    printf("set: %d\n", sigaltstack(&ss, NULL));
    sigaltstack(NULL, &old);
    printf("query: flags=%d same_sp=%d size_ok=%d\n", old.ss_flags, old.ss_sp == alt, old.ss_size == ALT_SIZE);

    install(SA_ONSTACK);
    raise(SIGUSR1);
    printf("SA_ONSTACK: on_alt=%d reported=%d eperm=%d uc_flags=%d uc_sp_ok=%d\n", on_alt, reported_flags,
           eperm, uc_flags, uc_sp_ok);

    install(0);
    raise(SIGUSR1);
    printf("no SA_ONSTACK: on_alt=%d reported=%d eperm=%d\n", on_alt, reported_flags, eperm);

    ss.ss_flags = SS_AUTODISARM;
    printf("autodisarm set: %d\n", sigaltstack(&ss, NULL));
    sigaltstack(NULL, &old);
    printf("autodisarm query: flags=%#x\n", old.ss_flags);
    install(SA_ONSTACK);
    try_change = 0;
    raise(SIGUSR1);
    try_change = 1;
    printf("autodisarm: on_alt=%d reported=%d eperm=%d uc_flags=%#x\n", on_alt, reported_flags, eperm, uc_flags);
    sigaltstack(NULL, &old);
    printf("autodisarm after: flags=%#x\n", old.ss_flags);

    ss.ss_flags = SS_DISABLE;
    printf("disable: %d\n", sigaltstack(&ss, NULL));
    sigaltstack(NULL, &old);
    printf("disabled query: flags=%d size=%zu\n", old.ss_flags, old.ss_size);
    raise(SIGUSR1);
    printf("disabled, SA_ONSTACK: on_alt=%d reported=%d\n", on_alt, reported_flags);

    pid_t pid = fork();
    if (pid == 0) {
        struct rlimit rl = { 1 << 20, 1 << 20 };
        setrlimit(RLIMIT_STACK, &rl);
        ss.ss_flags = 0;
        sigaltstack(&ss, NULL);
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = segv_on_alt;
        sa.sa_flags = SA_ONSTACK;
        sigaction(SIGSEGV, &sa, NULL);
        return recurse(0);
    }
    int st;
    waitpid(pid, &st, 0);
    printf("stack overflow handled on altstack: exit=%d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st));
    return 0;
}
