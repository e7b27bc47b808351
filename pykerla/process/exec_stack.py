"""The initial user stack of a new program: strings, argv/envp pointers and the ELF auxiliary
vector, laid out byte for byte as Linux does (fs/exec.c + binfmt_elf.c create_elf_tables).

From the top (0x7ffffffff000) down: an 8-byte zero word, the execfn string, the envp then
argv strings (argv[0] lowest), then at a 16-byte aligned point the platform string
"x86_64", 16 random bytes, and below them argc, argv[], NULL, envp[], NULL, auxv pairs,
AT_NULL -- with argc at the returned, 16-byte aligned stack pointer.
"""

from __future__ import annotations

import errno
import struct

from pykerla.arch.x64.paging import PAGE_MASK, PAGE_SIZE, TASK_SIZE
from pykerla.errors import KernelError
from pykerla.mm import mman
from pykerla.mm.address_space import AddressSpace
from pykerla.process.elf import ElfImage

STACK_TOP = TASK_SIZE
STACK_EXPAND = 128 << 10  # Linux setup_arg_pages grows the fresh stack by this much
MAX_ARG_STRLEN = 32 * PAGE_SIZE  # one argument or environment string, NUL included
ARG_MAX = 32 * PAGE_SIZE
STK_LIM = 8 << 20
PLATFORM = b"x86_64\0"
CLOCKS_PER_SEC = 100

AT_NULL = 0
AT_PHDR = 3
AT_PHENT = 4
AT_PHNUM = 5
AT_PAGESZ = 6
AT_BASE = 7
AT_FLAGS = 8
AT_ENTRY = 9
AT_UID = 11
AT_EUID = 12
AT_GID = 13
AT_EGID = 14
AT_PLATFORM = 15
AT_HWCAP = 16
AT_CLKTCK = 17
AT_SECURE = 23
AT_RANDOM = 25
AT_HWCAP2 = 26
AT_EXECFN = 31
AT_SYSINFO_EHDR = 33
AT_MINSIGSTKSZ = 51


def check_arg_limits(argv: list[bytes], envp: list[bytes], execfn: bytes, stack_rlimit: int) -> None:
    """E2BIG when the strings do not fit Linux's limits (bprm_stack_limits / copy_strings)."""
    limit = max(min(STK_LIM // 4 * 3, stack_rlimit // 4), ARG_MAX)
    pointers = (max(len(argv), 1) + len(envp)) * 8
    if limit <= pointers:
        raise KernelError(errno.E2BIG)
    total = 0
    for string in (execfn, *envp, *argv):
        size = len(string) + 1
        if size > MAX_ARG_STRLEN:
            raise KernelError(errno.E2BIG, "argument or environment string too long")
        total += size
    if total > limit - pointers:
        raise KernelError(errno.E2BIG, "argument list too long")


def build_initial_stack(mm: AddressSpace, argv: list[bytes], envp: list[bytes], image: ElfImage,
                        execfn: bytes, creds: tuple[int, int, int, int], hwcap: int, random16: bytes,
                        *, sysinfo_ehdr: int = 0, minsigstksz: int = 0, hwcap2: int = 0) -> int:
    """Create the stack VMA of a freshly loaded program and fill it; returns the initial rsp.

    creds = (uid, euid, gid, egid). AT_SYSINFO_EHDR / AT_MINSIGSTKSZ are included when
    sysinfo_ehdr / minsigstksz are non-zero. An empty argv becomes [b""] as in Linux >= 5.18.
    """
    if len(random16) != 16:
        raise ValueError("random16 must be 16 bytes")
    if not argv:
        argv = [b""]
    check_arg_limits(argv, envp, execfn, mm.stack_rlimit)

    strings = b"".join(s + b"\0" for s in argv) + b"".join(s + b"\0" for s in envp) + execfn + b"\0"
    string_start = STACK_TOP - 8 - len(strings)
    stack_size = STACK_TOP - (string_start & PAGE_MASK)
    stack_rlimit = mm.stack_rlimit & PAGE_MASK
    if stack_size + STACK_EXPAND > stack_rlimit:
        vm_start = STACK_TOP - stack_rlimit
    else:
        vm_start = (string_start & PAGE_MASK) - STACK_EXPAND
    prot = mman.PROT_READ | mman.PROT_WRITE | (mman.PROT_EXEC if image.stack_exec else 0)
    mm.mmap(vm_start, STACK_TOP - vm_start, prot,
            mman.MAP_PRIVATE | mman.MAP_ANONYMOUS | mman.MAP_FIXED | mman.MAP_GROWSDOWN)
    mm.write(string_start, strings)

    argv_ptrs = []
    p = string_start
    for s in argv:
        argv_ptrs.append(p)
        p += len(s) + 1
    env_ptrs = []
    for s in envp:
        env_ptrs.append(p)
        p += len(s) + 1
    execfn_addr = p
    mm.start_stack = mm.arg_start = string_start
    mm.arg_end = mm.env_start = env_ptrs[0] if env_ptrs else execfn_addr
    mm.env_end = execfn_addr

    p = string_start & ~15
    p -= len(PLATFORM)
    platform_addr = p
    mm.write(p, PLATFORM)
    p -= 16
    random_addr = p
    mm.write(p, random16)

    uid, euid, gid, egid = creds
    auxv: list[tuple[int, int]] = []
    if sysinfo_ehdr:
        auxv.append((AT_SYSINFO_EHDR, sysinfo_ehdr))
    if minsigstksz:
        auxv.append((AT_MINSIGSTKSZ, minsigstksz))
    auxv += [
        (AT_HWCAP, hwcap), (AT_PAGESZ, PAGE_SIZE), (AT_CLKTCK, CLOCKS_PER_SEC),
        (AT_PHDR, image.phdr), (AT_PHENT, image.phent), (AT_PHNUM, image.phnum),
        (AT_BASE, image.base), (AT_FLAGS, 0), (AT_ENTRY, image.program_entry),
        (AT_UID, uid), (AT_EUID, euid), (AT_GID, gid), (AT_EGID, egid),
        (AT_SECURE, int(uid != euid or gid != egid)), (AT_RANDOM, random_addr), (AT_HWCAP2, hwcap2),
        (AT_EXECFN, execfn_addr), (AT_PLATFORM, platform_addr), (AT_NULL, 0),
    ]
    aux_words = [word for pair in auxv for word in pair]
    words = [len(argv), *argv_ptrs, 0, *env_ptrs, 0, *aux_words]
    sp = (p - len(aux_words) * 8 - (len(words) - len(aux_words)) * 8) & ~15
    table = struct.pack(f"<{len(words)}Q", *words)
    mm.write(sp, table)
    mm.saved_auxv = struct.pack(f"<{len(aux_words)}Q", *aux_words)
    return sp
