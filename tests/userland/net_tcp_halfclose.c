// TCP half-close: shutdown(SHUT_WR) sends EOF while the other direction keeps working;
// poll bits on each side; EPIPE after one's own SHUT_WR; getpeername; SHUT_RD; ENOTCONN.
#include "net_common.h"

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    signal(SIGPIPE, SIG_IGN);
    struct sockaddr_in a, peer, me;
    int l = bound_inet(SOCK_STREAM, &a);
    MUST(listen(l, 4));
    int c = socket(AF_INET, SOCK_STREAM, 0);
    int fresh = socket(AF_INET, SOCK_STREAM, 0);
    show("shutdown unconnected", shutdown(fresh, SHUT_RDWR));
    close(fresh);
    show("connect", connect(c, (struct sockaddr *)&a, sizeof a));
    socklen_t len = sizeof peer;
    int s = accept(l, (struct sockaddr *)&peer, &len);
    getsockname(c, (struct sockaddr *)&me, &len);
    printf("accept addr is client's name %d len %d\n", !memcmp(&peer, &me, sizeof me), len);
    len = sizeof peer;
    getpeername(c, (struct sockaddr *)&peer, &len);
    printf("client's peer is the server %d\n", !memcmp(&peer, &a, sizeof a));
    char buf[64];
    show("client writes", write(c, "request", 7));
    show("client shut wr", shutdown(c, SHUT_WR));
    usleep(10000);
    struct pollfd p = {s, POLLIN | POLLOUT | POLLRDHUP, 0};
    poll(&p, 1, 0);
    printf("server revents %#x\n", p.revents);
    show("server reads", read(s, buf, sizeof buf));
    show("server reads eof", read(s, buf, sizeof buf));
    show("server reads eof again", read(s, buf, sizeof buf));
    show("server replies", write(s, "response", 8));
    usleep(10000);
    show("client reads", read(c, buf, sizeof buf));
    show("client writes after shut", write(c, "x", 1));
    p.fd = c;
    poll(&p, 1, 0);
    printf("client revents %#x\n", p.revents);
    show("server shut wr", shutdown(s, SHUT_WR));
    usleep(10000);
    poll(&p, 1, 0);
    printf("client revents after both %#x\n", p.revents);
    show("client reads eof", read(c, buf, sizeof buf));
    show("shutdown bad how", shutdown(c, 7));
    close(c);
    close(s);

    /* SHUT_RD: reads return 0 at once */
    c = socket(AF_INET, SOCK_STREAM, 0);
    MUST(connect(c, (struct sockaddr *)&a, sizeof a));
    s = accept(l, NULL, NULL);
    show("shut rd", shutdown(c, SHUT_RD));
    show("read after shut rd", read(c, buf, sizeof buf));
    show("write still works", write(c, "w", 1));
    show("server got it", read(s, buf, sizeof buf));
    close(c);
    close(s);
    close(l);
    return 0;
}
