"""Time system calls: clocks, sleeping."""

from __future__ import annotations

import errno
import struct
import time

from pykerla.errors import KernelError
from pykerla.process.task import Task
from pykerla.process.wait_queue import RESTART_NOHAND, WouldBlock
from pykerla.syscalls.table import syscall
from pykerla.timekeeping import (
    CLOCK_BOOTTIME, CLOCK_MONOTONIC, CLOCK_MONOTONIC_COARSE, CLOCK_MONOTONIC_RAW, CLOCK_PROCESS_CPUTIME_ID,
    CLOCK_REALTIME, CLOCK_REALTIME_COARSE, CLOCK_THREAD_CPUTIME_ID, COARSE_RES_NS,
)

TIMER_ABSTIME = 1
_HOST_CLOCKS = {
    CLOCK_REALTIME: time.CLOCK_REALTIME, CLOCK_MONOTONIC: time.CLOCK_MONOTONIC,
    CLOCK_MONOTONIC_RAW: time.CLOCK_MONOTONIC_RAW, CLOCK_REALTIME_COARSE: time.CLOCK_REALTIME,
    CLOCK_MONOTONIC_COARSE: time.CLOCK_MONOTONIC, CLOCK_BOOTTIME: time.CLOCK_BOOTTIME,
}


def clock_now(task: Task, clock: int) -> int:
    """The value of a Linux clock in nanoseconds (the vDSO's when it keeps that clock)."""
    vdso = task.kernel.vdso
    if vdso is not None and vdso.timekeeper is not None and (ns := vdso.timekeeper.now(clock)) is not None:
        return ns
    if clock in _HOST_CLOCKS:
        return time.clock_gettime_ns(_HOST_CLOCKS[clock])
    if clock in (CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID):
        return int((task.group.utime + task.group.stime) * 1e9)
    raise KernelError(errno.EINVAL)


def pack_timespec(ns: int) -> bytes:
    return struct.pack("<qq", ns // 1_000_000_000, ns % 1_000_000_000)


def read_timespec(task: Task, ptr: int) -> int:
    sec, nsec = struct.unpack("<qq", task.mm.read(ptr, 16))
    if sec < 0 or not 0 <= nsec < 1_000_000_000:
        raise KernelError(errno.EINVAL)
    return sec * 1_000_000_000 + nsec


@syscall(228, "clock_gettime", "i", "p")
def sys_clock_gettime(task: Task, clock: int, ptr: int) -> int:
    task.mm.write(ptr, pack_timespec(clock_now(task, clock)))
    return 0


@syscall(229, "clock_getres", "i", "p")
def sys_clock_getres(task: Task, clock: int, ptr: int) -> int:
    clock_now(task, clock)
    if ptr:
        coarse = clock in (CLOCK_REALTIME_COARSE, CLOCK_MONOTONIC_COARSE)
        task.mm.write(ptr, pack_timespec(COARSE_RES_NS if coarse else 1))
    return 0


@syscall(96, "gettimeofday", "p", "p")
def sys_gettimeofday(task: Task, tv: int, tz: int) -> int:
    if tv:
        ns = clock_now(task, CLOCK_REALTIME)
        task.mm.write(tv, struct.pack("<qq", ns // 1_000_000_000, ns % 1_000_000_000 // 1000))
    if tz:
        task.mm.write(tz, struct.pack("<ii", 0, 0))
    return 0


@syscall(201, "time", "p")
def sys_time(task: Task, ptr: int) -> int:
    now = clock_now(task, CLOCK_REALTIME) // 1_000_000_000
    if ptr:
        task.mm.write(ptr, struct.pack("<q", now))
    return now


def _sleep_until(task: Task, clock: int, deadline_ns: int, rem_ptr: int) -> int:
    """Block until the clock reaches deadline_ns; EINTR (with the remainder written) on a signal."""
    remaining = deadline_ns - clock_now(task, clock)
    if remaining <= 0:
        return 0

    def write_remaining() -> None:
        if rem_ptr:
            left = max(0, deadline_ns - clock_now(task, clock))
            task.mm.write(rem_ptr, pack_timespec(left))

    raise WouldBlock((), time.monotonic() + remaining / 1e9, restart=RESTART_NOHAND, on_interrupt=write_remaining)


@syscall(35, "nanosleep", "p", "p")
def sys_nanosleep(task: Task, req: int, rem: int) -> int:
    scratch = task.syscall_scratch
    if "deadline" not in scratch:
        scratch["deadline"] = clock_now(task, CLOCK_MONOTONIC) + read_timespec(task, req)
    return _sleep_until(task, CLOCK_MONOTONIC, scratch["deadline"], rem)


@syscall(230, "clock_nanosleep", "i", "x", "p", "p")
def sys_clock_nanosleep(task: Task, clock: int, flags: int, req: int, rem: int) -> int:
    if clock in (CLOCK_THREAD_CPUTIME_ID, CLOCK_PROCESS_CPUTIME_ID):
        raise KernelError(errno.EINVAL if clock == CLOCK_THREAD_CPUTIME_ID else errno.ENOTSUP)
    scratch = task.syscall_scratch
    if "deadline" not in scratch:
        value = read_timespec(task, req)
        scratch["deadline"] = value if flags & TIMER_ABSTIME else clock_now(task, clock) + value
    return _sleep_until(task, clock, scratch["deadline"], 0 if flags & TIMER_ABSTIME else rem)
