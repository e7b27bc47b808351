// A shell on a pty: a child becomes a session leader with the slave as its controlling
// terminal and runs /bin/sh; the parent types a command line on the master, collects the
// output (echo included) until the master reads EIO, and reports the exit status.
#include "pty_util.h"

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    int m = posix_openpt(O_RDWR | O_NOCTTY);
    grantpt(m);
    unlockpt(m);
    char name[64];
    strcpy(name, ptsname(m));
    pid_t pid = fork();
    if (pid == 0) {
        close(m);
        int s = become_session_leader(name);
        if (s < 0)
            _exit(100);
        dup2(s, 0), dup2(s, 1), dup2(s, 2);
        if (s > 2)
            close(s);
        execl("/bin/sh", "sh", "-c",
              "read line; eval \"$line\"", (char *)NULL);
        _exit(101);
    }
    const char *line = "echo hi; [ -t 0 ] && echo tty; tty >/dev/null && echo named; exit 3\n";
    write(m, line, strlen(line));
    char buf[512];
    long n = 0, r;
    while ((r = read(m, buf + n, sizeof buf - n)) > 0)
        n += r;
    err("last master read", r);
    show("output", buf, n);
    int st;
    waitpid(pid, &st, 0);
    status("shell", st);
    close(m);
    return 0;
}
