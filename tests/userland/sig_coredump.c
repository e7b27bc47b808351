// Core dumps (man 5 core, core_pattern "core"): a process killed by a signal whose default
// action is "core" writes an ELF core file named "core" in its cwd and its wait status has
// WCOREDUMP set, unless RLIMIT_CORE is below one page or the file cannot be created. The
// parent parses the core: ELF header, PT_NOTE with NT_PRSTATUS/NT_PRPSINFO/NT_SIGINFO, and
// the PT_LOAD holding a heap buffer the child filled before it died. The native run needs the
// host's Linux defaults kernel.core_pattern = "core" and kernel.core_uses_pid = 0.
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MARKER "pykerla core marker: 0123456789abcdef"

static char *marker;            /* malloc'ed before fork: same address in every child */

struct core {
    unsigned char *data;
    size_t size;
};

static int load(const char *path, struct core *c)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    struct stat st;
    fstat(fd, &st);
    c->size = st.st_size;
    c->data = malloc(c->size + 1);
    size_t got = 0;
    while (got < c->size) {
        ssize_t n = read(fd, c->data + got, c->size - got);
        if (n <= 0)
            break;
        got += n;
    }
    close(fd);
    c->size = got;
    return 0;
}

static void print_notes(const struct core *c, const Elf64_Phdr *ph, pid_t child)
{
    size_t off = ph->p_offset, end = ph->p_offset + ph->p_filesz;
    int prstatus = 0;
    while (off + sizeof(Elf64_Nhdr) <= end && end <= c->size) {
        const Elf64_Nhdr *n = (const void *)(c->data + off);
        const char *name = (const char *)(n + 1);
        const unsigned char *desc = (const unsigned char *)name + ((n->n_namesz + 3) & ~3u);
        if (strcmp(name, "CORE") == 0 && n->n_type == NT_PRSTATUS && !prstatus++) {
            short cursig;
            int pid;
            memcpy(&cursig, desc + 12, sizeof cursig);
            memcpy(&pid, desc + 32, sizeof pid);
            printf("  NT_PRSTATUS: size=%u pr_cursig=%s pr_pid is the child: %s\n", n->n_descsz,
                   sigabbrev_np(cursig), pid == child ? "yes" : "no");
        } else if (strcmp(name, "CORE") == 0 && n->n_type == NT_PRPSINFO) {
            printf("  NT_PRPSINFO: size=%u pr_fname=%.16s pr_psargs=%s\n", n->n_descsz,
                   (const char *)desc + 40, (const char *)desc + 56);
        } else if (strcmp(name, "CORE") == 0 && n->n_type == NT_SIGINFO) {
            int signo;
            memcpy(&signo, desc, sizeof signo);
            printf("  NT_SIGINFO: size=%u si_signo=%s\n", n->n_descsz, sigabbrev_np(signo));
        } else if (strcmp(name, "CORE") == 0 && n->n_type == NT_AUXV) {
            printf("  NT_AUXV present\n");
        }
        off = desc - c->data + ((n->n_descsz + 3) & ~3u);
    }
}

static void inspect(const char *path, pid_t child)
{
    struct core c;
    if (load(path, &c) < 0) {
        printf("  no core file (%s)\n", strerrorname_np(errno));
        return;
    }
    const Elf64_Ehdr *eh = (const void *)c.data;
    int magic = c.size >= sizeof *eh && memcmp(eh->e_ident, ELFMAG, SELFMAG) == 0;
    printf("  core file: ELF magic %s, class64 %s, e_type=%d, e_machine=%d\n", magic ? "yes" : "no",
           magic && eh->e_ident[EI_CLASS] == ELFCLASS64 ? "yes" : "no", magic ? eh->e_type : -1,
           magic ? eh->e_machine : -1);
    if (!magic)
        goto out;
    struct stat st;
    stat(path, &st);
    printf("  mode=%o\n", st.st_mode & 07777);
    int found_marker = 0, notes = 0;
    for (int i = 0; i < eh->e_phnum; i++) {
        const Elf64_Phdr *ph = (const void *)(c.data + eh->e_phoff + i * eh->e_phentsize);
        if (ph->p_type == PT_NOTE && !notes++)
            print_notes(&c, ph, child);
        unsigned long addr = (unsigned long)marker;
        if (ph->p_type == PT_LOAD && ph->p_vaddr <= addr
            && addr + sizeof MARKER <= ph->p_vaddr + ph->p_filesz && ph->p_offset + ph->p_filesz <= c.size)
            found_marker = memcmp(c.data + ph->p_offset + (addr - ph->p_vaddr), MARKER, sizeof MARKER) == 0;
    }
    printf("  PT_NOTE segments: %d, heap marker in a PT_LOAD: %s\n", notes, found_marker ? "yes" : "no");
out:
    free(c.data);
}

static void report(const char *what, pid_t pid)
{
    siginfo_t si;
    memset(&si, 0, sizeof si);
    waitid(P_PID, pid, &si, WEXITED | WNOWAIT);
    const char *code = si.si_code == CLD_DUMPED ? "CLD_DUMPED"
                       : si.si_code == CLD_KILLED ? "CLD_KILLED" : "other";
    int st;
    waitpid(pid, &st, 0);
    if (WIFSIGNALED(st))
        printf("%s: killed by %s, WCOREDUMP=%d, waitid si_code=%s\n", what, sigabbrev_np(WTERMSIG(st)),
               WCOREDUMP(st) ? 1 : 0, code);
    else
        printf("%s: status 0x%x\n", what, st);
}

/* A child with RLIMIT_CORE = limit and cwd dir, killed the way `how` says. */
static pid_t crash(const char *dir, rlim_t limit, int how)
{
    pid_t pid = fork();
    if (pid == 0) {
        struct rlimit rl = { limit, RLIM_INFINITY };
        if (setrlimit(RLIMIT_CORE, &rl) < 0 || chdir(dir) < 0)
            _exit(100);
        if (how == 'g') {           /* the cwd disappears: creating the core fails (ENOENT) */
            if (rmdir(dir) < 0)
                _exit(101);
            how = SIGSEGV;
        }
        if (how == SIGSEGV)
            *(volatile int *)0 = 1;
        if (how == SIGABRT)
            abort();
        raise(how);
        _exit(102);
    }
    return pid;
}

static void no_core(const char *path)
{
    struct stat st;
    int r = lstat(path, &st);
    printf("  %s: %s\n", path, r == 0 ? (S_ISDIR(st.st_mode) ? "still a directory" : "exists") :
                                          strerrorname_np(errno));
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    umask(022);
    marker = malloc(4096);
    strcpy(marker, MARKER);
    mkdir("/tmp/cores", 0755);

    report("SIGQUIT, RLIMIT_CORE 0", crash("/tmp/cores", 0, SIGQUIT));
    no_core("/tmp/cores/core");

    report("SIGSEGV, RLIMIT_CORE 4095 (below one page)", crash("/tmp/cores", 4095, SIGSEGV));
    no_core("/tmp/cores/core");

    pid_t pid = crash("/tmp/cores", RLIM_INFINITY, SIGSEGV);
    report("SIGSEGV by a null store, RLIMIT_CORE unlimited", pid);
    inspect("/tmp/cores/core", pid);

    /* an old core is replaced (unlinked, then created again with O_EXCL) */
    pid = crash("/tmp/cores", RLIM_INFINITY, SIGABRT);
    report("abort(), RLIMIT_CORE unlimited", pid);
    inspect("/tmp/cores/core", pid);
    unlink("/tmp/cores/core");

    pid = crash("/tmp/cores", RLIM_INFINITY, SIGFPE);
    report("raise(SIGFPE)", pid);
    inspect("/tmp/cores/core", pid);
    unlink("/tmp/cores/core");

    /* a limit of one page: the dump is cut there, but it happened */
    pid = crash("/tmp/cores", 4096, SIGQUIT);
    report("SIGQUIT, RLIMIT_CORE 4096", pid);
    struct stat st;
    if (stat("/tmp/cores/core", &st) == 0)
        printf("  core file exists, size <= 4096: %s\n", st.st_size <= 4096 ? "yes" : "no");
    else
        printf("  no core file\n");
    unlink("/tmp/cores/core");

    /* RLIMIT_FSIZE cuts the file as it cuts any write (here inside the first program
       header); the dump still counts */
    struct rlimit fsize = { 100, RLIM_INFINITY }, no_fsize = { RLIM_INFINITY, RLIM_INFINITY };
    setrlimit(RLIMIT_FSIZE, &fsize);
    pid = crash("/tmp/cores", RLIM_INFINITY, SIGSEGV);
    setrlimit(RLIMIT_FSIZE, &no_fsize);
    report("SIGSEGV, RLIMIT_FSIZE 100", pid);
    if (stat("/tmp/cores/core", &st) == 0)
        printf("  core file size: %ld\n", (long)st.st_size);
    else
        printf("  no core file\n");
    unlink("/tmp/cores/core");

    /* signals whose default action is not "core" never dump */
    report("SIGTERM, RLIMIT_CORE unlimited", crash("/tmp/cores", RLIM_INFINITY, SIGTERM));
    no_core("/tmp/cores/core");

    /* "core" is a directory: it cannot be replaced, no dump */
    mkdir("/tmp/cores/core", 0755);
    report("SIGSEGV with a directory named core", crash("/tmp/cores", RLIM_INFINITY, SIGSEGV));
    no_core("/tmp/cores/core");
    rmdir("/tmp/cores/core");

    /* the cwd was removed: nothing can be created there */
    mkdir("/tmp/gone", 0755);
    report("SIGSEGV in a removed cwd", crash("/tmp/gone", RLIM_INFINITY, 'g'));

    rmdir("/tmp/cores");
    return 0;
}
