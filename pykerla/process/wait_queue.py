"""Wait queues and the blocking protocol of system calls.

A handler that must wait raises WouldBlock with the wait queues to sleep on and an
optional absolute deadline (time.monotonic()). The task sleeps; when any of the queues is
woken, the deadline passes, or a signal arrives, the handler is called again from the
start with the same arguments. Handlers are therefore written as "check, then block":
all state that must survive a restart lives in the kernel objects, or in
task.syscall_scratch (a dict cleared when the system call completes), e.g. a deadline
computed on the first call.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol


class Waiter(Protocol):
    """Something that sleeps on wait queues (a task)."""

    def wake(self) -> None: ...


class WaitQueue:
    """A set of sleepers woken together when the object they wait for changes."""

    __slots__ = ("_waiters",)

    def __init__(self) -> None:
        self._waiters: dict[Waiter, None] = {}

    def add(self, waiter: Waiter) -> None:
        self._waiters[waiter] = None

    def remove(self, waiter: Waiter) -> None:
        self._waiters.pop(waiter, None)

    def wake_all(self) -> None:
        for waiter in list(self._waiters):
            waiter.wake()

    def __len__(self) -> int:
        return len(self._waiters)


class WouldBlock(Exception):  # noqa: N818 - it is a control-flow signal, not an error
    """Raised by a system-call handler that cannot complete yet."""

    def __init__(self, queues: Iterable[WaitQueue] = (), deadline: float | None = None) -> None:
        super().__init__()
        self.queues = tuple(queues)
        self.deadline = deadline
