"""Virtual memory areas: one contiguous range of an address space with one set of attributes,
and the Backing protocol file mappings read from.

A private mapping keeps its pages only in the page tables (anonymous zero pages, copies of
file pages, copy-on-write shared frames after fork). A shared mapping's pages live in a
SharedPages object (mm/shared_pages.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from pykerla.mm.mman import PROT_EXEC, PROT_READ, PROT_RWX, PROT_WRITE

if TYPE_CHECKING:
    from pykerla.mm.shared_pages import SharedPages


class Backing(Protocol):
    """What a file-backed mapping reads from (VFS open files implement it).

    Optional attributes, read with getattr:
      map_name (str, the path shown in /proc/pid/maps), map_dev (int, st_dev as stat(2)
      reports it), map_ino (int);
      map_may_write (bool, False when a MAP_SHARED mapping must never become writable:
      the file was not opened for writing);
      pwrite(offset, data) and size: write-back of MAP_SHARED stores into the file;
      inode: the file's identity, an object with a writable `page_cache` attribute (None
      when unmapped) where the SharedPages of the file is kept while mapped, so that all
      shared mappings of the file share frames and the VFS can keep read()/write()
      coherent with them (see mm/shared_pages.py).
    """

    def pread(self, offset: int, size: int) -> bytes:
        """Up to size bytes at offset (short at end of file)."""
        ...


# VMA flags (a subset of Linux's VM_* that this kernel needs).
VM_SHARED = 1 << 0
VM_GROWSDOWN = 1 << 1
VM_DONTFORK = 1 << 2
VM_WIPEONFORK = 1 << 3
VM_NOWRITE = 1 << 4  # shared file mapping of a file not open for writing (no VM_MAYWRITE)
VM_LOCKED = 1 << 5
VM_NORESERVE = 1 << 6  # MAP_NORESERVE: never charged
VM_ACCOUNT = 1 << 7  # charged private writable memory; charged and uncharged areas never merge

# VMA kinds: areas of different kinds never merge ([heap] stays apart from .bss like Linux).
KIND_MAP = "map"
KIND_HEAP = "heap"


@dataclass(slots=True, eq=False)
class Vma:
    start: int
    end: int
    prot: int  # PROT_READ | PROT_WRITE | PROT_EXEC
    flags: int  # VM_*
    backing: Backing | None = None
    offset: int = 0  # byte offset in the backing file / shared object of `start`
    shared: SharedPages | None = None
    kind: str = KIND_MAP
    name: str | None = None  # fixed name for special mappings ([vdso], [vvar])

    @property
    def accessible(self) -> bool:
        return bool(self.prot & PROT_RWX)

    @property
    def is_shared(self) -> bool:
        return bool(self.flags & VM_SHARED)

    @property
    def is_anonymous(self) -> bool:
        return self.backing is None

    def allows(self, write: bool, fetch: bool) -> bool:
        """Would the CPU allow this access (x86: any permission implies read)?"""
        if write:
            return bool(self.prot & PROT_WRITE)
        if fetch:
            return bool(self.prot & PROT_EXEC)
        return bool(self.prot & (PROT_READ | PROT_WRITE | PROT_EXEC))

    def offset_of(self, va: int) -> int:
        """Offset in the backing object of virtual address va."""
        return self.offset + (va - self.start)

    def split_copy(self, start: int, end: int) -> Vma:
        """A VMA for the sub-range [start, end) with the same attributes."""
        if self.shared is not None:
            self.shared.users += 1
        return Vma(start, end, self.prot, self.flags, self.backing, self.offset_of(start), self.shared,
                   self.kind, self.name)

    def can_merge_after(self, other: Vma) -> bool:
        """Can `other`, starting where self ends, be merged into self?"""
        if (self.end != other.start or self.prot != other.prot or self.flags != other.flags
                or self.backing is not other.backing or self.shared is not other.shared
                or self.kind != other.kind or self.name is not None or other.name is not None):
            return False
        if self.backing is None and self.shared is None:
            return True
        return self.offset_of(self.end) == other.offset
