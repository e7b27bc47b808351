// Pty numbers: each open of /dev/ptmx takes the lowest free number; a number comes back
// once the master and every slave file of its pair are closed, and /dev/pts/N exists
// only while the master is open. (Other ptys of the host may exist: only relations
// between the numbers are printed.)
#include "pty_util.h"
#include <sys/stat.h>

static int open_master(void)
{
    int m = posix_openpt(O_RDWR | O_NOCTTY);
    unlockpt(m);
    return m;
}

static unsigned num(int m)
{
    unsigned n = ~0u;
    ioctl(m, TIOCGPTN, &n);
    return n;
}

static int node_exists(unsigned n)
{
    char name[64];
    struct stat st;
    snprintf(name, sizeof name, "/dev/pts/%u", n);
    return stat(name, &st) == 0;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    int a = open_master(), b = open_master(), c = open_master();
    unsigned na = num(a), nb = num(b), nc = num(c);
    yes("increasing", na < nb && nb < nc);
    yes("nodes exist", node_exists(na) && node_exists(nb) && node_exists(nc));
    close(b);
    yes("closed master's node gone", !node_exists(nb));
    int d = open_master();
    yes("lowest free number reused", num(d) == nb);

    /* a slave file keeps the number taken after its master closed */
    char name[64];
    strcpy(name, ptsname(d));
    int s = open(name, O_RDWR | O_NOCTTY);
    close(d);
    yes("node gone while slave open", !node_exists(nb));
    int e = open_master();
    yes("number still taken", num(e) != nb);
    close(s);
    int f = open_master();
    yes("number free after slave close", num(f) == nb);

    /* TIOCGPTPEER opens the slave of a master */
    int peer = ioctl(f, TIOCGPTPEER, O_RDWR | O_NOCTTY);
    err("TIOCGPTPEER", peer);
    yes("peer is a tty", isatty(peer));
    yes("peer's name", ttyname(peer) && strcmp(ttyname(peer), ptsname(f)) == 0);
    write(f, "via peer\n", 9);
    char buf[64];
    long r = read(peer, buf, sizeof buf);
    show("peer read", buf, r);
    int g = posix_openpt(O_RDWR | O_NOCTTY);
    errno = 0;
    err("TIOCGPTPEER on a locked pair", ioctl(g, TIOCGPTPEER, O_RDWR | O_NOCTTY));
    int plain = open("/dev/null", O_RDWR);
    err("TIOCGPTN on /dev/null", ioctl(plain, TIOCGPTN, &na));
    close(a), close(c), close(e), close(f), close(g), close(peer);
    return 0;
}
