// cflags: -pthread
// Producer/consumer over a bounded buffer with two condition variables (2 producers,
// 3 consumers), a broadcast shutdown, and pthread_cond_timedwait timing out.
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include "time_util.h"

#define SLOTS 4
#define ITEMS 3000
#define PRODUCERS 2
#define CONSUMERS 3

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_full = PTHREAD_COND_INITIALIZER;
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER;
static int buffer[SLOTS], head, count, done;
static long consumed_sum[CONSUMERS], consumed_count[CONSUMERS];

static void *producer(void *arg) {
    long base = (long)arg * ITEMS;
    for (int i = 1; i <= ITEMS; i++) {
        pthread_mutex_lock(&lock);
        while (count == SLOTS)
            pthread_cond_wait(&not_full, &lock);
        buffer[(head + count) % SLOTS] = (int)(base + i);
        count++;
        pthread_cond_signal(&not_empty);
        pthread_mutex_unlock(&lock);
    }
    return NULL;
}

static void *consumer(void *arg) {
    long id = (long)arg;
    for (;;) {
        pthread_mutex_lock(&lock);
        while (count == 0 && !done)
            pthread_cond_wait(&not_empty, &lock);
        if (count == 0 && done) {
            pthread_mutex_unlock(&lock);
            return NULL;
        }
        int item = buffer[head];
        head = (head + 1) % SLOTS;
        count--;
        pthread_cond_signal(&not_full);
        pthread_mutex_unlock(&lock);
        consumed_sum[id] += item;
        consumed_count[id]++;
    }
}

int main(void) {
    pthread_t p[PRODUCERS], c[CONSUMERS];
    for (long i = 0; i < CONSUMERS; i++)
        pthread_create(&c[i], NULL, consumer, (void *)i);
    for (long i = 0; i < PRODUCERS; i++)
        pthread_create(&p[i], NULL, producer, (void *)i);
    for (int i = 0; i < PRODUCERS; i++)
        pthread_join(p[i], NULL);
    pthread_mutex_lock(&lock);
    done = 1;
    pthread_cond_broadcast(&not_empty);
    pthread_mutex_unlock(&lock);
    long sum = 0, n = 0;
    for (int i = 0; i < CONSUMERS; i++) {
        pthread_join(c[i], NULL);
        sum += consumed_sum[i];
        n += consumed_count[i];
    }
    long expected = 0;
    for (long i = 0; i < PRODUCERS * ITEMS; i++)
        expected += i + 1;
    printf("consumed %ld items, sum %ld (expected %d, %ld)\n", n, sum, PRODUCERS * ITEMS, expected);

    struct timespec ts = deadline_in(CLOCK_REALTIME, 20 * 1000 * 1000);
    pthread_mutex_lock(&lock);
    int rc = pthread_cond_timedwait(&not_empty, &lock, &ts);
    pthread_mutex_unlock(&lock);
    printf("timedwait: %s\n", rc == ETIMEDOUT ? "ETIMEDOUT" : "?");

    pthread_condattr_t attr;
    pthread_cond_t mono;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&mono, &attr);
    ts = deadline_in(CLOCK_MONOTONIC, 10 * 1000 * 1000);
    pthread_mutex_lock(&lock);
    rc = pthread_cond_timedwait(&mono, &lock, &ts);
    pthread_mutex_unlock(&lock);
    printf("monotonic timedwait: %s\n", rc == ETIMEDOUT ? "ETIMEDOUT" : "?");
    return 0;
}
