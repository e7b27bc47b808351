"""initramfs: parse a cpio "newc" archive (optionally gzip or xz compressed) into a tmpfs.

Follows the kernel's init/initramfs.c: 110-byte ASCII headers (magic 070701 or 070702),
names and data padded to 4 bytes, "TRAILER!!!" ends an archive and further archives may
follow (NUL padding between them); regular files with nlink > 1 sharing (ino, dev) are
hard links, whose data may come with any of the names; mode bits are used as given (no
umask); directory mtimes are set once everything is unpacked. A truncated or corrupt
archive raises CpioError naming the byte offset (in the decompressed stream for cpio
errors, in the compressed file for compression errors).
"""

from __future__ import annotations

import lzma
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .flags import S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG, S_IFSOCK
from .inode import Inode, makedev
from .tmpfs import TmpfsDir, TmpfsSuperBlock

HEADER_LEN = 110
MAGICS = (b"070701", b"070702")
TRAILER = b"TRAILER!!!"
_NS = 1_000_000_000


class CpioError(ValueError):
    """The archive is truncated or corrupt; the message names the byte offset."""


@dataclass(frozen=True, slots=True)
class CpioEntry:
    name: bytes
    ino: int
    mode: int
    uid: int
    gid: int
    nlink: int
    mtime: int
    dev_major: int
    dev_minor: int
    rdev_major: int
    rdev_minor: int
    data: bytes
    offset: int  # byte offset of the header in the (decompressed) archive


def _align4(n: int) -> int:
    return (n + 3) & ~3


def parse_cpio(data: bytes) -> Iterator[CpioEntry]:
    """The entries of one or more concatenated newc archives (trailers not included)."""
    off, end = 0, len(data)
    in_archive = False
    while off < end:
        if not in_archive and data[off] == 0:
            off += 1
            continue
        start = off
        header = data[off:off + HEADER_LEN]
        if len(header) < HEADER_LEN:
            raise CpioError(f"truncated cpio header at byte offset {off} ({len(header)} of {HEADER_LEN} bytes)")
        if header[:6] not in MAGICS:
            raise CpioError(f"bad cpio magic {header[:6]!r} at byte offset {off} (expected newc 070701/070702)")
        try:
            fields = [int(header[6 + 8 * i:14 + 8 * i], 16) for i in range(13)]
        except ValueError:
            raise CpioError(f"corrupt cpio header at byte offset {off}: a field is not hexadecimal") from None
        ino, mode, uid, gid, nlink, mtime, size, dmaj, dmin, rmaj, rmin, namesize, _check = fields
        name_end = off + HEADER_LEN + namesize
        if namesize == 0 or name_end > end:
            raise CpioError(f"truncated cpio archive: the name of the entry at byte offset {off} "
                            f"needs {namesize} bytes, {end - off - HEADER_LEN} left")
        if data[name_end - 1] != 0:
            raise CpioError(f"corrupt cpio header at byte offset {off}: name is not NUL-terminated")
        name = data[off + HEADER_LEN:name_end - 1]
        data_off = _align4(name_end)
        if data_off + size > end:
            raise CpioError(f"truncated cpio archive: entry {name!r} at byte offset {off} needs {size} bytes "
                            f"of data at byte offset {data_off}, {max(0, end - data_off)} left")
        body = data[data_off:data_off + size]
        off = _align4(data_off + size)
        if name == TRAILER:
            in_archive = False
            continue
        in_archive = True
        yield CpioEntry(name, ino, mode, uid, gid, nlink, mtime, dmaj, dmin, rmaj, rmin, body, start)
    if in_archive:
        raise CpioError(f"truncated cpio archive: no {TRAILER.decode()} before the end at byte offset {end}")


def _gunzip(raw: bytes) -> bytes:
    out: list[bytes] = []
    pos = 0
    while pos < len(raw):
        if raw[pos:pos + 2] != b"\x1f\x8b":
            if raw[pos:].strip(b"\0"):
                raise CpioError(f"garbage after gzip data at byte offset {pos}")
            break
        d = zlib.decompressobj(31)
        try:
            out.append(d.decompress(raw[pos:]))
        except zlib.error as e:
            raise CpioError(f"corrupt gzip data in the member at byte offset {pos}: {e}") from None
        if not d.eof:
            raise CpioError(f"truncated gzip data: the member at byte offset {pos} ends at byte offset "
                            f"{len(raw)} without its end marker")
        pos = len(raw) - len(d.unused_data)
    return b"".join(out)


def decompress(raw: bytes) -> bytes:
    """The cpio bytes of an archive file's contents: gzip and xz are recognised."""
    if raw[:2] == b"\x1f\x8b":
        return _gunzip(raw)
    if raw[:6] == b"\xfd7zXZ\x00":
        try:
            return lzma.decompress(raw)
        except (lzma.LZMAError, EOFError) as e:
            raise CpioError(f"corrupt or truncated xz data (compressed size {len(raw)}): {e}") from None
    if raw[:4] == b"\x28\xb5\x2f\xfd":
        raise CpioError("zstd-compressed archives are not supported (use gzip or xz)")
    return raw


def _components(entry: CpioEntry) -> list[bytes]:
    parts = [p for p in entry.name.split(b"/") if p and p != b"."]
    if b".." in parts:
        raise CpioError(f"entry {entry.name!r} at byte offset {entry.offset} leaves the archive root")
    return parts


def _set_attrs(inode: Inode, entry: CpioEntry) -> None:
    inode.mode = (inode.mode & S_IFMT) | (entry.mode & 0o7777)
    inode.uid, inode.gid = entry.uid, entry.gid
    inode.atime_ns = inode.mtime_ns = entry.mtime * _NS


def unpack(entries: Iterator[CpioEntry], root: TmpfsDir) -> None:
    """Create the entries under `root` (replacing existing names, as the kernel does)."""
    hardlinks: dict[tuple[int, int, int], Inode] = {}
    dirs: list[tuple[Inode, CpioEntry]] = []
    for entry in entries:
        parts = _components(entry)
        kind = entry.mode & S_IFMT
        if not parts:
            if kind == S_IFDIR:
                dirs.append((root, entry))
            continue
        parent: Inode = root
        for part in parts[:-1]:
            child = parent.lookup(part)
            if child is None:
                child = parent.mkdir(part, 0o755, 0, 0)
            elif not child.is_dir:
                raise CpioError(f"entry {entry.name!r} at byte offset {entry.offset}: {part!r} is not a directory")
            parent = child
        leaf = parts[-1]
        existing = parent.lookup(leaf)
        if existing is not None:
            if existing.is_dir and kind == S_IFDIR:
                dirs.append((existing, entry))
                continue
            if existing.is_dir and not existing.is_empty():
                raise CpioError(f"entry {entry.name!r} at byte offset {entry.offset} replaces a non-empty directory")
            (parent.rmdir if existing.is_dir else parent.unlink)(leaf)
        key = (entry.ino, entry.dev_major, entry.dev_minor)
        if kind == S_IFREG and entry.nlink > 1 and key in hardlinks:
            inode = hardlinks[key]
            parent.link(leaf, inode)
            if entry.data:
                inode.truncate(0)
                inode.write_at(0, entry.data)
            continue
        if kind == S_IFREG:
            inode = parent.create(leaf, entry.mode, entry.uid, entry.gid)
            inode.write_at(0, entry.data)
            if entry.nlink > 1:
                hardlinks[key] = inode
        elif kind == S_IFDIR:
            inode = parent.mkdir(leaf, entry.mode, entry.uid, entry.gid)
            dirs.append((inode, entry))
        elif kind == S_IFLNK:
            inode = parent.symlink(leaf, entry.data, entry.uid, entry.gid)
        elif kind in (S_IFCHR, S_IFBLK, S_IFIFO, S_IFSOCK):
            rdev = makedev(entry.rdev_major, entry.rdev_minor) if kind in (S_IFCHR, S_IFBLK) else 0
            inode = parent.create(leaf, entry.mode, entry.uid, entry.gid, rdev)
        else:
            raise CpioError(f"entry {entry.name!r} at byte offset {entry.offset} has unknown type {entry.mode:o}")
        if kind != S_IFLNK:
            _set_attrs(inode, entry)
        else:
            inode.uid, inode.gid = entry.uid, entry.gid
            inode.mtime_ns = entry.mtime * _NS
    for inode, entry in dirs:
        _set_attrs(inode, entry)


def load_initramfs(source: str | Path | bytes) -> TmpfsDir:
    """A new tmpfs ("rootfs") holding the archive at path `source` (or its bytes)."""
    raw = source if isinstance(source, bytes) else Path(source).read_bytes()
    root = TmpfsDir(TmpfsSuperBlock("rootfs"), 0o755)
    unpack(parse_cpio(decompress(raw)), root)
    return root
