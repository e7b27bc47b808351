"""Robust futex lists: what the kernel does with the futexes a thread still holds when it
exits or execs (Linux exit_robust_list / handle_futex_death).

The thread registered `struct robust_list_head { next; long futex_offset; list_op_pending; }`
with set_robust_list. Each list entry (bit 0 set: a PI futex) points at the next, and the
futex word sits futex_offset bytes from the entry. Every word still naming the thread gets
FUTEX_OWNER_DIED (keeping FUTEX_WAITERS) and, for plain futexes, one waiter is woken; PI
futexes are handed over by futex_pi.exit_pi_state. A bad pointer ends the walk quietly and
the walk stops after ROBUST_LIST_LIMIT entries, so a corrupt or circular list is harmless.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from pykerla.errors import KernelError
from pykerla.process.futex import FUTEX_OWNER_DIED, FUTEX_TID_MASK, FUTEX_WAITERS, get_word, put_word
from pykerla.process.futex_pi import exit_pi_state

if TYPE_CHECKING:
    from pykerla.process.task import Task

ROBUST_LIST_HEAD_SIZE = 24
ROBUST_LIST_LIMIT = 2048
_MASK64 = (1 << 64) - 1


def _handle_death(task: Task, uaddr: int, pi: bool, pending: bool) -> bool:
    """One futex of a dying owner; False when the walk must stop (misaligned or bad word)."""
    mm = task.mm
    if uaddr & 3:
        return False
    try:
        uval = get_word(mm, uaddr)
        if pending and not pi and uval == 0:
            # died between releasing the lock and removing it from the list: pass on a wake-up
            task.kernel.futexes.wake(mm, uaddr, 1)
            return True
        if uval & FUTEX_TID_MASK != task.tid:
            return True
        put_word(mm, uaddr, (uval & FUTEX_WAITERS) | FUTEX_OWNER_DIED)
    except KernelError:
        return False
    if not pi and uval & FUTEX_WAITERS:
        task.kernel.futexes.wake(mm, uaddr, 1)
    return True


def _walk(task: Task, head: int) -> None:
    mm = task.mm
    try:
        first, futex_offset, pending_raw = struct.unpack("<QqQ", mm.read(head, ROBUST_LIST_HEAD_SIZE))
    except KernelError:
        return
    entry, pi = first & ~1, bool(first & 1)
    pending, pending_pi = pending_raw & ~1, bool(pending_raw & 1)
    for _ in range(ROBUST_LIST_LIMIT):
        if entry == head:
            break
        try:
            following: int | None = struct.unpack("<Q", mm.read(entry, 8))[0]
        except KernelError:
            following = None
        if entry != pending and not _handle_death(task, (entry + futex_offset) & _MASK64, pi, False):
            return
        if following is None:
            return
        entry, pi = following & ~1, bool(following & 1)
    if pending:
        _handle_death(task, (pending + futex_offset) & _MASK64, pending_pi, True)


def futex_exit_release(task: Task) -> None:
    """The thread is exiting or exec'ing: release its robust futexes, then hand over the PI
    futexes it owns. Its robust list is forgotten."""
    head, task.robust_list = task.robust_list, 0
    if head:
        _walk(task, head)
    exit_pi_state(task.kernel.futexes, task)
