"""Socket system calls: socket, socketpair, bind, listen, accept/accept4, connect,
shutdown, getsockname/getpeername, get/setsockopt, sendto/recvfrom, sendmsg/recvmsg and
sendmmsg/recvmmsg. Families live in pykerla/net/; these handlers copy arguments in and
results out (struct msghdr: name, namelen, iov, iovlen, control, controllen, flags =
56 bytes; struct mmsghdr adds msg_len at offset 56, 64 bytes).
"""

from __future__ import annotations

import errno
import struct
import time
from typing import Any

from ..errors import KernelError
from ..net.addr import AF_INET, AF_INET6, AF_NETLINK, AF_UNIX, read_sockaddr, write_sockaddr
from ..net.cmsg import MAX_CONTROL, Ancillary, ControlWriter, parse_control
from ..net.inet import inet_socket
from ..net.netlink import netlink_socket
from ..net.socket import (
    MSG_CMSG_CLOEXEC,
    MSG_DONTWAIT,
    MSG_WAITFORONE,
    SOCK_CLOEXEC,
    SOCK_NONBLOCK,
    SOCK_TYPE_MASK,
    Message,
    Socket,
)
from ..net.unix import unix_socket, unix_socketpair
from ..process.wait_queue import WouldBlock
from .fs_common import MAX_RW_COUNT, UIO_MAXIOV, gather, iov_total, read_int, read_iovec, scatter, write_int
from .table import syscall

AF_MAX = 46
SOCK_MAX = 11
_MSGHDR = struct.Struct("<QI4xQQQQi4x")
MMSGHDR_SIZE = 64
MAX_OPTLEN = 4096
_MMSG_DONE = "mmsg_done"
_MMSG_DEADLINE = "mmsg_deadline"
_TIMESPEC = struct.Struct("<qq")


def sock_of(task: Any, fd: int) -> Socket:
    file = task.files.get(fd)
    if not isinstance(file, Socket):
        raise KernelError(errno.ENOTSOCK)
    return file


def _type_flags(sock_type: int) -> tuple[int, bool, bool]:
    if sock_type & ~(SOCK_TYPE_MASK | SOCK_NONBLOCK | SOCK_CLOEXEC):
        raise KernelError(errno.EINVAL)
    base = sock_type & SOCK_TYPE_MASK
    if base >= SOCK_MAX:
        raise KernelError(errno.EINVAL)
    return base, bool(sock_type & SOCK_NONBLOCK), bool(sock_type & SOCK_CLOEXEC)


def _new_socket(task: Any, family: int, base: int, protocol: int, nonblocking: bool) -> Socket:
    if family == AF_UNIX:
        if protocol not in (0, AF_UNIX):
            raise KernelError(errno.EPROTONOSUPPORT)
        return unix_socket(task, base, nonblocking)
    if family in (AF_INET, AF_INET6):
        return inet_socket(task, family, base, protocol, nonblocking)
    if family == AF_NETLINK:
        return netlink_socket(task, base, protocol, nonblocking)
    raise KernelError(errno.EAFNOSUPPORT)


@syscall(41, "socket", "i", "x", "i")
def sys_socket(task: Any, family: int, sock_type: int, protocol: int) -> int:
    if not 0 <= family < AF_MAX:
        raise KernelError(errno.EAFNOSUPPORT)
    base, nonblocking, cloexec = _type_flags(sock_type)
    task.files.next_free()
    return task.files.install(_new_socket(task, family, base, protocol, nonblocking), cloexec)


@syscall(53, "socketpair", "i", "x", "i", "p")
def sys_socketpair(task: Any, family: int, sock_type: int, protocol: int, sv: int) -> int:
    base, nonblocking, cloexec = _type_flags(sock_type)
    if family in (AF_INET, AF_INET6):
        raise KernelError(errno.EOPNOTSUPP)
    if family != AF_UNIX:
        raise KernelError(errno.EAFNOSUPPORT)
    if protocol not in (0, AF_UNIX):
        raise KernelError(errno.EPROTONOSUPPORT)
    a, b = unix_socketpair(task, base, nonblocking)
    task.mm.write(sv, bytes(8))  # EFAULT before any descriptor exists
    fd_a = task.files.install(a, cloexec)
    try:
        fd_b = task.files.install(b, cloexec)
    except KernelError:
        task.files.close(fd_a)
        raise
    task.mm.write(sv, struct.pack("<ii", fd_a, fd_b))
    return 0


@syscall(49, "bind", "fd", "p", "i")
def sys_bind(task: Any, fd: int, addr: int, addrlen: int) -> int:
    sock = sock_of(task, fd)
    sock.bind(task, read_sockaddr(task, addr, addrlen))
    return 0


@syscall(50, "listen", "fd", "i")
def sys_listen(task: Any, fd: int, backlog: int) -> int:
    sock_of(task, fd).listen(task, backlog)
    return 0


@syscall(42, "connect", "fd", "p", "i")
def sys_connect(task: Any, fd: int, addr: int, addrlen: int) -> int:
    sock = sock_of(task, fd)
    sock.connect(task, read_sockaddr(task, addr, addrlen))
    return 0


def _accept(task: Any, fd: int, addr: int, addrlen: int, flags: int) -> int:
    if flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC):
        raise KernelError(errno.EINVAL)
    sock = sock_of(task, fd)
    task.files.next_free()
    child = sock.accept(task, bool(flags & SOCK_NONBLOCK))
    newfd = task.files.install(child, bool(flags & SOCK_CLOEXEC))
    try:
        write_sockaddr(task, child.peername(), addr, addrlen)
    except KernelError:
        task.files.close(newfd)
        raise
    return newfd


@syscall(43, "accept", "fd", "p", "p")
def sys_accept(task: Any, fd: int, addr: int, addrlen: int) -> int:
    return _accept(task, fd, addr, addrlen, 0)


@syscall(288, "accept4", "fd", "p", "p", "x")
def sys_accept4(task: Any, fd: int, addr: int, addrlen: int, flags: int) -> int:
    return _accept(task, fd, addr, addrlen, flags)


@syscall(48, "shutdown", "fd", "i")
def sys_shutdown(task: Any, fd: int, how: int) -> int:
    sock_of(task, fd).shutdown(how)
    return 0


@syscall(51, "getsockname", "fd", "p", "p")
def sys_getsockname(task: Any, fd: int, addr: int, addrlen: int) -> int:
    write_sockaddr(task, sock_of(task, fd).sockname(), addr, addrlen)
    return 0


@syscall(52, "getpeername", "fd", "p", "p")
def sys_getpeername(task: Any, fd: int, addr: int, addrlen: int) -> int:
    write_sockaddr(task, sock_of(task, fd).peername(), addr, addrlen)
    return 0


@syscall(55, "getsockopt", "fd", "i", "i", "p", "p")
def sys_getsockopt(task: Any, fd: int, level: int, name: int, optval: int, optlen: int) -> int:
    sock = sock_of(task, fd)
    length = read_int(task, optlen)
    if length < 0:
        raise KernelError(errno.EINVAL)
    value = sock.getsockopt(level, name)[:length]
    if value:
        task.mm.write(optval, value)
    write_int(task, optlen, len(value))
    return 0


@syscall(54, "setsockopt", "fd", "i", "i", "p", "i")
def sys_setsockopt(task: Any, fd: int, level: int, name: int, optval: int, optlen: int) -> int:
    sock = sock_of(task, fd)
    if optlen < 0:
        raise KernelError(errno.EINVAL)
    raw = task.mm.read(optval, min(optlen, MAX_OPTLEN)) if optlen else b""
    sock.setsockopt(task, level, name, raw)
    return 0


# -- data ------------------------------------------------------------------------------

def _send(task: Any, sock: Socket, data: bytes, dest: bytes | None, anc: Ancillary | None, flags: int) -> int:
    if not sock.writable:
        raise KernelError(errno.EBADF)
    return sock.sendmsg(task, data, dest or None, anc, flags)


def _recv(task: Any, sock: Socket, size: int, flags: int) -> Message:
    return sock.recvmsg(task, min(size, MAX_RW_COUNT), flags & ~MSG_CMSG_CLOEXEC)


def _result(msg: Message) -> int:
    return len(msg.data) if msg.result is None else msg.result


@syscall(44, "sendto", "fd", "p", "u", "x", "p", "i")
def sys_sendto(task: Any, fd: int, buf: int, length: int, flags: int, addr: int, addrlen: int) -> int:
    sock = sock_of(task, fd)
    data = task.mm.read(buf, min(length, MAX_RW_COUNT)) if length else b""
    dest = read_sockaddr(task, addr, addrlen) if addr else None
    return _send(task, sock, data, dest, None, flags)


@syscall(45, "recvfrom", "fd", "p", "u", "x", "p", "p")
def sys_recvfrom(task: Any, fd: int, buf: int, length: int, flags: int, addr: int, addrlen: int) -> int:
    sock = sock_of(task, fd)
    msg = _recv(task, sock, length, flags)
    if msg.anc is not None:
        msg.anc.release()
    if msg.data:
        task.mm.write(buf, msg.data)
    write_sockaddr(task, msg.name, addr, addrlen)
    return _result(msg)


class _MsgHdr:
    """A struct msghdr read from user memory at `addr`."""

    def __init__(self, task: Any, addr: int) -> None:
        self.addr = addr
        (self.name, self.namelen, self.iov_addr, self.iovlen, self.control, self.controllen,
         _flags) = _MSGHDR.unpack(task.mm.read(addr, _MSGHDR.size))
        if self.iovlen > UIO_MAXIOV:
            raise KernelError(errno.EMSGSIZE)
        if self.controllen > 0x7FFFFFFF:
            raise KernelError(errno.ENOBUFS)
        self.iov = read_iovec(task, self.iov_addr, self.iovlen)


def _sendmsg(task: Any, sock: Socket, addr: int, flags: int) -> int:
    hdr = _MsgHdr(task, addr)
    data = gather(task, hdr.iov)
    dest = read_sockaddr(task, hdr.name, hdr.namelen) if hdr.name and hdr.namelen else None
    anc = None
    if hdr.controllen:
        control = task.mm.read(hdr.control, min(hdr.controllen, MAX_CONTROL))
        anc = parse_control(task, control, sock.family == AF_UNIX)
    return _send(task, sock, data, dest, anc, flags)


def _recvmsg(task: Any, sock: Socket, addr: int, flags: int) -> int:
    hdr = _MsgHdr(task, addr)
    msg = _recv(task, sock, iov_total(hdr.iov), flags)
    control = ControlWriter(hdr.controllen if hdr.control else 0)
    anc = msg.anc
    if anc is not None:
        if anc.creds is not None and sock.passcred:
            control.put_creds(anc.creds)
        if anc.files:
            control.put_files(task, anc.files, bool(flags & MSG_CMSG_CLOEXEC))
            anc.files = []
    scatter(task, hdr.iov, msg.data)
    if hdr.name:
        task.mm.write(hdr.name, msg.name[:hdr.namelen])
    if control.out:
        task.mm.write(hdr.control, bytes(control.out))
    task.mm.write(addr + 8, struct.pack("<I", len(msg.name) if hdr.name else hdr.namelen))
    task.mm.write(addr + 40, struct.pack("<Qi", len(control.out), msg.flags | control.flags))
    return _result(msg)


@syscall(46, "sendmsg", "fd", "p", "x")
def sys_sendmsg(task: Any, fd: int, msg: int, flags: int) -> int:
    return _sendmsg(task, sock_of(task, fd), msg, flags)


@syscall(47, "recvmsg", "fd", "p", "x")
def sys_recvmsg(task: Any, fd: int, msg: int, flags: int) -> int:
    return _recvmsg(task, sock_of(task, fd), msg, flags)


def _each_mmsg(task: Any, vec: int, vlen: int, one: Any, expired: Any = None) -> int:
    """Run `one(address, index)` over an mmsghdr array, storing each msg_len; blocking in
    the middle keeps the count done (a signal then makes it the result). `expired()`, when
    given, is asked after each message whether to stop there."""
    scratch = task.syscall_scratch
    done = scratch.get(_MMSG_DONE, 0)
    for i in range(done, min(vlen, UIO_MAXIOV)):
        entry = vec + i * MMSGHDR_SIZE
        try:
            n = one(entry, i)
        except KernelError:
            if i:
                return i
            raise
        except WouldBlock as wb:
            if i:
                scratch[_MMSG_DONE] = i
                wb.on_interrupt = lambda i=i: i
            raise
        task.mm.write(entry + 56, struct.pack("<I", n))
        for key in [k for k in scratch if k not in (_MMSG_DONE, _MMSG_DEADLINE)]:
            del scratch[key]  # the next message starts afresh
        scratch[_MMSG_DONE] = i + 1
        if expired is not None and expired():
            return i + 1
    return min(vlen, UIO_MAXIOV)


@syscall(307, "sendmmsg", "fd", "p", "u", "x")
def sys_sendmmsg(task: Any, fd: int, vec: int, vlen: int, flags: int) -> int:
    sock = sock_of(task, fd)
    return _each_mmsg(task, vec, vlen, lambda entry, _i: _sendmsg(task, sock, entry, flags))


@syscall(299, "recvmmsg", "fd", "p", "u", "x", "p")
def sys_recvmmsg(task: Any, fd: int, vec: int, vlen: int, flags: int, timeout: int) -> int:
    """Without MSG_WAITFORONE every message may wait; with it only the first does. The
    timeout is only looked at after each message, as in Linux (see recvmmsg(2), BUGS): it
    ends the call once it has run out, and what is left of it is written back."""
    sock = sock_of(task, fd)
    later = flags | MSG_DONTWAIT if flags & MSG_WAITFORONE else flags
    deadline = None
    if timeout:
        sec, nsec = _TIMESPEC.unpack(task.mm.read(timeout, _TIMESPEC.size))
        if sec < 0 or not 0 <= nsec < 1_000_000_000:
            raise KernelError(errno.EINVAL)
        deadline = task.syscall_scratch.setdefault(_MMSG_DEADLINE, time.monotonic() + sec + nsec / 1e9)
    count = _each_mmsg(task, vec, vlen, lambda entry, i: _recvmsg(task, sock, entry, later if i else flags),
                       None if deadline is None else lambda: time.monotonic() >= deadline)
    if deadline is not None:
        left = max(0, round((deadline - time.monotonic()) * 1e9))
        task.mm.write(timeout, _TIMESPEC.pack(left // 1_000_000_000, left % 1_000_000_000))
    return count
