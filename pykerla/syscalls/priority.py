"""getpriority(2) and setpriority(2): the nice values of threads, process groups and users.

Every thread has a nice value, `task.nice` (-20..19). The scheduler gives every runnable
thread the same time slice, so the value is kept and reported, as Linux does, without
changing how threads share the one CPU. Targets: PRIO_PROCESS a thread id (0: the
caller), PRIO_PGRP every thread of a process group (0: the caller's), PRIO_USER every
thread whose real uid is `who` (0: the caller's). The system call returns 20 - nice
(1..40; glibc turns it back into a nice value), the highest over the targets.
"""

from __future__ import annotations

import errno
from collections.abc import Iterator
from typing import Any

from ..errors import KernelError
from .table import syscall

PRIO_PROCESS, PRIO_PGRP, PRIO_USER = 0, 1, 2
MIN_NICE, MAX_NICE = -20, 19
RLIMIT_NICE = 13


def _targets(task: Any, which: int, who: int) -> Iterator[Any]:
    """The threads `which`/`who` name; EINVAL for an unknown `which`."""
    kernel = task.kernel
    if which == PRIO_PROCESS:
        target = task if who == 0 else kernel.tasks.get(who)
        if target is not None:
            yield target
    elif which == PRIO_PGRP:
        for group in kernel.groups_in_pgrp(who or task.group.pgid):
            yield from group.threads
    elif which == PRIO_USER:
        uid = who or task.creds.uid
        for group in list(kernel.groups.values()):
            if not group.zombie and group.creds.uid == uid:
                yield from group.threads
    else:
        raise KernelError(errno.EINVAL)


def _set_one(task: Any, target: Any, nice: int) -> None:
    """set_one_prio: EPERM for another user's thread, EACCES for raising the priority
    beyond RLIMIT_NICE; root (CAP_SYS_NICE) may do both."""
    creds, other = task.creds, target.creds
    privileged = creds.euid == 0
    if not privileged and creds.euid not in (other.uid, other.euid):
        raise KernelError(errno.EPERM)
    if nice < target.nice and not privileged and 20 - nice > target.group.rlimits.get(RLIMIT_NICE, (0, 0))[0]:
        raise KernelError(errno.EACCES)
    target.nice = nice


@syscall(140, "getpriority", "i", "i")
def sys_getpriority(task: Any, which: int, who: int) -> int:
    best = max((20 - target.nice for target in _targets(task, which, who)), default=None)
    if best is None:
        raise KernelError(errno.ESRCH)
    return best


@syscall(141, "setpriority", "i", "i", "i")
def sys_setpriority(task: Any, which: int, who: int, nice: int) -> int:
    nice = min(max(nice, MIN_NICE), MAX_NICE)
    error = errno.ESRCH
    for target in list(_targets(task, which, who)):
        try:
            _set_one(task, target, nice)
        except KernelError as e:
            error = e.errno  # a failure sticks: later successes do not clear it (as in Linux)
        else:
            if error == errno.ESRCH:
                error = 0
    if error:
        raise KernelError(error)
    return 0
