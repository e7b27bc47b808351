// Working directory: getcwd after chdir with "..", ".", symlinks (resolved) and fchdir;
// relative paths resolve against it; ".." at / stays at /; ERANGE for a short buffer;
// a child's chdir does not affect the parent; the cwd survives exec.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "fs_util.h"
#include "rc_util.h"

/* prints the cwd with the per-run scratch prefix replaced by "<base>" */
static void pwd(const char *what)
{
    char buf[PATH_MAX];
    if (!getcwd(buf, sizeof buf)) {
        printf("%s: getcwd failed %s\n", what, strerrorname_np(errno));
        return;
    }
    size_t n = strlen(dir);
    if (n > 0 && strncmp(buf, dir, n) == 0)
        printf("%s: <base>%s\n", what, buf + n);
    else
        printf("%s: %s\n", what, buf);
}

static void rc(const char *what, long r) { print_rc(0, 1, what, r); }

/* chdir to path, print the result and then the cwd as `after` */
static void chdir_pwd(const char *what, const char *path, const char *after)
{
    rc(what, chdir(path));
    pwd(after);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc > 2 && strcmp(argv[1], "--pwd") == 0) {
        snprintf(dir, sizeof dir, "%s", argv[2]);
        pwd("after exec");
        return 0;
    }
    pwd("initial");
    char path[PATH_MAX];
    mkdir(scratch_dir("cwd"), 0755);
    mkdir(at("a"), 0755);
    mkdir(at("a/b"), 0755);
    mkdir(at("a/b/c"), 0755);
    symlink("a/b", at("link"));

    chdir_pwd("chdir base", dir, "cwd");
    chdir_pwd("chdir a/b/c (relative)", "a/b/c", "cwd");
    chdir_pwd("chdir ..", "..", "cwd");
    chdir_pwd("chdir ./../.", "./../.", "cwd");
    chdir_pwd("chdir b/c/../../b/c", "b/c/../../b/c", "cwd");
    chdir_pwd("chdir ../../../link (symlink)", "../../../link", "cwd resolves the symlink");
    chdir_pwd("chdir c", "c", "cwd");

    int fd = open("relative_file", O_CREAT | O_WRONLY, 0644);
    rc("create a relative file", fd < 0 ? -1 : 0);
    close(fd);
    snprintf(path, sizeof path, "%s/a/b/c/relative_file", dir);
    struct stat st;
    rc("it exists under the absolute path", stat(path, &st));
    unlink(path);

    int here = open(".", O_RDONLY | O_DIRECTORY);
    chdir_pwd("chdir /", "/", "cwd");
    chdir_pwd("chdir .. at root", "..", "cwd");
    chdir_pwd("chdir /../../tmp/..", "/../../tmp/..", "cwd");
    rc("fchdir back", fchdir(here));
    pwd("cwd");
    int f = open("/dev/null", O_RDONLY);
    rc("fchdir to a non-directory", fchdir(f));
    rc("fchdir bad fd", fchdir(999));
    close(f);

    char tiny[4];
    errno = 0;
    char *r = getcwd(tiny, sizeof tiny);
    printf("getcwd small buffer: %s %s\n", r ? "ok" : "NULL", strerrorname_np(errno));
    errno = 0;
    long raw = syscall(SYS_getcwd, tiny, 0);
    rc("raw getcwd size 0", raw);
    char exact[PATH_MAX];
    raw = syscall(SYS_getcwd, exact, sizeof exact);
    printf("raw getcwd returns strlen+1: %s\n", raw == (long)strlen(exact) + 1 ? "yes" : "no");

    /* child's chdir is private */
    pid_t pid = fork();
    if (pid == 0) {
        chdir("/");
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    pwd("after child chdir /");

    /* the cwd is inherited through fork + exec */
    pid = fork();
    if (pid == 0) {
        char *args[] = { argv[0], "--pwd", dir, NULL };
        execv(argv[0], args);
        _exit(127);
    }
    waitpid(pid, NULL, 0);

    /* removing the cwd */
    snprintf(path, sizeof path, "%s/gone", dir);
    mkdir(path, 0755);
    chdir(path);
    rc("rmdir the cwd", rmdir(path));
    errno = 0;
    r = getcwd(exact, sizeof exact);
    printf("getcwd of a removed dir: %s %s\n", r ? "ok" : "NULL", strerrorname_np(errno));
    rc("create a file in the removed cwd", open("x", O_CREAT | O_WRONLY, 0644));

    chdir("/");
    unlink(at("link"));
    rmdir(at("a/b/c"));
    rmdir(at("a/b"));
    rmdir(at("a"));
    rc("cleanup", rmdir(dir));
    close(here);
    return 0;
}
