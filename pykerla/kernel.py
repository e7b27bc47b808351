"""The kernel: global state and the main loop.

The loop picks a runnable task, runs its user code on the vCPU until a trap, handles the
trap (system call, page fault, CPU exception, timer tick), delivers signals, and repeats.
When nothing is runnable it sleeps in one host wait (Kernel.idle).
"""

from __future__ import annotations

import errno
import signal
import sys
import time
import traceback
from typing import Any

from pykerla.errors import ERESTARTNOHAND, ERESTARTSYS, KernelError
from pykerla.mm.physical import PhysicalMemory
from pykerla.platform.base import (
    INTERRUPTED, R8, R9, R10, RAX, RDI, RDX, RSI, SYSCALL, ExceptionTrap, PageFaultTrap, Platform,
)
from pykerla.process.futex import FutexTable
from pykerla.process.itimer import Timers
from pykerla.process.lifecycle import Lifecycle
from pykerla.process.scheduler import Scheduler
from pykerla.process.signal_state import SIGBUS, SIGFPE, SIGILL, SIGSEGV, SIGTRAP, SI_KERNEL, SigInfo
from pykerla.process.signals import SignalManager
from pykerla.process.task import DEAD, RUNNING, Task, ThreadGroup
from pykerla.process.wait_queue import RESTART_SYS, WouldBlock
from pykerla.syscalls.table import TABLE, convert_args
from pykerla.trace import Stats, Tracer

_MASK64 = (1 << 64) - 1

# CPU exception vector -> (signal, si_code)
EXCEPTION_SIGNALS = {
    0: (SIGFPE, 1),        # #DE: FPE_INTDIV
    1: (SIGTRAP, 2),       # #DB: TRAP_TRACE
    3: (SIGTRAP, SI_KERNEL),
    4: (SIGSEGV, SI_KERNEL),
    5: (SIGSEGV, SI_KERNEL),
    6: (SIGILL, 2),        # #UD: ILL_ILLOPN
    12: (SIGBUS, SI_KERNEL),
    13: (SIGSEGV, SI_KERNEL),
    16: (SIGFPE, 0),
    17: (SIGBUS, 1),       # BUS_ADRALN
    19: (SIGFPE, 0),
}


class DeadlockError(Exception):
    """Every task sleeps and nothing external can ever wake one."""


class Kernel:
    def __init__(self, platform: Platform, trace: bool = False) -> None:
        self.platform = platform
        self.vcpu: Any = platform.new_vcpu()
        self.phys = PhysicalMemory(platform.ram, platform.first_free_frame, platform.ram_size // 4096)
        self.vcpu.flush_log = self.phys.flush_log
        self.platform_xstate_size, self.platform_xcr0 = platform.xstate_layout()
        self.hwcap = platform.hwcap()
        self.scheduler = Scheduler()
        self.signals = SignalManager(self)
        self.timers = Timers(self)
        self.lifecycle = Lifecycle(self)
        self.futexes = FutexTable()
        self.tracer = Tracer(trace)
        self.stats = Stats()
        self.tasks: dict[int, Task] = {}
        self.groups: dict[int, ThreadGroup] = {}
        self.init_group: ThreadGroup | None = None
        self._next_pid = 1
        self.finished = False
        self.exit_status = 0
        self.boot_time = time.time()
        self.boot_monotonic = time.monotonic()
        self.release = b"6.1.0-pykerla"                     # uname -r
        self.version = b"#1 SMP PREEMPT_DYNAMIC pykerla"     # uname -v
        self.hostname = b"pykerla"
        self.domainname = b"(none)"
        self.mounts: Any = None
        self.vdso: Any = None    # mm/vdso.Vdso mapped into every program (set by boot), or None
        signal.signal(signal.SIGALRM, lambda _signo, _frame: None)
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})

    # -- ids ----------------------------------------------------------------------------------
    def alloc_pid(self) -> int:
        pid = self._next_pid
        while pid in self.tasks or pid in self.groups:
            pid += 1
        self._next_pid = pid + 1
        return pid

    def new_init(self) -> Task:
        """The first process (pid 1), with an empty address space; exec fills it."""
        tid = self.alloc_pid()
        group = ThreadGroup(self, tid, None)
        task = Task(group, tid)
        group.threads.append(task)
        self.tasks[tid] = task
        self.groups[tid] = group
        self.init_group = group
        return task

    def describe_tasks(self) -> str:
        """One line about every task: tid, state, and the system call it is blocked in."""
        names = {nr: spec.name for nr, spec in TABLE.items()}
        return ", ".join(f"{t.tid}:{t.state}" + (f" in {names.get(t.orig_rax, t.orig_rax)}" if t.in_syscall else "")
                         for t in self.tasks.values())

    def finish(self, status: int) -> None:
        if not self.finished:
            self.finished = True
            self.exit_status = status

    def futex_wake(self, mm: Any, addr: int, count: int) -> int:
        return self.futexes.wake(mm, addr, count)

    def path_of(self, dentry: Any) -> str:
        return dentry.path().decode("utf-8", "surrogateescape") if hasattr(dentry, "path") else ""

    def groups_in_pgrp(self, pgid: int) -> list[ThreadGroup]:
        return [g for g in self.groups.values() if g.pgid == pgid and not g.zombie]

    def kill_pgrp(self, pgid: int, signo: int, code: int = 0x80) -> None:
        """Send `signo` to every process of a process group (the tty layer uses this for ^C/^Z)."""
        for group in self.groups_in_pgrp(pgid):
            self.signals.send_to_group(group, SigInfo(signo, code=code))

    # -- the main loop ------------------------------------------------------------------------
    def run(self) -> int:
        """Run until init exits; returns init's wait status word."""
        sched = self.scheduler
        vcpu = self.vcpu
        stats = self.stats
        signal.setitimer(signal.ITIMER_REAL, 0.01, 0.01)
        last: Task | None = None
        clocks = self.vdso.timekeeper if self.vdso is not None else None
        try:
            while not self.finished:
                task = sched.pick()
                if task is None:
                    try:
                        self.idle()
                    except RuntimeError as e:
                        raise DeadlockError(f"{e}; tasks: {self.describe_tasks()}") from None
                    continue
                if task.in_syscall:
                    self.syscall(task)
                    if task.state != RUNNING or sched.pick() is not task or self.finished:
                        continue
                group = task.group
                if task.pending.mask or group.shared_pending.mask or task.orig_rax >= 0:
                    self.signals.deliver(task)
                    if task.state != RUNNING or sched.pick() is not task or self.finished:
                        continue
                if task is not last:
                    sched.context_switches += 1
                    last = task
                start = time.perf_counter()
                if clocks is not None and start >= clocks.next_update:
                    clocks.update()     # the vDSO's clocks: refreshed at least every tick
                trap = vcpu.run(task.ctx)
                now = time.perf_counter()
                group.utime += now - start
                if trap is SYSCALL:
                    self.syscall(task)
                elif trap is INTERRUPTED:
                    stats.traps["timer"] += 1
                    sched.fire_timers()
                    self.timers.fire()
                    sched.poll_host(0)
                    sched.rotate()
                elif isinstance(trap, PageFaultTrap):
                    stats.traps["page fault"] += 1
                    stats.page_faults += 1
                    self.page_fault(task, trap)
                elif isinstance(trap, ExceptionTrap):
                    stats.traps[f"exception {trap.vector}"] += 1
                    self.exception(task, trap)
                group.stime += time.perf_counter() - now
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0, 0)
        return self.exit_status

    def idle(self) -> None:
        """Nothing is runnable: wait for a host event, a sleeper's deadline or a process timer."""
        sched = self.scheduler
        deadlines = [d for d in (sched.next_deadline(), self.timers.next_deadline()) if d is not None]
        sched.poll_host(max(0.0, min(deadlines) - time.monotonic()) if deadlines else None)
        sched.fire_timers()
        self.timers.fire()

    # -- traps ----------------------------------------------------------------------------
    def syscall(self, task: Task) -> None:
        regs = task.ctx.regs
        if task.in_syscall:
            nr = task.orig_rax
        else:
            nr = regs[RAX]
            task.orig_rax = nr
            self.stats.traps["syscall"] += 1
        spec = TABLE.get(nr)
        if spec is None:
            self.stats.unimplemented[nr] += 1
            self.tracer.unknown(task, nr)
            regs[RAX] = (-errno.ENOSYS) & _MASK64
            task.orig_rax = -1
            return
        args = convert_args(spec, (regs[RDI], regs[RSI], regs[RDX], regs[R10], regs[R8], regs[R9]))
        tracing = self.tracer.enabled
        if tracing and "trace_args" not in task.syscall_scratch:
            task.syscall_scratch["trace_args"] = self.tracer.render_args(task, spec, args)
        rendered = task.syscall_scratch.get("trace_args", "") if tracing else ""
        try:
            result = spec.handler(task, *args)
        except KernelError as e:
            result = -e.errno
        except WouldBlock as block:
            if block.interruptible and (task.interrupted or self.signals.has_deliverable(task)):
                partial = block.on_interrupt() if block.on_interrupt is not None else None
                if isinstance(partial, int):    # some work was done (a partial pipe write): report it
                    result = partial
                else:
                    result = -(ERESTARTSYS if block.restart == RESTART_SYS else ERESTARTNOHAND)
            else:
                task.interrupted = False
                if task.state == RUNNING:
                    task.in_syscall = True
                    self.scheduler.sleep(task, block.queues, block.deadline)
                return
        except Exception:  # noqa: BLE001 - a kernel bug must not take the whole kernel down
            self.oops(task, f"in {spec.name}")
            return
        if task.in_syscall:
            task.in_syscall = False
        else:
            self.stats.syscalls[spec.name] += 1
        task.interrupted = False
        task.syscall_scratch.clear()
        if task.state == DEAD:
            return
        regs[RAX] = result & _MASK64
        if tracing:
            self.tracer.syscall(task, spec, rendered, result)

    def oops(self, task: Task, where: str) -> None:
        """A bug in the kernel while serving `task`: report it like Linux's oops (with the
        Python traceback) and kill the task's process; the rest of the system goes on."""
        print(f"pykerla: internal error {where} (pid {task.tgid}); killing the process:", file=sys.stderr)
        traceback.print_exc(file=sys.stderr)
        task.orig_rax = -1
        self.lifecycle.exit_group(task.group, 9, signaled=True)

    def page_fault(self, task: Task, trap: PageFaultTrap) -> None:
        mm = task.mm
        try:
            resolved = mm.handle_fault(trap.addr, trap.write, trap.fetch)
        except KernelError:             # out of memory: Linux's OOM killer would pick this process
            print(f"pykerla: out of memory: killing process {task.tgid}", file=sys.stderr)
            self.lifecycle.exit_group(task.group, 9, signaled=True)
            return
        if resolved:
            return
        code = mm.fault_reason(trap.addr)
        self.signals.force_fault(task, SIGSEGV, code, trap.addr, trapno=14, err=trap.error_code)

    def exception(self, task: Task, trap: ExceptionTrap) -> None:
        signo, code = EXCEPTION_SIGNALS.get(trap.vector, (SIGSEGV, SI_KERNEL))
        addr = task.ctx.regs[16] if signo in (SIGFPE, SIGILL) else 0
        self.signals.force_fault(task, signo, code, addr, trapno=trap.vector, err=trap.error_code)
