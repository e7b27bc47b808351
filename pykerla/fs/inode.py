"""Inodes and superblocks: the file objects of the VFS and the contract file systems implement.

An Inode carries the attributes struct stat reports and, depending on its type, the
operations a file system provides. The VFS (fs/vfs.py) checks names, permissions and
existence before calling a directory operation, so implementations only perform it:

  directories  lookup(name) -> Inode | None, readdir(cookie) -> iterator of DirEntry,
               create(name, mode, uid, gid, rdev), mkdir(name, mode, uid, gid),
               symlink(name, target, uid, gid), link(name, inode), unlink(name),
               rmdir(name), rename(old_name, new_dir, new_name, exchange), is_empty(),
               tmpfile(mode, uid, gid) -> an unnamed regular file (O_TMPFILE)
  regular      read_at(offset, size) -> bytes, write_at(offset, data) -> int, truncate(size)
  symlinks     readlink() -> bytes
  any          open_file(task, dentry, flags) -> OpenFile | None  (None: the VFS opens
               the inode by its type; a file system with special files overrides it)

Directory cookies (the d_off of getdents) are integers >= 2; 0 and 1 are "." and "..".
"""

from __future__ import annotations

import errno
import itertools
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from ..errors import KernelError
from .flags import (
    S_IFBLK,
    S_IFCHR,
    S_IFDIR,
    S_IFIFO,
    S_IFLNK,
    S_IFMT,
    S_IFREG,
    S_IFSOCK,
    X_OK,
)

if TYPE_CHECKING:
    from .dentry import Dentry
    from .file import OpenFile

PAGE_SIZE = 4096
_anon_minor = itertools.count(16)


def blocks_for_size(size: int) -> int:
    """st_blocks (512-byte units) of `size` bytes stored in whole pages."""
    return (size + PAGE_SIZE - 1) // PAGE_SIZE * (PAGE_SIZE // 512)


def now_ns() -> int:
    """The current wall-clock time in nanoseconds (file timestamps use CLOCK_REALTIME)."""
    return time.time_ns()


def makedev(major: int, minor: int) -> int:
    """A 64-bit dev_t as user space sees it in struct stat (glibc's makedev)."""
    return ((major & 0xFFF) << 8) | ((major & ~0xFFF) << 32) | (minor & 0xFF) | ((minor & ~0xFF) << 12)


def dev_major(dev: int) -> int:
    return ((dev >> 8) & 0xFFF) | ((dev >> 32) & ~0xFFF)


def dev_minor(dev: int) -> int:
    return (dev & 0xFF) | ((dev >> 12) & ~0xFF)


def decode_user_dev(dev: int) -> int:
    """The dev_t passed to mknod(2) (32-bit new_decode_dev format) as a makedev() value."""
    dev &= 0xFFFFFFFF
    return makedev((dev & 0xFFF00) >> 8, (dev & 0xFF) | ((dev >> 12) & 0xFFF00))


class Creds(Protocol):
    fsuid: int
    fsgid: int
    groups: list[int]


class StatFs(NamedTuple):
    """What statfs(2) reports for a file system."""

    magic: int
    bsize: int = PAGE_SIZE
    blocks: int = 0
    bfree: int = 0
    bavail: int = 0
    files: int = 0
    ffree: int = 0
    namelen: int = 255


class DirEntry(NamedTuple):
    """One directory entry as getdents reports it; `cookie` is the position after it."""

    name: bytes
    ino: int
    dtype: int
    cookie: int


class SuperBlock:
    """One file-system instance: its device number, type and inode-number allocator."""

    def __init__(self, fstype: str, magic: int, dev: int | None = None) -> None:
        self.fstype = fstype
        self.magic = magic
        self.dev = dev if dev is not None else makedev(0, next(_anon_minor))
        self._next_ino = itertools.count(1)

    def new_ino(self) -> int:
        return next(self._next_ino)

    def statfs(self) -> StatFs:
        return StatFs(self.magic)


class Inode:
    """A file of any type; subclasses add the operations of their type (see module doc)."""

    def __init__(self, sb: SuperBlock, mode: int, uid: int = 0, gid: int = 0, rdev: int = 0,
                 ino: int | None = None) -> None:
        self.sb = sb
        self.ino = ino if ino is not None else sb.new_ino()
        self.mode = mode
        self.uid = uid
        self.gid = gid
        self.rdev = rdev
        self.nlink = 2 if mode & S_IFMT == S_IFDIR else 1
        t = now_ns()
        self.atime_ns = self.mtime_ns = self.ctime_ns = t
        self.pipe: object | None = None  # the Pipe of a FIFO while it is open (fs/pipe.py)
        # The SharedPages of a regular file while it is mapped MAP_SHARED (mm/shared_pages.py);
        # reads, writes and truncation through the VFS keep it coherent.
        self.page_cache: Any = None
        self.linkable = False  # an O_TMPFILE file that linkat() may still give a name

    # -- type tests -------------------------------------------------------------------
    @property
    def kind(self) -> int:
        return self.mode & S_IFMT

    @property
    def is_dir(self) -> bool:
        return self.mode & S_IFMT == S_IFDIR

    @property
    def is_reg(self) -> bool:
        return self.mode & S_IFMT == S_IFREG

    @property
    def is_symlink(self) -> bool:
        return self.mode & S_IFMT == S_IFLNK

    @property
    def is_fifo(self) -> bool:
        return self.mode & S_IFMT == S_IFIFO

    @property
    def is_chr(self) -> bool:
        return self.mode & S_IFMT == S_IFCHR

    @property
    def is_blk(self) -> bool:
        return self.mode & S_IFMT == S_IFBLK

    @property
    def is_sock(self) -> bool:
        return self.mode & S_IFMT == S_IFSOCK

    # -- attributes -------------------------------------------------------------------
    @property
    def size(self) -> int:
        return 0

    @property
    def blocks(self) -> int:
        """Allocated 512-byte blocks (whole pages, as tmpfs allocates them)."""
        return blocks_for_size(self.size)

    def touch(self, *, atime: bool = False, mtime: bool = False, ctime: bool = False) -> None:
        t = now_ns()
        if atime:
            self.atime_ns = t
        if mtime:
            self.mtime_ns = t
        if ctime:
            self.ctime_ns = t

    def touch_read(self) -> None:
        """Access-time update with relatime rules: only when atime is older than mtime/ctime."""
        if self.atime_ns <= self.mtime_ns or self.atime_ns <= self.ctime_ns:
            self.atime_ns = now_ns()

    # -- directory operations (defaults for inodes that are not directories) -----------
    def lookup(self, name: bytes) -> Inode | None:
        raise KernelError(errno.ENOTDIR)

    def readdir(self, cookie: int) -> Iterator[DirEntry]:
        raise KernelError(errno.ENOTDIR)

    def is_empty(self) -> bool:
        raise KernelError(errno.ENOTDIR)

    def create(self, name: bytes, mode: int, uid: int, gid: int, rdev: int = 0) -> Inode:
        raise KernelError(errno.EPERM)

    def mkdir(self, name: bytes, mode: int, uid: int, gid: int) -> Inode:
        raise KernelError(errno.EPERM)

    def symlink(self, name: bytes, target: bytes, uid: int, gid: int) -> Inode:
        raise KernelError(errno.EPERM)

    def link(self, name: bytes, inode: Inode) -> None:
        raise KernelError(errno.EPERM)

    def unlink(self, name: bytes) -> None:
        raise KernelError(errno.EPERM)

    def rmdir(self, name: bytes) -> None:
        raise KernelError(errno.EPERM)

    def rename(self, old_name: bytes, new_dir: Inode, new_name: bytes, exchange: bool) -> None:
        raise KernelError(errno.EPERM)

    def tmpfile(self, mode: int, uid: int, gid: int) -> Inode:
        raise KernelError(errno.EOPNOTSUPP)

    # -- symlinks ---------------------------------------------------------------------
    def readlink(self) -> bytes:
        raise KernelError(errno.EINVAL)

    def jump_link(self) -> Dentry | None:
        """The dentry a "magic" link (procfs fd/N, cwd, root, exe) leads to, where the path
        walk continues without parsing readlink(); None for an ordinary symlink."""
        return None

    # -- file data --------------------------------------------------------------------
    def read_at(self, offset: int, size: int) -> bytes:
        raise KernelError(errno.EINVAL)

    def write_at(self, offset: int, data: bytes) -> int:
        raise KernelError(errno.EINVAL)

    def truncate(self, size: int) -> None:
        raise KernelError(errno.EINVAL)

    # -- opening ----------------------------------------------------------------------
    def open_file(self, task: object, dentry: Dentry, flags: int) -> OpenFile | None:
        """A file-system specific open file, or None to let the VFS open it by type."""
        return None


def permission(inode: Inode, creds: Creds, mask: int) -> None:
    """Check R_OK/W_OK/X_OK bits in `mask` against the inode's mode; raise EACCES.

    fsuid 0 bypasses the check as CAP_DAC_OVERRIDE does, except that executing a file
    still needs one execute bit set somewhere in its mode.
    """
    if not mask:
        return
    if creds.fsuid == 0:
        if mask & X_OK and not inode.is_dir and not inode.mode & 0o111:
            raise KernelError(errno.EACCES)
        return
    if creds.fsuid == inode.uid:
        bits = inode.mode >> 6
    elif creds.fsgid == inode.gid or inode.gid in creds.groups:
        bits = inode.mode >> 3
    else:
        bits = inode.mode
    if mask & ~bits & 7:
        raise KernelError(errno.EACCES)


def in_group(creds: Creds, gid: int) -> bool:
    return creds.fsgid == gid or gid in creds.groups


ANON_INODE_FS = SuperBlock("anon_inodefs", 0x09041934)


def anon_inode() -> Inode:
    """The inode of a file that has no name (eventfd, timerfd, signalfd, epoll): mode 0600
    without a type, as fstat shows for Linux's anonymous inodes."""
    return Inode(ANON_INODE_FS, 0o600)
