// madvise: MADV_DONTNEED zeroes private anonymous pages, re-reads private file pages from
// the file and keeps shared memory; accepted hints; Linux's error cases.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define PG 4096

static void check(const char *what, int ok) { printf("%s: %s\n", what, ok ? "yes" : "no"); }

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    char *a = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(a, 'x', 4 * PG);
    check("DONTNEED", madvise(a + PG, 2 * PG, MADV_DONTNEED) == 0);
    check("private anonymous pages are zero again", a[PG] == 0 && a[3 * PG - 1] == 0);
    check("pages outside the range kept", a[0] == 'x' && a[3 * PG] == 'x');

    int fd = open("/tmp/madv.dat", O_RDWR | O_CREAT | O_TRUNC, 0644);
    char buf[2 * PG];
    memset(buf, 'f', sizeof buf);
    write(fd, buf, sizeof buf);
    char *p = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    p[0] = 'd';
    check("private file page modified", p[0] == 'd');
    madvise(p, 2 * PG, MADV_DONTNEED);
    check("private file page reads the file again", p[0] == 'f');

    char *s = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    s[0] = 's';
    madvise(s, PG, MADV_DONTNEED);
    check("shared anonymous memory survives DONTNEED", s[0] == 's');

    char *m = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    m[1] = 'm';
    madvise(m, PG, MADV_DONTNEED);
    check("shared file memory survives DONTNEED", m[1] == 'm');

    int hints[] = {MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_WILLNEED, MADV_DONTDUMP, MADV_DODUMP,
                   MADV_HUGEPAGE, MADV_NOHUGEPAGE, MADV_COLD, MADV_PAGEOUT};
    int ok = 1;
    for (unsigned i = 0; i < sizeof hints / sizeof hints[0]; i++)
        ok &= madvise(a, 4 * PG, hints[i]) == 0;
    check("hints accepted", ok && a[0] == 'x');

    /* MADV_DONTFORK: the child does not get the range */
    check("DONTFORK", madvise(a, PG, MADV_DONTFORK) == 0);
    pid_t pid = fork();
    if (pid == 0)
        _exit(msync(a, PG, MS_ASYNC) == -1 && errno == ENOMEM ? 0 : 1);
    int status;
    waitpid(pid, &status, 0);
    check("child lacks a DONTFORK range", WIFEXITED(status) && WEXITSTATUS(status) == 0);
    madvise(a, PG, MADV_DOFORK);

    /* MADV_WIPEONFORK: the child sees zeros */
    a[0] = 'w';
    madvise(a, PG, MADV_WIPEONFORK);
    pid = fork();
    if (pid == 0)
        _exit(a[0] == 0 ? 0 : 1);
    waitpid(pid, &status, 0);
    check("WIPEONFORK child sees zero", WIFEXITED(status) && WEXITSTATUS(status) == 0 && a[0] == 'w');
    errno = 0;
    check("WIPEONFORK on a file mapping is EINVAL", madvise(p, PG, MADV_WIPEONFORK) == -1 && errno == EINVAL);

    errno = 0;
    check("unaligned is EINVAL", madvise(a + 1, PG, MADV_NORMAL) == -1 && errno == EINVAL);
    errno = 0;
    check("unknown advice is EINVAL", madvise(a, PG, 999) == -1 && errno == EINVAL);
    munmap(a + PG, PG);
    errno = 0;
    check("a hole gives ENOMEM", madvise(a, 3 * PG, MADV_NORMAL) == -1 && errno == ENOMEM);
    errno = 0;
    check("DONTNEED over a hole is ENOMEM and still zeroes", madvise(a, 3 * PG, MADV_DONTNEED) == -1
          && errno == ENOMEM && a[0] == 0);
    check("zero length", madvise(a, 0, MADV_DONTNEED) == 0);
    close(fd);
    unlink("/tmp/madv.dat");
    return 0;
}
