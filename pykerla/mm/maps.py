"""/proc/pid/maps lines in Linux's exact format (fs/proc/task_mmu.c show_map_vma)."""

from __future__ import annotations

from pykerla.mm.mman import PROT_EXEC, PROT_READ, PROT_WRITE
from pykerla.mm.vma import VM_SHARED, Vma

_NAME_COLUMN = 25 + 8 * 6 - 1  # seq_setwidth: the path starts one space after this column


def dev_numbers(dev: int) -> tuple[int, int]:
    """(major, minor) of a st_dev value (glibc's gnu_dev_major/minor encoding)."""
    major = ((dev >> 8) & 0xFFF) | ((dev >> 32) & ~0xFFF)
    minor = (dev & 0xFF) | ((dev >> 12) & ~0xFF)
    return major, minor


def format_vma(vma: Vma, start_brk: int, brk: int, start_stack: int) -> str:
    """One maps line, without the newline."""
    dev = ino = offset = 0
    name = vma.name
    if vma.backing is not None:
        dev = getattr(vma.backing, "map_dev", 0)
        ino = getattr(vma.backing, "map_ino", 0)
        offset = vma.offset
        name = getattr(vma.backing, "map_name", "")
    elif name is None:
        if vma.start < brk and vma.end > start_brk:
            name = "[heap]"
        elif vma.start <= start_stack <= vma.end:
            name = "[stack]"
        elif vma.shared is not None:
            dev, ino, offset, name = 1, vma.shared.ident, vma.offset, "/dev/zero (deleted)"
    major, minor = dev_numbers(dev)
    prot = vma.prot
    line = (f"{vma.start:08x}-{vma.end:08x} "
            f"{'r' if prot & PROT_READ else '-'}{'w' if prot & PROT_WRITE else '-'}"
            f"{'x' if prot & PROT_EXEC else '-'}{'s' if vma.flags & VM_SHARED else 'p'} "
            f"{offset:08x} {major:02x}:{minor:02x} {ino} ")
    if name:
        line = line.ljust(_NAME_COLUMN) + " " + name
    return line
