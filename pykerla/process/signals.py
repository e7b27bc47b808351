"""Signal generation and delivery: who gets a signal, default actions, the x86-64 rt_sigframe,
rt_sigreturn, and restarting interrupted system calls as Linux does.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from pykerla.errors import ERESTART_RESTARTBLOCK, ERESTARTNOHAND, ERESTARTNOINTR, ERESTARTSYS, KernelError
from pykerla.platform.base import (
    R8, R9, R10, R11, R12, R13, R14, R15, RAX, RBP, RBX, RCX, RDI, RDX, RFLAGS, RIP, RSI, RSP,
)
from pykerla.process.coredump import do_coredump
from pykerla.process.signal_state import (
    CLD_CONTINUED, CLD_STOPPED, IGNORED_BY_DEFAULT, SA_NOCLDSTOP, SA_NODEFER, SA_ONSTACK, SA_RESETHAND,
    SA_RESTART, SI_KERNEL, SI_TIMER, SIG_DFL, SIG_IGN, SIGCHLD, SIGCONT, SIGHUP, SIGKILL, SIGSEGV, SIGSTOP,
    SS_AUTODISARM, SS_DISABLE, STOP_SIGNALS, UNBLOCKABLE, SigInfo, bit,
)
from pykerla.process.task import DEAD, SLEEPING, STOPPED, Task, ThreadGroup

if TYPE_CHECKING:
    from pykerla.kernel import Kernel

SIGCONTEXT_ORDER = (R8, R9, R10, R11, R12, R13, R14, R15, RDI, RSI, RBP, RBX, RDX, RAX, RCX, RSP, RIP, RFLAGS)
UC_OFFSET = 8                 # rt_sigframe: pretcode, then struct ucontext
MCONTEXT_OFFSET = UC_OFFSET + 40
SC_ERR = MCONTEXT_OFFSET + 152  # struct sigcontext: err, trapno, oldmask, cr2, fpstate follow the registers
SC_FPSTATE = SC_ERR + 32
SIGMASK_OFFSET = MCONTEXT_OFFSET + 256
SIGINFO_OFFSET = SIGMASK_OFFSET + 8
FRAME_SIZE = SIGINFO_OFFSET + 128
UC_FLAGS = 0x1 | 0x2 | 0x4    # UC_FP_XSTATE | UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS
FP_XSTATE_MAGIC1 = 0x46505853
FP_XSTATE_MAGIC2 = 0x46505845
# Flags a user may change through sigreturn: AC OF DF TF SF ZF AF PF CF RF
FIX_EFLAGS = 0x40000 | 0x800 | 0x400 | 0x100 | 0x80 | 0x40 | 0x10 | 0x4 | 0x1 | 0x10000
FAULT_SIGNALS = frozenset({4, 5, 7, 8, 11})   # SIGILL SIGTRAP SIGBUS SIGFPE SIGSEGV
RESTART_CODES = (ERESTARTSYS, ERESTARTNOINTR, ERESTARTNOHAND, ERESTART_RESTARTBLOCK)
# syscall_scratch key: the mask a task had before rt_sigtimedwait unblocked the awaited signals
# (Linux's real_blocked: such signals still count as blocked, so they are not dropped as ignored)
REAL_BLOCKED = "real_blocked"
_MASK64 = (1 << 64) - 1
MINSIGSTKSZ = 2048


def pack_siginfo(info: SigInfo) -> bytes:
    """struct siginfo (128 bytes) for this signal, with the union member Linux would fill."""
    buf = bytearray(128)
    struct.pack_into("<iii", buf, 0, info.signo, info.errno, info.code)
    if info.signo in FAULT_SIGNALS and info.code > 0:                     # faults: si_addr
        struct.pack_into("<Q", buf, 16, info.addr)
    elif info.code == SI_TIMER:                                            # si_timerid, si_overrun
        struct.pack_into("<iiQ", buf, 16, info.extra.get("timerid", 0), info.extra.get("overrun", 0),
                         info.value)
    elif info.signo == SIGCHLD:
        struct.pack_into("<iIiiqq", buf, 16, info.pid, info.uid, info.status, 0, info.utime, info.stime)
    else:
        struct.pack_into("<iIQ", buf, 16, info.pid, info.uid, info.value)
    return bytes(buf)


def on_altstack(task: Task, sp: int) -> bool:
    """Whether `sp` lies on the task's alternate signal stack (never with SS_AUTODISARM, as Linux)."""
    ss_sp, ss_flags, ss_size = task.altstack
    return bool(ss_size) and not ss_flags & SS_AUTODISARM and ss_sp < sp <= ss_sp + ss_size


class SignalManager:
    """Sends signals and delivers them to tasks before they return to user mode."""

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel

    # -- generation --------------------------------------------------------------------------
    def send_to_task(self, task: Task, signo: int, code: int = 0, sender_pid: int = 0, sender_uid: int = 0,
                     info: SigInfo | None = None) -> bool:
        """A thread-directed signal (tkill, faults, SIGPIPE). True if it was queued."""
        if info is None:
            info = SigInfo(signo, code=code, pid=sender_pid, uid=sender_uid)
        return self._generate(task.group, task, info)

    def send_to_group(self, group: ThreadGroup, info: SigInfo) -> bool:
        """A process-directed signal (kill). True if it was queued."""
        return self._generate(group, None, info)

    def _generate(self, group: ThreadGroup, target: Task | None, info: SigInfo) -> bool:
        signo = info.signo
        if group.zombie or group.group_exiting:
            return False
        if signo == SIGKILL:
            self.kernel.lifecycle.exit_group(group, signo, signaled=True)
            return False
        if signo == SIGCONT or signo in STOP_SIGNALS:
            self._stop_or_continue_prepare(group, signo)
        handlers = group.sighand
        threads = [target] if target is not None else group.alive_threads()
        blocked_everywhere = all((t.blocked_mask | t.syscall_scratch.get(REAL_BLOCKED, 0)) & bit(signo)
                                 for t in threads)
        if handlers.ignored(signo) and not blocked_everywhere:
            return False
        pending = target.pending if target is not None else group.shared_pending
        if not pending.add(info):
            return False
        group.signalfd_wait.wake_all()
        # Wake a thread that can take it now.
        for thread in threads:
            if not thread.blocked_mask & bit(signo):
                self.interrupt(thread)
                break
        return True

    def _stop_or_continue_prepare(self, group: ThreadGroup, signo: int) -> None:
        if signo == SIGCONT:
            for t in group.threads:
                for s in STOP_SIGNALS:
                    t.pending.discard(s)
            for s in STOP_SIGNALS:
                group.shared_pending.discard(s)
            if group.stopped:
                group.stopped = False
                group.stop_signal = 0
                group.continue_report = True
                group.stop_report = None
                for t in group.alive_threads():
                    if t.state == STOPPED:
                        # A thread stopped inside a blocking call runs its handler again (the
                        # call goes on, as a restart without a handler would); others resume.
                        self.kernel.scheduler.add(t)
                self._notify_parent_stop(group, CLD_CONTINUED, SIGCONT)
        else:
            for t in group.threads:
                t.pending.discard(SIGCONT)
            group.shared_pending.discard(SIGCONT)

    def interrupt(self, task: Task) -> None:
        """Wake a task sleeping in a system call because a signal wants it."""
        if task.state == SLEEPING:
            task.interrupted = True
            self.kernel.scheduler.make_runnable(task)

    def has_deliverable(self, task: Task) -> bool:
        blocked = task.blocked_mask
        return bool(task.pending.mask & ~blocked or task.group.shared_pending.mask & ~blocked)

    def dequeue(self, task: Task, blocked: int) -> SigInfo | None:
        """Take the next pending signal outside `blocked`: the thread's own first, then the
        process's. A POSIX timer's signal re-arms its timer (and counts overruns) here."""
        for source in (task.pending, task.group.shared_pending):
            signo = source.first(blocked)
            if signo:
                info = source.take(signo)
                if info.code == SI_TIMER:
                    self.kernel.timers.dequeued(info)
                return info
        return None

    def pgrp_orphaned(self, group: ThreadGroup, leaving: ThreadGroup | None = None) -> bool:
        """No member of the process group (`leaving` aside: it is exiting) has a parent, other
        than init, in another group of the same session."""
        for member in self.kernel.groups_in_pgrp(group.pgid):
            if member is leaving:
                continue
            parent = member.parent
            if parent is not None and parent.tgid != 1 and parent.pgid != member.pgid \
                    and parent.sid == member.sid:
                return False
        return True

    def kill_orphaned_pgrp(self, group: ThreadGroup, parent: ThreadGroup | None,
                           leaving: ThreadGroup | None) -> None:
        """POSIX: a process group that an exit leaves orphaned, with a stopped member, gets
        SIGHUP then SIGCONT. `parent` was the group's link outside its process group: the
        exiting process's parent, or the exiting process itself for each of its children."""
        if parent is None or parent.pgid == group.pgid or parent.sid != group.sid:
            return
        if not self.pgrp_orphaned(group, leaving):
            return
        if any(member.stopped for member in self.kernel.groups_in_pgrp(group.pgid)):
            self.kernel.kill_pgrp(group.pgid, SIGHUP, SI_KERNEL)
            self.kernel.kill_pgrp(group.pgid, SIGCONT, SI_KERNEL)

    # -- delivery --------------------------------------------------------------------------
    def deliver(self, task: Task) -> None:
        """Called before `task` returns to user mode: act on pending signals, then settle
        any interrupted system call (restart or EINTR)."""
        group = task.group
        handled = False
        while task.state not in (DEAD, STOPPED) and not group.group_exiting:
            info = self.dequeue(task, task.blocked_mask)
            if info is None:
                break
            signo = info.signo
            action = group.sighand.actions[signo]
            if action.handler == SIG_IGN:
                continue
            self.kernel.stats.signals += 1
            if action.handler == SIG_DFL:
                if signo in IGNORED_BY_DEFAULT:
                    continue
                if signo in STOP_SIGNALS:
                    if signo != SIGSTOP and self.pgrp_orphaned(group):
                        continue        # terminal stops are discarded in orphaned process groups
                    # An interrupted call is settled when the task runs again: a handler for a
                    # signal that arrives meanwhile makes it fail with EINTR.
                    self.group_stop(group, signo)
                    return
                dumped = do_coredump(task, signo, pack_siginfo(info))     # only for "core" signals
                self.kernel.lifecycle.exit_group(group, signo, signaled=True, core_dumped=dumped)
                return
            self._settle_restart(task, handler=action.flags)
            handled = True
            self._setup_frame(task, signo, info)
        if not handled:
            self._settle_restart(task, handler=None)
            if task.saved_mask is not None and task.state not in (DEAD, STOPPED):
                # a sigsuspend-style call ended without a handler running: it restarts, and
                # the caller's own mask comes back meanwhile
                task.blocked_mask, task.saved_mask = task.saved_mask, None

    def _settle_restart(self, task: Task, handler: int | None) -> None:
        """Turn a kernel-internal ERESTART* result into a restart or EINTR (once)."""
        if task.orig_rax < 0:
            return
        regs = task.ctx.regs
        result = regs[RAX] - (1 << 64) if regs[RAX] >> 63 else regs[RAX]
        task.orig_rax, orig = -1, task.orig_rax
        if -result not in RESTART_CODES:
            return
        code = -result
        restart = handler is None or code == ERESTARTNOINTR or (code == ERESTARTSYS and handler & SA_RESTART)
        if restart:
            regs[RAX] = orig
            regs[RIP] -= 2
        else:
            regs[RAX] = (-4) & _MASK64      # EINTR

    def _setup_frame(self, task: Task, signo: int, info: SigInfo) -> None:
        """Build an rt_sigframe on the user stack and point the task at the handler."""
        group = task.group
        action = group.sighand.actions[signo]
        regs = task.ctx.regs
        mm = task.mm
        sp = regs[RSP]
        ss_sp, ss_flags, ss_size = task.altstack
        sp -= 128
        if action.flags & SA_ONSTACK and ss_size and not on_altstack(task, regs[RSP]):
            sp = ss_sp + ss_size
            if ss_flags & SS_AUTODISARM:
                task.altstack = (0, SS_DISABLE, 0)
        xsize = self.kernel.platform_xstate_size
        image = bytearray(self.kernel.vcpu.save_fpu(task.ctx))
        sp = (sp - xsize - 4) & ~63
        fpstate = sp
        sp = ((sp - FRAME_SIZE) & ~15) - 8
        old_mask = task.blocked_mask if task.saved_mask is None else task.saved_mask
        task.saved_mask = None
        frame = bytearray(FRAME_SIZE)
        struct.pack_into("<Q", frame, 0, action.restorer)
        struct.pack_into("<QQQIiQ", frame, UC_OFFSET, UC_FLAGS, 0, ss_sp, ss_flags, 0, ss_size)
        struct.pack_into("<18Q", frame, MCONTEXT_OFFSET, *(regs[i] for i in SIGCONTEXT_ORDER))
        struct.pack_into("<HHHH", frame, MCONTEXT_OFFSET + 144, 0x33, 0, 0, 0x2B)
        struct.pack_into("<QQQQQ", frame, SC_ERR, info.extra.get("err", 0),
                         info.extra.get("trapno", 0), old_mask, info.addr, fpstate)
        struct.pack_into("<Q", frame, SIGMASK_OFFSET, old_mask)
        frame[SIGINFO_OFFSET:SIGINFO_OFFSET + 128] = pack_siginfo(info)
        fp = image[:xsize]
        xfeatures = struct.unpack_from("<Q", fp, 512)[0] | 3
        struct.pack_into("<IIQI", fp, 464, FP_XSTATE_MAGIC1, xsize + 4, self.kernel.platform_xcr0, xsize)
        struct.pack_into("<Q", fp, 512, xfeatures)
        try:
            mm.write(fpstate, bytes(fp) + struct.pack("<I", FP_XSTATE_MAGIC2))
            mm.write(sp, bytes(frame))
        except KernelError:
            self.force_fault(task, SIGSEGV, SI_KERNEL, 0)
            return
        regs[RDI] = signo
        regs[RSI] = sp + SIGINFO_OFFSET
        regs[RDX] = sp + UC_OFFSET
        regs[RAX] = 0
        regs[RIP] = action.handler
        regs[RSP] = sp
        regs[RFLAGS] &= ~(0x400 | 0x100 | 0x10000)     # DF TF RF
        self.kernel.vcpu.load_fpu(task.ctx, self.kernel.vcpu.initial_fpu)
        task.blocked_mask |= action.mask
        if not action.flags & SA_NODEFER:
            task.blocked_mask |= bit(signo)
        task.blocked_mask &= ~UNBLOCKABLE
        if action.flags & SA_RESETHAND:
            action.handler = SIG_DFL
        self.kernel.tracer.signal(task, info)

    def sigreturn(self, task: Task) -> int:
        """rt_sigreturn: restore registers, FPU state, mask and altstack from the frame."""
        regs = task.ctx.regs
        frame = regs[RSP] - 8
        try:
            data = task.mm.read(frame, SIGINFO_OFFSET)
        except KernelError:
            self.force_fault(task, SIGSEGV, SI_KERNEL, 0)
            return regs[RAX]
        values = struct.unpack_from("<18Q", data, MCONTEXT_OFFSET)
        flags = regs[RFLAGS]
        for index, value in zip(SIGCONTEXT_ORDER, values, strict=True):
            regs[index] = value
        regs[RFLAGS] = (flags & ~FIX_EFLAGS) | (values[17] & FIX_EFLAGS)
        fpstate = struct.unpack_from("<Q", data, SC_FPSTATE)[0]
        task.blocked_mask = struct.unpack_from("<Q", data, SIGMASK_OFFSET)[0] & ~UNBLOCKABLE
        ss_sp, ss_flags, _pad, ss_size = struct.unpack_from("<QIiQ", data, UC_OFFSET + 16)
        if not on_altstack(task, regs[RSP]):      # as sigaltstack would; its errors are ignored
            if ss_flags & ~SS_AUTODISARM == SS_DISABLE:
                task.altstack = (0, SS_DISABLE, 0)
            elif ss_size >= MINSIGSTKSZ:
                task.altstack = (ss_sp, ss_flags & SS_AUTODISARM, ss_size)
        if fpstate:
            xsize = self.kernel.platform_xstate_size
            try:
                fp = task.mm.read(fpstate, xsize)
            except KernelError:
                self.force_fault(task, SIGSEGV, SI_KERNEL, 0)
                return regs[RAX]
            image = bytearray(self.kernel.vcpu.save_fpu(task.ctx))
            image[:464] = fp[:464]
            image[512:xsize] = fp[512:xsize]
            struct.pack_into("<Q", image, 512, struct.unpack_from("<Q", fp, 512)[0] & self.kernel.platform_xcr0)
            struct.pack_into("<Q", image, 520, 0)
            struct.pack_into("<I", image, 24, struct.unpack_from("<I", image, 24)[0] & 0xFFFF)  # MXCSR
            self.kernel.vcpu.load_fpu(task.ctx, bytes(image))
        task.orig_rax = -1
        return regs[RAX]

    def force_fault(self, task: Task, signo: int, code: int, addr: int, trapno: int = 0, err: int = 0) -> None:
        """A synchronous fault: unblock and un-ignore the signal as Linux does, then queue it."""
        action = task.group.sighand.actions[signo]
        if task.blocked_mask & bit(signo) or action.handler == SIG_IGN:
            action.handler = SIG_DFL
            task.blocked_mask &= ~bit(signo)
        info = SigInfo(signo, code=code, addr=addr, extra={"trapno": trapno, "err": err})
        task.pending.add(info)

    # -- stop / continue ---------------------------------------------------------------------
    def group_stop(self, group: ThreadGroup, signo: int) -> None:
        group.stopped = True
        group.stop_signal = signo
        group.stop_report = (signo << 8) | 0x7F
        for t in group.alive_threads():
            if t.state != DEAD:
                self.kernel.scheduler.remove(t)
                t.state = STOPPED
        self._notify_parent_stop(group, CLD_STOPPED, signo)

    def _notify_parent_stop(self, group: ThreadGroup, code: int, signo: int) -> None:
        parent = group.parent
        if parent is None:
            return
        parent.child_wait.wake_all()
        if parent.sighand.actions[SIGCHLD].flags & SA_NOCLDSTOP:
            return
        self.send_to_group(parent, SigInfo(SIGCHLD, code=code, pid=group.tgid, uid=group.creds.uid,
                                           status=signo))
