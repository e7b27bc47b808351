// statfs/fstatfs report the file-system type and sane geometry for tmpfs, procfs and
// devtmpfs; errors for bad paths; posix_fadvise; POSIX shared memory and named
// semaphores in /dev/shm.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <semaphore.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

static void check(const char *what, int ok) { printf("%s: %s\n", what, ok ? "yes" : "no"); }

static void show(const char *path)
{
    struct statfs s;
    memset(&s, 0xff, sizeof s);
    if (statfs(path, &s) != 0) {
        printf("%s: errno %d\n", path, errno);
        return;
    }
    printf("%s: type %#lx bsize %ld namelen %ld frsize %ld blocks<=free %d\n", path, (long)s.f_type,
           (long)s.f_bsize, (long)s.f_namelen, (long)s.f_frsize, s.f_bfree <= s.f_blocks && s.f_bavail <= s.f_bfree);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    show("/tmp");
    show("/proc");
    show("/proc/self");
    show("/dev/shm");
    show("/nonexistent");
    struct statfs s;
    int fd = open("/dev/null", O_RDONLY);
    check("fstatfs", fstatfs(fd, &s) == 0 && s.f_bsize == 4096);
    close(fd);
    errno = 0;
    check("fstatfs bad fd is EBADF", fstatfs(99, &s) == -1 && errno == EBADF);
    errno = 0;
    check("bad buffer is EFAULT", statfs("/tmp", (struct statfs *)8) == -1 && errno == EFAULT);

    fd = open("/tmp/fadv.dat", O_RDWR | O_CREAT | O_TRUNC, 0644);
    check("posix_fadvise SEQUENTIAL", posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL) == 0);
    check("posix_fadvise DONTNEED", posix_fadvise(fd, 0, 100, POSIX_FADV_DONTNEED) == 0);
    check("posix_fadvise bad advice is EINVAL", posix_fadvise(fd, 0, 0, 99) == EINVAL);
    close(fd);
    unlink("/tmp/fadv.dat");

    int shm = shm_open("/dyn_statfs_shm", O_RDWR | O_CREAT | O_EXCL, 0600);
    check("shm_open", shm >= 0);
    check("ftruncate shm", ftruncate(shm, 4096) == 0);
    char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, shm, 0);
    check("mmap shm", p != MAP_FAILED);
    sem_t *sem = sem_open("/dyn_statfs_sem", O_CREAT | O_EXCL, 0600, 0);
    check("sem_open", sem != SEM_FAILED);
    pid_t pid = fork();
    if (pid == 0) {
        int cfd = shm_open("/dyn_statfs_shm", O_RDWR, 0);
        char *q = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, cfd, 0);
        strcpy(q, "from the child");
        sem_t *csem = sem_open("/dyn_statfs_sem", 0);
        sem_post(csem);
        _exit(0);
    }
    check("sem_wait", sem_wait(sem) == 0);
    printf("shared memory says: %s\n", p);
    waitpid(pid, NULL, 0);
    check("/dev/shm holds the object", access("/dev/shm/dyn_statfs_shm", F_OK) == 0);
    check("shm_unlink", shm_unlink("/dyn_statfs_shm") == 0);
    check("sem_unlink", sem_unlink("/dyn_statfs_sem") == 0);
    errno = 0;
    check("shm_open after unlink is ENOENT", shm_open("/dyn_statfs_shm", O_RDWR, 0) == -1 && errno == ENOENT);
    return 0;
}
