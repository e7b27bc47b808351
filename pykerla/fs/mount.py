"""Mounts, the mount namespace, and the registry of file-system types for mount(2).

Each Mount has its own dentry tree rooted at `root`; a mount is attached on a dentry of
its parent mount (`mountpoint`), whose `mounted` field points back at it so the path walk
can cross. A file-system type is a factory registered by name (tmpfs, devtmpfs here; proc
and sysfs register themselves when they exist):

    factory(kernel, source: bytes, flags: int, data: bytes) -> Inode   # the new fs root
"""

from __future__ import annotations

import errno
import itertools
from collections.abc import Callable

from ..errors import KernelError
from .dentry import Dentry
from .inode import Inode

# mount(2) flags (linux/mount.h)
MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_NOEXEC = 8
MS_SYNCHRONOUS = 16
MS_REMOUNT = 32
MS_MANDLOCK = 64
MS_DIRSYNC = 128
MS_NOSYMFOLLOW = 256
MS_NOATIME = 1024
MS_NODIRATIME = 2048
MS_BIND = 4096
MS_MOVE = 8192
MS_REC = 16384
MS_SILENT = 32768
MS_UNBINDABLE = 1 << 17
MS_PRIVATE = 1 << 18
MS_SLAVE = 1 << 19
MS_SHARED = 1 << 20
MS_RELATIME = 1 << 21
MS_STRICTATIME = 1 << 24
MS_LAZYTIME = 1 << 25
MS_PROPAGATION = MS_UNBINDABLE | MS_PRIVATE | MS_SLAVE | MS_SHARED
MS_MGC_MSK = 0xFFFF0000
MS_MGC_VAL = 0xC0ED0000
# Flags that belong to the mount (the rest are requests or superblock flags).
MNT_FLAGS = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | MS_RELATIME
MNT_FLAG_NAMES = ((MS_NOSUID, "nosuid"), (MS_NODEV, "nodev"), (MS_NOEXEC, "noexec"),
                  (MS_NOATIME, "noatime"), (MS_NODIRATIME, "nodiratime"), (MS_RELATIME, "relatime"))

FsFactory = Callable[[object, bytes, int, bytes], Inode]
FILESYSTEMS: dict[str, FsFactory] = {}
_mount_ids = itertools.count(1)


def register_filesystem(name: str, factory: FsFactory) -> None:
    """Make `mount -t name` create a file system with `factory` (see module docstring)."""
    FILESYSTEMS[name] = factory


def filesystem_factory(name: str) -> FsFactory:
    try:
        return FILESYSTEMS[name]
    except KeyError:
        raise KernelError(errno.ENODEV) from None


class Mount:
    """One mounted file system: its root dentry tree and where it is attached."""

    def __init__(self, namespace: MountNamespace, root_inode: Inode, source: bytes, flags: int,
                 parent: Mount | None = None, mountpoint: Dentry | None = None) -> None:
        self.namespace = namespace
        self.mnt_id = next(_mount_ids)
        self.sb = root_inode.sb
        self.source = source
        self.flags = flags & MNT_FLAGS
        self.parent = parent
        self.mountpoint = mountpoint
        self.root = Dentry(b"/", None, root_inode, self)

    @property
    def readonly(self) -> bool:
        return bool(self.flags & MS_RDONLY)

    def options(self) -> str:
        """The options column of /proc/mounts."""
        opts = ["ro" if self.readonly else "rw"]
        opts += [name for bit, name in MNT_FLAG_NAMES if self.flags & bit]
        return ",".join(opts)

    def __repr__(self) -> str:
        return f"<Mount {self.sb.fstype} at {self.root.path()!r}>"


class MountNamespace:
    """The mount table: the root mount and every mount attached below it, in mount order."""

    def __init__(self, root_inode: Inode, source: bytes = b"rootfs", flags: int = 0) -> None:
        self.root_mount = Mount(self, root_inode, source, flags)
        self.mounts: list[Mount] = [self.root_mount]

    @property
    def root(self) -> Dentry:
        return self.root_mount.root

    def attach(self, mountpoint: Dentry, root_inode: Inode, source: bytes, flags: int) -> Mount:
        """Mount a file system whose root is `root_inode` on `mountpoint` (on top of any
        mount already there: the caller resolved the path, so it is the top-most one)."""
        if not mountpoint.inode.is_dir:
            raise KernelError(errno.ENOTDIR)
        mount = Mount(self, root_inode, source, flags, mountpoint.mount, mountpoint)
        mountpoint.mounted = mount
        self.mounts.append(mount)
        return mount

    def children(self, mount: Mount) -> list[Mount]:
        return [m for m in self.mounts if m.parent is mount]

    def detach(self, mount: Mount, lazy: bool = False) -> None:
        """Unmount; without `lazy`, a mount with mounts below it is busy (EBUSY)."""
        if mount is self.root_mount or mount not in self.mounts:
            raise KernelError(errno.EINVAL if mount not in self.mounts else errno.EBUSY)
        below = self.children(mount)
        if below and not lazy:
            raise KernelError(errno.EBUSY)
        for child in below:
            self.detach(child, lazy=True)
        assert mount.mountpoint is not None
        if mount.mountpoint.mounted is mount:
            mount.mountpoint.mounted = None
        self.mounts.remove(mount)

    def remount(self, mount: Mount, flags: int) -> None:
        mount.flags = flags & MNT_FLAGS
