// cflags: -pthread
// Reader/writer locks: 4 writers and 4 readers; readers always see a consistent pair, the
// final total is exact; writer-preferring attribute; try/timed variants.
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <time.h>
#include "time_util.h"

#define WRITERS 4
#define READERS 4
#define ROUNDS 3000

static pthread_rwlock_t rw;
static long a, b;              /* invariant under the lock: a == b */
static long torn;
static long reads[READERS];
static pthread_mutex_t stat_lock = PTHREAD_MUTEX_INITIALIZER;

static void *writer(void *arg) {
    long id = (long)arg;
    for (int i = 0; i < ROUNDS; i++) {
        pthread_rwlock_wrlock(&rw);
        a++;
        if (i % 300 == id)
            sched_yield();
        b++;
        pthread_rwlock_unlock(&rw);
    }
    return NULL;
}

static void *reader(void *arg) {
    long id = (long)arg;
    for (int i = 0; i < ROUNDS; i++) {
        pthread_rwlock_rdlock(&rw);
        if (a != b) {
            pthread_mutex_lock(&stat_lock);
            torn++;
            pthread_mutex_unlock(&stat_lock);
        }
        if (i % 500 == id)
            sched_yield();
        reads[id]++;
        pthread_rwlock_unlock(&rw);
    }
    return NULL;
}

static void run(const char *title) {
    pthread_t w[WRITERS], r[READERS];
    a = b = torn = 0;
    for (int i = 0; i < READERS; i++)
        reads[i] = 0;
    for (long i = 0; i < WRITERS; i++)
        pthread_create(&w[i], NULL, writer, (void *)i);
    for (long i = 0; i < READERS; i++)
        pthread_create(&r[i], NULL, reader, (void *)i);
    for (int i = 0; i < WRITERS; i++)
        pthread_join(w[i], NULL);
    long total_reads = 0;
    for (int i = 0; i < READERS; i++) {
        pthread_join(r[i], NULL);
        total_reads += reads[i];
    }
    printf("%s: a=%ld b=%ld torn=%ld reads=%ld\n", title, a, b, torn, total_reads);
}

int main(void) {
    pthread_rwlock_init(&rw, NULL);
    run("default");
    pthread_rwlock_destroy(&rw);

    pthread_rwlockattr_t attr;
    pthread_rwlockattr_init(&attr);
    pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&rw, &attr);
    run("writer-preferring");

    pthread_rwlock_rdlock(&rw);
    printf("tryrdlock while read-locked: %d\n", pthread_rwlock_tryrdlock(&rw));
    pthread_rwlock_unlock(&rw);
    printf("trywrlock while read-locked: %s\n", pthread_rwlock_trywrlock(&rw) == EBUSY ? "EBUSY" : "?");
    pthread_rwlock_unlock(&rw);
    pthread_rwlock_wrlock(&rw);
    struct timespec ts = deadline_in(CLOCK_REALTIME, 10000000);
    printf("timedrdlock while write-locked (self): %s\n",
           pthread_rwlock_timedrdlock(&rw, &ts) == EDEADLK ? "EDEADLK" : "?");
    pthread_rwlock_unlock(&rw);
    return 0;
}
