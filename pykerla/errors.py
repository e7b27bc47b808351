"""Kernel error type: a handler raises KernelError(errno) and the dispatcher returns -errno."""

from __future__ import annotations

import errno as _errno


class KernelError(Exception):
    """A failed kernel operation carrying a Linux errno value."""

    def __init__(self, err: int, message: str | None = None) -> None:
        super().__init__(message or errno_name(err))
        self.errno = err


def errno_name(err: int) -> str:
    """The symbolic name of an errno value (EPERM, ENOENT...), as strace prints it."""
    return _errno.errorcode.get(err, f"E{err}")


# Kernel-internal restart codes (never seen by user space), as in Linux.
ERESTARTSYS = 512
ERESTARTNOINTR = 513
ERESTARTNOHAND = 514
ERESTART_RESTARTBLOCK = 516
