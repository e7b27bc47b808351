// mremap: shrink, grow in place, grow with MREMAP_MAYMOVE when the next page is taken,
// MREMAP_FIXED, MREMAP_DONTUNMAP; contents follow the move; Linux's error cases.
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PG 4096

static void check(const char *what, int ok) { printf("%s: %s\n", what, ok ? "yes" : "no"); }

static int mapped(void *addr)
{
    /* msync fails with ENOMEM on an unmapped page */
    return msync(addr, PG, MS_ASYNC) == 0;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    /* reserve a window so placement is under our control */
    char *win = mmap(NULL, 64 * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(win, 64 * PG);
    char *a = mmap(win, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    for (int i = 0; i < 4; i++)
        a[i * PG] = 'a' + i;

    char *r = mremap(a, 4 * PG, 2 * PG, 0);
    check("shrink keeps the address", r == a);
    check("shrunk tail unmapped", !mapped(a + 2 * PG) && !mapped(a + 3 * PG));
    r = mremap(a, 2 * PG, 6 * PG, 0);
    check("grow in place", r == a && a[PG] == 'b');
    check("grown part is zero", a[5 * PG] == 0);

    /* block growth with a mapping right after */
    char *block = mmap(a + 6 * PG, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    errno = 0;
    check("grow blocked without MAYMOVE is ENOMEM", mremap(a, 6 * PG, 8 * PG, 0) == MAP_FAILED && errno == ENOMEM);
    r = mremap(a, 6 * PG, 8 * PG, MREMAP_MAYMOVE);
    check("MAYMOVE moves", r != MAP_FAILED && r != a);
    check("contents moved", r[0] == 'a' && r[PG] == 'b');
    check("old range unmapped", !mapped(a));
    r[7 * PG] = 'z';

    char *dest = win + 40 * PG;
    char *f = mremap(r, 8 * PG, 8 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, dest);
    check("MREMAP_FIXED to the given address", f == dest && f[0] == 'a' && f[7 * PG] == 'z');
    errno = 0;
    check("FIXED without MAYMOVE is EINVAL", mremap(f, PG, PG, MREMAP_FIXED, win) == MAP_FAILED && errno == EINVAL);
    errno = 0;
    check("overlapping FIXED is EINVAL",
          mremap(f, 2 * PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, f + PG) == MAP_FAILED && errno == EINVAL);

    char *d = mremap(f, 2 * PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL);
    check("DONTUNMAP moves", d != MAP_FAILED && d[0] == 'a' && d[PG] == 'b');
    check("DONTUNMAP leaves the old range mapped and empty", mapped(f) && f[0] == 0 && f[PG] == 0);

    errno = 0;
    check("unaligned address is EINVAL", mremap(f + 1, PG, PG, 0) == MAP_FAILED && errno == EINVAL);
    errno = 0;
    check("bad flags are EINVAL", mremap(f, PG, PG, 0x80) == MAP_FAILED && errno == EINVAL);
    errno = 0;
    check("zero new size is EINVAL", mremap(f, PG, 0, 0) == MAP_FAILED && errno == EINVAL);
    errno = 0;
    check("unmapped source is EFAULT", mremap(win + 30 * PG, PG, 2 * PG, MREMAP_MAYMOVE) == MAP_FAILED
          && errno == EFAULT);
    errno = 0;
    check("source past its VMA is EFAULT", mremap(block, 2 * PG, 3 * PG, MREMAP_MAYMOVE) == MAP_FAILED
          && errno == EFAULT);

    /* shared anonymous memory: old_size 0 makes a second view of the same pages */
    char *s = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    s[10] = 'S';
    char *s2 = mremap(s, 0, PG, MREMAP_MAYMOVE);
    check("old_size 0 duplicates a shared mapping", s2 != MAP_FAILED && s2 != s && s2[10] == 'S');
    s2[11] = 'T';
    check("both views share pages", s[11] == 'T');
    errno = 0;
    check("old_size 0 on private is EINVAL", mremap(d, 0, PG, MREMAP_MAYMOVE) == MAP_FAILED && errno == EINVAL);
    return 0;
}
