"""The vDSO: image build and checks, the [vvar]/[vdso] mappings, and the TSC timekeeper."""

from __future__ import annotations

import struct
import time
from types import SimpleNamespace

import pytest
from test_mm_support import KERNEL_PML4, new_mm, new_phys

from pykerla.arch.x64.paging import PAGE_SIZE
from pykerla.arch.x64.tsc import host_tsc_reader
from pykerla.arch.x64.vdso_image import VdsoUnavailable, load_image, validate
from pykerla.mm.vdso import Vdso
from pykerla.platform.base import INTERRUPTED, RDI, SYSCALL
from pykerla.timekeeping import (
    CLOCK_BOOTTIME, CLOCK_MONOTONIC, CLOCK_MONOTONIC_COARSE, CLOCK_MONOTONIC_RAW, CLOCK_REALTIME,
    CLOCK_REALTIME_COARSE, SHIFT, VDSO_CLOCKS, VVAR_CLOCK, VVAR_HEADER, VVAR_MODE_SYSCALL, VVAR_MODE_TSC,
    Timekeeper, _Line,
)


@pytest.fixture(scope="module")
def image() -> bytes:
    try:
        return load_image()
    except VdsoUnavailable as e:
        pytest.skip(str(e))


@pytest.fixture(scope="module")
def read_tsc():  # noqa: ANN201
    try:
        return host_tsc_reader()
    except OSError as e:
        pytest.skip(f"no host TSC: {e}")


def dynamic_symbols(data: bytes) -> dict[str, str]:
    """name -> version of the defined dynamic symbols (via DT_HASH/SYMTAB/STRTAB/VERSYM/VERDEF)."""
    phoff, = struct.unpack_from("<Q", data, 32)
    phnum, = struct.unpack_from("<H", data, 56)
    tags: dict[int, int] = {}
    for i in range(phnum):
        p_type, _flags, offset, _vaddr, _paddr, filesz = struct.unpack_from("<IIQQQQ", data, phoff + 56 * i)
        if p_type == 2:
            for k in range(0, filesz, 16):
                tag, value = struct.unpack_from("<qQ", data, offset + k)
                tags.setdefault(tag, value)
    symtab, strtab, versym, verdef, hash_ = tags[6], tags[5], tags[0x6FFFFFF0], tags[0x6FFFFFFC], tags[4]

    def cstr(at: int) -> str:
        return data[at:data.index(b"\0", at)].decode()

    versions = {}
    at = verdef
    while True:
        _ver, _flags, ndx, _cnt, _hash, aux, nxt = struct.unpack_from("<HHHHIII", data, at)
        versions[ndx] = cstr(strtab + struct.unpack_from("<I", data, at + aux)[0])
        if not nxt:
            break
        at += nxt
    nsyms = struct.unpack_from("<I", data, hash_ + 4)[0]
    symbols = {}
    for i in range(1, nsyms):
        name, _info, _other, shndx = struct.unpack_from("<IBBH", data, symtab + 24 * i)
        if shndx:
            symbols[cstr(strtab + name)] = versions[struct.unpack_from("<H", data, versym + 2 * i)[0] & 0x7FFF]
    return symbols


def test_image_exports_linux_symbols(image: bytes) -> None:
    symbols = dynamic_symbols(image)
    for name in ("clock_gettime", "gettimeofday", "time", "clock_getres", "getcpu"):
        assert symbols[name] == "LINUX_2.6"
        assert symbols[f"__vdso_{name}"] == "LINUX_2.6"
    assert b"linux-vdso.so.1\0" in image
    assert len(image) <= 2 * PAGE_SIZE


def test_validate_rejects_what_cannot_be_mapped(image: bytes) -> None:
    validate(image)
    with pytest.raises(VdsoUnavailable):
        validate(b"\x7fELF" + bytes(60))
    with pytest.raises(VdsoUnavailable):
        validate(b"MZ" + image[2:])
    with pytest.raises(VdsoUnavailable):
        validate(image[:18] + struct.pack("<H", 3) + image[20:])     # EM_386


class FakeVcpu:
    """Runs the TSC probe 'natively': reports the host counter, as a guest sharing it would."""

    def __init__(self, read_tsc, offset: int = 0, ticks: int = 0) -> None:  # noqa: ANN001
        self.read_tsc, self.offset, self.ticks = read_tsc, offset, ticks

    def run(self, ctx):  # noqa: ANN001, ANN201
        if self.ticks:
            self.ticks -= 1
            return INTERRUPTED
        ctx.regs[RDI] = self.read_tsc() + self.offset
        return SYSCALL

    def forget(self, ctx) -> None:  # noqa: ANN001
        pass


def fake_kernel(vcpu: FakeVcpu) -> SimpleNamespace:
    return SimpleNamespace(phys=new_phys(), platform=SimpleNamespace(kernel_pml4_entries=KERNEL_PML4), vcpu=vcpu)


def test_map_into_shows_vvar_then_vdso_and_survives_fork(image: bytes, read_tsc) -> None:  # noqa: ANN001
    kernel = fake_kernel(FakeVcpu(read_tsc, ticks=1))
    vdso = Vdso(kernel, image)
    assert vdso.timekeeper is not None
    mm = new_mm(kernel.phys)
    ehdr = vdso.map_into(mm)
    assert mm.read(ehdr, len(image)) == image
    names = [line.split()[-1] for line in mm.maps_lines()]
    assert names == ["[vvar]", "[vdso]"]
    assert [line.split()[1] for line in mm.maps_lines()] == ["r--p", "r-xp"]
    assert not mm.handle_fault(ehdr - PAGE_SIZE, write=True, fetch=False)    # [vvar] is read-only
    child = mm.fork()
    assert child.read(ehdr, 4) == b"\x7fELF"
    assert child.read(ehdr - PAGE_SIZE, 4) == mm.read(ehdr - PAGE_SIZE, 4)
    child.release()
    mm.release()
    assert kernel.phys.refcount(vdso.vvar_frame) == 1     # the kernel's own reference stays


def test_guest_with_another_tsc_gets_syscall_mode(image: bytes, read_tsc) -> None:  # noqa: ANN001
    vdso = Vdso(fake_kernel(FakeVcpu(read_tsc, offset=-(1 << 40))), image)
    assert vdso.timekeeper is None
    assert "system calls" in vdso.status
    assert VVAR_HEADER.unpack_from(vdso.vvar)[1] == VVAR_MODE_SYSCALL


def vvar_clock(vvar: memoryview, clock: int, tsc: int) -> int:
    """What vdso.c computes from the page."""
    _seq, mode, tsc_base, shift, mask, _res = VVAR_HEADER.unpack_from(vvar)
    assert mode == VVAR_MODE_TSC and mask & (1 << clock)
    base, mult = VVAR_CLOCK.unpack_from(vvar, VVAR_HEADER.size + clock * VVAR_CLOCK.size)
    return base + ((max(tsc - tsc_base, 0) * mult) >> shift)


def test_timekeeper_matches_host_and_never_goes_back(read_tsc) -> None:  # noqa: ANN001
    vvar = memoryview(bytearray(PAGE_SIZE))
    keeper = Timekeeper(read_tsc, vvar)
    hosts = {CLOCK_REALTIME: time.CLOCK_REALTIME, CLOCK_MONOTONIC: time.CLOCK_MONOTONIC,
             CLOCK_MONOTONIC_RAW: time.CLOCK_MONOTONIC_RAW, CLOCK_BOOTTIME: time.CLOCK_BOOTTIME}
    last = {clock: 0 for clock in VDSO_CLOCKS}
    deadline = time.monotonic() + 0.3
    worst = rounds = 0
    while time.monotonic() < deadline:
        rounds += 1
        for clock in VDSO_CLOCKS:
            before = time.clock_gettime_ns(hosts.get(clock, time.CLOCK_MONOTONIC))
            value = keeper.now(clock)
            after = time.clock_gettime_ns(hosts.get(clock, time.CLOCK_MONOTONIC))
            assert value is not None and value >= last[clock] or clock in (CLOCK_REALTIME, CLOCK_REALTIME_COARSE)
            last[clock] = value
            if clock in hosts and after - before < 100_000:     # not preempted while reading
                worst = max(worst, before - value, value - after)
        if rounds % 500 == 0:
            time.sleep(0.03)    # idle gaps: nobody reads the clocks, the next read updates first
    assert worst < 1_000_000, f"{worst} ns away from the host"
    assert keeper.now(CLOCK_MONOTONIC_COARSE) <= keeper.now(CLOCK_MONOTONIC)
    assert keeper.now(2) is None and keeper.now(99) is None


def test_vvar_page_gives_what_the_kernel_reads(read_tsc) -> None:  # noqa: ANN001
    vvar = memoryview(bytearray(PAGE_SIZE))
    keeper = Timekeeper(read_tsc, vvar)
    for clock in (CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_BOOTTIME, CLOCK_MONOTONIC_RAW):
        kernel_value = keeper.now(clock)
        assert kernel_value is not None
        guest_value = vvar_clock(vvar, clock, read_tsc())
        assert 0 <= guest_value - kernel_value < 5_000_000
    tsc = read_tsc()
    assert vvar_clock(vvar, CLOCK_MONOTONIC_COARSE, tsc) == vvar_clock(vvar, CLOCK_MONOTONIC, keeper.tsc_base)


def test_line_steering_never_steps_back() -> None:
    one_ns = 1 << SHIFT     # one ns per cycle
    line = _Line(0, base=1000, mult=one_ns, origin_ns=0, origin_tsc=0)
    line.steer(tsc_base=1000, tsc=2000, host_ns=1990)     # ahead by 10: keep the value, run slower
    assert line.base == 2000 and line.mult < one_ns
    line.steer(tsc_base=2000, tsc=3000, host_ns=3500)     # behind: step forward to the host
    assert line.base == 3500
    assert line.mult == (3500 << SHIFT) // 3000


def test_without_gcc_there_is_no_vdso_and_the_reason_is_given(monkeypatch, tmp_path) -> None:  # noqa: ANN001
    from pykerla.arch.x64 import vdso_image
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(vdso_image.tempfile, "gettempdir", lambda: str(tmp_path / "tmp"))
    monkeypatch.setattr(vdso_image.shutil, "which", lambda _name: None)
    vdso, status = Vdso.create(SimpleNamespace())
    assert vdso is None
    assert status == "no vDSO: no gcc on this host to build the vDSO"
