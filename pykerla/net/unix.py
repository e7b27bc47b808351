"""AF_UNIX sockets (unix(7)): stream, datagram and seqpacket.

Names: a path (bind creates a socket inode in the VFS, found again through that inode),
an abstract name (leading NUL, exact length; each socket type has its own
abstract namespace), or none; autobind picks an abstract
five-hex-digit name. Every message carries its sender's credentials (shown to receivers
with SO_PASSCRED as SCM_CREDENTIALS) and may carry files (SCM_RIGHTS).
"""

from __future__ import annotations

import errno
from typing import Any

from ..errors import KernelError
from ..fs import vfs
from ..fs.flags import S_IFSOCK, W_OK
from ..fs.inode import permission
from ..fs.namei import lookup
from ..process.wait_queue import WouldBlock
from .addr import AF_UNIX, AF_UNSPEC, decode_unix, encode_unix, family_of
from .cmsg import Ancillary, default_creds
from .dgram import Datagram, DgramSocket
from .namespace import NetNamespace, net_of
from .socket import (
    MSG_NOSIGNAL,
    MSG_OOB,
    RCV_SHUTDOWN,
    SEND_SHUTDOWN,
    SO_PASSCRED,
    SOCK_DGRAM,
    SOCK_SEQPACKET,
    SOCK_STREAM,
    SOCK_RAW,
    Socket,
    owner_of,
    task_cred,
)
from .stream import ESTABLISHED, LISTEN, StreamSocket

MAX_DGRAM_QLEN = 10  # net.unix.max_dgram_qlen


class UnixNaming(Socket):
    """Binding, name lookup and credentials shared by all Unix socket types."""

    family = AF_UNIX

    def __init__(self, ns: NetNamespace, owner: tuple[int, int], sock_type: int,
                 nonblocking: bool = False) -> None:
        super().__init__(owner, sock_type, nonblocking)
        self.ns = ns
        self.name: bytes | None = None
        self.bound_inode: Any = None

    def bind(self, task: Any, raw: bytes) -> None:
        name = decode_unix(raw)
        if name and name[0] != 0:
            self.bind_path(task, name)
            return
        if not name:
            self.autobind()  # a socket that already has a name keeps it
            return
        if self.name is not None:
            raise KernelError(errno.EINVAL)
        if (self.type, name) in self.ns.abstract:
            raise KernelError(errno.EADDRINUSE)
        self.ns.abstract[(self.type, name)] = self
        self.name = name

    def bind_path(self, task: Any, name: bytes) -> None:
        """Linux creates the socket inode first (EADDRINUSE if the name exists), then
        finds the socket already bound (EINVAL, and the new inode goes again)."""
        try:
            inode = vfs.mknod(task, task.fs.cwd, name, S_IFSOCK | 0o777, 0)
        except KernelError as e:
            raise KernelError(errno.EADDRINUSE if e.errno == errno.EEXIST else e.errno) from None
        if self.name is not None:
            vfs.unlink(task, task.fs.cwd, name)
            raise KernelError(errno.EINVAL)
        self.ns.by_inode[inode] = self
        self.bound_inode = inode
        self.name = name

    def autobind(self) -> None:
        if self.name is None:
            self.name = self.ns.autobind_name(self.type)
            self.ns.abstract[(self.type, self.name)] = self

    def autobind_for_passcred(self) -> None:
        if self.passcred:
            self.autobind()

    def unbind(self) -> None:
        if self.name is None:
            return
        if self.bound_inode is not None:
            self.ns.by_inode.pop(self.bound_inode, None)
        elif self.ns.abstract.get((self.type, self.name)) is self:
            del self.ns.abstract[(self.type, self.name)]

    def sockname(self) -> bytes:
        return encode_unix(self.name or b"")

    def find(self, task: Any, raw: bytes) -> UnixNaming:
        """The socket a sockaddr_un names (of this socket's type)."""
        name = decode_unix(raw)
        if name[:1] == b"\0" or not name:
            other = self.ns.abstract.get((self.type, name))
        else:
            dentry = lookup(task, name)
            permission(dentry.inode, task.creds, W_OK)
            other = self.ns.by_inode.get(dentry.inode)
        if other is None:
            raise KernelError(errno.ECONNREFUSED)
        if other.type != self.type:
            raise KernelError(errno.EPROTOTYPE)
        return other

    def with_creds(self, task: Any, anc: Ancillary | None) -> Ancillary:
        anc = anc or Ancillary()
        if anc.creds is None:
            anc.creds = default_creds(task)
        return anc


class UnixStream(UnixNaming, StreamSocket):
    """SOCK_STREAM and SOCK_SEQPACKET."""

    def __init__(self, ns: NetNamespace, owner: tuple[int, int], sock_type: int,
                 nonblocking: bool = False) -> None:
        super().__init__(ns, owner, sock_type, nonblocking)
        self.recv_unconnected_errno = errno.ENOTCONN if self.records else errno.EINVAL

    def listen(self, task: Any, backlog: int) -> None:
        if self.name is None:
            raise KernelError(errno.EINVAL)
        super().listen(task, backlog)
        self.peer_cred = task_cred(task)

    def resolve_listener(self, task: Any, raw: bytes) -> StreamSocket:
        if family_of(raw) != AF_UNIX:
            raise KernelError(errno.EINVAL)
        self.autobind_for_passcred()
        other = self.find(task, raw)
        assert isinstance(other, UnixStream)
        if other.state != LISTEN or other.shut & RCV_SHUTDOWN:
            raise KernelError(errno.ECONNREFUSED)
        return other

    def make_child(self, task: Any, client: StreamSocket) -> StreamSocket:
        child = UnixStream(self.ns, owner_of(task), self.type)
        child.name = self.name
        child.flags_opts[SO_PASSCRED] = self.flags_opts[SO_PASSCRED]
        child.peer_cred = task_cred(task)
        client.peer_cred = self.peer_cred
        return child

    def peername(self) -> bytes:
        peer = self.peer
        if peer is None or self.state != ESTABLISHED:
            raise KernelError(errno.ENOTCONN)
        assert isinstance(peer, UnixNaming)
        return peer.sockname()

    def outq(self) -> int:
        peer = self.peer
        return peer.rx_bytes if peer is not None and not self.peer_gone else 0

    def recv_name(self) -> bytes:
        peer = self.peer
        return encode_unix(peer.name) if isinstance(peer, UnixNaming) and peer.name else b""

    def sendmsg(self, task: Any, data: bytes, dest: bytes | None, anc: Ancillary | None, flags: int) -> int:
        try:
            if self.records:
                self.raise_pending_error()
                if self.state != ESTABLISHED:
                    raise KernelError(errno.ENOTCONN)
                flags |= MSG_NOSIGNAL  # seqpacket reports EPIPE without SIGPIPE
            elif dest:
                raise KernelError(errno.EISCONN if self.state == ESTABLISHED else errno.EOPNOTSUPP)
            if flags & MSG_OOB:
                raise KernelError(errno.EOPNOTSUPP)
        except KernelError:
            if anc is not None:
                anc.release()
            raise
        return super().sendmsg(task, data, None, self.with_creds(task, anc), flags)


class UnixDgram(UnixNaming, DgramSocket):
    """SOCK_DGRAM: connect only sets the default destination."""

    def __init__(self, ns: NetNamespace, owner: tuple[int, int], nonblocking: bool = False) -> None:
        super().__init__(ns, owner, SOCK_DGRAM, nonblocking)
        self.peer: UnixDgram | None = None

    def connect(self, task: Any, raw: bytes) -> None:
        if family_of(raw) == AF_UNSPEC:
            other = None
        else:
            self.autobind_for_passcred()
            found = self.find(task, raw)
            assert isinstance(found, UnixDgram)
            if not found.may_receive_from(self):
                raise KernelError(errno.EPERM)
            other = found
        old, self.peer = self.peer, other
        if old is not None and old is not other:
            self.disconnected_from(old)
        self.wake()

    def disconnected_from(self, old: UnixDgram) -> None:
        """unix_dgram_disconnected: the queue is dropped, and a peer that was connected
        back to us learns of it (ECONNRESET)."""
        for dgram in self.rx:
            if dgram.anc is not None:
                dgram.anc.release()
        self.rx.clear()
        self.rx_bytes = 0
        if old.peer is self and not old.dead:
            old.err = errno.ECONNRESET
            old.wake()

    def may_receive_from(self, sender: UnixDgram) -> bool:
        """unix_may_send: a connected socket only hears from its peer."""
        return self.peer is None or self.peer is sender

    def peername(self) -> bytes:
        if self.peer is None:
            raise KernelError(errno.ENOTCONN)
        return self.peer.sockname()

    def sendmsg(self, task: Any, data: bytes, dest: bytes | None, anc: Ancillary | None, flags: int) -> int:
        try:
            return self._send(task, data, dest, anc, flags)
        except BaseException:
            if anc is not None:
                anc.release()
            raise

    def _send(self, task: Any, data: bytes, dest: bytes | None, anc: Ancillary | None, flags: int) -> int:
        if flags & MSG_OOB:
            raise KernelError(errno.EOPNOTSUPP)
        if self.shut & SEND_SHUTDOWN:
            raise KernelError(errno.EPIPE)
        self.raise_pending_error()
        if len(data) > self.sndbuf - 32:
            raise KernelError(errno.EMSGSIZE)
        self.autobind_for_passcred()
        if dest:
            other = self.find(task, dest)
            assert isinstance(other, UnixDgram)
        elif self.peer is None:
            raise KernelError(errno.ENOTCONN)
        else:
            other = self.peer
        if other.dead:
            if other is self.peer:
                self.peer = None
            raise KernelError(errno.ECONNREFUSED)
        if not other.may_receive_from(self):
            raise KernelError(errno.EPERM)
        if other.shut & RCV_SHUTDOWN:
            raise KernelError(errno.EPIPE)
        if other.full_for(self):
            raise WouldBlock([other.wait_queue, self.wait_queue], self._deadline(task, flags, sending=True))
        other.deliver(Datagram(data, encode_unix(self.name) if self.name else b"",
                               self.with_creds(task, anc), self))
        return len(data)

    def full_for(self, sender: UnixDgram) -> bool:
        if self.peer is not sender and len(self.rx) > MAX_DGRAM_QLEN:
            return True
        return bool(self.rx) and self.rx_bytes >= sender.sndbuf

    def outq(self) -> int:
        """SIOCOUTQ: the bytes of our datagrams still queued at the connected peer (Linux
        counts buffer sizes, and datagrams sent elsewhere too)."""
        peer = self.peer
        return sum(len(d.data) for d in peer.rx if d.sender is self) if peer is not None else 0

    def writable_now(self) -> bool:
        peer = self.peer
        return peer is None or peer.dead or peer.peer is self or not peer.full_for(self)


def unix_socket(task: Any, sock_type: int, nonblocking: bool) -> Socket:
    ns, owner = net_of(task), owner_of(task)
    if sock_type in (SOCK_STREAM, SOCK_SEQPACKET):
        return UnixStream(ns, owner, sock_type, nonblocking)
    if sock_type in (SOCK_DGRAM, SOCK_RAW):  # Linux treats SOCK_RAW as SOCK_DGRAM here
        return UnixDgram(ns, owner, nonblocking)
    raise KernelError(errno.ESOCKTNOSUPPORT)


def unix_socketpair(task: Any, sock_type: int, nonblocking: bool) -> tuple[Socket, Socket]:
    a = unix_socket(task, sock_type, nonblocking)
    b = unix_socket(task, sock_type, nonblocking)
    if isinstance(a, UnixStream) and isinstance(b, UnixStream):
        a.state = b.state = ESTABLISHED
    assert isinstance(a, UnixStream | UnixDgram) and isinstance(b, UnixStream | UnixDgram)
    a.peer, b.peer = b, a  # type: ignore[assignment]
    a.peer_cred = b.peer_cred = task_cred(task)
    return a, b
