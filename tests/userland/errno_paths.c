// Path-based error numbers: ENOENT, ENOTDIR, EISDIR, EEXIST, ENOTEMPTY, ENAMETOOLONG,
// EINVAL, EBUSY-free cases; mkdir/rmdir/unlink/open/link/chdir on the wrong file types.
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

static void rc(const char *what, long r) { print_rc(45, 0, what, r); }

static long open_close(const char *path, int flags)
{
    int fd = open(path, flags, 0644);
    if (fd >= 0)
        close(fd);
    return fd;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    rc("mkdir scratch", mkdir(scratch_dir("errno_paths"), 0755));
    rc("mkdir existing dir", mkdir(dir, 0755));
    rc("mkdir under missing parent", mkdir(at("no/such"), 0755));
    rc("create file", open_close(at("file"), O_CREAT | O_WRONLY));
    rc("mkdir over a file", mkdir(at("file"), 0755));
    rc("mkdir under a file", mkdir(at("file/sub"), 0755));
    rc("mkdir with trailing slash", mkdir(at("withslash/"), 0755));
    rc("rmdir it with trailing slash", rmdir(at("withslash/")));

    rc("open missing", open_close(at("missing"), O_RDONLY));
    rc("open missing in missing dir with O_CREAT", open_close(at("nodir/x"), O_CREAT | O_WRONLY));
    rc("open file as a directory component", open_close(at("file/x"), O_RDONLY));
    rc("open dir for writing", open_close(dir, O_WRONLY));
    rc("open dir read-write", open_close(dir, O_RDWR));
    rc("open dir read-only", open_close(dir, O_RDONLY));
    rc("open dir with O_CREAT", open_close(dir, O_CREAT | O_RDONLY));
    rc("open file with O_DIRECTORY", open_close(at("file"), O_RDONLY | O_DIRECTORY));
    rc("O_CREAT|O_EXCL on existing", open_close(at("file"), O_CREAT | O_EXCL | O_WRONLY));
    rc("trailing slash on a file", open_close(at("file/"), O_RDONLY));
    rc("O_CREAT with trailing slash", open_close(at("newfile/"), O_CREAT | O_WRONLY));
    rc("empty path", open_close("", O_RDONLY));

    rc("unlink missing", unlink(at("missing")));
    rc("unlink a directory", unlink(dir));
    rc("rmdir a file", rmdir(at("file")));
    rc("mkdir sub", mkdir(at("sub"), 0755));
    rc("file in sub", open_close(at("sub/f"), O_CREAT | O_WRONLY));
    rc("rmdir non-empty", rmdir(at("sub")));
    rc("rmdir with . as last component", rmdir(at("sub/.")));
    rc("rmdir with .. as last component", rmdir(at("sub/..")));
    rc("unlink sub/f", unlink(at("sub/f")));
    rc("rmdir now-empty sub", rmdir(at("sub")));
    rc("rmdir again", rmdir(at("sub")));

    rc("link to existing name", link(at("file"), at("file")));
    rc("link a directory", link(dir, at("dirlink")));
    rc("link from missing", link(at("missing"), at("x")));
    rc("link into missing dir", link(at("file"), at("nodir/x")));
    rc("link ok", link(at("file"), at("file2")));
    rc("unlink link", unlink(at("file2")));

    rc("chdir to a file", chdir(at("file")));
    rc("chdir to missing", chdir(at("missing")));
    rc("chdir empty path", chdir(""));

    char longname[NAME_MAX + 2];
    memset(longname, 'n', sizeof longname - 1);
    longname[sizeof longname - 1] = 0;
    rc("component of NAME_MAX+1 chars", open_close(at(longname), O_CREAT | O_WRONLY));
    longname[NAME_MAX] = 0;
    rc("component of exactly NAME_MAX chars", open_close(at(longname), O_CREAT | O_WRONLY));
    rc("unlink it", unlink(at(longname)));
    static char longpath[PATH_MAX + 100];
    for (size_t i = 0; i < sizeof longpath - 1; i++)
        longpath[i] = i % 2 ? '/' : 'a';
    rc("path longer than PATH_MAX", open_close(longpath, O_RDONLY));

    rc("rename missing", rename(at("missing"), at("x")));
    rc("truncate a directory", truncate(dir, 0));
    rc("truncate missing", truncate(at("missing"), 0));
    rc("truncate negative length", truncate(at("file"), -1));
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    char buf[8];
    rc("read from a directory fd", read(dfd, buf, sizeof buf));
    rc("write to a directory fd", write(dfd, buf, 1));
    rc("ftruncate a directory fd", ftruncate(dfd, 0));
    int rfd = openat(dfd, "file", O_RDONLY);
    rc("openat relative to dir fd", rfd);
    close(rfd);
    int ffd = open(at("file"), O_RDONLY);
    rc("openat relative to a file fd", (long)openat(ffd, "x", O_RDONLY));
    rc("openat relative to a bad fd", (long)openat(987, "x", O_RDONLY));
    int afd = openat(987, "/", O_RDONLY);
    rc("openat absolute path ignores bad fd", afd);
    close(afd);
    rc("mkdirat relative to dir fd", mkdirat(dfd, "viafd", 0755));
    rc("unlinkat AT_REMOVEDIR", unlinkat(dfd, "viafd", AT_REMOVEDIR));
    rc("unlinkat on a dir without AT_REMOVEDIR", unlinkat(AT_FDCWD, dir, 0));
    rc("unlinkat bad flag", unlinkat(dfd, "file", 0x4));
    rc("ftruncate a read-only fd", ftruncate(ffd, 0));
    close(ffd);
    close(dfd);
    rc("unlink file", unlink(at("file")));
    rc("rmdir scratch", rmdir(dir));
    return 0;
}
