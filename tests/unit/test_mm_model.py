"""Random mmap/munmap/mprotect/write/fork sequences against a page-level model of memory."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from test_mm_support import new_mm, new_phys

from pykerla.arch.x64.paging import PAGE_SIZE, PTE_P
from pykerla.errors import KernelError
from pykerla.mm import mman

BASE = 0x10000000
PAGES = 48
ANON = mman.MAP_PRIVATE | mman.MAP_ANONYMOUS | mman.MAP_FIXED

page = st.integers(0, PAGES - 1)
ops = st.lists(st.one_of(
    st.tuples(st.just("mmap"), page, st.integers(1, 8), st.sampled_from([0, 1, 3])),
    st.tuples(st.just("munmap"), page, st.integers(1, 8), st.just(0)),
    st.tuples(st.just("mprotect"), page, st.integers(1, 8), st.sampled_from([0, 1, 3])),
    st.tuples(st.just("write"), page, st.integers(1, 3), st.integers(1, 255)),
    st.tuples(st.just("fork"), page, st.just(0), st.just(0)),
), max_size=40)


def check_invariants(mm) -> None:
    starts = [(v.start, v.end) for v in mm.vmas]
    assert all(s < e for s, e in starts)
    assert all(a[1] <= b[0] for a, b in zip(starts, starts[1:], strict=False))
    present = 0
    for pte, _va, count in mm.pt.leaf_tables(0, 1 << 47):
        present += sum(1 for e in mm.phys.words[pte >> 3 : (pte >> 3) + count].tolist() if e)
    assert present == mm.rss


@settings(max_examples=200, deadline=None)
@given(ops)
def test_random_operations_match_model(operations):
    phys = new_phys(16 << 20)
    mm = new_mm(phys)
    others = []
    prot: dict[int, int] = {}  # page -> prot for mapped pages
    data: dict[int, int] = {}  # page -> byte value written (absent = zero)
    for op, first, count, arg in operations:
        pages = range(first, min(first + count, PAGES))
        addr, length = BASE + first * PAGE_SIZE, len(pages) * PAGE_SIZE
        if op == "mmap":
            mm.mmap(addr, length, arg, ANON)
            for p in pages:
                prot[p] = arg
                data.pop(p, None)
        elif op == "munmap":
            mm.munmap(addr, length)
            for p in pages:
                prot.pop(p, None)
                data.pop(p, None)
        elif op == "mprotect":
            try:
                mm.mprotect(addr, length, arg)
                assert all(p in prot for p in pages)
            except KernelError:
                assert not all(p in prot for p in pages)
            for p in pages:
                if p not in prot:
                    break
                prot[p] = arg
        elif op == "write":
            writable = all(prot.get(p, 0) & mman.PROT_WRITE for p in pages)
            try:
                mm.write(addr, bytes([arg]) * length)
                assert writable
            except KernelError:
                assert not writable
            for p in pages:
                if not prot.get(p, 0) & mman.PROT_WRITE:
                    break
                data[p] = arg
        else:
            others.append((mm.fork(), dict(data)))
        check_invariants(mm)
    for p in range(PAGES):
        addr = BASE + p * PAGE_SIZE
        entry_addr = mm.pt.lookup(addr)
        if prot.get(p, 0) & mman.PROT_READ:
            assert mm.read(addr, PAGE_SIZE) == bytes([data.get(p, 0)]) * PAGE_SIZE
        elif entry_addr >= 0:
            assert not mm.phys.words[entry_addr >> 3] & PTE_P
    for child, snapshot in others:
        for p, value in snapshot.items():
            vma = child.vma_at(BASE + p * PAGE_SIZE)
            if vma is not None and vma.prot & mman.PROT_READ:
                assert child.read(BASE + p * PAGE_SIZE, 1) == bytes([value])
        child.release()
    mm.release()
    assert phys.free_frames == phys.total_frames
