"""The [vvar] and [vdso] special mappings (Linux arch/x86/entry/vdso/vma.c).

One Vdso per kernel owns the frames: a [vvar] page the kernel's Timekeeper writes and user
code only reads, followed by the vDSO image (arch/x64/vdso_image.py). execve maps both into
every new program (top-down in the mmap area, below the interpreter, as Linux does without
ASLR) and passes the image's address as AT_SYSINFO_EHDR; fork copies the mappings like any
other. The frames are never freed.

The vDSO computes time from the TSC only when the guest's counter is the host's (Timekeeper
reads the host's): `Vdso.create` checks that by running a three-instruction probe on the
vCPU. Otherwise [vvar] says "use the system call" and only getcpu is trap-free.
"""

from __future__ import annotations

from typing import Any

from pykerla.arch.x64.paging import PAGE_SIZE, page_align_up
from pykerla.arch.x64.tsc import GUEST_PROBE, host_tsc_reader
from pykerla.arch.x64.vdso_image import VdsoUnavailable, load_image
from pykerla.mm.address_space import AddressSpace
from pykerla.mm.mman import PROT_EXEC, PROT_READ
from pykerla.platform.base import INTERRUPTED, RDI, RIP, SYSCALL, CpuContext
from pykerla.timekeeping import VVAR_MODE_SYSCALL, Timekeeper, write_vvar_mode

PROBE_VA = 0x10000
PROBE_TRIES = 5


class Vdso:
    """The vDSO frames of one kernel, and how to map them into an address space."""

    def __init__(self, kernel: Any, image: bytes) -> None:
        phys = kernel.phys
        self.vvar_frame = phys.alloc()
        self.image_frames = [phys.alloc() for _ in range(page_align_up(len(image)) // PAGE_SIZE)]
        for i, frame in enumerate(self.image_frames):
            chunk = image[i * PAGE_SIZE:(i + 1) * PAGE_SIZE]
            phys.ram[frame:frame + len(chunk)] = chunk
        self.vvar = phys.page(self.vvar_frame)
        self.timekeeper: Timekeeper | None = None
        read_tsc = _host_tsc()
        if read_tsc is None:
            self.status = "vDSO mapped; clocks use system calls (the host TSC cannot be read)"
        elif not guest_tsc_is_host(kernel, read_tsc):
            self.status = "vDSO mapped; clocks use system calls (the guest's TSC is not the host's)"
        else:
            self.status = "vDSO mapped; clocks read the TSC"
            self.timekeeper = Timekeeper(read_tsc, self.vvar)
        if self.timekeeper is None:
            write_vvar_mode(self.vvar, VVAR_MODE_SYSCALL)

    @classmethod
    def create(cls, kernel: Any) -> tuple[Vdso | None, str]:
        """The kernel's vDSO, or None and why there is none."""
        try:
            image = load_image()
        except VdsoUnavailable as e:
            return None, f"no vDSO: {e}"
        vdso = cls(kernel, image)
        return vdso, vdso.status

    def map_into(self, mm: AddressSpace) -> int:
        """Map [vvar] then [vdso] into a fresh program; returns AT_SYSINFO_EHDR."""
        size = (1 + len(self.image_frames)) * PAGE_SIZE
        start = mm.get_unmapped_area(0, size, 0, False)
        mm.map_special(start, [self.vvar_frame], PROT_READ, "[vvar]")
        mm.map_special(start + PAGE_SIZE, self.image_frames, PROT_READ | PROT_EXEC, "[vdso]")
        return start + PAGE_SIZE


def _host_tsc() -> Any:
    try:
        return host_tsc_reader()
    except OSError:
        return None


def guest_tsc_is_host(kernel: Any, read_tsc: Any) -> bool:
    """Does user code on the vCPU read the host's TSC? A probe (`rdtsc ; syscall`) must report
    a value between the host's counter before and after the run. The probe's frame stays
    allocated: translated code or shadow pages of it must never see the frame reused."""
    phys = kernel.phys
    frame = phys.alloc()
    phys.ram[frame:frame + len(GUEST_PROBE)] = GUEST_PROBE
    mm = AddressSpace(phys, kernel.platform.kernel_pml4_entries)
    ctx = CpuContext()
    ctx.cr3 = mm.root
    vcpu = kernel.vcpu
    try:
        mm.map_special(PROBE_VA, [frame], PROT_READ | PROT_EXEC, "[probe]")
        for _ in range(PROBE_TRIES):
            ctx.regs[RIP] = PROBE_VA
            before = read_tsc()
            trap = vcpu.run(ctx)
            after = read_tsc()
            if trap is SYSCALL:
                return before <= ctx.regs[RDI] <= after
            if trap is not INTERRUPTED:
                return False
        return False
    finally:
        vcpu.forget(ctx)
        mm.release()
