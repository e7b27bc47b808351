// More error paths of the socket calls: EBADF and ENOTSOCK for every call, EINVAL for
// bad lengths and option sizes, EAFNOSUPPORT for a wrong family in connect/sendto,
// EPROTOTYPE connecting Unix sockets of different types, EOPNOTSUPP for operations a
// socket type lacks, EISCONN/EALREADY/ENOPROTOOPT, EFAULT for bad buffers.
#include "net_common.h"

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    signal(SIGPIPE, SIG_IGN);
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    int on = 1;
    char buf[8];
    int file = open("/", O_RDONLY);
    int fds[2] = {99, file};
    const char *names[2] = {"bad fd", "not a socket"};
    for (int i = 0; i < 2; i++) {
        int fd = fds[i];
        printf("-- %s\n", names[i]);
        show("bind", bind(fd, (struct sockaddr *)&a, sizeof a));
        show("connect", connect(fd, (struct sockaddr *)&a, sizeof a));
        show("listen", listen(fd, 1));
        show("accept", accept(fd, NULL, NULL));
        show("getsockopt", getsockopt(fd, SOL_SOCKET, SO_TYPE, &on, &len));
        show("setsockopt", setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on));
        show("sendto", sendto(fd, "x", 1, 0, NULL, 0));
        show("recvfrom", recvfrom(fd, buf, 1, MSG_DONTWAIT, NULL, NULL));
        struct msghdr m = {0};
        show("sendmsg", sendmsg(fd, &m, 0));
        show("recvmsg", recvmsg(fd, &m, MSG_DONTWAIT));
        show("shutdown", shutdown(fd, SHUT_RDWR));
    }

    printf("-- addresses\n");
    int t = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in6 six = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT, .sin6_port = htons(9)};
    show("tcp4 connect to sockaddr_in6", connect(t, (struct sockaddr *)&six, sizeof six));
    struct sockaddr_un un = {.sun_family = AF_UNIX};
    show("tcp4 connect to sockaddr_un", connect(t, (struct sockaddr *)&un, sizeof un));
    int u = socket(AF_INET, SOCK_DGRAM, 0);
    show("udp4 sendto sockaddr_in6", sendto(u, "x", 1, 0, (struct sockaddr *)&six, sizeof six));
    show("udp4 sendto short address", sendto(u, "x", 1, 0, (struct sockaddr *)&six, 8));
    show("udp4 sendto addrlen 200", sendto(u, "x", 1, 0, (struct sockaddr *)&six, 200));
    show("udp4 sendto addrlen -1", sendto(u, "x", 1, 0, (struct sockaddr *)&six, -1));
    show("tcp6 bind sockaddr_in", bind(socket(AF_INET6, SOCK_STREAM, 0), (struct sockaddr *)&(struct sockaddr_in){
                                       .sin_family = AF_INET}, sizeof(struct sockaddr_in)));
    show("bind NULL address", bind(u, NULL, sizeof a));
    show("connect bad pointer", connect(t, (struct sockaddr *)8, sizeof a));

    printf("-- unix types\n");
    int ds = socket(AF_UNIX, SOCK_DGRAM, 0);
    struct sockaddr_un da;
    socklen_t dlen = unix_addr(&da, "/tmp/net_socket_errors.sock");
    unlink(da.sun_path);
    MUST(bind(ds, (struct sockaddr *)&da, dlen));
    show("stream connect to dgram", connect(socket(AF_UNIX, SOCK_STREAM, 0), (struct sockaddr *)&da, dlen));
    show("seqpacket connect to dgram", connect(socket(AF_UNIX, SOCK_SEQPACKET, 0), (struct sockaddr *)&da, dlen));
    show("dgram connect to regular file", connect(socket(AF_UNIX, SOCK_DGRAM, 0), (struct sockaddr *)&(struct sockaddr_un){
                                                  .sun_family = AF_UNIX, .sun_path = "/etc/passwd"}, sizeof(struct sockaddr_un)));
    show("dgram listen", listen(ds, 1));
    show("bind path again (EADDRINUSE)", bind(socket(AF_UNIX, SOCK_DGRAM, 0), (struct sockaddr *)&da, dlen));
    show("dgram sendto stream name", sendto(socket(AF_UNIX, SOCK_STREAM, 0), "x", 1, 0, (struct sockaddr *)&da, dlen));
    show("socketpair inet", socketpair(AF_INET, SOCK_STREAM, 0, fds));
    show("socketpair bad family", socketpair(77, SOCK_STREAM, 0, fds));
    show("socketpair bad protocol", socketpair(AF_UNIX, SOCK_STREAM, 5, fds));
    show("socketpair bad type", socketpair(AF_UNIX, 9, 0, fds));
    unlink(da.sun_path);

    printf("-- options\n");
    show("getsockopt unknown level", getsockopt(t, 999, 1, &on, &len));
    show("getsockopt SOL_SOCKET 999", getsockopt(t, SOL_SOCKET, 999, &on, &len));
    show("setsockopt short int", setsockopt(t, SOL_SOCKET, SO_REUSEADDR, &on, 2));
    show("setsockopt NULL value", setsockopt(t, SOL_SOCKET, SO_REUSEADDR, NULL, sizeof on));
    len = -1;
    show("getsockopt negative len", getsockopt(t, SOL_SOCKET, SO_TYPE, &on, &len));
    show("setsockopt negative len", setsockopt(t, SOL_SOCKET, SO_REUSEADDR, &on, -1));
    show("TCP_NODELAY on udp", setsockopt(u, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on));
    show("IPV6_V6ONLY on v4", setsockopt(u, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on));

    printf("-- state\n");
    int l = bound_inet(SOCK_STREAM, &a);
    MUST(listen(l, 4));
    int nb = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    show("nonblocking connect", connect(nb, (struct sockaddr *)&a, sizeof a));
    usleep(10000);
    show("connect again", connect(nb, (struct sockaddr *)&a, sizeof a));
    show("connect again", connect(nb, (struct sockaddr *)&a, sizeof a));
    show("bind connected", bind(nb, (struct sockaddr *)&a, sizeof a));
    show("sendto with address on connected tcp", sendto(nb, "x", 1, 0, (struct sockaddr *)&a, sizeof a));
    show("recv bad buffer", recv(accept(l, NULL, NULL), (void *)8, 1, 0));
    show("send bad buffer", send(nb, (void *)8, 1, 0));
    show("send MSG_OOB on unix", send(socket(AF_UNIX, SOCK_DGRAM, 0), "x", 1, MSG_OOB));
    show("recv MSG_OOB on tcp", recv(nb, buf, 1, MSG_OOB | MSG_DONTWAIT));
    return 0;
}
