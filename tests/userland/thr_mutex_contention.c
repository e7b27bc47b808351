// cflags: -pthread
// 8 threads increment shared counters under a default mutex, an error-checking mutex and a
// recursive mutex; some yield while holding the lock so that waiters really sleep in futex.
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include "thr_util.h"

#define THREADS 8
#define ROUNDS 20000

static pthread_mutex_t plain = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t checked;
static pthread_mutex_t recursive;
static long total_plain, total_checked, total_recursive;
static int errors;

static void *worker(void *arg) {
    long id = (long)arg;
    for (int i = 0; i < ROUNDS; i++) {
        pthread_mutex_lock(&plain);
        total_plain++;
        if (i % 500 == (int)id)
            sched_yield();          /* hold the lock across a context switch */
        pthread_mutex_unlock(&plain);
        if (i % 4 == 0) {
            if (pthread_mutex_lock(&checked) != 0)
                errors++;
            total_checked++;
            if (pthread_mutex_lock(&checked) != EDEADLK)   /* relock by the owner */
                errors++;
            pthread_mutex_unlock(&checked);
            pthread_mutex_lock(&recursive);
            pthread_mutex_lock(&recursive);
            total_recursive++;
            pthread_mutex_unlock(&recursive);
            pthread_mutex_unlock(&recursive);
        }
    }
    return NULL;
}

int main(void) {
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ERRORCHECK);
    pthread_mutex_init(&checked, &attr);
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&recursive, &attr);
    run_threads(THREADS, worker);
    printf("plain: %ld (expected %d)\n", total_plain, THREADS * ROUNDS);
    printf("errorcheck: %ld (expected %d)\n", total_checked, THREADS * ROUNDS / 4);
    printf("recursive: %ld (expected %d)\n", total_recursive, THREADS * ROUNDS / 4);
    printf("unlock by non-owner: %s\n", pthread_mutex_unlock(&checked) == EPERM ? "EPERM" : "?");
    printf("errors: %d\n", errors);
    printf("trylock free: %d\n", pthread_mutex_trylock(&plain));
    printf("trylock held: %s\n", pthread_mutex_trylock(&plain) == EBUSY ? "EBUSY" : "?");
    pthread_mutex_unlock(&plain);
    return 0;
}
