"""The host CPU's time-stamp counter, read from Python (`lfence; rdtsc` in an executable page
called through ctypes, ~0.2 us). The kernel's clocks are lines of this counter; guest code
reads the same counter with the same instruction (see pykerla/timekeeping.py).
"""

from __future__ import annotations

import ctypes
import mmap
from collections.abc import Callable

# lfence ; rdtsc ; shl rdx, 32 ; or rax, rdx ; ret
_CODE = bytes([0x0F, 0xAE, 0xE8, 0x0F, 0x31, 0x48, 0xC1, 0xE2, 0x20, 0x48, 0x09, 0xD0, 0xC3])
# the same, then `mov rdi, rax ; syscall`: a guest probe that reports its counter in rdi
GUEST_PROBE = _CODE[:-1] + bytes([0x48, 0x89, 0xC7, 0x0F, 0x05])

_page: mmap.mmap | None = None
_reader: Callable[[], int] | None = None


def host_tsc_reader() -> Callable[[], int]:
    """A function returning the host's TSC; OSError when no executable page can be made."""
    global _page, _reader
    if _reader is None:
        page = mmap.mmap(-1, mmap.PAGESIZE, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
        page.write(_CODE)
        address = ctypes.addressof(ctypes.c_char.from_buffer(page))
        _page, _reader = page, ctypes.CFUNCTYPE(ctypes.c_uint64)(address)
    return _reader
