"""The building blocks of procfs: inodes whose contents are computed when they are used.

    ProcFile     a regular file whose text `show()` produces; read like Linux's seq_file:
                 a read at offset 0 renders the text afresh, later offsets continue that
                 rendering; writable when given `store(task, data)`; `guard(task)` may
                 refuse an open (the ptrace access check of environ, auxv...).
    ProcSymlink  a symbolic link whose target `target()` computes; a "magic" link (fd/N,
                 cwd, root) also has `jump()`, the dentry it stands for (nd_jump_link), so
                 opening it reopens that very file even when no path names it.
    ProcDir      a directory listed by `children()` and populated by `make(name)`.
    StaticDir    a ProcDir with a fixed table of entries.

Every node may belong to a process (`owner`, anything with `alive() -> bool`): once the
process is gone, lookups and opens fail with ENOENT and reads of an already open file with
ESRCH, as in Linux; `revalidate()` tells a dentry cache that the node is stale.
"""

from __future__ import annotations

import errno
import functools
from collections.abc import Callable, Iterator
from typing import Any, Protocol

from ...errors import KernelError
from ..dentry import Dentry
from ..file import OpenFile, seek_set_or_cur
from ..flags import S_IFDIR, S_IFLNK, S_IFREG, dtype_of
from ..inode import DirEntry, Inode, StatFs, SuperBlock
from ..mount import Mount

PROC_SUPER_MAGIC = 0x9FA0
ANON_INODE_FS_MAGIC = 0x09041934
DIR_MODE = 0o555
FILE_MODE = 0o444

Show = Callable[[], bytes]
Store = Callable[[Any, bytes], int]
Guard = Callable[[Any], None]  # raises (EACCES) when the given task may not open the file


class Owner(Protocol):
    def alive(self) -> bool: ...


class ProcSuperBlock(SuperBlock):
    """One procfs instance; it knows the kernel whose state it shows."""

    def __init__(self, kernel: Any) -> None:
        super().__init__("proc", PROC_SUPER_MAGIC)
        self.kernel = kernel

    def statfs(self) -> StatFs:
        return StatFs(PROC_SUPER_MAGIC)


def current_task(kernel: Any) -> Any:
    """The task whose system call is running: the one at the head of the run queue."""
    return kernel.scheduler.pick()


class ProcNode(Inode):
    """Common part of procfs inodes: the owning process, if any."""

    def __init__(self, sb: SuperBlock, mode: int, ino: int | None, owner: Owner | None,
                 uid: int = 0, gid: int = 0) -> None:
        super().__init__(sb, mode, uid, gid, ino=ino)
        self.owner = owner

    def alive(self) -> bool:
        return self.owner is None or self.owner.alive()

    def revalidate(self) -> bool:
        """False once the node shows something that no longer exists (d_revalidate)."""
        return self.alive()

    def check_alive(self, err: int = errno.ENOENT) -> None:
        if not self.alive():
            raise KernelError(err)


class ProcFile(ProcNode):
    """A regular file rendered by `show` (size 0, as Linux reports for generated files)."""

    def __init__(self, sb: SuperBlock, show: Show, mode: int = FILE_MODE, ino: int | None = None,
                 owner: Owner | None = None, store: Store | None = None, guard: Guard | None = None,
                 uid: int = 0, gid: int = 0) -> None:
        super().__init__(sb, S_IFREG | mode, ino, owner, uid, gid)
        self._show = show
        self._store = store
        self._guard = guard

    def render(self) -> bytes:
        self.check_alive(errno.ESRCH)
        return self._show()

    def store(self, task: Any, data: bytes) -> int:
        if self._store is None:
            raise KernelError(errno.EINVAL)
        self.check_alive(errno.ESRCH)
        return self._store(task, data)

    def open_file(self, task: Any, dentry: Dentry, flags: int) -> OpenFile:
        self.check_alive()
        if self._guard is not None:
            self._guard(task)
        return SeqFile(self, flags, dentry)


class SeqFile(OpenFile):
    """An open ProcFile: the text of the current rendering, re-rendered at offset 0."""

    def __init__(self, inode: ProcFile, flags: int, dentry: Dentry | None = None) -> None:
        super().__init__(inode, flags, dentry)
        self.proc_file = inode
        self._text: bytes | None = None

    def pread(self, task: Any, size: int, offset: int) -> bytes:
        if offset == 0 or self._text is None:
            self._text = self.proc_file.render()
        return self._text[offset:offset + size]

    def read(self, task: Any, size: int) -> bytes:
        data = self.pread(task, size, self.pos)
        self.pos += len(data)
        return data

    def write(self, task: Any, data: bytes) -> int:
        return self.proc_file.store(task, data)

    def pwrite(self, task: Any, data: bytes, offset: int) -> int:
        return self.proc_file.store(task, data)

    def seek(self, offset: int, whence: int) -> int:
        """seq_lseek: SEEK_SET and SEEK_CUR only."""
        return seek_set_or_cur(self, offset, whence)


class ProcSymlink(ProcNode):
    """A symbolic link computed by `target` (and, for magic links, `jump`)."""

    def __init__(self, sb: SuperBlock, target: Show, jump: Callable[[], Dentry] | None = None,
                 mode: int = 0o777, ino: int | None = None, owner: Owner | None = None,
                 size: int = 0, uid: int = 0, gid: int = 0) -> None:
        super().__init__(sb, S_IFLNK | mode, ino, owner, uid, gid)
        self._target = target
        self._jump = jump
        self._size = size

    @property
    def size(self) -> int:
        return self._size

    @property
    def blocks(self) -> int:
        return 0

    def readlink(self) -> bytes:
        self.check_alive()
        return self._target()

    def jump_link(self) -> Dentry | None:
        """The dentry a magic link leads to (the path walk continues there without parsing
        the link text), or None for an ordinary link."""
        if self._jump is None:
            return None
        self.check_alive()
        return self._jump()


class ProcDir(ProcNode):
    """A directory whose entries are computed: subclasses define children() and make()."""

    def __init__(self, sb: SuperBlock, mode: int = DIR_MODE, ino: int | None = None,
                 owner: Owner | None = None, uid: int = 0, gid: int = 0) -> None:
        super().__init__(sb, S_IFDIR | mode, ino, owner, uid, gid)

    def children(self) -> Iterator[tuple[int, bytes, int, int]]:
        """(cookie >= 2, name, inode number, d_type) of every entry, in cookie order."""
        raise NotImplementedError

    def make(self, name: bytes) -> Inode | None:
        """The inode of entry `name`, or None when there is no such entry."""
        raise NotImplementedError

    def lookup(self, name: bytes) -> Inode | None:
        if not self.alive():
            return None
        return self.make(name)

    def readdir(self, cookie: int) -> Iterator[DirEntry]:
        self.check_alive()
        for c, name, ino, dtype in self.children():
            if c >= cookie:
                yield DirEntry(name, ino, dtype, c + 1)

    def is_empty(self) -> bool:
        raise KernelError(errno.EPERM)  # rmdir: procfs directories are never removed

    def open_file(self, task: Any, dentry: Dentry, flags: int) -> OpenFile | None:
        self.check_alive()
        return None


class StaticDir(ProcDir):
    """A directory with a fixed list of entries, added with add()."""

    def __init__(self, sb: SuperBlock, mode: int = DIR_MODE) -> None:
        super().__init__(sb, mode)
        self._entries: dict[bytes, Inode] = {}

    def add(self, name: bytes, inode: Inode) -> Inode:
        self._entries[name] = inode
        if inode.is_dir:
            self.nlink += 1
        return inode

    def children(self) -> Iterator[tuple[int, bytes, int, int]]:
        for i, (name, inode) in enumerate(self._entries.items()):
            yield i + 2, name, inode.ino, dtype_of(inode.mode)

    def make(self, name: bytes) -> Inode | None:
        return self._entries.get(name)


# -- where a magic link to a file without a path leads --------------------------------------

class AnonDentry(Dentry):
    """The dentry of an open file that has none (a pipe, a socket): what /proc/PID/fd/N of
    such a file leads to; its path is the file's name, e.g. "pipe:[1234]"."""

    __slots__ = ()

    def path(self, root: Dentry | None = None) -> bytes:
        return self.name


@functools.cache
def anon_mount() -> Mount:
    """The mount that files without a path of their own appear on (one, made when first needed)."""
    sb = SuperBlock("anon_inodefs", ANON_INODE_FS_MAGIC)
    return Mount(None, Inode(sb, S_IFDIR | 0o500), b"anon_inodefs", 0)  # type: ignore[arg-type]


def file_dentry(file: OpenFile) -> Dentry:
    """The dentry through which an open file can be opened again."""
    if file.dentry is not None:
        return file.dentry
    return AnonDentry(file.path_name(), None, file.inode, anon_mount())
