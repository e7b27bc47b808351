// Pipes: ordered data, EOF once every writer is closed, EPIPE with SIGPIPE (default
// action kills, a handler runs, SIG_IGN leaves only EPIPE), capacity and O_NONBLOCK
// EAGAIN, pipe2 flags, fd inheritance across fork.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "child_util.h"

static void check(const char *what, int ok) { printf("%s: %s\n", what, ok ? "yes" : "no"); }

static volatile int sigpipes;
static void on_pipe(int sig)
{
    (void)sig;
    sigpipes++;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    int p[2];
    char buf[256];

    /* ordered data and EOF from a child writer */
    pipe(p);
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        for (int i = 0; i < 10; i++) {
            char line[16];
            int n = snprintf(line, sizeof line, "line%d;", i);
            if (write(p[1], line, n) != n)
                _exit(1);
        }
        _exit(0);
    }
    close(p[1]);
    char all[256] = { 0 };
    size_t got = 0;
    ssize_t n;
    while ((n = read(p[0], all + got, sizeof all - 1 - got)) > 0)
        got += n;
    printf("read from child: %s\n", all);
    check("read returns 0 (EOF) after the writer exited", n == 0);
    check("EOF is sticky", read(p[0], buf, 1) == 0);
    close(p[0]);
    waitpid(pid, NULL, 0);

    /* EOF needs every write end closed: a dup keeps the pipe open */
    pipe(p);
    int extra = dup(p[1]);
    close(p[1]);
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    n = read(p[0], buf, 1);
    check("with a duplicate writer open, read says EAGAIN not EOF", n < 0 && errno == EAGAIN);
    close(extra);
    check("after closing the duplicate, EOF", read(p[0], buf, 1) == 0);
    close(p[0]);

    /* write with no reader: default SIGPIPE kills the writer */
    pipe(p);
    close(p[0]);
    pid = fork();
    if (pid == 0) {
        signal(SIGPIPE, SIG_DFL);
        write(p[1], "x", 1);
        _exit(50);
    }
    int st;
    waitpid(pid, &st, 0);
    check("writer killed by SIGPIPE", WIFSIGNALED(st) && WTERMSIG(st) == SIGPIPE);

    /* with a handler: the handler runs, write fails with EPIPE */
    signal(SIGPIPE, on_pipe);
    errno = 0;
    n = write(p[1], "x", 1);
    printf("write with SIGPIPE handler: %zd %s, handler calls=%d\n", n, strerrorname_np(errno), sigpipes);

    /* ignored: just EPIPE */
    signal(SIGPIPE, SIG_IGN);
    errno = 0;
    n = write(p[1], "x", 1);
    printf("write with SIGPIPE ignored: %zd %s, handler calls=%d\n", n, strerrorname_np(errno), sigpipes);

    /* blocked: EPIPE now, signal left pending */
    signal(SIGPIPE, on_pipe);
    sigset_t set, old, pend;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    sigprocmask(SIG_BLOCK, &set, &old);
    errno = 0;
    n = write(p[1], "x", 1);
    sigpending(&pend);
    printf("write with SIGPIPE blocked: %zd %s, pending=%s\n", n, strerrorname_np(errno),
           sigismember(&pend, SIGPIPE) ? "yes" : "no");
    sigprocmask(SIG_SETMASK, &old, NULL);
    printf("handler calls after unblocking: %d\n", sigpipes);
    close(p[1]);

    /* capacity: a non-blocking pipe takes 64 KiB then says EAGAIN */
    pipe2(p, O_NONBLOCK);
    size_t total = 0;
    static char chunk[1024];
    memset(chunk, 'c', sizeof chunk);
    while ((n = write(p[1], chunk, sizeof chunk)) > 0)
        total += n;
    printf("pipe capacity: %zu then %s\n", total, strerrorname_np(errno));
    printf("F_GETPIPE_SZ: %d\n", fcntl(p[1], F_GETPIPE_SZ));
    static char page[4096];
    n = read(p[0], page, sizeof page);
    ssize_t m = write(p[1], chunk, 1024);
    printf("after reading %zd bytes a 1024-byte write: %zd\n", n, m);
    close(p[0]);
    close(p[1]);

    /* pipe2 flags */
    pipe2(p, O_CLOEXEC | O_NONBLOCK);
    check("pipe2 O_CLOEXEC sets FD_CLOEXEC on both ends",
          (fcntl(p[0], F_GETFD) & FD_CLOEXEC) && (fcntl(p[1], F_GETFD) & FD_CLOEXEC));
    check("pipe2 O_NONBLOCK sets O_NONBLOCK on both ends",
          (fcntl(p[0], F_GETFL) & O_NONBLOCK) && (fcntl(p[1], F_GETFL) & O_NONBLOCK));
    printf("access modes: read end %s, write end %s\n", (fcntl(p[0], F_GETFL) & O_ACCMODE) == O_RDONLY ? "O_RDONLY" : "?",
           (fcntl(p[1], F_GETFL) & O_ACCMODE) == O_WRONLY ? "O_WRONLY" : "?");
    errno = 0;
    n = read(p[0], buf, 1);
    printf("empty non-blocking read: %zd %s\n", n, strerrorname_np(errno));
    errno = 0;
    n = write(p[0], "x", 1);
    printf("write to the read end: %zd %s\n", n, strerrorname_np(errno));
    errno = 0;
    n = read(p[1], buf, 1);
    printf("read from the write end: %zd %s\n", n, strerrorname_np(errno));
    errno = 0;
    off_t off = lseek(p[0], 0, SEEK_SET);
    printf("lseek on a pipe: %ld %s\n", (long)off, strerrorname_np(errno));
    close(p[0]);
    close(p[1]);
    errno = 0;
    int r = pipe2(p, O_APPEND);
    printf("pipe2 with a bad flag: %d %s\n", r, strerrorname_np(errno));

    /* zero-length operations */
    pipe(p);
    printf("zero-length write: %zd\n", write(p[1], buf, 0));
    write(p[1], "ab", 2);
    printf("zero-length read with data present: %zd\n", read(p[0], buf, 0));
    printf("short read returns what is there: %zd\n", read(p[0], buf, sizeof buf));
    close(p[0]);
    close(p[1]);

    /* a blocked reader is woken by a writer in another process */
    pipe(p);
    pid = write_later(p[1], "wake", 50);
    n = read(p[0], buf, sizeof buf);
    printf("blocked reader woken with: %.*s\n", (int)n, buf);
    waitpid(pid, NULL, 0);

    /* a blocked writer (full pipe) is woken by a reader */
    fcntl(p[1], F_SETFL, O_NONBLOCK);
    total = 0;
    while (write(p[1], chunk, sizeof chunk) > 0)
        total++;
    fcntl(p[1], F_SETFL, 0);
    pid = fork();
    if (pid == 0) {
        struct timespec ts = { 0, 50 * 1000 * 1000 };
        nanosleep(&ts, NULL);
        char big[8192];
        ssize_t r = read(p[0], big, sizeof big);
        _exit(r == 8192 ? 0 : 1);
    }
    n = write(p[1], chunk, sizeof chunk);
    waitpid(pid, &st, 0);
    printf("blocked writer completed: %zd, reader ok: %s\n", n, WEXITSTATUS(st) == 0 ? "yes" : "no");
    return 0;
}
