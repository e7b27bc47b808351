"""Unix98 pseudo-terminals (drivers/tty/pty.c): /dev/ptmx and the slaves in /dev/pts.

Each open of /dev/ptmx makes a pair with the lowest free number N: the master is the open
file returned, the slave is a Tty (one N_TTY line discipline, holding the settings) shown
as /dev/pts/N (char device 136:N, in devfs and in devpts) until the master closes. The pair is the slave's driver:

  - slave output (after output processing, echoes included) queues in `output` until the
    master reads it; slave writers wait while PTY_BUF bytes are unread;
  - master writes queue in `backlog` (Linux's flip buffer, at most PTY_BUF bytes) and feed
    the slave's line discipline as it has room;
  - a new pair is locked (opening the slave fails with EIO) until TIOCSPTLCK 0 (unlockpt);
  - once a slave was opened and its last file closes, master reads drain what is left and
    then fail with EIO (POLLHUP); closing the master hangs the slave up (Tty.hangup);
  - packet mode (TIOCPKT): a master read returns either one status byte (TIOCPKT_FLUSHREAD,
    FLUSHWRITE, STOP, START, NOSTOP, DOSTOP accumulated since the last read) or a 0 byte
    followed by data.
Other ioctls on the master act on the slave (settings, window size, foreground group), as
Linux's tty_pair_get_tty does; TIOCGPGRP/TIOCGSID there need no controlling terminal.
"""

from __future__ import annotations

import errno
import struct
from typing import Any

from ..errors import KernelError
from ..fs.dentry import Dentry
from ..fs.devfs import register_char_device, unregister_char_device
from ..fs.devpts import (
    PTMX_MINOR, TTYAUX_MAJOR, UNIX98_PTY_SLAVE_MAJOR, add_pts_node, remove_pts_node,
)
from ..fs.flags import O_CLOEXEC
from ..fs.inode import Inode, makedev
from ..fs.namei import lookup
from ..fs.poll import POLLHUP, POLLIN, POLLOUT, POLLPRI, POLLRDNORM, POLLWRNORM
from ..process.wait_queue import WouldBlock
from . import termios as T
from .tty import Tty, TtyFile, open_tty

PTY_BUF = 65536     # bytes queued in either direction before the writer waits
MAX_PTYS = 4096     # /proc/sys/kernel/pty/max
XON, XOFF = 0x11, 0x13
TTY_GID = 5         # group "tty", the owner group of devfs's slave nodes
_INT = struct.Struct("<i")

_ptys: dict[int, PtyPair] = {}


def _xon_flow(termios: T.Termios) -> bool:
    """Whether ^S/^Q flow control is on (what TIOCPKT_DOSTOP/NOSTOP report)."""
    cc = termios.cc
    return bool(termios.iflag & T.IXON) and cc[T.VSTOP] == XOFF and cc[T.VSTART] == XON


class PtySlave(Tty):
    """The slave side: a terminal whose device is the pair."""

    def __init__(self, pair: PtyPair, kernel: Any) -> None:
        index = pair.index
        super().__init__(f"pts/{index}", pair, kernel, T.Termios(cflag=T.B38400 | T.CS8 | T.CREAD),
                         makedev(UNIX98_PTY_SLAVE_MAJOR, index))
        self.pair = pair

    def write_room(self) -> int:
        return max(0, PTY_BUF - len(self.pair.output))

    def file_opened(self) -> None:
        self.pair.slave_opens += 1
        self.pair.slave_gone = False

    def file_closed(self) -> None:
        pair = self.pair
        pair.slave_opens -= 1
        if pair.slave_opens == 0:
            pair.slave_gone = True
            pair.wake()
            pair.free_if_unused()

    def ldisc_status(self, status: int) -> None:
        self.pair.report(status)

    def set_termios(self, new: T.Termios) -> None:
        old_flow = _xon_flow(self.termios)
        super().set_termios(new)
        new_flow = _xon_flow(new)
        if old_flow != new_flow:
            self.pair.report(T.TIOCPKT_DOSTOP if new_flow else T.TIOCPKT_NOSTOP)


class PtyPair:
    """One pseudo-terminal: the queues between master and slave and the master's state."""

    def __init__(self, kernel: Any, index: int) -> None:
        self.index = index
        self.output = bytearray()       # slave output the master has not read
        self.backlog = bytearray()      # master input the slave's line discipline has not taken
        self.locked = True
        self.packet = False
        self.pktstatus = 0
        self.slave_opens = 0
        self.slave_gone = False         # Linux's TTY_OTHER_CLOSED on the master
        self.master_open = True
        self.slave = PtySlave(self, kernel)
        self.wait_queue = self.slave.wait_queue   # both sides wait and poll on it

    def wake(self) -> None:
        self.wait_queue.wake_all()

    # -- TtyDriver of the slave ------------------------------------------------------------
    def write(self, data: bytes) -> None:
        if data:
            self.output += data
            self.wake()

    def unthrottle(self) -> None:
        if self.backlog:
            self.push()

    def push(self) -> None:
        """Feed the slave's line discipline from the backlog as far as it takes input."""
        taken = self.slave.receive(bytes(self.backlog))
        if taken:
            del self.backlog[:taken]
            self.wake()

    def report(self, status: int) -> None:
        """A TIOCPKT event on the slave. (Output already queued for the master stays: Linux
        drops only what its flip buffer had not handed over yet.)"""
        if not self.packet:
            return
        if status in (T.TIOCPKT_STOP, T.TIOCPKT_START):
            self.pktstatus &= ~(T.TIOCPKT_START if status == T.TIOCPKT_STOP else T.TIOCPKT_STOP)
        elif status in (T.TIOCPKT_DOSTOP, T.TIOCPKT_NOSTOP):
            self.pktstatus &= ~(T.TIOCPKT_DOSTOP | T.TIOCPKT_NOSTOP)
        self.pktstatus |= status
        self.wake()

    # -- life cycle --------------------------------------------------------------------------
    def open_slave(self, task: Any, inode: Inode, flags: int, dentry: Dentry | None = None) -> TtyFile:
        if self.locked or not self.master_open:
            raise KernelError(errno.EIO)
        return open_tty(task, self.slave, inode, flags, dentry)

    def open_node(self, task: Any, dentry: Dentry, flags: int) -> TtyFile:
        return self.open_slave(task, dentry.inode, flags, dentry)

    def close_master(self) -> None:
        self.master_open = False
        unregister_char_device(self.slave.name)
        remove_pts_node(self.index)
        self.slave.hangup()
        self.backlog.clear()
        self.wake()
        self.free_if_unused()

    def free_if_unused(self) -> None:
        """The number is reused once the master and every slave file are closed."""
        if not self.master_open and self.slave_opens == 0:
            _ptys.pop(self.index, None)


class PtyMasterFile(TtyFile):
    """An open /dev/ptmx: the master side of one pair."""

    counts_open = False
    # Requests that check job control against the slave (tty_mode_ioctl's real_tty)
    changes = frozenset((T.TCSETS, T.TCSETSW, T.TCSETSF, T.TCSETS2, T.TCSETSW2, T.TCSETSF2, T.TIOCSPGRP))

    def __init__(self, pair: PtyPair, inode: Inode, flags: int, dentry: Dentry | None = None) -> None:
        super().__init__(pair.slave, inode, flags, dentry)
        self.pair = pair

    def release(self) -> None:
        self.pair.close_master()

    def read(self, task: Any, size: int) -> bytes:
        pair = self.pair
        if size == 0:
            return b""
        if pair.packet and pair.pktstatus:
            status, pair.pktstatus = pair.pktstatus, 0
            return bytes((status,))
        if pair.output:
            count = size - 1 if pair.packet else size
            data = bytes(pair.output[:count])
            del pair.output[:count]
            pair.wake()
            return b"\0" + data if pair.packet else data
        if pair.slave_gone:
            raise KernelError(errno.EIO)
        if self.nonblocking:
            raise KernelError(errno.EAGAIN)
        raise WouldBlock([self.wait_queue])

    def write(self, task: Any, data: bytes) -> int:
        pair = self.pair
        if len(pair.backlog) >= PTY_BUF:
            if self.nonblocking:
                raise KernelError(errno.EAGAIN)
            raise WouldBlock([self.wait_queue])
        pair.backlog += data
        pair.push()
        return len(data)

    def poll(self, events: int) -> int:
        pair = self.pair
        mask = 0
        if pair.output:
            mask |= POLLIN | POLLRDNORM
        if pair.packet and pair.pktstatus:
            mask |= POLLPRI | POLLIN | POLLRDNORM
        if pair.slave_gone:
            mask |= POLLHUP
        if len(pair.backlog) < PTY_BUF:
            mask |= POLLOUT | POLLWRNORM
        return mask

    def nread(self) -> int:
        return len(self.pair.output)

    def path_name(self) -> bytes:
        return self.dentry.path() if self.dentry is not None else b"/dev/ptmx"

    def ioctl(self, task: Any, cmd: int, arg: int) -> int:
        handler = _MASTER_IOCTLS.get(cmd)
        if handler is not None:
            return handler(self, task, arg)
        return super().ioctl(task, cmd, arg)

    def _require_ctty(self, task: Any) -> None:
        """TIOCGPGRP and TIOCGSID on a master report the slave's state to anyone."""

    # -- master-only requests -----------------------------------------------------------------
    def _put_int(self, task: Any, arg: int, value: int) -> int:
        task.mm.write(arg, _INT.pack(value))
        return 0

    def _get_int(self, task: Any, arg: int) -> int:
        return _INT.unpack(task.mm.read(arg, 4))[0]

    def _set_lock(self, task: Any, arg: int) -> int:
        self.pair.locked = self._get_int(task, arg) != 0
        return 0

    def _set_packet(self, task: Any, arg: int) -> int:
        pair = self.pair
        if self._get_int(task, arg):
            if not pair.packet:
                pair.pktstatus = 0
                pair.packet = True
        else:
            pair.packet = False
        return 0

    def _open_peer(self, task: Any, arg: int) -> int:
        """TIOCGPTPEER: open the slave, as /dev/pts/N, with flags `arg`; returns the new fd."""
        task.files.next_free()
        slave = self.pair.slave
        try:
            dentry = lookup(task, b"/dev/" + slave.name.encode())
        except KernelError:
            raise KernelError(errno.EIO) from None
        if dentry.inode.rdev != slave.rdev:
            raise KernelError(errno.EIO)
        file = self.pair.open_slave(task, dentry.inode, arg, dentry)
        return task.files.install(file, cloexec=bool(arg & O_CLOEXEC))

    def _flush(self, task: Any, arg: int) -> int:
        """TCFLSH on the master: its input is the slave's output, its output the backlog."""
        if arg not in (T.TCIFLUSH, T.TCOFLUSH, T.TCIOFLUSH):
            raise KernelError(errno.EINVAL)
        if arg != T.TCOFLUSH:
            self.pair.output.clear()
        if arg != T.TCIFLUSH:
            self.pair.backlog.clear()
        self.pair.wake()
        return 0

    def _not_ctty(self, task: Any, arg: int) -> int:
        """A master is never a controlling terminal (TIOCNOTTY)."""
        raise KernelError(errno.ENOTTY)


_MASTER_IOCTLS = {
    T.TIOCGPTN: lambda f, task, arg: f._put_int(task, arg, f.pair.index),
    T.TIOCSPTLCK: PtyMasterFile._set_lock,
    T.TIOCGPTLCK: lambda f, task, arg: f._put_int(task, arg, int(f.pair.locked)),
    T.TIOCPKT: PtyMasterFile._set_packet,
    T.TIOCGPKT: lambda f, task, arg: f._put_int(task, arg, int(f.pair.packet)),
    T.TIOCGPTPEER: PtyMasterFile._open_peer,
    T.TCFLSH: PtyMasterFile._flush,
    T.TIOCNOTTY: PtyMasterFile._not_ctty,
}


def open_ptmx(task: Any, dentry: Dentry, flags: int) -> PtyMasterFile:
    """Open /dev/ptmx: a new, locked pair with the lowest free number (ENOSPC when none)."""
    index = next((i for i in range(MAX_PTYS) if i not in _ptys), None)
    if index is None:
        raise KernelError(errno.ENOSPC)
    pair = PtyPair(task.kernel, index)
    _ptys[index] = pair
    creds = task.creds
    register_char_device(pair.slave.name, UNIX98_PTY_SLAVE_MAJOR, index, pair.open_node, mode=0o620, gid=TTY_GID)
    add_pts_node(index, creds.fsuid, creds.fsgid)
    return PtyMasterFile(pair, dentry.inode, flags, dentry)


register_char_device("ptmx", TTYAUX_MAJOR, PTMX_MINOR, open_ptmx, mode=0o666)
