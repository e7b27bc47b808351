// cflags: -pthread
// fork from a secondary thread: the child has exactly one thread (the forking one, now with
// pid == tid), can create threads of its own, and a mutex held by the forking thread is
// still usable; the parent's other threads keep running.
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "thr_util.h"

static volatile long spins;
static volatile int stop;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void *spinner(void *arg) {
    (void)arg;
    while (!stop) {
        spins++;
        usleep(500);
    }
    return NULL;
}

static void *child_thread(void *arg) {
    return (void *)((long)arg * 2);
}

static void *forker(void *arg) {
    (void)arg;
    pthread_mutex_lock(&lock);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        int ok = 1;
        ok &= getpid() == syscall(SYS_gettid);
        long before = spins;
        usleep(20000);
        ok &= spins == before;                  /* the spinner did not come along */
        ok &= count_threads() == 1;
        pthread_mutex_unlock(&lock);            /* we are its owner in this copy */
        pthread_mutex_lock(&lock);
        pthread_mutex_unlock(&lock);
        pthread_t t;
        void *r;
        pthread_create(&t, NULL, child_thread, (void *)21);
        pthread_join(t, &r);
        ok &= (long)r == 42;
        printf("child: single thread, state ok: %s\n", ok ? "yes" : "no");
        fflush(stdout);
        exit(ok ? 3 : 4);
    }
    pthread_mutex_unlock(&lock);
    int status;
    waitpid(pid, &status, 0);
    return (void *)(long)status;
}

int main(void) {
    pthread_t s, f;
    pthread_create(&s, NULL, spinner, NULL);
    pthread_create(&f, NULL, forker, NULL);
    void *status;
    pthread_join(f, &status);
    long before = spins;
    usleep(20000);
    printf("parent spinner still runs: %s\n", spins > before ? "yes" : "no");
    stop = 1;
    pthread_join(s, NULL);
    int st = (int)(long)status;
    printf("child status: exited=%d code=%d\n", WIFEXITED(st), WEXITSTATUS(st));
    printf("parent threads now: %d\n", count_threads());
    return 0;
}
