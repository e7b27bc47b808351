// cflags: -pthread
// Priority-inheritance mutexes: contention between threads through glibc, and the raw
// FUTEX_LOCK_PI / TRYLOCK_PI / UNLOCK_PI / WAIT_REQUEUE_PI / CMP_REQUEUE_PI word protocol
// (owner TID, FUTEX_WAITERS, hand-over to the waiter, EDEADLK, EPERM, ESRCH).
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "thr_util.h"
#include "time_util.h"

#define THREADS 4
#define ROUNDS 2000

static pthread_mutex_t pi;
static long total;

static void *worker(void *arg) {
    long id = (long)arg;
    for (int i = 0; i < ROUNDS; i++) {
        pthread_mutex_lock(&pi);
        total++;
        if (i % 100 == id)
            sched_yield();
        pthread_mutex_unlock(&pi);
    }
    return NULL;
}

static uint32_t lock_word, cond_word;
static pid_t tid(void) { return (pid_t)syscall(SYS_gettid); }

struct report {
    long rc;
    int err;
    int owner_is_me;
    int waiters_bit;
};

static void *raw_locker(void *arg) {
    struct report *r = arg;
    r->rc = futex(&lock_word, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0);
    r->err = r->rc < 0 ? errno : 0;
    uint32_t w = lock_word;
    r->owner_is_me = (pid_t)(w & FUTEX_TID_MASK) == tid();
    r->waiters_bit = !!(w & FUTEX_WAITERS);
    futex(&lock_word, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0);
    return NULL;
}

static void *requeue_waiter(void *arg) {
    struct report *r = arg;
    r->rc = futex(&cond_word, FUTEX_WAIT_REQUEUE_PI_PRIVATE, 0, NULL, &lock_word, 0);
    r->err = r->rc < 0 ? errno : 0;
    uint32_t w = lock_word;
    r->owner_is_me = (pid_t)(w & FUTEX_TID_MASK) == tid();
    r->waiters_bit = !!(w & FUTEX_WAITERS);
    if (r->rc == 0)
        futex(&lock_word, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0);
    return NULL;
}

static void await_bit(uint32_t *w, uint32_t bit) {
    for (int i = 0; i < 3000 && !(*w & bit); i++)
        usleep(1000);
    usleep(2000);
}

static long queued(uint32_t *w) {
    return futex(w, FUTEX_CMP_REQUEUE_PRIVATE, 0, (void *)(long)INT_MAX, w, *w);
}

/* A plain FUTEX_WAKE fails with EINVAL once a FUTEX_WAIT_REQUEUE_PI waiter is queued. */
static void await_requeue_pi_waiter(void) {
    for (int i = 0; i < 3000 && futex(&cond_word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0) == 0; i++)
        usleep(1000);
}

static void *exit_thread(void *arg) {
    *(pid_t *)arg = tid();
    return NULL;
}

int main(void) {
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_setprotocol(&attr, PTHREAD_PRIO_INHERIT);
    pthread_mutex_init(&pi, &attr);
    run_threads(THREADS, worker);
    printf("PI mutex total: %ld (expected %d)\n", total, THREADS * ROUNDS);
    pthread_mutex_lock(&pi);
    printf("owner word is my tid: %s\n", (pid_t)(pi.__data.__lock & FUTEX_TID_MASK) == tid() ? "yes" : "no");
    printf("relock: %s\n", pthread_mutex_trylock(&pi) == EBUSY ? "EBUSY" : "?");
    pthread_mutex_unlock(&pi);
    printf("word after unlock: %d\n", pi.__data.__lock);

    /* Raw protocol. */
    lock_word = 0;
    long rc = futex(&lock_word, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0);
    printf("lock_pi free: %s, word is me: %d\n", res(rc), (pid_t)lock_word == tid());
    printf("lock_pi again: %s\n", res(futex(&lock_word, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0)));
    printf("trylock_pi own: %s\n", res(futex(&lock_word, FUTEX_TRYLOCK_PI_PRIVATE, 0, NULL, NULL, 0)));
    struct report r1, r2;
    memset(&r1, 0, sizeof r1);
    memset(&r2, 0, sizeof r2);
    pthread_t a, b;
    pthread_create(&a, NULL, raw_locker, &r1);
    await_bit(&lock_word, FUTEX_WAITERS);
    printf("contended word: waiters bit %d, owner still me %d\n", !!(lock_word & FUTEX_WAITERS),
           (pid_t)(lock_word & FUTEX_TID_MASK) == tid());
    printf("unlock_pi: %s\n", res(futex(&lock_word, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0)));
    pthread_join(a, NULL);
    printf("waiter: rc %ld, owned it %d, waiters bit %d\n", r1.rc, r1.owner_is_me, r1.waiters_bit);
    printf("word after waiter unlocked: %#x\n", lock_word);
    printf("unlock_pi not owner: %s\n", res(futex(&lock_word, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0)));

    pid_t dead;
    pthread_create(&b, NULL, exit_thread, &dead);
    pthread_join(b, NULL);
    usleep(2000);
    lock_word = (uint32_t)dead;
    printf("lock_pi dead owner: %s\n", res(futex(&lock_word, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0)));
    lock_word = (uint32_t)dead | FUTEX_OWNER_DIED;
    printf("trylock_pi dead owner: %s\n", res(futex(&lock_word, FUTEX_TRYLOCK_PI_PRIVATE, 0, NULL, NULL, 0)));
    lock_word = FUTEX_OWNER_DIED;
    rc = futex(&lock_word, FUTEX_TRYLOCK_PI_PRIVATE, 0, NULL, NULL, 0);
    printf("trylock_pi owner-died word: %s, word is me|OWNER_DIED: %d\n", res(rc),
           lock_word == (FUTEX_OWNER_DIED | (uint32_t)tid()));
    futex(&lock_word, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0);
    printf("after unlock: %#x\n", lock_word);

    /* requeue-PI: two waiters on cond_word; the lock is held by us, so both are moved. */
    lock_word = (uint32_t)tid();
    cond_word = 0;
    memset(&r1, 0, sizeof r1);
    memset(&r2, 0, sizeof r2);
    pthread_create(&a, NULL, requeue_waiter, &r1);
    pthread_create(&b, NULL, requeue_waiter, &r2);
    await_requeue_pi_waiter();
    printf("plain wake of requeue-pi waiters: %s\n", res(futex(&cond_word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0)));
    printf("plain requeue of requeue-pi waiters: %s\n", res(queued(&cond_word)));
    printf("cmp_requeue_pi nr_wake 2: %s\n",
           res(futex(&cond_word, FUTEX_CMP_REQUEUE_PI_PRIVATE, 2, (void *)1L, &lock_word, 0)));
    printf("cmp_requeue_pi same futex: %s\n",
           res(futex(&cond_word, FUTEX_CMP_REQUEUE_PI_PRIVATE, 1, (void *)1L, &cond_word, 0)));
    printf("cmp_requeue_pi wrong value: %s\n",
           res(futex(&cond_word, FUTEX_CMP_REQUEUE_PI_PRIVATE, 1, (void *)1L, &lock_word, 5)));
    long moved = 0;
    for (int i = 0; i < 3000 && moved < 2; i++) {    /* until both waiters have been moved */
        rc = futex(&cond_word, FUTEX_CMP_REQUEUE_PI_PRIVATE, 1, (void *)(long)INT_MAX, &lock_word, 0);
        if (rc < 0)
            break;
        moved += rc;
        usleep(1000);
    }
    printf("cmp_requeue_pi held lock moved: %ld\n", moved);
    printf("word: waiters bit %d\n", !!(lock_word & FUTEX_WAITERS));
    futex(&lock_word, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    printf("requeued waiters: %ld/%d/%d %ld/%d/%d, word %#x\n", r1.rc, r1.err, r1.owner_is_me, r2.rc, r2.err,
           r2.owner_is_me, lock_word);

    /* requeue-PI onto a free lock: the first waiter takes it at once. */
    lock_word = 0;
    memset(&r1, 0, sizeof r1);
    pthread_create(&a, NULL, requeue_waiter, &r1);
    await_requeue_pi_waiter();
    printf("cmp_requeue_pi free lock: %s\n",
           res(futex(&cond_word, FUTEX_CMP_REQUEUE_PI_PRIVATE, 1, (void *)0L, &lock_word, 0)));
    pthread_join(a, NULL);
    printf("waiter: rc %ld, owned it %d, waiters bit %d, word %#x\n", r1.rc, r1.owner_is_me, r1.waiters_bit,
           lock_word);

    struct timespec soon = deadline_in(CLOCK_REALTIME, 5000000);
    lock_word = 0;
    pthread_create(&a, NULL, exit_thread, &dead);
    pthread_join(a, NULL);
    lock_word = 0;
    futex(&lock_word, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0);
    cond_word = 0;
    printf("wait_requeue_pi timeout: %s\n",
           res(futex(&cond_word, FUTEX_WAIT_REQUEUE_PI_PRIVATE | FUTEX_CLOCK_REALTIME, 0, &soon, &lock_word, 0)));
    return 0;
}
