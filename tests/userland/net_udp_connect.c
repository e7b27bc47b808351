// Connected UDP: only the peer's datagrams arrive, send without an address goes to the
// peer, sendto may still name another address; a connected socket hears the loopback's
// port-unreachable as ECONNREFUSED on its next call (an unconnected one never does);
// connect(AF_UNSPEC) dissolves the association; reconnecting elsewhere.
#include "net_common.h"

static void drain(const char *what, int fd)
{
    char buf[32];
    long r;
    printf("%s:", what);
    while ((r = recv(fd, buf, sizeof buf, MSG_DONTWAIT)) >= 0)
        printf(" '%.*s'", (int)r, buf);
    printf(" then %s\n", strerrorname_np(errno));
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    struct sockaddr_in pa, oa, ma;
    int peer = bound_inet(SOCK_DGRAM, &pa);
    int other = bound_inet(SOCK_DGRAM, &oa);
    int me = bound_inet(SOCK_DGRAM, &ma);
    show("connect to peer", connect(me, (struct sockaddr *)&pa, sizeof pa));
    sendto(peer, "from-peer", 9, 0, (struct sockaddr *)&ma, sizeof ma);
    sendto(other, "from-other", 10, 0, (struct sockaddr *)&ma, sizeof ma);
    sendto(peer, "peer-again", 10, 0, (struct sockaddr *)&ma, sizeof ma);
    drain("me receives", me);
    show("send to peer", send(me, "hi", 2, 0));
    show("sendto other while connected", sendto(me, "aside", 5, 0, (struct sockaddr *)&oa, sizeof oa));
    drain("peer receives", peer);
    drain("other receives", other);

    show("connect AF_UNSPEC", connect(me, (struct sockaddr *)&(struct sockaddr){.sa_family = AF_UNSPEC},
                                      sizeof(struct sockaddr)));
    struct sockaddr_in tmp;
    socklen_t len = sizeof tmp;
    show("getpeername after AF_UNSPEC", getpeername(me, (struct sockaddr *)&tmp, &len));
    len = sizeof tmp;
    getsockname(me, (struct sockaddr *)&tmp, &len);
    printf("bound to port 0 by bind: address kept %d, port dropped %d\n",
           tmp.sin_addr.s_addr == htonl(INADDR_LOOPBACK), tmp.sin_port == 0);
    show("send after AF_UNSPEC", send(me, "x", 1, 0));
    /* a port named by bind() stays */
    close(me);
    me = socket(AF_INET, SOCK_DGRAM, 0);
    MUST(bind(me, (struct sockaddr *)&ma, sizeof ma));
    MUST(connect(me, (struct sockaddr *)&pa, sizeof pa));
    show("connect AF_UNSPEC again", connect(me, (struct sockaddr *)&(struct sockaddr){.sa_family = AF_UNSPEC},
                                            sizeof(struct sockaddr)));
    len = sizeof tmp;
    getsockname(me, (struct sockaddr *)&tmp, &len);
    printf("bound port kept %d\n", tmp.sin_port == ma.sin_port);
    sendto(other, "other-now", 9, 0, (struct sockaddr *)&ma, sizeof ma);
    drain("me receives from anyone", me);
    show("reconnect to other", connect(me, (struct sockaddr *)&oa, sizeof oa));
    sendto(peer, "old-peer", 8, 0, (struct sockaddr *)&ma, sizeof ma);
    sendto(other, "new-peer", 8, 0, (struct sockaddr *)&ma, sizeof ma);
    drain("me receives", me);

    /* nobody listens on this port: the connected socket learns of it */
    close(other);
    show("send to closed port", send(me, "lost", 4, 0));
    usleep(10000);
    int err;
    len = sizeof err;
    char buf[8];
    show("recv", recv(me, buf, sizeof buf, MSG_DONTWAIT));
    show("send again", send(me, "lost", 4, 0));
    usleep(10000);
    show("send once more", send(me, "lost", 4, 0));
    usleep(10000);
    getsockopt(me, SOL_SOCKET, SO_ERROR, &err, &len);
    printf("SO_ERROR %s\n", err ? strerrorname_np(err) : "0");
    show("send after SO_ERROR read", send(me, "lost", 4, 0));

    int loose = socket(AF_INET, SOCK_DGRAM, 0);
    show("unconnected sendto closed port", sendto(loose, "x", 1, 0, (struct sockaddr *)&oa, sizeof oa));
    usleep(10000);
    show("unconnected sendto again", sendto(loose, "x", 1, 0, (struct sockaddr *)&oa, sizeof oa));
    show("unconnected recv", recv(loose, buf, sizeof buf, MSG_DONTWAIT));
    len = sizeof err;
    getsockopt(loose, SOL_SOCKET, SO_ERROR, &err, &len);
    printf("unconnected SO_ERROR %d\n", err);
    return 0;
}
