// Unix autobind: bind with only the family picks an abstract five-hex-digit name; a
// second bind fails; names differ between sockets; an autobound datagram socket can be
// written to by name; SO_PASSCRED makes connect/send autobind the sender; an unnamed
// sender reports no address (msg_namelen 0).
#include "net_common.h"
#include <ctype.h>

static socklen_t name_of(int fd, struct sockaddr_un *a)
{
    socklen_t len = sizeof *a;
    memset(a, 0, sizeof *a);
    MUST(getsockname(fd, (struct sockaddr *)a, &len));
    return len;
}

static void describe(const char *what, int fd)
{
    struct sockaddr_un a;
    socklen_t len = name_of(fd, &a);
    int hex = len == offsetof(struct sockaddr_un, sun_path) + 6 && a.sun_path[0] == 0;
    for (int i = 1; hex && i < 6; i++)
        hex = isxdigit((unsigned char)a.sun_path[i]) && !isupper((unsigned char)a.sun_path[i]);
    printf("%s: len %u abstract five hex digits %d\n", what, len, hex);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    struct sockaddr_un fam = {.sun_family = AF_UNIX};
    socklen_t flen = offsetof(struct sockaddr_un, sun_path);
    int a = socket(AF_UNIX, SOCK_DGRAM, 0), b = socket(AF_UNIX, SOCK_DGRAM, 0);
    show("autobind a", bind(a, (struct sockaddr *)&fam, flen));
    describe("a", a);
    show("autobind a again", bind(a, (struct sockaddr *)&fam, flen));
    show("autobind b", bind(b, (struct sockaddr *)&fam, flen));
    struct sockaddr_un na, nb;
    socklen_t la = name_of(a, &na), lb = name_of(b, &nb);
    printf("names differ %d\n", la != lb || memcmp(&na, &nb, la) != 0);

    /* write to the autobound name; the receiver sees the sender's name */
    show("sendto a's name", sendto(b, "hi", 2, 0, (struct sockaddr *)&na, la));
    struct sockaddr_un from;
    socklen_t fl = sizeof from;
    char buf[8];
    show("recvfrom", recvfrom(a, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl));
    printf("from b %d\n", fl == lb && memcmp(&from, &nb, lb) == 0);

    /* an unbound sender has no name */
    int anon = socket(AF_UNIX, SOCK_DGRAM, 0);
    sendto(anon, "anon", 4, 0, (struct sockaddr *)&na, la);
    fl = sizeof from;
    show("recvfrom unnamed sender", recvfrom(a, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl));
    printf("namelen %u\n", fl);
    describe("sender after sendto (still unnamed?)", anon);

    /* SO_PASSCRED autobinds on send and on connect */
    int pc = socket(AF_UNIX, SOCK_DGRAM, 0), on = 1;
    setsockopt(pc, SOL_SOCKET, SO_PASSCRED, &on, sizeof on);
    describe("passcred before send", pc);
    sendto(pc, "cred", 4, 0, (struct sockaddr *)&na, la);
    describe("passcred after send", pc);
    recv(a, buf, sizeof buf, 0);

    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    show("autobind stream listener", bind(l, (struct sockaddr *)&fam, flen));
    MUST(listen(l, 2));
    struct sockaddr_un nl;
    socklen_t ll = name_of(l, &nl);
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    setsockopt(c, SOL_SOCKET, SO_PASSCRED, &on, sizeof on);
    show("connect to autobound listener", connect(c, (struct sockaddr *)&nl, ll));
    describe("passcred client after connect", c);
    int plain = socket(AF_UNIX, SOCK_STREAM, 0);
    show("plain connect", connect(plain, (struct sockaddr *)&nl, ll));
    describe("plain client after connect", plain);

    /* abstract namespaces are per type: a stream name is not a datagram name */
    int d = socket(AF_UNIX, SOCK_DGRAM, 0);
    show("dgram sendto a stream autobind name", sendto(d, "x", 1, 0, (struct sockaddr *)&nl, ll));
    show("listen without bind", listen(socket(AF_UNIX, SOCK_STREAM, 0), 1));
    int s = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    show("seqpacket listen unbound", listen(s, 1));
    return 0;
}
