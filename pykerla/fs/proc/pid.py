"""/proc/PID and /proc/PID/task/TID: the directories of one process or thread.

A PidDir shows one thread of a process (the leader for /proc/PID) through a ProcessRef,
which holds them weakly so that cached dentries do not keep exited processes alive. Its
entries: stat, status, statm, limits, cmdline, environ, auxv, comm, maps, mounts,
mountinfo, the links exe, cwd and root, and the directories fd/ (one magic link per open
descriptor, named by number), fdinfo/ and, for a process, task/.

Inode numbers are derived from the thread id and the entry, so getdents and stat agree.
Access to another user's environ, auxv, fd links and cwd/root/exe needs the same rights
ptrace would (PTRACE_MODE_READ_FSCREDS), else EACCES.
"""

from __future__ import annotations

import errno
import weakref
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

from ...errors import KernelError
from ..dentry import Dentry
from ..flags import DT_DIR, DT_LNK, DT_REG, O_ACCMODE, O_PATH, O_RDONLY, O_RDWR, O_WRONLY
from ..inode import Inode
from . import pid_text as text
from .nodes import ProcDir, ProcFile, ProcSymlink, ProcSuperBlock, anon_mount, current_task, file_dentry

PID_INO_BASE = 1 << 32
SLOTS_PER_TID = 1 << 22
THREAD_VIEW_SLOT = 128   # entries of /proc/PID/task/TID/ use slots from here
FD_SLOT = 256            # fd/N uses FD_SLOT + 2N, fdinfo/N the next one
FD_LINK_SIZE = 64        # st_size Linux reports for an fd link
DEAD = "X"


def pid_ino(tid: int, slot: int) -> int:
    return PID_INO_BASE + tid * SLOTS_PER_TID + slot


def parse_id(name: bytes) -> int | None:
    """A decimal pid or fd as procfs accepts it (no sign, no leading zero)."""
    if not name.isdigit() or (len(name) > 1 and name[0:1] == b"0"):
        return None
    return int(name)


class ProcessRef:
    """A weak reference to the thread a directory shows and to its process."""

    __slots__ = ("kernel", "tid", "tgid", "_group", "_task")

    def __init__(self, kernel: Any, group: Any, task: Any) -> None:
        self.kernel = kernel
        self.tid = task.tid
        self.tgid = group.tgid
        self._group = weakref.ref(group)
        self._task = weakref.ref(task)

    @property
    def group(self) -> Any:
        group = self._group()
        if group is None:
            raise KernelError(errno.ESRCH)
        return group

    @property
    def task(self) -> Any:
        task = self._task()
        if task is None:
            raise KernelError(errno.ESRCH)
        return task

    def alive(self) -> bool:
        """Until it is reaped (a zombie still shows); a thread other than the leader until it exits."""
        group, task = self._group(), self._task()
        if group is None or task is None or self.kernel.groups.get(self.tgid) is not group:
            return False
        return task is group.leader or task.state != DEAD


def may_inspect(reader: Any, group: Any) -> bool:
    """ptrace_may_access(PTRACE_MODE_READ_FSCREDS) without capabilities other than root's."""
    if reader is None or reader.group is group:
        return True
    mine, theirs = reader.creds, group.creds
    if mine.fsuid == 0:
        return True
    return (mine.fsuid == theirs.uid == theirs.euid == theirs.suid
            and mine.fsgid == theirs.gid == theirs.egid == theirs.sgid)


def _check_inspect(reader: Any, ref: ProcessRef) -> None:
    if not may_inspect(reader, ref.group):
        raise KernelError(errno.EACCES)


# -- the entries of a pid directory ------------------------------------------------------

Build = Callable[["PidDir", int], Inode]


class Entry(NamedTuple):
    name: bytes
    dtype: int
    build: Build
    process_only: bool = False


def _file(show: Callable[[ProcessRef], bytes], mode: int = 0o444, private: bool = False,
          store: Callable[[ProcessRef, Any, bytes], int] | None = None) -> Build:
    """A ProcFile of the process; `private` files need ptrace-like access to open."""
    def build(d: PidDir, ino: int) -> Inode:
        ref = d.ref
        return ProcFile(d.sb, lambda: show(ref), mode, ino, ref,
                        store=(lambda task, data: store(ref, task, data)) if store is not None else None,
                        guard=(lambda task: _check_inspect(task, ref)) if private else None,
                        uid=d.uid, gid=d.gid)
    return build


def _link(target: Callable[[ProcessRef], Dentry]) -> Build:
    """A magic link to a dentry of the process (cwd, root)."""
    def build(d: PidDir, ino: int) -> Inode:
        ref = d.ref

        def dentry() -> Dentry:
            _check_inspect(current_task(ref.kernel), ref)
            if ref.group.zombie or ref.group.fs is None:
                raise KernelError(errno.ENOENT)
            return target(ref)
        return ProcSymlink(d.sb, lambda: dentry().path(), dentry, ino=ino, owner=ref, uid=d.uid, gid=d.gid)
    return build


def _exe_target(ref: ProcessRef) -> bytes:
    _check_inspect(current_task(ref.kernel), ref)
    group = ref.group
    if group.zombie or not group.exe_path:
        raise KernelError(errno.ENOENT)
    return text.as_bytes(group.exe_path)


def _build_exe(d: PidDir, ino: int) -> Inode:
    ref = d.ref
    return ProcSymlink(d.sb, lambda: _exe_target(ref), ino=ino, owner=ref, uid=d.uid, gid=d.gid)


def _comm_store(ref: ProcessRef, task: Any, data: bytes) -> int:
    """Only threads of the same process may rename it (else EINVAL, as comm_write)."""
    if task.group is not ref.group:
        raise KernelError(errno.EINVAL)
    ref.group.comm = data[:15]
    return len(data)


def _mm_bytes(show: Callable[[Any], bytes]) -> Callable[[ProcessRef], bytes]:
    """Content that exists only while the process has an address space."""
    def content(ref: ProcessRef) -> bytes:
        group = ref.group
        return show(group) if text.has_mm(group) else b""
    return content


def _mounts(show: Callable[[Any, Dentry], bytes]) -> Callable[[ProcessRef], bytes]:
    def content(ref: ProcessRef) -> bytes:
        group = ref.group
        if group.zombie or group.fs is None:
            return b""
        return show(ref.kernel, group.fs.root)
    return content


ENTRIES: tuple[Entry, ...] = (
    Entry(b"task", DT_DIR, lambda d, ino: TaskListDir(d.sb, d.ref, ino, d.uid, d.gid), process_only=True),
    Entry(b"fd", DT_DIR, lambda d, ino: FdDir(d.sb, d.ref, ino, d.uid, d.gid)),
    Entry(b"fdinfo", DT_DIR, lambda d, ino: FdInfoDir(d.sb, d.ref, ino, d.uid, d.gid)),
    Entry(b"environ", DT_REG, _file(lambda r: text.nul_list(r.group.environ) if text.has_mm(r.group) else b"",
                                    0o400, private=True)),
    Entry(b"auxv", DT_REG, _file(_mm_bytes(lambda g: g.mm.saved_auxv), 0o400, private=True)),
    Entry(b"status", DT_REG, _file(lambda r: text.status_text(r.group, r.task, r.tid))),
    Entry(b"limits", DT_REG, _file(lambda r: text.limits_text(r.group))),
    Entry(b"comm", DT_REG, _file(lambda r: text.as_bytes(r.group.comm) + b"\n", 0o644, store=_comm_store)),
    Entry(b"cmdline", DT_REG, _file(_mm_bytes(lambda g: text.nul_list(g.cmdline)))),
    Entry(b"stat", DT_REG, _file(lambda r: text.stat_text(r.group, r.task, r.kernel, r.tid))),
    Entry(b"statm", DT_REG, _file(lambda r: text.statm_text(r.group))),
    Entry(b"maps", DT_REG, _file(lambda r: text.maps_text(r.group))),
    Entry(b"cwd", DT_LNK, _link(lambda r: r.group.fs.cwd)),
    Entry(b"root", DT_LNK, _link(lambda r: r.group.fs.root)),
    Entry(b"exe", DT_LNK, _build_exe),
    Entry(b"mounts", DT_REG, _file(_mounts(text.mounts_text))),
    Entry(b"mountinfo", DT_REG, _file(_mounts(text.mountinfo_text))),
)


class PidDir(ProcDir):
    """/proc/PID (the process view) or /proc/PID/task/TID (a thread's)."""

    def __init__(self, sb: ProcSuperBlock, ref: ProcessRef, thread_view: bool = False) -> None:
        creds = ref.group.creds
        self.ref = ref
        self._first_slot = THREAD_VIEW_SLOT if thread_view else 0
        self._entries = [e for e in ENTRIES if not (thread_view and e.process_only)]
        super().__init__(sb, ino=pid_ino(ref.tid, self._first_slot), owner=ref, uid=creds.euid, gid=creds.egid)
        self.nlink = 2 + sum(1 for e in self._entries if e.dtype == DT_DIR)

    def _slot(self, index: int) -> int:
        return pid_ino(self.ref.tid, self._first_slot + 1 + index)

    def children(self) -> Iterator[tuple[int, bytes, int, int]]:
        for i, entry in enumerate(self._entries):
            yield i + 2, entry.name, self._slot(i), entry.dtype

    def make(self, name: bytes) -> Inode | None:
        for i, entry in enumerate(self._entries):
            if entry.name == name:
                return entry.build(self, self._slot(i))
        return None


class TaskListDir(ProcDir):
    """/proc/PID/task: one directory per thread, named by thread id."""

    def __init__(self, sb: ProcSuperBlock, ref: ProcessRef, ino: int, uid: int, gid: int) -> None:
        super().__init__(sb, ino=ino, owner=ref, uid=uid, gid=gid)
        self.ref = ref

    def children(self) -> Iterator[tuple[int, bytes, int, int]]:
        for t in text.live_threads(self.ref.group):
            yield t.tid + 2, str(t.tid).encode(), pid_ino(t.tid, THREAD_VIEW_SLOT), DT_DIR

    def make(self, name: bytes) -> Inode | None:
        tid = parse_id(name)
        group = self.ref.group
        for t in text.live_threads(group):
            if t.tid == tid:
                assert isinstance(self.sb, ProcSuperBlock)
                return PidDir(self.sb, ProcessRef(self.ref.kernel, group, t), thread_view=True)
        return None


# -- fd/ and fdinfo/ -----------------------------------------------------------------------

class OpenFd:
    """Descriptor `fd` of a process, as long as it is open; the file is looked up each time
    so that a reused descriptor number shows its new file."""

    __slots__ = ("ref", "fd")

    def __init__(self, ref: ProcessRef, fd: int) -> None:
        self.ref = ref
        self.fd = fd

    def alive(self) -> bool:
        if not self.ref.alive():
            return False
        files = self.ref.group.files
        return files is not None and self.fd in files

    def file(self) -> Any:
        if not self.alive():
            raise KernelError(errno.ENOENT)
        return self.ref.group.files.get(self.fd)


def _link_mode(file: Any) -> int:
    """lr-x------ / l-wx------ / lrwx------ after the open mode (l--------- for O_PATH)."""
    if file.flags & O_PATH:
        return 0
    return {O_RDONLY: 0o500, O_WRONLY: 0o300, O_RDWR: 0o700}.get(file.flags & O_ACCMODE, 0)


class _FdDirBase(ProcDir):
    """Common part of fd/ and fdinfo/: one entry per open descriptor."""

    KIND_SLOT = 0
    DTYPE = DT_LNK

    def __init__(self, sb: ProcSuperBlock, ref: ProcessRef, ino: int, uid: int, gid: int, mode: int) -> None:
        super().__init__(sb, mode, ino, ref, uid, gid)
        self.ref = ref

    def _files(self) -> Any:
        group = self.ref.group
        return None if group.zombie else group.files

    def _ino(self, fd: int) -> int:
        return pid_ino(self.ref.tid, FD_SLOT + 2 * fd + self.KIND_SLOT)

    def children(self) -> Iterator[tuple[int, bytes, int, int]]:
        files = self._files()
        if files is None:
            return
        for fd, _file in files.items():
            yield fd + 2, str(fd).encode(), self._ino(fd), self.DTYPE

    def make(self, name: bytes) -> Inode | None:
        fd = parse_id(name)
        files = self._files()
        if fd is None or files is None or fd not in files:
            return None
        return self.entry(OpenFd(self.ref, fd), files.get(fd))

    def entry(self, open_fd: OpenFd, file: Any) -> Inode:
        raise NotImplementedError


class FdDir(_FdDirBase):
    """/proc/PID/fd (dr-x------): N -> the path of descriptor N's file, a magic link."""

    def __init__(self, sb: ProcSuperBlock, ref: ProcessRef, ino: int, uid: int, gid: int) -> None:
        super().__init__(sb, ref, ino, uid, gid, 0o500)

    def entry(self, open_fd: OpenFd, file: Any) -> Inode:
        def checked() -> Any:
            _check_inspect(current_task(self.ref.kernel), self.ref)
            return open_fd.file()
        return ProcSymlink(self.sb, lambda: checked().path_name(), lambda: file_dentry(checked()),
                           _link_mode(file), self._ino(open_fd.fd), open_fd, FD_LINK_SIZE, self.uid, self.gid)


class FdInfoDir(_FdDirBase):
    """/proc/PID/fdinfo (dr-xr-xr-x): N -> pos, flags, mnt_id and ino of descriptor N."""

    KIND_SLOT = 1
    DTYPE = DT_REG

    def __init__(self, sb: ProcSuperBlock, ref: ProcessRef, ino: int, uid: int, gid: int) -> None:
        super().__init__(sb, ref, ino, uid, gid, 0o555)

    def entry(self, open_fd: OpenFd, file: Any) -> Inode:
        def show() -> bytes:
            f = open_fd.file()
            mount = f.dentry.mount if f.dentry is not None else anon_mount()
            return text.fdinfo_text(f, self.ref.group.files.cloexec(open_fd.fd), mount.mnt_id)
        return ProcFile(self.sb, show, 0o444, self._ino(open_fd.fd), open_fd,
                        guard=lambda task: _check_inspect(task, self.ref), uid=self.uid, gid=self.gid)
