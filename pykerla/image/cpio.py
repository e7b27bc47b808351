"""The cpio "newc" archive format (the initramfs format): a writer, a reader and an extractor.

This module owns the byte layout used by the root-fs image builders. An archive is a
sequence of records, each a 110-byte ASCII header ("070701", then 13 eight-digit hex
fields), the NUL-terminated path name padded to a multiple of 4 bytes, and the data
(file contents or symlink target) padded to a multiple of 4 bytes; the record named
"TRAILER!!!" ends it. The kernel's own unpacker lives in fs/initramfs.py; this one only
serves the image builders, their tests and the test harness (which unpacks the image
into a host directory).
"""

from __future__ import annotations

import gzip
import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

NEWC_MAGIC = b"070701"
CRC_MAGIC = b"070702"  # same layout plus a checksum field; accepted by the reader
HEADER_SIZE = 110
TRAILER_NAME = "TRAILER!!!"
GZIP_MAGIC = b"\x1f\x8b"
_FIELD_NAMES = ("ino", "mode", "uid", "gid", "nlink", "mtime", "filesize",
                "devmajor", "devminor", "rdevmajor", "rdevminor", "namesize", "check")
_FIELD_MAX = 0xFFFFFFFF


class CpioError(ValueError):
    """The archive is malformed; the message names the byte offset where reading failed."""


@dataclass(frozen=True)
class CpioEntry:
    """One archive member. `name` is relative ("bin/sh", never "/bin/sh"); `mode` holds the
    file-type bits and permissions as in st_mode; `data` is the file contents, or the link
    target for a symlink."""

    name: str
    mode: int
    data: bytes = b""
    uid: int = 0
    gid: int = 0
    mtime: int = 0
    nlink: int = 1
    ino: int = 0
    rdev_major: int = 0
    rdev_minor: int = 0

    @classmethod
    def directory(cls, name: str, perm: int = 0o755, mtime: int = 0) -> CpioEntry:
        return cls(name, stat.S_IFDIR | perm, nlink=2, mtime=mtime)

    @classmethod
    def file(cls, name: str, data: bytes, perm: int = 0o644, mtime: int = 0) -> CpioEntry:
        return cls(name, stat.S_IFREG | perm, data, mtime=mtime)

    @classmethod
    def symlink(cls, name: str, target: str, mtime: int = 0) -> CpioEntry:
        return cls(name, stat.S_IFLNK | 0o777, os.fsencode(target), mtime=mtime)

    @property
    def is_dir(self) -> bool:
        return stat.S_ISDIR(self.mode)

    @property
    def is_file(self) -> bool:
        return stat.S_ISREG(self.mode)

    @property
    def is_symlink(self) -> bool:
        return stat.S_ISLNK(self.mode)

    @property
    def perm(self) -> int:
        return stat.S_IMODE(self.mode)


def _pad4(n: int) -> int:
    return (4 - n % 4) % 4


def _encode_entry(entry: CpioEntry, ino: int) -> bytes:
    name = os.fsencode(entry.name) + b"\0"
    fields = (ino, entry.mode, entry.uid, entry.gid, entry.nlink, entry.mtime, len(entry.data),
              0, 0, entry.rdev_major, entry.rdev_minor, len(name), 0)
    for field_name, value in zip(_FIELD_NAMES, fields, strict=True):
        if not 0 <= value <= _FIELD_MAX:
            raise ValueError(f"cpio entry {entry.name!r}: {field_name}={value} does not fit in 32 bits")
    header = NEWC_MAGIC + b"".join(b"%08X" % value for value in fields)
    name_pad = _pad4(HEADER_SIZE + len(name))
    return b"".join((header, name, b"\0" * name_pad, entry.data, b"\0" * _pad4(len(entry.data))))


def _check_name(name: str) -> None:
    path = PurePosixPath(name)
    if not name or path.is_absolute() or ".." in path.parts or name == TRAILER_NAME:
        raise ValueError(f"invalid cpio member name {name!r}: must be relative, without '..'")


def write_cpio(entries: Iterable[CpioEntry]) -> bytes:
    """Serialize entries (in order) into a newc archive ending with the trailer record.

    Entries with ino=0 get consecutive inode numbers from 1; an explicit ino is kept (that
    is how hard links are expressed). The output depends only on the entries, so archives
    are reproducible."""
    chunks = []
    next_ino = 1
    for entry in entries:
        _check_name(entry.name)
        ino = entry.ino or next_ino
        next_ino = max(next_ino, ino) + 1
        chunks.append(_encode_entry(entry, ino))
    chunks.append(_encode_entry(CpioEntry(TRAILER_NAME, 0, nlink=1), 0))
    return b"".join(chunks)


def write_cpio_gz(entries: Iterable[CpioEntry], output_path: str | os.PathLike[str]) -> None:
    """Write a gzip-compressed newc archive (gzip header mtime 0: reproducible), atomically."""
    output = Path(output_path)
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(output.name + ".tmp")
    tmp.write_bytes(gzip.compress(write_cpio(entries), compresslevel=9, mtime=0))
    tmp.replace(output)


def _parse_header(data: bytes, offset: int) -> dict[str, int]:
    if len(data) - offset < HEADER_SIZE:
        raise CpioError(f"truncated cpio header at byte offset {offset}: "
                        f"{len(data) - offset} of {HEADER_SIZE} bytes present")
    magic = data[offset:offset + 6]
    if magic not in (NEWC_MAGIC, CRC_MAGIC):
        raise CpioError(f"bad cpio magic {magic!r} at byte offset {offset} (expected {NEWC_MAGIC!r})")
    fields = {}
    for i, field_name in enumerate(_FIELD_NAMES):
        start = offset + 6 + 8 * i
        text = data[start:start + 8]
        try:
            fields[field_name] = int(text, 16)
        except ValueError:
            raise CpioError(f"bad hex field {field_name} {text!r} at byte offset {start}") from None
    return fields


def read_cpio(data: bytes) -> Iterator[CpioEntry]:
    """Yield the members of a newc (or newc-crc) archive up to the trailer record.

    A gzip-compressed archive is decompressed first. Raises CpioError, naming the byte
    offset in the uncompressed archive, on a bad magic, a bad field, a truncated header,
    name or data, or a missing trailer."""
    if data[:2] == GZIP_MAGIC:
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise CpioError(f"corrupt gzip stream: {exc}") from None
    offset = 0
    while True:
        if offset >= len(data):
            raise CpioError(f"missing {TRAILER_NAME} record: archive ends at byte offset {offset}")
        fields = _parse_header(data, offset)
        name_start = offset + HEADER_SIZE
        name_end = name_start + fields["namesize"]
        if fields["namesize"] == 0 or name_end > len(data):
            raise CpioError(f"truncated or empty name ({fields['namesize']} bytes) "
                            f"at byte offset {name_start}")
        raw_name = data[name_start:name_end]
        if raw_name[-1] != 0:
            raise CpioError(f"name not NUL-terminated at byte offset {name_start}")
        name = os.fsdecode(raw_name[:-1])
        data_start = name_end + _pad4(name_end - offset)
        data_end = data_start + fields["filesize"]
        if data_end > len(data):
            raise CpioError(f"truncated data for {name!r}: {fields['filesize']} bytes expected "
                            f"at byte offset {data_start}, {max(0, len(data) - data_start)} present")
        if name == TRAILER_NAME:
            return
        yield CpioEntry(name=name, mode=fields["mode"], data=data[data_start:data_end],
                        uid=fields["uid"], gid=fields["gid"], mtime=fields["mtime"],
                        nlink=fields["nlink"], ino=fields["ino"],
                        rdev_major=fields["rdevmajor"], rdev_minor=fields["rdevminor"])
        offset = data_end + _pad4(data_end - offset)


def extract(entries: Iterable[CpioEntry], dest: str | os.PathLike[str]) -> None:
    """Create the entries' directories, regular files and symlinks under host directory
    `dest` (permission bits included, ownership and times not). Names are checked to stay
    inside `dest`; other file types raise ValueError."""
    root = Path(dest)
    root.mkdir(parents=True, exist_ok=True)
    directories = []
    for entry in entries:
        _check_name(entry.name.rstrip("/") or ".")
        if entry.name in (".", "./"):
            directories.append((root, entry.perm))
            continue
        target = root / entry.name
        target.parent.mkdir(parents=True, exist_ok=True)
        if entry.is_dir:
            target.mkdir(exist_ok=True)
            directories.append((target, entry.perm))
        elif entry.is_file:
            target.write_bytes(entry.data)
            target.chmod(entry.perm)
        elif entry.is_symlink:
            os.symlink(os.fsdecode(entry.data), target)
        else:
            raise ValueError(f"cannot extract {entry.name!r}: unsupported file type {entry.mode:o}")
    for directory, perm in directories:  # last, so read-only directories can still be filled
        directory.chmod(perm)
