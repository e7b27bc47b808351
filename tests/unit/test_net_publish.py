"""net/publish.py without a guest: port specs, and a Bridge between a real host TCP
connection and a guest listener, pumped by hand (the scheduler is a stand-in)."""

from __future__ import annotations

import errno
import socket
import time

import pytest

from pykerla.net.addr import AF_INET, InetAddr
from pykerla.net.inet import TcpSocket
from pykerla.net.namespace import NetNamespace
from pykerla.net.publish import Bridge, PortSpec, guest_listener, parse_port_spec
from pykerla.net.socket import SHUT_WR
from pykerla.net.stream import Segment


class FakeScheduler:
    def __init__(self) -> None:
        self.watched: dict[int, int] = {}

    def watch_host_fd(self, fd, events, callback) -> None:  # noqa: ANN001
        self.watched[fd] = events

    def unwatch_host_fd(self, fd: int) -> None:
        self.watched.pop(fd, None)


def test_parse_port_spec():
    assert parse_port_spec("2222:22") == PortSpec("127.0.0.1", 2222, 22)
    assert parse_port_spec("0.0.0.0:8080:80/tcp") == PortSpec("0.0.0.0", 8080, 80)
    for bad in ("22", "a:b", "70000:22", "0:22"):
        with pytest.raises(ValueError):
            parse_port_spec(bad)


@pytest.fixture
def bridged():
    """(host end, guest child socket, bridge, closed bridges)."""
    ns = NetNamespace()
    listener = TcpSocket(ns, (0, 0), AF_INET)
    listener.take_port(InetAddr(AF_INET, bytes(4), 8080))
    listener.listen(None, 5)
    assert guest_listener(ns, 8080) is listener and guest_listener(ns, 8081) is None
    server = socket.create_server(("127.0.0.1", 0))
    client = socket.create_connection(server.getsockname())
    host, _ = server.accept()
    server.close()
    host.setblocking(False)
    closed: list[Bridge] = []
    bridge = Bridge(host, listener, FakeScheduler(), closed.append)
    child = listener.accept_queue[0]
    assert child.remote == InetAddr(AF_INET, b"\x7f\0\0\1", bridge.guest_port)
    yield client, child, bridge, closed
    client.close()


def pump_until(bridge: Bridge, done) -> None:  # noqa: ANN001
    deadline = time.monotonic() + 5
    while not done():
        assert time.monotonic() < deadline
        bridge.pump()
        time.sleep(0.001)


def test_data_and_half_close_both_ways(bridged):
    client, child, bridge, closed = bridged
    client.sendall(b"ping")
    client.shutdown(socket.SHUT_WR)
    pump_until(bridge, lambda: child.fin_received)
    assert b"".join(seg.data for seg in child.rx) == b"ping"
    child.peer.receive(Segment(b"pong", None))     # what a guest send() does
    child.shutdown(SHUT_WR)
    client.settimeout(5)
    assert client.recv(10) == b"pong" and client.recv(10) == b""
    assert closed == [bridge]


def test_host_reset_resets_the_guest(bridged):
    client, child, bridge, closed = bridged
    client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
    client.close()
    pump_until(bridge, lambda: closed)
    assert child.err == errno.ECONNRESET


def test_guest_close_with_unread_data_resets_the_host(bridged):
    client, child, bridge, closed = bridged
    client.sendall(b"unread")
    pump_until(bridge, lambda: child.rx)
    child.release()
    assert closed == [bridge]
    client.settimeout(5)
    with pytest.raises(ConnectionResetError):
        client.recv(10)
