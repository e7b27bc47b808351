// AF_INET6 on the guest loopback: TCP and UDP over ::1, sockaddr_in6 sizes and fields,
// binding :: then connecting to ::1, EADDRNOTAVAIL for foreign binds.
#include "net_common.h"

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT}, got;
    int l = socket(AF_INET6, SOCK_STREAM, 0);
    MUST(bind(l, (struct sockaddr *)&a, sizeof a));
    socklen_t len = sizeof a;
    MUST(getsockname(l, (struct sockaddr *)&a, &len));
    printf("sockname len %d family %d loopback %d\n", len, a.sin6_family, IN6_IS_ADDR_LOOPBACK(&a.sin6_addr));
    MUST(listen(l, 4));
    int c = socket(AF_INET6, SOCK_STREAM, 0);
    show("connect ::1", connect(c, (struct sockaddr *)&a, sizeof a));
    len = sizeof got;
    int s = accept(l, (struct sockaddr *)&got, &len);
    printf("accept len %d loopback %d flowinfo %u scope %u\n", len, IN6_IS_ADDR_LOOPBACK(&got.sin6_addr),
           got.sin6_flowinfo, got.sin6_scope_id);
    write(c, "over v6", 7);
    char buf[16];
    show("read", read(s, buf, sizeof buf));
    show("connect with 24-byte address", connect(socket(AF_INET6, SOCK_STREAM, 0), (struct sockaddr *)&a, 24));
    show("connect with short address", connect(socket(AF_INET6, SOCK_STREAM, 0), (struct sockaddr *)&a, 20));
    struct sockaddr_in6 far = a;
    inet_pton(AF_INET6, "2001:db8::1", &far.sin6_addr);
    show("bind foreign", bind(socket(AF_INET6, SOCK_DGRAM, 0), (struct sockaddr *)&far, sizeof far));
    close(s);
    close(c);
    close(l);

    /* UDP bound to :: receives datagrams sent to ::1 */
    int u = socket(AF_INET6, SOCK_DGRAM, 0);
    struct sockaddr_in6 any = {.sin6_family = AF_INET6};
    MUST(bind(u, (struct sockaddr *)&any, sizeof any));
    len = sizeof any;
    getsockname(u, (struct sockaddr *)&any, &len);
    printf("bound any %d\n", IN6_IS_ADDR_UNSPECIFIED(&any.sin6_addr));
    struct sockaddr_in6 dest = any;
    dest.sin6_addr = in6addr_loopback;
    int v = socket(AF_INET6, SOCK_DGRAM, 0);
    show("sendto ::1", sendto(v, "datagram", 8, 0, (struct sockaddr *)&dest, sizeof dest));
    len = sizeof got;
    show("recvfrom", recvfrom(u, buf, sizeof buf, 0, (struct sockaddr *)&got, &len));
    printf("from len %d loopback %d\n", len, IN6_IS_ADDR_LOOPBACK(&got.sin6_addr));
    show("connect udp to ::", connect(v, (struct sockaddr *)&any, sizeof any));
    len = sizeof got;
    getpeername(v, (struct sockaddr *)&got, &len);
    printf("peer is loopback %d\n", IN6_IS_ADDR_LOOPBACK(&got.sin6_addr));
    show("send", send(v, "again", 5, 0));
    show("recv", recv(u, buf, sizeof buf, 0));
    return 0;
}
