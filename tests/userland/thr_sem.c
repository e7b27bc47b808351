// cflags: -pthread
// POSIX semaphores between threads (counting hand-off, trywait, timedwait timeout) and
// between processes through a process-shared sem_t in a MAP_SHARED mapping.
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "time_util.h"

#define THREADS 5
#define ITEMS 2000

static sem_t items, slots;
static long taken[THREADS];

static void *consumer(void *arg) {
    long id = (long)arg;
    for (;;) {
        sem_wait(&items);
        if (taken[id] < 0)
            break;
        taken[id]++;
        sem_post(&slots);
        if (taken[id] == ITEMS / THREADS)
            return NULL;
    }
    return NULL;
}

struct shared {
    sem_t ping, pong;
    int rounds;
};

int main(void) {
    sem_init(&items, 0, 0);
    sem_init(&slots, 0, 3);
    pthread_t t[THREADS];
    for (long i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, consumer, (void *)i);
    for (int i = 0; i < ITEMS; i++) {
        sem_wait(&slots);
        sem_post(&items);
    }
    long total = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        total += taken[i];
    }
    int value;
    sem_getvalue(&items, &value);
    printf("consumed %ld, items left %d\n", total, value);
    sem_getvalue(&slots, &value);
    printf("slots %d\n", value);
    printf("trywait empty: %s\n", sem_trywait(&items) == -1 && errno == EAGAIN ? "EAGAIN" : "?");
    struct timespec ts = deadline_in(CLOCK_REALTIME, 10000000);
    printf("timedwait empty: %s\n", sem_timedwait(&items, &ts) == -1 && errno == ETIMEDOUT ? "ETIMEDOUT" : "?");
    ts = deadline_in(CLOCK_MONOTONIC, 10000000);
    printf("clockwait monotonic: %s\n",
           sem_clockwait(&items, CLOCK_MONOTONIC, &ts) == -1 && errno == ETIMEDOUT ? "ETIMEDOUT" : "?");

    struct shared *sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    sem_init(&sh->ping, 1, 0);
    sem_init(&sh->pong, 1, 0);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        for (int i = 0; i < 500; i++) {
            sem_wait(&sh->ping);
            sh->rounds++;
            sem_post(&sh->pong);
        }
        _exit(0);
    }
    for (int i = 0; i < 500; i++) {
        sem_post(&sh->ping);
        sem_wait(&sh->pong);
    }
    int status;
    waitpid(pid, &status, 0);
    printf("ping-pong between processes: %d rounds, child exit %d\n", sh->rounds, WEXITSTATUS(status));
    return 0;
}
