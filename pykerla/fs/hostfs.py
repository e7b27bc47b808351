"""hostfs: a host directory as a guest file system, read-only on the host side.

The host tree is the lower layer; the guest sees a tmpfs whose directories are filled
from the host the first time they are used and whose regular files read the host file
until they are first modified (copy-up: the data is copied into memory and the host file
is never written). Once a directory is loaded its in-memory table is the merged view, so
creating, removing (the whiteout) and renaming names only change memory. Nothing is ever
written, created or removed on the host.

Host symlinks become guest symlinks (their target is read with readlink, never followed
on the host); host files are opened with O_NOFOLLOW, and host paths are only ever built
from names that were directories in the host listing, so the guest cannot reach outside
the directory. Host device nodes, FIFOs and sockets become guest nodes and open through
the guest's own drivers, never the host's.
"""

from __future__ import annotations

import os
import stat as host_stat
from collections import OrderedDict
from pathlib import Path

from .flags import S_IFMT
from .inode import Inode, blocks_for_size, makedev
from .tmpfs import TmpfsDir, TmpfsFile, TmpfsSuperBlock, TmpfsSymlink

OPEN_FD_CACHE = 64


class HostSuperBlock(TmpfsSuperBlock):
    """The host root, the owner override and the cache of open host files."""

    def __init__(self, host_root: Path, owner: tuple[int, int] | None) -> None:
        super().__init__("hostfs")
        self.host_root = os.fsencode(host_root)
        self.owner = owner
        self._by_host_ino: dict[tuple[int, int], Inode] = {}
        self._fds: OrderedDict[bytes, int] = OrderedDict()

    def host_fd(self, path: bytes) -> int:
        """A read-only descriptor of a host regular file (an LRU cache of them)."""
        fd = self._fds.get(path)
        if fd is not None:
            self._fds.move_to_end(path)
            return fd
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK)
        self._fds[path] = fd
        if len(self._fds) > OPEN_FD_CACHE:
            _, old = self._fds.popitem(last=False)
            os.close(old)
        return fd

    def forget_fd(self, path: bytes) -> None:
        fd = self._fds.pop(path, None)
        if fd is not None:
            os.close(fd)

    def inode_for(self, path: bytes, st: os.stat_result) -> Inode:
        """The guest inode of a host file (hard links on the host share one inode)."""
        key = (st.st_dev, st.st_ino)
        if not host_stat.S_ISDIR(st.st_mode) and key in self._by_host_ino:
            return self._by_host_ino[key]
        uid, gid = self.owner if self.owner is not None else (st.st_uid, st.st_gid)
        mode = st.st_mode & 0o7777
        kind = host_stat.S_IFMT(st.st_mode)
        inode: Inode
        if host_stat.S_ISDIR(st.st_mode):
            inode = HostDir(self, mode, uid, gid, path, st)
        elif host_stat.S_ISREG(st.st_mode):
            inode = HostFile(self, mode, uid, gid, path, st.st_size)
        elif host_stat.S_ISLNK(st.st_mode):
            inode = TmpfsSymlink(self, os.readlink(path), uid, gid)
        else:
            rdev = makedev(os.major(st.st_rdev), os.minor(st.st_rdev)) if kind in (
                host_stat.S_IFCHR, host_stat.S_IFBLK) else 0
            inode = Inode(self, (kind & S_IFMT) | mode, uid, gid, rdev)
        if not inode.is_dir:
            inode.nlink = st.st_nlink
            self._by_host_ino[key] = inode
        inode.atime_ns, inode.mtime_ns, inode.ctime_ns = st.st_atime_ns, st.st_mtime_ns, st.st_ctime_ns
        return inode


class HostDir(TmpfsDir):
    """A directory whose entries are read from the host on first use."""

    def __init__(self, sb: HostSuperBlock, mode: int, uid: int, gid: int, host_path: bytes,
                 st: os.stat_result) -> None:
        super().__init__(sb, mode, uid, gid)
        self.host_sb = sb
        self._host_path = host_path
        self._host_size = st.st_size
        self._loaded = False
        self.nlink = st.st_nlink

    def _table(self) -> dict[bytes, tuple[int, Inode]]:
        if not self._loaded:
            self._loaded = True
            self._load()
        return self._entries

    def _load(self) -> None:
        self.nlink = 2
        try:
            names = os.listdir(self._host_path)  # the host's readdir order, as find/ls -f see it
        except OSError:
            return  # unreadable on the host: empty in the guest
        for name in names:
            path = os.path.join(self._host_path, name)
            try:
                st = os.lstat(path)
            except OSError:
                continue
            try:
                inode = self.host_sb.inode_for(path, st)
            except OSError:
                continue  # e.g. a symlink the host will not let us read
            self._entries[name] = (self._next_cookie, inode)
            self._next_cookie += 1
            if inode.is_dir:
                self.nlink += 1

    @property
    def size(self) -> int:
        return super().size if self._loaded else self._host_size


class HostFile(TmpfsFile):
    """A regular file read from the host until its first modification copies it up."""

    def __init__(self, sb: HostSuperBlock, mode: int, uid: int, gid: int, host_path: bytes, size: int) -> None:
        super().__init__(sb, mode, uid, gid)
        self.host_sb = sb
        self._host_path: bytes | None = host_path
        self._host_size = size

    @property
    def size(self) -> int:
        return self._host_size if self._host_path is not None else len(self.data)

    @property
    def blocks(self) -> int:
        return blocks_for_size(self._host_size) if self._host_path is not None else super().blocks

    def read_at(self, offset: int, size: int) -> bytes:
        if self._host_path is None:
            return super().read_at(offset, size)
        size = max(0, min(size, self._host_size - offset))
        if not size:
            return b""
        data = os.pread(self.host_sb.host_fd(self._host_path), size, offset)
        return data + bytes(size - len(data))  # the host file shrank: keep the size we report

    def _copy_up(self) -> None:
        if self._host_path is not None:
            self.replace_data(self.read_at(0, self._host_size))
            self.host_sb.forget_fd(self._host_path)
            self._host_path = None

    def write_at(self, offset: int, data: bytes) -> int:
        self._copy_up()
        return super().write_at(offset, data)

    def truncate(self, size: int) -> None:
        if self._host_path is not None and size == 0:
            self.host_sb.forget_fd(self._host_path)
            self._host_path = None
            self.replace_data(b"")
        self._copy_up()
        super().truncate(size)


def new_hostfs(host_root: str | Path, owner: tuple[int, int] | None = (0, 0)) -> HostDir:
    """The root of a guest file system showing `host_root`. `owner` replaces the host
    uid/gid of every file (default root:root, as an image unpacked by a user should
    appear); None keeps the host ids."""
    root = Path(host_root)
    sb = HostSuperBlock(root, owner)
    st = os.lstat(root)
    if not host_stat.S_ISDIR(st.st_mode):
        raise NotADirectoryError(str(root))
    inode = sb.inode_for(os.fsencode(root), st)
    assert isinstance(inode, HostDir)
    return inode
