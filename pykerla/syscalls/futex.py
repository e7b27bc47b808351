"""futex(2) — every operation glibc and Linux know except futex_waitv — and get_robust_list.

Waiting operations are restartable handlers (see process/wait_queue.py): the first call
checks the word and queues a FutexWaiter; a restart returns what a waker left in it, or
ETIMEDOUT, or sleeps again. Timeouts are read once: relative for FUTEX_WAIT, absolute
for the others (CLOCK_MONOTONIC, or CLOCK_REALTIME with FUTEX_CLOCK_REALTIME; FUTEX_LOCK_PI
always CLOCK_REALTIME). A signal ends FUTEX_WAIT with EINTR unless the call restarts
(SA_RESTART and no timeout); FUTEX_LOCK_PI always restarts (ERESTARTNOINTR).
"""

from __future__ import annotations

import errno
import struct
import time
from collections.abc import Callable

from pykerla.errors import ERESTARTNOINTR, KernelError
from pykerla.process import futex_pi
from pykerla.process.futex import (
    BITSET_MATCH_ANY, WAITER, FutexWaiter, Key, futex_key, get_word, wake_op_apply,
)
from pykerla.process.task import Task
from pykerla.process.wait_queue import RESTART_NOHAND, RESTART_SYS, WouldBlock
from pykerla.syscalls.table import syscall
from pykerla.syscalls.time import CLOCK_MONOTONIC, CLOCK_REALTIME, clock_now, read_timespec

FUTEX_WAIT, FUTEX_WAKE, FUTEX_FD, FUTEX_REQUEUE, FUTEX_CMP_REQUEUE, FUTEX_WAKE_OP = range(6)
FUTEX_LOCK_PI, FUTEX_UNLOCK_PI, FUTEX_TRYLOCK_PI, FUTEX_WAIT_BITSET, FUTEX_WAKE_BITSET = range(6, 11)
FUTEX_WAIT_REQUEUE_PI, FUTEX_CMP_REQUEUE_PI, FUTEX_LOCK_PI2 = 11, 12, 13
FUTEX_PRIVATE_FLAG, FUTEX_CLOCK_REALTIME = 128, 256
FUTEX_CMD_MASK = ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME)
_TIMED = (FUTEX_WAIT, FUTEX_LOCK_PI, FUTEX_LOCK_PI2, FUTEX_WAIT_BITSET, FUTEX_WAIT_REQUEUE_PI)
_DEADLINE = "futex_deadline"


def _signed(value: int) -> int:
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value >> 31 else value


def _deadline(task: Task, cmd: int, op: int, timeout: int) -> float | None:
    """The wait's end on time.monotonic(), computed on the first call only."""
    scratch = task.syscall_scratch
    if _DEADLINE not in scratch:
        deadline = None
        if timeout and cmd in _TIMED:
            value = read_timespec(task, timeout)
            if cmd != FUTEX_WAIT:
                realtime = cmd == FUTEX_LOCK_PI or op & FUTEX_CLOCK_REALTIME
                value -= clock_now(task, CLOCK_REALTIME if realtime else CLOCK_MONOTONIC)
            deadline = time.monotonic() + max(0, value) / 1e9
        scratch[_DEADLINE] = deadline
    return scratch[_DEADLINE]


def _expired(deadline: float | None) -> bool:
    return deadline is not None and time.monotonic() >= deadline


def _block(task: Task, waiter: FutexWaiter, deadline: float | None, restart: str = RESTART_SYS,
           on_interrupt: Callable[[], int | None] | None = None) -> WouldBlock:
    task.syscall_scratch[WAITER] = waiter
    return WouldBlock((task.kernel.futexes.queue(waiter.key),), deadline, restart=restart,
                      on_interrupt=on_interrupt)


def _restarted(task: Task, deadline: float | None, on_interrupt: Callable[[], int | None] | None = None,
               restart: str = RESTART_SYS) -> FutexWaiter | int | None:
    """A restarted wait: the waker's result, ETIMEDOUT, the same sleep again when a signal
    is what woke it (the dispatcher settles EINTR/restart), or None to start over."""
    waiter: FutexWaiter | None = task.syscall_scratch.get(WAITER)
    if waiter is None:
        return None
    if waiter.result is not None:
        return waiter.result
    if _expired(deadline):
        raise KernelError(errno.ETIMEDOUT)
    if task.interrupted:
        raise _block(task, waiter, deadline, restart, on_interrupt)
    return waiter if waiter.pi else None


def _wait(task: Task, addr: int, private: bool, expected: int, deadline: float | None, bitset: int) -> int:
    if bitset == 0:
        raise KernelError(errno.EINVAL)
    restart = RESTART_SYS if deadline is None else RESTART_NOHAND
    done = _restarted(task, deadline, restart=restart)
    if isinstance(done, int):
        return done
    key = futex_key(task.mm, addr, private)
    if get_word(task.mm, addr) != expected:
        raise KernelError(errno.EAGAIN)
    raise _block(task, FutexWaiter(task, key, bitset), deadline, restart)


def _wait_requeue_pi(task: Task, addr: int, private: bool, expected: int, deadline: float | None,
                     addr2: int) -> int:
    """FUTEX_WAIT_REQUEUE_PI: wait on a plain futex until CMP_REQUEUE_PI moves us to the PI
    futex at addr2 and we own it."""
    waiter: FutexWaiter | None = task.syscall_scratch.get(WAITER)

    def interrupted() -> int:   # once requeued the call cannot restart; before, it always does
        return -errno.EAGAIN if waiter is not None and waiter.pi else -ERESTARTNOINTR

    done = _restarted(task, deadline, interrupted)
    if isinstance(done, int):
        return done
    if isinstance(done, FutexWaiter):       # requeued onto the PI futex: keep waiting there
        raise _block(task, done, deadline, on_interrupt=interrupted)
    if addr == addr2:
        raise KernelError(errno.EINVAL)
    key2 = futex_key(task.mm, addr2, private)
    key = futex_key(task.mm, addr, private)
    if get_word(task.mm, addr) != expected:
        raise KernelError(errno.EAGAIN)
    if key == key2:
        raise KernelError(errno.EINVAL)
    waiter = FutexWaiter(task, key, requeue_pi_key=key2, word=(task.mm, addr2))
    raise _block(task, waiter, deadline, on_interrupt=interrupted)


def _lock_pi(task: Task, addr: int, private: bool, deadline: float | None, trylock: bool) -> int:
    def interrupted() -> int:
        return -ERESTARTNOINTR

    done = _restarted(task, deadline, interrupted)
    if isinstance(done, int):
        return done
    table = task.kernel.futexes
    key = futex_key(task.mm, addr, private)
    if futex_pi.try_lock(table, key, task.mm, addr, task):
        return 0
    if trylock:
        raise KernelError(errno.EAGAIN)
    waiter = done if isinstance(done, FutexWaiter) else FutexWaiter(task, key, pi=True, word=(task.mm, addr))
    raise _block(task, waiter, deadline, on_interrupt=interrupted)


def _requeue(task: Task, addr: int, addr2: int, private: bool, nr_wake: int, nr_requeue: int,
             cmpval: int | None, requeue_pi: bool) -> int:
    """FUTEX_REQUEUE / CMP_REQUEUE / CMP_REQUEUE_PI: wake nr_wake waiters of addr and move up
    to nr_requeue others to addr2; returns how many were woken or moved."""
    nr_wake, nr_requeue = _signed(nr_wake), _signed(nr_requeue)
    if nr_wake < 0 or nr_requeue < 0:
        raise KernelError(errno.EINVAL)
    if requeue_pi and (addr == addr2 or nr_wake != 1):
        raise KernelError(errno.EINVAL)
    mm = task.mm
    table = task.kernel.futexes
    key1 = futex_key(mm, addr, private)
    key2 = futex_key(mm, addr2, private)
    if requeue_pi and key1 == key2:
        raise KernelError(errno.EINVAL)
    if cmpval is not None and get_word(mm, addr) != cmpval:
        raise KernelError(errno.EAGAIN)
    waiters = table.waiters(key1)
    count = 0
    if requeue_pi and waiters:
        top = waiters[0]
        if top.requeue_pi_key is None or top.pi:
            raise KernelError(errno.EINVAL)
        if top.requeue_pi_key != key2:
            raise KernelError(errno.EINVAL)
        if futex_pi.try_lock(table, key2, mm, addr2, top.task, set_waiters=nr_requeue > 0):
            table.wake_waiter(top)
            waiters.pop(0)
            count = 1
    for waiter in waiters:
        if count - nr_wake >= nr_requeue:
            break
        if waiter.pi or (waiter.requeue_pi_key is not None) != requeue_pi:
            raise KernelError(errno.EINVAL)
        count += 1
        if requeue_pi:
            if waiter.requeue_pi_key != key2:
                raise KernelError(errno.EINVAL)
            waiter.pi = True
            table.move(waiter, key2)
        elif count <= nr_wake:
            table.wake_waiter(waiter)
        else:
            table.move(waiter, key2)
    return count


def _wake_op(task: Task, addr: int, addr2: int, private: bool, nr_wake: int, nr_wake2: int, encoded: int) -> int:
    mm = task.mm
    table = task.kernel.futexes
    key1 = futex_key(mm, addr, private)
    key2 = futex_key(mm, addr2, private)
    matched = wake_op_apply(mm, addr2, encoded)
    woken = table.wake_key(key1, _signed(nr_wake))
    if matched:
        woken += table.wake_key(key2, _signed(nr_wake2))
    return woken


@syscall(202, "futex", "p", "i", "u", "p", "p", "u")
def sys_futex(task: Task, addr: int, op: int, val: int, timeout: int, addr2: int, val3: int) -> int:
    cmd = op & FUTEX_CMD_MASK
    private = bool(op & FUTEX_PRIVATE_FLAG)
    val &= 0xFFFFFFFF
    val3 &= 0xFFFFFFFF
    val2 = timeout & 0xFFFFFFFF     # REQUEUE / WAKE_OP pass a count in the timeout argument
    deadline = _deadline(task, cmd, op, timeout)
    if op & FUTEX_CLOCK_REALTIME and cmd not in (FUTEX_WAIT_BITSET, FUTEX_WAIT_REQUEUE_PI, FUTEX_LOCK_PI2):
        raise KernelError(errno.ENOSYS)
    table = task.kernel.futexes
    if cmd == FUTEX_WAIT:
        return _wait(task, addr, private, val, deadline, BITSET_MATCH_ANY)
    if cmd == FUTEX_WAIT_BITSET:
        return _wait(task, addr, private, val, deadline, val3)
    if cmd in (FUTEX_WAKE, FUTEX_WAKE_BITSET):
        bitset = val3 if cmd == FUTEX_WAKE_BITSET else BITSET_MATCH_ANY
        if bitset == 0:
            raise KernelError(errno.EINVAL)
        return table.wake_key(futex_key(task.mm, addr, private), _signed(val), bitset)
    if cmd == FUTEX_REQUEUE:
        return _requeue(task, addr, addr2, private, val, val2, None, False)
    if cmd == FUTEX_CMP_REQUEUE:
        return _requeue(task, addr, addr2, private, val, val2, val3, False)
    if cmd == FUTEX_CMP_REQUEUE_PI:
        return _requeue(task, addr, addr2, private, val, val2, val3, True)
    if cmd == FUTEX_WAKE_OP:
        return _wake_op(task, addr, addr2, private, val, val2, val3)
    if cmd in (FUTEX_LOCK_PI, FUTEX_LOCK_PI2, FUTEX_TRYLOCK_PI):
        return _lock_pi(task, addr, private, deadline, cmd == FUTEX_TRYLOCK_PI)
    if cmd == FUTEX_UNLOCK_PI:
        key: Key = futex_key(task.mm, addr, private)
        futex_pi.unlock(table, key, task, addr)
        return 0
    if cmd == FUTEX_WAIT_REQUEUE_PI:
        return _wait_requeue_pi(task, addr, private, val, deadline, addr2)
    raise KernelError(errno.ENOSYS)


@syscall(274, "get_robust_list", "i", "p", "p")
def sys_get_robust_list(task: Task, pid: int, head_ptr: int, len_ptr: int) -> int:
    target = task if pid == 0 else task.kernel.tasks.get(pid)
    if target is None:
        raise KernelError(errno.ESRCH)
    if target.group is not task.group and task.creds.euid != 0 and target.creds.uid != task.creds.uid:
        raise KernelError(errno.EPERM)
    task.mm.write(len_ptr, struct.pack("<Q", 24))
    task.mm.write(head_ptr, struct.pack("<Q", target.robust_list))
    return 0
