"""Terminals (struct tty_struct) and their open files.

A Tty joins a device driver (where output goes and input comes from: the host terminal,
a pty master) with a line discipline, the window size, and the job-control state: the
session it is the controlling terminal of and its foreground process group.

    Tty(name, driver, kernel)       driver: TtyDriver; kernel: kill_pgrp/groups_in_pgrp/groups
    tty.receive(data) -> int        input from the device (bytes accepted; the rest later,
                                    after driver.unthrottle())
    tty.attach(group)               make it `group`'s controlling terminal (proc_set_tty)
    tty.disassociate(group, on_exit)   TIOCNOTTY / a session leader's exit (disassociate_ctty)
    tty.hangup()                    the line is gone (tty_vhangup): the session leader is
                                    signalled, the session loses it; waiting reads fail with
                                    EIO, later reads see EOF, writes and ioctls fail with EIO
    TtyFile(tty, inode, flags, dentry)   the OpenFile: read/write/poll/ioctl
    open_tty(task, tty, inode, flags, dentry)   open a terminal node, acquiring it as
                                    controlling terminal as open(2) does for a session leader
    open_current_tty(task, dentry, flags)   /dev/tty

Drivers with more to say (pty.py) subclass Tty: write_room() limits output, file_opened()/
file_closed() count the open files, set_termios() sees every settings change.

Job control follows __tty_check_change: a process of a background group of the terminal's
session that reads gets SIGTTIN, one that writes with TOSTOP set or changes the settings
gets SIGTTOU; the call then restarts once the group is continued in the foreground. EIO
instead when the group is orphaned, or for reads when SIGTTIN is ignored or blocked (a
blocked or ignored SIGTTOU lets the change through).
"""

from __future__ import annotations

import errno
import struct
from collections.abc import Callable
from typing import Any, Protocol

from ..errors import KernelError
from ..fs.dentry import Dentry
from ..fs.file import OpenFile
from ..fs.flags import O_NOCTTY
from ..fs.inode import Inode
from ..fs.poll import POLLERR, POLLHUP, POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM
from ..errors import ERESTARTSYS
from ..process.signal_state import SIG_IGN, SIGCONT, SIGHUP, SIGTTIN, SIGTTOU, SIGWINCH, SigInfo, bit
from ..process.wait_queue import WouldBlock
from . import termios as T
from .line_discipline import LineDiscipline

_INT = struct.Struct("<i")
_READ_START = "tty_read_start"
SI_KERNEL = 0x80
HUNG_UP_POLLMASK = POLLIN | POLLOUT | POLLERR | POLLHUP | POLLRDNORM | POLLWRNORM


class TtyDriver(Protocol):
    def write(self, data: bytes) -> None:
        """Send processed output to the device."""

    def unthrottle(self) -> None:
        """The line discipline has room for input again."""


class Tty:
    def __init__(self, name: str, driver: TtyDriver, kernel: Any, termios: T.Termios | None = None,
                 rdev: int = 0) -> None:
        self.name = name
        self.driver = driver
        self.kernel = kernel
        self.rdev = rdev                    # its device number, for /proc/PID/stat's tty_nr
        self.ldisc = LineDiscipline(termios or T.Termios(), driver.write, self._isig,
                                    notify=self.ldisc_status)
        self.wait_queue = self.ldisc.wait_queue
        self.winsize = T.Winsize()
        self.session: int | None = None     # sid of the session it controls
        self.pgrp: int | None = None        # foreground process group
        self.hung_up = False

    @property
    def termios(self) -> T.Termios:
        return self.ldisc.termios

    # -- what drivers may refine -----------------------------------------------------------
    def write_room(self) -> int:
        """How much output the device takes now (0: writers wait)."""
        return 1 << 30

    def file_opened(self) -> None:
        """A file of this terminal was opened."""

    def file_closed(self) -> None:
        """A file of this terminal was closed for the last time."""

    def ldisc_status(self, status: int) -> None:
        """The line discipline flushed or changed the flow of output (a TIOCPKT bit)."""

    def set_termios(self, new: T.Termios) -> None:
        self.ldisc.set_termios(new)

    def receive(self, data: bytes) -> int:
        return self.ldisc.receive(data)

    def _isig(self, signo: int) -> None:
        if self.pgrp is not None:
            self.kernel.kill_pgrp(self.pgrp, signo)

    def set_winsize(self, winsize: T.Winsize) -> None:
        if winsize != self.winsize:
            self.winsize = winsize
            self._isig(SIGWINCH)

    def flush_input(self) -> None:
        self.ldisc.flush_input()
        self.driver.unthrottle()

    def attach(self, group: Any) -> None:
        """Become the controlling terminal of `group`'s session, `group`'s process group in
        the foreground."""
        self.session = group.sid
        self.pgrp = group.pgid
        group.ctty = self

    def disassociate(self, group: Any, on_exit: bool) -> None:
        """`group`, a session leader, gives up this controlling terminal: the foreground
        process group gets SIGHUP (and SIGCONT unless the leader is exiting) and the whole
        session loses it."""
        if self.pgrp is not None:
            self.kernel.kill_pgrp(self.pgrp, SIGHUP)
            if not on_exit:
                self.kernel.kill_pgrp(self.pgrp, SIGCONT)
        self.session = self.pgrp = None
        _clear_session_ctty(self.kernel, group.sid)

    def hangup(self) -> None:
        """The line went away (tty_vhangup): the session leader gets SIGHUP and SIGCONT and
        the session loses its controlling terminal (the foreground process group gets no
        signal of its own: measured on Linux 6.18)."""
        if self.hung_up:
            return
        self.hung_up = True
        if self.session is not None:
            for group in list(self.kernel.groups.values()):
                if group.sid != self.session or group.zombie:
                    continue
                if group.ctty is self:
                    group.ctty = None
                if group.tgid == group.sid:
                    for signo in (SIGHUP, SIGCONT):
                        self.kernel.signals.send_to_group(group, SigInfo(signo, code=SI_KERNEL))
        self.session = self.pgrp = None
        self.ldisc.flush_input()
        self.ldisc.start_output()


def _clear_session_ctty(kernel: Any, sid: int) -> None:
    for group in list(kernel.groups.values()):
        if group.sid == sid:
            group.ctty = None


class TtyFile(OpenFile):
    """An open terminal."""

    counts_open = True      # a pty master's file is not an open of its slave
    # Requests that change the terminal: SIGTTOU from the background (tty_check_change callers)
    changes = frozenset((T.TCSETS, T.TCSETSW, T.TCSETSF, T.TCSETS2, T.TCSETSW2, T.TCSETSF2, T.TIOCSPGRP,
                         T.TCFLSH, T.TCXONC, T.TCSBRK, T.TCSBRKP, T.TIOCSBRK, T.TIOCCBRK, T.TIOCSETD))

    def __init__(self, tty: Tty, inode: Inode, flags: int, dentry: Dentry | None = None) -> None:
        super().__init__(inode, flags, dentry)
        self.tty = tty
        self.wait_queue = tty.wait_queue
        if self.counts_open:
            tty.file_opened()

    def release(self) -> None:
        if self.counts_open:
            self.tty.file_closed()

    def read(self, task: Any, size: int) -> bytes:
        tty = self.tty
        if tty.hung_up:  # a read that was waiting sees the other side close; later ones EOF
            if _READ_START in task.syscall_scratch:
                raise KernelError(errno.EIO)
            return b""
        self.check_job_control(task, SIGTTIN)
        ldisc = tty.ldisc
        started = task.syscall_scratch.setdefault(_READ_START, ldisc.clock())
        data = ldisc.read(size, self.nonblocking, started)
        if data:
            tty.driver.unthrottle()
        return data

    def write(self, task: Any, data: bytes) -> int:
        tty = self.tty
        if tty.hung_up:
            raise KernelError(errno.EIO)
        ldisc = tty.ldisc
        if ldisc.termios.lflag & T.TOSTOP:
            self.check_job_control(task, SIGTTOU)
        if ldisc.stopped or tty.write_room() <= 0:
            if self.nonblocking:
                raise KernelError(errno.EAGAIN)
            raise WouldBlock([self.wait_queue])
        ldisc.write(data)
        return len(data)

    def poll(self, events: int) -> int:
        tty = self.tty
        if tty.hung_up:
            return HUNG_UP_POLLMASK
        ldisc = tty.ldisc
        mask = 0 if ldisc.stopped or tty.write_room() <= 0 else POLLOUT | POLLWRNORM
        if ldisc.input_available(for_poll=True):
            mask |= POLLIN | POLLRDNORM
        return mask

    def nread(self) -> int:
        return self.tty.ldisc.inq()

    def path_name(self) -> bytes:
        if self.dentry is not None:
            return super().path_name()
        return b"/dev/" + self.tty.name.encode()

    def ioctl(self, task: Any, cmd: int, arg: int) -> int:
        if self.tty.hung_up:
            raise KernelError(errno.ENOTTY if cmd == T.TIOCSPGRP else errno.EIO)
        handler = _IOCTLS.get(cmd)
        if handler is None:
            raise KernelError(errno.ENOTTY)
        if cmd in self.changes:
            try:
                self.check_job_control(task, SIGTTOU)
            except KernelError as e:
                if cmd == T.TIOCSPGRP and e.errno == errno.EIO:
                    raise KernelError(errno.ENOTTY) from None
                raise
        return handler(self, task, arg)

    # -- job control -----------------------------------------------------------------------
    def check_job_control(self, task: Any, signo: int) -> None:
        """__tty_check_change: may `task` read (SIGTTIN) or write/change (SIGTTOU) its
        controlling terminal now? See the module docstring."""
        tty = self.tty
        group = task.group
        if group.ctty is not tty or tty.pgrp is None or group.pgid == tty.pgrp:
            return
        if task.blocked_mask & bit(signo) or group.sighand.actions[signo].handler == SIG_IGN:
            if signo == SIGTTIN:
                raise KernelError(errno.EIO)
            return
        if task.kernel.signals.pgrp_orphaned(group):
            raise KernelError(errno.EIO)
        task.kernel.kill_pgrp(group.pgid, signo)
        raise KernelError(ERESTARTSYS)

    # -- termios -------------------------------------------------------------------------
    def _get_termios(self, task: Any, arg: int, termios2: bool = False) -> int:
        task.mm.write(arg, self.tty.termios.pack(termios2))
        return 0

    def _set_termios(self, task: Any, arg: int, size: int = T.TERMIOS_SIZE, flush: bool = False) -> int:
        new = T.Termios.unpack(task.mm.read(arg, size))
        if flush:
            self.tty.flush_input()
        self.tty.set_termios(new)  # output is never queued, so the "W" variants need no wait
        return 0

    # -- window size ---------------------------------------------------------------------
    def _get_winsize(self, task: Any, arg: int) -> int:
        task.mm.write(arg, self.tty.winsize.pack())
        return 0

    def _set_winsize(self, task: Any, arg: int) -> int:
        self.tty.set_winsize(T.Winsize.unpack(task.mm.read(arg, T.WINSIZE_SIZE)))
        return 0

    # -- job control ---------------------------------------------------------------------
    def _require_ctty(self, task: Any) -> None:
        if task.group.ctty is not self.tty:
            raise KernelError(errno.ENOTTY)

    def _get_pgrp(self, task: Any, arg: int) -> int:
        self._require_ctty(task)
        task.mm.write(arg, _INT.pack(self.tty.pgrp or 0))
        return 0

    def _set_pgrp(self, task: Any, arg: int) -> int:
        pgid = _INT.unpack(task.mm.read(arg, 4))[0]
        if pgid < 0:
            raise KernelError(errno.EINVAL)
        group = task.group
        if group.ctty is not self.tty or self.tty.session != group.sid:
            raise KernelError(errno.ENOTTY)
        members = task.kernel.groups_in_pgrp(pgid)
        if not members:
            raise KernelError(errno.ESRCH)
        if members[0].sid != group.sid:
            raise KernelError(errno.EPERM)
        self.tty.pgrp = pgid
        return 0

    def _get_sid(self, task: Any, arg: int) -> int:
        self._require_ctty(task)
        if self.tty.session is None:
            raise KernelError(errno.ENOTTY)
        task.mm.write(arg, _INT.pack(self.tty.session))
        return 0

    def _set_ctty(self, task: Any, arg: int) -> int:
        group = task.group
        leader = group.sid == group.tgid
        if leader and self.tty.session == group.sid:
            return 0
        if not leader or group.ctty is not None:
            raise KernelError(errno.EPERM)
        privileged = task.creds.euid == 0
        if self.tty.session is not None:
            if arg != 1 or not privileged:
                raise KernelError(errno.EPERM)
            _clear_session_ctty(task.kernel, self.tty.session)  # steal it
        if not self.readable and not privileged:
            raise KernelError(errno.EPERM)
        self.tty.attach(group)
        return 0

    def _drop_ctty(self, task: Any, arg: int) -> int:
        self._require_ctty(task)
        group = task.group
        if group.sid == group.tgid:
            self.tty.disassociate(group, on_exit=False)
        else:
            group.ctty = None
        return 0

    # -- queues and flow -----------------------------------------------------------------
    def _inq(self, task: Any, arg: int) -> int:
        task.mm.write(arg, _INT.pack(self.nread()))
        return 0

    def _outq(self, task: Any, arg: int) -> int:
        task.mm.write(arg, _INT.pack(len(self.tty.ldisc.held)))
        return 0

    def _flush(self, task: Any, arg: int) -> int:
        if arg not in (T.TCIFLUSH, T.TCOFLUSH, T.TCIOFLUSH):
            raise KernelError(errno.EINVAL)
        if arg != T.TCOFLUSH:
            self.tty.flush_input()
        if arg != T.TCIFLUSH:
            self.tty.ldisc.flush_output()
        return 0

    def _flow(self, task: Any, arg: int) -> int:
        ldisc = self.tty.ldisc
        cc = ldisc.termios.cc
        if arg == T.TCOOFF:
            ldisc.stop_output(tco=True)
        elif arg == T.TCOON:
            ldisc.start_output(tco=True)
        elif arg in (T.TCIOFF, T.TCION):
            char = cc[T.VSTOP if arg == T.TCIOFF else T.VSTART]
            if char != T.VDISABLE:
                self.tty.driver.write(bytes((char,)))
        else:
            raise KernelError(errno.EINVAL)
        return 0

    def _no_break(self, task: Any, arg: int) -> int:
        """Breaks mean nothing on a virtual line, and output is never queued to drain."""
        return 0

    def _get_ldisc(self, task: Any, arg: int) -> int:
        task.mm.write(arg, _INT.pack(T.N_TTY))
        return 0

    def _set_ldisc(self, task: Any, arg: int) -> int:
        if _INT.unpack(task.mm.read(arg, 4))[0] != T.N_TTY:
            raise KernelError(errno.EINVAL)
        return 0


_Handler = Callable[[TtyFile, Any, int], int]
_IOCTLS: dict[int, _Handler] = {
    T.TCGETS: TtyFile._get_termios,
    T.TCSETS: TtyFile._set_termios,
    T.TCSETSW: TtyFile._set_termios,
    T.TCSETSF: lambda f, task, arg: f._set_termios(task, arg, flush=True),
    T.TCGETS2: lambda f, task, arg: f._get_termios(task, arg, termios2=True),
    T.TCSETS2: lambda f, task, arg: f._set_termios(task, arg, T.TERMIOS2_SIZE),
    T.TCSETSW2: lambda f, task, arg: f._set_termios(task, arg, T.TERMIOS2_SIZE),
    T.TCSETSF2: lambda f, task, arg: f._set_termios(task, arg, T.TERMIOS2_SIZE, flush=True),
    T.TIOCGWINSZ: TtyFile._get_winsize,
    T.TIOCSWINSZ: TtyFile._set_winsize,
    T.TIOCGPGRP: TtyFile._get_pgrp,
    T.TIOCSPGRP: TtyFile._set_pgrp,
    T.TIOCGSID: TtyFile._get_sid,
    T.TIOCSCTTY: TtyFile._set_ctty,
    T.TIOCNOTTY: TtyFile._drop_ctty,
    T.TIOCINQ: TtyFile._inq,
    T.TIOCOUTQ: TtyFile._outq,
    T.TCFLSH: TtyFile._flush,
    T.TCXONC: TtyFile._flow,
    T.TCSBRK: TtyFile._no_break,
    T.TCSBRKP: TtyFile._no_break,
    T.TIOCSBRK: TtyFile._no_break,
    T.TIOCCBRK: TtyFile._no_break,
    T.TIOCGETD: TtyFile._get_ldisc,
    T.TIOCSETD: TtyFile._set_ldisc,
}


def open_tty(task: Any, tty: Tty, inode: Inode, flags: int, dentry: Dentry | None = None) -> TtyFile:
    """Open a terminal node. A session leader without a controlling terminal acquires it
    unless O_NOCTTY is given or it already controls another session (tty_open)."""
    if tty.hung_up:
        raise KernelError(errno.EIO)
    file = TtyFile(tty, inode, flags, dentry)
    group = task.group
    if (not flags & O_NOCTTY and group.sid == group.tgid and group.ctty is None
            and tty.session is None):
        tty.attach(group)
    return file


def open_current_tty(task: Any, dentry: Dentry, flags: int) -> TtyFile:
    """/dev/tty: the caller's controlling terminal (ENXIO without one)."""
    tty = task.group.ctty
    if tty is None:
        raise KernelError(errno.ENXIO)
    return TtyFile(tty, dentry.inode, flags, dentry)
