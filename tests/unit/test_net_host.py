"""net/host.py without a guest: the address rule of --net host (10.0.2.2 is the host's
127.0.0.1), and guest TCP/UDP sockets joined to real host sockets, with a scheduler
stand-in whose host poll is run by hand."""

from __future__ import annotations

import errno
import selectors
import socket
import time
from types import SimpleNamespace

import pytest

from pykerla.errors import KernelError
from pykerla.net.addr import AF_INET, AF_INET6, InetAddr, encode_inet
from pykerla.net.host import HostNetwork, NoNetwork, guest_address, host_address
from pykerla.net.inet import TcpSocket, UdpSocket
from pykerla.net.namespace import NetNamespace
from pykerla.net.stream import CLOSE, ESTABLISHED, SYN_SENT
from pykerla.process.wait_queue import WouldBlock


class PollScheduler:
    """The scheduler's host poll, run on demand."""

    def __init__(self) -> None:
        self.selector = selectors.DefaultSelector()

    def watch_host_fd(self, fd, events, callback) -> None:  # noqa: ANN001
        self.selector.register(fd, events, callback)

    def unwatch_host_fd(self, fd: int) -> None:
        try:
            self.selector.unregister(fd)
        except KeyError:
            pass

    def run_until(self, done, timeout: float = 5.0) -> None:  # noqa: ANN001
        deadline = time.monotonic() + timeout
        while not done():
            assert time.monotonic() < deadline, "timed out"
            for key, _mask in self.selector.select(0.05):
                key.data()


TASK = SimpleNamespace(syscall_scratch={}, creds=SimpleNamespace(euid=0), force_signal=lambda sig: None)


def v4(ip: str, port: int) -> InetAddr:
    return InetAddr(AF_INET, socket.inet_aton(ip), port)


def test_address_rule():
    assert host_address(v4("10.0.2.2", 80)) == (socket.AF_INET, ("127.0.0.1", 80))
    assert host_address(v4("192.0.2.7", 80)) == (socket.AF_INET, ("192.0.2.7", 80))
    assert host_address(v4("192.0.2.7", 80).as_family(AF_INET6)) == (socket.AF_INET, ("192.0.2.7", 80))
    assert guest_address(AF_INET, ("127.0.0.1", 53)) == v4("10.0.2.2", 53)
    assert guest_address(AF_INET6, ("127.0.0.1", 53)) == v4("10.0.2.2", 53).as_family(AF_INET6)
    assert not NoNetwork().reaches(v4("10.0.2.2", 80))


@pytest.fixture
def net():
    ns = NetNamespace()
    scheduler = PollScheduler()
    ns.uplink = HostNetwork(scheduler)
    return ns, scheduler


def test_tcp_connect_and_exchange(net):
    ns, scheduler = net
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        guest = TcpSocket(ns, (0, 0), AF_INET)
        with pytest.raises(WouldBlock):
            guest.connect(TASK, encode_inet(v4("10.0.2.2", port)))
        assert guest.state == SYN_SENT
        scheduler.run_until(lambda: guest.state == ESTABLISHED)
        guest.connect(TASK, b"")                        # the restarted connect succeeds
        host, _ = server.accept()
        assert guest.sendmsg(TASK, b"ping", None, None, 0) == 4
        host.settimeout(5)
        assert host.recv(16) == b"ping"
        host.sendall(b"pong")
        scheduler.run_until(lambda: guest.rx_bytes == 4)
        assert guest.recvmsg(TASK, 16, 0).data == b"pong"
        host.close()
        scheduler.run_until(lambda: guest.fin_received)
        assert guest.recvmsg(TASK, 16, 0).data == b""


def test_tcp_refused(net):
    ns, scheduler = net
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        guest = TcpSocket(ns, (0, 0), AF_INET, nonblocking=True)
        with pytest.raises(KernelError) as e:
            guest.connect(TASK, encode_inet(v4("10.0.2.2", closed.getsockname()[1])))
        assert e.value.errno == errno.EINPROGRESS
        scheduler.run_until(lambda: guest.state == CLOSE)
    with pytest.raises(KernelError) as e:
        guest.connect(TASK, b"")
    assert e.value.errno == errno.ECONNREFUSED


def test_udp_round_trip(net):
    ns, scheduler = net
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as echo:
        echo.bind(("127.0.0.1", 0))
        port = echo.getsockname()[1]
        guest = UdpSocket(ns, (0, 0), AF_INET)
        assert guest.sendmsg(TASK, b"hello", encode_inet(v4("10.0.2.2", port)), None, 0) == 5
        echo.settimeout(5)
        data, sender = echo.recvfrom(64)
        echo.sendto(data.upper(), sender)
        echo.sendto(b"x", sender)
        scheduler.run_until(lambda: len(guest.rx) == 2)
        msg = guest.recvmsg(TASK, 64, 0)
        assert (msg.data, msg.name) == (b"HELLO", encode_inet(v4("10.0.2.2", port)))
        guest.release()
        assert not ns.uplink.udp
