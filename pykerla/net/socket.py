"""The socket file and what every socket shares: flags, the sockfs inode, socket-level
options, pending errors, blocking rules and the message type the protocols exchange.

A Socket is an OpenFile whose read/write are recvmsg/sendmsg without addresses or
ancillary data. Protocol families (net/unix.py, net/inet.py) subclass it and override
the operations below; the defaults are Linux's answers for sockets that lack them:

    bind(task, raw)                   listen(task, backlog)
    connect(task, raw)                accept(task) -> Socket
    sendmsg(task, data, dest, anc, flags) -> int
    recvmsg(task, size, flags) -> Message
    shutdown(how)                     sockname() -> bytes    peername() -> bytes
    proto_getsockopt / proto_setsockopt for levels other than SOL_SOCKET
Blocking follows the WouldBlock protocol (process/wait_queue.py); `blocked()` turns "cannot
proceed yet" into EAGAIN, a timeout (SO_RCVTIMEO/SO_SNDTIMEO) or a sleep.
"""

from __future__ import annotations

import errno
import struct
import time
from typing import Any, NamedTuple, NoReturn

from ..errors import KernelError
from ..fs.file import OpenFile
from ..fs.flags import O_NONBLOCK, O_RDWR, S_IFSOCK
from ..fs.inode import Inode, SuperBlock
from ..process.wait_queue import WouldBlock
from .cmsg import Ancillary

SOCK_STREAM = 1
SOCK_DGRAM = 2
SOCK_RAW = 3
SOCK_SEQPACKET = 5
SOCK_TYPE_MASK = 0xF
SOCK_NONBLOCK = O_NONBLOCK
SOCK_CLOEXEC = 0o2000000

MSG_OOB = 0x1
MSG_PEEK = 0x2
MSG_CTRUNC = 0x8
MSG_TRUNC = 0x20
MSG_DONTWAIT = 0x40
MSG_EOR = 0x80
MSG_WAITALL = 0x100
MSG_NOSIGNAL = 0x4000
MSG_WAITFORONE = 0x10000
MSG_CMSG_CLOEXEC = 0x40000000

SHUT_RD, SHUT_WR, SHUT_RDWR = 0, 1, 2
RCV_SHUTDOWN = 1
SEND_SHUTDOWN = 2
SHUTDOWN_MASK = 3

SOL_SOCKET = 1
SO_REUSEADDR = 2
SO_TYPE = 3
SO_ERROR = 4
SO_DONTROUTE = 5
SO_BROADCAST = 6
SO_SNDBUF = 7
SO_RCVBUF = 8
SO_KEEPALIVE = 9
SO_OOBINLINE = 10
SO_PRIORITY = 12
SO_LINGER = 13
SO_REUSEPORT = 15
SO_PASSCRED = 16
SO_PEERCRED = 17
SO_RCVLOWAT = 18
SO_SNDLOWAT = 19
SO_RCVTIMEO = 20
SO_SNDTIMEO = 21
SO_ACCEPTCONN = 30
SO_PROTOCOL = 38
SO_DOMAIN = 39

SIGPIPE = 13
SIOCOUTQ = 0x5411            # TIOCOUTQ
INT_MAX = 0x7FFFFFFF
SYSCTL_MEM_MAX = 212992      # net.core.rmem_max / wmem_max
SOCK_MIN_RCVBUF = 2304
SOCK_MIN_SNDBUF = 4608
OVERFLOW_ID = 65534          # what SO_PEERCRED reports for sockets without peer credentials
_DEADLINE = "sock_deadline"

_INT = struct.Struct("<i")
_LINGER = struct.Struct("<ii")
_TIMEVAL = struct.Struct("<qq")
UCRED = struct.Struct("<iII")

SOCKFS = SuperBlock("sockfs", 0x534F434B)

# Boolean and plain integer options of SOL_SOCKET: name -> default.
_BOOL_OPTIONS = {SO_REUSEADDR: 0, SO_KEEPALIVE: 0, SO_BROADCAST: 0, SO_OOBINLINE: 0,
                 SO_DONTROUTE: 0, SO_REUSEPORT: 0, SO_PASSCRED: 0}


class Message(NamedTuple):
    """What recvmsg hands back: the data, the sender's sockaddr (b"" when none), ancillary
    data, MSG_* flags for msg_flags, and the call's result (differs from len(data) with
    MSG_TRUNC)."""

    data: bytes
    name: bytes = b""
    anc: Ancillary | None = None
    flags: int = 0
    result: int | None = None


def int_option(raw: bytes) -> int:
    """An int option value (EINVAL when shorter than an int)."""
    if len(raw) < 4:
        raise KernelError(errno.EINVAL)
    return _INT.unpack_from(raw)[0]


def pack_int(value: int) -> bytes:
    return _INT.pack(value)


def owner_of(task: Any) -> tuple[int, int]:
    """The owner of a new socket's inode."""
    return task.creds.fsuid, task.creds.fsgid


class Socket(OpenFile):
    """A socket of any family (see the module docstring for the operations)."""

    family = 0
    protocol = 0

    def __init__(self, owner: tuple[int, int], sock_type: int, nonblocking: bool = False) -> None:
        super().__init__(Inode(SOCKFS, S_IFSOCK | 0o777, *owner), O_RDWR | (O_NONBLOCK if nonblocking else 0))
        self.type = sock_type
        self.err = 0
        self.shut = 0
        self.rcvbuf = SYSCTL_MEM_MAX
        self.sndbuf = SYSCTL_MEM_MAX
        self.flags_opts = dict(_BOOL_OPTIONS)
        self.priority = 0
        self.rcvlowat = 1
        self.linger: tuple[int, int] = (0, 0)
        self.timeouts = {SO_RCVTIMEO: 0.0, SO_SNDTIMEO: 0.0}
        self.listening = False
        self.peer_cred: tuple[int, int, int] | None = None

    # -- OpenFile ----------------------------------------------------------------------
    def read(self, task: Any, size: int) -> bytes:
        if not size:
            return b""  # sock_read_iter: an empty read never reaches the protocol
        msg = self.recvmsg(task, size, 0)
        if msg.anc is not None:
            msg.anc.release()  # read() has nowhere to put passed files
        return msg.data

    def write(self, task: Any, data: bytes) -> int:
        if not data:
            return 0  # sock_write_iter: an empty write sends nothing, not even a datagram
        return self.sendmsg(task, data, None, None, 0)

    def path_name(self) -> bytes:
        return b"socket:[%d]" % self.inode.ino

    def wake(self) -> None:
        self.wait_queue.wake_all()

    # -- errors and blocking -------------------------------------------------------------
    def take_error(self) -> int:
        """sock_error(): the pending error, cleared by reading it."""
        err, self.err = self.err, 0
        return err

    def raise_pending_error(self) -> None:
        err = self.take_error()
        if err:
            raise KernelError(err)

    def epipe(self, task: Any, flags: int) -> NoReturn:
        if not flags & MSG_NOSIGNAL:
            task.force_signal(SIGPIPE)
        raise KernelError(errno.EPIPE)

    def _deadline(self, task: Any, flags: int, sending: bool) -> float | None:
        """The wait's deadline (None: forever); EAGAIN when the call may not wait at all
        (nonblocking, MSG_DONTWAIT) or its SO_RCVTIMEO/SO_SNDTIMEO has run out."""
        if self.nonblocking or flags & MSG_DONTWAIT:
            raise KernelError(errno.EAGAIN)
        timeout = self.timeouts[SO_SNDTIMEO if sending else SO_RCVTIMEO]
        if not timeout:
            return None
        deadline = task.syscall_scratch.setdefault(_DEADLINE, time.monotonic() + timeout)
        if time.monotonic() >= deadline:
            raise KernelError(errno.EAGAIN)
        return deadline

    def must_wait(self, task: Any, flags: int, sending: bool) -> NoReturn:
        """Sleep until the socket changes, or fail with EAGAIN (see _deadline)."""
        raise WouldBlock([self.wait_queue], self._deadline(task, flags, sending))

    def wait_with_progress(self, task: Any, flags: int, sending: bool, done: int) -> int:
        """Like must_wait for a call that already moved `done` bytes: that count is its
        result when it may not wait or a signal interrupts it."""
        if not done:
            self.must_wait(task, flags, sending)
        try:
            deadline = self._deadline(task, flags, sending)
        except KernelError:
            return done
        raise WouldBlock([self.wait_queue], deadline, on_interrupt=lambda: done)

    # -- protocol operations (defaults) --------------------------------------------------
    def bind(self, task: Any, raw: bytes) -> None:
        raise KernelError(errno.EOPNOTSUPP)

    def listen(self, task: Any, backlog: int) -> None:
        raise KernelError(errno.EOPNOTSUPP)

    def accept(self, task: Any, nonblocking: bool) -> Socket:
        raise KernelError(errno.EOPNOTSUPP)

    def connect(self, task: Any, raw: bytes) -> None:
        raise KernelError(errno.EOPNOTSUPP)

    def sendmsg(self, task: Any, data: bytes, dest: bytes | None, anc: Ancillary | None, flags: int) -> int:
        raise KernelError(errno.EOPNOTSUPP)

    def recvmsg(self, task: Any, size: int, flags: int) -> Message:
        raise KernelError(errno.EOPNOTSUPP)

    def shutdown(self, how: int) -> None:
        raise KernelError(errno.EOPNOTSUPP)

    def sockname(self) -> bytes:
        raise KernelError(errno.EOPNOTSUPP)

    def peername(self) -> bytes:
        raise KernelError(errno.ENOTCONN)

    def ioctl(self, task: Any, cmd: int, arg: int) -> int:
        if cmd == SIOCOUTQ:
            task.mm.write(arg, pack_int(self.outq()))
            return 0
        raise KernelError(errno.ENOTTY)

    def outq(self) -> int:
        """SIOCOUTQ: bytes sent and not yet taken by the receiver (nothing is ever in flight
        in a network without packets; Unix sockets override)."""
        return 0

    # -- options -------------------------------------------------------------------------
    def getsockopt(self, level: int, name: int) -> bytes:
        if level != SOL_SOCKET:
            return self.proto_getsockopt(level, name)
        if name in self.flags_opts:
            return pack_int(self.flags_opts[name])
        simple = {SO_TYPE: self.type, SO_PROTOCOL: self.protocol, SO_DOMAIN: self.family,
                  SO_ACCEPTCONN: int(self.listening), SO_SNDBUF: self.sndbuf, SO_RCVBUF: self.rcvbuf,
                  SO_PRIORITY: self.priority, SO_RCVLOWAT: self.rcvlowat, SO_SNDLOWAT: 1}
        if name in simple:
            return pack_int(simple[name])
        if name == SO_ERROR:
            return pack_int(self.take_error())
        if name == SO_LINGER:
            return _LINGER.pack(*self.linger)
        if name in self.timeouts:
            usec = round(self.timeouts[name] * 1e6)
            return _TIMEVAL.pack(usec // 1_000_000, usec % 1_000_000)
        if name == SO_PEERCRED:
            return UCRED.pack(*(self.peer_cred or (0, OVERFLOW_ID, OVERFLOW_ID)))
        raise KernelError(errno.ENOPROTOOPT)

    def setsockopt(self, task: Any, level: int, name: int, raw: bytes) -> None:
        if level != SOL_SOCKET:
            self.proto_setsockopt(task, level, name, raw)
            return
        if name == SO_LINGER:
            if len(raw) < _LINGER.size:
                raise KernelError(errno.EINVAL)
            onoff, secs = _LINGER.unpack_from(raw)
            self.linger = (int(bool(onoff)), secs)
            return
        if name in self.timeouts:
            self.timeouts[name] = _timeval_option(raw)
            return
        value = int_option(raw)
        if name in self.flags_opts:
            self.flags_opts[name] = int(value != 0)
        elif name in (SO_SNDBUF, SO_RCVBUF):
            doubled = max(min(value & 0xFFFFFFFF, SYSCTL_MEM_MAX, INT_MAX // 2) * 2,
                          SOCK_MIN_SNDBUF if name == SO_SNDBUF else SOCK_MIN_RCVBUF)
            if name == SO_SNDBUF:
                self.sndbuf = doubled
            else:
                self.rcvbuf = doubled
            self.wake()
        elif name == SO_PRIORITY:
            if not 0 <= value <= 6 and task.creds.euid != 0:
                raise KernelError(errno.EPERM)
            self.priority = value
        elif name == SO_RCVLOWAT:
            self.rcvlowat = (INT_MAX if value < 0 else value) or 1
        else:
            raise KernelError(errno.ENOPROTOOPT)

    def proto_getsockopt(self, level: int, name: int) -> bytes:
        raise KernelError(errno.EOPNOTSUPP)

    def proto_setsockopt(self, task: Any, level: int, name: int, raw: bytes) -> None:
        raise KernelError(errno.EOPNOTSUPP)

    @property
    def passcred(self) -> bool:
        return bool(self.flags_opts[SO_PASSCRED])


def _timeval_option(raw: bytes) -> float:
    """SO_RCVTIMEO/SO_SNDTIMEO: a struct timeval; zero means forever."""
    if len(raw) < _TIMEVAL.size:
        raise KernelError(errno.EINVAL)
    sec, usec = _TIMEVAL.unpack_from(raw)
    if not 0 <= usec < 1_000_000:
        raise KernelError(errno.EDOM)
    if sec < 0:
        return 0.0
    return sec + usec / 1e6


def task_cred(task: Any) -> tuple[int, int, int]:
    """(pid, uid, gid) as SO_PEERCRED and SCM_CREDENTIALS report a task."""
    return task.tgid, task.creds.euid, task.creds.egid
