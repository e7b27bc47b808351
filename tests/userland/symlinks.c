// Symbolic links: readlink contents and lengths (no NUL, truncation), relative and
// absolute targets, chains, loops -> ELOOP, the 40-link limit, dangling links, O_NOFOLLOW,
// lstat vs stat, symlinks to directories in the middle of a path, trailing slashes.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "fs_util.h"
#include "rc_util.h"

static void rc(const char *what, long r) { print_rc(0, 1, what, r); }

static void show_link(const char *name)
{
    char buf[256];
    memset(buf, '#', sizeof buf);
    ssize_t n = readlink(at(name), buf, sizeof buf);
    if (n < 0)
        printf("readlink %s: -1 %s\n", name, strerrorname_np(errno));
    else
        printf("readlink %s: %zd \"%.*s\" byte after is untouched: %s\n", name, n, (int)n, buf,
               buf[n] == '#' ? "yes" : "no");
}

static int open_rc(const char *what, const char *path, int flags)
{
    int fd = open(path, flags, 0644);
    rc(what, fd < 0 ? -1 : 0);
    if (fd >= 0)
        close(fd);
    return fd;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    mkdir(scratch_dir("symlinks"), 0755);
    mkdir(at("d"), 0755);
    int fd = open(at("d/target"), O_CREAT | O_WRONLY, 0644);
    write(fd, "payload\n", 8);
    close(fd);

    rc("symlink relative", symlink("d/target", at("rel")));
    rc("symlink absolute", symlink(at("d/target"), at("abs")));
    rc("symlink to dir", symlink("d", at("dirlink")));
    rc("symlink dangling", symlink("nowhere", at("dangling")));
    rc("symlink self loop", symlink("loop1", at("loop1")));
    rc("symlink loop a->b", symlink("loopb", at("loopa")));
    rc("symlink loop b->a", symlink("loopa", at("loopb")));
    rc("symlink over existing", symlink("x", at("rel")));
    rc("symlink empty target", symlink("", at("empty")));
    rc("symlink with ../ target", symlink("../d/target", at("d/up")));

    show_link("rel");
    show_link("dirlink");
    show_link("dangling");
    show_link("d/up");
    char small[4];
    ssize_t n = readlink(at("rel"), small, sizeof small);
    printf("readlink truncates to the buffer: %zd \"%.*s\"\n", n, (int)n, small);
    rc("readlink of a regular file", readlink(at("d/target"), small, sizeof small));
    rc("readlink of a directory", readlink(at("d"), small, sizeof small));
    rc("readlink of a missing file", readlink(at("missing"), small, sizeof small));
    rc("readlink with size 0", readlink(at("rel"), small, 0));

    char buf[64];
    fd = open(at("rel"), O_RDONLY);
    n = read(fd, buf, sizeof buf);
    printf("read through relative link: %.*s", (int)n, buf);
    close(fd);
    fd = open(at("abs"), O_RDONLY);
    n = read(fd, buf, sizeof buf);
    printf("read through absolute link: %.*s", (int)n, buf);
    close(fd);
    fd = open(at("d/up"), O_RDONLY);
    n = read(fd, buf, sizeof buf);
    printf("read through ../ link: %.*s", (int)n, buf);
    close(fd);
    open_rc("open through dir link in the middle", at("dirlink/target"), O_RDONLY);

    struct stat a, b;
    stat(at("rel"), &a);
    stat(at("d/target"), &b);
    printf("stat follows: same inode: %s\n", a.st_ino == b.st_ino ? "yes" : "no");
    lstat(at("rel"), &a);
    printf("lstat does not: symlink: %s size=%ld\n", S_ISLNK(a.st_mode) ? "yes" : "no", (long)a.st_size);
    lstat(at("dirlink/"), &a);
    printf("lstat with trailing slash follows a dir link: %s\n", S_ISDIR(a.st_mode) ? "yes" : "no");

    rc("stat dangling", stat(at("dangling"), &a));
    rc("lstat dangling", lstat(at("dangling"), &a));
    rc("stat self loop", stat(at("loop1"), &a));
    rc("stat a<->b loop", stat(at("loopa"), &a));
    rc("lstat loop", lstat(at("loopa"), &a));
    rc("stat empty link", stat(at("empty"), &a));
    open_rc("open loop", at("loopa"), O_RDONLY);
    open_rc("open loop with O_CREAT", at("loopa"), O_RDONLY | O_CREAT);
    open_rc("open dangling with O_CREAT creates the target", at("dangling"), O_WRONLY | O_CREAT);
    rc("the dangling target now exists", stat(at("nowhere"), &a));
    open_rc("O_CREAT|O_EXCL on a symlink", at("rel"), O_WRONLY | O_CREAT | O_EXCL);
    open_rc("O_NOFOLLOW on a symlink", at("rel"), O_RDONLY | O_NOFOLLOW);
    open_rc("O_NOFOLLOW on a symlink in the middle", at("dirlink/target"), O_RDONLY | O_NOFOLLOW);
    open_rc("O_DIRECTORY through dir link", at("dirlink"), O_RDONLY | O_DIRECTORY);
    open_rc("trailing slash on a file link", at("rel/"), O_RDONLY);
    open_rc("loop in the middle of a path", at("loopa/x"), O_RDONLY);

    /* chains: 40 links are followed, 41 are too many */
    char name[32], target[32];
    for (int i = 1; i <= 41; i++) {
        snprintf(name, sizeof name, "c%d", i);
        if (i == 1)
            snprintf(target, sizeof target, "d/target");
        else
            snprintf(target, sizeof target, "c%d", i - 1);
        symlink(target, at(name));
    }
    rc("chain of 40 links", stat(at("c40"), &a));
    rc("chain of 41 links", stat(at("c41"), &a));

    /* removing a symlink does not touch its target; renaming it keeps its text */
    rc("unlink symlink", unlink(at("abs")));
    rc("target still there", stat(at("d/target"), &a));
    rc("rename symlink", rename(at("rel"), at("rel2")));
    show_link("rel2");
    rc("rmdir through a dir symlink", rmdir(at("dirlink")));
    rc("unlink a dir symlink with trailing slash", unlink(at("dirlink/")));
    rc("symlink at the path of an existing directory", symlink("a", at("")));
    errno = 0;
    static char longname[PATH_MAX + 10];
    memset(longname, 'x', sizeof longname - 1);
    rc("symlink target longer than PATH_MAX", symlink(longname, at("toolong")));

    /* cleanup */
    const char *links[] = { "rel2", "dirlink", "dangling", "nowhere", "loop1", "loopa", "loopb", "empty", "d/up",
                            "d/target", "toolong" };
    for (unsigned i = 0; i < sizeof links / sizeof links[0]; i++)
        unlink(at(links[i]));
    for (int i = 1; i <= 41; i++) {
        snprintf(name, sizeof name, "c%d", i);
        unlink(at(name));
    }
    rmdir(at("d"));
    rc("directory removed", rmdir(dir));
    return 0;
}
