"""Connection-oriented sockets without packets: SOCK_STREAM and SOCK_SEQPACKET.

Two connected sockets point at each other; sending appends a Segment to the peer's receive
queue, receiving takes bytes (stream) or one record (seqpacket) from one's own. A listener
holds the accept queue of server-side sockets created by connect (Linux's "embryos": data
may flow before accept) and admits backlog + 1 of them. The families (net/unix.py for
AF_UNIX, net/inet.py for TCP) provide naming (bind, resolving a connect address, the
child's addresses) and the few places where Unix and TCP sockets answer differently:
methods marked "hook" below.
"""

from __future__ import annotations

import errno
from collections import deque
from typing import Any

from ..errors import KernelError
from ..fs.flags import O_NONBLOCK
from ..fs.poll import POLLERR, POLLHUP, POLLIN, POLLOUT, POLLRDHUP, POLLRDNORM, POLLWRBAND, POLLWRNORM
from ..process.wait_queue import WouldBlock
from .cmsg import Ancillary
from .socket import (
    MSG_DONTWAIT,
    MSG_OOB,
    MSG_PEEK,
    MSG_TRUNC,
    MSG_WAITALL,
    RCV_SHUTDOWN,
    SEND_SHUTDOWN,
    SHUT_RDWR,
    SHUTDOWN_MASK,
    SOCK_SEQPACKET,
    Message,
    Socket,
)

SOMAXCONN = 4096
_SENT = "stream_sent"
_WAITALL = "stream_waitall"

# States (Linux's TCP state names; Unix sockets use CLOSE, LISTEN and ESTABLISHED).
CLOSE = "CLOSE"
LISTEN = "LISTEN"
SYN_SENT = "SYN_SENT"
ESTABLISHED = "ESTABLISHED"


class Segment:
    """Bytes sent by one call (or one record), with the ancillary data riding on them."""

    __slots__ = ("data", "anc")

    def __init__(self, data: bytes, anc: Ancillary | None) -> None:
        self.data = data
        self.anc = anc


class StreamSocket(Socket):
    """The shared machinery; see the module docstring."""

    recv_unconnected_errno = errno.ENOTCONN

    def __init__(self, owner: tuple[int, int], sock_type: int, nonblocking: bool = False) -> None:
        super().__init__(owner, sock_type, nonblocking)
        self.state = CLOSE
        self.peer: StreamSocket | None = None
        self.peer_gone = False
        self.fin_received = False
        self.rx: deque[Segment] = deque()
        self.rx_bytes = 0
        self.backlog = 0
        self.accept_queue: deque[StreamSocket] = deque()
        self.pending: deque[StreamSocket] = deque()  # connectors waiting for room (TCP)
        self.connecting_to: StreamSocket | None = None
        self.async_connect = False  # a nonblocking connect is in progress or unreported

    @property
    def records(self) -> bool:
        return self.type == SOCK_SEQPACKET

    # -- hooks -------------------------------------------------------------------------
    def resolve_listener(self, task: Any, raw: bytes) -> StreamSocket:
        """The listening socket `raw` names (ECONNREFUSED, ENOENT... when none). Hook."""
        raise KernelError(errno.EOPNOTSUPP)

    def make_child(self, task: Any, client: StreamSocket) -> StreamSocket:
        """The server-side socket for `client` connecting to this listener. Hook."""
        raise KernelError(errno.EOPNOTSUPP)

    def backlog_full_nonblocking(self, task: Any, listener: StreamSocket) -> None:
        """A nonblocking connect finds the accept queue full. Hook (Unix: EAGAIN)."""
        raise KernelError(errno.EAGAIN)

    def send_unconnected(self, task: Any, flags: int) -> int:
        """send on a socket that never connected. Hook (Unix: ENOTCONN)."""
        raise KernelError(errno.ENOTCONN)

    def send_to_closed_peer(self, task: Any, data: bytes, flags: int) -> int:
        """send after the peer's last close. Hook (Unix: EPIPE)."""
        self.epipe(task, flags)

    def peer_released(self, unread: bool) -> None:
        """The peer was closed (`unread`: with data it never read). Hook."""
        self.shut = SHUTDOWN_MASK
        if unread:
            self.err = errno.ECONNRESET

    def send_limit(self) -> int:
        """How many bytes may wait unread in the peer's queue."""
        return self.sndbuf

    # -- connection setup -----------------------------------------------------------------
    def listen(self, task: Any, backlog: int) -> None:
        if self.state not in (CLOSE, LISTEN) or self.async_connect:
            raise KernelError(errno.EINVAL)
        self.backlog = SOMAXCONN if backlog < 0 or backlog > SOMAXCONN else backlog
        self.state = LISTEN
        self.listening = True
        self._admit_pending()
        self.wake()

    def accept_full(self) -> bool:
        return len(self.accept_queue) > self.backlog

    def connect(self, task: Any, raw: bytes) -> None:
        if self.async_connect:
            self._finish_async_connect(task)
            return
        if self.state == LISTEN:
            raise KernelError(errno.EINVAL)
        if self.state == ESTABLISHED or self.peer is not None:
            raise KernelError(errno.EISCONN)
        listener = self.resolve_listener(task, raw)
        if listener.accept_full():
            if self.nonblocking:
                self.backlog_full_nonblocking(task, listener)
                return
            raise WouldBlock([listener.wait_queue])
        self.establish(task, listener)

    def _finish_async_connect(self, task: Any) -> None:
        """A later connect() on a socket whose nonblocking connect returned EINPROGRESS."""
        if self.state == SYN_SENT:
            if self.nonblocking:
                raise KernelError(errno.EALREADY)
            raise WouldBlock([self.wait_queue])
        self.async_connect = False
        if self.state == CLOSE:
            self.shut = 0  # the failed attempt is disconnected: the socket may connect again
            raise KernelError(self.take_error() or errno.ECONNABORTED)

    def establish(self, task: Any, listener: StreamSocket) -> None:
        child = listener.make_child(task, self)
        self.peer, child.peer = child, self
        self.state = child.state = ESTABLISHED
        listener.accept_queue.append(child)
        listener.wake()
        self.wake()

    def queue_pending(self, listener: StreamSocket) -> None:
        """Wait (SYN_SENT) for room in the listener's accept queue."""
        self.state = SYN_SENT
        self.connecting_to = listener
        listener.pending.append(self)

    def _admit_pending(self) -> None:
        while self.pending and not self.accept_full():
            client = self.pending.popleft()
            client.connecting_to = None
            client.establish(None, self)

    def accept(self, task: Any, nonblocking: bool) -> Socket:
        if self.state != LISTEN:
            raise KernelError(errno.EINVAL)
        if not self.accept_queue:
            self.must_wait(task, 0, sending=False)
        child = self.accept_queue.popleft()
        child.flags = (child.flags & ~O_NONBLOCK) | (O_NONBLOCK if nonblocking else 0)
        self._admit_pending()
        self.wake()
        return child

    # -- data --------------------------------------------------------------------------
    def send_checks(self, task: Any, flags: int) -> StreamSocket | None:
        """The peer to send to, None when it is gone (then send_to_closed_peer decides)."""
        if self.state in (CLOSE, LISTEN) and self.peer is None:
            self.send_unconnected(task, flags)
        if self.shut & SEND_SHUTDOWN:
            self.epipe(task, flags)
        peer = self.peer
        if peer is None or self.peer_gone:
            return None
        if peer.shut & RCV_SHUTDOWN and not self.fin_style_shutdown():
            self.epipe(task, flags)
        return peer

    def fin_style_shutdown(self) -> bool:
        """Whether data sent after the peer's SHUT_RD is still accepted (TCP) or EPIPE (Unix)."""
        return False

    def sendmsg(self, task: Any, data: bytes, dest: bytes | None, anc: Ancillary | None, flags: int) -> int:
        if flags & MSG_OOB:
            raise KernelError(errno.EOPNOTSUPP)
        peer = self.send_checks(task, flags)
        if peer is None:
            if anc is not None:
                anc.release()
            return self.send_to_closed_peer(task, data, flags)
        scratch = task.syscall_scratch
        done = scratch.get(_SENT, 0)
        total = len(data)
        room = self.send_limit() - peer.rx_bytes
        if self.records:
            if total > self.sndbuf - 32:
                raise KernelError(errno.EMSGSIZE)
            if room >= total or not peer.rx:
                peer.receive(Segment(data, anc))
                return total
        elif not total:     # nothing to queue: ancillary data needs a byte to ride on
            if anc is not None:
                anc.release()
            return 0
        elif room > 0:
            n = min(room, total - done)
            peer.receive(Segment(data[done:done + n], anc if not done else None))
            done += n
            if done == total:
                return total
        scratch[_SENT] = done
        return self.wait_with_progress(task, flags, sending=True, done=done)

    def receive(self, seg: Segment) -> None:
        self.rx.append(seg)
        self.rx_bytes += len(seg.data)
        self.wake()

    def recv_check_connected(self) -> None:
        if self.state in (CLOSE, LISTEN, SYN_SENT) and self.peer is None:
            raise KernelError(self.recv_unconnected_errno)

    def recvmsg(self, task: Any, size: int, flags: int) -> Message:
        if flags & MSG_OOB:
            raise KernelError(errno.EOPNOTSUPP if self.family == 1 else errno.EINVAL)
        self.recv_check_connected()
        if self.rx and self.records:
            return self._take_record(size, flags)
        scratch = task.syscall_scratch
        partial = scratch.pop(_WAITALL, b"")
        if self.rx:
            msg = self._take_bytes(size - len(partial), flags)
            data = partial + msg.data
            keep_waiting = (flags & MSG_WAITALL and not flags & MSG_PEEK and len(data) < size
                            and not self.rx and not (msg.anc and msg.anc.files))
            if not keep_waiting:
                return msg._replace(data=data)
            partial = data
        ended = self.fin_received or self.err or self.shut & RCV_SHUTDOWN or self.state == CLOSE
        if partial:
            if ended or self.nonblocking or flags & MSG_DONTWAIT:
                return Message(partial, self.recv_name())
            scratch[_WAITALL] = partial

            def give_back() -> None:
                self.unread(scratch.pop(_WAITALL, b""))
            raise WouldBlock([self.wait_queue], on_interrupt=give_back)
        if not self.fin_received:
            self.raise_pending_error()
        if ended:
            return Message(b"", self.recv_name())
        self.must_wait(task, flags, sending=False)

    def _take_bytes(self, size: int, flags: int) -> Message:
        """Bytes up to `size`, not gluing data across passed files or (with SO_PASSCRED)
        different senders' credentials."""
        peek = bool(flags & MSG_PEEK)
        check_creds = self.passcred
        out: list[bytes] = []
        got = 0
        files: list[Any] = []
        creds = None
        for seg in list(self.rx):
            if got >= size:
                break
            seg_creds = seg.anc.creds if seg.anc is not None else None
            if check_creds and got and seg_creds != creds:
                break
            if not got:
                creds = seg_creds
            take = seg.data[:size - got]
            out.append(take)
            got += len(take)
            has_files = seg.anc is not None and bool(seg.anc.files)
            if has_files:
                assert seg.anc is not None
                files = [f.get() for f in seg.anc.files] if peek else seg.anc.files
            if not peek:
                if len(take) == len(seg.data):
                    self.rx.popleft()
                else:
                    seg.data = seg.data[len(take):]
                    if seg.anc is not None:
                        seg.anc = Ancillary(creds=seg.anc.creds)
                self.rx_bytes -= len(take)
            if has_files:
                break
        if not peek:
            if self.peer is not None:
                self.peer.wake()
            self.wake()
        anc = Ancillary(files, creds) if files or creds is not None else None
        return Message(b"".join(out), self.recv_name(), anc)

    def _take_record(self, size: int, flags: int) -> Message:
        seg = self.rx[0]
        if not flags & MSG_PEEK:
            self.rx.popleft()
            self.rx_bytes -= len(seg.data)
            if self.peer is not None:
                self.peer.wake()
            anc = seg.anc
        else:
            anc = seg.anc and Ancillary([f.get() for f in seg.anc.files], seg.anc.creds)
        full = len(seg.data)
        truncated = full > size
        return Message(seg.data[:size], self.recv_name(), anc, MSG_TRUNC if truncated else 0,
                       full if flags & MSG_TRUNC else min(full, size))

    def recv_name(self) -> bytes:
        """The source address recvfrom reports on a connected socket (none by default)."""
        return b""

    def unread(self, data: bytes) -> None:
        if data:
            self.rx.appendleft(Segment(data, None))
            self.rx_bytes += len(data)

    def nread(self) -> int:
        if self.state == LISTEN:
            raise KernelError(errno.EINVAL)
        return self.rx_bytes

    # -- shutdown, close, poll -----------------------------------------------------------------
    def shutdown(self, how: int) -> None:
        if not 0 <= how <= SHUT_RDWR:
            raise KernelError(errno.EINVAL)
        mode = how + 1
        self.shut |= mode
        peer = self.peer
        if peer is not None and not self.peer_gone:
            peer.peer_shutdown(mode)
        self.wake()

    def peer_shutdown(self, mode: int) -> None:
        """The peer shut down its direction(s) `mode` (RCV_SHUTDOWN/SEND_SHUTDOWN bits)."""
        if mode & RCV_SHUTDOWN:
            self.shut |= SEND_SHUTDOWN
        if mode & SEND_SHUTDOWN:
            self.shut |= RCV_SHUTDOWN
        self.wake()

    def release(self) -> None:
        for child in self.accept_queue:
            child.release()
        self.accept_queue.clear()
        for client in self.pending:
            client.connect_failed(errno.ECONNREFUSED)
        self.pending.clear()
        if self.connecting_to is not None:
            self.connecting_to.pending.remove(self)
            self.connecting_to = None
        unread = self.close_resets()
        for seg in self.rx:
            if seg.anc is not None:
                seg.anc.release()
        self.rx.clear()
        self.rx_bytes = 0
        if self.peer is not None and not self.peer_gone:
            self.peer.peer_gone = True
            self.peer.peer_released(unread)
            self.peer.wake()
        self.state = CLOSE
        self.listening = False
        self.unbind()
        self.wake()

    def close_resets(self) -> bool:
        """Whether closing now resets the connection: data arrived that was never read."""
        return bool(self.rx)

    def connect_failed(self, err: int) -> None:
        self.state = CLOSE
        self.connecting_to = None
        self.err = err
        self.shut = SHUTDOWN_MASK
        self.wake()

    def unbind(self) -> None:
        """Give up the bound name (hook)."""

    def poll(self, events: int) -> int:
        if self.state == LISTEN:
            return POLLIN | POLLRDNORM if self.accept_queue else 0
        mask = POLLERR if self.err else 0
        if self.shut == SHUTDOWN_MASK or self.state == CLOSE:
            mask |= POLLHUP
        if self.shut & RCV_SHUTDOWN:
            mask |= POLLIN | POLLRDNORM | POLLRDHUP
        if self.rx:
            mask |= POLLIN | POLLRDNORM
        if self.state == SYN_SENT:
            return mask
        if self.writable_now():
            mask |= POLLOUT | POLLWRNORM | POLLWRBAND
        return mask

    def writable_now(self) -> bool:
        peer = self.peer
        if peer is None or self.peer_gone or self.shut & SEND_SHUTDOWN:
            return True
        return self.send_limit() - peer.rx_bytes > 0
