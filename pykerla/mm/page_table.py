"""The 4-level page tables of one address space, kept in guest physical memory.

Only the user half (PML4 entries 0..255) is owned here; the upper half is copied from
the platform and never touched again. Intermediate entries are always present, writable
and user-accessible (PTE_TABLE): permissions live in the leaf entries only.

Leaf entry convention: 0 = nothing mapped; any other value holds a frame (its address
bits), present or not (a PROT_NONE page keeps its frame in a non-present entry).
Clearing entries logs them in the TLB flush log; freed table pages are logged whole.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from pykerla.arch.x64.paging import (
    PAGE_SIZE,
    PML4_SHIFT,
    PT_SHIFT,
    PTE_ADDR_MASK,
    PTE_P,
    PTE_TABLE,
    USER_PML4_ENTRIES,
    USER_SPACE_END,
)
from pykerla.mm.physical import PhysicalMemory

_TABLE_SPAN = PAGE_SIZE * 512  # bytes of address space one leaf table maps


class PageTable:
    """Page tables rooted at `root` (the PML4, i.e. CR3)."""

    __slots__ = ("phys", "words", "root")

    def __init__(self, phys: PhysicalMemory, kernel_pml4_entries: dict[int, int]) -> None:
        self.phys = phys
        self.words = phys.words
        self.root = phys.alloc()
        for index, entry in kernel_pml4_entries.items():
            if not USER_PML4_ENTRIES <= index < 512:
                raise ValueError(f"kernel PML4 entry {index} is in the user half")
            self.words[(self.root >> 3) + index] = entry

    def lookup(self, va: int) -> int:
        """Physical address of the leaf entry for va, or -1 if a table on the way is missing."""
        q = self.words
        entry = q[(self.root >> 3) + ((va >> 39) & 511)]
        if not entry & PTE_P:
            return -1
        entry = q[((entry & PTE_ADDR_MASK) >> 3) + ((va >> 30) & 511)]
        if not entry & PTE_P:
            return -1
        entry = q[((entry & PTE_ADDR_MASK) >> 3) + ((va >> 21) & 511)]
        if not entry & PTE_P:
            return -1
        return (entry & PTE_ADDR_MASK) + (((va >> 12) & 511) << 3)

    def lookup_alloc(self, va: int) -> int:
        """Physical address of the leaf entry for va, creating missing tables."""
        q = self.words
        table = self.root
        for shift in (39, 30, 21):
            index = (table >> 3) + ((va >> shift) & 511)
            entry = q[index]
            if not entry & PTE_P:
                child = self.phys.alloc()
                q[index] = child | PTE_TABLE
                table = child
            else:
                table = entry & PTE_ADDR_MASK
        return table + (((va >> 12) & 511) << 3)

    def leaf_tables(self, start: int, end: int) -> Iterator[tuple[int, int, int]]:
        """For each existing leaf table meeting [start, end): (pte_paddr, va, count) of the
        first entry in range, its virtual address and how many entries are in range."""
        va = start
        while va < end:
            table_end = min((va | (_TABLE_SPAN - 1)) + 1, end)
            pte = self.lookup(va)
            if pte >= 0:
                yield pte, va, (table_end - va) >> PT_SHIFT
                va = table_end
            else:
                va = self._next_present(va, end)

    def _next_present(self, va: int, end: int) -> int:
        """The first address >= va (aligned to a 2 MiB leaf-table span) whose leaf table may
        exist, skipping whole missing upper-level tables."""
        q = self.words
        table = self.root
        for shift in (39, 30, 21):
            entry = q[(table >> 3) + ((va >> shift) & 511)]
            if not entry & PTE_P:
                return min(((va >> shift) + 1) << shift, end)
            table = entry & PTE_ADDR_MASK
        return va  # unreachable for a va whose leaf table is missing

    def clear(self, start: int, end: int, on_leaf: Callable[[int], None]) -> None:
        """Clear every leaf entry in [start, end) (page aligned), calling on_leaf(entry) for
        each non-zero one; free the tables whose whole span lies inside the range."""
        self._clear(self.root, PML4_SHIFT, 0, start, min(end, USER_SPACE_END), on_leaf, True)

    def _clear(self, table: int, shift: int, base: int, start: int, end: int,
               on_leaf: Callable[[int], None], log_leaves: bool) -> None:
        q = self.words
        log = self.phys.flush_log
        span = 1 << shift
        first = (max(start, base) - base) >> shift
        last = (min(end, base + (span << 9)) - 1 - base) >> shift
        tindex = table >> 3
        if shift == PT_SHIFT:
            entries = q[tindex + first : tindex + last + 1].tolist()
            for i, entry in enumerate(entries, first):
                if entry:
                    q[tindex + i] = 0
                    on_leaf(entry)
                    if log_leaves and entry & PTE_P:
                        log.pte(table + (i << 3))
            return
        for i in range(first, last + 1):
            entry = q[tindex + i]
            if not entry & PTE_P:
                continue
            va = base + (i << shift)
            child = entry & PTE_ADDR_MASK
            whole = start <= va and va + span <= end
            self._clear(child, shift - 9, va, start, end, on_leaf, log_leaves and not whole)
            if whole:
                q[tindex + i] = 0
                log.table(child)
                self.phys.unref(child)

    def destroy(self, on_leaf: Callable[[int], None]) -> None:
        """Clear all user mappings and free every table including the root."""
        self.clear(0, USER_SPACE_END, on_leaf)
        self.phys.flush_log.table(self.root)
        self.phys.unref(self.root)
        self.root = -1
