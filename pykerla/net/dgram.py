"""Datagram sockets without packets: a queue of whole messages per receiving socket.

Shared by AF_UNIX SOCK_DGRAM (net/unix.py) and UDP (net/inet.py): receiving (one datagram
per call, truncation with MSG_TRUNC, MSG_PEEK, a pending error before any data as in
Linux's __skb_try_recv_datagram, EOF after SHUT_RD), readiness and FIONREAD.
"""

from __future__ import annotations

import errno
from collections import deque
from typing import Any, NamedTuple

from ..errors import KernelError
from ..fs.poll import POLLERR, POLLHUP, POLLIN, POLLOUT, POLLRDHUP, POLLRDNORM, POLLWRBAND, POLLWRNORM
from .cmsg import Ancillary
from .socket import MSG_OOB, MSG_PEEK, MSG_TRUNC, RCV_SHUTDOWN, SHUT_RDWR, SHUTDOWN_MASK, Message, Socket


class Datagram(NamedTuple):
    data: bytes
    name: bytes          # the sender's sockaddr as recvfrom reports it
    anc: Ancillary | None
    sender: Any          # the sending socket (flow control of Unix datagrams)


class DgramSocket(Socket):
    """A socket receiving whole datagrams."""

    def __init__(self, owner: tuple[int, int], sock_type: int, nonblocking: bool = False) -> None:
        super().__init__(owner, sock_type, nonblocking)
        self.rx: deque[Datagram] = deque()
        self.rx_bytes = 0
        self.dead = False

    def deliver(self, dgram: Datagram) -> None:
        self.rx.append(dgram)
        self.rx_bytes += len(dgram.data)
        self.wake()

    def recvmsg(self, task: Any, size: int, flags: int) -> Message:
        if flags & MSG_OOB:
            raise KernelError(errno.EOPNOTSUPP)
        self.raise_pending_error()
        if not self.rx:
            if self.shut & RCV_SHUTDOWN:
                return Message(b"")
            self.must_wait(task, flags, sending=False)
        dgram = self.rx[0]
        anc = dgram.anc
        if flags & MSG_PEEK:
            if anc is not None:
                anc = Ancillary([f.get() for f in anc.files], anc.creds)
        else:
            self.rx.popleft()
            self.rx_bytes -= len(dgram.data)
            self.consumed(dgram)
        full = len(dgram.data)
        return Message(dgram.data[:size], dgram.name, anc, MSG_TRUNC if full > size else 0,
                       full if flags & MSG_TRUNC else min(full, size))

    def consumed(self, dgram: Datagram) -> None:
        """A datagram left the queue: senders waiting for room may go on."""
        self.wake()
        if dgram.sender is not None and dgram.sender is not self:
            dgram.sender.wake()

    def shutdown(self, how: int) -> None:
        if not 0 <= how <= SHUT_RDWR:
            raise KernelError(errno.EINVAL)
        self.shut |= how + 1
        self.wake()

    def nread(self) -> int:
        return len(self.rx[0].data) if self.rx else 0

    def poll(self, events: int) -> int:
        mask = POLLERR if self.err else 0
        if self.shut & RCV_SHUTDOWN:
            mask |= POLLRDHUP | POLLIN | POLLRDNORM
        if self.shut == SHUTDOWN_MASK:
            mask |= POLLHUP
        if self.rx:
            mask |= POLLIN | POLLRDNORM
        if self.writable_now():
            mask |= POLLOUT | POLLWRNORM | POLLWRBAND
        return mask

    def writable_now(self) -> bool:
        return True

    def release(self) -> None:
        self.dead = True
        for dgram in self.rx:
            if dgram.anc is not None:
                dgram.anc.release()
            if dgram.sender is not None and dgram.sender is not self:
                dgram.sender.wake()
        self.rx.clear()
        self.rx_bytes = 0
        self.unbind()
        self.wake()

    def unbind(self) -> None:
        """Give up the bound name (hook)."""
