// inotify on /tmp: IN_CREATE (files, directories with IN_ISDIR), IN_MODIFY (merged when
// repeated), IN_CLOSE_WRITE/NOWRITE, IN_DELETE, IN_MOVED_FROM/TO sharing a cookie,
// IN_MOVE_SELF, IN_DELETE_SELF + IN_IGNORED, IN_IGNORED on rm_watch, IN_ONESHOT,
// IN_MASK_ADD/IN_MASK_CREATE, FIONREAD, padding of names, EINVAL for short buffers,
// poll/epoll readiness, a blocking read, error rules.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "ev_common.h"

static unsigned last_cookie;

static const char *names[] = { "ACCESS", "MODIFY", "ATTRIB", "CLOSE_WRITE", "CLOSE_NOWRITE", "OPEN",
                               "MOVED_FROM", "MOVED_TO", "CREATE", "DELETE", "DELETE_SELF", "MOVE_SELF" };

static void drain(int fd, const char *what)
{
    char buf[4096] __attribute__((aligned(8)));
    ssize_t n = read(fd, buf, sizeof buf);
    printf("%s:", what);
    if (n < 0) {
        printf(" %s\n", strerror(errno));
        return;
    }
    printf(" %zd bytes\n", n);
    for (char *p = buf; p < buf + n;) {
        struct inotify_event *e = (struct inotify_event *)p;
        printf("  wd=%d", e->wd);
        for (int i = 0; i < 12; i++)
            if (e->mask & (1u << i))
                printf(" %s", names[i]);
        if (e->mask & IN_ISDIR) printf(" ISDIR");
        if (e->mask & IN_IGNORED) printf(" IGNORED");
        if (e->mask & IN_Q_OVERFLOW) printf(" OVERFLOW");
        if (e->cookie) {
            printf(" cookie=%s", last_cookie == e->cookie ? "same" : "new");
            last_cookie = e->cookie;
        }
        printf(" len=%u name=%s\n", e->len, e->len ? e->name : "");
        p += sizeof *e + e->len;
    }
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    mkdir("/tmp/evin", 0755);
    mkdir("/tmp/evin/sub", 0755);
    int in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    ev_describe_fd(in);
    int wd = inotify_add_watch(in, "/tmp/evin",
                               IN_CREATE | IN_DELETE | IN_MODIFY | IN_CLOSE_WRITE | IN_CLOSE_NOWRITE |
                               IN_MOVED_FROM | IN_MOVED_TO);
    printf("wd=%d\n", wd);
    drain(in, "empty");

    int fd = open("/tmp/evin/a.txt", O_CREAT | O_WRONLY, 0644);
    write(fd, "1", 1);
    write(fd, "2", 1);
    close(fd);
    int avail = 0;
    ioctl(in, FIONREAD, &avail);
    printf("FIONREAD=%d\n", avail);
    drain(in, "create/modify/close");

    fd = open("/tmp/evin/a.txt", O_RDONLY);
    close(fd);
    mkdir("/tmp/evin/d", 0755);
    rename("/tmp/evin/a.txt", "/tmp/evin/b-with-a-longer-name.txt");
    drain(in, "nowrite/mkdir/rename");

    int wsub = inotify_add_watch(in, "/tmp/evin/sub", IN_MOVE_SELF | IN_DELETE_SELF);
    printf("wsub=%d\n", wsub);
    rename("/tmp/evin/sub", "/tmp/evin/sub2");
    drain(in, "dir renamed");
    rmdir("/tmp/evin/sub2");
    drain(in, "watched dir removed");

    unlink("/tmp/evin/b-with-a-longer-name.txt");
    rmdir("/tmp/evin/d");
    drain(in, "deletes");

    /* events merge only with the last queued one */
    fd = open("/tmp/evin/c", O_CREAT | O_WRONLY, 0644);
    drain(in, "create c");
    write(fd, "x", 1);
    write(fd, "x", 1);
    truncate("/tmp/evin/c", 0);
    drain(in, "modify x3 merged");
    close(fd);

    /* file watch and IN_ONESHOT */
    int wc = inotify_add_watch(in, "/tmp/evin/c", IN_MODIFY | IN_ONESHOT);
    printf("wc=%d\n", wc);
    inotify_rm_watch(in, wd);
    fd = open("/tmp/evin/c", O_WRONLY);
    write(fd, "y", 1);
    write(fd, "z", 1);
    close(fd);
    drain(in, "oneshot and rm_watch");

    /* IN_MASK_ADD / IN_MASK_CREATE return the same wd */
    int w1 = inotify_add_watch(in, "/tmp/evin", IN_CREATE);
    int w2 = inotify_add_watch(in, "/tmp/evin", IN_DELETE | IN_MASK_ADD);
    printf("new wd after removal is fresh: %d, same wd on update: %d\n", w1 > wd && w1 > wc, w1 == w2);
    ev_result("MASK_CREATE existing", inotify_add_watch(in, "/tmp/evin", IN_CREATE | IN_MASK_CREATE));
    fd = open("/tmp/evin/e", O_CREAT | O_WRONLY, 0644);
    close(fd);
    unlink("/tmp/evin/e");
    drain(in, "create+delete after MASK_ADD");

    /* short buffer, poll, epoll, blocking read */
    fd = open("/tmp/evin/f", O_CREAT | O_WRONLY, 0644);
    close(fd);
    char small[20];
    ev_result("read 20 bytes", read(in, small, sizeof small));
    struct pollfd pf = { in, POLLIN, 0 };
    int r = poll(&pf, 1, 0);
    printf("poll: %d %#x\n", r, pf.revents);
    drain(in, "f");
    int ep = epoll_create1(0);
    struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 1 };
    epoll_ctl(ep, EPOLL_CTL_ADD, in, &ev);
    ev_result("epoll empty", epoll_wait(ep, &ev, 1, 0));
    fcntl(in, F_SETFL, 0);
    pid_t pid = fork();
    if (pid == 0) {
        usleep(50000);
        close(open("/tmp/evin/g", O_CREAT | O_WRONLY, 0644));
        _exit(0);
    }
    ev_result("epoll wait", epoll_wait(ep, &ev, 1, 5000));
    drain(in, "blocking");
    waitpid(pid, NULL, 0);

    /* errors */
    ev_result("init1 bad flags", inotify_init1(1));
    ev_result("add no events", inotify_add_watch(in, "/tmp", 0));
    ev_result("add MASK_ADD|MASK_CREATE", inotify_add_watch(in, "/tmp", IN_CREATE | IN_MASK_ADD | IN_MASK_CREATE));
    ev_result("add bad fd", inotify_add_watch(99, "/tmp", IN_CREATE));
    ev_result("add not inotify", inotify_add_watch(ep, "/tmp", IN_CREATE));
    ev_result("add missing path", inotify_add_watch(in, "/tmp/evin/nope", IN_CREATE));
    ev_result("add ONLYDIR on file", inotify_add_watch(in, "/tmp/evin/c", IN_CREATE | IN_ONLYDIR));
    ev_result("rm bad wd", inotify_rm_watch(in, 12345));
    ev_result("rm not inotify", inotify_rm_watch(ep, 1));
    unlink("/tmp/evin/c");
    unlink("/tmp/evin/f");
    unlink("/tmp/evin/g");
    rmdir("/tmp/evin");
    return 0;
}
