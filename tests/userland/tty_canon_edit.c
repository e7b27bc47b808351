// Canonical-mode editing through a pty: ERASE, KILL, WERASE, LNEXT, REPRINT, EOF, EOL,
// the echo each produces (ECHOE, ECHOK/ECHOKE, ECHOCTL), ICRNL/IGNCR/INLCR, and FIONREAD
// counting complete lines only.
#include "pty_util.h"

static int m, s;

/* type `in` on the master; show the slave's line and the echo up to `echo_end` */
static void line(const char *what, const char *in, const char *echo_end)
{
    char b[256];
    write(m, in, strlen(in));
    long r = read(s, b, sizeof b);
    show(what, b, r);
    if (echo_end) {
        r = read_until(m, b, sizeof b, echo_end);
        show("  echo", b, r);
    }
}

static void lflag(tcflag_t on, tcflag_t off)
{
    struct termios t;
    tcgetattr(s, &t);
    t.c_lflag = (t.c_lflag | on) & ~off;
    tcsetattr(s, TCSANOW, &t);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    s = open_pair(&m, 0);
    line("erase", "abx\x7f" "c\n", "\r\n");
    line("erase past start", "\x7f\x7fok\n", "\r\n");
    line("kill", "foo bar\x15" "baz\n", "\r\n");
    line("werase", "one two  \x17three\n", "\r\n");
    line("werase punctuation", "a.b-c\x17" "d\n", "\r\n");
    line("lnext", "\x16\x7f\x16\x03x\n", "\r\n");
    line("control echo", "a\x01\x1b" "b\n", "\r\n");
    line("erase control char", "a\x01\x7f" "b\n", "\r\n");
    line("tab erase", "ab\tc\x7f\x7f" "d\n", "\r\n");
    line("reprint", "abc\x12" "d\n", "\r\n");
    line("cr to nl", "cr\r", "\r\n");

    struct termios t;
    tcgetattr(s, &t);
    t.c_cc[VEOL] = ';';
    tcsetattr(s, TCSANOW, &t);
    line("eol", "semi;", ";");
    t.c_lflag &= ~ECHOKE;
    tcsetattr(s, TCSANOW, &t);
    line("kill without echoke", "xyz\x15" "k\n", "k\r\n");
    t.c_lflag &= ~ECHOE;
    tcsetattr(s, TCSANOW, &t);
    line("erase without echoe", "ab\x7f" "c\n", "c\r\n");
    t.c_iflag |= IGNCR;
    tcsetattr(s, TCSANOW, &t);
    line("igncr", "a\rb\n", "b\r\n");
    t.c_iflag &= ~(IGNCR | ICRNL);
    t.c_iflag |= INLCR;
    tcsetattr(s, TCSANOW, &t);
    line("inlcr", "in\nx\r;", ";");
    t.c_iflag |= ICRNL;
    t.c_iflag &= ~INLCR;
    tcsetattr(s, TCSANOW, &t);

    /* without echo: EOF ends a line without a terminator; alone it reads as end of file */
    lflag(0, ECHO);
    line("eof after text", "abc\x04", NULL);
    line("eof alone", "\x04", NULL);
    write(m, "one\ntwo\nthr", 11);
    int q = wait_inq(s, 8);
    printf("FIONREAD with a partial line: %d\n", q);
    line("first", "", NULL);
    line("second", "", NULL);
    line("rest", "ee\n", NULL);
    write(m, "longline\n", 9);
    read_show("part 1", s, 4);
    read_show("part 2", s, 64);
    close(s);
    close(m);
    return 0;
}
