// AF_UNIX stream sockets bound to paths: S_IFSOCK inode, EADDRINUSE, names, data before
// accept, large transfers through a forked peer, half-close, ECONNRESET on close with
// unread data, EPIPE/SIGPIPE, MSG_PEEK/MSG_DONTWAIT/FIONREAD, unlink.
#include "net_common.h"

static volatile int sigpipes;
static void on_pipe(int sig) { (void)sig; sigpipes++; }

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    signal(SIGPIPE, on_pipe);
    umask(022);
    unlink("/tmp/us.sock");
    struct sockaddr_un a, got;
    socklen_t alen = unix_addr(&a, "/tmp/us.sock");
    char buf[4096];

    int srv = socket(AF_UNIX, SOCK_STREAM, 0);
    show("recv unconnected", recv(srv, buf, 1, 0));
    show("send unconnected", send(srv, "x", 1, 0));
    show("listen unbound", listen(srv, 5));
    show("bind", bind(srv, (struct sockaddr *)&a, alen));
    show("bind again", bind(srv, (struct sockaddr *)&a, alen));
    struct stat st;
    MUST(stat("/tmp/us.sock", &st));
    printf("S_ISSOCK %d mode %o\n", S_ISSOCK(st.st_mode), st.st_mode & 07777);
    int other = socket(AF_UNIX, SOCK_STREAM, 0);
    show("bind taken path", bind(other, (struct sockaddr *)&a, alen));
    show("connect not listening", connect(other, (struct sockaddr *)&a, alen));
    show("open socket path", open("/tmp/us.sock", O_RDONLY));
    socklen_t glen = sizeof got;
    memset(&got, 0, sizeof got);
    MUST(getsockname(srv, (struct sockaddr *)&got, &glen));
    printf("getsockname len %d path %s\n", glen, got.sun_path);
    show("listen", listen(srv, 5));

    struct pollfd pfd = {srv, POLLIN, 0};
    show("poll listener empty", poll(&pfd, 1, 0));
    int cli = socket(AF_UNIX, SOCK_STREAM, 0);
    show("connect", connect(cli, (struct sockaddr *)&a, alen));
    show("connect again", connect(cli, (struct sockaddr *)&a, alen));
    show("send before accept", send(cli, "hello", 5, 0));
    show("poll listener", poll(&pfd, 1, 0));
    printf("revents %#x\n", pfd.revents);
    glen = sizeof got;
    int conn = accept(srv, (struct sockaddr *)&got, &glen);
    show("accept", conn >= 0);
    printf("accept addrlen %d family %d\n", glen, got.sun_family);
    glen = sizeof got;
    MUST(getpeername(cli, (struct sockaddr *)&got, &glen));
    printf("client peer len %d path %s\n", glen, got.sun_path);
    glen = sizeof got;
    MUST(getsockname(conn, (struct sockaddr *)&got, &glen));
    printf("accepted name len %d path %s\n", glen, got.sun_path);
    int n = 0;
    MUST(ioctl(conn, FIONREAD, &n));
    printf("FIONREAD %d\n", n);
    show("peek", recv(conn, buf, sizeof buf, MSG_PEEK));
    show("recv", recv(conn, buf, sizeof buf, 0));
    printf("data %.5s\n", buf);
    show("recv dontwait", recv(conn, buf, sizeof buf, MSG_DONTWAIT));
    show("recvfrom name", ({ socklen_t l = sizeof got; send(conn, "ab", 2, 0);
                             long r = recvfrom(cli, buf, 10, 0, (struct sockaddr *)&got, &l);
                             printf("recvfrom addrlen %d\n", l); r; }));

    /* half-close: the client stops writing, still reads */
    show("shutdown wr", shutdown(cli, SHUT_WR));
    show("recv eof", recv(conn, buf, sizeof buf, 0));
    show("send after shut", send(cli, "x", 1, 0));
    printf("sigpipes %d\n", sigpipes);
    show("server still sends", send(conn, "back", 4, 0));
    show("client reads", recv(cli, buf, sizeof buf, 0));
    pfd.fd = cli;
    pfd.events = POLLIN | POLLOUT | POLLRDHUP;
    poll(&pfd, 1, 0);
    printf("client revents %#x\n", pfd.revents);
    close(cli);
    show("send to closed", send(conn, "x", 1, MSG_NOSIGNAL));
    printf("sigpipes %d\n", sigpipes);
    close(conn);

    /* a forked client streams 200000 bytes; the server checks them and answers */
    pid_t pid = fork();
    if (pid == 0) {
        int c = socket(AF_UNIX, SOCK_STREAM, 0);
        MUST(connect(c, (struct sockaddr *)&a, alen));
        static char big[200000];
        for (int i = 0; i < (int)sizeof big; i++)
            big[i] = (char)(i * 7);
        long off = 0;
        while (off < (long)sizeof big) {
            long w = write(c, big + off, sizeof big - off);
            if (w <= 0)
                _exit(2);
            off += w;
        }
        shutdown(c, SHUT_WR);
        long r = read(c, buf, sizeof buf);
        if (r != 6 || memcmp(buf, "thanks", 6))
            _exit(3);
        _exit(0);
    }
    conn = accept(srv, NULL, NULL);
    long total = 0, sum = 0, r;
    while ((r = read(conn, buf, sizeof buf)) > 0) {
        for (long i = 0; i < r; i++)
            sum += (unsigned char)buf[i] ^ (unsigned char)(char)((total + i) * 7);
        total += r;
    }
    printf("received %ld mismatches %ld\n", total, sum);
    write(conn, "thanks", 6);
    reap(pid);
    close(conn);

    /* closing with unread data resets the peer */
    cli = socket(AF_UNIX, SOCK_STREAM, 0);
    MUST(connect(cli, (struct sockaddr *)&a, alen));
    conn = accept(srv, NULL, NULL);
    send(cli, "unread", 6, 0);
    send(conn, "pending", 7, 0);
    close(conn);
    show("read pending", recv(cli, buf, sizeof buf, 0));
    show("read after reset", recv(cli, buf, sizeof buf, 0));
    show("read again", recv(cli, buf, sizeof buf, 0));
    close(cli);

    close(srv);
    show("connect after close", ({ int c = socket(AF_UNIX, SOCK_STREAM, 0);
                                   long x = connect(c, (struct sockaddr *)&a, alen); close(c); x; }));
    show("unlink", unlink("/tmp/us.sock"));
    show("connect after unlink", connect(other, (struct sockaddr *)&a, alen));
    int fd = open("/tmp/plain", O_CREAT | O_WRONLY, 0600);
    close(fd);
    alen = unix_addr(&a, "/tmp/plain");
    show("connect regular file", connect(other, (struct sockaddr *)&a, alen));
    unlink("/tmp/plain");
    int dg = socket(AF_UNIX, SOCK_DGRAM, 0);
    alen = unix_addr(&a, "/tmp/dg.sock");
    unlink("/tmp/dg.sock");
    MUST(bind(dg, (struct sockaddr *)&a, alen));
    show("connect stream to dgram", connect(other, (struct sockaddr *)&a, alen));
    unlink("/tmp/dg.sock");
    return 0;
}
