"""Attribute system calls: chmod/chown families, umask, truncate/ftruncate, and the
timestamp setters utimensat, utime, utimes, futimesat."""

from __future__ import annotations

import errno
import struct
from typing import Any

from ..errors import KernelError
from ..fs import vfs
from ..fs.flags import AT_EMPTY_PATH, AT_FDCWD, AT_SYMLINK_NOFOLLOW
from ..fs.mount import Mount
from ..fs.inode import Inode
from .fs_common import get_file, inode_at, resolve_at
from .table import syscall

_NS = 1_000_000_000
_TIMESPEC2 = struct.Struct("<qqqq")
_TIMEVAL2 = struct.Struct("<qqqq")
_UTIMBUF = struct.Struct("<qq")


def _fd_target(task: Any, fd: int) -> tuple[Inode, Mount | None]:
    file = get_file(task, fd)
    return file.inode, file.dentry.mount if file.dentry is not None else None


@syscall(90, "chmod", "s", "o")
def sys_chmod(task: Any, path: int, mode: int) -> int:
    dentry = resolve_at(task, AT_FDCWD, path, follow=True)
    vfs.chmod(task, dentry.inode, dentry.mount, mode)
    return 0


@syscall(268, "fchmodat", "dirfd", "s", "o")
def sys_fchmodat(task: Any, dirfd: int, path: int, mode: int) -> int:
    dentry = resolve_at(task, dirfd, path, follow=True)
    vfs.chmod(task, dentry.inode, dentry.mount, mode)
    return 0


@syscall(91, "fchmod", "fd", "o")
def sys_fchmod(task: Any, fd: int, mode: int) -> int:
    vfs.chmod(task, *_fd_target(task, fd), mode)
    return 0


def _id(value: int) -> int:
    value &= 0xFFFFFFFF
    return vfs.NO_CHANGE if value == 0xFFFFFFFF else value


def _chown_at(task: Any, dirfd: int, path: int, uid: int, gid: int, flags: int) -> int:
    if flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH):
        raise KernelError(errno.EINVAL)
    inode, mount = inode_at(task, dirfd, path, not flags & AT_SYMLINK_NOFOLLOW, flags)
    vfs.chown(task, inode, mount, _id(uid), _id(gid))
    return 0


@syscall(92, "chown", "s", "u", "u")
def sys_chown(task: Any, path: int, uid: int, gid: int) -> int:
    return _chown_at(task, AT_FDCWD, path, uid, gid, 0)


@syscall(94, "lchown", "s", "u", "u")
def sys_lchown(task: Any, path: int, uid: int, gid: int) -> int:
    return _chown_at(task, AT_FDCWD, path, uid, gid, AT_SYMLINK_NOFOLLOW)


@syscall(260, "fchownat", "dirfd", "s", "u", "u", "x")
def sys_fchownat(task: Any, dirfd: int, path: int, uid: int, gid: int, flags: int) -> int:
    return _chown_at(task, dirfd, path, uid, gid, flags)


@syscall(93, "fchown", "fd", "u", "u")
def sys_fchown(task: Any, fd: int, uid: int, gid: int) -> int:
    vfs.chown(task, *_fd_target(task, fd), _id(uid), _id(gid))
    return 0


@syscall(95, "umask", "o")
def sys_umask(task: Any, mask: int) -> int:
    old = task.fs.umask
    task.fs.umask = mask & 0o777
    return old


@syscall(76, "truncate", "s", "l")
def sys_truncate(task: Any, path: int, length: int) -> int:
    vfs.truncate(task, resolve_at(task, AT_FDCWD, path, follow=True), length)
    return 0


@syscall(77, "ftruncate", "fd", "l")
def sys_ftruncate(task: Any, fd: int, length: int) -> int:
    file = get_file(task, fd)
    if not file.writable or file.dentry is None:
        raise KernelError(errno.EINVAL)
    vfs.truncate(task, file.dentry, length, check_access=False)
    return 0


def _set_times_at(task: Any, dirfd: int, path: int, atime: int, mtime: int, flags: int) -> int:
    if flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH):
        raise KernelError(errno.EINVAL)
    if path == 0:
        if dirfd == AT_FDCWD:
            raise KernelError(errno.EFAULT)
        inode, mount = _fd_target(task, dirfd)
    else:
        inode, mount = inode_at(task, dirfd, path, not flags & AT_SYMLINK_NOFOLLOW, flags)
    vfs.set_times(task, inode, mount, atime, mtime)
    return 0


def _timespec_ns(sec: int, nsec: int) -> int:
    if nsec in (vfs.UTIME_NOW, vfs.UTIME_OMIT):
        return nsec
    if not 0 <= nsec < _NS:
        raise KernelError(errno.EINVAL)
    return sec * _NS + nsec


@syscall(280, "utimensat", "dirfd", "s", "p", "x")
def sys_utimensat(task: Any, dirfd: int, path: int, times: int, flags: int) -> int:
    if times:
        asec, ansec, msec, mnsec = _TIMESPEC2.unpack(task.mm.read(times, _TIMESPEC2.size))
        atime, mtime = _timespec_ns(asec, ansec), _timespec_ns(msec, mnsec)
    else:
        atime = mtime = vfs.UTIME_NOW
    return _set_times_at(task, dirfd, path, atime, mtime, flags)


def _timevals(task: Any, times: int) -> tuple[int, int]:
    if not times:
        return vfs.UTIME_NOW, vfs.UTIME_NOW
    asec, ausec, msec, musec = _TIMEVAL2.unpack(task.mm.read(times, _TIMEVAL2.size))
    if not (0 <= ausec < 1_000_000 and 0 <= musec < 1_000_000):
        raise KernelError(errno.EINVAL)
    return asec * _NS + ausec * 1000, msec * _NS + musec * 1000


@syscall(235, "utimes", "s", "p")
def sys_utimes(task: Any, path: int, times: int) -> int:
    return _set_times_at(task, AT_FDCWD, path, *_timevals(task, times), 0)


@syscall(261, "futimesat", "dirfd", "s", "p")
def sys_futimesat(task: Any, dirfd: int, path: int, times: int) -> int:
    return _set_times_at(task, dirfd, path, *_timevals(task, times), 0)


@syscall(132, "utime", "s", "p")
def sys_utime(task: Any, path: int, times: int) -> int:
    if times:
        actime, modtime = _UTIMBUF.unpack(task.mm.read(times, _UTIMBUF.size))
        atime, mtime = actime * _NS, modtime * _NS
    else:
        atime = mtime = vfs.UTIME_NOW
    return _set_times_at(task, AT_FDCWD, path, atime, mtime, 0)
