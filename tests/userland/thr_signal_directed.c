// cflags: -pthread
// Thread-directed signals: pthread_kill reaches the named thread's handler; a process-directed
// signal goes to the only thread not blocking it; sigwait in a dedicated thread takes
// kill(getpid()) signals; tgkill with a wrong tgid fails with ESRCH.
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "sig_util.h"

#define THREADS 4

static __thread int my_index = -1;
static volatile int handled_by[THREADS + 1];
static volatile sig_atomic_t stop;
static pthread_barrier_t ready;

static void handler(int signo) {
    (void)signo;
    if (my_index >= 0)
        handled_by[my_index]++;
}

static void *spinner(void *arg) {
    my_index = (int)(long)arg;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    /* Only thread 2 accepts process-directed SIGUSR2. */
    sigset_t usr2;
    sigemptyset(&usr2);
    sigaddset(&usr2, SIGUSR2);
    pthread_sigmask(my_index == 2 ? SIG_UNBLOCK : SIG_BLOCK, &usr2, NULL);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    pthread_barrier_wait(&ready);
    while (!stop)
        usleep(1000);
    return NULL;
}

/* Wait until *counter reaches value (each signal is sent once the previous one was taken,
   so that none coalesces). */
static void await(volatile int *counter, int value) {
    for (int i = 0; i < 2000 && *counter < value; i++)
        usleep(1000);
}

static int sigwait_result[3];
static volatile int sigwait_done;
static void *waiter(void *arg) {
    (void)arg;
    sigset_t set = sig_set(SIGTERM, SIGRTMIN, 0);
    for (int i = 0; i < 3; i++) {
        int sig;
        sigwait(&set, &sig);
        sigwait_result[i] = sig == SIGTERM ? 1 : sig == SIGRTMIN ? 2 : 99;
        sigwait_done++;
    }
    return NULL;
}

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGUSR2, &sa, NULL);
    my_index = THREADS;

    /* Every thread starts with SIGUSR1/SIGUSR2/SIGTERM/SIGRTMIN blocked (inherited). */
    sigset_t block = sig_set(SIGUSR1, SIGUSR2, SIGTERM, SIGRTMIN, 0);
    pthread_sigmask(SIG_BLOCK, &block, NULL);

    pthread_barrier_init(&ready, NULL, THREADS + 1);
    pthread_t threads[THREADS];
    for (long i = 0; i < THREADS; i++)
        pthread_create(&threads[i], NULL, spinner, (void *)i);
    pthread_barrier_wait(&ready);

    for (int round = 1; round <= 3; round++)
        for (int i = 0; i < THREADS; i++) {
            pthread_kill(threads[i], SIGUSR1);
            await(&handled_by[i], round);
        }
    for (int i = 1; i <= 5; i++) {
        kill(getpid(), SIGUSR2);          /* only thread 2 does not block it */
        await(&handled_by[2], 3 + i);
    }
    usleep(10000);
    for (int i = 0; i <= THREADS; i++)
        printf("thread %d handled %d\n", i, handled_by[i]);

    pthread_t w;
    pthread_create(&w, NULL, waiter, NULL);
    kill(getpid(), SIGTERM);
    await(&sigwait_done, 1);
    union sigval v = {.sival_int = 5};
    sigqueue(getpid(), SIGRTMIN, v);
    await(&sigwait_done, 2);
    kill(getpid(), SIGTERM);
    pthread_join(w, NULL);
    printf("sigwait got: %d %d %d\n", sigwait_result[0], sigwait_result[1], sigwait_result[2]);

    printf("tgkill wrong tgid: %s\n",
           syscall(SYS_tgkill, getpid() + 100000, syscall(SYS_gettid), 0) == -1 && errno == ESRCH ? "ESRCH" : "?");
    printf("pthread_kill signal 0: %d\n", pthread_kill(threads[0], 0));
    stop = 1;
    for (int i = 0; i < THREADS; i++)
        pthread_join(threads[i], NULL);
    sigset_t pending;
    sigpending(&pending);
    printf("still pending: USR1=%d USR2=%d\n", sigismember(&pending, SIGUSR1), sigismember(&pending, SIGUSR2));
    return 0;
}
