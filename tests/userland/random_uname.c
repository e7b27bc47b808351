// getrandom (flags, sizes, errors), /dev/urandom and /dev/random reads, and uname:
// only sysname and machine are printed, other fields are checked for being NUL-terminated.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/utsname.h>
#include <unistd.h>

static void check(const char *what, int ok) { printf("%s: %s\n", what, ok ? "yes" : "no"); }

static int nonzero(const unsigned char *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (b[i])
            return 1;
    return 0;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    unsigned char a[32], b[32];
    printf("getrandom 32: %zd\n", getrandom(a, sizeof a, 0));
    printf("getrandom 32 again: %zd\n", getrandom(b, sizeof b, 0));
    check("two draws differ", memcmp(a, b, sizeof a) != 0);
    check("draw is not all zero", nonzero(a, sizeof a));
    printf("GRND_NONBLOCK: %zd\n", getrandom(a, 16, GRND_NONBLOCK));
    printf("GRND_RANDOM: %zd\n", getrandom(a, 16, GRND_RANDOM));
    printf("GRND_INSECURE: %zd\n", getrandom(a, 16, GRND_INSECURE));
    printf("zero length: %zd\n", getrandom(a, 0, 0));
    errno = 0;
    ssize_t r = getrandom(a, 16, 0x80);
    printf("unknown flag: %zd %s\n", r, strerrorname_np(errno));
    errno = 0;
    r = getrandom(a, 16, GRND_RANDOM | GRND_INSECURE);
    printf("GRND_RANDOM|GRND_INSECURE: %zd %s\n", r, strerrorname_np(errno));
    static unsigned char big[1 << 16];
    r = getrandom(big, sizeof big, 0);
    printf("64 KiB request returns all of it: %s\n", r == (ssize_t)sizeof big ? "yes" : "no");
    int counts[256] = { 0 };
    for (size_t i = 0; i < sizeof big; i++)
        counts[big[i]]++;
    int min = 1 << 30, max = 0;
    for (int i = 0; i < 256; i++) {
        min = counts[i] < min ? counts[i] : min;
        max = counts[i] > max ? counts[i] : max;
    }
    check("byte histogram is roughly flat (every value 128..384 times)", min >= 128 && max <= 384);

    int fd = open("/dev/urandom", O_RDONLY);
    check("/dev/urandom read of 4096 bytes", read(fd, big, 4096) == 4096 && nonzero(big, 4096));
    close(fd);
    fd = open("/dev/random", O_RDONLY);
    check("/dev/random read of 64 bytes", read(fd, big, 64) == 64 && nonzero(big, 64));
    close(fd);

    struct utsname u;
    memset(&u, 0xff, sizeof u);
    printf("uname: %d\n", uname(&u));
    printf("sysname: %s\n", u.sysname);
    printf("machine: %s\n", u.machine);
    check("release is a NUL-terminated non-empty string", memchr(u.release, 0, sizeof u.release) && u.release[0]);
    check("release starts with a digit", u.release[0] >= '0' && u.release[0] <= '9');
    check("version is NUL-terminated", memchr(u.version, 0, sizeof u.version) != NULL);
    check("nodename is NUL-terminated", memchr(u.nodename, 0, sizeof u.nodename) != NULL);
    check("domainname is NUL-terminated", memchr(u.domainname, 0, sizeof u.domainname) != NULL);
    char host[65];
    check("gethostname equals uname nodename", gethostname(host, sizeof host) == 0 && strcmp(host, u.nodename) == 0);
    return 0;
}
