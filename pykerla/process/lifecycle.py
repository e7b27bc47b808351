"""Process life cycle: clone/fork/vfork, exit and exit_group, zombies, reparenting, wait4/waitid.

Wait status words use Linux's encoding: exited (code << 8), killed (signo, | 0x80 with a
core dump), stopped ((signo << 8) | 0x7f), continued (0xffff).
"""

from __future__ import annotations

import errno
import struct
from typing import TYPE_CHECKING

from pykerla.errors import KernelError
from pykerla.platform.base import RAX, RSP
from pykerla.process.robust_futex import futex_exit_release
from pykerla.process.signal_state import (
    CLD_DUMPED, CLD_EXITED, CLD_KILLED, SA_NOCLDWAIT, SIG_IGN, SIGCHLD, SigInfo,
)
from pykerla.process.task import DEAD, Task, ThreadGroup
from pykerla.process.wait_queue import WaitQueue, WouldBlock

if TYPE_CHECKING:
    from pykerla.kernel import Kernel

CLONE_VM = 0x100
CLONE_FS = 0x200
CLONE_FILES = 0x400
CLONE_SIGHAND = 0x800
CLONE_PIDFD = 0x1000
CLONE_PTRACE = 0x2000
CLONE_VFORK = 0x4000
CLONE_PARENT = 0x8000
CLONE_THREAD = 0x10000
CLONE_NEWNS = 0x20000
CLONE_SYSVSEM = 0x40000
CLONE_SETTLS = 0x80000
CLONE_PARENT_SETTID = 0x100000
CLONE_CHILD_CLEARTID = 0x200000
CLONE_DETACHED = 0x400000
CLONE_UNTRACED = 0x800000
CLONE_CHILD_SETTID = 0x01000000
CLONE_IO = 0x80000000
CLONE_CLEAR_SIGHAND = 1 << 32       # clone3 only
CLONE_INTO_CGROUP = 1 << 33         # clone3 only
CSIGNAL = 0xFF
# Namespaces (CLONE_NEW*) and pidfds are not implemented: such requests fail with EINVAL.
# CLONE_PTRACE and CLONE_IO change nothing here (no ptrace, no I/O contexts); CLONE_SYSVSEM
# shares a semaphore undo list, and there are no SysV semaphores to undo.
CLONE_SUPPORTED = (CSIGNAL | CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_PTRACE | CLONE_VFORK
                   | CLONE_PARENT | CLONE_THREAD | CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID
                   | CLONE_CHILD_CLEARTID | CLONE_DETACHED | CLONE_UNTRACED | CLONE_CHILD_SETTID | CLONE_IO
                   | CLONE_CLEAR_SIGHAND)

WNOHANG, WUNTRACED, WSTOPPED, WEXITED, WCONTINUED, WNOWAIT = 1, 2, 2, 4, 8, 0x01000000
P_ALL, P_PID, P_PGID = 0, 1, 2


class Lifecycle:
    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel
        self._users: dict[int, int] = {}     # id(mm or fd table) -> tasks groups using it

    # -- reference counts of what CLONE_VM / CLONE_FILES share ------------------------------
    def _get(self, obj: object) -> None:
        self._users[id(obj)] = self._users.get(id(obj), 0) + 1

    def _put(self, obj: object) -> bool:
        """Drop one user; True when that was the last one."""
        left = self._users.get(id(obj), 1) - 1
        if left > 0:
            self._users[id(obj)] = left
            return False
        self._users.pop(id(obj), None)
        return True

    def get_mm(self, mm: object) -> None:
        self._get(mm)

    def put_mm(self, mm: object) -> None:
        if self._put(mm):
            mm.release()  # type: ignore[attr-defined]

    def get_files(self, files: object) -> None:
        self._get(files)

    def put_files(self, files: object) -> None:
        if self._put(files):
            files.close_all()  # type: ignore[attr-defined]

    # -- clone -------------------------------------------------------------------------------
    def clone(self, task: Task, flags: int, newsp: int, parent_tid: int, child_tid: int, tls: int,
              set_tid: int = 0) -> int:
        """clone(2): the low byte of `flags` is the exit signal; `set_tid` asks for that TID
        (clone3; the caller checked privilege). Returns the child's TID."""
        kernel = self.kernel
        parent = task.group
        if flags & ~CLONE_SUPPORTED:
            raise KernelError(errno.EINVAL)
        if flags & CLONE_SIGHAND and not flags & CLONE_VM or flags & CLONE_THREAD and not flags & CLONE_SIGHAND:
            raise KernelError(errno.EINVAL)
        if flags & CLONE_PARENT and parent is kernel.init_group:
            raise KernelError(errno.EINVAL)
        if set_tid and (set_tid in kernel.tasks or set_tid in kernel.groups):
            raise KernelError(errno.EEXIST)
        tid = set_tid or kernel.alloc_pid()
        if flags & CLONE_THREAD:
            group = parent
        else:
            real_parent = parent.parent if flags & CLONE_PARENT and parent.parent else parent
            group = ThreadGroup(kernel, tid, real_parent)
            real_parent.children.append(group)
            group.pgid, group.sid, group.ctty = parent.pgid, parent.sid, parent.ctty
            group.creds = parent.creds.copy()
            group.rlimits = dict(parent.rlimits)
            group.comm, group.exe_path = parent.comm, parent.exe_path
            group.cmdline, group.environ = parent.cmdline, parent.environ
            group.exit_signal = parent.exit_signal if flags & CLONE_PARENT else flags & CSIGNAL
            group.sighand = parent.sighand if flags & CLONE_SIGHAND else parent.sighand.copy()
            if flags & CLONE_CLEAR_SIGHAND:
                group.sighand.reset_for_exec()
            if flags & CLONE_VM:
                group.mm = parent.mm
            else:
                group.mm = parent.mm.fork()
            self.get_mm(group.mm)
            group.files = parent.files if flags & CLONE_FILES else parent.files.fork()
            self.get_files(group.files)
            group.fs = parent.fs if flags & CLONE_FS else parent.fs.fork()
            kernel.groups[group.tgid] = group
        child = Task(group, tid)
        group.threads.append(child)
        kernel.tasks[tid] = child
        child.ctx = task.ctx.copy()
        child.ctx.fpu = kernel.vcpu.save_fpu(task.ctx)
        child.ctx.cr3 = group.mm.root
        child.ctx.regs[RAX] = 0
        if newsp:
            child.ctx.regs[RSP] = newsp
        if flags & CLONE_SETTLS:
            child.ctx.fs_base = tls
        child.blocked_mask = task.blocked_mask
        child.nice = task.nice
        child.altstack = task.altstack if not flags & CLONE_VM or flags & CLONE_VFORK else (0, 2, 0)
        # Linux ignores faults on these stores: the child exists either way.
        if flags & CLONE_PARENT_SETTID:
            self._store_tid(task.mm, parent_tid, tid)
        if flags & CLONE_CHILD_SETTID:
            self._store_tid(group.mm, child_tid, tid)
        if flags & CLONE_CHILD_CLEARTID:
            child.clear_child_tid = child_tid
        kernel.scheduler.add(child)
        if flags & CLONE_VFORK:
            done = WaitQueue()
            group.vfork_done = done
            task.syscall_scratch["vfork_child"] = group
        return tid

    @staticmethod
    def _store_tid(mm: object, addr: int, tid: int) -> None:
        try:
            mm.write(addr, struct.pack("<i", tid))  # type: ignore[attr-defined]
        except KernelError:
            pass

    def vfork_wait(self, task: Task) -> None:
        """The parent of a vfork sleeps until the child has exec'd or exited."""
        child = task.syscall_scratch.get("vfork_child")
        if child is not None and child.vfork_done is not None:
            raise WouldBlock((child.vfork_done,))

    def release_vfork(self, group: ThreadGroup) -> None:
        if group.vfork_done is not None:
            done, group.vfork_done = group.vfork_done, None
            done.wake_all()

    # -- exit --------------------------------------------------------------------------------
    def exit_task(self, task: Task, code: int) -> None:
        """exit(2): one thread ends; the last one ends the process with its own code (even
        when the leader exited earlier with another, as Linux reports it)."""
        group = task.group
        self._end_thread(task)
        if not group.alive_threads():
            self._finish_group(group, (code & 0xFF) << 8)

    def de_thread(self, task: Task) -> None:
        """execve's point of no return: every other thread of the process dies, the caller
        takes over the leader's TID (pid == tid again) and releases its robust futexes."""
        group = task.group
        for other in list(group.threads):
            if other is not task and other.state != DEAD:
                self._end_thread(other)
        if task.tid != group.tgid:
            self.kernel.tasks.pop(task.tid, None)
            task.tid = group.tgid
            self.kernel.tasks[task.tid] = task
        group.threads = [task]
        futex_exit_release(task)

    def exit_group(self, group: ThreadGroup, value: int, signaled: bool = False,
                   core_dumped: bool = False) -> None:
        if group.group_exiting or group.zombie:
            return
        group.group_exiting = True
        status = (value & 0x7F) | (0x80 if core_dumped else 0) if signaled else (value & 0xFF) << 8
        if signaled:
            self.kernel.tracer.exit(group.threads[0], status)     # "+++ killed by SIGx +++"
        for t in list(group.threads):
            if t.state != DEAD:
                self._end_thread(t)
        self._finish_group(group, status)

    def _end_thread(self, task: Task) -> None:
        kernel = self.kernel
        kernel.scheduler.remove(task)
        task.state = DEAD
        kernel.vcpu.forget(task.ctx)
        futex_exit_release(task)
        if task.clear_child_tid:
            try:
                task.mm.write(task.clear_child_tid, b"\0\0\0\0")
                kernel.futex_wake(task.mm, task.clear_child_tid, 1)
            except KernelError:
                pass
        kernel.tasks.pop(task.tid, None)

    def _finish_group(self, group: ThreadGroup, status: int) -> None:
        kernel = self.kernel
        group.exit_status = status
        kernel.timers.forget_group(group)
        self.release_vfork(group)
        group.maxrss = group.peak_rss()
        self.put_mm(group.mm)
        self.put_files(group.files)
        if group.ctty is not None and group.sid == group.tgid:
            group.ctty.disassociate(group, on_exit=True)    # a session leader's exit hangs up its job
        kernel.signals.kill_orphaned_pgrp(group, group.parent, leaving=group)
        init = kernel.init_group
        for child in group.children:
            child.parent = init
            if init is not None and init is not group:
                init.children.append(child)
                if child.zombie:
                    init.child_wait.wake_all()
            kernel.signals.kill_orphaned_pgrp(child, group, leaving=group)
        group.children = []
        group.zombie = True
        parent = group.parent
        if group is init or parent is None:
            kernel.finish(status)
            return
        parent.children_utime += group.utime
        parent.children_stime += group.stime
        parent.children_maxrss = max(parent.children_maxrss, group.reaped_maxrss())
        action = parent.sighand.actions[SIGCHLD]
        autoreap = group.exit_signal == SIGCHLD and (action.handler == SIG_IGN or action.flags & SA_NOCLDWAIT)
        if autoreap:
            self._reap(parent, group)
        if group.exit_signal and not (autoreap and action.handler == SIG_IGN):
            code, st = (CLD_EXITED, status >> 8) if status & 0x7F == 0 else (CLD_KILLED, status & 0x7F)
            if status & 0x80:
                code = CLD_DUMPED
            kernel.signals.send_to_group(parent, SigInfo(group.exit_signal, code=code, pid=group.tgid,
                                                         uid=group.creds.uid, status=st,
                                                         utime=int(group.utime * 100),
                                                         stime=int(group.stime * 100)))
        parent.child_wait.wake_all()

    def _reap(self, parent: ThreadGroup, child: ThreadGroup) -> None:
        if child in parent.children:
            parent.children.remove(child)
        self.kernel.groups.pop(child.tgid, None)

    # -- wait --------------------------------------------------------------------------------
    def _matches(self, waiter: ThreadGroup, child: ThreadGroup, idtype: int, ident: int) -> bool:
        if idtype == P_ALL:
            return True
        if idtype == P_PID:
            return child.tgid == ident
        return child.pgid == ident

    def wait(self, task: Task, idtype: int, ident: int, options: int) -> tuple[ThreadGroup, int, int] | None:
        """Find a child whose state change matches; returns (child, status word, CLD code) or None
        for WNOHANG with nothing to report. Reaps exited children unless WNOWAIT."""
        group = task.group
        candidates = [c for c in group.children if self._matches(group, c, idtype, ident)]
        if not candidates:
            raise KernelError(10)       # ECHILD
        for child in candidates:
            if child.zombie and options & WEXITED:
                status = child.exit_status
                if not options & WNOWAIT:
                    self._reap(group, child)
                code = CLD_EXITED if status & 0x7F == 0 else CLD_DUMPED if status & 0x80 else CLD_KILLED
                return child, status, code
            if options & WSTOPPED and child.stop_report is not None:
                status = child.stop_report
                if not options & WNOWAIT:
                    child.stop_report = None
                return child, status, 5     # CLD_STOPPED
            if options & WCONTINUED and child.continue_report:
                if not options & WNOWAIT:
                    child.continue_report = False
                return child, 0xFFFF, 6     # CLD_CONTINUED
        if options & WNOHANG:
            return None
        raise WouldBlock((group.child_wait,))
