"""inotify instances (inotify(7)): watches on inodes (fs/fsnotify.py delivers their events)
and the queue of struct inotify_event records read from the descriptor.

A record is {int wd; uint32 mask, cookie, len; char name[len]} with the name NUL-padded to
a multiple of 16 bytes (len 0 without a name). An event identical to the last one queued
is merged into it; a full queue gets one IN_Q_OVERFLOW record. read() returns as many
whole records as fit (EINVAL if not even the first does), blocking (or EAGAIN) while the
queue is empty. Removing a watch (inotify_rm_watch, IN_ONESHOT after its event, or the
inode being deleted) queues IN_IGNORED. Watch descriptors count up from 1 and are not
reused.
"""

from __future__ import annotations

import errno
import struct
from collections import deque
from typing import Any

from ..errors import KernelError
from ..process.wait_queue import WouldBlock
from .anon_file import AnonFile
from .flags import O_NONBLOCK, O_RDONLY
from .fsnotify import Watch, add_watch, remove_watch, watches_of
from .inode import Inode
from .poll import POLLIN, POLLRDNORM

IN_UNMOUNT = 0x2000
IN_Q_OVERFLOW = 0x4000
IN_IGNORED = 0x8000
IN_ONLYDIR = 0x01000000
IN_DONT_FOLLOW = 0x02000000
IN_EXCL_UNLINK = 0x04000000
IN_MASK_CREATE = 0x10000000
IN_MASK_ADD = 0x20000000
IN_ONESHOT = 0x80000000
MAX_QUEUED_EVENTS = 16384
_HEADER = struct.Struct("<iIII")


def pack_event(wd: int, mask: int, cookie: int, name: bytes) -> bytes:
    padded = (len(name) + 1 + _HEADER.size - 1) // _HEADER.size * _HEADER.size if name else 0
    return _HEADER.pack(wd, mask, cookie, padded) + name.ljust(padded, b"\0")


class InotifyFile(AnonFile):
    """One inotify instance."""

    anon_name = b"inotify"

    def __init__(self, flags: int) -> None:
        super().__init__(O_RDONLY | (flags & O_NONBLOCK))
        self.events: deque[bytes] = deque()
        self.watches: dict[int, Watch] = {}
        self._last_wd = 0

    # -- watches ---------------------------------------------------------------------------
    def update_watch(self, inode: Inode, mask: int, add: bool, create: bool) -> int:
        """inotify_add_watch on a resolved inode: the watch descriptor."""
        for watch in watches_of(inode):
            if watch.listener is self:
                if create:
                    raise KernelError(errno.EEXIST)
                watch.mask = watch.mask | mask if add else mask
                return watch.wd
        self._last_wd += 1
        watch = Watch(self, inode, self._last_wd, mask)
        self.watches[watch.wd] = watch
        add_watch(watch)
        return watch.wd

    def rm_watch(self, wd: int) -> None:
        watch = self.watches.get(wd)
        if watch is None:
            raise KernelError(errno.EINVAL)
        self.watch_gone(watch)

    def watch_gone(self, watch: Watch) -> None:
        remove_watch(watch)
        del self.watches[watch.wd]
        self._queue(pack_event(watch.wd, IN_IGNORED, 0, b""))

    def event(self, watch: Watch, mask: int, cookie: int, name: bytes) -> None:
        self._queue(pack_event(watch.wd, mask, cookie, name))
        if watch.mask & IN_ONESHOT:
            self.watch_gone(watch)

    def _queue(self, record: bytes) -> None:
        events = self.events
        if events and events[-1] == record:
            return
        if len(events) >= MAX_QUEUED_EVENTS:
            record = pack_event(-1, IN_Q_OVERFLOW, 0, b"")
            if events[-1] == record:
                return
        events.append(record)
        self.wait_queue.wake_all()

    # -- file operations -------------------------------------------------------------------
    def read(self, task: Any, size: int) -> bytes:
        events = self.events
        if not events:
            if self.nonblocking:
                raise KernelError(errno.EAGAIN)
            raise WouldBlock([self.wait_queue])
        out: list[bytes] = []
        total = 0
        while events and total + len(events[0]) <= size:
            total += len(events[0])
            out.append(events.popleft())
        if not out:
            raise KernelError(errno.EINVAL)
        return b"".join(out)

    def nread(self) -> int:
        return sum(len(record) for record in self.events)

    def poll(self, events: int) -> int:
        return POLLIN | POLLRDNORM if self.events else 0

    def release(self) -> None:
        for watch in list(self.watches.values()):
            remove_watch(watch)
        self.watches.clear()
