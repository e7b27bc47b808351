// The ELF auxiliary vector of a static executable (getauxval), and the initial stack
// layout argc/argv/envp as seen by main.
#define _GNU_SOURCE
#include <elf.h>
#include <link.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

extern char _start[];

static void check(const char *what, int ok) { printf("%s: %s\n", what, ok ? "yes" : "no"); }

int main(int argc, char **argv, char **envp)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    printf("AT_PAGESZ=%lu\n", getauxval(AT_PAGESZ));
    printf("AT_PHENT=%lu\n", getauxval(AT_PHENT));
    printf("AT_CLKTCK=%lu\n", getauxval(AT_CLKTCK));
    printf("AT_SECURE=%lu\n", getauxval(AT_SECURE));
    printf("AT_BASE=%lu (static executable: no interpreter)\n", getauxval(AT_BASE));
    check("AT_PHNUM > 0", getauxval(AT_PHNUM) > 0);
    check("AT_HWCAP nonzero", getauxval(AT_HWCAP) != 0);
    check("AT_ENTRY equals _start", getauxval(AT_ENTRY) == (unsigned long)_start);

    const ElfW(Phdr) *ph = (const ElfW(Phdr) *)getauxval(AT_PHDR);
    unsigned long phnum = getauxval(AT_PHNUM);
    int loads = 0, has_stack = 0;
    for (unsigned long i = 0; ph && i < phnum; i++) {
        loads += ph[i].p_type == PT_LOAD;
        has_stack |= ph[i].p_type == PT_GNU_STACK;
    }
    check("AT_PHDR points at program headers with PT_LOAD", loads > 0);
    check("program headers include PT_GNU_STACK", has_stack);

    const unsigned char *rnd = (const unsigned char *)getauxval(AT_RANDOM);
    check("AT_RANDOM non-null", rnd != NULL);
    int nonzero = 0;
    for (int i = 0; rnd && i < 16; i++)
        nonzero |= rnd[i];
    check("AT_RANDOM 16 bytes readable and not all zero", nonzero != 0);

    const char *execfn = (const char *)getauxval(AT_EXECFN);
    check("AT_EXECFN non-null", execfn != NULL);
    check("AT_EXECFN equals argv[0]", execfn && strcmp(execfn, argv[0]) == 0);

    check("AT_UID equals getuid", getauxval(AT_UID) == getuid());
    check("AT_EUID equals geteuid", getauxval(AT_EUID) == geteuid());
    check("AT_GID equals getgid", getauxval(AT_GID) == getgid());
    check("AT_EGID equals getegid", getauxval(AT_EGID) == getegid());

    /* initial stack: argv and envp are contiguous NULL-terminated arrays, auxv follows */
    check("argv[argc] is NULL", argv[argc] == NULL);
    check("envp follows argv on the stack", envp == argv + argc + 1);
    char **e = envp;
    while (*e)
        e++;
    const ElfW(auxv_t) *av = (const ElfW(auxv_t) *)(e + 1);
    int seen_pagesz = 0, terminated = 0;
    for (int i = 0; i < 64; i++) {
        if (av[i].a_type == AT_NULL) {
            terminated = 1;
            break;
        }
        if (av[i].a_type == AT_PAGESZ)
            seen_pagesz = av[i].a_un.a_val == 4096;
    }
    check("auxv follows envp and is AT_NULL-terminated", terminated);
    check("auxv on stack has AT_PAGESZ=4096", seen_pagesz);
    check("argv strings are above the pointer arrays", (void *)argv[0] > (void *)av);
    /* at entry %rsp points at argc and is 16-byte aligned, so argv = %rsp + 8 */
    check("initial stack pointer 16-byte aligned", ((unsigned long)argv & 15) == 8);
    check("sysconf(_SC_PAGESIZE) is 4096", sysconf(_SC_PAGESIZE) == 4096);
    check("sysconf(_SC_CLK_TCK) is 100", sysconf(_SC_CLK_TCK) == 100);
    return 0;
}
