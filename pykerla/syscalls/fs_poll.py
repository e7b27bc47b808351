"""poll, ppoll, select and pselect6.

Each call checks every descriptor; if none is ready and the timeout has not expired it
raises WouldBlock on all their wait queues with the absolute deadline (kept in
task.syscall_scratch so a restarted call keeps its original deadline) and RESTART_NOHAND,
as Linux's -ERESTARTNOHAND. ppoll, select and pselect6 write the remaining time back, on
return and when a signal interrupts them. The temporary signal mask of ppoll/pselect6 is
installed once; it is restored on return, or after the signal handler when interrupted.
"""

from __future__ import annotations

import errno
import struct
import time
from typing import Any

from ..errors import KernelError
from ..fs.flags import O_PATH
from ..fs.poll import (
    POLLERR,
    POLLHUP,
    POLLIN,
    POLLNVAL,
    POLLOUT,
    POLLPRI,
    POLLRDBAND,
    POLLRDNORM,
    POLLWRBAND,
    POLLWRNORM,
    revents,
)
from ..process.signal_state import UNBLOCKABLE
from ..process.wait_queue import RESTART_NOHAND, WaitQueue, WouldBlock
from .fs_common import get_file, read_u64
from .table import syscall

_POLLFD = struct.Struct("<ihh")
_TIMESPEC = struct.Struct("<qq")
_SIGSET_ARG = struct.Struct("<QQ")  # pselect6's {const sigset_t *ss; size_t ss_len}
SIGSET_SIZE = 8
_DEADLINE = "poll_deadline"
_SAVED_MASK = "saved_mask"

POLLIN_SET = POLLRDNORM | POLLRDBAND | POLLIN | POLLHUP | POLLERR
POLLOUT_SET = POLLWRBAND | POLLWRNORM | POLLOUT | POLLERR
POLLEX_SET = POLLPRI


def _deadline(task: Any, timeout: float | None) -> float | None:
    """The absolute deadline (time.monotonic) fixed on the first call; None = forever."""
    scratch = task.syscall_scratch
    if _DEADLINE not in scratch:
        scratch[_DEADLINE] = None if timeout is None else time.monotonic() + timeout
    return scratch[_DEADLINE]


def _expired(deadline: float | None) -> bool:
    return deadline is not None and time.monotonic() >= deadline


def _remaining_ns(deadline: float | None) -> int:
    assert deadline is not None
    return max(0, int((deadline - time.monotonic()) * 1e9))


def _set_sigmask(task: Any, sigmask_addr: int, size: int) -> None:
    """Install the call's temporary signal mask (once; a restarted call keeps it)."""
    scratch = task.syscall_scratch
    if not sigmask_addr or _SAVED_MASK in scratch:
        return
    if size != SIGSET_SIZE:
        raise KernelError(errno.EINVAL)
    mask = read_u64(task, sigmask_addr)
    scratch[_SAVED_MASK] = task.blocked_mask
    task.blocked_mask = mask & ~UNBLOCKABLE


def _restore_sigmask(task: Any, interrupted: bool) -> None:
    """Put the original mask back: now, or after the signal handler has run."""
    saved = task.syscall_scratch.get(_SAVED_MASK)
    if saved is None:
        return
    if interrupted:
        task.saved_mask = saved
    else:
        task.blocked_mask = saved


def _read_timespec(task: Any, addr: int) -> float | None:
    if not addr:
        return None
    sec, nsec = _TIMESPEC.unpack(task.mm.read(addr, _TIMESPEC.size))
    if sec < 0 or not 0 <= nsec < 1_000_000_000:
        raise KernelError(errno.EINVAL)
    return sec + nsec / 1e9


def _write_remaining(task: Any, addr: int, deadline: float | None, usec: bool) -> None:
    if not addr or deadline is None:
        return
    ns = _remaining_ns(deadline)
    frac = ns % 1_000_000_000
    task.mm.write(addr, _TIMESPEC.pack(ns // 1_000_000_000, frac // 1000 if usec else frac))


def _wait(task: Any, queues: list[WaitQueue], deadline: float | None, timeout_addr: int,
          usec: bool) -> WouldBlock:
    """The WouldBlock of an unready call; on a signal it writes back the remaining time
    and arranges the mask restore."""

    def interrupted() -> None:
        _write_remaining(task, timeout_addr, deadline, usec)
        _restore_sigmask(task, interrupted=True)

    unique = list({id(q): q for q in queues}.values())
    return WouldBlock(unique, deadline, restart=RESTART_NOHAND, on_interrupt=interrupted)


def _finish(task: Any, timeout_addr: int, deadline: float | None, usec: bool) -> None:
    _write_remaining(task, timeout_addr, deadline, usec)
    _restore_sigmask(task, interrupted=False)


def _do_poll(task: Any, fds_addr: int, nfds: int, timeout: float | None, timeout_addr: int = 0) -> int:
    if nfds > task.files.limit:
        raise KernelError(errno.EINVAL)
    deadline = _deadline(task, timeout)
    raw = bytearray(task.mm.read(fds_addr, _POLLFD.size * nfds)) if nfds else bytearray()
    ready = 0
    queues: list[WaitQueue] = []
    for i in range(nfds):
        fd, events, _ = _POLLFD.unpack_from(raw, i * _POLLFD.size)
        events &= 0xFFFF
        file = task.files.get(fd) if fd in task.files else None
        if fd < 0:
            got = 0
        elif file is None or file.flags & O_PATH:
            got = POLLNVAL
        else:
            got = revents(file, events)
            queues.append(file.wait_queue)
        _POLLFD.pack_into(raw, i * _POLLFD.size, fd, events - 0x10000 if events & 0x8000 else events,
                          got - 0x10000 if got & 0x8000 else got)
        ready += got != 0
    if not ready and not _expired(deadline):
        raise _wait(task, queues, deadline, timeout_addr, usec=False)
    if nfds:
        task.mm.write(fds_addr, bytes(raw))
    _finish(task, timeout_addr, deadline, usec=False)
    return ready


@syscall(7, "poll", "p", "u", "i")
def sys_poll(task: Any, fds: int, nfds: int, timeout_ms: int) -> int:
    return _do_poll(task, fds, nfds, None if timeout_ms < 0 else timeout_ms / 1000)


@syscall(271, "ppoll", "p", "u", "p", "p", "u")
def sys_ppoll(task: Any, fds: int, nfds: int, tsp: int, sigmask: int, sigsetsize: int) -> int:
    timeout = _read_timespec(task, tsp) if _DEADLINE not in task.syscall_scratch else None
    _set_sigmask(task, sigmask, sigsetsize)
    return _do_poll(task, fds, nfds, timeout, tsp)


def _fdset_bytes(nfds: int) -> int:
    return (nfds + 63) // 64 * 8


def _read_fdset(task: Any, addr: int, nfds: int) -> int:
    if not addr or not nfds:
        return 0
    return int.from_bytes(task.mm.read(addr, _fdset_bytes(nfds)), "little") & ((1 << nfds) - 1)


def _do_select(task: Any, nfds: int, sets: tuple[int, int, int], timeout: float | None, timeout_addr: int,
               usec: bool) -> int:
    if nfds < 0:
        raise KernelError(errno.EINVAL)
    nfds = min(nfds, task.files.limit)
    deadline = _deadline(task, timeout)
    inputs = [_read_fdset(task, addr, nfds) for addr in sets]
    outputs = [0, 0, 0]
    queues: list[WaitQueue] = []
    wanted = inputs[0] | inputs[1] | inputs[2]
    for fd in range(nfds):
        if not wanted >> fd & 1:
            continue
        file = get_file(task, fd)  # EBADF for a closed (or O_PATH) descriptor in any set
        queues.append(file.wait_queue)
        mask = file.poll(POLLIN_SET | POLLOUT_SET | POLLEX_SET)
        for i, ready_bits in enumerate((POLLIN_SET, POLLOUT_SET, POLLEX_SET)):
            if inputs[i] >> fd & 1 and mask & ready_bits:
                outputs[i] |= 1 << fd
    ready = sum(bin(o).count("1") for o in outputs)
    if not ready and not _expired(deadline):
        raise _wait(task, queues, deadline, timeout_addr, usec)
    for addr, out in zip(sets, outputs, strict=True):
        if addr and nfds:
            task.mm.write(addr, out.to_bytes(_fdset_bytes(nfds), "little"))
    _finish(task, timeout_addr, deadline, usec)
    return ready


@syscall(23, "select", "i", "p", "p", "p", "p")
def sys_select(task: Any, nfds: int, readfds: int, writefds: int, exceptfds: int, tvp: int) -> int:
    timeout = None
    if tvp and _DEADLINE not in task.syscall_scratch:
        sec, usec = _TIMESPEC.unpack(task.mm.read(tvp, _TIMESPEC.size))
        if sec < 0 or usec < 0:
            raise KernelError(errno.EINVAL)
        timeout = sec + usec / 1e6
    return _do_select(task, nfds, (readfds, writefds, exceptfds), timeout, tvp, usec=True)


@syscall(270, "pselect6", "i", "p", "p", "p", "p", "p")
def sys_pselect6(task: Any, nfds: int, readfds: int, writefds: int, exceptfds: int, tsp: int, sig: int) -> int:
    timeout = _read_timespec(task, tsp) if _DEADLINE not in task.syscall_scratch else None
    if sig:
        ss, ss_len = _SIGSET_ARG.unpack(task.mm.read(sig, _SIGSET_ARG.size))
        _set_sigmask(task, ss, ss_len)
    return _do_select(task, nfds, (readfds, writefds, exceptfds), timeout, tsp, usec=False)
