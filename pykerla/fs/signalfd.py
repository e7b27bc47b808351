"""signalfd: pending signals read from a file descriptor (signalfd(2)).

Reading takes pending signals of the reading thread (its own first, then its process's)
that are in the file's mask, whatever the signal mask says (callers block them with
sigprocmask so that they are not delivered the usual way), as 128-byte struct
signalfd_siginfo records: as many as fit, at least one (blocking, or EAGAIN, while none is
pending; a buffer too small for one is EINVAL). Taking a POSIX timer's signal re-arms the
timer as any dequeue does. The file sleeps on its process's `signalfd_wait`, which signal
generation wakes; readiness is judged for the thread that created the file.
"""

from __future__ import annotations

import errno
import struct
from typing import Any

from ..errors import KernelError
from ..process.signal_state import SI_TIMER, SIGCHLD, UNBLOCKABLE, SigInfo
from ..process.signals import FAULT_SIGNALS
from ..process.task import DEAD
from ..process.wait_queue import WouldBlock
from .anon_file import AnonFile
from .flags import O_NONBLOCK, O_RDWR
from .poll import POLLIN

SFD_NONBLOCK = O_NONBLOCK
SIGNALFD_SIGINFO_SIZE = 128
_ALL_SIGNALS = (1 << 64) - 1


def pack_signalfd_siginfo(info: SigInfo) -> bytes:
    """struct signalfd_siginfo, filled from the siginfo union member Linux would use."""
    buf = bytearray(SIGNALFD_SIGINFO_SIZE)
    struct.pack_into("<Iii", buf, 0, info.signo, info.errno, info.code)
    value = info.value & _ALL_SIGNALS
    as_int = value & 0xFFFFFFFF
    as_int -= (as_int & 0x80000000) << 1
    if info.code == SI_TIMER:                                     # ssi_tid, ssi_overrun, ssi_int, ssi_ptr
        struct.pack_into("<I", buf, 24, info.extra.get("timerid", 0) & 0xFFFFFFFF)
        struct.pack_into("<I", buf, 32, info.extra.get("overrun", 0))
        struct.pack_into("<iQ", buf, 44, as_int, value)
    elif info.signo in FAULT_SIGNALS and info.code > 0:            # ssi_addr
        struct.pack_into("<Q", buf, 72, info.addr)
    elif info.signo == SIGCHLD and info.code > 0:                  # ssi_status, ssi_utime, ssi_stime
        struct.pack_into("<II", buf, 12, info.pid, info.uid)
        struct.pack_into("<i", buf, 40, info.status)
        struct.pack_into("<QQ", buf, 56, info.utime, info.stime)
    else:
        struct.pack_into("<II", buf, 12, info.pid, info.uid)
        if info.code < 0:                                          # sigqueue, tkill: ssi_int, ssi_ptr
            struct.pack_into("<iQ", buf, 44, as_int, value)
    return bytes(buf)


class SignalFdFile(AnonFile):
    """One signalfd; `mask` is the set of signals it reads (bit n-1 for signal n)."""

    anon_name = b"[signalfd]"

    def __init__(self, owner: Any, mask: int, flags: int) -> None:
        super().__init__(O_RDWR | (flags & O_NONBLOCK))
        self.owner = owner
        self.wait_queue = owner.group.signalfd_wait
        self.mask = 0
        self.set_mask(mask)

    def set_mask(self, mask: int) -> None:
        self.mask = mask & ~UNBLOCKABLE & _ALL_SIGNALS
        self.wait_queue.wake_all()

    def read(self, task: Any, size: int) -> bytes:
        wanted = size // SIGNALFD_SIGINFO_SIZE
        if not wanted:
            raise KernelError(errno.EINVAL)
        records = []
        signals = task.kernel.signals
        while len(records) < wanted:
            info = signals.dequeue(task, ~self.mask & _ALL_SIGNALS)
            if info is None:
                break
            records.append(pack_signalfd_siginfo(info))
        if not records:
            if self.nonblocking:
                raise KernelError(errno.EAGAIN)
            raise WouldBlock([task.group.signalfd_wait])
        return b"".join(records)

    def poll(self, events: int) -> int:
        owner = self.owner
        pending = owner.group.shared_pending.mask
        if owner.state != DEAD:
            pending |= owner.pending.mask
        return POLLIN if pending & self.mask else 0

