"""epoll: an interest list of (fd, open file) pairs and a ready list (epoll(7)).

Each watched pair is an EpItem that sleeps on its file's wait queue for as long as it is
registered: every readiness change the file announces links the item to the epoll's ready
list (in arrival order, as Linux's rdllist) and wakes the epoll's own wait queue, which
epoll_wait callers, poll/select callers and enclosing epolls sleep on. epoll_wait polls
the linked items again and reports those with events of interest:
- level-triggered items stay linked (moved to the tail, so a small maxevents goes round);
- EPOLLET items are unlinked until their file announces another change;
- EPOLLONESHOT items are disabled until EPOLL_CTL_MOD re-arms them.
Adding and modifying link an item that is ready at once. Interest belongs to the open
file description: an item whose file has no references left (its last descriptor closed)
is dropped. An epoll inside another is pollable (readable while it has events to report);
loops and nesting deeper than EP_MAX_NESTS are ELOOP. EPOLLEXCLUSIVE is accepted; each
epoll watching the file is woken ("one or more" as epoll_ctl(2) allows).
"""

from __future__ import annotations

import errno

from ..errors import KernelError
from .anon_file import AnonFile
from .file import OpenFile
from .flags import O_CLOEXEC, O_RDWR
from .poll import POLLERR, POLLHUP, POLLIN, POLLOUT, POLLRDNORM

EPOLL_CLOEXEC = O_CLOEXEC
EPOLL_CTL_ADD, EPOLL_CTL_DEL, EPOLL_CTL_MOD = 1, 2, 3
EPOLLEXCLUSIVE = 1 << 28
EPOLLWAKEUP = 1 << 29
EPOLLONESHOT = 1 << 30
EPOLLET = 1 << 31
EP_PRIVATE_BITS = EPOLLWAKEUP | EPOLLONESHOT | EPOLLET | EPOLLEXCLUSIVE
EPOLLEXCLUSIVE_OK_BITS = POLLIN | POLLOUT | POLLERR | POLLHUP | EPOLLWAKEUP | EPOLLET | EPOLLEXCLUSIVE
EP_MAX_NESTS = 4


class EpItem:
    """One watched (fd, file) pair of an epoll; `events` includes EPOLLERR and EPOLLHUP."""

    __slots__ = ("ep", "fd", "file", "events", "data")

    def __init__(self, ep: EpollFile, fd: int, file: OpenFile, events: int, data: int) -> None:
        self.ep = ep
        self.fd = fd
        self.file = file
        self.events = events
        self.data = data

    def wake(self) -> None:
        """The file's readiness may have changed (called by its wait queue)."""
        if self.file.refs == 0:
            self.ep.drop(self)
        else:
            self.ep.link(self)

    def revents(self) -> int:
        """The events of interest ready now (none once the file is closed everywhere)."""
        if self.file.refs == 0:
            return 0
        return self.file.poll(self.events) & self.events & ~EP_PRIVATE_BITS


class EpollFile(AnonFile):
    """An epoll instance."""

    anon_name = b"[eventpoll]"

    def __init__(self) -> None:
        super().__init__(O_RDWR)
        self.items: dict[tuple[int, OpenFile], EpItem] = {}
        self.ready: dict[EpItem, None] = {}   # the ready list, in order

    # -- the ready list ----------------------------------------------------------------
    def link(self, item: EpItem) -> None:
        if item not in self.ready:
            self.ready[item] = None
        self.wait_queue.wake_all()

    def drop(self, item: EpItem) -> None:
        """Forget an item (EPOLL_CTL_DEL, or its file is gone)."""
        if self.items.get((item.fd, item.file)) is item:
            del self.items[(item.fd, item.file)]
        self.ready.pop(item, None)
        item.file.wait_queue.remove(item)

    def _drop_closed(self) -> None:
        for item in [i for i in self.items.values() if i.file.refs == 0]:
            self.drop(item)

    # -- epoll_ctl ---------------------------------------------------------------------
    def find(self, fd: int, file: OpenFile) -> EpItem | None:
        self._drop_closed()
        return self.items.get((fd, file))

    def add(self, fd: int, file: OpenFile, events: int, data: int) -> None:
        item = EpItem(self, fd, file, events | POLLERR | POLLHUP, data)
        self.items[(fd, file)] = item
        file.wait_queue.add(item)
        if item.revents():
            self.link(item)

    def modify(self, item: EpItem, events: int, data: int) -> None:
        item.events = events | POLLERR | POLLHUP
        item.data = data
        if item.revents():
            self.link(item)

    def check_nesting(self, inner: EpollFile) -> None:
        """ELOOP if watching `inner` would close a loop or nest epolls too deeply."""
        if inner.depth(self) + 1 > EP_MAX_NESTS:
            raise KernelError(errno.ELOOP)

    def depth(self, forbidden: EpollFile) -> int:
        """How many epolls are nested below this one (ELOOP if `forbidden` is among them)."""
        if self is forbidden:
            raise KernelError(errno.ELOOP)
        below = [item.file for item in self.items.values()
                 if isinstance(item.file, EpollFile) and item.file.refs]
        return max((1 + inner.depth(forbidden) for inner in below), default=0)

    # -- epoll_wait --------------------------------------------------------------------
    def ready_events(self, maxevents: int) -> list[tuple[EpItem, int]]:
        """Up to `maxevents` (item, revents) pairs to report; linked items that turn out
        not to be ready are unlinked. Call consumed() once they have been delivered."""
        found: list[tuple[EpItem, int]] = []
        for item in list(self.ready):
            if len(found) >= maxevents:
                break
            if item.file.refs == 0:
                self.drop(item)
                continue
            revents = item.revents()
            if revents:
                found.append((item, revents))
            else:
                del self.ready[item]
        return found

    def consumed(self, reported: list[tuple[EpItem, int]]) -> None:
        """The reported events reached user memory: apply ONESHOT, ET and LT rules."""
        for item, _ in reported:
            self.ready.pop(item, None)
            if item.events & EPOLLONESHOT:
                item.events &= EP_PRIVATE_BITS
            elif not item.events & EPOLLET:
                self.ready[item] = None

    def poll(self, events: int) -> int:
        return POLLIN | POLLRDNORM if any(item.revents() for item in self.ready) else 0

    def release(self) -> None:
        for item in list(self.items.values()):
            self.drop(item)

