"""FdTable, FsContext and open-file reference counting; devfs and its device registry."""

from __future__ import annotations

import errno

import pytest
from test_fs_fakes import FakeTask

from pykerla.errors import KernelError
from pykerla.fs import devfs, vfs
from pykerla.fs.context import FsContext
from pykerla.fs.fdtable import FdTable
from pykerla.fs.file import OpenFile
from pykerla.fs.flags import O_RDONLY, O_RDWR, O_WRONLY
from pykerla.fs.inode import Inode, SuperBlock
from pykerla.fs.namei import lookup

SB = SuperBlock("test", 0)


class Counted(OpenFile):
    def __init__(self) -> None:
        super().__init__(Inode(SB, 0o100644), O_RDONLY)
        self.released = 0

    def release(self) -> None:
        self.released += 1


def test_lowest_free_and_close() -> None:
    table = FdTable()
    files = [Counted() for _ in range(3)]
    assert [table.install(f) for f in files] == [0, 1, 2]
    table.close(1)
    assert files[1].released == 1
    assert table.install(Counted()) == 1
    assert table.install(Counted(), lowest=10) == 10
    with pytest.raises(KernelError) as e:
        table.close(7)
    assert e.value.errno == errno.EBADF


def test_dup_shares_and_release_on_last_close() -> None:
    table = FdTable()
    f = Counted()
    fd = table.install(f, cloexec=True)
    d = table.dup(fd)
    assert table.get(d) is f and not table.cloexec(d) and table.cloexec(fd)
    assert table.dup2(fd, 5, cloexec=True) == 5
    table.close(fd)
    table.close(d)
    assert f.released == 0
    table.close(5)
    assert f.released == 1


def test_dup2_replaces_and_limit() -> None:
    table = FdTable(limit=4)
    a, b = Counted(), Counted()
    table.install(a)
    table.install(b)
    table.dup2(0, 1)
    assert b.released == 1 and table.get(1) is a
    with pytest.raises(KernelError) as e:
        table.dup2(0, 4)
    assert e.value.errno == errno.EBADF
    table.install(Counted())
    table.install(Counted())
    with pytest.raises(KernelError) as e:
        table.install(Counted())
    assert e.value.errno == errno.EMFILE


def test_fork_exec_exit() -> None:
    table = FdTable()
    f, g = Counted(), Counted()
    table.install(f)
    table.install(g, cloexec=True)
    child = table.fork()
    assert child.get(0) is f and child.cloexec(1)
    child.close_on_exec()
    assert 1 not in child and g.released == 0
    table.close_all()
    assert g.released == 1 and f.released == 0 and len(table) == 0
    child.close_all()
    assert f.released == 1


def test_fs_context_fork() -> None:
    t = FakeTask()
    ctx = FsContext(t.fs.root, umask=0o027)
    other = ctx.fork()
    other.umask = 0
    assert ctx.umask == 0o027 and other.root is ctx.root


def test_memory_devices() -> None:
    t = FakeTask()
    root = t.fs.root
    vfs.mkdir(t, root, b"/dev", 0o755)
    root.mount.namespace.attach(lookup(t, b"/dev"), devfs.new_devfs(), b"devtmpfs", 0)
    null = vfs.open_path(t, root, b"/dev/null", O_RDWR)
    assert null.read(t, 10) == b"" and null.write(t, b"abc") == 3
    zero = vfs.open_path(t, root, b"/dev/zero", O_RDONLY)
    assert zero.read(t, 4) == bytes(4) and zero.backing().pread(0, 3) == bytes(3)
    full = vfs.open_path(t, root, b"/dev/full", O_WRONLY)
    with pytest.raises(KernelError) as e:
        full.write(t, b"x")
    assert e.value.errno == errno.ENOSPC
    assert len(vfs.open_path(t, root, b"/dev/urandom", O_RDONLY).read(t, 16)) == 16
    assert lookup(t, b"/dev/fd", follow=False).inode.readlink() == b"/proc/self/fd"
    st = lookup(t, b"/dev/null").inode
    assert st.mode == 0o20666 and st.rdev == (1 << 8) | 3


def test_register_device_later_and_mknod_anywhere() -> None:
    t = FakeTask()
    root = t.fs.root
    vfs.mkdir(t, root, b"/dev", 0o755)
    root.mount.namespace.attach(lookup(t, b"/dev"), devfs.new_devfs(), b"devtmpfs", 0)
    opened = []

    def open_fn(task, dentry, flags):
        opened.append(dentry.path())
        return OpenFile(dentry.inode, flags, dentry)

    devfs.register_char_device("pts/7", 136, 7, open_fn, mode=0o620, gid=5)
    try:
        node = lookup(t, b"/dev/pts/7").inode
        assert node.mode == 0o20620 and node.gid == 5
        vfs.open_path(t, root, b"/dev/pts/7", O_RDWR)
        vfs.mknod(t, root, b"/mytty", 0o20600, node.rdev)  # a node outside devfs
        vfs.open_path(t, root, b"/mytty", O_RDWR)
        assert opened == [b"/dev/pts/7", b"/mytty"]
    finally:
        devfs.unregister_char_device("pts/7")
    with pytest.raises(KernelError) as e:
        lookup(t, b"/dev/pts/7")
    assert e.value.errno == errno.ENOENT
    with pytest.raises(KernelError) as e:
        vfs.open_path(t, root, b"/mytty", O_RDWR)
    assert e.value.errno == errno.ENXIO
