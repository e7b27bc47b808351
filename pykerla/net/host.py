"""What lies beyond the guest's loopback (`pykerla run --net MODE`).

The guest's network namespace has only `lo` (127.0.0.0/8 and ::1 are the guest's own).
The namespace's uplink decides what happens to a TCP connect or a UDP datagram whose
destination is any other address:

--net none (default)  NoNetwork: ENETUNREACH, and the first refusal is explained once on
                      stderr so the user learns why.
--net host            HostNetwork: the kernel opens a host socket (nonblocking, watched by
                      the scheduler's host poll, as net/publish.py does) and joins it to
                      the guest socket. A TCP connection becomes a published-port style
                      Bridge (flow control, half-close and resets both ways); a UDP socket
                      gets one host UDP socket per address family, whose replies are queued
                      to it. Addresses reach the same address on the host, except
                      HOST_GATEWAY (10.0.2.2, as in QEMU's user networking), which is the
                      host's own 127.0.0.1: the guest cannot name the host's loopback
                      otherwise, since 127.0.0.0/8 is its own. The host's ::1 is not
                      reachable. The guest's end of such a connection still reports a
                      loopback local address (it has no other interface).
"""

from __future__ import annotations

import errno
import selectors
import socket
import sys
from typing import Any

from ..errors import KernelError
from .addr import AF_INET, InetAddr, encode_inet
from .dgram import Datagram
from .publish import Bridge
from .stream import ESTABLISHED, SYN_SENT

NET_MODES = ("none", "host")
HOST_GATEWAY = "10.0.2.2"
HOST_LOOPBACK = "127.0.0.1"
UDP_CHUNK = 65536


def format_addr(addr: InetAddr) -> str:
    """"93.184.216.34:80" or "[2001:db8::1]:80"."""
    if addr.family == AF_INET:
        return f"{socket.inet_ntop(socket.AF_INET, addr.host)}:{addr.port}"
    return f"[{socket.inet_ntop(socket.AF_INET6, addr.host)}]:{addr.port}"


def host_address(dest: InetAddr) -> tuple[int, tuple[Any, ...]]:
    """The host socket family and address a guest destination leads to."""
    if dest.reaches_v4:
        ip = socket.inet_ntop(socket.AF_INET, dest.as_family(AF_INET).host)
        return socket.AF_INET, (HOST_LOOPBACK if ip == HOST_GATEWAY else ip, dest.port)
    return socket.AF_INET6, (socket.inet_ntop(socket.AF_INET6, dest.host), dest.port, 0, 0)


def guest_address(family: int, host_addr: tuple[Any, ...]) -> InetAddr:
    """A host sender's address as a guest socket of `family` sees it."""
    ip, port = host_addr[0], host_addr[1]
    if ":" in ip:
        return InetAddr(socket.AF_INET6, socket.inet_pton(socket.AF_INET6, ip), port)
    if ip == HOST_LOOPBACK:
        ip = HOST_GATEWAY
    return InetAddr(AF_INET, socket.inet_pton(socket.AF_INET, ip), port).as_family(family)


class NoNetwork:
    """--net none: nothing outside the guest; the first refusal is reported."""

    def __init__(self) -> None:
        self.reported = False

    def reaches(self, addr: InetAddr) -> bool:
        return False

    def refused(self, addr: InetAddr) -> None:
        if not self.reported:
            self.reported = True
            print(f"pykerla: guest connection to {format_addr(addr)} refused: --net none "
                  "(the guest has only its loopback; later refusals are not reported)", file=sys.stderr, flush=True)

    def released(self, sock: Any) -> None:
        """A guest socket was closed (nothing to let go of)."""


class HostNetwork(NoNetwork):
    """--net host: non-loopback destinations through host sockets (module docstring)."""

    def __init__(self, scheduler: Any) -> None:
        super().__init__()
        self.scheduler = scheduler
        self.bridges: set[Bridge] = set()
        self.udp: dict[tuple[Any, int], socket.socket] = {}

    def reaches(self, addr: InetAddr) -> bool:
        return True

    # -- TCP ---------------------------------------------------------------------------
    def connect(self, sock: Any, dest: InetAddr) -> None:
        """Start connecting guest TCP socket `sock` to `dest`; it stays SYN_SENT until the
        host connect finishes (then it is ESTABLISHED, or fails with the host's error)."""
        family, addr = host_address(dest)
        host = socket.socket(family, socket.SOCK_STREAM)
        host.setblocking(False)
        sock.state = SYN_SENT
        sock.remote = dest
        err = host.connect_ex(addr)
        if err not in (0, errno.EINPROGRESS):
            host.close()
            sock.connect_failed(err)
            return
        self.scheduler.watch_host_fd(host.fileno(), selectors.EVENT_WRITE,
                                     lambda: self._connected(sock, host, dest))

    def _connected(self, sock: Any, host: socket.socket, dest: InetAddr) -> None:
        self.scheduler.unwatch_host_fd(host.fileno())
        err = host.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if sock.state != SYN_SENT or sock.remote != dest:   # the guest gave up meanwhile
            host.close()
            return
        if err:
            host.close()
            sock.connect_failed(err)
            return
        far = type(sock)(sock.ns, (0, 0), sock.family)
        far.local, far.remote = dest, sock.local
        sock.peer, far.peer = far, sock
        sock.state = far.state = ESTABLISHED
        bridge = Bridge(host, None, self.scheduler, self.bridges.discard, guest=far)
        self.bridges.add(bridge)
        sock.wake()
        bridge.pump()

    # -- UDP ---------------------------------------------------------------------------
    def sendto(self, sock: Any, data: bytes, dest: InetAddr) -> int:
        """Send guest UDP socket `sock`'s datagram to `dest` from its host socket."""
        family, addr = host_address(dest)
        host = self.udp.get((sock, family))
        if host is None:
            host = socket.socket(family, socket.SOCK_DGRAM)
            host.setblocking(False)
            self.udp[(sock, family)] = host
            self.scheduler.watch_host_fd(host.fileno(), selectors.EVENT_READ, lambda: self._replies(sock, host))
        try:
            return host.sendto(data, addr)
        except OSError as e:
            raise KernelError(e.errno or errno.EIO) from None

    def _replies(self, sock: Any, host: socket.socket) -> None:
        """Queue what the host socket received to the guest socket (dropped when full)."""
        while True:
            try:
                data, sender = host.recvfrom(UDP_CHUNK)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                continue        # an ICMP error reported on the socket: nothing to deliver
            source = guest_address(sock.family, sender)
            if sock.remote is not None and sock.remote != source:
                continue
            if sock.rx_bytes + len(data) <= sock.rcvbuf:
                sock.deliver(Datagram(data, encode_inet(source), None, None))

    def released(self, sock: Any) -> None:
        for family in (socket.AF_INET, socket.AF_INET6):
            host = self.udp.pop((sock, family), None)
            if host is not None:
                self.scheduler.unwatch_host_fd(host.fileno())
                host.close()
