/* capget(2), which Node.js calls at start-up: the sets agree with /proc/self/status, the
 * version handshake (v1 reads one data struct, v3 two; an unknown version is rewritten to
 * v3 and EINVAL, or 0 with a NULL data pointer), pid checks, EFAULT, and the sets after
 * the effective and all uids leave 0. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rc_util.h"

static void rc(const char *what, long r) { print_rc(0, 0, what, r); }

static long capget3(int pid, uint64_t sets[3])
{
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, pid};
    struct __user_cap_data_struct d[2];
    long r = syscall(SYS_capget, &h, d);
    if (r == 0) {
        sets[0] = d[0].effective | (uint64_t)d[1].effective << 32;
        sets[1] = d[0].permitted | (uint64_t)d[1].permitted << 32;
        sets[2] = d[0].inheritable | (uint64_t)d[1].inheritable << 32;
    }
    return r;
}

static uint64_t proc_status(const char *field)
{
    char line[256];
    uint64_t value = ~0ull;
    size_t n = strlen(field);
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return value;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, field, n) && line[n] == ':')
            value = strtoull(line + n + 1, NULL, 16);
    fclose(f);
    return value;
}

static void show(const char *when)
{
    uint64_t s[3];
    if (capget3(0, s) < 0) {
        rc(when, -1);
        return;
    }
    printf("%s: eff==CapEff %d prm==CapPrm %d inh==CapInh %d eff %s prm %s inh %s\n", when,
           s[0] == proc_status("CapEff"), s[1] == proc_status("CapPrm"), s[2] == proc_status("CapInh"),
           s[0] ? "some" : "none", s[1] ? "some" : "none", s[2] ? "some" : "none");
}

int main(void)
{
    uint64_t s[3], mine[3];
    show("start");
    capget3(0, mine);
    printf("own pid same sets: %d\n", capget3(getpid(), s) == 0 && !memcmp(s, mine, sizeof s));

    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_1, 0};
    struct __user_cap_data_struct d[2];
    memset(d, 0xab, sizeof d);
    rc("v1", syscall(SYS_capget, &h, d));
    printf("v1 low word %d, second struct untouched %d\n",
           d[0].effective == (uint32_t)mine[0] && d[0].permitted == (uint32_t)mine[1],
           d[1].effective == 0xabababab);
    h.version = _LINUX_CAPABILITY_VERSION_2;
    rc("v2", syscall(SYS_capget, &h, d));

    h.version = 0x12345678;
    rc("unknown version", syscall(SYS_capget, &h, d));
    printf("version now %#x\n", h.version);
    h.version = 0x12345678;
    rc("unknown version, NULL data", syscall(SYS_capget, &h, NULL));
    printf("version now %#x\n", h.version);
    rc("v3, NULL data", syscall(SYS_capget, &h, NULL));

    h.pid = -1;
    rc("pid -1", syscall(SYS_capget, &h, d));
    h.pid = 0x3ffffff0;
    rc("no such pid", syscall(SYS_capget, &h, d));
    rc("bad header", syscall(SYS_capget, (void *)8, d));
    h.pid = 0;
    rc("bad data", syscall(SYS_capget, &h, (void *)8));

    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        pause();
        _exit(0);
    }
    printf("child's sets same: %d\n", capget3(child, s) == 0 && !memcmp(s, mine, sizeof s));
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);

    fflush(stdout);
    child = fork();
    if (child == 0) {
        setresuid(1000, 1000, -1);        /* the saved uid stays 0 */
        show("euid 1000, saved 0");
        printf("permitted kept: %d\n", capget3(0, s) == 0 && s[1] == mine[1]);
        setresuid(-1, 0, -1);
        show("euid 0 again");
        setresuid(1000, 1000, 1000);
        show("all uids 1000");
        fflush(stdout);
        _exit(0);
    }
    waitpid(child, NULL, 0);
    return 0;
}
