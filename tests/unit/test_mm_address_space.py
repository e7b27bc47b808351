"""AddressSpace: mmap family, faults, COW fork, brk, user access, flush log, frame accounting."""

from __future__ import annotations

import errno

import pytest
from test_mm_support import BytesFile, new_mm, new_phys

from pykerla.arch.x64.paging import PAGE_SIZE, PTE_NX, PTE_P, PTE_RW, PTE_US, TASK_SIZE
from pykerla.errors import KernelError
from pykerla.mm import mman
from pykerla.mm.address_space import MMAP_BASE, AddressSpace
from pykerla.mm.mman import MAP_ANONYMOUS, MAP_FIXED, MAP_PRIVATE, MAP_SHARED, PROT_READ, PROT_WRITE

RW = PROT_READ | PROT_WRITE
ANON = MAP_PRIVATE | MAP_ANONYMOUS


def errno_of(call, *args) -> int:
    with pytest.raises(KernelError) as info:
        call(*args)
    return info.value.errno


def pte(mm: AddressSpace, va: int) -> int:
    addr = mm.pt.lookup(va)
    return mm.phys.words[addr >> 3] if addr >= 0 else 0


def layout(mm: AddressSpace) -> list[tuple[int, int, int]]:
    return [(v.start, v.end, v.prot) for v in mm.vmas]


def test_top_down_placement_and_merge():
    mm = new_mm()
    a = mm.mmap(0, 3 * PAGE_SIZE, RW, ANON)
    assert a == MMAP_BASE - 3 * PAGE_SIZE
    b = mm.mmap(0, PAGE_SIZE, RW, ANON)
    assert b == a - PAGE_SIZE
    assert layout(mm) == [(b, MMAP_BASE, RW)]  # adjacent anonymous areas merge like Linux
    big = mm.mmap(0, 2 << 20, RW, ANON)
    assert big % (2 << 20) == 0  # THP-aligned like Linux for 2 MiB multiples


def test_hint_and_fixed():
    mm = new_mm()
    assert mm.mmap(0x10000001, PAGE_SIZE, RW, ANON) == 0x10000000
    assert mm.mmap(0x10000000, PAGE_SIZE, RW, ANON) != 0x10000000  # taken: hint ignored
    assert mm.mmap(0x1000, PAGE_SIZE, RW, ANON) == 0x10000  # raised to mmap_min_addr
    assert mm.mmap(0x20000000, PAGE_SIZE, RW, ANON | MAP_FIXED) == 0x20000000
    assert errno_of(mm.mmap, 0x20000001, PAGE_SIZE, RW, ANON | MAP_FIXED) == errno.EINVAL
    assert errno_of(mm.mmap, 0x20000000, PAGE_SIZE, RW, ANON | mman.MAP_FIXED_NOREPLACE) == errno.EEXIST
    assert mm.mmap(0x20001000, PAGE_SIZE, RW, ANON | mman.MAP_FIXED_NOREPLACE) == 0x20001000


def test_mmap_errors():
    mm = new_mm()
    assert errno_of(mm.mmap, 0, 0, RW, ANON) == errno.EINVAL
    assert errno_of(mm.mmap, 0, PAGE_SIZE, RW, MAP_ANONYMOUS) == errno.EINVAL  # no type
    assert errno_of(mm.mmap, 0, PAGE_SIZE, RW, MAP_PRIVATE, BytesFile(b"x"), 100) == errno.EINVAL
    assert errno_of(mm.mmap, 0, 1 << 48, RW, ANON) == errno.ENOMEM
    assert errno_of(mm.mmap, TASK_SIZE - PAGE_SIZE, 2 * PAGE_SIZE, RW, ANON | MAP_FIXED) == errno.ENOMEM
    ro = BytesFile(b"x" * 100)
    ro.map_may_write = False
    assert errno_of(mm.mmap, 0, PAGE_SIZE, RW, MAP_SHARED, ro) == errno.EACCES
    addr = mm.mmap(0, PAGE_SIZE, PROT_READ, MAP_SHARED, ro)
    assert errno_of(mm.mprotect, addr, PAGE_SIZE, RW) == errno.EACCES


def test_demand_zero_and_fault_around():
    mm = new_mm()
    a = mm.mmap(0, 64 * PAGE_SIZE, RW, ANON)
    assert mm.rss == 0
    assert mm.handle_fault(a + 5 * PAGE_SIZE + 3, True, False)
    assert mm.rss == 16  # one aligned 16-page window
    entry = pte(mm, a + 5 * PAGE_SIZE)
    assert entry & (PTE_P | PTE_RW | PTE_US | PTE_NX) == PTE_P | PTE_RW | PTE_US | PTE_NX
    assert mm.read(a, 8) == bytes(8)


def test_fault_permissions_and_reasons():
    mm = new_mm()
    a = mm.mmap(0, PAGE_SIZE, PROT_READ, ANON)
    assert not mm.handle_fault(a, True, False)
    assert mm.fault_reason(a) == mman.SEGV_ACCERR
    assert not mm.handle_fault(a, False, True)  # no PROT_EXEC
    assert mm.handle_fault(a, False, False)
    assert not pte(mm, a) & PTE_RW
    assert not mm.handle_fault(0x1234000, False, False)
    assert mm.fault_reason(0x1234000) == mman.SEGV_MAPERR
    assert not mm.handle_fault(TASK_SIZE + 5, False, False)
    none = mm.mmap(0, PAGE_SIZE, mman.PROT_NONE, ANON)
    assert not mm.handle_fault(none, False, False)


def test_user_access_efault_and_cstring():
    mm = new_mm()
    a = mm.mmap(0, 2 * PAGE_SIZE, RW, ANON)
    mm.write(a + PAGE_SIZE - 3, b"abcdef\0tail")
    assert mm.read(a + PAGE_SIZE - 3, 11) == b"abcdef\0tail"
    assert mm.read_cstring(a + PAGE_SIZE - 3) == b"abcdef"
    assert errno_of(mm.read_cstring, a + PAGE_SIZE - 3, 4) == errno.ENAMETOOLONG
    assert errno_of(mm.read, a + PAGE_SIZE, PAGE_SIZE + 1) == errno.EFAULT  # runs off the end
    assert errno_of(mm.read, 0, 1) == errno.EFAULT
    assert errno_of(mm.write, TASK_SIZE - 2, b"1234") == errno.EFAULT
    assert errno_of(mm.read, -1, 4) == errno.EFAULT
    ro = mm.mmap(0, PAGE_SIZE, PROT_READ, ANON)
    assert mm.read(ro, 4) == bytes(4)
    assert errno_of(mm.write, ro, b"x") == errno.EFAULT
    mm.write(a + 2 * PAGE_SIZE - 4, b"wxyz")
    assert errno_of(mm.read_cstring, a + 2 * PAGE_SIZE - 4) == errno.EFAULT
    assert mm.read(a, 0) == b""


def test_munmap_splits_and_logs():
    phys = new_phys()
    mm = new_mm(phys)
    a = mm.mmap(0, 8 * PAGE_SIZE, RW, ANON)
    mm.write(a, bytes(range(256)) * 128)  # touch all 8 pages
    phys.flush_log.take()
    mm.munmap(a + 2 * PAGE_SIZE, 3 * PAGE_SIZE)
    assert layout(mm) == [(a, a + 2 * PAGE_SIZE, RW), (a + 5 * PAGE_SIZE, a + 8 * PAGE_SIZE, RW)]
    ptes, tables = phys.flush_log.take()
    assert len(ptes) == 3 and not tables
    assert errno_of(mm.read, a + 2 * PAGE_SIZE, 1) == errno.EFAULT
    assert mm.read(a + 5 * PAGE_SIZE, 4) == bytes(range(256))[:4]
    assert mm.rss == 5
    assert errno_of(mm.munmap, a + 1, PAGE_SIZE) == errno.EINVAL
    assert errno_of(mm.munmap, a, 0) == errno.EINVAL
    mm.munmap(0x100000, PAGE_SIZE)  # nothing there: fine


def test_mprotect_split_restrict_and_merge_back():
    phys = new_phys()
    mm = new_mm(phys)
    a = mm.mmap(0, 4 * PAGE_SIZE, RW, ANON)
    mm.write(a, b"x" * 4 * PAGE_SIZE)
    phys.flush_log.take()
    mm.mprotect(a + PAGE_SIZE, PAGE_SIZE, PROT_READ)
    assert layout(mm) == [(a, a + PAGE_SIZE, RW), (a + PAGE_SIZE, a + 2 * PAGE_SIZE, PROT_READ),
                          (a + 2 * PAGE_SIZE, a + 4 * PAGE_SIZE, RW)]
    assert not pte(mm, a + PAGE_SIZE) & PTE_RW
    ptes, _ = phys.flush_log.take()
    assert ptes == [mm.pt.lookup(a + PAGE_SIZE)]
    assert errno_of(mm.write, a + PAGE_SIZE, b"y") == errno.EFAULT
    mm.mprotect(a + PAGE_SIZE, PAGE_SIZE, mman.PROT_NONE)
    assert not pte(mm, a + PAGE_SIZE) & PTE_P
    assert phys.flush_log.take()[0] == [mm.pt.lookup(a + PAGE_SIZE)]  # RO -> absent
    assert errno_of(mm.read, a + PAGE_SIZE, 1) == errno.EFAULT
    mm.mprotect(a + PAGE_SIZE, PAGE_SIZE, RW)
    assert layout(mm) == [(a, a + 4 * PAGE_SIZE, RW)]
    assert mm.read(a + PAGE_SIZE, 2) == b"xx"  # data survived PROT_NONE
    assert not phys.flush_log  # absent -> RW is permissive: nothing to flush
    assert errno_of(mm.mprotect, a + 1, PAGE_SIZE, RW) == errno.EINVAL
    assert errno_of(mm.mprotect, a, PAGE_SIZE, 0x10) == errno.EINVAL
    assert errno_of(mm.mprotect, a - PAGE_SIZE, 2 * PAGE_SIZE, PROT_READ) == errno.ENOMEM
    # a hole: the part before it is changed, then ENOMEM
    mm.mmap(a + 5 * PAGE_SIZE, PAGE_SIZE, RW, ANON | MAP_FIXED)
    assert errno_of(mm.mprotect, a, 6 * PAGE_SIZE, PROT_READ) == errno.ENOMEM
    assert mm.vma_at(a).prot == PROT_READ and mm.vma_at(a + 5 * PAGE_SIZE).prot == RW


def test_fork_copy_on_write_isolation():
    phys = new_phys()
    parent = new_mm(phys)
    a = parent.mmap(0, 2 * PAGE_SIZE, RW, ANON)
    parent.write(a, b"parent")
    shared = parent.mmap(0, PAGE_SIZE, RW, MAP_SHARED | MAP_ANONYMOUS)
    parent.write(shared, b"one")
    phys.flush_log.take()
    child = parent.fork()
    assert pte(parent, a) & PTE_RW == 0 and pte(child, a) & PTE_RW == 0
    assert phys.flush_log.take()[0]  # the parent's RW->RO downgrades were logged
    child.write(a, b"CHILD!")
    assert parent.read(a, 6) == b"parent" and child.read(a, 6) == b"CHILD!"
    parent.write(a, b"PARENT")  # sole owner again: no copy needed
    assert parent.read(a, 6) == b"PARENT" and child.read(a, 6) == b"CHILD!"
    child.write(shared, b"two")
    assert parent.read(shared, 3) == b"two"  # MAP_SHARED stays shared
    later = child.read(a + PAGE_SIZE, 1)  # untouched page faults independently
    assert later == b"\0"
    child.release()
    parent.release()
    assert phys.free_frames == phys.total_frames


def test_shared_anon_pages_created_after_fork_are_shared():
    phys = new_phys()
    parent = new_mm(phys)
    shared = parent.mmap(0, 4 * PAGE_SIZE, RW, MAP_SHARED | MAP_ANONYMOUS)
    child = parent.fork()
    child.write(shared + 3 * PAGE_SIZE, b"late")
    assert parent.read(shared + 3 * PAGE_SIZE, 4) == b"late"
    parent.release()
    assert child.read(shared + 3 * PAGE_SIZE, 4) == b"late"
    child.release()
    assert phys.free_frames == phys.total_frames


def test_dontfork_and_wipeonfork():
    mm = new_mm()
    a = mm.mmap(0, PAGE_SIZE, RW, ANON)
    b = mm.mmap(0, PAGE_SIZE, RW, ANON)
    mm.write(a, b"keep")
    mm.write(b, b"wipe")
    mm.madvise(a, PAGE_SIZE, mman.MADV_DONTFORK)
    mm.madvise(b, PAGE_SIZE, mman.MADV_WIPEONFORK)
    child = mm.fork()
    assert child.vma_at(a) is None
    assert child.read(b, 4) == bytes(4)
    assert mm.read(b, 4) == b"wipe"


def test_brk():
    phys = new_phys()
    mm = new_mm(phys)
    base = 0x600000
    mm.set_brk_base(base)
    assert mm.brk(0) == base
    assert mm.brk(base + 10) == base + 10
    mm.write(base, b"heap")
    assert mm.maps_lines()[0].endswith("[heap]")
    assert mm.brk(base + 3 * PAGE_SIZE) == base + 3 * PAGE_SIZE
    assert layout(mm) == [(base, base + 3 * PAGE_SIZE, RW)]
    mm.write(base + 2 * PAGE_SIZE, b"x")
    assert mm.brk(base + 5) == base + 5
    assert errno_of(mm.read, base + PAGE_SIZE, 1) == errno.EFAULT
    assert mm.read(base, 4) == b"heap"
    mm.mmap(base + 4 * PAGE_SIZE, PAGE_SIZE, RW, ANON | MAP_FIXED)
    assert mm.brk(base + 4 * PAGE_SIZE) == base + 5  # no page left before the next mapping
    assert mm.brk(base + 3 * PAGE_SIZE) == base + 3 * PAGE_SIZE
    assert mm.brk(base + 5) == base + 5
    assert mm.brk(base - 1) == base + 5
    mm.release()
    assert phys.free_frames == phys.total_frames


def test_stack_growth():
    mm = new_mm()
    top = 0x7FFFFFFFF000
    mm.mmap(top - PAGE_SIZE, PAGE_SIZE, RW, ANON | MAP_FIXED | mman.MAP_GROWSDOWN)
    assert mm.handle_fault(top - 100 * PAGE_SIZE, True, False)
    assert mm.vmas[-1].start == top - 100 * PAGE_SIZE
    mm.write(top - 200 * PAGE_SIZE, b"deep")  # the kernel's accesses grow it too
    assert not mm.handle_fault(top - (8 << 20) - PAGE_SIZE, True, False)  # rlimit
    assert mm.fault_reason(top - (8 << 20) - PAGE_SIZE) == mman.SEGV_MAPERR
    # a mapping within the guard gap below stops growth
    mm.mmap(top - (4 << 20), PAGE_SIZE, RW, ANON | MAP_FIXED)
    assert not mm.handle_fault(top - (4 << 20) + 2 * PAGE_SIZE, True, False)


def test_private_file_mapping_and_cow():
    data = bytes(range(256)) * 40  # 10240 bytes: 2.5 pages
    file = BytesFile(data)
    mm = new_mm()
    a = mm.mmap(0, 4 * PAGE_SIZE, RW, MAP_PRIVATE, file, 0)
    assert mm.read(a, 16) == data[:16]
    assert mm.read(a + 2 * PAGE_SIZE, 2048) == data[8192:] + bytes(2048 - len(data[8192:]))
    mm.write(a, b"private")
    assert file.data == data  # private writes never reach the file
    off = mm.mmap(0, PAGE_SIZE, PROT_READ, MAP_PRIVATE, file, PAGE_SIZE)
    assert mm.read(off, 4) == data[4096:4100]
    line = mm.maps_lines()[0]
    assert line.startswith(f"{off:08x}-{off + PAGE_SIZE:08x} r--p 00001000 08:01 7 ")
    assert line[73:] == "/file"


def test_madvise_dontneed():
    mm = new_mm()
    a = mm.mmap(0, 2 * PAGE_SIZE, RW, ANON)
    mm.write(a, b"gone")
    mm.madvise(a, 2 * PAGE_SIZE, mman.MADV_DONTNEED)
    assert mm.read(a, 4) == bytes(4)
    file = BytesFile(b"file contents")
    f = mm.mmap(0, PAGE_SIZE, RW, MAP_PRIVATE, file)
    mm.write(f, b"FILE")
    mm.madvise(f, PAGE_SIZE, mman.MADV_DONTNEED)
    assert mm.read(f, 13) == b"file contents"
    assert errno_of(mm.madvise, a, PAGE_SIZE, 999) == errno.EINVAL
    assert errno_of(mm.madvise, a + 1, PAGE_SIZE, mman.MADV_NORMAL) == errno.EINVAL
    assert errno_of(mm.madvise, 0x100000, PAGE_SIZE, mman.MADV_DONTNEED) == errno.ENOMEM
    assert errno_of(mm.madvise, f, PAGE_SIZE, mman.MADV_FREE) == errno.EINVAL


def test_mremap_grow_shrink_move():
    phys = new_phys()
    mm = new_mm(phys)
    a = mm.mmap(0x10000000, 2 * PAGE_SIZE, RW, ANON)
    mm.write(a, b"data")
    assert mm.mremap(a, 2 * PAGE_SIZE, 4 * PAGE_SIZE, 0) == a  # grows in place
    assert layout(mm) == [(a, a + 4 * PAGE_SIZE, RW)]
    assert mm.mremap(a, 4 * PAGE_SIZE, PAGE_SIZE, 0) == a
    mm.mmap(a + PAGE_SIZE, PAGE_SIZE, RW, ANON | MAP_FIXED)
    mm.mprotect(a + PAGE_SIZE, PAGE_SIZE, PROT_READ)  # different: blocks growth, no merge
    assert errno_of(mm.mremap, a, PAGE_SIZE, 2 * PAGE_SIZE, 0) == errno.ENOMEM
    moved = mm.mremap(a, PAGE_SIZE, 3 * PAGE_SIZE, mman.MREMAP_MAYMOVE)
    assert moved != a and mm.read(moved, 4) == b"data"
    assert mm.vma_at(a) is None
    fixed = mm.mremap(moved, 3 * PAGE_SIZE, 3 * PAGE_SIZE, mman.MREMAP_MAYMOVE | mman.MREMAP_FIXED, 0x30000000)
    assert fixed == 0x30000000 and mm.read(fixed, 4) == b"data"
    assert errno_of(mm.mremap, 0x50000000, PAGE_SIZE, 2 * PAGE_SIZE, mman.MREMAP_MAYMOVE) == errno.EFAULT
    assert errno_of(mm.mremap, fixed, PAGE_SIZE, PAGE_SIZE, mman.MREMAP_FIXED) == errno.EINVAL
    mm.release()
    assert phys.free_frames == phys.total_frames


def test_flush_log_coalesces_and_release_logs_tables():
    phys = new_phys()
    mm = new_mm(phys)
    a = mm.mmap(0x40000000, 64 * PAGE_SIZE, RW, ANON)
    mm.write(a, bytes(64 * PAGE_SIZE))
    phys.flush_log.take()
    mm.mprotect(a, 64 * PAGE_SIZE, PROT_READ)
    ptes, tables = phys.flush_log.take()
    assert not ptes and tables == [mm.pt.lookup(a) & ~0xFFF]  # one table instead of 64 PTEs
    root = mm.root
    mm.release()
    _, tables = phys.flush_log.take()
    assert root in tables and len(tables) == 4  # PML4, PDPT, PD, PT
    assert phys.free_frames == phys.total_frames


def test_populate_and_oom():
    phys = new_phys(1 << 20)  # 256 frames, 16 for the platform
    mm = new_mm(phys)
    with pytest.raises(KernelError) as info:
        mm.mmap(0, 1 << 20, RW, ANON | mman.MAP_POPULATE)
    assert info.value.errno == errno.ENOMEM
    mm.release()
    assert phys.free_frames == phys.total_frames


def test_maps_lines_shared_anon():
    mm = new_mm()
    addr = mm.mmap(0, PAGE_SIZE, RW, MAP_SHARED | MAP_ANONYMOUS)
    line = mm.maps_lines()[0]
    assert line.startswith(f"{addr:08x}-{addr + PAGE_SIZE:08x} rw-s 00000000 00:01 ")
    assert line.endswith(" /dev/zero (deleted)") and line.index("/dev") == 73
    anon = mm.mmap(0, PAGE_SIZE, PROT_READ, ANON)
    assert mm.maps_lines()[0] == f"{anon:08x}-{anon + PAGE_SIZE:08x} r--p 00000000 00:00 0 "


def test_map_special_platform_frames():
    phys = new_phys()
    mm = new_mm(phys)
    phys.ram[0x3000:0x3004] = b"vdso"
    mm.map_special(0x7FFFF7FC0000, [0x3000], mman.PROT_READ | mman.PROT_EXEC, "[vdso]")
    assert mm.read(0x7FFFF7FC0000, 4) == b"vdso"
    assert mm.maps_lines()[0].endswith(" [vdso]")
    child = mm.fork()
    assert child.read(0x7FFFF7FC0000, 4) == b"vdso"
    child.release()
    mm.release()
    assert phys.free_frames == phys.total_frames


def test_cow_break_by_kernel_write_is_logged():
    phys = new_phys()
    parent = new_mm(phys)
    a = parent.mmap(0, PAGE_SIZE, RW, ANON)
    parent.write(a, b"x")
    child = parent.fork()
    phys.flush_log.take()
    child.write(a, b"y")  # e.g. read(2) into a COW buffer: the old RO translation must go
    assert phys.flush_log.take()[0] == [child.pt.lookup(a)]


def test_populate_prot_none_and_special_dontneed():
    mm = new_mm()
    addr = mm.mmap(0, 2 * PAGE_SIZE, mman.PROT_NONE, ANON | mman.MAP_POPULATE)
    assert mm.rss == 0 and mm.vma_at(addr) is not None
    mm.mmap(0, 2 * PAGE_SIZE, RW, ANON | mman.MAP_POPULATE)
    assert mm.rss == 2
    mm.map_special(0x7FFFF7FC0000, [0x3000], mman.PROT_READ, "[vvar]")
    assert errno_of(mm.madvise, 0x7FFFF7FC0000, PAGE_SIZE, mman.MADV_DONTNEED) == errno.EINVAL
