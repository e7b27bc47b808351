"""Advisory file locks (Linux fs/locks.c): flock(2) locks and fcntl(2) record locks.

Every inode with locks has a LockContext holding two independent lists:
  - flock locks: whole-file, owned by an open file description (OpenFile); shared by
    dup/fork, released by LOCK_UN or when the last descriptor of that OpenFile closes;
  - record locks (POSIX and OFD): byte ranges [start, end] (end inclusive, OFFSET_MAX for
    "to end of file"). A POSIX lock is owned by the process's descriptor table (Linux:
    files_struct) and dropped when that process closes *any* descriptor of the file; an
    OFD lock is owned by the OpenFile like a flock lock. Both kinds conflict with each
    other when owners differ and one of the two is a write lock.

Blocking requests raise WouldBlock on the inode's wait queue (the fcntl/flock handler is
re-run when any lock of the inode is released). A blocked POSIX request that would wait,
through a chain of other blocked POSIX owners, on a lock of its own owner fails with
EDEADLK (Linux posix_locks_deadlock).

Hooks: the fd table calls `close_posix(owner, file)` on every descriptor close, and
OpenFile calls `release_file(file)` when its last reference goes.
"""

from __future__ import annotations

import errno
from dataclasses import dataclass
from typing import Any

from ..errors import KernelError
from ..process.task import DEAD
from ..process.wait_queue import WaitQueue, WouldBlock

F_RDLCK, F_WRLCK, F_UNLCK = 0, 1, 2
OFFSET_MAX = (1 << 63) - 1
MAX_DEADLK_DEPTH = 10
_WAIT_KEY = "posix_lock_wait"  # task.syscall_scratch: the owners a blocked POSIX request waits between


@dataclass(slots=True)
class FileLock:
    owner: Any  # FdTable (POSIX) or OpenFile (OFD, flock)
    type: int  # F_RDLCK or F_WRLCK
    start: int
    end: int  # inclusive
    pid: int  # the locker's tgid (F_GETLK reports it for POSIX locks)
    ofd: bool = False

    def conflicts(self, owner: Any, type_: int, start: int, end: int) -> bool:
        return (self.owner is not owner and (self.type == F_WRLCK or type_ == F_WRLCK)
                and self.start <= end and start <= self.end)


class LockContext:
    """The locks of one inode and the queue of tasks waiting for one of them to go."""

    __slots__ = ("flocks", "records", "wait_queue")

    def __init__(self) -> None:
        self.flocks: list[FileLock] = []
        self.records: list[FileLock] = []
        self.wait_queue = WaitQueue()


_contexts: dict[Any, LockContext] = {}  # inode -> its locks (only inodes that have or await locks)
_waiting: dict[Any, tuple[Any, Any]] = {}  # task -> (own owner, blocker owner) while blocked


def _context(inode: Any) -> LockContext:
    ctx = _contexts.get(inode)
    if ctx is None:
        ctx = _contexts[inode] = LockContext()
    return ctx


def _changed(inode: Any, ctx: LockContext) -> None:
    """Locks of inode were released or downgraded: wake the waiters; forget an idle context."""
    ctx.wait_queue.wake_all()
    if not ctx.flocks and not ctx.records and not len(ctx.wait_queue):
        _contexts.pop(inode, None)


# -- flock(2) --------------------------------------------------------------------------

def flock(task: Any, file: Any, type_: int, nonblock: bool) -> None:
    """Take (F_RDLCK/F_WRLCK) or drop (F_UNLCK) the flock lock of open file `file`."""
    inode = file.inode
    ctx = _context(inode)
    mine = next((lock for lock in ctx.flocks if lock.owner is file), None)
    if mine is not None:
        if mine.type == type_:
            return
        ctx.flocks.remove(mine)  # a conversion drops the old lock first (not atomic, as in Linux)
        _changed(inode, ctx)
        ctx = _context(inode)
    if type_ == F_UNLCK:
        _changed(inode, ctx)
        return
    if any(lock.conflicts(file, type_, 0, OFFSET_MAX) for lock in ctx.flocks):
        if nonblock:
            raise KernelError(errno.EWOULDBLOCK)
        raise WouldBlock([ctx.wait_queue])
    ctx.flocks.append(FileLock(file, type_, 0, OFFSET_MAX, task.tgid))


# -- fcntl record locks ----------------------------------------------------------------

def test_lock(inode: Any, owner: Any, type_: int, start: int, end: int) -> FileLock | None:
    """F_GETLK: the first lock that would block the request, or None."""
    ctx = _contexts.get(inode)
    if ctx is None:
        return None
    return next((lock for lock in ctx.records if lock.conflicts(owner, type_, start, end)), None)


def set_lock(task: Any, inode: Any, owner: Any, type_: int, start: int, end: int, wait: bool,
             ofd: bool) -> None:
    """F_SETLK(W) / F_OFD_SETLK(W): make owner's locks over [start, end] be type_ (F_UNLCK
    removes them). EAGAIN on a conflict without `wait`, EDEADLK when waiting would deadlock."""
    ctx = _context(inode)
    if type_ != F_UNLCK:
        blocker = next((lock for lock in ctx.records if lock.conflicts(owner, type_, start, end)), None)
        if blocker is not None:
            if not wait:
                raise KernelError(errno.EAGAIN)
            if not ofd and not blocker.ofd and _would_deadlock(owner, blocker.owner):
                raise KernelError(errno.EDEADLK)
            if not ofd:
                entry = (owner, blocker.owner)
                task.syscall_scratch[_WAIT_KEY] = entry
                _waiting[task] = entry
            raise WouldBlock([ctx.wait_queue])
    _waiting.pop(task, None)
    released = _replace_range(ctx, owner, type_, start, end, task.tgid, ofd)
    if released:
        _changed(inode, ctx)


def _would_deadlock(owner: Any, blocker_owner: Any) -> bool:
    """Does blocker_owner wait (directly or through other blocked owners) for owner?"""
    for _ in range(MAX_DEADLK_DEPTH):
        next_owner = None
        for task, entry in list(_waiting.items()):
            waiter_owner, waits_for = entry
            if task.state == DEAD or task.syscall_scratch.get(_WAIT_KEY) is not entry:
                del _waiting[task]  # that request finished or was interrupted
                continue
            if waiter_owner is blocker_owner:
                next_owner = waits_for
                break
        if next_owner is None:
            return False
        if next_owner is owner:
            return True
        blocker_owner = next_owner
    return False


def _replace_range(ctx: LockContext, owner: Any, type_: int, start: int, end: int, pid: int,
                   ofd: bool) -> bool:
    """Cut owner's locks out of [start, end], add the new lock, merge neighbours of the same
    type. Returns True when some range lost a lock or was downgraded (waiters may proceed)."""
    kept: list[FileLock] = []
    released = False
    for lock in ctx.records:
        if lock.owner is not owner or lock.start > end + 1 or start > lock.end + 1:
            kept.append(lock)  # someone else's, or neither overlapping nor adjacent
            continue
        if lock.type == type_:  # same type, touching or overlapping: absorb it
            start, end = min(start, lock.start), max(end, lock.end)
            continue
        if lock.start > end or start > lock.end:
            kept.append(lock)  # adjacent, of the other type
            continue
        if lock.type == F_WRLCK or type_ == F_UNLCK:
            released = True
        if lock.start < start:
            kept.append(FileLock(owner, lock.type, lock.start, start - 1, lock.pid, lock.ofd))
        if lock.end > end:
            kept.append(FileLock(owner, lock.type, end + 1, lock.end, lock.pid, lock.ofd))
    if type_ != F_UNLCK:
        kept.append(FileLock(owner, type_, start, end, pid, ofd))
    kept.sort(key=lambda lock: lock.start)
    ctx.records[:] = kept
    return released


# -- release hooks ---------------------------------------------------------------------

def close_posix(owner: Any, file: Any) -> None:
    """A process closed a descriptor of file: its POSIX locks on that inode go (Linux
    locks_remove_posix)."""
    inode = getattr(file, "inode", None)
    ctx = _contexts.get(inode)
    if ctx is None:
        return
    before = len(ctx.records)
    ctx.records[:] = [lock for lock in ctx.records if lock.owner is not owner]
    if len(ctx.records) != before:
        _changed(inode, ctx)


def release_file(file: Any) -> None:
    """The last reference to an open file description went: its flock and OFD locks go."""
    inode = getattr(file, "inode", None)
    ctx = _contexts.get(inode)
    if ctx is None:
        return
    before = len(ctx.flocks) + len(ctx.records)
    ctx.flocks[:] = [lock for lock in ctx.flocks if lock.owner is not file]
    ctx.records[:] = [lock for lock in ctx.records if lock.owner is not file]
    if len(ctx.flocks) + len(ctx.records) != before:
        _changed(inode, ctx)


def locks_of(inode: Any) -> list[FileLock]:
    """Every lock on inode (flock ones first), for /proc/locks-style reporting and tests."""
    ctx = _contexts.get(inode)
    return [] if ctx is None else ctx.flocks + ctx.records
