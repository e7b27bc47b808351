"""The KVM platform: user code runs natively in a KVM virtual machine (ring 3 only).

Owns: the VM and its guest RAM (one host mmap shared with the kernel), the platform's own
low physical frames (GDT, IDT, TSS with an I/O bitmap, the user-visible trampoline page,
CPL0 exception stubs, the generated TLB-flush stub, a kernel stack, and the upper-half page
tables with a supervisor direct map of RAM), and the vCPU with its sync-regs run page.

Entry paths (see DESIGN.md, "KVM facts"):
- syscall: LSTAR points at the trampoline `out 0x10, al ; jmp rcx`; on kvm_pvm the CPU stays
  at CPL3, the `out` is allowed by the TSS I/O bitmap and exits to us with KVM_EXIT_IO.
- exceptions: IDT gates to CPL0 stubs that push (vector, error code) and `out 0x11`; we read
  the frame from the kernel stack in RAM and resume the stub, which `iretq`s to user mode.
- restrictive page-table changes: KVM's shadow MMU misses host-side edits, so before
  resuming user code the pending TlbFlushLog is turned into a generated CPL0 stub (entered
  through `int3`) that re-stores the low byte of each changed PTE (drops that mapping) or a
  misaligned byte of a page-table page (drops all 512 under it).
- preemption: SIGALRM, blocked in the host thread but unblocked inside KVM_RUN.
"""

from __future__ import annotations

import ctypes
import fcntl
import mmap
import os
import signal
import struct

from pykerla.arch.x64 import descriptors as dt
from pykerla.arch.x64.paging import PAGE_SIZE, PTE_NX, PTE_P, PTE_PS, PTE_RW, PTE_US
from pykerla.platform import kvm_abi as k
from pykerla.platform.probe import CODE_VA, DATA_VA, PROBE_VALUE, build_probe
from pykerla.platform.base import (
    INTERRUPTED, NREGS, RCX, RIP, RSP, SYSCALL, CpuContext, ExceptionTrap, PageFaultTrap, Platform,
    PlatformError, Trap, Vcpu,
)

# Physical frames reserved by the platform (frame 0 stays unused).
F_GDT, F_IDT, F_TSS, F_TRAMP, F_STUBS = 1, 2, 3, 4, 5
F_FLUSH, FLUSH_PAGES = 6, 4
F_KSTACK, KSTACK_PAGES = 10, 4
F_PDPT_TOP, F_PD_TOP, F_PT_TOP, F_PDPT_DIRECT, F_PD_DIRECT = 14, 15, 16, 17, 18

PLATFORM_BASE = 0xFFFFFF8000000000   # PML4[511]: platform frame f is mapped at PLATFORM_BASE + f * 4 KiB
DIRECT_BASE = 0xFFFF800000000000     # PML4[256]: all guest RAM, supervisor only, 2 MiB pages
PML4_PLATFORM, PML4_DIRECT = 511, 256

PORT_SYSCALL, PORT_EXCEPTION = 0x10, 0x11
TRAMP_SYSCALL = 0    # offsets in the trampoline page
TRAMP_INT3 = 16
STUB_SIZE = 16
STUB_COMMON = 32 * STUB_SIZE

KSTACK_TOP = PLATFORM_BASE + (F_KSTACK + KSTACK_PAGES) * PAGE_SIZE
FRAME_AT_OUT = KSTACK_TOP - 56       # rsp at the stub's `out`: vector, error, rip, cs, rflags, rsp, ss

CR0 = k.CR0_PE | k.CR0_MP | k.CR0_ET | k.CR0_NE | k.CR0_WP | k.CR0_AM | k.CR0_PG
CR4 = k.CR4_PAE | k.CR4_OSFXSR | k.CR4_OSXMMEXCPT | k.CR4_OSXSAVE
EFER = k.EFER_SCE | k.EFER_LME | k.EFER_LMA | k.EFER_NXE

TABLE_ZAP_THRESHOLD = 8   # more changed PTEs than this in one table page: drop the whole table
HUGE = 2 * 1024 * 1024


def platform_va(frame: int) -> int:
    return PLATFORM_BASE + frame * PAGE_SIZE


class KvmPlatform(Platform):
    """A KVM virtual machine with `memory` bytes of guest RAM."""

    name = "kvm"

    def __init__(self, memory: int, device: str = "/dev/kvm") -> None:
        if memory % HUGE:
            raise PlatformError("memory size must be a multiple of 2 MiB")
        try:
            self.kvm_fd = os.open(device, os.O_RDWR | os.O_CLOEXEC)
        except FileNotFoundError:
            raise PlatformError(f"no {device} on this host (KVM is not available)") from None
        except PermissionError:
            raise PlatformError(f"{device} exists but is not accessible to this user (permission denied)") from None
        except OSError as e:
            raise PlatformError(f"cannot open {device}: {e.strerror}") from None
        try:
            api = fcntl.ioctl(self.kvm_fd, k.KVM_GET_API_VERSION, 0)
        except OSError:
            api = -1
        if api != 12:
            os.close(self.kvm_fd)
            raise PlatformError(f"{device} is not a KVM device (KVM_GET_API_VERSION failed or is not 12)")
        for cap, what in ((k.KVM_CAP_SYNC_REGS, "sync regs"), (k.KVM_CAP_XSAVE, "XSAVE"), (k.KVM_CAP_XCRS, "XCRs")):
            if not fcntl.ioctl(self.kvm_fd, k.KVM_CHECK_EXTENSION, cap):
                raise PlatformError(f"/dev/kvm lacks {what} support")
        self.vm_fd = fcntl.ioctl(self.kvm_fd, k.KVM_CREATE_VM, 0)
        self.variant = "pvm" if os.path.isdir("/sys/module/kvm_pvm") else "hardware"
        self._map_ram(memory)
        self._build_platform_frames()
        self.kernel_pml4_entries = {
            PML4_PLATFORM: F_PDPT_TOP * PAGE_SIZE | PTE_P | PTE_RW | PTE_US,
            PML4_DIRECT: F_PDPT_DIRECT * PAGE_SIZE | PTE_P | PTE_RW,
        }
        self.cpuid = self._supported_cpuid()

    # -- guest RAM -------------------------------------------------------------------------
    def _map_ram(self, memory: int) -> None:
        self._ram_map = mmap.mmap(-1, memory + HUGE, mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
        base = ctypes.addressof(ctypes.c_char.from_buffer(self._ram_map))
        skip = (-base) % HUGE
        self._ram_map.madvise(mmap.MADV_HUGEPAGE, skip, memory)
        self.ram = memoryview(self._ram_map)[skip:skip + memory]
        self.ram_size = memory
        region = struct.pack("<IIQQQ", 0, 0, 0, memory, base + skip)
        fcntl.ioctl(self.vm_fd, k.KVM_SET_USER_MEMORY_REGION, region)

    def _put(self, frame: int, offset: int, data: bytes) -> None:
        start = frame * PAGE_SIZE + offset
        self.ram[start:start + len(data)] = data

    def _build_platform_frames(self) -> None:
        gib = (self.ram_size + (1 << 30) - 1) >> 30
        self.first_free_frame = F_PD_DIRECT + gib
        # Upper-half platform window: PML4[511] -> PDPT[0] -> PD[0] -> PT with one PTE per platform frame.
        self._put(F_PDPT_TOP, 0, struct.pack("<Q", F_PD_TOP * PAGE_SIZE | PTE_P | PTE_RW | PTE_US))
        self._put(F_PD_TOP, 0, struct.pack("<Q", F_PT_TOP * PAGE_SIZE | PTE_P | PTE_RW | PTE_US))
        frames = {F_GDT: PTE_RW | PTE_NX, F_IDT: PTE_RW | PTE_NX, F_TSS: PTE_RW | PTE_NX,
                  F_TRAMP: PTE_US, F_STUBS: 0}
        frames.update({F_FLUSH + i: 0 for i in range(FLUSH_PAGES)})
        frames.update({F_KSTACK + i: PTE_RW | PTE_NX for i in range(KSTACK_PAGES)})
        for frame, flags in frames.items():
            self._put(F_PT_TOP, frame * 8, struct.pack("<Q", frame * PAGE_SIZE | PTE_P | flags))
        # Direct map of all guest RAM: PML4[256] -> PDPT -> one PD per GiB of 2 MiB pages.
        for g in range(gib):
            self._put(F_PDPT_DIRECT, g * 8, struct.pack("<Q", (F_PD_DIRECT + g) * PAGE_SIZE | PTE_P | PTE_RW))
            pd = b"".join(struct.pack("<Q", ((g << 30) + i * HUGE) | PTE_P | PTE_RW | PTE_PS | PTE_NX)
                          for i in range(512))
            self._put(F_PD_DIRECT + g, 0, pd)
        # Descriptor tables.
        gdt = dt.gdt_image()
        gdt[dt.TSS_SEL:dt.TSS_SEL + 16] = dt.tss_descriptor(platform_va(F_TSS), dt.TSS_LIMIT)
        self._put(F_GDT, 0, bytes(gdt))
        self._put(F_TSS, 0, dt.tss_image(KSTACK_TOP, (PORT_SYSCALL,)))
        self._put(F_TRAMP, TRAMP_SYSCALL, bytes([0xE6, PORT_SYSCALL, 0xFF, 0xE1]))  # out 0x10,al ; jmp rcx
        self._put(F_TRAMP, TRAMP_INT3, b"\xcc")                                   # int3
        stubs = bytearray(b"\xcc" * PAGE_SIZE)
        for vector in range(32):
            code = b"" if vector in dt.ERROR_CODE_VECTORS else b"\x6a\x00"       # push 0
            code += bytes([0x6A, vector])                                         # push vector
            at = vector * STUB_SIZE + len(code) + 5
            code += b"\xe9" + struct.pack("<i", STUB_COMMON - at)                  # jmp common
            stubs[vector * STUB_SIZE:vector * STUB_SIZE + len(code)] = code
        # common: out 0x11,al ; add rsp,16 ; iretq
        stubs[STUB_COMMON:STUB_COMMON + 8] = bytes([0xE6, PORT_EXCEPTION, 0x48, 0x83, 0xC4, 0x10, 0x48, 0xCF])
        self._put(F_STUBS, 0, bytes(stubs))
        self.idt_gates = [dt.idt_gate(platform_va(F_STUBS) + v * STUB_SIZE, dpl=3 if v == 3 else 0)
                          for v in range(32)]
        self._put(F_IDT, 0, b"".join(self.idt_gates))

    def _supported_cpuid(self) -> bytes:
        nent = 256
        buf = bytearray(struct.pack("<II", nent, 0) + bytes(40 * nent))
        fcntl.ioctl(self.kvm_fd, k.KVM_GET_SUPPORTED_CPUID, buf, True)
        return bytes(buf)

    def _cpuid_leaf(self, function: int, index: int = 0) -> tuple[int, int, int, int]:
        nent = struct.unpack_from("<I", self.cpuid, 0)[0]
        for i in range(nent):
            func, idx, _flags, eax, ebx, ecx, edx = struct.unpack_from("<7I", self.cpuid, 8 + 40 * i)
            if func == function and idx == index:
                return eax, ebx, ecx, edx
        return 0, 0, 0, 0

    def supported_xcr0(self) -> int:
        eax, _ebx, _ecx, edx = self._cpuid_leaf(0xD)
        return (eax | (edx << 32)) or 3

    def xstate_layout(self) -> tuple[int, int]:
        """(size of the XSAVE area for the guest's XCR0, that XCR0): the signal-frame FPU image."""
        _eax, _ebx, ecx, _edx = self._cpuid_leaf(0xD)
        return (ecx or 512 + 64), self.supported_xcr0()

    def hwcap(self) -> int:
        """AT_HWCAP: CPUID leaf 1 EDX, as Linux reports it on x86."""
        return self._cpuid_leaf(1)[3]

    def new_vcpu(self) -> KvmVcpu:
        vcpu = KvmVcpu(self)
        self_test(self, vcpu)
        return vcpu

    def describe(self) -> str:
        return f"kvm ({'kvm_pvm' if self.variant == 'pvm' else 'hardware KVM'}), {self.ram_size >> 20} MiB guest RAM"


class KvmVcpu(Vcpu):
    """The single virtual CPU of a KvmPlatform."""

    def __init__(self, platform: KvmPlatform) -> None:
        self.p = platform
        self.fd = fcntl.ioctl(platform.vm_fd, k.KVM_CREATE_VCPU, 0)
        size = fcntl.ioctl(platform.kvm_fd, k.KVM_GET_VCPU_MMAP_SIZE, 0)
        self.run_map = mmap.mmap(self.fd, size, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
        self.run_page = memoryview(self.run_map)
        self.sync_regs = self.run_page[k.RUN_SYNC_REGS:k.RUN_SYNC_REGS + 8 * NREGS].cast("Q")
        self.flush_log = None          # set by the kernel: the mm TlbFlushLog to apply before each entry
        fcntl.ioctl(self.fd, k.KVM_SET_CPUID2, bytearray(platform.cpuid), True)  # > 1 KiB: must be mutable
        self._set_msrs({k.MSR_LSTAR: platform_va(F_TRAMP) + TRAMP_SYSCALL,
                        k.MSR_STAR: (dt.USER32_CS << 48) | (dt.KERNEL_CS << 32),
                        k.MSR_FMASK: 0, k.MSR_KERNEL_GS_BASE: 0, k.MSR_GS_BASE: 0})
        xcrs = bytearray(392)
        struct.pack_into("<IIIIQ", xcrs, 0, 1, 0, 0, 0, platform.supported_xcr0())
        fcntl.ioctl(self.fd, k.KVM_SET_XCRS, xcrs)
        fcntl.ioctl(self.fd, k.KVM_SET_SIGNAL_MASK, struct.pack("<IQ", 8, 0))
        self._init_sregs()
        self.run_page[k.RUN_VALID_REGS:k.RUN_VALID_REGS + 8] = struct.pack("<Q", k.KVM_SYNC_X86_REGS | k.KVM_SYNC_X86_SREGS)
        self.initial_fpu = self._read_fpu()
        self.fpu_owner = None
        self.in_stub = False           # stopped at CPL0 in the exception stub, waiting to iretq
        self.loaded_cr3 = -1
        self.loaded_fs = -1
        self.loaded_gs = -1
        self.exits = 0
        self.flushes = 0

    # -- set-up helpers ----------------------------------------------------------------------
    def _set_msrs(self, msrs: dict[int, int]) -> None:
        buf = bytearray(struct.pack("<II", len(msrs), 0)
                        + b"".join(struct.pack("<IIQ", i, 0, v) for i, v in msrs.items()))
        if fcntl.ioctl(self.fd, k.KVM_SET_MSRS, buf, True) != len(msrs):
            raise PlatformError("KVM refused the syscall MSRs")

    def _init_sregs(self) -> None:
        sregs = bytearray(k.SREGS_SIZE)
        fcntl.ioctl(self.fd, k.KVM_GET_SREGS, sregs, True)

        def seg(off: int, selector: int, type_: int, dpl: int, s: int = 1, long: int = 0, db: int = 0,
                base: int = 0, limit: int = 0xFFFFFFFF, g: int = 1, unusable: int = 0) -> None:
            struct.pack_into(k.SEGMENT_FORMAT, sregs, off, base, limit, selector, type_, 1, dpl, db, s, long, g,
                             0, unusable, 0)

        seg(k.SREGS_CS, dt.USER_CS, 11, 3, long=1)
        seg(k.SREGS_SS, dt.USER_DS, 3, 3, db=1)
        for off in (k.SREGS_DS, k.SREGS_ES, k.SREGS_FS, k.SREGS_GS):
            seg(off, 0, 3, 3, db=1)
        seg(k.SREGS_TR, dt.TSS_SEL, 11, 0, s=0, base=platform_va(F_TSS), limit=dt.TSS_LIMIT, g=0)
        seg(k.SREGS_LDT, 0, 2, 0, s=0, limit=0, g=0, unusable=1)
        struct.pack_into("<QH", sregs, k.SREGS_GDT, platform_va(F_GDT), 10 * 8 - 1)
        struct.pack_into("<QH", sregs, k.SREGS_IDT, platform_va(F_IDT), 32 * 16 - 1)
        struct.pack_into("<QQQQ", sregs, k.SREGS_CR0, CR0, 0, F_PDPT_TOP * PAGE_SIZE, CR4)
        struct.pack_into("<Q", sregs, k.SREGS_EFER, EFER)
        fcntl.ioctl(self.fd, k.KVM_SET_SREGS, sregs)
        self.sregs = self.run_page[k.RUN_SYNC_SREGS:k.RUN_SYNC_SREGS + k.SREGS_SIZE]
        # Prime the run page's register images (valid on the first entry as well).
        regs = bytearray(8 * NREGS)
        fcntl.ioctl(self.fd, k.KVM_GET_REGS, regs, True)
        self.run_page[k.RUN_SYNC_REGS:k.RUN_SYNC_REGS + 8 * NREGS] = regs
        self.sregs[:] = sregs

    def _read_fpu(self) -> bytes:
        buf = bytearray(4096)
        fcntl.ioctl(self.fd, k.KVM_GET_XSAVE, buf, True)
        return bytes(buf)

    def _write_fpu(self, image: bytes) -> None:
        fcntl.ioctl(self.fd, k.KVM_SET_XSAVE, bytearray(image), True)

    # -- running ---------------------------------------------------------------------------
    def _load(self, ctx: CpuContext) -> int:
        """Put ctx into the run page; returns the dirty-regs mask."""
        dirty = k.KVM_SYNC_X86_REGS
        regs = self.sync_regs
        if self.in_stub:
            # Resume the stub's `add rsp,16 ; iretq`: user rip/rsp/rflags go into the iret frame.
            rsp, rip = regs[RSP], regs[RIP]
            regs[:] = ctx.regs
            regs[RSP], regs[RIP] = rsp, rip
            struct.pack_into("<QQQQQ", self.p.ram, FRAME_AT_OUT + 16 - PLATFORM_BASE, ctx.regs[RIP], dt.USER_CS, ctx.regs[17],
                             ctx.regs[RSP], dt.USER_DS)
        else:
            regs[:] = ctx.regs
        sregs = self.sregs
        if ctx.cr3 != self.loaded_cr3:
            struct.pack_into("<Q", sregs, k.SREGS_CR3, ctx.cr3)
            self.loaded_cr3 = ctx.cr3
            dirty |= k.KVM_SYNC_X86_SREGS
        if ctx.fs_base != self.loaded_fs or ctx.gs_base != self.loaded_gs:
            struct.pack_into("<Q", sregs, k.SREGS_FS, ctx.fs_base)
            struct.pack_into("<Q", sregs, k.SREGS_GS, ctx.gs_base)
            self.loaded_fs, self.loaded_gs = ctx.fs_base, ctx.gs_base
            dirty |= k.KVM_SYNC_X86_SREGS
        return dirty

    def run(self, ctx: CpuContext) -> Trap:
        self._switch_fpu(ctx)
        dirty = self._load(ctx)
        if self.flush_log:
            self._enter_flush(ctx)
        run_page = self.run_page
        while True:
            struct.pack_into("<Q", run_page, k.RUN_DIRTY_REGS, dirty)
            try:
                fcntl.ioctl(self.fd, k.KVM_RUN, 0)
            except InterruptedError:
                self.exits += 1
                self._consume_timer_signal()
                if self._cpl() == 0 or self._in_trampoline():
                    dirty = 0       # mid-stub: let it finish before anyone looks at the state
                    continue
                self.in_stub = False
                ctx.regs[:] = self.sync_regs
                return INTERRUPTED
            self.exits += 1
            reason = struct.unpack_from("<I", run_page, k.RUN_EXIT_REASON)[0]
            if reason == k.KVM_EXIT_IO:
                port = struct.unpack_from("<H", run_page, k.RUN_IO + 2)[0]
                if port == PORT_SYSCALL:
                    self.in_stub = False
                    regs = ctx.regs
                    regs[:] = self.sync_regs
                    regs[RIP] = regs[RCX]
                    return SYSCALL
                if port == PORT_EXCEPTION:
                    return self._exception(ctx)
            raise PlatformError(self._describe_exit(reason))

    def _consume_timer_signal(self) -> None:
        """KVM_RUN ended by the timer signal, which is still pending (blocked again once
        KVM_RUN returns) and would end every later KVM_RUN at once: consume it. The run
        page's register images are up to date on this path (measured)."""
        signal.sigtimedwait({signal.SIGALRM}, 0)

    def _cpl(self) -> int:
        return struct.unpack_from("<H", self.sregs, k.SREGS_CS + 12)[0] & 3

    def _in_trampoline(self) -> bool:
        return self.sync_regs[RIP] >> 12 == platform_va(F_TRAMP) >> 12

    def _exception(self, ctx: CpuContext) -> Trap:
        self.in_stub = True
        ram = self.p.ram
        off = FRAME_AT_OUT - PLATFORM_BASE
        vector, error, rip, _cs, rflags, rsp, _ss = struct.unpack_from("<7Q", ram, off)
        regs = ctx.regs
        regs[:] = self.sync_regs
        regs[RIP], regs[RSP], regs[17] = rip, rsp, rflags
        if vector == 14:
            cr2 = struct.unpack_from("<Q", self.sregs, k.SREGS_CR2)[0]
            return PageFaultTrap(cr2, error)
        return ExceptionTrap(vector, error)

    def _describe_exit(self, reason: int) -> str:
        name = k.EXIT_NAMES.get(reason, str(reason))
        detail = ""
        if reason == k.KVM_EXIT_IO:
            direction, size, port, _count, _off = struct.unpack_from("<BBHIQ", self.run_page, k.RUN_IO)
            detail = f" port={port:#x} size={size} dir={direction}"
        elif reason == k.KVM_EXIT_INTERNAL_ERROR:
            suberror, ndata = struct.unpack_from("<II", self.run_page, k.RUN_IO)
            data = struct.unpack_from(f"<{min(ndata, 16)}Q", self.run_page, k.RUN_IO + 8)
            detail = f" suberror={suberror} data={[hex(d) for d in data]}"
        elif reason == k.KVM_EXIT_FAIL_ENTRY:
            detail = f" hardware reason={struct.unpack_from('<Q', self.run_page, k.RUN_IO)[0]:#x}"
        return (f"unexpected KVM exit {name}{detail} at rip={self.sync_regs[RIP]:#x} "
                f"cpl={self._cpl()}")

    # -- TLB flushes ------------------------------------------------------------------------
    def _enter_flush(self, ctx: CpuContext) -> None:
        """Arrange for the next entry to run the flush stub first (through the int3 trampoline)."""
        ptes, tables = self.flush_log.take()
        self.flushes += 1
        ram = self.p.ram
        by_table: dict[int, list[int]] = {}
        for pte in set(ptes):
            by_table.setdefault(pte & ~0xFFF, []).append(pte)
        zap = set(tables)
        stores: list[int] = []
        for table, entries in by_table.items():
            if len(entries) > TABLE_ZAP_THRESHOLD or table in zap:
                zap.add(table)
            else:
                stores.extend(entries)
        stores.extend(t + 1 for t in zap)        # a misaligned byte drops the whole shadow table
        code = bytearray(b"\x50")                # push rax
        code += b"\x48\xb8" + struct.pack("<Q", DIRECT_BASE)   # mov rax, DIRECT_BASE
        for paddr in stores:
            code += b"\xc6\x80" + struct.pack("<iB", paddr, ram[paddr])  # mov byte [rax+paddr], current
        gate = self.p.idt_gates[3]
        code += b"\x48\xb8" + gate[:8]                           # mov rax, <normal IDT[3] low half>
        code += b"\x48\xa3" + struct.pack("<Q", platform_va(F_IDT) + 3 * 16)  # mov [IDT+48], rax
        code += b"\x48\xb8" + struct.pack("<Q", ctx.regs[RIP])  # mov rax, real rip
        code += b"\x48\x89\x44\x24\x08"                          # mov [rsp+8], rax
        code += b"\x58\x48\xcf"                                  # pop rax ; iretq
        if len(code) > FLUSH_PAGES * PAGE_SIZE:
            raise PlatformError("TLB flush stub too large")
        self.p._put(F_FLUSH, 0, bytes(code))
        self.p._put(F_IDT, 3 * 16, dt.idt_gate(platform_va(F_FLUSH), dpl=3))
        tramp = platform_va(F_TRAMP) + TRAMP_INT3
        if self.in_stub:
            struct.pack_into("<Q", self.p.ram, FRAME_AT_OUT + 16 - PLATFORM_BASE, tramp)
        else:
            self.sync_regs[RIP] = tramp


def block_timer_signal() -> None:
    """SIGALRM is delivered only inside KVM_RUN (see KVM_SET_SIGNAL_MASK): block it elsewhere."""
    signal.signal(signal.SIGALRM, lambda _signo, _frame: None)
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})


class _ListFlushLog:
    """A minimal flush log for the self-test (the kernel's lives in mm.physical)."""

    def __init__(self) -> None:
        self.ptes: list[int] = []
        self.tables: list[int] = []

    def take(self) -> tuple[list[int], list[int]]:
        taken = self.ptes, self.tables
        self.ptes, self.tables = [], []
        return taken

    def __bool__(self) -> bool:
        return bool(self.ptes or self.tables)


def self_test(p: KvmPlatform, vcpu: KvmVcpu) -> None:
    """Prove the entry paths on this host before the kernel trusts them.

    Runs a tiny user program in scratch frames: a syscall must come back as a syscall trap at
    CPL3 (the kvm_pvm path this platform implements), a read of a mapped page must succeed,
    and after the page is unmapped by the host plus a flush, the same read must fault with the
    right address. The scratch frames stay reserved to the platform afterwards: KVM may keep
    shadow pages of them, which must never see a reused frame.
    """
    frames = list(range(p.first_free_frame, p.first_free_frame + 8))
    p.first_free_frame += len(frames)
    probe = build_probe(p.ram, frames, p.kernel_pml4_entries)
    pml4, data_pte = probe.pml4, probe.data_pte
    log = _ListFlushLog()
    saved_log, vcpu.flush_log = vcpu.flush_log, log
    ctx = CpuContext()
    ctx.cr3 = pml4
    ctx.regs[RIP] = CODE_VA
    try:
        trap = vcpu.run(ctx)
        if trap is not SYSCALL or ctx.regs[0] != PROBE_VALUE:
            raise PlatformError(f"KVM self-test: a user syscall did not arrive as expected ({trap})")
        if vcpu._cpl() != 3:
            raise PlatformError("KVM self-test: syscall entered CPL0 (hardware KVM); this entry path "
                                "is not implemented yet")
        struct.pack_into("<Q", p.ram, data_pte, 0)
        log.ptes.append(data_pte)
        trap = vcpu.run(ctx)
        if not isinstance(trap, PageFaultTrap) or trap.addr != DATA_VA:
            raise PlatformError("KVM self-test: an unmapped page stayed visible to the guest "
                                f"after the TLB flush ({trap})")
    finally:
        vcpu.forget(ctx)
        vcpu.flush_log = saved_log
