"""Data system calls: read/write and their vector and positional forms, lseek, sendfile,
copy_file_range, fadvise64, and the sync family (in-memory file systems have nothing to
flush: done on return)."""

from __future__ import annotations

import errno
from typing import Any

from ..errors import KernelError
from ..fs.flags import O_APPEND
from ..fs.pipe import PipeFile
from ..process.wait_queue import WouldBlock
from .fs_common import (
    MAX_RW_COUNT,
    copy_in_prefix,
    copy_out_prefix,
    deliver,
    deliver_with,
    gather,
    get_file,
    iov_total,
    read_iovec,
    read_u64,
    readable_file,
    scatter,
    writable_file,
    write_u64,
)
from .table import syscall

RWF_SUPPORTED = 0x1F  # RWF_HIPRI | DSYNC | SYNC | NOWAIT | APPEND
SENDFILE_CHUNK = 65536


@syscall(0, "read", "fd", "p", "u")
def sys_read(task: Any, fd: int, buf: int, count: int) -> int:
    file = readable_file(task, fd)
    return deliver(task, file, buf, file.read(task, min(count, MAX_RW_COUNT)))


@syscall(1, "write", "fd", "p", "u")
def sys_write(task: Any, fd: int, buf: int, count: int) -> int:
    file = writable_file(task, fd)
    return file.write(task, copy_in_prefix(task, buf, min(count, MAX_RW_COUNT)) if count else b"")


@syscall(19, "readv", "fd", "p", "i")
def sys_readv(task: Any, fd: int, iov_addr: int, iovcnt: int) -> int:
    file = readable_file(task, fd)
    iov = read_iovec(task, iov_addr, iovcnt)
    return _scatter_read(task, file, iov, file.read(task, iov_total(iov)))


def _scatter_read(task: Any, file: Any, iov: list[tuple[int, int]], data: bytes) -> int:
    """readv's copy-out; what did not fit before a bad buffer goes back to the file."""
    return deliver_with(file, data, lambda: scatter(task, iov, data))


@syscall(20, "writev", "fd", "p", "i")
def sys_writev(task: Any, fd: int, iov_addr: int, iovcnt: int) -> int:
    file = writable_file(task, fd)
    return file.write(task, gather(task, read_iovec(task, iov_addr, iovcnt)))


def _check_offset(offset: int) -> None:
    if offset < 0:
        raise KernelError(errno.EINVAL)


@syscall(17, "pread64", "fd", "p", "u", "l")
def sys_pread64(task: Any, fd: int, buf: int, count: int, offset: int) -> int:
    file = readable_file(task, fd)
    _check_offset(offset)
    data = file.pread(task, min(count, MAX_RW_COUNT), offset)
    return copy_out_prefix(task, buf, data) if data else 0


@syscall(18, "pwrite64", "fd", "p", "u", "l")
def sys_pwrite64(task: Any, fd: int, buf: int, count: int, offset: int) -> int:
    file = writable_file(task, fd)
    _check_offset(offset)
    return file.pwrite(task, copy_in_prefix(task, buf, min(count, MAX_RW_COUNT)) if count else b"", offset)


def _preadv(task: Any, fd: int, iov_addr: int, iovcnt: int, offset: int) -> int:
    file = readable_file(task, fd)
    iov = read_iovec(task, iov_addr, iovcnt)
    if offset == -1:
        return _scatter_read(task, file, iov, file.read(task, iov_total(iov)))
    return scatter(task, iov, file.pread(task, iov_total(iov), offset))


def _pwritev(task: Any, fd: int, iov_addr: int, iovcnt: int, offset: int) -> int:
    file = writable_file(task, fd)
    data = gather(task, read_iovec(task, iov_addr, iovcnt))
    return file.write(task, data) if offset == -1 else file.pwrite(task, data, offset)


@syscall(295, "preadv", "fd", "p", "i", "l", "l")
def sys_preadv(task: Any, fd: int, iov: int, iovcnt: int, pos_l: int, pos_h: int) -> int:
    _check_offset(pos_l)
    return _preadv(task, fd, iov, iovcnt, pos_l)


@syscall(296, "pwritev", "fd", "p", "i", "l", "l")
def sys_pwritev(task: Any, fd: int, iov: int, iovcnt: int, pos_l: int, pos_h: int) -> int:
    _check_offset(pos_l)
    return _pwritev(task, fd, iov, iovcnt, pos_l)


def _check_rwf(offset: int, flags: int) -> None:
    if flags & ~RWF_SUPPORTED or offset < -1:
        raise KernelError(errno.EOPNOTSUPP if flags & ~RWF_SUPPORTED else errno.EINVAL)


@syscall(327, "preadv2", "fd", "p", "i", "l", "l", "x")
def sys_preadv2(task: Any, fd: int, iov: int, iovcnt: int, pos_l: int, pos_h: int, flags: int) -> int:
    _check_rwf(pos_l, flags)
    return _preadv(task, fd, iov, iovcnt, pos_l)


@syscall(328, "pwritev2", "fd", "p", "i", "l", "l", "x")
def sys_pwritev2(task: Any, fd: int, iov: int, iovcnt: int, pos_l: int, pos_h: int, flags: int) -> int:
    _check_rwf(pos_l, flags)
    return _pwritev(task, fd, iov, iovcnt, pos_l)


@syscall(8, "lseek", "fd", "l", "i")
def sys_lseek(task: Any, fd: int, offset: int, whence: int) -> int:
    return get_file(task, fd).seek(offset, whence)


@syscall(40, "sendfile", "fd", "fd", "p", "u")
def sys_sendfile(task: Any, out_fd: int, in_fd: int, offset_addr: int, count: int) -> int:
    """Copy from a seekable file to any file; a full pipe ends the copy early (the
    caller sees a short count) rather than losing data read ahead."""
    src = readable_file(task, in_fd)
    dst = writable_file(task, out_fd)
    if dst.flags & O_APPEND:
        raise KernelError(errno.EINVAL)
    pos = read_u64(task, offset_addr) if offset_addr else src.pos
    if pos >> 63:
        raise KernelError(errno.EINVAL)
    count = min(count, MAX_RW_COUNT)
    total = 0
    while total < count:
        chunk = min(count - total, SENDFILE_CHUNK)
        if isinstance(dst, PipeFile):
            free = dst.pipe.capacity - len(dst.pipe.buffer)
            if free > 0:
                chunk = min(chunk, free)
            elif total:
                break
        try:
            data = src.pread(task, chunk, pos)
        except KernelError as e:
            raise KernelError(errno.EINVAL if e.errno == errno.ESPIPE else e.errno) from None
        if not data:
            break
        try:
            n = dst.write(task, data)
        except (WouldBlock, KernelError):
            if total:
                break
            raise
        total += n
        pos += n
        if n < len(data):
            break
    if offset_addr:
        write_u64(task, offset_addr, pos)
    else:
        src.pos = pos
    return total


@syscall(74, "fsync", "fd")
def sys_fsync(task: Any, fd: int) -> int:
    get_file(task, fd).fsync()
    return 0


@syscall(75, "fdatasync", "fd")
def sys_fdatasync(task: Any, fd: int) -> int:
    get_file(task, fd).fsync()
    return 0


@syscall(162, "sync")
def sys_sync(task: Any) -> int:
    return 0


@syscall(306, "syncfs", "fd")
def sys_syncfs(task: Any, fd: int) -> int:
    get_file(task, fd)
    return 0


POSIX_FADV_NOREUSE = 5


@syscall(221, "fadvise64", "fd", "l", "l", "i")
def sys_fadvise64(task: Any, fd: int, offset: int, length: int, advice: int) -> int:
    """Advice about access patterns: validated, then rightly ignored (memory is the cache)."""
    file = get_file(task, fd)
    if file.inode.is_fifo:
        raise KernelError(errno.ESPIPE)
    if length < 0 or not 0 <= advice <= POSIX_FADV_NOREUSE:
        raise KernelError(errno.EINVAL)
    return 0


@syscall(326, "copy_file_range", "fd", "p", "fd", "p", "u", "x")
def sys_copy_file_range(task: Any, fd_in: int, off_in_addr: int, fd_out: int, off_out_addr: int,
                        length: int, flags: int) -> int:
    """Copy between regular files, with or without explicit offsets."""
    if flags:
        raise KernelError(errno.EINVAL)
    src = readable_file(task, fd_in)
    dst = writable_file(task, fd_out)
    if dst.flags & O_APPEND:
        raise KernelError(errno.EBADF)
    for file in (src, dst):
        if file.inode.is_dir:
            raise KernelError(errno.EISDIR)
        if not file.inode.is_reg:
            raise KernelError(errno.EINVAL)
    pos_in = read_u64(task, off_in_addr) if off_in_addr else src.pos
    pos_out = read_u64(task, off_out_addr) if off_out_addr else dst.pos
    if pos_in >> 63 or pos_out >> 63:
        raise KernelError(errno.EINVAL)
    length = min(length, MAX_RW_COUNT)
    if src.inode is dst.inode and pos_in < pos_out + length and pos_out < pos_in + length:
        raise KernelError(errno.EINVAL)
    data = src.pread(task, length, pos_in)
    n = dst.pwrite(task, data, pos_out) if data else 0
    for addr, file, pos in ((off_in_addr, src, pos_in), (off_out_addr, dst, pos_out)):
        if addr:
            write_u64(task, addr, pos + n)
        else:
            file.pos = pos + n
    return n
