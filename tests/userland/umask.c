// umask: returned previous value, applied to open(O_CREAT), mkdir, mknod(FIFO) but not to
// chmod; only the low 9 bits are kept; inherited by children and across exec.
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[64];

static void mode_of(const char *what, const char *path)
{
    struct stat st;
    stat(path, &st);
    printf("%s: %04o\n", what, st.st_mode & 07777);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc > 1 && strcmp(argv[1], "--show") == 0) {
        printf("umask after exec: %04o\n", umask(0));
        return 0;
    }
    umask(022);
    printf("umask(027) returns the previous: %04o\n", umask(027));
    printf("umask(077) returns: %04o\n", umask(077));
    printf("umask(0777777) keeps 9 bits, next call returns: %04o\n", (umask(0777777), umask(022)));

    snprintf(dir, sizeof dir, "/tmp/umask.%d", getpid());
    mkdir(dir, 0777);
    mode_of("mkdir 0777 under 022", dir);
    char path[128];
    mode_t masks[] = { 0, 022, 027, 077, 0777, 0111 };
    for (unsigned i = 0; i < sizeof masks / sizeof masks[0]; i++) {
        umask(masks[i]);
        snprintf(path, sizeof path, "%s/f%u", dir, i);
        close(open(path, O_CREAT | O_WRONLY, 0777));
        char what[64];
        snprintf(what, sizeof what, "file 0777 under %04o", masks[i]);
        mode_of(what, path);
        snprintf(path, sizeof path, "%s/d%u", dir, i);
        mkdir(path, 0777);
        snprintf(what, sizeof what, "dir 0777 under %04o", masks[i]);
        mode_of(what, path);
        snprintf(path, sizeof path, "%s/p%u", dir, i);
        mkfifo(path, 0666);
        snprintf(what, sizeof what, "fifo 0666 under %04o", masks[i]);
        mode_of(what, path);
    }
    umask(077);
    snprintf(path, sizeof path, "%s/f0", dir);
    chmod(path, 0777);
    mode_of("chmod 0777 ignores umask 077", path);
    snprintf(path, sizeof path, "%s/sticky", dir);
    mkdir(path, 01777);
    mode_of("mkdir 01777 under 077", path);
    rmdir(path);

    umask(0023);
    pid_t pid = fork();
    if (pid == 0) {
        printf("umask in child: %04o\n", umask(0));
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    printf("child's change did not affect the parent: %04o\n", umask(0023));
    pid = fork();
    if (pid == 0) {
        char *args[] = { argv[0], "--show", NULL };
        execv(argv[0], args);
        _exit(127);
    }
    waitpid(pid, NULL, 0);

    for (unsigned i = 0; i < sizeof masks / sizeof masks[0]; i++) {
        snprintf(path, sizeof path, "%s/f%u", dir, i);
        unlink(path);
        snprintf(path, sizeof path, "%s/d%u", dir, i);
        rmdir(path);
        snprintf(path, sizeof path, "%s/p%u", dir, i);
        unlink(path);
    }
    printf("cleanup: %d\n", rmdir(dir));
    return 0;
}
