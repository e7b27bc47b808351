// cflags: -pthread
// Job-control stops: SIGSTOP/SIGTSTP stop the whole process (every thread), SIGCONT resumes it
// (also a thread blocked in read, which then completes), wait4 reports WUNTRACED (0x..7f) and
// WCONTINUED (0xffff) once each, waitid WSTOPPED/WCONTINUED/WNOWAIT, and a SIGCONT handler runs.
// SIGTSTP is sent to a grandchild in its own process group (not orphaned: its parent is not init).
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int pfd[2], data[2];
static volatile sig_atomic_t conts;

static void on_cont(int sig)
{
    (void)sig;
    conts++;
}

static void *spinner(void *arg)
{
    (void)arg;
    for (;;)
        pause();
    return NULL;
}

static void check_waits(pid_t pid, int stop_sig)
{
    int st;
    kill(pid, stop_sig);
    pid_t r = waitpid(pid, &st, WUNTRACED);
    printf("%s: r_ok=%d status=%#x stopped=%d sig=%s\n", sigabbrev_np(stop_sig), r == pid, st, WIFSTOPPED(st),
           sigabbrev_np(WSTOPSIG(st)));
    r = waitpid(pid, &st, WUNTRACED | WNOHANG);
    printf("second stop report: %d\n", r);
    kill(pid, SIGCONT);
    r = waitpid(pid, &st, WCONTINUED);
    printf("SIGCONT: r_ok=%d status=%#x continued=%d\n", r == pid, st, WIFCONTINUED(st));
    r = waitpid(pid, &st, WCONTINUED | WNOHANG);
    printf("second continue report: %d\n", r);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    pipe(pfd);
    pipe(data);
    char c;

    /* a two-thread child blocked in read */
    pid_t pid = fork();
    if (pid == 0) {
        pthread_t th;
        pthread_create(&th, NULL, spinner, NULL);
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_cont;
        sa.sa_flags = SA_RESTART;
        sigaction(SIGCONT, &sa, NULL);
        write(pfd[1], "r", 1);
        char buf[8];
        ssize_t n = read(data[0], buf, sizeof buf);
        _exit(n == 3 && conts >= 1 ? 10 : 1);
    }
    read(pfd[0], &c, 1);
    check_waits(pid, SIGSTOP);

    siginfo_t si;
    kill(pid, SIGSTOP);
    memset(&si, 0, sizeof si);
    waitid(P_PID, pid, &si, WSTOPPED | WNOWAIT);
    printf("waitid WNOWAIT: code=%d status=%s pid_ok=%d\n", si.si_code, sigabbrev_np(si.si_status), si.si_pid == pid);
    memset(&si, 0, sizeof si);
    waitid(P_PID, pid, &si, WSTOPPED);
    printf("waitid WSTOPPED: code=%d status=%s\n", si.si_code, sigabbrev_np(si.si_status));
    memset(&si, 0, sizeof si);
    printf("waitid again WNOHANG: r=%d pid=%d\n", waitid(P_PID, pid, &si, WSTOPPED | WNOHANG), si.si_pid);
    kill(pid, SIGCONT);
    memset(&si, 0, sizeof si);
    waitid(P_PID, pid, &si, WCONTINUED);
    printf("waitid WCONTINUED: code=%d status=%s\n", si.si_code, sigabbrev_np(si.si_status));

    write(data[1], "abc", 3);
    int st;
    waitpid(pid, &st, 0);
    printf("child read after continue, exit=%d\n", WEXITSTATUS(st));

    /* SIGTSTP: a grandchild in its own process group, its parent reports */
    pid = fork();
    if (pid == 0) {
        pid_t g = fork();
        if (g == 0) {
            setpgid(0, 0);
            write(pfd[1], "r", 1);
            for (;;)
                pause();
        }
        setpgid(g, g);
        read(pfd[0], &c, 1);
        check_waits(g, SIGTSTP);
        kill(g, SIGTTIN);
        waitpid(g, &st, WUNTRACED);
        printf("SIGTTIN stops: %d\n", WIFSTOPPED(st) && WSTOPSIG(st) == SIGTTIN);
        kill(g, SIGKILL);
        waitpid(g, &st, 0);
        printf("killed while stopped: %s\n", WIFSIGNALED(st) ? sigabbrev_np(WTERMSIG(st)) : "no");
        _exit(0);
    }
    waitpid(pid, &st, 0);
    printf("middle exit=%d\n", WEXITSTATUS(st));
    return 0;
}
