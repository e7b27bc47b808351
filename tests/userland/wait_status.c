// wait4/waitpid status words: exit codes, death by signal (no core dump bit for
// SIGKILL/SIGTERM), stop/continue reporting, WNOHANG and ECHILD.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void describe(const char *what, int st)
{
    printf("%s: status=0x%04x", what, st);
    if (WIFEXITED(st))
        printf(" exited code=%d", WEXITSTATUS(st));
    if (WIFSIGNALED(st))
        printf(" signaled sig=%s core=%d", sigabbrev_np(WTERMSIG(st)), WCOREDUMP(st) ? 1 : 0);
    if (WIFSTOPPED(st))
        printf(" stopped sig=%s", sigabbrev_np(WSTOPSIG(st)));
    if (WIFCONTINUED(st))
        printf(" continued");
    printf("\n");
}

static pid_t sleeper(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        for (;;)
            pause();
    }
    return pid;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    int codes[] = { 0, 1, 42, 127, 255, 256, 300 };
    for (unsigned i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        pid_t pid = fork();
        if (pid == 0)
            exit(codes[i]);
        int st;
        pid_t r = waitpid(pid, &st, 0);
        char what[32];
        snprintf(what, sizeof what, "exit(%d)", codes[i]);
        describe(what, st);
        if (r != pid)
            printf("waitpid returned another pid\n");
    }

    int sigs[] = { SIGKILL, SIGTERM, SIGUSR1, SIGHUP, SIGINT, SIGALRM };
    for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        pid_t pid = sleeper();
        kill(pid, sigs[i]);
        int st;
        waitpid(pid, &st, 0);
        char what[32];
        snprintf(what, sizeof what, "killed by %s", sigabbrev_np(sigs[i]));
        describe(what, st);
    }

    /* a child that kills itself; core dumps disabled so the core bit must be clear */
    pid_t pid = fork();
    if (pid == 0) {
        struct rlimit rl = { 0, 0 };
        setrlimit(RLIMIT_CORE, &rl);
        raise(SIGABRT);
        _exit(99);
    }
    int st;
    waitpid(pid, &st, 0);
    describe("raise(SIGABRT) with RLIMIT_CORE 0", st);

    /* WNOHANG on a running child returns 0 */
    pid = sleeper();
    errno = 0;
    pid_t r = waitpid(pid, &st, WNOHANG);
    printf("WNOHANG on running child returns 0: %s\n", r == 0 ? "yes" : "no");

    /* stop / continue */
    kill(pid, SIGSTOP);
    r = waitpid(pid, &st, WUNTRACED);
    printf("WUNTRACED returns the child: %s\n", r == pid ? "yes" : "no");
    describe("after SIGSTOP", st);
    r = waitpid(pid, &st, WUNTRACED | WNOHANG);
    printf("stop is reported only once: %s\n", r == 0 ? "yes" : "no");
    kill(pid, SIGCONT);
    r = waitpid(pid, &st, WCONTINUED);
    printf("WCONTINUED returns the child: %s\n", r == pid ? "yes" : "no");
    describe("after SIGCONT", st);
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
    describe("stopped-then-killed child", st);

    /* wait4 with rusage and pid -1 */
    pid = fork();
    if (pid == 0)
        _exit(5);
    struct rusage ru;
    memset(&ru, 0xff, sizeof ru);
    r = wait4(-1, &st, 0, &ru);
    printf("wait4(-1) reaped the child: %s\n", r == pid ? "yes" : "no");
    describe("wait4", st);
    printf("rusage was filled in: %s\n", ru.ru_utime.tv_usec >= 0 && ru.ru_utime.tv_usec < 1000000 ? "yes" : "no");

    /* NULL status pointer is allowed */
    pid = fork();
    if (pid == 0)
        _exit(6);
    printf("waitpid with NULL status: %s\n", waitpid(pid, NULL, 0) == pid ? "ok" : "bad");

    /* errors */
    errno = 0;
    r = waitpid(-1, &st, 0);
    printf("waitpid with no children: %ld %s\n", (long)r, strerrorname_np(errno));
    errno = 0;
    r = waitpid(-1, &st, WNOHANG);
    printf("WNOHANG with no children: %ld %s\n", (long)r, strerrorname_np(errno));
    errno = 0;
    r = waitpid(-1, &st, 0x10000);
    printf("waitpid with bad options: %ld %s\n", (long)r, strerrorname_np(errno));
    errno = 0;
    r = waitpid(999999, &st, 0);
    printf("waitpid for a non-child: %ld %s\n", (long)r, strerrorname_np(errno));
    return 0;
}
