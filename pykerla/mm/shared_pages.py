"""The page store behind MAP_SHARED mappings (a small page cache).

A SharedPages holds the frames of one shared object by page index, filled on first use
(zeros for shared anonymous memory, file contents for files) and referenced once by the
store; every VMA mapping the object (across fork, mremap, splits and, for files, across
processes) uses the same frames. `users` counts those VMAs; with the last one gone, stores
are written back to the file and the frames released.

For a file, the store is kept in `backing.inode.page_cache` while mapped. The VFS keeps
read()/write() coherent with mapped stores by calling, when inode.page_cache is set:
    writeback()                     before reading file data (mapped stores reach the file)
    file_written(offset, data)      after writing file data (mappings see the new bytes)
    file_truncated(size)            after a size change (bytes past EOF read as zero)
"""

from __future__ import annotations

from pykerla.arch.x64.paging import PAGE_SHIFT, PAGE_SIZE
from pykerla.mm.physical import ZERO_PAGE, PhysicalMemory
from pykerla.mm.vma import Backing


class SharedPages:
    """Frames of one MAP_SHARED object by page index."""

    __slots__ = ("phys", "backing", "pages", "users", "writable", "ident")

    _next_ident = 1

    def __init__(self, phys: PhysicalMemory, backing: Backing | None) -> None:
        self.phys = phys
        self.backing = backing
        self.pages: dict[int, int] = {}
        self.users = 0
        self.writable = False  # some mapping could store into the pages: write them back
        self.ident = SharedPages._next_ident  # inode number shown for shared anonymous maps
        SharedPages._next_ident += 1

    @staticmethod
    def attach(phys: PhysicalMemory, backing: Backing | None) -> SharedPages:
        """The store for a new shared mapping of backing (None: a fresh anonymous object);
        a file already mapped shared elsewhere gets the existing store."""
        inode = getattr(backing, "inode", None)
        pages = getattr(inode, "page_cache", None)
        if pages is None:
            pages = SharedPages(phys, backing)
            if inode is not None and hasattr(inode, "page_cache"):
                inode.page_cache = pages
        pages.users += 1
        return pages

    @staticmethod
    def of_backing(backing: Backing) -> SharedPages | None:
        """The store of a file currently mapped shared, if any."""
        return getattr(getattr(backing, "inode", None), "page_cache", None)

    def frame(self, index: int) -> int:
        """The frame holding page `index`, created (zero or file contents) when missing."""
        paddr = self.pages.get(index)
        if paddr is None:
            if self.backing is None:
                paddr = self.phys.alloc()
            else:
                data = self.backing.pread(index << PAGE_SHIFT, PAGE_SIZE)
                paddr = self.phys.alloc(zero=len(data) < PAGE_SIZE)
                self.phys.ram[paddr : paddr + len(data)] = data
            self.pages[index] = paddr
        return paddr

    def read(self, offset: int, size: int) -> bytes:
        """File bytes [offset, offset + size) as mappings see them (for private copies)."""
        assert self.backing is not None
        data = bytearray(self.backing.pread(offset, size))
        for index in range(offset >> PAGE_SHIFT, (offset + len(data) + PAGE_SIZE - 1) >> PAGE_SHIFT):
            paddr = self.pages.get(index)
            if paddr is not None:
                self._copy_out(paddr, index << PAGE_SHIFT, offset, data)
        return bytes(data)

    def _copy_out(self, paddr: int, page_offset: int, offset: int, data: bytearray) -> None:
        lo = max(page_offset, offset)
        hi = min(page_offset + PAGE_SIZE, offset + len(data))
        if lo < hi:
            data[lo - offset : hi - offset] = self.phys.ram[paddr + lo - page_offset : paddr + hi - page_offset]

    def writeback(self) -> None:
        """Store the cached pages into the file (up to its size; the file never grows)."""
        pwrite = getattr(self.backing, "pwrite", None)
        if not self.writable or pwrite is None:
            return
        size = self.backing.size  # type: ignore[union-attr]
        ram = self.phys.ram
        for index in sorted(self.pages):
            start = index << PAGE_SHIFT
            if start < size:
                paddr = self.pages[index]
                pwrite(start, ram[paddr : paddr + min(PAGE_SIZE, size - start)].tobytes())

    def file_written(self, offset: int, data: bytes) -> None:
        """The file's bytes at offset changed to data: update the cached pages."""
        ram = self.phys.ram
        end = offset + len(data)
        for index in range(offset >> PAGE_SHIFT, (end + PAGE_SIZE - 1) >> PAGE_SHIFT):
            paddr = self.pages.get(index)
            if paddr is not None:
                page_offset = index << PAGE_SHIFT
                lo, hi = max(page_offset, offset), min(page_offset + PAGE_SIZE, end)
                ram[paddr + lo - page_offset : paddr + hi - page_offset] = data[lo - offset : hi - offset]

    def file_truncated(self, size: int) -> None:
        """The file is now size bytes long: cached bytes past the end read as zero."""
        ram = self.phys.ram
        for index, paddr in self.pages.items():
            page_offset = index << PAGE_SHIFT
            if page_offset + PAGE_SIZE > size:
                keep = max(size - page_offset, 0)
                ram[paddr + keep : paddr + PAGE_SIZE] = ZERO_PAGE[keep:]

    def discard(self, first: int, last: int) -> None:
        """Forget pages [first, last) (MADV_REMOVE): they read back as zero or file data."""
        for index in [i for i in self.pages if first <= i < last]:
            self.phys.unref(self.pages.pop(index))

    def put(self) -> None:
        """One VMA stopped using this store; the last one writes back and frees it."""
        self.users -= 1
        if self.users:
            return
        self.writeback()
        inode = getattr(self.backing, "inode", None)
        if getattr(inode, "page_cache", None) is self:
            inode.page_cache = None
        for paddr in self.pages.values():
            self.phys.unref(paddr)
        self.pages.clear()
