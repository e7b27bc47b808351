"""File-lock system calls: flock(2), and the fcntl(2) record-lock commands (F_GETLK,
F_SETLK, F_SETLKW and their OFD twins), which sys_fcntl hands to `fcntl_lock`.
The lock rules themselves live in fs/lock.py."""

from __future__ import annotations

import errno
import struct
from typing import Any

from ..errors import KernelError
from ..fs import lock
from ..fs.flags import O_PATH
from .table import syscall

LOCK_SH, LOCK_EX, LOCK_NB, LOCK_UN = 1, 2, 4, 8
F_GETLK, F_SETLK, F_SETLKW = 5, 6, 7
F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW = 36, 37, 38
LOCK_COMMANDS = frozenset({F_GETLK, F_SETLK, F_SETLKW, F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW})
SEEK_SET, SEEK_CUR, SEEK_END = 0, 1, 2

FLOCK = struct.Struct("<hh4xqqi4x")  # struct flock: l_type, l_whence, l_start, l_len, l_pid


@syscall(73, "flock", "fd", "x")
def sys_flock(task: Any, fd: int, operation: int) -> int:
    file = task.files.get(fd)
    if file.flags & O_PATH:
        raise KernelError(errno.EBADF)
    kind = operation & ~LOCK_NB
    types = {LOCK_SH: lock.F_RDLCK, LOCK_EX: lock.F_WRLCK, LOCK_UN: lock.F_UNLCK}
    if kind not in types:
        raise KernelError(errno.EINVAL)
    lock.flock(task, file, types[kind], nonblock=bool(operation & LOCK_NB))
    return 0


def _range(file: Any, whence: int, start: int, length: int) -> tuple[int, int]:
    """[start, end] (end inclusive) of a struct flock (Linux flock_to_posix_lock)."""
    if whence == SEEK_CUR:
        start += file.pos
    elif whence == SEEK_END:
        start += file.inode.size
    elif whence != SEEK_SET:
        raise KernelError(errno.EINVAL)
    if start < 0:
        raise KernelError(errno.EINVAL)
    if length > 0:
        end = start + length - 1
        if end > lock.OFFSET_MAX:
            raise KernelError(errno.EOVERFLOW)
    elif length < 0:
        end = start - 1
        start += length
        if start < 0:
            raise KernelError(errno.EINVAL)
    else:
        end = lock.OFFSET_MAX
    return start, end


def fcntl_lock(task: Any, file: Any, cmd: int, arg: int) -> int:
    """The record-lock commands of fcntl (cmd in LOCK_COMMANDS) on open file `file`; arg
    points at a struct flock."""
    type_, whence, start, length, pid = FLOCK.unpack(task.mm.read(arg, FLOCK.size))
    ofd = cmd in (F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW)
    if ofd and pid != 0:
        raise KernelError(errno.EINVAL)
    if type_ not in (lock.F_RDLCK, lock.F_WRLCK, lock.F_UNLCK):
        raise KernelError(errno.EINVAL)
    owner = file if ofd else task.files
    start, end = _range(file, whence, start, length)
    if cmd in (F_GETLK, F_OFD_GETLK):
        if type_ == lock.F_UNLCK:
            raise KernelError(errno.EINVAL)
        blocker = lock.test_lock(file.inode, owner, type_, start, end)
        if blocker is None:
            task.mm.write(arg, struct.pack("<h", lock.F_UNLCK))  # the rest stays as given
            return 0
        blen = 0 if blocker.end == lock.OFFSET_MAX else blocker.end - blocker.start + 1
        task.mm.write(arg, FLOCK.pack(blocker.type, SEEK_SET, blocker.start, blen,
                                      -1 if blocker.ofd else blocker.pid))
        return 0
    if type_ == lock.F_RDLCK and not file.readable or type_ == lock.F_WRLCK and not file.writable:
        raise KernelError(errno.EBADF)
    lock.set_lock(task, file.inode, owner, type_, start, end, wait=cmd in (F_SETLKW, F_OFD_SETLKW), ofd=ofd)
    return 0
