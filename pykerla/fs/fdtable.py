"""The file-descriptor table of a process: fd -> OpenFile plus the close-on-exec flag.

Each occupied slot holds one reference on its OpenFile (get() on install, put() on
close), so the file is released when the last descriptor sharing it is closed.
"""

from __future__ import annotations

import errno
from collections.abc import Iterator

from ..errors import KernelError
from .file import OpenFile
from .lock import close_posix

RLIMIT_NOFILE_DEFAULT = 1024


class FdTable:
    """fd -> (OpenFile, cloexec); new descriptors take the lowest free number."""

    def __init__(self, limit: int = RLIMIT_NOFILE_DEFAULT) -> None:
        self._files: dict[int, OpenFile] = {}
        self._cloexec: set[int] = set()
        self.limit = limit  # RLIMIT_NOFILE soft limit; setrlimit updates it
        self._low = 0       # every fd below it is in use (Linux's next_fd): no rescans

    def get(self, fd: int) -> OpenFile:
        """The open file of `fd`, or EBADF."""
        try:
            return self._files[fd]
        except KeyError:
            raise KernelError(errno.EBADF) from None

    def __contains__(self, fd: int) -> bool:
        return fd in self._files

    def __len__(self) -> int:
        return len(self._files)

    def items(self) -> Iterator[tuple[int, OpenFile]]:
        """(fd, file) pairs in fd order (for /proc/PID/fd and poll)."""
        for fd in sorted(self._files):
            yield fd, self._files[fd]

    def cloexec(self, fd: int) -> bool:
        self.get(fd)
        return fd in self._cloexec

    def set_cloexec(self, fd: int, on: bool) -> None:
        self.get(fd)
        if on:
            self._cloexec.add(fd)
        else:
            self._cloexec.discard(fd)

    def next_free(self, lowest: int = 0) -> int:
        """The fd install() would use (EMFILE if none), to fail before side effects."""
        fd = max(lowest, self._low)
        while fd in self._files:
            fd += 1
        if lowest <= self._low:
            self._low = fd
        if fd >= self.limit:
            raise KernelError(errno.EMFILE)
        return fd

    def install(self, file: OpenFile, cloexec: bool = False, lowest: int = 0) -> int:
        """Put `file` at the lowest free fd >= `lowest` (EMFILE when none below the limit)."""
        fd = self.next_free(lowest)
        self._put_at(fd, file, cloexec)
        return fd

    def _put_at(self, fd: int, file: OpenFile, cloexec: bool) -> None:
        old = self._files.get(fd)
        self._files[fd] = file.get()
        if cloexec:
            self._cloexec.add(fd)
        else:
            self._cloexec.discard(fd)
        if old is not None:
            close_posix(self, old)
            old.put()

    def install_at(self, fd: int, file: OpenFile, cloexec: bool = False) -> None:
        """Put `file` at exactly `fd`, closing what was there (dup2 semantics)."""
        if fd < 0 or fd >= self.limit:
            raise KernelError(errno.EBADF)
        self._put_at(fd, file, cloexec)

    def close(self, fd: int) -> None:
        file = self._files.pop(fd, None)
        if file is None:
            raise KernelError(errno.EBADF)
        self._cloexec.discard(fd)
        self._low = min(self._low, fd)
        close_posix(self, file)
        file.put()

    def dup(self, fd: int, lowest: int = 0, cloexec: bool = False) -> int:
        """dup / F_DUPFD / F_DUPFD_CLOEXEC (the caller checks `lowest` against the limit)."""
        return self.install(self.get(fd), cloexec, lowest)

    def dup2(self, oldfd: int, newfd: int, cloexec: bool = False) -> int:
        file = self.get(oldfd)
        if oldfd != newfd:
            self.install_at(newfd, file, cloexec)
        return newfd

    def fork(self) -> FdTable:
        """A copy sharing every open file (fork without CLONE_FILES)."""
        other = FdTable(self.limit)
        for fd, file in self._files.items():
            other._files[fd] = file.get()
        other._cloexec = set(self._cloexec)
        return other

    def close_on_exec(self) -> None:
        for fd in sorted(self._cloexec):
            self.close(fd)

    def close_all(self) -> None:
        for fd in sorted(self._files):
            self.close(fd)
