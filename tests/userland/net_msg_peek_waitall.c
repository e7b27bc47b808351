// Receive flags on stream sockets: MSG_PEEK leaves the data (and spans several writes),
// MSG_WAITALL gathers several writes (and returns short at EOF), MSG_DONTWAIT fails with
// EAGAIN on an empty queue and returns what there is otherwise; Unix datagram peeking.
#include "net_helpers.h"

static void writer(int fd, int pieces)
{
    for (int i = 0; i < pieces; i++) {
        usleep(30000);
        write(fd, "12345", 5);
    }
}

static void flags_on(const char *kind, int c, int s)
{
    char buf[64];
    printf("-- %s\n", kind);
    write(c, "hello", 5);
    write(c, "world", 5);
    long r = recv(s, buf, 3, MSG_PEEK);
    printf("peek 3 -> %ld '%.*s'\n", r, (int)r, buf);
    r = recv(s, buf, sizeof buf, MSG_PEEK);
    printf("peek all -> %ld '%.*s'\n", r, (int)r, buf);
    r = recv(s, buf, 4, 0);
    printf("read 4 -> %ld '%.*s'\n", r, (int)r, buf);
    r = recv(s, buf, sizeof buf, MSG_PEEK | MSG_DONTWAIT);
    printf("peek rest -> %ld '%.*s'\n", r, (int)r, buf);
    r = recv(s, buf, sizeof buf, MSG_DONTWAIT | MSG_WAITALL);
    printf("dontwait|waitall -> %ld '%.*s'\n", r, (int)r, buf);
    show("dontwait empty", recv(s, buf, sizeof buf, MSG_DONTWAIT));
    show("peek dontwait empty", recv(s, buf, sizeof buf, MSG_PEEK | MSG_DONTWAIT));

    pid_t pid = fork();
    if (pid == 0) {
        writer(c, 3);
        _exit(0);
    }
    r = recv(s, buf, 15, MSG_WAITALL);
    printf("waitall 15 over 3 writes -> %ld '%.*s'\n", r, (int)r, buf);
    reap(pid);

    pid = fork();
    if (pid == 0) {
        writer(c, 2);
        shutdown(c, SHUT_WR);
        _exit(0);
    }
    r = recv(s, buf, 20, MSG_WAITALL);
    printf("waitall 20, EOF after 10 -> %ld '%.*s'\n", r, (int)r, buf);
    reap(pid);
    show("after EOF", recv(s, buf, sizeof buf, MSG_WAITALL));
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    int c, s;
    tcp_pair(&c, &s);
    flags_on("tcp", c, s);
    int u[2];
    MUST(socketpair(AF_UNIX, SOCK_STREAM, 0, u));
    flags_on("unix stream", u[0], u[1]);

    printf("-- unix dgram\n");
    MUST(socketpair(AF_UNIX, SOCK_DGRAM, 0, u));
    send(u[0], "first", 5, 0);
    send(u[0], "second", 6, 0);
    char buf[64];
    long r = recv(u[1], buf, 3, MSG_PEEK);
    printf("peek 3 -> %ld '%.*s'\n", r, (int)r, buf);
    r = recv(u[1], buf, sizeof buf, MSG_PEEK);
    printf("peek -> %ld '%.*s' (one datagram)\n", r, (int)r, buf);
    r = recv(u[1], buf, sizeof buf, MSG_WAITALL);
    printf("waitall -> %ld '%.*s' (one datagram)\n", r, (int)r, buf);
    r = recv(u[1], buf, sizeof buf, 0);
    printf("read -> %ld '%.*s'\n", r, (int)r, buf);
    show("dontwait empty", recv(u[1], buf, sizeof buf, MSG_DONTWAIT));
    return 0;
}
