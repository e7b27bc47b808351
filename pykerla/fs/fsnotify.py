"""File-system notification (Linux's fsnotify): watches placed on inodes, and the hooks the
VFS calls when a name is created, removed or moved or a file is modified or closed.

A Watch belongs to a listener (an inotify instance, fs/inotify.py) that receives
`event(watch, mask, cookie, name)` for events in its mask and `watch_gone(watch)` when the
watched inode is deleted. Events about a directory entry (create, delete, move) go to the
directory's watches with the entry's name; events about a file (modify, close) go to its
parent directory's watches with its name, then to its own watches; IN_ISDIR marks events
whose subject is a directory. The hooks cost one test while nothing is watched.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Protocol

from .flags import O_PATH

if TYPE_CHECKING:
    from .dentry import Dentry
    from .file import OpenFile
    from .inode import Inode

IN_ACCESS = 0x1
IN_MODIFY = 0x2
IN_ATTRIB = 0x4
IN_CLOSE_WRITE = 0x8
IN_CLOSE_NOWRITE = 0x10
IN_OPEN = 0x20
IN_MOVED_FROM = 0x40
IN_MOVED_TO = 0x80
IN_CREATE = 0x100
IN_DELETE = 0x200
IN_DELETE_SELF = 0x400
IN_MOVE_SELF = 0x800
IN_ALL_EVENTS = 0xFFF
IN_ISDIR = 0x40000000


class Listener(Protocol):
    def event(self, watch: Watch, mask: int, cookie: int, name: bytes) -> None: ...

    def watch_gone(self, watch: Watch) -> None: ...


class Watch:
    """Interest of one listener in one inode; `mask` as given to inotify_add_watch."""

    __slots__ = ("listener", "inode", "wd", "mask")

    def __init__(self, listener: Listener, inode: Inode, wd: int, mask: int) -> None:
        self.listener = listener
        self.inode = inode
        self.wd = wd
        self.mask = mask


_watches: dict[Inode, list[Watch]] = {}
_cookies = itertools.count(1)


def watches_of(inode: Inode) -> list[Watch]:
    return list(_watches.get(inode, ()))


def add_watch(watch: Watch) -> None:
    _watches.setdefault(watch.inode, []).append(watch)


def remove_watch(watch: Watch) -> None:
    watches = _watches.get(watch.inode)
    if watches is not None and watch in watches:
        watches.remove(watch)
        if not watches:
            del _watches[watch.inode]


def _isdir(inode: Inode) -> int:
    return IN_ISDIR if inode.is_dir else 0


def _emit(inode: Inode, mask: int, cookie: int = 0, name: bytes = b"") -> None:
    for watch in watches_of(inode):
        if watch.mask & mask & IN_ALL_EVENTS:
            watch.listener.event(watch, mask, cookie, name)


def _deleted(inode: Inode) -> None:
    """The inode lost its last name: IN_DELETE_SELF, then its watches go."""
    if inode.nlink == 0 and inode in _watches:
        _emit(inode, IN_DELETE_SELF)
        for watch in watches_of(inode):
            watch.listener.watch_gone(watch)


# -- hooks called by the VFS ----------------------------------------------------------------
def notify_create(parent: Dentry, name: bytes, inode: Inode) -> None:
    if _watches:
        _emit(parent.inode, IN_CREATE | _isdir(inode), 0, name)


def notify_delete(parent: Dentry, name: bytes, inode: Inode) -> None:
    if _watches:
        _deleted(inode)
        _emit(parent.inode, IN_DELETE | _isdir(inode), 0, name)


def notify_move(old_parent: Dentry, old_name: bytes, new_parent: Dentry, new_name: bytes, inode: Inode,
                replaced: Inode | None = None) -> None:
    if not _watches:
        return
    cookie = next(_cookies) & 0xFFFFFFFF
    isdir = _isdir(inode)
    _emit(old_parent.inode, IN_MOVED_FROM | isdir, cookie, old_name)
    _emit(new_parent.inode, IN_MOVED_TO | isdir, cookie, new_name)
    _emit(inode, IN_MOVE_SELF)
    if replaced is not None:
        _deleted(replaced)


def notify_rename(old_parent: Dentry, old_name: bytes, new_parent: Dentry, new_name: bytes, source: Inode,
                  target: Inode | None, exchange: bool) -> None:
    """rename(): the source moved; with RENAME_EXCHANGE the target moved the other way,
    otherwise a replaced target lost a name."""
    if exchange:
        assert target is not None
        notify_move(old_parent, old_name, new_parent, new_name, source)
        notify_move(new_parent, new_name, old_parent, old_name, target)
    else:
        notify_move(old_parent, old_name, new_parent, new_name, source, target)


def notify_file(dentry: Dentry, mask: int) -> None:
    """An event about the file itself (IN_MODIFY, IN_CLOSE_*)."""
    if not _watches:
        return
    mask |= _isdir(dentry.inode)
    if not dentry.is_root:
        _emit(dentry.parent.inode, mask, 0, dentry.name)
    _emit(dentry.inode, mask)


def notify_close(file: OpenFile) -> None:
    """The last reference to an open file is gone (O_PATH descriptors report nothing)."""
    if _watches and file.dentry is not None and not file.flags & O_PATH:
        notify_file(file.dentry, IN_CLOSE_WRITE if file.writable else IN_CLOSE_NOWRITE)
