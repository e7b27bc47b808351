// Pseudo-terminal pairs from glibc's posix_openpt/grantpt/unlockpt/ptsname: the slave
// node (char device 136:N, N from TIOCGPTN), the lock, the master (5:2), and data both
// ways through the line discipline (canonical input with echo, ONLCR output, raw mode).
#include "pty_util.h"
#include <sys/stat.h>
#include <sys/sysmacros.h>

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    int m = posix_openpt(O_RDWR | O_NOCTTY);
    err("posix_openpt", m);
    unsigned n = 0, locked = 0;
    err("TIOCGPTN", ioctl(m, TIOCGPTN, &n));
    err("TIOCGPTLCK", ioctl(m, TIOCGPTLCK, &locked));
    yes("locked at first", locked == 1);
    char name[64];
    snprintf(name, sizeof name, "/dev/pts/%u", n);
    errno = 0;
    err("open locked slave", open(name, O_RDWR | O_NOCTTY));
    err("grantpt", grantpt(m));
    err("unlockpt", unlockpt(m));
    ioctl(m, TIOCGPTLCK, &locked);
    yes("unlocked", locked == 0);
    yes("ptsname matches TIOCGPTN", strcmp(ptsname(m), name) == 0);

    struct stat st;
    err("stat slave", stat(name, &st));
    yes("slave is a char device", S_ISCHR(st.st_mode));
    printf("slave major %u, minor is N: %s\n", major(st.st_rdev), minor(st.st_rdev) == n ? "yes" : "no");
    fstat(m, &st);
    printf("master %s %u:%u\n", S_ISCHR(st.st_mode) ? "chr" : "?", major(st.st_rdev), minor(st.st_rdev));

    int s = open(name, O_RDWR | O_NOCTTY);
    err("open slave", s);
    yes("isatty master", isatty(m));
    yes("isatty slave", isatty(s));
    yes("ttyname is the node", ttyname(s) && strcmp(ttyname(s), name) == 0);
    struct stat a, b;
    fstat(s, &a);
    stat(name, &b);
    yes("fstat slave is the node", a.st_rdev == b.st_rdev);

    struct termios t;
    tcgetattr(s, &t);
    printf("slave termios iflag %o oflag %o cflag %o lflag %o\n", t.c_iflag, t.c_oflag, t.c_cflag, t.c_lflag);
    struct termios tm;
    tcgetattr(m, &tm);
    yes("master shows the slave settings", memcmp(&t, &tm, sizeof t) == 0);

    char buf[256];
    long r;
    /* canonical input: the slave reads a line, the master sees the echo */
    err("write master", write(m, "hello\n", 6));
    read_show("slave read", s, sizeof buf);
    r = read_until(m, buf, sizeof buf, "\r\n");
    show("master echo", buf, r);
    /* output: ONLCR turns \n into \r\n */
    err("write slave", write(s, "out\nline\n", 9));
    r = read_until(m, buf, sizeof buf, "line\r\n");
    show("master read", buf, r);
    /* two lines arrive as two reads */
    write(m, "one\ntwo\n", 8);
    read_until(m, buf, sizeof buf, "two\r\n");
    read_show("first line", s, sizeof buf);
    read_show("second line", s, sizeof buf);
    /* raw mode: bytes pass untouched both ways */
    set_raw(s, 1, 0);
    write(m, "\r\x03\x7f", 3);
    wait_inq(s, 3);
    read_show("raw slave read", s, sizeof buf);
    write(s, "a\nb", 3);
    r = read_until(m, buf, sizeof buf, "b");
    show("raw master read", buf, r);
    int q = -1;
    write(s, "xyz", 3);
    wait_inq(m, 3);
    err("FIONREAD master", ioctl(m, FIONREAD, &q));
    printf("master has %d\n", q);
    read_show("master partial", m, 2);
    read_show("master rest", m, sizeof buf);
    close(s);
    close(m);
    return 0;
}
