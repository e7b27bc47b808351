"""Helpers shared by the file system-call handlers: user path strings, dirfd starting
points, *at lookups, fd -> file with access checks, iovec arrays, small user structs."""

from __future__ import annotations

import errno
import struct
from typing import Any

from ..errors import KernelError
from ..fs.dentry import Dentry
from ..fs.file import OpenFile
from ..fs.flags import AT_EMPTY_PATH, AT_FDCWD, O_PATH, PATH_MAX
from ..fs.inode import Inode
from ..fs.mount import Mount
from ..fs.namei import check_path, nameidata, walk

UIO_MAXIOV = 1024
MAX_RW_COUNT = 0x7FFFF000  # Linux caps one read/write at INT_MAX rounded down to a page
_IOVEC = struct.Struct("<QQ")
_INT = struct.Struct("<i")
_U64 = struct.Struct("<Q")


def read_path(task: Any, addr: int, allow_empty: bool = False) -> bytes:
    """A path argument: EFAULT for a bad pointer, ENAMETOOLONG from PATH_MAX bytes,
    ENOENT for "" unless the caller handles AT_EMPTY_PATH."""
    path = task.mm.read_cstring(addr, limit=PATH_MAX)
    if not path and allow_empty:
        return path
    check_path(path)
    return path


def start_dir(task: Any, dirfd: int, path: bytes) -> Dentry:
    """Where a relative path starts: the cwd for AT_FDCWD, else dirfd's directory."""
    if path.startswith(b"/") or dirfd == AT_FDCWD:
        return task.fs.cwd
    file = task.files.get(dirfd)
    if file.dentry is None or not file.inode.is_dir:
        raise KernelError(errno.ENOTDIR)
    return file.dentry


def fd_dentry(task: Any, dirfd: int) -> Dentry:
    """The dentry an AT_EMPTY_PATH operation acts on (the cwd for AT_FDCWD)."""
    if dirfd == AT_FDCWD:
        return task.fs.cwd
    file = task.files.get(dirfd)
    if file.dentry is None:
        raise KernelError(errno.EBADF)
    return file.dentry


def resolve_at(task: Any, dirfd: int, path_addr: int, follow: bool, flags: int = 0) -> Dentry:
    """Resolve a (dirfd, path) pair; AT_EMPTY_PATH in `flags` allows "" meaning dirfd."""
    path = read_path(task, path_addr, allow_empty=bool(flags & AT_EMPTY_PATH))
    if not path:
        return fd_dentry(task, dirfd)
    return walk(nameidata(task), start_dir(task, dirfd, path), path, follow)


def inode_at(task: Any, dirfd: int, path_addr: int, follow: bool, flags: int = 0) -> tuple[Inode, Mount | None]:
    """Like resolve_at, but an empty path (or NULL, as statx allows) with AT_EMPTY_PATH
    may name any open file (a pipe has no dentry)."""
    empty_ok = bool(flags & AT_EMPTY_PATH)
    path = b"" if empty_ok and path_addr == 0 else read_path(task, path_addr, allow_empty=empty_ok)
    if not path:
        if dirfd == AT_FDCWD:
            return task.fs.cwd.inode, task.fs.cwd.mount
        file = task.files.get(dirfd)
        return file.inode, file.dentry.mount if file.dentry is not None else None
    dentry = walk(nameidata(task), start_dir(task, dirfd, path), path, follow)
    return dentry.inode, dentry.mount


def get_file(task: Any, fd: int, allow_path: bool = False) -> OpenFile:
    """The open file of fd; EBADF for O_PATH descriptors unless allowed."""
    file = task.files.get(fd)
    if file.flags & O_PATH and not allow_path:
        raise KernelError(errno.EBADF)
    return file


def readable_file(task: Any, fd: int) -> OpenFile:
    file = task.files.get(fd)
    if not file.readable:
        raise KernelError(errno.EBADF)
    return file


def writable_file(task: Any, fd: int) -> OpenFile:
    file = task.files.get(fd)
    if not file.writable:
        raise KernelError(errno.EBADF)
    return file


def read_iovec(task: Any, addr: int, count: int) -> list[tuple[int, int]]:
    """The (base, length) pairs of a struct iovec array, with Linux's limits."""
    if count < 0 or count > UIO_MAXIOV:
        raise KernelError(errno.EINVAL)
    if count == 0:
        return []
    raw = task.mm.read(addr, 16 * count)
    iov = [_IOVEC.unpack_from(raw, 16 * i) for i in range(count)]
    total = 0
    for _, length in iov:
        if length >> 63:
            raise KernelError(errno.EINVAL)
        total += length
        if total >> 63:
            raise KernelError(errno.EINVAL)
    return iov


def gather(task: Any, iov: list[tuple[int, int]]) -> bytes:
    """The bytes a writev-style call writes (capped at MAX_RW_COUNT)."""
    parts, left = [], MAX_RW_COUNT
    for base, length in iov:
        n = min(length, left)
        if n:
            parts.append(task.mm.read(base, n))
            left -= n
    return b"".join(parts)


def iov_total(iov: list[tuple[int, int]]) -> int:
    return min(sum(length for _, length in iov), MAX_RW_COUNT)


def scatter(task: Any, iov: list[tuple[int, int]], data: bytes) -> None:
    """Copy what a readv-style call read into the buffers, in order."""
    pos = 0
    for base, length in iov:
        if pos >= len(data):
            break
        chunk = data[pos:pos + length]
        task.mm.write(base, chunk)
        pos += len(chunk)


def read_int(task: Any, addr: int) -> int:
    return _INT.unpack(task.mm.read(addr, 4))[0]


def write_int(task: Any, addr: int, value: int) -> None:
    task.mm.write(addr, _INT.pack(value))


def read_u64(task: Any, addr: int) -> int:
    return _U64.unpack(task.mm.read(addr, 8))[0]


def write_u64(task: Any, addr: int, value: int) -> None:
    task.mm.write(addr, _U64.pack(value & 0xFFFFFFFFFFFFFFFF))
