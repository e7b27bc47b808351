"""Signal system calls: sigaction, masks, kill/tkill/tgkill, sigreturn, sigaltstack, waiting."""

from __future__ import annotations

import errno
import struct
import time

from pykerla.errors import KernelError
from pykerla.platform.base import RSP
from pykerla.process.signal_state import (
    NSIG, SI_TKILL, SI_USER, SIGKILL, SIGSTOP, SS_AUTODISARM, SS_DISABLE, SS_ONSTACK, UNBLOCKABLE, SigAction,
    SigInfo,
)
from pykerla.process.signals import MINSIGSTKSZ, REAL_BLOCKED, on_altstack, pack_siginfo
from pykerla.process.task import DEAD, Task
from pykerla.process.wait_queue import RESTART_NOHAND, WaitQueue, WouldBlock
from pykerla.syscalls.table import syscall
from pykerla.syscalls.time import read_timespec

SIG_BLOCK, SIG_UNBLOCK, SIG_SETMASK = 0, 1, 2


def _check_signo(signo: int, allow_zero: bool = False) -> None:
    if not (0 if allow_zero else 1) <= signo <= NSIG:
        raise KernelError(errno.EINVAL)


@syscall(13, "rt_sigaction", "i", "p", "p", "u")
def sys_rt_sigaction(task: Task, signo: int, act: int, oldact: int, sigsetsize: int) -> int:
    if sigsetsize != 8:
        raise KernelError(errno.EINVAL)
    _check_signo(signo)
    actions = task.group.sighand.actions
    if act and signo in (SIGKILL, SIGSTOP):
        raise KernelError(errno.EINVAL)
    new = None
    if act:
        handler, flags, restorer, mask = struct.unpack("<QQQQ", task.mm.read(act, 32))
        new = SigAction(handler, flags, restorer, mask & ~UNBLOCKABLE)
    if oldact:
        old = actions[signo]
        task.mm.write(oldact, struct.pack("<QQQQ", old.handler, old.flags, old.restorer, old.mask))
    if new is not None:
        actions[signo] = new
        if task.group.sighand.ignored(signo):
            # Setting a signal to be ignored discards it from every pending set.
            task.group.shared_pending.discard(signo)
            for t in task.group.threads:
                t.pending.discard(signo)
    return 0


@syscall(14, "rt_sigprocmask", "i", "p", "p", "u")
def sys_rt_sigprocmask(task: Task, how: int, set_ptr: int, oldset: int, sigsetsize: int) -> int:
    if sigsetsize != 8:
        raise KernelError(errno.EINVAL)
    old = task.blocked_mask
    if set_ptr:
        new = struct.unpack("<Q", task.mm.read(set_ptr, 8))[0]
        if how == SIG_BLOCK:
            mask = old | new
        elif how == SIG_UNBLOCK:
            mask = old & ~new
        elif how == SIG_SETMASK:
            mask = new
        else:
            raise KernelError(errno.EINVAL)
        if oldset:
            task.mm.write(oldset, struct.pack("<Q", old))
        task.blocked_mask = mask & ~UNBLOCKABLE
    elif oldset:
        task.mm.write(oldset, struct.pack("<Q", old))
    return 0


@syscall(127, "rt_sigpending", "p", "u")
def sys_rt_sigpending(task: Task, ptr: int, sigsetsize: int) -> int:
    if sigsetsize > 8:
        raise KernelError(errno.EINVAL)
    pending = (task.pending.mask | task.group.shared_pending.mask) & task.blocked_mask
    task.mm.write(ptr, struct.pack("<Q", pending)[:sigsetsize])
    return 0


@syscall(15, "rt_sigreturn")
def sys_rt_sigreturn(task: Task) -> int:
    return task.kernel.signals.sigreturn(task)


@syscall(131, "sigaltstack", "p", "p")
def sys_sigaltstack(task: Task, ss: int, old_ss: int) -> int:
    sp_now = task.ctx.regs[RSP]
    cur_sp, cur_flags, cur_size = task.altstack
    new = None
    if ss:
        sp, flags, _pad, size = struct.unpack("<QIiQ", task.mm.read(ss, 24))
        mode = flags & ~SS_AUTODISARM
        if mode not in (0, SS_ONSTACK, SS_DISABLE):
            raise KernelError(errno.EINVAL)
        if on_altstack(task, sp_now):
            raise KernelError(errno.EPERM)
        if mode == SS_DISABLE:
            new = (0, SS_DISABLE, 0)
        elif size < MINSIGSTKSZ:
            raise KernelError(errno.ENOMEM)
        else:
            new = (sp, flags & SS_AUTODISARM, size)
    if old_ss:
        reported = SS_DISABLE if not cur_size else \
            (SS_ONSTACK if on_altstack(task, sp_now) else 0) | (cur_flags & SS_AUTODISARM)
        task.mm.write(old_ss, struct.pack("<QIiQ", cur_sp, reported, 0, cur_size))
    if new is not None:
        task.altstack = new
    return 0


def _signal_permitted(task: Task, target_uid: int) -> bool:
    c = task.creds
    return c.euid == 0 or c.uid == target_uid or c.euid == target_uid


@syscall(62, "kill", "i", "i")
def sys_kill(task: Task, pid: int, signo: int) -> int:
    _check_signo(signo, allow_zero=True)
    kernel = task.kernel
    if pid > 0:
        targets = [kernel.groups[pid]] if pid in kernel.groups and not kernel.groups[pid].zombie else []
        if not targets and pid in kernel.groups:
            return 0   # a zombie exists: the signal is accepted and has no effect
    elif pid == 0:
        targets = kernel.groups_in_pgrp(task.group.pgid)
    elif pid == -1:
        targets = [g for g in kernel.groups.values() if g.tgid != 1 and g is not task.group and not g.zombie]
    else:
        targets = kernel.groups_in_pgrp(-pid)
    if not targets:
        raise KernelError(errno.ESRCH)
    sent = 0
    for group in targets:
        if not _signal_permitted(task, group.creds.uid):
            continue
        sent += 1
        if signo:
            kernel.signals.send_to_group(group, SigInfo(signo, code=SI_USER, pid=task.tgid, uid=task.creds.uid))
    if not sent:
        raise KernelError(errno.EPERM)
    return 0


def _tkill(task: Task, tgid: int, tid: int, signo: int) -> int:
    _check_signo(signo, allow_zero=True)
    target = task.kernel.tasks.get(tid)
    if target is None or tid <= 0 or (tgid > 0 and target.tgid != tgid) or target.state == DEAD:
        raise KernelError(errno.ESRCH if tid > 0 else errno.EINVAL)
    if signo:
        task.kernel.signals.send_to_task(target, signo, info=SigInfo(signo, code=SI_TKILL, pid=task.tgid,
                                                                     uid=task.creds.uid))
    return 0


@syscall(200, "tkill", "i", "i")
def sys_tkill(task: Task, tid: int, signo: int) -> int:
    return _tkill(task, -1, tid, signo)


@syscall(234, "tgkill", "i", "i", "i")
def sys_tgkill(task: Task, tgid: int, tid: int, signo: int) -> int:
    if tgid <= 0:
        raise KernelError(errno.EINVAL)
    return _tkill(task, tgid, tid, signo)


_never = WaitQueue()


@syscall(34, "pause")
def sys_pause(task: Task) -> int:
    raise WouldBlock((_never,), restart=RESTART_NOHAND)


@syscall(130, "rt_sigsuspend", "p", "u")
def sys_rt_sigsuspend(task: Task, mask_ptr: int, sigsetsize: int) -> int:
    if sigsetsize != 8:
        raise KernelError(errno.EINVAL)
    scratch = task.syscall_scratch
    if "saved_mask" not in scratch:
        scratch["saved_mask"] = task.blocked_mask
        task.blocked_mask = struct.unpack("<Q", task.mm.read(mask_ptr, 8))[0] & ~UNBLOCKABLE
    saved = scratch["saved_mask"]

    def restore_after_handler() -> None:
        task.saved_mask = saved

    raise WouldBlock((_never,), restart=RESTART_NOHAND, on_interrupt=restore_after_handler)


def _queue_info(task: Task, signo: int, uinfo: int, target_pid: int) -> SigInfo:
    """The siginfo of rt_sigqueueinfo: a process may fake a kernel si_code only to itself."""
    raw = task.mm.read(uinfo, 128)
    code = struct.unpack_from("<i", raw, 8)[0]
    if (code >= 0 or code == SI_TKILL) and target_pid != task.tgid:
        raise KernelError(errno.EPERM)
    pid, uid, value = struct.unpack_from("<iIQ", raw, 16)
    return SigInfo(signo, code=code, pid=pid, uid=uid, value=value)


@syscall(129, "rt_sigqueueinfo", "i", "i", "p")
def sys_rt_sigqueueinfo(task: Task, pid: int, signo: int, uinfo: int) -> int:
    _check_signo(signo, allow_zero=True)
    group = task.kernel.groups.get(pid)
    if group is None or group.zombie:
        raise KernelError(errno.ESRCH)
    info = _queue_info(task, signo, uinfo, pid)
    if signo:
        task.kernel.signals.send_to_group(group, info)
    return 0


@syscall(297, "rt_tgsigqueueinfo", "i", "i", "i", "p")
def sys_rt_tgsigqueueinfo(task: Task, tgid: int, tid: int, signo: int, uinfo: int) -> int:
    _check_signo(signo, allow_zero=True)
    target = task.kernel.tasks.get(tid)
    if target is None or target.tgid != tgid:
        raise KernelError(errno.ESRCH)
    info = _queue_info(task, signo, uinfo, tgid)
    if signo:
        task.kernel.signals.send_to_task(target, signo, info=info)
    return 0


@syscall(128, "rt_sigtimedwait", "p", "p", "p", "u")
def sys_rt_sigtimedwait(task: Task, set_ptr: int, info_ptr: int, timeout_ptr: int, sigsetsize: int) -> int:
    """Wait for one of a set of signals and take it without running its handler. While waiting
    the awaited signals are unblocked (Linux's real_blocked keeps the caller's mask); any
    other deliverable signal ends the wait with EINTR, the timeout with EAGAIN."""
    if sigsetsize != 8:
        raise KernelError(errno.EINVAL)
    scratch = task.syscall_scratch
    if "sigwait_set" not in scratch:
        wanted = struct.unpack("<Q", task.mm.read(set_ptr, 8))[0] & ~UNBLOCKABLE
        timeout = read_timespec(task, timeout_ptr) if timeout_ptr else None
        scratch["sigwait_set"] = wanted
        scratch["sigwait_deadline"] = None if timeout is None else time.monotonic() + timeout / 1e9
    wanted, deadline = scratch["sigwait_set"], scratch["sigwait_deadline"]
    real_blocked = scratch.get(REAL_BLOCKED)

    def restore_mask() -> None:
        if real_blocked is not None:
            task.blocked_mask = real_blocked

    info = task.kernel.signals.dequeue(task, ~wanted)
    if info is not None:
        restore_mask()
        if info_ptr:
            task.mm.write(info_ptr, pack_siginfo(info))
        return info.signo
    if deadline is not None and time.monotonic() >= deadline:
        restore_mask()
        raise KernelError(errno.EAGAIN)
    if real_blocked is None:
        scratch[REAL_BLOCKED] = real_blocked = task.blocked_mask
        task.blocked_mask &= ~wanted
    raise WouldBlock((_never,), deadline, restart=RESTART_NOHAND, on_interrupt=restore_mask)
