"""Pipes and FIFOs: buffering, EOF, EPIPE/SIGPIPE, O_NONBLOCK, blocking, atomicity, polling."""

from __future__ import annotations

import errno
import struct

import pytest
from test_fs_fakes import AT_FDCWD_RAW, FakeTask

from pykerla.fs.flags import O_CLOEXEC, O_NONBLOCK, O_RDONLY, O_RDWR, O_WRONLY
from pykerla.fs.pipe import PIPE_BUF, PIPE_DEF_SIZE
from pykerla.fs.poll import POLLERR, POLLHUP, POLLIN, POLLNVAL, POLLOUT
from pykerla.process.wait_queue import WouldBlock


def make_pipe(t: FakeTask, flags: int = 0) -> tuple[int, int]:
    addr = t.mm.alloc(8)
    assert t.call("pipe2", addr, flags) == 0
    return struct.unpack("<ii", t.mm.read(addr, 8))


def write(t: FakeTask, fd: int, data: bytes) -> int:
    return t.call("write", fd, t.mm.put(data), len(data))


def read(t: FakeTask, fd: int, n: int) -> bytes | int:
    buf = t.mm.alloc(n)
    got = t.call("read", fd, buf, n)
    return t.mm.read(buf, got) if got >= 0 else got


@pytest.fixture
def t() -> FakeTask:
    return FakeTask()


def test_pipe_basic_eof(t: FakeTask) -> None:
    r, w = make_pipe(t)
    assert (r, w) == (0, 1)
    assert write(t, w, b"hello") == 5
    assert read(t, r, 3) == b"hel"
    assert read(t, r, 10) == b"lo"
    t.call("close", w)
    assert read(t, r, 10) == b""
    assert read(t, w, 1) == -errno.EBADF


def test_pipe_blocks_and_nonblock(t: FakeTask) -> None:
    r, w = make_pipe(t)
    with pytest.raises(WouldBlock) as e:
        t.call("read", r, t.mm.alloc(1), 1)
    queue = e.value.queues[0]
    t.syscall_scratch.clear()
    t.call("fcntl", r, 4, O_NONBLOCK)
    assert read(t, r, 1) == -errno.EAGAIN
    woken = []

    class Sleeper:
        def wake(self) -> None:
            woken.append(1)

    queue.add(Sleeper())
    write(t, w, b"x")
    assert woken


def test_epipe_sigpipe(t: FakeTask) -> None:
    r, w = make_pipe(t)
    t.call("close", r)
    assert write(t, w, b"x") == -errno.EPIPE
    assert t.signals == [13]


def test_pipe_capacity_atomic_and_partial(t: FakeTask) -> None:
    r, w = make_pipe(t, O_NONBLOCK)
    assert write(t, w, b"a" * (PIPE_DEF_SIZE - 100)) == PIPE_DEF_SIZE - 100
    # a small write that does not fit whole is refused (atomicity)
    assert write(t, w, b"b" * 200) == -errno.EAGAIN
    # a large non-blocking write writes what fits
    assert write(t, w, b"c" * (PIPE_BUF + 1)) == 100
    assert write(t, w, b"d") == -errno.EAGAIN
    t.call("fcntl", w, 4, 0)
    with pytest.raises(WouldBlock):
        t.call("write", w, t.mm.put(b"e"), 1)


def test_blocking_large_write_resumes(t: FakeTask) -> None:
    r, w = make_pipe(t)
    data = bytes(range(256)) * 400  # 100 KiB
    buf = t.mm.put(data)
    with pytest.raises(WouldBlock) as e:
        t.call("write", w, buf, len(data))
    assert e.value.on_interrupt() == PIPE_DEF_SIZE  # what a signal would make it return
    reader = FakeTask(root=t.fs.root)  # another process sharing the descriptors
    reader.files = t.files
    got = read(reader, r, PIPE_DEF_SIZE)
    # the dispatcher calls the handler again from the start; scratch carries the progress
    assert t.call("write", w, buf, len(data)) == len(data)
    got += read(reader, r, len(data))
    assert got == data


def test_poll_pipe(t: FakeTask) -> None:
    r, w = make_pipe(t)
    fds = t.mm.alloc(32)

    def poll(entries: list[tuple[int, int]], timeout: int = 0) -> tuple[int, list[int]]:
        raw = b"".join(struct.pack("<ihh", fd, ev, 0) for fd, ev in entries)
        t.mm.write(fds, raw)
        n = t.call("poll", fds, len(entries), timeout)
        out = t.mm.read(fds, len(raw))
        return n, [struct.unpack_from("<ihh", out, 8 * i)[2] & 0xFFFF for i in range(len(entries))]

    n, rev = poll([(r, POLLIN), (w, POLLOUT), (-1, POLLIN), (55, POLLIN)])
    assert n == 2 and rev == [0, POLLOUT, 0, POLLNVAL]
    with pytest.raises(WouldBlock) as e:
        poll([(r, POLLIN)], timeout=-1)
    assert e.value.deadline is None
    t.syscall_scratch.clear()
    write(t, w, b"x")
    assert poll([(r, POLLIN)]) == (1, [POLLIN])
    t.call("close", w)
    n, rev = poll([(r, POLLIN)])
    assert rev == [POLLIN | POLLHUP]
    read(t, r, 1)
    assert poll([(r, 0)]) == (1, [POLLHUP])
    r2, w2 = make_pipe(t)
    t.call("close", r2)
    assert poll([(w2, POLLOUT)]) == (1, [POLLOUT | POLLERR])


def test_poll_timeout_expires(t: FakeTask) -> None:
    r, _ = make_pipe(t)
    fds = t.mm.alloc(8)
    t.mm.write(fds, struct.pack("<ihh", r, POLLIN, 0))
    with pytest.raises(WouldBlock) as e:
        t.call("poll", fds, 1, 10)
    assert e.value.deadline is not None
    t.syscall_scratch["poll_deadline"] = 0.0  # the deadline has passed; the call is made again
    assert t.call("poll", fds, 1, 10) == 0


def test_select_and_pselect(t: FakeTask) -> None:
    r, w = make_pipe(t)
    rset, wset = t.mm.alloc(8), t.mm.alloc(8)
    tv = t.mm.alloc(16)
    t.mm.write(rset, struct.pack("<Q", 1 << r))
    t.mm.write(wset, struct.pack("<Q", 1 << w))
    t.mm.write(tv, struct.pack("<qq", 5, 0))
    assert t.call("select", w + 1, rset, wset, 0, tv) == 1
    assert struct.unpack("<Q", t.mm.read(rset, 8))[0] == 0
    assert struct.unpack("<Q", t.mm.read(wset, 8))[0] == 1 << w
    sec, usec = struct.unpack("<qq", t.mm.read(tv, 16))
    assert 4 <= sec <= 5 and 0 <= usec < 1_000_000  # remaining time written back
    t.mm.write(rset, struct.pack("<Q", 1 << 9))
    assert t.call("select", 10, rset, 0, 0, tv) == -errno.EBADF
    t.mm.write(tv, struct.pack("<qq", -1, 0))
    assert t.call("select", 1, 0, 0, 0, tv) == -errno.EINVAL
    # pselect6 with a signal mask; zero timeout
    ts, sig, mask = t.mm.alloc(16), t.mm.alloc(16), t.mm.alloc(8)
    t.mm.write(ts, struct.pack("<qq", 0, 0))
    t.mm.write(mask, struct.pack("<Q", 1 << 1))
    t.mm.write(sig, struct.pack("<QQ", mask, 8))
    t.mm.write(rset, struct.pack("<Q", 1 << r))
    assert t.call("pselect6", r + 1, rset, 0, 0, ts, sig) == 0
    assert t.blocked_mask == 0  # the temporary mask is gone on return
    t.mm.write(ts, struct.pack("<qq", 10, 0))
    with pytest.raises(WouldBlock) as e:
        t.call("pselect6", r + 1, rset, 0, 0, ts, sig)
    assert t.blocked_mask == 2 and e.value.restart == "nohand"
    e.value.on_interrupt()  # a signal arrives: remaining time written, mask restored after the handler
    assert t.saved_mask == 0 and struct.unpack("<qq", t.mm.read(ts, 16))[0] in (9, 10)
    t.syscall_scratch.clear()
    t.blocked_mask = 0
    write(t, w, b"!")
    t.mm.write(rset, struct.pack("<Q", 1 << r))
    assert t.call("pselect6", r + 1, rset, 0, 0, ts, 0) == 1
    assert struct.unpack("<Q", t.mm.read(rset, 8))[0] == 1 << r


def test_ppoll_timespec(t: FakeTask) -> None:
    r, w = make_pipe(t)
    fds, ts = t.mm.alloc(8), t.mm.alloc(16)
    t.mm.write(fds, struct.pack("<ihh", w, POLLOUT, 0))
    t.mm.write(ts, struct.pack("<qq", 1, 5))
    assert t.call("ppoll", fds, 1, ts, 0, 8) == 1
    assert struct.unpack("<qq", t.mm.read(ts, 16))[0] in (0, 1)
    t.mm.write(ts, struct.pack("<qq", 0, -1))
    assert t.call("ppoll", fds, 1, ts, 0, 8) == -errno.EINVAL


def test_fifo(t: FakeTask) -> None:
    assert t.call("mknodat", AT_FDCWD_RAW, b"/fifo", 0o010644, 0) == 0
    assert t.call("open", b"/fifo", O_WRONLY | O_NONBLOCK) == -errno.ENXIO
    rfd = t.call("open", b"/fifo", O_RDONLY | O_NONBLOCK)
    assert rfd >= 0
    # no writer has come yet: no POLLHUP, reads return EOF
    fds = t.mm.alloc(8)
    t.mm.write(fds, struct.pack("<ihh", rfd, POLLIN, 0))
    assert t.call("poll", fds, 1, 0) == 0
    wfd = t.call("open", b"/fifo", O_WRONLY)
    assert wfd >= 0
    assert write(t, wfd, b"through") == 7
    assert read(t, rfd, 20) == b"through"
    st = t.mm.alloc(144)
    t.call("fstat", wfd, st)
    assert struct.unpack_from("<I", t.mm.read(st + 24, 4))[0] == 0o010644
    t.call("close", wfd)
    t.call("close", rfd)
    # blocking open of a reader waits for a writer
    with pytest.raises(WouldBlock):
        t.call("open", b"/fifo", O_RDONLY)
    pending = t.syscall_scratch["fifo_open"][0]
    other = FakeTask(root=t.fs.root)
    w2 = other.call("open", b"/fifo", O_WRONLY)
    assert w2 >= 0  # a reader is waiting, so the writer does not block
    fd = t.call("open", b"/fifo", O_RDONLY)
    assert t.files.get(fd) is pending
    rw = t.call("open", b"/fifo", O_RDWR)
    assert rw >= 0


def test_fifo_open_abort_releases(t: FakeTask) -> None:
    t.call("mknod", b"/f2", 0o010600, 0)
    with pytest.raises(WouldBlock) as e:
        t.call("open", b"/f2", O_WRONLY)
    e.value.on_interrupt()  # what the dispatcher does when a signal interrupts the open
    t.syscall_scratch.clear()
    assert t.call("open", b"/f2", O_WRONLY | O_NONBLOCK) == -errno.ENXIO


def test_pipe_flags_and_fionread(t: FakeTask) -> None:
    r, w = make_pipe(t, O_CLOEXEC | O_NONBLOCK)
    assert t.call("fcntl", r, 1, 0) == 1
    assert t.call("fcntl", w, 3, 0) & O_NONBLOCK
    write(t, w, b"12345")
    arg = t.mm.alloc(4)
    assert t.call("ioctl", r, 0x541B, arg) == 0
    assert struct.unpack("<i", t.mm.read(arg, 4))[0] == 5
    assert t.call("lseek", r, 0, 0) == -errno.ESPIPE
    assert t.call("fcntl", r, 1032, 0) == PIPE_DEF_SIZE
    assert t.call("fcntl", r, 1031, 5000) == 8192
    assert t.call("fcntl", r, 1031, 1) == 4096
    assert t.call("pipe2", t.mm.alloc(8), 0o40000) == -errno.EINVAL
    assert t.call("pipe2", t.mm.alloc(8), 1) == -errno.EINVAL
    assert t.call("pipe", 0x1) == -errno.EFAULT
    assert len(t.files) == 2  # the failed pipe() closed what it had opened
