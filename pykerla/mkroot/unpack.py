"""Unpacking .deb files into a root and giving it Debian 12's merged /usr.

`unpack(deb, root)` runs `dpkg-deb -x` (the data archive only: no maintainer scripts run,
dpkg's database is not written). Debian 12 packages still ship files under /bin, /sbin,
/lib and /lib64, while an installed Debian 12 has those directories as symlinks into /usr
(the usrmerge layout). `merge_usr(root)` converts the unpacked tree the way usrmerge's
convert-usrmerge does: every entry of /bin is moved to /usr/bin (likewise for the other
directories), then /bin becomes the symlink "usr/bin". Relative symlinks that would point
elsewhere after the move are rewritten to reach the same file. When both /X/name and
/usr/X/name exist, a real file wins over a symlink and identical files collapse to one;
two different files are an error.
"""

from __future__ import annotations

import filecmp
import os
import posixpath
import shutil
import subprocess
from pathlib import Path

from pykerla.mkroot.errors import MkrootError

MERGED_DIRS = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")
ALWAYS_LINKED = ("bin", "sbin", "lib", "lib64")  # created even if no package ships them (amd64)


def unpack(deb: Path, root: Path) -> None:
    """Extract the data archive of `deb` into `root` (ownership and modes kept when root)."""
    if shutil.which("dpkg-deb") is None:
        raise MkrootError("dpkg-deb not found: mkroot needs Debian's apt and dpkg")
    result = subprocess.run(["dpkg-deb", "-x", os.fspath(deb), os.fspath(root)], capture_output=True,
                            text=True, errors="replace")
    if result.returncode != 0:
        raise MkrootError(f"dpkg-deb -x {deb.name} failed: {result.stderr.strip()}")


def merged_path(path: str) -> str:
    """Where an absolute path lives after the merge: /bin/sh -> /usr/bin/sh."""
    parts = path.split("/", 2)  # ["", "bin", "rest"]
    if len(parts) > 1 and parts[1] in MERGED_DIRS:
        return "/usr/" + path.lstrip("/")
    return path


def rebased_link(target: str, old_parent: str, new_parent: str) -> str:
    """The text for symlink `target`, moved from directory old_parent to new_parent (both
    absolute), so that it still reaches the same file in the merged tree."""
    if target.startswith("/"):
        return target
    wanted = merged_path(posixpath.normpath(posixpath.join(old_parent, target)))
    if merged_path(posixpath.normpath(posixpath.join(new_parent, target))) == wanted:
        return target
    return posixpath.relpath(wanted, new_parent)


def _move(source: Path, dest: Path, root: Path) -> None:
    if source.is_symlink():
        old_parent = "/" + source.parent.relative_to(root).as_posix()
        new_parent = "/" + dest.parent.relative_to(root).as_posix()
        target = rebased_link(os.readlink(source), old_parent, new_parent)
        source.unlink()
        os.symlink(target, dest)
    else:
        source.rename(dest)


def _is_real_dir(path: Path) -> bool:
    return path.is_dir() and not path.is_symlink()


def _merge_entry(source: Path, dest: Path, root: Path) -> None:
    def where(path: Path) -> str:
        return "/" + path.relative_to(root).as_posix()

    if _is_real_dir(source) and (_is_real_dir(dest) or not os.path.lexists(dest)):
        _merge_dir(source, dest, root)
    elif not os.path.lexists(dest):
        _move(source, dest, root)
    elif _is_real_dir(source) or _is_real_dir(dest):
        raise MkrootError(f"merged /usr: {where(source)} and {where(dest)} conflict (directory vs file)")
    elif source.is_symlink():  # dest is a real file, or a symlink too: keep dest
        source.unlink()
    elif dest.is_symlink():
        dest.unlink()
        _move(source, dest, root)
    elif filecmp.cmp(source, dest, shallow=False):
        source.unlink()
    else:
        raise MkrootError(f"merged /usr: {where(source)} and {where(dest)} are different files")


def _merge_dir(source: Path, dest: Path, root: Path) -> None:
    if not dest.exists():
        dest.mkdir()
        shutil.copystat(source, dest)
    for child in sorted(os.listdir(source)):
        _merge_entry(source / child, dest / child, root)
    source.rmdir()


def merge_usr(root: Path) -> None:
    """Move /bin, /sbin, /lib, /lib32, /lib64, /libx32 into /usr and leave symlinks behind."""
    usr = root / "usr"
    usr.mkdir(mode=0o755, exist_ok=True)
    for name in MERGED_DIRS:
        top = root / name
        if top.is_symlink():
            continue
        if _is_real_dir(top):
            _merge_dir(top, usr / name, root)
        elif name not in ALWAYS_LINKED:
            continue
        (usr / name).mkdir(mode=0o755, exist_ok=True)
        top.symlink_to(f"usr/{name}")
