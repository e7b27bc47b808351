"""Published ports: host TCP connections bridged into guest TCP connections
(`pykerla run -p [HOSTIP:]HOSTPORT:GUESTPORT`, like docker's -p).

A PortPublisher binds its host listening sockets when it is created (so a port already
taken fails before the guest boots) and, once attached to a kernel, watches them with the
scheduler's host poll. Each accepted host connection becomes a guest TCP connection to the
guest socket listening on GUESTPORT, coming from 127.0.0.1 (or ::1 / ::ffff:127.0.0.1 for
an IPv6 listener) and an ephemeral port: a guest-side TcpSocket owned by a Bridge is
connected to the listener exactly as a guest connect() would be.

When no guest socket listens on GUESTPORT yet (or its accept queue is full), the host
connection is held, unread, until one does: clients may connect as soon as the kernel
starts. The Bridge then moves bytes both ways without ever blocking the kernel:

  host -> guest  read from the nonblocking host socket while the guest peer's receive
                 queue has room; reading resumes when the guest reads (the guest side's
                 wait queue, which the Bridge joins, is woken then);
  guest -> host  what the guest sends lands in the guest-side socket's receive queue and
                 is written to the host socket as it accepts it (guest senders wait while
                 it is full, which is TCP's flow control);
  half-close     a host EOF becomes shutdown(SHUT_WR) towards the guest and a guest
                 shutdown/close becomes shutdown(SHUT_WR) on the host socket, after the
                 data before it;
  reset          a host reset resets the guest connection (ECONNRESET) and a guest reset
                 (close with unread data, SO_LINGER 0) closes the host socket with an RST.
"""

from __future__ import annotations

import re
import selectors
import socket
import struct
import sys
from collections import deque
from collections.abc import Callable
from typing import Any, NamedTuple

from .addr import AF_INET, AF_INET6, IN6ADDR_LOOPBACK, INADDR_LOOPBACK, InetAddr
from .inet import IPPROTO_TCP, TcpSocket
from .namespace import NetNamespace, kernel_net
from .socket import SHUT_WR
from .stream import ESTABLISHED, LISTEN, Segment

CHUNK = 65536
V4_MAPPED_LOOPBACK = bytes(10) + b"\xff\xff" + INADDR_LOOPBACK
_SPEC = re.compile(r"^(?:(?P<ip>[0-9.]+):)?(?P<host>\d+):(?P<guest>\d+)(?:/tcp)?$")

Log = Callable[[str], None]


def host_listener(ip: str, port: int, backlog: int) -> socket.socket:
    """A listening TCP socket on the host (SO_REUSEADDR); OSError if the address is taken."""
    sock = socket.socket(socket.AF_INET6 if ":" in ip else socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((ip, port))
        sock.listen(backlog)
    except OSError:
        sock.close()
        raise
    return sock

class PortSpec(NamedTuple):
    """One -p option: host address and port, and the guest port they lead to."""

    host_ip: str
    host_port: int
    guest_port: int

    def __str__(self) -> str:
        return f"{self.host_ip}:{self.host_port}:{self.guest_port}"


class PublishError(Exception):
    """A port could not be published (the message says why, in one line)."""


def parse_port_spec(text: str) -> PortSpec:
    """"8080:80" or "127.0.0.1:8080:80" (an optional "/tcp" suffix is accepted)."""
    match = _SPEC.match(text.strip())
    if not match:
        raise ValueError(f"bad port mapping {text!r} (expected [HOSTIP:]HOSTPORT:GUESTPORT, e.g. 2222:22)")
    host_port, guest_port = int(match["host"]), int(match["guest"])
    if not (0 < host_port < 65536 and 0 < guest_port < 65536):
        raise ValueError(f"bad port mapping {text!r}: ports are 1-65535")
    return PortSpec(match["ip"] or "127.0.0.1", host_port, guest_port)


def guest_listener(ns: NetNamespace, port: int) -> TcpSocket | None:
    """The guest socket a connection from the loopback to `port` reaches: IPv4 listeners
    first, then an IPv6 one (dual-stack any address, or ::1)."""
    best: tuple[int, TcpSocket] | None = None
    for sock in ns.ports.get((IPPROTO_TCP, port), []):
        if not isinstance(sock, TcpSocket) or sock.state != LISTEN or sock.local is None:
            continue
        local = sock.local
        if local.family == AF_INET and (local.is_any or local.host == INADDR_LOOPBACK):
            rank = 0 if local.host == INADDR_LOOPBACK else 1
        elif local.family == AF_INET6 and ((local.is_any and not sock.v6only) or local.host == IN6ADDR_LOOPBACK):
            rank = 2
        else:
            continue
        if best is None or rank < best[0]:
            best = (rank, sock)
    return best[1] if best else None


def _abort(host: socket.socket) -> None:
    """Close a host socket with a reset (SO_LINGER 0)."""
    try:
        host.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    host.close()


class Bridge:
    """One host connection joined to a guest connection (see the module docstring).
    `self.guest` is the kernel-owned end of the guest connection: what the guest program
    sends arrives in its receive queue, and it sends what the host socket delivers. For a
    published port it connects to `listener`; net/host.py passes an already connected
    `guest` end (and no listener) for outgoing connections."""

    def __init__(self, host: socket.socket, listener: TcpSocket | None, scheduler: Any,
                 on_close: Callable[[Bridge], None], guest: TcpSocket | None = None) -> None:
        self.host = host
        self.fd = host.fileno()
        self.scheduler = scheduler
        self.on_close = on_close
        self.events = 0
        self.host_eof = False       # the host sent FIN (forwarded to the guest)
        self.sent_fin = False       # the guest's FIN was forwarded to the host
        self.closed = False
        self._busy = False
        self._again = False
        if guest is None:
            assert listener is not None
            guest = self._guest_end(listener)
        self.guest = guest
        guest.wait_queue.add(self)
        if listener is not None:
            guest.establish(None, listener)

    @staticmethod
    def _guest_end(listener: TcpSocket) -> TcpSocket:
        """The kernel's end of a connection to `listener` from the loopback."""
        family = listener.family
        if family == AF_INET:
            source_host = INADDR_LOOPBACK
        else:
            source_host = IN6ADDR_LOOPBACK if listener.local.host == IN6ADDR_LOOPBACK else V4_MAPPED_LOOPBACK
        guest = TcpSocket(listener.ns, (0, 0), family)
        guest.take_port(InetAddr(family, source_host, 0))
        dest_host = source_host if listener.local.is_any else listener.local.host
        guest.remote = InetAddr(family, dest_host, listener.local.port)
        return guest

    @property
    def guest_port(self) -> int:
        assert self.guest.local is not None
        return self.guest.local.port

    # -- Waiter: the guest side changed -------------------------------------------------
    def wake(self) -> None:
        self.pump()

    def pump(self) -> None:
        """Move what can move now, then watch the host socket for what is left."""
        if self._busy:
            self._again = True
            return
        self._busy = True
        try:
            self._again = True
            while self._again and not self.closed:
                self._again = False
                self._step()
        finally:
            self._busy = False

    def _step(self) -> None:
        guest = self.guest
        if guest.err:                   # the guest reset the connection
            self._close(abort=True)
            return
        if not self._to_host() or not self._from_host():
            return
        if (guest.peer_gone and not guest.rx) or (self.host_eof and self.sent_fin):
            self._close(abort=False)
            return
        events = selectors.EVENT_WRITE if guest.rx else 0
        peer = guest.peer
        if (not self.host_eof and peer is not None and not guest.peer_gone
                and peer.rcvbuf > peer.rx_bytes):
            events |= selectors.EVENT_READ
        self._watch(events)

    def _to_host(self) -> bool:
        """Write the guest's data (then its FIN) to the host; False when the host reset."""
        guest = self.guest
        moved = False
        while guest.rx:
            seg = guest.rx[0]
            try:
                sent = self.host.send(seg.data)
            except BlockingIOError:
                break
            except OSError:
                self._host_reset()
                return False
            moved = True
            guest.rx_bytes -= sent
            if sent == len(seg.data):
                guest.rx.popleft()
            else:
                seg.data = seg.data[sent:]
        if moved and guest.peer is not None and not guest.peer_gone:
            guest.peer.wake()           # room again for guest senders
        if not guest.rx and guest.fin_received and not self.sent_fin:
            self.sent_fin = True
            try:
                self.host.shutdown(socket.SHUT_WR)
            except OSError:
                pass
        return True

    def _from_host(self) -> bool:
        """Read host data into the guest's receive queue while it has room (a host EOF
        becomes the guest's FIN); False when the host reset."""
        guest = self.guest
        peer = guest.peer
        if self.host_eof or peer is None or guest.peer_gone or guest.state != ESTABLISHED:
            return True
        while peer.rcvbuf > peer.rx_bytes:
            try:
                data = self.host.recv(min(CHUNK, peer.rcvbuf - peer.rx_bytes))
            except BlockingIOError:
                break
            except OSError:
                self._host_reset()
                return False
            if not data:
                self.host_eof = True
                guest.shutdown(SHUT_WR)
                break
            peer.receive(Segment(data, None))
        return True

    def _host_reset(self) -> None:
        self.guest.linger = (1, 0)      # releasing it now resets the guest's end
        self._close(abort=True)

    def _watch(self, events: int) -> None:
        if events == self.events:
            return
        if self.events:
            self.scheduler.unwatch_host_fd(self.fd)
        if events:
            self.scheduler.watch_host_fd(self.fd, events, self.pump)
        self.events = events

    def _close(self, abort: bool) -> None:
        self.closed = True
        self._watch(0)
        if abort:
            _abort(self.host)
            self.guest.linger = (1, 0)
        else:
            self.host.close()
        self.guest.wait_queue.remove(self)
        self.guest.release()
        self.on_close(self)


class _Retry:
    """A waiter that retries the held connections when a guest socket starts listening
    or a listener's accept queue drains."""

    def __init__(self, publisher: PortPublisher) -> None:
        self.publisher = publisher

    def wake(self) -> None:
        self.publisher.place_held()


class PortPublisher:
    """The host listening sockets of the -p options, and the connections they bridge.

    `on_bridge_closed`, when given, is called after each bridged connection ends (`pykerla
    serve` ends the kernel then)."""

    def __init__(self, specs: list[PortSpec], log: Log | None = None) -> None:
        self.specs = specs
        self.log = log
        self.listeners: dict[int, PortSpec] = {}
        self._sockets: dict[int, socket.socket] = {}
        self.held: deque[tuple[socket.socket, int, str]] = deque()
        self.bridges: set[Bridge] = set()
        self.kernel: Any = None
        self.ns: NetNamespace | None = None
        self.on_bridge_closed: Callable[[], None] | None = None
        self._retry = _Retry(self)
        self._joined: list[Any] = []
        self._placing = False
        try:
            for spec in specs:
                self._listen(spec)
        except PublishError:
            self.close()
            raise

    def _listen(self, spec: PortSpec) -> None:
        try:
            sock = host_listener(spec.host_ip, spec.host_port, 128)
        except OSError as e:
            raise PublishError(f"cannot publish port {spec.host_ip}:{spec.host_port}: "
                               f"{e.strerror or e}") from None
        sock.setblocking(False)
        self.listeners[sock.fileno()] = spec
        self._sockets[sock.fileno()] = sock

    def attach(self, kernel: Any) -> None:
        """Start accepting: watch the listening sockets with `kernel`'s host poll."""
        self.kernel = kernel
        self.ns = kernel_net(kernel)
        self.ns.listen_queue.add(self._retry)
        for fd in self.listeners:
            kernel.scheduler.watch_host_fd(fd, selectors.EVENT_READ, lambda fd=fd: self._accept(fd))

    def adopt(self, host: socket.socket, guest_port: int) -> None:
        """Bridge an already-connected host socket (handed over by `pykerla serve`)."""
        host.setblocking(False)
        self._admit(host, guest_port, self._describe(host))

    def close(self) -> None:
        for sock in self._sockets.values():
            sock.close()
        self._sockets.clear()
        for host, _port, _who in self.held:
            host.close()
        self.held.clear()

    # -- connections --------------------------------------------------------------------
    def _accept(self, fd: int) -> None:
        listening = self._sockets[fd]
        spec = self.listeners[fd]
        while True:
            try:
                host, _addr = listening.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as e:      # e.g. EMFILE: leave it in the host's queue for later
                self._say(f"accept on {spec.host_ip}:{spec.host_port} failed: {e.strerror or e}")
                return
            host.setblocking(False)
            self._admit(host, spec.guest_port, self._describe(host))

    @staticmethod
    def _describe(host: socket.socket) -> str:
        try:
            peer = host.getpeername()
            return f"{peer[0]}:{peer[1]}"
        except OSError:
            return "?"

    def _admit(self, host: socket.socket, guest_port: int, who: str) -> None:
        try:
            host.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        self.held.append((host, guest_port, who))
        self.place_held()
        if any(held is host for held, _port, _who in self.held):
            self._say(f"connection from {who} held: nothing in the guest accepts on port {guest_port} yet")

    def place_held(self) -> None:
        """Connect every held host connection whose guest port has a listener with room."""
        if self._placing or self.ns is None:
            return
        self._placing = True
        try:
            for queue in self._joined:
                queue.remove(self._retry)
            self._joined.clear()
            still: deque[tuple[socket.socket, int, str]] = deque()
            while self.held:
                host, port, who = self.held.popleft()
                listener = guest_listener(self.ns, port)
                if listener is None or listener.accept_full():
                    if listener is not None:
                        listener.wait_queue.add(self._retry)
                        self._joined.append(listener.wait_queue)
                    still.append((host, port, who))
                    continue
                bridge = Bridge(host, listener, self.kernel.scheduler, self._closed)
                self.bridges.add(bridge)
                self._say(f"connection from {who} -> guest port {port} (from port {bridge.guest_port})")
                bridge.pump()
            self.held = still
        finally:
            self._placing = False

    def _closed(self, bridge: Bridge) -> None:
        self.bridges.discard(bridge)
        self._say(f"connection to guest port {bridge.guest.remote.port if bridge.guest.remote else '?'} closed")
        if self.on_bridge_closed is not None:
            self.on_bridge_closed()

    def _say(self, message: str) -> None:
        if self.log is not None:
            self.log(message)


def trace_log(message: str) -> None:
    """The --trace logger: one line on stderr."""
    print(f"pykerla: publish: {message}", file=sys.stderr, flush=True)
