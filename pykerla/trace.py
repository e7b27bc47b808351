"""Observability: strace-style syscall and signal lines (--trace) and counters (--stats)."""

from __future__ import annotations

import os
import sys
from collections import Counter
from typing import TYPE_CHECKING, TextIO

from pykerla.errors import KernelError, errno_name
from pykerla.process.signal_state import SigInfo, signal_name
from pykerla.syscalls.table import SyscallSpec

if TYPE_CHECKING:
    from pykerla.process.task import Task

STRING_LIMIT = 32


class Stats:
    def __init__(self) -> None:
        self.syscalls: Counter[str] = Counter()
        self.traps: Counter[str] = Counter()
        self.unimplemented: Counter[int] = Counter()
        self.page_faults = 0
        self.signals = 0

    def report(self, out: TextIO, extra: dict[str, object]) -> None:
        print("pykerla stats", file=out)
        for key, value in extra.items():
            print(f"  {key}: {value}", file=out)
        print(f"  page faults: {self.page_faults}", file=out)
        print(f"  signals delivered: {self.signals}", file=out)
        print("  traps: " + ", ".join(f"{k} {v}" for k, v in self.traps.most_common()), file=out)
        if self.unimplemented:
            print("  unimplemented syscalls: " + ", ".join(f"{nr} x{n}" for nr, n in self.unimplemented.most_common()),
                  file=out)
        print("  syscalls:", file=out)
        for name, count in self.syscalls.most_common():
            print(f"    {count:9d} {name}", file=out)


class Tracer:
    """Prints one line per system call / signal when enabled; also reports unknown syscalls once."""

    def __init__(self, enabled: bool, out: TextIO | None = None) -> None:
        self.enabled = enabled
        self.out = out or sys.stderr
        self.reported_unknown: set[int] = set()

    def _emit(self, line: str) -> None:
        self.out.write(line + "\n")
        self.out.flush()

    def unknown(self, task: Task, nr: int) -> None:
        if self.enabled:
            self._emit(f"[{task.tid}] syscall_{nr}(...) = -1 ENOSYS (Function not implemented)")
        elif nr not in self.reported_unknown:
            self.reported_unknown.add(nr)
            self._emit(f"pykerla: unimplemented syscall {nr} (returns ENOSYS); run with --trace for details")

    def render_args(self, task: Task, spec: SyscallSpec, args: list[int]) -> str:
        """The argument list as strace shows it, read at entry (before the call changes memory)."""
        return ", ".join(self._arg(task, kind, value) for kind, value in zip(spec.kinds, args, strict=False))

    def syscall(self, task: Task, spec: SyscallSpec, rendered: str, result: int) -> None:
        self._emit(f"[{task.tid}] {spec.name}({rendered}) = {format_result(result)}")

    def signal(self, task: Task, info: SigInfo) -> None:
        if not self.enabled:
            return
        fields = [f"si_signo={signal_name(info.signo)}", f"si_code={si_code_name(info.signo, info.code)}"]
        if info.addr:
            fields.append(f"si_addr={info.addr:#x}")
        else:
            fields += [f"si_pid={info.pid}", f"si_uid={info.uid}"]
        self._emit(f"[{task.tid}] --- {signal_name(info.signo)} {{{', '.join(fields)}}} ---")

    def exit(self, task: Task, status: int) -> None:
        if not self.enabled:
            return
        if status & 0x7F:
            core = " (core dumped)" if status & 0x80 else ""
            self._emit(f"[{task.tid}] +++ killed by {signal_name(status & 0x7F)}{core} +++")
        else:
            self._emit(f"[{task.tid}] +++ exited with {status >> 8} +++")

    def _arg(self, task: Task, kind: str, value: int) -> str:
        if kind == "s":
            if value == 0:
                return "NULL"
            try:
                text = task.mm.read_cstring(value, 4096)
            except KernelError:
                return f"{value:#x}"
            shown = text[:STRING_LIMIT]
            return '"' + shown.decode("latin-1").encode("unicode_escape").decode("ascii").replace('"', '\\"') + \
                ('"...' if len(text) > STRING_LIMIT else '"')
        if kind == "dirfd" and value == -100:
            return "AT_FDCWD"
        if kind in ("x", "p"):
            return "NULL" if kind == "p" and value == 0 else f"{value:#x}"
        if kind == "o":
            return f"{value:#o}"
        return str(value)


def format_result(result: int) -> str:
    if -4096 < result < 0:
        err = -result
        return f"-1 {errno_name(err)} ({os.strerror(err)})"
    if result > 0xFFFF:
        return f"{result:#x}"
    return str(result)


# si_code names as strace prints them: the generic (sender) codes, then per-signal codes.
_GENERIC_CODES = {0: "SI_USER", 0x80: "SI_KERNEL", -1: "SI_QUEUE", -2: "SI_TIMER", -3: "SI_MESGQ",
                  -4: "SI_ASYNCIO", -5: "SI_SIGIO", -6: "SI_TKILL"}
_SIGNAL_CODES = {
    4: ("ILL_ILLOPC", "ILL_ILLOPN", "ILL_ILLADR", "ILL_ILLTRP", "ILL_PRVOPC", "ILL_PRVREG", "ILL_COPROC",
        "ILL_BADSTK"),
    5: ("TRAP_BRKPT", "TRAP_TRACE", "TRAP_BRANCH", "TRAP_HWBKPT"),
    7: ("BUS_ADRALN", "BUS_ADRERR", "BUS_OBJERR", "BUS_MCEERR_AR", "BUS_MCEERR_AO"),
    8: ("FPE_INTDIV", "FPE_INTOVF", "FPE_FLTDIV", "FPE_FLTOVF", "FPE_FLTUND", "FPE_FLTRES", "FPE_FLTINV",
        "FPE_FLTSUB"),
    11: ("SEGV_MAPERR", "SEGV_ACCERR", "SEGV_BNDERR", "SEGV_PKUERR"),
    17: ("CLD_EXITED", "CLD_KILLED", "CLD_DUMPED", "CLD_TRAPPED", "CLD_STOPPED", "CLD_CONTINUED"),
}


def si_code_name(signo: int, code: int) -> str:
    """strace's spelling of a siginfo si_code (the number when it has no name)."""
    if code in _GENERIC_CODES:
        return _GENERIC_CODES[code]
    names = _SIGNAL_CODES.get(signo, ())
    return names[code - 1] if 0 < code <= len(names) else str(code)
