// mprotect over part of a mapping splits it (three /proc/self/maps lines with the right
// permissions and file offsets) and restoring the protection merges it back (one line).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PG 4096

/* Print the maps lines inside [base, base+len), addresses relative to base. */
static void result(const char *what, int rc)
{
    printf("%s: %d errno %d\n", what, rc, rc ? errno : 0);
}

static void show(const char *title, char *base, size_t len)
{
    FILE *f = fopen("/proc/self/maps", "r");
    char line[512];
    printf("%s:\n", title);
    if (!f) {
        printf("  no /proc/self/maps\n");
        return;
    }
    while (fgets(line, sizeof line, f)) {
        unsigned long start, end, off, ino;
        char perms[8], dev[16], path[256] = "";
        if (sscanf(line, "%lx-%lx %7s %lx %15s %lu %255s", &start, &end, perms, &off, dev, &ino, path) < 6)
            continue;
        if (start < (unsigned long)base || end > (unsigned long)base + len)
            continue;
        printf("  +%lx-+%lx %s %lx %s %s\n", start - (unsigned long)base, end - (unsigned long)base, perms, off,
               ino ? "file" : "anon", path);
    }
    fclose(f);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    char *a = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    a[0] = 1;
    show("anonymous, one mapping", a, 4 * PG);
    printf("mprotect middle: %d\n", mprotect(a + PG, 2 * PG, PROT_READ));
    show("split in three", a, 4 * PG);
    printf("mprotect first page: %d\n", mprotect(a, PG, PROT_READ));
    show("first two merged", a, 4 * PG);
    printf("mprotect all back: %d\n", mprotect(a, 4 * PG, PROT_READ | PROT_WRITE));
    show("merged again", a, 4 * PG);
    printf("mprotect PROT_NONE at the end: %d\n", mprotect(a + 3 * PG, PG, PROT_NONE));
    show("last page inaccessible", a, 4 * PG);
    munmap(a + PG, PG);
    show("hole punched", a, 4 * PG);
    result("mprotect across the hole", mprotect(a, 3 * PG, PROT_READ));
    show("first page changed before the hole", a, 4 * PG);
    result("mprotect unaligned", mprotect(a + 1, PG, PROT_READ));
    result("mprotect bad prot", mprotect(a, PG, 0x10));

    int fd = open("/tmp/mprot.dat", O_RDWR | O_CREAT | O_TRUNC, 0644);
    ftruncate(fd, 4 * PG);
    char *f = mmap(NULL, 4 * PG, PROT_READ, MAP_PRIVATE, fd, 0);
    /* a private file mapping made writable is charged (VM_ACCOUNT) and no longer merges
       with its uncharged neighbours, even once read-only again */
    printf("file mprotect: %d\n", mprotect(f + 2 * PG, PG, PROT_READ | PROT_WRITE));
    show("file mapping split (offsets follow)", f, 4 * PG);
    mprotect(f + 2 * PG, PG, PROT_READ);
    show("file mapping still split", f, 4 * PG);
    char *w = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    mprotect(w + PG, PG, PROT_READ);
    mprotect(w + PG, PG, PROT_READ | PROT_WRITE);
    show("writable file mapping merged again", w, 4 * PG);
    close(fd);
    unlink("/tmp/mprot.dat");
    return 0;
}
