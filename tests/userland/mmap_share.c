// mmap sharing semantics: MAP_SHARED anonymous memory is visible across fork in both
// directions, MAP_PRIVATE is not; shared file mappings and read()/write() see each
// other; private file mappings are copy-on-write; zero fill and partial pages past EOF.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void check(const char *what, int ok) { printf("%s: %s\n", what, ok ? "yes" : "no"); }

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    size_t len = 16 * 4096;
    volatile char *shared = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    volatile char *priv = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    check("anonymous mappings succeed", shared != MAP_FAILED && priv != MAP_FAILED);
    int zero = 1;
    for (size_t i = 0; i < len; i += 512)
        zero &= shared[i] == 0 && priv[i] == 0;
    check("fresh anonymous memory reads as zero", zero);
    shared[0] = 'P';
    priv[0] = 'P';
    /* leave page 5 of the shared mapping untouched before fork: it must still be shared */
    pid_t pid = fork();
    if (pid == 0) {
        int saw = shared[0] == 'P' && priv[0] == 'P';
        shared[0] = 'C';
        shared[5 * 4096] = 'C';
        shared[len - 1] = 'E';
        priv[0] = 'C';
        while (shared[100] != 'G')   /* wait for the parent's write to show up */
            ;
        _exit(saw ? 0 : 1);
    }
    struct timespec ts = { 0, 20 * 1000 * 1000 };
    nanosleep(&ts, NULL);
    shared[100] = 'G';
    int st;
    waitpid(pid, &st, 0);
    check("child saw pre-fork values", WIFEXITED(st) && WEXITSTATUS(st) == 0);
    check("child's write to a touched shared page visible", shared[0] == 'C');
    check("child's write to an untouched shared page visible", shared[5 * 4096] == 'C');
    check("child's write to the last shared byte visible", shared[len - 1] == 'E');
    check("child's write to a private page not visible", priv[0] == 'P');

    /* a shared mapping stays shared across two generations */
    pid = fork();
    if (pid == 0) {
        pid_t g = fork();
        if (g == 0) {
            shared[200] = 'g';
            _exit(0);
        }
        waitpid(g, NULL, 0);
        _exit(shared[200] == 'g' ? 0 : 1);
    }
    waitpid(pid, &st, 0);
    check("grandchild write visible to child and parent", WEXITSTATUS(st) == 0 && shared[200] == 'g');

    /* file mappings */
    char path[64];
    snprintf(path, sizeof path, "/tmp/mmap_share.%d", getpid());
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    char page[8192];
    memset(page, 'f', sizeof page);
    write(fd, page, 6000);  /* 1.5 pages */
    char *fm = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    check("shared file mapping succeeds", fm != MAP_FAILED);
    check("mapping shows file contents", fm[0] == 'f' && fm[5999] == 'f');
    check("bytes past EOF in the last page read as zero", fm[6000] == 0 && fm[8191] == 0);
    fm[10] = 'M';
    char c = 0;
    pread(fd, &c, 1, 10);
    check("store through MAP_SHARED seen by read()", c == 'M');
    pwrite(fd, "W", 1, 20);
    check("write() seen through MAP_SHARED", fm[20] == 'W');
    pid = fork();
    if (pid == 0) {
        fm[30] = 'K';
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    pread(fd, &c, 1, 30);
    check("child's store to the file mapping reaches the file", c == 'K' && fm[30] == 'K');

    char *pm = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    check("private file mapping shows file contents", pm[10] == 'M' && pm[30] == 'K');
    pm[40] = 'X';
    pread(fd, &c, 1, 40);
    check("store through MAP_PRIVATE does not reach the file", c == 'f');
    check("store through MAP_PRIVATE not seen by the shared mapping", fm[40] == 'f');
    munmap(pm, 8192);

    /* mapping at an offset */
    char *om = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 4096);
    check("mapping at offset 4096 shows the second page", om != MAP_FAILED && om[0] == 'f' && om[6000 - 4096] == 0);
    munmap(om, 4096);
    check("unaligned offset rejected", mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 100) == MAP_FAILED);

    /* writes survive munmap */
    munmap(fm, 8192);
    close(fd);
    fd = open(path, O_RDONLY);
    char back[64];
    pread(fd, back, 64, 0);
    check("file keeps the mapped stores after munmap and close", back[10] == 'M' && back[30] == 'K');
    /* PROT_WRITE shared mapping of a read-only fd fails */
    void *bad = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    check("MAP_SHARED PROT_WRITE on O_RDONLY fd fails with EACCES", bad == MAP_FAILED && errno == EACCES);
    bad = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    check("MAP_PRIVATE PROT_WRITE on O_RDONLY fd works", bad != MAP_FAILED);
    close(fd);
    unlink(path);
    return 0;
}
