"""File descriptors for events: eventfd/eventfd2, timerfd_create/settime/gettime and
signalfd/signalfd4 (the files are fs/eventfd.py, fs/timerfd.py and fs/signalfd.py)."""

from __future__ import annotations

import errno
import struct
import time
from typing import Any

from ..errors import KernelError
from ..fs.eventfd import EFD_FLAGS, EventFdFile
from ..fs.file import OpenFile
from ..fs.flags import O_CLOEXEC, O_NONBLOCK
from ..fs.signalfd import SignalFdFile
from ..fs.timerfd import TFD_TIMER_ABSTIME, TFD_TIMER_CANCEL_ON_SET, TimerFdFile
from .fs_common import read_u64
from .table import syscall
from .time import CLOCK_BOOTTIME, CLOCK_MONOTONIC, CLOCK_REALTIME, clock_now, pack_timespec

CLOCK_REALTIME_ALARM, CLOCK_BOOTTIME_ALARM = 8, 9
TIMERFD_CLOCKS = {CLOCK_REALTIME: CLOCK_REALTIME, CLOCK_MONOTONIC: CLOCK_MONOTONIC,
                  CLOCK_BOOTTIME: CLOCK_BOOTTIME, CLOCK_REALTIME_ALARM: CLOCK_REALTIME,
                  CLOCK_BOOTTIME_ALARM: CLOCK_BOOTTIME}
NSEC = 1_000_000_000
_ITIMERSPEC = struct.Struct("<qqqq")
SIGSET_SIZE = 8


def _install(task: Any, file: OpenFile, flags: int) -> int:
    return task.files.install(file, cloexec=bool(flags & O_CLOEXEC))


def _file_of_type(task: Any, fd: int, kind: type) -> Any:
    """The file of fd if it is of `kind` (EBADF for no file, EINVAL for another kind)."""
    file = task.files.get(fd)
    if not isinstance(file, kind):
        raise KernelError(errno.EINVAL)
    return file


# -- eventfd ---------------------------------------------------------------------------------
@syscall(284, "eventfd", "u")
def sys_eventfd(task: Any, count: int) -> int:
    return _install(task, EventFdFile(count & 0xFFFFFFFF, 0), 0)


@syscall(290, "eventfd2", "u", "x")
def sys_eventfd2(task: Any, count: int, flags: int) -> int:
    if flags & ~EFD_FLAGS:
        raise KernelError(errno.EINVAL)
    return _install(task, EventFdFile(count & 0xFFFFFFFF, flags), flags)


# -- timerfd ---------------------------------------------------------------------------------
@syscall(283, "timerfd_create", "i", "x")
def sys_timerfd_create(task: Any, clock: int, flags: int) -> int:
    if flags & ~(O_CLOEXEC | O_NONBLOCK) or clock not in TIMERFD_CLOCKS:
        raise KernelError(errno.EINVAL)
    if clock in (CLOCK_REALTIME_ALARM, CLOCK_BOOTTIME_ALARM) and task.creds.euid != 0:
        raise KernelError(errno.EPERM)      # needs CAP_WAKE_ALARM
    file = TimerFdFile(task.kernel.timers, task.group, TIMERFD_CLOCKS[clock], flags)
    return _install(task, file, flags)


def _pack_itimerspec(file: TimerFdFile) -> bytes:
    return pack_timespec(file.interval) + pack_timespec(file.remaining(time.monotonic_ns()))


@syscall(286, "timerfd_settime", "fd", "x", "p", "p")
def sys_timerfd_settime(task: Any, fd: int, flags: int, new_ptr: int, old_ptr: int) -> int:
    isec, insec, vsec, vnsec = _ITIMERSPEC.unpack(task.mm.read(new_ptr, _ITIMERSPEC.size))
    if flags & ~(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET) or min(isec, vsec) < 0 \
            or not (0 <= insec < NSEC and 0 <= vnsec < NSEC):
        raise KernelError(errno.EINVAL)
    file = _file_of_type(task, fd, TimerFdFile)
    old = _pack_itimerspec(file)
    value = vsec * NSEC + vnsec
    expires = None
    if value:
        now = time.monotonic_ns()
        expires = value - clock_now(task, file.clock_id) + now if flags & TFD_TIMER_ABSTIME else now + value
    file.arm(expires, isec * NSEC + insec)
    if old_ptr:
        task.mm.write(old_ptr, old)
    return 0


@syscall(287, "timerfd_gettime", "fd", "p")
def sys_timerfd_gettime(task: Any, fd: int, cur_ptr: int) -> int:
    task.mm.write(cur_ptr, _pack_itimerspec(_file_of_type(task, fd, TimerFdFile)))
    return 0


# -- signalfd --------------------------------------------------------------------------------
def _do_signalfd(task: Any, fd: int, mask_ptr: int, sizemask: int, flags: int) -> int:
    if sizemask != SIGSET_SIZE:
        raise KernelError(errno.EINVAL)
    mask = read_u64(task, mask_ptr)
    if flags & ~(O_CLOEXEC | O_NONBLOCK):
        raise KernelError(errno.EINVAL)
    if fd == -1:
        return _install(task, SignalFdFile(task, mask, flags), flags)
    _file_of_type(task, fd, SignalFdFile).set_mask(mask)
    return fd


@syscall(282, "signalfd", "fd", "p", "u")
def sys_signalfd(task: Any, fd: int, mask: int, sizemask: int) -> int:
    return _do_signalfd(task, fd, mask, sizemask, 0)


@syscall(289, "signalfd4", "fd", "p", "u", "x")
def sys_signalfd4(task: Any, fd: int, mask: int, sizemask: int, flags: int) -> int:
    return _do_signalfd(task, fd, mask, sizemask, flags)
