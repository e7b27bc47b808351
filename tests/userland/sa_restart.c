// Interrupted system calls: a blocking pipe read interrupted by a signal from a child
// fails with EINTR without SA_RESTART and is restarted with it; nanosleep, poll, select
// and pause always fail with EINTR; wait4 restarts; ignored signals interrupt nothing.
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/select.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile int handled;
static void on_usr1(int sig)
{
    (void)sig;
    handled++;
}

static void set_handler(void (*fn)(int), int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = fn;
    sa.sa_flags = flags;
    sigaction(SIGUSR1, &sa, NULL);
}

struct pester {
    pid_t pid;
    int data_rd;   /* parent reads data the child writes after 'write_after' signals */
    int done_wr;   /* parent closes this to stop the child */
};

/* a child that sends SIGUSR1 to the parent every 30 ms until told to stop */
static struct pester start_pester(int write_after, int exit_after)
{
    int data[2], done[2];
    if (pipe(data) < 0 || pipe(done) < 0)
        _exit(2);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        close(data[0]);
        close(done[1]);
        for (int n = 1; n <= 300; n++) {
            struct timespec ts = { 0, 30 * 1000 * 1000 };
            nanosleep(&ts, NULL);
            struct pollfd pfd = { done[0], POLLIN, 0 };
            if (poll(&pfd, 1, 0) > 0)
                _exit(0);
            kill(parent, SIGUSR1);
            if (n == write_after && write(data[1], "data", 4) != 4)
                _exit(3);
            if (n == exit_after)
                _exit(7);
        }
        _exit(1);
    }
    close(data[1]);
    close(done[0]);
    return (struct pester){ pid, data[0], done[1] };
}

static void stop_pester(struct pester p)
{
    close(p.done_wr);
    close(p.data_rd);
    while (waitpid(p.pid, NULL, 0) < 0 && errno == EINTR)
        continue;
}

static void result(const char *what, long r)
{
    if (r < 0)
        printf("%s: -1 %s (handler ran: %s)\n", what, strerrorname_np(errno), handled ? "yes" : "no");
    else
        printf("%s: %ld (handler ran: %s)\n", what, r, handled ? "yes" : "no");
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    char buf[16];

    set_handler(on_usr1, 0);
    handled = 0;
    struct pester p = start_pester(0, 0);
    result("read without SA_RESTART", read(p.data_rd, buf, sizeof buf));
    stop_pester(p);

    set_handler(on_usr1, SA_RESTART);
    handled = 0;
    p = start_pester(4, 0);
    ssize_t n = read(p.data_rd, buf, sizeof buf);
    result("read with SA_RESTART", n);
    printf("restarted read got the data: %s\n", n == 4 && memcmp(buf, "data", 4) == 0 ? "yes" : "no");
    stop_pester(p);

    handled = 0;
    p = start_pester(0, 0);
    struct timespec req = { 5, 0 }, rem = { 0, 0 };
    result("nanosleep with SA_RESTART", nanosleep(&req, &rem));
    printf("remaining time reported, less than requested: %s\n",
           (rem.tv_sec > 0 || rem.tv_nsec > 0) && rem.tv_sec < 5 ? "yes" : "no");
    stop_pester(p);

    handled = 0;
    p = start_pester(0, 0);
    struct pollfd pfd = { p.data_rd, POLLIN, 0 };
    result("poll with SA_RESTART", poll(&pfd, 1, -1));
    stop_pester(p);

    handled = 0;
    p = start_pester(0, 0);
    fd_set rs;
    FD_ZERO(&rs);
    FD_SET(p.data_rd, &rs);
    result("select with SA_RESTART", select(p.data_rd + 1, &rs, NULL, NULL, NULL));
    stop_pester(p);

    handled = 0;
    p = start_pester(0, 0);
    result("pause", pause());
    stop_pester(p);

    /* wait4 is restarted: the pester exits by itself after 5 signals */
    handled = 0;
    p = start_pester(0, 5);
    int st = 0;
    pid_t w = waitpid(p.pid, &st, 0);
    result("waitpid with SA_RESTART returned the child", w == p.pid ? 1 : w);
    printf("child exit code: %d\n", WEXITSTATUS(st));
    close(p.done_wr);
    close(p.data_rd);

    /* without SA_RESTART wait4 fails */
    set_handler(on_usr1, 0);
    handled = 0;
    p = start_pester(0, 0);
    result("waitpid without SA_RESTART", waitpid(p.pid, &st, 0));
    stop_pester(p);

    /* an ignored signal does not interrupt */
    set_handler(SIG_IGN, 0);
    handled = 0;
    p = start_pester(4, 0);
    result("read while the signal is ignored", read(p.data_rd, buf, sizeof buf));
    stop_pester(p);

    /* a blocked signal does not interrupt either; it stays pending */
    set_handler(on_usr1, 0);
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, &old);
    handled = 0;
    p = start_pester(3, 0);
    result("read while the signal is blocked", read(p.data_rd, buf, sizeof buf));
    stop_pester(p);
    sigset_t pend;
    sigpending(&pend);
    printf("signal pending after the read: %s\n", sigismember(&pend, SIGUSR1) ? "yes" : "no");
    sigprocmask(SIG_SETMASK, &old, NULL);
    printf("handler ran once after unblocking: %s\n", handled == 1 ? "yes" : "no");
    return 0;
}
