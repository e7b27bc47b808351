"""Fakes for the file-system tests: a task with a tiny address space, credentials, an fd
table and an fs context over a fresh tmpfs root; `call` runs a syscall the way the
dispatcher does (argument conversion, -errno on KernelError, scratch cleared)."""

from __future__ import annotations

import errno

import pytest

from pykerla.errors import KernelError
from pykerla.fs.context import FsContext
from pykerla.fs.fdtable import FdTable
from pykerla.fs.mount import MountNamespace
from pykerla.fs.tmpfs import new_tmpfs
from pykerla.syscalls import fs_attr, fs_dir, fs_fd, fs_io, fs_mount, fs_path, fs_poll, fs_stat  # noqa: F401
from pykerla.syscalls.table import TABLE, convert_args

MEM_BASE = 0x10000
MEM_SIZE = 1 << 20
AT_FDCWD_RAW = 0xFFFFFF9C


class FakeMM:
    """A bytearray mapped at MEM_BASE; anything else is EFAULT."""

    def __init__(self) -> None:
        self.mem = bytearray(MEM_SIZE)
        self.next = MEM_BASE + 64
        self.holes: set[int] = set()  # unmapped page numbers inside the area

    def _range(self, addr: int, n: int) -> int:
        off = addr - MEM_BASE
        if addr < MEM_BASE or off + n > MEM_SIZE:
            raise KernelError(errno.EFAULT)
        if n and any(page in self.holes for page in range(addr >> 12, ((addr + n - 1) >> 12) + 1)):
            raise KernelError(errno.EFAULT)
        return off

    def read(self, addr: int, n: int) -> bytes:
        off = self._range(addr, n)
        return bytes(self.mem[off:off + n])

    def write(self, addr: int, data: bytes) -> None:
        off = self._range(addr, len(data))
        self.mem[off:off + len(data)] = data

    def read_cstring(self, addr: int, limit: int = 4096) -> bytes:
        off = self._range(addr, 1)
        end = self.mem.find(b"\0", off, min(off + limit, MEM_SIZE))
        if end < 0:
            if off + limit > MEM_SIZE:
                raise KernelError(errno.EFAULT)
            return bytes(self.mem[off:off + limit])
        return bytes(self.mem[off:end])

    def alloc(self, n: int) -> int:
        addr = self.next
        self.next += (n + 15) & ~15
        return addr

    def alloc_pages(self, count: int) -> int:
        """`count` page-aligned pages (make one bad with holes.add(addr >> 12))."""
        self.next = (self.next + 4095) & ~4095
        return self.alloc(count * 4096)

    def put(self, data: bytes) -> int:
        addr = self.alloc(len(data) + 1)
        self.write(addr, data + b"\0")
        return addr


class FakeCreds:
    def __init__(self, uid: int = 0, gid: int = 0, groups: list[int] | None = None) -> None:
        self.uid = self.euid = self.suid = self.fsuid = uid
        self.gid = self.egid = self.sgid = self.fsgid = gid
        self.groups = groups or []


class FakeTask:
    def __init__(self, root=None, uid: int = 0, gid: int = 0) -> None:
        if root is None:
            root = MountNamespace(new_tmpfs(0o755)).root
        self.mm = FakeMM()
        self.files = FdTable()
        self.fs = FsContext(root)
        self.creds = FakeCreds(uid, gid)
        self.syscall_scratch: dict = {}
        self.signals: list[int] = []
        self.blocked_mask = 0
        self.saved_mask: int | None = None
        self.kernel = None
        self.tgid = self.tid = self.pid = 1

    def force_signal(self, signo: int) -> None:
        self.signals.append(signo)

    def wake(self) -> None:
        pass

    def call(self, name: str, *args: int | bytes) -> int:
        """Run syscall `name`; bytes arguments are copied into memory first."""
        spec = next(s for s in TABLE.values() if s.name == name)
        raw = [self.mm.put(a) if isinstance(a, bytes) else a for a in args]
        raw += [0] * (6 - len(raw))
        try:
            result = spec.handler(self, *convert_args(spec, raw))
        except KernelError as e:
            self.syscall_scratch.clear()
            return -e.errno
        self.syscall_scratch.clear()
        return result

    def read_mem(self, addr: int, n: int) -> bytes:
        return self.mm.read(addr, n)


@pytest.fixture
def task() -> FakeTask:
    return FakeTask()


def test_fake_mm_faults() -> None:
    t = FakeTask()
    with pytest.raises(KernelError):
        t.mm.read(0, 1)
    addr = t.mm.put(b"hello")
    assert t.mm.read_cstring(addr) == b"hello"
    assert t.call("chdir", 0) == -errno.EFAULT
