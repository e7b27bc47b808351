"""The system-call table: number -> handler, with argument kinds for decoding and tracing.

Handlers are registered with the @syscall decorator:

    @syscall(0, "read", "fd", "p", "u")
    def sys_read(task, fd: int, buf: int, count: int) -> int: ...

Each argument kind says how the raw 64-bit register is converted before the handler sees
it and how --trace prints it:
    i      C int: sign-extended from 32 bits, printed in decimal
    fd     file descriptor (an int)
    dirfd  directory fd (an int; -100 prints as AT_FDCWD)
    l      signed long
    u      unsigned long, decimal
    x      unsigned, hexadecimal (flags, masks)
    o      unsigned, octal (modes)
    p      user pointer (printed hex, NULL for 0)
    s      user pointer to a NUL-terminated string (printed as the string)
Handlers return an int (>= 0) or raise KernelError(errno) / WouldBlock.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

ARG_KINDS = frozenset({"i", "fd", "dirfd", "l", "u", "x", "o", "p", "s"})
_MASK64 = (1 << 64) - 1


@dataclass(slots=True)
class SyscallSpec:
    number: int
    name: str
    handler: Callable[..., int]
    kinds: tuple[str, ...]


TABLE: dict[int, SyscallSpec] = {}


def syscall(number: int, name: str, *kinds: str) -> Callable[[Callable[..., int]], Callable[..., int]]:
    """Register `handler` as system call `number`."""
    for kind in kinds:
        if kind not in ARG_KINDS:
            raise ValueError(f"{name}: unknown argument kind {kind!r}")

    def register(handler: Callable[..., int]) -> Callable[..., int]:
        if number in TABLE:
            raise ValueError(f"syscall {number} registered twice ({TABLE[number].name}, {name})")
        TABLE[number] = SyscallSpec(number, name, handler, tuple(kinds))
        return handler

    return register


def convert(kind: str, raw: int) -> int:
    """Convert a raw register value to what a handler of this argument kind receives."""
    if kind in ("i", "fd", "dirfd"):
        raw &= 0xFFFFFFFF
        return raw - (1 << 32) if raw & 0x80000000 else raw
    if kind == "l":
        raw &= _MASK64
        return raw - (1 << 64) if raw >> 63 else raw
    return raw & _MASK64


def convert_args(spec: SyscallSpec, raw: Any) -> list[int]:
    return [convert(kind, raw[i]) for i, kind in enumerate(spec.kinds)]
