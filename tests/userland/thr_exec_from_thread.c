// cflags: -pthread
// execve from a secondary thread: the other threads die, the new image runs as the only
// thread with the process's pid (the exec'ing thread took the leader's TID), pending
// pthread_join of the old threads never happens, and the parent sees one exit.
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "thr_util.h"

static char self_path[] = "/t/thr_exec_from_thread";
static char pid_text[32];

static void *sleeper(void *arg) {
    (void)arg;
    for (;;)
        pause();
}

static void *execer(void *arg) {
    (void)arg;
    usleep(5000);
    char *argv[] = {self_path, "after-exec", pid_text, NULL};
    char *envp[] = {NULL};
    execve(self_path, argv, envp);
    perror("execve");
    exit(1);
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "after-exec") == 0) {
        long before = atol(argv[2]);
        printf("after exec: same pid %s, pid == tid %s, threads %d\n",
               getpid() == before ? "yes" : "no", getpid() == syscall(SYS_gettid) ? "yes" : "no",
               count_threads());
        return 9;
    }
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        snprintf(pid_text, sizeof pid_text, "%d", getpid());
        pthread_t t[3], e;
        for (int i = 0; i < 3; i++)
            pthread_create(&t[i], NULL, sleeper, NULL);
        pthread_create(&e, NULL, execer, NULL);
        pthread_join(t[0], NULL);     /* never returns: the exec replaces us */
        return 2;
    }
    int status;
    pid_t got = waitpid(pid, &status, 0);
    printf("waitpid: right child %s, exited=%d code=%d\n", got == pid ? "yes" : "no", WIFEXITED(status),
           WEXITSTATUS(status));
    printf("no other child: %s\n", waitpid(-1, NULL, WNOHANG) == -1 ? "yes" : "no");
    return 0;
}
