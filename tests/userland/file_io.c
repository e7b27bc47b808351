// Regular file I/O on /tmp: lseek SEEK_SET/CUR/END and errors, holes read as zeros,
// O_APPEND always writing at the end, pread/pwrite leaving the offset alone,
// readv/writev scatter/gather, short reads at EOF, large transfers.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>
#include "rc_util.h"

static void val(const char *what, long r) { print_rc(0, 1, what, r); }

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    char path[64], buf[256];
    snprintf(path, sizeof path, "/tmp/file_io.%d", getpid());
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);

    val("write 26 bytes", write(fd, "abcdefghijklmnopqrstuvwxyz", 26));
    val("offset after write", lseek(fd, 0, SEEK_CUR));
    val("SEEK_SET 5", lseek(fd, 5, SEEK_SET));
    val("read 3", read(fd, buf, 3));
    printf("data: %.3s\n", buf);
    val("SEEK_CUR +2", lseek(fd, 2, SEEK_CUR));
    val("SEEK_CUR -4", lseek(fd, -4, SEEK_CUR));
    val("SEEK_END 0", lseek(fd, 0, SEEK_END));
    val("SEEK_END -1", lseek(fd, -1, SEEK_END));
    val("read at end-1", read(fd, buf, 10));
    val("read at EOF", read(fd, buf, 10));
    val("SEEK_SET -1", lseek(fd, -1, SEEK_SET));
    val("SEEK_CUR to negative", lseek(fd, -1000, SEEK_CUR));
    val("bad whence", lseek(fd, 0, 17));
    val("offset unchanged after errors", lseek(fd, 0, SEEK_CUR));
    val("lseek bad fd", lseek(99, 0, SEEK_SET));

    /* holes */
    val("SEEK_SET 10000", lseek(fd, 10000, SEEK_SET));
    val("write past EOF", write(fd, "END", 3));
    val("size via SEEK_END", lseek(fd, 0, SEEK_END));
    static char big[10003];
    val("pread whole file", pread(fd, big, sizeof big, 0));
    int zeros = 1;
    for (int i = 26; i < 10000; i++)
        zeros &= big[i] == 0;
    printf("hole reads as zeros: %s, tail: %.3s\n", zeros ? "yes" : "no", big + 10000);
    val("seek far beyond EOF then read", (lseek(fd, 1 << 30, SEEK_SET), read(fd, buf, 10)));

    /* pread / pwrite leave the offset alone */
    lseek(fd, 7, SEEK_SET);
    val("pwrite at 0", pwrite(fd, "ABC", 3, 0));
    val("pread at 1", pread(fd, buf, 4, 1));
    printf("data: %.4s\n", buf);
    val("offset still 7", lseek(fd, 0, SEEK_CUR));
    val("pread negative offset", pread(fd, buf, 1, -1));
    val("pread at EOF", pread(fd, buf, 10, 10003));

    /* readv / writev */
    lseek(fd, 0, SEEK_SET);
    ftruncate(fd, 0);
    struct iovec wv[3] = { { "one,", 4 }, { "", 0 }, { "two,three", 9 } };
    val("writev", writev(fd, wv, 3));
    char a[3], b[5], c[100];
    struct iovec rv[3] = { { a, sizeof a }, { b, sizeof b }, { c, sizeof c } };
    lseek(fd, 0, SEEK_SET);
    val("readv", readv(fd, rv, 3));
    printf("pieces: %.3s|%.5s|%.5s\n", a, b, c);
    val("preadv at 4", preadv(fd, rv, 2, 4));
    printf("pieces: %.3s|%.5s\n", a, b);
    struct iovec pw[2] = { { "XY", 2 }, { "Z", 1 } };
    val("pwritev at 1", pwritev(fd, pw, 2, 1));
    val("pread back", pread(fd, buf, 13, 0));
    printf("data: %.13s\n", buf);
    val("writev with iovcnt 0", writev(fd, wv, 0));
    val("writev with negative iovcnt", syscall(SYS_writev, fd, wv, -1));
    val("writev with iovcnt 1025", syscall(SYS_writev, fd, wv, 1025));

    /* O_APPEND */
    close(fd);
    fd = open(path, O_WRONLY | O_APPEND);
    val("lseek 0 on O_APPEND fd", lseek(fd, 0, SEEK_SET));
    val("append write", write(fd, "+tail", 5));
    val("offset after append", lseek(fd, 0, SEEK_CUR));
    val("pwrite on O_APPEND fd at 0 (appends, Linux)", pwrite(fd, "!", 1, 0));
    int rfd = open(path, O_RDONLY);
    val("read back", pread(rfd, buf, sizeof buf, 0));
    printf("data: %.19s\n", buf);
    printf("F_GETFL has O_APPEND: %s\n", fcntl(fd, F_GETFL) & O_APPEND ? "yes" : "no");
    fcntl(fd, F_SETFL, 0);
    printf("F_SETFL cleared O_APPEND: %s\n", fcntl(fd, F_GETFL) & O_APPEND ? "no" : "yes");
    lseek(fd, 0, SEEK_SET);
    write(fd, "#", 1);
    pread(rfd, buf, 1, 0);
    printf("write after clearing goes to offset 0: %s\n", buf[0] == '#' ? "yes" : "no");
    val("read on a write-only fd", read(fd, buf, 1));
    val("write on a read-only fd", write(rfd, "x", 1));
    close(fd);

    /* two descriptors from two opens have independent offsets */
    int f1 = open(path, O_RDONLY), f2 = open(path, O_RDONLY);
    read(f1, buf, 5);
    val("independent offsets", lseek(f2, 0, SEEK_CUR));
    close(f1);
    close(f2);
    close(rfd);

    /* a 1 MiB transfer round-trips */
    fd = open(path, O_RDWR | O_TRUNC);
    static unsigned char mb[1 << 20], back[1 << 20];
    for (size_t i = 0; i < sizeof mb; i++)
        mb[i] = (unsigned char)(i * 7 + (i >> 12));
    val("write 1 MiB", write(fd, mb, sizeof mb));
    lseek(fd, 0, SEEK_SET);
    size_t got = 0;
    ssize_t n;
    while ((n = read(fd, back + got, 100000)) > 0)
        got += n;
    printf("read back %zu bytes, identical: %s\n", got, memcmp(mb, back, sizeof mb) == 0 ? "yes" : "no");
    close(fd);
    unlink(path);
    return 0;
}
