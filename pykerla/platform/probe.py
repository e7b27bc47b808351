"""The tiny user program both platforms' start-up self-tests run, in scratch frames.

Layout: code at 0x400000 (`mov rax,[0x401000] ; syscall ; jmp back`), data at 0x401000
holding PROBE_VALUE; the caller unmaps the data page (clears `data_pte` and logs it) to
prove that restrictive page-table changes reach the guest.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from pykerla.arch.x64.paging import PAGE_SIZE, PTE_NX, PTE_P, PTE_RW, PTE_US

CODE_VA = 0x400000
DATA_VA = 0x401000
PROBE_VALUE = 0x1234
PROBE_CODE = bytes([0x48, 0x8B, 0x04, 0x25, 0x00, 0x10, 0x40, 0x00,   # mov rax, [0x401000]
                    0x0F, 0x05,                                       # syscall
                    0xEB, 0xF4])                                      # jmp back to the load


@dataclass
class Probe:
    pml4: int        # physical address of the probe's page-table root
    data_pte: int    # physical address of the PTE mapping DATA_VA


def build_probe(ram: memoryview, frames: list[int], kernel_pml4_entries: dict[int, int]) -> Probe:
    """Write the probe's page tables, code and data into six scratch frames."""
    for f in frames[:6]:
        ram[f * PAGE_SIZE:(f + 1) * PAGE_SIZE] = bytes(PAGE_SIZE)
    pml4, pdpt, pd, pt, code, data = (f * PAGE_SIZE for f in frames[:6])
    for index, entry in kernel_pml4_entries.items():
        struct.pack_into("<Q", ram, pml4 + index * 8, entry)
    table_flags = PTE_P | PTE_RW | PTE_US
    struct.pack_into("<Q", ram, pml4, pdpt | table_flags)
    struct.pack_into("<Q", ram, pdpt, pd | table_flags)
    struct.pack_into("<Q", ram, pd + 2 * 8, pt | table_flags)
    struct.pack_into("<Q", ram, pt, code | PTE_P | PTE_US)
    data_pte = pt + 8
    struct.pack_into("<Q", ram, data_pte, data | PTE_P | PTE_US | PTE_NX)
    ram[code:code + len(PROBE_CODE)] = PROBE_CODE
    struct.pack_into("<Q", ram, data, PROBE_VALUE)
    return Probe(pml4, data_pte)
