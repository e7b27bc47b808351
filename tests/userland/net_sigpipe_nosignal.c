// EPIPE and SIGPIPE: writing to a stream whose peer is gone raises SIGPIPE (kills by
// default, runs a handler, or is ignored) unless MSG_NOSIGNAL; write() always may;
// TCP: the first write after the peer's close is accepted and answered with a reset,
// later ones fail (EPIPE + SIGPIPE, the pending error read first); after one's own
// SHUT_WR; seqpacket never raises SIGPIPE; datagram sockets after SHUT_WR.
#include "net_helpers.h"

static volatile int sigpipes;
static void on_pipe(int sig) { (void)sig; sigpipes++; }

static void attempt(const char *what, int fd, int flags, int use_write)
{
    int before = sigpipes;
    long r = use_write ? write(fd, "data", 4) : send(fd, "data", 4, flags);
    if (r < 0)
        printf("%s -> -1 %s, SIGPIPE %d\n", what, strerrorname_np(errno), sigpipes - before);
    else
        printf("%s -> %ld, SIGPIPE %d\n", what, r, sigpipes - before);
}

static void unix_case(int type, const char *kind)
{
    int u[2];
    printf("-- %s\n", kind);
    MUST(socketpair(AF_UNIX, type, 0, u));
    close(u[1]);
    attempt("send", u[0], 0, 0);
    attempt("send NOSIGNAL", u[0], MSG_NOSIGNAL, 0);
    attempt("write", u[0], 0, 1);
    close(u[0]);
    MUST(socketpair(AF_UNIX, type, 0, u));
    shutdown(u[0], SHUT_WR);
    attempt("send after own SHUT_WR", u[0], 0, 0);
    attempt("send NOSIGNAL after own SHUT_WR", u[0], MSG_NOSIGNAL, 0);
    close(u[0]);
    close(u[1]);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    signal(SIGPIPE, on_pipe);
    unix_case(SOCK_STREAM, "unix stream");
    unix_case(SOCK_SEQPACKET, "unix seqpacket");
    unix_case(SOCK_DGRAM, "unix dgram");

    printf("-- tcp, peer closed\n");
    int c, s;
    tcp_pair(&c, &s);
    close(s);
    attempt("first send (reset follows)", c, MSG_NOSIGNAL, 0);
    usleep(10000);
    attempt("second send", c, 0, 0);
    attempt("third send NOSIGNAL", c, MSG_NOSIGNAL, 0);
    attempt("write", c, 0, 1);
    close(c);

    printf("-- tcp, own SHUT_WR\n");
    tcp_pair(&c, &s);
    shutdown(c, SHUT_WR);
    attempt("send", c, 0, 0);
    attempt("send NOSIGNAL", c, MSG_NOSIGNAL, 0);
    close(c);
    close(s);

    printf("-- tcp, never connected\n");
    c = socket(AF_INET, SOCK_STREAM, 0);
    attempt("send", c, 0, 0);
    attempt("send NOSIGNAL", c, MSG_NOSIGNAL, 0);
    close(c);

    printf("-- udp after SHUT_WR\n");
    struct sockaddr_in a;
    int r = bound_inet(SOCK_DGRAM, &a);
    c = socket(AF_INET, SOCK_DGRAM, 0);
    connect(c, (struct sockaddr *)&a, sizeof a);
    shutdown(c, SHUT_WR);
    attempt("send", c, 0, 0);
    close(r);

    printf("-- ignored and default dispositions\n");
    signal(SIGPIPE, SIG_IGN);
    int u[2];
    MUST(socketpair(AF_UNIX, SOCK_STREAM, 0, u));
    close(u[1]);
    attempt("send with SIGPIPE ignored", u[0], 0, 0);
    signal(SIGPIPE, SIG_DFL);
    pid_t pid = fork();
    if (pid == 0) {
        send(u[0], "x", 1, MSG_NOSIGNAL);
        printf("child survived MSG_NOSIGNAL\n");
        send(u[0], "x", 1, 0);
        printf("child survived send\n");
        _exit(0);
    }
    reap(pid);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    sigprocmask(SIG_BLOCK, &set, NULL);
    attempt("send with SIGPIPE blocked", u[0], 0, 0);
    sigpending(&set);
    printf("SIGPIPE pending %d\n", sigismember(&set, SIGPIPE));
    signal(SIGPIPE, SIG_IGN);
    return 0;
}
