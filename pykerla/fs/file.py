"""Open files ("struct file"): the object an fd points at, shared by dup() and fork().

OpenFile is the base every kind of open file derives from (regular files and directories
here, pipes, devices, ttys, sockets elsewhere). It holds the status flags and the offset,
counts its references (one per fd-table slot, mapping, etc.; release() runs when the last
goes), and defines the operations with Linux's answers for files that lack them:

    read(task, size) -> bytes          write(task, data) -> int      (may raise WouldBlock)
    unread(data)                       give back bytes read() returned but user memory refused
    pread(task, size, offset) -> bytes pwrite(task, data, offset) -> int   (ESPIPE)
    seek(offset, whence) -> int        (ESPIPE)
    poll(events) -> revents            plus `wait_queue`, woken on any readiness change
    ioctl(task, cmd, arg) -> int       (ENOTTY)
    nread() -> int                     bytes ready to read, for FIONREAD (ENOTTY)
    entries() -> iterator of DirEntry  getdents from `pos` (ENOTDIR)
    backing() -> Backing               what mmap and exec read pages from (ENODEV)
    path_name() -> bytes               what /proc/PID/fd/N shows
Access-mode checks (EBADF) are done by the system-call layer before calling read/write.
"""

from __future__ import annotations

import errno
from collections.abc import Iterator

from ..errors import KernelError
from ..process.wait_queue import WaitQueue
from .dentry import Dentry
from .flags import (
    DT_DIR,
    O_ACCMODE,
    O_APPEND,
    O_LARGEFILE,
    O_NONBLOCK,
    O_PATH,
    O_RDONLY,
    O_WRONLY,
    SETFL_MASK,
    STATUS_FLAGS_KEPT,
)
from .fsnotify import IN_MODIFY, notify_close, notify_file
from .inode import DirEntry, Inode
from .lock import release_file as release_file_locks
from .poll import DEFAULT_POLLMASK

SEEK_SET = 0
SEEK_CUR = 1
SEEK_END = 2
SEEK_DATA = 3
SEEK_HOLE = 4
MAX_FILE_SIZE = (1 << 63) - 1


class Backing:
    """The pages of a regular file for mmap and exec (the mm.vma.Backing protocol):
    pread/pwrite/size, identification for /proc/PID/maps (name, dev_t, inode number),
    whether a shared mapping may be written, and the inode holding the page cache."""

    __slots__ = ("inode", "map_name", "map_dev", "map_ino", "map_may_write")

    def __init__(self, inode: Inode, name: str, may_write: bool = True) -> None:
        self.inode = inode
        self.map_name = name
        self.map_dev = inode.sb.dev
        self.map_ino = inode.ino
        self.map_may_write = may_write

    def pread(self, offset: int, size: int) -> bytes:
        """Up to `size` bytes at `offset`; short (possibly empty) at end of file."""
        return self.inode.read_at(offset, size)

    def pwrite(self, offset: int, data: bytes) -> int:
        """Write back a page of a shared writable mapping."""
        return self.inode.write_at(offset, data)

    @property
    def size(self) -> int:
        return self.inode.size


def backing_of(dentry: Dentry, may_write: bool = True) -> Backing:
    if not dentry.inode.is_reg:
        raise KernelError(errno.ENODEV)
    return Backing(dentry.inode, dentry.path().decode(errors="surrogateescape"), may_write)


def truncate_inode(inode: Inode, size: int) -> None:
    """Change a regular file's size (and keep shared mappings of it coherent)."""
    inode.truncate(size)
    inode.touch(mtime=True, ctime=True)
    if inode.page_cache is not None:
        inode.page_cache.file_truncated(size)


class OpenFile:
    """An open file description (see the module docstring for the operations)."""

    def __init__(self, inode: Inode, flags: int, dentry: Dentry | None = None) -> None:
        self.inode = inode
        self.dentry = dentry
        self.flags = (flags & STATUS_FLAGS_KEPT) | O_LARGEFILE
        self.pos = 0
        self.refs = 0
        self.wait_queue = WaitQueue()

    # -- flags ------------------------------------------------------------------------
    @property
    def readable(self) -> bool:
        return not self.flags & O_PATH and self.flags & O_ACCMODE != O_WRONLY

    @property
    def writable(self) -> bool:
        return not self.flags & O_PATH and self.flags & O_ACCMODE != O_RDONLY

    @property
    def nonblocking(self) -> bool:
        return bool(self.flags & O_NONBLOCK)

    def set_status_flags(self, flags: int) -> None:
        """F_SETFL: change the changeable status flags."""
        self.flags = (self.flags & ~SETFL_MASK) | (flags & SETFL_MASK)

    # -- references -------------------------------------------------------------------
    def get(self) -> OpenFile:
        self.refs += 1
        return self

    def put(self) -> None:
        self.refs -= 1
        if self.refs == 0:
            release_file_locks(self)
            notify_close(self)
            self.release()

    def release(self) -> None:
        """The last reference is gone (close of the last fd sharing this file)."""

    # -- operations -------------------------------------------------------------------
    def read(self, task: object, size: int) -> bytes:
        raise KernelError(errno.EINVAL)

    def write(self, task: object, data: bytes) -> int:
        raise KernelError(errno.EINVAL)

    def pread(self, task: object, size: int, offset: int) -> bytes:
        raise KernelError(errno.ESPIPE)

    def pwrite(self, task: object, data: bytes, offset: int) -> int:
        raise KernelError(errno.ESPIPE)

    def seek(self, offset: int, whence: int) -> int:
        raise KernelError(errno.ESPIPE)

    def poll(self, events: int) -> int:
        return DEFAULT_POLLMASK

    def ioctl(self, task: object, cmd: int, arg: int) -> int:
        raise KernelError(errno.ENOTTY)

    def nread(self) -> int:
        raise KernelError(errno.ENOTTY)

    def unread(self, data: bytes) -> None:
        """Take back the tail of a read() that could not be stored in user memory (a
        buffer turning bad half way); files without a position or buffer drop it."""

    def entries(self) -> Iterator[DirEntry]:
        """Directory entries from `pos` for getdents (ENOTDIR for non-directories)."""
        raise KernelError(errno.ENOTDIR)

    def fsync(self) -> None:
        """Data of in-memory files is always stable: nothing to do."""

    def backing(self) -> Backing:
        raise KernelError(errno.ENODEV)

    def path_name(self) -> bytes:
        if self.dentry is not None:
            return self.dentry.path()
        return f"anon_inode:[{type(self).__name__}]".encode()


def generic_seek(file: OpenFile, offset: int, whence: int, size: int) -> int:
    """lseek for files with a size: SEEK_SET/CUR/END and DATA/HOLE (no holes in memory)."""
    if whence == SEEK_SET:
        new = offset
    elif whence == SEEK_CUR:
        new = file.pos + offset
    elif whence == SEEK_END:
        new = size + offset
    elif whence in (SEEK_DATA, SEEK_HOLE):
        if offset < 0 or offset >= size:
            raise KernelError(errno.ENXIO)
        new = offset if whence == SEEK_DATA else size
    else:
        raise KernelError(errno.EINVAL)
    if new < 0 or new > MAX_FILE_SIZE:
        raise KernelError(errno.EINVAL)
    file.pos = new
    return new


def seek_set_or_cur(file: OpenFile, offset: int, whence: int) -> int:
    """lseek for files without an end (directories, generated text): SEEK_SET and SEEK_CUR only."""
    if whence == SEEK_CUR:
        offset += file.pos
    elif whence != SEEK_SET:
        raise KernelError(errno.EINVAL)
    if offset < 0:
        raise KernelError(errno.EINVAL)
    file.pos = offset
    return offset


class RegularFile(OpenFile):
    """An open regular file: data through the inode's read_at/write_at."""

    def read(self, task: object, size: int) -> bytes:
        data = self.pread(task, size, self.pos)
        self.pos += len(data)
        return data

    def write(self, task: object, data: bytes) -> int:
        if self.flags & O_APPEND:
            self.pos = self.inode.size
        n = self._write_at(data, self.pos)
        self.pos += n
        return n

    def pread(self, task: object, size: int, offset: int) -> bytes:
        inode = self.inode
        if inode.page_cache is not None:
            inode.page_cache.writeback()  # stores through shared mappings reach the file first
        data = inode.read_at(offset, size)
        inode.touch_read()
        return data

    def pwrite(self, task: object, data: bytes, offset: int) -> int:
        # Linux appends even for pwrite when the file was opened with O_APPEND.
        return self._write_at(data, self.inode.size if self.flags & O_APPEND else offset)

    def _write_at(self, data: bytes, offset: int) -> int:
        if offset + len(data) > MAX_FILE_SIZE:
            raise KernelError(errno.EFBIG)
        if not data:
            return 0
        inode = self.inode
        n = inode.write_at(offset, data)
        inode.touch(mtime=True, ctime=True)
        if inode.page_cache is not None:
            inode.page_cache.file_written(offset, data[:n])
        if self.dentry is not None:
            notify_file(self.dentry, IN_MODIFY)
        return n

    def seek(self, offset: int, whence: int) -> int:
        return generic_seek(self, offset, whence, self.inode.size)

    def nread(self) -> int:
        return max(0, self.inode.size - self.pos)

    def unread(self, data: bytes) -> None:
        self.pos -= len(data)

    def backing(self) -> Backing:
        assert self.dentry is not None
        return backing_of(self.dentry, may_write=self.writable)


class DirectoryFile(OpenFile):
    """An open directory: getdents reads entries from `pos`, a directory cookie."""

    def read(self, task: object, size: int) -> bytes:
        raise KernelError(errno.EISDIR)

    def write(self, task: object, data: bytes) -> int:
        raise KernelError(errno.EISDIR)

    def pread(self, task: object, size: int, offset: int) -> bytes:
        raise KernelError(errno.EISDIR)

    def seek(self, offset: int, whence: int) -> int:
        return seek_set_or_cur(self, offset, whence)

    def entries(self) -> Iterator[DirEntry]:
        """Entries from the current position; the caller sets `pos` to each entry's
        cookie once it has been delivered."""
        if self.inode.nlink == 0:
            raise KernelError(errno.ENOENT)
        self.inode.touch_read()
        start = self.pos
        if start == 0:
            yield DirEntry(b".", self.inode.ino, DT_DIR, 1)
        if start <= 1:
            parent = self.dentry.parent.inode if self.dentry is not None else self.inode
            yield DirEntry(b"..", parent.ino, DT_DIR, 2)
        yield from self.inode.readdir(max(start, 2))
