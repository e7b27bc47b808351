"""Physical memory: the reference-counted frame allocator over guest RAM, and the TLB flush log.

Frames [first_frame, nframes) of the guest RAM buffer belong to the kernel; lower ones are
the platform's. Frames that were never handed out are assumed to hold zeros (guest RAM is
a fresh anonymous mapping), so allocating them costs nothing and host memory stays lazy.

The flush log records page-table changes that make access *more restrictive*; the platform
turns it into whatever makes the (shadow) TLB forget them before user code runs again.
"""

from __future__ import annotations

import errno

from pykerla.arch.x64.paging import PAGE_MASK, PAGE_SHIFT, PAGE_SIZE
from pykerla.errors import KernelError

ZERO_PAGE = bytes(PAGE_SIZE)

# Beyond this many logged entries in one page-table page, dropping the whole table is
# cheaper than one store per entry.
PTE_LOG_COALESCE = 16


class TlbFlushLog:
    """Pending invalidations the platform must apply before user code runs again."""

    __slots__ = ("_ptes", "_tables")

    def __init__(self) -> None:
        self._ptes: dict[int, set[int]] = {}  # table page -> PTE addresses in it
        self._tables: set[int] = set()

    def pte(self, pte_paddr: int) -> None:
        """The PTE at this physical address became more restrictive."""
        table = pte_paddr & PAGE_MASK
        if table in self._tables:
            return
        entries = self._ptes.setdefault(table, set())
        entries.add(pte_paddr)
        if len(entries) > PTE_LOG_COALESCE:
            self.table(table)

    def table(self, table_paddr: int) -> None:
        """Drop every mapping under this page-table page (freed or mass-changed)."""
        self._tables.add(table_paddr)
        self._ptes.pop(table_paddr, None)

    def take(self) -> tuple[list[int], list[int]]:
        """(pte_paddrs, table_paddrs) logged so far; the log is emptied."""
        ptes = [p for entries in self._ptes.values() for p in entries]
        tables = list(self._tables)
        self._ptes.clear()
        self._tables.clear()
        return ptes, tables

    def __bool__(self) -> bool:
        return bool(self._ptes or self._tables)


class PhysicalMemory:
    """Frames of guest RAM with reference counts; a frame is freed when its count drops to 0."""

    def __init__(self, ram: memoryview, first_frame: int, nframes: int) -> None:
        if ram.format != "B" or len(ram) < nframes * PAGE_SIZE or not 0 <= first_frame <= nframes:
            raise ValueError("PhysicalMemory: bad RAM view or frame range")
        self.ram = ram
        self.words = ram[: nframes * PAGE_SIZE].cast("Q")  # 64-bit view for page-table entries
        self.flush_log = TlbFlushLog()
        self.total_frames = nframes - first_frame
        self._first = first_frame
        self._end = nframes
        self._fresh = first_frame  # frames from here on were never allocated
        self._free: list[int] = []  # freed frame numbers (LIFO: reuse cache-warm frames)
        self._refs = [0] * nframes

    @property
    def free_frames(self) -> int:
        return len(self._free) + self._end - self._fresh

    def alloc(self, zero: bool = True) -> int:
        """A new frame with reference count 1; its physical address. ENOMEM when RAM is full."""
        if self._free:
            frame = self._free.pop()
            if zero:
                base = frame << PAGE_SHIFT
                self.ram[base : base + PAGE_SIZE] = ZERO_PAGE
        elif self._fresh < self._end:
            frame = self._fresh
            self._fresh += 1
        else:
            raise KernelError(errno.ENOMEM, "out of guest physical memory")
        self._refs[frame] = 1
        return frame << PAGE_SHIFT

    def ref(self, paddr: int) -> None:
        """One more user of the frame; no-op for the platform's frames (below first_frame)."""
        frame = paddr >> PAGE_SHIFT
        if frame < self._first:
            return
        if self._refs[frame] <= 0:
            raise ValueError(f"ref of free frame {paddr:#x}")
        self._refs[frame] += 1

    def unref(self, paddr: int) -> None:
        """One user fewer; the frame is freed at zero. No-op for the platform's frames."""
        frame = paddr >> PAGE_SHIFT
        if frame < self._first:
            return
        count = self._refs[frame] - 1
        if count < 0:
            raise ValueError(f"unref of free frame {paddr:#x}")
        self._refs[frame] = count
        if count == 0:
            self._free.append(frame)

    def refcount(self, paddr: int) -> int:
        return self._refs[paddr >> PAGE_SHIFT]

    def page(self, paddr: int) -> memoryview:
        """The 4 KiB frame at paddr as a writable view."""
        return self.ram[paddr : paddr + PAGE_SIZE]
