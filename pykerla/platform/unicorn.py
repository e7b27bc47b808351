"""The Unicorn platform: user code runs on the Unicorn CPU emulator (QEMU's TCG), no KVM needed.

Owns: the emulator engine and guest RAM (one host mmap mapped into Unicorn with
mem_map_ptr, shared with the kernel), the platform's low physical frames (GDT, the `iretq`
entry stub and its frame, the upper-half page tables mapping them supervisor-only), the
vCPU with its hooks. The timer interrupt lives in unicorn_timer.py.

How each contract item is met (see DESIGN.md, "Unicorn facts"):
- paging: the emulated MMU walks the kernel's page tables in guest RAM (CR3/CR4/EFER/CR0.PG),
  enforcing U/S, RW and NX, so user code cannot touch the platform's supervisor pages.
- entry: the CPU starts at CPL0; the first run `iretq`s to ring 3 through a stub. Afterwards
  the CPU never leaves CPL3 (hooks stop emulation instead of delivering anything), and each
  run simply starts emulation at the task's rip.
- syscall: an instruction hook stops emulation; rip is already past the instruction and we
  set rcx/r11 as the real `syscall` would.
- exceptions: an interrupt hook stops emulation; CR2 and the error code come from the saved
  CPU context, where Unicorn's "exception in flight" field is also reset (otherwise the
  next #PF turns into #DF and the one after halts the emulator). #UD ends emu_start with
  UC_ERR_INSN_INVALID.
- preemption: a thread raises a flag every tick and a native block hook stops emulation at the
  next block start (unicorn_timer.py says why an asynchronous uc_emu_stop is not safe).
- TLB coherence: the mm flush log becomes a TLB flush; the translated-code cache is also
  flushed when a mapping went away or a table was dropped (its frame may be reused for
  other code, and host writes to RAM are invisible to QEMU's code tracking).
- FPU: x87 + SSE only (no AVX in TCG); images are FXSAVE-format areas plus an XSAVE header
  (576 bytes, XCR0 = 3), moved in and out with one batch register call each.
"""

from __future__ import annotations

import ctypes
import mmap
import struct
import weakref

from pykerla.platform.unicorn_timer import TimerHook

from pykerla.arch.x64 import descriptors as dt
from pykerla.arch.x64.paging import PAGE_SIZE, PTE_NX, PTE_P, PTE_RW
from pykerla.platform.probe import CODE_VA, DATA_VA, PROBE_VALUE, build_probe
from pykerla.platform.base import (
    INTERRUPTED, NREGS, R11, RCX, RFLAGS, RIP, RSP, SYSCALL, CpuContext, ExceptionTrap, PageFaultTrap,
    Platform, PlatformError, Trap, Vcpu,
)

# Physical frames reserved by the platform (frame 0 stays unused).
F_GDT, F_STUB, F_IRET, F_PDPT, F_PD, F_PT = 1, 2, 3, 4, 5, 6
F_SCRATCH, SCRATCH_FRAMES = 7, 6      # the self-test's user program
FIRST_FREE_FRAME = F_SCRATCH + SCRATCH_FRAMES

PLATFORM_BASE = 0xFFFFFF8000000000   # PML4[511]: platform frame f at PLATFORM_BASE + f * 4 KiB
PML4_PLATFORM = 511
STUB_IRET = 0                        # offsets in the stub page
STUB_CPUID = 16

CR0 = 0x80000000 | 0x10000 | 0x20 | 0x10 | 0x2 | 0x1     # PG WP NE ET MP PE
CR4 = 0x20 | 0x200 | 0x400                               # PAE OSFXSR OSXMMEXCPT
EFER = 0x1 | 0x100 | 0x400 | 0x800                       # SCE LME LMA NXE
MSR_EFER = 0xC0000080

FXSAVE_SIZE = 512
XSTATE_SIZE = FXSAVE_SIZE + 64        # legacy area + XSAVE header
XCR0 = 3                              # x87 | SSE


def platform_va(frame: int) -> int:
    return PLATFORM_BASE + frame * PAGE_SIZE


def _load_abi():  # noqa: ANN202 - returns the unicorn_abi module
    try:
        from pykerla.platform import unicorn_abi
    except ImportError:
        raise PlatformError("the unicorn package is not installed (pip install 'pykerla[emulator]')") from None
    return unicorn_abi


class UnicornPlatform(Platform):
    """A Unicorn x86-64 emulator with `memory` bytes of guest RAM."""

    name = "unicorn"

    def __init__(self, memory: int) -> None:
        if memory % PAGE_SIZE:
            raise PlatformError("memory size must be a multiple of 4 KiB")
        self.abi = abi = _load_abi()
        try:
            self.lib = abi.load()
        except (OSError, RuntimeError) as e:
            raise PlatformError(f"cannot use the Unicorn library: {e}") from None
        handle = ctypes.c_void_p()
        if self.lib.uc_open(abi.ARCH_X86, abi.MODE_64, ctypes.byref(handle)) != abi.ERR_OK:
            raise PlatformError("uc_open(x86, 64-bit) failed")
        self.handle = handle
        self._ram_map = mmap.mmap(-1, memory, mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
        self.ram = memoryview(self._ram_map)
        self.ram_size = memory
        self._ram_base = ctypes.addressof(ctypes.c_char.from_buffer(self._ram_map))
        self._check(self.lib.uc_mem_map_ptr(handle, 0, memory, 7, self._ram_base), "mapping guest RAM")
        self.first_free_frame = FIRST_FREE_FRAME
        self._build_platform_frames()
        self.kernel_pml4_entries = {PML4_PLATFORM: F_PDPT * PAGE_SIZE | PTE_P | PTE_RW}
        self._vcpu: UnicornVcpu | None = UnicornVcpu(self)
        self._hwcap = self._vcpu.probe_cpuid(1)[3]
        self_test(self, self._vcpu)

    def _check(self, err: int, what: str) -> None:
        if err != self.abi.ERR_OK:
            raise PlatformError(f"Unicorn: {what}: {self.lib.uc_strerror(err).decode()}")

    def _put(self, frame: int, offset: int, data: bytes) -> None:
        start = frame * PAGE_SIZE + offset
        self.ram[start:start + len(data)] = data

    def _build_platform_frames(self) -> None:
        # PML4[511] -> PDPT[0] -> PD[0] -> PT: one supervisor PTE per platform frame.
        self._put(F_PDPT, 0, struct.pack("<Q", F_PD * PAGE_SIZE | PTE_P | PTE_RW))
        self._put(F_PD, 0, struct.pack("<Q", F_PT * PAGE_SIZE | PTE_P | PTE_RW))
        for frame, flags in ((F_GDT, PTE_RW | PTE_NX), (F_STUB, 0), (F_IRET, PTE_RW | PTE_NX)):
            self._put(F_PT, frame * 8, struct.pack("<Q", frame * PAGE_SIZE | PTE_P | flags))
        self._put(F_GDT, 0, bytes(dt.gdt_image()))
        self._put(F_STUB, STUB_IRET, b"\x48\xcf")                                  # iretq
        self._put(F_STUB, STUB_CPUID, b"\x0f\xa2\x0f\x05")                         # cpuid ; syscall

    def new_vcpu(self) -> UnicornVcpu:
        if self._vcpu is None:
            raise PlatformError("the Unicorn platform has a single vCPU")
        vcpu, self._vcpu = self._vcpu, None
        return vcpu

    def xstate_layout(self) -> tuple[int, int]:
        """(size of the signal frame's FPU image, its XCR0): FXSAVE area + XSAVE header, x87|SSE."""
        return XSTATE_SIZE, XCR0

    def hwcap(self) -> int:
        """AT_HWCAP: CPUID leaf 1 EDX of the emulated CPU."""
        return self._hwcap

    def describe(self) -> str:
        return f"unicorn {self.abi.VERSION} (CPU emulator), {self.ram_size >> 20} MiB guest RAM"

    def __del__(self) -> None:
        timer = getattr(self, "timer", None)
        if timer is not None:
            timer.close()
        if getattr(self, "handle", None) is not None:
            self.lib.uc_close(self.handle)
            self.handle = None


class UnicornVcpu(Vcpu):
    """The single virtual CPU of a UnicornPlatform."""

    def __init__(self, platform: UnicornPlatform) -> None:
        abi = platform.abi
        self.abi = abi
        self.lib = lib = platform.lib
        self.handle = handle = platform.handle
        self.ram = platform.ram
        self.flush_log = None          # set by the kernel: the mm TlbFlushLog to apply before each entry
        self.exits = 0
        self.flushes = 0
        self._syscall = False          # set by the hooks during a run
        self._vector = -1
        self._at_cpl3 = False
        self.loaded_cr3 = -1
        self.loaded_fs = self.loaded_gs = -1
        # General registers: one buffer in CpuContext.regs order, moved with one batch call.
        self._gpr_buf = (ctypes.c_uint64 * NREGS)()
        self._gpr = memoryview(self._gpr_buf).cast("B").cast("Q")
        base = ctypes.addressof(self._gpr_buf)
        self._gpr_ids = abi.int_array(abi.GPR_IDS)
        self._gpr_ptrs = abi.pointer_array([base + 8 * i for i in range(NREGS)])
        self._init_fpu_buffers()
        # Saved CPU context: where the exception's error code and the in-flight field live.
        self._ctx_size = lib.uc_context_size(handle)
        self._uc_ctx = ctypes.c_void_p()
        platform._check(lib.uc_context_alloc(handle, ctypes.byref(self._uc_ctx)), "allocating a context")
        # Hooks (the callbacks must stay referenced as long as the engine lives).
        self._hooks = (abi.HOOK_INSN_CFUNC(self._on_syscall), abi.HOOK_INTR_CFUNC(self._on_interrupt))
        self.timer = platform.timer = TimerHook(lib.uc_emu_stop)
        weakref.finalize(self, self.timer.close)
        hook = ctypes.c_size_t()
        vp, u64 = ctypes.c_void_p, ctypes.c_uint64
        platform._check(lib.uc_hook_add(handle, ctypes.byref(hook), abi.HOOK_INSN, self._hooks[0], vp(), u64(1),
                                        u64(0), ctypes.c_int(abi.INS_SYSCALL)), "adding the syscall hook")
        platform._check(lib.uc_hook_add(handle, ctypes.byref(hook), abi.HOOK_INTR, self._hooks[1], vp(), u64(1),
                                        u64(0)), "adding the interrupt hook")
        platform._check(lib.uc_hook_add(handle, ctypes.byref(hook), abi.HOOK_BLOCK, self.timer.callback,
                                        ctypes.byref(self.timer.data), u64(1), u64(0)), "adding the timer hook")
        # `until` of emu_start is ignored with exits enabled (none are set): address 0 is not special.
        platform._check(lib.uc_ctl(handle, abi.CTL_USE_EXITS, ctypes.c_int(1)), "enabling exits")
        self._init_cpu(platform)
        self.initial_fpu = self._read_fpu()
        self.fpu_owner = None

    # -- set-up ----------------------------------------------------------------------------
    def _write(self, reg: int, value: int) -> None:
        v = ctypes.c_uint64(value)
        if self.lib.uc_reg_write(self.handle, reg, ctypes.byref(v)) != self.abi.ERR_OK:
            raise PlatformError(f"Unicorn: cannot write register {reg}")

    def _read(self, reg: int) -> int:
        v = ctypes.c_uint64()
        self.lib.uc_reg_read(self.handle, reg, ctypes.byref(v))
        return v.value

    def _init_cpu(self, platform: UnicornPlatform) -> None:
        reg = self.abi.REG
        gdtr = self.abi.TableRegister(0, platform_va(F_GDT), 10 * 8 - 1, 0)
        platform._check(self.lib.uc_reg_write(self.handle, reg.UC_X86_REG_GDTR, ctypes.byref(gdtr)), "setting GDTR")
        self._write(reg.UC_X86_REG_CR3, F_SCRATCH * PAGE_SIZE)   # any valid root; each run loads its own
        self._write(reg.UC_X86_REG_CR4, CR4)
        msr = self.abi.Msr(MSR_EFER, EFER)
        platform._check(self.lib.uc_reg_write(self.handle, reg.UC_X86_REG_MSR, ctypes.byref(msr)), "setting EFER")
        self._write(reg.UC_X86_REG_CR0, CR0)
        # The platform window must be reachable from that root for the CPL0 stubs.
        struct.pack_into("<Q", self.ram, F_SCRATCH * PAGE_SIZE + PML4_PLATFORM * 8,
                         F_PDPT * PAGE_SIZE | PTE_P | PTE_RW)

    def probe_cpuid(self, leaf: int, subleaf: int = 0) -> tuple[int, int, int, int]:
        """Run `cpuid` at CPL0 (before the first entry to user mode): (eax, ebx, ecx, edx)."""
        if self._at_cpl3:
            raise PlatformError("probe_cpuid must run before user mode is entered")
        reg = self.abi.REG
        self._write(reg.UC_X86_REG_RAX, leaf)
        self._write(reg.UC_X86_REG_RCX, subleaf)
        self._syscall = False
        err = self.abi.ERR_OK
        for _ in range(3):      # a timer tick may stop the stub before it gets to cpuid
            self.timer.clear()
            err = self.lib.uc_emu_start(self.handle, platform_va(F_STUB) + STUB_CPUID, 0, 0, 0)
            if err != self.abi.ERR_OK or self._syscall:
                break
        if err != self.abi.ERR_OK or not self._syscall:
            raise PlatformError("Unicorn: the CPUID probe did not run")
        return tuple(self._read(r) for r in (reg.UC_X86_REG_RAX, reg.UC_X86_REG_RBX, reg.UC_X86_REG_RCX,
                                             reg.UC_X86_REG_RDX))

    # -- hooks (called by the emulator; keep them tiny) ---------------------------------------
    def _on_syscall(self, _handle: int, _data: int) -> None:
        self._syscall = True
        self.lib.uc_emu_stop(self.handle)

    def _on_interrupt(self, _handle: int, vector: int, _data: int) -> None:
        self._vector = vector
        self.lib.uc_emu_stop(self.handle)

    # -- FPU ---------------------------------------------------------------------------------
    def _init_fpu_buffers(self) -> None:
        """One buffer laid out as an FXSAVE area (+ XSAVE header, + 8 scratch bytes for the full
        tag word) and the register ids/pointers that fill it in one batch call."""
        reg = self.abi.REG
        self._fpu_buf = (ctypes.c_uint8 * (XSTATE_SIZE + 8))()
        self._fpu = memoryview(self._fpu_buf).cast("B")
        struct.pack_into("<I", self._fpu, 28, 0xFFFF)              # MXCSR_MASK
        base = ctypes.addressof(self._fpu_buf)
        layout = [(reg.UC_X86_REG_FPSW, 2), (reg.UC_X86_REG_FPCW, 0), (reg.UC_X86_REG_FPTAG, XSTATE_SIZE),
                  (reg.UC_X86_REG_FOP, 6), (reg.UC_X86_REG_FIP, 8), (reg.UC_X86_REG_FDP, 16),
                  (reg.UC_X86_REG_MXCSR, 24)]
        layout += [(reg.UC_X86_REG_ST0 + i, 32 + 16 * i) for i in range(8)]
        layout += [(reg.UC_X86_REG_XMM0 + i, 160 + 16 * i) for i in range(16)]
        self._fpu_count = len(layout)
        self._fpu_ids = self.abi.int_array([r for r, _ in layout])
        self._fpu_ptrs = self.abi.pointer_array([base + off for _, off in layout])

    def _read_fpu(self) -> bytes:
        buf = self._fpu
        self.lib.uc_reg_read_batch(self.handle, self._fpu_ids, self._fpu_ptrs, self._fpu_count)
        full = struct.unpack_from("<H", buf, XSTATE_SIZE)[0]
        abridged = sum(1 << i for i in range(8) if (full >> (2 * i)) & 3 != 3)
        struct.pack_into("<BB", buf, 4, abridged, 0)
        return bytes(buf[:XSTATE_SIZE])

    def _write_fpu(self, image: bytes) -> None:
        buf = self._fpu
        buf[:FXSAVE_SIZE] = image[:FXSAVE_SIZE]
        abridged = image[4]
        full = sum(3 << (2 * i) for i in range(8) if not abridged >> i & 1)
        struct.pack_into("<H", buf, XSTATE_SIZE, full)
        self.lib.uc_reg_write_batch(self.handle, self._fpu_ids, self._fpu_ptrs, self._fpu_count)

    # -- running ---------------------------------------------------------------------------
    def _load(self, ctx: CpuContext) -> int:
        """Put ctx into the emulated CPU; returns the address to start emulation at."""
        reg = self.abi.REG
        if ctx.cr3 != self.loaded_cr3:
            self._write(reg.UC_X86_REG_CR3, ctx.cr3)      # also flushes the emulated TLB
            self.loaded_cr3 = ctx.cr3
        if ctx.fs_base != self.loaded_fs:
            self._write(reg.UC_X86_REG_FS_BASE, ctx.fs_base)
            self.loaded_fs = ctx.fs_base
        if ctx.gs_base != self.loaded_gs:
            self._write(reg.UC_X86_REG_GS_BASE, ctx.gs_base)
            self.loaded_gs = ctx.gs_base
        regs = ctx.regs
        self._gpr[:] = regs
        self.lib.uc_reg_write_batch(self.handle, self._gpr_ids, self._gpr_ptrs, NREGS)
        if self._at_cpl3:
            return regs[RIP]
        # First entry: iretq from the CPL0 stub with a frame for ring 3.
        frame = F_IRET * PAGE_SIZE
        struct.pack_into("<5Q", self.ram, frame, regs[RIP], dt.USER_CS, regs[RFLAGS], regs[RSP], dt.USER_DS)
        self._write(reg.UC_X86_REG_RSP, platform_va(F_IRET))
        return platform_va(F_STUB) + STUB_IRET

    def run(self, ctx: CpuContext) -> Trap:
        self._switch_fpu(ctx)
        if self.flush_log:
            self._flush()
        begin = self._load(ctx)
        self._syscall = False
        self._vector = -1
        err = self.lib.uc_emu_start(self.handle, begin, 0, 0, 0)
        self.exits += 1
        self.lib.uc_reg_read_batch(self.handle, self._gpr_ids, self._gpr_ptrs, NREGS)
        regs = ctx.regs
        regs[:] = self._gpr
        if not self._at_cpl3:
            self._at_cpl3 = self._read(self.abi.REG.UC_X86_REG_CS) & 3 == 3
        if err != self.abi.ERR_OK:
            if err == self.abi.ERR_INSN_INVALID:
                return ExceptionTrap(6, 0)
            raise PlatformError(f"Unicorn stopped: {self.lib.uc_strerror(err).decode()} at rip={regs[RIP]:#x}")
        if self._syscall:
            regs[RCX] = regs[RIP]
            regs[R11] = regs[RFLAGS]
            return SYSCALL
        if self._vector >= 0:
            return self._exception(regs)
        return INTERRUPTED

    def _exception(self, regs: memoryview) -> Trap:
        """Decode the exception the interrupt hook saw, and clear Unicorn's in-flight field."""
        lib, ctx = self.lib, self._uc_ctx
        lib.uc_context_save(self.handle, ctx)
        error = ctypes.c_int32.from_address(ctx.value + self.abi.CTX_ERROR_CODE).value & 0xFFFFFFFF
        ctypes.c_int32.from_address(ctx.value + self.abi.CTX_OLD_EXCEPTION).value = -1
        lib.uc_context_restore(self.handle, ctx)
        vector = self._vector
        if vector == 14:
            return PageFaultTrap(self._read(self.abi.REG.UC_X86_REG_CR2), error)
        if vector >= 32:
            # `int N` through a DPL0 gate: #GP with the IDT error code, rip at the instruction.
            regs[RIP] -= 2
            return ExceptionTrap(13, vector * 8 + 2)
        return ExceptionTrap(vector, error if vector in dt.ERROR_CODE_VECTORS else 0)

    # -- TLB and translated code -----------------------------------------------------------
    def _flush(self) -> None:
        ptes, tables = self.flush_log.take()
        self.flushes += 1
        ram = self.ram
        gone = bool(tables) or any(not ram[p] & PTE_P for p in ptes)
        if gone:
            self.lib.uc_ctl(self.handle, self.abi.CTL_TB_FLUSH)
        self.lib.uc_ctl(self.handle, self.abi.CTL_TLB_FLUSH)
        # Measured: uc_ctl's TLB flush alone left a stale writable translation now and then
        # (a forked child's stores reached its parent); reloading CR3 flushes it for sure.
        self.loaded_cr3 = -1

    def flush_code(self) -> None:
        self.lib.uc_ctl(self.handle, self.abi.CTL_TB_FLUSH)


def self_test(p: UnicornPlatform, vcpu: UnicornVcpu) -> None:
    """Prove the entry paths and the private context offsets before the kernel trusts them.

    A user program in scratch frames reads a page and makes a syscall (which must arrive at
    CPL3 with the value read); after the host unmaps the page and logs the flush, two reads
    in a row must both fault as #PF with error code 4 (user read, not present) at the right
    address: the second one proves the in-flight exception field was reset.
    """
    frames = [F_SCRATCH + i for i in range(SCRATCH_FRAMES)]
    probe = build_probe(p.ram, frames, p.kernel_pml4_entries)
    pml4, data_pte = probe.pml4, probe.data_pte
    ctx = CpuContext()
    ctx.cr3 = pml4
    ctx.regs[RIP] = CODE_VA

    class _Log(list):
        def take(self) -> tuple[list[int], list[int]]:
            taken = list(self)
            self.clear()
            return taken, []

    def run() -> Trap:
        while True:     # a timer tick may come first
            trap = vcpu.run(ctx)
            if trap is not INTERRUPTED:
                return trap

    log = _Log()
    vcpu.flush_log = log
    try:
        trap = run()
        if trap is not SYSCALL or ctx.regs[0] != PROBE_VALUE or ctx.regs[RIP] != CODE_VA + 10 or not vcpu._at_cpl3:
            raise PlatformError(f"Unicorn self-test: a user syscall did not arrive as expected ({trap})")
        struct.pack_into("<Q", p.ram, data_pte, 0)
        log.append(data_pte)
        for _ in range(2):
            ctx.regs[RIP] = CODE_VA
            trap = run()
            if trap != PageFaultTrap(DATA_VA, 4) or ctx.regs[RIP] != CODE_VA:
                raise PlatformError(f"Unicorn self-test: expected a #PF at {DATA_VA:#x} with error code 4, got {trap} "
                                    f"(is this unicorn {p.abi.VERSION}?)")
    finally:
        vcpu.forget(ctx)
        vcpu.flush_log = None
