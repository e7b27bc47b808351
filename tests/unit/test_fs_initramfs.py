"""cpio newc parsing and unpacking into tmpfs, including corrupt and truncated input."""

from __future__ import annotations

import gzip
import lzma
import os
import shutil
import subprocess

import pytest

from pykerla.fs.initramfs import CpioError, decompress, load_initramfs, parse_cpio
from pykerla.fs.inode import dev_major, dev_minor


def entry(name: bytes, mode: int, data: bytes = b"", ino: int = 1, nlink: int = 1, uid: int = 0,
          gid: int = 0, mtime: int = 1_700_000_000, rdev: tuple[int, int] = (0, 0)) -> bytes:
    fields = [ino, mode, uid, gid, nlink, mtime, len(data), 0, 0, rdev[0], rdev[1], len(name) + 1, 0]
    head = b"070701" + b"".join(b"%08X" % f for f in fields) + name + b"\0"
    head += bytes(-len(head) % 4)
    return head + data + bytes(-len(data) % 4)


def archive(*entries: bytes) -> bytes:
    return b"".join(entries) + entry(b"TRAILER!!!", 0, ino=0)


SAMPLE_ENTRIES = (
    entry(b".", 0o40755, ino=1, nlink=3),
    entry(b"bin", 0o40755, ino=2, nlink=2, mtime=1000),
    entry(b"bin/busybox", 0o100755, b"\x7fELF....", ino=3, uid=5, gid=6),
    entry(b"bin/sh", 0o120777, b"busybox", ino=4),
    entry(b"dev/console", 0o20600, ino=5, rdev=(5, 1)),
    entry(b"hl1", 0o100644, b"", ino=9, nlink=2),
    entry(b"hl2", 0o100644, b"shared data", ino=9, nlink=2),
    entry(b"fifo", 0o10644, ino=10),
)
SAMPLE = archive(*SAMPLE_ENTRIES)


def test_parse_entries() -> None:
    entries = list(parse_cpio(SAMPLE))
    assert [e.name for e in entries] == [b".", b"bin", b"bin/busybox", b"bin/sh", b"dev/console",
                                         b"hl1", b"hl2", b"fifo"]
    bb = entries[2]
    assert (bb.mode, bb.uid, bb.gid, bb.data) == (0o100755, 5, 6, b"\x7fELF....")
    assert entries[0].offset == 0 and entries[1].offset > 0


def test_unpack() -> None:
    root = load_initramfs(SAMPLE)
    assert root.mode == 0o40755
    bin_ = root.lookup(b"bin")
    assert bin_.is_dir and bin_.mtime_ns == 1000 * 10**9
    bb = bin_.lookup(b"busybox")
    assert bb.read_at(0, 100) == b"\x7fELF...." and (bb.uid, bb.gid, bb.mode) == (5, 6, 0o100755)
    assert bb.mtime_ns == 1_700_000_000 * 10**9
    assert bin_.lookup(b"sh").readlink() == b"busybox"
    console = root.lookup(b"dev").lookup(b"console")
    assert console.is_chr and (dev_major(console.rdev), dev_minor(console.rdev)) == (5, 1)
    h1, h2 = root.lookup(b"hl1"), root.lookup(b"hl2")
    assert h1 is h2 and h1.nlink == 2 and h1.read_at(0, 100) == b"shared data"
    assert root.lookup(b"fifo").is_fifo


def test_compressed_and_concatenated() -> None:
    second = archive(entry(b"extra", 0o100600, b"more"))
    for blob in (gzip.compress(SAMPLE) + gzip.compress(second), lzma.compress(SAMPLE + b"\0" * 8 + second,
                                                                               format=lzma.FORMAT_XZ)):
        root = load_initramfs(blob)
        assert root.lookup(b"extra").read_at(0, 10) == b"more"
        assert root.lookup(b"bin").lookup(b"busybox") is not None


@pytest.mark.parametrize("cut", [5, 50, 115, 200, len(SAMPLE) - 10])
def test_truncated_archive_names_offset(cut: int) -> None:
    with pytest.raises(CpioError, match=r"byte offset \d+"):
        list(parse_cpio(SAMPLE[:cut]))


def test_corrupt_archive() -> None:
    second = SAMPLE.index(b"070701", 6)
    bad = bytearray(SAMPLE)
    bad[second + 6:second + 14] = b"ZZZZZZZZ"
    with pytest.raises(CpioError, match=f"byte offset {second}"):
        list(parse_cpio(bytes(bad)))
    with pytest.raises(CpioError, match="bad cpio magic"):
        list(parse_cpio(b"070707" + bytes(200)))
    with pytest.raises(CpioError, match="truncated gzip"):
        decompress(gzip.compress(SAMPLE)[:-20])
    with pytest.raises(CpioError, match="leaves the archive root"):
        load_initramfs(archive(entry(b"../evil", 0o100644, b"x")))


@pytest.mark.skipif(shutil.which("cpio") is None, reason="host cpio tool not installed")
def test_archive_made_by_gnu_cpio(tmp_path) -> None:
    src = tmp_path / "tree"
    (src / "etc").mkdir(parents=True)
    (src / "etc" / "passwd").write_text("root:x:0:0::/root:/bin/sh\n")
    os.symlink("etc/passwd", src / "link")
    os.link(src / "etc" / "passwd", src / "hard")
    names = "\n".join(["etc", "etc/passwd", "link", "hard"]) + "\n"
    blob = subprocess.run(["cpio", "-o", "-H", "newc", "--quiet"], cwd=src, input=names.encode(),
                          capture_output=True, check=True).stdout
    root = load_initramfs(gzip.compress(blob))
    passwd = root.lookup(b"etc").lookup(b"passwd")
    assert passwd.read_at(0, 100).startswith(b"root:x:0:0")
    assert root.lookup(b"hard") is passwd and passwd.nlink == 2
    assert root.lookup(b"link").readlink() == b"etc/passwd"
