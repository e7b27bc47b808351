"""Path walk: symlinks (relative, absolute, loops), "..", mounts, trailing slashes, limits."""

from __future__ import annotations

import errno

import pytest
from test_fs_fakes import FakeTask

from pykerla.errors import KernelError
from pykerla.fs import vfs
from pykerla.fs.context import FsContext
from pykerla.fs.mount import MountNamespace
from pykerla.fs.namei import lookup
from pykerla.fs.tmpfs import new_tmpfs


@pytest.fixture
def t() -> FakeTask:
    t = FakeTask()
    root = t.fs.root
    vfs.mkdir(t, root, b"/a", 0o755)
    vfs.mkdir(t, root, b"/a/b", 0o755)
    vfs.mkdir(t, root, b"/mnt", 0o755)
    vfs.open_path(t, root, b"/a/b/file", 0o101, 0o644)  # O_CREAT | O_WRONLY
    vfs.symlink(t, b"b/file", root, b"/a/rel")
    vfs.symlink(t, b"/a/b", root, b"/abs")
    vfs.symlink(t, b"../../a", root, b"/a/b/up")
    vfs.symlink(t, b"loop2", root, b"/loop1")
    vfs.symlink(t, b"loop1", root, b"/loop2")
    vfs.symlink(t, b"nowhere", root, b"/dangling")
    return t


def err(t: FakeTask, path: bytes, follow: bool = True) -> int:
    with pytest.raises(KernelError) as e:
        lookup(t, path, follow)
    return e.value.errno


def test_basic_and_dots(t: FakeTask) -> None:
    f = lookup(t, b"/a/b/file")
    assert f.inode.is_reg and f.path() == b"/a/b/file"
    assert lookup(t, b"/a/./b/../b//file") is f
    assert lookup(t, b"/../../..") is t.fs.root
    assert lookup(t, b"a/b/file") is f
    t.fs.cwd = lookup(t, b"/a/b")
    assert lookup(t, b"file") is f
    assert lookup(t, b"..").path() == b"/a"
    assert lookup(t, b".") is t.fs.cwd


def test_symlinks(t: FakeTask) -> None:
    f = lookup(t, b"/a/b/file")
    assert lookup(t, b"/a/rel") is f
    assert lookup(t, b"/a/rel", follow=False).inode.is_symlink
    assert lookup(t, b"/abs/file") is f
    assert lookup(t, b"/abs/up/b/up/rel") is f
    assert lookup(t, b"/abs/", follow=False).inode.is_dir  # trailing slash follows
    assert err(t, b"/loop1") == errno.ELOOP
    assert lookup(t, b"/loop1", follow=False).inode.is_symlink
    assert err(t, b"/dangling") == errno.ENOENT


def test_symlink_limit_is_40(t: FakeTask) -> None:
    root = t.fs.root
    vfs.symlink(t, b"/a/b/file", root, b"/c0")
    for i in range(1, 41):
        vfs.symlink(t, b"/c%d" % (i - 1), root, b"/c%d" % i)
    assert lookup(t, b"/c39").inode.is_reg  # 40 links
    assert err(t, b"/c40") == errno.ELOOP  # 41 links


def test_errors(t: FakeTask) -> None:
    assert err(t, b"/a/b/file/x") == errno.ENOTDIR
    assert err(t, b"/a/b/file/") == errno.ENOTDIR
    assert err(t, b"/a/nope/x") == errno.ENOENT
    assert err(t, b"") == errno.ENOENT
    assert err(t, b"/" + b"x" * 256) == errno.ENAMETOOLONG
    assert err(t, b"/x" * 2048) == errno.ENAMETOOLONG
    assert err(t, b"/" + b"x" * 255) == errno.ENOENT


def test_search_permission(t: FakeTask) -> None:
    vfs.chmod(t, lookup(t, b"/a").inode, None, 0o700)
    user = FakeTask(root=t.fs.root, uid=1000, gid=1000)
    with pytest.raises(KernelError) as e:
        lookup(user, b"/a/b/file")
    assert e.value.errno == errno.EACCES
    assert lookup(user, b"/mnt").inode.is_dir


def test_mount_crossing_and_dotdot(t: FakeTask) -> None:
    ns = t.fs.root.mount.namespace
    mnt = lookup(t, b"/mnt")
    m = ns.attach(mnt, new_tmpfs(), b"tmpfs", 0)
    assert lookup(t, b"/mnt") is m.root
    vfs.mkdir(t, t.fs.root, b"/mnt/sub", 0o755)
    sub = lookup(t, b"/mnt/sub")
    assert sub.mount is m and sub.path() == b"/mnt/sub"
    assert lookup(t, b"/mnt/sub/../..") is t.fs.root
    assert lookup(t, b"/mnt/..") is t.fs.root
    # stacked mount: the newest one is visible
    m2 = ns.attach(lookup(t, b"/mnt"), new_tmpfs(), b"tmpfs2", 0)
    assert lookup(t, b"/mnt") is m2.root
    assert err(t, b"/mnt/sub") == errno.ENOENT
    ns.detach(m2)
    assert lookup(t, b"/mnt/sub") is sub
    # symlink inside the mount pointing back out
    vfs.symlink(t, b"../a/b/file", t.fs.root, b"/mnt/out")
    assert lookup(t, b"/mnt/out") is lookup(t, b"/a/b/file")
    with pytest.raises(KernelError) as e:
        ns.detach(ns.root_mount)
    assert e.value.errno == errno.EBUSY


def test_chroot_dotdot_and_absolute_links(t: FakeTask) -> None:
    t.fs.root = lookup(t, b"/a")
    t.fs.cwd = t.fs.root
    assert lookup(t, b"/../..").path(t.fs.root) == b"/"
    assert lookup(t, b"/b/file").path(t.fs.root) == b"/b/file"
    vfs.symlink(t, b"/b", t.fs.root, b"/inner")  # absolute targets resolve inside the root
    assert lookup(t, b"/inner/file").inode.is_reg


def test_lookup_with_fs_context() -> None:
    ns = MountNamespace(new_tmpfs(0o700))
    ctx = FsContext(ns.root)
    assert lookup(ctx, "/") is ns.root
