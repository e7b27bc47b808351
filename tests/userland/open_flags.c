// open(2) flags: O_CREAT mode, O_EXCL, O_TRUNC (only with write access), O_DIRECTORY,
// O_CLOEXEC, O_APPEND/O_NONBLOCK visible in F_GETFL, access modes enforced, F_SETFL only
// changing the status flags it may, O_PATH descriptors, creat(). Runs as root (a 0000 file is still readable).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char path[64];

static void rc(const char *what, long r)
{
    if (r < 0)
        printf("%-44s -1 %s\n", what, strerrorname_np(errno));
    else
        printf("%-44s ok\n", what);
}

static long size_of(void)
{
    struct stat st;
    stat(path, &st);
    return (long)st.st_size;
}

static const char *accmode(int fl)
{
    switch (fl & O_ACCMODE) {
    case O_RDONLY: return "O_RDONLY";
    case O_WRONLY: return "O_WRONLY";
    case O_RDWR: return "O_RDWR";
    default: return "?";
    }
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    snprintf(path, sizeof path, "/tmp/open_flags.%d", getpid());
    umask(022);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0640);
    rc("O_CREAT|O_EXCL new file", fd);
    write(fd, "0123456789", 10);
    close(fd);
    rc("O_CREAT|O_EXCL existing", open(path, O_WRONLY | O_CREAT | O_EXCL, 0640));
    fd = open(path, O_WRONLY | O_CREAT, 0777);
    rc("O_CREAT existing without O_EXCL", fd);
    struct stat st;
    fstat(fd, &st);
    printf("mode of the existing file unchanged: %04o\n", st.st_mode & 07777);
    close(fd);
    printf("size before O_TRUNC: %ld\n", size_of());
    fd = open(path, O_RDONLY | O_TRUNC);
    printf("O_RDONLY|O_TRUNC truncates on Linux: size %ld\n", size_of());
    close(fd);
    fd = open(path, O_WRONLY);
    write(fd, "abcdef", 6);
    close(fd);
    fd = open(path, O_RDWR | O_TRUNC);
    printf("O_RDWR|O_TRUNC: size %ld\n", size_of());
    write(fd, "xyz", 3);
    close(fd);
    fd = open(path, O_WRONLY);
    printf("plain O_WRONLY keeps contents: size %ld\n", size_of());
    close(fd);

    rc("O_DIRECTORY on a directory", open("/tmp", O_RDONLY | O_DIRECTORY));
    rc("O_DIRECTORY on a file", open(path, O_RDONLY | O_DIRECTORY));

    fd = open(path, O_RDONLY | O_CLOEXEC);
    printf("O_CLOEXEC -> FD_CLOEXEC: %d\n", fcntl(fd, F_GETFD));
    close(fd);
    fd = open(path, O_RDONLY);
    printf("no O_CLOEXEC -> FD_CLOEXEC: %d\n", fcntl(fd, F_GETFD));
    close(fd);

    fd = open(path, O_WRONLY | O_APPEND | O_NONBLOCK);
    int fl = fcntl(fd, F_GETFL);
    printf("F_GETFL: %s append=%d nonblock=%d\n", accmode(fl), !!(fl & O_APPEND), !!(fl & O_NONBLOCK));
    fcntl(fd, F_SETFL, O_RDWR);   /* access mode bits are ignored by F_SETFL */
    fl = fcntl(fd, F_GETFL);
    printf("after F_SETFL(O_RDWR): %s append=%d nonblock=%d\n", accmode(fl), !!(fl & O_APPEND), !!(fl & O_NONBLOCK));
    fcntl(fd, F_SETFL, O_APPEND);
    fl = fcntl(fd, F_GETFL);
    printf("after F_SETFL(O_APPEND): append=%d nonblock=%d\n", !!(fl & O_APPEND), !!(fl & O_NONBLOCK));
    char c;
    rc("read on O_WRONLY", read(fd, &c, 1));
    close(fd);
    fd = open(path, O_RDONLY);
    fl = fcntl(fd, F_GETFL);
    printf("O_RDONLY F_GETFL: %s\n", accmode(fl));
    rc("write on O_RDONLY", write(fd, "x", 1));
    close(fd);
    fd = open(path, O_RDWR);
    printf("O_RDWR F_GETFL: %s\n", accmode(fcntl(fd, F_GETFL)));
    rc("read on O_RDWR", read(fd, &c, 1));
    rc("write on O_RDWR", write(fd, "x", 1));
    close(fd);

    /* O_PATH: usable for fstat and as a dirfd, not for I/O */
    fd = open(path, O_PATH);
    rc("O_PATH open", fd);
    rc("fstat on O_PATH", fstat(fd, &st));
    rc("read on O_PATH", read(fd, &c, 1));
    close(fd);
    int dfd = open("/tmp", O_PATH | O_DIRECTORY);
    const char *base = strrchr(path, '/') + 1;
    int f2 = openat(dfd, base, O_RDONLY);
    rc("openat relative to an O_PATH dir fd", f2);
    close(f2);
    close(dfd);

    /* creat = O_CREAT|O_WRONLY|O_TRUNC */
    fd = creat(path, 0600);
    fl = fcntl(fd, F_GETFL);
    printf("creat: %s size %ld\n", accmode(fl), size_of());
    close(fd);

    rc("invalid access mode 3 on a regular file", open(path, 3));
    rc("O_CREAT without mode bits creates 0000", (unlink(path), open(path, O_CREAT | O_WRONLY, 0)));
    stat(path, &st);
    printf("mode: %04o\n", st.st_mode & 07777);
    rc("root may open a 0000 file for reading", open(path, O_RDONLY));
    unlink(path);
    rc("O_EXCL without O_CREAT on a missing file", open(path, O_RDONLY | O_EXCL));
    return 0;
}
