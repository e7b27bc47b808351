"""Building the initial mount namespace at boot: the root file system plus /dev and /tmp.

    ns = build_root("rootfs.cpio.gz")        # or a host directory
    fs_context = FsContext(ns.root)           # for init; FdTable() for its descriptors

The root is an initramfs (cpio newc, plain/gzip/xz) unpacked into a tmpfs, or a host
directory through hostfs (the host tree is never modified). devfs is mounted on /dev
(created in memory if the image lacks it) and a fresh tmpfs on /tmp when /tmp exists.
"""

from __future__ import annotations

from pathlib import Path

from .dentry import Dentry
from .devfs import new_devfs
from .hostfs import new_hostfs
from .initramfs import load_initramfs
from .mount import MS_NODEV, MS_NOEXEC, MS_NOSUID, MountNamespace
from .namei import follow_mounts
from .proc import new_procfs
from .tmpfs import new_tmpfs


def build_root(source: str | Path, *, host_owner: tuple[int, int] | None = (0, 0),
               standard_mounts: bool = True) -> MountNamespace:
    """A mount namespace whose root is `source`: a directory (hostfs; `host_owner` as in
    new_hostfs) or an archive file (initramfs). Raises CpioError for a bad archive and
    OSError when `source` cannot be read."""
    path = Path(source)
    if path.is_dir():
        ns = MountNamespace(new_hostfs(path, host_owner), source=str(path).encode())
    else:
        ns = MountNamespace(load_initramfs(path), source=b"rootfs")
    if standard_mounts:
        mount_standard(ns)
    return ns


def _directory(parent: Dentry, name: bytes, create: bool) -> Dentry | None:
    child = parent.child(name)
    if child is None and create:
        child = parent.add_child(name, parent.inode.mkdir(name, 0o755, 0, 0))
    if child is None or not child.inode.is_dir:
        return None
    return follow_mounts(child)


def mount_standard(ns: MountNamespace) -> None:
    """devfs on /dev (created if missing), tmpfs on /tmp if the directory exists."""
    root = ns.root
    dev = _directory(root, b"dev", create=True)
    if dev is not None:
        ns.attach(dev, new_devfs(), b"devtmpfs", MS_NOSUID)
        shm = _directory(follow_mounts(dev), b"shm", create=False)
        if shm is not None:  # POSIX shared memory and semaphores (shm_open, sem_open) live here
            ns.attach(shm, new_tmpfs(0o1777), b"tmpfs", MS_NOSUID | MS_NODEV)
    tmp = _directory(root, b"tmp", create=False)
    if tmp is not None:
        ns.attach(tmp, new_tmpfs(0o1777), b"tmpfs", MS_NOSUID | MS_NODEV)


def mount_proc(ns: MountNamespace, kernel: object) -> None:
    """procfs on /proc if the root has that directory (a host tree's /proc is the host's)."""
    proc = _directory(ns.root, b"proc", create=False)
    if proc is not None:
        ns.attach(proc, new_procfs(kernel), b"proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
