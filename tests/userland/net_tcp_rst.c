// TCP resets: closing with unread data makes the peer's read fail with ECONNRESET, then
// EOF; writes then fail with EPIPE (SIGPIPE unless MSG_NOSIGNAL). SO_LINGER {1, 0}
// aborts a connection the same way. A closed listener refuses new connections.
#include "net_common.h"

static volatile int sigpipes;
static void on_pipe(int sig) { (void)sig; sigpipes++; }

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    signal(SIGPIPE, on_pipe);
    struct sockaddr_in a;
    int l = bound_inet(SOCK_STREAM, &a);
    MUST(listen(l, 4));
    char buf[64];

    int c = socket(AF_INET, SOCK_STREAM, 0);
    MUST(connect(c, (struct sockaddr *)&a, sizeof a));
    pid_t pid = fork();
    if (pid == 0) {
        int s = accept(l, NULL, NULL);
        usleep(20000);  /* the client's data arrives and is never read */
        close(s);
        _exit(0);
    }
    write(c, "never read", 10);
    reap(pid);
    usleep(10000);
    struct pollfd p = {c, POLLIN | POLLOUT | POLLRDHUP, 0};
    poll(&p, 1, 0);
    printf("revents %#x\n", p.revents);
    int err;
    socklen_t el = sizeof err;
    show("read", read(c, buf, sizeof buf));
    getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &el);
    printf("SO_ERROR after %d\n", err);
    show("read again", read(c, buf, sizeof buf));
    show("send nosignal", send(c, "x", 1, MSG_NOSIGNAL));
    printf("sigpipes %d\n", sigpipes);
    show("write", write(c, "x", 1));
    printf("sigpipes %d\n", sigpipes);
    socklen_t len = sizeof a;
    struct sockaddr_in peer;
    show("getpeername after reset", getpeername(c, (struct sockaddr *)&peer, &len));
    close(c);

    /* SO_LINGER with a zero timeout aborts */
    c = socket(AF_INET, SOCK_STREAM, 0);
    MUST(connect(c, (struct sockaddr *)&a, sizeof a));
    int s = accept(l, NULL, NULL);
    struct linger lg = {1, 0};
    MUST(setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof lg));
    write(s, "bye", 3);
    close(s);
    usleep(10000);
    show("read after abort", read(c, buf, sizeof buf));
    close(c);

    /* a peer that closed normally: data is readable, then EOF */
    c = socket(AF_INET, SOCK_STREAM, 0);
    MUST(connect(c, (struct sockaddr *)&a, sizeof a));
    s = accept(l, NULL, NULL);
    write(s, "last words", 10);
    close(s);
    usleep(10000);
    show("read data", read(c, buf, sizeof buf));
    show("read eof", read(c, buf, sizeof buf));
    close(c);

    close(l);
    c = socket(AF_INET, SOCK_STREAM, 0);
    show("connect to closed listener", connect(c, (struct sockaddr *)&a, sizeof a));
    return 0;
}
