"""The text of the system-wide /proc files: meminfo, cpuinfo, uptime, loadavg, stat,
version and filesystems, in the formats of Linux 6.1 (fs/proc/*.c).

There is one virtual CPU; its cpuinfo is the host's first processor (model name, flags...)
renumbered as the only one. Times come from the kernel's clocks and the processes' CPU
times; the load average is an exponentially damped run-queue length, sampled every 5 s
as Linux's calc_load does, but lazily when it is read.
"""

from __future__ import annotations

import functools
import math
import sys
import time
from typing import Any

from ..mount import FILESYSTEMS
from .pid_text import ticks, uptime_seconds

PAGE_KB = 4
LOAD_INTERVAL = 5.0
LOAD_PERIODS = (60.0, 300.0, 900.0)
HOST_CPUINFO = "/proc/cpuinfo"
FALLBACK_CPU = {"vendor_id": "GenuineIntel", "cpu family": "6", "model": "0",
                "model name": "Virtual CPU", "stepping": "0", "flags": "fpu tsc cx8 cmov sse sse2 syscall lm"}
# Keys of the host's first processor block that are replaced for a single-CPU machine.
SINGLE_CPU = {"processor": "0", "physical id": "0", "siblings": "1", "core id": "0", "cpu cores": "1",
              "apicid": "0", "initial apicid": "0"}
MEMINFO_ZERO_BEFORE = ("Buffers", "Cached", "SwapCached", "Active", "Inactive", "Active(anon)",
                       "Inactive(anon)", "Active(file)", "Inactive(file)", "Unevictable", "Mlocked",
                       "SwapTotal", "SwapFree", "Zswap", "Zswapped", "Dirty", "Writeback", "AnonPages",
                       "Mapped", "Shmem", "KReclaimable", "Slab", "SReclaimable", "SUnreclaim",
                       "KernelStack", "PageTables", "SecPageTables", "NFS_Unstable", "Bounce",
                       "WritebackTmp")
MEMINFO_ZERO_AFTER = ("VmallocUsed", "VmallocChunk", "Percpu", "AnonHugePages",
                      "ShmemHugePages", "ShmemPmdMapped", "FileHugePages", "FilePmdMapped")
VMALLOC_TOTAL_KB = 34359738367


def _kb_line(name: str, kb: int) -> str:
    """show_val_kb: the name padded to 16 columns, the value right-aligned in 8, " kB"."""
    return f"{name + ':':<16}{kb:8d} kB\n"


def meminfo_text(kernel: Any) -> bytes:
    phys = kernel.phys
    total, free = phys.total_frames * PAGE_KB, phys.free_frames * PAGE_KB
    lines = [_kb_line("MemTotal", total), _kb_line("MemFree", free), _kb_line("MemAvailable", free)]
    lines += [_kb_line(name, 0) for name in MEMINFO_ZERO_BEFORE]
    lines += [_kb_line("CommitLimit", total), _kb_line("Committed_AS", total - free),
              _kb_line("VmallocTotal", VMALLOC_TOTAL_KB)]
    lines += [_kb_line(name, 0) for name in MEMINFO_ZERO_AFTER]
    lines += [f"{name + ':':<16}{0:8d}\n" for name in ("HugePages_Total", "HugePages_Free",
                                                       "HugePages_Rsvd", "HugePages_Surp")]
    lines += [_kb_line("Hugepagesize", 2048), _kb_line("Hugetlb", 0),
              _kb_line("DirectMap4k", total), _kb_line("DirectMap2M", 0)]
    return "".join(lines).encode()


def _cpuinfo_key(key: str) -> str:
    """A key as Linux prints it: padded with tabs to the colon column."""
    return key + ("\t" if len(key) >= 8 else "\t\t")


@functools.cache
def _host_cpu_block() -> tuple[tuple[str, str], ...]:
    """The host's first processor in /proc/cpuinfo as (key with its padding, text after
    the colon) pairs, in order; a minimal processor when the host has no such file."""
    try:
        with open(HOST_CPUINFO, encoding="utf-8", errors="replace") as f:
            block = f.read().split("\n\n")[0]
    except OSError:
        block = ""
    pairs = []
    for line in block.splitlines():
        key, sep, rest = line.partition(":")
        if sep:
            pairs.append((key, rest))
    if not any(key.rstrip() == "model name" for key, _ in pairs):
        pairs = [(_cpuinfo_key(k), " " + v) for k, v in (("processor", "0"), *FALLBACK_CPU.items())]
    return tuple(pairs)


def cpuinfo_text() -> bytes:
    """One processor: the host's first, as the only CPU of its package."""
    out = []
    for key, rest in _host_cpu_block():
        name = key.rstrip("\t ")
        if name in SINGLE_CPU:
            rest = " " + SINGLE_CPU[name]
        out.append(f"{key}:{rest}\n")
    return ("".join(out) + "\n").encode()


def _busy_seconds(kernel: Any) -> tuple[float, float]:
    """(user, system) CPU seconds used so far by live processes and their reaped children."""
    user = system = 0.0
    for group in kernel.groups.values():
        if not group.zombie:  # a zombie's times are already in its parent's children_*
            user += group.utime
            system += group.stime
        user += group.children_utime
        system += group.children_stime
    return user, system


def _two_decimals(x: float) -> str:
    hundredths = int(x * 100)
    return f"{hundredths // 100}.{hundredths % 100:02d}"


def uptime_text(kernel: Any) -> bytes:
    """Seconds since boot and seconds the (single) CPU was idle."""
    up = uptime_seconds(kernel)
    user, system = _busy_seconds(kernel)
    return f"{_two_decimals(up)} {_two_decimals(max(0.0, up - user - system))}\n".encode()


def runnable_count(kernel: Any) -> int:
    return sum(1 for t in kernel.tasks.values() if t.state == "R")


class LoadAverage:
    """avenrun[3]: the run-queue length damped over 1, 5 and 15 minutes."""

    def __init__(self, now: float) -> None:
        self.loads = [0.0, 0.0, 0.0]
        self._last = now

    def sample(self, now: float, active: int) -> list[float]:
        """Apply the 5-second updates due since the last sample, with `active` tasks."""
        periods = int((now - self._last) / LOAD_INTERVAL)
        if periods > 0:
            self._last += periods * LOAD_INTERVAL
            for i, window in enumerate(LOAD_PERIODS):
                decay = math.exp(-LOAD_INTERVAL * periods / window)
                self.loads[i] = self.loads[i] * decay + active * (1 - decay)
        return self.loads


def loadavg_text(kernel: Any, load: LoadAverage) -> bytes:
    running = runnable_count(kernel)
    avg = load.sample(time.monotonic(), running)
    last_pid = max(kernel.tasks, default=0)
    return (" ".join(_two_decimals(x) for x in avg)
            + f" {running}/{len(kernel.tasks)} {last_pid}\n").encode()


def stat_text(kernel: Any) -> bytes:
    """/proc/stat: CPU time in ticks (the machine total and cpu0), boot time, counters."""
    up = uptime_seconds(kernel)
    user, system = _busy_seconds(kernel)
    cpu = [ticks(user), 0, ticks(system), ticks(max(0.0, up - user - system)), 0, 0, 0, 0, 0, 0]
    numbers = " ".join(str(n) for n in cpu)
    lines = [f"cpu  {numbers}", f"cpu0 {numbers}", "intr 0",
             f"ctxt {kernel.scheduler.context_switches}", f"btime {int(kernel.boot_time)}",
             f"processes {max(kernel.tasks, default=0)}", f"procs_running {runnable_count(kernel)}",
             "procs_blocked 0", "softirq 0 0 0 0 0 0 0 0 0 0 0"]
    return "\n".join(lines).encode() + b"\n"


def version_text(kernel: Any) -> bytes:
    python = f"Python {sys.version.split()[0]}"
    return b"Linux version %s (pykerla@pykerla) (%s) %s\n" % (kernel.release, python.encode(), kernel.version)


def filesystems_text() -> bytes:
    """Every registered type; none needs a block device."""
    return "".join(f"nodev\t{name}\n" for name in FILESYSTEMS).encode()

