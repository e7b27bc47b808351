"""MAP_SHARED file mappings: one page store per inode, write-back, read()/write() coherence."""

from __future__ import annotations

from test_mm_support import new_mm, new_phys

from pykerla.arch.x64.paging import PAGE_SIZE
from pykerla.mm import mman

RW = mman.PROT_READ | mman.PROT_WRITE


class Inode:
    def __init__(self, data: bytes) -> None:
        self.data = bytearray(data)
        self.page_cache = None


class FileBacking:
    """Like the VFS Backing: a fresh object per open, sharing the inode."""

    def __init__(self, inode: Inode) -> None:
        self.inode = inode
        self.map_name = "/tmp/f"

    def pread(self, offset: int, size: int) -> bytes:
        if self.inode.page_cache is not None:
            self.inode.page_cache.writeback()  # what the VFS read path does
        return bytes(self.inode.data[offset : offset + size])

    def pwrite(self, offset: int, data: bytes) -> int:
        self.inode.data[offset : offset + len(data)] = data
        return len(data)

    @property
    def size(self) -> int:
        return len(self.inode.data)


def vfs_write(inode: Inode, offset: int, data: bytes) -> None:
    inode.data[offset : offset + len(data)] = data
    if inode.page_cache is not None:
        inode.page_cache.file_written(offset, data)


def test_shared_file_coherence_like_mmap_share_c():
    phys = new_phys()
    inode = Inode(b"f" * 6000)
    mm = new_mm(phys)
    fm = mm.mmap(0, 8192, RW, mman.MAP_SHARED, FileBacking(inode))
    assert mm.read(fm, 1) == b"f" and mm.read(fm + 5999, 1) == b"f"
    assert mm.read(fm + 6000, 2192) == bytes(2192)  # past EOF in the last page
    mm.write(fm + 10, b"M")
    assert FileBacking(inode).pread(10, 1) == b"M"  # store seen by read()
    vfs_write(inode, 20, b"W")
    assert mm.read(fm + 20, 1) == b"W"  # write() seen through the mapping
    child = mm.fork()
    child.write(fm + 30, b"K")
    child.release()
    assert FileBacking(inode).pread(30, 1) == b"K"
    other = new_mm(phys)  # another process mapping the same file shares the frames
    om = other.mmap(0, PAGE_SIZE, RW, mman.MAP_SHARED, FileBacking(inode))
    other.write(om + 50, b"O")
    assert mm.read(fm + 50, 1) == b"O"
    pm = mm.mmap(0, 8192, RW, mman.MAP_PRIVATE, FileBacking(inode))
    assert mm.read(pm + 10, 1) == b"M" and mm.read(pm + 30, 1) == b"K"
    mm.write(pm + 40, b"X")
    assert inode.data[40:41] == b"f" and mm.read(fm + 40, 1) == b"f"
    off = mm.mmap(0, PAGE_SIZE, mman.PROT_READ, mman.MAP_SHARED, FileBacking(inode), PAGE_SIZE)
    assert mm.read(off, 1) == b"f" and mm.read(off + 6000 - 4096, 1) == b"\0"
    other.release()
    mm.munmap(fm, 8192)
    mm.munmap(off, PAGE_SIZE)
    assert inode.page_cache is None  # last shared mapping gone: written back, detached
    assert inode.data[10:11] == b"M" and inode.data[30:31] == b"K" and inode.data[50:51] == b"O"
    assert len(inode.data) == 6000  # write-back never grows the file
    mm.release()
    assert phys.free_frames == phys.total_frames


def test_truncate_zeroes_cached_tail():
    inode = Inode(b"a" * 5000)
    mm = new_mm()
    addr = mm.mmap(0, 8192, RW, mman.MAP_SHARED, FileBacking(inode))
    assert mm.read(addr + 4999, 1) == b"a"
    del inode.data[100:]
    inode.page_cache.file_truncated(100)
    assert mm.read(addr + 99, 2) == b"a\0" and mm.read(addr + 4999, 1) == b"\0"


def test_read_only_shared_mapping_never_writes_back():
    inode = Inode(b"data")
    writes = []
    backing = FileBacking(inode)
    backing.pwrite = lambda offset, data: writes.append(offset)  # type: ignore[method-assign]
    mm = new_mm()
    addr = mm.mmap(0, PAGE_SIZE, mman.PROT_READ, mman.MAP_SHARED, backing)
    assert mm.read(addr, 4) == b"data"
    mm.release()
    assert writes == []
