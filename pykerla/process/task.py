"""Tasks (threads) and thread groups (processes), and the credentials they carry.

A Task is what the scheduler runs: a CPU context, a signal mask, per-thread pending
signals. A ThreadGroup is the process: pid (= tgid), address space, fd table, fs context,
signal handlers, credentials, process group and session, parent and children, exit status.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pykerla.platform.base import CpuContext
from pykerla.process.signal_state import PendingSignals, SignalHandlers
from pykerla.process.wait_queue import WaitQueue

if TYPE_CHECKING:
    from pykerla.kernel import Kernel


@dataclass
class Credentials:
    uid: int = 0
    gid: int = 0
    euid: int = 0
    egid: int = 0
    suid: int = 0
    sgid: int = 0
    fsuid: int = 0
    fsgid: int = 0
    groups: list[int] = field(default_factory=list)

    def copy(self) -> Credentials:
        return Credentials(self.uid, self.gid, self.euid, self.egid, self.suid, self.sgid,
                           self.fsuid, self.fsgid, list(self.groups))


RLIM_INFINITY = (1 << 64) - 1
DEFAULT_RLIMITS = {
    0: (RLIM_INFINITY, RLIM_INFINITY),       # CPU
    1: (RLIM_INFINITY, RLIM_INFINITY),       # FSIZE
    2: (RLIM_INFINITY, RLIM_INFINITY),       # DATA
    3: (8 << 20, RLIM_INFINITY),             # STACK
    4: (0, RLIM_INFINITY),                   # CORE
    5: (RLIM_INFINITY, RLIM_INFINITY),       # RSS
    6: (63432, 63432),                       # NPROC
    7: (1024, 1048576),                      # NOFILE
    8: (8 << 20, 8 << 20),                   # MEMLOCK
    9: (RLIM_INFINITY, RLIM_INFINITY),       # AS
    10: (RLIM_INFINITY, RLIM_INFINITY),      # LOCKS
    11: (63432, 63432),                      # SIGPENDING
    12: (819200, 819200),                    # MSGQUEUE
    13: (0, 0),                              # NICE
    14: (0, 0),                              # RTPRIO
    15: (RLIM_INFINITY, RLIM_INFINITY),      # RTTIME
}

# Task states
RUNNING, SLEEPING, STOPPED, DEAD = "R", "S", "T", "X"


class ThreadGroup:
    """A process."""

    def __init__(self, kernel: Kernel, tgid: int, parent: ThreadGroup | None) -> None:
        self.kernel = kernel
        self.tgid = tgid
        self.parent = parent
        self.children: list[ThreadGroup] = []
        self.threads: list[Task] = []
        self.mm: Any = None
        self.files: Any = None
        self.fs: Any = None
        self.sighand = SignalHandlers()
        self.shared_pending = PendingSignals()
        self.signalfd_wait = WaitQueue()     # woken when a signal becomes pending here (signalfd)
        self.creds = Credentials()
        self.pgid = tgid
        self.sid = tgid
        self.exit_signal = 17           # SIGCHLD
        self.ctty: Any = None           # controlling terminal (set by the tty layer)
        self.pdeath_signal = 0
        self.did_exec = False           # setpgid on a child fails with EACCES once it has exec'd
        self.no_new_privs = False
        self.rlimits = dict(DEFAULT_RLIMITS)
        self.comm = b""
        self.exe_path = ""
        self.cmdline: list[bytes] = []
        self.environ: list[bytes] = []
        self.start_time = time.monotonic()
        # Exit / wait state
        self.zombie = False
        self.exit_status = 0            # wait status word (Linux encoding)
        self.group_exiting = False
        self.child_wait = WaitQueue()   # woken when a child changes state
        self.vfork_done: WaitQueue | None = None
        self.stopped = False
        self.stop_report: int | None = None     # pending WUNTRACED report (status word)
        self.stop_signal = 0                    # the signal that stopped the group, while stopped
        self.continue_report = False            # pending WCONTINUED report
        self.utime = 0.0
        self.stime = 0.0
        self.children_utime = 0.0
        self.maxrss = 0                 # peak rss (pages) of the images this process left by exec or exit
        self.children_maxrss = 0        # the largest peak among its waited-for descendants
        self.children_stime = 0.0

    @property
    def pid(self) -> int:
        return self.tgid

    @property
    def leader(self) -> Task:
        return self.threads[0]

    def peak_rss(self) -> int:
        """The most pages this process has held (getrusage RUSAGE_SELF's ru_maxrss, in pages)."""
        return max(self.maxrss, self.mm.hiwater_rss if self.mm is not None else 0)

    def reaped_maxrss(self) -> int:
        """ru_maxrss (pages) that wait4/waitid report for this exited child: the larger of its
        own peak and its waited-for descendants'."""
        return max(self.maxrss, self.children_maxrss)

    def alive_threads(self) -> list[Task]:
        return [t for t in self.threads if t.state != DEAD]


class Task:
    """A thread: what the scheduler runs."""

    def __init__(self, group: ThreadGroup, tid: int) -> None:
        self.group = group
        self.tid = tid
        self.ctx = CpuContext()
        self.state = RUNNING
        self.blocked_mask = 0           # signal mask (bit n-1 for signal n)
        self.saved_mask: int | None = None   # restored after a handler by sigsuspend-style calls
        self.pending = PendingSignals()
        self.in_syscall = False         # blocked in (or restarting) a system call
        self.syscall_scratch: dict[str, Any] = {}
        self.sleep_queues: tuple[WaitQueue, ...] = ()
        self.wake_deadline: float | None = None
        self.interrupted = False        # woken by a signal while blocked
        self.orig_rax = -1
        self.clear_child_tid = 0
        self.robust_list = 0
        self.altstack = (0, 2, 0)       # ss_sp, ss_flags (SS_DISABLE), ss_size
        self.nice = 0                   # -20..19 (syscalls/priority.py); clone copies it

    # Convenience accessors used by syscall handlers.
    @property
    def kernel(self) -> Kernel:
        return self.group.kernel

    @property
    def mm(self) -> Any:
        return self.group.mm

    @property
    def files(self) -> Any:
        return self.group.files

    @property
    def fs(self) -> Any:
        return self.group.fs

    @property
    def creds(self) -> Credentials:
        return self.group.creds

    @property
    def tgid(self) -> int:
        return self.group.tgid

    @property
    def pid(self) -> int:
        return self.group.tgid

    def wake(self) -> None:
        """Make a sleeping task runnable (called by wait queues and timers)."""
        if self.state == SLEEPING:
            self.kernel.scheduler.make_runnable(self)

    def force_signal(self, signo: int) -> None:
        """Send `signo` to this thread from the kernel (e.g. SIGPIPE on EPIPE)."""
        self.kernel.signals.send_to_task(self, signo, code=0, sender_pid=0, sender_uid=0)

    def __repr__(self) -> str:
        return f"<Task {self.tid} of {self.group.tgid} {self.state}>"
