"""hostfs: a host directory seen by the guest; guest changes never reach the host."""

from __future__ import annotations

import errno
import hashlib
import os
from pathlib import Path

import pytest
from test_fs_fakes import FakeTask

from pykerla.errors import KernelError
from pykerla.fs import vfs
from pykerla.fs.flags import O_APPEND, O_CREAT, O_RDONLY, O_RDWR, O_TRUNC, O_WRONLY
from pykerla.fs.namei import lookup
from pykerla.fs.rootfs import build_root


def snapshot(root: Path) -> dict[str, tuple]:
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            st = p.lstat()
            digest = hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() and not p.is_symlink() else ""
            out[str(p.relative_to(root))] = (st.st_mode, st.st_size, st.st_mtime_ns, digest,
                                             os.readlink(p) if p.is_symlink() else "")
    return out


@pytest.fixture
def host(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    (root / "bin").mkdir()
    (root / "tmp").mkdir()
    (root / "etc" / "hostname").write_text("pykerla\n")
    (root / "bin" / "prog").write_bytes(b"\x7fELF" + bytes(5000))
    (root / "bin" / "prog").chmod(0o755)
    os.link(root / "bin" / "prog", root / "bin" / "prog-link")
    os.symlink("/etc/hostname", root / "abs-link")
    os.symlink("../../../../outside", root / "etc" / "escape")
    os.symlink(str(tmp_path), root / "host-abs")
    (tmp_path / "outside").write_text("host secret")
    return root


def guest(host: Path) -> FakeTask:
    ns = build_root(host)
    return FakeTask(root=ns.root)


def read_all(t: FakeTask, path: bytes) -> bytes:
    f = vfs.open_path(t, t.fs.cwd, path, O_RDONLY)
    return f.read(t, 1 << 20)


def test_reads_host_tree(host: Path) -> None:
    t = guest(host)
    assert read_all(t, b"/etc/hostname") == b"pykerla\n"
    prog = lookup(t, b"/bin/prog")
    assert prog.inode.mode == 0o100755 and prog.inode.size == 5004 and (prog.inode.uid, prog.inode.gid) == (0, 0)
    assert lookup(t, b"/bin/prog-link").inode is prog.inode and prog.inode.nlink == 2
    assert read_all(t, b"/abs-link") == b"pykerla\n"  # resolved in the guest
    backing = vfs.open_exec(t, prog)
    assert backing.pread(0, 4) == b"\x7fELF" and backing.map_name == "/bin/prog"
    assert lookup(t, b"/dev/null").inode.is_chr  # devfs mounted on a /dev created in memory
    assert lookup(t, b"/tmp").mount.sb.fstype == "tmpfs"


def test_symlinks_do_not_escape(host: Path) -> None:
    t = guest(host)
    with pytest.raises(KernelError) as e:
        read_all(t, b"/etc/escape")
    assert e.value.errno == errno.ENOENT
    with pytest.raises(KernelError):
        read_all(t, b"/host-abs/outside")  # an absolute host path means nothing in the guest


def test_writes_stay_in_memory(host: Path) -> None:
    before = snapshot(host)
    t = guest(host)
    root = t.fs.root
    f = vfs.open_path(t, root, b"/etc/hostname", O_WRONLY | O_APPEND)
    f.write(t, b"more\n")
    assert read_all(t, b"/etc/hostname") == b"pykerla\nmore\n"
    f = vfs.open_path(t, root, b"/bin/prog", O_RDWR)
    f.pwrite(t, b"XX", 1)
    assert read_all(t, b"/bin/prog-link")[:4] == b"\x7fXXF"  # hard link sees the copy-up
    vfs.open_path(t, root, b"/etc/new", O_CREAT | O_WRONLY, 0o644).write(t, b"new file")
    vfs.mkdir(t, root, b"/etc/newdir", 0o755)
    vfs.unlink(t, root, b"/abs-link")
    vfs.rename(t, root, b"/bin", root, b"/sbin")
    vfs.chmod(t, lookup(t, b"/sbin/prog").inode, None, 0o700)
    vfs.open_path(t, root, b"/sbin/prog-link", O_WRONLY | O_TRUNC)
    vfs.symlink(t, b"x", root, b"/etc/sym")
    with pytest.raises(KernelError):
        lookup(t, b"/abs-link", follow=False)  # the deletion is remembered (whiteout)
    assert lookup(t, b"/sbin/prog").inode.size == 0
    assert sorted(e.name for e in lookup(t, b"/etc").inode.readdir(2)) == [
        b"escape", b"hostname", b"new", b"newdir", b"sym"]
    assert snapshot(host) == before


def test_missing_dirs_and_errors(tmp_path: Path) -> None:
    (tmp_path / "r").mkdir()
    t = guest(tmp_path / "r")
    assert lookup(t, b"/dev").inode.is_dir
    assert not (tmp_path / "r" / "dev").exists()
    with pytest.raises(FileNotFoundError):
        build_root(tmp_path / "missing")
