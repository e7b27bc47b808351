"""Path walk: turning a path into a dentry, as Linux's fs/namei.c does.

Rules implemented: absolute paths start at the task's root, relative ones at a given
start dentry (cwd or a dirfd); search permission (X) on every directory walked; "." and
".." (".." above the root stays at the root, ".." at a mount root goes to the mount
point first); mounts are crossed downwards after every step; symlinks are followed in
every component but the last, and in the last one when asked or when a trailing slash is
present, absolute targets restart at the root, relative ones at the link's directory;
more than 40 links in one walk is ELOOP; a trailing slash requires a directory.
"""

from __future__ import annotations

import errno
from typing import NamedTuple, Protocol

from ..errors import KernelError
from .context import KERNEL_CREDS, FsContext
from .dentry import Dentry
from .flags import MAXSYMLINKS, NAME_MAX, PATH_MAX, X_OK
from .inode import Creds, permission

LAST_NORM = 0
LAST_ROOT = 1
LAST_DOT = 2
LAST_DOTDOT = 3


class TaskLike(Protocol):
    fs: FsContext
    creds: Creds


class Nameidata:
    """The state of one walk: the root it cannot leave, the credentials, links followed."""

    __slots__ = ("root", "creds", "links")

    def __init__(self, root: Dentry, creds: Creds) -> None:
        self.root = root
        self.creds = creds
        self.links = 0


class Last(NamedTuple):
    """The result of a walk to the parent: the directory and the final component."""

    parent: Dentry
    name: bytes
    kind: int  # LAST_NORM, LAST_ROOT, LAST_DOT or LAST_DOTDOT
    trailing_slash: bool


def nameidata(task: TaskLike) -> Nameidata:
    return Nameidata(task.fs.root, task.creds)


def follow_mounts(d: Dentry) -> Dentry:
    """The root of the top-most mount stacked on `d`, or `d` itself."""
    while d.mounted is not None:
        d = d.mounted.root
    return d


def check_path(path: bytes) -> None:
    if not path:
        raise KernelError(errno.ENOENT)
    if len(path) >= PATH_MAX:
        raise KernelError(errno.ENAMETOOLONG)


def _dotdot(nd: Nameidata, d: Dentry) -> Dentry:
    while True:
        if d is nd.root:
            return d
        if not d.is_root:
            return follow_mounts(d.parent)
        mountpoint = d.mount.mountpoint
        if mountpoint is None:
            return d
        d = mountpoint


def _split(path: bytes) -> tuple[bool, list[bytes], bool]:
    return path.startswith(b"/"), [c for c in path.split(b"/") if c], path.endswith(b"/")


def _follow_link(nd: Nameidata, directory: Dentry, link: Dentry) -> Dentry:
    nd.links += 1
    if nd.links > MAXSYMLINKS:
        raise KernelError(errno.ELOOP)
    jump = link.inode.jump_link()
    if jump is not None:  # nd_jump_link: the open file itself, even one no path names (a pipe)
        return jump
    target = link.inode.readlink()
    link.inode.touch_read()
    if not target:
        raise KernelError(errno.ENOENT)
    return walk(nd, directory, target, follow=True)


def step(nd: Nameidata, cur: Dentry, name: bytes, follow: bool) -> Dentry:
    """Resolve one component `name` in directory `cur`."""
    if not cur.inode.is_dir:
        raise KernelError(errno.ENOTDIR)
    permission(cur.inode, nd.creds, X_OK)
    if name == b".":
        return cur
    if name == b"..":
        return _dotdot(nd, cur)
    if len(name) > NAME_MAX:
        raise KernelError(errno.ENAMETOOLONG)
    child = cur.child(name)
    if child is None:
        raise KernelError(errno.ENOENT)
    child = follow_mounts(child)
    if follow and child.inode.is_symlink:
        return _follow_link(nd, cur, child)
    return child


def walk(nd: Nameidata, start: Dentry, path: bytes, follow: bool = True) -> Dentry:
    """Resolve `path` from `start` (ignored for absolute paths); `follow` applies to the
    last component (a trailing slash always follows)."""
    absolute, comps, trailing = _split(path)
    cur = nd.root if absolute else start
    last = len(comps) - 1
    for i, name in enumerate(comps):
        cur = step(nd, cur, name, follow=i < last or follow or trailing)
    if trailing and not cur.inode.is_dir:
        raise KernelError(errno.ENOTDIR)
    return cur


def walk_parent(nd: Nameidata, start: Dentry, path: bytes) -> Last:
    """Resolve all but the last component of `path`; the parent must be a directory."""
    absolute, comps, trailing = _split(path)
    cur = nd.root if absolute else start
    if not comps:
        return Last(cur, b"", LAST_ROOT if absolute else LAST_DOT, trailing)
    for name in comps[:-1]:
        cur = step(nd, cur, name, follow=True)
    if not cur.inode.is_dir:
        raise KernelError(errno.ENOTDIR)
    name = comps[-1]
    kind = LAST_DOT if name == b"." else LAST_DOTDOT if name == b".." else LAST_NORM
    if len(name) > NAME_MAX:
        raise KernelError(errno.ENAMETOOLONG)
    return Last(cur, name, kind, trailing)


def lookup_child(nd: Nameidata, parent: Dentry, name: bytes) -> Dentry | None:
    """The (mount-crossed) dentry of a normal name in `parent`, or None; needs search
    permission on `parent`."""
    permission(parent.inode, nd.creds, X_OK)
    child = parent.child(name)
    return follow_mounts(child) if child is not None else None


def follow_last_link(nd: Nameidata, last: Last, link: Dentry) -> Last:
    """For creating opens: the parent and name that a symlink in last position points to."""
    nd.links += 1
    if nd.links > MAXSYMLINKS:
        raise KernelError(errno.ELOOP)
    target = link.inode.readlink()
    if not target:
        raise KernelError(errno.ENOENT)
    return walk_parent(nd, last.parent, target)


def lookup(who: TaskLike | FsContext, path: bytes | str, follow: bool = True) -> Dentry:
    """Resolve `path` for a task (its root, cwd and credentials) or for an FsContext
    (kernel credentials). Raises KernelError(ENOENT, ENOTDIR, ELOOP, EACCES...)."""
    if isinstance(path, str):
        path = path.encode()
    check_path(path)
    if isinstance(who, FsContext):
        nd = Nameidata(who.root, KERNEL_CREDS)
        return walk(nd, who.cwd, path, follow)
    return walk(nameidata(who), who.fs.cwd, path, follow)
