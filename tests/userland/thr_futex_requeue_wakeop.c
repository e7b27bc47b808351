// cflags: -pthread
// Raw futex(2): WAIT/WAKE results and errors, timeouts (relative WAIT, absolute WAIT_BITSET
// on both clocks), bitset matching, REQUEUE/CMP_REQUEUE counts, every WAKE_OP operation and
// comparison, and EINTR from a signal handler.
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "thr_util.h"
#include "time_util.h"

static uint32_t word_a, word_b, word_c;

/* The number of tasks waiting on w, without disturbing them: requeue them onto w itself. */
static long queued(uint32_t *w) {
    return futex(w, FUTEX_CMP_REQUEUE_PRIVATE, 0, (void *)(long)INT_MAX, w, *w);
}

static void await_waiters(uint32_t *w, long n) {
    for (int i = 0; i < 3000 && queued(w) < n; i++)
        usleep(1000);
}

struct waiter {
    uint32_t *word;
    uint32_t bitset;
    long result;
    int err;
};

static void *wait_thread(void *arg) {
    struct waiter *w = arg;
    w->result = futex(w->word, FUTEX_WAIT_BITSET_PRIVATE, *w->word, NULL, NULL, w->bitset);
    w->err = w->result < 0 ? errno : 0;
    return NULL;
}

static void start(pthread_t *t, struct waiter *w, uint32_t *word, uint32_t bitset) {
    w->word = word;
    w->bitset = bitset;
    pthread_create(t, NULL, wait_thread, w);
}

static void finish(pthread_t *t, int n) {
    for (int i = 0; i < n; i++)
        pthread_join(t[i], NULL);
}

static void on_signal(int signo) {
    (void)signo;
}

static void *signal_later(void *arg) {
    usleep(20000);
    pthread_kill(*(pthread_t *)arg, SIGUSR1);
    return NULL;
}

int main(void) {
    struct timespec rel = {0, 5 * 1000 * 1000}, abs_ts;
    word_a = 1;
    printf("wait wrong value: %s\n", res(futex(&word_a, FUTEX_WAIT_PRIVATE, 2, NULL, NULL, 0)));
    printf("wait timeout: %s\n", res(futex(&word_a, FUTEX_WAIT_PRIVATE, 1, &rel, NULL, 0)));
    printf("wait shared timeout: %s\n", res(futex(&word_a, FUTEX_WAIT, 1, &rel, NULL, 0)));
    abs_ts = deadline_in(CLOCK_MONOTONIC, 5000000);
    printf("wait_bitset absolute monotonic: %s\n",
           res(futex(&word_a, FUTEX_WAIT_BITSET_PRIVATE, 1, &abs_ts, NULL, FUTEX_BITSET_MATCH_ANY)));
    abs_ts = deadline_in(CLOCK_REALTIME, 5000000);
    printf("wait_bitset absolute realtime: %s\n",
           res(futex(&word_a, FUTEX_WAIT_BITSET_PRIVATE | FUTEX_CLOCK_REALTIME, 1, &abs_ts, NULL,
                     FUTEX_BITSET_MATCH_ANY)));
    struct timespec past = {0, 0};
    printf("wait_bitset absolute past: %s\n",
           res(futex(&word_a, FUTEX_WAIT_BITSET_PRIVATE, 1, &past, NULL, FUTEX_BITSET_MATCH_ANY)));
    struct timespec bad = {0, 1000000000};
    printf("bad timeout: %s\n", res(futex(&word_a, FUTEX_WAIT_PRIVATE, 1, &bad, NULL, 0)));
    printf("wait with CLOCK_REALTIME: %s\n",
           res(futex(&word_a, FUTEX_WAIT_PRIVATE | FUTEX_CLOCK_REALTIME, 1, &rel, NULL, 0)));
    printf("misaligned: %s\n", res(futex((uint32_t *)((char *)&word_a + 1), FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0)));
    printf("bitset 0: %s\n", res(futex(&word_a, FUTEX_WAIT_BITSET_PRIVATE, 1, NULL, NULL, 0)));
    printf("wake nobody: %s\n", res(futex(&word_a, FUTEX_WAKE_PRIVATE, 10, NULL, NULL, 0)));
    printf("unknown op: %s\n", res(futex(&word_a, 99, 0, NULL, NULL, 0)));
    printf("shared wait on bad address: %s\n", res(futex((uint32_t *)16, FUTEX_WAIT, 0, NULL, NULL, 0)));
    printf("private wake on bad address: %s\n", res(futex((uint32_t *)16, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0)));

    /* Wake counts and bitsets. */
    pthread_t t[6];
    struct waiter w[6];
    memset(w, 0, sizeof w);
    word_a = 5;
    for (int i = 0; i < 4; i++)
        start(&t[i], &w[i], &word_a, i < 2 ? 1 : 2);
    await_waiters(&word_a, 4);
    printf("queued: %ld\n", queued(&word_a));
    printf("wake_bitset 2 (want 5): %s\n", res(futex(&word_a, FUTEX_WAKE_BITSET_PRIVATE, 5, NULL, NULL, 2)));
    printf("wake 0 wakes one: %s\n", res(futex(&word_a, FUTEX_WAKE_PRIVATE, 0, NULL, NULL, 0)));
    printf("wake all: %s\n", res(futex(&word_a, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0)));
    finish(t, 4);
    printf("results: %ld %ld %ld %ld\n", w[0].result, w[1].result, w[2].result, w[3].result);

    /* Requeue. */
    word_a = 7;
    word_b = 0;
    for (int i = 0; i < 6; i++)
        start(&t[i], &w[i], &word_a, FUTEX_BITSET_MATCH_ANY);
    await_waiters(&word_a, 6);
    printf("cmp_requeue wrong value: %s\n",
           res(futex(&word_a, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)2L, &word_b, 8)));
    printf("cmp_requeue negative count: %s\n",
           res(futex(&word_a, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)-1L, &word_b, 7)));
    printf("cmp_requeue wake 1 move 2: %s\n",
           res(futex(&word_a, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)2L, &word_b, 7)));
    printf("left on a: %ld, on b: %ld\n", queued(&word_a), queued(&word_b));
    printf("requeue wake 0 move all: %s\n",
           res(futex(&word_a, FUTEX_REQUEUE_PRIVATE, 0, (void *)(long)INT_MAX, &word_b, 0)));
    printf("left on a: %ld, on b: %ld\n", queued(&word_a), queued(&word_b));
    printf("wake b: %s\n", res(futex(&word_b, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0)));
    finish(t, 6);

    /* WAKE_OP: every operation and comparison. */
    static const char *ops[] = {"SET", "ADD", "OR", "ANDN", "XOR"};
    static const char *cmps[] = {"EQ", "NE", "LT", "LE", "GT", "GE"};
    for (int op = 0; op < 5; op++)
        for (int cmp = 0; cmp < 6; cmp++) {
            word_c = 6;
            word_a = 1;
            start(&t[0], &w[0], &word_c, FUTEX_BITSET_MATCH_ANY);
            await_waiters(&word_c, 1);
            long rc = futex(&word_a, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1L, &word_c,
                            FUTEX_OP(op, 3, cmp, 6));
            long left = queued(&word_c);
            if (left)
                futex(&word_c, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
            finish(t, 1);
            printf("wake_op %s 3, %s 6: %s, word %u\n", ops[op], cmps[cmp], res(rc), word_c);
        }
    long rc;
    word_c = 0;
    rc = futex(&word_a, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1L, &word_c,
               FUTEX_OP(FUTEX_OP_OR | FUTEX_OP_OPARG_SHIFT, 4, FUTEX_OP_CMP_EQ, 0));
    printf("wake_op shifted OR: %s, word %#x\n", res(rc), word_c);
    word_c = 0xfffffff0;
    rc = futex(&word_a, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1L, &word_c, FUTEX_OP(FUTEX_OP_ADD, -1, FUTEX_OP_CMP_LT, 0));
    printf("wake_op signed compare: %s, word %#x\n", res(rc), word_c);
    rc = futex(&word_a, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1L, &word_c, FUTEX_OP(6, 1, FUTEX_OP_CMP_EQ, 0));
    printf("wake_op bad op: %s, word %#x\n", res(rc), word_c);
    word_c = 0;
    rc = futex(&word_a, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1L, &word_c, FUTEX_OP(FUTEX_OP_SET, 9, 7, 0));
    printf("wake_op bad cmp: %s, word %u\n", res(rc), word_c);
    rc = futex(&word_a, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1L, (uint32_t *)16, FUTEX_OP(FUTEX_OP_SET, 9, 0, 0));
    printf("wake_op bad address: %s\n", res(rc));

    /* A handler without SA_RESTART ends the wait with EINTR. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGUSR1, &sa, NULL);
    pthread_t self = pthread_self(), killer;
    pthread_create(&killer, NULL, signal_later, &self);
    word_a = 3;
    printf("wait interrupted: %s\n", res(futex(&word_a, FUTEX_WAIT_PRIVATE, 3, NULL, NULL, 0)));
    pthread_join(killer, NULL);
    return 0;
}
