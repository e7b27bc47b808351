"""Descriptor system calls: open/openat/creat/close/close_range, dup family, fcntl, the
generic ioctls, pipe/pipe2."""

from __future__ import annotations

import errno
import struct
from typing import Any

from ..errors import KernelError
from ..fs import vfs
from ..fs.flags import (
    AT_FDCWD,
    O_CLOEXEC,
    O_CREAT,
    O_DIRECT,
    O_NONBLOCK,
    O_TRUNC,
    O_WRONLY,
)
from ..fs.memfd import F_ADD_SEALS, F_GET_SEALS, seal_fcntl
from ..fs.pipe import PipeFile, new_pipe, resume_fifo_open
from .fs_common import get_file, read_int, read_path, start_dir, write_int
from .fs_lock import LOCK_COMMANDS, fcntl_lock
from .table import syscall

F_DUPFD = 0
F_GETFD = 1
F_SETFD = 2
F_GETFL = 3
F_SETFL = 4
F_DUPFD_CLOEXEC = 1030
F_SETPIPE_SZ = 1031
F_GETPIPE_SZ = 1032
FD_CLOEXEC = 1

FIONREAD = 0x541B
FIONBIO = 0x5421
FIONCLEX = 0x5450
FIOCLEX = 0x5451
FIOASYNC = 0x5452
O_ASYNC = 0o20000

CLOSE_RANGE_UNSHARE = 2
CLOSE_RANGE_CLOEXEC = 4


def do_open(task: Any, dirfd: int, path_addr: int, flags: int, mode: int) -> int:
    path = read_path(task, path_addr)
    files = task.files
    file = resume_fifo_open(task)  # this open already waited for a FIFO partner
    if file is None:
        files.next_free()  # EMFILE before anything is created
        file = vfs.open_path(task, start_dir(task, dirfd, path), path, flags, mode)
    try:
        return files.install(file, cloexec=bool(flags & O_CLOEXEC))
    except KernelError:
        file.release()  # e.g. EMFILE after waiting for a FIFO partner
        raise


@syscall(2, "open", "s", "x", "o")
def sys_open(task: Any, path: int, flags: int, mode: int) -> int:
    return do_open(task, AT_FDCWD, path, flags, mode)


@syscall(257, "openat", "dirfd", "s", "x", "o")
def sys_openat(task: Any, dirfd: int, path: int, flags: int, mode: int) -> int:
    return do_open(task, dirfd, path, flags, mode)


@syscall(85, "creat", "s", "o")
def sys_creat(task: Any, path: int, mode: int) -> int:
    return do_open(task, AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode)


@syscall(3, "close", "fd")
def sys_close(task: Any, fd: int) -> int:
    task.files.close(fd)
    return 0


@syscall(436, "close_range", "u", "u", "x")
def sys_close_range(task: Any, first: int, last: int, flags: int) -> int:
    if flags & ~(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC) or first > last:
        raise KernelError(errno.EINVAL)
    for fd, _ in list(task.files.items()):
        if first <= fd <= last:
            if flags & CLOSE_RANGE_CLOEXEC:
                task.files.set_cloexec(fd, True)
            else:
                task.files.close(fd)
    return 0


@syscall(32, "dup", "fd")
def sys_dup(task: Any, fd: int) -> int:
    return task.files.dup(fd)


@syscall(33, "dup2", "fd", "fd")
def sys_dup2(task: Any, oldfd: int, newfd: int) -> int:
    return task.files.dup2(oldfd, newfd)


@syscall(292, "dup3", "fd", "fd", "x")
def sys_dup3(task: Any, oldfd: int, newfd: int, flags: int) -> int:
    if flags & ~O_CLOEXEC or oldfd == newfd:
        raise KernelError(errno.EINVAL)
    return task.files.dup2(oldfd, newfd, cloexec=bool(flags & O_CLOEXEC))


def _pipe_of(file: Any) -> Any:
    if not isinstance(file, PipeFile):
        raise KernelError(errno.EBADF)
    return file.pipe


@syscall(72, "fcntl", "fd", "i", "x")
def sys_fcntl(task: Any, fd: int, cmd: int, arg: int) -> int:
    files = task.files
    file = get_file(task, fd, allow_path=True)
    if cmd in (F_DUPFD, F_DUPFD_CLOEXEC):
        lowest = arg & 0xFFFFFFFF
        if lowest >= files.limit:
            raise KernelError(errno.EINVAL)
        return files.dup(fd, lowest, cloexec=cmd == F_DUPFD_CLOEXEC)
    if cmd == F_GETFD:
        return FD_CLOEXEC if files.cloexec(fd) else 0
    if cmd == F_SETFD:
        files.set_cloexec(fd, bool(arg & FD_CLOEXEC))
        return 0
    if cmd == F_GETFL:
        return file.flags
    file = get_file(task, fd)  # the rest is refused on O_PATH descriptors
    if cmd == F_SETFL:
        file.set_status_flags(arg)
        return 0
    if cmd in LOCK_COMMANDS:
        return fcntl_lock(task, file, cmd, arg)
    if cmd in (F_ADD_SEALS, F_GET_SEALS):
        return seal_fcntl(file, cmd, arg)
    if cmd == F_GETPIPE_SZ:
        return _pipe_of(file).capacity
    if cmd == F_SETPIPE_SZ:
        return _pipe_of(file).set_capacity(arg & 0xFFFFFFFF, task.creds.euid == 0)
    raise KernelError(errno.EINVAL)


@syscall(16, "ioctl", "fd", "x", "p")
def sys_ioctl(task: Any, fd: int, cmd: int, arg: int) -> int:
    cmd &= 0xFFFFFFFF
    files = task.files
    file = get_file(task, fd)
    if cmd == FIOCLEX:
        files.set_cloexec(fd, True)
        return 0
    if cmd == FIONCLEX:
        files.set_cloexec(fd, False)
        return 0
    if cmd in (FIONBIO, FIOASYNC):
        bit = O_NONBLOCK if cmd == FIONBIO else O_ASYNC
        on = read_int(task, arg) != 0
        file.set_status_flags(file.flags | bit if on else file.flags & ~bit)
        return 0
    if cmd == FIONREAD:
        write_int(task, arg, file.nread())
        return 0
    return file.ioctl(task, cmd, arg)


_FDPAIR = struct.Struct("<ii")


def _do_pipe(task: Any, fds_addr: int, flags: int) -> int:
    if flags & ~(O_CLOEXEC | O_NONBLOCK | O_DIRECT):
        raise KernelError(errno.EINVAL)
    if flags & O_DIRECT:
        raise KernelError(errno.EINVAL)  # packet-mode pipes are not implemented
    files = task.files
    reader, writer = new_pipe(task.creds.fsuid, task.creds.fsgid, flags)
    cloexec = bool(flags & O_CLOEXEC)
    try:
        rfd = files.install(reader, cloexec)
    except KernelError:
        reader.release()
        writer.release()
        raise
    try:
        wfd = files.install(writer, cloexec)
    except KernelError:
        writer.release()
        files.close(rfd)
        raise
    try:
        task.mm.write(fds_addr, _FDPAIR.pack(rfd, wfd))
    except KernelError:
        files.close(rfd)
        files.close(wfd)
        raise
    return 0


@syscall(22, "pipe", "p")
def sys_pipe(task: Any, fds: int) -> int:
    return _do_pipe(task, fds, 0)


@syscall(293, "pipe2", "p", "x")
def sys_pipe2(task: Any, fds: int, flags: int) -> int:
    return _do_pipe(task, fds, flags)

