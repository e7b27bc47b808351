"""A host directory tree as cpio entries (for pykerla/image/cpio.py's writer).

Parents come before children, names in sorted order, so the archive is reproducible.
Regular files, directories and symlinks keep their mode, owner and mtime. Hard links share
an inode number and carry nlink; every link carries the data too, which the Linux kernel,
pykerla's unpacker and cpio.extract() all handle (each rewrites the file with it).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

from pykerla.image.cpio import CpioEntry
from pykerla.mkroot.errors import MkrootError


def tree_entries(root: Path) -> Iterator[CpioEntry]:
    """The entries of everything under `root` (not `root` itself)."""
    inodes: dict[tuple[int, int], int] = {}
    for directory, subdirs, files in os.walk(root):
        subdirs.sort()
        for name in sorted(subdirs + files):
            path = os.path.join(directory, name)
            info = os.lstat(path)
            ino = inodes.setdefault((info.st_dev, info.st_ino), len(inodes) + 1)
            relative = os.path.relpath(path, root)
            if stat.S_ISDIR(info.st_mode):
                data, nlink = b"", 2
            elif stat.S_ISLNK(info.st_mode):
                data, nlink = os.fsencode(os.readlink(path)), 1
            elif stat.S_ISREG(info.st_mode):
                data, nlink = Path(path).read_bytes(), info.st_nlink
            else:
                raise MkrootError(f"/{relative}: cannot archive file type {stat.S_IFMT(info.st_mode):o}")
            yield CpioEntry(relative, info.st_mode, data, uid=info.st_uid, gid=info.st_gid,
                            mtime=int(info.st_mtime), nlink=nlink, ino=ino)
