"""Byte-exact x86-64 layouts of struct stat (144 bytes), struct statx (256) and struct
statfs (120), filled from inodes and superblocks."""

from __future__ import annotations

import struct

from .inode import Inode, SuperBlock, dev_major, dev_minor
from .mount import MS_NOATIME, MS_NODEV, MS_NODIRATIME, MS_NOEXEC, MS_NOSUID, MS_RDONLY, MS_RELATIME, Mount

BLKSIZE = 4096

# dev ino nlink mode uid gid pad rdev size blksize blocks atime(2) mtime(2) ctime(2) reserved[3]
_STAT = struct.Struct("<QQQIIIiQqqqqqqqqq24x")
assert _STAT.size == 144

# mask blksize attributes nlink uid gid mode pad ino size blocks attributes_mask
_STATX_HEAD = struct.Struct("<IIQIIIHHQQQQ")
_STATX_TS = struct.Struct("<qIi")
_STATX_TAIL = struct.Struct("<IIIIQ")  # rdev_major rdev_minor dev_major dev_minor mnt_id
STATX_SIZE = 256

STATX_TYPE = 0x1
STATX_MODE = 0x2
STATX_NLINK = 0x4
STATX_UID = 0x8
STATX_GID = 0x10
STATX_ATIME = 0x20
STATX_MTIME = 0x40
STATX_CTIME = 0x80
STATX_INO = 0x100
STATX_SIZE_BIT = 0x200
STATX_BLOCKS = 0x400
STATX_BASIC_STATS = 0x7FF
STATX_BTIME = 0x800
STATX_MNT_ID = 0x1000
STATX__RESERVED = 0x80000000

_STATFS = struct.Struct("<qqQQQQQiiqqq32x")
assert _STATFS.size == 120


def _split_ns(ns: int) -> tuple[int, int]:
    return ns // 1_000_000_000, ns % 1_000_000_000


def pack_stat(inode: Inode) -> bytes:
    return _STAT.pack(inode.sb.dev, inode.ino, inode.nlink, inode.mode, inode.uid, inode.gid, 0,
                      inode.rdev, inode.size, BLKSIZE, inode.blocks,
                      *_split_ns(inode.atime_ns), *_split_ns(inode.mtime_ns), *_split_ns(inode.ctime_ns))


def pack_statx(inode: Inode, mount: Mount | None) -> bytes:
    """All basic fields plus the mount id (no birth time on these file systems)."""
    mask = STATX_BASIC_STATS | (STATX_MNT_ID if mount is not None else 0)
    head = _STATX_HEAD.pack(mask, BLKSIZE, 0, inode.nlink, inode.uid, inode.gid, inode.mode & 0xFFFF, 0,
                            inode.ino, inode.size, inode.blocks, 0)
    times = b"".join(_STATX_TS.pack(*_split_ns(ns), 0)
                     for ns in (inode.atime_ns, 0, inode.ctime_ns, inode.mtime_ns))  # atime btime ctime mtime
    tail = _STATX_TAIL.pack(dev_major(inode.rdev), dev_minor(inode.rdev), dev_major(inode.sb.dev),
                            dev_minor(inode.sb.dev), mount.mnt_id if mount is not None else 0)
    out = head + times + tail
    return out + bytes(STATX_SIZE - len(out))


ST_VALID = 0x20
ST_RELATIME = 0x1000
# The ST_* bits of f_flags equal the MS_* bits except for relatime.
_ST_SAME_AS_MS = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME


def pack_statfs(sb: SuperBlock, mount: Mount | None) -> bytes:
    info = sb.statfs()
    flags = ST_VALID
    if mount is not None:
        flags |= (mount.flags & _ST_SAME_AS_MS) | (ST_RELATIME if mount.flags & MS_RELATIME else 0)
    return _STATFS.pack(info.magic, info.bsize, info.blocks, info.bfree, info.bavail, info.files, info.ffree,
                        dev_minor(sb.dev), dev_major(sb.dev), info.namelen, info.bsize, flags)
