// fcntl record locks: F_SETLK conflicts between processes, F_GETLK reporting the holder,
// shared read locks, splitting and merging ranges, F_SETLKW waiting, EDEADLK, release on
// close of any descriptor of the file, and OFD locks owned by the open file description.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define PATH "/tmp/dyn_fcntl.lock"

static void check(const char *what, int ok) { printf("%s: %s\n", what, ok ? "yes" : "no"); }

static int lk(int fd, int cmd, short type, off_t start, off_t len)
{
    struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len};
    return fcntl(fd, cmd, &fl) == 0 ? 0 : errno;
}

/* What F_GETLK says about a write lock over [start, start+len): "free" or "type start len pid?" */
static void probe(int fd, const char *what, off_t start, off_t len, pid_t holder)
{
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = start, .l_len = len};
    fcntl(fd, F_GETLK, &fl);
    if (fl.l_type == F_UNLCK)
        printf("%s: free\n", what);
    else
        printf("%s: %s %ld %ld %s\n", what, fl.l_type == F_WRLCK ? "W" : "R", (long)fl.l_start, (long)fl.l_len,
               fl.l_pid == holder ? "holder" : "other");
}

static int p2c[2], c2p[2];
static void say(int fd) { write(fd, "x", 1); }
static void hear(int fd) { char c; read(fd, &c, 1); }

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    int fd = open(PATH, O_RDWR | O_CREAT | O_TRUNC, 0644);
    write(fd, "0123456789abcdefghij", 20);
    pipe(p2c);
    pipe(c2p);
    pid_t parent = getpid();
    check("write lock [0,10)", lk(fd, F_SETLK, F_WRLCK, 0, 10) == 0);
    check("read lock [20,EOF..)", lk(fd, F_SETLK, F_RDLCK, 20, 0) == 0);

    pid_t pid = fork();
    if (pid == 0) {
        int cfd = open(PATH, O_RDWR);
        probe(cfd, "child probes [5,6)", 5, 1, parent);
        probe(cfd, "child probes [10,20)", 10, 10, parent);
        probe(cfd, "child probes [25,26)", 25, 1, parent);
        check("child F_SETLK [5,6) is EAGAIN", lk(cfd, F_SETLK, F_WRLCK, 5, 1) == EAGAIN);
        check("child read lock [25,30) shares", lk(cfd, F_SETLK, F_RDLCK, 25, 5) == 0);
        check("child write lock [10,20) is free", lk(cfd, F_SETLK, F_WRLCK, 10, 10) == 0);
        say(c2p[1]);
        hear(p2c[0]); /* parent split its lock */
        probe(cfd, "after unlock of [3,7): [4,5)", 4, 1, parent);
        probe(cfd, "after unlock of [3,7): [0,5)", 0, 5, parent);
        probe(cfd, "after unlock of [3,7): [8,9)", 8, 1, parent);
        /* F_SETLKW waits for the parent */
        say(c2p[1]);
        int rc = lk(cfd, F_SETLKW, F_WRLCK, 0, 3);
        check("child F_SETLKW succeeded after the parent unlocked", rc == 0);
        /* deadlock: child holds [0,3), parent waits for it below, child asks for [7,10) */
        say(c2p[1]);
        hear(p2c[0]);
        usleep(200000); /* let the parent block */
        rc = lk(cfd, F_SETLKW, F_WRLCK, 7, 3);
        check("child F_SETLKW that would deadlock is EDEADLK", rc == EDEADLK);
        lk(cfd, F_SETLK, F_UNLCK, 0, 0); /* lets the parent in */
        hear(p2c[0]);
        probe(cfd, "after parent closed another fd: [0,10)", 0, 10, parent);
        _exit(0);
    }
    hear(c2p[0]);
    probe(fd, "parent probes [12,13)", 12, 1, pid);
    check("unlock [3,7) splits the lock", lk(fd, F_SETLK, F_UNLCK, 3, 4) == 0);
    say(p2c[1]);
    hear(c2p[0]);
    usleep(200000);
    int unlocked = lk(fd, F_SETLK, F_UNLCK, 0, 0);
    hear(c2p[0]); /* child has [0,3) (and has printed so) */
    check("unlock everything", unlocked == 0);
    check("parent write lock [7,10)", lk(fd, F_SETLK, F_WRLCK, 7, 3) == 0);
    say(p2c[1]);
    check("parent F_SETLKW [0,3) waits, then succeeds", lk(fd, F_SETLKW, F_WRLCK, 0, 3) == 0);
    int other = open(PATH, O_RDONLY);
    close(other); /* closing any descriptor of the file drops all our locks */
    say(p2c[1]);
    int status;
    waitpid(pid, &status, 0);
    check("child exited 0", WIFEXITED(status) && WEXITSTATUS(status) == 0);

    /* OFD locks belong to the open file description, even within one process */
    int a = open(PATH, O_RDWR), b = open(PATH, O_RDWR);
    check("OFD lock on a", lk(a, F_OFD_SETLK, F_WRLCK, 0, 1) == 0);
    check("OFD lock on b conflicts", lk(b, F_OFD_SETLK, F_WRLCK, 0, 1) == EAGAIN);
    check("POSIX lock of this process conflicts with the OFD lock", lk(b, F_SETLK, F_WRLCK, 0, 1) == EAGAIN);
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1};
    fcntl(b, F_OFD_GETLK, &fl);
    check("F_OFD_GETLK reports pid -1", fl.l_type == F_WRLCK && fl.l_pid == -1);
    close(b);
    check("closing another description keeps the OFD lock", lk(fd, F_SETLK, F_WRLCK, 0, 1) == EAGAIN);
    close(a);
    check("closing its description releases it", lk(fd, F_SETLK, F_WRLCK, 0, 1) == 0);
    struct flock bad = {.l_type = F_WRLCK, .l_pid = 1};
    check("OFD with l_pid set is EINVAL", fcntl(fd, F_OFD_SETLK, &bad) == -1 && errno == EINVAL);

    check("bad type is EINVAL", lk(fd, F_SETLK, 7, 0, 1) == EINVAL);
    check("negative start is EINVAL", lk(fd, F_SETLK, F_WRLCK, -5, 1) == EINVAL);
    check("negative length counts backwards", lk(fd, F_SETLK, F_RDLCK, 5, -5) == 0);
    int ro = open(PATH, O_RDONLY);
    check("write lock on O_RDONLY is EBADF", lk(ro, F_SETLK, F_WRLCK, 0, 1) == EBADF);
    check("F_GETLK with F_UNLCK is EINVAL", lk(ro, F_GETLK, F_UNLCK, 0, 1) == EINVAL);
    close(ro);
    close(fd);
    unlink(PATH);
    return 0;
}
