"""Extended-attribute system calls ({,l,f}{get,set,list,remove}xattr).

No file system here stores extended attributes, so every call behaves as Linux does on a
file system without xattr support and no security module: the file is resolved (ENOENT,
EBADF... as usual), the name checked, then get/set/remove fail with EOPNOTSUPP and list
returns an empty list. Programs such as ls and cp treat that as "no ACLs, no labels".
"""

from __future__ import annotations

import errno
from typing import Any

from ..errors import KernelError
from ..fs.flags import AT_FDCWD
from .fs_common import get_file, resolve_at
from .table import syscall

XATTR_NAME_MAX = 255
XATTR_CREATE, XATTR_REPLACE = 1, 2


def _check_name(task: Any, name: int) -> None:
    """Linux strncpy_from_user of the name: ERANGE when empty or longer than XATTR_NAME_MAX."""
    try:
        raw = task.mm.read_cstring(name, XATTR_NAME_MAX + 1)
    except KernelError as e:
        raise KernelError(errno.ERANGE if e.errno == errno.ENAMETOOLONG else e.errno) from None
    if not raw:
        raise KernelError(errno.ERANGE)


def _resolve(task: Any, path: int, follow: bool) -> None:
    resolve_at(task, AT_FDCWD, path, follow=follow)


def _get(task: Any, name: int) -> int:
    _check_name(task, name)
    raise KernelError(errno.EOPNOTSUPP)


def _set(task: Any, name: int, flags: int) -> int:
    if flags & ~(XATTR_CREATE | XATTR_REPLACE):
        raise KernelError(errno.EINVAL)
    return _get(task, name)


@syscall(191, "getxattr", "s", "p", "p", "u")
def sys_getxattr(task: Any, path: int, name: int, value: int, size: int) -> int:
    _resolve(task, path, True)
    return _get(task, name)


@syscall(192, "lgetxattr", "s", "p", "p", "u")
def sys_lgetxattr(task: Any, path: int, name: int, value: int, size: int) -> int:
    _resolve(task, path, False)
    return _get(task, name)


@syscall(193, "fgetxattr", "fd", "p", "p", "u")
def sys_fgetxattr(task: Any, fd: int, name: int, value: int, size: int) -> int:
    get_file(task, fd)
    return _get(task, name)


@syscall(188, "setxattr", "s", "p", "p", "u", "x")
def sys_setxattr(task: Any, path: int, name: int, value: int, size: int, flags: int) -> int:
    _resolve(task, path, True)
    return _set(task, name, flags)


@syscall(189, "lsetxattr", "s", "p", "p", "u", "x")
def sys_lsetxattr(task: Any, path: int, name: int, value: int, size: int, flags: int) -> int:
    _resolve(task, path, False)
    return _set(task, name, flags)


@syscall(190, "fsetxattr", "fd", "p", "p", "u", "x")
def sys_fsetxattr(task: Any, fd: int, name: int, value: int, size: int, flags: int) -> int:
    get_file(task, fd)
    return _set(task, name, flags)


@syscall(194, "listxattr", "s", "p", "u")
def sys_listxattr(task: Any, path: int, buf: int, size: int) -> int:
    _resolve(task, path, True)
    return 0


@syscall(195, "llistxattr", "s", "p", "u")
def sys_llistxattr(task: Any, path: int, buf: int, size: int) -> int:
    _resolve(task, path, False)
    return 0


@syscall(196, "flistxattr", "fd", "p", "u")
def sys_flistxattr(task: Any, fd: int, buf: int, size: int) -> int:
    get_file(task, fd)
    return 0


@syscall(197, "removexattr", "s", "p")
def sys_removexattr(task: Any, path: int, name: int) -> int:
    _resolve(task, path, True)
    return _get(task, name)


@syscall(198, "lremovexattr", "s", "p")
def sys_lremovexattr(task: Any, path: int, name: int) -> int:
    _resolve(task, path, False)
    return _get(task, name)


@syscall(199, "fremovexattr", "fd", "p")
def sys_fremovexattr(task: Any, fd: int, name: int) -> int:
    get_file(task, fd)
    return _get(task, name)
