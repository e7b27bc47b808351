"""Frame allocator reference counting and the TLB flush log."""

from __future__ import annotations

import errno

import pytest
from test_mm_support import new_phys

from pykerla.errors import KernelError
from pykerla.mm.physical import PTE_LOG_COALESCE, PhysicalMemory, TlbFlushLog


def test_alloc_ref_unref_and_zeroing():
    phys = new_phys(1 << 20)
    assert phys.total_frames == phys.free_frames == 256 - 16
    a = phys.alloc()
    assert a >= 16 * 4096 and phys.refcount(a) == 1
    phys.ram[a : a + 4] = b"junk"
    phys.ref(a)
    phys.unref(a)
    assert phys.refcount(a) == 1
    phys.unref(a)
    assert phys.refcount(a) == 0 and phys.free_frames == phys.total_frames
    b = phys.alloc()
    assert b == a and phys.ram[b : b + 4096] == bytes(4096)  # reused and zeroed
    with pytest.raises(ValueError):
        phys.unref(b) or phys.unref(b)


def test_out_of_memory():
    phys = PhysicalMemory(memoryview(bytearray(8 * 4096)), 6, 8)
    phys.alloc()
    phys.alloc()
    with pytest.raises(KernelError) as info:
        phys.alloc()
    assert info.value.errno == errno.ENOMEM


def test_platform_frames_are_not_counted():
    phys = new_phys(1 << 20)
    phys.ref(0x1000)
    phys.unref(0x1000)
    assert phys.free_frames == phys.total_frames


def test_flush_log_coalesces_per_table():
    log = TlbFlushLog()
    assert not log
    log.pte(0x5008)
    log.pte(0x5008)
    assert log and log.take() == ([0x5008], [])
    assert not log
    for i in range(PTE_LOG_COALESCE + 1):
        log.pte(0x7000 + 8 * i)
    log.pte(0x9010)
    log.pte(0x7000)  # already covered by the table entry
    assert log.take() == ([0x9010], [0x7000])
