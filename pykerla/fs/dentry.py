"""Dentries: the named tree of the VFS, one tree per mount, cached as paths are walked.

A Dentry binds a name in a parent directory to an inode within one Mount. Children are
looked up through the directory inode and cached, so a name keeps one dentry (the
identity cwd, mount points and open files rely on); the VFS moves dentries on rename. A mount root's parent
is itself; crossing to the mount below is the path walk's job (fs/namei.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .inode import Inode

if TYPE_CHECKING:
    from .mount import Mount


class Dentry:
    """A name of an inode in a directory of one mount."""

    __slots__ = ("name", "parent", "inode", "mount", "children", "mounted", "deleted", "__weakref__")

    def __init__(self, name: bytes, parent: Dentry | None, inode: Inode, mount: Mount) -> None:
        self.name = name
        self.parent: Dentry = parent if parent is not None else self
        self.inode = inode
        self.mount = mount
        self.children: dict[bytes, Dentry] = {}
        self.mounted: Mount | None = None  # the top-most mount whose mount point this is
        self.deleted = False

    @property
    def is_root(self) -> bool:
        """True for the root of its mount."""
        return self.parent is self

    def child(self, name: bytes) -> Dentry | None:
        """The dentry of `name` in this directory (no "." / ".."), or None if absent.

        The directory inode is always asked: a cached dentry is kept only while it still
        names the same inode, so names changed behind the VFS (devfs nodes, procfs
        entries, another bind mount) are seen at once.
        """
        inode = self.inode.lookup(name)
        d = self.children.get(name)
        if d is not None:
            if d.inode is inode:
                return d
            self.drop_child(name)
        if inode is None:
            return None
        d = Dentry(name, self, inode, self.mount)
        self.children[name] = d
        return d

    def add_child(self, name: bytes, inode: Inode) -> Dentry:
        """Record a name the VFS has just created."""
        d = Dentry(name, self, inode, self.mount)
        self.children[name] = d
        return d

    def drop_child(self, name: bytes) -> None:
        """Forget a name the VFS has just removed; open files keep their dentry, now deleted."""
        d = self.children.pop(name, None)
        if d is not None:
            d.deleted = True

    def move_to(self, new_parent: Dentry, new_name: bytes) -> None:
        """Follow a rename: this dentry now lives at new_parent/new_name."""
        if self.parent.children.get(self.name) is self:
            del self.parent.children[self.name]
        new_parent.drop_child(new_name)
        self.parent = new_parent
        self.name = new_name
        new_parent.children[new_name] = self

    def is_ancestor_of(self, other: Dentry) -> bool:
        """True if `other` is this dentry or below it within the same mount."""
        d = other
        while True:
            if d is self:
                return True
            if d.is_root:
                return False
            d = d.parent

    def path_from(self, root: Dentry | None = None) -> bytes | None:
        """The absolute path of this dentry as seen from `root` (None: the namespace root).

        Crosses mount points upwards. Returns None when the dentry is not below `root`.
        """
        parts: list[bytes] = []
        d = self
        while d is not root:
            if d.is_root:
                parent_mount = d.mount.parent
                if parent_mount is None or d.mount.mountpoint is None:
                    if root is not None:
                        return None
                    break
                d = d.mount.mountpoint
                continue
            parts.append(d.name)
            d = d.parent
        return b"/" + b"/".join(reversed(parts))

    def path(self, root: Dentry | None = None) -> bytes:
        """The path of this dentry for display (/proc, getcwd): from `root` when below it,
        else from the namespace root; " (deleted)" is appended to a removed name."""
        p = self.path_from(root)
        if p is None:
            p = self.path_from(None)
            assert p is not None
        return p + b" (deleted)" if self.deleted else p

    def __repr__(self) -> str:
        return f"<Dentry {self.path()!r}>"
