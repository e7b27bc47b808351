"""Core dumps: the ELF core file a process leaves when a signal whose default action is "core"
kills it (Linux fs/coredump.c do_coredump and fs/binfmt_elf.c elf_core_dump, man 5 core).

What this kernel fixes that Linux makes configurable:
- the name is "core" in the dumping process's cwd: Linux's default core_pattern "core" with
  core_uses_pid 0 (there are no "%" specifiers, no "|helper" pipes and no /proc/sys knobs);
- coredump_filter is Linux's default 0x33: anonymous private and shared memory, plus the
  first page of ELF files mapped from offset 0; file-backed private pages never written
  and shared file mappings are left out (PT_LOAD with p_filesz 0). MADV_DONTDUMP is not
  tracked by the mm, so every area follows that filter;
- there is no "dumpable" flag (PR_SET_DUMPABLE, fs.suid_dumpable): every process may dump.

Rules followed as Linux does:
- no dump when the soft RLIMIT_CORE is below one page (binfmt_elf's min_coredump); a larger
  dump stops at the first piece that would pass the limit (holes are not counted), and
  still counts as dumped. RLIMIT_FSIZE cuts the file as it cuts any write (even at 0:
  an empty core file, and the dump still counts);
- an existing "core" is unlinked, then the file is created with O_CREAT | O_EXCL |
  O_NOFOLLOW, mode 0600 less the umask, as the process's credentials; it must be a regular
  file with one link, owned by the fsuid, mode exactly 0600. Any failure: no dump, silently;
- layout: ELF header, the PT_NOTE program header, one PT_LOAD per VMA, the notes, then the
  memory from the next page boundary. Notes: per thread NT_PRSTATUS (dumping thread first,
  with the process-wide NT_PRPSINFO, NT_SIGINFO, NT_AUXV and NT_FILE after its own
  NT_PRSTATUS), NT_PRFPREG and NT_X86_XSTATE. Pages never faulted in are holes.

do_coredump() returns whether the dump happened: the caller then sets WCOREDUMP (0x80) in
the wait status.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING, Any

from pykerla.errors import ERESTARTSYS, KernelError
from pykerla.fs import vfs
from pykerla.fs.flags import O_CREAT, O_EXCL, O_LARGEFILE, O_NOFOLLOW, O_WRONLY
from pykerla.mm.mman import PROT_EXEC, PROT_READ, PROT_WRITE
from pykerla.mm.vma import VM_ACCOUNT, Vma
from pykerla.platform.base import (
    R8, R9, R10, R11, R12, R13, R14, R15, RAX, RBP, RBX, RCX, RDI, RDX, RFLAGS, RIP, RSI, RSP,
)
from pykerla.process.signal_state import CORE_BY_DEFAULT

if TYPE_CHECKING:
    from pykerla.process.task import Task, ThreadGroup

CORE_NAME = b"core"
RLIMIT_FSIZE, RLIMIT_CORE = 1, 4
PAGE_SIZE = 4096
MIN_COREDUMP = PAGE_SIZE          # binfmt_elf: ELF_EXEC_PAGESIZE
CORE_MODE = 0o600

EHDR_SIZE, PHDR_SIZE = 64, 56
ET_CORE, EM_X86_64, EV_CURRENT = 4, 62, 1
PT_LOAD, PT_NOTE = 1, 4
PF_X, PF_W, PF_R = 1, 2, 4
NT_PRSTATUS, NT_PRFPREG, NT_PRPSINFO, NT_AUXV = 1, 2, 3, 6
NT_SIGINFO, NT_FILE, NT_X86_XSTATE = 0x53494749, 0x46494C45, 0x202
ELF_PRARGSZ = 80
PF_DUMPCORE, PF_SIGNALED = 0x200, 0x400     # task flags shown in NT_PRPSINFO's pr_flag
FXSAVE_SIZE = 512
XSTATE_SW_BYTES = 464                       # where NT_X86_XSTATE carries XCR0 (48 bytes there)
USER_CS, USER_SS = 0x33, 0x2B
_MASK64 = (1 << 64) - 1
_ELF_MAGIC = b"\x7fELF"


def do_coredump(task: Task, signo: int, siginfo: bytes) -> bool:
    """`task`'s process is being killed by `signo` (`siginfo`: its siginfo image): write its
    core file if the signal's default action is "core". True when a core was dumped
    (possibly cut short by RLIMIT_CORE)."""
    limit = task.group.rlimits[RLIMIT_CORE][0]
    if signo not in CORE_BY_DEFAULT or limit < MIN_COREDUMP:
        return False
    file = _create_core_file(task)
    if file is None:
        return False
    file.get()
    try:
        _write_core(_CoreSink(task, file, limit, task.group.rlimits[RLIMIT_FSIZE][0]), task, signo, siginfo)
    finally:
        file.put()
    return True


def _create_core_file(task: Task) -> Any:
    """The new, empty core file open for writing, or None when Linux would not dump."""
    cwd = task.fs.cwd
    try:
        vfs.unlink(task, cwd, CORE_NAME)
    except KernelError:
        pass                            # absent, or a problem the creation below will meet
    try:
        file = vfs.open_path(task, cwd, CORE_NAME, O_CREAT | O_EXCL | O_NOFOLLOW | O_LARGEFILE | O_WRONLY,
                             CORE_MODE)
    except KernelError:
        return None
    inode = file.inode
    if (inode.nlink > 1 or file.dentry is None or file.dentry.deleted or not inode.is_reg
            or inode.uid != task.creds.fsuid or inode.mode & 0o677 != CORE_MODE):
        file.get().put()                # close it: the failed dump leaves the file as Linux does
        return None
    return file


class _CoreSink:
    """Linux's dump_emit / dump_skip over the core file: skipped ranges become holes, and
    writing stops for good at the first piece that would pass the limit, or that the file
    size limit cuts short (its part below that limit is written, as a write(2) would)."""

    def __init__(self, task: Task, file: Any, limit: int, file_size_limit: int) -> None:
        self.task = task
        self.file = file
        self.limit = limit
        self.file_size_limit = file_size_limit
        self.pos = 0            # where the next byte goes, skips included
        self.written = 0        # bytes actually written (what the limit counts)
        self.to_skip = 0

    def emit(self, data: bytes) -> bool:
        self.pos += self.to_skip
        self.to_skip = 0
        if self.written + len(data) > self.limit or self.pos >= self.file_size_limit:
            return False
        try:
            n = self.file.pwrite(self.task, data[:self.file_size_limit - self.pos], self.pos)
        except KernelError:
            return False
        self.pos += n
        self.written += n
        return n == len(data)

    def skip(self, size: int) -> None:
        self.to_skip += size

    def skip_to(self, pos: int) -> None:
        self.to_skip = pos - self.pos

    def align(self, boundary: int) -> None:
        self.to_skip += -(self.pos + self.to_skip) % boundary

    def finish(self) -> None:
        """A trailing hole still makes the file that long (one zero byte written at its end)."""
        if self.to_skip:
            self.to_skip -= 1
            self.emit(b"\0")


# -- which memory is dumped ----------------------------------------------------------------

class _Segment:
    """One VMA as dumped: its PT_LOAD fields and which of its pages have contents."""

    __slots__ = ("vma", "dump_size", "resident")

    def __init__(self, mm: Any, vma: Vma) -> None:
        self.vma = vma
        self.resident = mm.mincore(vma.start, vma.end - vma.start)
        self.dump_size = self._dump_size(mm)

    def _dump_size(self, mm: Any) -> int:
        """Linux vma_dump_size() under coredump_filter 0x33."""
        vma = self.vma
        whole = vma.end - vma.start
        if vma.name is not None:                    # special mappings ([vdso], [vvar]) always
            return whole
        if vma.is_shared:                           # anonymous shared yes, file shared no
            inode = getattr(vma.backing, "inode", None)
            return whole if vma.backing is None or getattr(inode, "nlink", 1) == 0 else 0
        if self._has_private_pages():               # Linux: the VMA has an anon_vma
            return whole
        if vma.backing is not None and vma.offset == 0 and vma.prot & PROT_READ and _is_elf(mm, vma):
            return PAGE_SIZE
        return 0

    def _has_private_pages(self) -> bool:
        """Pages of the process's own: any page of an anonymous area, or of a private file
        mapping that was ever writable (VM_ACCOUNT; its pages may be copies)."""
        if self.vma.backing is not None and not self.vma.flags & VM_ACCOUNT:
            return False
        return any(self.resident)

    def page(self, mm: Any, index: int) -> bytes | None:
        """Contents of page `index` of the VMA, or None for a hole (never faulted in, or
        not readable by the kernel). File pages are read in as Linux's get_dump_page does."""
        vma = self.vma
        if not self.resident[index] and vma.backing is None and vma.name is None:
            return None
        try:
            return mm.read(vma.start + index * PAGE_SIZE, PAGE_SIZE)
        except KernelError:
            return None

    def phdr(self, offset: int) -> bytes:
        prot = self.vma.prot
        flags = (PF_R if prot & PROT_READ else 0) | (PF_W if prot & PROT_WRITE else 0) \
            | (PF_X if prot & PROT_EXEC else 0)
        return struct.pack("<IIQQQQQQ", PT_LOAD, flags, offset, self.vma.start, 0, self.dump_size,
                           self.vma.end - self.vma.start, PAGE_SIZE)


def _is_elf(mm: Any, vma: Vma) -> bool:
    """The mapped file is executable, or starts with the ELF magic."""
    inode = getattr(vma.backing, "inode", None)
    if inode is not None and inode.mode & 0o111:
        return True
    try:
        return bool(mm.read(vma.start, 4) == _ELF_MAGIC)
    except KernelError:
        return False


# -- notes -------------------------------------------------------------------------------

def _timeval(seconds: float) -> bytes:
    return struct.pack("<qq", int(seconds), int(seconds % 1 * 1_000_000))


def user_regs(task: Task) -> bytes:
    """struct user_regs_struct (27 words) of a thread. A thread asleep in a system call shows
    -ERESTARTSYS in rax, as its interrupted call leaves it on Linux."""
    ctx = task.ctx
    r = ctx.regs
    rax = -ERESTARTSYS & _MASK64 if task.in_syscall else r[RAX]
    return struct.pack("<27Q", r[R15], r[R14], r[R13], r[R12], r[RBP], r[RBX], r[R11], r[R10], r[R9], r[R8],
                       rax, r[RCX], r[RDX], r[RSI], r[RDI], task.orig_rax & _MASK64, r[RIP], USER_CS,
                       r[RFLAGS], r[RSP], USER_SS, ctx.fs_base, ctx.gs_base, 0, 0, 0, 0)


def prstatus(task: Task, signo: int) -> bytes:
    """struct elf_prstatus (336 bytes). The leader's record carries the process's CPU times."""
    group = task.group
    leader = task.tid == group.tgid
    utime, stime = (group.utime, group.stime) if leader else (0.0, 0.0)
    head = struct.pack("<iiih2xQQiiii", signo, 0, 0, signo, task.pending.mask, task.blocked_mask, task.tid,
                       _ppid(group), group.pgid, group.sid)
    times = b"".join(_timeval(t) for t in (utime, stime, group.children_utime, group.children_stime))
    return head + times + user_regs(task) + struct.pack("<i4x", 1)     # pr_fpvalid: NT_PRFPREG follows


def prpsinfo(task: Task) -> bytes:
    """struct elf_prpsinfo (136 bytes) of the process: state, ids, command name and arguments."""
    group = task.group
    mm = group.mm
    length = min(mm.arg_end - mm.arg_start, ELF_PRARGSZ - 1)
    try:
        args = mm.read(mm.arg_start, length).replace(b"\0", b" ") if length > 0 else b""
    except KernelError:
        args = b""
    leader = group.leader
    flags = PF_DUMPCORE | PF_SIGNALED if leader is task else 0
    return struct.pack("<bcbb4xQIIiiii16s80s", 0, b"R", 0, leader.nice, flags, group.creds.uid,
                       group.creds.gid, group.tgid, _ppid(group), group.pgid, group.sid, group.comm[:15],
                       args)


def auxv(mm: Any) -> bytes:
    """The saved auxiliary vector up to and including AT_NULL."""
    saved = mm.saved_auxv
    for off in range(0, len(saved) - 15, 16):
        if struct.unpack_from("<Q", saved, off)[0] == 0:
            return saved[:off + 16]
    return saved


def mapped_files(segments: list[_Segment]) -> bytes:
    """NT_FILE: count, page size, (start, end, offset in pages) per file mapping, then the names."""
    files = [s.vma for s in segments if s.vma.backing is not None]
    table = b"".join(struct.pack("<QQQ", v.start, v.end, v.offset // PAGE_SIZE) for v in files)
    names = b"".join(getattr(v.backing, "map_name", "").encode(errors="surrogateescape") + b"\0"
                     for v in files)
    return struct.pack("<QQ", len(files), PAGE_SIZE) + table + names


def xstate(image: bytes, size: int, xcr0: int) -> bytes:
    """NT_X86_XSTATE: the XSAVE image with XCR0 in the software-reserved bytes, as ptrace shows it."""
    data = bytearray(image[:size])
    data[XSTATE_SW_BYTES:FXSAVE_SIZE] = struct.pack("<Q", xcr0).ljust(FXSAVE_SIZE - XSTATE_SW_BYTES, b"\0")
    return bytes(data)


def _ppid(group: ThreadGroup) -> int:
    return group.parent.tgid if group.parent is not None else 0


# -- the file ------------------------------------------------------------------------------

def _note_size(name: bytes, desc: bytes) -> int:
    return 12 + -(-(len(name) + 1) // 4) * 4 + -(-len(desc) // 4) * 4


def _write_note(sink: _CoreSink, name: bytes, ntype: int, desc: bytes) -> bool:
    """Linux writenote(): header, name, padding hole, contents, padding hole."""
    if not (sink.emit(struct.pack("<III", len(name) + 1, len(desc), ntype)) and sink.emit(name + b"\0")):
        return False
    sink.align(4)
    if not sink.emit(desc):
        return False
    sink.align(4)
    return True


Notes = list[tuple[bytes, int, bytes]]      # (name, type, contents) in file order


def _notes(task: Task, signo: int, siginfo: bytes, segments: list[_Segment]) -> Notes:
    """The notes in file order: the dumping thread first, the process notes after its NT_PRSTATUS."""
    kernel = task.kernel
    group = task.group
    xsize, xcr0 = kernel.platform_xstate_size, kernel.platform_xcr0
    threads = [task] + [t for t in group.alive_threads() if t is not task]
    notes: Notes = []
    for thread in threads:
        image = kernel.vcpu.save_fpu(thread.ctx)
        notes.append((b"CORE", NT_PRSTATUS, prstatus(thread, signo)))
        if thread is task:
            notes += [(b"CORE", NT_PRPSINFO, prpsinfo(task)), (b"CORE", NT_SIGINFO, siginfo),
                      (b"CORE", NT_AUXV, auxv(group.mm)), (b"CORE", NT_FILE, mapped_files(segments))]
        notes += [(b"CORE", NT_PRFPREG, image[:FXSAVE_SIZE]),
                  (b"LINUX", NT_X86_XSTATE, xstate(image, xsize, xcr0))]
    return notes


def elf_header(phnum: int) -> bytes:
    ident = _ELF_MAGIC + bytes([2, 1, EV_CURRENT]) + bytes(9)     # ELFCLASS64, little endian, System V
    return ident + struct.pack("<HHIQQQIHHHHHH", ET_CORE, EM_X86_64, EV_CURRENT, 0, EHDR_SIZE, 0, 0,
                               EHDR_SIZE, PHDR_SIZE, phnum, 0, 0, 0)


def _write_core(sink: _CoreSink, task: Task, signo: int, siginfo: bytes) -> None:
    """elf_core_dump(): lay the file out, then write it until done or the limit stops it."""
    mm = task.mm
    segments = [_Segment(mm, vma) for vma in mm.vmas]
    notes = _notes(task, signo, siginfo, segments)
    phnum = len(segments) + 1
    notes_offset = EHDR_SIZE + phnum * PHDR_SIZE
    notes_size = sum(_note_size(name, desc) for name, _, desc in notes)
    data_offset = -(-(notes_offset + notes_size) // PAGE_SIZE) * PAGE_SIZE
    headers = [elf_header(phnum), struct.pack("<IIQQQQQQ", PT_NOTE, 0, notes_offset, 0, 0, notes_size, 0, 4)]
    offset = data_offset
    for segment in segments:
        headers.append(segment.phdr(offset))
        offset += segment.dump_size
    if all(sink.emit(h) for h in headers) and all(_write_note(sink, *n) for n in notes):
        sink.skip_to(data_offset)
        _write_memory(sink, mm, segments)
    sink.finish()


def _write_memory(sink: _CoreSink, mm: Any, segments: list[_Segment]) -> None:
    for segment in segments:
        for index in range(segment.dump_size // PAGE_SIZE):
            page = segment.page(mm, index)
            if page is None:
                sink.skip(PAGE_SIZE)
            elif not sink.emit(page):
                return
