"""The ELF loader (Linux fs/binfmt_elf.c load_elf_binary, without ASLR).

Maps an x86-64 ELF executable (ET_EXEC, or ET_DYN: PIE with PT_INTERP at ELF_ET_DYN_BASE,
static-pie / a directly run ld.so top-down in the mmap area) and its PT_INTERP interpreter
into a fresh AddressSpace, sets the brk base, and reports what the initial stack's auxv
needs. Anything malformed raises KernelError(ENOEXEC) (ELIBBAD for a bad interpreter)
with a message saying what is wrong; nothing is trusted from the file.
"""

from __future__ import annotations

import errno
import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import NoReturn

from pykerla.arch.x64.paging import PAGE_MASK, PAGE_SIZE, TASK_SIZE, page_align_up
from pykerla.errors import KernelError
from pykerla.mm import mman
from pykerla.mm.address_space import AddressSpace
from pykerla.mm.vma import Backing

ELF_MAGIC = b"\x7fELF"
ELFCLASS64 = 2
ELFDATA2LSB = 1
EV_CURRENT = 1
ET_EXEC = 2
ET_DYN = 3
EM_X86_64 = 62

PT_LOAD = 1
PT_INTERP = 3
PT_PHDR = 6
PT_GNU_STACK = 0x6474E551
PF_X = 1
PF_W = 2
PF_R = 4

EHDR = struct.Struct("<16sHHIQQQIHHHHHH")
PHDR = struct.Struct("<IIQQQQQQ")
PATH_MAX = 4096
MAX_PHDRS_SIZE = 65536

# Without ASLR: PIE programs go at 2/3 of the address space (0x555555554aaa, page aligned).
ELF_ET_DYN_BASE = TASK_SIZE // 3 * 2


@dataclass(slots=True)
class ElfImage:
    entry: int  # where user code starts (the interpreter's entry if there is one)
    phdr: int  # AT_PHDR: address of the program's program headers
    phnum: int
    phent: int
    base: int  # AT_BASE: interpreter load address, 0 without interpreter
    brk_start: int
    load_bias: int  # what was added to the program's p_vaddr
    stack_exec: bool  # PT_GNU_STACK asked for an executable stack
    program_entry: int  # AT_ENTRY: the program's own entry point


@dataclass(slots=True)
class _Segment:
    flags: int
    offset: int
    vaddr: int
    filesz: int
    memsz: int
    align: int


class _ElfFile:
    """The validated header and program headers of one ELF file."""

    def __init__(self, file: Backing, err: int, what: str) -> None:
        self.file = file
        self._err = err
        self._what = what
        head = file.pread(0, EHDR.size)
        if len(head) < 4 or head[:4] != ELF_MAGIC:
            self.fail("not an ELF file (bad magic)")
        if len(head) < EHDR.size:
            self.fail("truncated ELF header")
        (ident, self.type, machine, version, self.entry, self.phoff, _shoff, _flags, _ehsize,
         phentsize, self.phnum, _shentsize, _shnum, _shstrndx) = EHDR.unpack(head)
        if ident[4] != ELFCLASS64:
            self.fail("not a 64-bit ELF file (32-bit binaries are not supported)")
        if ident[5] != ELFDATA2LSB:
            self.fail("not a little-endian ELF file")
        if ident[6] != EV_CURRENT or version != EV_CURRENT:
            self.fail("unknown ELF version")
        if self.type not in (ET_EXEC, ET_DYN):
            self.fail(f"ELF type {self.type} is neither ET_EXEC nor ET_DYN")
        if machine != EM_X86_64:
            self.fail(f"ELF machine {machine} is not x86-64")
        if phentsize != PHDR.size:
            self.fail(f"program header size {phentsize}, expected {PHDR.size}")
        size = self.phnum * PHDR.size
        if size == 0 or size > MAX_PHDRS_SIZE:
            self.fail(f"bad program header count {self.phnum}")
        table = file.pread(self.phoff, size)
        if len(table) != size:
            self.fail("program headers extend past the end of the file")
        self.phdrs = [PHDR.unpack_from(table, i * PHDR.size) for i in range(self.phnum)]
        self.loads = [_Segment(p[1], p[2], p[3], p[5], p[6], p[7]) for p in self.phdrs if p[0] == PT_LOAD]
        if not self.loads:
            self.fail("no PT_LOAD segment")
        if any(a.vaddr > b.vaddr for a, b in zip(self.loads, self.loads[1:], strict=False)):
            self.fail("PT_LOAD segments are not in ascending address order")
        for seg in self.loads:
            if seg.filesz > seg.memsz:
                self.fail("PT_LOAD segment with p_filesz > p_memsz")
            if seg.memsz > TASK_SIZE or seg.vaddr > TASK_SIZE - seg.memsz:
                self.fail("PT_LOAD segment outside the user address space")
            if (seg.offset - seg.vaddr) % PAGE_SIZE:
                self.fail("PT_LOAD segment offset and address differ modulo the page size")
            if seg.filesz and len(file.pread(seg.offset + seg.filesz - 1, 1)) != 1:
                self.fail("PT_LOAD segment extends past the end of the file")

    def fail(self, message: str) -> NoReturn:
        raise KernelError(self._err, f"{self._what}: {message}")

    def interp_path(self) -> bytes | None:
        for p_type, _flags, offset, _vaddr, _paddr, filesz, _memsz, _align in self.phdrs:
            if p_type == PT_INTERP:
                if not 2 <= filesz <= PATH_MAX:
                    self.fail(f"PT_INTERP size {filesz} out of range")
                path = self.file.pread(offset, filesz)
                if len(path) != filesz or path[-1] != 0 or 0 in path[:-1]:
                    self.fail("PT_INTERP is not a NUL-terminated path")
                return path[:-1]
        return None

    def stack_exec(self) -> bool:
        exec_stack = False  # x86-64: no PT_GNU_STACK means a non-executable stack
        for p_type, flags, *_rest in self.phdrs:
            if p_type == PT_GNU_STACK:
                exec_stack = bool(flags & PF_X)
        return exec_stack

    def total_size(self) -> int:
        """Bytes from the first PT_LOAD's page to the end of the last (Linux total_mapping_size)."""
        first, last = self.loads[0], self.loads[-1]
        return page_align_up(last.vaddr + last.memsz) - (first.vaddr & PAGE_MASK)

    def max_align(self) -> int:
        align = 0
        for seg in self.loads:
            if seg.align and seg.align & (seg.align - 1) == 0:
                align = max(align, seg.align)
        return page_align_up(align)

    def phdr_offset_address(self) -> int:
        """The unbiased address of the program headers (the PT_LOAD that contains them)."""
        addr = 0
        for seg in self.loads:
            if seg.offset <= self.phoff < seg.offset + seg.filesz:
                addr = self.phoff - seg.offset + seg.vaddr
        return addr


class _TailZeroed:
    """A segment's view of its file: bytes at and after `limit` read as zero (Linux padzero)."""

    def __init__(self, file: Backing, limit: int) -> None:
        self._file = file
        self._limit = limit
        for attr in ("map_name", "map_dev", "map_ino"):
            if hasattr(file, attr):
                setattr(self, attr, getattr(file, attr))

    def pread(self, offset: int, size: int) -> bytes:
        if offset >= self._limit:
            return b""
        return self._file.pread(offset, min(size, self._limit - offset))


def _prot(flags: int) -> int:
    return ((mman.PROT_READ if flags & PF_R else 0) | (mman.PROT_WRITE if flags & PF_W else 0)
            | (mman.PROT_EXEC if flags & PF_X else 0))


def _map_segments(mm: AddressSpace, elf: _ElfFile, bias: int | None) -> int:
    """Map every PT_LOAD of elf; with bias None the first goes wherever mmap places the
    whole image (top-down). Returns the load bias used."""
    anon = mman.MAP_PRIVATE | mman.MAP_ANONYMOUS
    for index, seg in enumerate(elf.loads):
        prot = _prot(seg.flags)
        bss_prot = mman.PROT_READ | mman.PROT_WRITE | (prot & mman.PROT_EXEC)  # Linux vm_brk_flags
        page_off = seg.vaddr & ~PAGE_MASK
        if index == 0:
            fixed = mman.MAP_FIXED_NOREPLACE if bias is not None else 0
            hint = 0 if bias is None else bias + seg.vaddr - page_off
        else:
            fixed = mman.MAP_FIXED
            hint = bias + seg.vaddr - page_off
        file_end = page_align_up(seg.vaddr + seg.filesz) - (seg.vaddr - page_off)
        try:
            if seg.filesz:
                backing = elf.file if seg.memsz == seg.filesz else _TailZeroed(elf.file, seg.offset + seg.filesz)
                length = file_end
                if index == 0 and bias is None:
                    length = elf.total_size()  # reserve the whole image, then trim
                addr = mm.mmap(hint, length, prot, mman.MAP_PRIVATE | fixed, backing, seg.offset - page_off)
                if length > file_end:
                    mm.munmap(addr + file_end, length - file_end)
            else:
                file_end = 0
                addr = mm.mmap(hint, page_align_up(page_off + seg.memsz), bss_prot, anon | fixed)
        except KernelError as error:
            if error.errno == errno.ENOMEM:
                raise
            elf.fail(f"cannot map segment {index} at {hint:#x}: {error}")
        if bias is None:
            bias = addr - (seg.vaddr - page_off)
        if seg.memsz > seg.filesz and file_end:
            bss_start = addr + file_end
            bss_end = page_align_up(bias + seg.vaddr + seg.memsz)
            if bss_end > bss_start:
                mm.mmap(bss_start, bss_end - bss_start, bss_prot, anon | mman.MAP_FIXED)
    assert bias is not None
    return bias


def load_elf(mm: AddressSpace, file: Backing, open_interp: Callable[[str], Backing]) -> ElfImage:
    """Load program `file` (and its interpreter, opened by path with open_interp, whose errors
    propagate) into the empty address space mm."""
    elf = _ElfFile(file, errno.ENOEXEC, "exec")
    interp_path = elf.interp_path()
    interp = None
    if interp_path is not None:
        interp = _ElfFile(open_interp(interp_path.decode("utf-8", "surrogateescape")), errno.ELIBBAD,
                          "ELF interpreter")
    if elf.type == ET_EXEC:
        bias: int | None = 0
    elif interp is not None:
        align = elf.max_align()
        bias = (ELF_ET_DYN_BASE & ~(align - 1)) - (elf.loads[0].vaddr & PAGE_MASK)
        bias &= PAGE_MASK
    else:
        bias = None  # static-pie or ld.so run directly: top-down in the mmap area
    load_bias = _map_segments(mm, elf, bias)
    program_entry = elf.entry + load_bias
    if not 0 <= program_entry < TASK_SIZE:
        elf.fail(f"entry point {program_entry:#x} outside the user address space")

    if elf.type == ET_DYN and interp is None:
        brk = ELF_ET_DYN_BASE  # Linux moves a loader's brk out of the mmap area
    else:
        brk = max(seg.vaddr + seg.memsz for seg in elf.loads) + load_bias
    mm.set_brk_base(page_align_up(brk))

    entry = program_entry
    base = 0
    if interp is not None:
        base = _map_segments(mm, interp, 0 if interp.type == ET_EXEC else None)
        entry = interp.entry + base
        if not 0 <= entry < TASK_SIZE:
            interp.fail(f"entry point {entry:#x} outside the user address space")
    return ElfImage(entry=entry, phdr=elf.phdr_offset_address() + load_bias, phnum=elf.phnum,
                    phent=PHDR.size, base=base, brk_start=mm.start_brk, load_bias=load_bias,
                    stack_exec=elf.stack_exec(), program_entry=program_entry)
