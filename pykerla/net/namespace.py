"""The guest's network namespace: every name a socket can be found by.

Unix sockets are found by abstract name or by the socket inode a path bind created; inet
sockets by (protocol, port). One namespace per Kernel, created on first use.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from typing import Any

from ..process.wait_queue import WaitQueue

EPHEMERAL_LOW = 32768   # net.ipv4.ip_local_port_range
EPHEMERAL_HIGH = 60999


class NetNamespace:
    def __init__(self) -> None:
        self.abstract: dict[tuple[int, bytes], Any] = {}  # (socket type, name)
        self.by_inode: dict[Any, Any] = {}
        self.ports: dict[tuple[int, int], list[Any]] = {}
        self.next_autobind = 0
        self.next_ephemeral = EPHEMERAL_LOW
        self.listen_queue = WaitQueue()  # woken whenever a TCP socket starts listening (net/publish.py)
        self.uplink: Any = None          # told about non-loopback destinations (net/host.py); None: silent

    def autobind_name(self, sock_type: int) -> bytes:
        """A free abstract name of five hex digits, as Linux's autobind chooses."""
        for _ in range(1 << 20):
            name = b"\0%05x" % self.next_autobind
            self.next_autobind = (self.next_autobind + 1) & 0xFFFFF
            if (sock_type, name) not in self.abstract:
                return name
        raise OSError("no free autobind name")

    def ephemeral_ports(self) -> Iterator[int]:
        """Candidate local ports in the order to try them."""
        span = EPHEMERAL_HIGH - EPHEMERAL_LOW + 1
        start = self.next_ephemeral - EPHEMERAL_LOW
        self.next_ephemeral = EPHEMERAL_LOW + (start + 1) % span
        return (EPHEMERAL_LOW + (start + i) % span for i in range(span))


_namespaces: weakref.WeakKeyDictionary[Any, NetNamespace] = weakref.WeakKeyDictionary()


def net_of(task: Any) -> NetNamespace:
    """The network namespace of a task's kernel."""
    return kernel_net(task.kernel)


def kernel_net(kernel: Any) -> NetNamespace:
    """The network namespace of a kernel."""
    ns = _namespaces.get(kernel)
    if ns is None:
        ns = _namespaces[kernel] = NetNamespace()
    return ns
