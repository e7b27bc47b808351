// cflags: -pthread
// The kernel's side of robust futexes, with a hand-made list (set_robust_list): at thread
// exit each word naming the thread gets FUTEX_OWNER_DIED (FUTEX_WAITERS kept) and a waiter
// is woken; list_op_pending is honoured; circular, unaligned and bad-pointer lists are
// survived; get_robust_list reports the registration.
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

struct entry {
    struct robust_list list;
    uint32_t word;
};

static struct robust_list_head head;
static struct entry e[4];
static volatile pid_t thread_tid;

static long futex(uint32_t *uaddr, int op, uint32_t val, const void *timeout) {
    return syscall(SYS_futex, uaddr, op, val, timeout, NULL, 0);
}

static void *owner(void *arg) {
    int mode = (int)(long)arg;
    pid_t me = (pid_t)syscall(SYS_gettid);
    memset(e, 0, sizeof e);
    head.futex_offset = offsetof(struct entry, word) - offsetof(struct entry, list);
    head.list_op_pending = NULL;
    if (mode == 0) {                 /* a normal list: e0 -> e1 -> e2 -> head, e3 pending */
        head.list.next = &e[0].list;
        e[0].list.next = &e[1].list;
        e[1].list.next = &e[2].list;
        e[2].list.next = &head.list;
        e[0].word = (uint32_t)me | FUTEX_WAITERS;
        e[1].word = 12345;           /* somebody else's */
        e[2].word = (uint32_t)me;
        e[3].word = (uint32_t)me;
        head.list_op_pending = &e[3].list;
    } else if (mode == 1) {          /* circular: e0 -> e1 -> e0 ... */
        head.list.next = &e[0].list;
        e[0].list.next = &e[1].list;
        e[1].list.next = &e[0].list;
        e[0].word = (uint32_t)me;
        e[1].word = (uint32_t)me | FUTEX_WAITERS;
    } else if (mode == 2) {          /* a bad pointer after e0 */
        head.list.next = &e[0].list;
        e[0].list.next = (struct robust_list *)16;
        e[0].word = (uint32_t)me;
        e[3].word = (uint32_t)me;
        head.list_op_pending = &e[3].list;
    } else {                         /* unaligned futex word: the walk stops at once */
        head.futex_offset += 1;
        head.list.next = &e[0].list;
        e[0].list.next = &head.list;
        e[0].word = (uint32_t)me;
    }
    long rc = syscall(SYS_set_robust_list, &head, sizeof head);
    struct robust_list_head *got;
    size_t len;
    syscall(SYS_get_robust_list, 0, &got, &len);
    if (rc != 0 || got != &head || len != sizeof head)
        printf("registration problem\n");
    thread_tid = me;
    usleep(20000);
    syscall(SYS_exit, 0);            /* die without the C library cleaning anything up */
    return NULL;
}

static void show(const char *title, pid_t tid, int n) {
    printf("%s:", title);
    for (int i = 0; i < n; i++) {
        uint32_t w = e[i].word;
        printf(" [%s%s%s]", (pid_t)(w & FUTEX_TID_MASK) == tid ? "tid" : (w & FUTEX_TID_MASK) ? "other" : "0",
               w & FUTEX_WAITERS ? "|WAITERS" : "", w & FUTEX_OWNER_DIED ? "|OWNER_DIED" : "");
    }
    printf("\n");
}

static pid_t run(int mode) {
    pthread_t t;
    thread_tid = 0;
    pthread_create(&t, NULL, owner, (void *)(long)mode);
    while (!thread_tid)
        usleep(1000);
    pid_t tid = thread_tid;
    if (mode == 0) {
        /* block on e0 until the owner's death wakes us */
        long rc = futex(&e[0].word, FUTEX_WAIT, e[0].word, NULL);
        printf("waiter on a dying owner's futex woke: %s\n", rc == 0 ? "yes" : "no");
    }
    /* the thread struct is freed lazily by glibc, but the kernel is done once tid is cleared */
    pthread_join(t, NULL);
    return tid;
}

int main(void) {
    pid_t tid = run(0);
    show("list", tid, 4);
    tid = run(1);
    show("circular", tid, 2);
    tid = run(2);
    show("bad pointer", tid, 4);
    tid = run(3);
    show("unaligned", tid, 1);
    printf("set_robust_list wrong size: %s\n",
           syscall(SYS_set_robust_list, &head, sizeof head + 1) == -1 && errno == EINVAL ? "EINVAL" : "?");
    printf("get_robust_list no such thread: %s\n",
           syscall(SYS_get_robust_list, 0x3ffffff0, NULL, NULL) == -1 && errno == ESRCH ? "ESRCH" : "?");
    return 0;
}
