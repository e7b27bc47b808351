// Orphans are reparented: when a process dies, its children get a new parent (init or
// a subreaper) and keep running; their getppid() changes. Only relations are printed,
// because the new parent pid differs between systems.
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    int report[2], go[2], ready[2];
    pipe(report);
    pipe(go);
    pipe(ready);
    pid_t middle = fork();
    if (middle == 0) {
        pid_t me = getpid();
        pid_t g = fork();
        if (g == 0) {
            close(report[0]);
            close(go[1]);
            char line[256];
            int n = 0;
            int was_child = getppid() == me;
            write(ready[1], "r", 1);
            char b;
            read(go[0], &b, 1);  /* EOF: the middle process has exited */
            pid_t now = 0;
            for (int i = 0; i < 500; i++) {
                now = getppid();
                if (now != me)
                    break;
                struct timespec ts = { 0, 10 * 1000 * 1000 };
                nanosleep(&ts, NULL);
            }
            n += snprintf(line + n, sizeof line - n, "grandchild's first parent was the middle process: %s\n",
                          was_child ? "yes" : "no");
            n += snprintf(line + n, sizeof line - n, "getppid changed after the parent died: %s\n",
                          now != me ? "yes" : "no");
            n += snprintf(line + n, sizeof line - n, "new parent pid is valid: %s\n", now > 0 ? "yes" : "no");
            n += snprintf(line + n, sizeof line - n, "orphan still runs and can write: yes\n");
            write(report[1], line, n);
            _exit(0);
        }
        /* exit while the grandchild is running; our end of 'go' closes with us */
        char b;
        read(ready[0], &b, 1);
        _exit(g > 0 ? 5 : 6);
    }
    close(report[1]);
    close(go[0]);
    close(go[1]);
    close(ready[0]);
    close(ready[1]);
    int st;
    waitpid(middle, &st, 0);
    printf("middle process exit code: %d\n", WEXITSTATUS(st));
    char buf[512];
    size_t got = 0;
    ssize_t n;
    while ((n = read(report[0], buf + got, sizeof buf - 1 - got)) > 0)
        got += n;
    buf[got] = 0;
    fputs(buf, stdout);
    /* if this process is init (or a subreaper) the orphan became our child: reap it quietly */
    while (waitpid(-1, NULL, WNOHANG) > 0)
        continue;

    /* a zombie whose parent dies is reaped by the new parent, not left behind */
    pid_t mid2 = fork();
    if (mid2 == 0) {
        pid_t z = fork();
        if (z == 0)
            _exit(0);
        struct timespec ts = { 0, 20 * 1000 * 1000 };
        nanosleep(&ts, NULL);  /* z is a zombie now; we die without reaping it */
        _exit(0);
    }
    waitpid(mid2, &st, 0);
    printf("parent of a zombie exited normally: %s\n", WIFEXITED(st) ? "yes" : "no");
    return 0;
}
