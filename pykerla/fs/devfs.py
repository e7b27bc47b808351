"""Character devices and devfs (/dev).

The registry maps a device number to a driver's open function; a character-device inode
anywhere (devfs, tmpfs, an initramfs) opens through it, as chrdev_open does in Linux.
devfs is a tmpfs that shows a node for every registered device, including ones
registered after it was mounted, so other layers add their devices with

    register_char_device(name, major, minor, open_fn, mode=0o666, gid=0)
    open_fn(task, dentry, flags) -> OpenFile

where `name` may contain a directory ("pts/0"). The memory devices null, zero, full,
random and urandom are registered here.
"""

from __future__ import annotations

import errno
import os
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..errors import KernelError
from .dentry import Dentry
from .file import Backing, OpenFile
from .flags import S_IFCHR
from .inode import Inode, anon_inode, makedev
from .mount import register_filesystem
from .poll import DEFAULT_POLLMASK
from .tmpfs import TmpfsDir, TmpfsSuperBlock

OpenFn = Callable[[Any, Dentry, int], OpenFile]


@dataclass(frozen=True)
class CharDevice:
    name: str
    major: int
    minor: int
    open_fn: OpenFn
    mode: int
    gid: int

    @property
    def rdev(self) -> int:
        return makedev(self.major, self.minor)


_devices: dict[int, CharDevice] = {}
_instances: weakref.WeakSet[TmpfsDir] = weakref.WeakSet()


def register_char_device(name: str, major: int, minor: int, open_fn: OpenFn,
                         mode: int = 0o666, gid: int = 0) -> None:
    """Register a character device and show it in every devfs instance."""
    dev = CharDevice(name, major, minor, open_fn, mode & 0o7777, gid)
    _devices[dev.rdev] = dev
    for root in list(_instances):
        _add_node(root, dev)


def unregister_char_device(name: str) -> None:
    """Remove a device (e.g. a pty slave being freed) and its devfs nodes."""
    for rdev, dev in list(_devices.items()):
        if dev.name == name:
            del _devices[rdev]
            for root in list(_instances):
                _remove_node(root, dev.name)


def open_char_device(task: Any, dentry: Dentry, flags: int) -> OpenFile:
    """Open a character-device inode through its driver (ENXIO when none is registered)."""
    dev = _devices.get(dentry.inode.rdev)
    if dev is None:
        raise KernelError(errno.ENXIO)
    return dev.open_fn(task, dentry, flags)


def _parent_dir(root: TmpfsDir, name: str, create: bool) -> tuple[Inode | None, bytes]:
    *dirs, leaf = name.encode().split(b"/")
    directory: Inode | None = root
    for part in dirs:
        assert directory is not None
        child = directory.lookup(part)
        if child is None and create:
            child = directory.mkdir(part, 0o755, 0, 0)
        directory = child
    return directory, leaf


def _add_node(root: TmpfsDir, dev: CharDevice) -> None:
    directory, leaf = _parent_dir(root, dev.name, create=True)
    assert directory is not None
    if directory.lookup(leaf) is not None:
        directory.unlink(leaf)
    directory.create(leaf, S_IFCHR | dev.mode, 0, dev.gid, dev.rdev)


def _remove_node(root: TmpfsDir, name: str) -> None:
    directory, leaf = _parent_dir(root, name, create=False)
    if directory is not None and directory.lookup(leaf) is not None:
        directory.unlink(leaf)


STANDARD_LINKS = ((b"fd", b"/proc/self/fd"), (b"stdin", b"/proc/self/fd/0"),
                  (b"stdout", b"/proc/self/fd/1"), (b"stderr", b"/proc/self/fd/2"))


def new_devfs() -> TmpfsDir:
    """A devfs instance: registered devices, /dev/fd and std* links, pts/ and shm/."""
    root = TmpfsDir(TmpfsSuperBlock("devtmpfs"), 0o755)
    for name, target in STANDARD_LINKS:
        root.symlink(name, target, 0, 0)
    root.mkdir(b"pts", 0o755, 0, 0)
    root.mkdir(b"shm", 0o1777, 0, 0)
    for dev in list(_devices.values()):
        _add_node(root, dev)
    _instances.add(root)
    return root


def devfs_factory(kernel: object, source: bytes, flags: int, data: bytes) -> Inode:
    return new_devfs()


register_filesystem("devtmpfs", devfs_factory)



# -- the memory devices (drivers/char/mem.c) -------------------------------------------

class MemDeviceFile(OpenFile):
    """Base of the memory devices: always ready, seeking is allowed and meaningless."""

    def seek(self, offset: int, whence: int) -> int:
        self.pos = 0
        return 0

    def poll(self, events: int) -> int:
        return DEFAULT_POLLMASK

    def pread(self, task: Any, size: int, offset: int) -> bytes:
        return self.read(task, size)

    def pwrite(self, task: Any, data: bytes, offset: int) -> int:
        return self.write(task, data)


class NullFile(MemDeviceFile):
    def read(self, task: Any, size: int) -> bytes:
        return b""

    def write(self, task: Any, data: bytes) -> int:
        return len(data)


class ZeroBacking(Backing):
    """Mapping /dev/zero gives zero pages; each mapping has its own anonymous inode, so a
    MAP_SHARED mapping is a new shared-memory object, as in Linux."""

    def pread(self, offset: int, size: int) -> bytes:
        return bytes(size)

    def pwrite(self, offset: int, data: bytes) -> int:
        return len(data)


class ZeroFile(MemDeviceFile):
    def read(self, task: Any, size: int) -> bytes:
        return bytes(size)

    def write(self, task: Any, data: bytes) -> int:
        return len(data)

    def backing(self) -> Backing:
        return ZeroBacking(anon_inode(), "/dev/zero")


class FullFile(ZeroFile):
    def write(self, task: Any, data: bytes) -> int:
        raise KernelError(errno.ENOSPC)


class RandomFile(MemDeviceFile):
    def read(self, task: Any, size: int) -> bytes:
        return os.urandom(size)

    def write(self, task: Any, data: bytes) -> int:
        return len(data)  # host randomness needs no seeding from the guest


def _opener(cls: type[OpenFile]) -> OpenFn:
    def open_fn(task: Any, dentry: Dentry, flags: int) -> OpenFile:
        return cls(dentry.inode, flags, dentry)
    return open_fn


for _name, _minor, _cls in (("null", 3, NullFile), ("zero", 5, ZeroFile), ("full", 7, FullFile),
                            ("random", 8, RandomFile), ("urandom", 9, RandomFile)):
    register_char_device(_name, 1, _minor, _opener(_cls))
