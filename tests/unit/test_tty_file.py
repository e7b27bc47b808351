"""Tty objects and their open files: read/write/poll and the tty ioctls."""

import errno
import struct

import pytest

from pykerla.errors import KernelError
from pykerla.fs.flags import O_NONBLOCK, O_RDWR, S_IFCHR
from pykerla.fs.inode import Inode, SuperBlock
from pykerla.fs.poll import POLLIN, POLLOUT
from pykerla.process.signal_state import SIGCONT, SIGHUP, SIGINT, SIGTTOU, SIGWINCH
from pykerla.process.wait_queue import WouldBlock
from pykerla.tty import termios as T
from pykerla.tty.tty import Tty, TtyFile, open_current_tty, open_tty


class Memory:
    def __init__(self):
        self.data = bytearray(4096)

    def read(self, addr, n):
        if addr < 0 or addr + n > len(self.data):
            raise KernelError(errno.EFAULT)
        return bytes(self.data[addr:addr + n])

    def write(self, addr, data):
        if addr < 0 or addr + len(data) > len(self.data):
            raise KernelError(errno.EFAULT)
        self.data[addr:addr + len(data)] = data


class Group:
    def __init__(self, tgid, pgid=None, sid=None):
        self.tgid = tgid
        self.pgid = pgid if pgid is not None else tgid
        self.sid = sid if sid is not None else tgid
        self.ctty = None
        self.zombie = False


class Kernel:
    def __init__(self):
        self.groups = {}
        self.sent = []

    def kill_pgrp(self, pgid, signo):
        self.sent.append((pgid, signo))

    def groups_in_pgrp(self, pgid):
        return [g for g in self.groups.values() if g.pgid == pgid and not g.zombie]


class Creds:
    euid = 0


class Task:
    def __init__(self, kernel, group, mm):
        self.kernel = kernel
        self.group = group
        self.mm = mm
        self.creds = Creds()
        self.syscall_scratch = {}
        self.blocked_mask = 1 << (SIGTTOU - 1)    # as a shell has it: background changes go through


class Driver:
    def __init__(self):
        self.out = bytearray()
        self.unthrottled = 0

    def write(self, data):
        self.out += data

    def unthrottle(self):
        self.unthrottled += 1


class Dentry:
    def __init__(self, inode):
        self.inode = inode


@pytest.fixture
def env():
    kernel = Kernel()
    leader = Group(10)
    kernel.groups[10] = leader
    driver = Driver()
    tty = Tty("ttyT", driver, kernel)
    inode = Inode(SuperBlock("test", 1), S_IFCHR | 0o620)
    file = TtyFile(tty, inode, O_RDWR)
    task = Task(kernel, leader, Memory())
    return kernel, tty, driver, file, task


def put_int(task, addr, value):
    task.mm.write(addr, struct.pack("<i", value))


def get_int(task, addr):
    return struct.unpack("<i", task.mm.read(addr, 4))[0]


def test_read_blocks_then_returns_line(env):
    kernel, tty, driver, file, task = env
    with pytest.raises(WouldBlock) as e:
        file.read(task, 100)
    assert e.value.queues == (file.wait_queue,)
    tty.receive(b"ls\r")
    assert file.poll(POLLIN) & POLLIN
    assert file.read(task, 100) == b"ls\n"
    assert driver.out == b"ls\r\n" and driver.unthrottled == 1


def test_nonblocking_read(env):
    kernel, tty, driver, file, task = env
    file.flags |= O_NONBLOCK
    with pytest.raises(KernelError) as e:
        file.read(task, 10)
    assert e.value.errno == errno.EAGAIN


def test_write_processes_output_and_blocks_when_stopped(env):
    kernel, tty, driver, file, task = env
    assert file.write(task, b"hi\n") == 3
    assert driver.out == b"hi\r\n"
    tty.receive(b"\x13")
    assert not file.poll(POLLOUT) & POLLOUT
    with pytest.raises(WouldBlock):
        file.write(task, b"x")
    tty.receive(b"\x11")
    assert file.write(task, b"x") == 1


def test_tcgets_tcsets(env):
    kernel, tty, driver, file, task = env
    assert file.ioctl(task, T.TCGETS, 100) == 0
    t = T.Termios.unpack(task.mm.read(100, 36))
    assert t == T.Termios()
    t.lflag &= ~(T.ICANON | T.ECHO)
    task.mm.write(200, t.pack())
    tty.receive(b"a")   # pending in the line being edited
    file.ioctl(task, T.TCSETSF, 200)
    assert not tty.ldisc.icanon and tty.ldisc.inq() == 0
    tty.receive(b"q")
    assert file.read(task, 10) == b"q"
    assert file.ioctl(task, T.TCGETS2, 300) == 0
    assert T.Termios.unpack(task.mm.read(300, 44)).lflag == t.lflag


def test_bad_pointer_is_efault(env):
    kernel, tty, driver, file, task = env
    with pytest.raises(KernelError) as e:
        file.ioctl(task, T.TCGETS, 1 << 40)
    assert e.value.errno == errno.EFAULT


def test_unknown_ioctl_is_enotty(env):
    kernel, tty, driver, file, task = env
    with pytest.raises(KernelError) as e:
        file.ioctl(task, 0x5499, 0)
    assert e.value.errno == errno.ENOTTY


def test_winsize_change_signals_foreground(env):
    kernel, tty, driver, file, task = env
    tty.attach(task.group)
    task.mm.write(0, T.Winsize(30, 100).pack())
    file.ioctl(task, T.TIOCSWINSZ, 0)
    file.ioctl(task, T.TIOCSWINSZ, 0)   # unchanged: no second signal
    assert kernel.sent == [(10, SIGWINCH)]
    file.ioctl(task, T.TIOCGWINSZ, 8)
    assert T.Winsize.unpack(task.mm.read(8, 8)) == T.Winsize(30, 100)


def test_controlling_tty_and_foreground_group(env):
    kernel, tty, driver, file, task = env
    with pytest.raises(KernelError) as e:
        file.ioctl(task, T.TIOCGPGRP, 0)
    assert e.value.errno == errno.ENOTTY
    assert file.ioctl(task, T.TIOCSCTTY, 0) == 0
    assert task.group.ctty is tty and tty.session == 10 and tty.pgrp == 10
    file.ioctl(task, T.TIOCGSID, 0)
    assert get_int(task, 0) == 10
    # a job in the same session becomes the foreground
    job = Group(11, pgid=11, sid=10)
    job.ctty = tty
    kernel.groups[11] = job
    put_int(task, 0, 11)
    file.ioctl(task, T.TIOCSPGRP, 0)
    file.ioctl(task, T.TIOCGPGRP, 4)
    assert get_int(task, 4) == 11
    tty.receive(b"\x03")
    assert kernel.sent == [(11, SIGINT)]
    # unknown group, group of another session, negative
    for pgid, err in ((99, errno.ESRCH), (-1, errno.EINVAL)):
        put_int(task, 0, pgid)
        with pytest.raises(KernelError) as e:
            file.ioctl(task, T.TIOCSPGRP, 0)
        assert e.value.errno == err
    kernel.groups[20] = Group(20)
    put_int(task, 0, 20)
    with pytest.raises(KernelError) as e:
        file.ioctl(task, T.TIOCSPGRP, 0)
    assert e.value.errno == errno.EPERM


def test_tiocsctty_rules(env):
    kernel, tty, driver, file, task = env
    child = Task(kernel, Group(12, pgid=10, sid=10), task.mm)   # not a session leader
    with pytest.raises(KernelError) as e:
        file.ioctl(child, T.TIOCSCTTY, 0)
    assert e.value.errno == errno.EPERM
    file.ioctl(task, T.TIOCSCTTY, 0)
    other = Task(kernel, Group(30), task.mm)
    kernel.groups[30] = other.group
    with pytest.raises(KernelError):
        file.ioctl(other, T.TIOCSCTTY, 0)          # owned by session 10
    file.ioctl(other, T.TIOCSCTTY, 1)              # root may steal it
    assert task.group.ctty is None and other.group.ctty is tty and tty.session == 30


def test_tiocnotty_by_session_leader_hangs_up_foreground(env):
    kernel, tty, driver, file, task = env
    with pytest.raises(KernelError):
        file.ioctl(task, T.TIOCNOTTY, 0)
    tty.attach(task.group)
    member = Group(13, pgid=10, sid=10)
    member.ctty = tty
    kernel.groups[13] = member
    file.ioctl(task, T.TIOCNOTTY, 0)
    assert kernel.sent == [(10, SIGHUP), (10, SIGCONT)]
    assert tty.session is None and member.ctty is None and task.group.ctty is None


def test_disassociate_on_exit_sends_only_sighup(env):
    kernel, tty, driver, file, task = env
    tty.attach(task.group)
    tty.disassociate(task.group, on_exit=True)
    assert kernel.sent == [(10, SIGHUP)]


def test_fionread_tcflsh_tcxonc_outq(env):
    kernel, tty, driver, file, task = env
    tty.receive(b"abc\nde")
    file.ioctl(task, T.FIONREAD, 0)
    assert get_int(task, 0) == 4 == file.nread()
    file.ioctl(task, T.TCFLSH, T.TCIFLUSH)
    assert file.nread() == 0
    with pytest.raises(KernelError):
        file.ioctl(task, T.TCFLSH, 7)
    file.ioctl(task, T.TCXONC, T.TCOOFF)
    tty.receive(b"x")
    file.ioctl(task, T.TIOCOUTQ, 0)
    assert get_int(task, 0) == 1
    file.ioctl(task, T.TCXONC, T.TCOON)
    assert driver.out.endswith(b"x")
    driver.out.clear()
    file.ioctl(task, T.TCXONC, T.TCIOFF)
    assert driver.out == b"\x13"
    with pytest.raises(KernelError):
        file.ioctl(task, T.TCXONC, 9)


def test_ldisc_ioctls(env):
    kernel, tty, driver, file, task = env
    file.ioctl(task, T.TIOCGETD, 0)
    assert get_int(task, 0) == T.N_TTY
    put_int(task, 0, 2)
    with pytest.raises(KernelError):
        file.ioctl(task, T.TIOCSETD, 0)


def test_open_acquires_controlling_tty_for_session_leader(env):
    kernel, tty, driver, file, task = env
    dentry = Dentry(file.inode)
    with pytest.raises(KernelError) as e:
        open_current_tty(task, dentry, O_RDWR)
    assert e.value.errno == errno.ENXIO
    opened = open_tty(task, tty, dentry.inode, O_RDWR, dentry)
    assert task.group.ctty is tty
    assert open_current_tty(task, dentry, O_RDWR).tty is opened.tty
