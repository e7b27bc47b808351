// Memory protection faults: writing a PROT_READ page, reading PROT_NONE, executing a
// non-executable page, touching unmapped / munmapped memory and NULL all raise SIGSEGV
// with the exact si_addr and SEGV_ACCERR / SEGV_MAPERR; siglongjmp leaves the handler;
// mprotect back to writable works; a child without a handler dies of SIGSEGV.
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "sig_util.h"

static sigjmp_buf env;
static volatile int got_sig, got_code;
static void *volatile got_addr;

static void on_fault(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    got_sig = sig;
    got_code = si->si_code;
    got_addr = si->si_addr;
    siglongjmp(env, 1);
}

static const char *code_name(int c)
{
    return c == SEGV_ACCERR ? "SEGV_ACCERR" : c == SEGV_MAPERR ? "SEGV_MAPERR" : c == SI_KERNEL ? "SI_KERNEL" : "other";
}

enum op { READ, WRITE, EXEC };

static void attempt(const char *what, volatile char *addr, enum op op)
{
    got_sig = 0;
    got_addr = NULL;
    if (sigsetjmp(env, 1) == 0) {
        if (op == READ)
            (void)*addr;
        else if (op == WRITE)
            *addr = 1;
        else
            ((void (*)(void))addr)();
        printf("%s: no fault\n", what);
        return;
    }
    printf("%s: %s %s si_addr exact: %s\n", what, sigabbrev_np(got_sig), code_name(got_code),
           got_addr == (void *)addr ? "yes" : "no");
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    set_siginfo_handler(SIGSEGV, on_fault);

    char *p = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    p[0] = 'a';
    p[4096 + 7] = 'b';
    printf("mprotect PROT_READ: %d\n", mprotect(p, 2 * 4096, PROT_READ));
    attempt("write to PROT_READ page (touched)", p + 123, WRITE);
    attempt("write to PROT_READ page (second)", p + 4096 + 7, WRITE);
    attempt("read from PROT_READ page", p + 123, READ);
    printf("value kept: %s\n", p[0] == 'a' && p[4096 + 7] == 'b' ? "yes" : "no");
    attempt("write to the still-writable third page", p + 2 * 4096, WRITE);

    printf("mprotect PROT_NONE: %d\n", mprotect(p, 4096, PROT_NONE));
    attempt("read from PROT_NONE page", p + 5, READ);
    attempt("write to PROT_NONE page", p + 6, WRITE);
    printf("mprotect back to RW: %d\n", mprotect(p, 2 * 4096, PROT_READ | PROT_WRITE));
    attempt("write after restoring RW", p + 9, WRITE);
    printf("data survived protection changes: %s\n", p[0] == 'a' && p[9] == 1 ? "yes" : "no");

    /* a page of code with only read permission cannot be executed */
    unsigned char *code = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    code[0] = 0xc3;  /* ret */
    mprotect(code, 4096, PROT_READ | PROT_EXEC);
    attempt("call into PROT_READ|PROT_EXEC page", (char *)code, EXEC);
    mprotect(code, 4096, PROT_READ);
    attempt("call into PROT_READ page", (char *)code, EXEC);
    munmap(code, 4096);

    /* unmapped memory */
    printf("munmap middle page: %d\n", munmap(p + 4096, 4096));
    attempt("read from munmapped page", p + 4096 + 100, READ);
    attempt("write to munmapped page", p + 4096 + 100, WRITE);
    attempt("write to neighbour below", p + 4095, WRITE);
    attempt("write to neighbour above", p + 2 * 4096, WRITE);
    munmap(p, 4 * 4096);
    attempt("read after munmap of everything", p, READ);
    attempt("read from NULL", (char *)0, READ);
    attempt("write to address 0x1000", (char *)0x1000, WRITE);
    attempt("read a kernel-half address", (char *)0xffff800000000000UL, READ);
    /* non-canonical: a general protection fault, reported with si_addr 0 */
    got_addr = (void *)1;
    if (sigsetjmp(env, 1) == 0)
        (void)*(volatile char *)0x0000900000000000UL;
    printf("read a non-canonical address: %s %s si_addr is 0: %s\n", sigabbrev_np(got_sig), code_name(got_code),
           got_addr == NULL ? "yes" : "no");

    /* handler reinstalled each time: faults repeat reliably */
    char *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    int n = 0;
    for (int i = 0; i < 20; i++) {
        if (sigsetjmp(env, 1) == 0)
            ro[i] = 1;
        else
            n++;
    }
    printf("20 faults caught in a row: %d\n", n);
    sigset_t cur;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    printf("SIGSEGV unblocked after siglongjmp: %s\n", sigismember(&cur, SIGSEGV) ? "no" : "yes");

    /* mprotect errors */
    errno = 0;
    int r = mprotect(ro + 1, 4096, PROT_READ);
    printf("mprotect unaligned: %d %s\n", r, strerrorname_np(errno));
    errno = 0;
    r = mprotect((void *)0x10000, 4096, PROT_READ);
    printf("mprotect unmapped range: %d %s\n", r, strerrorname_np(errno));

    /* without a handler the child dies */
    pid_t pid = fork();
    if (pid == 0) {
        signal(SIGSEGV, SIG_DFL);
        ro[0] = 1;
        _exit(0);
    }
    int st;
    waitpid(pid, &st, 0);
    printf("child without handler: signaled=%d sig=%s\n", WIFSIGNALED(st), sigabbrev_np(WTERMSIG(st)));

    /* a fault while SIGSEGV is blocked still kills */
    pid = fork();
    if (pid == 0) {
        sigset_t s;
        sigemptyset(&s);
        sigaddset(&s, SIGSEGV);
        sigprocmask(SIG_BLOCK, &s, NULL);
        ro[0] = 1;
        _exit(0);
    }
    waitpid(pid, &st, 0);
    printf("child with SIGSEGV blocked: signaled=%d sig=%s\n", WIFSIGNALED(st), sigabbrev_np(WTERMSIG(st)));
    return 0;
}
