// TCP on the loopback: a forked echo server multiplexing 100 concurrent nonblocking
// clients with poll; names of both ends; ephemeral ports in Linux's range.
#include "net_common.h"

#define CLIENTS 100

static void server(int l)
{
    struct pollfd p[CLIENTS + 1];
    int n = 1, served = 0;
    p[0].fd = l;
    p[0].events = POLLIN;
    while (served < CLIENTS) {
        poll(p, n, -1);
        if (p[0].revents & POLLIN) {
            int c = accept4(l, NULL, NULL, SOCK_NONBLOCK);
            p[n].fd = c;
            p[n].events = POLLIN;
            n++;
        }
        for (int i = 1; i < n; i++) {
            if (p[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP)))
                continue;
            char buf[256];
            long r = read(p[i].fd, buf, sizeof buf);
            if (r > 0) {
                write(p[i].fd, buf, r);
            } else if (r == 0) {
                close(p[i].fd);
                p[i].fd = -1;
                served++;
            }
        }
    }
    _exit(0);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    struct sockaddr_in a;
    int l = bound_inet(SOCK_STREAM, &a);
    printf("ephemeral range ok %d\n", ntohs(a.sin_port) >= 1024);
    MUST(listen(l, 128));
    pid_t pid = fork();
    if (pid == 0)
        server(l);
    close(l);

    int fds[CLIENTS];
    int ports_ok = 1;
    for (int i = 0; i < CLIENTS; i++) {
        fds[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        int r = connect(fds[i], (struct sockaddr *)&a, sizeof a);
        if (r < 0 && errno != EINPROGRESS)
            printf("connect %d: %s\n", i, strerror(errno));
        struct sockaddr_in me;
        socklen_t len = sizeof me;
        getsockname(fds[i], (struct sockaddr *)&me, &len);
        int port = ntohs(me.sin_port);
        ports_ok &= port >= 32768 && port <= 60999 && me.sin_addr.s_addr == htonl(INADDR_LOOPBACK);
    }
    printf("client ports ephemeral %d\n", ports_ok);
    struct pollfd p[CLIENTS];
    int sent[CLIENTS] = {0}, got[CLIENTS] = {0}, done = 0;
    char want[CLIENTS][32];
    for (int i = 0; i < CLIENTS; i++) {
        snprintf(want[i], sizeof want[i], "message from client %03d", i);
        p[i].fd = fds[i];
        p[i].events = POLLOUT;
    }
    int mismatches = 0;
    while (done < CLIENTS) {
        MUST(poll(p, CLIENTS, 5000));
        for (int i = 0; i < CLIENTS; i++) {
            if (p[i].fd < 0)
                continue;
            int len = strlen(want[i]);
            if ((p[i].revents & POLLOUT) && !sent[i]) {
                int err;
                socklen_t el = sizeof err;
                getsockopt(p[i].fd, SOL_SOCKET, SO_ERROR, &err, &el);
                if (err)
                    printf("client %d: %s\n", i, strerror(err));
                MUST(write(p[i].fd, want[i], len));
                sent[i] = 1;
                p[i].events = POLLIN;
            } else if (p[i].revents & POLLIN) {
                char buf[64];
                long r = read(p[i].fd, buf, sizeof buf);
                if (r > 0) {
                    mismatches += memcmp(buf, want[i] + got[i], r) != 0;
                    got[i] += r;
                }
                if (got[i] == len) {
                    close(p[i].fd);
                    p[i].fd = -1;
                    done++;
                }
            }
        }
    }
    printf("all echoed, mismatches %d\n", mismatches);
    reap(pid);
    return 0;
}
