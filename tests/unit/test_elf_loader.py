"""ELF loading and the initial stack, with real binaries (busybox, gcc -static, dynamic /bin/true)."""

from __future__ import annotations

import errno
import os
import shutil
import struct
import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_mm_support import BytesFile, host_file, new_mm, new_phys

from pykerla.errors import KernelError
from pykerla.mm import mman
from pykerla.process.elf import ELF_ET_DYN_BASE, ET_DYN, ET_EXEC, load_elf
from pykerla.process.exec_stack import (
    AT_BASE,
    AT_ENTRY,
    AT_EXECFN,
    AT_PHDR,
    AT_PHNUM,
    AT_PLATFORM,
    AT_RANDOM,
    AT_SYSINFO_EHDR,
    build_initial_stack,
)

BUSYBOX = "/bin/busybox"
HELLO_C = '#include <stdio.h>\nint big[5000];\nint main(void){puts("hello");return big[1];}\n'
RANDOM = bytes(range(16))


def no_interp(path: str) -> BytesFile:
    raise KernelError(errno.ENOENT)


def open_host(path: str) -> BytesFile:
    if not os.path.exists(path):
        raise KernelError(errno.ENOENT)
    return host_file(path)


@pytest.fixture(scope="module")
def compiled(tmp_path_factory) -> dict[str, str]:
    if shutil.which("gcc") is None:
        pytest.skip("gcc not installed")
    out = tmp_path_factory.mktemp("elf")
    src = out / "hello.c"
    src.write_text(HELLO_C)
    paths = {}
    for name, flags in (("static", ["-static"]), ("static_pie", ["-static-pie", "-fPIE"])):
        paths[name] = str(out / name)
        subprocess.run(["gcc", "-O2", *flags, str(src), "-o", paths[name]], check=True)
    return paths


def load_segments(data: bytes) -> list[tuple[int, int, int]]:
    """(p_offset, p_vaddr, p_filesz) of each PT_LOAD."""
    phoff, = struct.unpack_from("<Q", data, 32)
    phnum, = struct.unpack_from("<H", data, 56)
    segments = []
    for i in range(phnum):
        p_type, _flags, offset, vaddr, _paddr, filesz = struct.unpack_from("<IIQQQQ", data, phoff + 56 * i)
        if p_type == 1:
            segments.append((offset, vaddr, filesz))
    return segments


def expect_code_at(mm, file: BytesFile, addr: int, bias: int) -> None:
    """The 32 bytes at addr are the file's bytes for that (unbiased) address."""
    for offset, vaddr, filesz in load_segments(file.data):
        if vaddr <= addr - bias < vaddr + filesz:
            start = offset + addr - bias - vaddr
            assert mm.read(addr, 32) == file.data[start : start + 32]
            return
    raise AssertionError(f"{addr:#x} is in no PT_LOAD segment")


def test_busybox_et_exec():
    if not os.path.exists(BUSYBOX):
        pytest.skip("busybox not installed")
    file = host_file(BUSYBOX)
    mm = new_mm()
    image = load_elf(mm, file, no_interp)
    assert struct.unpack_from("<H", file.data, 16)[0] == ET_EXEC
    expect_code_at(mm, file, image.entry, 0)
    assert image.entry == image.program_entry and image.base == 0
    phoff, = struct.unpack_from("<Q", file.data, 32)
    assert mm.read(image.phdr, 56 * image.phnum) == file.data[phoff : phoff + 56 * image.phnum]
    lines = mm.maps_lines()
    assert lines[0].split()[1] == "r--p" and lines[0].endswith(os.path.realpath(BUSYBOX))
    assert any(line.split()[1] == "r-xp" for line in lines)
    assert mm.start_brk == image.brk_start and image.brk_start % 4096 == 0


def test_static_hello_layout(compiled):
    file = host_file(compiled["static"])
    mm = new_mm()
    image = load_elf(mm, file, no_interp)
    assert image.load_bias == 0 and image.phdr == 0x400040
    expect_code_at(mm, file, image.entry, 0)
    perms = [line.split()[1] for line in mm.maps_lines()]
    assert perms[:3] == ["r--p", "r-xp", "r--p"] and perms[-1] == "rw-p"
    bss = mm.vmas[-1]
    assert bss.backing is None and bss.end == image.brk_start  # .bss (int big[5000]) then brk
    assert mm.read(bss.start, 4096) == bytes(4096)
    # the partial page after p_filesz reads as zero (Linux padzero)
    data_vma = mm.vmas[-2]
    tail = mm.read(data_vma.end - 64, 64)
    assert tail == bytes(64)


def test_static_pie_goes_to_mmap_area(compiled):
    file = host_file(compiled["static_pie"])
    assert struct.unpack_from("<H", file.data, 16)[0] == ET_DYN
    mm = new_mm()
    image = load_elf(mm, file, no_interp)
    assert image.load_bias == mm.vmas[0].start and mm.vmas[-1].end == mm.mmap_base
    assert image.brk_start == (ELF_ET_DYN_BASE + 4095) & ~4095 == 0x555555555000
    expect_code_at(mm, file, image.entry, image.load_bias)


def test_dynamic_true_with_interpreter():
    if not os.path.exists("/bin/true"):
        pytest.skip("no /bin/true")
    file = host_file("/bin/true")
    opened = []

    def open_interp(path: str) -> BytesFile:
        opened.append(path)
        return open_host(path)

    mm = new_mm()
    image = load_elf(mm, file, open_interp)
    assert opened == ["/lib64/ld-linux-x86-64.so.2"]
    assert image.load_bias == 0x555555554000
    assert image.phdr == 0x555555554040
    assert image.base and image.entry != image.program_entry
    interp = open_host(opened[0])
    assert mm.read(image.base, 4) == b"\x7fELF"
    expect_code_at(mm, interp, image.entry, image.base)
    expect_code_at(mm, file, image.program_entry, image.load_bias)
    assert mm.vmas[-1].end == mm.mmap_base  # ld.so top-down right under mmap_base


def test_missing_interpreter_propagates_error():
    if not os.path.exists("/bin/true"):
        pytest.skip("no /bin/true")
    with pytest.raises(KernelError) as info:
        load_elf(new_mm(), host_file("/bin/true"), no_interp)
    assert info.value.errno == errno.ENOENT


@pytest.mark.parametrize("data, what", [
    (b"", "magic"),
    (b"#!/bin/sh\n", "magic"),
    (b"\x7fELF\x01\x01\x01" + bytes(60), "64-bit"),
    (b"\x7fELF\x02\x01\x01" + bytes(9), "truncated"),
])
def test_not_elf(data, what):
    with pytest.raises(KernelError) as info:
        load_elf(new_mm(), BytesFile(data), no_interp)
    assert info.value.errno == errno.ENOEXEC and what in str(info.value)


def test_foreign_machine_and_truncated_segments():
    if not os.path.exists(BUSYBOX):
        pytest.skip("busybox not installed")
    data = bytearray(host_file(BUSYBOX).data)
    arm = bytearray(data)
    arm[18:20] = struct.pack("<H", 183)  # EM_AARCH64
    with pytest.raises(KernelError, match="machine"):
        load_elf(new_mm(), BytesFile(bytes(arm)), no_interp)
    with pytest.raises(KernelError, match="end of the file"):
        load_elf(new_mm(), BytesFile(bytes(data[:8192])), no_interp)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 1023), st.integers(0, 255)), min_size=1, max_size=8))
def test_corrupt_headers_never_crash(flips):
    if not os.path.exists(BUSYBOX):
        pytest.skip("busybox not installed")
    data = bytearray(_busybox_head())
    for pos, value in flips:
        data[pos] = value
    phys = new_phys(16 << 20)
    mm = new_mm(phys)
    try:
        load_elf(mm, BytesFile(bytes(data)), no_interp)
    except KernelError as error:
        assert error.errno in (errno.ENOEXEC, errno.ENOENT, errno.ENOMEM)
    mm.release()
    assert phys.free_frames == phys.total_frames


_HEAD: list[bytes] = []


def _busybox_head() -> bytes:
    if not _HEAD:
        _HEAD.append(host_file(BUSYBOX).data)
    return _HEAD[0]


def parse_stack(mm, sp: int):
    argc = struct.unpack("<Q", mm.read(sp, 8))[0]
    ptr = sp + 8
    argv = [struct.unpack("<Q", mm.read(ptr + 8 * i, 8))[0] for i in range(argc)]
    ptr += 8 * (argc + 1)
    envp = []
    while (value := struct.unpack("<Q", mm.read(ptr, 8))[0]) != 0:
        envp.append(value)
        ptr += 8
    ptr += 8
    auxv = []
    while True:
        key, value = struct.unpack("<QQ", mm.read(ptr, 16))
        auxv.append((key, value))
        ptr += 16
        if key == 0:
            return argv, envp, auxv


def test_initial_stack_matches_linux_layout(compiled):
    mm = new_mm()
    image = load_elf(mm, host_file(compiled["static"]), no_interp)
    sp = build_initial_stack(mm, [b"./st", b"x"], [b"A=1"], image, b"./st", (0, 0, 0, 0), 0x178BFBFF, RANDOM,
                             sysinfo_ehdr=0x7FFFF7FFD000)
    assert sp % 16 == 0
    argv, envp, auxv = parse_stack(mm, sp)
    # addresses measured on Linux 6.18 (setarch -R env -i A=1 ./st x)
    assert argv == [0x7FFFFFFFEFE8, 0x7FFFFFFFEFED] and envp == [0x7FFFFFFFEFEF]
    assert [mm.read_cstring(p) for p in argv + envp] == [b"./st", b"x", b"A=1"]
    aux = dict(auxv)
    assert aux[AT_EXECFN] == 0x7FFFFFFFEFF3 and aux[AT_PLATFORM] == 0x7FFFFFFFEFD9
    assert aux[AT_RANDOM] == 0x7FFFFFFFEFC9 and mm.read(aux[AT_RANDOM], 16) == RANDOM
    assert mm.read_cstring(aux[AT_PLATFORM]) == b"x86_64"
    assert [k for k, _ in auxv] == [33, 16, 6, 17, 3, 4, 5, 7, 8, 9, 11, 12, 13, 14, 23, 25, 26, 31, 15, 0]
    assert aux[AT_SYSINFO_EHDR] == 0x7FFFF7FFD000 and aux[AT_PHDR] == 0x400040 and aux[AT_BASE] == 0
    assert aux[AT_ENTRY] == image.program_entry and aux[AT_PHNUM] == image.phnum
    assert mm.read(0x7FFFFFFFEFF8, 8) == bytes(8)
    assert mm.maps_lines()[-1] == "7ffffffde000-7ffffffff000 rw-p 00000000 00:00 0" + " " * 26 + "[stack]"
    assert mm.saved_auxv[:8] == struct.pack("<Q", 33)
    # the remaining auxv is after the envp NULL and ends below the random bytes
    assert sp + 8 * (1 + 3 + 2) + 16 * len(auxv) <= aux[AT_RANDOM]


def test_initial_stack_limits():
    mm = new_mm()
    image = type("Image", (), {"stack_exec": False})
    with pytest.raises(KernelError) as info:
        build_initial_stack(mm, [b"a" * (32 * 4096)], [], image, b"/x", (0, 0, 0, 0), 0, RANDOM)
    assert info.value.errno == errno.E2BIG
    with pytest.raises(KernelError) as info:
        build_initial_stack(mm, [b"a" * 100000] * 30, [], image, b"/x", (0, 0, 0, 0), 0, RANDOM)
    assert info.value.errno == errno.E2BIG
    assert not mm.vmas  # nothing was created


def test_empty_argv_and_exec_stack(compiled):
    mm = new_mm()
    image = load_elf(mm, host_file(compiled["static"]), no_interp)
    image.stack_exec = True
    sp = build_initial_stack(mm, [], [], image, b"/prog", (1000, 0, 1000, 1000), 0, RANDOM)
    argv, envp, auxv = parse_stack(mm, sp)
    assert len(argv) == 1 and mm.read_cstring(argv[0]) == b"" and envp == []
    assert dict(auxv)[23] == 1  # AT_SECURE: uid != euid
    assert mm.vma_at(sp).prot == mman.PROT_READ | mman.PROT_WRITE | mman.PROT_EXEC


def test_segments_out_of_order(compiled):
    data = bytearray(host_file(compiled["static"]).data)
    phoff, = struct.unpack_from("<Q", data, 32)
    first, second = phoff, phoff + 56  # both PT_LOAD in a gcc -static binary
    assert struct.unpack_from("<I", data, first)[0] == 1 == struct.unpack_from("<I", data, second)[0]
    data[first : first + 56], data[second : second + 56] = data[second : second + 56], data[first : first + 56]
    with pytest.raises(KernelError, match="ascending"):
        load_elf(new_mm(), BytesFile(bytes(data)), no_interp)
