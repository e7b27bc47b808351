// The program break: brk(0) reports it, growing makes zeroed writable memory, shrinking
// removes access (SIGSEGV), regrowing gives zeroed pages again, requests below the start
// of the heap are refused by returning the old break; sbrk on top of it.
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

extern char end[];   /* end of .bss */

static uintptr_t sys_brk(uintptr_t addr) { return (uintptr_t)syscall(SYS_brk, addr); }

static sigjmp_buf env;
static void on_segv(int sig)
{
    (void)sig;
    siglongjmp(env, 1);
}

static int writable(volatile char *p)
{
    if (sigsetjmp(env, 1) == 0) {
        *p = 1;
        return 1;
    }
    return 0;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    signal(SIGSEGV, on_segv);
    uintptr_t start = sys_brk(0);
    printf("brk(0) at or above the end of .bss: %s\n", start >= (uintptr_t)end ? "yes" : "no");
    printf("brk(0) twice gives the same value: %s\n", sys_brk(0) == start ? "yes" : "no");

    uintptr_t want = start + 3 * 4096 + 100;
    uintptr_t got = sys_brk(want);
    printf("grow by 3 pages + 100 bytes returns the exact request: %s\n", got == want ? "yes" : "no");
    int zero = 1;
    for (uintptr_t a = start; a < want; a += 64)
        zero &= *(char *)a == 0;
    printf("new heap memory is zero: %s\n", zero ? "yes" : "no");
    memset((void *)start, 'h', want - start);
    printf("new heap memory is writable: yes\n");
    uintptr_t page_end = (want + 4095) & ~4095UL;
    printf("rest of the last page is usable: %s\n", writable((char *)page_end - 1) ? "yes" : "no");
    printf("page after the break faults: %s\n", writable((char *)page_end) ? "no" : "yes");

    got = sys_brk(start + 4096);
    printf("shrink to one page: %s\n", got == start + 4096 ? "yes" : "no");
    printf("kept page still holds data: %s\n", *(char *)start == 'h' ? "yes" : "no");
    uintptr_t second = (start + 4096 + 4095) & ~4095UL;
    printf("released page faults: %s\n", writable((char *)second + 4096) ? "no" : "yes");
    got = sys_brk(want);
    printf("regrow: %s\n", got == want ? "yes" : "no");
    printf("regrown pages are zero again: %s\n", *(char *)(second + 4096 + 8) == 0 ? "yes" : "no");

    got = sys_brk((uintptr_t)end - 4096 * 16);
    printf("brk below the heap start is refused (returns current): %s\n", got == want ? "yes" : "no");
    got = sys_brk((uintptr_t)1 << 47);
    printf("absurd brk is refused (returns current): %s\n", got == want ? "yes" : "no");

    /* large growth */
    got = sys_brk(start + (64 << 20));
    printf("grow by 64 MiB: %s\n", got == start + (64 << 20) ? "yes" : "no");
    volatile char *top = (char *)(start + (64 << 20) - 1);
    *top = 7;
    printf("last byte writable: %s\n", *top == 7 ? "yes" : "no");
    got = sys_brk(start);
    printf("shrink back to the start: %s\n", got == start ? "yes" : "no");

    /* glibc sbrk works on top of it */
    void *s0 = sbrk(0);
    void *s1 = sbrk(10000);
    void *s2 = sbrk(0);
    printf("sbrk returns the old break: %s\n", s1 == s0 ? "yes" : "no");
    printf("sbrk advances by the increment: %s\n", (char *)s2 - (char *)s1 == 10000 ? "yes" : "no");
    memset(s1, 1, 10000);
    sbrk(-10000);
    printf("negative sbrk restores: %s\n", sbrk(0) == s0 ? "yes" : "no");

    /* a mapping right above the break blocks growth into it */
    uintptr_t cur = sys_brk(0);
    uintptr_t blocker = ((cur + 4095) & ~4095UL) + 4 * 4096;
    void *m = mmap((void *)blocker, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (m != (void *)blocker) {
        printf("could not place blocker\n");
        return 1;
    }
    got = sys_brk(blocker + 4096 * 2);
    printf("growth into a mapping is refused: %s\n", got == cur ? "yes" : "no");
    got = sys_brk(blocker - 4096);
    printf("growth to one page below the mapping works: %s\n", got == blocker - 4096 ? "yes" : "no");
    return 0;
}
