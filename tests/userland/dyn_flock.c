// flock(2): exclusive and shared locks between open file descriptions, LOCK_NB, blocking
// until the holder unlocks, sharing through dup/fork, release on last close, conversion.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#define PATH "/tmp/dyn_flock.lock"

static void check(const char *what, int ok) { printf("%s: %s\n", what, ok ? "yes" : "no"); }

static int try_lock(int op)
{
    int fd = open(PATH, O_RDONLY);
    int rc = flock(fd, op | LOCK_NB);
    int err = errno;
    close(fd);
    return rc == 0 ? 0 : err;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    int fd = open(PATH, O_RDWR | O_CREAT | O_TRUNC, 0644);
    check("LOCK_EX", flock(fd, LOCK_EX) == 0);
    check("again on the same file is fine", flock(fd, LOCK_EX) == 0);
    check("other description: LOCK_EX|LOCK_NB is EWOULDBLOCK", try_lock(LOCK_EX) == EWOULDBLOCK);
    check("other description: LOCK_SH|LOCK_NB is EWOULDBLOCK", try_lock(LOCK_SH) == EWOULDBLOCK);
    int dupfd = dup(fd);
    check("a dup shares the lock", flock(dupfd, LOCK_EX | LOCK_NB) == 0);
    close(dupfd);
    check("closing a dup keeps it", try_lock(LOCK_SH) == EWOULDBLOCK);

    check("convert to LOCK_SH", flock(fd, LOCK_SH) == 0);
    check("other LOCK_SH now fine", try_lock(LOCK_SH) == 0);
    check("other LOCK_EX still refused", try_lock(LOCK_EX) == EWOULDBLOCK);

    /* a child blocks on LOCK_EX until we unlock */
    int p[2];
    pipe(p);
    flock(fd, LOCK_EX);
    pid_t pid = fork();
    if (pid == 0) {
        int cfd = open(PATH, O_RDWR);
        write(p[1], "w", 1); /* about to block */
        int rc = flock(cfd, LOCK_EX);
        write(p[1], rc == 0 ? "L" : "E", 1);
        _exit(0);
    }
    char c;
    read(p[0], &c, 1);
    usleep(100000);
    check("child still blocked", try_lock(LOCK_SH) == EWOULDBLOCK);
    check("LOCK_UN", flock(fd, LOCK_UN) == 0);
    read(p[0], &c, 1);
    check("child got the lock after unlock", c == 'L');
    waitpid(pid, NULL, 0);
    check("child's exit released it", try_lock(LOCK_EX) == 0);

    /* a forked child shares the parent's description */
    flock(fd, LOCK_EX);
    pid = fork();
    if (pid == 0)
        _exit(flock(fd, LOCK_EX | LOCK_NB) == 0 ? 0 : 1);
    int status;
    waitpid(pid, &status, 0);
    check("inherited descriptor holds the same lock", WIFEXITED(status) && WEXITSTATUS(status) == 0);
    check("still locked after the child exits", try_lock(LOCK_SH) == EWOULDBLOCK);
    close(fd);
    check("last close releases", try_lock(LOCK_EX) == 0);

    errno = 0;
    fd = open(PATH, O_RDONLY);
    check("bad operation is EINVAL", flock(fd, 0) == -1 && errno == EINVAL);
    check("LOCK_SH|LOCK_EX is EINVAL", flock(fd, LOCK_SH | LOCK_EX) == -1 && errno == EINVAL);
    errno = 0;
    check("bad fd is EBADF", flock(99, LOCK_EX) == -1 && errno == EBADF);
    close(fd);
    unlink(PATH);
    return 0;
}
