// Closing one side of a pty: the master waits (EAGAIN) until a slave was opened, reads
// what is left and then EIO with POLLHUP once the last slave closed, and recovers when a
// slave is opened again; closing the master hangs the slave up (reads see end of file,
// writes and ioctls EIO, TIOCSPGRP ENOTTY, poll reports everything) and removes the node.
#include "pty_util.h"
#include <sys/stat.h>

static void show_poll(const char *what, int fd)
{
    struct pollfd p = { fd, POLLIN | POLLOUT | POLLPRI, 0 };
    int r = poll(&p, 1, 0);
    printf("%s: poll %d revents %#x\n", what, r, p.revents);
}

static void try_read(const char *what, int fd)
{
    char b[64];
    long r = read(fd, b, sizeof b);
    if (r < 0)
        err(what, r);
    else
        show(what, b, r);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    char name[64];
    int m = new_master(name, O_NONBLOCK);
    try_read("master before any slave", m);
    show_poll("master before any slave", m);

    int s = open(name, O_RDWR | O_NOCTTY);
    err("open slave", s);
    int s2 = dup(s);
    write(s, "bye\n", 4);
    wait_inq(m, 5);
    close(s);
    show_poll("master, one slave fd left", m);
    close(s2);
    try_read("master after slave close", m);
    try_read("master again", m);
    show_poll("master after slave close", m);

    s = open(name, O_RDWR | O_NOCTTY | O_NONBLOCK);
    err("reopen slave", s);
    try_read("master after reopen", m);
    show_poll("master after reopen", m);

    write(m, "pending\n", 8);
    wait_inq(s, 8);
    close(m);
    show_poll("slave after master close", s);
    try_read("slave after master close", s);
    try_read("slave again", s);
    err("slave write", write(s, "x", 1));
    struct termios t;
    err("tcgetattr", tcgetattr(s, &t));
    pid_t pg = getpgrp();
    err("TIOCSPGRP", ioctl(s, TIOCSPGRP, &pg));
    struct stat st;
    err("stat node", stat(name, &st));
    err("open node", open(name, O_RDWR | O_NOCTTY));
    close(s);
    return 0;
}
