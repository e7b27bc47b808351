"""VFS operations: open, create, remove, rename and attribute changes, with Linux's checks.

Every function takes the calling task (for task.creds and task.fs) and, for path-based
operations, the dentry relative paths start from (the cwd or a dirfd's directory). They
validate names, existence, types, permissions (including the sticky bit), read-only
mounts and mount points, then call the directory inode's operation and keep the dentry
cache in step. The system-call handlers are thin wrappers around these.
"""

from __future__ import annotations

import errno
from typing import Any

from ..errors import KernelError
from .dentry import Dentry
from .devfs import open_char_device
from .file import Backing, DirectoryFile, OpenFile, RegularFile, backing_of, truncate_inode
from .flags import (
    O_ACCMODE,
    O_CREAT,
    O_DIRECTORY,
    O_EXCL,
    O_NOATIME,
    O_NOFOLLOW,
    O_PATH,
    O_RDONLY,
    O_RDWR,
    O_TMPFILE,
    O_TRUNC,
    O_WRONLY,
    R_OK,
    RENAME_EXCHANGE,
    RENAME_NOREPLACE,
    S_IALLUGO,
    S_IFBLK,
    S_IFCHR,
    S_IFDIR,
    S_IFIFO,
    S_IFMT,
    S_IFREG,
    S_IFSOCK,
    S_ISGID,
    S_ISUID,
    S_ISVTX,
    W_OK,
    X_OK,
)
from .inode import Inode, in_group, now_ns, permission
from .mount import MS_NODEV, MS_NOEXEC, Mount
from .namei import (
    LAST_DOT,
    LAST_DOTDOT,
    LAST_NORM,
    LAST_ROOT,
    Last,
    follow_last_link,
    lookup_child,
    nameidata,
    walk,
    walk_parent,
)
from .fsnotify import IN_MODIFY, notify_create, notify_delete, notify_file, notify_rename
from .pipe import open_fifo

UTIME_NOW = (1 << 30) - 1
UTIME_OMIT = (1 << 30) - 2
NO_CHANGE = -1  # chown: leave the id as it is


def _creds(task: Any) -> Any:
    return task.creds


def check_writable_mount(where: Dentry | Mount | None) -> None:
    """EROFS on a read-only mount (`where` is a dentry, its mount, or None: no mount)."""
    mount = where.mount if isinstance(where, Dentry) else where
    if mount is not None and mount.readonly:
        raise KernelError(errno.EROFS)


def _may_create(task: Any, parent: Dentry) -> None:
    if parent.inode.nlink == 0:
        raise KernelError(errno.ENOENT)
    permission(parent.inode, _creds(task), W_OK | X_OK)
    check_writable_mount(parent)


def _may_delete(task: Any, parent: Dentry, victim: Dentry, isdir: bool) -> None:
    permission(parent.inode, _creds(task), W_OK | X_OK)
    check_writable_mount(parent)
    creds = _creds(task)
    dir_inode, inode = parent.inode, victim.inode
    if dir_inode.mode & S_ISVTX and creds.fsuid not in (0, inode.uid, dir_inode.uid):
        raise KernelError(errno.EPERM)
    if isdir:
        if not inode.is_dir:
            raise KernelError(errno.ENOTDIR)
        if victim is task.fs.root:
            raise KernelError(errno.EBUSY)
    elif inode.is_dir:
        raise KernelError(errno.EISDIR)
    if victim.mounted is not None:
        raise KernelError(errno.EBUSY)


def _new_owner(task: Any, parent: Dentry, mode: int) -> tuple[int, int, int]:
    """uid, gid and mode of a new inode: a set-gid directory passes on its group (and,
    to subdirectories, the set-gid bit)."""
    creds = _creds(task)
    if parent.inode.mode & S_ISGID:
        if mode & S_IFMT == S_IFDIR:
            mode |= S_ISGID
        return creds.fsuid, parent.inode.gid, mode
    return creds.fsuid, creds.fsgid, mode


def _parent_for_create(task: Any, start: Dentry, path: bytes, want_dir: bool = False) -> Last:
    """The parent and name of a new inode; a trailing slash is only for directories."""
    nd = nameidata(task)
    last = walk_parent(nd, start, path)
    if last.kind != LAST_NORM or lookup_child(nd, last.parent, last.name) is not None:
        raise KernelError(errno.EEXIST)
    if last.trailing_slash and not want_dir:
        raise KernelError(errno.ENOENT)
    _may_create(task, last.parent)
    return last


# -- open ----------------------------------------------------------------------------

def open_path(task: Any, start: Dentry, path: bytes, flags: int, mode: int = 0) -> OpenFile:
    """open(2)/openat(2) after the path string has been read: returns an OpenFile with
    no references (install it in the fd table)."""
    nd = nameidata(task)
    if flags & O_TMPFILE == O_TMPFILE:
        return _open_tmpfile(task, walk(nd, start, path), flags, mode)
    created = False
    if flags & O_CREAT and not flags & O_PATH:
        last = walk_parent(nd, start, path)
        while True:
            if last.kind != LAST_NORM or last.trailing_slash:
                raise KernelError(errno.EISDIR)
            child = lookup_child(nd, last.parent, last.name)
            if child is None:
                _may_create(task, last.parent)
                uid, gid, fmode = _new_owner(task, last.parent, S_IFREG | (mode & ~task.fs.umask & S_IALLUGO))
                inode = last.parent.inode.create(last.name, fmode, uid, gid)
                dentry = last.parent.add_child(last.name, inode)
                notify_create(last.parent, last.name, inode)
                created = True
                break
            if flags & O_EXCL:
                raise KernelError(errno.EEXIST)
            if child.inode.is_symlink and not flags & O_NOFOLLOW:
                jump = child.inode.jump_link()
                if jump is not None:  # a magic link (/dev/stderr -> /proc/self/fd/2): that file
                    dentry = jump
                    break
                last = follow_last_link(nd, last, child)
                continue
            dentry = child
            break
    else:
        dentry = walk(nd, start, path, follow=not flags & O_NOFOLLOW)
    return open_dentry(task, dentry, flags, created)


def _open_tmpfile(task: Any, directory: Dentry, flags: int, mode: int) -> OpenFile:
    """O_TMPFILE: an unnamed file on the directory's file system; linkat() can name it
    unless O_EXCL was given."""
    if flags & O_ACCMODE not in (O_WRONLY, O_RDWR):
        raise KernelError(errno.EINVAL)
    if not directory.inode.is_dir:
        raise KernelError(errno.ENOTDIR)
    _may_create(task, directory)
    uid, gid, fmode = _new_owner(task, directory, S_IFREG | (mode & ~task.fs.umask & S_IALLUGO))
    inode = directory.inode.tmpfile(fmode, uid, gid)
    inode.linkable = not flags & O_EXCL
    dentry = Dentry(b"#%d" % inode.ino, directory, inode, directory.mount)
    dentry.deleted = True
    return RegularFile(inode, flags, dentry)


def open_dentry(task: Any, dentry: Dentry, flags: int, created: bool = False) -> OpenFile:
    """Open a resolved dentry: type and permission checks, O_TRUNC, then the file object
    of its type (or the file system's own, see Inode.open_file)."""
    inode = dentry.inode
    if flags & O_PATH:
        if flags & O_DIRECTORY and not inode.is_dir:
            raise KernelError(errno.ENOTDIR)
        return OpenFile(inode, flags & (O_PATH | O_DIRECTORY | O_NOFOLLOW), dentry)
    if inode.is_symlink:
        raise KernelError(errno.ELOOP)
    if flags & O_DIRECTORY and not inode.is_dir:
        raise KernelError(errno.ENOTDIR)
    acc = flags & O_ACCMODE
    want = {O_RDONLY: R_OK, O_WRONLY: W_OK}.get(acc, R_OK | W_OK)
    if flags & O_TRUNC:
        want |= W_OK
    if inode.is_dir and (want & W_OK or flags & O_CREAT):
        raise KernelError(errno.EISDIR)
    if not created:
        permission(inode, _creds(task), want)
    if want & W_OK and (inode.is_reg or inode.is_dir):
        check_writable_mount(dentry)
    if (inode.is_chr or inode.is_blk) and dentry.mount.flags & MS_NODEV:
        raise KernelError(errno.EACCES)
    if flags & O_NOATIME and _creds(task).fsuid not in (0, inode.uid):
        raise KernelError(errno.EPERM)
    special = inode.open_file(task, dentry, flags)
    if special is not None:
        return special
    if inode.is_reg:
        if flags & O_TRUNC and not created and inode.size:
            truncate_inode(inode, 0)
        return RegularFile(inode, flags, dentry)
    if inode.is_dir:
        return DirectoryFile(inode, flags, dentry)
    if inode.is_chr:
        return open_char_device(task, dentry, flags)
    if inode.is_fifo:
        return open_fifo(task, dentry, flags)
    raise KernelError(errno.ENXIO)  # block devices and sockets cannot be opened


def open_exec(task: Any, dentry: Dentry) -> Backing:
    """Checks of execve on the resolved file (EACCES unless a regular file with execute
    permission on an exec-allowed mount) and its pages; ENOEXEC is the loader's job."""
    inode = dentry.inode
    if not inode.is_reg or dentry.mount.flags & MS_NOEXEC:
        raise KernelError(errno.EACCES)
    permission(inode, _creds(task), X_OK)
    inode.touch_read()
    return backing_of(dentry)


# -- names -----------------------------------------------------------------------------

def mkdir(task: Any, start: Dentry, path: bytes, mode: int) -> None:
    last = _parent_for_create(task, start, path, want_dir=True)
    uid, gid, dmode = _new_owner(task, last.parent, S_IFDIR | (mode & ~task.fs.umask & 0o1777))
    inode = last.parent.inode.mkdir(last.name, dmode, uid, gid)
    last.parent.add_child(last.name, inode)
    notify_create(last.parent, last.name, inode)


def mknod(task: Any, start: Dentry, path: bytes, mode: int, rdev: int) -> Inode:
    kind = mode & S_IFMT
    if kind == 0:
        kind = S_IFREG
    if kind == S_IFDIR:
        raise KernelError(errno.EPERM)
    if kind not in (S_IFREG, S_IFCHR, S_IFBLK, S_IFIFO, S_IFSOCK):
        raise KernelError(errno.EINVAL)
    if kind in (S_IFCHR, S_IFBLK) and _creds(task).euid != 0:
        raise KernelError(errno.EPERM)
    last = _parent_for_create(task, start, path)
    uid, gid, fmode = _new_owner(task, last.parent, kind | (mode & ~task.fs.umask & S_IALLUGO))
    inode = last.parent.inode.create(last.name, fmode, uid, gid, rdev if kind in (S_IFCHR, S_IFBLK) else 0)
    last.parent.add_child(last.name, inode)
    notify_create(last.parent, last.name, inode)
    return inode  # a socket's bind (net/unix.py) attaches itself to it


def symlink(task: Any, target: bytes, start: Dentry, path: bytes) -> None:
    if not target:
        raise KernelError(errno.ENOENT)
    last = _parent_for_create(task, start, path)
    uid, gid, _ = _new_owner(task, last.parent, 0)
    inode = last.parent.inode.symlink(last.name, target, uid, gid)
    last.parent.add_child(last.name, inode)
    notify_create(last.parent, last.name, inode)


def link(task: Any, old: Dentry, start: Dentry, path: bytes) -> None:
    """Make `path` another name of the resolved `old`."""
    if old.inode.is_dir:
        raise KernelError(errno.EPERM)
    last = _parent_for_create(task, start, path)
    if last.parent.mount is not old.mount:
        raise KernelError(errno.EXDEV)
    if old.inode.nlink == 0 and not old.inode.linkable:
        raise KernelError(errno.ENOENT)
    old.inode.linkable = False
    last.parent.inode.link(last.name, old.inode)
    last.parent.add_child(last.name, old.inode)
    notify_create(last.parent, last.name, old.inode)


def _victim(task: Any, start: Dentry, path: bytes) -> tuple[Last, Dentry | None]:
    nd = nameidata(task)
    last = walk_parent(nd, start, path)
    if last.kind != LAST_NORM:
        return last, None
    permission(last.parent.inode, nd.creds, X_OK)
    return last, last.parent.child(last.name)


def unlink(task: Any, start: Dentry, path: bytes) -> None:
    last, victim = _victim(task, start, path)
    if last.kind != LAST_NORM:
        raise KernelError(errno.EISDIR)
    if victim is None:
        raise KernelError(errno.ENOENT)
    if last.trailing_slash:
        raise KernelError(errno.EISDIR if victim.inode.is_dir else errno.ENOTDIR)
    _may_delete(task, last.parent, victim, isdir=False)
    last.parent.inode.unlink(last.name)
    last.parent.drop_child(last.name)
    notify_delete(last.parent, last.name, victim.inode)


def rmdir(task: Any, start: Dentry, path: bytes) -> None:
    last, victim = _victim(task, start, path)
    if last.kind == LAST_DOT:
        raise KernelError(errno.EINVAL)
    if last.kind == LAST_DOTDOT:
        raise KernelError(errno.ENOTEMPTY)
    if last.kind == LAST_ROOT:
        raise KernelError(errno.EBUSY)
    if victim is None:
        raise KernelError(errno.ENOENT)
    _may_delete(task, last.parent, victim, isdir=True)
    if not victim.inode.is_empty():
        raise KernelError(errno.ENOTEMPTY)
    last.parent.inode.rmdir(last.name)
    last.parent.drop_child(last.name)
    notify_delete(last.parent, last.name, victim.inode)


def rename(task: Any, old_start: Dentry, old_path: bytes, new_start: Dentry, new_path: bytes,
           flags: int = 0) -> None:
    """rename/renameat2 with RENAME_NOREPLACE and RENAME_EXCHANGE."""
    if flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE) or flags == RENAME_NOREPLACE | RENAME_EXCHANGE:
        raise KernelError(errno.EINVAL)
    exchange = bool(flags & RENAME_EXCHANGE)
    nd = nameidata(task)
    old = walk_parent(nd, old_start, old_path)
    new = walk_parent(nd, new_start, new_path)
    if old.parent.mount is not new.parent.mount:
        raise KernelError(errno.EXDEV)
    if old.kind != LAST_NORM:
        raise KernelError(errno.EBUSY)
    if new.kind != LAST_NORM:
        raise KernelError(errno.EEXIST if flags & RENAME_NOREPLACE else errno.EBUSY)
    permission(old.parent.inode, nd.creds, X_OK)
    permission(new.parent.inode, nd.creds, X_OK)
    source = old.parent.child(old.name)
    if source is None:
        raise KernelError(errno.ENOENT)
    target = new.parent.child(new.name)
    if not source.inode.is_dir and (old.trailing_slash or (new.trailing_slash and not exchange)):
        raise KernelError(errno.ENOTDIR)
    if exchange and target is None:
        raise KernelError(errno.ENOENT)
    if target is not None and flags & RENAME_NOREPLACE:
        raise KernelError(errno.EEXIST)
    if source.is_ancestor_of(new.parent):
        raise KernelError(errno.EINVAL)
    if target is not None and target.is_ancestor_of(old.parent):
        raise KernelError(errno.EINVAL if exchange else errno.ENOTEMPTY)
    if target is not None and target.inode is source.inode:
        return
    _may_delete(task, old.parent, source, source.inode.is_dir)
    if target is None:
        _may_create(task, new.parent)
    else:
        _may_delete(task, new.parent, target, source.inode.is_dir if not exchange else target.inode.is_dir)
        if not exchange and target.inode.is_dir and not target.inode.is_empty():
            raise KernelError(errno.ENOTEMPTY)
    if old.parent is not new.parent:
        for moved in (source, target if exchange else None):
            if moved is not None and moved.inode.is_dir:
                permission(moved.inode, nd.creds, W_OK)
    old.parent.inode.rename(old.name, new.parent.inode, new.name, exchange)
    if exchange:
        assert target is not None
        del old.parent.children[old.name]
        del new.parent.children[new.name]
        source.parent, source.name, target.parent, target.name = new.parent, new.name, old.parent, old.name
        new.parent.children[new.name] = source
        old.parent.children[old.name] = target
    else:
        source.move_to(new.parent, new.name)
    notify_rename(old.parent, old.name, new.parent, new.name, source.inode,
                  target.inode if target is not None else None, exchange)


def readlink(dentry: Dentry) -> bytes:
    if not dentry.inode.is_symlink:
        raise KernelError(errno.EINVAL)
    dentry.inode.touch_read()
    return dentry.inode.readlink()


# -- attributes ------------------------------------------------------------------------

def _owner_or_root(task: Any, inode: Inode) -> None:
    if _creds(task).fsuid not in (0, inode.uid):
        raise KernelError(errno.EPERM)


def chmod(task: Any, inode: Inode, mount: Mount | None, mode: int) -> None:
    _owner_or_root(task, inode)
    check_writable_mount(mount)
    mode &= S_IALLUGO
    creds = _creds(task)
    if creds.fsuid != 0 and not inode.is_dir and not in_group(creds, inode.gid):
        mode &= ~S_ISGID
    inode.mode = (inode.mode & S_IFMT) | mode
    inode.touch(ctime=True)


def chown(task: Any, inode: Inode, mount: Mount | None, uid: int, gid: int) -> None:
    """uid/gid NO_CHANGE (-1) leave that id; non-root may only change the group of its
    own files to one of its groups. Set-id bits of non-directories are cleared."""
    creds = _creds(task)
    check_writable_mount(mount)
    if creds.fsuid != 0:
        if uid != NO_CHANGE and uid != inode.uid:
            raise KernelError(errno.EPERM)
        if gid != NO_CHANGE and (creds.fsuid != inode.uid or (gid != inode.gid and not in_group(creds, gid))):
            raise KernelError(errno.EPERM)
    if uid == NO_CHANGE and gid == NO_CHANGE:
        inode.touch(ctime=True)
        return
    if not inode.is_dir:
        clear = S_ISUID | (S_ISGID if inode.mode & 0o010 else 0)
        inode.mode &= ~clear
    if uid != NO_CHANGE:
        inode.uid = uid
    if gid != NO_CHANGE:
        inode.gid = gid
    inode.touch(ctime=True)


def truncate(task: Any, dentry: Dentry, length: int, check_access: bool = True) -> None:
    """truncate(2) (check_access) or ftruncate(2) on a file opened for writing."""
    inode = dentry.inode
    if length < 0:
        raise KernelError(errno.EINVAL)
    if inode.is_dir:
        raise KernelError(errno.EISDIR)
    if not inode.is_reg:
        raise KernelError(errno.EINVAL)
    if check_access:
        permission(inode, _creds(task), W_OK)
        check_writable_mount(dentry)
    truncate_inode(inode, length)
    notify_file(dentry, IN_MODIFY)


def set_times(task: Any, inode: Inode, mount: Mount | None, atime: int, mtime: int) -> None:
    """utimensat semantics; each time is nanoseconds, UTIME_NOW or UTIME_OMIT."""
    if atime == UTIME_OMIT and mtime == UTIME_OMIT:
        return
    check_writable_mount(mount)
    creds = _creds(task)
    if creds.fsuid not in (0, inode.uid):
        if atime != UTIME_NOW or mtime != UTIME_NOW:
            raise KernelError(errno.EPERM)
        permission(inode, creds, W_OK)
    t = now_ns()
    if atime != UTIME_OMIT:
        inode.atime_ns = t if atime == UTIME_NOW else atime
    if mtime != UTIME_OMIT:
        inode.mtime_ns = t if mtime == UTIME_NOW else mtime
    inode.ctime_ns = t


class _RealCreds:
    """access(2) checks with the real ids instead of the filesystem ids."""

    def __init__(self, creds: Any) -> None:
        self.fsuid = creds.uid
        self.fsgid = creds.gid
        self.groups = creds.groups


def access(task: Any, dentry: Dentry, mode: int, effective: bool = False) -> None:
    if mode & ~(R_OK | W_OK | X_OK):
        raise KernelError(errno.EINVAL)
    creds = _creds(task) if effective else _RealCreds(_creds(task))
    permission(dentry.inode, creds, mode)
    if mode & W_OK and not (dentry.inode.is_chr or dentry.inode.is_blk or dentry.inode.is_fifo
                            or dentry.inode.is_sock):
        check_writable_mount(dentry)


def chdir(fs: Any, creds: Any, dentry: Dentry) -> None:
    if not dentry.inode.is_dir:
        raise KernelError(errno.ENOTDIR)
    permission(dentry.inode, creds, X_OK)
    fs.cwd = dentry


def chroot(fs: Any, creds: Any, dentry: Dentry) -> None:
    if not dentry.inode.is_dir:
        raise KernelError(errno.ENOTDIR)
    permission(dentry.inode, creds, X_OK)
    if creds.euid != 0:
        raise KernelError(errno.EPERM)
    fs.root = dentry

