"""The console: init's standard fds, /dev/console and /dev/tty.

    make_console(kernel) -> (stdin_file, stdout_file, stderr_file)

When the host's stdin and stdout are both terminals, the console is a Tty: the host
terminal is switched to raw mode (restored by restore_host_terminal(), also run at exit),
its keystrokes feed the console's line discipline, output goes to host fd 1 after output
processing, the window size follows the host's (host SIGWINCH is recorded through a
self-pipe and applied from the kernel's host wait, never inside the signal handler). The
three fds then share one open file, as init's dup'ed /dev/console does on Linux.

Otherwise the console is pass-through: fd 0 reads host fd 0, fds 1 and 2 write host fds 1
and 2, bytes unchanged, and the guest sees pipes (isatty() is false).

Opening /dev/console never makes it a controlling terminal (as on Linux); boot code that
wants init to own it calls `stdin_file.tty.attach(init_group)` when stdin_file is a TtyFile.
"""

from __future__ import annotations

import atexit
import copy
import fcntl
import os
import selectors
import signal
import termios as host_termios
from typing import Any

from ..fs.dentry import Dentry
from ..fs.devfs import OpenFn, register_char_device
from ..fs.file import OpenFile
from ..fs.flags import O_RDONLY, O_RDWR, O_WRONLY, S_IFCHR
from ..fs.inode import Inode, SuperBlock, makedev
from ..fs.tmpfs import TMPFS_MAGIC
from .host_stream import HostInput, HostStreamFile, HostStreamInode, write_all
from .termios import WINSIZE_SIZE, Winsize
from .tty import Tty, TtyFile, open_current_tty

TTYAUX_MAJOR = 5
TTY_MINOR = 0
CONSOLE_MINOR = 1
TTY_GID = 5

_saved_modes: list[tuple[int, list[Any]]] = []
_console_sb = SuperBlock("devtmpfs", TMPFS_MAGIC)


def restore_host_terminal() -> None:
    """Put every host terminal switched to raw mode back as it was (idempotent)."""
    while _saved_modes:
        fd, mode = _saved_modes.pop()
        try:
            host_termios.tcsetattr(fd, host_termios.TCSADRAIN, mode)
        except (OSError, host_termios.error):
            pass


atexit.register(restore_host_terminal)


def _make_raw(fd: int) -> None:
    """cfmakeraw() on a host terminal, remembering the old mode."""
    mode = host_termios.tcgetattr(fd)
    _saved_modes.append((fd, copy.deepcopy(mode)))
    iflag, oflag, cflag, lflag, ispeed, ospeed, cc = mode
    iflag &= ~(host_termios.IGNBRK | host_termios.BRKINT | host_termios.PARMRK | host_termios.ISTRIP
               | host_termios.INLCR | host_termios.IGNCR | host_termios.ICRNL | host_termios.IXON)
    oflag &= ~host_termios.OPOST
    lflag &= ~(host_termios.ECHO | host_termios.ECHONL | host_termios.ICANON | host_termios.ISIG
               | host_termios.IEXTEN)
    cflag = (cflag & ~(host_termios.CSIZE | host_termios.PARENB)) | host_termios.CS8
    cc[host_termios.VMIN] = 1
    cc[host_termios.VTIME] = 0
    host_termios.tcsetattr(fd, host_termios.TCSANOW, [iflag, oflag, cflag, lflag, ispeed, ospeed, cc])


def _host_winsize(fd: int) -> Winsize:
    try:
        return Winsize.unpack(fcntl.ioctl(fd, host_termios.TIOCGWINSZ, bytes(WINSIZE_SIZE)))
    except OSError:
        return Winsize(24, 80)


class HostTerminal:
    """The console's driver when the host has a terminal (TtyDriver)."""

    def __init__(self, kernel: Any, in_fd: int, out_fd: int) -> None:
        self.in_fd = in_fd
        self.out_fd = out_fd
        self.scheduler = kernel.scheduler
        self.tty = Tty("console", self, kernel, rdev=makedev(TTYAUX_MAJOR, CONSOLE_MINOR))
        self.tty.winsize = _host_winsize(out_fd)
        self._backlog = b""     # host input the line discipline had no room for yet
        self._watching = False
        self._host_eof = False
        _make_raw(in_fd)
        self._watch()
        self._winch_read, self._winch_write = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        signal.signal(signal.SIGWINCH, self._on_host_sigwinch)
        self.scheduler.watch_host_fd(self._winch_read, selectors.EVENT_READ, self._apply_winsize)

    # -- TtyDriver -----------------------------------------------------------------------
    def write(self, data: bytes) -> None:
        write_all(self.out_fd, data)

    def unthrottle(self) -> None:
        if self._backlog:
            self._feed(self._backlog)
        if not self._backlog:
            self._watch()

    # -- host events ---------------------------------------------------------------------
    def _watch(self) -> None:
        if not self._watching and not self._host_eof:
            self._watching = True
            self.scheduler.watch_host_fd(self.in_fd, selectors.EVENT_READ, self._on_input)

    def _unwatch(self) -> None:
        if self._watching:
            self._watching = False
            self.scheduler.unwatch_host_fd(self.in_fd)

    def _on_input(self) -> None:
        try:
            data = os.read(self.in_fd, 4096)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:  # the host terminal went away: no more input, ever
            self._host_eof = True
            self._unwatch()
            return
        self._feed(data)

    def _feed(self, data: bytes) -> None:
        taken = self.tty.receive(data)
        self._backlog = data[taken:]
        if self._backlog:
            self._unwatch()

    def _on_host_sigwinch(self, signo: int, frame: object) -> None:
        try:
            os.write(self._winch_write, b"\0")
        except BlockingIOError:
            pass

    def _apply_winsize(self) -> None:
        try:
            while os.read(self._winch_read, 64):
                pass
        except BlockingIOError:
            pass
        self.tty.set_winsize(_host_winsize(self.out_fd))


def _register_devices(open_console: OpenFn) -> None:
    register_char_device("console", TTYAUX_MAJOR, CONSOLE_MINOR, open_console, mode=0o600)
    register_char_device("tty", TTYAUX_MAJOR, TTY_MINOR, open_current_tty, mode=0o666, gid=TTY_GID)


def make_console(kernel: Any) -> tuple[OpenFile, OpenFile, OpenFile]:
    """init's fds 0, 1 and 2 (see the module docstring); registers /dev/console and /dev/tty."""
    if os.isatty(0) and os.isatty(1):
        tty = HostTerminal(kernel, 0, 1).tty

        def open_console(task: Any, dentry: Dentry, flags: int) -> OpenFile:
            return TtyFile(tty, dentry.inode, flags, dentry)

        _register_devices(open_console)
        inode = Inode(_console_sb, S_IFCHR | 0o600, rdev=makedev(TTYAUX_MAJOR, CONSOLE_MINOR))
        file = TtyFile(tty, inode, O_RDWR)
        return file, file, file
    source = HostInput(0, kernel.scheduler)

    def open_passthrough(task: Any, dentry: Dentry, flags: int) -> OpenFile:
        return HostStreamFile(dentry.inode, flags, source, 1, dentry)

    _register_devices(open_passthrough)
    return (HostStreamInode(source, None).open_standard(O_RDONLY),
            HostStreamInode(None, 1).open_standard(O_WRONLY),
            HostStreamInode(None, 2).open_standard(O_WRONLY))
