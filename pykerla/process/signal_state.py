"""Signal numbers, dispositions and pending sets (the data; delivery lives in process/signals.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

NSIG = 64
SIGHUP, SIGINT, SIGQUIT, SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE = range(1, 9)
SIGKILL, SIGUSR1, SIGSEGV, SIGUSR2, SIGPIPE, SIGALRM, SIGTERM, SIGSTKFLT = range(9, 17)
SIGCHLD, SIGCONT, SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU, SIGURG, SIGXCPU = range(17, 25)
SIGXFSZ, SIGVTALRM, SIGPROF, SIGWINCH, SIGIO, SIGPWR, SIGSYS = range(25, 32)
SIGRTMIN = 32

SIG_DFL, SIG_IGN = 0, 1

# sigaltstack flags
SS_ONSTACK, SS_DISABLE, SS_AUTODISARM = 1, 2, 1 << 31

SA_NOCLDSTOP = 0x1
SA_NOCLDWAIT = 0x2
SA_SIGINFO = 0x4
SA_RESTORER = 0x04000000
SA_ONSTACK = 0x08000000
SA_RESTART = 0x10000000
SA_NODEFER = 0x40000000
SA_RESETHAND = 0x80000000

SI_USER, SI_KERNEL, SI_QUEUE, SI_TIMER, SI_TKILL = 0, 0x80, -1, -2, -6
CLD_EXITED, CLD_KILLED, CLD_DUMPED, CLD_TRAPPED, CLD_STOPPED, CLD_CONTINUED = range(1, 7)

SIGNAL_NAMES = {
    1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 4: "SIGILL", 5: "SIGTRAP", 6: "SIGABRT", 7: "SIGBUS",
    8: "SIGFPE", 9: "SIGKILL", 10: "SIGUSR1", 11: "SIGSEGV", 12: "SIGUSR2", 13: "SIGPIPE",
    14: "SIGALRM", 15: "SIGTERM", 16: "SIGSTKFLT", 17: "SIGCHLD", 18: "SIGCONT", 19: "SIGSTOP",
    20: "SIGTSTP", 21: "SIGTTIN", 22: "SIGTTOU", 23: "SIGURG", 24: "SIGXCPU", 25: "SIGXFSZ",
    26: "SIGVTALRM", 27: "SIGPROF", 28: "SIGWINCH", 29: "SIGIO", 30: "SIGPWR", 31: "SIGSYS",
}


def signal_name(signo: int) -> str:
    if signo in SIGNAL_NAMES:
        return SIGNAL_NAMES[signo]
    if SIGRTMIN <= signo <= NSIG:
        return f"SIGRT_{signo - SIGRTMIN}"
    return str(signo)


def bit(signo: int) -> int:
    return 1 << (signo - 1)


UNBLOCKABLE = bit(SIGKILL) | bit(SIGSTOP)
STOP_SIGNALS = frozenset({SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU})
IGNORED_BY_DEFAULT = frozenset({SIGCHLD, SIGCONT, SIGURG, SIGWINCH})
CORE_BY_DEFAULT = frozenset({SIGQUIT, SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGSEGV, SIGXCPU,
                             SIGXFSZ, SIGSYS})


@dataclass
class SigAction:
    handler: int = SIG_DFL
    flags: int = 0
    restorer: int = 0
    mask: int = 0


@dataclass
class SigInfo:
    signo: int
    code: int = SI_USER
    errno: int = 0
    pid: int = 0
    uid: int = 0
    status: int = 0           # SIGCHLD: exit code or signal
    addr: int = 0             # faults: the address
    utime: int = 0
    stime: int = 0
    value: int = 0            # sigqueue value
    extra: dict = field(default_factory=dict)


class SignalHandlers:
    """The dispositions of a thread group (shared by CLONE_SIGHAND)."""

    def __init__(self) -> None:
        self.actions = [SigAction() for _ in range(NSIG + 1)]

    def copy(self) -> SignalHandlers:
        other = SignalHandlers()
        other.actions = [SigAction(a.handler, a.flags, a.restorer, a.mask) for a in self.actions]
        return other

    def reset_for_exec(self) -> None:
        """execve: handled signals return to SIG_DFL; ignored ones stay ignored."""
        for action in self.actions:
            if action.handler != SIG_IGN:
                action.handler = SIG_DFL
            action.flags = 0
            action.restorer = 0
            action.mask = 0

    def ignored(self, signo: int) -> bool:
        handler = self.actions[signo].handler
        return handler == SIG_IGN or (handler == SIG_DFL and signo in IGNORED_BY_DEFAULT)


class PendingSignals:
    """A pending set: standard signals coalesce, real-time signals queue with their siginfo."""

    def __init__(self) -> None:
        self.mask = 0
        self.queue: list[SigInfo] = []

    def add(self, info: SigInfo) -> bool:
        """Queue `info`; False when a standard signal is already pending (they coalesce)."""
        if info.signo < SIGRTMIN and self.mask & bit(info.signo):
            return False
        self.mask |= bit(info.signo)
        self.queue.append(info)
        return True

    def take(self, signo: int) -> SigInfo:
        for i, info in enumerate(self.queue):
            if info.signo == signo:
                del self.queue[i]
                break
        else:
            info = SigInfo(signo)
        if not any(q.signo == signo for q in self.queue):
            self.mask &= ~bit(signo)
        return info

    def discard(self, signo: int) -> None:
        self.queue = [q for q in self.queue if q.signo != signo]
        self.mask &= ~bit(signo)

    def first(self, blocked: int) -> int:
        """The lowest-numbered pending signal not in `blocked` (0 if none); synchronous ones first."""
        ready = self.mask & ~blocked
        if not ready:
            return 0
        for signo in (SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGFPE, SIGSYS):
            if ready & bit(signo):
                return signo
        return (ready & -ready).bit_length()
