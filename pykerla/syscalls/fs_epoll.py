"""epoll system calls: epoll_create, epoll_create1, epoll_ctl, epoll_wait, epoll_pwait and
epoll_pwait2 (the instance itself is fs/epoll.py).

epoll_wait sleeps on the epoll's wait queue until an item is ready or the deadline (kept
in task.syscall_scratch across wake-ups) passes; a signal handler makes it fail with EINTR
whatever SA_RESTART says, as Linux. The temporary mask of epoll_pwait/epoll_pwait2 is
handled as for ppoll.
"""

from __future__ import annotations

import errno
import struct
from typing import Any

from ..arch.x64.paging import TASK_SIZE
from ..errors import KernelError
from ..fs.epoll import (
    EPOLL_CLOEXEC,
    EPOLL_CTL_ADD,
    EPOLL_CTL_DEL,
    EPOLL_CTL_MOD,
    EPOLLEXCLUSIVE,
    EPOLLEXCLUSIVE_OK_BITS,
    EPOLLWAKEUP,
    EpollFile,
)
from ..fs.file import OpenFile
from ..fs.flags import O_PATH
from ..process.wait_queue import RESTART_NOHAND, WouldBlock
from .fs_poll import _deadline, _expired, _read_timespec, _restore_sigmask, _set_sigmask
from .table import syscall

_EVENT = struct.Struct("<IQ")  # struct epoll_event: packed on x86-64 (12 bytes)
EP_MAX_EVENTS = 0x7FFFFFFF // _EVENT.size


def _create(task: Any, cloexec: bool) -> int:
    return task.files.install(EpollFile(), cloexec)


@syscall(213, "epoll_create", "i")
def sys_epoll_create(task: Any, size: int) -> int:
    if size <= 0:
        raise KernelError(errno.EINVAL)
    return _create(task, False)


@syscall(291, "epoll_create1", "x")
def sys_epoll_create1(task: Any, flags: int) -> int:
    if flags & ~EPOLL_CLOEXEC:
        raise KernelError(errno.EINVAL)
    return _create(task, bool(flags & EPOLL_CLOEXEC))


def _fdget(task: Any, fd: int) -> OpenFile:
    """The file of fd as epoll sees it: O_PATH descriptors are EBADF."""
    file = task.files.get(fd)
    if file.flags & O_PATH:
        raise KernelError(errno.EBADF)
    return file


def _can_poll(file: OpenFile) -> bool:
    """Files without a poll operation of their own (regular files, directories) cannot be watched."""
    return type(file).poll is not OpenFile.poll


@syscall(233, "epoll_ctl", "fd", "i", "fd", "p")
def sys_epoll_ctl(task: Any, epfd: int, op: int, fd: int, event: int) -> int:
    has_event = op != EPOLL_CTL_DEL
    events = data = 0
    if has_event:
        events, data = _EVENT.unpack(task.mm.read(event, _EVENT.size))
    ep = _fdget(task, epfd)
    target = _fdget(task, fd)
    if not _can_poll(target):
        raise KernelError(errno.EPERM)
    if has_event and task.creds.euid != 0:
        events &= ~EPOLLWAKEUP  # needs CAP_BLOCK_SUSPEND; silently dropped otherwise
    if ep is target or not isinstance(ep, EpollFile):
        raise KernelError(errno.EINVAL)
    if has_event and events & EPOLLEXCLUSIVE:
        if op == EPOLL_CTL_MOD:
            raise KernelError(errno.EINVAL)
        if op == EPOLL_CTL_ADD and (isinstance(target, EpollFile) or events & ~EPOLLEXCLUSIVE_OK_BITS):
            raise KernelError(errno.EINVAL)
    if op == EPOLL_CTL_ADD and isinstance(target, EpollFile):
        ep.check_nesting(target)
    item = ep.find(fd, target)
    if op == EPOLL_CTL_ADD:
        if item is not None:
            raise KernelError(errno.EEXIST)
        ep.add(fd, target, events, data)
    elif op == EPOLL_CTL_DEL:
        if item is None:
            raise KernelError(errno.ENOENT)
        ep.drop(item)
    elif op == EPOLL_CTL_MOD:
        if item is None:
            raise KernelError(errno.ENOENT)
        if item.events & EPOLLEXCLUSIVE:
            raise KernelError(errno.EINVAL)
        ep.modify(item, events, data)
    else:
        raise KernelError(errno.EINVAL)
    return 0


def _do_wait(task: Any, epfd: int, events_addr: int, maxevents: int, timeout: float | None) -> int:
    if maxevents <= 0 or maxevents > EP_MAX_EVENTS:
        raise KernelError(errno.EINVAL)
    if events_addr + maxevents * _EVENT.size > TASK_SIZE:
        raise KernelError(errno.EFAULT)
    ep = task.files.get(epfd)
    if not isinstance(ep, EpollFile):
        raise KernelError(errno.EINVAL)
    deadline = _deadline(task, timeout)
    found = ep.ready_events(maxevents)
    if not found and not _expired(deadline):
        raise WouldBlock([ep.wait_queue], deadline, restart=RESTART_NOHAND,
                         on_interrupt=lambda: _restore_sigmask(task, interrupted=True))
    _restore_sigmask(task, interrupted=False)
    if found:
        task.mm.write(events_addr, b"".join(_EVENT.pack(revents, item.data) for item, revents in found))
        ep.consumed(found)
    return len(found)


@syscall(232, "epoll_wait", "fd", "p", "i", "i")
def sys_epoll_wait(task: Any, epfd: int, events: int, maxevents: int, timeout_ms: int) -> int:
    return _do_wait(task, epfd, events, maxevents, None if timeout_ms < 0 else timeout_ms / 1000)


@syscall(281, "epoll_pwait", "fd", "p", "i", "i", "p", "u")
def sys_epoll_pwait(task: Any, epfd: int, events: int, maxevents: int, timeout_ms: int, sigmask: int,
                    sigsetsize: int) -> int:
    _set_sigmask(task, sigmask, sigsetsize)
    return _do_wait(task, epfd, events, maxevents, None if timeout_ms < 0 else timeout_ms / 1000)


@syscall(441, "epoll_pwait2", "fd", "p", "i", "p", "p", "u")
def sys_epoll_pwait2(task: Any, epfd: int, events: int, maxevents: int, timeout: int, sigmask: int,
                     sigsetsize: int) -> int:
    seconds = _read_timespec(task, timeout)
    _set_sigmask(task, sigmask, sigsetsize)
    return _do_wait(task, epfd, events, maxevents, seconds)
