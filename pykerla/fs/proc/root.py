"""The root of a procfs instance: the system-wide files, /proc/sys/kernel, the links self,
thread-self and mounts, and one directory per live process (zombies included until they
are reaped; the threads of a process are reachable as /proc/TID too, without being listed).
"""

from __future__ import annotations

import errno
from collections.abc import Iterator
from typing import Any

from ...errors import KernelError
from ..flags import DT_DIR
from ..inode import Inode
from . import system
from .nodes import ProcDir, ProcFile, ProcSuperBlock, ProcSymlink, Show, StaticDir, Store, current_task
from .pid import PidDir, ProcessRef, parse_id, pid_ino

PID_COOKIE_BASE = 1 << 16  # getdents positions of pid directories: base + pid
UTS_LEN = 64
OSTYPE = b"Linux"


def _uts_store(kernel: Any, attr: str) -> Store:
    """A write to /proc/sys/kernel/{hostname,domainname}: the text up to the first newline
    or NUL, at most 64 bytes (proc_dostring)."""
    def store(task: Any, data: bytes) -> int:
        value = data.split(b"\n", 1)[0].split(b"\0", 1)[0][:UTS_LEN]
        setattr(kernel, attr, value)
        return len(data)
    return store


class ProcRoot(ProcDir):
    """/proc itself."""

    def __init__(self, sb: ProcSuperBlock) -> None:
        super().__init__(sb)
        self.kernel = sb.kernel
        self.load = system.LoadAverage(self.kernel.boot_monotonic)
        self._fixed = StaticDir(sb)  # holds the fixed entries; never linked itself
        self._build_fixed()

    def _file(self, directory: StaticDir, name: bytes, show: Show, mode: int = 0o444,
              store: Store | None = None) -> None:
        directory.add(name, ProcFile(self.sb, show, mode, store=store))

    def _build_fixed(self) -> None:
        kernel, sb, top = self.kernel, self.sb, self._fixed
        top.add(b"self", ProcSymlink(sb, self._self_target))
        top.add(b"thread-self", ProcSymlink(sb, self._thread_self_target))
        top.add(b"mounts", ProcSymlink(sb, lambda: b"self/mounts", size=len(b"self/mounts")))
        self._file(top, b"meminfo", lambda: system.meminfo_text(kernel))
        self._file(top, b"cpuinfo", system.cpuinfo_text)
        self._file(top, b"uptime", lambda: system.uptime_text(kernel))
        self._file(top, b"loadavg", lambda: system.loadavg_text(kernel, self.load))
        self._file(top, b"stat", lambda: system.stat_text(kernel))
        self._file(top, b"version", lambda: system.version_text(kernel))
        self._file(top, b"filesystems", system.filesystems_text)
        sys_dir = top.add(b"sys", StaticDir(sb))
        assert isinstance(sys_dir, StaticDir)
        kern = sys_dir.add(b"kernel", StaticDir(sb))
        assert isinstance(kern, StaticDir)
        self._file(kern, b"hostname", lambda: kernel.hostname + b"\n", 0o644, _uts_store(kernel, "hostname"))
        self._file(kern, b"domainname", lambda: kernel.domainname + b"\n", 0o644,
                   _uts_store(kernel, "domainname"))
        self._file(kern, b"ostype", lambda: OSTYPE + b"\n")
        self._file(kern, b"osrelease", lambda: kernel.release + b"\n")
        self._file(kern, b"version", lambda: kernel.version + b"\n")
        self.nlink = top.nlink  # 2 + the fixed subdirectories (pid directories are not counted)

    def _caller(self) -> Any:
        task = current_task(self.kernel)
        if task is None:
            raise KernelError(errno.ENOENT)  # no process context (a kernel-internal lookup)
        return task

    def _self_target(self) -> bytes:
        return str(self._caller().tgid).encode()

    def _thread_self_target(self) -> bytes:
        task = self._caller()
        return f"{task.tgid}/task/{task.tid}".encode()

    def children(self) -> Iterator[tuple[int, bytes, int, int]]:
        yield from self._fixed.children()
        for tgid in sorted(self.kernel.groups):
            yield PID_COOKIE_BASE + tgid, str(tgid).encode(), pid_ino(tgid, 0), DT_DIR

    def make(self, name: bytes) -> Inode | None:
        fixed = self._fixed.make(name)
        if fixed is not None:
            return fixed
        pid = parse_id(name)
        if pid is None:
            return None
        assert isinstance(self.sb, ProcSuperBlock)
        group = self.kernel.groups.get(pid)
        if group is not None and group.threads:
            return PidDir(self.sb, ProcessRef(self.kernel, group, group.leader))
        task = self.kernel.tasks.get(pid)
        if task is not None:
            return PidDir(self.sb, ProcessRef(self.kernel, task.group, task))
        return None


def new_procfs(kernel: Any) -> ProcRoot:
    """A procfs instance showing `kernel`'s processes; returns its root directory."""
    return ProcRoot(ProcSuperBlock(kernel))


def proc_factory(kernel: Any, source: bytes, flags: int, data: bytes) -> Inode:
    """mount -t proc; the proc options (hidepid=, gid=, subset=) are not supported: EINVAL."""
    if data.strip(b"\0"):
        raise KernelError(errno.EINVAL)
    return new_procfs(kernel)
