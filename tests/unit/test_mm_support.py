"""Shared helpers for the mm / ELF unit tests: guest RAM over a bytearray, host-file backings."""

from __future__ import annotations

import os

from pykerla.mm.address_space import AddressSpace
from pykerla.mm.physical import PhysicalMemory

RAM_SIZE = 64 << 20
FIRST_FRAME = 16
KERNEL_PML4 = {511: 0x5003}


def new_phys(size: int = RAM_SIZE) -> PhysicalMemory:
    return PhysicalMemory(memoryview(bytearray(size)), FIRST_FRAME, size // 4096)


def new_mm(phys: PhysicalMemory | None = None) -> AddressSpace:
    return AddressSpace(phys or new_phys(), KERNEL_PML4)


class BytesFile:
    """A Backing over bytes in memory."""

    def __init__(self, data: bytes, name: str = "/file", ino: int = 7) -> None:
        self.data = data
        self.map_name = name
        self.map_dev = os.makedev(8, 1)
        self.map_ino = ino
        self.reads = 0

    def pread(self, offset: int, size: int) -> bytes:
        self.reads += 1
        return self.data[offset : offset + size]


def host_file(path: str) -> BytesFile:
    with open(path, "rb") as f:
        return BytesFile(f.read(), os.path.realpath(path), os.stat(path).st_ino)
