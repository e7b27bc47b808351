"""Pipes and FIFOs: a 64 KiB byte buffer between readers and writers.

Semantics (pipe(7)): writes of at most PIPE_BUF bytes are atomic; larger blocking writes
proceed piecewise; reading an empty pipe with no writers is EOF; writing with no readers
sends SIGPIPE and fails with EPIPE; O_NONBLOCK gives EAGAIN instead of blocking. Opening a
FIFO waits for the other side (fifo(7)). Blocking uses the WouldBlock protocol: the
progress of a partial blocking write lives in task.syscall_scratch, and its on_interrupt
returns the count already written, which a signal must make the call return (Linux
returns a partial count rather than EINTR or a restart); a FIFO end opened while waiting
for its partner is released by on_interrupt.
"""

from __future__ import annotations

import errno
from typing import Any

from ..errors import KernelError
from ..process.wait_queue import WaitQueue, WouldBlock
from .dentry import Dentry
from .file import OpenFile
from .flags import O_ACCMODE, O_NONBLOCK, O_RDONLY, O_RDWR, O_WRONLY, S_IFIFO
from .inode import Inode, SuperBlock
from .poll import POLLERR, POLLHUP, POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM

PIPE_BUF = 4096
PIPE_DEF_SIZE = 65536
PIPE_MAX_SIZE = 1 << 20  # /proc/sys/fs/pipe-max-size
PIPEFS_MAGIC = 0x50495045
SIGPIPE = 13
_WRITTEN = "pipe_written"
_FIFO_WAIT = "fifo_open"

PIPEFS = SuperBlock("pipefs", PIPEFS_MAGIC)


class Pipe:
    """The buffer and the reader/writer counts; `*_counter` count opens ever made, which
    is what a FIFO opener waits to see change."""

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.capacity = PIPE_DEF_SIZE
        self.readers = 0
        self.writers = 0
        self.r_counter = 0
        self.w_counter = 0
        self.wait_queue = WaitQueue()

    def set_capacity(self, size: int, privileged: bool) -> int:
        """F_SETPIPE_SZ: round up to a power-of-two number of pages."""
        if size > PIPE_MAX_SIZE and not privileged:
            raise KernelError(errno.EPERM)
        if size > 1 << 31:
            raise KernelError(errno.EINVAL)
        new = PIPE_BUF
        while new < size:
            new <<= 1
        if len(self.buffer) > new:
            raise KernelError(errno.EBUSY)
        self.capacity = new
        self.wait_queue.wake_all()
        return new


class PipeFile(OpenFile):
    """One open end of a pipe or FIFO (an O_RDWR FIFO end is both)."""

    def __init__(self, pipe: Pipe, inode: Inode, flags: int, dentry: Dentry | None = None) -> None:
        super().__init__(inode, flags, dentry)
        self.pipe = pipe
        self.wait_queue = pipe.wait_queue
        if self.readable:
            pipe.readers += 1
            pipe.r_counter += 1
        if self.writable:
            pipe.writers += 1
            pipe.w_counter += 1
        self._writers_seen = pipe.w_counter  # POLLHUP only once a writer has come and gone
        pipe.wait_queue.wake_all()

    def release(self) -> None:
        pipe = self.pipe
        if self.readable:
            pipe.readers -= 1
        if self.writable:
            pipe.writers -= 1
        if pipe.readers == 0 and pipe.writers == 0 and self.inode.pipe is pipe:
            self.inode.pipe = None  # a FIFO's data is discarded with its last open end
        pipe.wait_queue.wake_all()

    def read(self, task: Any, size: int) -> bytes:
        pipe = self.pipe
        if size == 0:
            return b""
        if pipe.buffer:
            data = bytes(pipe.buffer[:size])
            del pipe.buffer[:size]
            pipe.wait_queue.wake_all()
            return data
        if pipe.writers == 0:
            return b""
        if self.nonblocking:
            raise KernelError(errno.EAGAIN)
        raise WouldBlock([pipe.wait_queue])

    def write(self, task: Any, data: bytes) -> int:
        pipe = self.pipe
        total = len(data)
        if total == 0:
            return 0
        scratch = task.syscall_scratch
        done = scratch.get(_WRITTEN, 0)
        if pipe.readers == 0:
            task.force_signal(SIGPIPE)
            if done:
                return done
            raise KernelError(errno.EPIPE)
        free = pipe.capacity - len(pipe.buffer)
        if total <= PIPE_BUF:
            if free >= total:
                pipe.buffer += data
                pipe.wait_queue.wake_all()
                return total
        elif free > 0:
            n = min(free, total - done)
            pipe.buffer += data[done:done + n]
            done += n
            pipe.wait_queue.wake_all()
            if done == total:
                return total
        if self.nonblocking:
            if done:
                return done
            raise KernelError(errno.EAGAIN)
        if not done:
            raise WouldBlock([pipe.wait_queue])
        scratch[_WRITTEN] = done
        raise WouldBlock([pipe.wait_queue], on_interrupt=lambda: done)

    def poll(self, events: int) -> int:
        pipe = self.pipe
        mask = 0
        if self.readable:
            if pipe.buffer:
                mask |= POLLIN | POLLRDNORM
            if pipe.writers == 0 and self._writers_seen != pipe.w_counter:
                mask |= POLLHUP
        if self.writable:
            if pipe.capacity - len(pipe.buffer) >= PIPE_BUF:
                mask |= POLLOUT | POLLWRNORM
            if pipe.readers == 0:
                mask |= POLLERR
        return mask

    def nread(self) -> int:
        return len(self.pipe.buffer)

    def unread(self, data: bytes) -> None:
        self.pipe.buffer[:0] = data

    def path_name(self) -> bytes:
        if self.dentry is not None:
            return super().path_name()
        return b"pipe:[%d]" % self.inode.ino


def new_pipe(uid: int, gid: int, flags: int = 0) -> tuple[PipeFile, PipeFile]:
    """pipe2(): a (read end, write end) pair; only O_NONBLOCK of `flags` is used here."""
    inode = Inode(PIPEFS, S_IFIFO | 0o600, uid, gid)
    pipe = Pipe()
    inode.pipe = pipe  # reopened through /proc/PID/fd/N, it is this pipe (open_fifo)
    reader = PipeFile(pipe, inode, O_RDONLY | (flags & O_NONBLOCK))
    writer = PipeFile(pipe, inode, O_WRONLY | (flags & O_NONBLOCK))
    return reader, writer


def resume_fifo_open(task: Any) -> PipeFile | None:
    """When an open(2) that waited for a FIFO partner runs again: its file once the
    partner came (WouldBlock while not yet), None if this open never waited."""
    pending = task.syscall_scratch.get(_FIFO_WAIT)
    if pending is None:
        return None
    file, seen = pending
    counter = file.pipe.w_counter if file.flags & O_ACCMODE == O_RDONLY else file.pipe.r_counter
    if counter == seen:
        raise WouldBlock([file.pipe.wait_queue], on_interrupt=file.release)
    del task.syscall_scratch[_FIFO_WAIT]
    return file


def open_fifo(task: Any, dentry: Dentry, flags: int) -> PipeFile:
    """Open a FIFO, waiting (WouldBlock) for the other side unless O_NONBLOCK or O_RDWR;
    the open system call resumes with resume_fifo_open(). An anonymous pipe reopened
    through /proc/PID/fd/N never waits (Linux's fifo_open for a pipefs inode)."""
    inode = dentry.inode
    scratch = task.syscall_scratch
    is_pipe = inode.sb is PIPEFS
    if inode.pipe is None:
        if is_pipe:  # a pipefs inode whose file is not a Pipe (e.g. a host stream)
            raise KernelError(errno.ENXIO)
        inode.pipe = Pipe()
    pipe = inode.pipe
    assert isinstance(pipe, Pipe)
    acc = flags & O_ACCMODE
    if acc == O_WRONLY and flags & O_NONBLOCK and pipe.readers == 0 and not is_pipe:
        raise KernelError(errno.ENXIO)
    file = PipeFile(pipe, inode, flags, dentry)
    if is_pipe:
        file._writers_seen = 0  # its writers came before this open: POLLHUP once they are gone
        return file
    if acc == O_RDWR or flags & O_NONBLOCK:
        return file
    if acc == O_RDONLY:
        if pipe.writers:
            return file
        seen = pipe.w_counter
    else:
        if pipe.readers:
            return file
        seen = pipe.r_counter
    scratch[_FIFO_WAIT] = (file, seen)
    raise WouldBlock([pipe.wait_queue], on_interrupt=file.release)
