"""Futexes: wait queues keyed by the identity of a futex word, and the queue operations
(wake, requeue, wake-op arithmetic) that syscalls/futex.py, futex_pi.py and the exit path use.

Keys follow Linux's get_futex_key: a FUTEX_PRIVATE_FLAG futex, or any futex in a private
mapping, is (address space, address); a futex in a MAP_SHARED mapping is (the mapping's
SharedPages object, offset in it), so two processes mapping the same shared anonymous
memory or the same file page meet on the same queue whatever their addresses.

A sleeping waiter is a task on the FutexQueue of its key (the scheduler adds it when the
handler raises WouldBlock and removes it when it wakes for any reason); what it waits for
is a FutexWaiter kept in task.syscall_scratch[WAITER]. A waker sets `waiter.result` (what
the restarted call returns) and wakes the task; requeueing moves the task between queues.
"""

from __future__ import annotations

import errno
import struct
from dataclasses import dataclass
from typing import Any

from pykerla.errors import KernelError
from pykerla.process.wait_queue import WaitQueue

WAITER = "futex_waiter"          # task.syscall_scratch key of a sleeping waiter's FutexWaiter

FUTEX_WAITERS = 0x80000000
FUTEX_OWNER_DIED = 0x40000000
FUTEX_TID_MASK = 0x3FFFFFFF
BITSET_MATCH_ANY = 0xFFFFFFFF

# FUTEX_WAKE_OP: the operation on *uaddr2 and the comparison of its old value
FUTEX_OP_SET, FUTEX_OP_ADD, FUTEX_OP_OR, FUTEX_OP_ANDN, FUTEX_OP_XOR = range(5)
FUTEX_OP_OPARG_SHIFT = 8
FUTEX_OP_CMP_EQ, FUTEX_OP_CMP_NE, FUTEX_OP_CMP_LT, FUTEX_OP_CMP_LE, FUTEX_OP_CMP_GT, FUTEX_OP_CMP_GE = range(6)

Key = tuple[Any, ...]


def futex_key(mm: Any, addr: int, private: bool) -> Key:
    """The key of the futex word at `addr` (EINVAL if misaligned, EFAULT if a shared lookup
    finds no accessible mapping)."""
    if addr & 3:
        raise KernelError(errno.EINVAL)
    if private:
        return ("mm", mm, addr)
    vma = mm.vma_at(addr)
    if vma is None or not vma.accessible:
        raise KernelError(errno.EFAULT)
    if vma.shared is not None:
        return ("shared", vma.shared, vma.offset_of(addr))
    return ("mm", mm, addr)


def get_word(mm: Any, addr: int) -> int:
    return struct.unpack("<I", mm.read(addr, 4))[0]


def put_word(mm: Any, addr: int, value: int) -> None:
    mm.write(addr, struct.pack("<I", value & 0xFFFFFFFF))


def _signed32(value: int) -> int:
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value >> 31 else value


def wake_op_apply(mm: Any, addr: int, encoded: int) -> bool:
    """FUTEX_WAKE_OP's atomic step: apply the encoded operation to the word at `addr` and
    return the comparison of its old value (ENOSYS for unknown operations/comparisons, the
    comparison being checked only after the store, as Linux does)."""
    op = (encoded >> 28) & 7
    cmp = (encoded >> 24) & 15
    oparg = _signed32(((encoded >> 12) & 0xFFF) << 20) >> 20
    cmparg = _signed32((encoded & 0xFFF) << 20) >> 20
    if encoded & (FUTEX_OP_OPARG_SHIFT << 28):
        oparg = 1 << (oparg & 31)
    if op > FUTEX_OP_XOR:
        raise KernelError(errno.ENOSYS)
    old = get_word(mm, addr)
    new = (oparg, old + oparg, old | oparg, old & ~oparg, old ^ oparg)[op]
    put_word(mm, addr, new)
    old = _signed32(old)
    if cmp > FUTEX_OP_CMP_GE:
        raise KernelError(errno.ENOSYS)
    return (old == cmparg, old != cmparg, old < cmparg, old <= cmparg, old > cmparg, old >= cmparg)[cmp]


@dataclass(eq=False)
class FutexWaiter:
    """What a task sleeping in futex(2) waits for."""

    task: Any
    key: Key
    bitset: int = BITSET_MATCH_ANY
    pi: bool = False                    # waits to own a PI futex (LOCK_PI, or requeued by CMP_REQUEUE_PI)
    requeue_pi_key: Key | None = None   # FUTEX_WAIT_REQUEUE_PI: the PI futex it may be moved to
    word: tuple[Any, int] | None = None  # (mm, addr): where this waiter sees the PI word of `key`
    result: int | None = None           # set by a waker: the restarted call returns it


class FutexQueue(WaitQueue):
    """The tasks sleeping on one futex key, oldest first."""

    __slots__ = ()

    def waiters(self) -> list[FutexWaiter]:
        found = (task.syscall_scratch.get(WAITER) for task in self._waiters)
        return [waiter for waiter in found if waiter is not None]


class FutexTable:
    """All futex queues of the kernel, by key."""

    def __init__(self) -> None:
        self._queues: dict[Key, FutexQueue] = {}

    def queue(self, key: Key) -> FutexQueue:
        queue = self._queues.get(key)
        if queue is None:
            queue = self._queues[key] = FutexQueue()
        return queue

    def waiters(self, key: Key) -> list[FutexWaiter]:
        """The waiters sleeping on `key`, oldest first (empty queues are dropped here)."""
        queue = self._queues.get(key)
        if queue is None:
            return []
        if not len(queue):
            del self._queues[key]
            return []
        return queue.waiters()

    def pi_keys(self) -> list[Key]:
        """Keys with tasks waiting to own a PI futex."""
        return [key for key in list(self._queues) if any(w.pi for w in self.waiters(key))]

    @staticmethod
    def wake_waiter(waiter: FutexWaiter, result: int = 0) -> None:
        waiter.result = result
        waiter.task.wake()

    def wake_key(self, key: Key, count: int, bitset: int = BITSET_MATCH_ANY) -> int:
        """Wake waiters on `key` whose bitset intersects `bitset`; as Linux, at least one when
        count <= 0. EINVAL if a PI or requeue-PI waiter is met first."""
        woken = 0
        for waiter in self.waiters(key):
            if waiter.pi or waiter.requeue_pi_key is not None:
                raise KernelError(errno.EINVAL)
            if not waiter.bitset & bitset:
                continue
            self.wake_waiter(waiter)
            woken += 1
            if woken >= count:
                break
        return woken

    def wake(self, mm: Any, addr: int, count: int) -> int:
        """Wake up to `count` waiters on the futex word at `addr` of `mm`, keyed as a shared
        futex (CLONE_CHILD_CLEARTID, robust-list deaths); returns how many. Never raises."""
        try:
            return self.wake_key(futex_key(mm, addr, private=False), count)
        except KernelError:
            return 0

    def move(self, waiter: FutexWaiter, key: Key) -> None:
        """Requeue a sleeping waiter onto `key` (it keeps sleeping)."""
        if key == waiter.key:
            return
        task = waiter.task
        old = self._queues.get(waiter.key)
        if old is not None:
            old.remove(task)
        new = self.queue(key)
        new.add(task)
        task.sleep_queues = tuple(new if q is old else q for q in task.sleep_queues)
        waiter.key = key
