// Signal delivery and rt_sigreturn preserve the whole user register file: general
// registers, xmm0-xmm15 and MXCSR survive a handler that clobbers all of them; changes a
// handler makes in its ucontext (r12, xmm3, rip) take effect on return; faults from ud2,
// int3 and a division by zero arrive with the right si_code / si_addr.
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>
#include "sig_util.h"

/* in: 10 GPR values (rbx rbp rdx r8 r9 r10 r12 r13 r14 r15), 16 xmm (256 bytes), mxcsr
 * out: the same 10 GPRs, then rdi rsi rax, 16 xmm, mxcsr
 * The probe loads everything, calls kill(pid, SIGUSR1) with a raw syscall (the handler
 * runs on the way back to user mode) and stores what it finds afterwards. */
void probe_regs(uint64_t *out, const uint64_t *in, long pid);
void clobber_handler(int sig);
volatile uint64_t clobber_count, clobber_align;

__asm__(
    ".text\n"
    ".globl probe_regs\n"
    "probe_regs:\n"
    "  push %rbx\n push %rbp\n push %r12\n push %r13\n push %r14\n push %r15\n"
    "  sub $16, %rsp\n"
    "  stmxcsr 8(%rsp)\n"            /* caller's mxcsr */
    "  mov %rdi, (%rsp)\n"           /* out pointer */
    "  movdqu 80(%rsi), %xmm0\n  movdqu 96(%rsi), %xmm1\n  movdqu 112(%rsi), %xmm2\n"
    "  movdqu 128(%rsi), %xmm3\n  movdqu 144(%rsi), %xmm4\n  movdqu 160(%rsi), %xmm5\n"
    "  movdqu 176(%rsi), %xmm6\n  movdqu 192(%rsi), %xmm7\n  movdqu 208(%rsi), %xmm8\n"
    "  movdqu 224(%rsi), %xmm9\n  movdqu 240(%rsi), %xmm10\n  movdqu 256(%rsi), %xmm11\n"
    "  movdqu 272(%rsi), %xmm12\n  movdqu 288(%rsi), %xmm13\n  movdqu 304(%rsi), %xmm14\n"
    "  movdqu 320(%rsi), %xmm15\n"
    "  ldmxcsr 336(%rsi)\n"
    "  mov %rdx, %rdi\n"             /* pid */
    "  mov 0(%rsi), %rbx\n  mov 8(%rsi), %rbp\n  mov 16(%rsi), %rdx\n  mov 24(%rsi), %r8\n"
    "  mov 32(%rsi), %r9\n  mov 40(%rsi), %r10\n  mov 48(%rsi), %r12\n  mov 56(%rsi), %r13\n"
    "  mov 64(%rsi), %r14\n  mov 72(%rsi), %r15\n"
    "  mov $10, %esi\n"              /* SIGUSR1 */
    "  mov $62, %eax\n"              /* SYS_kill */
    "  syscall\n"
    "  mov (%rsp), %rcx\n"           /* rcx is clobbered by syscall anyway */
    "  mov %rbx, 0(%rcx)\n  mov %rbp, 8(%rcx)\n  mov %rdx, 16(%rcx)\n  mov %r8, 24(%rcx)\n"
    "  mov %r9, 32(%rcx)\n  mov %r10, 40(%rcx)\n  mov %r12, 48(%rcx)\n  mov %r13, 56(%rcx)\n"
    "  mov %r14, 64(%rcx)\n  mov %r15, 72(%rcx)\n  mov %rdi, 80(%rcx)\n  mov %rsi, 88(%rcx)\n"
    "  mov %rax, 96(%rcx)\n"
    "  movdqu %xmm0, 104(%rcx)\n  movdqu %xmm1, 120(%rcx)\n  movdqu %xmm2, 136(%rcx)\n"
    "  movdqu %xmm3, 152(%rcx)\n  movdqu %xmm4, 168(%rcx)\n  movdqu %xmm5, 184(%rcx)\n"
    "  movdqu %xmm6, 200(%rcx)\n  movdqu %xmm7, 216(%rcx)\n  movdqu %xmm8, 232(%rcx)\n"
    "  movdqu %xmm9, 248(%rcx)\n  movdqu %xmm10, 264(%rcx)\n  movdqu %xmm11, 280(%rcx)\n"
    "  movdqu %xmm12, 296(%rcx)\n  movdqu %xmm13, 312(%rcx)\n  movdqu %xmm14, 328(%rcx)\n"
    "  movdqu %xmm15, 344(%rcx)\n"
    "  stmxcsr 360(%rcx)\n"
    "  ldmxcsr 8(%rsp)\n"
    "  add $16, %rsp\n"
    "  pop %r15\n pop %r14\n pop %r13\n pop %r12\n pop %rbp\n pop %rbx\n"
    "  ret\n"
    /* a handler that destroys every register it can, then returns to the restorer */
    ".globl clobber_handler\n"
    "clobber_handler:\n"
    "  lea 8(%rsp), %rax\n"
    "  and $15, %rax\n"
    "  mov %rax, clobber_align(%rip)\n"
    "  incq clobber_count(%rip)\n"
    "  mov $-1, %rbx\n  mov $-1, %rbp\n  mov $-1, %rdx\n  mov $-1, %r8\n  mov $-1, %r9\n"
    "  mov $-1, %r10\n  mov $-1, %r11\n  mov $-1, %r12\n  mov $-1, %r13\n  mov $-1, %r14\n"
    "  mov $-1, %r15\n  mov $-1, %rdi\n  mov $-1, %rsi\n  mov $-1, %rcx\n"
    "  pcmpeqd %xmm0, %xmm0\n  pcmpeqd %xmm1, %xmm1\n  pcmpeqd %xmm2, %xmm2\n  pcmpeqd %xmm3, %xmm3\n"
    "  pcmpeqd %xmm4, %xmm4\n  pcmpeqd %xmm5, %xmm5\n  pcmpeqd %xmm6, %xmm6\n  pcmpeqd %xmm7, %xmm7\n"
    "  pcmpeqd %xmm8, %xmm8\n  pcmpeqd %xmm9, %xmm9\n  pcmpeqd %xmm10, %xmm10\n  pcmpeqd %xmm11, %xmm11\n"
    "  pcmpeqd %xmm12, %xmm12\n  pcmpeqd %xmm13, %xmm13\n  pcmpeqd %xmm14, %xmm14\n  pcmpeqd %xmm15, %xmm15\n"
    "  sub $8, %rsp\n  movl $0x1f80, (%rsp)\n  ldmxcsr (%rsp)\n  add $8, %rsp\n"
    "  mov $-1, %rax\n"
    "  ret\n");

static const char *gpr_names[13] = { "rbx", "rbp", "rdx", "r8", "r9", "r10", "r12", "r13", "r14", "r15",
                                     "rdi", "rsi", "rax" };

static void fill_input(uint64_t *in)
{
    for (int i = 0; i < 10; i++)
        in[i] = 0x1111111111111111ULL * (uint64_t)(i + 1) ^ 0x0123456789abcdefULL;
    for (int i = 0; i < 32; i++)
        in[10 + i] = 0xfedcba9876543210ULL + 0x0101010101010101ULL * (uint64_t)i;
    in[42] = 0x7f80 | 0x6000;  /* all exceptions masked, round toward zero */
}

/* compares one probe result against the input; 'skip' names registers a handler changed */
static void compare(const char *label, const uint64_t *in, const uint64_t *out, long pid, int skip_r12,
                    int skip_xmm3)
{
    int bad = 0;
    for (int i = 0; i < 10; i++) {
        if (skip_r12 && i == 6)
            continue;
        if (out[i] != in[i]) {
            printf("%s: %s changed\n", label, gpr_names[i]);
            bad = 1;
        }
    }
    if (out[10] != (uint64_t)pid) {
        printf("%s: rdi changed\n", label);
        bad = 1;
    }
    if (out[11] != 10) {
        printf("%s: rsi changed\n", label);
        bad = 1;
    }
    if (out[12] != 0) {
        printf("%s: rax is not the kill() result 0\n", label);
        bad = 1;
    }
    for (int x = 0; x < 16; x++) {
        if (skip_xmm3 && x == 3)
            continue;
        if (memcmp(&out[13 + 2 * x], &in[10 + 2 * x], 16) != 0) {
            printf("%s: xmm%d changed\n", label, x);
            bad = 1;
        }
    }
    if ((uint32_t)out[45] != (uint32_t)in[42]) {
        printf("%s: mxcsr changed\n", label);
        bad = 1;
    }
    printf("%s: all registers intact: %s\n", label, bad ? "no" : "yes");
}

static void editing_handler(int sig, siginfo_t *si, void *ucv)
{
    (void)sig;
    (void)si;
    ucontext_t *uc = ucv;
    uc->uc_mcontext.gregs[REG_R12] = 0x5151515151515151LL;
    uc->uc_mcontext.fpregs->_xmm[3].element[0] = 0xabcdef01;
    uc->uc_mcontext.fpregs->_xmm[3].element[1] = 0x23456789;
    uc->uc_mcontext.fpregs->_xmm[3].element[2] = 0;
    uc->uc_mcontext.fpregs->_xmm[3].element[3] = 0x80000000;
}

static volatile int fault_signo, fault_code, fault_addr_ok;
static void *fault_expected_addr;
static sigjmp_buf jump;

static void skip_ud2_handler(int sig, siginfo_t *si, void *ucv)
{
    ucontext_t *uc = ucv;
    fault_signo = sig;
    fault_code = si->si_code;
    fault_addr_ok = si->si_addr == (void *)uc->uc_mcontext.gregs[REG_RIP];
    uc->uc_mcontext.gregs[REG_RIP] += 2;  /* ud2 is two bytes long */
}

static void trap_handler(int sig, siginfo_t *si, void *ucv)
{
    ucontext_t *uc = ucv;
    fault_signo = sig;
    fault_code = si->si_code;
    /* int3 is a trap: the saved rip is already past the instruction */
    fault_addr_ok = (void *)uc->uc_mcontext.gregs[REG_RIP] == fault_expected_addr;
}

static void fpe_handler(int sig, siginfo_t *si, void *ucv)
{
    (void)ucv;
    fault_signo = sig;
    fault_code = si->si_code;
    siglongjmp(jump, 1);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    long pid = getpid();
    uint64_t in[43], out[46];
    fill_input(in);

    /* no handler involved (SIGUSR1 blocked): the syscall alone preserves everything */
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = clobber_handler;
    sigaction(SIGUSR1, &sa, NULL);
    sigprocmask(SIG_BLOCK, &set, &old);
    probe_regs(out, in, pid);
    compare("blocked signal", in, out, pid, 0, 0);
    sigprocmask(SIG_SETMASK, &old, NULL);   /* pending signal runs the handler now */
    printf("pending signal delivered on unblock: %s\n", clobber_count == 1 ? "yes" : "no");

    probe_regs(out, in, pid);
    printf("clobbering handler ran: %s\n", clobber_count == 2 ? "yes" : "no");
    printf("handler entered with (rsp+8) 16-byte aligned: %s\n", clobber_align == 0 ? "yes" : "no");
    compare("clobbering handler", in, out, pid, 0, 0);

    for (int round = 0; round < 3; round++) {
        fill_input(in);
        for (int i = 0; i < 43; i++)
            in[i] ^= (uint64_t)round << 40;
        in[42] = round == 1 ? 0x1f80 : 0x7f80 | (uint64_t)round << 13;
        probe_regs(out, in, pid);
        char label[32];
        snprintf(label, sizeof label, "round %d", round);
        compare(label, in, out, pid, 0, 0);
    }

    set_siginfo_handler(SIGUSR1, editing_handler);
    fill_input(in);
    probe_regs(out, in, pid);
    printf("r12 edited through ucontext: %s\n", out[6] == 0x5151515151515151ULL ? "yes" : "no");
    uint32_t x3[4];
    memcpy(x3, &out[13 + 6], 16);
    printf("xmm3 edited through ucontext: %s\n",
           x3[0] == 0xabcdef01 && x3[1] == 0x23456789 && x3[2] == 0 && x3[3] == 0x80000000 ? "yes" : "no");
    compare("editing handler, other registers", in, out, pid, 1, 1);

    set_siginfo_handler(SIGILL, skip_ud2_handler);
    __asm__ volatile("ud2");
    printf("ud2: signal=%s si_code is ILL_ILLOPN: %s, si_addr is the faulting rip: %s, resumed after rip+=2\n",
           sigabbrev_np(fault_signo), fault_code == ILL_ILLOPN ? "yes" : "no", fault_addr_ok ? "yes" : "no");

    set_siginfo_handler(SIGTRAP, trap_handler);
    fault_signo = 0;
    __asm__ volatile("lea 1f(%%rip), %%rax\n mov %%rax, %0\n int3\n1:\n" : "=m"(fault_expected_addr)::"rax");
    printf("int3: signal=%s si_code is SI_KERNEL: %s, saved rip after the instruction: %s\n",
           sigabbrev_np(fault_signo), fault_code == SI_KERNEL ? "yes" : "no", fault_addr_ok ? "yes" : "no");

    set_siginfo_handler(SIGFPE, fpe_handler);
    fault_signo = 0;
    volatile int zero = 0, result = 0;
    if (sigsetjmp(jump, 1) == 0)
        result = 100 / zero;
    printf("divide by zero: signal=%s si_code is FPE_INTDIV: %s result untouched: %s\n", sigabbrev_np(fault_signo),
           fault_code == FPE_INTDIV ? "yes" : "no", result == 0 ? "yes" : "no");
    return 0;
}
