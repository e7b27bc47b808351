"""x86-64 descriptor-table images: GDT entries, the 64-bit TSS, IDT gates, segment selectors.

Selectors follow Linux so that user-visible values (cs/ss in signal frames) agree:
kernel CS 0x10, kernel DS 0x18, user DS 0x2b, user CS 0x33, TSS at 0x40.
"""

from __future__ import annotations

import struct

KERNEL_CS = 0x10
KERNEL_DS = 0x18
USER32_CS = 0x23
USER_DS = 0x2B
USER_CS = 0x33
TSS_SEL = 0x40

TSS_SIZE = 104
IO_BITMAP_BYTES = 4  # covers ports 0..31
TSS_LIMIT = TSS_SIZE + IO_BITMAP_BYTES - 1

# Exceptions that push an error code.
ERROR_CODE_VECTORS = frozenset({8, 10, 11, 12, 13, 14, 17, 21, 29, 30})


def gdt_image() -> bytearray:
    """A GDT with Linux's layout; the TSS descriptor (slots 8-9) is filled by tss_descriptor()."""
    entries = [0] * 10
    entries[2] = 0x00AF9B000000FFFF  # kernel code, 64-bit, DPL0
    entries[3] = 0x00CF93000000FFFF  # kernel data
    entries[4] = 0x00CFFB000000FFFF  # user code 32-bit, DPL3
    entries[5] = 0x00CFF3000000FFFF  # user data, DPL3
    entries[6] = 0x00AFFB000000FFFF  # user code 64-bit, DPL3
    return bytearray(struct.pack("<10Q", *entries))


def tss_descriptor(base: int, limit: int) -> bytes:
    """The 16-byte system descriptor of an available 64-bit TSS."""
    low = (limit & 0xFFFF) | ((base & 0xFFFFFF) << 16) | (0x89 << 40) \
        | (((limit >> 16) & 0xF) << 48) | (((base >> 24) & 0xFF) << 56)
    return struct.pack("<QQ", low, base >> 32)


def tss_image(rsp0: int, allowed_ports: tuple[int, ...]) -> bytes:
    """A 64-bit TSS with RSP0 and an I/O permission bitmap that allows only `allowed_ports` at CPL3."""
    tss = bytearray(TSS_SIZE + IO_BITMAP_BYTES)
    struct.pack_into("<Q", tss, 4, rsp0)
    struct.pack_into("<H", tss, 102, TSS_SIZE)  # I/O map base
    bitmap = 0xFFFFFFFF
    for port in allowed_ports:
        bitmap &= ~(1 << port)
    struct.pack_into("<I", tss, TSS_SIZE, bitmap)
    return bytes(tss)


def idt_gate(handler: int, dpl: int = 0) -> bytes:
    """A 16-byte 64-bit interrupt gate to `handler` in the kernel code segment."""
    type_attr = 0x8E | (dpl << 5)
    return struct.pack("<HHBBHII", handler & 0xFFFF, KERNEL_CS, 0, type_attr,
                       (handler >> 16) & 0xFFFF, handler >> 32, 0)
