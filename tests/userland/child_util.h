/* Helper children for tests of blocking calls and signals: each forks a child that does
 * one thing to wake or signal the caller, then exits 0; the caller gets its pid to reap. */
#define _GNU_SOURCE
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static inline void sleep_ms(long ms)
{
    struct timespec d = { ms / 1000, ms % 1000 * 1000000 };
    nanosleep(&d, NULL);
}

/* a child that writes `data` to fd after delay_ms */
static inline pid_t write_later(int fd, const char *data, long delay_ms)
{
    pid_t pid = fork();
    if (pid == 0) {
        sleep_ms(delay_ms);
        write(fd, data, strlen(data));
        _exit(0);
    }
    return pid;
}

/* a child that sends sig to its parent after delay_ms (at once for 0) */
static inline pid_t signal_parent_later(int sig, long delay_ms)
{
    pid_t pid = fork();
    if (pid == 0) {
        if (delay_ms)
            sleep_ms(delay_ms);
        kill(getppid(), sig);
        _exit(0);
    }
    return pid;
}

/* a child that sends sig to its parent once it has read a byte from fd */
static inline pid_t signal_parent_on_read(int fd, int sig)
{
    pid_t pid = fork();
    if (pid == 0) {
        char c;
        read(fd, &c, 1);
        kill(getppid(), sig);
        _exit(0);
    }
    return pid;
}
