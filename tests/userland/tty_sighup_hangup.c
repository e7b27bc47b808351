// Hang-ups. Closing the master hangs up the slave: the session leader gets SIGHUP and
// SIGCONT (its foreground job no signal: Linux 6.18), the session loses its controlling
// terminal, a waiting read ends, writes fail. When a session leader exits, its
// controlling terminal's foreground process group gets SIGHUP and the session loses it.
#include "pty_util.h"

static volatile sig_atomic_t hup, cont;
static void on_hup(int sig) { (void)sig; hup++; }
static void on_cont(int sig) { (void)sig; cont++; }

static void handlers(void)
{
    struct sigaction sa = { .sa_handler = on_hup, .sa_flags = SA_RESTART };
    sigaction(SIGHUP, &sa, NULL);
    sa.sa_handler = on_cont;
    sigaction(SIGCONT, &sa, NULL);
}

static void wait_hup(int tenths)
{
    for (int i = 0; i < tenths * 10 && !hup; i++)
        usleep(10000);
}

/* the exit code packs what a process saw: hup, cont, read result, /dev/tty */
static int code(long r)
{
    int tty = open("/dev/tty", O_RDWR);
    return (hup ? 1 : 0) | (cont ? 2 : 0) | (r <= 0 ? 4 : 0) | (tty < 0 && errno == ENXIO ? 8 : 0);
}

static void master_close(void)
{
    char name[64];
    int m = new_master(name, 0);
    int ready[2];
    pipe(ready);
    pid_t leader = fork();
    if (leader == 0) {
        close(m);
        handlers();
        signal(SIGTTOU, SIG_IGN);
        int s = become_session_leader(name);
        pid_t fg = fork();
        if (fg == 0) {
            hup = cont = 0;
            setpgid(0, 0);
            tcsetpgrp(s, getpid());
            write(ready[1], "f", 1);
            char b[16];
            long r = read(s, b, sizeof b);
            wait_hup(3);
            _exit(code(r));
        }
        pid_t bg = fork();
        if (bg == 0) {
            hup = cont = 0;
            setpgid(0, 0);
            write(ready[1], "b", 1);
            usleep(300000);
            _exit(code(1));
        }
        write(ready[1], "l", 1);
        int st;
        while (waitpid(fg, &st, 0) < 0 && errno == EINTR)
            ;
        if (!WIFEXITED(st))
            status("foreground job", st);
        printf("foreground job: hup %d cont %d read ended %d no /dev/tty %d\n", st >> 8 & 1, st >> 9 & 1,
               st >> 10 & 1, st >> 11 & 1);
        while (waitpid(bg, &st, 0) < 0 && errno == EINTR)
            ;
        if (!WIFEXITED(st))
            status("background job", st);
        printf("background job: hup %d cont %d\n", st >> 8 & 1, st >> 9 & 1);
        wait_hup(30);
        char w = 'x';
        printf("leader: hup %d cont %d write %ld tcgetpgrp %d\n", hup > 0, cont > 0,
               (long)write(s, &w, 1), tcgetpgrp(s));
        _exit(0);
    }
    char c;
    for (int i = 0; i < 3; i++)
        read(ready[0], &c, 1);
    usleep(100000);
    close(m);
    int st;
    waitpid(leader, &st, 0);
    status("leader", st);
}

static void leader_exit(void)
{
    char name[64];
    int m = new_master(name, 0);
    int ready[2], report[2];
    pipe(ready);
    pipe(report);
    pid_t leader = fork();
    if (leader == 0) {
        signal(SIGTTOU, SIG_IGN);
        int s = become_session_leader(name);
        pid_t fg = fork();
        if (fg == 0) {
            handlers();
            hup = cont = 0;
            setpgid(0, 0);
            tcsetpgrp(s, getpid());
            write(ready[1], "f", 1);
            wait_hup(30);
            usleep(50000);
            char c = '0' + code(1);
            pid_t pg = tcgetpgrp(s);
            if (pg < 0 && errno == ENOTTY)
                c += 16;
            write(report[1], &c, 1);
            _exit(0);
        }
        char c;
        read(ready[0], &c, 1);
        _exit(7);
    }
    int st;
    waitpid(leader, &st, 0);
    status("exiting leader", st);
    char c = '?';
    read(report[0], &c, 1);
    c -= '0';
    printf("its foreground job: hup %d cont %d no /dev/tty %d tcgetpgrp ENOTTY %d\n", c & 1, c >> 1 & 1,
           c >> 3 & 1, c >> 4 & 1);
    close(m);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    master_close();
    leader_exit();
    return 0;
}
