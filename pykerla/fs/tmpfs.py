"""tmpfs: a file system kept entirely in memory (directories as dicts, files as bytearrays).

It is also the base of the root file systems: initramfs is unpacked into a tmpfs, devfs is
a tmpfs holding device nodes, and hostfs is a tmpfs whose directories and files are loaded
lazily from a host directory (it overrides `_table` and the file-data methods).
"""

from __future__ import annotations

import errno
from collections.abc import Iterator

from ..errors import KernelError
from .flags import S_IFDIR, S_IFLNK, S_IFMT, S_IFREG, dtype_of
from .inode import PAGE_SIZE, DirEntry, Inode, StatFs, SuperBlock, now_ns
from .mount import register_filesystem

TMPFS_MAGIC = 0x01021994
BOGO_DIRENT_SIZE = 20  # tmpfs reports a directory's size as 20 bytes per entry


class TmpfsSuperBlock(SuperBlock):
    def __init__(self, fstype: str = "tmpfs") -> None:
        super().__init__(fstype, TMPFS_MAGIC)

    def statfs(self) -> StatFs:
        return StatFs(self.magic, blocks=262144, bfree=262144, bavail=262144, files=1 << 20, ffree=1 << 20)


class TmpfsDir(Inode):
    """A directory: name -> (cookie, inode) in insertion order; cookies grow monotonically
    so a getdents position stays valid while entries are removed."""

    def __init__(self, sb: SuperBlock, mode: int, uid: int = 0, gid: int = 0, ino: int | None = None) -> None:
        super().__init__(sb, S_IFDIR | (mode & 0o7777), uid, gid, ino=ino)
        self._entries: dict[bytes, tuple[int, Inode]] = {}
        self._next_cookie = 2

    def _table(self) -> dict[bytes, tuple[int, Inode]]:
        return self._entries

    @property
    def size(self) -> int:
        return (len(self._table()) + 2) * BOGO_DIRENT_SIZE

    @property
    def blocks(self) -> int:
        return 0

    def lookup(self, name: bytes) -> Inode | None:
        entry = self._table().get(name)
        return entry[1] if entry is not None else None

    def readdir(self, cookie: int) -> Iterator[DirEntry]:
        for name, (c, inode) in list(self._table().items()):
            if c >= cookie:
                yield DirEntry(name, inode.ino, dtype_of(inode.mode), c + 1)

    def is_empty(self) -> bool:
        return not self._table()

    def _add(self, name: bytes, inode: Inode) -> None:
        self._table()[name] = (self._next_cookie, inode)
        self._next_cookie += 1
        if inode.is_dir:
            self.nlink += 1
        self.touch(mtime=True, ctime=True)

    def _remove(self, name: bytes) -> Inode:
        _, inode = self._table().pop(name)
        if inode.is_dir:
            self.nlink -= 1
            inode.nlink = 0
        else:
            inode.nlink -= 1
        inode.touch(ctime=True)
        self.touch(mtime=True, ctime=True)
        return inode

    def new_child(self, mode: int, uid: int, gid: int, rdev: int = 0, target: bytes = b"") -> Inode:
        """A new inode of this file system (not yet linked anywhere)."""
        kind = mode & S_IFMT
        if kind == S_IFDIR:
            return TmpfsDir(self.sb, mode, uid, gid)
        if kind == S_IFREG:
            return TmpfsFile(self.sb, mode, uid, gid)
        if kind == S_IFLNK:
            return TmpfsSymlink(self.sb, target, uid, gid)
        return Inode(self.sb, mode, uid, gid, rdev)

    def create(self, name: bytes, mode: int, uid: int, gid: int, rdev: int = 0) -> Inode:
        inode = self.new_child(mode, uid, gid, rdev)
        self._add(name, inode)
        return inode

    def mkdir(self, name: bytes, mode: int, uid: int, gid: int) -> Inode:
        inode = self.new_child(S_IFDIR | (mode & 0o7777), uid, gid)
        self._add(name, inode)
        return inode

    def symlink(self, name: bytes, target: bytes, uid: int, gid: int) -> Inode:
        inode = self.new_child(S_IFLNK | 0o777, uid, gid, target=target)
        self._add(name, inode)
        return inode

    def link(self, name: bytes, inode: Inode) -> None:
        inode.nlink += 1
        inode.touch(ctime=True)
        self._add(name, inode)

    def tmpfile(self, mode: int, uid: int, gid: int) -> Inode:
        inode = TmpfsFile(self.sb, mode, uid, gid)
        inode.nlink = 0
        return inode

    def unlink(self, name: bytes) -> None:
        self._remove(name)

    def rmdir(self, name: bytes) -> None:
        self._remove(name)

    def rename(self, old_name: bytes, new_dir: Inode, new_name: bytes, exchange: bool) -> None:
        if not isinstance(new_dir, TmpfsDir):
            raise KernelError(errno.EXDEV)
        src = self._table()[old_name][1]
        if exchange:
            dst = new_dir._table()[new_name][1]
            self._table()[old_name] = (self._table()[old_name][0], dst)
            new_dir._table()[new_name] = (new_dir._table()[new_name][0], src)
            if src.is_dir != dst.is_dir and self is not new_dir:
                delta = 1 if dst.is_dir else -1
                self.nlink += delta
                new_dir.nlink -= delta
            for inode in (src, dst):
                inode.touch(ctime=True)
            for d in (self, new_dir):
                d.touch(mtime=True, ctime=True)
            return
        if new_name in new_dir._table():
            new_dir._remove(new_name)
        self._remove_entry_only(old_name, src)
        new_dir._add(new_name, src)
        src.touch(ctime=True)

    def _remove_entry_only(self, name: bytes, inode: Inode) -> None:
        del self._table()[name]
        if inode.is_dir:
            self.nlink -= 1
        self.touch(mtime=True, ctime=True)


class TmpfsFile(Inode):
    """A regular file whose data is a bytearray; the pages ever written are remembered so
    st_blocks counts only those, as tmpfs does for sparse files."""

    def __init__(self, sb: SuperBlock, mode: int, uid: int = 0, gid: int = 0, data: bytes = b"",
                 ino: int | None = None) -> None:
        super().__init__(sb, S_IFREG | (mode & 0o7777), uid, gid, ino=ino)
        self.data = bytearray()
        self._pages: set[int] = set()
        self.replace_data(data)

    def replace_data(self, data: bytes) -> None:
        """Make `data` the whole content (every page of it counted as allocated)."""
        self.data = bytearray(data)
        self._pages = set(range(_page_count(len(data))))

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def blocks(self) -> int:
        return len(self._pages) * (PAGE_SIZE // 512)

    def read_at(self, offset: int, size: int) -> bytes:
        return bytes(self.data[offset:offset + size])

    def write_at(self, offset: int, data: bytes) -> int:
        end = offset + len(data)
        if offset > len(self.data):
            self.data.extend(bytes(offset - len(self.data)))
        self.data[offset:end] = data
        if data:
            self._pages.update(range(offset // PAGE_SIZE, _page_count(end)))
        return len(data)

    def truncate(self, size: int) -> None:
        if size < len(self.data):
            del self.data[size:]
            self._pages = {p for p in self._pages if p * PAGE_SIZE < size}
        else:
            self.data.extend(bytes(size - len(self.data)))
        t = now_ns()
        self.mtime_ns = self.ctime_ns = t


def _page_count(size: int) -> int:
    return (size + PAGE_SIZE - 1) // PAGE_SIZE


class TmpfsSymlink(Inode):
    def __init__(self, sb: SuperBlock, target: bytes, uid: int = 0, gid: int = 0, ino: int | None = None) -> None:
        super().__init__(sb, S_IFLNK | 0o777, uid, gid, ino=ino)
        self.target = target

    @property
    def size(self) -> int:
        return len(self.target)

    @property
    def blocks(self) -> int:
        return 0

    def readlink(self) -> bytes:
        return self.target


def new_tmpfs(mode: int = 0o1777, uid: int = 0, gid: int = 0, fstype: str = "tmpfs") -> TmpfsDir:
    """A fresh, empty tmpfs; returns its root directory."""
    return TmpfsDir(TmpfsSuperBlock(fstype), mode, uid, gid)


def tmpfs_factory(kernel: object, source: bytes, flags: int, data: bytes) -> Inode:
    """mount -t tmpfs: honours the mode=, uid= and gid= options."""
    opts = {}
    for item in data.split(b","):
        key, _, value = item.partition(b"=")
        opts[key] = value
    try:
        mode = int(opts.get(b"mode", b"1777"), 8)
        uid = int(opts.get(b"uid", b"0"))
        gid = int(opts.get(b"gid", b"0"))
    except ValueError:
        raise KernelError(errno.EINVAL) from None
    return new_tmpfs(mode, uid, gid)


register_filesystem("tmpfs", tmpfs_factory)
register_filesystem("ramfs", tmpfs_factory)
