"""The initial mount table: the root (an initramfs archive or a host directory), devfs on
/dev and tmpfs on /tmp."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pykerla.fs.devfs import new_devfs
from pykerla.fs.initramfs import load_initramfs
from pykerla.fs.mount import MountNamespace
from pykerla.fs.tmpfs import new_tmpfs


def _root_inode(source: str) -> Any:
    path = Path(source)
    if path.is_dir():
        from pykerla.fs.hostfs import host_directory_root
        return host_directory_root(path)
    return load_initramfs(path)


def build_root(kernel: object, source: str) -> MountNamespace:
    """Mount `source` as / and the standard kernel file systems below it."""
    namespace = MountNamespace(_root_inode(source), source.encode())
    root = namespace.root
    for name, make, fs_source in ((b"dev", new_devfs, b"devtmpfs"), (b"tmp", new_tmpfs, b"tmpfs")):
        directory = root.inode.lookup(name)
        if directory is None:
            if name != b"dev":
                continue
            root.inode.mkdir(name, 0o755, 0, 0)
        namespace.attach(root.child(name), make(), fs_source, 0)
    return namespace
