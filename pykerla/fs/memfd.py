"""memfd: anonymous memory-backed files (memfd_create(2)) and their seals (F_ADD_SEALS).

A memfd is a tmpfs regular file with no link, living on an internal tmpfs mount; its
name shows as "/memfd:NAME (deleted)" in /proc/PID/fd and /proc/PID/maps, and it maps
MAP_SHARED like any file. Seals are kept in the inode, as Linux does:
F_SEAL_WRITE / F_SEAL_FUTURE_WRITE refuse write() (EPERM) and new writable shared
mappings, F_SEAL_GROW refuses growing by write() or truncation, F_SEAL_SHRINK refuses
shrinking, F_SEAL_SEAL refuses further seals (and is set unless MFD_ALLOW_SEALING).
Adding F_SEAL_WRITE while a writable shared mapping exists is EBUSY.
"""

from __future__ import annotations

import errno
import functools
from typing import Any

from ..errors import KernelError
from .dentry import Dentry
from .file import Backing, RegularFile, backing_of
from .flags import O_APPEND, O_RDWR, S_IFREG
from .inode import Inode
from .mount import Mount
from .tmpfs import TmpfsFile, new_tmpfs

MFD_CLOEXEC = 0x1
MFD_ALLOW_SEALING = 0x2
MFD_HUGETLB = 0x4
MFD_NOEXEC_SEAL = 0x8
MFD_EXEC = 0x10
MFD_ALL_FLAGS = MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_HUGETLB | MFD_NOEXEC_SEAL | MFD_EXEC
MFD_NAME_MAX_LEN = 255 - len("memfd:")

F_ADD_SEALS = 1033
F_GET_SEALS = 1034
F_SEAL_SEAL = 0x1
F_SEAL_SHRINK = 0x2
F_SEAL_GROW = 0x4
F_SEAL_WRITE = 0x8
F_SEAL_FUTURE_WRITE = 0x10
F_SEAL_EXEC = 0x20
F_ALL_SEALS = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_FUTURE_WRITE | F_SEAL_EXEC
WRITE_SEALS = F_SEAL_WRITE | F_SEAL_FUTURE_WRITE


@functools.cache
def _shm_mount() -> Mount:
    """The internal tmpfs every memfd lives on (Linux's shm_mnt)."""
    return Mount(None, new_tmpfs(), b"tmpfs", 0)  # type: ignore[arg-type]


class MemfdInode(TmpfsFile):
    """The data of a memfd, with its seals."""

    def __init__(self, mode: int, uid: int, gid: int, seals: int) -> None:
        super().__init__(_shm_mount().sb, mode, uid, gid)
        self.nlink = 0
        self.seals = seals

    def truncate(self, size: int) -> None:
        if (size < self.size and self.seals & F_SEAL_SHRINK) or (size > self.size and self.seals & F_SEAL_GROW):
            raise KernelError(errno.EPERM)
        super().truncate(size)

    def check_write(self, offset: int, length: int) -> None:
        if self.seals & WRITE_SEALS or (self.seals & F_SEAL_GROW and offset + length > self.size):
            raise KernelError(errno.EPERM)

    def open_file(self, task: object, dentry: Dentry, flags: int) -> MemfdFile:
        return MemfdFile(self, flags, dentry)


class MemfdFile(RegularFile):
    """An open memfd: a regular file whose writes respect the seals."""

    inode: MemfdInode

    def write(self, task: object, data: bytes) -> int:
        if data:
            self.inode.check_write(self.inode.size if self.flags & O_APPEND else self.pos, len(data))
        return super().write(task, data)

    def pwrite(self, task: object, data: bytes, offset: int) -> int:
        if data:
            self.inode.check_write(self.inode.size if self.flags & O_APPEND else offset, len(data))
        return super().pwrite(task, data, offset)

    def backing(self) -> Backing:
        assert self.dentry is not None
        return backing_of(self.dentry, may_write=self.writable and not self.inode.seals & WRITE_SEALS)


def new_memfd(name: bytes, flags: int, uid: int, gid: int) -> MemfdFile:
    """memfd_create() after the flags and name were checked."""
    mode, seals = 0o777, F_SEAL_SEAL
    if flags & MFD_NOEXEC_SEAL:
        mode, seals = 0o666, F_SEAL_EXEC
    elif flags & MFD_ALLOW_SEALING:
        seals = 0
    inode = MemfdInode(S_IFREG | mode, uid, gid, seals)
    mount = _shm_mount()
    dentry = Dentry(b"memfd:" + name, mount.root, inode, mount)
    dentry.deleted = True
    return MemfdFile(inode, O_RDWR, dentry)


def seal_fcntl(file: Any, cmd: int, arg: int) -> int:
    """fcntl F_ADD_SEALS / F_GET_SEALS (EINVAL for files that cannot be sealed)."""
    inode: Inode = file.inode
    if cmd == F_GET_SEALS:
        if not isinstance(inode, MemfdInode):
            raise KernelError(errno.EINVAL)
        return inode.seals
    if arg > 0xFFFFFFFF:
        raise KernelError(errno.EINVAL)
    if not file.writable:
        raise KernelError(errno.EPERM)
    if arg & ~F_ALL_SEALS or not isinstance(inode, MemfdInode):
        raise KernelError(errno.EINVAL)
    if inode.seals & F_SEAL_SEAL:
        raise KernelError(errno.EPERM)
    if arg & F_SEAL_WRITE and not inode.seals & F_SEAL_WRITE:
        pages = inode.page_cache
        if pages is not None and pages.writable:
            raise KernelError(errno.EBUSY)
    if arg & F_SEAL_EXEC and inode.mode & 0o111:
        arg |= F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_FUTURE_WRITE
    inode.seals |= arg
    return 0
