// fork copy-on-write isolation: a child's writes to globals, heap, stack and private
// mappings never show up in the parent, and the child starts with the parent's values.
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static int data_var = 1234;          /* .data */
static char bss_buf[3 * 4096];       /* .bss, spans pages */

static void check(const char *what, int ok) { printf("%s: %s\n", what, ok ? "yes" : "no"); }

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    volatile int stack_var = 77;
    char *heap = malloc(1 << 20);                      /* big: comes from mmap */
    char *small = malloc(100);                         /* small: comes from brk */
    char *priv = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(heap, 'h', 1 << 20);
    strcpy(small, "small-heap");
    memset(bss_buf, 'b', sizeof bss_buf);
    priv[0] = 'p';
    priv[4096] = 'q';

    int report[2];
    if (pipe(report) < 0)
        return 2;
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        close(report[0]);
        /* child: verify inherited values, then modify everything */
        int inherited = data_var == 1234 && stack_var == 77 && heap[12345] == 'h' &&
                        strcmp(small, "small-heap") == 0 && bss_buf[8191] == 'b' &&
                        priv[0] == 'p' && priv[4096] == 'q';
        int ppid_ok = getppid() == parent;
        int self_differs = getpid() != parent;
        data_var = 1;
        stack_var = 2;
        memset(heap, 'H', 1 << 20);
        strcpy(small, "CHILD");
        memset(bss_buf, 'B', sizeof bss_buf);
        priv[0] = 'P';
        priv[4096] = 'Q';
        int own_writes = data_var == 1 && stack_var == 2 && heap[999999] == 'H' && small[0] == 'C' &&
                         bss_buf[0] == 'B' && priv[4096] == 'Q';
        char msg[3] = { (char)('0' + inherited), (char)('0' + ppid_ok), (char)('0' + (self_differs && own_writes)) };
        if (write(report[1], msg, 3) != 3)
            _exit(3);
        _exit(0);
    }
    close(report[1]);
    check("fork returned a child pid", pid > 0);
    char msg[3] = { 0 };
    ssize_t n = read(report[0], msg, 3);
    int status;
    waitpid(pid, &status, 0);
    check("child report received", n == 3);
    check("child saw parent values", msg[0] == '1');
    check("child getppid equals parent pid", msg[1] == '1');
    check("child pid differs and own writes visible to child", msg[2] == '1');
    check("child exited 0", WIFEXITED(status) && WEXITSTATUS(status) == 0);
    check("parent .data unchanged", data_var == 1234);
    check("parent stack unchanged", stack_var == 77);
    int heap_ok = 1;
    for (int i = 0; i < (1 << 20); i += 4096)
        heap_ok &= heap[i] == 'h';
    check("parent mmap heap unchanged", heap_ok);
    check("parent brk heap unchanged", strcmp(small, "small-heap") == 0);
    check("parent .bss unchanged", bss_buf[0] == 'b' && bss_buf[4096] == 'b' && bss_buf[8192] == 'b');
    check("parent private mapping unchanged", priv[0] == 'p' && priv[4096] == 'q');

    /* parent writes after fork must not leak into a second child either */
    data_var = 5678;
    pid = fork();
    if (pid == 0)
        _exit(data_var == 5678 ? 10 : 11);
    waitpid(pid, &status, 0);
    check("second child sees parent's newer value", WIFEXITED(status) && WEXITSTATUS(status) == 10);

    /* grandchild chain: each level writes, nobody above sees it */
    pid = fork();
    if (pid == 0) {
        data_var = 1;
        pid_t g = fork();
        if (g == 0) {
            data_var = 2;
            _exit(data_var);
        }
        int st;
        waitpid(g, &st, 0);
        _exit(WEXITSTATUS(st) * 10 + data_var);
    }
    waitpid(pid, &status, 0);
    check("grandchild chain isolated (21)", WIFEXITED(status) && WEXITSTATUS(status) == 21);
    check("parent value after chain", data_var == 5678);
    return 0;
}
