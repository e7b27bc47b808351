// args: first second-arg 3rd
// stdin: hello from stdin
// Command-line arguments and standard input as the harness provides them: argc/argv
// from the "args" header, one line of text on fd 0, and the fixed environment.
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int fcntl_ok(void)
{
    for (int fd = 0; fd < 3; fd++)
        if (fcntl(fd, F_GETFD) < 0)
            return 0;
    return 1;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    printf("argc: %d\n", argc);
    for (int i = 1; i < argc; i++)
        printf("argv[%d]: \"%s\"\n", i, argv[i]);
    const char *slash = strrchr(argv[0], '/');
    printf("program name: %s\n", slash ? slash + 1 : argv[0]);
    char line[256];
    if (fgets(line, sizeof line, stdin)) {
        line[strcspn(line, "\n")] = 0;
        printf("stdin line: \"%s\"\n", line);
    } else {
        printf("stdin: nothing\n");
    }
    const char *path = getenv("PATH"), *home = getenv("HOME");
    printf("PATH: %s\n", path ? path : "(unset)");
    printf("HOME: %s\n", home ? home : "(unset)");
    printf("TERM set: %s\n", getenv("TERM") ? "yes" : "no");
    char cwd[256];
    printf("cwd: %s\n", getcwd(cwd, sizeof cwd) ? cwd : "?");
    printf("fds 0 1 2 open: %s\n", fcntl_ok() ? "yes" : "no");
    return argc;
}
