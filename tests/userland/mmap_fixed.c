// mmap placement and argument checking: hints, MAP_FIXED replacing existing pages (zero
// filled), MAP_FIXED_NOREPLACE -> EEXIST, munmap splitting a mapping, length/offset/
// flag errors, and that munmap of an unmapped range is not an error.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "rc_util.h"

#define PG 4096UL

static void show(const char *what, void *r, void *expect)
{
    if (r == MAP_FAILED)
        printf("%s: MAP_FAILED %s\n", what, strerrorname_np(errno));
    else if (expect)
        printf("%s: ok, at the requested address: %s\n", what, r == expect ? "yes" : "no");
    else
        printf("%s: ok, page aligned: %s\n", what, ((unsigned long)r & (PG - 1)) == 0 ? "yes" : "no");
}

static void rc(const char *what, long r) { print_rc(0, 1, what, r); }

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    int prot = PROT_READ | PROT_WRITE, anon = MAP_PRIVATE | MAP_ANONYMOUS;

    char *base = mmap(NULL, 8 * PG, prot, anon, -1, 0);
    show("plain anonymous mapping", base, NULL);
    memset(base, 'x', 8 * PG);

    /* MAP_FIXED over the middle: new pages are zero, neighbours keep their data */
    char *f = mmap(base + 2 * PG, 2 * PG, prot, anon | MAP_FIXED, -1, 0);
    show("MAP_FIXED over existing pages", f, base + 2 * PG);
    printf("replaced pages are zero: %s\n", f[0] == 0 && f[2 * PG - 1] == 0 ? "yes" : "no");
    printf("neighbours untouched: %s\n", base[2 * PG - 1] == 'x' && base[4 * PG] == 'x' ? "yes" : "no");

    /* MAP_FIXED_NOREPLACE */
    errno = 0;
    show("MAP_FIXED_NOREPLACE over a mapping", mmap(base + PG, PG, prot, anon | MAP_FIXED_NOREPLACE, -1, 0),
         base + PG);
    show("MAP_FIXED_NOREPLACE partially overlapping", mmap(base + 7 * PG, 2 * PG, prot,
                                                           anon | MAP_FIXED_NOREPLACE, -1, 0), base + 7 * PG);
    printf("data kept after the refused request: %s\n", base[PG] == 'x' ? "yes" : "no");
    munmap(base + 6 * PG, 2 * PG);
    show("MAP_FIXED_NOREPLACE into a hole", mmap(base + 6 * PG, 2 * PG, prot, anon | MAP_FIXED_NOREPLACE, -1, 0),
         base + 6 * PG);

    /* a free hint is honoured */
    munmap(base, 8 * PG);
    show("hint at a free address", mmap(base + 3 * PG, PG, prot, anon, -1, 0), base + 3 * PG);
    munmap(base + 3 * PG, PG);

    /* munmap splits a mapping into two halves */
    char *m = mmap(NULL, 5 * PG, prot, anon, -1, 0);
    memset(m, 'y', 5 * PG);
    rc("munmap middle page", munmap(m + 2 * PG, PG));
    printf("both halves usable: %s\n", m[0] == 'y' && m[PG + 5] == 'y' && m[3 * PG] == 'y' && m[5 * PG - 1] == 'y'
                                           ? "yes" : "no");
    rc("mprotect across the hole", mprotect(m, 5 * PG, PROT_READ));
    rc("mprotect only the low half", mprotect(m, 2 * PG, PROT_READ));
    rc("munmap across the hole", munmap(m, 5 * PG));
    rc("munmap an unmapped range", munmap(m, 5 * PG));

    /* error cases */
    show("length 0", mmap(NULL, 0, prot, anon, -1, 0), NULL);
    show("MAP_FIXED at an unaligned address", mmap((void *)(0x10000000UL + 12), PG, prot, anon | MAP_FIXED, -1, 0),
         NULL);
    show("neither MAP_PRIVATE nor MAP_SHARED", mmap(NULL, PG, prot, MAP_ANONYMOUS, -1, 0), NULL);
    show("file mapping of a bad fd", mmap(NULL, PG, PROT_READ, MAP_PRIVATE, 77, 0), NULL);
    int dfd = open("/tmp", O_RDONLY | O_DIRECTORY);
    show("file mapping of a directory", mmap(NULL, PG, PROT_READ, MAP_PRIVATE, dfd, 0), NULL);
    close(dfd);
    int pfd[2];
    pipe(pfd);
    show("file mapping of a pipe", mmap(NULL, PG, PROT_READ, MAP_PRIVATE, pfd[0], 0), NULL);
    show("huge length", mmap(NULL, 1UL << 62, prot, anon, -1, 0), NULL);
    show("MAP_FIXED beyond the user address space", mmap((void *)(1UL << 47), PG, prot, anon | MAP_FIXED, -1, 0),
         NULL);
    rc("munmap unaligned", munmap((void *)(0x10000000UL + 1), PG));
    rc("munmap length 0", munmap((void *)0x10000000UL, 0));

    /* odd lengths are rounded up to whole pages */
    char *odd = mmap(NULL, 100, prot, anon, -1, 0);
    odd[PG - 1] = 1;
    printf("a 100-byte mapping covers a whole page: yes\n");
    rc("munmap with the odd length", munmap(odd, 100));

    /* many small mappings and unmappings */
    void *maps[200];
    int ok = 1;
    for (int i = 0; i < 200; i++) {
        maps[i] = mmap(NULL, (size_t)(i % 7 + 1) * PG, prot, anon, -1, 0);
        ok &= maps[i] != MAP_FAILED;
        if (ok)
            ((char *)maps[i])[0] = (char)i;
    }
    for (int i = 0; i < 200; i += 2)
        ok &= munmap(maps[i], (size_t)(i % 7 + 1) * PG) == 0;
    for (int i = 1; i < 200; i += 2)
        ok &= ((char *)maps[i])[0] == (char)i;
    printf("200 mappings created, half unmapped, rest intact: %s\n", ok ? "yes" : "no");
    return 0;
}
