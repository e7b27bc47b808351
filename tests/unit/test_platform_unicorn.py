"""The Unicorn platform runs tiny user programs: traps, FPU images, CPUID honesty, preemption,
and the supervisor-only platform window."""

from __future__ import annotations

import struct
import threading
import time

import pytest

pytest.importorskip("unicorn")

from pykerla.arch.x64.paging import PAGE_SIZE, PTE_NX, PTE_P, PTE_RW, PTE_US  # noqa: E402
from pykerla.platform.base import (  # noqa: E402
    INTERRUPTED, RAX, RBX, RCX, RIP, SYSCALL, CpuContext, ExceptionTrap, PageFaultTrap,
)
from pykerla.platform.unicorn import PLATFORM_BASE, UnicornPlatform  # noqa: E402

CODE, DATA = 0x400000, 0x401000


@pytest.fixture(scope="module")
def machine():
    platform = UnicornPlatform(32 << 20)
    vcpu = platform.new_vcpu()
    frames = range(platform.first_free_frame, platform.first_free_frame + 6)
    pml4, pdpt, pd, pt, code, data = (f * PAGE_SIZE for f in frames)
    ram = platform.ram
    for index, entry in platform.kernel_pml4_entries.items():
        struct.pack_into("<Q", ram, pml4 + index * 8, entry)
    table = PTE_P | PTE_RW | PTE_US
    struct.pack_into("<Q", ram, pml4, pdpt | table)
    struct.pack_into("<Q", ram, pdpt, pd | table)
    struct.pack_into("<Q", ram, pd + 2 * 8, pt | table)
    struct.pack_into("<Q", ram, pt, code | PTE_P | PTE_US)
    struct.pack_into("<Q", ram, pt + 8, data | PTE_P | PTE_RW | PTE_US | PTE_NX)

    def run(program: bytes, ctx: CpuContext | None = None):
        ram[code:code + PAGE_SIZE] = program.ljust(PAGE_SIZE, b"\xf4")
        vcpu.flush_code()
        ctx = ctx or CpuContext()
        ctx.cr3 = pml4
        ctx.regs[RIP] = CODE
        trap = vcpu.run(ctx)
        while trap is INTERRUPTED:
            trap = vcpu.run(ctx)
        return trap, ctx

    return platform, vcpu, run, ram[data:data + PAGE_SIZE]


def test_describe_and_layout(machine):
    platform = machine[0]
    assert platform.describe().startswith("unicorn 2.1.4")
    assert platform.xstate_layout() == (576, 3)
    assert platform.hwcap() & (1 << 26)            # SSE2


def test_syscall_sets_rcx_r11_like_the_cpu(machine):
    _p, _v, run, _data = machine
    trap, ctx = run(b"\xb8\x27\x00\x00\x00\x0f\x05")   # mov eax,39 ; syscall
    assert trap is SYSCALL and ctx.regs[RAX] == 39
    assert ctx.regs[RIP] == CODE + 7 and ctx.regs[RCX] == CODE + 7


def test_exceptions(machine):
    _p, _v, run, _data = machine
    assert run(b"\x0f\x0b")[0] == ExceptionTrap(6, 0)                    # ud2
    trap, ctx = run(b"\x90\xcc")                                          # int3: rip after it
    assert trap == ExceptionTrap(3, 0) and ctx.regs[RIP] == CODE + 2
    trap, ctx = run(b"\x31\xc9\x48\xf7\xf1")                              # div rcx (0)
    assert trap == ExceptionTrap(0, 0) and ctx.regs[RIP] == CODE + 2
    assert run(b"\xf4")[0] == ExceptionTrap(13, 0)                       # hlt at CPL3
    for _ in range(3):                                                    # never turns into #DF
        assert run(b"\x48\x89\x04\x25\x00\x30\x40\x00")[0] == PageFaultTrap(0x403000, 6)


def test_platform_pages_are_supervisor_only(machine):
    _p, _v, run, _data = machine
    load = b"\x48\xa1" + struct.pack("<Q", PLATFORM_BASE + PAGE_SIZE)   # mov rax,[GDT]
    assert run(load)[0] == PageFaultTrap(PLATFORM_BASE + PAGE_SIZE, 5)


def test_cpuid_has_no_avx(machine):
    _p, _v, run, _data = machine
    cpuid = b"\x31\xc9\x0f\xa2\x0f\x05"                                    # xor ecx,ecx ; cpuid ; syscall
    trap, ctx = run(b"\xb8\x01\x00\x00\x00" + cpuid)
    assert trap is SYSCALL and not ctx.regs[RCX] & (1 << 28)             # AVX
    trap, ctx = run(b"\xb8\x07\x00\x00\x00" + cpuid)
    assert trap is SYSCALL and not ctx.regs[RBX] & ((1 << 5) | (1 << 16))  # AVX2, AVX-512F


def test_timer_preempts_a_busy_loop(machine):
    _p, vcpu, run, _data = machine
    trap, ctx = run(b"\x0f\x05\xeb\xfe")                                  # syscall ; jmp $
    assert trap is SYSCALL
    assert vcpu.run(ctx) is INTERRUPTED and ctx.regs[RIP] == CODE + 2


def test_timer_stops_never_repeat_a_memory_write(machine):
    """Every timer stop lands between instructions: a read-modify-write of memory never runs twice.

    (An asynchronous uc_emu_stop broke this in ~40% of stops: see platform/unicorn_timer.py.)"""
    _p, vcpu, run, data = machine
    loop = CODE + 4           # xor ebx,ebx ; syscall ; loop: inc dword [DATA] ; inc rbx ; jmp loop
    trap, ctx = run(b"\x31\xdb\x0f\x05" + b"\xff\x04\x25\x00\x10\x40\x00" + b"\x48\xff\xc3" + b"\xeb\xf4")
    assert trap is SYSCALL
    struct.pack_into("<I", data, 0, 0)
    done = threading.Event()

    def tick_fast() -> None:
        while not done.is_set():
            vcpu.timer.data.pending = 1
            time.sleep(0.0002)

    ticker = threading.Thread(target=tick_fast)
    ticker.start()
    try:
        for _ in range(300):
            assert vcpu.run(ctx) is INTERRUPTED
            count = struct.unpack_from("<I", data, 0)[0]
            ahead = 1 if ctx.regs[RIP] == loop + 7 else 0            # stopped before `inc rbx`
            assert count == ctx.regs[RBX] + ahead, (hex(ctx.regs[RIP]), count, ctx.regs[RBX])
    finally:
        done.set()
        ticker.join()


def test_fpu_image_matches_fxsave(machine):
    _p, vcpu, run, data = machine
    # fld1 ; fldpi ; mov eax,0x3fc00000 ; movd xmm3,eax ; fxsave64 [0x401000] ; syscall
    program = b"\xd9\xe8\xd9\xeb\xb8\x00\x00\xc0\x3f\x66\x0f\x6e\xd8\x48\x0f\xae\x04\x25\x00\x10\x40\x00\x0f\x05"
    trap, ctx = run(program)
    assert trap is SYSCALL
    image = vcpu.save_fpu(ctx)
    assert len(image) == 576 and image[:464] == bytes(data[:464])
    assert image[160 + 3 * 16:160 + 3 * 16 + 4] == b"\x00\x00\xc0\x3f"
    # An image loaded into a context comes back from the CPU unchanged.
    other = bytearray(vcpu.initial_fpu)
    struct.pack_into("<I", other, 160 + 5 * 16, 0x12345678)              # xmm5
    struct.pack_into("<I", other, 24, 0x1F80 | 0x6000)                   # MXCSR: round toward zero
    ctx2 = CpuContext()
    vcpu.load_fpu(ctx2, bytes(other))
    trap, ctx2 = run(b"\x48\x0f\xae\x04\x25\x00\x10\x40\x00\x0f\x05", ctx2)   # fxsave64 ; syscall
    assert trap is SYSCALL and bytes(data[:464]) == bytes(other[:464])
    vcpu.forget(ctx)
    vcpu.forget(ctx2)
