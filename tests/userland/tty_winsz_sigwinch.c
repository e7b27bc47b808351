// Window size: TIOCSWINSZ on the master (or the slave) sets the size both sides report
// and sends SIGWINCH to the slave's foreground process group only, and only when the
// size changes.
#include "pty_util.h"

static volatile sig_atomic_t winch;
static void on_winch(int sig) { (void)sig; winch++; }

static int m, s;
static char name[64];
static int ready[2];

static pid_t job(int foreground, int fd)
{
    pid_t pid = fork();
    if (pid == 0) {
        setpgid(0, 0);
        if (foreground)
            tcsetpgrp(s, getpid());
        struct sigaction sa = { .sa_handler = on_winch };
        sigaction(SIGWINCH, &sa, NULL);
        sigset_t none;
        sigemptyset(&none);
        char c = 'r';
        write(ready[1], &c, 1);
        /* wait for SIGTERM or a few seconds; exit with how many SIGWINCH came */
        for (int i = 0; i < 300; i++) {
            char b;
            if (read(fd, &b, 1) == 1)
                break;
        }
        _exit(winch);
    }
    char c;
    read(ready[0], &c, 1);
    return pid;
}

static void leader(void)
{
    signal(SIGTTOU, SIG_IGN);
    s = become_session_leader(name);
    pipe(ready);
    int go_fg[2], go_bg[2];
    pipe(go_fg);
    pipe(go_bg);
    pid_t fg = job(1, go_fg[0]), bg = job(0, go_bg[0]);

    struct winsize ws = { 0 }, got;
    ioctl(s, TIOCGWINSZ, &got);
    printf("initial %dx%d\n", got.ws_row, got.ws_col);
    ws.ws_row = 40, ws.ws_col = 100;
    err("TIOCSWINSZ master", ioctl(m, TIOCSWINSZ, &ws));
    err("TIOCSWINSZ same size", ioctl(m, TIOCSWINSZ, &ws));
    ioctl(s, TIOCGWINSZ, &got);
    printf("slave sees %dx%d\n", got.ws_row, got.ws_col);
    usleep(100000);
    ws.ws_row = 50, ws.ws_xpixel = 7;
    err("TIOCSWINSZ slave", ioctl(s, TIOCSWINSZ, &ws));
    ioctl(m, TIOCGWINSZ, &got);
    printf("master sees %dx%d px %d\n", got.ws_row, got.ws_col, got.ws_xpixel);
    usleep(100000);
    write(go_fg[1], "x", 1);
    write(go_bg[1], "x", 1);
    int st;
    waitpid(fg, &st, 0);
    status("foreground job (SIGWINCH count)", st);
    waitpid(bg, &st, 0);
    status("background job", st);
    _exit(0);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    run_leader(&m, name, leader);
    return 0;
}
