"""getdents64 and getdents: directory entries in struct linux_dirent64 / linux_dirent."""

from __future__ import annotations

import errno
import struct
from collections.abc import Callable
from typing import Any

from ..errors import KernelError
from ..fs.inode import DirEntry
from .fs_common import get_file
from .table import syscall

_DIRENT64 = struct.Struct("<QqHB")  # d_ino d_off d_reclen d_type, then d_name
_DIRENT = struct.Struct("<QQH")  # d_ino d_off d_reclen, then d_name, NUL, padding, d_type


def _align8(n: int) -> int:
    return (n + 7) & ~7


def pack_dirent64(e: DirEntry) -> bytes:
    reclen = _align8(_DIRENT64.size + len(e.name) + 1)
    rec = _DIRENT64.pack(e.ino, e.cookie, reclen, e.dtype) + e.name
    return rec + bytes(reclen - len(rec))


def pack_dirent(e: DirEntry) -> bytes:
    reclen = _align8(_DIRENT.size + len(e.name) + 2)
    rec = _DIRENT.pack(e.ino, e.cookie, reclen) + e.name
    return rec + bytes(reclen - len(rec) - 1) + bytes([e.dtype])


def _getdents(task: Any, fd: int, dirp: int, count: int, pack: Callable[[DirEntry], bytes]) -> int:
    file = get_file(task, fd)
    out = bytearray()
    for entry in file.entries():
        rec = pack(entry)
        if len(out) + len(rec) > count:
            if not out:
                raise KernelError(errno.EINVAL)
            break
        out += rec
        file.pos = entry.cookie
    task.mm.write(dirp, bytes(out))
    return len(out)


@syscall(217, "getdents64", "fd", "p", "u")
def sys_getdents64(task: Any, fd: int, dirp: int, count: int) -> int:
    return _getdents(task, fd, dirp, count & 0xFFFFFFFF, pack_dirent64)


@syscall(78, "getdents", "fd", "p", "u")
def sys_getdents(task: Any, fd: int, dirp: int, count: int) -> int:
    return _getdents(task, fd, dirp, count & 0xFFFFFFFF, pack_dirent)
