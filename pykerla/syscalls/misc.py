"""System information calls: uname, sysinfo, getrandom, hostname, getcpu, sched_yield."""

from __future__ import annotations

import errno
import os
import struct
import time

from pykerla.errors import KernelError
from pykerla.process.task import Task
from pykerla.syscalls.table import syscall

GRND_NONBLOCK, GRND_RANDOM, GRND_INSECURE = 1, 2, 4


@syscall(63, "uname", "p")
def sys_uname(task: Task, ptr: int) -> int:
    kernel = task.kernel
    fields = (b"Linux", kernel.hostname, kernel.release, kernel.version, b"x86_64", kernel.domainname)
    task.mm.write(ptr, b"".join(f[:64].ljust(65, b"\0") for f in fields))
    return 0


def _set_name(task: Task, ptr: int, length: int) -> bytes:
    """The new host or domain name for sethostname/setdomainname (root only, <= 64 bytes)."""
    if task.creds.euid != 0:
        raise KernelError(errno.EPERM)
    if not 0 <= length <= 64:
        raise KernelError(errno.EINVAL)
    return task.mm.read(ptr, length)


@syscall(170, "sethostname", "p", "i")
def sys_sethostname(task: Task, ptr: int, length: int) -> int:
    task.kernel.hostname = _set_name(task, ptr, length)
    return 0


@syscall(171, "setdomainname", "p", "i")
def sys_setdomainname(task: Task, ptr: int, length: int) -> int:
    task.kernel.domainname = _set_name(task, ptr, length)
    return 0


@syscall(318, "getrandom", "p", "u", "x")
def sys_getrandom(task: Task, ptr: int, count: int, flags: int) -> int:
    if flags & ~(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE) or flags & GRND_RANDOM and flags & GRND_INSECURE:
        raise KernelError(errno.EINVAL)
    count = min(count, 0x1FFFFFF)
    task.mm.write(ptr, os.urandom(count))
    return count


@syscall(99, "sysinfo", "p")
def sys_sysinfo(task: Task, ptr: int) -> int:
    kernel = task.kernel
    phys = kernel.phys
    uptime = int(time.monotonic() - kernel.boot_monotonic)
    total = phys.total_frames * 4096
    free = phys.free_frames * 4096
    procs = len(kernel.tasks)
    data = struct.pack("<q3Q6QHH4xQQI", uptime, 0, 0, 0, total, free, 0, 0, 0, 0, procs, 0, 0, 0, 1)
    task.mm.write(ptr, data.ljust(112, b"\0"))
    return 0


@syscall(309, "getcpu", "p", "p", "p")
def sys_getcpu(task: Task, cpu: int, node: int, _cache: int) -> int:
    if cpu:
        task.mm.write(cpu, struct.pack("<I", 0))
    if node:
        task.mm.write(node, struct.pack("<I", 0))
    return 0


@syscall(24, "sched_yield")
def sys_sched_yield(task: Task) -> int:
    task.kernel.scheduler.rotate()
    return 0


@syscall(334, "rseq", "p", "u", "x", "x")
def sys_rseq(task: Task, rseq: int, length: int, flags: int, sig: int) -> int:
    """Restartable sequences are not provided (as on a Linux built without CONFIG_RSEQ);
    glibc probes for them at start-up and carries on without."""
    raise KernelError(errno.ENOSYS)
