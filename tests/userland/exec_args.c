// execve: argv/envp passing by re-executing this binary in a helper mode, exec error
// cases (ENOENT, EACCES, ENOEXEC), "#!" scripts whose interpreter is this binary,
// and that a successful exec never returns.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char self[PATH_MAX];

static void check(const char *what, int ok) { printf("%s: %s\n", what, ok ? "yes" : "no"); }

static void resolve_self(const char *argv0)
{
    if (argv0[0] == '/')
        snprintf(self, sizeof self, "%s", argv0);
    else {
        char cwd[PATH_MAX];
        if (!getcwd(cwd, sizeof cwd))
            exit(2);
        size_t n = strlen(cwd);
        if (n + strlen(argv0) + 2 > sizeof self)
            exit(2);
        strcpy(self, strcmp(cwd, "/") ? cwd : "");
        strcat(self, "/");
        strcat(self, argv0);
    }
}

/* helper mode: print what we were given */
static int show(int argc, char **argv, char **envp)
{
    printf("  helper argc=%d\n", argc);
    for (int i = 1; i < argc; i++)
        printf("  argv[%d]=\"%s\" (len %zu)\n", i, argv[i], strlen(argv[i]));
    int n = 0;
    for (char **e = envp; *e; e++)
        printf("  env[%d]=\"%s\"\n", n++, *e);
    printf("  envc=%d argv[argc] is NULL: %s\n", n, argv[argc] == NULL ? "yes" : "no");
    return 33;
}

static int run(char *const argv[], char *const envp[], const char *path)
{
    pid_t pid = fork();
    if (pid == 0) {
        execve(path, argv, envp);
        printf("  execve failed: %s\n", strerrorname_np(errno));
        _exit(127);
    }
    int st;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 1000 + WTERMSIG(st);
}

static void exec_error(const char *what, const char *path)
{
    char *argv[] = { (char *)path, NULL };
    errno = 0;
    int r = execve(path, argv, environ);
    printf("%s: returned %d %s\n", what, r, strerrorname_np(errno));
}

static void write_file(const char *path, const char *text, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
        exit(3);
    close(fd);
    chmod(path, mode);
}

int main(int argc, char **argv, char **envp)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc > 1 && strcmp(argv[1], "--show") == 0)
        return show(argc, argv, envp);
    if (argc > 1 && strcmp(argv[1], "--count") == 0) {
        size_t total = 0;
        for (int i = 2; i < argc; i++)
            total += strlen(argv[i]) == 99999;
        return (int)total;
    }
    if (argc > 1 && strcmp(argv[1], "--interp") == 0) {
        /* invoked as the interpreter of a #! script */
        printf("  interp argc=%d\n", argc);
        resolve_self(argv[0]);
        printf("  argv[0] is the absolute interpreter path: %s\n", strcmp(argv[0], self) == 0 ? "yes" : "no");
        printf("  argv[1]=\"%s\"\n", argv[1]);
        const char *slash = strrchr(argv[2], '/');
        printf("  argv[2] is the script path: %s\n",
               strncmp(argv[2], "/tmp/exec_args.", 15) == 0 && slash && strcmp(slash, "/script") == 0 ? "yes" : "no");
        for (int i = 3; i < argc; i++)
            printf("  argv[%d]=\"%s\"\n", i, argv[i]);
        return 44;
    }
    resolve_self(argv[0]);

    char *a1[] = { self, "--show", "one", "two words", "", "x=y", NULL };
    char *e1[] = { "A=1", "EMPTY=", "LONG=abcdefghijklmnopqrstuvwxyz", "NOEQUALS", NULL };
    printf("exec with args and custom env:\n");
    printf("exit status %d\n", run(a1, e1, self));

    char *a2[] = { self, "--show", NULL };
    char *e2[] = { NULL };
    printf("exec with empty env:\n");
    printf("exit status %d\n", run(a2, e2, self));

    /* many / long arguments */
    static char big[100000];
    memset(big, 'z', sizeof big - 1);
    char *a3[16];
    a3[0] = self;
    a3[1] = "--count";
    for (int i = 2; i < 14; i++)
        a3[i] = big;
    a3[14] = NULL;
    pid_t pid = fork();
    if (pid == 0) {
        execve(self, a3, e2);
        _exit(127);
    }
    int st;
    waitpid(pid, &st, 0);
    check("exec with 1.2 MB of arguments succeeded", WIFEXITED(st) && WEXITSTATUS(st) == 12);
    static char huge[200000];   /* one string longer than MAX_ARG_STRLEN (128 KiB) */
    memset(huge, 'h', sizeof huge - 1);
    char *a6[] = { self, huge, NULL };
    pid = fork();
    if (pid == 0) {
        execve(self, a6, e2);
        _exit(errno == E2BIG ? 7 : 8);
    }
    waitpid(pid, &st, 0);
    check("exec with one 200 KB argument fails with E2BIG", WIFEXITED(st) && WEXITSTATUS(st) == 7);

    char dir[64], script[96], plain[96], noexec[96];
    snprintf(dir, sizeof dir, "/tmp/exec_args.%d", getpid());
    mkdir(dir, 0755);
    snprintf(script, sizeof script, "%s/script", dir);
    snprintf(plain, sizeof plain, "%s/plain", dir);
    snprintf(noexec, sizeof noexec, "%s/noexec", dir);

    char line[PATH_MAX + 64];
    snprintf(line, sizeof line, "#!%s --interp\nthis is not run\n", self);
    write_file(script, line, 0755);
    write_file(plain, "just some text\n", 0755);
    write_file(noexec, "#!/bin/sh\nexit 0\n", 0644);

    char *a4[] = { "argv0-is-replaced", "arg1", "arg 2", NULL };
    printf("exec #! script:\n");
    printf("exit status %d\n", run(a4, e2, script));

    pid = fork();
    if (pid == 0) {
        exec_error("exec missing file", "/tmp/definitely/not/here");
        exec_error("exec directory", "/tmp");
        exec_error("exec text file without #!", plain);
        exec_error("exec file without x bit", noexec);
        exec_error("exec path through a file", "/tmp/../bin/sh/x");
        exec_error("exec empty path", "");
        _exit(0);
    }
    waitpid(pid, &st, 0);
    check("error child exited 0", WIFEXITED(st) && WEXITSTATUS(st) == 0);

    /* the shell is present both natively and in the guest */
    char *a5[] = { "sh", "-c", "echo shell says $X; exit 9", NULL };
    char *e5[] = { "X=hello", "PATH=/bin:/usr/bin", NULL };
    printf("exit status %d\n", run(a5, e5, "/bin/sh"));

    unlink(script);
    unlink(plain);
    unlink(noexec);
    rmdir(dir);
    return 0;
}
