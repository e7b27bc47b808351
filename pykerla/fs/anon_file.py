"""Files without a name (eventfd, timerfd, signalfd, epoll, inotify): each has an anonymous
inode, an lseek that does nothing and reports position 0 (Linux's noop_llseek), and shows in
/proc/PID/fd as "anon_inode:" followed by its kind."""

from __future__ import annotations

from .file import OpenFile
from .inode import anon_inode


class AnonFile(OpenFile):
    """Base of the anonymous-inode files; subclasses set `anon_name`."""

    anon_name = b""

    def __init__(self, flags: int) -> None:
        super().__init__(anon_inode(), flags)

    def seek(self, offset: int, whence: int) -> int:
        return self.pos

    def path_name(self) -> bytes:
        return b"anon_inode:" + self.anon_name
