"""Helpers shared by the file system-call handlers: user path strings, dirfd starting
points, *at lookups, fd -> file with access checks, iovec arrays, small user structs."""

from __future__ import annotations

import errno
import struct
from collections.abc import Callable
from typing import Any

from ..errors import KernelError
from ..fs.dentry import Dentry
from ..fs.file import OpenFile
from ..fs.flags import AT_EMPTY_PATH, AT_FDCWD, O_PATH, PATH_MAX
from ..fs.inode import Inode
from ..fs.mount import Mount
from ..fs.namei import check_path, nameidata, walk

UIO_MAXIOV = 1024
PAGE_SIZE = 4096
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


def _page_chunks(addr: int, size: int) -> list[tuple[int, int]]:
    """(offset, length) pieces of [addr, addr + size) that do not cross pages."""
    chunks, done = [], 0
    while done < size:
        n = min(size - done, PAGE_SIZE - (addr + done) % PAGE_SIZE)
        chunks.append((done, n))
        done += n
    return chunks


def copy_in_prefix(task: Any, addr: int, size: int) -> bytes:
    """copy_from_user stopping at the first bad page, as write(2) does: the bytes that
    could be read, EFAULT if not even the first one."""
    try:
        return task.mm.read(addr, size)
    except KernelError as e:
        if e.errno != errno.EFAULT:
            raise
    parts = []
    for off, n in _page_chunks(addr, size):
        try:
            parts.append(task.mm.read(addr + off, n))
        except KernelError:
            break
    if not parts:
        raise KernelError(errno.EFAULT)
    return b"".join(parts)


def copy_out_prefix(task: Any, addr: int, data: bytes) -> int:
    """copy_to_user stopping at the first bad page, as read(2) does: the number of bytes
    stored, EFAULT if not even the first one."""
    try:
        task.mm.write(addr, data)
        return len(data)
    except KernelError as e:
        if e.errno != errno.EFAULT:
            raise
    done = 0
    for off, n in _page_chunks(addr, len(data)):
        try:
            task.mm.write(addr + off, data[off:off + n])
        except KernelError:
            break
        done += n
    if not done:
        raise KernelError(errno.EFAULT)
    return done


def deliver(task: Any, file: OpenFile, buf: int, data: bytes) -> int:
    """Store what file.read() returned; bytes that do not fit before a bad page go back to
    the file (unread), and the count stored is the result."""
    return deliver_with(file, data, lambda: copy_out_prefix(task, buf, data) if data else 0)


def deliver_with(file: OpenFile, data: bytes, copy_out: Callable[[], int]) -> int:
    """Run copy_out (which stores a prefix of `data` and returns its length); what it did not
    store goes back to the file, all of it if it failed outright."""
    try:
        copied = copy_out()
    except KernelError:
        file.unread(data)
        raise
    if copied < len(data):
        file.unread(data[copied:])
    return copied


def gather(task: Any, iov: list[tuple[int, int]]) -> bytes:
    """The bytes a writev-style call writes (capped at MAX_RW_COUNT), up to the first bad
    buffer byte; EFAULT if that is the very first."""
    parts, left, total = [], MAX_RW_COUNT, 0
    for base, length in iov:
        n = min(length, left)
        if not n:
            continue
        try:
            chunk = copy_in_prefix(task, base, n)
        except KernelError:
            if total:
                break
            raise
        parts.append(chunk)
        total += len(chunk)
        left -= len(chunk)
        if len(chunk) < n:
            break
    return b"".join(parts)


def iov_total(iov: list[tuple[int, int]]) -> int:
    return min(sum(length for _, length in iov), MAX_RW_COUNT)


def scatter(task: Any, iov: list[tuple[int, int]], data: bytes) -> int:
    """Copy what a readv-style call read into the buffers in order, stopping at the first
    bad byte: the count stored (EFAULT if none could be)."""
    pos = 0
    for base, length in iov:
        if pos >= len(data):
            break
        chunk = data[pos:pos + length]
        try:
            n = copy_out_prefix(task, base, chunk)
        except KernelError:
            if pos:
                break
            raise
        pos += n
        if n < len(chunk):
            break
    return pos


def read_int(task: Any, addr: int) -> int:
    return _INT.unpack(task.mm.read(addr, 4))[0]


def write_int(task: Any, addr: int, value: int) -> None:
    task.mm.write(addr, _INT.pack(value))


def read_u64(task: Any, addr: int) -> int:
    return _U64.unpack(task.mm.read(addr, 8))[0]


def write_u64(task: Any, addr: int, value: int) -> None:
    task.mm.write(addr, _U64.pack(value & 0xFFFFFFFFFFFFFFFF))
