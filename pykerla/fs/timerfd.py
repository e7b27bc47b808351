"""timerfd: a timer whose expirations are read from a file descriptor (timerfd_create(2)).

The timer is kept as an absolute expiry on the host's monotonic clock (the system-call
layer converts CLOCK_REALTIME absolute times when arming) plus an interval. The number of
expirations is computed from the clock when asked, exactly as Linux counts them: read()
returns how many periods have elapsed since the last read or arming (blocking, or EAGAIN,
while none has) and moves a periodic timer past them; a one-shot timer is then disarmed.
A kernel timer (process/itimer.py, with `on_expire`) wakes the file's waiters at the next
expiry, so poll, select and epoll see the file become readable.
"""

from __future__ import annotations

import errno
import struct
import time
from typing import Any

from ..errors import KernelError
from ..process.itimer import Timer, Timers
from ..process.wait_queue import WouldBlock
from .anon_file import AnonFile
from .flags import O_NONBLOCK, O_RDWR
from .poll import POLLIN, POLLRDNORM

TFD_TIMER_ABSTIME = 1
TFD_TIMER_CANCEL_ON_SET = 2
_U64 = struct.Struct("<Q")


class TimerFdFile(AnonFile):
    """One timerfd: `expires` (monotonic ns, None while disarmed) and `interval` (ns)."""

    anon_name = b"[timerfd]"

    def __init__(self, timers: Timers, group: Any, clock_id: int, flags: int) -> None:
        super().__init__(O_RDWR | (flags & O_NONBLOCK))
        self.clock_id = clock_id
        self.expires: int | None = None
        self.interval = 0
        self._timers = timers
        self._wake = Timer(group, "wall", 0)
        self._wake.on_expire = self.wait_queue.wake_all

    def expirations(self, now: int) -> int:
        """Periods elapsed at monotonic time `now` and not yet read."""
        if self.expires is None or now < self.expires:
            return 0
        if not self.interval:
            return 1
        return 1 + (now - self.expires) // self.interval

    def remaining(self, now: int) -> int:
        """Nanoseconds until the next expiry (0 if disarmed or an unread one-shot expiry)."""
        if self.expires is None:
            return 0
        if now < self.expires:
            return self.expires - now
        if not self.interval:
            return 0
        return self.expires + self.expirations(now) * self.interval - now

    def arm(self, expires: int | None, interval: int) -> None:
        """Set a new expiry (None disarms); expirations not yet read are forgotten."""
        self.expires = expires
        self.interval = interval if expires is not None else 0
        self._schedule_wake()

    def _schedule_wake(self) -> None:
        self._timers.disarm(self._wake)
        if self.expires is None:
            return
        if time.monotonic_ns() >= self.expires:
            self.wait_queue.wake_all()
        else:
            self._timers.arm(self._wake, self.expires, 0)

    def read(self, task: Any, size: int) -> bytes:
        if size < _U64.size:
            raise KernelError(errno.EINVAL)
        count = self.expirations(time.monotonic_ns())
        if not count:
            if self.nonblocking:
                raise KernelError(errno.EAGAIN)
            deadline = None if self.expires is None else self.expires / 1e9
            raise WouldBlock([self.wait_queue], deadline)
        if self.interval:
            assert self.expires is not None
            self.expires += count * self.interval
        else:
            self.expires = None
        self._schedule_wake()
        return _U64.pack(count)

    def poll(self, events: int) -> int:
        return POLLIN | POLLRDNORM if self.expirations(time.monotonic_ns()) else 0

    def release(self) -> None:
        self._timers.disarm(self._wake)

