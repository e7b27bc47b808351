// prctl: the thread name (PR_SET_NAME/PR_GET_NAME, /proc/self/comm), parent-death signal,
// no_new_privs, dumpable, and EINVAL for what is unknown.
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static void check(const char *what, int ok) { printf("%s: %s\n", what, ok ? "yes" : "no"); }

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    char name[32] = "";
    check("PR_GET_NAME", prctl(PR_GET_NAME, name) == 0);
    printf("initial name: %s\n", name);
    check("PR_SET_NAME", prctl(PR_SET_NAME, "a-rather-long-thread-name") == 0);
    memset(name, 'x', sizeof name);
    prctl(PR_GET_NAME, name);
    printf("name now: %s (%zu bytes)\n", name, strlen(name));
    FILE *f = fopen("/proc/self/comm", "r");
    char comm[64] = "";
    if (f) {
        fgets(comm, sizeof comm, f);
        fclose(f);
    }
    printf("/proc/self/comm: %s", comm);

    int sig = -1;
    check("PR_GET_PDEATHSIG is 0", prctl(PR_GET_PDEATHSIG, &sig) == 0 && sig == 0);
    check("PR_SET_PDEATHSIG SIGUSR1", prctl(PR_SET_PDEATHSIG, 10) == 0);
    prctl(PR_GET_PDEATHSIG, &sig);
    check("reads back 10", sig == 10);
    errno = 0;
    check("signal 65 is EINVAL", prctl(PR_SET_PDEATHSIG, 65) == -1 && errno == EINVAL);
    pid_t pid = fork();
    if (pid == 0) {
        int s = -1;
        prctl(PR_GET_PDEATHSIG, &s);
        _exit(s == 0 ? 0 : 1); /* not inherited by a child */
    }
    int status;
    waitpid(pid, &status, 0);
    check("fork clears the parent-death signal", WIFEXITED(status) && WEXITSTATUS(status) == 0);
    prctl(PR_SET_PDEATHSIG, 0);

    check("no_new_privs starts 0", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 0);
    errno = 0;
    check("PR_SET_NO_NEW_PRIVS 0 is EINVAL", prctl(PR_SET_NO_NEW_PRIVS, 0, 0, 0, 0) == -1 && errno == EINVAL);
    check("PR_SET_NO_NEW_PRIVS 1", prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0);
    check("no_new_privs now 1", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1);
    check("PR_GET_DUMPABLE is 1", prctl(PR_GET_DUMPABLE) == 1);
    errno = 0;
    check("unknown option is EINVAL", prctl(0x7ffff) == -1 && errno == EINVAL);
    return 0;
}
