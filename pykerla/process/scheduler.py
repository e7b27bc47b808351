"""The scheduler: a round-robin run queue, sleeping on wait queues, timed wake-ups, and the
host wait when nothing is runnable.

A task that blocks costs nothing: it sits on the wait queues it named and, if it has a
deadline, in a heap of timers. When every task is asleep the kernel blocks in one host
`selectors` wait on everything external (console, host sockets) with the nearest deadline
as timeout.
"""

from __future__ import annotations

import heapq
import itertools
import selectors
import time
from collections import deque
from collections.abc import Callable

from pykerla.process.task import RUNNING, SLEEPING, Task
from pykerla.process.wait_queue import WaitQueue


class Scheduler:
    def __init__(self) -> None:
        self.runqueue: deque[Task] = deque()
        self._timers: list[tuple[float, int, Task]] = []
        self._seq = itertools.count()
        self.selector = selectors.DefaultSelector()
        self.context_switches = 0       # counted by the kernel loop when it runs another task

    # -- run queue -------------------------------------------------------------------------
    def add(self, task: Task) -> None:
        task.state = RUNNING
        self.runqueue.append(task)

    def make_runnable(self, task: Task) -> None:
        if task.state != SLEEPING:
            return
        for queue in task.sleep_queues:
            queue.remove(task)
        task.sleep_queues = ()
        task.wake_deadline = None
        task.state = RUNNING
        self.runqueue.append(task)

    def remove(self, task: Task) -> None:
        """Take a task off the run queue and its wait queues (exit, stop)."""
        try:
            self.runqueue.remove(task)
        except ValueError:
            pass
        for queue in task.sleep_queues:
            queue.remove(task)
        task.sleep_queues = ()
        task.wake_deadline = None

    def sleep(self, task: Task, queues: tuple[WaitQueue, ...], deadline: float | None) -> None:
        try:
            self.runqueue.remove(task)
        except ValueError:
            pass
        task.state = SLEEPING
        task.sleep_queues = queues
        for queue in queues:
            queue.add(task)
        task.wake_deadline = deadline
        if deadline is not None:
            heapq.heappush(self._timers, (deadline, next(self._seq), task))

    def pick(self) -> Task | None:
        """The task to run next (stays at the head of the run queue while it runs)."""
        return self.runqueue[0] if self.runqueue else None

    def rotate(self) -> None:
        """The running task's time slice is over: move it behind the others."""
        if len(self.runqueue) > 1:
            self.runqueue.rotate(-1)

    # -- timers and the host ---------------------------------------------------------------
    def fire_timers(self, now: float | None = None) -> None:
        if not self._timers:
            return
        now = time.monotonic() if now is None else now
        while self._timers and self._timers[0][0] <= now:
            deadline, _, task = heapq.heappop(self._timers)
            if task.state == SLEEPING and task.wake_deadline == deadline:
                self.make_runnable(task)

    def next_deadline(self) -> float | None:
        while self._timers:
            deadline, _, task = self._timers[0]
            if task.state == SLEEPING and task.wake_deadline == deadline:
                return deadline
            heapq.heappop(self._timers)
        return None

    def watch_host_fd(self, fd: int, events: int, callback: Callable[[], None]) -> None:
        """Call `callback` whenever host fd `fd` is ready (selectors.EVENT_READ/EVENT_WRITE)."""
        self.selector.register(fd, events, callback)

    def unwatch_host_fd(self, fd: int) -> None:
        try:
            self.selector.unregister(fd)
        except KeyError:
            pass

    def poll_host(self, timeout: float | None) -> None:
        """Wait up to `timeout` seconds (None: forever) for host events, then run their callbacks."""
        if not self.selector.get_map():
            if timeout is None:
                raise RuntimeError("deadlock: every task is asleep and nothing external can wake one")
            if timeout > 0:
                time.sleep(timeout)
            return
        for key, _mask in self.selector.select(timeout):
            key.data()
