"""Futexes: wait queues keyed by a user address (private to an address space for now)."""

from __future__ import annotations

from typing import Any

from pykerla.process.wait_queue import WaitQueue


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
        queue = self._queues.get((id(mm), addr))
        if queue is None:
            return 0
        woken = queue.wake_some(count)
        if not len(queue):
            del self._queues[(id(mm), addr)]
        return woken
