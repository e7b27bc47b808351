"""inotify system calls: inotify_init, inotify_init1, inotify_add_watch, inotify_rm_watch
(the instance is fs/inotify.py, the event hooks fs/fsnotify.py)."""

from __future__ import annotations

import errno
from typing import Any

from ..errors import KernelError
from ..fs.flags import AT_FDCWD, O_CLOEXEC, O_NONBLOCK, R_OK
from ..fs.fsnotify import IN_ALL_EVENTS, IN_ISDIR
from ..fs.inode import permission
from ..fs.inotify import (
    IN_DONT_FOLLOW,
    IN_EXCL_UNLINK,
    IN_IGNORED,
    IN_MASK_ADD,
    IN_MASK_CREATE,
    IN_ONESHOT,
    IN_ONLYDIR,
    IN_Q_OVERFLOW,
    IN_UNMOUNT,
    InotifyFile,
)
from .fs_common import resolve_at
from .table import syscall

ALL_INOTIFY_BITS = (IN_ALL_EVENTS | IN_UNMOUNT | IN_Q_OVERFLOW | IN_IGNORED | IN_ONLYDIR | IN_DONT_FOLLOW
                    | IN_EXCL_UNLINK | IN_MASK_CREATE | IN_MASK_ADD | IN_ISDIR | IN_ONESHOT)


def _init(task: Any, flags: int) -> int:
    if flags & ~(O_CLOEXEC | O_NONBLOCK):
        raise KernelError(errno.EINVAL)
    return task.files.install(InotifyFile(flags), cloexec=bool(flags & O_CLOEXEC))


@syscall(253, "inotify_init")
def sys_inotify_init(task: Any) -> int:
    return _init(task, 0)


@syscall(294, "inotify_init1", "x")
def sys_inotify_init1(task: Any, flags: int) -> int:
    return _init(task, flags)


def _inotify(task: Any, fd: int) -> InotifyFile:
    file = task.files.get(fd)
    if not isinstance(file, InotifyFile):
        raise KernelError(errno.EINVAL)
    return file


@syscall(254, "inotify_add_watch", "fd", "s", "x")
def sys_inotify_add_watch(task: Any, fd: int, path: int, mask: int) -> int:
    mask &= 0xFFFFFFFF
    if not mask & ALL_INOTIFY_BITS or (mask & IN_MASK_ADD and mask & IN_MASK_CREATE):
        raise KernelError(errno.EINVAL)
    inotify = _inotify(task, fd)
    dentry = resolve_at(task, AT_FDCWD, path, follow=not mask & IN_DONT_FOLLOW)
    if mask & IN_ONLYDIR and not dentry.inode.is_dir:
        raise KernelError(errno.ENOTDIR)
    permission(dentry.inode, task.creds, R_OK)
    return inotify.update_watch(dentry.inode, mask & ALL_INOTIFY_BITS, add=bool(mask & IN_MASK_ADD),
                                create=bool(mask & IN_MASK_CREATE))


@syscall(255, "inotify_rm_watch", "fd", "i")
def sys_inotify_rm_watch(task: Any, fd: int, wd: int) -> int:
    _inotify(task, fd).rm_watch(wd)
    return 0
