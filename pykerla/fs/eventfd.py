"""eventfd: a 64-bit counter behind a file descriptor (eventfd(2)).

write() adds an 8-byte value to the counter, blocking (or EAGAIN) while the sum would
exceed 0xfffffffffffffffe; read() returns the counter and resets it to zero, or with
EFD_SEMAPHORE returns 1 and decrements it, blocking (or EAGAIN) while it is zero. A read
buffer shorter than 8 bytes, a write of any size but 8 (Linux >= 6.6) and writing
0xffffffffffffffff are EINVAL. Readable while the
counter is non-zero, writable while a write of 1 would not block.
"""

from __future__ import annotations

import errno
import struct
from typing import Any

from ..errors import KernelError
from ..process.wait_queue import WouldBlock
from .anon_file import AnonFile
from .flags import O_CLOEXEC, O_NONBLOCK, O_RDWR
from .poll import POLLERR, POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM

EFD_SEMAPHORE = 1
EFD_CLOEXEC = O_CLOEXEC
EFD_NONBLOCK = O_NONBLOCK
EFD_FLAGS = EFD_SEMAPHORE | EFD_CLOEXEC | EFD_NONBLOCK
ULLONG_MAX = (1 << 64) - 1
_U64 = struct.Struct("<Q")


class EventFdFile(AnonFile):
    """One eventfd object (shared by every descriptor of the open file)."""

    anon_name = b"[eventfd]"

    def __init__(self, count: int, flags: int) -> None:
        super().__init__(O_RDWR | (flags & O_NONBLOCK))
        self.count = count
        self.semaphore = bool(flags & EFD_SEMAPHORE)

    def read(self, task: Any, size: int) -> bytes:
        if size < _U64.size:
            raise KernelError(errno.EINVAL)
        if not self.count:
            if self.nonblocking:
                raise KernelError(errno.EAGAIN)
            raise WouldBlock([self.wait_queue])
        value = 1 if self.semaphore else self.count
        self.count -= value
        self.wait_queue.wake_all()
        return _U64.pack(value)

    def write(self, task: Any, data: bytes) -> int:
        if len(data) != _U64.size:
            raise KernelError(errno.EINVAL)
        value = _U64.unpack_from(data)[0]
        if value == ULLONG_MAX:
            raise KernelError(errno.EINVAL)
        if ULLONG_MAX - self.count <= value:
            if self.nonblocking:
                raise KernelError(errno.EAGAIN)
            raise WouldBlock([self.wait_queue])
        self.count += value
        self.wait_queue.wake_all()
        return _U64.size

    def poll(self, events: int) -> int:
        mask = 0
        if self.count:
            mask |= POLLIN | POLLRDNORM
        if self.count == ULLONG_MAX:
            mask |= POLLERR
        if ULLONG_MAX - 1 > self.count:
            mask |= POLLOUT | POLLWRNORM
        return mask

    def release(self) -> None:
        self.wait_queue.wake_all()

