"""File-status system calls: the stat family, statx, statfs/fstatfs, access/faccessat."""

from __future__ import annotations

import errno
from typing import Any

from ..errors import KernelError
from ..fs import vfs
from ..fs.flags import (
    AT_EACCESS,
    AT_EMPTY_PATH,
    AT_FDCWD,
    AT_NO_AUTOMOUNT,
    AT_STATX_SYNC_TYPE,
    AT_SYMLINK_NOFOLLOW,
)
from ..fs.stat import STATX__RESERVED, pack_stat, pack_statfs, pack_statx
from .fs_common import get_file, inode_at, resolve_at
from .table import syscall


def _stat_at(task: Any, dirfd: int, path: int, buf: int, flags: int) -> int:
    if flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT):
        raise KernelError(errno.EINVAL)
    inode, _ = inode_at(task, dirfd, path, not flags & AT_SYMLINK_NOFOLLOW, flags)
    task.mm.write(buf, pack_stat(inode))
    return 0


@syscall(4, "stat", "s", "p")
def sys_stat(task: Any, path: int, buf: int) -> int:
    return _stat_at(task, AT_FDCWD, path, buf, 0)


@syscall(6, "lstat", "s", "p")
def sys_lstat(task: Any, path: int, buf: int) -> int:
    return _stat_at(task, AT_FDCWD, path, buf, AT_SYMLINK_NOFOLLOW)


@syscall(262, "newfstatat", "dirfd", "s", "p", "x")
def sys_newfstatat(task: Any, dirfd: int, path: int, buf: int, flags: int) -> int:
    return _stat_at(task, dirfd, path, buf, flags)


@syscall(5, "fstat", "fd", "p")
def sys_fstat(task: Any, fd: int, buf: int) -> int:
    task.mm.write(buf, pack_stat(get_file(task, fd, allow_path=True).inode))
    return 0


@syscall(332, "statx", "dirfd", "s", "x", "x", "p")
def sys_statx(task: Any, dirfd: int, path: int, flags: int, mask: int, buf: int) -> int:
    if flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT | AT_STATX_SYNC_TYPE):
        raise KernelError(errno.EINVAL)
    if flags & AT_STATX_SYNC_TYPE == AT_STATX_SYNC_TYPE or mask & STATX__RESERVED:
        raise KernelError(errno.EINVAL)
    inode, mount = inode_at(task, dirfd, path, not flags & AT_SYMLINK_NOFOLLOW, flags)
    task.mm.write(buf, pack_statx(inode, mount))
    return 0


@syscall(137, "statfs", "s", "p")
def sys_statfs(task: Any, path: int, buf: int) -> int:
    dentry = resolve_at(task, AT_FDCWD, path, follow=True)
    task.mm.write(buf, pack_statfs(dentry.inode.sb, dentry.mount))
    return 0


@syscall(138, "fstatfs", "fd", "p")
def sys_fstatfs(task: Any, fd: int, buf: int) -> int:
    file = get_file(task, fd, allow_path=True)
    task.mm.write(buf, pack_statfs(file.inode.sb, file.dentry.mount if file.dentry is not None else None))
    return 0


def _access(task: Any, dirfd: int, path: int, mode: int, flags: int) -> int:
    if flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH):
        raise KernelError(errno.EINVAL)
    if mode & ~7:
        raise KernelError(errno.EINVAL)
    dentry = resolve_at(task, dirfd, path, not flags & AT_SYMLINK_NOFOLLOW, flags)
    vfs.access(task, dentry, mode, effective=bool(flags & AT_EACCESS))
    return 0


@syscall(21, "access", "s", "o")
def sys_access(task: Any, path: int, mode: int) -> int:
    return _access(task, AT_FDCWD, path, mode, 0)


@syscall(269, "faccessat", "dirfd", "s", "o")
def sys_faccessat(task: Any, dirfd: int, path: int, mode: int) -> int:
    return _access(task, dirfd, path, mode, 0)


@syscall(439, "faccessat2", "dirfd", "s", "o", "x")
def sys_faccessat2(task: Any, dirfd: int, path: int, mode: int, flags: int) -> int:
    return _access(task, dirfd, path, mode, flags)
