"""capget(2): the capability sets of a thread (see process/capability.py for where they
come from). capset is not provided (ENOSYS): there is no capability state to change.

The header is {u32 version; int pid}. Version 1 (0x19980330) reads one 32-bit data struct
{effective, permitted, inheritable}; versions 2 (0x20071026) and 3 (0x20080522) read two,
low word first. An unknown version is answered with EINVAL after the kernel's preferred
version (3) is written into the header, and a NULL data pointer only probes the version.
"""

from __future__ import annotations

import errno
import struct
from typing import Any

from ..errors import KernelError
from ..process.capability import capability_sets
from .table import syscall

CAPABILITY_VERSION_1 = 0x19980330
CAPABILITY_VERSION_2 = 0x20071026
CAPABILITY_VERSION_3 = 0x20080522
DATA_WORDS = {CAPABILITY_VERSION_1: 1, CAPABILITY_VERSION_2: 2, CAPABILITY_VERSION_3: 2}
_MASK32 = 0xFFFFFFFF


def _target(task: Any, pid: int) -> Any:
    if pid < 0:
        raise KernelError(errno.EINVAL)
    if pid in (0, task.tid):
        return task
    target = task.kernel.tasks.get(pid)
    if target is None:
        raise KernelError(errno.ESRCH)
    return target


@syscall(125, "capget", "p", "p")
def sys_capget(task: Any, header: int, data: int) -> int:
    words = DATA_WORDS.get(struct.unpack("<I", task.mm.read(header, 4))[0])
    if words is None:          # cap_validate_magic: tell the caller which version to use
        task.mm.write(header, struct.pack("<I", CAPABILITY_VERSION_3))
        if data == 0:
            return 0
        raise KernelError(errno.EINVAL)
    if data == 0:
        return 0
    pid = struct.unpack("<i", task.mm.read(header + 4, 4))[0]
    sets = capability_sets(_target(task, pid).creds)
    task.mm.write(data, b"".join(struct.pack("<III", *((s >> (32 * i)) & _MASK32 for s in sets))
                                 for i in range(words)))
    return 0
