"""x86-64 4-level paging: page-table entry bits, address split helpers, user address limits.

A virtual address is split into four 9-bit table indices (PML4, PDPT, PD, PT) and a 12-bit
page offset. Every table is one 4 KiB page of 512 little-endian 64-bit entries.
"""

from __future__ import annotations

PAGE_SHIFT = 12
PAGE_SIZE = 1 << PAGE_SHIFT
PAGE_MASK = ~(PAGE_SIZE - 1)
ENTRIES_PER_TABLE = 512

PTE_P = 1 << 0  # present
PTE_RW = 1 << 1  # writable
PTE_US = 1 << 2  # user accessible
PTE_PWT = 1 << 3
PTE_PCD = 1 << 4
PTE_A = 1 << 5  # accessed
PTE_D = 1 << 6  # dirty (leaf only)
PTE_PS = 1 << 7  # large page (PDPT/PD level)
PTE_G = 1 << 8  # global
PTE_NX = 1 << 63  # no execute (needs EFER.NXE)
PTE_ADDR_MASK = 0x000F_FFFF_FFFF_F000

# Intermediate (non-leaf) entries of user tables: permissions are decided by the leaf.
PTE_TABLE = PTE_P | PTE_RW | PTE_US | PTE_A

# Levels as the shift of the address bits each level's index selects.
PML4_SHIFT = 39
PDPT_SHIFT = 30
PD_SHIFT = 21
PT_SHIFT = 12

# User half of the canonical address space; Linux's TASK_SIZE leaves the last page out.
USER_SPACE_END = 1 << 47
TASK_SIZE = USER_SPACE_END - PAGE_SIZE
USER_PML4_ENTRIES = 256  # PML4 indices 0..255 are user space, 256..511 the kernel's


def pml4_index(va: int) -> int:
    return (va >> PML4_SHIFT) & 511


def pdpt_index(va: int) -> int:
    return (va >> PDPT_SHIFT) & 511


def pd_index(va: int) -> int:
    return (va >> PD_SHIFT) & 511


def pt_index(va: int) -> int:
    return (va >> PT_SHIFT) & 511


def page_align_down(addr: int) -> int:
    return addr & PAGE_MASK


def page_align_up(addr: int) -> int:
    return (addr + PAGE_SIZE - 1) & PAGE_MASK
