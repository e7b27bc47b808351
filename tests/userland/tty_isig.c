// Terminal-generated signals through a pty: ^C, ^\ and ^Z typed on the master reach the
// slave's foreground process group (not the background one), flush pending input unless
// NOFLSH, and echo as ^C; with ISIG off they are data. Flow control: ^S/^Q and
// TCOOFF/TCOON stop and restart slave output.
#include "pty_util.h"

static volatile sig_atomic_t got;
static void on_sig(int sig) { got = sig; }

static int m, s;
static char name[64];
static int report[2];

/* a foreground job that waits for a signal and reports it through a pipe */
static pid_t job(int foreground)
{
    pid_t pid = fork();
    if (pid == 0) {
        setpgid(0, 0);
        if (foreground)
            tcsetpgrp(s, getpid());
        struct sigaction sa = { .sa_handler = on_sig };
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGQUIT, &sa, NULL);
        char c = 'r';
        write(report[1], &c, 1);
        for (int i = 0; i < 200 && !got; i++)
            usleep(10000);
        _exit(got);
    }
    char c;
    read(report[0], &c, 1);
    return pid;
}

static void leader(void)
{
    int st;
    signal(SIGTTOU, SIG_IGN);
    s = become_session_leader(name);
    pipe(report);
    char b[64];
    long r;

    pid_t fg = job(1), bg = job(0);
    write(m, "lost", 4);
    r = read_until(m, b, sizeof b, "lost");
    show("echo", b, r);
    write(m, "\x03", 1);
    waitpid(fg, &st, 0);
    status("foreground after ^C", st);
    kill(bg, SIGTERM);
    waitpid(bg, &st, 0);
    status("background", st);
    r = read_until(m, b, sizeof b, "^C");
    show("echo", b, r);
    tcsetpgrp(s, getpgrp());
    write(m, "after\n", 6);
    r = read(s, b, sizeof b);
    show("input after ^C", b, r);
    read_until(m, b, sizeof b, "\r\n");

    fg = job(1);
    write(m, "\x1c", 1);
    waitpid(fg, &st, 0);
    status("foreground after ^\\", st);
    read_until(m, b, sizeof b, "^\\");

    /* ^Z stops the foreground job */
    pid_t stopme = fork();
    if (stopme == 0) {
        setpgid(0, 0);
        tcsetpgrp(s, getpid());
        char c = 'r';
        write(report[1], &c, 1);
        for (int i = 0; i < 200; i++)
            usleep(10000);
        _exit(0);
    }
    read(report[0], b, 1);
    write(m, "\x1a", 1);
    waitpid(stopme, &st, WUNTRACED);
    status("foreground after ^Z", st);
    kill(stopme, SIGKILL);
    waitpid(stopme, &st, 0);
    read_until(m, b, sizeof b, "^Z");
    tcsetpgrp(s, getpgrp());

    /* NOFLSH keeps the input typed before the signal */
    struct termios t;
    tcgetattr(s, &t);
    t.c_lflag |= NOFLSH;
    tcsetattr(s, TCSANOW, &t);
    fg = job(1);
    write(m, "kept", 4);
    read_until(m, b, sizeof b, "kept");
    write(m, "\x03", 1);
    waitpid(fg, &st, 0);
    status("foreground after ^C with NOFLSH", st);
    tcsetpgrp(s, getpgrp());
    write(m, "\n", 1);
    r = read(s, b, sizeof b);
    show("input kept", b, r);
    read_until(m, b, sizeof b, "\r\n");

    /* ISIG off: the characters are data */
    t.c_lflag &= ~ISIG;
    tcsetattr(s, TCSANOW, &t);
    write(m, "\x03\x1c\x1a\n", 4);
    r = read(s, b, sizeof b);
    show("no ISIG", b, r);
    read_until(m, b, sizeof b, "\r\n");

    /* flow control */
    write(m, "\x13", 1);
    usleep(50000);
    fcntl(s, F_SETFL, O_NONBLOCK);
    r = write(s, "held", 4);
    err("write while stopped", r);
    struct pollfd p = { s, POLLOUT, 0 };
    printf("poll while stopped: %d\n", poll(&p, 1, 0));
    write(m, "\x11", 1);
    usleep(50000);
    printf("poll after ^Q: %d\n", poll(&p, 1, 0));
    err("write after ^Q", write(s, "go\n", 3));
    r = read_until(m, b, sizeof b, "go\r\n");
    show("master", b, r);
    err("TCOOFF", tcflow(s, TCOOFF));
    err("write after TCOOFF", write(s, "x", 1));
    write(m, "\x11", 1);            /* ^Q does not undo TCOOFF */
    usleep(50000);
    err("write after ^Q", write(s, "x", 1));
    err("TCOON", tcflow(s, TCOON));
    err("write after TCOON", write(s, "y\n", 2));
    r = read_until(m, b, sizeof b, "y\r\n");
    show("master", b, r);
    err("TCIOFF", tcflow(s, TCIOFF));
    err("TCION", tcflow(s, TCION));
    r = read_until(m, b, sizeof b, "\x11");
    show("TCIOFF/TCION sent", b, r);
    _exit(0);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    run_leader(&m, name, leader);
    return 0;
}
