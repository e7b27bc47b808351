"""AF_INET and AF_INET6 inside the guest: TCP and UDP over the guest's own loopback.

The guest's network namespace has only `lo`: 127.0.0.0/8 and ::1 (and the any address,
which means them) are local; binding another address is EADDRNOTAVAIL, and connecting or
sending to one goes to the namespace's uplink (net/host.py: ENETUNREACH with --net none,
host sockets with --net host). IPv4 destinations also reach dual-stack IPv6 sockets,
which see them as ::ffff:a.b.c.d. Sockets are found by (protocol, port) in
the namespace's port table; bind conflicts follow Linux (SO_REUSEADDR for non-listening
sockets, SO_REUSEPORT when both set it); ephemeral ports come from 32768-60999.
"""

from __future__ import annotations

import errno
from typing import Any, NamedTuple

from ..errors import KernelError
from .addr import (
    AF_INET,
    AF_INET6,
    AF_UNSPEC,
    IN6ADDR_LOOPBACK,
    INADDR_LOOPBACK,
    InetAddr,
    any_addr,
    decode_inet,
    encode_inet,
    family_of,
)
from .cmsg import Ancillary
from .dgram import Datagram, DgramSocket
from .namespace import NetNamespace, net_of
from .socket import (
    MSG_OOB,
    MSG_TRUNC,
    RCV_SHUTDOWN,
    SEND_SHUTDOWN,
    SHUT_RDWR,
    SHUTDOWN_MASK,
    SO_REUSEADDR,
    SO_REUSEPORT,
    SOCK_DGRAM,
    SOCK_STREAM,
    Message,
    Socket,
    int_option,
    owner_of,
    pack_int,
)
from .stream import CLOSE, ESTABLISHED, LISTEN, SYN_SENT, StreamSocket

IPPROTO_IP = 0
IPPROTO_TCP = 6
IPPROTO_UDP = 17
IPPROTO_IPV6 = 41
PROT_SOCK = 1024
UDP_MAX_PAYLOAD = {AF_INET: 65507, AF_INET6: 65527}
TCP_RMEM_DEFAULT = 131072
TCP_WMEM_DEFAULT = 16384
IPV6_V6ONLY = 26


class IntOpt(NamedTuple):
    """An integer option: its default, the valid range (EINVAL outside), whether any
    non-zero value reads back as 1, and the value that resets it to the default."""

    default: int
    low: int = 0
    high: int = 0x7FFFFFFF
    boolean: bool = False
    reset: int | None = None


_BOOL = IntOpt(0, -(1 << 31), (1 << 31) - 1, boolean=True)
IP_OPTIONS = {1: IntOpt(0, 0, 255),                      # IP_TOS
              2: IntOpt(64, -1, 255, reset=-1),          # IP_TTL
              8: _BOOL, 11: _BOOL, 3: _BOOL}             # IP_PKTINFO, IP_RECVERR, IP_HDRINCL
IPV6_OPTIONS = {IPV6_V6ONLY: _BOOL,
                16: IntOpt(64, -1, 255, reset=-1),      # IPV6_UNICAST_HOPS
                67: IntOpt(0, -1, 255, reset=-1),       # IPV6_TCLASS
                49: _BOOL, 25: _BOOL}                   # IPV6_RECVPKTINFO, IPV6_RECVERR
TCP_OPTIONS = {1: _BOOL, 3: _BOOL, 12: _BOOL,            # TCP_NODELAY, TCP_CORK, TCP_QUICKACK
               4: IntOpt(7200, 1, 32767),                # TCP_KEEPIDLE
               5: IntOpt(75, 1, 32767),                  # TCP_KEEPINTVL
               6: IntOpt(9, 1, 127),                     # TCP_KEEPCNT
               7: IntOpt(6, 1, 127),                     # TCP_SYNCNT
               18: IntOpt(0, 0),                         # TCP_USER_TIMEOUT
               9: IntOpt(0, -(1 << 31))}                 # TCP_DEFER_ACCEPT
UDP_OPTIONS = {1: _BOOL}                                 # UDP_CORK


def loopback(family: int) -> bytes:
    return INADDR_LOOPBACK if family == AF_INET else IN6ADDR_LOOPBACK


class InetNaming(Socket):
    """Local and remote addresses, the port table, and the IP-level options."""

    def __init__(self, ns: NetNamespace, owner: tuple[int, int], family: int, sock_type: int,
                 protocol: int, nonblocking: bool = False) -> None:
        super().__init__(owner, sock_type, nonblocking)
        self.ns = ns
        self.family = family
        self.protocol = protocol
        self.local: InetAddr | None = None
        self.remote: InetAddr | None = None
        self.opts: dict[tuple[int, int], int] = {}
        self.local_locks = (False, False)  # bind() named the (address, port)

    # -- options -------------------------------------------------------------------------
    def option_table(self, level: int, getting: bool = False) -> dict[int, IntOpt]:
        """The options of `level`; for an unknown level IPv4's getsockopt answers
        EOPNOTSUPP where everything else answers ENOPROTOOPT."""
        if level == IPPROTO_IP:
            return IP_OPTIONS
        if level == IPPROTO_IPV6 and self.family == AF_INET6:
            return IPV6_OPTIONS
        if level == IPPROTO_TCP and self.protocol == IPPROTO_TCP:
            return TCP_OPTIONS
        if level == IPPROTO_UDP and self.protocol == IPPROTO_UDP:
            return UDP_OPTIONS
        raise KernelError(errno.EOPNOTSUPP if getting and self.family == AF_INET else errno.ENOPROTOOPT)

    def proto_getsockopt(self, level: int, name: int) -> bytes:
        spec = self.option_table(level, getting=True).get(name)
        if spec is None:
            raise KernelError(errno.ENOPROTOOPT)
        return pack_int(self.opts.get((level, name), spec.default))

    def proto_setsockopt(self, task: Any, level: int, name: int, raw: bytes) -> None:
        spec = self.option_table(level).get(name)
        if spec is None:
            raise KernelError(errno.ENOPROTOOPT)
        value = int_option(raw)
        if not spec.low <= value <= spec.high:
            raise KernelError(errno.EINVAL)
        if level == IPPROTO_IPV6 and name == IPV6_V6ONLY and self.local is not None:
            raise KernelError(errno.EINVAL)
        if spec.boolean:
            value = int(value != 0)
        elif spec.reset is not None and value == spec.reset:
            value = spec.default
        self.opts[(level, name)] = value

    @property
    def v6only(self) -> bool:
        return bool(self.opts.get((IPPROTO_IPV6, IPV6_V6ONLY), 0))

    # -- addresses -------------------------------------------------------------------------
    def sockname(self) -> bytes:
        return encode_inet(self.local or any_addr(self.family))

    def decode(self, raw: bytes, for_bind: bool) -> InetAddr:
        return decode_inet(raw, self.family, for_bind)

    def destination(self, raw: bytes) -> InetAddr:
        """A connect/sendto address: the any address means the loopback; anything outside
        the guest is unreachable, and so is IPv4 from an IPV6_V6ONLY socket."""
        addr = self.decode(raw, for_bind=False)
        if addr.is_v4_mapped and self.v6only:
            raise KernelError(errno.ENETUNREACH)
        if addr.is_any:
            return InetAddr(addr.family, loopback(addr.family), addr.port)
        if not addr.is_loopback:
            uplink = self.ns.uplink
            if uplink is not None and uplink.reaches(addr):
                return addr     # through the host (net/host.py)
            if uplink is not None:
                uplink.refused(addr)
            raise KernelError(errno.ENETUNREACH)
        return addr

    def bind(self, task: Any, raw: bytes) -> None:
        addr = self.decode(raw, for_bind=True)
        if not (addr.is_any or addr.is_loopback):
            raise KernelError(errno.EADDRNOTAVAIL)
        if self.local is not None and self.local.port:
            raise KernelError(errno.EINVAL)
        if 0 < addr.port < PROT_SOCK and task.creds.euid != 0:
            raise KernelError(errno.EACCES)
        self.take_port(addr)
        self.local_locks = (not addr.is_any, addr.port != 0)

    def take_port(self, addr: InetAddr) -> None:
        """Enter the port table at `addr` (port 0: a free ephemeral port)."""
        if addr.port == 0:
            for port in self.ns.ephemeral_ports():
                if not self.ns.ports.get((self.protocol, port)):
                    addr = addr.with_port(port)
                    break
            else:
                raise KernelError(errno.EADDRINUSE)
        else:
            for other in self.ns.ports.get((self.protocol, addr.port), []):
                if self.conflicts(addr, other):
                    raise KernelError(errno.EADDRINUSE)
        self.local = addr
        self.ns.ports.setdefault((self.protocol, addr.port), []).append(self)

    def conflicts(self, addr: InetAddr, other: InetNaming, listening: bool = False) -> bool:
        """Whether binding `addr` (or, with `listening`, listening on it) clashes with `other`."""
        assert other.local is not None
        if not self.overlaps(addr, other):
            return False
        if self.flags_opts[SO_REUSEPORT] and other.flags_opts[SO_REUSEPORT]:
            return False
        if listening and other.listening:
            return True
        return not (self.flags_opts[SO_REUSEADDR] and other.flags_opts[SO_REUSEADDR] and not other.listening)

    def overlaps(self, addr: InetAddr, other: InetNaming) -> bool:
        theirs = other.local
        assert theirs is not None
        if addr.family != theirs.family:
            v6 = self if addr.family == AF_INET6 else other
            v6_addr = addr if addr.family == AF_INET6 else theirs
            return v6_addr.is_any and not v6.v6only and (addr.is_any or theirs.is_any)
        return addr.is_any or theirs.is_any or addr.host == theirs.host

    def autobind(self) -> None:
        """Take an ephemeral port (keeping a bound address) unless the socket has one."""
        if self.local is None or not self.local.port:
            self.take_port(self.local or any_addr(self.family))

    def source_for(self, dest: InetAddr) -> InetAddr:
        """The local address a connection to `dest` uses (bound host, or the loopback;
        ::ffff:127.0.0.1 from an IPv6 socket to a v4-mapped address)."""
        self.autobind()
        local = self.local
        assert local is not None
        if dest.is_v4_mapped and not local.is_v4_mapped:
            return InetAddr(AF_INET, INADDR_LOOPBACK, local.port).as_family(AF_INET6)
        if local.is_any:
            return InetAddr(self.family, loopback(self.family), local.port)
        return local

    def bound_here(self, dest: InetAddr) -> list[Any]:
        """Sockets of this protocol bound to a local address that `dest` reaches, the
        exact binds first, then IPv4 sockets before IPv6 ones (Linux's lookup score). An
        IPv4 destination also reaches dual-stack IPv6 sockets (bound to :: without V6ONLY)."""
        found = []
        for sock in self.ns.ports.get((self.protocol, dest.port), []):
            local = sock.local
            if dest.reaches_v4 and (local.family == AF_INET or not sock.v6only):
                target = dest.as_family(local.family)
            elif dest.family == AF_INET6 and local.family == AF_INET6:
                target = dest
            else:
                continue
            if local.is_any or local.host == target.host:
                found.append(sock)
        if len(found) > 1:
            found.sort(key=lambda s: (s.local.is_any, s.local.family != AF_INET))
        return found

    def unbind(self) -> None:
        if self.local is None:
            return
        key = (self.protocol, self.local.port)
        holders = self.ns.ports.get(key, [])
        if self in holders:
            holders.remove(self)
        if not holders:
            self.ns.ports.pop(key, None)


class TcpSocket(InetNaming, StreamSocket):
    """TCP: a byte stream with TCP's answers for errors, half-close and resets."""

    def __init__(self, ns: NetNamespace, owner: tuple[int, int], family: int, nonblocking: bool = False) -> None:
        super().__init__(ns, owner, family, SOCK_STREAM, IPPROTO_TCP, nonblocking)
        self.rcvbuf = TCP_RMEM_DEFAULT
        self.sndbuf = TCP_WMEM_DEFAULT

    def send_limit(self) -> int:
        return self.peer.rcvbuf if self.peer is not None else 0

    def listen(self, task: Any, backlog: int) -> None:
        if self.state not in (CLOSE, LISTEN) or self.async_connect or self.peer is not None:
            raise KernelError(errno.EINVAL)
        self.autobind()
        assert self.local is not None
        if self.state != LISTEN and any(other is not self and self.conflicts(self.local, other, listening=True)
               for other in self.ns.ports.get((self.protocol, self.local.port), [])):
            raise KernelError(errno.EADDRINUSE)  # inet_csk_listen_start checks the port again
        super().listen(task, backlog)
        self.ns.listen_queue.wake_all()

    def connect(self, task: Any, raw: bytes) -> None:
        if self.async_connect:
            self._finish_async_connect(task)
            return
        if len(raw) >= 2 and family_of(raw) == AF_UNSPEC:
            self.disconnect()
            return
        if self.state != CLOSE or self.peer is not None:
            raise KernelError(errno.EISCONN)
        dest = self.destination(raw)
        self.local = self.source_for(dest)
        if not dest.is_loopback:
            self.ns.uplink.connect(self, dest)
            self.async_connect = True
            if self.nonblocking and self.state == SYN_SENT:
                raise KernelError(errno.EINPROGRESS)
            self._finish_async_connect(task)   # waits while SYN_SENT, or reports the failure
            return
        listener = next((s for s in self.bound_here(dest) if s.state == LISTEN), None)
        if listener is None:
            if self.nonblocking:
                self.async_connect = True
                self.connect_failed(errno.ECONNREFUSED)
                raise KernelError(errno.EINPROGRESS)
            raise KernelError(errno.ECONNREFUSED)
        self.remote = dest
        if listener.accept_full():
            self.queue_pending(listener)
        else:
            self.establish(task, listener)
        if self.nonblocking:
            self.async_connect = True
            raise KernelError(errno.EINPROGRESS)
        if self.state == SYN_SENT:
            self.async_connect = True
            self.must_wait(task, 0, sending=True)

    def disconnect(self) -> None:
        """connect(AF_UNSPEC): abort the connection (the peer sees a reset)."""
        if self.peer is not None and not self.peer_gone:
            self.peer.peer_gone = True
            self.peer.peer_released(unread=True)
            self.peer.wake()
        self.peer = None
        self.peer_gone = self.fin_received = False
        self.remote = None
        self.state = CLOSE
        self.shut = 0
        self.wake()

    def make_child(self, task: Any, client: StreamSocket) -> StreamSocket:
        assert isinstance(client, TcpSocket) and client.local is not None and self.local is not None
        child = TcpSocket(self.ns, (self.inode.uid, self.inode.gid), self.family)
        child.flags_opts = dict(self.flags_opts)
        child.rcvbuf, child.sndbuf, child.linger = self.rcvbuf, self.sndbuf, self.linger
        child.timeouts = dict(self.timeouts)
        child.opts = dict(self.opts)
        reached = client.remote.as_family(self.family) if client.remote else self.local
        child.local = reached.with_port(self.local.port)
        child.remote = client.local.as_family(self.family)
        self.ns.ports[(IPPROTO_TCP, self.local.port)].append(child)
        return child

    def send_checks(self, task: Any, flags: int) -> StreamSocket | None:
        err = self.take_error()
        if err == errno.EPIPE:   # sk_stream_error: a pending EPIPE raises SIGPIPE too
            self.epipe(task, flags)
        if err:
            raise KernelError(err)
        if self.state == SYN_SENT:
            self.must_wait(task, flags, sending=True)
        return super().send_checks(task, flags)

    def send_unconnected(self, task: Any, flags: int) -> int:
        self.epipe(task, flags)

    def fin_style_shutdown(self) -> bool:
        return True

    def send_to_closed_peer(self, task: Any, data: bytes, flags: int) -> int:
        """The data reaches a closed socket, which answers with a reset."""
        self.reset(errno.EPIPE)
        return len(data)

    def reset(self, err: int) -> None:
        self.err = err
        self.shut = SHUTDOWN_MASK
        self.state = CLOSE
        self.wake()

    def peer_released(self, unread: bool) -> None:
        if unread:
            self.reset(errno.EPIPE if self.fin_received else errno.ECONNRESET)
        else:
            self.fin_received = True
            self.shut |= RCV_SHUTDOWN

    def peer_shutdown(self, mode: int) -> None:
        if mode & SEND_SHUTDOWN:
            self.fin_received = True
            self.shut |= RCV_SHUTDOWN
            self.wake()

    def shutdown(self, how: int) -> None:
        if not 0 <= how <= SHUT_RDWR:
            raise KernelError(errno.EINVAL)
        if self.state == LISTEN:
            if how != 1:
                self.stop_listening()
            return
        if self.state == CLOSE or self.peer is None:
            self.shut |= how + 1
            raise KernelError(errno.ENOTCONN)
        super().shutdown(how)

    def stop_listening(self) -> None:
        for child in self.accept_queue:
            child.release()
        self.accept_queue.clear()
        self.state = CLOSE
        self.listening = False
        self.wake()

    def close_resets(self) -> bool:
        return super().close_resets() or self.linger == (1, 0)

    def peername(self) -> bytes:
        if self.peer is None or self.state != ESTABLISHED or self.remote is None:
            raise KernelError(errno.ENOTCONN)
        return encode_inet(self.remote)

    def recv_check_connected(self) -> None:
        if self.state == LISTEN or (self.peer is None and not self.err and not self.shut):
            raise KernelError(errno.ENOTCONN)

    def recvmsg(self, task: Any, size: int, flags: int) -> Message:
        msg = super().recvmsg(task, size, flags)
        if flags & MSG_TRUNC:    # TCP's MSG_TRUNC: the bytes are dropped, not copied
            return msg._replace(data=b"", result=len(msg.data))
        return msg

    def outq(self) -> int:
        if self.state == LISTEN:
            raise KernelError(errno.EINVAL)
        return 0


class UdpSocket(InetNaming, DgramSocket):
    """UDP: datagrams between ports of the guest's loopback; a datagram nobody is bound to
    receive is dropped (and reported as ECONNREFUSED to a connected sender)."""

    def __init__(self, ns: NetNamespace, owner: tuple[int, int], family: int, nonblocking: bool = False) -> None:
        super().__init__(ns, owner, family, SOCK_DGRAM, IPPROTO_UDP, nonblocking)

    def destination(self, raw: bytes) -> InetAddr:
        """UDP over IPv6 also takes a sockaddr_in (udpv6_sendmsg hands it to IPv4)."""
        if self.family == AF_INET6 and len(raw) >= 2 and family_of(raw) == AF_INET:
            if self.v6only:
                raise KernelError(errno.ENETUNREACH)
            raw = encode_inet(decode_inet(raw, AF_INET, for_bind=False).as_family(AF_INET6))
        return super().destination(raw)

    def connect(self, task: Any, raw: bytes) -> None:
        if len(raw) >= 2 and family_of(raw) == AF_UNSPEC:
            self.disconnect()
            return
        dest = self.destination(raw)
        self.local = self.source_for(dest)
        self.remote = dest
        self.wake()

    def release(self) -> None:
        super().release()
        if self.ns.uplink is not None:
            self.ns.uplink.released(self)

    def disconnect(self) -> None:
        """__udp_disconnect: the source address chosen by connect goes, and so does the
        port unless bind() named it."""
        self.remote = None
        if self.local is None or self.local_locks == (True, True):
            return
        addr_locked, port_locked = self.local_locks
        if not port_locked:
            self.unbind()
            self.local = self.local.with_port(0) if addr_locked else None
        elif not addr_locked:
            self.local = any_addr(self.family).with_port(self.local.port)

    def peername(self) -> bytes:
        if self.remote is None:
            raise KernelError(errno.ENOTCONN)
        return encode_inet(self.remote)

    def shutdown(self, how: int) -> None:
        super().shutdown(how)
        if self.remote is None:
            raise KernelError(errno.ENOTCONN)

    def sendmsg(self, task: Any, data: bytes, dest: bytes | None, anc: Ancillary | None, flags: int) -> int:
        if flags & MSG_OOB:
            raise KernelError(errno.EOPNOTSUPP)
        if dest:
            target = self.destination(dest)
            if target.port == 0:
                raise KernelError(errno.EINVAL)
        elif self.remote is None:
            raise KernelError(errno.EDESTADDRREQ)
        else:
            target = self.remote
        if len(data) > UDP_MAX_PAYLOAD[self.family]:
            raise KernelError(errno.EMSGSIZE)
        self.raise_pending_error()
        if self.shut & SEND_SHUTDOWN:
            raise KernelError(errno.EPIPE)  # sock_alloc_send_pskb: no SIGPIPE for datagrams
        source = self.source_for(target)
        if not target.is_loopback:
            return self.ns.uplink.sendto(self, data, target)
        for receiver in self.bound_here(target):
            seen_from = source.as_family(receiver.family)
            if receiver.remote is not None and receiver.remote != seen_from:
                continue
            if receiver.rx_bytes + len(data) <= receiver.rcvbuf:
                receiver.deliver(Datagram(data, encode_inet(seen_from), None, None))
            break
        else:
            if self.remote is not None and target == self.remote:
                self.err = errno.ECONNREFUSED  # the ICMP port-unreachable answer
                self.wake()
        return len(data)


def inet_socket(task: Any, family: int, sock_type: int, protocol: int, nonblocking: bool) -> Socket:
    ns, owner = net_of(task), owner_of(task)
    if sock_type == SOCK_STREAM and protocol in (0, IPPROTO_TCP):
        return TcpSocket(ns, owner, family, nonblocking)
    if sock_type == SOCK_DGRAM and protocol in (0, IPPROTO_UDP):
        return UdpSocket(ns, owner, family, nonblocking)
    if sock_type in (SOCK_STREAM, SOCK_DGRAM):
        raise KernelError(errno.EPROTONOSUPPORT)
    raise KernelError(errno.ESOCKTNOSUPPORT)
