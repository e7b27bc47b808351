// timeout: 15
// POSIX orphaned process groups: when an exit leaves a process group orphaned (no member
// has a parent in another group of the same session) and a member is stopped, every member
// gets SIGHUP and then SIGCONT. Here A makes its own group, its child B stops itself, and A
// exits: B hears SIGHUP, is continued, and reports through a pipe. A group that is not
// orphaned (the stopped job's parent is still alive) gets nothing.
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int report;

static void say(const char *text) { write(report, text, strlen(text)); }
static void on_hup(int sig) { (void)sig; say("B: SIGHUP\n"); }
static void on_cont(int sig) { (void)sig; say("B: SIGCONT\n"); }

static void child_b(void)
{
    signal(SIGHUP, on_hup);
    signal(SIGCONT, on_cont);
    raise(SIGSTOP);
    say("B: running again\n");
    _exit(0);
}

/* A: leader of a new process group; B stops; A exits (orphaning) or continues B itself. */
static void parent_a(int orphan)
{
    setpgid(0, 0);
    pid_t b = fork();
    if (b == 0)
        child_b();
    int st;
    waitpid(b, &st, WUNTRACED);
    say(WIFSTOPPED(st) ? "A: B stopped\n" : "A: B not stopped?\n");
    if (!orphan) {
        usleep(100 * 1000);          /* a SIGHUP would arrive now if the group were orphaned */
        say("A: continuing B myself\n");
        kill(b, SIGCONT);
        waitpid(b, &st, 0);
    }
    _exit(0);
}

static void run(int orphan)
{
    int fds[2];
    pipe(fds);
    report = fds[1];
    pid_t a = fork();
    if (a == 0)
        parent_a(orphan);
    close(fds[1]);
    int st;
    waitpid(a, &st, 0);
    printf("%s: A exited %d\n", orphan ? "orphaned" : "not orphaned", WEXITSTATUS(st));
    char buf[512];
    long n, total = 0;
    while ((n = read(fds[0], buf + total, sizeof buf - 1 - total)) > 0)   /* until B exits too */
        total += n;
    buf[total] = 0;
    fputs(buf, stdout);
    close(fds[0]);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    run(1);
    run(0);
    return 0;
}
