"""Timer system calls: alarm, getitimer/setitimer and the POSIX timers (timer_create,
timer_settime, timer_gettime, timer_getoverrun, timer_delete). The timers live in
process/itimer.py."""

from __future__ import annotations

import errno
import struct
import time

from pykerla.errors import KernelError
from pykerla.process.itimer import (
    ITIMER_PROF, ITIMER_REAL, ITIMER_VIRTUAL, SIGEV_NONE, SIGEV_SIGNAL, SIGEV_THREAD, SIGEV_THREAD_ID, Timer,
)
from pykerla.process.signal_state import NSIG, SIGALRM
from pykerla.process.task import Task
from pykerla.syscalls.table import syscall
from pykerla.syscalls.time import (
    CLOCK_BOOTTIME, CLOCK_MONOTONIC, CLOCK_MONOTONIC_COARSE, CLOCK_MONOTONIC_RAW, CLOCK_PROCESS_CPUTIME_ID,
    CLOCK_REALTIME, CLOCK_REALTIME_COARSE, CLOCK_THREAD_CPUTIME_ID, TIMER_ABSTIME, clock_now, pack_timespec,
    read_timespec,
)

NSEC, USEC = 1_000_000_000, 1000
WALL_CLOCKS = (CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME)
CPU_CLOCKS = (CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID)    # both count the whole process here
NO_TIMER_CLOCKS = (CLOCK_MONOTONIC_RAW, CLOCK_REALTIME_COARSE, CLOCK_MONOTONIC_COARSE)


# -- setitimer / alarm -------------------------------------------------------------------------
def _pack_timeval(ns: int) -> bytes:
    return struct.pack("<qq", ns // NSEC, ns % NSEC // USEC)


def _itimer_remaining(timer: Timer) -> int:
    """What getitimer reports: an armed timer never shows 0 left (Linux reports 1 us)."""
    if not timer.expires:
        return 0
    return max(timer.remaining(), USEC)


def _itimer(task: Task, which: int) -> Timer:
    if which not in (ITIMER_REAL, ITIMER_VIRTUAL, ITIMER_PROF):
        raise KernelError(errno.EINVAL)
    return task.kernel.timers.itimer(task.group, which)


def _set_itimer(task: Task, timer: Timer, value: int, interval: int) -> tuple[int, int]:
    """Arm (or with value 0 disarm) an interval timer; returns its old (value, interval)."""
    old = (_itimer_remaining(timer), timer.interval)
    task.kernel.timers.arm(timer, timer.now() + value if value else 0, interval)
    return old


@syscall(36, "getitimer", "i", "p")
def sys_getitimer(task: Task, which: int, ptr: int) -> int:
    timer = _itimer(task, which)
    task.mm.write(ptr, _pack_timeval(timer.interval) + _pack_timeval(_itimer_remaining(timer)))
    return 0


@syscall(38, "setitimer", "i", "p", "p")
def sys_setitimer(task: Task, which: int, new_ptr: int, old_ptr: int) -> int:
    timer = _itimer(task, which)
    value = interval = 0
    if new_ptr:           # Linux takes a NULL new value as "disarm"
        isec, iusec, vsec, vusec = struct.unpack("<qqqq", task.mm.read(new_ptr, 32))
        if min(isec, vsec) < 0 or not (0 <= iusec < 1_000_000 and 0 <= vusec < 1_000_000):
            raise KernelError(errno.EINVAL)
        value, interval = vsec * NSEC + vusec * USEC, isec * NSEC + iusec * USEC
    old_value, old_interval = _set_itimer(task, timer, value, interval)
    if old_ptr:
        task.mm.write(old_ptr, _pack_timeval(old_interval) + _pack_timeval(old_value))
    return 0


@syscall(37, "alarm", "u")
def sys_alarm(task: Task, seconds: int) -> int:
    seconds &= 0xFFFFFFFF
    old, _interval = _set_itimer(task, _itimer(task, ITIMER_REAL), min(seconds, 0x7FFFFFFF) * NSEC, 0)
    # Whole seconds left, rounded to nearest; an armed alarm never reports 0.
    sec, usec = old // NSEC, old % NSEC // USEC
    return sec + 1 if usec >= 500_000 or (old and not sec) else sec


# -- POSIX timers --------------------------------------------------------------------------------
def _timer_clock(clock: int) -> str:
    if clock in WALL_CLOCKS:
        return "wall"
    if clock in CPU_CLOCKS:
        return "prof"
    raise KernelError(errno.EOPNOTSUPP if clock in NO_TIMER_CLOCKS else errno.EINVAL)


def _posix_timer(task: Task, timer_id: int) -> Timer:
    timer = task.kernel.timers.lookup(task.group, timer_id)
    if timer is None:
        raise KernelError(errno.EINVAL)
    return timer


@syscall(222, "timer_create", "i", "p", "p")
def sys_timer_create(task: Task, clock: int, sevp: int, id_ptr: int) -> int:
    kind = _timer_clock(clock)
    signo, notify, value, target = SIGALRM, SIGEV_SIGNAL, None, None
    if sevp:
        value, signo, notify, tid = struct.unpack("<Qiii", task.mm.read(sevp, 20))
        base = notify & ~SIGEV_THREAD_ID
        if base not in (SIGEV_SIGNAL, SIGEV_NONE, SIGEV_THREAD):
            raise KernelError(errno.EINVAL)
        if base != SIGEV_NONE and not 1 <= signo <= NSIG:
            raise KernelError(errno.EINVAL)
        if notify & SIGEV_THREAD_ID:
            target = task.kernel.tasks.get(tid)
            if base != SIGEV_SIGNAL or target is None or target.group is not task.group:
                raise KernelError(errno.EINVAL)
        notify = base
    timers = task.kernel.timers
    timer = timers.create(task.group, kind, clock, signo, notify, value, target)
    try:
        task.mm.write(id_ptr, struct.pack("<i", timer.timer_id))
    except KernelError:
        timers.delete(timer)
        raise
    return 0


def _pack_itimerspec(timer: Timer) -> bytes:
    return pack_timespec(timer.interval) + pack_timespec(timer.remaining())


@syscall(223, "timer_settime", "i", "x", "p", "p")
def sys_timer_settime(task: Task, timer_id: int, flags: int, new_ptr: int, old_ptr: int) -> int:
    timer = _posix_timer(task, timer_id)
    if not new_ptr:
        raise KernelError(errno.EINVAL)
    interval = read_timespec(task, new_ptr)
    value = read_timespec(task, new_ptr + 16)
    if old_ptr:
        task.mm.write(old_ptr, _pack_itimerspec(timer))
    if value and flags & TIMER_ABSTIME:
        if timer.clock == "wall":       # an absolute time on the timer's clock, as a monotonic_ns
            value += time.monotonic_ns() - clock_now(task, timer.clock_id)
        expires = max(value, 1)
    else:
        expires = timer.now() + value if value else 0
    task.kernel.timers.arm(timer, expires, interval)
    return 0


@syscall(224, "timer_gettime", "i", "p")
def sys_timer_gettime(task: Task, timer_id: int, ptr: int) -> int:
    task.mm.write(ptr, _pack_itimerspec(_posix_timer(task, timer_id)))
    return 0


@syscall(225, "timer_getoverrun", "i")
def sys_timer_getoverrun(task: Task, timer_id: int) -> int:
    return _posix_timer(task, timer_id).overrun_last


@syscall(226, "timer_delete", "i")
def sys_timer_delete(task: Task, timer_id: int) -> int:
    task.kernel.timers.delete(_posix_timer(task, timer_id))
    return 0
