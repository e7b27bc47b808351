// MAP_SHARED file mappings: stores reach the file (read() sees them after msync, after
// munmap, after the writer exits), two processes that map the file independently see
// each other's stores, write() shows up in the mapping, MAP_PRIVATE stores never reach
// the file, and a read-only descriptor cannot back a writable shared mapping.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define PATH "/tmp/mm_file_shared.dat"
#define LEN (3 * 4096)

static void check(const char *what, int ok) { printf("%s: %s\n", what, ok ? "yes" : "no"); }

static char file_byte(off_t off)
{
    int fd = open(PATH, O_RDONLY);
    char c = '?';
    if (pread(fd, &c, 1, off) != 1)
        c = '!';
    close(fd);
    return c;
}

static char *map_file(int prot, int flags)
{
    int fd = open(PATH, O_RDWR);
    char *p = mmap(NULL, LEN, prot, flags, fd, 0);
    close(fd); /* the mapping keeps the file */
    return p;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    int fd = open(PATH, O_RDWR | O_CREAT | O_TRUNC, 0644);
    check("ftruncate", ftruncate(fd, LEN) == 0);
    char *a = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    check("mmap shared", a != MAP_FAILED);

    a[0] = 'A';
    a[4096 + 7] = 'B';
    check("msync", msync(a, LEN, MS_SYNC) == 0);
    check("store visible through read() after msync", file_byte(0) == 'A' && file_byte(4096 + 7) == 'B');

    a[2 * 4096] = 'C'; /* no msync: the page cache is shared with read() */
    check("store visible through read() without msync", file_byte(2 * 4096) == 'C');

    check("pwrite", pwrite(fd, "W", 1, 100) == 1);
    check("write() visible in the mapping", a[100] == 'W');

    /* a second, independent mapping in a child process */
    int pipefd[2];
    pipe(pipefd);
    pid_t pid = fork();
    if (pid == 0) {
        char *b = map_file(PROT_READ | PROT_WRITE, MAP_SHARED);
        printf("child sees parent's store: %s\n", b[0] == 'A' ? "yes" : "no");
        b[1] = 'c';
        write(pipefd[1], "x", 1);
        _exit(0);
    }
    char tok;
    read(pipefd[0], &tok, 1);
    check("parent sees child's store", a[1] == 'c');
    waitpid(pid, NULL, 0);

    /* a child that stores and exits without munmap: exit writes back */
    pid = fork();
    if (pid == 0) {
        char *b = map_file(PROT_READ | PROT_WRITE, MAP_SHARED);
        b[3] = 'e';
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    check("exit keeps stores", file_byte(3) == 'e' && a[3] == 'e');

    /* a private mapping: copy-on-write, nothing reaches the file */
    char *p = map_file(PROT_READ | PROT_WRITE, MAP_PRIVATE);
    check("private mapping reads file data", p[0] == 'A' && p[100] == 'W');
    p[0] = 'p';
    check("private store stays private", a[0] == 'A' && file_byte(0) == 'A' && p[0] == 'p');
    munmap(p, LEN);

    /* munmap writes back */
    a[5] = 'M';
    check("munmap", munmap(a, LEN) == 0);
    check("store visible after munmap", file_byte(5) == 'M');

    /* read-only descriptor: shared writable refused, shared read-only fine */
    int ro = open(PATH, O_RDONLY);
    errno = 0;
    check("PROT_WRITE|MAP_SHARED on O_RDONLY is EACCES",
          mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0) == MAP_FAILED && errno == EACCES);
    char *r = mmap(NULL, LEN, PROT_READ, MAP_SHARED, ro, 0);
    check("read-only shared mapping", r != MAP_FAILED && r[5] == 'M');
    errno = 0;
    check("mprotect to PROT_WRITE is EACCES", mprotect(r, LEN, PROT_READ | PROT_WRITE) == -1 && errno == EACCES);
    munmap(r, LEN);
    close(ro);

    /* bytes past EOF in the last page read as zero; pages wholly past EOF give SIGBUS,
       so they are not touched here */
    ftruncate(fd, 4096 + 10);
    char *t = mmap(NULL, 8192, PROT_READ, MAP_SHARED, fd, 0);
    check("tail of last page is zero", t[4096 + 9] == 0 && t[4096 + 10] == 0 && t[8191] == 0);
    munmap(t, 8192);
    close(fd);
    unlink(PATH);
    return 0;
}
