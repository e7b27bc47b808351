// memfd_create: an anonymous tmpfs file (read/write/lseek/ftruncate/fstat), its name in
// /proc/self/fd and /proc/self/maps, MAP_SHARED mappings coherent with write() and shared
// with a child, seals (F_GET_SEALS/F_ADD_SEALS with SHRINK, GROW, WRITE, SEAL), flags and
// name errors.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "ev_common.h"

#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008U
#define MFD_EXEC 0x0010U
#endif

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    int fd = memfd_create("demo", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    printf("cloexec=%d accmode_rdwr=%d\n", (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0,
           (fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR);
    char link[128] = {0}, path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    readlink(path, link, sizeof link - 1);
    printf("link: %s\n", link);
    struct stat st;
    fstat(fd, &st);
    printf("mode=%o nlink=%lu size=%ld\n", st.st_mode, (unsigned long)st.st_nlink, (long)st.st_size);

    ev_result("write", write(fd, "hello world", 11));
    ev_result("lseek", lseek(fd, 6, SEEK_SET));
    char buf[32] = {0};
    ev_result("read", read(fd, buf, sizeof buf - 1));
    printf("data: %s\n", buf);
    ev_result("ftruncate 4096", ftruncate(fd, 4096));

    char *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    printf("mmap ok: %d\n", m != MAP_FAILED);
    printf("mapped: %.11s\n", m);
    FILE *maps = fopen("/proc/self/maps", "r");
    char line[256];
    while (fgets(line, sizeof line, maps))
        if (strstr(line, "memfd:"))
            printf("maps: %s", strchr(line, '/'));
    fclose(maps);
    pid_t pid = fork();
    if (pid == 0) {
        memcpy(m, "HELLO", 5);
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    memset(buf, 0, sizeof buf);
    pread(fd, buf, 11, 0);
    printf("after child store: %s\n", buf);
    pwrite(fd, "W", 1, 6);
    printf("mapping sees write: %.11s\n", m);

    ev_result("get seals", fcntl(fd, F_GET_SEALS));
    ev_result("add SHRINK|GROW", fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW));
    ev_result("get seals", fcntl(fd, F_GET_SEALS));
    ev_result("shrink", ftruncate(fd, 100));
    ev_result("grow", ftruncate(fd, 8192));
    ev_result("same size", ftruncate(fd, 4096));
    ev_result("write inside", pwrite(fd, "x", 1, 100));
    ev_result("write past end", pwrite(fd, "x", 1, 4096));
    ev_result("add WRITE while mapped writable", fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE));
    munmap(m, 4096);
    ev_result("add WRITE", fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE));
    ev_result("write sealed", write(fd, "x", 1));
    int again = dup(fd);
    ev_result("write via dup", write(again, "x", 1));
    close(again);
    m = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
    printf("read-only shared map of sealed: %d\n", m != MAP_FAILED);
    ev_result("add SEAL", fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL));
    ev_result("add after SEAL", fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK));
    ev_result("add bad bits", fcntl(fd, F_ADD_SEALS, 0x100));

    int plain = memfd_create("plain", 0);
    ev_result("plain get seals", fcntl(plain, F_GET_SEALS));
    ev_result("plain add", fcntl(plain, F_ADD_SEALS, F_SEAL_GROW));
    int pipefd[2];
    pipe(pipefd);
    ev_result("pipe get seals", fcntl(pipefd[0], F_GET_SEALS));

    ev_result("bad flags", memfd_create("x", 0x100));
    ev_result("EXEC|NOEXEC_SEAL", memfd_create("x", MFD_EXEC | MFD_NOEXEC_SEAL));
    char longname[300];
    memset(longname, 'a', sizeof longname);
    longname[249] = 0;
    int ok = memfd_create(longname, 0);
    ev_result("name 249", ok >= 0 ? 0 : -1);
    longname[249] = 'a';
    longname[250] = 0;
    ev_result("name 250", memfd_create(longname, 0));
    ev_result("bad name pointer", memfd_create((char *)8, 0));
    int nx = memfd_create("nx", MFD_NOEXEC_SEAL);
    fstat(nx, &st);
    printf("noexec mode=%o\n", st.st_mode);
    ev_result("noexec seals", fcntl(nx, F_GET_SEALS));
    return 0;
}
