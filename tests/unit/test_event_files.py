"""Unit tests of the event files without a guest: eventfd counting, the epoll ready list
(level, edge, one-shot, closed files), timerfd expiration counting, inotify records."""

from __future__ import annotations

import errno

import pytest

from pykerla.errors import KernelError
from pykerla.fs.epoll import EPOLLET, EPOLLONESHOT, EpollFile
from pykerla.fs.eventfd import EFD_SEMAPHORE, EventFdFile
from pykerla.fs.flags import O_NONBLOCK
from pykerla.fs.inotify import pack_event
from pykerla.fs.poll import POLLIN, POLLOUT
from pykerla.fs.timerfd import TimerFdFile


def _u64(value: int) -> bytes:
    return value.to_bytes(8, "little")


def test_eventfd_counter_and_semaphore() -> None:
    efd = EventFdFile(2, O_NONBLOCK)
    assert efd.write(None, _u64(3)) == 8
    assert efd.read(None, 8) == _u64(5)
    with pytest.raises(KernelError) as e:
        efd.read(None, 8)
    assert e.value.errno == errno.EAGAIN
    with pytest.raises(KernelError) as e:
        efd.write(None, _u64((1 << 64) - 1))
    assert e.value.errno == errno.EINVAL
    sem = EventFdFile(2, EFD_SEMAPHORE)
    assert sem.read(None, 8) == _u64(1) and sem.count == 1


def _epoll_with(efd: EventFdFile, events: int) -> EpollFile:
    ep = EpollFile().get()
    efd.get()
    ep.add(3, efd, events, 42)
    return ep


def test_epoll_level_edge_oneshot() -> None:
    for events, expected in ((POLLIN, [1, 1]), (POLLIN | EPOLLET, [1, 0]), (POLLIN | EPOLLONESHOT, [1, 0])):
        efd = EventFdFile(1, 0)
        ep = _epoll_with(efd, events)
        counts = []
        for _ in range(2):
            found = ep.ready_events(8)
            ep.consumed(found)
            counts.append(len(found))
        assert counts == expected, events


def test_epoll_drops_closed_files_and_reports_new_events() -> None:
    efd = EventFdFile(0, 0)
    ep = _epoll_with(efd, POLLIN | POLLOUT | EPOLLET)
    ep.consumed(ep.ready_events(8))            # the initial POLLOUT edge
    assert ep.ready_events(8) == []
    efd.write(None, _u64(1))
    [(item, revents)] = ep.ready_events(8)
    assert item.data == 42 and revents & POLLIN
    efd.put()
    assert ep.ready_events(8) == [] and not ep.items


def test_timerfd_counts_periods() -> None:
    class FakeTimers:
        def arm(self, *args: object) -> None: ...

        def disarm(self, *args: object) -> None: ...

    tfd = TimerFdFile(FakeTimers(), None, 1, 0)  # type: ignore[arg-type]
    tfd.expires, tfd.interval = 1000, 100
    assert tfd.expirations(999) == 0
    assert tfd.expirations(1000) == 1
    assert tfd.expirations(1350) == 4
    assert tfd.remaining(1350) == 50


def test_inotify_record_padding() -> None:
    record = pack_event(1, 0x100, 0, b"a.txt")
    assert len(record) == 32 and record[12:16] == (16).to_bytes(4, "little")
    assert len(pack_event(1, 0x8000, 0, b"")) == 16
