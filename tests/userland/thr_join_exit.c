// cflags: -pthread
// pthread_exit values, joining finished and running threads, detached threads, and how a
// process ends: exit(2) of the leader with threads still running (status = the last thread's code),
// exit_group from a secondary thread, and pthread_exit from main.
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int detached_done;

static void *exits_early(void *arg) {
    pthread_exit((void *)((long)arg * 3));
    return NULL;
}

static void *returns(void *arg) {
    usleep(2000);
    return (void *)((long)arg + 100);
}

static void *detached(void *arg) {
    (void)arg;
    pthread_mutex_lock(&lock);
    detached_done++;
    pthread_cond_signal(&cond);
    pthread_mutex_unlock(&lock);
    return NULL;
}

static void *sleeper_exit(void *arg) {
    usleep(20000);
    syscall(SYS_exit, (long)arg);       /* thread exit only */
    return NULL;
}

static void *group_exit(void *arg) {
    usleep(5000);
    exit((int)(long)arg);               /* exit_group from a secondary thread */
}

static void *print_late(void *arg) {
    usleep(5000);
    printf("late thread %ld still ran\n", (long)arg);
    fflush(stdout);
    return NULL;
}

static int run_child(void (*body)(void)) {
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        body();
        _exit(99);
    }
    int status;
    waitpid(pid, &status, 0);
    return status;
}

static void leader_exit_first(void) {
    pthread_t t;
    pthread_create(&t, NULL, sleeper_exit, (void *)3);
    syscall(SYS_exit, 7);
}

static void thread_exit_group(void) {
    pthread_t t;
    pthread_create(&t, NULL, group_exit, (void *)5);
    pthread_join(t, NULL);              /* never returns */
}

static void main_pthread_exit(void) {
    pthread_t t;
    pthread_create(&t, NULL, print_late, (void *)1);
    pthread_exit(NULL);
}

static void describe(const char *what, int status) {
    if (WIFEXITED(status))
        printf("%s: exited %d\n", what, WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        printf("%s: killed by %d\n", what, WTERMSIG(status));
}

int main(void) {
    pthread_t a[4], b[4];
    for (long i = 0; i < 4; i++) {
        pthread_create(&a[i], NULL, exits_early, (void *)i);
        pthread_create(&b[i], NULL, returns, (void *)i);
    }
    usleep(10000);      /* the early ones have finished: joining a zombie thread */
    long sum_a = 0, sum_b = 0;
    for (int i = 0; i < 4; i++) {
        void *ra, *rb;
        pthread_join(a[i], &ra);
        pthread_join(b[i], &rb);
        sum_a += (long)ra;
        sum_b += (long)rb;
    }
    printf("pthread_exit values: %ld, returned values: %ld\n", sum_a, sum_b);

    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    for (int i = 0; i < 5; i++) {
        pthread_t t;
        pthread_create(&t, &attr, detached, NULL);
    }
    pthread_t self_detach;
    pthread_create(&self_detach, NULL, detached, NULL);
    pthread_detach(self_detach);
    pthread_mutex_lock(&lock);
    while (detached_done < 6)
        pthread_cond_wait(&cond, &lock);
    pthread_mutex_unlock(&lock);
    printf("detached threads finished: %d\n", detached_done);
    printf("join self: %s\n", pthread_join(pthread_self(), NULL) == EDEADLK ? "EDEADLK" : "?");

    describe("leader exit(7), then its last thread exit(3)", run_child(leader_exit_first));
    describe("exit(5) from a secondary thread", run_child(thread_exit_group));
    describe("pthread_exit from main", run_child(main_pthread_exit));
    return 0;
}
