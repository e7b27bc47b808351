"""The platform contract: how the kernel runs user code, independent of KVM or emulation.

A Platform owns guest physical memory (`ram`, shared with the kernel) and reserves the low
frames it needs for its own structures (descriptor tables, trampolines, stubs). Every user
address space copies `kernel_pml4_entries` into its top-level table so the platform's
upper-half mappings are present whatever the CR3. The kernel loop calls `Vcpu.run(ctx)`
with a task's CpuContext and gets back a Trap; the platform never interprets a syscall.
"""

from __future__ import annotations

from dataclasses import dataclass

# Indices into CpuContext.regs (the kvm_regs layout: 18 unsigned 64-bit words).
RAX, RBX, RCX, RDX, RSI, RDI, RSP, RBP = range(8)
R8, R9, R10, R11, R12, R13, R14, R15 = range(8, 16)
RIP, RFLAGS = 16, 17
NREGS = 18
REG_NAMES = ("rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rsp", "rbp", "r8", "r9", "r10",
             "r11", "r12", "r13", "r14", "r15", "rip", "rflags")

RFLAGS_DEFAULT = 0x202  # IF | reserved bit 1


class PlatformError(Exception):
    """The platform cannot be used on this host (the message says why, in one line)."""


class CpuContext:
    """The user-visible CPU state of one task: general registers, FS/GS base, FPU/SSE/AVX.

    `regs` is a memoryview of NREGS unsigned 64-bit words in the kvm_regs order;
    `fpu` is the platform's opaque extended-state image (None = initial state).
    """

    __slots__ = ("regs", "fs_base", "gs_base", "fpu", "cr3")

    def __init__(self) -> None:
        self.regs = memoryview(bytearray(8 * NREGS)).cast("Q")
        self.regs[RFLAGS] = RFLAGS_DEFAULT
        self.fs_base = 0
        self.gs_base = 0
        self.fpu: bytes | None = None
        self.cr3 = 0

    def copy(self) -> CpuContext:
        other = CpuContext()
        other.regs[:] = self.regs
        other.fs_base = self.fs_base
        other.gs_base = self.gs_base
        other.fpu = self.fpu
        other.cr3 = self.cr3
        return other


class Trap:
    """Why user code stopped running."""

    __slots__ = ()


class SyscallTrap(Trap):
    """The `syscall` instruction: number in rax, rip already past the instruction."""

    __slots__ = ()


SYSCALL = SyscallTrap()


@dataclass(slots=True)
class PageFaultTrap(Trap):
    addr: int
    error_code: int  # x86 #PF error code: bit0 present, bit1 write, bit2 user, bit4 fetch

    @property
    def write(self) -> bool:
        return bool(self.error_code & 2)

    @property
    def present(self) -> bool:
        return bool(self.error_code & 1)

    @property
    def fetch(self) -> bool:
        return bool(self.error_code & 16)


@dataclass(slots=True)
class ExceptionTrap(Trap):
    vector: int  # 0 #DE, 1 #DB, 3 #BP, 4 #OF, 6 #UD, 13 #GP, 16 #MF, 17 #AC, 19 #XM ...
    error_code: int


class InterruptedTrap(Trap):
    """The host timer (or another host event) interrupted user code."""

    __slots__ = ()


INTERRUPTED = InterruptedTrap()


class Vcpu:
    """One virtual CPU.

    FPU/SSE/AVX state is switched lazily: the image of the task that last ran stays in the
    CPU until another task runs. Platforms implement _read_fpu/_write_fpu (their image
    format starts with the 512-byte FXSAVE area, then the XSAVE header) and set initial_fpu.
    """

    fpu_owner: CpuContext | None = None
    initial_fpu: bytes = b""

    def _read_fpu(self) -> bytes:
        raise NotImplementedError

    def _write_fpu(self, image: bytes) -> None:
        raise NotImplementedError

    def _switch_fpu(self, ctx: CpuContext) -> None:
        if self.fpu_owner is ctx:
            return
        if self.fpu_owner is not None:
            self.fpu_owner.fpu = self._read_fpu()
        self._write_fpu(ctx.fpu if ctx.fpu is not None else self.initial_fpu)
        self.fpu_owner = ctx

    def save_fpu(self, ctx: CpuContext) -> bytes:
        """The current extended-state image of ctx."""
        if self.fpu_owner is ctx:
            ctx.fpu = self._read_fpu()
        return ctx.fpu if ctx.fpu is not None else self.initial_fpu

    def load_fpu(self, ctx: CpuContext, image: bytes) -> None:
        ctx.fpu = image
        if self.fpu_owner is ctx:
            self._write_fpu(image)

    def forget(self, ctx: CpuContext) -> None:
        """ctx is gone (task exit): never save into it again."""
        if self.fpu_owner is ctx:
            self.fpu_owner = None

    def run(self, ctx: CpuContext) -> Trap:
        """Run user code of `ctx` (its registers, FPU state and page-table root ctx.cr3)
        until something happens; ctx is updated with the state at the trap."""
        raise NotImplementedError

    def flush_code(self) -> None:
        """Forget translated code (emulators); a no-op on hardware."""


class Platform:
    """The "hardware" the kernel runs on."""

    name = "base"
    ram: memoryview
    ram_size: int
    first_free_frame: int  # physical frames below this belong to the platform
    kernel_pml4_entries: dict[int, int]

    def new_vcpu(self) -> Vcpu:
        raise NotImplementedError

    def describe(self) -> str:
        """One line: what this platform is and which entry path it chose."""
        return self.name
