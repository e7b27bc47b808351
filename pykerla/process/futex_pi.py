"""Priority-inheritance futexes: the futex-word protocol of FUTEX_LOCK_PI / UNLOCK_PI /
TRYLOCK_PI and of requeue-PI, and handing a PI futex over when its owner dies.

The word holds the owner's TID, FUTEX_WAITERS while tasks wait in the kernel, and
FUTEX_OWNER_DIED after a robust owner died. With one CPU there is no priority to inherit,
so the kernel state is only the FIFO of waiters on the futex's queue; ownership passes to
the oldest waiter, which finds the word already naming it when its call returns.
"""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING, Any

from pykerla.errors import KernelError
from pykerla.process.futex import (
    FUTEX_OWNER_DIED, FUTEX_TID_MASK, FUTEX_WAITERS, FutexTable, Key, get_word, put_word,
)
from pykerla.process.task import DEAD

if TYPE_CHECKING:
    from pykerla.process.task import Task


def try_lock(table: FutexTable, key: Key, mm: Any, addr: int, task: Task, set_waiters: bool = False) -> bool:
    """Linux's futex_lock_pi_atomic for `task`: True when it now owns the futex; False when
    another live task owns it (FUTEX_WAITERS is then set). EDEADLK if `task` owns it already,
    ESRCH if the owner named by the word does not exist."""
    uval = get_word(mm, addr)
    owner_tid = uval & FUTEX_TID_MASK
    if owner_tid == task.tid:
        raise KernelError(errno.EDEADLK)
    if owner_tid == 0:
        others = any(w.pi and w.task is not task for w in table.waiters(key))
        waiters = FUTEX_WAITERS if set_waiters or others else 0
        put_word(mm, addr, (uval & FUTEX_OWNER_DIED) | waiters | task.tid)
        return True
    owner = task.kernel.tasks.get(owner_tid)
    if owner is None or owner.state == DEAD:
        raise KernelError(errno.ESRCH)
    if not uval & FUTEX_WAITERS:
        put_word(mm, addr, uval | FUTEX_WAITERS)
    return False


def hand_over(table: FutexTable, key: Key, mm: Any, addr: int, keep_bits: int) -> bool:
    """Give the PI futex to its oldest waiter (the word becomes its TID | FUTEX_WAITERS |
    keep_bits) and wake it; False when nobody waits."""
    for waiter in table.waiters(key):
        if waiter.pi:
            put_word(mm, addr, FUTEX_WAITERS | keep_bits | waiter.task.tid)
            table.wake_waiter(waiter)
            return True
    return False


def unlock(table: FutexTable, key: Key, task: Task, addr: int) -> None:
    """FUTEX_UNLOCK_PI: EPERM unless `task` owns the word; the next waiter gets the futex,
    or the word becomes 0 (FUTEX_OWNER_DIED is dropped either way)."""
    mm = task.mm
    if get_word(mm, addr) & FUTEX_TID_MASK != task.tid:
        raise KernelError(errno.EPERM)
    if not hand_over(table, key, mm, addr, 0):
        put_word(mm, addr, 0)


def exit_pi_state(table: FutexTable, task: Task) -> None:
    """`task` is dying: each PI futex it owns (or that a robust-list walk has just marked
    dead, TID 0) passes to its oldest waiter, keeping FUTEX_OWNER_DIED."""
    for key in table.pi_keys():
        waiters = [w for w in table.waiters(key) if w.pi and w.word is not None]
        if not waiters:
            continue
        mm, addr = waiters[0].word  # type: ignore[misc]
        try:
            uval = get_word(mm, addr)
            if (uval & FUTEX_TID_MASK) in (task.tid, 0):
                hand_over(table, key, mm, addr, uval & FUTEX_OWNER_DIED)
        except KernelError:
            continue
