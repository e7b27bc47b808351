// Connection floods on the loopback: CONNS TCP connections to our own listener in
// batches of 100 (connect, accept, exchange a byte, close both ends), then PENDING
// nonblocking connects nobody accepts: the accept queue takes backlog + 1, every other
// connect reports EINPROGRESS and stays unconnected. Then the listener still serves.
// args: 10000 10000
// timeout: 60
#include "net_common.h"
#include <sys/resource.h>

#define BATCH 100
#define BACKLOG 16

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    int conns = argc > 1 ? atoi(argv[1]) : 10000, pending = argc > 2 ? atoi(argv[2]) : 10000;
    struct rlimit rl = {pending + 1024, pending + 1024};
    MUST(setrlimit(RLIMIT_NOFILE, &rl));
    struct sockaddr_in a;
    int l = bound_inet(SOCK_STREAM, &a);
    MUST(listen(l, BATCH));
    int ok = 0, echoed = 0;
    for (int done = 0; done < conns; done += BATCH) {
        int c[BATCH], s[BATCH];
        for (int i = 0; i < BATCH; i++) {
            c[i] = socket(AF_INET, SOCK_STREAM, 0);
            MUST(c[i]);
            ok += connect(c[i], (struct sockaddr *)&a, sizeof a) == 0;
        }
        for (int i = 0; i < BATCH; i++) {
            s[i] = accept(l, NULL, NULL);
            MUST(s[i]);
            write(c[i], "x", 1);
            char b;
            echoed += read(s[i], &b, 1) == 1;
            /* the server closes first only for odd connections: both orders are exercised */
            close(i & 1 ? s[i] : c[i]);
            close(i & 1 ? c[i] : s[i]);
        }
    }
    printf("%d connected, %d exchanged a byte\n", ok, echoed);
    close(l);

    l = bound_inet(SOCK_STREAM, &a);
    MUST(listen(l, BACKLOG));
    int *fds = malloc(sizeof(int) * pending);
    int inprogress = 0, other = 0, first_errno = 0;
    for (int i = 0; i < pending; i++) {
        fds[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        MUST(fds[i]);
        int r = connect(fds[i], (struct sockaddr *)&a, sizeof a);
        if (r < 0 && errno == EINPROGRESS) {
            inprogress++;
        } else if (!first_errno) {
            other++;
            first_errno = r < 0 ? errno : -1;
        }
    }
    usleep(100000);
    int connected = 0;
    for (int i = 0; i < pending; i++) {
        struct pollfd p = {fds[i], POLLOUT, 0};
        connected += poll(&p, 1, 0) == 1 && (p.revents & POLLOUT);
    }
    printf("%d nonblocking connects: %d EINPROGRESS, %d other, %d connected (backlog %d)\n", pending, inprogress,
           other, connected, BACKLOG);
    for (int i = 0; i < pending; i++)
        close(fds[i]);
    free(fds);
    /* the queued connections were closed by their clients: accept still hands them out */
    int drained = 0, s;
    fcntl(l, F_SETFL, O_NONBLOCK);
    while ((s = accept(l, NULL, NULL)) >= 0) {
        drained++;
        close(s);
    }
    printf("accepted afterwards %d\n", drained);

    int c = socket(AF_INET, SOCK_STREAM, 0);
    MUST(connect(c, (struct sockaddr *)&a, sizeof a));
    struct pollfd p = {l, POLLIN, 0};
    poll(&p, 1, 1000);
    s = accept(l, NULL, NULL);
    write(c, "still", 5);
    char buf[8];
    long r = read(s, buf, sizeof buf);
    printf("listener still serves: '%.*s'\n", (int)r, buf);
    return 0;
}
