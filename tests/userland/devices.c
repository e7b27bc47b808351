// Character devices: /dev/null (reads EOF, swallows writes), /dev/zero (reads zeros,
// private and shared mappings), /dev/full (ENOSPC on write, zeros on read), /dev/random
// and /dev/urandom; their device numbers and types; lseek on them.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "rc_util.h"

static void rc(const char *what, long r) { print_rc(40, 1, what, r); }

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    const char *devs[] = { "/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom" };
    for (unsigned i = 0; i < 5; i++) {
        struct stat st;
        if (stat(devs[i], &st) < 0) {
            printf("%s: %s\n", devs[i], strerrorname_np(errno));
            continue;
        }
        printf("%s: chardev=%s rdev=%u:%u mode=%04o\n", devs[i], S_ISCHR(st.st_mode) ? "yes" : "no",
               major(st.st_rdev), minor(st.st_rdev), st.st_mode & 0777);
    }
    char buf[4096];
    int fd = open("/dev/null", O_RDWR);
    rc("/dev/null read", read(fd, buf, sizeof buf));
    rc("/dev/null write 4096", write(fd, buf, sizeof buf));
    rc("/dev/null write 0", write(fd, buf, 0));
    rc("/dev/null lseek", lseek(fd, 1000, SEEK_SET));
    close(fd);

    fd = open("/dev/zero", O_RDWR);
    memset(buf, 0x5a, sizeof buf);
    rc("/dev/zero read 4096", read(fd, buf, sizeof buf));
    int allzero = 1;
    for (size_t i = 0; i < sizeof buf; i++)
        allzero &= buf[i] == 0;
    printf("/dev/zero data all zero: %s\n", allzero ? "yes" : "no");
    rc("/dev/zero write", write(fd, "abc", 3));
    static char big[1 << 20];
    memset(big, 1, sizeof big);
    rc("/dev/zero read 1 MiB", read(fd, big, sizeof big));
    printf("last byte zero: %s\n", big[sizeof big - 1] == 0 ? "yes" : "no");
    char *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    printf("private mapping of /dev/zero reads zero: %s\n", m != MAP_FAILED && m[0] == 0 && m[8191] == 0 ? "yes" : "no");
    m[5] = 9;
    char *m2 = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
    printf("another mapping unaffected: %s\n", m2 != MAP_FAILED && m2[5] == 0 ? "yes" : "no");
    close(fd);

    fd = open("/dev/full", O_RDWR);
    errno = 0;
    rc("/dev/full write", write(fd, "abc", 3));
    rc("/dev/full write 0 bytes", write(fd, "abc", 0));
    memset(buf, 0x5a, 64);
    rc("/dev/full read 64", read(fd, buf, 64));
    printf("/dev/full reads zeros: %s\n", buf[0] == 0 && buf[63] == 0 ? "yes" : "no");
    close(fd);
    FILE *f = fopen("/dev/full", "w");
    fputs("stdio to /dev/full\n", f);
    errno = 0;
    int r = fflush(f);
    printf("fflush to /dev/full: %d %s\n", r, strerrorname_np(errno));
    fclose(f);

    fd = open("/dev/urandom", O_RDONLY);
    rc("/dev/urandom read 100", read(fd, buf, 100));
    rc("/dev/urandom read 0", read(fd, buf, 0));
    close(fd);
    fd = open("/dev/random", O_RDWR);
    rc("/dev/random write (mixes entropy)", write(fd, "entropy", 7));
    close(fd);

    /* redirecting stdout to /dev/null and back */
    int saved = dup(1);
    int n = open("/dev/null", O_WRONLY);
    dup2(n, 1);
    printf("this line goes to /dev/null\n");
    dup2(saved, 1);
    close(saved);
    close(n);
    printf("stdout restored\n");
    return 0;
}
