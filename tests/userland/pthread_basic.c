// cflags: -pthread
// Threads: 8 threads contending on a mutex, a condition variable hand-off, join with
// return values, thread-local storage, gettid distinct from getpid in threads.
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/syscall.h>

#define THREADS 8
#define ROUNDS 20000

static long counter;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int turn;
static __thread int tls_value;
static pid_t tids[THREADS];

static void *worker(void *arg) {
    long id = (long)arg;
    tls_value = (int)id * 10;
    tids[id] = (pid_t)syscall(SYS_gettid);
    for (int i = 0; i < ROUNDS; i++) {
        pthread_mutex_lock(&lock);
        counter++;
        pthread_mutex_unlock(&lock);
    }
    pthread_mutex_lock(&lock);
    while (turn != id)
        pthread_cond_wait(&cond, &lock);
    turn++;
    pthread_cond_broadcast(&cond);
    pthread_mutex_unlock(&lock);
    return (void *)(long)(tls_value + 1);
}

int main(void) {
    pthread_t threads[THREADS];
    long sum = 0;
    tls_value = 7;
    for (long i = 0; i < THREADS; i++)
        pthread_create(&threads[i], NULL, worker, (void *)i);
    for (int i = 0; i < THREADS; i++) {
        void *ret;
        pthread_join(threads[i], &ret);
        sum += (long)ret;
    }
    printf("counter: %ld (expected %d)\n", counter, THREADS * ROUNDS);
    printf("turns taken in order: %d\n", turn);
    printf("sum of thread results: %ld\n", sum);
    printf("main thread's TLS untouched: %s\n", tls_value == 7 ? "yes" : "no");
    int distinct = 1;
    for (int i = 0; i < THREADS; i++) {
        if (tids[i] == getpid())
            distinct = 0;
        for (int j = 0; j < i; j++)
            if (tids[i] == tids[j])
                distinct = 0;
    }
    printf("thread ids distinct and not the pid: %s\n", distinct ? "yes" : "no");
    return 0;
}
