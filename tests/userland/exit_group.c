// Process exit: exit() runs atexit handlers and flushes stdio, _exit() does neither,
// exit_group and a single thread's exit both end the process with the given status
// (low 8 bits), returning from main is exit(). The test itself ends with exit_group(3).
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void bye(void) { printf("  atexit handler ran\n"); }
static void bye2(void) { printf("  second atexit handler ran first\n"); }

static int run(const char *what, int mode)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        static char buf[4096];
        FILE *out = fdopen(dup(1), "w");
        setvbuf(out, buf, _IOFBF, sizeof buf);  /* fully buffered: output stays in memory */
        atexit(bye);
        atexit(bye2);
        fprintf(out, "  buffered output of '%s'\n", what);
        switch (mode) {
        case 0: exit(21);
        case 1: _exit(22);
        case 2: syscall(SYS_exit_group, 23); break;
        case 3: syscall(SYS_exit, 24); break;
        case 4: exit(0x1234);
        }
        _exit(99);
    }
    int st;
    waitpid(pid, &st, 0);
    printf("%s: exit code %d\n", what, WEXITSTATUS(st));
    return 0;
}

static int run_main_like(void) { return 25; }

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    run("exit(21)", 0);
    run("_exit(22)", 1);
    run("exit_group(23)", 2);
    run("exit(24) of the only thread", 3);
    run("exit(0x1234) keeps the low 8 bits", 4);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        static char buf[4096];
        FILE *out = fdopen(dup(1), "w");
        setvbuf(out, buf, _IOFBF, sizeof buf);
        atexit(bye);
        fprintf(out, "  returning from a function into exit\n");
        exit(run_main_like());
    }
    int st;
    waitpid(pid, &st, 0);
    printf("child returning 25: exit code %d\n", WEXITSTATUS(st));
    printf("now exit_group(3) without flushing anything else\n");
    syscall(SYS_exit_group, 3);
    return 0;
}
