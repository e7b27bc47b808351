// cflags: -pthread
// pthread_barrier: 6 threads x 200 rounds; after each barrier every thread sees all the
// others' writes of that round, and exactly one thread per round gets the serial value.
#include <pthread.h>
#include <stdio.h>

#define THREADS 6
#define ROUNDS 200

static pthread_barrier_t barrier;
static int slots[THREADS];
static int serial_count, mismatches;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void *worker(void *arg) {
    long id = (long)arg;
    for (int round = 1; round <= ROUNDS; round++) {
        slots[id] = round;
        int rc = pthread_barrier_wait(&barrier);
        if (rc == PTHREAD_BARRIER_SERIAL_THREAD) {
            pthread_mutex_lock(&lock);
            serial_count++;
            pthread_mutex_unlock(&lock);
        } else if (rc != 0) {
            mismatches++;
        }
        for (int i = 0; i < THREADS; i++)
            if (slots[i] != round) {
                pthread_mutex_lock(&lock);
                mismatches++;
                pthread_mutex_unlock(&lock);
            }
        pthread_barrier_wait(&barrier);
    }
    return NULL;
}

int main(void) {
    pthread_barrier_init(&barrier, NULL, THREADS);
    pthread_t threads[THREADS];
    for (long i = 0; i < THREADS; i++)
        pthread_create(&threads[i], NULL, worker, (void *)i);
    for (int i = 0; i < THREADS; i++)
        pthread_join(threads[i], NULL);
    printf("serial threads: %d (expected %d)\n", serial_count, ROUNDS);
    printf("mismatches: %d\n", mismatches);
    printf("destroy: %d\n", pthread_barrier_destroy(&barrier));
    return 0;
}
