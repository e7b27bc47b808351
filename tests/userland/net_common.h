/* Helpers shared by the net_*.c differential tests: print a call's result as
 * "what -> value" or "what -> -1 ENAME", and a few socket shortcuts. Port numbers are
 * never printed (the native run shares the host's network namespace). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static long show(const char *what, long r)
{
    if (r < 0)
        printf("%s -> -1 %s\n", what, strerrorname_np(errno));
    else
        printf("%s -> %ld\n", what, r);
    return r;
}

#define MUST(x) do { if ((x) < 0) { printf("FAIL line %d: %s: %s\n", __LINE__, #x, strerrorname_np(errno)); exit(1); } } while (0)

static socklen_t unix_addr(struct sockaddr_un *a, const char *path)
{
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    strcpy(a->sun_path, path);
    return offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1;
}

/* A TCP or UDP socket bound to the loopback on an ephemeral port; *port gets the port. */
static int bound_inet(int type, struct sockaddr_in *a)
{
    int fd = socket(AF_INET, type, 0);
    MUST(fd);
    memset(a, 0, sizeof *a);
    a->sin_family = AF_INET;
    a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    MUST(bind(fd, (struct sockaddr *)a, sizeof *a));
    socklen_t len = sizeof *a;
    MUST(getsockname(fd, (struct sockaddr *)a, &len));
    return fd;
}

static void reap(pid_t pid)
{
    int status;
    waitpid(pid, &status, 0);
    if (WIFEXITED(status))
        printf("child exit %d\n", WEXITSTATUS(status));
    else
        printf("child signal %d\n", WTERMSIG(status));
}
