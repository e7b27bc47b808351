"""devpts, the file system of pseudo-terminal slaves (/dev/pts).

One instance holds a node per live pty, `N` for /dev/pts/N (char device 136:N, owned by
whoever opened the master), and `ptmx` (c 5:2). Every mount of "devpts" shows this same
instance, as Linux did before per-mount instances. The nodes open through the character
device registry (fs/devfs.py), where the pty layer (tty/pty.py) also registers each slave,
so devfs's own pts/ directory holds them too when nothing is mounted on /dev/pts. The pty
layer adds and removes the nodes:

    add_pts_node(index, uid, gid)
    remove_pts_node(index)
    devpts_root() -> Inode

The mount options gid=, mode= (of new slave nodes) and ptmxmode= apply to that instance.
"""

from __future__ import annotations

import errno
from collections.abc import Iterator

from ..errors import KernelError
from .flags import DT_CHR, S_IFCHR, S_IFDIR
from .inode import DirEntry, Inode, SuperBlock, makedev
from .mount import register_filesystem

DEVPTS_SUPER_MAGIC = 0x1CD1
UNIX98_PTY_SLAVE_MAJOR = 136
TTYAUX_MAJOR, PTMX_MINOR = 5, 2
PTMX_COOKIE = 2     # readdir position of "ptmx"; slave N follows at N + 3


class DevptsDir(Inode):
    """The root of the instance: `ptmx` and the slave nodes; nothing may be created in it."""

    def __init__(self, sb: SuperBlock) -> None:
        super().__init__(sb, S_IFDIR | 0o755, ino=1)
        self.ptmx = Inode(sb, S_IFCHR, rdev=makedev(TTYAUX_MAJOR, PTMX_MINOR), ino=2)
        self.nodes: dict[int, Inode] = {}
        self.slave_mode = 0o600
        self.slave_gid: int | None = None   # None: the opener's gid

    def lookup(self, name: bytes) -> Inode | None:
        if name == b"ptmx":
            return self.ptmx
        if name.isdigit() and (name == b"0" or not name.startswith(b"0")):
            return self.nodes.get(int(name))
        return None

    def readdir(self, cookie: int) -> Iterator[DirEntry]:
        if cookie <= PTMX_COOKIE:
            yield DirEntry(b"ptmx", self.ptmx.ino, DT_CHR, PTMX_COOKIE + 1)
        for index in sorted(self.nodes):
            if index + 3 >= cookie:
                yield DirEntry(str(index).encode(), self.nodes[index].ino, DT_CHR, index + 4)

    def is_empty(self) -> bool:
        return False

    def configure(self, data: bytes) -> None:
        """Apply mount options (gid=, mode=, ptmxmode=; others are accepted and ignored)."""
        for item in data.split(b","):
            key, _, value = item.partition(b"=")
            try:
                if key == b"gid":
                    self.slave_gid = int(value)
                elif key == b"mode":
                    self.slave_mode = int(value, 8) & 0o777
                elif key == b"ptmxmode":
                    self.ptmx.mode = S_IFCHR | (int(value, 8) & 0o777)
            except ValueError:
                raise KernelError(errno.EINVAL) from None


_root = DevptsDir(SuperBlock("devpts", DEVPTS_SUPER_MAGIC))


def devpts_root() -> DevptsDir:
    return _root


def add_pts_node(index: int, uid: int, gid: int) -> None:
    gid = _root.slave_gid if _root.slave_gid is not None else gid
    _root.nodes[index] = Inode(_root.sb, S_IFCHR | _root.slave_mode, uid, gid,
                               makedev(UNIX98_PTY_SLAVE_MAJOR, index), ino=index + 3)
    _root.touch(mtime=True, ctime=True)


def remove_pts_node(index: int) -> None:
    node = _root.nodes.pop(index, None)
    if node is not None:
        node.nlink = 0
        _root.touch(mtime=True, ctime=True)


def devpts_factory(kernel: object, source: bytes, flags: int, data: bytes) -> Inode:
    _root.configure(data)
    return _root


register_filesystem("devpts", devpts_factory)
