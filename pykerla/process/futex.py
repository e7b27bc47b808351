"""Futexes: wait queues keyed by a user address within an address space.

A waiter sleeps on the queue of (address space, address); FUTEX_WAKE marks the waiters it
wakes so that their restarted FUTEX_WAIT returns 0 instead of checking the word again.
Shared futexes across processes (keyed by physical page) are not distinguished yet.
"""

from __future__ import annotations

from typing import Any

from pykerla.process.wait_queue import WaitQueue

WOKEN = "futex_woken"


class FutexTable:
    def __init__(self) -> None:
        self._queues: dict[tuple[int, int], WaitQueue] = {}

    def queue(self, mm: Any, addr: int) -> WaitQueue:
        key = (id(mm), addr)
        queue = self._queues.get(key)
        if queue is None:
            queue = self._queues[key] = WaitQueue()
        return queue

    def wake(self, mm: Any, addr: int, count: int) -> int:
        """Wake up to `count` waiters on the futex word at `addr`; returns how many."""
        key = (id(mm), addr)
        queue = self._queues.get(key)
        if queue is None:
            return 0
        woken = queue.wake_some(count, lambda task: task.syscall_scratch.__setitem__(WOKEN, True))
        if not len(queue):
            del self._queues[key]
        return woken
