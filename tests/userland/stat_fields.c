// stat/lstat/fstat/fstatat/statx fields: file type and permission bits under umask and
// chmod, link counts (files and directories), sizes after write/truncate, timestamps
// moving after writes and chmod, owner, st_ino/st_dev relations, statx agreement.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void check(const char *what, int ok) { printf("%s: %s\n", what, ok ? "yes" : "no"); }

static const char *type_of(mode_t m)
{
    return S_ISREG(m) ? "regular" : S_ISDIR(m) ? "directory" : S_ISLNK(m) ? "symlink" : S_ISCHR(m) ? "chardev"
         : S_ISFIFO(m) ? "fifo" : S_ISBLK(m) ? "blockdev" : S_ISSOCK(m) ? "socket" : "?";
}

static int later(struct timespec a, struct timespec b)
{
    return a.tv_sec > b.tv_sec || (a.tv_sec == b.tv_sec && a.tv_nsec > b.tv_nsec);
}

static void pause_ms(int ms)
{
    struct timespec ts = { 0, ms * 1000000L };
    nanosleep(&ts, NULL);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    char dir[64], f[96], g[96], sub[96], lnk[96];
    snprintf(dir, sizeof dir, "/tmp/stat_fields.%d", getpid());
    snprintf(f, sizeof f, "%s/file", dir);
    snprintf(g, sizeof g, "%s/hardlink", dir);
    snprintf(sub, sizeof sub, "%s/sub", dir);
    snprintf(lnk, sizeof lnk, "%s/symlink", dir);
    umask(022);
    mkdir(dir, 0777);
    struct stat st, st2;

    stat(dir, &st);
    printf("new dir: type=%s mode=%04o nlink=%lu\n", type_of(st.st_mode), st.st_mode & 07777, (unsigned long)st.st_nlink);
    int fd = open(f, O_RDWR | O_CREAT, 0666);
    fstat(fd, &st);
    printf("new file: type=%s mode=%04o nlink=%lu size=%ld\n", type_of(st.st_mode), st.st_mode & 07777,
           (unsigned long)st.st_nlink, (long)st.st_size);
    check("owner is the creating user", st.st_uid == getuid() && st.st_gid == getgid());
    check("st_blksize > 0", st.st_blksize > 0);
    check("new file has no blocks", st.st_blocks == 0);
    struct stat dst;
    stat(dir, &dst);
    check("file and its directory on the same device", st.st_dev == dst.st_dev);
    check("file and directory have different inodes", st.st_ino != dst.st_ino);

    /* timestamps */
    struct timespec m0 = st.st_mtim, c0 = st.st_ctim;
    check("new file: mtime == ctime", m0.tv_sec == c0.tv_sec && m0.tv_nsec == c0.tv_nsec);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    check("mtime close to CLOCK_REALTIME", now.tv_sec - m0.tv_sec < 60 && m0.tv_sec - now.tv_sec < 60);
    pause_ms(30);
    write(fd, "0123456789", 10);
    fstat(fd, &st);
    printf("after write: size=%ld\n", (long)st.st_size);
    check("mtime advanced after write", later(st.st_mtim, m0));
    check("ctime advanced after write", later(st.st_ctim, c0));
    check("blocks cover the data", st.st_blocks * 512 >= 10);
    struct timespec m1 = st.st_mtim;
    pause_ms(30);
    fchmod(fd, 0600);
    fstat(fd, &st);
    check("chmod changes ctime", later(st.st_ctim, m1));
    check("chmod leaves mtime", st.st_mtim.tv_sec == m1.tv_sec && st.st_mtim.tv_nsec == m1.tv_nsec);
    pause_ms(30);
    char buf[4];
    pread(fd, buf, 4, 0);
    fstat(fd, &st2);
    check("read leaves mtime", st2.st_mtim.tv_sec == m1.tv_sec && st2.st_mtim.tv_nsec == m1.tv_nsec);

    /* permission bits */
    mode_t modes[] = { 0600, 0751, 0444, 0, 04755, 02711, 01777, 07777 };
    for (unsigned i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        chmod(f, modes[i]);
        stat(f, &st);
        printf("chmod %04o -> mode %04o type=%s\n", modes[i], st.st_mode & 07777, type_of(st.st_mode));
    }
    chmod(f, 0644);
    umask(077);
    int fd2 = open(g, O_CREAT | O_WRONLY, 0777);
    fstat(fd2, &st);
    printf("created 0777 under umask 077: %04o\n", st.st_mode & 07777);
    close(fd2);
    unlink(g);
    umask(0);
    mkdir(sub, 0777);
    stat(sub, &st);
    printf("mkdir 0777 under umask 0: %04o\n", st.st_mode & 07777);
    umask(022);

    /* sizes */
    ftruncate(fd, 5000);
    fstat(fd, &st);
    printf("ftruncate 5000: size=%ld\n", (long)st.st_size);
    truncate(f, 3);
    stat(f, &st);
    printf("truncate 3: size=%ld\n", (long)st.st_size);
    pwrite(fd, "x", 1, 99999);
    fstat(fd, &st);
    printf("write at offset 99999: size=%ld\n", (long)st.st_size);
    check("sparse file uses fewer blocks than its size", st.st_blocks * 512 < st.st_size);
    ftruncate(fd, 0);
    fstat(fd, &st);
    printf("ftruncate 0: size=%ld\n", (long)st.st_size);

    /* links */
    link(f, g);
    stat(f, &st);
    stat(g, &st2);
    printf("after link: nlink=%lu/%lu\n", (unsigned long)st.st_nlink, (unsigned long)st2.st_nlink);
    check("st_ino equal after link", st.st_ino == st2.st_ino);
    unlink(f);
    fstat(fd, &st);
    printf("after unlink of the original: nlink=%lu\n", (unsigned long)st.st_nlink);
    unlink(g);
    fstat(fd, &st);
    printf("after unlinking both (fd still open): nlink=%lu\n", (unsigned long)st.st_nlink);
    check("the open file is still usable", pwrite(fd, "abc", 3, 0) == 3 && pread(fd, buf, 3, 0) == 3);
    close(fd);

    stat(dir, &st);
    printf("dir with one subdir: nlink=%lu\n", (unsigned long)st.st_nlink);
    char sub2[128];
    snprintf(sub2, sizeof sub2, "%s/inner", sub);
    mkdir(sub2, 0755);
    stat(sub, &st);
    printf("subdir with one subdir: nlink=%lu\n", (unsigned long)st.st_nlink);
    rmdir(sub2);
    stat(sub, &st);
    printf("after rmdir inner: nlink=%lu\n", (unsigned long)st.st_nlink);

    /* symlink vs target */
    fd = open(f, O_CREAT | O_WRONLY, 0644);
    write(fd, "hello", 5);
    close(fd);
    symlink("file", lnk);
    lstat(lnk, &st);
    printf("lstat symlink: type=%s size=%ld\n", type_of(st.st_mode), (long)st.st_size);
    check("symlink permission bits are 0777", (st.st_mode & 0777) == 0777);
    stat(lnk, &st2);
    printf("stat through symlink: type=%s size=%ld\n", type_of(st2.st_mode), (long)st2.st_size);
    fstatat(AT_FDCWD, lnk, &st2, AT_SYMLINK_NOFOLLOW);
    check("fstatat AT_SYMLINK_NOFOLLOW equals lstat", st2.st_ino == st.st_ino && S_ISLNK(st2.st_mode));
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    fstatat(dfd, "file", &st, 0);
    stat(f, &st2);
    check("fstatat relative to a dir fd", st.st_ino == st2.st_ino);
    fd = open(f, O_RDONLY);
    fstatat(fd, "", &st, AT_EMPTY_PATH);
    check("fstatat AT_EMPTY_PATH equals stat", st.st_ino == st2.st_ino && st.st_size == 5);

    /* statx */
    struct statx sx;
    int r = statx(dfd, "file", 0, STATX_BASIC_STATS, &sx);
    check("statx works", r == 0);
    check("statx mask has the basic stats", (sx.stx_mask & STATX_BASIC_STATS) == STATX_BASIC_STATS);
    check("statx agrees with stat on size/mode/ino/nlink",
          sx.stx_size == 5 && sx.stx_mode == st2.st_mode && sx.stx_ino == st2.st_ino && sx.stx_nlink == 1);
    check("statx mtime agrees", sx.stx_mtime.tv_sec == st2.st_mtim.tv_sec && sx.stx_mtime.tv_nsec == (unsigned)st2.st_mtim.tv_nsec);
    r = statx(AT_FDCWD, lnk, AT_SYMLINK_NOFOLLOW, STATX_TYPE, &sx);
    check("statx AT_SYMLINK_NOFOLLOW sees the link", r == 0 && S_ISLNK(sx.stx_mode));
    errno = 0;
    r = statx(AT_FDCWD, f, 0x80000000, STATX_BASIC_STATS, &sx);
    printf("statx bad flags: %d %s\n", r, strerrorname_np(errno));
    close(fd);
    close(dfd);

    /* well-known objects */
    stat("/", &st);
    stat("/..", &st2);
    check("/.. is /", st.st_ino == st2.st_ino && st.st_dev == st2.st_dev);
    printf("/: type=%s\n", type_of(st.st_mode));
    stat("/dev/null", &st);
    printf("/dev/null: type=%s mode=%04o\n", type_of(st.st_mode), st.st_mode & 0777);
    errno = 0;
    r = stat("", &st);
    printf("stat empty path: %d %s\n", r, strerrorname_np(errno));
    errno = 0;
    r = fstat(12345, &st);
    printf("fstat bad fd: %d %s\n", r, strerrorname_np(errno));

    unlink(lnk);
    unlink(f);
    rmdir(sub);
    rmdir(dir);
    return 0;
}
