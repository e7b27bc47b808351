"""Core dumps (process/coredump.py): the ELF core file written through the VFS, parsed back.

A real AddressSpace over a bytearray, a real ThreadGroup/Task on a tmpfs root, and a fake
vCPU for the FPU image; the file is read back and parsed with struct, independently of the
module's own packing code.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import pytest
from test_mm_support import BytesFile, new_mm

from pykerla.fs import vfs
from pykerla.fs.context import FsContext
from pykerla.fs.flags import O_CREAT, O_RDONLY, O_WRONLY
from pykerla.fs.mount import MountNamespace
from pykerla.fs.namei import lookup
from pykerla.fs.tmpfs import new_tmpfs
from pykerla.mm import mman
from pykerla.platform.base import RAX, RIP, RSP
from pykerla.process.coredump import do_coredump
from pykerla.process.task import RLIM_INFINITY, Task, ThreadGroup

PAGE = 4096
RW = mman.PROT_READ | mman.PROT_WRITE
ANON = mman.MAP_PRIVATE | mman.MAP_ANONYMOUS
XSIZE, XCR0 = 576, 3
SIGSEGV, SIGTERM = 11, 15
NT_PRSTATUS, NT_PRFPREG, NT_PRPSINFO, NT_AUXV = 1, 2, 3, 6
NT_SIGINFO, NT_FILE, NT_X86_XSTATE = 0x53494749, 0x46494C45, 0x202
STACK_TOP = 0x7FFF0000
ARGS = b"/bin/prog\0-v\0"
REG_NAMES = ("r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10", "r9", "r8", "rax", "rcx", "rdx",
             "rsi", "rdi", "orig_rax", "rip", "cs", "eflags", "rsp", "ss", "fs_base", "gs_base", "ds", "es",
             "fs", "gs")


class FakeVcpu:
    def save_fpu(self, ctx: object) -> bytes:
        image = bytearray(XSIZE)
        struct.pack_into("<HI", image, 0, 0x37F, 0)
        struct.pack_into("<I", image, 24, 0x1F80)             # MXCSR
        image[160:176] = b"\x11" * 16                          # xmm0
        struct.pack_into("<Q", image, 512, XCR0)                # XSTATE_BV
        return bytes(image)


class FakeKernel:
    def __init__(self) -> None:
        root = new_tmpfs(0o755)
        root.mkdir(b"tmp", 0o1777, 0, 0)
        root.mkdir(b"locked", 0o755, 0, 0)
        self.mounts = MountNamespace(root)
        self.vcpu = FakeVcpu()
        self.platform_xstate_size = XSIZE
        self.platform_xcr0 = XCR0


@dataclass
class Note:
    name: bytes
    type: int
    desc: bytes


@dataclass
class Core:
    data: bytes
    header: tuple
    phdrs: list[tuple]
    notes: list[Note]

    def loads(self) -> list[tuple]:
        return [p for p in self.phdrs if p[0] == 1]

    def note(self, ntype: int) -> Note:
        return next(n for n in self.notes if n.type == ntype)


def parse(data: bytes) -> Core:
    header = struct.unpack_from("<16sHHIQQQIHHHHHH", data, 0)
    phoff, phentsize, phnum = header[5], header[9], header[10]
    phdrs = [struct.unpack_from("<IIQQQQQQ", data, phoff + i * phentsize) for i in range(phnum)]
    notes = []
    for p_type, _flags, offset, _va, _pa, filesz, _memsz, _align in phdrs:
        if p_type != 4:
            continue
        pos = offset
        while pos < offset + filesz:
            namesz, descsz, ntype = struct.unpack_from("<III", data, pos)
            name_at = pos + 12
            desc_at = name_at + (namesz + 3) // 4 * 4
            notes.append(Note(data[name_at:name_at + namesz - 1], ntype, data[desc_at:desc_at + descsz]))
            pos = desc_at + (descsz + 3) // 4 * 4
    return Core(data, header, phdrs, notes)


@pytest.fixture
def task() -> Task:
    kernel = FakeKernel()
    parent = ThreadGroup(kernel, 1, None)  # type: ignore[arg-type]
    group = ThreadGroup(kernel, 42, parent)  # type: ignore[arg-type]
    group.pgid, group.sid = 40, 30
    group.comm = b"a-rather-long-command-name"
    group.rlimits[4] = (RLIM_INFINITY, RLIM_INFINITY)
    group.fs = FsContext(kernel.mounts.root)
    group.fs.cwd = lookup(group.fs, b"/tmp")
    mm = group.mm = new_mm()
    # an ELF file mapped like a static executable: the header page, then text
    exe = BytesFile(b"\x7fELF" + bytes(3 * PAGE), name="/bin/prog")
    mm.mmap(0x400000, PAGE, mman.PROT_READ, mman.MAP_PRIVATE | mman.MAP_FIXED, exe, 0)
    mm.mmap(0x401000, 2 * PAGE, mman.PROT_READ | mman.PROT_EXEC, mman.MAP_PRIVATE | mman.MAP_FIXED, exe, PAGE)
    mm.mmap(0x500000, 4 * PAGE, RW, ANON | mman.MAP_FIXED)             # heap-like: two pages touched
    mm.write(0x500000, b"first page")
    mm.write(0x502000, b"third page")
    mm.mmap(0x600000, 2 * PAGE, RW, ANON | mman.MAP_FIXED)             # never touched
    mm.mmap(0x700000, PAGE, mman.PROT_NONE, ANON | mman.MAP_FIXED)     # a guard page
    mm.mmap(STACK_TOP - 2 * PAGE, 2 * PAGE, RW, ANON | mman.MAP_FIXED)
    mm.arg_start = STACK_TOP - 256
    mm.arg_end = mm.arg_start + len(ARGS)
    mm.write(mm.arg_start, ARGS)
    mm.saved_auxv = struct.pack("<6Q", 6, PAGE, 0, 0, 99, 99)         # words past AT_NULL are dropped
    leader = Task(group, 42)
    other = Task(group, 43)
    group.threads += [leader, other]
    for t, rip in ((leader, 0x401234), (other, 0x401800)):
        t.ctx.regs[RIP] = rip
        t.ctx.regs[RSP] = STACK_TOP - 64
        t.ctx.regs[RAX] = 7
    leader.ctx.fs_base = 0x4C13C0
    leader.in_syscall, leader.orig_rax = True, 34                   # asleep in pause()
    leader.blocked_mask = 1 << 9
    return other                                                     # the non-leader thread dumps


def core_of(t: Task, name: bytes = b"/tmp/core") -> bytes:
    f = vfs.open_path(t, t.fs.root, name, O_RDONLY)
    return f.pread(t, f.inode.size + 1, 0)


def siginfo(signo: int) -> bytes:
    return struct.pack("<iii", signo, 0, 1).ljust(128, b"\0")


def test_elf_header_and_program_headers(task: Task) -> None:
    assert do_coredump(task, SIGSEGV, siginfo(SIGSEGV))
    core = parse(core_of(task))
    ident, e_type, machine, version, entry, phoff, shoff, flags, ehsize, phentsize, phnum, *_ = core.header
    assert ident == b"\x7fELF\x02\x01\x01" + bytes(9)
    assert (e_type, machine, version, entry, phoff, shoff, flags) == (4, 62, 1, 0, 64, 0, 0)
    assert (ehsize, phentsize, phnum) == (64, 56, 1 + len(task.mm.vmas))
    note = core.phdrs[0]
    assert note[0] == 4 and note[1] == 0 and note[2] == 64 + 56 * phnum and note[7] == 4
    loads = core.loads()
    assert [(p[3], p[6]) for p in loads] == [(v.start, v.end - v.start) for v in task.mm.vmas]
    sizes = {p[3]: p[5] for p in loads}
    assert sizes[0x400000] == PAGE                    # ELF header page of the executable
    assert sizes[0x401000] == 0                       # text: only in the file
    assert sizes[0x500000] == 4 * PAGE                # written anonymous memory: whole
    assert sizes[0x600000] == 0 and sizes[0x700000] == 0
    flags = {p[3]: p[1] for p in loads}
    assert flags[0x401000] == 4 | 1 and flags[0x500000] == 4 | 2 and flags[0x700000] == 0
    first = loads[0][2]
    assert first % PAGE == 0 and first >= note[2] + note[5]
    offset = first
    for p in loads:                                   # contiguous, in VMA order
        assert p[2] == offset and p[7] == PAGE
        offset += p[5]
    assert len(core.data) == offset                   # a trailing hole still extends the file


def test_memory_contents(task: Task) -> None:
    assert do_coredump(task, SIGSEGV, siginfo(SIGSEGV))
    core = parse(core_of(task))

    def at(addr: int, size: int) -> bytes:
        p = next(p for p in core.loads() if p[3] <= addr < p[3] + p[5])
        return core.data[p[2] + addr - p[3]:p[2] + addr - p[3] + size]

    assert at(0x400000, 4) == b"\x7fELF"
    assert at(0x500000, 10) == b"first page"
    assert at(0x501000, PAGE) == bytes(PAGE)          # never touched: a hole, zeros
    assert at(0x502000, 10) == b"third page"
    assert at(STACK_TOP - 256, len(ARGS)) == ARGS


def test_notes(task: Task) -> None:
    assert do_coredump(task, SIGSEGV, siginfo(SIGSEGV))
    core = parse(core_of(task))
    assert [(n.name, n.type) for n in core.notes] == [
        (b"CORE", NT_PRSTATUS), (b"CORE", NT_PRPSINFO), (b"CORE", NT_SIGINFO), (b"CORE", NT_AUXV),
        (b"CORE", NT_FILE), (b"CORE", NT_PRFPREG), (b"LINUX", NT_X86_XSTATE),
        (b"CORE", NT_PRSTATUS), (b"CORE", NT_PRFPREG), (b"LINUX", NT_X86_XSTATE)]
    first, second = (n.desc for n in core.notes if n.type == NT_PRSTATUS)
    for desc, tid, blocked in ((first, 43, 0), (second, 42, 1 << 9)):
        assert len(desc) == 336
        fields = struct.unpack_from("<iiih2xQQiiii", desc)
        signo, code, err, cursig, sigpend, sighold, pid, ppid, pgrp, sid = fields
        assert (signo, code, err, cursig, sigpend, sighold) == (SIGSEGV, 0, 0, SIGSEGV, 0, blocked)
        assert (pid, ppid, pgrp, sid) == (tid, 1, 40, 30)
        assert struct.unpack_from("<i", desc, 328)[0] == 1          # pr_fpvalid
    regs = dict(zip(REG_NAMES, struct.unpack_from("<27Q", first, 112), strict=True))
    assert regs["rip"] == 0x401800 and regs["rax"] == 7 and regs["orig_rax"] == 2**64 - 1
    assert (regs["cs"], regs["ss"], regs["ds"], regs["rsp"]) == (0x33, 0x2B, 0, STACK_TOP - 64)
    regs = dict(zip(REG_NAMES, struct.unpack_from("<27Q", second, 112), strict=True))
    assert regs["rip"] == 0x401234 and regs["orig_rax"] == 34 and regs["fs_base"] == 0x4C13C0
    assert regs["rax"] == (-512) & (2**64 - 1)                      # interrupted call: -ERESTARTSYS

    psinfo = core.note(NT_PRPSINFO).desc
    state, sname, zomb, nice, flag, uid, gid, pid, ppid, pgrp, sid, fname, psargs = struct.unpack(
        "<bcbb4xQIIiiii16s80s", psinfo)
    assert (state, sname, zomb, nice, flag, uid, gid) == (0, b"R", 0, 0, 0, 0, 0)
    assert (pid, ppid, pgrp, sid) == (42, 1, 40, 30)
    assert fname == b"a-rather-long-c\0"
    assert psargs.rstrip(b"\0") == b"/bin/prog -v "

    assert core.note(NT_SIGINFO).desc == siginfo(SIGSEGV)
    assert core.note(NT_AUXV).desc == struct.pack("<4Q", 6, PAGE, 0, 0)
    files = core.note(NT_FILE).desc
    count, page_size = struct.unpack_from("<QQ", files)
    assert (count, page_size) == (2, PAGE)
    assert struct.unpack_from("<6Q", files, 16) == (0x400000, 0x401000, 0, 0x401000, 0x403000, 1)
    assert files[16 + 48:] == b"/bin/prog\0/bin/prog\0"
    assert core.note(NT_PRFPREG).desc == FakeVcpu().save_fpu(None)[:512]
    xstate = core.note(NT_X86_XSTATE).desc
    assert len(xstate) == XSIZE and struct.unpack_from("<Q", xstate, 464)[0] == XCR0
    assert xstate[:464] == FakeVcpu().save_fpu(None)[:464]


def test_file_name_mode_and_replacement(task: Task) -> None:
    stale = vfs.open_path(task, task.fs.cwd, b"core", O_CREAT | O_WRONLY, 0o644)
    stale.pwrite(task, b"old contents", 0)
    task.fs.umask = 0o077
    assert do_coredump(task, SIGSEGV, siginfo(SIGSEGV))
    inode = lookup(task, b"/tmp/core").inode
    assert inode is not stale.inode and inode.mode & 0o7777 == 0o600 and inode.uid == 0
    assert core_of(task)[:4] == b"\x7fELF"


def test_no_dump(task: Task) -> None:
    assert not do_coredump(task, SIGTERM, siginfo(SIGTERM))         # default action "term"
    task.group.rlimits[4] = (PAGE - 1, RLIM_INFINITY)                # below one page
    assert not do_coredump(task, SIGSEGV, siginfo(SIGSEGV))
    task.group.rlimits[4] = (RLIM_INFINITY, RLIM_INFINITY)
    task.fs.umask = 0o200                                            # the file would not be 0600
    assert not do_coredump(task, SIGSEGV, siginfo(SIGSEGV))
    task.fs.umask = 0o022
    vfs.unlink(task, task.fs.cwd, b"core")
    task.fs.cwd = lookup(task, b"/locked")
    task.group.creds.fsuid = 1000                                    # cwd not writable
    assert not do_coredump(task, SIGSEGV, siginfo(SIGSEGV))
    task.group.creds.fsuid = 0
    vfs.mkdir(task, task.fs.cwd, b"core", 0o755)                     # "core" is a directory
    assert not do_coredump(task, SIGSEGV, siginfo(SIGSEGV))
    assert lookup(task, b"/locked/core").inode.is_dir


def test_limit_cuts_the_file(task: Task) -> None:
    task.group.rlimits[4] = (PAGE, RLIM_INFINITY)
    assert do_coredump(task, SIGSEGV, siginfo(SIGSEGV))             # dumped, though cut short
    data = core_of(task)
    assert data[:4] == b"\x7fELF" and len(data) <= PAGE
    task.group.rlimits[4] = (3 * PAGE, RLIM_INFINITY)
    assert do_coredump(task, SIGSEGV, siginfo(SIGSEGV))
    data = core_of(task)
    core = parse(data)
    first = core.loads()[0][2]
    # headers and notes fit, then two pages: the ELF header page and the first heap page
    assert len(data) == first + 2 * PAGE
    assert data[first + PAGE:first + PAGE + 10] == b"first page"


def test_file_size_limit_cuts_writes(task: Task) -> None:
    task.group.rlimits[1] = (100, RLIM_INFINITY)
    assert do_coredump(task, SIGSEGV, siginfo(SIGSEGV))             # Linux: still "core dumped"
    data = core_of(task)
    assert len(data) == 100 and data[:4] == b"\x7fELF"
    task.group.rlimits[1] = (0, RLIM_INFINITY)
    assert do_coredump(task, SIGSEGV, siginfo(SIGSEGV))
    assert core_of(task) == b""
