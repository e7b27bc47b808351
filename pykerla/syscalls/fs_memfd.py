"""memfd_create (the file and its seals are fs/memfd.py; fcntl's seal commands call
fs.memfd.seal_fcntl)."""

from __future__ import annotations

import errno
from typing import Any

from ..errors import KernelError
from ..fs.memfd import MFD_ALL_FLAGS, MFD_CLOEXEC, MFD_EXEC, MFD_HUGETLB, MFD_NAME_MAX_LEN, MFD_NOEXEC_SEAL, new_memfd
from .table import syscall


@syscall(319, "memfd_create", "s", "x")
def sys_memfd_create(task: Any, name_addr: int, flags: int) -> int:
    flags &= 0xFFFFFFFF
    if flags & ~MFD_ALL_FLAGS or flags & MFD_EXEC and flags & MFD_NOEXEC_SEAL:
        raise KernelError(errno.EINVAL)
    if flags & MFD_HUGETLB:
        raise KernelError(errno.EINVAL)     # no hugetlbfs here
    try:
        name = task.mm.read_cstring(name_addr, limit=MFD_NAME_MAX_LEN + 1)
    except KernelError as e:
        raise KernelError(errno.EINVAL if e.errno == errno.ENAMETOOLONG else e.errno) from None
    task.files.next_free()
    file = new_memfd(name, flags, task.creds.fsuid, task.creds.fsgid)
    return task.files.install(file, cloexec=bool(flags & MFD_CLOEXEC))
