"""futex(2): FUTEX_WAIT / FUTEX_WAKE and their bitset forms (all bits), private or not."""

from __future__ import annotations

import errno
import struct
import time

from pykerla.errors import KernelError
from pykerla.process.futex import WOKEN
from pykerla.process.task import Task
from pykerla.process.wait_queue import WouldBlock
from pykerla.syscalls.table import syscall
from pykerla.syscalls.time import CLOCK_MONOTONIC, CLOCK_REALTIME, clock_now, read_timespec

FUTEX_WAIT, FUTEX_WAKE, FUTEX_WAIT_BITSET, FUTEX_WAKE_BITSET = 0, 1, 9, 10
FUTEX_PRIVATE_FLAG, FUTEX_CLOCK_REALTIME = 128, 256


def _wait(task: Task, addr: int, expected: int, timeout_ptr: int, absolute: bool, clock: int) -> int:
    scratch = task.syscall_scratch
    if scratch.get(WOKEN):
        return 0
    if "deadline" not in scratch:
        if addr & 3:
            raise KernelError(errno.EINVAL)
        if struct.unpack("<I", task.mm.read(addr, 4))[0] != expected & 0xFFFFFFFF:
            raise KernelError(errno.EAGAIN)
        deadline = None
        if timeout_ptr:
            value = read_timespec(task, timeout_ptr)
            remaining = value - clock_now(task, clock) if absolute else value
            deadline = time.monotonic() + max(0, remaining) / 1e9
        scratch["deadline"] = deadline
    deadline = scratch["deadline"]
    if deadline is not None and time.monotonic() >= deadline:
        raise KernelError(errno.ETIMEDOUT)
    raise WouldBlock((task.kernel.futexes.queue(task.mm, addr),), deadline)


@syscall(202, "futex", "p", "i", "u", "p", "p", "u")
def sys_futex(task: Task, addr: int, op: int, val: int, timeout: int, addr2: int, val3: int) -> int:
    cmd = op & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME)
    clock = CLOCK_REALTIME if op & FUTEX_CLOCK_REALTIME else CLOCK_MONOTONIC
    if cmd == FUTEX_WAIT:
        return _wait(task, addr, val, timeout, False, CLOCK_MONOTONIC)
    if cmd == FUTEX_WAIT_BITSET:
        if val3 & 0xFFFFFFFF == 0:
            raise KernelError(errno.EINVAL)
        return _wait(task, addr, val, timeout, True, clock)
    if cmd in (FUTEX_WAKE, FUTEX_WAKE_BITSET):
        if cmd == FUTEX_WAKE_BITSET and val3 & 0xFFFFFFFF == 0:
            raise KernelError(errno.EINVAL)
        return task.kernel.futexes.wake(task.mm, addr, min(val, 0x7FFFFFFF))
    raise KernelError(errno.ENOSYS)
