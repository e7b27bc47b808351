// File descriptors across fork and exec: dup/dup2/dup3/F_DUPFD(_CLOEXEC), FD_CLOEXEC via
// open/fcntl/pipe2, offsets shared by duplicates and across exec; a helper mode of this
// binary probes which descriptors survived the exec.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include "rc_util.h"

#define FIRST 20
#define LAST 31

static void probe(void)
{
    for (int fd = FIRST; fd <= LAST; fd++) {
        int flags = fcntl(fd, F_GETFD);
        if (flags < 0) {
            printf("  fd %d: closed (%s)\n", fd, strerrorname_np(errno));
            continue;
        }
        off_t off = lseek(fd, 0, SEEK_CUR);
        printf("  fd %d: open cloexec=%d offset=%ld\n", fd, flags & FD_CLOEXEC ? 1 : 0, (long)off);
    }
}

static void say(const char *what, long r) { print_rc(0, 1, what, r); }

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc > 1 && strcmp(argv[1], "--probe") == 0) {
        probe();
        return 0;
    }
    char path[64];
    snprintf(path, sizeof path, "/tmp/fd_cloexec.%d", getpid());
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    write(fd, "hello", 5);

    say("dup2 to 20", dup2(fd, 20));
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    say("dup2 of a cloexec fd to 21", dup2(fd, 21));
    say("dup3 O_CLOEXEC to 22", dup3(fd, 22, O_CLOEXEC));
    say("F_DUPFD_CLOEXEC from 23", fcntl(fd, F_DUPFD_CLOEXEC, 23));
    say("F_DUPFD from 23 skips the used 23", fcntl(fd, F_DUPFD, 23));
    int oc = open(path, O_RDONLY | O_CLOEXEC);
    say("dup2 of an O_CLOEXEC open to 25", dup2(oc, 25));
    say("fcntl F_SETFD on 25", fcntl(25, F_SETFD, FD_CLOEXEC));
    close(oc);
    int p[2];
    pipe2(p, O_CLOEXEC);
    say("pipe read end to 26", dup3(p[0], 26, O_CLOEXEC));
    say("pipe write end to 27", dup2(p[1], 27));
    close(p[0]);
    close(p[1]);
    say("dup2 to 28 then clear cloexec", dup3(fd, 28, O_CLOEXEC));
    fcntl(28, F_SETFD, 0);
    say("F_GETFD 28", fcntl(28, F_GETFD));
    say("F_GETFD 22", fcntl(22, F_GETFD));
    lseek(20, 2, SEEK_SET);
    say("duplicates share the offset", lseek(23, 0, SEEK_CUR));

    printf("before exec:\n");
    probe();

    /* a failed exec closes nothing */
    char *bad[] = { "/nonexistent/prog", NULL };
    execve(bad[0], bad, environ);
    say("after failed exec, cloexec fd 22 still open", fcntl(22, F_GETFD));

    pid_t pid = fork();
    if (pid == 0) {
        lseek(20, 4, SEEK_SET);  /* shared with the parent through the open file */
        char *args[] = { argv[0], "--probe", NULL };
        execve(argv[0], args, environ);
        _exit(127);
    }
    int st;
    waitpid(pid, &st, 0);
    say("probe exit", WEXITSTATUS(st));
    say("parent sees the child's lseek", lseek(20, 0, SEEK_CUR));

    /* the child's fd table is a copy: closing there leaves ours open */
    pid = fork();
    if (pid == 0) {
        for (int i = FIRST; i <= LAST; i++)
            close(i);
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    say("after child closed everything, fd 20 still open", fcntl(20, F_GETFD));

    /* lowest free descriptor */
    int a = open("/dev/null", O_RDONLY);
    int b = open("/dev/null", O_RDONLY);
    close(a);
    int c = open("/dev/null", O_RDONLY);
    printf("open reuses the lowest free fd: %s\n", c == a && b == a + 1 ? "yes" : "no");
    close(b);
    close(c);

    /* errors */
    say("dup2 same fd", dup2(20, 20));
    say("dup2 from a closed fd", dup2(30, 5));
    say("dup3 same fd", dup3(20, 20, 0));
    say("dup3 bad flags", dup3(20, 29, O_NONBLOCK));
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    say("dup2 beyond RLIMIT_NOFILE", dup2(20, (int)rl.rlim_cur));
    say("F_DUPFD beyond RLIMIT_NOFILE", fcntl(20, F_DUPFD, (int)rl.rlim_cur));
    say("fcntl on a closed fd", fcntl(30, F_GETFD));
    say("close a closed fd", close(30));
    say("close -1", close(-1));
    say("dup of a closed fd", dup(30));
    say("fcntl bad command", fcntl(20, 9999));
    unlink(path);
    return 0;
}
