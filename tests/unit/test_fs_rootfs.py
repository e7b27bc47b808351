"""Boot-time API: build_root from an archive, open_exec/Backing, dentry paths, O_PATH, statfs."""

from __future__ import annotations

import errno
import gzip
import struct
from pathlib import Path

import pytest
from test_fs_fakes import FakeTask
from test_fs_initramfs import SAMPLE, SAMPLE_ENTRIES, archive, entry

from pykerla.errors import KernelError
from pykerla.fs import vfs
from pykerla.fs.context import FsContext
from pykerla.fs.flags import O_CREAT, O_PATH, O_RDONLY, O_WRONLY
from pykerla.fs.initramfs import CpioError
from pykerla.fs.mount import MS_NOEXEC, MS_RDONLY
from pykerla.fs.namei import lookup
from pykerla.fs.rootfs import build_root
from pykerla.fs.stat import pack_statfs


@pytest.fixture
def ns(tmp_path: Path):
    image = tmp_path / "root.cpio.gz"
    image.write_bytes(gzip.compress(archive(*SAMPLE_ENTRIES, entry(b"tmp", 0o41777, ino=20))))
    return build_root(image)


def test_build_root_from_archive(ns) -> None:
    ctx = FsContext(ns.root)
    assert lookup(ctx, "/bin/busybox").inode.size == 8
    assert lookup(ctx, "/dev/null").inode.is_chr  # devfs hides the archive's /dev
    with pytest.raises(KernelError):
        lookup(ctx, "/dev/console")
    tmp = lookup(ctx, "/tmp")
    assert tmp.mount.sb.fstype == "tmpfs" and tmp.inode.mode == 0o41777
    assert [m.sb.fstype for m in ns.mounts] == ["rootfs", "devtmpfs", "tmpfs", "tmpfs"]  # /dev/shm, /tmp
    assert ns.mounts[1].options() == "rw,nosuid"


def test_bad_archive_is_a_value_error(tmp_path: Path) -> None:
    image = tmp_path / "bad.cpio"
    image.write_bytes(SAMPLE[:300])
    with pytest.raises(CpioError) as e:
        build_root(image)
    assert isinstance(e.value, ValueError) and "byte offset" in str(e.value)


def test_open_exec_and_backing(ns) -> None:
    t = FakeTask(root=ns.root)
    busybox = lookup(t, b"/bin/sh")
    backing = vfs.open_exec(t, busybox)
    assert backing.pread(0, 4) == b"\x7fELF" and backing.pread(100, 10) == b""
    assert backing.map_name == "/bin/busybox" and backing.map_ino == busybox.inode.ino
    assert backing.map_dev == busybox.inode.sb.dev
    for path in (b"/bin", b"/hl1"):
        with pytest.raises(KernelError) as e:
            vfs.open_exec(t, lookup(t, path))
        assert e.value.errno == errno.EACCES
    user = FakeTask(root=ns.root, uid=1000)
    vfs.chmod(t, busybox.inode, None, 0o744)
    with pytest.raises(KernelError):
        vfs.open_exec(user, busybox)
    ns.remount(ns.root_mount, MS_NOEXEC)
    with pytest.raises(KernelError):
        vfs.open_exec(t, busybox)


def test_paths_of_dentries_and_files(ns) -> None:
    t = FakeTask(root=ns.root)
    f = vfs.open_path(t, t.fs.root, b"/tmp/x", O_CREAT | O_WRONLY, 0o644)
    assert f.path_name() == b"/tmp/x"
    vfs.unlink(t, t.fs.root, b"/tmp/x")
    assert f.path_name() == b"/tmp/x (deleted)"
    assert lookup(t, b"/dev/null").path() == b"/dev/null"
    chroot = lookup(t, b"/bin")
    assert lookup(t, b"/bin/sh", follow=False).path(chroot) == b"/sh"
    assert lookup(t, b"/hl1").path(chroot) == b"/hl1"  # outside the root: from the real root
    assert [fd for fd, _ in t.files.items()] == []


def test_o_path_and_readonly_mount(ns) -> None:
    t = FakeTask(root=ns.root)
    p = vfs.open_path(t, t.fs.root, b"/hl1", O_PATH)
    assert not p.readable and not p.writable
    ns.remount(ns.root_mount, MS_RDONLY)
    with pytest.raises(KernelError) as e:
        vfs.open_path(t, t.fs.root, b"/hl1", O_WRONLY)
    assert e.value.errno == errno.EROFS
    vfs.open_path(t, t.fs.root, b"/hl1", O_RDONLY)
    vfs.open_path(t, t.fs.root, b"/dev/null", O_WRONLY)  # devices on other mounts are fine
    flags = struct.unpack_from("<q", pack_statfs(ns.root.inode.sb, ns.root_mount), 80)[0]
    assert flags & 1
