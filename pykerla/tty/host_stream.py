"""Host file descriptors passed through to the guest unchanged (the console when the host's
stdin is not a terminal): reads come from a host fd, writes go to a host fd, and to the
guest the file behaves like a pipe (poll works, FIONREAD works, no termios).

The kernel never blocks on a host fd: a read that would block arms a one-shot watch on it
(scheduler.watch_host_fd) and sleeps on the HostInput's wait queue, which the watch wakes.
"""

from __future__ import annotations

import errno
import fcntl
import os
import select
import selectors
import struct
from typing import Any

from ..errors import KernelError
from ..fs.file import OpenFile
from ..fs.flags import O_ACCMODE, O_RDONLY, O_WRONLY, S_IFIFO
from ..fs.inode import Inode
from ..fs.pipe import PIPEFS
from ..fs.poll import POLLERR, POLLHUP, POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM
from ..process.signal_state import SIGPIPE
from ..process.wait_queue import WaitQueue, WouldBlock

_HOST_FIONREAD = 0x541B


def write_all(fd: int, data: bytes) -> None:
    """Write everything to a host fd, waiting if it is non-blocking and full."""
    view = memoryview(data)
    while view:
        try:
            view = view[os.write(fd, view):]
        except BlockingIOError:
            select.select([], [fd], [])


class HostInput:
    """One host fd read by the guest: its readiness and the wait queue of its readers."""

    def __init__(self, fd: int, scheduler: Any) -> None:
        self.fd = fd
        self.scheduler = scheduler
        self.wait_queue = WaitQueue()
        self._poller = select.poll()
        self._poller.register(fd, select.POLLIN)
        self._armed = False

    def revents(self) -> int:
        """Host poll bits now (POLLIN/POLLHUP/POLLERR); arms the watch when there are none."""
        ready = self._poller.poll(0)
        mask = ready[0][1] if ready else 0
        if not mask:
            self._arm()
        return mask

    def _arm(self) -> None:
        if not self._armed:
            self._armed = True
            self.scheduler.watch_host_fd(self.fd, selectors.EVENT_READ, self._ready)

    def _ready(self) -> None:
        self.scheduler.unwatch_host_fd(self.fd)
        self._armed = False
        self.wait_queue.wake_all()


class HostStreamFile(OpenFile):
    """An open file reading `source` (a HostInput, or None) and writing host fd `sink`."""

    def __init__(self, inode: Inode, flags: int, source: HostInput | None, sink: int | None,
                 dentry: Any = None) -> None:
        super().__init__(inode, flags, dentry)
        self.source = source
        self.sink = sink
        if source is not None:
            self.wait_queue = source.wait_queue

    def read(self, task: Any, size: int) -> bytes:
        if self.source is None:
            raise KernelError(errno.EBADF)
        if size == 0:
            return b""
        if self.source.revents():
            try:
                return os.read(self.source.fd, size)
            except BlockingIOError:
                pass
            except OSError as e:
                raise KernelError(e.errno or errno.EIO) from None
        if self.nonblocking:
            raise KernelError(errno.EAGAIN)
        raise WouldBlock([self.wait_queue])

    def write(self, task: Any, data: bytes) -> int:
        if self.sink is None:
            raise KernelError(errno.EBADF)
        try:
            write_all(self.sink, data)
        except BrokenPipeError:
            task.force_signal(SIGPIPE)
            raise KernelError(errno.EPIPE) from None
        except OSError as e:
            raise KernelError(e.errno or errno.EIO) from None
        return len(data)

    def poll(self, events: int) -> int:
        mask = 0
        if self.source is not None:
            host = self.source.revents()
            if host & select.POLLIN:
                mask |= POLLIN | POLLRDNORM
            mask |= (POLLHUP if host & select.POLLHUP else 0) | (POLLERR if host & select.POLLERR else 0)
        if self.sink is not None:
            mask |= POLLOUT | POLLWRNORM  # writes are synchronous: always writable
        return mask

    def path_name(self) -> bytes:
        if self.dentry is not None:
            return super().path_name()
        return b"pipe:[%d]" % self.inode.ino

    def nread(self) -> int:
        if self.source is None:
            return 0
        try:
            return struct.unpack("<i", fcntl.ioctl(self.source.fd, _HOST_FIONREAD, b"\0" * 4))[0]
        except OSError:
            return 0


class HostStreamInode(Inode):
    """The pipe-like inode behind one passed-through host stream. Opening it again (through
    /dev/stdout or /proc/self/fd/N) gives another file on the same host stream, as reopening
    a pipe through /proc does on Linux."""

    def __init__(self, source: HostInput | None, sink: int | None) -> None:
        super().__init__(PIPEFS, S_IFIFO | 0o600)
        self.source = source
        self.sink = sink

    def open_file(self, task: object, dentry: Any, flags: int) -> OpenFile:
        acc = flags & O_ACCMODE
        return HostStreamFile(self, flags, self.source if acc != O_WRONLY else None,
                              self.sink if acc != O_RDONLY else None, dentry)

    def open_standard(self, flags: int) -> HostStreamFile:
        """The file the first process gets on this stream (fd 0, 1 or 2)."""
        return HostStreamFile(self, flags, self.source, self.sink)
