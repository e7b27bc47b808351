"""mount(2) and umount2(2): new file systems by registered type (tmpfs, devtmpfs, and
whatever registers itself, e.g. proc), bind mounts, remounts; lazy unmount."""

from __future__ import annotations

import errno
from typing import Any

from ..errors import KernelError
from ..fs import devfs, tmpfs  # noqa: F401 - importing them registers tmpfs and devtmpfs
from ..fs.flags import AT_FDCWD, PATH_MAX
from ..fs.mount import (
    MS_BIND,
    MS_MGC_MSK,
    MS_MGC_VAL,
    MS_MOVE,
    MS_PRIVATE,
    MS_REC,
    MS_REMOUNT,
    MS_SHARED,
    MS_SILENT,
    MS_SLAVE,
    MS_UNBINDABLE,
    filesystem_factory,
)
from .fs_common import resolve_at
from .table import syscall

MNT_FORCE = 1
MNT_DETACH = 2
MNT_EXPIRE = 4
UMOUNT_NOFOLLOW = 8
PAGE_SIZE = 4096


def _require_root(task: Any) -> None:
    if task.creds.euid != 0:
        raise KernelError(errno.EPERM)


def _string(task: Any, addr: int, limit: int) -> bytes:
    return task.mm.read_cstring(addr, limit=limit) if addr else b""


@syscall(165, "mount", "s", "s", "s", "x", "p")
def sys_mount(task: Any, source: int, target: int, fstype: int, flags: int, data: int) -> int:
    _require_root(task)
    if flags & MS_MGC_MSK == MS_MGC_VAL:
        flags &= ~MS_MGC_MSK
    flags &= ~MS_SILENT
    where = resolve_at(task, AT_FDCWD, target, follow=True)
    if flags & MS_REMOUNT:
        if not where.is_root:
            raise KernelError(errno.EINVAL)
        where.mount.namespace.remount(where.mount, flags)
        return 0
    if flags & (MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE):
        return 0  # mounts never propagate here: they already are private
    if flags & (MS_SHARED | MS_MOVE):
        raise KernelError(errno.EINVAL)
    src_name = _string(task, source, PATH_MAX)
    if flags & MS_BIND:
        if flags & MS_REC:
            raise KernelError(errno.EINVAL)  # recursive bind mounts are not implemented
        origin = resolve_at(task, AT_FDCWD, source, follow=True)
        where.mount.namespace.attach(where, origin.inode, src_name, flags)
        return 0
    factory = filesystem_factory(_string(task, fstype, PAGE_SIZE).decode(errors="replace"))
    root_inode = factory(task.kernel, src_name, flags, _string(task, data, PAGE_SIZE))
    where.mount.namespace.attach(where, root_inode, src_name, flags)
    return 0


@syscall(166, "umount2", "s", "x")
def sys_umount2(task: Any, target: int, flags: int) -> int:
    if flags & ~(MNT_FORCE | MNT_DETACH | MNT_EXPIRE | UMOUNT_NOFOLLOW):
        raise KernelError(errno.EINVAL)
    if flags & MNT_EXPIRE and flags & (MNT_FORCE | MNT_DETACH):
        raise KernelError(errno.EINVAL)
    _require_root(task)
    where = resolve_at(task, AT_FDCWD, target, follow=not flags & UMOUNT_NOFOLLOW)
    if not where.is_root or where.mount.mountpoint is None:
        raise KernelError(errno.EINVAL)
    where.mount.namespace.detach(where.mount, lazy=bool(flags & MNT_DETACH))
    return 0
