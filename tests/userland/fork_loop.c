// timeout: 300
// 1000 rounds of fork + exit(i % 256) + waitpid: every status arrives, the sum of exit
// codes is exact, no zombie is left over, and pids are never reused while we still
// hold a zombie (checked with two children alive at once).
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    long sum = 0;
    int failures = 0;
    for (int i = 0; i < 1000; i++) {
        pid_t pid = fork();
        if (pid < 0) {
            failures++;
            continue;
        }
        if (pid == 0)
            _exit(i % 256);
        int st;
        if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
            failures++;
        else
            sum += WEXITSTATUS(st);
    }
    printf("rounds: 1000\n");
    printf("failures: %d\n", failures);
    printf("sum of exit codes: %ld\n", sum);
    errno = 0;
    pid_t left = waitpid(-1, NULL, WNOHANG);
    printf("children left: %d %s\n", (int)left, strerrorname_np(errno));

    /* pairs: a zombie's pid is not handed out to its sibling */
    int same = 0;
    for (int i = 0; i < 100; i++) {
        pid_t a = fork();
        if (a == 0)
            _exit(1);
        pid_t b = fork();
        if (b == 0)
            _exit(2);
        same += a == b;
        int sa, sb;
        waitpid(a, &sa, 0);
        waitpid(b, &sb, 0);
        if (WEXITSTATUS(sa) != 1 || WEXITSTATUS(sb) != 2)
            failures++;
    }
    printf("sibling pids ever equal: %d, status mix-ups: %d\n", same, failures);

    /* a chain of 50 nested forks, each waiting for the next */
    int depth = 0;
    for (;;) {
        if (depth == 50)
            _exit(0);
        pid_t pid = fork();
        if (pid == 0) {
            depth++;
            continue;
        }
        int st;
        waitpid(pid, &st, 0);
        if (depth > 0)
            _exit(WEXITSTATUS(st) + 1 > 255 ? 255 : WEXITSTATUS(st) + 1);
        printf("nested fork chain depth reported: %d\n", WEXITSTATUS(st) + 1);
        break;
    }
    return 0;
}
