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

from collections.abc import Callable, Iterable
from typing import Any, Protocol


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

    def wake_some(self, count: int, before_wake: Callable[[Any], None] | None = None) -> int:
        """Wake the `count` longest waiters (calling `before_wake(waiter)` first); returns how
        many were woken."""
        woken = 0
        for waiter in list(self._waiters)[:count]:
            if before_wake is not None:
                before_wake(waiter)
            waiter.wake()
            self._waiters.pop(waiter, None)
            woken += 1
        return woken

    def __len__(self) -> int:
        return len(self._waiters)


# What a signal does to a blocked call (Linux's -ERESTART* codes): with RESTART_SYS the call
# restarts after a handler installed with SA_RESTART and fails with EINTR otherwise; with
# RESTART_NOHAND it fails with EINTR whenever a handler runs (poll, select, nanosleep, pause).
# Either way it restarts transparently when no handler runs (stop/continue, ignored signals).
RESTART_SYS = "sys"
RESTART_NOHAND = "nohand"


class WouldBlock(Exception):  # noqa: N818 - it is a control-flow signal, not an error
    """Raised by a system-call handler that cannot complete yet.

    `interruptible=False` sleeps through signals (only SIGKILL ends the wait, as for vfork).
    `on_interrupt`, if given, is called when a signal ends the wait (e.g. nanosleep writes
    the remaining time); if it returns an int, that is the call's result (a pipe write that
    already moved some bytes returns their count instead of failing).
    """

    def __init__(self, queues: Iterable[WaitQueue] = (), deadline: float | None = None,
                 restart: str = RESTART_SYS, interruptible: bool = True,
                 on_interrupt: Callable[[], int | None] | None = None) -> None:
        super().__init__()
        self.queues = tuple(queues)
        self.deadline = deadline
        self.restart = restart
        self.interruptible = interruptible
        self.on_interrupt = on_interrupt
