// UDP on the loopback: datagram boundaries, truncation (MSG_TRUNC flag and return value),
// sender addresses, connect filtering and AF_UNSPEC disconnect, EDESTADDRREQ, EMSGSIZE,
// recvmmsg/sendmmsg, FIONREAD, empty datagrams.
#include "net_common.h"

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    struct sockaddr_in sa, ca, from;
    int s = bound_inet(SOCK_DGRAM, &sa), c = bound_inet(SOCK_DGRAM, &ca);
    char buf[2048];
    show("send no address", send(c, "x", 1, 0));
    show("sendto", sendto(c, "0123456789", 10, 0, (struct sockaddr *)&sa, sizeof sa));
    show("sendto", sendto(c, "abc", 3, 0, (struct sockaddr *)&sa, sizeof sa));
    show("sendto empty", sendto(c, "", 0, 0, (struct sockaddr *)&sa, sizeof sa));
    int n;
    ioctl(s, FIONREAD, &n);
    printf("FIONREAD %d\n", n);
    struct iovec iov = {buf, 4};
    struct msghdr m = {.msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &iov, .msg_iovlen = 1};
    show("recvmsg short", recvmsg(s, &m, 0));
    printf("trunc %d data %.4s namelen %d from client %d\n", !!(m.msg_flags & MSG_TRUNC), buf,
           m.msg_namelen, from.sin_port == ca.sin_port && from.sin_addr.s_addr == ca.sin_addr.s_addr);
    show("recv MSG_TRUNC", recv(s, buf, 1, MSG_TRUNC));
    show("recv empty", recv(s, buf, sizeof buf, 0));
    show("recv dontwait", recv(s, buf, sizeof buf, MSG_DONTWAIT));
    show("peek", ({ sendto(c, "peek", 4, 0, (struct sockaddr *)&sa, sizeof sa);
                    recv(s, buf, sizeof buf, MSG_PEEK); }));
    show("then recv", recv(s, buf, sizeof buf, 0));

    static char big[70000];
    show("too big", sendto(c, big, 65508, 0, (struct sockaddr *)&sa, sizeof sa));
    show("largest", sendto(c, big, 65507, 0, (struct sockaddr *)&sa, sizeof sa));
    show("recv largest", recv(s, big, sizeof big, 0));

    /* connect filters what arrives and sets the default destination */
    int t = bound_inet(SOCK_DGRAM, &from);
    MUST(connect(s, (struct sockaddr *)&ca, sizeof ca));
    sendto(t, "stranger", 8, 0, (struct sockaddr *)&sa, sizeof sa);
    sendto(c, "friend", 6, 0, (struct sockaddr *)&sa, sizeof sa);
    show("recv", recv(s, buf, sizeof buf, 0));
    show("recv nothing else", recv(s, buf, sizeof buf, MSG_DONTWAIT));
    show("send connected", send(s, "hi", 2, 0));
    show("recv at client", recv(c, buf, sizeof buf, 0));
    struct sockaddr unspec = {.sa_family = AF_UNSPEC};
    show("disconnect", connect(s, &unspec, sizeof unspec));
    show("send after disconnect", send(s, "x", 1, 0));
    close(s);
    s = bound_inet(SOCK_DGRAM, &sa);

    /* sendmmsg / recvmmsg */
    struct mmsghdr mm[3];
    struct iovec v[3];
    const char *words[3] = {"one", "three", "seven"};
    memset(mm, 0, sizeof mm);
    for (int i = 0; i < 3; i++) {
        v[i].iov_base = (void *)words[i];
        v[i].iov_len = strlen(words[i]);
        mm[i].msg_hdr.msg_iov = &v[i];
        mm[i].msg_hdr.msg_iovlen = 1;
        mm[i].msg_hdr.msg_name = &sa;
        mm[i].msg_hdr.msg_namelen = sizeof sa;
    }
    show("sendmmsg", sendmmsg(c, mm, 3, 0));
    char rb[3][8];
    memset(mm, 0, sizeof mm);
    for (int i = 0; i < 3; i++) {
        v[i].iov_base = rb[i];
        v[i].iov_len = 4;
        mm[i].msg_hdr.msg_iov = &v[i];
        mm[i].msg_hdr.msg_iovlen = 1;
    }
    show("recvmmsg", recvmmsg(s, mm, 3, MSG_WAITFORONE, NULL));
    for (int i = 0; i < 3; i++)
        printf("msg %d len %u trunc %d\n", i, mm[i].msg_len, !!(mm[i].msg_hdr.msg_flags & MSG_TRUNC));
    return 0;
}
