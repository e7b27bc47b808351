// cflags: -pthread
// Robust mutexes: the owner dies (thread exit, blocked waiter, another process on a shared
// mapping, a PI robust mutex) -> EOWNERDEAD, pthread_mutex_consistent, ENOTRECOVERABLE.
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static pthread_mutex_t m;

static void init_robust(pthread_mutex_t *mutex, int pshared, int protocol) {
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
    pthread_mutexattr_setpshared(&attr, pshared);
    pthread_mutexattr_setprotocol(&attr, protocol);
    pthread_mutex_init(mutex, &attr);
}

static const char *name(int rc) {
    switch (rc) {
    case 0: return "0";
    case EOWNERDEAD: return "EOWNERDEAD";
    case ENOTRECOVERABLE: return "ENOTRECOVERABLE";
    case EBUSY: return "EBUSY";
    case EPERM: return "EPERM";
    case EINVAL: return "EINVAL";
    default: return strerror(rc);
    }
}

static void *lock_and_die(void *arg) {
    pthread_mutex_t *mutex = arg;
    pthread_mutex_lock(mutex);
    return NULL;                     /* exits holding the lock */
}

static volatile int holder_ready;
static void *hold_then_die(void *arg) {
    pthread_mutex_t *mutex = arg;
    pthread_mutex_lock(mutex);
    holder_ready = 1;
    usleep(30000);                  /* main blocks in the lock meanwhile */
    return NULL;
}

static void scenario(const char *title, int protocol) {
    pthread_t t;
    printf("-- %s\n", title);
    init_robust(&m, PTHREAD_PROCESS_PRIVATE, protocol);
    pthread_create(&t, NULL, lock_and_die, &m);
    pthread_join(t, NULL);
    printf("lock after owner exit: %s\n", name(pthread_mutex_lock(&m)));
    printf("consistent: %s\n", name(pthread_mutex_consistent(&m)));
    printf("unlock: %s\n", name(pthread_mutex_unlock(&m)));
    printf("lock again: %s\n", name(pthread_mutex_lock(&m)));
    pthread_mutex_unlock(&m);

    pthread_create(&t, NULL, lock_and_die, &m);
    pthread_join(t, NULL);
    printf("trylock after owner exit: %s\n", name(pthread_mutex_trylock(&m)));
    printf("unlock without consistent: %s\n", name(pthread_mutex_unlock(&m)));
    printf("lock unrecoverable: %s\n", name(pthread_mutex_lock(&m)));
    pthread_mutex_destroy(&m);

    init_robust(&m, PTHREAD_PROCESS_PRIVATE, protocol);
    holder_ready = 0;
    pthread_create(&t, NULL, hold_then_die, &m);
    while (!holder_ready)
        usleep(1000);
    printf("blocked waiter when owner dies: %s\n", name(pthread_mutex_lock(&m)));
    pthread_mutex_consistent(&m);
    pthread_mutex_unlock(&m);
    pthread_join(t, NULL);
    pthread_mutex_destroy(&m);
}

static void shared_scenario(int protocol) {
    pthread_mutex_t *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    init_robust(shared, PTHREAD_PROCESS_SHARED, protocol);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        pthread_mutex_lock(shared);
        usleep(20000);
        _exit(0);                    /* dies holding it */
    }
    usleep(5000);
    printf("shared lock, owner process dies: %s\n", name(pthread_mutex_lock(shared)));
    printf("consistent: %s\n", name(pthread_mutex_consistent(shared)));
    pthread_mutex_unlock(shared);
    waitpid(pid, NULL, 0);
    printf("lock after recovery: %s\n", name(pthread_mutex_lock(shared)));
    pthread_mutex_unlock(shared);
    munmap(shared, 4096);
}

int main(void) {
    scenario("robust", PTHREAD_PRIO_NONE);
    scenario("robust + priority inheritance", PTHREAD_PRIO_INHERIT);
    printf("-- process-shared\n");
    shared_scenario(PTHREAD_PRIO_NONE);
    printf("-- process-shared + priority inheritance\n");
    shared_scenario(PTHREAD_PRIO_INHERIT);
    return 0;
}
