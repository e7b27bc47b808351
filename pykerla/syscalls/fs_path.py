"""Name system calls: mkdir, mknod, rmdir, unlink, rename, link, symlink, readlink (and
their *at forms), chdir/fchdir/getcwd, chroot."""

from __future__ import annotations

import errno
from typing import Any

from ..errors import KernelError
from ..fs import vfs
from ..fs.flags import AT_EMPTY_PATH, AT_FDCWD, AT_REMOVEDIR, AT_SYMLINK_FOLLOW
from ..fs.inode import decode_user_dev
from .fs_common import get_file, read_path, resolve_at, start_dir
from .table import syscall


def _at(task: Any, dirfd: int, path_addr: int) -> tuple[Any, bytes]:
    path = read_path(task, path_addr)
    return start_dir(task, dirfd, path), path


@syscall(83, "mkdir", "s", "o")
def sys_mkdir(task: Any, path: int, mode: int) -> int:
    vfs.mkdir(task, *_at(task, AT_FDCWD, path), mode)
    return 0


@syscall(258, "mkdirat", "dirfd", "s", "o")
def sys_mkdirat(task: Any, dirfd: int, path: int, mode: int) -> int:
    vfs.mkdir(task, *_at(task, dirfd, path), mode)
    return 0


@syscall(133, "mknod", "s", "o", "x")
def sys_mknod(task: Any, path: int, mode: int, dev: int) -> int:
    vfs.mknod(task, *_at(task, AT_FDCWD, path), mode, decode_user_dev(dev))
    return 0


@syscall(259, "mknodat", "dirfd", "s", "o", "x")
def sys_mknodat(task: Any, dirfd: int, path: int, mode: int, dev: int) -> int:
    vfs.mknod(task, *_at(task, dirfd, path), mode, decode_user_dev(dev))
    return 0


@syscall(84, "rmdir", "s")
def sys_rmdir(task: Any, path: int) -> int:
    vfs.rmdir(task, *_at(task, AT_FDCWD, path))
    return 0


@syscall(87, "unlink", "s")
def sys_unlink(task: Any, path: int) -> int:
    vfs.unlink(task, *_at(task, AT_FDCWD, path))
    return 0


@syscall(263, "unlinkat", "dirfd", "s", "x")
def sys_unlinkat(task: Any, dirfd: int, path: int, flags: int) -> int:
    if flags & ~AT_REMOVEDIR:
        raise KernelError(errno.EINVAL)
    (vfs.rmdir if flags & AT_REMOVEDIR else vfs.unlink)(task, *_at(task, dirfd, path))
    return 0


def _rename(task: Any, olddirfd: int, old: int, newdirfd: int, new: int, flags: int) -> int:
    old_start, old_path = _at(task, olddirfd, old)
    new_start, new_path = _at(task, newdirfd, new)
    vfs.rename(task, old_start, old_path, new_start, new_path, flags)
    return 0


@syscall(82, "rename", "s", "s")
def sys_rename(task: Any, old: int, new: int) -> int:
    return _rename(task, AT_FDCWD, old, AT_FDCWD, new, 0)


@syscall(264, "renameat", "dirfd", "s", "dirfd", "s")
def sys_renameat(task: Any, olddirfd: int, old: int, newdirfd: int, new: int) -> int:
    return _rename(task, olddirfd, old, newdirfd, new, 0)


@syscall(316, "renameat2", "dirfd", "s", "dirfd", "s", "x")
def sys_renameat2(task: Any, olddirfd: int, old: int, newdirfd: int, new: int, flags: int) -> int:
    return _rename(task, olddirfd, old, newdirfd, new, flags)


def _link(task: Any, olddirfd: int, old: int, newdirfd: int, new: int, flags: int) -> int:
    if flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH):
        raise KernelError(errno.EINVAL)
    if flags & AT_EMPTY_PATH and task.creds.euid != 0:
        raise KernelError(errno.ENOENT)  # needs CAP_DAC_READ_SEARCH
    source = resolve_at(task, olddirfd, old, follow=bool(flags & AT_SYMLINK_FOLLOW), flags=flags)
    vfs.link(task, source, *_at(task, newdirfd, new))
    return 0


@syscall(86, "link", "s", "s")
def sys_link(task: Any, old: int, new: int) -> int:
    return _link(task, AT_FDCWD, old, AT_FDCWD, new, 0)


@syscall(265, "linkat", "dirfd", "s", "dirfd", "s", "x")
def sys_linkat(task: Any, olddirfd: int, old: int, newdirfd: int, new: int, flags: int) -> int:
    return _link(task, olddirfd, old, newdirfd, new, flags)


@syscall(88, "symlink", "s", "s")
def sys_symlink(task: Any, target: int, path: int) -> int:
    vfs.symlink(task, read_path(task, target), *_at(task, AT_FDCWD, path))
    return 0


@syscall(266, "symlinkat", "s", "dirfd", "s")
def sys_symlinkat(task: Any, target: int, dirfd: int, path: int) -> int:
    vfs.symlink(task, read_path(task, target), *_at(task, dirfd, path))
    return 0


def _readlink(task: Any, dirfd: int, path: int, buf: int, size: int) -> int:
    if size <= 0:
        raise KernelError(errno.EINVAL)
    dentry = resolve_at(task, dirfd, path, follow=False, flags=AT_EMPTY_PATH)
    if not dentry.inode.is_symlink and not read_path(task, path, allow_empty=True):
        raise KernelError(errno.ENOENT)  # an empty path names dirfd, which must be a link
    target = vfs.readlink(dentry)[:size]
    task.mm.write(buf, target)
    return len(target)


@syscall(89, "readlink", "s", "p", "i")
def sys_readlink(task: Any, path: int, buf: int, size: int) -> int:
    return _readlink(task, AT_FDCWD, path, buf, size)


@syscall(267, "readlinkat", "dirfd", "s", "p", "i")
def sys_readlinkat(task: Any, dirfd: int, path: int, buf: int, size: int) -> int:
    return _readlink(task, dirfd, path, buf, size)


@syscall(80, "chdir", "s")
def sys_chdir(task: Any, path: int) -> int:
    vfs.chdir(task.fs, task.creds, resolve_at(task, AT_FDCWD, path, follow=True))
    return 0


@syscall(81, "fchdir", "fd")
def sys_fchdir(task: Any, fd: int) -> int:
    file = get_file(task, fd, allow_path=True)
    if file.dentry is None:
        raise KernelError(errno.ENOTDIR)
    vfs.chdir(task.fs, task.creds, file.dentry)
    return 0


@syscall(79, "getcwd", "p", "u")
def sys_getcwd(task: Any, buf: int, size: int) -> int:
    cwd = task.fs.cwd
    if cwd.inode.nlink == 0:
        raise KernelError(errno.ENOENT)
    path = cwd.path_from(task.fs.root)
    if path is None:
        path = b"(unreachable)" + cwd.path()
    path += b"\0"
    if len(path) > size:
        raise KernelError(errno.ERANGE)
    task.mm.write(buf, path)
    return len(path)


@syscall(161, "chroot", "s")
def sys_chroot(task: Any, path: int) -> int:
    vfs.chroot(task.fs, task.creds, resolve_at(task, AT_FDCWD, path, follow=True))
    return 0
