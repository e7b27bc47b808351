// rename and link semantics: replacing an existing file atomically (the old inode lives
// on through an open fd), directory renames (empty target dir replaced, non-empty ->
// ENOTEMPTY, into own subtree -> EINVAL), type mismatches (EISDIR / ENOTDIR), renaming
// onto itself or a hard link of itself is a no-op, unlink of open files.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "fs_util.h"
#include "rc_util.h"

static void rc(const char *what, long r) { print_rc(42, 0, what, r); }

static void put(const char *name, const char *text)
{
    int fd = open(at(name), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    write(fd, text, strlen(text));
    close(fd);
}

static void show(const char *name)
{
    char buf[64];
    int fd = open(at(name), O_RDONLY);
    if (fd < 0) {
        printf("  %s: %s\n", name, strerrorname_np(errno));
        return;
    }
    ssize_t n = read(fd, buf, sizeof buf);
    close(fd);
    printf("  %s: \"%.*s\"\n", name, (int)n, buf);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    mkdir(scratch_dir("rename_link"), 0755);
    put("a", "contents of a");
    put("b", "contents of b");
    struct stat sa, sb;
    stat(at("a"), &sa);
    int old_b = open(at("b"), O_RDONLY);
    rc("rename a over existing b", rename(at("a"), at("b")));
    show("a");
    show("b");
    stat(at("b"), &sb);
    printf("b now has a's inode: %s\n", sa.st_ino == sb.st_ino ? "yes" : "no");
    char buf[64];
    ssize_t n = read(old_b, buf, sizeof buf);
    printf("fd opened on the old b still reads: \"%.*s\"\n", (int)n, buf);
    struct stat so;
    fstat(old_b, &so);
    printf("old b's link count: %lu\n", (unsigned long)so.st_nlink);
    close(old_b);

    rc("rename onto itself", rename(at("b"), at("b")));
    show("b");
    rc("link b -> b2", link(at("b"), at("b2")));
    rc("rename b over its own hard link b2", rename(at("b"), at("b2")));
    struct stat s1, s2;
    printf("both names still exist: %s\n", stat(at("b"), &s1) == 0 && stat(at("b2"), &s2) == 0 ? "yes" : "no");
    printf("link count: %lu\n", (unsigned long)s1.st_nlink);
    unlink(at("b2"));

    mkdir(at("d1"), 0755);
    mkdir(at("d2"), 0755);
    put("d1/inner", "inner file");
    rc("rename dir over empty dir", rename(at("d1"), at("d2")));
    show("d2/inner");
    rc("old dir name gone", stat(at("d1"), &s1));
    mkdir(at("d3"), 0755);
    put("d3/x", "x");
    rc("rename dir over non-empty dir", rename(at("d2"), at("d3")));
    rc("rename file over dir", rename(at("b"), at("d3")));
    rc("rename dir over file", rename(at("d3"), at("b")));
    rc("rename dir into its own subdir", rename(at("d2"), at("d2/sub")));
    rc("rename missing source", rename(at("nope"), at("x")));
    rc("rename into missing dir", rename(at("b"), at("nodir/b")));
    rc("rename with . as source", rename(at("d2/."), at("z")));
    rc("rename to a file in another dir", rename(at("b"), at("d3/b")));
    show("d3/b");
    rc("rename back", rename(at("d3/b"), at("b")));
    rc("rename dir to new name", rename(at("d3"), at("d4")));
    show("d4/x");
    struct stat sd;
    stat(at("d4"), &sd);
    printf("renamed dir nlink: %lu\n", (unsigned long)sd.st_nlink);
    stat(dir, &sd);
    printf("parent nlink (d2, d4): %lu\n", (unsigned long)sd.st_nlink);
    mkdir(at("d4/child"), 0755);
    rc("move a dir to another parent", rename(at("d4/child"), at("d2/child")));
    struct stat p4, p2;
    stat(at("d4"), &p4);
    stat(at("d2"), &p2);
    printf("nlink of old parent / new parent: %lu / %lu\n", (unsigned long)p4.st_nlink, (unsigned long)p2.st_nlink);
    int dfd = open(at("d2/child"), O_RDONLY | O_DIRECTORY);
    struct stat dotdot;
    fstatat(dfd, "..", &dotdot, 0);
    printf("moved dir's .. is the new parent: %s\n", dotdot.st_ino == p2.st_ino ? "yes" : "no");
    close(dfd);

    /* renameat with dir fds */
    int d2 = open(at("d2"), O_RDONLY | O_DIRECTORY), d4 = open(at("d4"), O_RDONLY | O_DIRECTORY);
    rc("renameat between dir fds", renameat(d4, "x", d2, "y"));
    show("d2/y");
    rc("renameat2 RENAME_NOREPLACE onto existing", renameat2(d2, "y", d2, "inner", RENAME_NOREPLACE));
    rc("renameat2 RENAME_NOREPLACE to new name", renameat2(d2, "y", d2, "z", RENAME_NOREPLACE));
    rc("renameat2 RENAME_EXCHANGE", renameat2(d2, "z", d2, "inner", RENAME_EXCHANGE));
    show("d2/z");
    show("d2/inner");
    close(d2);
    close(d4);

    /* unlink while open: data stays until the last close */
    put("tmpfile", "still here");
    int fd = open(at("tmpfile"), O_RDONLY);
    rc("unlink open file", unlink(at("tmpfile")));
    n = read(fd, buf, sizeof buf);
    printf("read after unlink: \"%.*s\"\n", (int)n, buf);
    rc("name gone", stat(at("tmpfile"), &s1));
    close(fd);

    /* cleanup */
    unlink(at("d2/z"));
    unlink(at("d2/inner"));
    rmdir(at("d2/child"));
    rmdir(at("d2"));
    rmdir(at("d4"));
    unlink(at("b"));
    rc("cleanup", rmdir(dir));
    return 0;
}
