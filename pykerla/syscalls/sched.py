"""Scheduling-policy system calls: sched_{get,set}{scheduler,param,affinity},
sched_get_priority_{max,min}, sched_rr_get_interval.

The kernel has one CPU and one round-robin scheduler with a 10 ms time slice. The normal
policies (SCHED_OTHER, SCHED_BATCH, SCHED_IDLE) are accepted and remembered per thread:
they all run under that scheduler, as Linux's fair classes would on an idle single CPU.
Real-time policies cannot be honoured, so they are refused with EPERM, as for a process
without CAP_SYS_NICE and with RLIMIT_RTPRIO 0; SCHED_DEADLINE is EINVAL here (it is only
reachable through sched_setattr). Affinity masks are checked against the one online CPU.
"""

from __future__ import annotations

import errno
import struct
import weakref
from typing import Any

from ..errors import KernelError
from .table import syscall

SCHED_OTHER, SCHED_FIFO, SCHED_RR, SCHED_BATCH, SCHED_IDLE, SCHED_DEADLINE = 0, 1, 2, 3, 5, 6
SCHED_RESET_ON_FORK = 0x40000000
NORMAL_POLICIES = frozenset({SCHED_OTHER, SCHED_BATCH, SCHED_IDLE})
RT_POLICIES = frozenset({SCHED_FIFO, SCHED_RR})
MAX_RT_PRIO = 99
NR_CPUS = 1
CPUMASK_SIZE = 8  # bytes: one unsigned long holds every possible CPU
TIME_SLICE_NS = 10_000_000  # the scheduler tick
RR_TIMESLICE_NS = 100_000_000  # Linux's SCHED_RR quantum

_policies: weakref.WeakKeyDictionary[Any, int] = weakref.WeakKeyDictionary()  # task -> policy


def _target(task: Any, pid: int) -> Any:
    """The thread `pid` names (0: the caller); EINVAL for a negative pid, ESRCH if none."""
    if pid < 0:
        raise KernelError(errno.EINVAL)
    if pid == 0:
        return task
    target = task.kernel.tasks.get(pid)
    if target is None:
        raise KernelError(errno.ESRCH)
    return target


def _check_permission(task: Any, target: Any) -> None:
    """Changing another user's thread needs root (Linux check_same_owner / CAP_SYS_NICE)."""
    creds, other = task.creds, target.creds
    if creds.euid != 0 and creds.euid not in (other.uid, other.euid):
        raise KernelError(errno.EPERM)


def _read_priority(task: Any, param: int) -> int:
    if not param:
        raise KernelError(errno.EINVAL)
    return struct.unpack("<i", task.mm.read(param, 4))[0]


def _set(task: Any, pid: int, policy: int, priority: int) -> None:
    policy &= ~SCHED_RESET_ON_FORK
    if policy not in NORMAL_POLICIES and policy not in RT_POLICIES:
        raise KernelError(errno.EINVAL)
    valid = 1 <= priority <= MAX_RT_PRIO if policy in RT_POLICIES else priority == 0
    if not valid:
        raise KernelError(errno.EINVAL)
    target = _target(task, pid)
    if policy in RT_POLICIES:
        raise KernelError(errno.EPERM)
    _check_permission(task, target)
    _policies[target] = policy


@syscall(144, "sched_setscheduler", "i", "i", "p")
def sys_sched_setscheduler(task: Any, pid: int, policy: int, param: int) -> int:
    if policy < 0:
        raise KernelError(errno.EINVAL)
    _set(task, pid, policy, _read_priority(task, param))
    return 0


@syscall(142, "sched_setparam", "i", "p")
def sys_sched_setparam(task: Any, pid: int, param: int) -> int:
    priority = _read_priority(task, param)
    _set(task, pid, _policies.get(_target(task, pid), SCHED_OTHER), priority)
    return 0


@syscall(145, "sched_getscheduler", "i")
def sys_sched_getscheduler(task: Any, pid: int) -> int:
    return _policies.get(_target(task, pid), SCHED_OTHER)


@syscall(143, "sched_getparam", "i", "p")
def sys_sched_getparam(task: Any, pid: int, param: int) -> int:
    if not param:
        raise KernelError(errno.EINVAL)
    _target(task, pid)
    task.mm.write(param, struct.pack("<i", 0))  # normal policies have static priority 0
    return 0


@syscall(146, "sched_get_priority_max", "i")
def sys_sched_get_priority_max(task: Any, policy: int) -> int:
    if policy in RT_POLICIES:
        return MAX_RT_PRIO
    if policy in NORMAL_POLICIES or policy == SCHED_DEADLINE:
        return 0
    raise KernelError(errno.EINVAL)


@syscall(147, "sched_get_priority_min", "i")
def sys_sched_get_priority_min(task: Any, policy: int) -> int:
    if policy in RT_POLICIES:
        return 1
    if policy in NORMAL_POLICIES or policy == SCHED_DEADLINE:
        return 0
    raise KernelError(errno.EINVAL)


@syscall(148, "sched_rr_get_interval", "i", "p")
def sys_sched_rr_get_interval(task: Any, pid: int, tp: int) -> int:
    policy = _policies.get(_target(task, pid), SCHED_OTHER)
    ns = RR_TIMESLICE_NS if policy == SCHED_RR else TIME_SLICE_NS
    task.mm.write(tp, struct.pack("<qq", ns // 1_000_000_000, ns % 1_000_000_000))
    return 0


@syscall(204, "sched_getaffinity", "i", "u", "p")
def sys_sched_getaffinity(task: Any, pid: int, length: int, mask: int) -> int:
    if length * 8 < NR_CPUS or length & 7:
        raise KernelError(errno.EINVAL)
    _target(task, pid)
    size = min(length, CPUMASK_SIZE)
    task.mm.write(mask, (1).to_bytes(size, "little"))
    return size


@syscall(203, "sched_setaffinity", "i", "u", "p")
def sys_sched_setaffinity(task: Any, pid: int, length: int, mask: int) -> int:
    wanted = int.from_bytes(task.mm.read(mask, min(length, CPUMASK_SIZE)), "little")
    target = _target(task, pid)
    _check_permission(task, target)
    if not wanted & ((1 << NR_CPUS) - 1):
        raise KernelError(errno.EINVAL)  # no online CPU in the mask
    return 0
