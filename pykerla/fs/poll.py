"""Poll event bits and the readiness test shared by poll, select and epoll.

Every OpenFile answers `poll(events) -> revents` with its current readiness and wakes its
`wait_queue` whenever that readiness may have changed; waiting is done by the caller.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .file import OpenFile

POLLIN = 0x001
POLLPRI = 0x002
POLLOUT = 0x004
POLLERR = 0x008
POLLHUP = 0x010
POLLNVAL = 0x020
POLLRDNORM = 0x040
POLLRDBAND = 0x080
POLLWRNORM = 0x100
POLLWRBAND = 0x200
POLLMSG = 0x400
POLLRDHUP = 0x2000

# What a file without its own notion of readiness reports (always ready).
DEFAULT_POLLMASK = POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM


def revents(file: OpenFile, events: int) -> int:
    """The events of interest that are ready on `file`; POLLERR and POLLHUP always count."""
    return file.poll(events) & (events | POLLERR | POLLHUP)
