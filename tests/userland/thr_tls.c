// cflags: -pthread
// Thread-local storage: initialised and zeroed __thread variables and arrays are distinct
// per thread; pthread keys with destructors; errno is per thread.
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define THREADS 6

static __thread int counter = 42;
static __thread long zeroed;
static __thread char name[32] = "main";
static __thread double table[64];
static pthread_key_t key;
static int destructor_calls;
static long destructor_sum;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t barrier;
static int bad;

static void destructor(void *value) {
    pthread_mutex_lock(&lock);
    destructor_calls++;
    destructor_sum += (long)value;
    pthread_mutex_unlock(&lock);
}

static void *worker(void *arg) {
    long id = (long)arg;
    if (counter != 42 || zeroed != 0 || strcmp(name, "main") != 0)
        bad++;
    counter += (int)id;
    zeroed = id * 1000;
    snprintf(name, sizeof name, "worker-%ld", id);
    for (int i = 0; i < 64; i++)
        table[i] = id + i * 0.5;
    pthread_setspecific(key, (void *)(id + 1));
    errno = (int)id + 100;
    pthread_barrier_wait(&barrier);      /* everybody has written: check nobody clobbered us */
    usleep(1000);
    char expect[32];
    snprintf(expect, sizeof expect, "worker-%ld", id);
    if (counter != 42 + id || zeroed != id * 1000 || strcmp(name, expect) != 0 || errno != (int)id + 100)
        bad++;
    for (int i = 0; i < 64; i++)
        if (table[i] != id + i * 0.5)
            bad++;
    if ((long)pthread_getspecific(key) != id + 1)
        bad++;
    return (void *)(long)counter;
}

int main(void) {
    pthread_key_create(&key, destructor);
    pthread_barrier_init(&barrier, NULL, THREADS);
    pthread_t threads[THREADS];
    counter = 7;
    for (long i = 0; i < THREADS; i++)
        pthread_create(&threads[i], NULL, worker, (void *)i);
    long sum = 0;
    for (int i = 0; i < THREADS; i++) {
        void *r;
        pthread_join(threads[i], &r);
        sum += (long)r;
    }
    printf("sum of per-thread counters: %ld\n", sum);
    printf("main's copy: counter=%d zeroed=%ld name=%s\n", counter, zeroed, name);
    printf("problems seen by threads: %d\n", bad);
    printf("destructors: %d calls, sum %ld\n", destructor_calls, destructor_sum);
    printf("main key value: %p\n", pthread_getspecific(key));
    return 0;
}
