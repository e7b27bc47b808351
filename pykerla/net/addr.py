"""Socket addresses: decoding the sockaddr a program passes and encoding the one it gets back.

Layouts (x86-64 Linux): sockaddr_un = family u16 + sun_path[108] (110 bytes);
sockaddr_in = family u16, port be16, addr 4 bytes, zero[8] (16 bytes); sockaddr_in6 =
family u16, port be16, flowinfo be32, addr 16 bytes, scope_id u32 (28 bytes).

A Unix address is kept as the bytes after the family: b"" (unnamed), b"\\0..." (abstract,
exact length) or a path (no terminating NUL). An inet address is (host bytes, port).
"""

from __future__ import annotations

import errno
import struct
from typing import NamedTuple

from ..errors import KernelError

AF_UNSPEC = 0
AF_UNIX = 1
AF_INET = 2
AF_INET6 = 10
AF_NETLINK = 16

SUN_PATH_OFFSET = 2
SOCKADDR_UN_SIZE = 110
SOCKADDR_IN_SIZE = 16
SOCKADDR_IN6_SIZE = 28
SIN6_LEN_RFC2133 = 24
MAX_SOCKADDR = 128  # sizeof(struct sockaddr_storage)

INADDR_ANY = bytes(4)
IN6ADDR_ANY = bytes(16)
IN6ADDR_LOOPBACK = bytes(15) + b"\x01"
INADDR_LOOPBACK = bytes([127, 0, 0, 1])
V4_MAPPED_PREFIX = bytes(10) + b"\xff\xff"  # ::ffff:a.b.c.d, an IPv4 address seen by IPv6

_FAMILY = struct.Struct("<H")
_IN = struct.Struct("<HH4s8x")
_IN6 = struct.Struct("<HHI16sI")


class InetAddr(NamedTuple):
    """An AF_INET or AF_INET6 address: `host` is 4 or 16 bytes."""

    family: int
    host: bytes
    port: int

    @property
    def is_any(self) -> bool:
        return not any(self.host)

    @property
    def is_loopback(self) -> bool:
        if self.family == AF_INET:
            return self.host[0] == 127
        return self.host == IN6ADDR_LOOPBACK or (self.is_v4_mapped and self.host[12] == 127)

    @property
    def is_v4_mapped(self) -> bool:
        return self.family == AF_INET6 and self.host[:12] == V4_MAPPED_PREFIX

    @property
    def reaches_v4(self) -> bool:
        """Whether the address names an IPv4 endpoint (directly or v4-mapped)."""
        return self.family == AF_INET or self.is_v4_mapped

    def with_port(self, port: int) -> InetAddr:
        return InetAddr(self.family, self.host, port)

    def as_family(self, family: int) -> InetAddr:
        """The same IPv4 endpoint as a socket of `family` names it (a.b.c.d <-> ::ffff:a.b.c.d)."""
        if self.family == family:
            return self
        if family == AF_INET6:
            return InetAddr(AF_INET6, V4_MAPPED_PREFIX + self.host, self.port)
        return InetAddr(AF_INET, self.host[12:], self.port)


def any_addr(family: int) -> InetAddr:
    return InetAddr(family, INADDR_ANY if family == AF_INET else IN6ADDR_ANY, 0)


def family_of(raw: bytes) -> int:
    if len(raw) < 2:
        raise KernelError(errno.EINVAL)
    return _FAMILY.unpack_from(raw)[0]


def read_sockaddr(task: object, addr: int, addrlen: int) -> bytes:
    """The raw sockaddr bytes a call passes (EINVAL for a negative or oversized length)."""
    if addrlen < 0 or addrlen > MAX_SOCKADDR:
        raise KernelError(errno.EINVAL)
    if addrlen == 0:
        return b""
    return task.mm.read(addr, addrlen)  # type: ignore[attr-defined]


def decode_unix(raw: bytes) -> bytes:
    """The name in a sockaddr_un (EINVAL for a bad family or length): b"" asks for autobind,
    an abstract name keeps its exact length, a path stops at the first NUL."""
    if len(raw) < SUN_PATH_OFFSET or len(raw) > SOCKADDR_UN_SIZE or family_of(raw) != AF_UNIX:
        raise KernelError(errno.EINVAL)
    name = raw[SUN_PATH_OFFSET:]
    if name[:1] == b"\0":
        return name
    return name.split(b"\0", 1)[0]


def encode_unix(name: bytes) -> bytes:
    """sockaddr_un for a bound name (path: with its NUL, as getsockname reports), or just
    the family for an unnamed socket."""
    raw = _FAMILY.pack(AF_UNIX) + name
    if name and name[0] != 0:
        raw += b"\0"
    return raw


def decode_inet(raw: bytes, family: int, for_bind: bool) -> InetAddr:
    """An AF_INET/AF_INET6 address for a socket of `family` (bind accepts AF_UNSPEC with
    the any address on IPv4 sockets, as Linux does for compatibility)."""
    if family == AF_INET:
        if len(raw) < SOCKADDR_IN_SIZE:
            raise KernelError(errno.EINVAL)
        fam, port, host = _IN.unpack_from(raw)
        if fam != AF_INET and not (for_bind and fam == AF_UNSPEC and host == INADDR_ANY):
            raise KernelError(errno.EAFNOSUPPORT)
        return InetAddr(AF_INET, host, int.from_bytes(port.to_bytes(2, "little"), "big"))
    if len(raw) < SIN6_LEN_RFC2133:
        raise KernelError(errno.EINVAL)
    raw = raw.ljust(SOCKADDR_IN6_SIZE, b"\0")
    fam, port, _flow, host, _scope = _IN6.unpack_from(raw)
    if fam != AF_INET6:
        raise KernelError(errno.EAFNOSUPPORT)
    return InetAddr(AF_INET6, host, int.from_bytes(port.to_bytes(2, "little"), "big"))


def encode_inet(addr: InetAddr) -> bytes:
    port = int.from_bytes(addr.port.to_bytes(2, "big"), "little")
    if addr.family == AF_INET:
        return _IN.pack(AF_INET, port, addr.host)
    return _IN6.pack(AF_INET6, port, 0, addr.host, 0)


def write_sockaddr(task: object, raw: bytes, addr: int, len_addr: int) -> None:
    """move_addr_to_user: copy at most *len_addr bytes of `raw` and store its full length
    there (EINVAL for a negative length). Nothing happens when addr is NULL."""
    if not addr:
        return
    mm = task.mm  # type: ignore[attr-defined]
    have = struct.unpack("<i", mm.read(len_addr, 4))[0]
    if have < 0:
        raise KernelError(errno.EINVAL)
    if have and raw:
        mm.write(addr, raw[:have])
    mm.write(len_addr, struct.pack("<i", len(raw)))
