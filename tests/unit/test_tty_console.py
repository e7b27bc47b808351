"""The console: pass-through host streams, and the host-terminal console on a host pty."""

import errno
import os
import select
import signal
import subprocess
import sys
import termios as host_termios
import textwrap
import time

import pytest

from pykerla.errors import KernelError
from pykerla.fs.flags import O_RDONLY, O_WRONLY, S_IFIFO
from pykerla.fs.inode import Inode
from pykerla.fs.pipe import PIPEFS
from pykerla.fs.poll import POLLHUP, POLLIN, POLLOUT
from pykerla.process.scheduler import Scheduler
from pykerla.process.signal_state import SIGINT, SIGPIPE, SIGWINCH
from pykerla.process.wait_queue import WouldBlock
from pykerla.tty.console import HostTerminal, restore_host_terminal
from pykerla.tty.host_stream import HostInput, HostStreamFile
from pykerla.tty.termios import Winsize


class Kernel:
    def __init__(self):
        self.scheduler = Scheduler()
        self.sent = []
        self.groups = {}

    def kill_pgrp(self, pgid, signo):
        self.sent.append((pgid, signo))


class Task:
    def __init__(self):
        self.syscall_scratch = {}
        self.signals = []

    def force_signal(self, signo):
        self.signals.append(signo)


class Sleeper:
    woken = 0

    def wake(self):
        self.woken += 1


def pipe_inode():
    return Inode(PIPEFS, S_IFIFO | 0o600)


def test_host_input_blocks_until_host_data_then_reads_eof():
    kernel = Kernel()
    r, w = os.pipe()
    try:
        file = HostStreamFile(pipe_inode(), O_RDONLY, HostInput(r, kernel.scheduler), None)
        task = Task()
        assert file.poll(POLLIN) == 0
        with pytest.raises(WouldBlock) as e:
            file.read(task, 10)
        sleeper = Sleeper()
        e.value.queues[0].add(sleeper)
        os.write(w, b"hello")
        kernel.scheduler.poll_host(1.0)      # the kernel's host wait runs the watch
        assert sleeper.woken == 1
        assert not kernel.scheduler.selector.get_map()   # one-shot: no busy loop
        assert file.poll(POLLIN) & POLLIN and file.nread() == 5
        assert file.read(task, 3) == b"hel"
        assert file.read(task, 10) == b"lo"
        os.close(w)
        w = -1
        assert file.poll(POLLIN) & POLLHUP
        assert file.read(task, 10) == b""
    finally:
        os.close(r)
        if w >= 0:
            os.close(w)


def test_host_input_nonblocking_is_eagain():
    kernel = Kernel()
    r, w = os.pipe()
    try:
        file = HostStreamFile(pipe_inode(), O_RDONLY | os.O_NONBLOCK, HostInput(r, kernel.scheduler), None)
        with pytest.raises(KernelError) as e:
            file.read(Task(), 10)
        assert e.value.errno == errno.EAGAIN
    finally:
        os.close(r)
        os.close(w)


def test_host_output_passes_bytes_and_reports_epipe():
    r, w = os.pipe()
    file = HostStreamFile(pipe_inode(), O_WRONLY, None, w)
    task = Task()
    assert file.poll(POLLOUT) & POLLOUT
    assert file.write(task, b"a\nb") == 3
    assert os.read(r, 10) == b"a\nb"
    os.close(r)
    with pytest.raises(KernelError) as e:
        file.write(task, b"x")
    assert e.value.errno == errno.EPIPE and task.signals == [SIGPIPE]
    os.close(w)
    assert file.path_name().startswith(b"pipe:[")


def test_make_console_passthrough_in_subprocess():
    script = textwrap.dedent("""
        import errno
        from pykerla.process.scheduler import Scheduler
        from pykerla.tty.console import make_console
        from pykerla.tty.tty import TtyFile
        from pykerla.errors import KernelError

        class K:
            scheduler = Scheduler()
        class T:
            syscall_scratch = {}
        fin, fout, ferr = make_console(K())
        assert not isinstance(fin, TtyFile)
        try:
            fin.ioctl(T(), 0x5401, 0)
        except KernelError as e:
            assert e.errno == errno.ENOTTY
        data = fin.read(T(), 100)
        fout.write(T(), b"out:" + data)
        ferr.write(T(), b"err\\n")
        assert fin.read(T(), 100) == b""
    """)
    proc = subprocess.run([sys.executable, "-c", script], input=b"line\r\n", capture_output=True,
                          timeout=60, cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == b"out:line\r\n"
    assert proc.stderr == b"err\n"


def _poll_until(kernel, condition, timeout: float = 5.0) -> None:
    """Run the kernel's host wait until `condition()` holds (bytes may arrive in pieces)."""
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        kernel.scheduler.poll_host(0.1)


def _read_exactly(fd: int, size: int, timeout: float = 5.0) -> bytes:
    data = b""
    deadline = time.monotonic() + timeout
    while len(data) < size and time.monotonic() < deadline:
        if select.select([fd], [], [], 0.1)[0]:
            data += os.read(fd, size - len(data))
    return data


def test_host_terminal_console_on_a_host_pty():
    master, slave = os.openpty()
    before = host_termios.tcgetattr(slave)
    old_handler = signal.getsignal(signal.SIGWINCH)
    kernel = Kernel()
    try:
        console = HostTerminal(kernel, slave, slave)
        mode = host_termios.tcgetattr(slave)
        assert not mode[3] & (host_termios.ICANON | host_termios.ECHO | host_termios.ISIG)
        assert not mode[1] & host_termios.OPOST
        tty = console.tty
        tty.pgrp = 7
        os.write(master, b"ab\r")
        _poll_until(kernel, lambda: tty.ldisc.inq() >= 3)
        assert tty.ldisc.read(100, False, 0.0) == b"ab\n"
        assert _read_exactly(master, 4) == b"ab\r\n"     # the guest's echo, through OPOST
        os.write(master, b"\x03")
        _poll_until(kernel, lambda: kernel.sent)
        assert kernel.sent == [(7, SIGINT)]
        # host window-size change: the handler only pokes a pipe; the host wait applies it
        import fcntl
        fcntl.ioctl(slave, host_termios.TIOCSWINSZ, Winsize(40, 120).pack())
        os.kill(os.getpid(), signal.SIGWINCH)
        _poll_until(kernel, lambda: tty.winsize == Winsize(40, 120))
        assert tty.winsize == Winsize(40, 120)
        assert kernel.sent[-1] == (7, SIGWINCH)
    finally:
        restore_host_terminal()
        signal.signal(signal.SIGWINCH, old_handler)
        assert host_termios.tcgetattr(slave) == before
        os.close(master)
        os.close(slave)
