/* Memory protection keys, which V8 probes at start-up, as x86 Linux has them without
 * OSPKE (pykerla never enables it): the first valid pkey_alloc of an address space is
 * EINVAL and later ones ENOSPC (see syscalls/pkeys.py), bad arguments EINVAL, pkey_free
 * EINVAL, and pkey_mprotect is mprotect for key -1 and EINVAL for other keys once
 * mprotect's own checks pass. On a CPU with PKU the native kernel can allocate keys, so
 * the test then only says so. */
#define _GNU_SOURCE
#include <cpuid.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "rc_util.h"

static void rc(const char *what, long r) { print_rc(0, 1, what, r); }

static sigjmp_buf jump;
static void on_segv(int sig) { siglongjmp(jump, sig); }

static int writable(volatile char *p)
{
    if (sigsetjmp(jump, 1))
        return 0;
    *p = 1;
    return 1;
}

int main(int argc, char **argv)
{
    unsigned a, b, c, d;
    if (__get_cpuid_count(7, 0, &a, &b, &c, &d) && (c & (1u << 3))) {
        printf("cpu has PKU: not compared\n");
        return 0;
    }
    if (argc > 1) {          /* a new address space starts with an empty key map again */
        rc("after execve: pkey_alloc(0, 0)", syscall(SYS_pkey_alloc, 0, 0));
        rc("after execve: pkey_alloc(0, 0)", syscall(SYS_pkey_alloc, 0, 0));
        return 0;
    }
    signal(SIGSEGV, on_segv);
    rc("pkey_alloc(0, 0)", syscall(SYS_pkey_alloc, 0, 0));
    rc("pkey_alloc(0, PKEY_DISABLE_ACCESS)", syscall(SYS_pkey_alloc, 0, PKEY_DISABLE_ACCESS));
    rc("pkey_alloc(0, PKEY_DISABLE_WRITE)", syscall(SYS_pkey_alloc, 0, PKEY_DISABLE_WRITE));
    rc("pkey_alloc(1, 0)", syscall(SYS_pkey_alloc, 1, 0));
    rc("pkey_alloc(0, 4)", syscall(SYS_pkey_alloc, 0, 4));
    rc("pkey_free(1)", syscall(SYS_pkey_free, 1));
    rc("pkey_free(-1)", syscall(SYS_pkey_free, -1));

    char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    rc("pkey_mprotect(-1, RO)", syscall(SYS_pkey_mprotect, p, 4096, PROT_READ, -1));
    printf("first page writable: %d, second: %d\n", writable(p), writable(p + 4096));
    rc("pkey_mprotect(-1, RW)", syscall(SYS_pkey_mprotect, p, 4096, PROT_READ | PROT_WRITE, -1));
    printf("first page writable: %d\n", writable(p));
    rc("pkey_mprotect(1, RO)", syscall(SYS_pkey_mprotect, p, 4096, PROT_READ, 1));
    rc("pkey_mprotect(0, RO)", syscall(SYS_pkey_mprotect, p, 4096, PROT_READ, 0));
    printf("first page writable: %d\n", writable(p));
    rc("pkey_mprotect(1, length 0)", syscall(SYS_pkey_mprotect, p, 0, PROT_READ, 1));
    rc("pkey_mprotect(1, unaligned)", syscall(SYS_pkey_mprotect, p + 1, 4096, PROT_READ, 1));
    rc("pkey_mprotect(1, bad prot)", syscall(SYS_pkey_mprotect, p, 4096, 0x100, 1));
    rc("pkey_mprotect(1, wrapping length)", syscall(SYS_pkey_mprotect, p, -4096L, PROT_READ, 1));
    rc("pkey_mprotect(-1, unmapped)", syscall(SYS_pkey_mprotect, p + (1L << 40), 4096, PROT_READ, -1));
    fflush(stdout);
    execl("/proc/self/exe", argv[0], "again", (char *)NULL);
    perror("execl");
    return 1;
}
