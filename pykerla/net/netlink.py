"""A minimal NETLINK_ROUTE: enough for glibc's getifaddrs and `ip addr` to see `lo`.

The guest's only interface is lo (index 1, 127.0.0.1/8 and ::1/128). Requests handled:
RTM_GETLINK and RTM_GETADDR dumps (an address family in the request's first payload byte
filters addresses). Any other request is answered with NLMSG_ERROR EOPNOTSUPP; NLM_F_ACK
gets its acknowledgement. Answers are datagrams from the kernel (port id 0): the dump's
messages in one, NLMSG_DONE in the next, as Linux sends them.

Layouts: nlmsghdr = len u32, type u16, flags u16, seq u32, pid u32; sockaddr_nl = family
u16, pad u16, pid u32, groups u32; ifinfomsg = family u8, pad, type u16, index i32,
flags u32, change u32; ifaddrmsg = family u8, prefixlen u8, flags u8, scope u8, index u32;
rtattr = len u16, type u16, data padded to 4 bytes.
"""

from __future__ import annotations

import errno
import itertools
import struct
import weakref
from typing import Any

from ..errors import KernelError
from .addr import AF_INET, AF_INET6, AF_NETLINK, AF_UNSPEC, IN6ADDR_LOOPBACK, INADDR_LOOPBACK
from .cmsg import Ancillary
from .dgram import Datagram, DgramSocket
from .namespace import NetNamespace, net_of
from .socket import MSG_OOB, SOCK_DGRAM, SOCK_RAW, Socket, owner_of

NETLINK_ROUTE = 0
NLMSG_ERROR, NLMSG_DONE = 2, 3
NLM_F_REQUEST, NLM_F_MULTI, NLM_F_ACK, NLM_F_DUMP = 0x1, 0x2, 0x4, 0x300
RTM_NEWLINK, RTM_GETLINK, RTM_NEWADDR, RTM_GETADDR = 16, 18, 20, 22
IFLA_ADDRESS, IFLA_BROADCAST, IFLA_IFNAME, IFLA_MTU, IFLA_QDISC, IFLA_TXQLEN, IFLA_OPERSTATE = 1, 2, 3, 4, 6, 13, 16
IFA_ADDRESS, IFA_LOCAL, IFA_LABEL, IFA_FLAGS = 1, 2, 3, 8
ARPHRD_LOOPBACK = 772
IFF_UP, IFF_LOOPBACK, IFF_RUNNING, IFF_LOWER_UP = 0x1, 0x8, 0x40, 0x10000
IFA_F_PERMANENT = 0x80
RT_SCOPE_HOST = 254
LO_INDEX, LO_MTU = 1, 65536

_NLMSGHDR = struct.Struct("<IHHII")
_SOCKADDR_NL = struct.Struct("<HHII")
_IFINFOMSG = struct.Struct("<BxHiII")
_IFADDRMSG = struct.Struct("<BBBBI")
_RTATTR = struct.Struct("<HH")
KERNEL_NAME = _SOCKADDR_NL.pack(AF_NETLINK, 0, 0, 0)

# The addresses of lo: (family, address, prefix length).
LO_ADDRESSES = ((AF_INET, INADDR_LOOPBACK, 8), (AF_INET6, IN6ADDR_LOOPBACK, 128))


def _align(data: bytes) -> bytes:
    return data + bytes(-len(data) % 4)


def rtattr(kind: int, data: bytes) -> bytes:
    return _align(_RTATTR.pack(_RTATTR.size + len(data), kind) + data)


def nlmsg(kind: int, flags: int, seq: int, pid: int, payload: bytes) -> bytes:
    return _align(_NLMSGHDR.pack(_NLMSGHDR.size + len(payload), kind, flags, seq, pid) + payload)


def link_messages() -> list[tuple[int, bytes]]:
    flags = IFF_UP | IFF_LOOPBACK | IFF_RUNNING | IFF_LOWER_UP
    payload = (_IFINFOMSG.pack(AF_UNSPEC, ARPHRD_LOOPBACK, LO_INDEX, flags, 0)
               + rtattr(IFLA_IFNAME, b"lo\0") + rtattr(IFLA_TXQLEN, struct.pack("<I", 1000))
               + rtattr(IFLA_OPERSTATE, b"\0") + rtattr(IFLA_MTU, struct.pack("<I", LO_MTU))
               + rtattr(IFLA_QDISC, b"noqueue\0") + rtattr(IFLA_ADDRESS, bytes(6))
               + rtattr(IFLA_BROADCAST, bytes(6)))
    return [(RTM_NEWLINK, payload)]


def address_messages(family: int) -> list[tuple[int, bytes]]:
    out = []
    for fam, host, prefix in LO_ADDRESSES:
        if family not in (AF_UNSPEC, fam):
            continue
        payload = _IFADDRMSG.pack(fam, prefix, IFA_F_PERMANENT, RT_SCOPE_HOST, LO_INDEX) + rtattr(IFA_ADDRESS, host)
        if fam == AF_INET:
            payload += rtattr(IFA_LOCAL, host) + rtattr(IFA_LABEL, b"lo\0")
        payload += rtattr(IFA_FLAGS, struct.pack("<I", IFA_F_PERMANENT))
        out.append((RTM_NEWADDR, payload))
    return out


_next_port = itertools.count(-4096, -1)   # port ids after a process's first: negative, as Linux's


class NetlinkSocket(DgramSocket):
    """An AF_NETLINK / NETLINK_ROUTE socket talking to the kernel only."""

    family = AF_NETLINK

    def __init__(self, owner: tuple[int, int], sock_type: int, nonblocking: bool, tgid: int,
                 bound: weakref.WeakSet[NetlinkSocket]) -> None:
        super().__init__(owner, sock_type, nonblocking)
        self.protocol = NETLINK_ROUTE
        self.port_id: int | None = None
        self.tgid = tgid
        self.bound = bound          # the bound netlink sockets of this network namespace

    def _autobind(self) -> None:
        if self.port_id is None:
            taken = {s.port_id for s in self.bound}
            self.port_id = self.tgid if self.tgid not in taken else next(p for p in _next_port if p not in taken)
            self.bound.add(self)

    def bind(self, task: Any, raw: bytes) -> None:
        if len(raw) < _SOCKADDR_NL.size:
            raise KernelError(errno.EINVAL)
        family, _pad, pid, groups = _SOCKADDR_NL.unpack_from(raw)
        if family != AF_NETLINK:
            raise KernelError(errno.EINVAL)
        if groups:
            raise KernelError(errno.EPERM if task.creds.euid else errno.EOPNOTSUPP)
        if pid:
            if self.port_id is not None and self.port_id != pid:
                raise KernelError(errno.EINVAL)
            if any(s.port_id == pid for s in self.bound if s is not self):
                raise KernelError(errno.EADDRINUSE)
            self.port_id = pid
            self.bound.add(self)
        else:
            self._autobind()

    def connect(self, task: Any, raw: bytes) -> None:
        """Only the kernel (port id 0) can be a peer here."""
        if len(raw) < _SOCKADDR_NL.size or _SOCKADDR_NL.unpack_from(raw)[0] != AF_NETLINK:
            raise KernelError(errno.EINVAL)
        if _SOCKADDR_NL.unpack_from(raw)[2] != 0:
            raise KernelError(errno.ECONNREFUSED)
        self._autobind()

    def sockname(self) -> bytes:
        return _SOCKADDR_NL.pack(AF_NETLINK, 0, self.port_id or 0, 0)

    def peername(self) -> bytes:
        return KERNEL_NAME

    def sendmsg(self, task: Any, data: bytes, dest: bytes | None, anc: Ancillary | None, flags: int) -> int:
        if flags & MSG_OOB:
            raise KernelError(errno.EOPNOTSUPP)
        if dest:
            if len(dest) < _SOCKADDR_NL.size:
                raise KernelError(errno.EINVAL)
            if _SOCKADDR_NL.unpack_from(dest)[2] != 0:
                raise KernelError(errno.ECONNREFUSED)   # no user-space peers here
        self._autobind()
        offset = 0
        while offset + _NLMSGHDR.size <= len(data):
            length, kind, msg_flags, seq, _pid = _NLMSGHDR.unpack_from(data, offset)
            if length < _NLMSGHDR.size or offset + length > len(data):
                break
            self._request(kind, msg_flags, seq, data[offset:offset + length])
            offset += (length + 3) & ~3
        return len(data)

    def _request(self, kind: int, flags: int, seq: int, message: bytes) -> None:
        if not flags & NLM_F_REQUEST:
            return
        body = message[_NLMSGHDR.size:]
        if kind in (RTM_GETLINK, RTM_GETADDR) and flags & NLM_F_DUMP == NLM_F_DUMP:
            family = body[0] if body else AF_UNSPEC
            items = link_messages() if kind == RTM_GETLINK else address_messages(family)
            self._answer(b"".join(nlmsg(k, NLM_F_MULTI, seq, self.port_id, p) for k, p in items))
            self._answer(nlmsg(NLMSG_DONE, NLM_F_MULTI, seq, self.port_id, struct.pack("<i", 0)))
            if flags & NLM_F_ACK:
                self._error(0, seq, message)
            return
        self._error(-errno.EOPNOTSUPP, seq, message)

    def _error(self, err: int, seq: int, message: bytes) -> None:
        echoed = message if err else message[:_NLMSGHDR.size]
        self._answer(nlmsg(NLMSG_ERROR, 0 if err else 0x100, seq, self.port_id, struct.pack("<i", err) + echoed))

    def _answer(self, data: bytes) -> None:
        if self.rx_bytes + len(data) > self.rcvbuf:
            self.err = errno.ENOBUFS
            self.wake()
            return
        self.deliver(Datagram(data, KERNEL_NAME, None, None))

    def unbind(self) -> None:
        self.bound.discard(self)


_namespaces: weakref.WeakKeyDictionary[NetNamespace, weakref.WeakSet[NetlinkSocket]] = weakref.WeakKeyDictionary()


def netlink_socket(task: Any, sock_type: int, protocol: int, nonblocking: bool) -> Socket:
    if sock_type not in (SOCK_RAW, SOCK_DGRAM):
        raise KernelError(errno.ESOCKTNOSUPPORT)
    if protocol != NETLINK_ROUTE:
        raise KernelError(errno.EPROTONOSUPPORT)
    bound = _namespaces.setdefault(net_of(task), weakref.WeakSet())
    return NetlinkSocket(owner_of(task), sock_type, nonblocking, task.tgid, bound)
